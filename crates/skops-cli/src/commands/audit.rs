//! `skops-rs audit FILE`: the untrusted types and where they occur; exit 0 when there are
//! none (after `--trusted`), 1 when some remain.

use super::{Outcome, open};
use crate::args::AuditArgs;
use crate::error::CliError;
use crate::render::{Paint, Style, json, text};
use crate::sanitize::sanitize;

/// Runs `audit`.
pub fn run(args: &AuditArgs, style: Style) -> Result<Outcome, CliError> {
    let mut buffer = Vec::new();
    let (_file, _report, summary) = open(&args.file, &args.trust.trusted, &mut buffer)?;
    let code = if summary.untrusted.is_empty() {
        crate::EXIT_OK
    } else {
        crate::EXIT_PROBLEMS
    };
    let stdout = if args.json {
        json::audit_report(&summary)
    } else {
        let name = style.paint(Paint::Bold, &format!("{}:", sanitize(&summary.path)));
        format!("{name} {}", text::untrusted(&summary, style))
    };
    Ok(Outcome { stdout, code })
}
