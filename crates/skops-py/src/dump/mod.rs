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

use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyModule};
use skops_format::container::WriteCompression;

use context::Dumper;

/// The protocol skops 0.16 writes in `schema.json`.
const SKOPS_PROTOCOL: u64 = 2;

/// The `_skops_version` written in `schema.json`: the skops release whose format this is (the
/// field is informative; no reader checks it).
const SKOPS_VERSION: &str = "0.16.0";

/// How deeply objects may nest before the dump gives up with `RecursionError` (skops itself
/// stops at about 250 levels, at Python's recursion limit); keeps the walk within the stack.
const MAX_NESTING_DEPTH: usize = 1000;

/// Serialises `obj` to the bytes of a `.skops` archive: stored members when `deflate_level`
/// is `None`, else deflated at that level.
///
/// `skops_rs.io._writer_settings` checks `dump`'s and `dumps`' compression arguments (the one
/// place they are checked, raising what skops raises); this only converts them. A level above
/// 9 from a direct call is refused by the zip writer (`zip-invalid-compression-level`).
#[pyfunction]
#[pyo3(signature = (obj, deflate_level))]
fn dumps<'py>(
    py: Python<'py>,
    obj: &Bound<'py, PyAny>,
    deflate_level: Option<u32>,
) -> PyResult<Bound<'py, PyBytes>> {
    let compression = match deflate_level {
        None => WriteCompression::Stored,
        Some(level) => WriteCompression::Deflated { level },
    };
    Dumper::new(py, compression)?
        .dump(obj)
        .map_err(|err| err.into_pyerr(py))
}

/// Adds the writer's functions (`dumps`) to the extension module.
pub(crate) fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_function(wrap_pyfunction!(dumps, m)?)
}
