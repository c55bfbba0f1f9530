//! Writing files for Python: `skops_format::atomic` behind `dump(obj, path)` and
//! `TrustPolicy.save`, so Python and Rust replace files the same way.

use pyo3::exceptions::PyOSError;
use pyo3::prelude::*;
use pyo3::types::PyModule;
use skops_format::atomic::{Durability, write_atomic_with};

/// Adds `write_atomic` to the extension module.
pub(crate) fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_function(wrap_pyfunction!(write_atomic, m)?)?;
    Ok(())
}

/// Replaces the file at `path` by `data`, all at once (see `skops_format::atomic`), synced to
/// disk unless not `durable`; without the GIL. A failure raises the `OSError` subclass of its
/// errno, naming the file it failed on.
#[pyfunction]
#[pyo3(signature = (path, data, durable = true))]
fn write_atomic(
    py: Python<'_>,
    path: std::path::PathBuf,
    data: &[u8],
    durable: bool,
) -> PyResult<()> {
    let durability = if durable {
        Durability::Synced
    } else {
        Durability::Unsynced
    };
    let result = py.detach(|| write_atomic_with(&path, data, durability));
    result.map_err(|error| {
        let strerror = error.source.to_string();
        let filename = error.path.to_string_lossy().into_owned();
        match error.source.raw_os_error() {
            // `OSError(errno, strerror, filename)` picks the subclass (`FileNotFoundError`...).
            Some(errno) => PyOSError::new_err((errno, strerror, filename)),
            None => PyOSError::new_err(format!("{strerror}: {filename}")),
        }
    })
}
