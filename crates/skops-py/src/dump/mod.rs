//! Python object -> `.skops` archive: the native `dumps` (skops 0.16 `get_state` rules).
//!
//! The object is walked once, in skops' order: each node's text goes straight into
//! `schema.json` (written as `json.dumps(state, indent=2)` would) and each array straight into
//! its zip member, so no Python-level state dict is ever built. What skops decides by calling
//! Python (`__reduce__`, `__getstate__`, `get_state(legacy=False)`...) is decided by calling
//! the same Python, so the output follows skops for any object, not only known ones.

mod address_map;
mod archive;
mod context;
mod dispatch;
mod error;
mod nodes;
mod npy;
mod path;
mod python;

use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyModule};
use skops_format::container::WriteCompression;

use archive::DEFAULT_DEFLATE_LEVEL;
use context::Dumper;

/// The protocol skops 0.16 writes in `schema.json`.
const SKOPS_PROTOCOL: u64 = 2;

/// The `_skops_version` written in `schema.json`: the skops release whose format this is (the
/// field is informative; no reader checks it).
const SKOPS_VERSION: &str = "0.16.0";

/// How deeply objects may nest before the dump gives up with `RecursionError` (skops itself
/// stops at about 250 levels, at Python's recursion limit); keeps the walk within the stack.
const MAX_NESTING_DEPTH: usize = 1000;

/// `zipfile.ZIP_STORED` and `zipfile.ZIP_DEFLATED`.
const ZIP_STORED: i64 = 0;
const ZIP_DEFLATED: i64 = 8;

/// Serialises `obj` to the bytes of a `.skops` archive (0 = stored, 8 = deflated).
#[pyfunction]
#[pyo3(signature = (obj, compression, compresslevel))]
fn dumps<'py>(
    py: Python<'py>,
    obj: &Bound<'py, PyAny>,
    compression: i64,
    compresslevel: Option<i64>,
) -> PyResult<Bound<'py, PyBytes>> {
    let compression = write_compression(compression, compresslevel)?;
    Dumper::new(py, compression)?
        .dump(obj)
        .map_err(|err| err.into_pyerr(py))
}

/// The zip writer's setting for `compression` / `compresslevel` (already validated by
/// `skops_rs.io`; checked again since the native function is callable directly).
fn write_compression(compression: i64, level: Option<i64>) -> PyResult<WriteCompression> {
    match (compression, level) {
        (ZIP_STORED, _) => Ok(WriteCompression::Stored),
        (ZIP_DEFLATED, None | Some(-1)) => Ok(WriteCompression::Deflated {
            level: DEFAULT_DEFLATE_LEVEL,
        }),
        (ZIP_DEFLATED, Some(level @ 0..=9)) => Ok(WriteCompression::Deflated {
            level: level as u32,
        }),
        (ZIP_DEFLATED, Some(level)) => Err(PyValueError::new_err(format!(
            "compresslevel must be between -1 and 9 for ZIP_DEFLATED, got {level}"
        ))),
        (other, _) => Err(PyValueError::new_err(format!(
            "skops_rs writes only ZIP_STORED (0) and ZIP_DEFLATED (8) archives, not {other}"
        ))),
    }
}

/// Adds the writer's functions (`dumps`) to the extension module.
pub(crate) fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_function(wrap_pyfunction!(dumps, m)?)
}
