//! Python object -> `.skops` archive: the native `dumps` (skops 0.16 `get_state` rules).

use pyo3::prelude::*;
use pyo3::types::PyModule;

/// Adds the writer's functions (`dumps`) to the extension module.
pub(crate) fn register(_m: &Bound<'_, PyModule>) -> PyResult<()> {
    // TODO(dump): add `dumps`; python/skops_rs/_skops_rs.pyi gives its signature.
    Ok(())
}
