//! `.skops` archive -> Python objects: the native `loads` and the audit functions.
//!
//! Every function first opens the file with [`ModelFile::open`] (container, schema and member
//! validation, all in Rust, without the GIL) and audits it in Rust. `loads` builds the object
//! only once the audit found nothing untrusted: until then no module named by the file is
//! imported and nothing is constructed.

mod arrays;
mod build;
mod imports;
mod json;
mod source;
mod tree_arrays;

use numpy::PyReadonlyArray1;
use pyo3::exceptions::PyImportError;
use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyDict, PyModule, PyString};
use skops_format::schema::{Loader, NodeKind, ReduceKind};
use skops_format::{Error, Limits};
use skops_trust::audit::{AuditReport, node_path};
use skops_trust::{ModelFile, visualize};

use crate::errors::format_error;
use skops_format::error::SchemaError;

/// Adds the loader's functions (`loads`, `get_untrusted_types`, `untrusted_type_paths`,
/// `tree_nodes`, `state_reader_rules`) to the extension module.
pub(crate) fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_function(wrap_pyfunction!(loads, m)?)?;
    m.add_function(wrap_pyfunction!(loads_mapped, m)?)?;
    m.add_function(wrap_pyfunction!(get_untrusted_types, m)?)?;
    m.add_function(wrap_pyfunction!(untrusted_type_paths, m)?)?;
    m.add_function(wrap_pyfunction!(tree_nodes, m)?)?;
    m.add_function(wrap_pyfunction!(state_reader_rules, m)?)?;
    m.add_function(wrap_pyfunction!(untrusted_type_reasons, m)?)?;
    Ok(())
}

/// Why skops 0.16 does not trust some types by default (its own text, from the embedded trust
/// tables), by type name: what `UntrustedTypesFoundException` explains.
#[pyfunction]
fn untrusted_type_reasons(py: Python<'_>) -> PyResult<Vec<(String, String)>> {
    let tables = skops_trust::audit::TrustTables::skops_defaults()
        .map_err(|error| format_error(py, &error))?;
    Ok(tables.untrusted_type_reasons().to_vec())
}

/// `(key type, names an attribute)` pairs.
type KeyTypeRules = Vec<(String, bool)>;
/// `(loader, form)` pairs.
type FormRules = Vec<(&'static str, &'static str)>;

/// The rules of the validators' state reader (`skops_trust::validate::state`): for each key
/// type it knows, whether the key names an attribute; for each loader, how a state of that
/// form is read. The tests compare them with skops 0.16 and Python at test time.
#[pyfunction]
fn state_reader_rules() -> (KeyTypeRules, FormRules) {
    let key_types = skops_format::schema::key_types::KEY_TYPES
        .iter()
        .map(|(module, class, sets)| (format!("{module}.{class}"), *sets))
        .collect();
    let forms = skops_trust::validate::state_forms()
        .into_iter()
        .map(|(loader, form)| (loader, form.name()))
        .collect();
    (key_types, forms)
}

/// Audit then construct the object of a `.skops` archive; `trusted` holds type names.
#[pyfunction]
fn loads<'py>(
    py: Python<'py>,
    data: &Bound<'py, PyBytes>,
    trusted: Vec<String>,
) -> PyResult<Bound<'py, PyAny>> {
    if let Some(checked) = source::take(data) {
        let file = ModelFile::reopen(data.as_bytes(), checked, &Limits::default())
            .map_err(|e| format_error(py, &e))?;
        return build_audited(py, &file, data, &trusted);
    }
    let file = open(py, data.as_bytes())?;
    build_audited(py, &file, data, &trusted)
}

/// Audits with `trusted`, then builds the object unless something is untrusted.
fn build_audited<'py>(
    py: Python<'py>,
    file: &ModelFile<'_>,
    data: &Bound<'py, PyBytes>,
    trusted: &[String],
) -> PyResult<Bound<'py, PyAny>> {
    let report = py
        .detach(|| file.audit(trusted))
        .map_err(|error| format_error(py, &error))?;
    if !report.is_clean() {
        return Err(untrusted_error(py, &report)?);
    }
    let buffer = build::FileBuffer {
        object: data.clone().into_any(),
        bytes: data.as_bytes(),
    };
    build::Builder::new(py, file, Some(buffer)).build_root()
}

/// What `loads_mapped` returns: the object, how many arrays view the mapping, and the arrays
/// copied instead (node path, reason).
type MappedLoad<'py> = (Bound<'py, PyAny>, usize, Vec<(String, &'static str)>);

/// Audit then construct the object of a `.skops` file held in `mapping`, a read-only
/// contiguous `uint8` array over a private, read-only memory mapping of the file
/// (`skops_rs.io.load(path, mmap_mode="r")` makes it): every plain array stored aligned in the
/// file is a read-only view of the mapping. The whole file is opened, checked and validated
/// before any object is built, as by `loads`; with `sha256` (a `TrustPolicy`'s), the mapped
/// bytes must have that digest first.
#[pyfunction]
#[pyo3(signature = (mapping, trusted, sha256 = None))]
fn loads_mapped<'py>(
    py: Python<'py>,
    mapping: PyReadonlyArray1<'py, u8>,
    trusted: Vec<String>,
    sha256: Option<&str>,
) -> PyResult<MappedLoad<'py>> {
    let object = mapping.as_any().clone();
    let writeable: bool = object.getattr("flags")?.getattr("writeable")?.extract()?;
    if writeable {
        return Err(PyValueError::new_err(
            "a mapped load needs a read-only buffer: its views are handed out read-only",
        ));
    }
    let bytes = mapping.as_slice().map_err(|_| {
        PyValueError::new_err("a mapped load needs a contiguous buffer of the file's bytes")
    })?;
    if let Some(sha256) = sha256 {
        crate::policy::check_digest(py, bytes, sha256)?;
    }
    let file = open(py, bytes)?;
    let report = py
        .detach(|| file.audit(&trusted))
        .map_err(|error| format_error(py, &error))?;
    if !report.is_clean() {
        return Err(untrusted_error(py, &report)?);
    }
    let buffer = build::FileBuffer { object, bytes };
    let (root, viewed, copies) = build::Builder::new(py, &file, Some(buffer))
        .mapped()
        .build_root_mapped()?;
    let copies = copies
        .into_iter()
        .map(|(path, reason)| (path, reason.name()))
        .collect();
    Ok((root, viewed, copies))
}

/// The sorted names of the types of the archive that are not trusted by default.
///
/// What was opened is kept for a `loads` of the same object (see `source.rs`).
#[pyfunction]
fn get_untrusted_types(py: Python<'_>, data: &Bound<'_, PyBytes>) -> PyResult<Vec<String>> {
    let file = open(py, data.as_bytes())?;
    let untrusted = audit(py, &file, &[])?.untrusted_types();
    source::remember(data, file.into_checked());
    Ok(untrusted)
}

/// For each untrusted type name of the archive, the node paths where it occurs.
#[pyfunction]
fn untrusted_type_paths<'py>(py: Python<'py>, data: &[u8]) -> PyResult<Bound<'py, PyDict>> {
    let file = open(py, data)?;
    let paths = PyDict::new(py);
    for (name, occurrences) in audit(py, &file, &[])?.untrusted_with_paths() {
        paths.set_item(name, occurrences)?;
    }
    Ok(paths)
}

/// One row of skops' `visualize` walk: `(level, key, val, is_self_safe, is_safe, is_last)`.
type TreeNodeRow<'py> = (
    usize,
    Bound<'py, PyString>,
    Bound<'py, PyString>,
    bool,
    bool,
    bool,
);

/// Depth-first `(level, key, val, is_self_safe, is_safe, is_last)` rows, as skops' walk.
#[pyfunction]
fn tree_nodes<'py>(
    py: Python<'py>,
    data: &[u8],
    trusted: Vec<String>,
) -> PyResult<Vec<TreeNodeRow<'py>>> {
    let file = open(py, data)?;
    let rows = py
        .detach(|| visualize::tree_rows(&file, &trusted))
        .map_err(|error| format_error(py, &error))?;
    // Keys and values are `str`s with any lone surrogates, as skops' rows.
    rows.into_iter()
        .map(|row| {
            Ok((
                row.level,
                json::text_to_py(py, &row.key)?,
                json::text_to_py(py, &row.val)?,
                row.is_self_safe,
                row.is_safe,
                row.is_last,
            ))
        })
        .collect()
}

/// Opens and checks the file (without the GIL), then refuses what skops 0.16 refuses while
/// reading the tree, before its audit.
fn open<'a>(py: Python<'_>, data: &'a [u8]) -> PyResult<ModelFile<'a>> {
    let file = py
        .detach(|| ModelFile::open(data, &Limits::default()))
        .map_err(|error| format_error(py, &error))?;
    refuse_unavailable_loaders(py, &file)?;
    Ok(file)
}

/// skops 0.16 registers `_DictWithDeprecatedKeysNode` only with scikit-learn < 1.2 (which it
/// does not support) and refuses a `QuantileForestNode` when `quantile_forest` is not
/// installed, both while reading the tree. Whether `quantile_forest` is installed is asked
/// without importing it.
fn refuse_unavailable_loaders(py: Python<'_>, file: &ModelFile<'_>) -> PyResult<()> {
    let schema = file.schema();
    let mut needs_quantile_forest = false;
    for (id, node) in schema.nodes() {
        if node.loader == Loader::DictWithDeprecatedKeys {
            let error = Error::Schema(SchemaError::UnknownLoader {
                loader: node.loader.name().to_owned(),
                module: node.module.clone(),
                class: node.class.clone(),
                protocol: schema.protocol,
                path: node_path(schema, id),
            });
            return Err(format_error(py, &error));
        }
        needs_quantile_forest |= matches!(
            node.kind,
            NodeKind::Reduce {
                kind: ReduceKind::QuantileForest,
                ..
            }
        );
    }
    if needs_quantile_forest {
        let spec = py
            .import("importlib.util")?
            .getattr("find_spec")?
            .call1(("quantile_forest",))?;
        if spec.is_none() {
            return Err(PyImportError::new_err(
                "`quantile_forest` is missing and needs to be installed in order to load this \
                 model.",
            ));
        }
    }
    Ok(())
}

fn audit(py: Python<'_>, file: &ModelFile<'_>, trusted: &[String]) -> PyResult<AuditReport> {
    py.detach(|| file.audit(trusted))
        .map_err(|error| format_error(py, &error))
}

/// `skops_rs.exceptions.UntrustedTypesFoundException(types, paths)`.
fn untrusted_error(py: Python<'_>, report: &AuditReport) -> PyResult<PyErr> {
    let class = py
        .import("skops_rs.exceptions")?
        .getattr("UntrustedTypesFoundException")?;
    let paths = PyDict::new(py);
    for (name, occurrences) in report.untrusted_with_paths() {
        paths.set_item(name, occurrences)?;
    }
    let instance = class.call1((report.untrusted_types(), paths))?;
    Ok(PyErr::from_value(instance))
}
