//! The one error type of `skops-serve`: every way loading a model or answering a request can
//! fail, by name, in families (load, request, not found, engine, server), plus the native
//! engine's own errors ([`Error::Infer`]), which keep their `infer-*` kind.
//!
//! Each variant has a stable, kebab-case `kind()` (`docs/errors.md`) and an HTTP status
//! ([`Error::status`], an exhaustive `match`): bad input is always a 4xx with a specific kind,
//! only the server's own failures are 5xx. Answers are `{"error": message, "kind": kind}`.

use std::path::PathBuf;

use skops_format::error_kinds;
use skops_infer::error::{InputError, ModelError};

/// A result whose error is [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Everything that can make loading a model or answering a request fail, by family.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// A model could not be loaded at start-up.
    #[error(transparent)]
    Load(#[from] LoadError),
    /// The request is malformed, too large, or asks for something the model has not.
    #[error(transparent)]
    Request(#[from] RequestError),
    /// The model, its version or the route does not exist.
    #[error(transparent)]
    NotFound(#[from] NotFoundError),
    /// The native engine refused the batch (or, for a bug, the model): its own kind.
    #[error(transparent)]
    Infer(Box<skops_infer::Error>),
    /// Another engine than the native one (the Python engine) failed on a request.
    #[error(transparent)]
    Engine(#[from] EngineError),
    /// The server could not answer in time, or failed itself.
    #[error(transparent)]
    Server(#[from] ServerError),
}

impl From<skops_infer::Error> for Error {
    fn from(error: skops_infer::Error) -> Self {
        Self::Infer(Box::new(error))
    }
}

impl From<InputError> for Error {
    fn from(error: InputError) -> Self {
        Self::from(skops_infer::Error::from(error))
    }
}

impl Error {
    /// The stable, kebab-case name of the problem (`docs/errors.md`).
    pub fn kind(&self) -> &'static str {
        match self {
            Self::Load(error) => error.kind(),
            Self::Request(error) => error.kind(),
            Self::NotFound(error) => error.kind(),
            Self::Infer(error) => error.kind(),
            Self::Engine(error) => error.kind(),
            Self::Server(error) => error.kind(),
        }
    }

    /// Every kind of this crate's own families (the engine's are `skops_infer::Error::kinds`).
    pub fn kinds() -> impl Iterator<Item = &'static str> {
        LoadErrorKind::all()
            .chain(RequestErrorKind::all())
            .chain(NotFoundErrorKind::all())
            .chain(EngineErrorKind::all())
            .chain(ServerErrorKind::all())
    }

    /// The HTTP status this error is answered with.
    pub fn status(&self) -> u16 {
        match self {
            Self::Request(RequestError::BodyTooLarge { .. } | RequestError::TooManyRows { .. }) => {
                413
            }
            Self::Request(RequestError::MethodNotAllowed { .. }) => 405,
            Self::Request(RequestError::BodyTimeout { .. }) => 408,
            Self::Request(
                RequestError::BadJson { .. }
                | RequestError::BadRequest { .. }
                | RequestError::Datatype { .. }
                | RequestError::UnknownOutput { .. },
            ) => 400,
            Self::NotFound(_) => 404,
            // Well-formed input that does not fit the model (width, names, values, types).
            Self::Infer(error) => match error.as_ref() {
                skops_infer::Error::Input(_) => 422,
                skops_infer::Error::Model(ModelError::NoMethod { .. }) => 400,
                // Models were built and validated at start-up: anything else is a bug.
                skops_infer::Error::Model(_) | skops_infer::Error::File(_) => 500,
            },
            // As the native engine's input errors: the model refused well-formed input.
            Self::Engine(EngineError::BadInput { .. }) => 422,
            Self::Engine(EngineError::Failed { .. }) => 500,
            Self::Server(ServerError::Timeout { .. }) => 503,
            Self::Server(ServerError::Internal { .. } | ServerError::Bind { .. }) => 500,
            // Load errors stop the server before it answers anything.
            Self::Load(_) => 500,
        }
    }
}

/// Why a model could not be loaded at start-up (the server does not start).
#[derive(Debug, thiserror::Error, strum::EnumDiscriminants)]
#[strum_discriminants(name(LoadErrorKind), derive(strum::EnumIter))]
#[strum_discriminants(doc = "The variants of [`LoadError`], without their data.")]
pub enum LoadError {
    /// A model file or folder could not be read.
    #[error("cannot read `{}`: {source}", path.display())]
    Io {
        /// The path.
        path: PathBuf,
        /// What the system said.
        #[source]
        source: std::io::Error,
    },
    /// A repository folder's `config.json` is not what `hub_utils.init` writes.
    #[error("`{}`: {reason}", path.display())]
    Config {
        /// The `config.json`.
        path: PathBuf,
        /// What is wrong.
        reason: String,
    },
    /// The model is not a `.skops` file (a pickle or joblib file is never loaded).
    #[error("`{}` is not a .skops file ({reason}): only .skops models are served", path.display())]
    Format {
        /// The model file.
        path: PathBuf,
        /// How it was recognised.
        reason: String,
    },
    /// The audit found types that are not trusted: the model is not served.
    #[error(
        "`{}` holds untrusted types {types:?}: a model is served only when its audit finds none (review it with `skops-rs audit`)",
        path.display()
    )]
    Untrusted {
        /// The model file.
        path: PathBuf,
        /// The untrusted types, sorted.
        types: Vec<String>,
    },
    /// The file is invalid, or the native engine cannot evaluate the model: the engine's
    /// kind.
    #[error("`{}` cannot be served natively", path.display())]
    Model {
        /// The model file.
        path: PathBuf,
        /// What the engine said.
        #[source]
        source: Box<skops_infer::Error>,
    },
    /// The native engine does not evaluate the model (an unsupported class or option) and no
    /// other engine is at hand (the `skops-rs` binary): the engine's kind.
    #[error(
        "`{}` holds a model the native engine does not evaluate; `python -m skops_rs serve` serves it through the audited Python loader (`pip install \"skops-rs[sklearn]\"`)",
        path.display()
    )]
    NotNative {
        /// The model file.
        path: PathBuf,
        /// What the engine said.
        #[source]
        source: Box<skops_infer::Error>,
    },
    /// The fallback engine (Python) could not load a model the native engine does not
    /// evaluate.
    #[error("`{}`: the Python engine cannot serve it: {reason}", path.display())]
    Fallback {
        /// The model file.
        path: PathBuf,
        /// What failed (the Python exception's type and message).
        reason: String,
    },
    /// A `NAME=PATH` model argument is not valid.
    #[error("invalid model argument `{given}`: {reason}")]
    BadSpec {
        /// The argument as given.
        given: String,
        /// What is wrong.
        reason: &'static str,
    },
    /// Two models would have the same name.
    #[error("two models are named `{name}`: name one with `--model-name NAME=PATH`")]
    DuplicateName {
        /// The name.
        name: String,
    },
    /// No model was given.
    #[error(
        "no model to serve: give .skops files or repository folders, `--model_dir DIR`, or `STORAGE_URI` (a local path or file:// URL)"
    )]
    NoModels,
    /// A model folder (`--model_dir`, a local `STORAGE_URI`) holds no `config.json` and not
    /// exactly one `.skops` file.
    #[error("model folder `{}`: {reason}", dir.display())]
    ModelDir {
        /// The folder.
        dir: PathBuf,
        /// What it holds instead.
        reason: String,
    },
    /// `STORAGE_URI` names remote storage: KServe's storage initializer downloads it into
    /// `/mnt/models`, the server reads only local files.
    #[error(
        "STORAGE_URI `{uri}` is remote storage: the server reads local models only; on KServe the storage initializer downloads it into /mnt/models (give `--model_dir /mnt/models`); elsewhere download it first (e.g. `skops-rs hub`, `hf download`) and give the folder"
    )]
    RemoteStorage {
        /// The URI.
        uri: String,
    },
}

error_kinds!(LoadError / LoadErrorKind {
    Io => "serve-model-io",
    Config => "serve-bad-config",
    Format => "serve-not-skops",
    Untrusted => "serve-untrusted-types",
    BadSpec => "serve-bad-model-argument",
    DuplicateName => "serve-duplicate-name",
    NoModels => "serve-no-models",
    ModelDir => "serve-model-dir",
    RemoteStorage => "serve-remote-storage",
    Fallback => "serve-python-load",
} wrappers {
    Model,
    NotNative,
});

/// A request that is malformed, too large, or asks for something the model has not.
#[derive(Debug, thiserror::Error, strum::EnumDiscriminants)]
#[strum_discriminants(name(RequestErrorKind), derive(strum::EnumIter))]
#[strum_discriminants(doc = "The variants of [`RequestError`], without their data.")]
pub enum RequestError {
    /// The request body is larger than the limit.
    #[error("the request body is larger than the limit of {limit} bytes")]
    BodyTooLarge {
        /// The limit (see [`crate::limits`]).
        limit: usize,
    },
    /// The request has more rows than the limit.
    #[error("the request has {rows} rows, above the limit of {limit}")]
    TooManyRows {
        /// The rows given.
        rows: usize,
        /// The limit (see [`crate::limits`]).
        limit: usize,
    },
    /// The body is not valid JSON (a syntax error, or it ends early).
    #[error("invalid JSON body: {message}")]
    BadJson {
        /// What the JSON parser said.
        message: String,
    },
    /// The JSON is well-formed but its structure is not the protocol's (a missing field,
    /// unequal column lengths, a shape that does not match the data).
    #[error("invalid request: {reason}")]
    BadRequest {
        /// What is wrong.
        reason: String,
    },
    /// A tensor's datatype is unknown, or its data does not hold that datatype.
    #[error("input `{tensor}`: {reason}")]
    Datatype {
        /// The input tensor's name.
        tensor: String,
        /// What is wrong.
        reason: String,
    },
    /// An output name is not a method the server knows.
    #[error(
        "unknown output `{name}`: outputs are named after methods (predict, predict_proba, predict_log_proba, decision_function, transform, score_samples, apply)"
    )]
    UnknownOutput {
        /// The name asked for.
        name: String,
    },
    /// The route exists but not with this HTTP method.
    #[error("method {method} is not allowed here")]
    MethodNotAllowed {
        /// The method used.
        method: String,
    },
    /// The body did not arrive within the request timeout.
    #[error("the request body did not arrive within {seconds} s")]
    BodyTimeout {
        /// The timeout.
        seconds: u64,
    },
}

error_kinds!(RequestError / RequestErrorKind {
    BodyTooLarge => "serve-payload-too-large",
    TooManyRows => "serve-too-many-rows",
    BadJson => "serve-bad-json",
    BadRequest => "serve-bad-request",
    Datatype => "serve-bad-datatype",
    UnknownOutput => "serve-unknown-output",
    MethodNotAllowed => "serve-method-not-allowed",
    BodyTimeout => "serve-body-timeout",
});

/// A model, version or route that does not exist.
#[derive(Debug, thiserror::Error, strum::EnumDiscriminants)]
#[strum_discriminants(name(NotFoundErrorKind), derive(strum::EnumIter))]
#[strum_discriminants(doc = "The variants of [`NotFoundError`], without their data.")]
pub enum NotFoundError {
    /// No model has this name (MLServer's message).
    #[error("Model {name} not found")]
    Model {
        /// The name asked for.
        name: String,
    },
    /// The model has no such version (models served from files have none).
    #[error("Model {name} has no version {version}")]
    Version {
        /// The model.
        name: String,
        /// The version asked for.
        version: String,
    },
    /// No route answers this URL.
    #[error("no such route: `{path}`")]
    Route {
        /// The URL path.
        path: String,
    },
}

error_kinds!(NotFoundError / NotFoundErrorKind {
    Model => "serve-model-not-found",
    Version => "serve-version-not-found",
    Route => "serve-route-not-found",
});

/// A failure of the Python engine on a request (never a traceback: the exception's type and
/// message, cut at [`crate::limits::MAX_ENGINE_MESSAGE_CHARS`]).
#[derive(Debug, thiserror::Error, strum::EnumDiscriminants)]
#[strum_discriminants(name(EngineErrorKind), derive(strum::EnumIter))]
#[strum_discriminants(doc = "The variants of [`EngineError`], without their data.")]
pub enum EngineError {
    /// The model refused the input (scikit-learn raised `ValueError`, `TypeError`,
    /// `KeyError` or `IndexError`: a wrong width, missing columns, values it cannot take).
    #[error("the model refused the input: {message}")]
    BadInput {
        /// The exception's type and message.
        message: String,
    },
    /// The model raised anything else, or answered something that cannot be served.
    #[error("the Python engine failed: {message}")]
    Failed {
        /// The exception's type and message, or what cannot be served.
        message: String,
    },
}

impl EngineError {
    /// `BadInput` with `message` cut to its limit.
    pub fn bad_input(message: &str) -> Self {
        Self::BadInput {
            message: cut(message),
        }
    }

    /// `Failed` with `message` cut to its limit.
    pub fn failed(message: &str) -> Self {
        Self::Failed {
            message: cut(message),
        }
    }
}

/// `message` cut at [`crate::limits::MAX_ENGINE_MESSAGE_CHARS`] characters.
fn cut(message: &str) -> String {
    let limit = crate::limits::MAX_ENGINE_MESSAGE_CHARS;
    match message.char_indices().nth(limit) {
        Some((end, _)) => format!("{}...", message.get(..end).unwrap_or_default()),
        None => message.to_owned(),
    }
}

error_kinds!(EngineError / EngineErrorKind {
    BadInput => "serve-python-bad-input",
    Failed => "serve-python-error",
});

/// The server's own failures: never caused by a request's content.
#[derive(Debug, thiserror::Error, strum::EnumDiscriminants)]
#[strum_discriminants(name(ServerErrorKind), derive(strum::EnumIter))]
#[strum_discriminants(doc = "The variants of [`ServerError`], without their data.")]
pub enum ServerError {
    /// The prediction did not finish within the request timeout.
    #[error("the prediction did not finish within {seconds} s")]
    Timeout {
        /// The timeout.
        seconds: u64,
    },
    /// A prediction task failed without an answer (a bug).
    #[error("internal error: {reason}")]
    Internal {
        /// What failed.
        reason: String,
    },
    /// The server could not listen on its address.
    #[error("cannot listen on `{addr}`: {source}")]
    Bind {
        /// The address.
        addr: String,
        /// What the system said.
        #[source]
        source: std::io::Error,
    },
}

error_kinds!(ServerError / ServerErrorKind {
    Timeout => "serve-timeout",
    Internal => "serve-internal",
    Bind => "serve-bind",
});
