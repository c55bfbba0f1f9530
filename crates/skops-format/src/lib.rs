//! Read and write `.skops` files (the skops 0.16 format) without Python: the format layer.
//!
//! What a file may make Python do (the audit, the validators of scikit-learn state, trust
//! tables and policies) is `skops-trust`, which builds on this crate; this crate knows the
//! format only.
//!
//! Everything here distrusts its input: every size, count and depth read from a file is
//! checked against a named limit in [`limits`] before memory is allocated for it, and every
//! failure is a specific [`Error`] variant. Nothing in this crate panics on hostile input.
//!
//! Layers, bottom up:
//! - [`container`]: the zip archive (read what Python's `zipfile` writes; write stored/deflate),
//! - [`json`]: an order-preserving JSON model that accepts Python's `NaN`/`Infinity` and big ints,
//!   and a writer that matches `json.dumps(indent=2)`,
//! - [`npy`] / [`npz`]: numpy array members and scipy sparse members,
//! - [`schema`]: the typed node model of `schema.json` (protocols 0, 1 and 2), with node paths,
//! - [`file`](mod@file): a whole `.skops` file opened, parsed and cross-checked in one step,
//!   within the [`budget`] of what loading it may materialise,
//! - [`atomic`]: atomic file replacement for everything written to disk.
#![cfg_attr(
    not(test),
    deny(
        clippy::unwrap_used,
        clippy::expect_used,
        clippy::panic,
        clippy::indexing_slicing,
        clippy::unreachable
    )
)]

pub mod atomic;
pub mod budget;
pub mod container;
pub mod error;
pub mod file;
pub mod json;
pub mod limits;
pub mod npy;
pub mod npz;
pub mod schema;

pub use error::{Error, Result};

pub use file::{CheckedFile, SkopsFile};
pub use limits::Limits;
#[doc(hidden)]
pub use strum as __strum;
