//! Integration tests of `skops-trust` on whole `.skops` files: the fixtures skops 0.16 writes
//! (when `SKOPS_RS_FIXTURES` names their directory), the hostile files of
//! `testdata/malicious/`, and the validator tables of `tests/data/validate/`.

// The tests report what they checked on stderr.
#![allow(clippy::print_stderr)]

mod craft;
mod fixtures;
mod malicious;
mod state;
mod table_edit;
mod validate_tables;
mod validate_trust;
mod visualize;
