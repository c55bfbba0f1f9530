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
            Self::Request(RequestError::UnsupportedEncoding { .. }) => 415,
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
            Self::Server(ServerError::Timeout { .. } | ServerError::ShuttingDown) => 503,
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
    /// The audit found types that are not trusted, and no `--policy` for the file's sha256
    /// approves them all: the model is not served.
    #[error(
        "`{}` holds untrusted types {types:?}{}: a model is served only when its audit finds none, or a `--policy` for its sha256 {sha256} approves them (review it with `skops-rs audit`, approve it with `skops-rs audit --write-policy`)",
        path.display(),
        policy.as_ref().map(|policy| format!(" that policy `{}` does not approve", policy.display())).unwrap_or_default()
    )]
    Untrusted {
        /// The model file.
        path: PathBuf,
        /// The untrusted types left (after the policy's, if one is for the file), sorted.
        types: Vec<String>,
        /// The sha256 of the file (what a policy must name).
        sha256: String,
        /// The policy for this file that approves too little, if one was given.
        policy: Option<PathBuf>,
    },
    /// A `--policy` file cannot be read, is not a trust policy, or repeats another's sha256.
    #[error("trust policy `{}`: {reason}", path.display())]
    Policy {
        /// The policy file.
        path: PathBuf,
        /// What is wrong (the trust crate's message and kind).
        reason: String,
    },
    /// A `--policy` is for no served model's file (a typo, or a model that changed since it
    /// was reviewed).
    #[error(
        "trust policy `{}` is for sha256 {sha256}, the file of no served model: each --policy must be for a model given (`skops-rs inspect MODEL` shows its sha256)",
        path.display()
    )]
    UnusedPolicy {
        /// The policy file.
        path: PathBuf,
        /// The sha256 it names.
        sha256: String,
    },
    /// A hub repository does not exist at the endpoint (or is private and `HF_TOKEN` may not
    /// read it).
    #[error(
        "hub repository {repo} not found (a private one needs `HF_TOKEN`; an argument that is not a local path is read as OWNER/NAME[@REVISION])"
    )]
    HubRepoNotFound {
        /// `` `owner/name[@revision]` at ENDPOINT ``.
        repo: String,
    },
    /// The repository has no such branch, tag or commit.
    #[error("hub repository {repo} has no revision `{revision}`")]
    HubRevisionNotFound {
        /// `` `owner/name[@revision]` at ENDPOINT ``.
        repo: String,
        /// The revision asked for.
        revision: String,
    },
    /// The hub refused the token (401), or the token may not read the repository (403).
    #[error(
        "hub repository {repo}: not authorized ({reason}): set `HF_TOKEN` to a token that may read it"
    )]
    HubUnauthorized {
        /// `` `owner/name[@revision]` at ENDPOINT ``.
        repo: String,
        /// What the hub said.
        reason: String,
    },
    /// The hub could not be reached, or failed itself (5xx), after the client's retries.
    #[error(
        "hub repository {repo}: the hub cannot be reached ({reason}); `HF_HUB_OFFLINE=1` serves what the cache holds"
    )]
    HubUnreachable {
        /// `` `owner/name[@revision]` at ENDPOINT ``.
        repo: String,
        /// What failed.
        reason: String,
    },
    /// The repository holds no `config.json` and not exactly one `.skops` file.
    #[error("hub repository {repo}: {reason}")]
    HubNoModel {
        /// `` `owner/name[@revision]` at ENDPOINT ``.
        repo: String,
        /// What it holds instead.
        reason: String,
    },
    /// `HF_HUB_OFFLINE` is set and the cache does not hold the repository at that revision.
    #[error("hub repository {repo} is not in the cache, and HF_HUB_OFFLINE forbids downloading it")]
    HubNotCached {
        /// `` `owner/name[@revision]` at ENDPOINT ``.
        repo: String,
    },
    /// Any other failure of the download (the cache, an unexpected answer).
    #[error("hub repository {repo}: download failed: {reason}")]
    HubDownload {
        /// `` `owner/name[@revision]` at ENDPOINT ``.
        repo: String,
        /// What failed.
        reason: String,
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
        "no model to serve: give .skops files, repository folders or hub repositories (OWNER/NAME[@REVISION]), `--model_dir DIR`, or `STORAGE_URI` (a local path, file:// or hf:// URL)"
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
    /// `STORAGE_URI` names remote storage other than a hub (`hf://`): KServe's storage
    /// initializer downloads it into `/mnt/models`, the server reads it only from there.
    #[error(
        "STORAGE_URI `{uri}` is remote storage: the server reads local models and hub repositories (`hf://OWNER/NAME[@REVISION]`) only; on KServe the storage initializer downloads other storage into /mnt/models (give `--model_dir /mnt/models`)"
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
    Policy => "serve-bad-policy",
    UnusedPolicy => "serve-unused-policy",
    HubRepoNotFound => "serve-hub-repo-not-found",
    HubRevisionNotFound => "serve-hub-revision-not-found",
    HubUnauthorized => "serve-hub-unauthorized",
    HubUnreachable => "serve-hub-unreachable",
    HubNoModel => "serve-hub-no-model",
    HubNotCached => "serve-hub-not-cached",
    HubDownload => "serve-hub-download",
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
    /// The body is compressed (`Content-Encoding`), which this server does not decode: a
    /// compressed body read as JSON would be a confusing syntax error.
    #[error("the request body has `Content-Encoding: {encoding}`: send it uncompressed")]
    UnsupportedEncoding {
        /// The encoding named.
        encoding: String,
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
    UnsupportedEncoding => "serve-unsupported-encoding",
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
    /// The server is stopping and the request's body had not arrived by then.
    #[error("the server is stopping and the request body had not arrived: send it again")]
    ShuttingDown,
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
    ShuttingDown => "serve-shutting-down",
    Bind => "serve-bind",
});
