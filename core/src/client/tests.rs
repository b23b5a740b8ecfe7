//! Unit tests of the client (virtual time, an in-memory JSON-RPC node).
