//! JSON scalars: the JsonNode (skops' `json.dumps(obj)` branch of the object handler), and the
//! dict keys and slice bounds that the final `json.dumps` writes itself.

use pyo3::prelude::*;
use pyo3::types::{PyBool, PyFloat, PyInt, PyString};
use pyo3::{Bound, intern};

use crate::dump::context::Dumper;
use crate::dump::error::DumpResult;
use crate::dump::python::{self, Helper};
use skops_format::json::escape::push_i64;

impl<'py> Dumper<'py> {
    /// Writes a JsonNode if `json.dumps(obj)` succeeds (None, bools, ints, floats, strings and
    /// their subclasses); returns `false`, writing nothing, otherwise.
    pub(super) fn json_node(&mut self, obj: &Bound<'py, PyAny>, id: u64) -> DumpResult<bool> {
        if let Ok(string) = obj.cast::<PyString>() {
            if let Ok(text) = string.to_str() {
                self.begin_json_node();
                self.text.double_encoded_str(text);
            } else {
                // Lone surrogates: not UTF-8, but json.dumps escapes them.
                let encoded = self.json_dumps(obj)?;
                self.begin_json_node();
                self.text.string(&encoded);
            }
        } else {
            let mut text = std::mem::take(&mut self.number_text);
            text.clear();
            let written = self.scalar_text_into(obj, &mut text);
            let written = match written {
                Ok(written) => written,
                Err(err) => {
                    self.number_text = text;
                    return Err(err.into());
                }
            };
            if written {
                self.begin_json_node();
                self.text.plain_string(&text);
            }
            self.number_text = text;
            if !written {
                return Ok(false);
            }
        }
        self.text.key("is_json");
        self.text.raw("true");
        self.end_node(id);
        Ok(true)
    }

    fn begin_json_node(&mut self) {
        // skops names every JsonNode `builtins.str`, whatever the value's type.
        self.begin_node("\"str\"", "\"builtins\"", "JsonNode");
        self.text.key("content");
    }

    /// `json.dumps` of None, a bool, an int or a float (subclasses included), or `None` if
    /// `obj` is none of them or `json.dumps` fails on it (an int too long for `str`).
    pub(super) fn scalar_text(&mut self, obj: &Bound<'py, PyAny>) -> PyResult<Option<String>> {
        let mut text = Vec::new();
        let written = self.scalar_text_into(obj, &mut text)?;
        // Number texts are ASCII.
        Ok(written.then(|| String::from_utf8(text).unwrap_or_default()))
    }

    /// [`Self::scalar_text`] appended to `out`; `false` (nothing appended) where it is `None`.
    fn scalar_text_into(&mut self, obj: &Bound<'py, PyAny>, out: &mut Vec<u8>) -> PyResult<bool> {
        if obj.is_none() {
            out.extend_from_slice(b"null");
            return Ok(true);
        }
        if let Ok(flag) = obj.cast::<PyBool>() {
            out.extend_from_slice(if flag.is_true() { b"true" } else { b"false" });
            return Ok(true);
        }
        if obj.is_instance_of::<PyInt>() {
            if let Ok(value) = obj.extract::<i64>() {
                push_i64(out, value);
                return Ok(true);
            }
            // json uses int.__repr__ (not a subclass' __repr__); it raises past 4300 digits.
            let repr = self
                .py
                .get_type::<PyInt>()
                .call_method1(intern!(self.py, "__repr__"), (obj,));
            return Ok(match repr {
                Ok(text) => {
                    out.extend_from_slice(text.cast::<PyString>()?.to_str()?.as_bytes());
                    true
                }
                Err(_) => false,
            });
        }
        if let Ok(float) = obj.cast::<PyFloat>() {
            out.extend_from_slice(float_text(float)?.as_bytes());
            return Ok(true);
        }
        Ok(false)
    }

    /// Starts the entry of a DictNode's `content` for `key`, named as `json.dumps` names it.
    ///
    /// skops first replaces numpy scalar keys by `key.item()`; keys json cannot write make
    /// `json.dumps` raise at the end (the error is deferred; an empty key stands in).
    pub(super) fn dict_key(&mut self, key: &Bound<'py, PyAny>) -> DumpResult<()> {
        let key = if is_json_key(key) {
            key.clone()
        } else {
            self.numpy_scalar_item(key)?
        };
        if let Ok(string) = key.cast::<PyString>() {
            if let Ok(text) = string.to_str() {
                self.text.key_escaped(text);
            } else {
                let encoded = self.json_dumps(&key)?;
                self.text.key_json(&encoded);
            }
            return Ok(());
        }
        // The C encoder's order: str, float, True/False/None, int.
        let text = if let Ok(float) = key.cast::<PyFloat>() {
            Some(float_text(float)?)
        } else if is_json_key(&key) {
            self.scalar_text(&key)?
        } else {
            None
        };
        match text {
            Some(text) => self.text.key_escaped(&text),
            None if key.is_instance_of::<PyInt>() => {
                // int.__repr__ failed: json.dumps raises its error at the end.
                if let Err(err) = self.json_dumps(&key) {
                    self.defer(err);
                }
                self.text.key_escaped("");
            }
            None => {
                self.defer_key_error(&key)?;
                self.text.key_escaped("");
            }
        }
        Ok(())
    }

    /// `key.item()` if `np.isscalar(key) and hasattr(key, "item")`, else `key`.
    fn numpy_scalar_item(&mut self, key: &Bound<'py, PyAny>) -> PyResult<Bound<'py, PyAny>> {
        let is_scalar = python::get(self.py, Helper::NumpyIsScalar)?
            .call1((key,))?
            .is_truthy()?;
        if is_scalar && key.hasattr(intern!(self.py, "item"))? {
            return key.call_method0(intern!(self.py, "item"));
        }
        Ok(key.clone())
    }

    /// A value the final `json.dumps` writes raw (the bounds of a slice).
    pub(super) fn raw_json_value(&mut self, value: &Bound<'py, PyAny>) -> DumpResult<()> {
        if let Ok(string) = value.cast::<PyString>() {
            if let Ok(text) = string.to_str() {
                self.text.string(text);
                return Ok(());
            }
        } else if let Some(text) = self.scalar_text(value)? {
            self.text.raw(&text);
            return Ok(());
        }
        // Anything else is json.dumps' business, errors included (raised at the end).
        let dumps = python::get(self.py, Helper::JsonDumps)?.clone();
        let kwargs = pyo3::types::PyDict::new(self.py);
        kwargs.set_item("indent", 2)?;
        match dumps.call((value,), Some(&kwargs)) {
            Ok(text) => self.text.raw_nested(text.cast::<PyString>()?.to_str()?),
            Err(err) => {
                self.defer(err);
                self.text.raw("null");
            }
        }
        Ok(())
    }

    /// `json.dumps(obj)` as text.
    fn json_dumps(&mut self, obj: &Bound<'py, PyAny>) -> PyResult<String> {
        let encoded = python::get(self.py, Helper::JsonDumps)?
            .clone()
            .call1((obj,))?;
        Ok(encoded.cast::<PyString>()?.to_str()?.to_owned())
    }
}

/// Whether json writes `key` as a dict key without skops' numpy conversion first.
fn is_json_key(key: &Bound<'_, PyAny>) -> bool {
    key.is_instance_of::<PyString>()
        || key.is_instance_of::<PyFloat>()
        || key.is_instance_of::<PyInt>()
        || key.is_none()
}

/// `json.dumps` of a float: `float.__repr__`, or `NaN` / `Infinity` / `-Infinity`.
fn float_text(float: &Bound<'_, PyFloat>) -> PyResult<String> {
    let value = float.value();
    if value.is_nan() {
        return Ok("NaN".to_owned());
    }
    if value.is_infinite() {
        let text = if value > 0.0 { "Infinity" } else { "-Infinity" };
        return Ok(text.to_owned());
    }
    // Python's shortest round-trip repr; a subclass' own __repr__ is not what json writes.
    let repr = if float.is_exact_instance_of::<PyFloat>() {
        float.repr()?
    } else {
        PyFloat::new(float.py(), value).repr()?
    };
    Ok(repr.to_str()?.to_owned())
}
