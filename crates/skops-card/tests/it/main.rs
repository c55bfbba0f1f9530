//! Integration tests of `skops-card`: round trips of real cards, property tests, snapshots.

mod examples;
mod hostile;
mod roundtrip;
mod snapshots;
