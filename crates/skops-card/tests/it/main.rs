//! Integration tests of `skops-card`: round trips of real cards, property tests, snapshots.

mod errors;
mod examples;
mod hostile;
mod roundtrip;
mod snapshots;
