//! The Hugging Face legacy inference API for tabular models, as `api-inference-community`'s
//! scikit-learn container answered it: `POST /models/{repo_id}` with
//! `{"inputs": {"data": {column: [values, ...]}}}` (numbers or strings: the Hub widget sent
//! strings, skops' `get_model_output` numbers) answers the JSON list of `predict`'s labels.

use serde::Deserialize;
use serde_json::{Map, Value};

use crate::error::{RequestError, Result};
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

/// `inputs` of a tabular request.
#[derive(Debug, Deserialize)]
pub struct LegacyInputs {
    /// Column name -> cells.
    pub data: JsonColumns,
}

/// The request's columns, typed and aligned with the model's.
pub fn table(
    request: LegacyRequest,
    model: &ServedModel,
    max_rows: usize,
) -> Result<skops_infer::Table> {
    let JsonColumns(columns) = request.inputs.data;
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
