//! `skops_card::Error` -> the Python exception (and message) skops 0.16 raises for the same
//! problem. The match is exhaustive on purpose: a new variant must choose its exception.

use pyo3::PyErr;
use pyo3::exceptions::{
    PyFileNotFoundError, PyKeyError, PyOSError, PyPermissionError, PyTypeError, PyValueError,
};
use skops_card::Error;

/// The Python exception for a card error.
pub(super) fn to_py_err(error: Error) -> PyErr {
    match error {
        Error::EmptySectionName { key } => {
            PyKeyError::new_err(format!("Section name cannot be empty but got '{key}'"))
        }
        Error::SectionNotFound { name } => PyKeyError::new_err(name),
        Error::ConflictingSubsections { name } => PyValueError::new_err(format!(
            "Trying to override section '{name}' but found conflicting subsections."
        )),
        Error::MissingPlotPath => PyTypeError::new_err("PlotSection requires a path"),
        Error::EmptyTable => PyValueError::new_err("Trying to add table with no columns"),
        Error::ColumnLength { column_len, rows } => PyValueError::new_err(format!(
            "Column length {column_len} does not match number of rows {rows}"
        )),
        Error::UnknownTemplate { name } => PyValueError::new_err(format!(
            "Unknown template '{name}', template must be one of the following values: 'skops'"
        )),
        e @ (Error::FrontMatterSyntax { .. }
        | Error::FrontMatterInvalid { .. }
        | Error::NotUtf8 { .. }
        | Error::LimitExceeded { .. }
        | Error::InvalidConfig { .. }) => PyValueError::new_err(e.to_string()),
        e @ Error::PlotFileMissing { .. } => PyFileNotFoundError::new_err(e.to_string()),
        Error::ModelFile { path, source } => {
            PyValueError::new_err(format!("`{path}` is not a valid .skops file: {source}"))
        }
        Error::Io { path, source } => {
            let message = format!("{source}: '{path}'");
            match source.kind() {
                std::io::ErrorKind::NotFound => PyFileNotFoundError::new_err(message),
                std::io::ErrorKind::PermissionDenied => PyPermissionError::new_err(message),
                _ => PyOSError::new_err(message),
            }
        }
    }
}
