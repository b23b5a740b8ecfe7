//! memory (to be implemented)
