//! Uploaded files on their way to the store: written to a staging file while their SHA-256 is
//! computed, then handed to the store under that digest. A staged file that is not handed
//! over (a bad commit, a client that went away) is removed when it is dropped.

use std::fs::File;
use std::io::{BufWriter, Read, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

use sha2::{Digest, Sha256};

use crate::error::StoreError;
use crate::objects::git_blob_hasher;
use crate::store::local::hex;

/// Buffer of the staging writer and of the re-read that computes the git blob id.
const IO_BUFFER_BYTES: usize = 256 << 10;

/// Distinguishes staging files of one process.
static NEXT_STAGED: AtomicU64 = AtomicU64::new(0);

/// A file being written to the staging folder.
#[derive(Debug)]
pub struct BlobWriter {
    file: BufWriter<File>,
    guard: StagedPath,
    sha256: Sha256,
    size: u64,
}

/// A complete staged file, with its digests.
#[derive(Debug)]
pub struct StagedBlob {
    guard: StagedPath,
    /// SHA-256 of the content, lowercase hex.
    pub sha256: String,
    /// Size in bytes.
    pub size: u64,
    /// The git blob id.
    pub oid: String,
}

/// A staging path, removed on drop unless taken.
#[derive(Debug)]
struct StagedPath(Option<PathBuf>);

impl Drop for StagedPath {
    fn drop(&mut self) {
        if let Some(path) = self.0.take() {
            let _ = std::fs::remove_file(path);
        }
    }
}

impl BlobWriter {
    /// A new, empty staging file in `folder`.
    pub fn create(folder: &Path) -> Result<Self, StoreError> {
        let n = NEXT_STAGED.fetch_add(1, Ordering::Relaxed);
        let path = folder.join(format!("upload-{}-{n}", std::process::id()));
        let file = std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&path)
            .map_err(|e| StoreError::io(path.display().to_string(), e))?;
        Ok(Self {
            file: BufWriter::with_capacity(IO_BUFFER_BYTES, file),
            guard: StagedPath(Some(path)),
            sha256: Sha256::new(),
            size: 0,
        })
    }

    /// Appends `bytes`.
    pub fn write(&mut self, bytes: &[u8]) -> Result<(), StoreError> {
        self.sha256.update(bytes);
        self.size += bytes.len() as u64;
        self.file
            .write_all(bytes)
            .map_err(|e| StoreError::io(self.key(), e))
    }

    fn key(&self) -> String {
        self.guard
            .0
            .as_ref()
            .map_or_else(String::new, |p| p.display().to_string())
    }

    /// Flushes the file and computes the git blob id (which needs the size first, so the file
    /// is read once more, from the page cache).
    pub fn finish(self) -> Result<StagedBlob, StoreError> {
        let key = self.key();
        let Self {
            file,
            guard,
            sha256,
            size,
        } = self;
        file.into_inner()
            .map_err(|e| StoreError::io(key.clone(), e.into_error()))?;
        let mut oid = git_blob_hasher(size);
        let path = guard.0.as_deref().unwrap_or(Path::new(""));
        let mut reader = File::open(path).map_err(|e| StoreError::io(key.clone(), e))?;
        let mut buffer = vec![0u8; IO_BUFFER_BYTES];
        loop {
            let n = reader
                .read(&mut buffer)
                .map_err(|e| StoreError::io(key.clone(), e))?;
            if n == 0 {
                break;
            }
            oid.update(buffer.get(..n).unwrap_or_default());
        }
        Ok(StagedBlob {
            guard,
            sha256: hex(&sha256.finalize()),
            size,
            oid: hex(&oid.finalize()),
        })
    }
}

impl StagedBlob {
    /// The staging file, which the caller now owns (moves into the store or removes).
    pub fn take_path(mut self) -> PathBuf {
        self.guard.0.take().unwrap_or_default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::objects::git_blob_id;

    #[test]
    fn a_staged_blob_has_both_digests_and_is_removed_when_dropped() {
        let dir = tempfile::tempdir().unwrap();
        let mut writer = BlobWriter::create(dir.path()).unwrap();
        writer.write(b"hel").unwrap();
        writer.write(b"lo\n").unwrap();
        let staged = writer.finish().unwrap();
        assert_eq!(staged.size, 6);
        assert_eq!(staged.oid, git_blob_id(b"hello\n"));
        assert_eq!(
            staged.sha256,
            "5891b5b522d5df086d0ff0b110fbd9d21bb4fc7163af34d08286a2e846f6be03"
        );
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);
        drop(staged);
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0);
    }
}
