//! `skops-rs audit FILE`: the untrusted types and where they occur; exit 0 when there are
//! none (after `--trusted` and `--policy`), 1 when some remain. With `--write-policy`, the
//! types left are approved in a trust policy bound to the file's sha256.

use std::fmt::Write as _;
use std::path::Path;

use skops_format::{Error as FormatError, Limits};
use skops_trust::ModelFile;
use skops_trust::audit::node_path_display;
use skops_trust::policy::{TrustPolicy, sha256_hex};

use super::{Outcome, Summary, open};
use crate::args::AuditArgs;
use crate::error::CliError;
use crate::render::{Paint, Style, json, text};
use crate::sanitize::sanitize;

/// Runs `audit`.
pub fn run(args: &AuditArgs, style: Style) -> Result<Outcome, CliError> {
    // A policy that cannot be read fails before the model file is even opened.
    let policy = match &args.policy {
        Some(path) => Some((
            path.as_path(),
            TrustPolicy::read_path(path).map_err(|error| CliError::file(path, error))?,
        )),
        None => None,
    };
    let mut buffer = Vec::new();
    let summary = match &policy {
        None => open(&args.file, &args.trust.trusted, &mut buffer)?.2,
        Some((_, policy)) => open_with_policy(&args.file, &args.trust.trusted, policy)?,
    };
    if let Some(path) = &args.write_policy {
        if is_same_file(path, &args.file) {
            return Err(CliError::PolicyIsModel { path: path.clone() });
        }
        return write_policy(args, path, &summary, style);
    }
    let code = if summary.untrusted.is_empty() {
        crate::EXIT_OK
    } else {
        crate::EXIT_PROBLEMS
    };
    let stdout = if args.json {
        json::audit_report(&summary)
    } else {
        let mut out = String::new();
        if let Some((path, policy)) = &policy {
            out.push_str(&policy_line(path, policy, style));
        }
        let name = style.paint(Paint::Bold, &format!("{}:", sanitize(&summary.path)));
        let _ = write!(out, "{name} {}", text::untrusted(&summary, style));
        out
    };
    Ok(Outcome { stdout, code })
}

/// Reads the file, checks that `policy` is for these very bytes before parsing them, then
/// audits with `trusted` and the policy's types.
fn open_with_policy(
    path: &Path,
    trusted: &[String],
    policy: &TrustPolicy,
) -> Result<Summary, CliError> {
    let fail = |error: skops_trust::Error| CliError::file(path, error);
    let fail_format = |error: FormatError| CliError::file(path, error);
    let limits = Limits::default();
    let size = std::fs::metadata(path)
        .map_err(|source| fail_format(io_error(path, source)))?
        .len();
    Limits::check("file size", size, limits.max_total_size).map_err(fail_format)?;
    let data = std::fs::read(path).map_err(|source| fail_format(io_error(path, source)))?;
    policy.check_digest(&sha256_hex(&data)).map_err(fail)?;
    let file = ModelFile::open(&data, &limits).map_err(fail)?;
    let mut trusted = trusted.to_vec();
    trusted.extend(policy.types().iter().cloned());
    let report = file.audit(&trusted).map_err(fail)?;
    Ok(Summary::new(path, &file, &report, &trusted))
}

/// Whether `a` and `b` name the same existing file (through links and relative paths).
fn is_same_file(a: &Path, b: &Path) -> bool {
    match (a.canonicalize(), b.canonicalize()) {
        (Ok(a), Ok(b)) => a == b,
        _ => false,
    }
}

fn io_error(path: &Path, source: std::io::Error) -> FormatError {
    FormatError::Io {
        path: path.display().to_string(),
        source,
    }
}

/// `policy `PATH` approves N types (by NAME at TIME)`, one line.
fn policy_line(path: &Path, policy: &TrustPolicy, style: Style) -> String {
    let count = policy.types().len();
    let text = format!(
        "policy `{}` approves {count} type{} (by {} at {})",
        path.display(),
        if count == 1 { "" } else { "s" },
        policy.approved_by(),
        policy.approved_at()
    );
    format!("{}\n", style.paint(Paint::Dim, &sanitize(&text)))
}

/// Shows the types the policy approves, with their paths, and writes it atomically.
fn write_policy(
    args: &AuditArgs,
    path: &Path,
    summary: &Summary,
    style: Style,
) -> Result<Outcome, CliError> {
    let types: Vec<String> = summary
        .untrusted
        .iter()
        .map(|entry| entry.name.clone())
        .collect();
    let policy = TrustPolicy::new(
        &summary.sha256,
        types,
        &args
            .approved_by
            .clone()
            .unwrap_or_else(skops_trust::policy::default_approver),
        &skops_trust::policy::utc_now(),
        args.note.clone(),
    )
    .map_err(|error| CliError::file(path, error))?;
    policy
        .write_path(path)
        .map_err(|error| CliError::file(path, error))?;
    let mut out = String::new();
    let name = style.paint(Paint::Bold, &format!("{}:", sanitize(&summary.path)));
    let count = summary.untrusted.len();
    if count == 0 {
        let _ = writeln!(
            out,
            "{name} no untrusted types: the policy approves nothing"
        );
    } else {
        let _ = writeln!(
            out,
            "{name} approving {count} type{} in this file only:",
            if count == 1 { "" } else { "s" }
        );
    }
    for entry in &summary.untrusted {
        let _ = writeln!(
            out,
            "  {}",
            style.paint(Paint::Unsafe, &sanitize(&entry.name))
        );
        for at in entry.paths.iter().take(text::MAX_PRINTED_PATHS) {
            let _ = writeln!(out, "    at {}", sanitize(node_path_display(at)));
        }
        let more = entry.omitted
            + u64::try_from(entry.paths.len().saturating_sub(text::MAX_PRINTED_PATHS)).unwrap_or(0);
        if more > 0 {
            let _ = writeln!(
                out,
                "    {}",
                style.paint(Paint::Dim, &format!("... and {more} more"))
            );
        }
    }
    let _ = writeln!(
        out,
        "wrote trust policy `{}` for sha256 {} (approved by {} at {})",
        sanitize(&path.display().to_string()),
        policy.sha256(),
        sanitize(policy.approved_by()),
        policy.approved_at()
    );
    Ok(Outcome {
        stdout: out,
        code: crate::EXIT_OK,
    })
}
