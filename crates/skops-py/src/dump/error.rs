//! Why a dump failed, and the Python exception each reason becomes.

use pyo3::exceptions::{PyMemoryError, PyRecursionError};
use pyo3::prelude::*;
use skops_format::error::ZipError;

/// A failed dump.
#[derive(Debug)]
pub(crate) enum DumpError {
    /// Python code called on the way (`__reduce__`, `__getstate__`, `json.dumps`...) raised;
    /// the exception is passed on unchanged, as skops passes it on.
    Python(PyErr),
    /// The object holds something the format cannot represent (or skops 0.16 would write in
    /// a form it cannot load back): `skops_rs.exceptions.UnsupportedTypeException`.
    Unsupported {
        /// The message; skops' own text where skops refuses the object too.
        message: String,
        /// The fully qualified name of the offending type (or function).
        type_name: String,
        /// Where the object sits inside the dumped object (`steps[0][1].func`).
        path: String,
    },
    /// The object graph nests deeper than [`super::limits::MAX_NESTING_DEPTH`] (skops hits
    /// Python's recursion limit on self-referencing objects): `RecursionError`.
    TooDeep {
        /// Where the walk gave up.
        path: String,
    },
    /// The zip writer failed (only out of memory in practice: the names and levels it could
    /// refuse are valid by construction).
    Archive(skops_format::Error),
}

/// Shorthand for results of the writer.
pub(crate) type DumpResult<T> = Result<T, DumpError>;

impl From<PyErr> for DumpError {
    fn from(err: PyErr) -> Self {
        Self::Python(err)
    }
}

impl From<pyo3::CastError<'_, '_>> for DumpError {
    fn from(err: pyo3::CastError<'_, '_>) -> Self {
        Self::Python(err.into())
    }
}

impl From<pyo3::CastIntoError<'_>> for DumpError {
    fn from(err: pyo3::CastIntoError<'_>) -> Self {
        Self::Python(err.into())
    }
}

impl From<skops_format::Error> for DumpError {
    fn from(err: skops_format::Error) -> Self {
        Self::Archive(err)
    }
}

impl DumpError {
    /// The Python exception of this error.
    pub(crate) fn into_pyerr(self, py: Python<'_>) -> PyErr {
        match self {
            Self::Python(err) => err,
            Self::Unsupported {
                message,
                type_name,
                path,
            } => unsupported_type_exception(py, message, type_name, path),
            Self::TooDeep { path } => {
                // The path of a self-referencing object is long and repetitive: its start
                // says where the cycle is.
                let shown: String = path.chars().take(200).collect();
                PyRecursionError::new_err(format!(
                    "maximum recursion depth exceeded while dumping: the object nests more \
                     than {} levels deep or contains itself (at `{shown}`...)",
                    super::MAX_NESTING_DEPTH
                ))
            }
            Self::Archive(err) => {
                if matches!(err, skops_format::Error::Zip(ZipError::Allocation { .. })) {
                    PyMemoryError::new_err(err.to_string())
                } else {
                    // Not reachable with the names and levels the writer uses; if it ever is,
                    // the format error says which (mapped like every other one, errors.rs).
                    crate::errors::format_error(py, &err)
                }
            }
        }
    }
}

/// `skops_rs.exceptions.UnsupportedTypeException(message, type_name=..., path=...)`.
fn unsupported_type_exception(
    py: Python<'_>,
    message: String,
    type_name: String,
    path: String,
) -> PyErr {
    let made = (|| -> PyResult<PyErr> {
        let class = py
            .import("skops_rs.exceptions")?
            .getattr("UnsupportedTypeException")?;
        let kwargs = pyo3::types::PyDict::new(py);
        kwargs.set_item("type_name", type_name)?;
        kwargs.set_item("path", path)?;
        let instance = class.call((message.as_str(),), Some(&kwargs))?;
        Ok(PyErr::from_value(instance))
    })();
    made.unwrap_or_else(|err| err)
}
