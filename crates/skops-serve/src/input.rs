//! Request columns to the engine's input batch: JSON cells to typed columns, columns aligned
//! with the names the model was fitted with (or `config.json`'s `sklearn.columns`), and the
//! batch evaluated off the async executor.

use std::fmt;
use std::sync::Arc;

use serde::Deserialize;
use serde::de::{MapAccess, Visitor};
use serde_json::Value;
use skops_infer::error::InputError;
use skops_infer::{Column, Data, Method, Output, Table};

use crate::error::{EngineError, Error, RequestError, Result};
use crate::limits::{MAX_COLUMNS, MAX_NAME_CHARS_SHOWN, MAX_NAMES_SHOWN};
use crate::load::ServedModel;

/// Named columns of JSON cells, in the order the request wrote them (serde_json's own map
/// would sort the names).
#[derive(Debug, Default)]
pub struct JsonColumns(pub Vec<(String, Vec<Value>)>);

impl<'de> Deserialize<'de> for JsonColumns {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Columns;
        impl<'de> Visitor<'de> for Columns {
            type Value = JsonColumns;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("an object of column name -> list of values")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<JsonColumns, A::Error> {
                let mut out = Vec::new();
                while let Some((name, cells)) = map.next_entry::<String, Vec<Value>>()? {
                    if out.len() >= MAX_COLUMNS {
                        return Err(serde::de::Error::custom(format!(
                            "more than {MAX_COLUMNS} columns"
                        )));
                    }
                    out.push((name, cells));
                }
                Ok(JsonColumns(out))
            }
        }
        deserializer.deserialize_map(Columns)
    }
}

/// A column of JSON cells: all numbers (or null, or booleans) make numbers (null is NaN);
/// otherwise strings (null is missing), numbers written as JSON writes them.
pub fn json_column(name: &str, cells: &[Value]) -> Result<Column> {
    let bad = |reason: String| RequestError::BadRequest { reason };
    let mut numbers = Vec::with_capacity(cells.len());
    for cell in cells {
        match cell {
            Value::Number(number) => numbers.push(number.as_f64().unwrap_or(f64::NAN)),
            Value::Null => numbers.push(f64::NAN),
            Value::Bool(flag) => numbers.push(f64::from(u8::from(*flag))),
            Value::String(_) => break,
            Value::Array(_) | Value::Object(_) => {
                return Err(bad(format!(
                    "column `{name}` holds a list or an object: cells are numbers, strings or null"
                ))
                .into());
            }
        }
    }
    if numbers.len() == cells.len() {
        return Ok(Column::Numbers(numbers));
    }
    let mut strings = Vec::with_capacity(cells.len());
    for cell in cells {
        strings.push(match cell {
            Value::Null => None,
            Value::String(text) => Some(text.clone()),
            Value::Number(number) => Some(number.to_string()),
            Value::Bool(flag) => Some(if *flag { "True" } else { "False" }.to_owned()),
            Value::Array(_) | Value::Object(_) => {
                return Err(bad(format!(
                    "column `{name}` holds a list or an object: cells are numbers, strings or null"
                ))
                .into());
            }
        });
    }
    Ok(Column::Strings(strings))
}

/// A string column as numbers when every cell reads as one (missing cells and `NaN` are
/// NaN), as numpy converts a pandas column of numeric strings for a model that takes numbers.
pub fn numeric(column: &Column) -> Option<Vec<f64>> {
    let Column::Strings(cells) = column else {
        return None;
    };
    cells
        .iter()
        .map(|cell| match cell.as_deref().map(str::trim) {
            None => Some(f64::NAN),
            Some(text)
                if text.eq_ignore_ascii_case("null") || text.eq_ignore_ascii_case("none") =>
            {
                Some(f64::NAN)
            }
            Some(text) => text.parse::<f64>().ok(),
        })
        .collect()
}

/// Named columns for `model`: reordered to the model's input names when it has them (a
/// missing or unknown column is refused), else as given.
pub fn align(model: &ServedModel, columns: Vec<(String, Column)>) -> Result<Table> {
    // Checked before anything else: a model without input names (the Python engine's
    // DataFrame path) would otherwise get two columns of one name.
    let mut seen = std::collections::HashSet::with_capacity(columns.len());
    if let Some((name, _)) = columns.iter().find(|(name, _)| !seen.insert(name.as_str())) {
        return Err(RequestError::BadRequest {
            reason: format!("column {} is given twice", shown(name)),
        }
        .into());
    }
    let Some(expected) = model.input_names() else {
        let (_, columns): (Vec<String>, Vec<Column>) = columns.into_iter().unzip();
        return Ok(Table::new(None, columns)?);
    };
    let given: Vec<&str> = columns.iter().map(|(name, _)| name.as_str()).collect();
    let missing: Vec<&str> = expected
        .iter()
        .map(String::as_str)
        .filter(|name| !given.contains(name))
        .collect();
    let unknown: Vec<&str> = given
        .iter()
        .copied()
        .filter(|name| !expected.iter().any(|e| e == name))
        .collect();
    if !missing.is_empty() || !unknown.is_empty() {
        return Err(InputError::Column {
            reason: format!(
                "the columns differ from the model's (missing: {}; unknown: {}; expected: {})",
                listed(&missing),
                listed(&unknown),
                listed(&expected.iter().map(String::as_str).collect::<Vec<_>>()),
            ),
        }
        .into());
    }
    let mut slots: Vec<Option<Column>> = expected.iter().map(|_| None).collect();
    for (name, column) in columns {
        if let Some(slot) = expected
            .iter()
            .position(|e| *e == name)
            .and_then(|index| slots.get_mut(index))
        {
            *slot = Some(column);
        }
    }
    let ordered: Vec<Column> = slots.into_iter().flatten().collect();
    // Only names the model itself was fitted with go to the engine (which checks them);
    // `sklearn.columns` of a model fitted on an array only order the columns.
    let names = model.predictor.feature_names_in().map(<[String]>::to_vec);
    Ok(Table::new(names, ordered)?)
}

/// Column names for an error message: the first [`MAX_NAMES_SHOWN`] (each cut to
/// [`MAX_NAME_CHARS_SHOWN`] characters) and how many more, so that a request of a million
/// made-up columns gets a short answer.
fn listed(names: &[&str]) -> String {
    let shown: Vec<String> = names
        .iter()
        .take(MAX_NAMES_SHOWN)
        .map(|name| shown(name))
        .collect();
    let more = names.len().saturating_sub(MAX_NAMES_SHOWN);
    if more == 0 {
        format!("[{}]", shown.join(", "))
    } else {
        format!("[{}, ... and {more} more]", shown.join(", "))
    }
}

/// One name for an error message: quoted, cut to [`MAX_NAME_CHARS_SHOWN`] characters.
fn shown(name: &str) -> String {
    let cut: String = name.chars().take(MAX_NAME_CHARS_SHOWN).collect();
    if cut.len() < name.len() {
        format!("{cut:?}...")
    } else {
        format!("{cut:?}")
    }
}

/// The table with every string column that reads as numbers made numbers; `None` when no
/// column changed.
pub fn coerced(table: &Table) -> Option<Table> {
    let mut changed = false;
    let columns = table
        .columns()
        .iter()
        .map(|column| match numeric(column) {
            Some(values) => {
                changed = true;
                Column::Numbers(values)
            }
            None => column.clone(),
        })
        .collect();
    if !changed {
        return None;
    }
    Table::new(table.names().map(<[String]>::to_vec), columns).ok()
}

/// Evaluates `method` on `data` with `model` (on the calling thread: callers run it off the
/// async executor).
pub fn evaluate(model: &Arc<ServedModel>, method: Method, data: &Data) -> Result<Output> {
    model.predictor.run(method, data)
}

/// Evaluates a table of request columns: first with numeric strings made numbers (the Hub
/// widget sends every cell as a string), and if a model then finds numbers where it takes
/// strings (or, in Python, refuses the numbers), again with the strings as given. A text
/// model takes its texts as given.
pub fn evaluate_table(model: &Arc<ServedModel>, method: Method, table: Table) -> Result<Output> {
    if model.predictor.takes_text() {
        return evaluate(model, method, &Data::Table(table));
    }
    if let Some(numbers) = coerced(&table) {
        match model.predictor.run(method, &Data::Table(numbers)) {
            Err(Error::Engine(EngineError::BadInput { .. })) => {}
            Err(Error::Infer(error))
                if matches!(
                    error.as_ref(),
                    skops_infer::Error::Input(InputError::Type { .. })
                ) => {}
            other => return other,
        }
    }
    evaluate(model, method, &Data::Table(table))
}
