//! Integration tests of the `skops-rs` binary: snapshots of what people read, every hostile
//! file of `testdata/malicious/`, every fixture skops 0.16 wrote (`$SKOPS_RS_FIXTURES`), and the
//! `card` subcommands.

// The tests report what they checked on stderr.
#![allow(clippy::print_stderr)]

mod card;
mod common;
mod fixtures;
mod hub;
mod hub_source;
mod malicious;
mod output;
mod policy;
mod predict;
