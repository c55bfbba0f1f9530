//! The Hugging Face legacy inference API for tabular models, as `api-inference-community`'s
//! scikit-learn container answered it: `POST /models/{repo_id}` with
//! `{"inputs": {"data": {column: [values, ...]}}}` (numbers or strings: the Hub widget sent
//! strings, skops' `get_model_output` numbers) answers the JSON list of `predict`'s labels.
//! A text classifier (`text-classification`: a text vectorizer first, served by the Python
//! engine) takes `{"inputs": "some text"}` (or a list of texts) and answers, as that
//! container did, `[[{"label": class, "score": probability}, ...]]`: one list per text, one
//! entry per class of `predict_proba`.

use serde::Deserialize;
use serde::de::Error as _;
use serde_json::{Map, Value, json};
use skops_infer::{Column, Labels, Output, Table, Values};

use crate::error::{EngineError, RequestError, Result};
use crate::input::{JsonColumns, align, json_column};
use crate::load::ServedModel;

/// A legacy request body.
#[derive(Debug, Deserialize)]
pub struct LegacyRequest {
    /// The input columns.
    pub inputs: LegacyInputs,
    /// Pipeline parameters (none apply to tabular models).
    #[serde(default)]
    pub parameters: Option<Map<String, Value>>,
    /// Hub options such as `wait_for_model` (the model is always loaded).
    #[serde(default)]
    pub options: Option<Map<String, Value>>,
}

/// `inputs`: columns (a tabular model), or texts (a text classifier).
#[derive(Debug)]
pub enum LegacyInputs {
    /// `{"data": {column: [cells]}}`.
    Columns(JsonColumns),
    /// `"text"` or `["text", ...]`.
    Texts(Vec<String>),
}

impl<'de> Deserialize<'de> for LegacyInputs {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        /// The tabular form: `data` and nothing else the container read.
        #[derive(Deserialize)]
        struct Tabular {
            data: JsonColumns,
        }
        #[derive(Deserialize)]
        #[serde(untagged)]
        enum Shape {
            Text(String),
            Texts(Vec<String>),
            Tabular(Tabular),
        }
        match Shape::deserialize(deserializer).map_err(|_| {
            D::Error::custom(
                "`inputs` is `{\"data\": {column: [values]}}` for a tabular model, or a text (or a list of texts) for a text classifier",
            )
        })? {
            Shape::Text(text) => Ok(Self::Texts(vec![text])),
            Shape::Texts(texts) => Ok(Self::Texts(texts)),
            Shape::Tabular(Tabular { data }) => Ok(Self::Columns(data)),
        }
    }
}

/// The texts of a text classifier's request, as its batch: one column of strings.
pub fn texts(texts: Vec<String>, model: &ServedModel, max_rows: usize) -> Result<Table> {
    if !model.predictor.takes_text() {
        return Err(RequestError::BadRequest {
            reason: "this model takes columns, not texts: send `{\"inputs\": {\"data\": {column: [values]}}}`".to_owned(),
        }
        .into());
    }
    if texts.len() > max_rows {
        return Err(RequestError::TooManyRows {
            rows: texts.len(),
            limit: max_rows,
        }
        .into());
    }
    if texts.is_empty() {
        return Err(RequestError::BadRequest {
            reason: "`inputs` holds no text".to_owned(),
        }
        .into());
    }
    Ok(Table::new(
        None,
        vec![Column::Strings(texts.into_iter().map(Some).collect())],
    )?)
}

/// `predict_proba`'s rows as the text-classification answer: per text, `{"label": class (as
/// Python's `str`), "score": probability}` for each class, in `classes_` order.
pub fn text_scores(output: Output, classes: Option<&Labels>) -> Result<Value> {
    let labels: Vec<String> = match classes {
        Some(Labels::I64(items)) => items.iter().map(i64::to_string).collect(),
        // Python's `str` of a float is its shortest round-trip form, as JSON writes it.
        Some(Labels::F64(items)) => items.iter().map(|x| json!(x).to_string()).collect(),
        Some(Labels::Str(items)) => items.clone(),
        Some(Labels::Bool(items)) => items
            .iter()
            .map(|flag| if *flag { "True" } else { "False" }.to_owned())
            .collect(),
        None => {
            return Err(
                EngineError::failed("the model has no `classes_` to label its scores").into(),
            );
        }
    };
    let (Values::F64(scores), [_, width]) = (&output.values, output.shape.as_slice()) else {
        return Err(EngineError::failed("`predict_proba` did not answer a float matrix").into());
    };
    if *width != labels.len() || *width == 0 {
        return Err(EngineError::failed(&format!(
            "`predict_proba` answered {width} columns for {} classes",
            labels.len()
        ))
        .into());
    }
    let rows: Vec<Value> = scores
        .chunks(*width)
        .map(|row| {
            Value::Array(
                labels
                    .iter()
                    .zip(row)
                    .map(|(label, score)| json!({"label": label, "score": score}))
                    .collect(),
            )
        })
        .collect();
    Ok(Value::Array(rows))
}

/// The request's columns, typed and aligned with the model's.
pub fn table(columns: JsonColumns, model: &ServedModel, max_rows: usize) -> Result<Table> {
    if model.predictor.takes_text() {
        return Err(RequestError::BadRequest {
            reason: "this model classifies texts: send `{\"inputs\": \"some text\"}` (or a list of texts)".to_owned(),
        }
        .into());
    }
    let JsonColumns(columns) = columns;
    if columns.is_empty() {
        return Err(RequestError::BadRequest {
            reason: "`inputs.data` has no column".to_owned(),
        }
        .into());
    }
    let mut typed = Vec::with_capacity(columns.len());
    let mut rows = None;
    for (name, cells) in columns {
        if cells.len() > max_rows {
            return Err(RequestError::TooManyRows {
                rows: cells.len(),
                limit: max_rows,
            }
            .into());
        }
        if *rows.get_or_insert(cells.len()) != cells.len() {
            return Err(RequestError::BadRequest {
                reason: format!(
                    "column `{name}` has {} values, the first column {}: every column has one value per row",
                    cells.len(),
                    rows.unwrap_or_default()
                ),
            }
            .into());
        }
        let column = json_column(&name, &cells)?;
        typed.push((name, column));
    }
    align(model, typed)
}
