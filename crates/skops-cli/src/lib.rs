//! The `skops-rs` command-line tool as a library, so the Python package can run it too.
//!
//! [`run`] takes the whole argument list (program name first) and returns the exit code:
//! 0 ok, 1 problems found (e.g. untrusted types, a card that does not match its model), 2 error (bad arguments, unreadable or invalid
//! file). Output goes to the process's standard output and error; a closed pipe ends the output
//! quietly without changing the exit code. An error is reported on standard error, or, for a
//! command given `--json`, as a JSON object on standard output.

pub mod args;
pub mod commands;
pub mod error;
pub mod render;
pub mod sanitize;

use std::ffi::OsString;
use std::io::{IsTerminal, Write};

use clap::Parser;

use crate::args::{Cli, ColorChoice, Command};
use crate::error::CliError;
use crate::render::Style;

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
    run_with(args, None)
}

/// [`run`], with `serve` handing the models the native engine does not evaluate to
/// `fallback` (the Python package passes its engine; the binary passes none).
pub fn run_with<I, T>(args: I, fallback: Option<&dyn skops_serve::Fallback>) -> u8
where
    I: IntoIterator<Item = T>,
    T: Into<OsString> + Clone,
{
    let cli = match Cli::try_parse_from(args) {
        Ok(cli) => cli,
        Err(error) => {
            // `--help` and `--version` go to stdout with 0; usage errors to stderr with 2.
            let _ = error.print();
            return if error.use_stderr() {
                EXIT_ERROR
            } else {
                EXIT_OK
            };
        }
    };
    let style = Style {
        color: use_color(cli.color),
    };
    let outcome = match &cli.command {
        Command::Inspect(args) => commands::inspect::run(args, style),
        Command::Audit(args) => commands::audit::run(args, style),
        Command::Card(command) => commands::card::run(command, style),
        Command::Hub(command) => commands::hub::run(command),
        Command::Predict(args) => commands::predict::run(args),
        Command::Serve(args) => commands::serve::run(args, fallback),
    };
    let result = outcome.and_then(|outcome| {
        write_stdout(&outcome.stdout)?;
        Ok(outcome.code)
    });
    match result {
        Ok(code) => code,
        Err(error) => {
            report(&error, cli.command.json());
            EXIT_ERROR
        }
    }
}

/// Reports `error`: as JSON on standard output for a `--json` command, else (or when standard
/// output is what failed) as text on standard error.
fn report(error: &CliError, json: bool) {
    if json && !matches!(error, CliError::Output(_)) && write_stdout(&error.render_json()).is_ok() {
        return;
    }
    let _ = std::io::stderr()
        .lock()
        .write_all(error.render().as_bytes());
}

/// Whether to color standard output: asked for, or a terminal with `NO_COLOR` unset or empty.
fn use_color(choice: ColorChoice) -> bool {
    match choice {
        ColorChoice::Always => true,
        ColorChoice::Never => false,
        ColorChoice::Auto => {
            std::io::stdout().is_terminal()
                && std::env::var_os("NO_COLOR").is_none_or(|value| value.is_empty())
        }
    }
}

/// Writes the output; a reader that went away (`| head`) is not an error.
fn write_stdout(text: &str) -> Result<(), CliError> {
    let mut stdout = std::io::stdout().lock();
    match stdout
        .write_all(text.as_bytes())
        .and_then(|()| stdout.flush())
    {
        Err(error) if error.kind() != std::io::ErrorKind::BrokenPipe => {
            Err(CliError::Output(error))
        }
        _ => Ok(()),
    }
}
