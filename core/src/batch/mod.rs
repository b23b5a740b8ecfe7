//! batch (to be implemented)
