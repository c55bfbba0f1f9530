//! `skops-rs card new|show|set|check`: model cards for `.skops` files, through `skops-card`
//! (the model file is validated, never loaded; cards are parsed losslessly and written
//! atomically).

use std::fmt::Write as _;
use std::path::Path;

use skops_card::binding::{MODEL_SHA256_KEY, SKLEARN_VERSION_KEY};
use skops_card::file::Links;
use skops_card::limits::MAX_CARD_SIZE;
use skops_card::{Card, Value, model_file, ops};

use super::Outcome;
use crate::args::{CardCheckArgs, CardCommand, CardNewArgs, CardSetArgs, CardShowArgs};
use crate::error::CliError;
use crate::render::{Paint, Style};
use crate::sanitize::sanitize;

/// Runs a `card` subcommand.
pub fn run(command: &CardCommand, style: Style) -> Result<Outcome, CliError> {
    match command {
        CardCommand::New(args) => new(args, style),
        CardCommand::Show(args) => show(args),
        CardCommand::Set(args) => set(args, style),
        CardCommand::Check(args) => check(args, style),
    }
}

/// `card new MODEL -o CARD`: the skops template with the hyperparameters, bound to the file.
fn new(args: &CardNewArgs, style: Style) -> Result<Outcome, CliError> {
    // Refused before any work. Not atomic with the write: a file created meanwhile is replaced.
    if !args.force && args.output.exists() {
        return Err(CliError::OutputExists {
            path: args.output.clone(),
        });
    }
    let model =
        model_file::inspect(&args.model).map_err(|error| CliError::card(&args.model, error))?;
    let card = ops::new_card(&model).map_err(|error| CliError::card(&args.model, error))?;
    card.save(&args.output, false)
        .map_err(|error| CliError::card(&args.output, error))?;
    let mut out = header(
        style,
        &args.output,
        &format!("new card for `{}`", args.model.display()),
    );
    item(&mut out, "model", &model.model_type);
    item(&mut out, "sha256", &model.sha256);
    if let Some(version) = &model.sklearn_version {
        item(&mut out, "scikit-learn version", version);
    }
    item(
        &mut out,
        "hyperparameters",
        &model.hyperparameters.len().to_string(),
    );
    Ok(ok(out))
}

/// `card show CARD`: the metadata, then the table of contents.
fn show(args: &CardShowArgs) -> Result<Outcome, CliError> {
    let card = read(&args.card)?;
    let mut out = String::new();
    // Line by line, so that the layout's own newlines stay and those inside a value are shown.
    for line in ops::show(&card).lines() {
        let _ = writeln!(out, "{}", sanitize(line));
    }
    Ok(ok(out))
}

/// `card set CARD SECTION --text TEXT | --file PATH`: one section's text, in place.
fn set(args: &CardSetArgs, style: Style) -> Result<Outcome, CliError> {
    let text = match (&args.text, &args.file) {
        (Some(text), _) => text.clone(),
        // A text file ends with a newline, which is not part of the section (the card adds
        // its own blank line): dropped, as the shell's `$(cat PATH)` would.
        (None, Some(path)) => read_text(path)?.trim_end_matches(['\n', '\r']).to_owned(),
        // clap requires one of the two.
        (None, None) => String::new(),
    };
    // `Card::add` accepts empty titles (as skops does); a path typed by hand never means one.
    skops_card::path::split_non_empty(&args.section)
        .map_err(|error| CliError::card(&args.card, error))?;
    let mut card = read(&args.card)?;
    let existed = card.select(&args.section).is_ok();
    ops::set_section(&mut card, &args.section, &text)
        .map_err(|error| CliError::card(&args.card, error))?;
    card.save(&args.card, false)
        .map_err(|error| CliError::card(&args.card, error))?;
    let action = if existed { "set" } else { "added" };
    Ok(ok(header(
        style,
        &args.card,
        &format!("{action} section `{}`", args.section),
    )))
}

/// `card check CARD MODEL`: exit 0 when the card matches the file, 1 with the differences.
fn check(args: &CardCheckArgs, style: Style) -> Result<Outcome, CliError> {
    let card = read(&args.card)?;
    let mismatches =
        ops::check_file(&card, &args.model).map_err(|error| CliError::card(&args.model, error))?;
    let model = args.model.display();
    if mismatches.is_empty() {
        let mut out = header(style, &args.card, &format!("matches `{model}`"));
        for (label, key) in [
            ("sha256", MODEL_SHA256_KEY),
            ("scikit-learn version", SKLEARN_VERSION_KEY),
        ] {
            if let Some(value) = card.metadata().get(key).and_then(Value::as_str) {
                item(&mut out, label, value);
            }
        }
        return Ok(ok(out));
    }
    let mut out = header(style, &args.card, &format!("does not match `{model}`"));
    for mismatch in &mismatches {
        let _ = writeln!(out, "  - {}", sanitize(&mismatch.to_string()));
    }
    out.push_str(
        "hint: if the model changed on purpose, write a new card with `skops-rs card new`, or \
         record the new file with `Card.bind_model` in Python\n",
    );
    Ok(Outcome {
        stdout: out,
        code: crate::EXIT_PROBLEMS,
    })
}

/// Reads and parses a card file.
fn read(path: &Path) -> Result<Card, CliError> {
    skops_card::parse_file(path).map_err(|error| CliError::card(path, error))
}

/// The UTF-8 text of `--file PATH`, bounded like a card (a link is followed, but it must
/// lead to a regular file: not a FIFO or a device that would block or never end).
fn read_text(path: &Path) -> Result<String, CliError> {
    skops_card::file::read_text(path, MAX_CARD_SIZE, "text file size", Links::Follow)
        .map_err(|error| CliError::card(path, error))
}

/// `PATH: what` with the path in bold, and a newline.
fn header(style: Style, path: &Path, what: &str) -> String {
    let name = style.paint(
        Paint::Bold,
        &format!("{}:", sanitize(&path.display().to_string())),
    );
    format!("{name} {}\n", sanitize(what))
}

/// An indented `label: value` line (the value escaped: it comes from a file).
fn item(out: &mut String, label: &str, value: &str) {
    let _ = writeln!(out, "  {label}: {}", sanitize(value));
}

/// A successful outcome with `stdout`.
fn ok(stdout: String) -> Outcome {
    Outcome {
        stdout,
        code: crate::EXIT_OK,
    }
}
