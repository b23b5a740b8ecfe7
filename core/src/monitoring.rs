//! monitoring (to be implemented)
