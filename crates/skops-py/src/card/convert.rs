//! Metadata values between Python (`dict`, `list`, `str`, `int`, `float`, `bool`, `None`)
//! and `skops_card::Value`.

use pyo3::exceptions::{PyTypeError, PyValueError};
use pyo3::prelude::*;
use pyo3::types::{PyBool, PyDict, PyFloat, PyInt, PyList, PyString, PyTuple};
use skops_card::{Metadata, Value};

/// Deepest nesting accepted from Python (also stops a list that contains itself).
const MAX_DEPTH: usize = 128;

/// Metadata as a new Python dict.
pub(super) fn metadata_to_py<'py>(
    py: Python<'py>,
    metadata: &Metadata,
) -> PyResult<Bound<'py, PyDict>> {
    let dict = PyDict::new(py);
    for (key, value) in metadata.iter() {
        dict.set_item(key, value_to_py(py, value)?)?;
    }
    Ok(dict)
}

fn value_to_py<'py>(py: Python<'py>, value: &Value) -> PyResult<Bound<'py, PyAny>> {
    Ok(match value {
        Value::Null => py.None().into_bound(py),
        Value::Bool(b) => PyBool::new(py, *b).to_owned().into_any(),
        Value::Int(i) => i.into_pyobject(py)?.into_any(),
        Value::Float(f) => PyFloat::new(py, *f).into_any(),
        Value::String(s) => PyString::new(py, s).into_any(),
        Value::List(items) => {
            let list = PyList::empty(py);
            for item in items {
                list.append(value_to_py(py, item)?)?;
            }
            list.into_any()
        }
        Value::Map(entries) => {
            let dict = PyDict::new(py);
            for (key, item) in entries {
                dict.set_item(key, value_to_py(py, item)?)?;
            }
            dict.into_any()
        }
    })
}

/// A Python mapping of metadata.
pub(super) fn metadata_from_py(object: &Bound<'_, PyAny>) -> PyResult<Metadata> {
    match value_from_py(object, 0)? {
        Value::Map(entries) => Ok(Metadata::from_pairs(entries)),
        _ => Err(PyTypeError::new_err("card metadata must be a mapping")),
    }
}

fn value_from_py(object: &Bound<'_, PyAny>, depth: usize) -> PyResult<Value> {
    if depth > MAX_DEPTH {
        return Err(PyValueError::new_err(format!(
            "card metadata is nested deeper than {MAX_DEPTH} levels"
        )));
    }
    if object.is_none() {
        return Ok(Value::Null);
    }
    if let Ok(b) = object.cast::<PyBool>() {
        return Ok(Value::Bool(b.is_true()));
    }
    if object.is_instance_of::<PyInt>() {
        return Ok(match object.extract::<i64>() {
            Ok(i) => Value::Int(i),
            Err(_) => Value::Float(object.extract::<f64>()?),
        });
    }
    if let Ok(f) = object.cast::<PyFloat>() {
        return Ok(Value::Float(f.value()));
    }
    if let Ok(s) = object.cast::<PyString>() {
        return Ok(Value::String(s.to_str()?.to_owned()));
    }
    if let Ok(dict) = object.cast::<PyDict>() {
        let mut entries = Vec::with_capacity(dict.len());
        for (key, item) in dict.iter() {
            let key: String = key.extract().map_err(|_| {
                PyTypeError::new_err(format!("card metadata keys must be strings, got {key:?}"))
            })?;
            entries.push((key, value_from_py(&item, depth + 1)?));
        }
        return Ok(Value::Map(entries));
    }
    if object.is_instance_of::<PyList>() || object.is_instance_of::<PyTuple>() {
        let mut items = Vec::new();
        for item in object.try_iter()? {
            items.push(value_from_py(&item?, depth + 1)?);
        }
        return Ok(Value::List(items));
    }
    if let Ok(mapping) = object.cast::<pyo3::types::PyMapping>() {
        let dict = PyDict::new(object.py());
        for item in mapping.items()?.iter() {
            let (key, value): (Bound<'_, PyAny>, Bound<'_, PyAny>) = item.extract()?;
            dict.set_item(key, value)?;
        }
        return value_from_py(dict.as_any(), depth);
    }
    Err(PyTypeError::new_err(format!(
        "card metadata values must be str, int, float, bool, None, list or dict, got {}",
        object.get_type().name()?
    )))
}
