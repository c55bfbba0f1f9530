//! JSON values -> Python objects, as Python's `json.loads` makes them (JsonNode content,
//! SliceNode values, raw protocol 0 generator states).
//!
//! Integers become `int` (of any size), numbers with a `.` or an exponent `float`, `NaN` and
//! `Infinity` the special floats; objects become `dict`s keeping the first position and the
//! last value of a repeated key. The few texts nearly every model is made of (`null`, small
//! integers, plain strings) are recognised without building a JSON value first. Strings may hold
//! lone surrogates ([`Text`]), as the `str`s Python makes do.

use pyo3::prelude::*;
use pyo3::types::{PyBool, PyBytes, PyDict, PyFloat, PyList, PyString};
use skops_format::json::{self, Number, Text, Value};
use skops_format::{Error, Limits};

use crate::errors::format_error;
use skops_format::error::JsonError;

/// Longest integer text that certainly fits an `i64` (19 digits may not).
const MAX_FAST_INT_DIGITS: usize = 18;

/// `json.loads(text)` for the JSON text of a JsonNode.
pub(crate) fn loads<'py>(py: Python<'py>, text: &Text) -> PyResult<Bound<'py, PyAny>> {
    if let Some(object) = text.as_str().and_then(|text| fast_path(py, text)) {
        return Ok(object);
    }
    // `json.loads` of a `str` refuses a byte order mark (our parser skips one, as Python does
    // for `bytes`). A surrogate in the text is the code point it is in Python's `str`: the
    // parser reads the `surrogatepass` bytes as that code point.
    let bytes = text.surrogatepass_bytes();
    if bytes.starts_with("\u{feff}".as_bytes()) {
        let error = Error::Json(JsonError::Syntax {
            offset: 0,
            reason: "unexpected UTF-8 byte order mark",
        });
        return Err(format_error(py, &error));
    }
    let value = json::parse(bytes, Limits::default().max_json_depth)
        .map_err(|error| format_error(py, &error))?;
    value_to_py(py, &value)
}

/// The common JsonNode texts, without parsing: `null`, `true`, `false`, short integers and
/// strings without escapes. `None` means "parse it".
fn fast_path<'py>(py: Python<'py>, text: &str) -> Option<Bound<'py, PyAny>> {
    match text {
        "null" => return Some(py.None().into_bound(py)),
        "true" => return Some(PyBool::new(py, true).to_owned().into_any()),
        "false" => return Some(PyBool::new(py, false).to_owned().into_any()),
        _ => {}
    }
    let bytes = text.as_bytes();
    match bytes.first()? {
        b'"' => {
            let inner = text.strip_prefix('"')?.strip_suffix('"')?;
            // Escapes, quotes and control characters (which Python refuses) need the parser.
            if inner
                .bytes()
                .any(|byte| byte == b'\\' || byte == b'"' || byte < 0x20)
            {
                return None;
            }
            Some(PyString::new(py, inner).into_any())
        }
        b'-' | b'0'..=b'9' => {
            let digits = text.strip_prefix('-').unwrap_or(text);
            let plain = !digits.is_empty()
                && digits.len() <= MAX_FAST_INT_DIGITS
                && digits.bytes().all(|byte| byte.is_ascii_digit())
                && (digits == "0" || !digits.starts_with('0'));
            if !plain {
                return None;
            }
            let value: i64 = text.parse().ok()?;
            value.into_pyobject(py).ok().map(Bound::into_any)
        }
        _ => None,
    }
}

/// The Python object `json.loads` makes of a parsed JSON value.
pub(crate) fn value_to_py<'py>(py: Python<'py>, value: &Value) -> PyResult<Bound<'py, PyAny>> {
    Ok(match value {
        Value::Null => py.None().into_bound(py),
        Value::Bool(flag) => PyBool::new(py, *flag).to_owned().into_any(),
        Value::Number(number) => number_to_py(py, number)?,
        Value::String(text) => text_to_py(py, text)?.into_any(),
        Value::Array(items) => {
            let list = PyList::empty(py);
            for item in items {
                list.append(value_to_py(py, item)?)?;
            }
            list.into_any()
        }
        Value::Object(object) => {
            let dict = PyDict::new(py);
            for (key, item) in object.dict_entries() {
                dict.set_item(text_to_py(py, key)?, value_to_py(py, item)?)?;
            }
            dict.into_any()
        }
    })
}

/// The Python `str` of a [`Text`], lone surrogates included.
pub(crate) fn text_to_py<'py>(py: Python<'py>, text: &Text) -> PyResult<Bound<'py, PyString>> {
    match text.as_str() {
        Some(text) => Ok(PyString::new(py, text)),
        // `Text` keeps surrogates in the encoding of Python's "surrogatepass" error handler.
        None => PyString::from_encoded_object(
            PyBytes::new(py, text.surrogatepass_bytes()).as_any(),
            Some(c"utf-8"),
            Some(c"surrogatepass"),
        ),
    }
}

fn number_to_py<'py>(py: Python<'py>, number: &Number) -> PyResult<Bound<'py, PyAny>> {
    if number.is_integer() {
        if let Some(value) = number.as_i64() {
            return Ok(value.into_pyobject(py)?.into_any());
        }
        // Beyond 64 bits (a PCG64 state): Python's own `int(text)`.
        return py
            .get_type::<pyo3::types::PyInt>()
            .call1((number.as_str(),));
    }
    let value = number.as_f64().ok_or_else(|| {
        format_error(
            py,
            &Error::Json(JsonError::InvalidNumber {
                text: number.as_str().chars().take(64).collect(),
            }),
        )
    })?;
    Ok(PyFloat::new(py, value).into_any())
}
