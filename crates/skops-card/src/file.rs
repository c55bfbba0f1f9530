//! Reading card files safely: only regular files, never more than a size limit, a card path
//! never through a symbolic link, and a file read from a folder never from outside it.
//!
//! A card path is often a `README.md` in a repository someone else wrote: as a symbolic link
//! it could point at any file of the machine, and as a FIFO or a device (`/dev/zero`) it
//! would block or never end. The file is opened first and checked through the open handle
//! (`O_NOFOLLOW`, then `fstat`), so a path swapped between a check and the read cannot get
//! through, and a FIFO is opened without waiting for a writer (`O_NONBLOCK`).

use std::fs::File;
use std::io::Read;
use std::path::{Component, Path};

use crate::limits::MAX_CARD_SIZE;
use crate::{Error, Result};

/// Whether a symbolic link at the last component of a path is followed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Links {
    /// Refused with [`Error::NotARegularFile`] (card files).
    Refuse,
    /// Followed; what it points to must still be a regular file (text files given on a
    /// command line).
    Follow,
}

/// Reads the card file at `path` as UTF-8: a regular file, not a symbolic link, at most
/// [`MAX_CARD_SIZE`] bytes.
pub fn read_card(path: &Path) -> Result<String> {
    read_text(path, MAX_CARD_SIZE, "card file size", Links::Refuse)
}

/// Reads the regular file at `path` as UTF-8, refusing it past `limit` bytes (`what` names
/// the measure in the error).
pub fn read_text(path: &Path, limit: u64, what: &'static str, links: Links) -> Result<String> {
    let mut file = open_regular(path, links)?;
    let declared = file.metadata().map_err(|e| Error::io(path, e))?.len();
    let too_large = |value| Error::LimitExceeded { what, value, limit };
    if declared > limit {
        return Err(too_large(declared));
    }
    // The size may change while reading: read one byte past the limit to notice.
    let capacity = usize::try_from(declared).unwrap_or(0);
    let mut bytes = Vec::with_capacity(capacity);
    file.by_ref()
        .take(limit.saturating_add(1))
        .read_to_end(&mut bytes)
        .map_err(|e| Error::io(path, e))?;
    if bytes.len() as u64 > limit {
        return Err(too_large(bytes.len() as u64));
    }
    String::from_utf8(bytes).map_err(|e| Error::NotUtf8 {
        path: path.display().to_string(),
        offset: e.utf8_error().valid_up_to(),
    })
}

/// Reads the file `name` of `folder` as UTF-8 ([`read_text`]); the file may be a symbolic
/// link only to a place inside the folder, and `name` must be one plain file name.
pub fn read_in_folder(folder: &Path, name: &str, limit: u64, what: &'static str) -> Result<String> {
    let joined = folder.join(name);
    let outside = || Error::OutsideFolder {
        path: joined.display().to_string(),
        folder: folder.display().to_string(),
    };
    let mut components = Path::new(name).components();
    if !matches!(
        (components.next(), components.next()),
        (Some(Component::Normal(_)), None)
    ) {
        return Err(outside());
    }
    let root = folder.canonicalize().map_err(|e| Error::io(folder, e))?;
    let resolved = joined.canonicalize().map_err(|e| Error::io(&joined, e))?;
    if !resolved.starts_with(&root) {
        return Err(outside());
    }
    // Opened by its resolved path, refusing links: one swapped in since is not followed.
    read_text(&resolved, limit, what, Links::Refuse)
}

/// Refuses `path` unless it is absent or a regular file (not a symbolic link): a file about
/// to be replaced by a copy, which would otherwise be written through the link.
pub fn check_replaceable(path: &Path) -> Result<()> {
    match std::fs::symlink_metadata(path) {
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => Ok(()),
        Err(error) => Err(Error::io(path, error)),
        Ok(metadata) if metadata.is_file() => Ok(()),
        Ok(metadata) => Err(not_regular(path, &metadata.file_type())),
    }
}

/// Opens `path` for reading and checks through the handle that it is a regular file.
fn open_regular(path: &Path, links: Links) -> Result<File> {
    let file = open(path, links)?;
    let metadata = file.metadata().map_err(|e| Error::io(path, e))?;
    if !metadata.is_file() {
        return Err(not_regular(path, &metadata.file_type()));
    }
    Ok(file)
}

#[cfg(unix)]
fn open(path: &Path, links: Links) -> Result<File> {
    use std::os::unix::fs::OpenOptionsExt;
    let mut flags = libc::O_NONBLOCK | libc::O_CLOEXEC;
    if links == Links::Refuse {
        flags |= libc::O_NOFOLLOW;
    }
    std::fs::OpenOptions::new()
        .read(true)
        .custom_flags(flags)
        .open(path)
        .map_err(|error| {
            // `O_NOFOLLOW` on a symbolic link fails with `ELOOP`.
            if links == Links::Refuse && error.raw_os_error() == Some(libc::ELOOP) {
                Error::NotARegularFile {
                    path: path.display().to_string(),
                    found: "a symbolic link",
                }
            } else {
                Error::io(path, error)
            }
        })
}

#[cfg(not(unix))]
fn open(path: &Path, links: Links) -> Result<File> {
    if links == Links::Refuse
        && let Ok(metadata) = std::fs::symlink_metadata(path)
        && metadata.file_type().is_symlink()
    {
        return Err(not_regular(path, &metadata.file_type()));
    }
    File::open(path).map_err(|e| Error::io(path, e))
}

/// [`Error::NotARegularFile`] saying what `path` is instead.
fn not_regular(path: &Path, file_type: &std::fs::FileType) -> Error {
    Error::NotARegularFile {
        path: path.display().to_string(),
        found: describe(file_type),
    }
}

/// What a file that is not a regular file is, for the error message.
fn describe(file_type: &std::fs::FileType) -> &'static str {
    if file_type.is_symlink() {
        return "a symbolic link";
    }
    if file_type.is_dir() {
        return "a directory";
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt;
        if file_type.is_fifo() {
            return "a FIFO";
        }
        if file_type.is_char_device() || file_type.is_block_device() {
            return "a device";
        }
        if file_type.is_socket() {
            return "a socket";
        }
    }
    "a special file"
}

#[cfg(test)]
mod tests {
    use super::*;

    fn found(result: Result<String>) -> &'static str {
        match result {
            Err(Error::NotARegularFile { found, .. }) => found,
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn only_regular_files_are_read() {
        let dir = tempfile::tempdir().unwrap();
        let card = dir.path().join("README.md");
        std::fs::write(&card, "# A\n").unwrap();
        assert_eq!(read_card(&card).unwrap(), "# A\n");
        assert_eq!(found(read_card(dir.path())), "a directory");
        #[cfg(unix)]
        {
            let link = dir.path().join("link.md");
            std::os::unix::fs::symlink(&card, &link).unwrap();
            assert_eq!(found(read_card(&link)), "a symbolic link");
            // Followed where asked, and then still checked.
            assert_eq!(
                read_text(&link, 10, "size", Links::Follow).unwrap(),
                "# A\n"
            );
            assert_eq!(found(read_card(Path::new("/dev/zero"))), "a device");
            // A FIFO with no writer: refused at once, not waited on.
            let fifo = dir.path().join("fifo.md");
            let made = std::process::Command::new("mkfifo").arg(&fifo).status();
            if made.is_ok_and(|status| status.success()) {
                assert_eq!(found(read_card(&fifo)), "a FIFO");
            }
            let dev_link = dir.path().join("zero.md");
            std::os::unix::fs::symlink("/dev/zero", &dev_link).unwrap();
            assert_eq!(
                found(read_text(&dev_link, 10, "size", Links::Follow)),
                "a device"
            );
        }
    }

    #[test]
    fn sizes_are_bounded() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("big.md");
        std::fs::write(&path, "x".repeat(11)).unwrap();
        assert!(matches!(
            read_text(&path, 10, "size", Links::Refuse),
            Err(Error::LimitExceeded { value: 11, .. })
        ));
    }

    #[test]
    fn folder_reads_stay_inside() {
        let dir = tempfile::tempdir().unwrap();
        let folder = dir.path().join("repo");
        std::fs::create_dir(&folder).unwrap();
        std::fs::write(folder.join("config.json"), "{}").unwrap();
        std::fs::write(dir.path().join("secret"), "s").unwrap();
        assert_eq!(
            read_in_folder(&folder, "config.json", 10, "size").unwrap(),
            "{}"
        );
        for name in ["../secret", "", "a/b", "/etc/passwd"] {
            assert!(
                matches!(
                    read_in_folder(&folder, name, 10, "size"),
                    Err(Error::OutsideFolder { .. })
                ),
                "{name}"
            );
        }
        #[cfg(unix)]
        {
            std::os::unix::fs::symlink("../secret", folder.join("out")).unwrap();
            assert!(matches!(
                read_in_folder(&folder, "out", 10, "size"),
                Err(Error::OutsideFolder { .. })
            ));
            std::os::unix::fs::symlink("config.json", folder.join("in")).unwrap();
            assert_eq!(read_in_folder(&folder, "in", 10, "size").unwrap(), "{}");
        }
    }
}
