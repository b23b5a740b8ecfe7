//! ConnectionPool (to be implemented).
