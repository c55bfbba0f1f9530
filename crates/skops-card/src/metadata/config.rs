//! Metadata from a model's `config.json` (skops 0.11's `metadata_from_config`, which the Hub
//! integration wrote next to the model).

use skops_format::json;

use super::{Metadata, Value};
use crate::{Error, Result};

/// Tasks whose models take tabular input, and get a `structured_data` widget example.
const TABULAR_TASKS: [&str; 2] = ["tabular-classification", "tabular-regression"];

/// Deepest JSON nesting read from a `config.json`.
const MAX_CONFIG_DEPTH: u64 = 64;

/// Metadata for the model described by `config_json`: `library_name: sklearn`, tags
/// `sklearn`, `skops` and the task, `model_format`, `model_file`, and for tabular tasks a
/// `widget` holding the example input (under the Hub's current `structured_data` key).
pub fn from_config(config_json: &str) -> Result<Metadata> {
    let invalid = |message: &str| Error::InvalidConfig {
        message: message.to_owned(),
    };
    let config = json::parse(config_json.as_bytes(), MAX_CONFIG_DEPTH)
        .map_err(|e| invalid(&format!("`config.json` is not valid JSON: {e}")))?;
    let sklearn = config
        .as_object()
        .and_then(|o| o.get("sklearn"))
        .and_then(json::Value::as_object)
        .ok_or_else(|| invalid("`config.json` has no `sklearn` object"))?;
    let mut metadata = Metadata::new();
    metadata.set("library_name", "sklearn");
    let mut tags = vec![Value::from("sklearn"), Value::from("skops")];
    let task = sklearn.get("task").and_then(json::Value::as_str);
    if let Some(task) = task {
        tags.push(Value::from(task));
    }
    metadata.set("tags", Value::List(tags));
    if let Some(format) = sklearn.get("model_format").and_then(json::Value::as_str) {
        metadata.set("model_format", format);
    }
    if let Some(file) = sklearn
        .get("model")
        .and_then(json::Value::as_object)
        .and_then(|m| m.get("file"))
        .and_then(json::Value::as_str)
    {
        metadata.set("model_file", file);
    }
    if let (Some(task), Some(example)) = (task, sklearn.get("example_input"))
        && TABULAR_TASKS.contains(&task)
    {
        let example = from_json(example);
        metadata.set(
            "widget",
            Value::List(vec![Value::Map(vec![(
                "structured_data".to_owned(),
                example,
            )])]),
        );
    }
    Ok(metadata)
}

/// A JSON value as a metadata value.
fn from_json(value: &json::Value) -> Value {
    match value {
        json::Value::Null => Value::Null,
        json::Value::Bool(b) => Value::Bool(*b),
        json::Value::Number(n) => match (n.is_integer(), n.as_i64(), n.as_f64()) {
            (true, Some(i), _) => Value::Int(i),
            (_, _, Some(f)) => Value::Float(f),
            _ => Value::String(n.as_str().to_owned()),
        },
        // A card is UTF-8 text: a lone surrogate is shown escaped (`\ud800`).
        json::Value::String(s) => Value::String(s.to_string()),
        json::Value::Array(items) => Value::List(items.iter().map(from_json).collect()),
        json::Value::Object(object) => Value::Map(
            object
                .dict_entries()
                .into_iter()
                .map(|(k, v)| (k.to_string(), from_json(v)))
                .collect(),
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tabular_config() {
        let config = r#"{"sklearn": {"columns": ["x0", "x1"], "environment": ["scikit-learn=1.9.1"],
            "example_input": {"x0": [5.1, 4.9], "x1": [3.5, 3.0]},
            "model": {"file": "model.skops"}, "model_format": "skops",
            "task": "tabular-classification"}}"#;
        insta::assert_snapshot!(from_config(config).unwrap().to_yaml(), @r"
        library_name: sklearn
        tags:
        - sklearn
        - skops
        - tabular-classification
        model_format: skops
        model_file: model.skops
        widget:
        - structured_data:
            x0:
            - 5.1
            - 4.9
            x1:
            - 3.5
            - 3.0
        ");
        assert!(from_config("{}").is_err());
        assert!(from_config("not json").is_err());
    }
}
