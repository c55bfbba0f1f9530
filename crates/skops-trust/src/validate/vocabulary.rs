//! The lookup tables of `CountVectorizer`, `TfidfVectorizer`, `DictVectorizer` (`vocabulary_`)
//! and `MultiLabelBinarizer` (`_cached_dict`, kept once it transformed), which skops 0.16
//! trusts by default: refused when `transform` would build its sparse output with a column
//! index outside it.
//!
//! `transform` looks each feature (or label) of `X` up in the table and builds a CSR array of
//! `len(table)` columns from the indices it finds; scipy's constructor does not check them,
//! and `toarray()` (the dense output of DictVectorizer and MultiLabelBinarizer, or the
//! caller's) writes each entry at its column: a value of `10**6` in a two-word vocabulary
//! writes far past each row (a segfault with no trusted list, skops 0.16 too).
//!
//! The table (when present and not `None`) must be a plain dict (a `dict` or `OrderedDict` DictNode, or a JSON object;
//! a `defaultdict` would add keys while `transform` looks them up), and every value a key can
//! yield an integer in `[0, n)`, where `n` is a lower bound of `len(vocabulary_)`: its string
//! keys, which are distinct, plus its other keys (as Python sees them: `int` and numpy integer
//! keys are distinct by value, any other kind counts once, as `1`, `1.0` and `True` are one
//! key). The text vectorizers look up strings only, so only string keys' values are checked
//! there ([`VocabularyError::Table`]).

use std::collections::HashSet;

use std::collections::HashMap;

use super::state::{Array, STATE_DICT_CLASSES, Slot, State, json_value};

use crate::{Error, Result};
use skops_format::file::SkopsFile;
use skops_format::json::Text;
use skops_format::json::Value;
use skops_format::limits::Limits;
use skops_format::schema::key_types::names_attribute as key_names_attribute;
use skops_format::schema::{NdArrayStorage, NodeId, NodeKind};

/// The classes this module validates: the attribute holding the table, and whether
/// `transform` looks it up with strings only.
const TABLES: [(&str, &str, bool); 4] = [
    (
        "sklearn.feature_extraction.text.CountVectorizer",
        "vocabulary_",
        true,
    ),
    (
        "sklearn.feature_extraction.text.TfidfVectorizer",
        "vocabulary_",
        true,
    ),
    (
        "sklearn.feature_extraction._dict_vectorizer.DictVectorizer",
        "vocabulary_",
        false,
    ),
    (
        "sklearn.preprocessing._label.MultiLabelBinarizer",
        "_cached_dict",
        false,
    ),
];

/// The table attribute of class `name`, and whether it is looked up with strings only, when
/// this module validates the class.
pub(super) fn table(name: &str) -> Option<(&'static str, bool)> {
    TABLES
        .iter()
        .find(|(class, _, _)| *class == name)
        .map(|&(_, attribute, strings)| (attribute, strings))
}

/// Validates the ObjectNode `id` of a class this module validates (another passes).
pub(super) fn validate_vocabulary(
    file: &SkopsFile<'_>,
    id: NodeId,
    limits: &Limits,
    path: &dyn Fn() -> String,
) -> Result<()> {
    let Some((attribute, strings)) = table(&file.schema().node(id).type_name()) else {
        return Ok(());
    };
    let state = State::read(file, id, path)?;
    let refuse = |reason: String| {
        Error::from(VocabularyError::Table {
            path: path(),
            attribute,
            reason,
        })
    };
    let Some(slot) = state.get(attribute) else {
        return Ok(());
    };
    // `None` (MultiLabelBinarizer before its first transform): built from `classes_`.
    if json_value(file, slot) == Some(Value::Null) {
        return Ok(());
    }
    let entries = entries(file, slot).map_err(refuse)?;
    let string_keys = entries
        .iter()
        .filter(|entry| entry.key == Key::String)
        .count();
    let int_keys: HashSet<i128> = entries
        .iter()
        .filter_map(|entry| match entry.key {
            Key::Int(value) => Some(value),
            Key::String | Key::Other => None,
        })
        .collect();
    let other_keys = entries.iter().any(|entry| entry.key == Key::Other);
    let columns = i128::try_from(string_keys + int_keys.len()).unwrap_or(i128::MAX)
        + i128::from(other_keys && int_keys.is_empty());
    for entry in &entries {
        if strings && entry.key != Key::String {
            continue;
        }
        let name: String = entry.name.chars().take(64).collect();
        let value = column(file, &entry.value, limits)
            .ok_or_else(|| refuse(format!("`[{name:?}]` is not an integer")))?;
        if !(0..columns).contains(&value) {
            return Err(refuse(format!(
                "`[{name:?}]` is column {value}, outside the {columns} columns of the output"
            )));
        }
    }
    Ok(())
}

/// How Python sees a vocabulary key.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Key {
    /// A string (distinct from every other key).
    String,
    /// An `int` (distinct from other ints of another value).
    Int(i128),
    /// Anything else (may equal an int, or another such key).
    Other,
}

/// A vocabulary value: a node, or a value of a JSON object.
enum Held {
    Node(NodeId),
    Json(Value),
}

/// One entry of the vocabulary.
struct Entry {
    name: String,
    key: Key,
    value: Held,
}

/// The entries of a vocabulary: a `dict`/`OrderedDict` DictNode (keys as its key types make
/// them, the entries `zip` keeps) or a JSON object (string keys, the last value of each).
fn entries(file: &SkopsFile<'_>, slot: Slot<'_>) -> std::result::Result<Vec<Entry>, String> {
    let not_a_dict = |found: String| format!("it is {found}, not a plain dict");
    let id = match slot {
        Slot::Json(Value::Object(object)) => return Ok(json_entries(object.clone().into_vec())),
        Slot::Json(value) => return Err(not_a_dict(format!("a JSON {}", value.type_name()))),
        Slot::Node(id) => id,
    };
    let schema = file.schema();
    let node = schema.node(id);
    match &node.kind {
        NodeKind::Dict { entries, key_types }
            if STATE_DICT_CLASSES.contains(&(node.module.as_str(), node.class.as_str())) =>
        {
            let types = match &schema.node(*key_types).kind {
                NodeKind::List(items) | NodeKind::Tuple(items) => items,
                _ => {
                    return Err(not_a_dict(
                        "a dict whose `key_types` is not a list".to_owned(),
                    ));
                }
            };
            Ok(entries
                .iter()
                .zip(types)
                .map(|((key, value), &key_type)| {
                    let key_node = schema.node(key_type);
                    let kind = if key_names_attribute(key_node) {
                        Key::String
                    } else if INT_KEY_TYPES
                        .contains(&(key_node.module.as_str(), key_node.class.as_str()))
                    {
                        key.as_str()
                            .and_then(|text| text.parse::<i128>().ok())
                            .map_or(Key::Other, Key::Int)
                    } else {
                        Key::Other
                    };
                    Entry {
                        name: key.to_string(),
                        key: kind,
                        value: Held::Node(*value),
                    }
                })
                .collect())
        }
        NodeKind::Json { .. } => match json_value(file, slot) {
            Some(Value::Object(object)) => Ok(json_entries(object.into_vec())),
            _ => Err(not_a_dict("a JSON value that is not an object".to_owned())),
        },
        _ => Err(not_a_dict(format!("a `{}`", node.type_name()))),
    }
}

/// The key types whose keys are integers (`int`, numpy's integer scalars, which
/// `MultiLabelBinarizer` keys by), equal only to the same number.
const INT_KEY_TYPES: [(&str, &str); 11] = [
    ("builtins", "int"),
    ("numpy", "int8"),
    ("numpy", "int16"),
    ("numpy", "int32"),
    ("numpy", "int64"),
    ("numpy", "longlong"),
    ("numpy", "uint8"),
    ("numpy", "uint16"),
    ("numpy", "uint32"),
    ("numpy", "uint64"),
    ("numpy", "ulonglong"),
];

/// The entries of a JSON object as `json.loads` keeps them: each key once, its last value.
fn json_entries(pairs: Vec<(Text, Value)>) -> Vec<Entry> {
    let mut position: HashMap<Text, usize> = HashMap::new();
    let mut entries: Vec<Entry> = Vec::new();
    for (key, value) in pairs {
        match position.get(&key) {
            Some(&index) => {
                if let Some(entry) = entries.get_mut(index) {
                    entry.value = Held::Json(value);
                }
            }
            None => {
                position.insert(key.clone(), entries.len());
                entries.push(Entry {
                    name: key.to_string(),
                    key: Key::String,
                    value: Held::Json(value),
                });
            }
        }
    }
    entries
}

/// The column a vocabulary value names: an integer (a bool is 0 or 1), or a numpy integer
/// scalar; `None` for anything else.
fn column(file: &SkopsFile<'_>, value: &Held, limits: &Limits) -> Option<i128> {
    let json = |value: &Value| match value {
        Value::Number(number) if number.is_integer() => number.as_str().parse::<i128>().ok(),
        Value::Bool(value) => Some(i128::from(*value)),
        _ => None,
    };
    let id = match value {
        Held::Json(value) => return json(value),
        Held::Node(id) => *id,
    };
    let node = file.schema().node(id);
    match &node.kind {
        NodeKind::Json { .. } => json(&json_value(file, Slot::Node(id))?),
        NodeKind::NdArray(NdArrayStorage::Numpy { .. }) => {
            match Array::read(file, Slot::Node(id), limits)?
                .ints()?
                .as_slice()
            {
                [value] => Some(*value),
                _ => None,
            }
        }
        _ => None,
    }
}

/// What the `vocabulary` validator refuses.
#[derive(Debug, thiserror::Error, strum::EnumDiscriminants)]
#[strum_discriminants(name(VocabularyErrorKind), derive(strum::EnumIter))]
#[strum_discriminants(doc = "The variants of [`VocabularyError`], without their data.")]
pub enum VocabularyError {
    /// A lookup table (a vectorizer's `vocabulary_`, `MultiLabelBinarizer._cached_dict`) maps
    /// a key to a column outside its length (or is not a plain dict of integers): `transform`
    /// builds its sparse output from those columns unchecked, and `toarray()` writes outside
    /// its rows.
    #[error("the `{attribute}` of the object at `{path}` is unsound: {reason}")]
    Table {
        /// Where the object is.
        path: String,
        /// The table's attribute.
        attribute: &'static str,
        /// What is wrong.
        reason: String,
    },
}

skops_format::error_kinds!(VocabularyError / VocabularyErrorKind {
    Table => "validate-vocabulary",
});

impl VocabularyError {
    /// What to tell a user who meets this refusal (the CLI's `hint:` line).
    pub fn hint(&self) -> &'static str {
        "a lookup table (a vectorizer's vocabulary, a label binarizer's labels) maps keys \
         to columns outside its output, which transform writes unchecked (it would \
         corrupt memory): the file is corrupt or was crafted; do not load it"
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_json_vocabulary_keeps_each_key_once_with_its_last_value() {
        let text = r#"{"red": 0, "blue": 1, "red": 7}"#;
        let Ok(Value::Object(object)) = skops_format::json::parse(text.as_bytes(), 4) else {
            panic!("an object");
        };
        let entries = json_entries(object.into_vec());
        let names: Vec<&str> = entries.iter().map(|entry| entry.name.as_str()).collect();
        assert_eq!(names, ["red", "blue"]);
        assert!(matches!(
            &entries[0].value,
            Held::Json(Value::Number(number)) if number.as_str() == "7"
        ));
        assert!(entries.iter().all(|entry| entry.key == Key::String));
    }

    #[test]
    fn only_the_classes_with_a_table_are_validated() {
        assert_eq!(
            table("sklearn.feature_extraction.text.TfidfVectorizer"),
            Some(("vocabulary_", true))
        );
        assert_eq!(
            table("sklearn.preprocessing._label.MultiLabelBinarizer"),
            Some(("_cached_dict", false))
        );
        assert_eq!(
            table("sklearn.feature_extraction.text.HashingVectorizer"),
            None
        );
    }
}
