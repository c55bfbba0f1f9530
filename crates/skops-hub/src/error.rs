//! The one error type of `skops-hub`: every way a request can fail, by name, in families
//! (request, path, not found, auth, conflict, store, page).
//!
//! Each variant has a stable, kebab-case `kind()` (`docs/errors.md`), an HTTP status and, for
//! the "not found" family, the `X-Error-Code` the official Hub client maps to its own exception
//! classes (`RepositoryNotFoundError`, `RevisionNotFoundError`, `EntryNotFoundError`). Bad
//! input is always a 4xx with a specific kind; only the store failing is a 5xx.

use skops_format::error_kinds;

/// A result whose error is [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Everything that can make a hub request fail, by family.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The request itself is malformed or too large.
    #[error(transparent)]
    Request(#[from] RequestError),
    /// A file path in the request is not a valid repository path.
    #[error(transparent)]
    Path(#[from] PathError),
    /// The repository, revision or file does not exist (or may not be seen).
    #[error(transparent)]
    NotFound(#[from] NotFoundError),
    /// The request lacks the token it needs.
    #[error(transparent)]
    Auth(#[from] AuthError),
    /// The request conflicts with the repository's state.
    #[error(transparent)]
    Conflict(#[from] ConflictError),
    /// The storage failed (the only server-side errors).
    #[error(transparent)]
    Store(#[from] StoreError),
    /// A model page could not audit a file (shown on the page, beside the file).
    #[error(transparent)]
    Page(#[from] PageError),
}

impl Error {
    /// The stable, kebab-case name of the problem (`docs/errors.md`).
    pub fn kind(&self) -> &'static str {
        match self {
            Self::Request(error) => error.kind(),
            Self::Path(error) => error.kind(),
            Self::NotFound(error) => error.kind(),
            Self::Auth(error) => error.kind(),
            Self::Conflict(error) => error.kind(),
            Self::Store(error) => error.kind(),
            Self::Page(error) => error.kind(),
        }
    }

    /// Every kind a hub error can have.
    pub fn kinds() -> impl Iterator<Item = &'static str> {
        RequestErrorKind::all()
            .chain(PathErrorKind::all())
            .chain(NotFoundErrorKind::all())
            .chain(AuthErrorKind::all())
            .chain(ConflictErrorKind::all())
            .chain(StoreErrorKind::all())
            .chain(PageErrorKind::all())
    }

    /// The HTTP status this error is answered with.
    pub fn status(&self) -> u16 {
        match self {
            Self::Request(RequestError::BodyTooLarge { .. }) => 413,
            Self::Request(RequestError::RangeNotSatisfiable { .. }) => 416,
            Self::Request(RequestError::MethodNotAllowed { .. }) => 405,
            Self::Request(_) | Self::Path(_) => 400,
            Self::NotFound(_) => 404,
            Self::Auth(AuthError::ReadOnlyToken) => 403,
            Self::Auth(_) => 401,
            Self::Conflict(ConflictError::ParentMismatch { .. }) => 412,
            Self::Conflict(_) => 409,
            Self::Store(_)
            | Self::Page(PageError::AuditAborted { .. } | PageError::BuildAborted { .. }) => 500,
            Self::Page(PageError::AuditTooLarge { .. } | PageError::ModelTooLarge { .. }) => 413,
            Self::Page(PageError::ServingOff | PageError::NoModel { .. }) => 404,
            Self::Page(PageError::ModelNotServed { .. }) => 422,
        }
    }

    /// The `X-Error-Code` header the official client maps to its exception classes.
    pub fn error_code(&self) -> Option<&'static str> {
        match self {
            Self::NotFound(NotFoundError::Repo { .. }) => Some("RepoNotFound"),
            Self::NotFound(NotFoundError::Revision { .. }) => Some("RevisionNotFound"),
            Self::NotFound(NotFoundError::Entry { .. }) => Some("EntryNotFound"),
            _ => None,
        }
    }
}

/// A request that is malformed, too large or asks for something this hub does not do.
#[derive(Debug, thiserror::Error, strum::EnumDiscriminants)]
#[strum_discriminants(name(RequestErrorKind), derive(strum::EnumIter))]
#[strum_discriminants(doc = "The variants of [`RequestError`], without their data.")]
pub enum RequestError {
    /// The request body is larger than the limit.
    #[error("request body is larger than the limit of {limit} bytes")]
    BodyTooLarge {
        /// The limit (see [`crate::limits`]).
        limit: u64,
    },
    /// The body (or a part of it) is not the JSON the route expects.
    #[error("invalid JSON body: {message}")]
    BadJson {
        /// What the JSON parser or the field check said.
        message: String,
    },
    /// A line of an NDJSON commit body is not valid.
    #[error("invalid commit line {line}: {message}")]
    BadNdjson {
        /// The line number, from 1.
        line: u64,
        /// What is wrong.
        message: String,
    },
    /// A file's content is not valid base64.
    #[error("invalid base64 content on commit line {line}")]
    BadBase64 {
        /// The line number, from 1.
        line: u64,
    },
    /// A commit has more files than the limit.
    #[error("a commit may change at most {limit} files")]
    TooManyFiles {
        /// The limit (see [`crate::limits`]).
        limit: u64,
    },
    /// A line (besides a file's content) or a JSON value is longer than the limit.
    #[error("{what} is longer than the limit of {limit} bytes")]
    TooLong {
        /// What was too long.
        what: String,
        /// The limit (see [`crate::limits`]).
        limit: u64,
    },
    /// The repository type is not `model`, `dataset` or `space`.
    #[error("unknown repository type `{given}`: expected models, datasets or spaces")]
    UnknownRepoType {
        /// The type as given.
        given: String,
    },
    /// A repository or namespace name is not valid.
    #[error("invalid repository name `{given}`: {reason}")]
    BadRepoName {
        /// The name as given.
        given: String,
        /// What is wrong with it.
        reason: &'static str,
    },
    /// A revision is not a branch name or a commit id.
    #[error("invalid revision `{given}`: {why}")]
    BadRevision {
        /// The revision as given (escaped, cut to `MAX_REVISION_CHARS_SHOWN` characters).
        given: String,
        /// What is wrong with it.
        why: String,
    },
    /// A query parameter has a value it cannot have.
    #[error("invalid query parameter `{name}`: {message}")]
    BadQuery {
        /// The parameter.
        name: String,
        /// What is wrong.
        message: String,
    },
    /// The request asks for a feature this hub does not implement (pull requests, LFS).
    #[error("not supported by this hub: {what}")]
    Unsupported {
        /// The feature.
        what: String,
    },
    /// The same path appears twice in one commit.
    #[error("`{path}` appears more than once in the commit")]
    DuplicatePath {
        /// The path.
        path: String,
    },
    /// A file would be a folder of another file (or the reverse).
    #[error("`{path}` is a file and a folder at once")]
    FileFolderClash {
        /// The path.
        path: String,
    },
    /// The `Range` header asks for bytes the file does not have.
    #[error("range not satisfiable: the file has {size} bytes")]
    RangeNotSatisfiable {
        /// The file's size.
        size: u64,
    },
    /// The route exists but not with this HTTP method.
    #[error("method {method} is not allowed here")]
    MethodNotAllowed {
        /// The method used.
        method: String,
    },
    /// The body ended before the request was complete (the client went away).
    #[error("the request body ended early: {message}")]
    Interrupted {
        /// What the transport said.
        message: String,
    },
    /// The README's YAML metadata is not valid.
    #[error("invalid metadata in README.md: {message}")]
    BadMetadata {
        /// What the YAML parser said.
        message: String,
    },
}

error_kinds!(RequestError / RequestErrorKind {
    BodyTooLarge => "request-body-too-large",
    BadJson => "request-bad-json",
    BadNdjson => "request-bad-ndjson",
    BadBase64 => "request-bad-base64",
    TooManyFiles => "request-too-many-files",
    TooLong => "request-too-long",
    UnknownRepoType => "request-unknown-repo-type",
    BadRepoName => "request-bad-repo-name",
    BadRevision => "request-bad-revision",
    BadQuery => "request-bad-query",
    Unsupported => "request-unsupported",
    DuplicatePath => "request-duplicate-path",
    FileFolderClash => "request-file-folder-clash",
    RangeNotSatisfiable => "request-range-not-satisfiable",
    MethodNotAllowed => "request-method-not-allowed",
    Interrupted => "request-interrupted",
    BadMetadata => "request-bad-metadata",
});

/// A file path that a repository may not hold.
#[derive(Debug, thiserror::Error, strum::EnumDiscriminants)]
#[strum_discriminants(name(PathErrorKind), derive(strum::EnumIter))]
#[strum_discriminants(doc = "The variants of [`PathError`], without their data.")]
pub enum PathError {
    /// The path is empty.
    #[error("empty path")]
    Empty,
    /// The path starts with `/`.
    #[error("`{path}` is absolute: paths are relative to the repository root")]
    Absolute {
        /// The path.
        path: String,
    },
    /// The path has a backslash (a Windows separator or an escape).
    #[error("`{path}` contains a backslash: use `/` between folders")]
    Backslash {
        /// The path.
        path: String,
    },
    /// The path has a NUL or another control character.
    #[error("path contains a control character (NUL included)")]
    ControlCharacter,
    /// The path has a `.` or `..` segment.
    #[error("`{path}` has a `.` or `..` segment")]
    DotSegment {
        /// The path.
        path: String,
    },
    /// The path has an empty segment (`a//b`, or a trailing `/`).
    #[error("`{path}` has an empty segment")]
    EmptySegment {
        /// The path.
        path: String,
    },
    /// The path is longer than the limit.
    #[error("path is {length} bytes long, above the limit of {limit}")]
    TooLong {
        /// Its length in bytes.
        length: u64,
        /// The limit (see [`crate::limits`]).
        limit: u64,
    },
    /// The path is inside `.git`, which a repository may not hold.
    #[error("`{path}` is inside `.git`")]
    Reserved {
        /// The path.
        path: String,
    },
}

error_kinds!(PathError / PathErrorKind {
    Empty => "path-empty",
    Absolute => "path-absolute",
    Backslash => "path-backslash",
    ControlCharacter => "path-control-character",
    DotSegment => "path-dot-segment",
    EmptySegment => "path-empty-segment",
    TooLong => "path-too-long",
    Reserved => "path-reserved",
});

/// Something that does not exist, or that the request may not see.
#[derive(Debug, thiserror::Error, strum::EnumDiscriminants)]
#[strum_discriminants(name(NotFoundErrorKind), derive(strum::EnumIter))]
#[strum_discriminants(doc = "The variants of [`NotFoundError`], without their data.")]
pub enum NotFoundError {
    /// The repository does not exist, or is private and the token may not read it.
    #[error("repository not found: `{repo}`")]
    Repo {
        /// The repository id.
        repo: String,
    },
    /// The revision is not a branch or a commit of the repository.
    #[error("revision not found: `{revision}`")]
    Revision {
        /// The revision as given.
        revision: String,
    },
    /// The file (or folder) does not exist at the revision (the Hub's message for deletions).
    #[error("A file with this name doesn't exist: `{path}`")]
    Entry {
        /// The path.
        path: String,
    },
    /// No route answers this URL.
    #[error("no such route: `{path}`")]
    Route {
        /// The URL path.
        path: String,
    },
}

error_kinds!(NotFoundError / NotFoundErrorKind {
    Repo => "repo-not-found",
    Revision => "revision-not-found",
    Entry => "entry-not-found",
    Route => "route-not-found",
});

/// A request without the token it needs.
#[derive(Debug, thiserror::Error, strum::EnumDiscriminants)]
#[strum_discriminants(name(AuthErrorKind), derive(strum::EnumIter))]
#[strum_discriminants(doc = "The variants of [`AuthError`], without their data.")]
pub enum AuthError {
    /// The request has no token and needs one.
    #[error("authentication required: pass a token (`skops-rs hub token add`)")]
    TokenRequired,
    /// The token is not one this hub issued (the Hub's message, which the client recognises).
    #[error("Invalid credentials in Authorization header")]
    InvalidToken,
    /// The token may read but not write.
    #[error("this token may only read: writes need a token made with `--write`")]
    ReadOnlyToken,
}

error_kinds!(AuthError / AuthErrorKind {
    TokenRequired => "auth-token-required",
    InvalidToken => "auth-invalid-token",
    ReadOnlyToken => "auth-read-only-token",
});

/// A request that conflicts with the repository's state.
#[derive(Debug, thiserror::Error, strum::EnumDiscriminants)]
#[strum_discriminants(name(ConflictErrorKind), derive(strum::EnumIter))]
#[strum_discriminants(doc = "The variants of [`ConflictError`], without their data.")]
pub enum ConflictError {
    /// The repository exists already (the answer carries its URL, as the Hub's does).
    #[error("You already created this {repo_type} repo")]
    RepoExists {
        /// `model`, `dataset` or `space`.
        repo_type: &'static str,
        /// The repository's URL.
        url: String,
    },
    /// The commit names a parent that is no longer the branch's head.
    #[error("parent commit `{parent}` is not the head of `{branch}` (now `{head}`)")]
    ParentMismatch {
        /// The parent the commit names.
        parent: String,
        /// The branch.
        branch: String,
        /// The branch's head.
        head: String,
    },
    /// Other commits kept moving the branch while this one was applied.
    #[error("the branch kept moving under concurrent commits; retry")]
    Contention,
}

error_kinds!(ConflictError / ConflictErrorKind {
    RepoExists => "conflict-repo-exists",
    ParentMismatch => "conflict-parent-mismatch",
    Contention => "conflict-contention",
});

/// The storage failed: a server-side problem, never caused by a request's content.
#[derive(Debug, thiserror::Error, strum::EnumDiscriminants)]
#[strum_discriminants(name(StoreErrorKind), derive(strum::EnumIter))]
#[strum_discriminants(doc = "The variants of [`StoreError`], without their data.")]
pub enum StoreError {
    /// Reading or writing the store failed.
    #[error("store: cannot access `{key}`")]
    Io {
        /// The key (or local path) being read or written.
        key: String,
        /// The underlying error.
        #[source]
        source: std::io::Error,
    },
    /// An object in the store is not what the hub wrote there.
    #[error("store: `{key}` is corrupt: {message}")]
    Corrupt {
        /// The key.
        key: String,
        /// What is wrong.
        message: String,
    },
    /// The store location is not one this hub can open.
    #[error("store: cannot open `{location}`: {message}")]
    Location {
        /// The location as given.
        location: String,
        /// Why.
        message: String,
    },
}

error_kinds!(StoreError / StoreErrorKind {
    Io => "store-io",
    Corrupt => "store-corrupt",
    Location => "store-location",
});

/// Why a model page shows no audit of a `.skops` file, or no widget (the page itself still
/// answers 200; the model's `infer` route answers these with their status).
#[derive(Debug, thiserror::Error, strum::EnumDiscriminants)]
#[strum_discriminants(name(PageErrorKind), derive(strum::EnumIter))]
#[strum_discriminants(doc = "The variants of [`PageError`], without their data.")]
pub enum PageError {
    /// The file is larger than the pages audit (see [`crate::limits::MAX_AUDIT_BYTES`]).
    #[error(
        "too large to audit here: {size} bytes, above the limit of {limit}; run `skops-rs audit` on a download"
    )]
    AuditTooLarge {
        /// The file's size.
        size: u64,
        /// The limit.
        limit: u64,
    },
    /// The audit stopped without a result (its task panicked or was cancelled).
    #[error("the audit did not complete: {message}")]
    AuditAborted {
        /// What the task runner said.
        message: String,
    },
    /// The hub serves no models: it was started without `--serve-models`.
    #[error("this hub does not serve models: start it with `skops-rs hub serve --serve-models`")]
    ServingOff,
    /// The revision has no model to serve: `config.json` names no file of the revision, and it
    /// does not hold exactly one `.skops` file.
    #[error("{repo} at {revision} has no model to serve: {reason}")]
    NoModel {
        /// The repository.
        repo: String,
        /// The commit id.
        revision: String,
        /// What the revision holds instead.
        reason: String,
    },
    /// The model file is larger than the hub builds (see
    /// [`crate::limits::MAX_SERVED_MODEL_BYTES`]).
    #[error(
        "`{path}` is too large to serve here: {size} bytes, above the limit of {limit}; download it and run `skops-rs serve`"
    )]
    ModelTooLarge {
        /// The model file's path in the repository.
        path: String,
        /// Its size.
        size: u64,
        /// The limit.
        limit: u64,
    },
    /// The model is not served: `skops-rs serve` refuses it (an untrusted type, not a `.skops`
    /// file, or not evaluated by the native engine); the serving error's kind and message.
    #[error("`{path}` is not served: {message} ({serve_kind})")]
    ModelNotServed {
        /// The model file's path in the repository.
        path: String,
        /// The kind of `skops-serve`'s error (`serve-untrusted-types`, `infer-unsupported`, ...).
        serve_kind: &'static str,
        /// Its message.
        message: String,
    },
    /// Building the model stopped without a result (its task panicked or was cancelled).
    #[error("building the model did not complete: {message}")]
    BuildAborted {
        /// What the task runner said.
        message: String,
    },
}

error_kinds!(PageError / PageErrorKind {
    AuditTooLarge => "page-audit-too-large",
    AuditAborted => "page-audit-aborted",
    ServingOff => "page-serving-off",
    NoModel => "page-no-model",
    ModelTooLarge => "page-model-too-large",
    ModelNotServed => "page-model-not-served",
    BuildAborted => "page-build-aborted",
});

impl StoreError {
    /// A [`StoreError::Io`] about `key`.
    pub fn io(key: impl Into<String>, source: std::io::Error) -> Self {
        Self::Io {
            key: key.into(),
            source,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds_are_unique_and_kebab_case() {
        let kinds: Vec<_> = Error::kinds().collect();
        let unique: std::collections::BTreeSet<_> = kinds.iter().collect();
        assert_eq!(unique.len(), kinds.len());
        for kind in kinds {
            assert!(
                kind.chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-'),
                "{kind}"
            );
        }
    }

    #[test]
    fn docs_errors_lists_every_kind_of_the_hub() {
        let page =
            std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../../docs/errors.md"))
                .unwrap();
        let section = page.split("## `skops-hub`").nth(1).unwrap();
        // Up to the next crate's section.
        let section = section.split("\n## ").next().unwrap();
        let documented: Vec<&str> = section
            .lines()
            .filter_map(|line| line.strip_prefix("| `"))
            .filter_map(|line| line.split('`').next())
            .collect();
        assert_eq!(documented, Error::kinds().collect::<Vec<_>>());
    }

    #[test]
    fn not_found_errors_carry_the_hub_error_codes() {
        let repo = Error::from(NotFoundError::Repo { repo: "a/b".into() });
        assert_eq!(
            (repo.status(), repo.error_code()),
            (404, Some("RepoNotFound"))
        );
        let entry = Error::from(NotFoundError::Entry { path: "x".into() });
        assert_eq!(entry.error_code(), Some("EntryNotFound"));
        let path = Error::from(PathError::Empty);
        assert_eq!((path.status(), path.kind()), (400, "path-empty"));
    }
}
