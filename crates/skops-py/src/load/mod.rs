//! `.skops` archive -> Python objects: the native `loads` and the audit functions.

use pyo3::prelude::*;
use pyo3::types::PyModule;

/// Adds the loader's functions (`loads`, `get_untrusted_types`, `untrusted_type_paths`,
/// `tree_nodes`) to the extension module.
pub(crate) fn register(_m: &Bound<'_, PyModule>) -> PyResult<()> {
    // TODO(load): add the functions; python/skops_rs/_skops_rs.pyi gives their signatures.
    Ok(())
}
