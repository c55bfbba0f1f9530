//! Every bound a request is held to, as named constants (the defaults) and [`Limits`] (what a
//! server uses: the defaults, or the command line's overrides).

use std::time::Duration;

/// The largest request body, in bytes: 16 MiB holds about a million numbers as JSON text, far
/// more than [`MAX_ROWS`] rows of a tabular model need; a larger body is refused (413) before
/// it is read whole.
pub const MAX_BODY_BYTES: usize = 16 << 20;

/// The most rows one request may hold (413 beyond): a batch is evaluated while the request
/// waits, so a bound on rows is a bound on the time and memory one request may take.
pub const MAX_ROWS: usize = 100_000;

/// The most input columns (or tensors) one request may hold.
pub const MAX_COLUMNS: usize = 1 << 16;

/// How long a request may take, from its first byte to its answer: reading a slow body past it
/// is a 408, a prediction that has not finished a 503.
pub const REQUEST_TIMEOUT: Duration = Duration::from_secs(30);

/// How long a client may take to send a request's headers, from the first byte the server
/// waits for to the blank line that ends them: a client that trickles them (slowloris) or never
/// finishes them has its connection closed, so idle sockets cannot pile up.
pub const HEADER_READ_TIMEOUT: Duration = Duration::from_secs(10);

/// The least time a batch of an engine that runs alone (the Python engine) must have left
/// before its deadline when it gets its turn; with less it is answered 503 without running.
pub const MIN_TIME_LEFT_TO_START: Duration = Duration::from_millis(250);

/// The most predictions evaluated at once (each on a blocking thread, its large batches split
/// across rayon's pool): more wait for a slot, within the request timeout.
pub const MAX_CONCURRENT_PREDICTIONS: usize = 64;

/// The largest model card (`README.md` of a repository folder) a model page shows, in bytes;
/// a larger one is left out of the page (it is read once, at start-up).
pub const MAX_CARD_BYTES: u64 = 1 << 20;

/// The most column names an error message lists (missing, unknown or expected columns): the
/// rest are counted, so an answer stays short whatever the request held.
pub const MAX_NAMES_SHOWN: usize = 20;

/// The most characters of one column name an error message shows.
pub const MAX_NAME_CHARS_SHOWN: usize = 64;

/// How long a stopping server waits for request bodies still arriving: a client that drips
/// its body must not hold a shutdown for the whole request timeout (Kubernetes kills a pod
/// 30 s after SIGTERM by default). Requests whose bodies are in are still answered.
pub const SHUTDOWN_BODY_GRACE: Duration = Duration::from_secs(2);

/// The most characters of a Python exception's message an error answer carries (the rest is
/// cut): an exception may quote a whole input.
pub const MAX_ENGINE_MESSAGE_CHARS: usize = 1000;

/// The longest revision (branch, tag or commit) a hub repository argument may name: git
/// refs are short, and the revision goes into a URL and a cache folder name.
pub const MAX_REVISION_CHARS: usize = 255;

/// How long connecting to a hub may take before the download of a hub repository fails (as
/// `serve-hub-unreachable`): an address that drops packets would otherwise hold the start-up.
pub const HUB_CONNECT_TIMEOUT: Duration = Duration::from_secs(10);

/// How long a hub may send nothing while a request or a download is under way: a hub that
/// stalls fails the start-up instead of holding it forever. It bounds silence, not the whole
/// download, so that a large model on a slow but live link still arrives.
pub const HUB_READ_TIMEOUT: Duration = Duration::from_secs(60);

/// How long downloading one hub repository's files may take in all: a hub that drips bytes
/// just often enough to beat [`HUB_READ_TIMEOUT`] still fails the start-up.
pub const HUB_DOWNLOAD_DEADLINE: Duration = Duration::from_secs(30 * 60);

/// The largest file downloaded from a hub (the model is then read into memory to be audited
/// and built): a hub declaring or sending more fails the download before the disk fills.
pub const MAX_HUB_FILE_BYTES: u64 = 4 * 1024 * 1024 * 1024;

/// The bounds a server holds requests to.
#[derive(Debug, Clone)]
pub struct Limits {
    /// The largest request body, in bytes.
    pub body_bytes: usize,
    /// The most rows one request may hold.
    pub rows: usize,
    /// How long a request may take.
    pub timeout: Duration,
    /// How long a client may take to send a request's headers.
    pub header_timeout: Duration,
    /// The most predictions evaluated at once.
    pub concurrent_predictions: usize,
    /// How long a stopping server waits for request bodies still arriving.
    pub shutdown_body_grace: Duration,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            body_bytes: MAX_BODY_BYTES,
            rows: MAX_ROWS,
            timeout: REQUEST_TIMEOUT,
            header_timeout: HEADER_READ_TIMEOUT,
            concurrent_predictions: MAX_CONCURRENT_PREDICTIONS,
            shutdown_body_grace: SHUTDOWN_BODY_GRACE,
        }
    }
}
