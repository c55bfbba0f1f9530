//! What a `.skops` file may make Python do: scikit-learn knowledge on top of `skops-format`.
//!
//! skops 0.16 decides which types a file may import by name alone; this crate reproduces that
//! audit exactly and adds what names cannot tell: validators that read the native state
//! scikit-learn trusts blindly and refuse a state that breaks the invariants its Cython code
//! assumes, so that the types they check can be trusted without a list.
//!
//! Modules:
//! - [`state`]: the one typed state reader ([`state::State`]: an object's attributes exactly as
//!   skops sets them, with typed readers of their JSON values and arrays); the validators and
//!   native inference read models through it,
//! - [`validate`]: the validator registry and the validators of trees, predictors, KD/ball trees, sparse matrices, SVMs, neighbors,
//!   k-means, encoders, ... (refuse-only for types skops already trusts),
//! - [`audit`]: skops 0.16's default trust tables and the untrusted-type audit with node
//!   paths,
//! - [`policy`]: trust policies, type approvals bound to one file's sha256,
//! - [`visualize`]: the rows of skops' `visualize` tree, and a tolerant variant for tools,
//! - [`model`]: a `.skops` file opened with its validation kept, audited on demand.
//!
//! It may depend on `skops-format` only (and never the other way).
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

pub mod audit;
pub mod error;
pub mod model;
pub mod policy;
pub mod validate;
pub mod visualize;

pub use error::{Error, Result};
pub use model::{CheckedModel, ModelFile};
pub use validate::state;
