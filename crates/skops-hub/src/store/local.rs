//! The embedded store: a local folder (`--data DIR`), for one server process.
//!
//! Small objects are replaced atomically (`skops_format::atomic`: temporary file, sync,
//! rename); blobs are staged in `tmp/` and renamed into `blobs/ab/<sha256>`. Compare-and-swap
//! holds a lock of this process, so one folder must be served by one process at a time (an
//! object store is the way to run several).

use std::io::{ErrorKind, SeekFrom};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use sha2::{Digest, Sha256};
use tokio::io::{AsyncReadExt, AsyncSeekExt};
use tokio_util::io::ReaderStream;

use super::{Backend, BoxFuture, ByteStream, Expect, Versioned};
use crate::error::StoreError;
use crate::limits::DOWNLOAD_CHUNK_BYTES;

/// A store in a local folder.
#[derive(Debug, Clone)]
pub struct LocalStore {
    root: PathBuf,
    staging: PathBuf,
    /// Held while a compare-and-swap reads and replaces an object, and while a prefix is
    /// deleted, so neither interleaves with another.
    cas: Arc<Mutex<()>>,
}

impl LocalStore {
    /// Opens (creating if needed) the store at `root`, and removes what crashed uploads left
    /// in its staging folder.
    pub fn open(root: &Path) -> Result<Self, StoreError> {
        let staging = root.join("tmp");
        let io = |path: &Path, source| StoreError::io(path.display().to_string(), source);
        std::fs::create_dir_all(&staging).map_err(|e| io(&staging, e))?;
        for entry in std::fs::read_dir(&staging).map_err(|e| io(&staging, e))? {
            let path = entry.map_err(|e| io(&staging, e))?.path();
            // Best effort: a file still open elsewhere is removed on the next start.
            let _ = if path.is_dir() {
                std::fs::remove_dir_all(&path)
            } else {
                std::fs::remove_file(&path)
            };
        }
        Ok(Self {
            root: root.to_path_buf(),
            staging,
            cas: Arc::new(Mutex::new(())),
        })
    }

    fn path(&self, key: &str) -> PathBuf {
        self.root.join(key)
    }

    fn blob_path(&self, sha256: &str) -> PathBuf {
        let fan = sha256.get(..2).unwrap_or("00");
        self.root.join("blobs").join(fan).join(sha256)
    }
}

/// Runs blocking file-system work off the async threads.
async fn blocking<T: Send + 'static>(
    key: String,
    work: impl FnOnce() -> Result<T, StoreError> + Send + 'static,
) -> Result<T, StoreError> {
    tokio::task::spawn_blocking(work)
        .await
        .map_err(|error| StoreError::io(key, std::io::Error::other(error.to_string())))?
}

fn read(path: &Path, key: &str) -> Result<Option<Versioned>, StoreError> {
    match std::fs::read(path) {
        Ok(bytes) => {
            let version = hex(&Sha256::digest(&bytes));
            Ok(Some(Versioned { bytes, version }))
        }
        Err(error) if error.kind() == ErrorKind::NotFound => Ok(None),
        Err(error) => Err(StoreError::io(key, error)),
    }
}

fn write(path: &Path, key: &str, bytes: &[u8]) -> Result<(), StoreError> {
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent).map_err(|e| StoreError::io(key, e))?;
    }
    skops_format::atomic::write_atomic(path, bytes).map_err(|e| StoreError::io(key, e.source))
}

/// Lowercase hex of `bytes`.
pub(crate) fn hex(bytes: &[u8]) -> String {
    use std::fmt::Write;
    bytes.iter().fold(String::new(), |mut out, b| {
        let _ = write!(out, "{b:02x}");
        out
    })
}

impl Backend for LocalStore {
    fn location(&self) -> String {
        self.root.display().to_string()
    }

    fn get(&self, key: String) -> BoxFuture<'_, Result<Option<Versioned>, StoreError>> {
        let path = self.path(&key);
        Box::pin(blocking(key.clone(), move || read(&path, &key)))
    }

    fn put(&self, key: String, bytes: Vec<u8>) -> BoxFuture<'_, Result<(), StoreError>> {
        let path = self.path(&key);
        Box::pin(blocking(key.clone(), move || write(&path, &key, &bytes)))
    }

    fn put_if(
        &self,
        key: String,
        bytes: Vec<u8>,
        expect: Expect,
    ) -> BoxFuture<'_, Result<bool, StoreError>> {
        let path = self.path(&key);
        let cas = Arc::clone(&self.cas);
        Box::pin(blocking(key.clone(), move || {
            let _held = cas.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
            let current = read(&path, &key)?;
            let matches = match (&expect, &current) {
                (Expect::Absent, None) => true,
                (Expect::Version(want), Some(now)) => *want == now.version,
                _ => false,
            };
            if matches {
                write(&path, &key, &bytes)?;
            }
            Ok(matches)
        }))
    }

    fn delete_prefix(&self, prefix: String) -> BoxFuture<'_, Result<(), StoreError>> {
        let path = self.path(&prefix);
        let staging = self.staging.clone();
        let cas = Arc::clone(&self.cas);
        Box::pin(blocking(prefix.clone(), move || {
            // Moved out of the way in one rename, so a crash never leaves half a repository.
            let doomed = staging.join(format!(
                "deleted-{}-{}",
                std::process::id(),
                hex(&Sha256::digest(prefix.as_bytes()))
            ));
            {
                let _held = cas.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
                match std::fs::rename(&path, &doomed) {
                    Ok(()) => {}
                    Err(error) if error.kind() == ErrorKind::NotFound => return Ok(()),
                    Err(error) => return Err(StoreError::io(prefix, error)),
                }
            }
            std::fs::remove_dir_all(&doomed).map_err(|e| StoreError::io(prefix, e))
        }))
    }

    fn children(&self, prefix: String) -> BoxFuture<'_, Result<Vec<String>, StoreError>> {
        let path = self.path(&prefix);
        Box::pin(blocking(prefix.clone(), move || {
            let entries = match std::fs::read_dir(&path) {
                Ok(entries) => entries,
                Err(error) if error.kind() == ErrorKind::NotFound => return Ok(Vec::new()),
                Err(error) => return Err(StoreError::io(prefix, error)),
            };
            let mut names = Vec::new();
            for entry in entries {
                let entry = entry.map_err(|e| StoreError::io(prefix.clone(), e))?;
                if let Some(name) = entry.file_name().to_str() {
                    // Temporary files of atomic writes start with a dot.
                    if !name.starts_with('.') {
                        names.push(name.to_owned());
                    }
                }
            }
            names.sort();
            Ok(names)
        }))
    }

    fn staging_dir(&self) -> &Path {
        &self.staging
    }

    fn blob_size(&self, sha256: String) -> BoxFuture<'_, Result<Option<u64>, StoreError>> {
        let path = self.blob_path(&sha256);
        Box::pin(blocking(sha256.clone(), move || {
            match std::fs::metadata(&path) {
                Ok(meta) => Ok(Some(meta.len())),
                Err(error) if error.kind() == ErrorKind::NotFound => Ok(None),
                Err(error) => Err(StoreError::io(format!("blobs/{sha256}"), error)),
            }
        }))
    }

    fn put_blob(&self, sha256: String, staged: PathBuf) -> BoxFuture<'_, Result<(), StoreError>> {
        let path = self.blob_path(&sha256);
        Box::pin(blocking(sha256.clone(), move || {
            let key = format!("blobs/{sha256}");
            if path.exists() {
                let _ = std::fs::remove_file(&staged);
                return Ok(());
            }
            if let Some(parent) = path.parent() {
                std::fs::create_dir_all(parent).map_err(|e| StoreError::io(key.clone(), e))?;
            }
            let synced = std::fs::File::open(&staged).and_then(|file| file.sync_all());
            let moved = synced.and_then(|()| std::fs::rename(&staged, &path));
            if let Err(error) = moved {
                let _ = std::fs::remove_file(&staged);
                return Err(StoreError::io(key, error));
            }
            Ok(())
        }))
    }

    fn read_blob(
        &self,
        sha256: String,
        start: u64,
        len: u64,
    ) -> BoxFuture<'_, Result<ByteStream, StoreError>> {
        let path = self.blob_path(&sha256);
        Box::pin(async move {
            let key = format!("blobs/{sha256}");
            let mut file = tokio::fs::File::open(&path)
                .await
                .map_err(|e| StoreError::io(key.clone(), e))?;
            file.seek(SeekFrom::Start(start))
                .await
                .map_err(|e| StoreError::io(key, e))?;
            let stream: ByteStream = Box::pin(ReaderStream::with_capacity(
                file.take(len),
                DOWNLOAD_CHUNK_BYTES,
            ));
            Ok(stream)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn compare_and_swap_refuses_a_stale_version() {
        let dir = tempfile::tempdir().unwrap();
        let store = LocalStore::open(dir.path()).unwrap();
        let key = "repos/model/a/b/refs/main".to_owned();
        assert!(
            store
                .put_if(key.clone(), b"one".to_vec(), Expect::Absent)
                .await
                .unwrap()
        );
        assert!(
            !store
                .put_if(key.clone(), b"two".to_vec(), Expect::Absent)
                .await
                .unwrap()
        );
        let now = store.get(key.clone()).await.unwrap().unwrap();
        assert!(
            store
                .put_if(
                    key.clone(),
                    b"two".to_vec(),
                    Expect::Version(now.version.clone())
                )
                .await
                .unwrap()
        );
        assert!(
            !store
                .put_if(key.clone(), b"three".to_vec(), Expect::Version(now.version))
                .await
                .unwrap()
        );
        assert_eq!(store.get(key).await.unwrap().unwrap().bytes, b"two");
    }

    #[tokio::test]
    async fn leftovers_of_a_crash_are_removed_on_open() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(dir.path().join("tmp")).unwrap();
        std::fs::write(dir.path().join("tmp/upload-1"), b"partial").unwrap();
        let store = LocalStore::open(dir.path()).unwrap();
        assert_eq!(std::fs::read_dir(store.staging_dir()).unwrap().count(), 0);
    }
}
