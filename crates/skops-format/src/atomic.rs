//! Atomic file replacement: write a temporary file next to the target, sync it, rename it over.
//!
//! Used for everything skops-rs writes to disk (trust policies, model cards and their plots):
//! a failure at any point leaves the target as it was and removes the temporary file.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::{SystemTime, UNIX_EPOCH};

/// Attempts at a fresh temporary name before giving up (names collide only with a concurrent
/// writer of the same target in the same nanosecond).
const MAX_NAME_ATTEMPTS: u32 = 100;

/// Which file an atomic write failed on, and why.
#[derive(Debug)]
pub struct AtomicWriteError {
    /// The temporary file or the target.
    pub path: PathBuf,
    /// The operating system's error.
    pub source: std::io::Error,
}

/// Replaces the file at `path` by `bytes`, all at once.
///
/// The bytes go to a new file in the same folder (so the rename stays on one file system),
/// which is synced to disk, given the permissions of the file it replaces (if any) and renamed
/// over `path`.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> Result<(), AtomicWriteError> {
    let failed = |at: &Path, source| AtomicWriteError {
        path: at.to_path_buf(),
        source,
    };
    let folder = match path.parent() {
        Some(parent) if !parent.as_os_str().is_empty() => parent,
        _ => Path::new("."),
    };
    let name = path
        .file_name()
        .map_or_else(|| "file".into(), |name| name.to_string_lossy());
    let mut attempt = 0u32;
    let (tmp_path, mut file) = loop {
        let nanos = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |elapsed| elapsed.subsec_nanos());
        let candidate = folder.join(format!(
            ".{name}.{}.{nanos:08x}{attempt}.tmp",
            std::process::id()
        ));
        match std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&candidate)
        {
            Ok(file) => break (candidate, file),
            Err(error)
                if error.kind() == std::io::ErrorKind::AlreadyExists
                    && attempt < MAX_NAME_ATTEMPTS =>
            {
                attempt += 1;
            }
            Err(error) => return Err(failed(&candidate, error)),
        }
    };
    let written = file
        .write_all(bytes)
        .and_then(|()| file.sync_all())
        .map_err(|error| failed(&tmp_path, error));
    drop(file);
    let result = written.and_then(|()| {
        // Keep the permissions of the file being replaced.
        if let Ok(meta) = std::fs::metadata(path) {
            let _ = std::fs::set_permissions(&tmp_path, meta.permissions());
        }
        std::fs::rename(&tmp_path, path).map_err(|error| failed(path, error))
    });
    if result.is_err() {
        let _ = std::fs::remove_file(&tmp_path);
    }
    result
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn replaces_the_target_and_leaves_no_temporary_file() {
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join("out.json");
        std::fs::write(&target, b"old").unwrap();
        write_atomic(&target, b"new").unwrap();
        assert_eq!(std::fs::read(&target).unwrap(), b"new");
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);
    }

    #[test]
    fn a_failed_write_names_the_path_and_leaves_the_target() {
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join("missing-folder").join("out.json");
        let error = write_atomic(&target, b"new").unwrap_err();
        assert!(error.path.starts_with(dir.path().join("missing-folder")));
        assert!(!target.exists());
    }
}
