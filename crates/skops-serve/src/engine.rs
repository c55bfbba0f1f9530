//! What evaluates a served model: an [`Engine`]. The native engine (`skops_infer::Predictor`)
//! serves every model it evaluates; a model it refuses as unsupported may be served by a
//! [`Fallback`] given to the loader (the Python package's engine: `python -m skops_rs serve`
//! loads such a model with the audited Python loader and calls scikit-learn). The pure-Rust
//! binary has no fallback, and refuses those models at start-up.

use std::fmt;
use std::path::Path;

use skops_infer::{Data, InputKind, Labels, Method, Output, Predictor};

use crate::error::Result;

/// Evaluates one model's methods on request batches, and says what the model is.
///
/// Shared by every request thread (`Send + Sync`); `run` is called off the async executor.
pub trait Engine: fmt::Debug + Send + Sync {
    /// The engine's name, shown in the model's metadata and page: `native` or `python`.
    fn engine_name(&self) -> &'static str;
    /// The root estimator's `module.class`.
    fn type_name(&self) -> &str;
    /// The methods the model has.
    fn methods(&self) -> Vec<Method>;
    /// The class labels of the final estimator (`classes_`), when it has them.
    fn classes(&self) -> Option<&Labels>;
    /// The SHA-256 of the `.skops` file, as lowercase hex.
    fn sha256(&self) -> &str;
    /// The scikit-learn version that wrote the file, when it says.
    fn sklearn_version(&self) -> Option<&str>;
    /// The number of input columns, when the model says.
    fn n_features_in(&self) -> Option<usize>;
    /// The column names the model was fitted with, when it has them.
    fn feature_names_in(&self) -> Option<&[String]>;
    /// Whether the model takes texts (a text vectorizer first): its batch is then one
    /// column of strings, one text per row.
    fn takes_text(&self) -> bool {
        false
    }
    /// What each input column holds, as far as the fitted state says (the categories of the
    /// string columns an encoder was fitted on); `None` when the engine does not say.
    fn input_kinds(&self) -> Option<Vec<InputKind>> {
        None
    }
    /// Whether the engine's batches run one at a time, across all models of this kind (the
    /// Python engine: each batch holds the GIL). The server then queues them in its async
    /// layer, where a batch whose client left or whose time ran out is dropped before it runs,
    /// rather than on threads that would compute it anyway; one that gets its turn with less
    /// than [`crate::limits::MIN_TIME_LEFT_TO_START`] left is answered 503 without running.
    fn runs_alone(&self) -> bool {
        false
    }
    /// Evaluates `method` on `data` (on the calling thread).
    fn run(&self, method: Method, data: &Data) -> Result<Output>;
}

impl Engine for Predictor {
    fn engine_name(&self) -> &'static str {
        "native"
    }
    fn type_name(&self) -> &str {
        Predictor::type_name(self)
    }
    fn methods(&self) -> Vec<Method> {
        Predictor::methods(self)
    }
    fn classes(&self) -> Option<&Labels> {
        Predictor::classes(self)
    }
    fn sha256(&self) -> &str {
        Predictor::sha256(self)
    }
    fn sklearn_version(&self) -> Option<&str> {
        Predictor::sklearn_version(self)
    }
    fn n_features_in(&self) -> Option<usize> {
        Predictor::n_features_in(self)
    }
    fn feature_names_in(&self) -> Option<&[String]> {
        Predictor::feature_names_in(self)
    }
    fn input_kinds(&self) -> Option<Vec<InputKind>> {
        Predictor::input_kinds(self)
    }
    fn run(&self, method: Method, data: &Data) -> Result<Output> {
        Ok(Predictor::run(self, method, data)?)
    }
}

/// A model the native engine refused as unsupported, after its audit passed: what a
/// [`Fallback`] needs to build another engine for it.
#[derive(Debug)]
pub struct Unsupported<'a> {
    /// The `.skops` file.
    pub path: &'a Path,
    /// Its bytes (audited).
    pub bytes: &'a [u8],
    /// The types trusted beyond the defaults when it was audited (none today): a loader that
    /// audits again must trust exactly these.
    pub trusted: &'a [String],
    /// The file's SHA-256, as lowercase hex.
    pub sha256: String,
    /// The scikit-learn version that wrote the file, when it says.
    pub sklearn_version: Option<String>,
    /// Why the native engine refused it.
    pub reason: &'a skops_infer::Error,
}

/// Builds an engine for models the native engine does not evaluate (`python -m skops_rs
/// serve` gives one; the `skops-rs` binary none).
pub trait Fallback: Send + Sync {
    /// The engine for `model`; an error stops the start-up.
    fn engine(&self, model: &Unsupported<'_>) -> Result<Box<dyn Engine>>;
}

/// Whether the native engine's refusal means "not evaluated natively" (an unsupported class
/// or option, which scikit-learn itself evaluates), rather than a file or state that is
/// wrong: only those models go to a [`Fallback`].
pub fn is_unsupported(error: &skops_infer::Error) -> bool {
    use skops_infer::error::ModelError;
    matches!(
        error,
        skops_infer::Error::Model(
            ModelError::Unsupported { .. } | ModelError::UnsupportedOption { .. }
        )
    )
}
