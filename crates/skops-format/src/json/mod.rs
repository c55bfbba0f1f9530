//! Python's `json` dialect: an order-preserving value model, a bounded parser and a writer that
//! matches `json.dumps` byte for byte.
//!
//! `schema.json` is written by Python's `json.dumps(state, indent=2)` and read by `json.loads`, so
//! this module follows Python rather than RFC 8259 where the two differ:
//! - `NaN`, `Infinity` and `-Infinity` are numbers;
//! - integers are arbitrarily large (up to Python's default 4,300 digits), and a number keeps its
//!   source text, so a 128-bit PCG64 state survives and `1` stays distinct from `1.0`;
//! - objects keep their keys in order, duplicates included; [`Object::get`] returns the last
//!   duplicate and [`Object::dict_entries`] reproduces what a Python `dict` would hold;
//! - a leading UTF-8 byte order mark is skipped, as `json.loads(bytes)` does;
//! - strings are Python `str`s ([`Text`]): a lone surrogate, escaped (`"\ud800"`) or encoded
//!   in the bytes (`ED A0 80`, which `json.loads(bytes)` decodes with `surrogatepass`), is kept
//!   as that code point, and the writers escape it as `json.dumps` does.
//!
//! Deliberate differences from Python, all refusals of input nobody writes on purpose:
//! - input must be UTF-8 (Python also detects UTF-16 and UTF-32);
//! - nesting deeper than the caller's limit is refused ([`crate::limits::MAX_JSON_DEPTH`]).

pub mod escape;
mod number;
mod parse;
mod stream;
mod tape;
mod text;
mod write;

pub use number::{Number, python_float_repr};
pub use parse::{parse, parse_tape};
pub use stream::SchemaText;
pub use tape::{Tape, TapeArray, TapeObject, TapeText, TapeValue};
pub use text::TextBuf;
pub use text::{Piece, Pieces, Text};
pub use write::{to_string_compact, to_string_pretty};

use std::collections::HashMap;
use std::hash::Hash;

/// A JSON value as Python's `json.loads` reads it.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    /// `null` (Python `None`).
    Null,
    /// `true` or `false`.
    Bool(bool),
    /// A number, kept as its source text.
    Number(Number),
    /// A string (a Python `str`: it may hold lone surrogates).
    String(Text),
    /// An array.
    Array(Vec<Value>),
    /// An object, in source order.
    Object(Object),
}

impl Value {
    /// The string, when this is a string without surrogates (see [`Value::as_text`]).
    pub fn as_str(&self) -> Option<&str> {
        match self {
            Self::String(text) => text.as_str(),
            _ => None,
        }
    }

    /// The string, when this is a string (surrogates included).
    pub fn as_text(&self) -> Option<&Text> {
        match self {
            Self::String(text) => Some(text),
            _ => None,
        }
    }

    /// The object, when this is an object.
    pub fn as_object(&self) -> Option<&Object> {
        match self {
            Self::Object(object) => Some(object),
            _ => None,
        }
    }

    /// The items, when this is an array.
    pub fn as_array(&self) -> Option<&[Value]> {
        match self {
            Self::Array(items) => Some(items),
            _ => None,
        }
    }

    /// The number, when this is a number.
    pub fn as_number(&self) -> Option<&Number> {
        match self {
            Self::Number(number) => Some(number),
            _ => None,
        }
    }

    /// The name of this value's JSON type, for error messages (`"object"`, `"string"`, ...).
    pub fn type_name(&self) -> &'static str {
        match self {
            Self::Null => "null",
            Self::Bool(_) => "boolean",
            Self::Number(number) if number.is_integer() => "integer",
            Self::Number(_) => "float",
            Self::String(_) => "string",
            Self::Array(_) => "array",
            Self::Object(_) => "object",
        }
    }

    /// What Python's `repr()` prints for the value `json.loads` makes of this JSON value.
    ///
    /// skops puts `repr()` of file values into some error messages (e.g. the protocol check);
    /// callers that reproduce those messages use this. Floats print as Python does (`1e-05`,
    /// `nan`, `inf`); nested containers are printed in full.
    pub fn python_repr(&self) -> String {
        let mut out = String::new();
        write::python_repr(self, &mut out);
        out
    }
}

impl From<&str> for Value {
    fn from(text: &str) -> Self {
        Self::String(text.into())
    }
}

impl From<String> for Value {
    fn from(text: String) -> Self {
        Self::String(text.into())
    }
}

impl From<Text> for Value {
    fn from(text: Text) -> Self {
        Self::String(text)
    }
}

impl From<bool> for Value {
    fn from(value: bool) -> Self {
        Self::Bool(value)
    }
}

impl From<i64> for Value {
    fn from(value: i64) -> Self {
        Self::Number(Number::from_i64(value))
    }
}

impl From<u64> for Value {
    fn from(value: u64) -> Self {
        Self::Number(Number::from_u64(value))
    }
}

impl From<Number> for Value {
    fn from(value: Number) -> Self {
        Self::Number(value)
    }
}

impl From<Object> for Value {
    fn from(value: Object) -> Self {
        Self::Object(value)
    }
}

impl From<Vec<Value>> for Value {
    fn from(value: Vec<Value>) -> Self {
        Self::Array(value)
    }
}

/// A JSON object: its members in source order, duplicate keys kept.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Object(Vec<(Text, Value)>);

impl Object {
    /// An empty object.
    pub fn new() -> Self {
        Self(Vec::new())
    }

    /// An empty object with room for `capacity` members.
    pub fn with_capacity(capacity: usize) -> Self {
        Self(Vec::with_capacity(capacity))
    }

    /// The value of `key`; when the key is repeated, the last one wins, as in Python.
    pub fn get(&self, key: &str) -> Option<&Value> {
        self.0
            .iter()
            .rev()
            .find(|(name, _)| name == key)
            .map(|(_, value)| value)
    }

    /// Whether `key` is present.
    pub fn contains_key(&self, key: &str) -> bool {
        self.0.iter().any(|(name, _)| name == key)
    }

    /// Appends a member (even if the key is already present).
    pub fn push(&mut self, key: impl Into<Text>, value: impl Into<Value>) {
        self.0.push((key.into(), value.into()));
    }

    /// The members in source order, duplicates included.
    pub fn iter(&self) -> impl ExactSizeIterator<Item = (&Text, &Value)> {
        self.0.iter().map(|(key, value)| (key, value))
    }

    /// The keys in source order, duplicates included.
    pub fn keys(&self) -> impl ExactSizeIterator<Item = &Text> {
        self.0.iter().map(|(key, _)| key)
    }

    /// The number of members, duplicates included.
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// Whether there are no members.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// The members a Python `dict` built from this object holds, in its iteration order:
    /// each distinct key once, at the position of its first occurrence, with its last value.
    pub fn dict_entries(&self) -> Vec<(&Text, &Value)> {
        python_dict_entries(self.iter().collect())
    }

    /// The members as a vector, in source order.
    pub fn into_vec(self) -> Vec<(Text, Value)> {
        self.0
    }
}

impl From<Vec<(Text, Value)>> for Object {
    fn from(members: Vec<(Text, Value)>) -> Self {
        Self(members)
    }
}

impl From<Vec<(String, Value)>> for Object {
    fn from(members: Vec<(String, Value)>) -> Self {
        members.into_iter().collect()
    }
}

impl<K: Into<Text>> FromIterator<(K, Value)> for Object {
    fn from_iter<T: IntoIterator<Item = (K, Value)>>(iter: T) -> Self {
        Self(
            iter.into_iter()
                .map(|(key, value)| (key.into(), value))
                .collect(),
        )
    }
}

impl<'a> IntoIterator for &'a Object {
    type Item = (&'a Text, &'a Value);
    type IntoIter = std::iter::Map<
        std::slice::Iter<'a, (Text, Value)>,
        fn(&'a (Text, Value)) -> (&'a Text, &'a Value),
    >;

    fn into_iter(self) -> Self::IntoIter {
        self.0.iter().map(|(key, value)| (key, value))
    }
}

/// What a Python `dict` built from `members` (in source order, duplicate keys included)
/// holds, in its iteration order: each distinct key once, at the position of its first
/// occurrence, with its last value.
pub(crate) fn python_dict_entries<K: Copy + Eq + Hash, V>(members: Vec<(K, V)>) -> Vec<(K, V)> {
    // Small objects (nearly all of them in a schema) are checked without hashing.
    let small = members.len() <= 16;
    if small
        && !members.iter().enumerate().any(|(index, (key, _))| {
            members
                .iter()
                .skip(index + 1)
                .any(|(other, _)| other == key)
        })
    {
        return members;
    }
    let mut position: HashMap<K, usize> = HashMap::with_capacity(members.len());
    let mut entries: Vec<(K, V)> = Vec::with_capacity(members.len());
    for (key, value) in members {
        match position.get(&key) {
            Some(&index) => {
                if let Some(entry) = entries.get_mut(index) {
                    entry.1 = value;
                }
            }
            None => {
                position.insert(key, entries.len());
                entries.push((key, value));
            }
        }
    }
    entries
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn last_duplicate_wins_and_dict_entries_keep_first_position() {
        let value = parse(br#"{"a": 1, "b": 2, "a": 3}"#, 8).unwrap();
        let object = value.as_object().unwrap();
        assert_eq!(object.len(), 3);
        assert_eq!(object.get("a"), Some(&Value::from(3i64)));
        let entries = object.dict_entries();
        assert_eq!(
            entries,
            vec![
                (&Text::from("a"), &Value::from(3i64)),
                (&Text::from("b"), &Value::from(2i64))
            ]
        );
    }

    fn corpus_dir(sub: &str) -> std::path::PathBuf {
        std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/data/json")
            .join(sub)
    }

    /// Inputs and Python's `json.dumps` outputs made by `tests/data/json/make_corpus.py`.
    #[test]
    fn writers_match_python_on_the_corpus() {
        let mut checked = 0;
        for entry in std::fs::read_dir(corpus_dir("cases")).unwrap() {
            let path = entry.unwrap().path();
            let name = path.file_name().unwrap().to_str().unwrap().to_owned();
            let Some(stem) = name.strip_suffix(".in.json") else {
                continue;
            };
            let input = std::fs::read(&path).unwrap();
            let read = |suffix: &str| {
                std::fs::read_to_string(corpus_dir("cases").join(format!("{stem}{suffix}")))
                    .unwrap()
            };
            let value = parse(&input, 64).unwrap_or_else(|error| panic!("{name}: {error}"));
            assert_eq!(to_string_pretty(&value), read(".pretty.json"), "{name}");
            assert_eq!(to_string_compact(&value), read(".compact.json"), "{name}");
            // Python's output parses back to the same value, and our writer is stable on it.
            let again = parse(read(".pretty.json").as_bytes(), 64).unwrap();
            assert_eq!(to_string_pretty(&again), read(".pretty.json"), "{name}");
            checked += 1;
        }
        assert!(checked >= 80, "only {checked} cases");
    }

    #[test]
    fn inputs_python_refuses_are_refused() {
        let mut checked = 0;
        for entry in std::fs::read_dir(corpus_dir("bad")).unwrap() {
            let path = entry.unwrap().path();
            let input = std::fs::read(&path).unwrap();
            assert!(parse(&input, 64).is_err(), "{}", path.display());
            checked += 1;
        }
        assert!(checked >= 20);
    }

    #[test]
    fn python_repr_matches_python() {
        let value = parse(
            br#"[null, true, 1.0, 1e-5, NaN, -Infinity, "it's", "a\"b", {"k": [2]}]"#,
            8,
        )
        .unwrap();
        assert_eq!(
            value.python_repr(),
            r#"[None, True, 1.0, 1e-05, nan, -inf, "it's", 'a"b', {'k': [2]}]"#
        );
    }
}
