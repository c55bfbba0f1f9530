//! Running the binary from the workspace root, so paths in its output are stable.

use std::path::{Path, PathBuf};
use std::process::Command;

/// The workspace root (the binary runs there; paths are given relative to it).
pub(crate) fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// What one run printed and returned.
#[derive(Debug)]
pub(crate) struct Run {
    pub(crate) code: i32,
    pub(crate) stdout: String,
    pub(crate) stderr: String,
}

impl Run {
    /// Exit code, stdout and stderr in one text, for snapshots.
    pub(crate) fn transcript(&self) -> String {
        format!(
            "exit: {}\n----- stdout -----\n{}----- stderr -----\n{}",
            self.code, self.stdout, self.stderr
        )
    }
}

/// Runs `skops-rs` with `args` in the workspace root, without colors from the environment.
pub(crate) fn skops_rs<I, S>(args: I) -> Run
where
    I: IntoIterator<Item = S>,
    S: AsRef<std::ffi::OsStr>,
{
    let output = Command::new(env!("CARGO_BIN_EXE_skops-rs"))
        .args(args)
        .current_dir(workspace())
        .env_remove("NO_COLOR")
        .output()
        .expect("the skops-rs binary runs");
    Run {
        code: output
            .status
            .code()
            .expect("exited, not killed by a signal"),
        stdout: String::from_utf8(output.stdout).expect("stdout is UTF-8"),
        stderr: String::from_utf8(output.stderr).expect("stderr is UTF-8"),
    }
}

/// The SHA-256 `skops-rs` prints for a file, computed by `skops-format`.
pub(crate) fn sha256(relative: &str) -> String {
    let data = std::fs::read(workspace().join(relative)).expect("file readable");
    skops_format::SkopsFile::open(&data, &skops_format::Limits::default())
        .expect("file opens")
        .sha256()
}
