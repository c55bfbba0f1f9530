//! Every bound the hub puts on a request: a named constant with its reason, bundled in
//! [`Limits`] so tests (and operators) can lower them.

/// Largest commit body, in bytes (after transfer decoding, before base64 decoding). The Hub
/// documents 1 GB of inline payload per commit; base64 makes a 2 GiB body about 1.5 GiB of
/// files, which covers a large model in one commit. The body is streamed, so this bounds disk
/// use per commit, not memory.
pub const MAX_COMMIT_BODY_BYTES: u64 = 2 << 30;

/// Most files (added or deleted) in one commit: the client splits larger uploads into commits
/// of about 256 files; 25,000 is the Hub's own limit of LFS files per commit.
pub const MAX_FILES_PER_COMMIT: u64 = 25_000;

/// Longest file path in a repository, in bytes (the Hub refuses longer ones; most file systems
/// a download lands on allow 4096 bytes for a whole path).
pub const MAX_PATH_BYTES: u64 = 1024;

/// Most bytes of one commit line outside a file's base64 content (keys, path, summary and
/// description, punctuation): the commit message is the only long text a line holds.
pub const MAX_LINE_BYTES: u64 = 1 << 20;

/// Largest JSON body of the other routes (create, preupload of 256 files with their 512-byte
/// samples, settings, `validate-yaml` with a whole README), in bytes.
pub const MAX_JSON_BODY_BYTES: u64 = 16 << 20;

/// Deepest nesting of JSON in a commit line (the client's lines nest two levels).
pub const MAX_JSON_DEPTH: u32 = 16;

/// Most bytes of a README read to fill `cardData`: the YAML metadata is at its top, and a card
/// larger than this has its metadata ignored rather than parsed.
pub const MAX_CARD_BYTES: u64 = 1 << 20;

/// Most entries per page of a tree or commit listing (the Hub's own page size for trees
/// without `expand`); the `Link` header points to the next page.
pub const PAGE_SIZE: usize = 1000;

/// Times a commit is re-applied on a branch that moved under it (no `parentCommit`) before
/// the client is told to retry.
pub const MAX_COMMIT_RETRIES: u32 = 32;

/// Bytes read from a blob file at a time while a download is sent. Each read of a
/// `tokio::fs::File` is one trip to the blocking thread pool: the 4 KiB default of
/// `ReaderStream` held downloads to about 80 MB/s; 256 KiB reads serve a 200 MB file about as
/// fast as the loopback carries it, and bound the buffer a download holds.
pub const DOWNLOAD_CHUNK_BYTES: usize = 256 << 10;

/// Largest `.skops` file a model page audits, in bytes: the audit reads the whole file into
/// memory, so this times [`MAX_CONCURRENT_AUDITS`] bounds the memory pages use. Larger files
/// show "too large to audit here"; `skops-rs audit` on a download has no such bound.
pub const MAX_AUDIT_BYTES: u64 = 128 << 20;

/// Audits running at once (each on a blocking thread, off the async runtime); further page
/// requests wait for a free slot.
pub const MAX_CONCURRENT_AUDITS: usize = 2;

/// Audit results kept, by the blob's sha256 (content-addressed, so an entry never goes stale);
/// past this, an older entry is dropped.
pub const MAX_CACHED_AUDITS: usize = 512;

/// Most `.skops` files audited on one model page (the others are listed without an audit).
pub const MAX_AUDITS_PER_PAGE: usize = 32;

/// Most files listed on a model page, and most repositories on the list page.
pub const MAX_LISTED_ENTRIES: usize = 1000;

/// Most node paths shown per untrusted type (the others are counted).
pub const MAX_SHOWN_PATHS: usize = 20;

/// Most example paths shown per validated type: those nodes are trusted, and a forest has one
/// per estimator, so a count and a few places say enough.
pub const MAX_SHOWN_VALIDATED_PATHS: usize = 3;

/// Longest revision (branch name or commit id) a request may name, in bytes.
pub const MAX_REVISION_BYTES: usize = 256;

/// Most characters of a refused revision echoed in its error (a request may send megabytes).
pub const MAX_REVISION_CHARS_SHOWN: usize = 64;

/// Most bytes of `config.json` read for a model page's metadata.
pub const MAX_CONFIG_BYTES: u64 = 1 << 20;

/// Largest model file the hub builds to serve on its pages (`--serve-models`), in bytes: a
/// build reads the whole file into memory, so this times [`MAX_CONCURRENT_BUILDS`] bounds the
/// memory builds use. Larger models are not served here (`skops-rs serve` on a download has
/// no such bound).
pub const MAX_SERVED_MODEL_BYTES: u64 = 128 << 20;

/// Models built at once for serving (each on a blocking thread, off the async runtime);
/// further requests wait for a free slot.
pub const MAX_CONCURRENT_BUILDS: usize = 2;

/// Built models kept for serving, by repository, model file sha256 and `config.json` sha256
/// (content-addressed, so an entry never goes stale); each holds a whole model in memory, so
/// past this an older entry is dropped and rebuilt when asked for again.
pub const MAX_CACHED_MODELS: usize = 16;

/// The limits a hub enforces; [`Limits::default`] has the constants of this module.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// See [`MAX_COMMIT_BODY_BYTES`].
    pub commit_body_bytes: u64,
    /// See [`MAX_FILES_PER_COMMIT`].
    pub files_per_commit: u64,
    /// See [`MAX_PATH_BYTES`].
    pub path_bytes: u64,
    /// See [`MAX_LINE_BYTES`].
    pub line_bytes: u64,
    /// See [`MAX_JSON_BODY_BYTES`].
    pub json_body_bytes: u64,
    /// See [`PAGE_SIZE`].
    pub page_size: usize,
    /// See [`MAX_AUDIT_BYTES`].
    pub audit_bytes: u64,
    /// See [`MAX_SERVED_MODEL_BYTES`].
    pub served_model_bytes: u64,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            commit_body_bytes: MAX_COMMIT_BODY_BYTES,
            files_per_commit: MAX_FILES_PER_COMMIT,
            path_bytes: MAX_PATH_BYTES,
            line_bytes: MAX_LINE_BYTES,
            json_body_bytes: MAX_JSON_BODY_BYTES,
            page_size: PAGE_SIZE,
            audit_bytes: MAX_AUDIT_BYTES,
            served_model_bytes: MAX_SERVED_MODEL_BYTES,
        }
    }
}
