//! Serves `.skops` models over HTTP (`skops-rs serve`), evaluated by the native engine
//! (`skops-infer`): the Open Inference Protocol v2 REST routes as MLServer's scikit-learn
//! runtime answers them, and the legacy Hugging Face inference JSON that skops'
//! `get_model_output` and the Hub widget spoke.
//!
//! Every model is audited at start-up (no untrusted type may remain unless a trust policy for
//! the file's sha256 approves it), validated and built;
//! requests are bounded ([`limits`]), predictions run off the async executor, every failure is
//! a JSON answer `{"error", "kind"}` with a specific status ([`error`]), and each request is
//! counted in Prometheus metrics ([`metrics`]) and logged as one JSON line.
//!
//! Modules: [`engine`] (what evaluates a model: the native engine, or a fallback such as the
//! Python package's for models it does not evaluate), [`load`] (model files and repository
//! folders), [`source`] (hub repositories, downloaded into the Hugging Face cache), [`policy`]
//! (trust policies), [`input`] (request columns to the
//! engine's batch), [`oip`] and [`legacy`] (the two protocols), [`pages`] (the model pages and
//! the widget), [`http`] (routes, middleware).
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

pub mod engine;
pub mod error;
pub mod http;
pub mod input;
pub mod legacy;
pub mod limits;
pub mod load;
pub mod metrics;
pub mod oip;
pub mod pages;
pub mod policy;
pub mod source;

pub use engine::{Engine, Fallback, Unsupported};
pub use error::{Error, Result};
pub use http::{Server, router, serve};
pub use limits::Limits;
pub use load::{ModelSpec, Models, ServedModel};
