//! health (to be implemented)
