//! metrics (to be implemented)
