//! The subcommands: each opens its files (a `.skops` file is audited, a card parsed) and
//! returns its output and exit status.

pub mod audit;
pub mod card;
pub mod hub;
pub mod inspect;
pub mod predict;
pub mod serve;

use std::path::Path;

use skops_format::Limits;
use skops_format::json::Text;
use skops_trust::ModelFile;
use skops_trust::audit::AuditReport;

use crate::error::CliError;

/// What a command prints on standard output, and how it ends.
#[derive(Debug)]
pub struct Outcome {
    /// The text for standard output.
    pub stdout: String,
    /// The exit code (`EXIT_OK` or `EXIT_PROBLEMS`).
    pub code: u8,
}

/// An untrusted type with the paths where it occurs.
#[derive(Debug, Clone)]
pub struct UntrustedType {
    /// The full type name.
    pub name: String,
    /// Where it occurs (at most `skops_trust::audit::MAX_PATHS_PER_TYPE`).
    pub paths: Vec<String>,
    /// How many further occurrences are not in `paths`.
    pub omitted: u64,
}

/// What the header, footer and JSON reports say about a file.
#[derive(Debug, Clone)]
pub struct Summary {
    /// The path as given.
    pub path: String,
    /// SHA-256 of the file, lowercase hex.
    pub sha256: String,
    /// The schema protocol.
    pub protocol: i64,
    /// The skops version that wrote the file (any string: skops never reads it).
    pub skops_version: Option<Text>,
    /// The scikit-learn version that wrote the file.
    pub sklearn_version: Option<String>,
    /// The types trusted with `--trusted`.
    pub trusted: Vec<String>,
    /// The untrusted types left, sorted.
    pub untrusted: Vec<UntrustedType>,
}

impl Summary {
    fn new(path: &Path, file: &ModelFile<'_>, report: &AuditReport, trusted: &[String]) -> Self {
        let untrusted = report
            .untrusted_with_paths()
            .into_iter()
            .map(|(name, paths)| UntrustedType {
                omitted: report.omitted_paths(&name),
                name,
                paths,
            })
            .collect();
        Self {
            path: path.display().to_string(),
            sha256: file.sha256(),
            protocol: file.protocol(),
            skops_version: file.skops_version().cloned(),
            sklearn_version: file.sklearn_version(),
            trusted: trusted.to_vec(),
            untrusted,
        }
    }
}

/// Reads, checks and audits the file at `path` (into `buffer`, which the file borrows).
fn open<'b>(
    path: &Path,
    trusted: &[String],
    buffer: &'b mut Vec<u8>,
) -> Result<(ModelFile<'b>, AuditReport, Summary), CliError> {
    let limits = Limits::default();
    let file =
        ModelFile::open_path(path, &limits, buffer).map_err(|error| CliError::file(path, error))?;
    let report = file
        .audit(trusted)
        .map_err(|error| CliError::file(path, error))?;
    let summary = Summary::new(path, &file, &report, trusted);
    Ok((file, report, summary))
}
