//! Model metadata: the YAML front matter of a card, as an ordered, structured mapping.
//!
//! The Hub reads `library_name`, `tags`, `license`, `datasets`, `pipeline_tag`, `model-index`
//! (evaluation results) and `widget` (example inputs) from it; any other key is kept, in
//! order. [`FrontMatter`] remembers the bytes it was parsed from: unchanged metadata is
//! written back as is, and changing one top-level key rewrites only that key's lines.

mod budget;
mod config;
mod emit;
mod front_matter;
mod load;
mod value;

use std::collections::HashMap;

pub use budget::{MetadataBudget, check_mapping};
pub use config::from_config;
pub use emit::{emit_mapping, emit_scalar};
pub use front_matter::{FrontMatter, split_front_matter};
pub use load::load_mapping;
pub use value::Value;

/// Ordered top-level metadata: `key: value` pairs, keys unique, in file (or insertion) order.
///
/// Keys are indexed, so getting or setting one takes constant time whatever the number of
/// keys (a card may have many, and each is looked up when it is written back).
#[derive(Debug, Clone, Default)]
pub struct Metadata {
    entries: Vec<(String, Value)>,
    /// Position of each key in `entries`.
    index: HashMap<String, usize>,
}

/// Metadata is equal when its pairs are (the index follows from them).
impl PartialEq for Metadata {
    fn eq(&self, other: &Self) -> bool {
        self.entries == other.entries
    }
}

impl Metadata {
    /// Empty metadata.
    pub fn new() -> Self {
        Metadata::default()
    }

    /// Metadata from ordered pairs; a repeated key keeps its first position and last value
    /// (as a Python `dict` built from the pairs would).
    pub fn from_pairs(pairs: impl IntoIterator<Item = (String, Value)>) -> Self {
        let mut metadata = Metadata::new();
        for (key, value) in pairs {
            metadata.set(key, value);
        }
        metadata
    }

    /// The value of `key`.
    pub fn get(&self, key: &str) -> Option<&Value> {
        let at = *self.index.get(key)?;
        self.entries.get(at).map(|(_, v)| v)
    }

    /// Sets `key`, keeping its position when it exists and appending it otherwise.
    pub fn set(&mut self, key: impl Into<String>, value: impl Into<Value>) {
        let key = key.into();
        let value = value.into();
        match self
            .index
            .get(&key)
            .and_then(|&at| self.entries.get_mut(at))
        {
            Some(entry) => entry.1 = value,
            None => {
                self.index.insert(key.clone(), self.entries.len());
                self.entries.push((key, value));
            }
        }
    }

    /// Removes `key`, returning its value.
    pub fn remove(&mut self, key: &str) -> Option<Value> {
        let at = self.index.remove(key)?;
        if at >= self.entries.len() {
            return None;
        }
        let (_, value) = self.entries.remove(at);
        // The keys after it moved up by one.
        for (key, _) in self.entries.get(at..).unwrap_or_default() {
            if let Some(position) = self.index.get_mut(key) {
                *position -= 1;
            }
        }
        Some(value)
    }

    /// `(key, value)` pairs in order.
    pub fn iter(&self) -> impl ExactSizeIterator<Item = (&str, &Value)> {
        self.entries.iter().map(|(k, v)| (k.as_str(), v))
    }

    /// Number of keys.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// Whether there are no keys.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// The pairs, consumed.
    pub fn into_pairs(self) -> Vec<(String, Value)> {
        self.entries
    }

    /// The metadata as YAML block text (no `---` lines), each line ending in a newline.
    pub fn to_yaml(&self) -> String {
        emit_mapping(&self.entries)
    }

    /// Checks the metadata against the budget parsing applies ([`crate::limits`]: nodes,
    /// size as written out, nesting depth), so that a card written with it parses again.
    pub fn check_limits(&self) -> crate::Result<()> {
        check_mapping(&self.entries)
    }

    // ----- the Hub's keys --------------------------------------------------------------------

    /// `library_name` (the Hub shows skops models as `sklearn`).
    pub fn library_name(&self) -> Option<&str> {
        self.get("library_name").and_then(Value::as_str)
    }

    /// `license`.
    pub fn license(&self) -> Option<&str> {
        self.get("license").and_then(Value::as_str)
    }

    /// `pipeline_tag` (the task, e.g. `tabular-classification`).
    pub fn pipeline_tag(&self) -> Option<&str> {
        self.get("pipeline_tag").and_then(Value::as_str)
    }

    /// `tags`: a list of strings (a single string counts as one tag).
    pub fn tags(&self) -> Vec<&str> {
        string_list(self.get("tags"))
    }

    /// `datasets`: a list of dataset ids (a single string counts as one).
    pub fn datasets(&self) -> Vec<&str> {
        string_list(self.get("datasets"))
    }

    /// Adds `tag` to `tags` unless it is there already.
    pub fn add_tag(&mut self, tag: &str) {
        let mut tags: Vec<Value> = self.tags().into_iter().map(Value::from).collect();
        if !tags.iter().any(|t| t.as_str() == Some(tag)) {
            tags.push(Value::from(tag));
        }
        self.set("tags", Value::List(tags));
    }

    /// Sets the `model-index` results of model `model_name`: one result (task, dataset,
    /// metrics) in the Papers-with-Code layout the Hub reads.
    pub fn set_model_index(&mut self, model_name: &str, result: EvalResult) {
        let metrics = result
            .metrics
            .into_iter()
            .map(|m| {
                let mut entry = vec![("type".to_owned(), Value::from(m.metric_type))];
                entry.push(("value".to_owned(), m.value));
                if let Some(name) = m.name {
                    entry.push(("name".to_owned(), Value::from(name)));
                }
                Value::Map(entry)
            })
            .collect();
        let task = Value::Map(vec![
            ("type".to_owned(), Value::from(result.task_type.clone())),
            ("name".to_owned(), Value::from(result.task_name)),
        ]);
        let dataset = Value::Map(vec![
            ("type".to_owned(), Value::from(result.dataset_type)),
            ("name".to_owned(), Value::from(result.dataset_name)),
        ]);
        let results = Value::List(vec![Value::Map(vec![
            ("task".to_owned(), task),
            ("dataset".to_owned(), dataset),
            ("metrics".to_owned(), Value::List(metrics)),
        ])]);
        let index = Value::List(vec![Value::Map(vec![
            ("name".to_owned(), Value::from(model_name)),
            ("results".to_owned(), results),
        ])]);
        self.set("model-index", index);
    }
}

/// One `model-index` result: the task, the dataset and the metric values.
#[derive(Debug, Clone, PartialEq)]
pub struct EvalResult {
    /// Task type, e.g. `tabular-classification` (required by the Hub).
    pub task_type: String,
    /// Task name shown on the Hub.
    pub task_name: String,
    /// Dataset type (an id; required).
    pub dataset_type: String,
    /// Dataset name (required).
    pub dataset_name: String,
    /// The metrics.
    pub metrics: Vec<EvalMetric>,
}

/// One metric of a `model-index` result.
#[derive(Debug, Clone, PartialEq)]
pub struct EvalMetric {
    /// Metric id, e.g. `accuracy` (required).
    pub metric_type: String,
    /// The value (required).
    pub value: Value,
    /// Display name.
    pub name: Option<String>,
}

/// A string or a list of strings as a list (other items are skipped).
fn string_list(value: Option<&Value>) -> Vec<&str> {
    match value {
        Some(Value::String(s)) => vec![s.as_str()],
        Some(Value::List(items)) => items.iter().filter_map(Value::as_str).collect(),
        _ => Vec::new(),
    }
}
