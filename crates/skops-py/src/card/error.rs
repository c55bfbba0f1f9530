//! `skops_card::Error` -> the Python exception (and message) skops 0.16 raises for the same
//! problem, or `skops_rs.exceptions.CardError` (a `ValueError` with the error's `kind`) where
//! skops raises nothing comparable. The match is exhaustive on purpose: a new variant must
//! choose its exception.

use pyo3::exceptions::{
    PyFileNotFoundError, PyKeyError, PyOSError, PyPermissionError, PyTypeError, PyValueError,
};
use pyo3::prelude::*;
use pyo3::types::PyDict;
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
        e @ (Error::InvalidSectionName { .. }
        | Error::FrontMatterSyntax { .. }
        | Error::FrontMatterInvalid { .. }
        | Error::UnsupportedMetadataValue { .. }
        | Error::NotUtf8 { .. }
        | Error::LimitExceeded { .. }
        | Error::InvalidConfig { .. }
        | Error::NotARegularFile { .. }
        | Error::OutsideFolder { .. }
        | Error::LoneSurrogate { .. }) => card_error(&e),
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

/// A `CardError(message, kind=...)`.
fn card_error(error: &Error) -> PyErr {
    Python::attach(|py| {
        let made = (|| -> PyResult<PyErr> {
            let class = py.import("skops_rs.exceptions")?.getattr("CardError")?;
            let kwargs = PyDict::new(py);
            kwargs.set_item("kind", error.kind())?;
            Ok(PyErr::from_value(
                class.call((error.to_string(),), Some(&kwargs))?,
            ))
        })();
        made.unwrap_or_else(|failed| failed)
    })
}
