//! Integration tests of `skops-card`: round trips of real cards, property tests, snapshots.

mod examples;
mod roundtrip;
mod snapshots;
