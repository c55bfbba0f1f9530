//! Storage behind one trait: small objects with compare-and-swap, and content-addressed blobs.
//!
//! The hub keeps everything as keys of a flat namespace, which maps onto a local folder and
//! onto an object store (S3) alike:
//!
//! | key | content |
//! |---|---|
//! | `blobs/<sha256>` | a file's bytes (shared by every repository) |
//! | `repos/<type>/<ns>/<name>/repo.json` | repository metadata (private flag, creation date) |
//! | `repos/<type>/<ns>/<name>/commits/<id>.json` | a commit: parent, whole tree, message, author, date |
//! | `repos/<type>/<ns>/<name>/refs/main` | the branch head: a commit id, moved by compare-and-swap |
//! | `tokens/<sha256 of the token>.json` | a token's name and role (the token itself is never stored) |
//!
//! Blobs and commits are written before the ref that makes them reachable, and the ref moves
//! only if it still holds the commit the new one was built on ([`Backend::put_if`]), so a
//! crash or a lost race leaves the repository at its last complete commit, and two concurrent
//! commits never overwrite each other.

pub mod local;
pub mod s3;

use std::future::Future;
use std::path::{Path, PathBuf};
use std::pin::Pin;

use bytes::Bytes;
use futures_util::Stream;

use crate::error::StoreError;

/// A boxed future, so that [`Backend`] can be used as a trait object.
pub type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// The bytes of a blob, streamed.
pub type ByteStream = Pin<Box<dyn Stream<Item = std::io::Result<Bytes>> + Send>>;

/// What the writer of a small object believes is there now.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Expect {
    /// Nothing: the object must not exist.
    Absent,
    /// The object with this version (as [`Versioned::version`] gave it).
    Version(String),
}

/// A small object and the version to compare against when replacing it.
#[derive(Debug, Clone)]
pub struct Versioned {
    /// The object's bytes.
    pub bytes: Vec<u8>,
    /// An opaque version (an ETag for an object store, a digest of the bytes locally).
    pub version: String,
}

/// The storage a hub runs on.
///
/// Keys are `/`-separated and made of checked names only (see [`crate::names`]). Small objects
/// are read whole; blobs are staged as files (in [`Backend::staging_dir`]) while a commit body
/// is decoded and then handed over, and read back as streams.
pub trait Backend: Send + Sync + 'static {
    /// Where the store is, for messages (`/data/hub`, `s3://bucket/prefix`).
    fn location(&self) -> String;

    /// The small object at `key`, with its version.
    fn get(&self, key: String) -> BoxFuture<'_, Result<Option<Versioned>, StoreError>>;

    /// Writes the small object at `key`, whatever is there (atomically: a reader sees the old
    /// or the new bytes).
    fn put(&self, key: String, bytes: Vec<u8>) -> BoxFuture<'_, Result<(), StoreError>>;

    /// Writes the small object at `key` only if it is as `expect` says; `Ok(false)` when it is
    /// not (another writer got there first).
    fn put_if(
        &self,
        key: String,
        bytes: Vec<u8>,
        expect: Expect,
    ) -> BoxFuture<'_, Result<bool, StoreError>>;

    /// Deletes every object under `prefix` (a repository).
    fn delete_prefix(&self, prefix: String) -> BoxFuture<'_, Result<(), StoreError>>;

    /// The names directly under `prefix` (one level, like a folder listing), sorted.
    fn children(&self, prefix: String) -> BoxFuture<'_, Result<Vec<String>, StoreError>>;

    /// A folder where uploads are staged before [`Backend::put_blob`] (on the same file system
    /// as a local store, so handing a blob over is a rename).
    fn staging_dir(&self) -> &Path;

    /// The size of the blob `sha256`, if the store has it.
    fn blob_size(&self, sha256: String) -> BoxFuture<'_, Result<Option<u64>, StoreError>>;

    /// Stores the staged file as the blob `sha256` (which the caller computed) and removes the
    /// staged file; a blob that exists already is kept (same content).
    fn put_blob(&self, sha256: String, staged: PathBuf) -> BoxFuture<'_, Result<(), StoreError>>;

    /// `len` bytes of the blob `sha256` from byte `start`.
    fn read_blob(
        &self,
        sha256: String,
        start: u64,
        len: u64,
    ) -> BoxFuture<'_, Result<ByteStream, StoreError>>;
}

/// Opens the store at `location`: `s3://bucket/prefix` (an S3-compatible object store), or a
/// local folder path or `file://` URL (created if missing).
pub fn open(location: &str) -> Result<Box<dyn Backend>, StoreError> {
    if location.starts_with("s3://") {
        return Ok(Box::new(s3::S3Store::open(location)?));
    }
    if location.contains("://") && !location.starts_with("file://") {
        return Err(StoreError::Location {
            location: location.to_owned(),
            message: "expected a folder, `file://` or `s3://bucket/prefix`".to_owned(),
        });
    }
    let path = location.strip_prefix("file://").unwrap_or(location);
    Ok(Box::new(local::LocalStore::open(Path::new(path))?))
}
