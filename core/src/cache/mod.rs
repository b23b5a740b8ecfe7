//! cache (to be implemented)
