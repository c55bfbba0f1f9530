//! What the Hub shows of a repository's `README.md`: its YAML metadata as `cardData`, and the
//! `pipeline_tag`, `library_name` and `tags` derived from it, read with skops-card's parser.

use serde_json::{Map, Value as Json};
use skops_card::metadata::{Value, load_mapping, split_front_matter};

/// Tasks the Hub recognises in `tags` when a card has no `pipeline_tag` (those a scikit-learn
/// model may have).
const TASKS: &[&str] = &[
    "tabular-classification",
    "tabular-regression",
    "text-classification",
    "time-series-forecasting",
    "token-classification",
    "zero-shot-classification",
    "feature-extraction",
    "image-classification",
];

/// Libraries the Hub recognises in `tags` when a card has no `library_name`.
const LIBRARIES: &[&str] = &["sklearn", "skops", "transformers", "keras", "onnx"];

/// The card-derived fields of a repository's info.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct CardInfo {
    /// The parsed YAML metadata (`None` without a card or without front matter).
    pub card_data: Option<Json>,
    /// The task.
    pub pipeline_tag: Option<String>,
    /// The library.
    pub library_name: Option<String>,
    /// The card's tags, then the library, the task and `license:<id>` if not among them.
    pub tags: Vec<String>,
}

/// The metadata of a card's text; an error message if its YAML is invalid.
pub fn parse_metadata(text: &str) -> Result<Option<Vec<(String, Value)>>, String> {
    let Some((open, body, _, _)) = split_front_matter(text) else {
        return Ok(None);
    };
    let first_line = open.matches('\n').count() + 1;
    load_mapping(body, first_line)
        .map(Some)
        .map_err(|error| error.to_string())
}

/// The card fields of a README's text (an unreadable card gives none, as on the Hub).
pub fn card_info(text: &str) -> CardInfo {
    let Ok(Some(entries)) = parse_metadata(text) else {
        return CardInfo::default();
    };
    let text_of = |key: &str| {
        entries
            .iter()
            .find(|(k, _)| k == key)
            .and_then(|(_, v)| v.as_str())
            .map(str::to_owned)
    };
    let mut tags: Vec<String> = Vec::new();
    match entries.iter().find(|(k, _)| k == "tags").map(|(_, v)| v) {
        Some(Value::List(items)) => tags.extend(items.iter().filter_map(scalar_text)),
        Some(single) => tags.extend(scalar_text(single)),
        None => {}
    }
    let pipeline_tag = text_of("pipeline_tag")
        .or_else(|| tags.iter().find(|t| TASKS.contains(&t.as_str())).cloned());
    let library_name = text_of("library_name").or_else(|| {
        tags.iter()
            .find(|t| LIBRARIES.contains(&t.as_str()))
            .cloned()
    });
    let license = text_of("license").map(|id| format!("license:{id}"));
    for extra in [library_name.clone(), pipeline_tag.clone(), license]
        .into_iter()
        .flatten()
    {
        if !tags.contains(&extra) {
            tags.push(extra);
        }
    }
    CardInfo {
        card_data: Some(to_json(&Value::Map(entries))),
        pipeline_tag,
        library_name,
        tags,
    }
}

fn scalar_text(value: &Value) -> Option<String> {
    match value {
        Value::String(s) => Some(s.clone()),
        Value::Int(i) => Some(i.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

/// Metadata as JSON (non-finite floats, which JSON cannot hold, become `null`).
pub fn to_json(value: &Value) -> Json {
    match value {
        Value::Null => Json::Null,
        Value::Bool(b) => Json::Bool(*b),
        Value::Int(i) => Json::from(*i),
        Value::Float(f) => serde_json::Number::from_f64(*f).map_or(Json::Null, Json::Number),
        Value::String(s) => Json::String(s.clone()),
        Value::List(items) => Json::Array(items.iter().map(to_json).collect()),
        Value::Map(entries) => {
            let mut map = Map::new();
            for (key, value) in entries {
                map.insert(key.clone(), to_json(value));
            }
            Json::Object(map)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn card_fields_come_from_the_front_matter() {
        let card = "---\nlibrary_name: sklearn\nlicense: mit\ntags:\n- skops\n- tabular-classification\nmodel_file: model.skops\n---\n# Model\n";
        let info = card_info(card);
        assert_eq!(info.pipeline_tag.as_deref(), Some("tabular-classification"));
        assert_eq!(info.library_name.as_deref(), Some("sklearn"));
        assert_eq!(
            info.tags,
            ["skops", "tabular-classification", "sklearn", "license:mit"]
        );
        assert_eq!(info.card_data.unwrap()["model_file"], "model.skops");
    }

    #[test]
    fn a_card_without_valid_metadata_has_none() {
        assert_eq!(card_info("# Just a title\n"), CardInfo::default());
        assert_eq!(card_info("---\n: [\n---\n"), CardInfo::default());
        assert!(parse_metadata("---\na: [1\n---\n").is_err());
    }
}
