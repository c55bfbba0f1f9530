//! What a card needs from a `.skops` model file, read without Python: its sha256, the
//! scikit-learn version that wrote it, the model's type and its hyperparameters.

use std::path::Path;

use skops_format::Limits;
use skops_format::json;
use skops_format::schema::{NodeId, NodeKind, Schema};
use skops_trust::ModelFile as OpenedModel;

use crate::{Error, Result};

/// Facts about a `.skops` file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ModelFile {
    /// The file name (no folder).
    pub file_name: String,
    /// sha256 of the whole file, lowercase hex.
    pub sha256: String,
    /// `_sklearn_version` recorded in the file, if any.
    pub sklearn_version: Option<String>,
    /// The top-level object's type, e.g. `sklearn.linear_model._logistic.LogisticRegression`.
    pub model_type: String,
    /// `(name, value)` of the top-level estimator's hyperparameters, sorted by name as
    /// `get_params` lists them, approximately as `str()` shows them: state entries that are neither private (`_x`) nor fitted (`x_`,
    /// scikit-learn's convention). JSON values are exact; nested objects show as
    /// `ClassName(...)`.
    pub hyperparameters: Vec<(String, String)>,
}

/// Opens and validates a `.skops` file (nothing is loaded or constructed) and reads its facts.
pub fn inspect(path: &Path) -> Result<ModelFile> {
    let mut buffer = Vec::new();
    let file = OpenedModel::open_path(path, &Limits::default(), &mut buffer).map_err(|source| {
        Error::ModelFile {
            path: path.display().to_string(),
            source: Box::new(source),
        }
    })?;
    let schema = file.schema();
    let root = schema.root();
    Ok(ModelFile {
        file_name: path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default(),
        sha256: file.sha256(),
        sklearn_version: file.sklearn_version(),
        model_type: schema.node(root).type_name(),
        hyperparameters: hyperparameters(schema, root),
    })
}

/// The public, unfitted entries of an object's state.
fn hyperparameters(schema: &Schema, object: NodeId) -> Vec<(String, String)> {
    let NodeKind::Object {
        content: Some(content),
    } = &schema.node(object).kind
    else {
        return Vec::new();
    };
    let NodeKind::Dict { entries, .. } = &schema.node(*content).kind else {
        return Vec::new();
    };
    let mut params: Vec<(String, String)> = entries
        .iter()
        // Names are shown as text: a lone surrogate escaped (`\ud800`).
        .map(|(name, value)| (name.to_string(), value))
        .filter(|(name, _)| !name.starts_with('_') && !name.ends_with('_'))
        .map(|(name, value)| (name, python_str(schema, *value)))
        .collect();
    // `get_params` lists parameters sorted by name.
    params.sort();
    params
}

/// An approximation of `str(value)` for a node.
fn python_str(schema: &Schema, id: NodeId) -> String {
    let node = schema.node(id);
    match &node.kind {
        NodeKind::Json { content } => match json::parse(content.surrogatepass_bytes(), 8) {
            Ok(json::Value::String(s)) => s.to_string(),
            Ok(json::Value::Null) => "None".to_owned(),
            Ok(json::Value::Bool(b)) => if b { "True" } else { "False" }.to_owned(),
            Ok(json::Value::Number(n)) => n.to_python_text(),
            Ok(other) => other.python_repr(),
            Err(_) => content.to_string(),
        },
        NodeKind::Object { .. } => format!("{}(...)", node.class),
        _ => format!("<{}>", node.type_name()),
    }
}
