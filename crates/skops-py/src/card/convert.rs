//! Values between Python and `skops-card`: metadata (`dict`, `list`, `str`, `int`, `float`,
//! `bool`, `None`) and `skops_card::Value`, and the text and paths the card API takes.
//!
//! Only documented exceptions come out: a string holding a lone surrogate (which UTF-8 text
//! cannot hold) is a `CardError` of kind `lone-surrogate` instead of Python's
//! `UnicodeEncodeError`, an integer too large for a float is `unsupported-metadata-value`
//! instead of `OverflowError`, and metadata past the budget parsing applies (size as written
//! out, nodes, nesting depth) is `limit-exceeded`.

use std::path::PathBuf;

use pyo3::exceptions::{PyTypeError, PyUnicodeEncodeError};
use pyo3::prelude::*;
use pyo3::types::{PyBool, PyDict, PyFloat, PyInt, PyList, PyString, PyTuple};
use skops_card::metadata::MetadataBudget;
use skops_card::{Error, Metadata, Value};

use super::error::to_py_err;

/// A `str` argument, refused with a `CardError` when it holds a lone surrogate.
pub(super) struct Text(pub(super) String);

impl<'a, 'py> FromPyObject<'a, 'py> for Text {
    type Error = PyErr;

    fn extract(object: Borrowed<'a, 'py, PyAny>) -> PyResult<Self> {
        let string = object.cast::<PyString>()?;
        text_of(&string).map(Text)
    }
}

/// A path argument (`str` or `os.PathLike`), refused with a `CardError` when it holds a
/// surrogate the file system encoding cannot hold.
pub(super) struct FilePath(pub(super) PathBuf);

impl<'a, 'py> FromPyObject<'a, 'py> for FilePath {
    type Error = PyErr;

    fn extract(object: Borrowed<'a, 'py, PyAny>) -> PyResult<Self> {
        object
            .extract::<PathBuf>()
            .map(FilePath)
            .map_err(|error| surrogate_error(object.py(), &object, error))
    }
}

/// The text of a Python `str`.
fn text_of(string: &Bound<'_, PyString>) -> PyResult<String> {
    match string.to_str() {
        Ok(text) => Ok(text.to_owned()),
        Err(error) => Err(surrogate_error(string.py(), string.as_any(), error)),
    }
}

/// `error` as a `CardError` of kind `lone-surrogate` when it is the `UnicodeEncodeError` of a
/// lone surrogate in `object` (a `str` or a path); any other error unchanged.
fn surrogate_error(py: Python<'_>, object: &Bound<'_, PyAny>, error: PyErr) -> PyErr {
    if !error.is_instance_of::<PyUnicodeEncodeError>(py) {
        return error;
    }
    // `start` is where the encoder stopped; the character there is the surrogate.
    let code = (|| -> PyResult<u32> {
        let encode_error = error.value(py);
        let text = encode_error.getattr("object")?;
        let start = encode_error.getattr("start")?;
        let surrogate = text.get_item(start)?;
        py.import("builtins")?
            .getattr("ord")?
            .call1((surrogate,))?
            .extract()
    })()
    .unwrap_or(0);
    let shown = object
        .repr()
        .map(|r| shorten(&r.to_string_lossy()))
        .unwrap_or_default();
    to_py_err(Error::LoneSurrogate {
        what: format!("the string {shown}"),
        code,
    })
}

/// `text` cut to 60 characters, for messages.
fn shorten(text: &str) -> String {
    const SHOWN: usize = 60;
    if text.chars().count() <= SHOWN {
        return text.to_owned();
    }
    let head: String = text.chars().take(SHOWN).collect();
    format!("{head}...")
}

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

/// A Python mapping of metadata, charged to the metadata budget as it is read (so a list
/// that contains itself, or one object referenced a million times, is refused as soon as the
/// nesting depth or the expanded size crosses its limit, not after building it all).
pub(super) fn metadata_from_py(object: &Bound<'_, PyAny>) -> PyResult<Metadata> {
    let mut budget = MetadataBudget::new();
    match value_from_py(object, 0, &mut budget)? {
        Value::Map(entries) => Ok(Metadata::from_pairs(entries)),
        _ => Err(PyTypeError::new_err("card metadata must be a mapping")),
    }
}

/// `object`, which sits inside `depth` lists and mappings.
fn value_from_py(
    object: &Bound<'_, PyAny>,
    depth: u64,
    budget: &mut MetadataBudget,
) -> PyResult<Value> {
    let charge = |budget: &mut MetadataBudget, value: Value| -> PyResult<Value> {
        budget.scalar(&value, depth).map_err(to_py_err)?;
        Ok(value)
    };
    if object.is_none() {
        return charge(budget, Value::Null);
    }
    if let Ok(b) = object.cast::<PyBool>() {
        return charge(budget, Value::Bool(b.is_true()));
    }
    if object.is_instance_of::<PyInt>() {
        let value = match object.extract::<i64>() {
            Ok(i) => Value::Int(i),
            // What YAML reads an integer past 64 bits as; past a float, refused.
            Err(_) => match object.extract::<f64>() {
                Ok(f) => Value::Float(f),
                Err(_) => {
                    return Err(to_py_err(Error::UnsupportedMetadataValue {
                        message: "an integer too large for a 64-bit float (it would not be \
                                  written back as the same number)"
                            .to_owned(),
                    }));
                }
            },
        };
        return charge(budget, value);
    }
    if let Ok(f) = object.cast::<PyFloat>() {
        return charge(budget, Value::Float(f.value()));
    }
    if let Ok(s) = object.cast::<PyString>() {
        return charge(budget, Value::String(text_of(s)?));
    }
    if let Ok(dict) = object.cast::<PyDict>() {
        budget.collection(depth).map_err(to_py_err)?;
        let mut entries = Vec::with_capacity(dict.len());
        for (key, item) in dict.iter() {
            let Ok(key) = key.cast::<PyString>() else {
                return Err(PyTypeError::new_err(format!(
                    "card metadata keys must be strings, got {key:?}"
                )));
            };
            let key = text_of(key)?;
            budget.key(&key, depth + 1).map_err(to_py_err)?;
            entries.push((key, value_from_py(&item, depth + 1, budget)?));
        }
        return Ok(Value::Map(entries));
    }
    if object.is_instance_of::<PyList>() || object.is_instance_of::<PyTuple>() {
        budget.collection(depth).map_err(to_py_err)?;
        let mut items = Vec::new();
        for item in object.try_iter()? {
            items.push(value_from_py(&item?, depth + 1, budget)?);
        }
        return Ok(Value::List(items));
    }
    if let Ok(mapping) = object.cast::<pyo3::types::PyMapping>() {
        let dict = PyDict::new(object.py());
        for item in mapping.items()?.iter() {
            let (key, value): (Bound<'_, PyAny>, Bound<'_, PyAny>) = item.extract()?;
            dict.set_item(key, value)?;
        }
        return value_from_py(dict.as_any(), depth, budget);
    }
    Err(PyTypeError::new_err(format!(
        "card metadata values must be str, int, float, bool, None, list or dict, got {}",
        object.get_type().name()?
    )))
}
