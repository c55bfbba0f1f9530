//! Trust policies for Python: thin wrappers over `skops_trust::policy`, so the policy format
//! is read, validated and bound to a file's digest by the same Rust code as the CLI's.

use pyo3::prelude::*;
use pyo3::types::{PyDict, PyModule};
use skops_trust::policy::TrustPolicy;

use crate::errors::format_error;
use skops_trust::error::PolicyError;

/// Adds the policy functions to the extension module.
pub(crate) fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_function(wrap_pyfunction!(policy_from_json, m)?)?;
    m.add_function(wrap_pyfunction!(policy_read, m)?)?;
    m.add_function(wrap_pyfunction!(policy_to_json, m)?)?;
    m.add_function(wrap_pyfunction!(policy_for_data, m)?)?;
    m.add_function(wrap_pyfunction!(policy_check, m)?)?;
    Ok(())
}

/// The fields of a validated policy, as a dict.
fn fields<'py>(py: Python<'py>, policy: &TrustPolicy) -> PyResult<Bound<'py, PyDict>> {
    let dict = PyDict::new(py);
    dict.set_item("sha256", policy.sha256())?;
    dict.set_item("types", policy.types().to_vec())?;
    dict.set_item("approved_by", policy.approved_by())?;
    dict.set_item("approved_at", policy.approved_at())?;
    dict.set_item("note", policy.note())?;
    Ok(dict)
}

/// Parses and validates a policy document; returns its fields.
#[pyfunction]
fn policy_from_json<'py>(py: Python<'py>, text: &[u8]) -> PyResult<Bound<'py, PyDict>> {
    let policy = TrustPolicy::parse(text).map_err(|error| format_error(py, &error))?;
    fields(py, &policy)
}

/// Reads and validates the policy file at `path` (size-limited); returns its fields.
#[pyfunction]
fn policy_read<'py>(py: Python<'py>, path: std::path::PathBuf) -> PyResult<Bound<'py, PyDict>> {
    let policy = py
        .detach(|| TrustPolicy::read_path(&path))
        .map_err(|error| format_error(py, &error))?;
    fields(py, &policy)
}

/// Validates the fields of a policy and returns its JSON document.
#[pyfunction]
#[pyo3(signature = (sha256, types, approved_by, approved_at, note=None))]
fn policy_to_json(
    py: Python<'_>,
    sha256: &str,
    types: Vec<String>,
    approved_by: &str,
    approved_at: &str,
    note: Option<String>,
) -> PyResult<String> {
    TrustPolicy::new(sha256, types, approved_by, approved_at, note)
        .map(|policy| policy.to_json())
        .map_err(|error| format_error(py, &error))
}

/// A policy approving `types` in the file whose content is `data`, approved now by
/// `approved_by` (the user name from the environment when `None`); returns its fields.
#[pyfunction]
#[pyo3(signature = (data, types, approved_by=None, note=None))]
fn policy_for_data<'py>(
    py: Python<'py>,
    data: &[u8],
    types: Vec<String>,
    approved_by: Option<&str>,
    note: Option<String>,
) -> PyResult<Bound<'py, PyDict>> {
    let policy = py
        .detach(|| TrustPolicy::for_data(data, types, approved_by, note))
        .map_err(|error| format_error(py, &error))?;
    fields(py, &policy)
}

/// Fails with `SkopsFormatError(kind="policy-digest-mismatch")` unless `data` is the file whose
/// sha256 a policy records.
#[pyfunction]
fn policy_check(py: Python<'_>, data: &[u8], sha256: &str) -> PyResult<()> {
    check_digest(py, data, sha256)
}

/// [`policy_check`] of bytes the caller holds (a memory-mapped file).
pub(crate) fn check_digest(py: Python<'_>, data: &[u8], sha256: &str) -> PyResult<()> {
    let actual = py.detach(|| skops_trust::policy::sha256_hex(data));
    // The same error, and so the same message and kind, as `TrustPolicy::check_digest`.
    if actual == sha256 {
        return Ok(());
    }
    Err(format_error(
        py,
        &skops_trust::Error::Policy(PolicyError::DigestMismatch {
            policy: sha256.to_owned(),
            file: actual,
        }),
    ))
}
