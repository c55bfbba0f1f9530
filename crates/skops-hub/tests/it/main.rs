//! Integration tests of the hub server.
