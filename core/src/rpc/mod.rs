//! JSON-RPC 2.0 codec and CometBFT methods (to be implemented).
