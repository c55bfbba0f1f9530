//! Atomic file replacement: write a temporary file next to the target, sync it, rename it over.
//!
//! Used for everything skops-rs writes to disk (models from `skops_rs.io.dump`, trust policies,
//! model cards and their plots): a failure at any point leaves the target as it was and
//! removes the temporary file.

use std::io::Write;
use std::path::{Path, PathBuf};

/// Most symbolic links followed to the file a write replaces (Linux's `ELOOP` limit).
const MAX_SYMLINK_HOPS: u32 = 40;

/// Which file an atomic write failed on, and why.
#[derive(Debug)]
pub struct AtomicWriteError {
    /// The temporary file, its folder or the target.
    pub path: PathBuf,
    /// The operating system's error.
    pub source: std::io::Error,
}

/// Whether an atomic write waits for the disk.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Durability {
    /// The new file is synced before the rename and the folder after it: once the write
    /// returns, the file survives a crash or power loss. The default, for models and policies
    /// that are written once and relied on.
    Synced,
    /// No sync: the write is still atomic for every reader (the rename replaces the target
    /// whole), but after a crash the target may hold the previous file or, on file systems that
    /// do not order the data before the rename, be empty. Saves the disk's flush latency
    /// (milliseconds per file) for callers that write many files they can write again.
    Unsynced,
}

/// Replaces the file at `path` by `bytes`, all at once, durably ([`Durability::Synced`]).
pub fn write_atomic(path: &Path, bytes: &[u8]) -> Result<(), AtomicWriteError> {
    write_atomic_with(path, bytes, Durability::Synced)
}

/// Replaces the file at `path` by `bytes`, all at once.
///
/// The bytes go to a new file in the same folder (so the rename stays on one file system),
/// which is synced to disk (with [`Durability::Synced`]), given the permissions of the file it replaces (if any) and renamed
/// over `path`; then the folder is synced too, so the rename is durable (best effort: the
/// data already is). A symbolic link is written through, as `open(path, "wb")` would: the file
/// it points to is replaced, not the link.
///
/// The `tempfile` crate names, creates, renames (`persist`) and, on any failure, removes the
/// temporary file; following the links and syncing the folder, which it does not do, are
/// done here.
pub fn write_atomic_with(
    path: &Path,
    bytes: &[u8],
    durability: Durability,
) -> Result<(), AtomicWriteError> {
    let synced = durability == Durability::Synced;
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
    let prefix = format!(".{name}.");
    // The file is opened here, as `open(path, "wb")` opens a new target (0o666 less the
    // umask, not the crate's private 0o600, which a new target would keep after the rename),
    // and written through `as_file`: the crate's own opening and writing wrap the OS error in
    // one without its errno, which Python's `OSError` subclasses need.
    let file = tempfile::Builder::new()
        .prefix(&prefix)
        .suffix(".tmp")
        .make_in(folder, |candidate| {
            std::fs::OpenOptions::new()
                .write(true)
                .create_new(true)
                .open(candidate)
        })
        .map_err(|error| failed(folder, error))?;
    file.as_file()
        .write_all(bytes)
        .and_then(|()| {
            if synced {
                file.as_file().sync_all()
            } else {
                Ok(())
            }
        })
        .map_err(|error| failed(file.path(), error))?;
    // Keep the permissions of the file being replaced.
    if let Ok(meta) = std::fs::metadata(path) {
        let _ = file.as_file().set_permissions(meta.permissions());
    }
    file.persist(path)
        .map_err(|error| failed(path, error.error))?;
    // Durability of the rename itself; a platform or file system that cannot sync a folder
    // still has the new file in place.
    if synced {
        if let Ok(folder) = std::fs::File::open(folder) {
            let _ = folder.sync_all();
        }
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
        // Unsynced is as atomic for readers: the same replacement, no temporary file left.
        write_atomic_with(&target, b"newer", Durability::Unsynced).unwrap();
        assert_eq!(std::fs::read(&target).unwrap(), b"newer");
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

    #[cfg(unix)]
    #[test]
    fn a_new_file_gets_the_permissions_open_gives_and_a_replaced_one_keeps_its_own() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let mode = |path: &Path| std::fs::metadata(path).unwrap().permissions().mode() & 0o777;
        let plain = dir.path().join("plain.bin");
        std::fs::write(&plain, b"x").unwrap();
        let new = dir.path().join("new.bin");
        write_atomic(&new, b"new").unwrap();
        assert_eq!(
            mode(&new),
            mode(&plain),
            "0o666 less the umask, as `open` creates"
        );
        std::fs::set_permissions(&plain, std::fs::Permissions::from_mode(0o640)).unwrap();
        write_atomic(&plain, b"replaced").unwrap();
        assert_eq!(mode(&plain), 0o640);
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
