//! Atomic file replacement: write a temporary file next to the target, sync it, rename it over.
//!
//! Used for everything skops-rs writes to disk (models from `skops_rs.io.dump`, trust policies,
//! model cards and their plots): a failure at any point leaves the target as it was and
//! removes the temporary file.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::{SystemTime, UNIX_EPOCH};

/// Most symbolic links followed to the file a write replaces (Linux's `ELOOP` limit).
const MAX_SYMLINK_HOPS: u32 = 40;

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
/// over `path`; then the folder is synced too, so the rename is durable (best effort: the
/// data already is). A symbolic link is written through, as `open(path, "wb")` would: the file
/// it points to is replaced, not the link.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> Result<(), AtomicWriteError> {
    let failed = |at: &Path, source| AtomicWriteError {
        path: at.to_path_buf(),
        source,
    };
    let resolved = through_symlinks(path).map_err(|error| failed(path, error))?;
    let path = resolved.as_path();
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
    result?;
    // Durability of the rename itself; a platform or file system that cannot sync a folder
    // still has the new file in place.
    if let Ok(folder) = std::fs::File::open(folder) {
        let _ = folder.sync_all();
    }
    Ok(())
}

/// The path a write to `path` lands on: `path` with every symbolic link at its end followed
/// (a dangling link gives the path it points to, which the write then creates).
fn through_symlinks(path: &Path) -> std::io::Result<PathBuf> {
    let mut current = path.to_path_buf();
    for _ in 0..MAX_SYMLINK_HOPS {
        match std::fs::symlink_metadata(&current) {
            Ok(meta) if meta.file_type().is_symlink() => {
                let target = std::fs::read_link(&current)?;
                current = match current.parent() {
                    Some(parent) if target.is_relative() => parent.join(target),
                    _ => target,
                };
            }
            _ => return Ok(current),
        }
    }
    Err(std::io::Error::other("too many levels of symbolic links"))
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

    #[cfg(unix)]
    #[test]
    fn a_symbolic_link_is_written_through() {
        let dir = tempfile::tempdir().unwrap();
        let real = dir.path().join("real.bin");
        std::fs::write(&real, b"old").unwrap();
        let link = dir.path().join("link.bin");
        std::os::unix::fs::symlink("real.bin", &link).unwrap();
        write_atomic(&link, b"new").unwrap();
        assert_eq!(std::fs::read(&real).unwrap(), b"new");
        assert!(
            std::fs::symlink_metadata(&link)
                .unwrap()
                .file_type()
                .is_symlink()
        );
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
