//! `skops-rs inspect FILE`: the header, the object tree and the untrusted types, or the JSON
//! report. Exits 0 whenever the file could be read (untrusted types are information here;
//! `audit` is the check).

use skops_trust::visualize::inspect_rows;

use super::{Outcome, open};
use crate::args::InspectArgs;
use crate::error::CliError;
use crate::render::{Style, json, text, tree};

/// Runs `inspect`.
pub fn run(args: &InspectArgs, style: Style) -> Result<Outcome, CliError> {
    let mut buffer = Vec::new();
    let (file, report, summary) = open(&args.file, &args.trust.trusted, &mut buffer)?;
    let stdout = if args.json {
        json::inspect_report(&summary, &file, &report, args.show)
    } else {
        let rows =
            inspect_rows(&file, &report).map_err(|error| CliError::file(&args.file, error))?;
        let shown = tree::filter(&rows, args.show);
        let mut out = text::header(&summary, style);
        out.push('\n');
        out.push_str(&tree::render(&shown, style));
        out.push('\n');
        out.push_str(&text::untrusted(&summary, style));
        out
    };
    Ok(Outcome {
        stdout,
        code: crate::EXIT_OK,
    })
}
