//! The Open Inference Protocol v2 (KServe V2) over REST, as MLServer's scikit-learn runtime
//! answers it: request tensors to the engine's batch (`content_type` `np`: one 2-D tensor;
//! `pd`: one tensor per column), outputs named after methods (`predict`, `predict_proba`,
//! `transform`, ...), and the metadata of the server and of each model.

use serde::Deserialize;
use serde_json::{Map, Value, json};
use skops_infer::{Column, Data, Labels, Matrix, Method, Output, Table, Values};

use crate::error::{RequestError, Result};
use crate::input::align;
use crate::load::ServedModel;

/// The server's name in `GET /v2`.
pub const SERVER_NAME: &str = "skops-rs";

/// An inference request. Fields this server does not know are ignored, as MLServer ignores
/// them (its clients may send extensions), rather than refused.
#[derive(Debug, Deserialize)]
pub struct InferRequest {
    /// The request's id, echoed in the answer.
    #[serde(default)]
    pub id: Option<String>,
    /// Request parameters (`content_type`).
    #[serde(default)]
    pub parameters: Option<Map<String, Value>>,
    /// The input tensors.
    pub inputs: Vec<Tensor>,
    /// The outputs asked for (default: `predict`).
    #[serde(default)]
    pub outputs: Option<Vec<RequestedOutput>>,
}

/// An input tensor.
#[derive(Debug, Deserialize)]
pub struct Tensor {
    /// Its name (the column's, for `pd`).
    pub name: String,
    /// Its shape.
    pub shape: Vec<i64>,
    /// Its datatype (`FP64`, `INT64`, `BYTES`, ...).
    pub datatype: String,
    /// Tensor parameters (ignored).
    #[serde(default)]
    pub parameters: Option<Map<String, Value>>,
    /// Its items, row-major, flat or nested.
    pub data: Value,
}

/// An output asked for.
#[derive(Debug, Deserialize)]
pub struct RequestedOutput {
    /// The method's name.
    pub name: String,
    /// Output parameters (ignored).
    #[serde(default)]
    pub parameters: Option<Map<String, Value>>,
}

/// How the request's inputs are read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum ContentType {
    /// One 2-D tensor: a numpy array.
    Np,
    /// One tensor per column: a DataFrame.
    Pd,
}

/// The request's batch: its inputs read as `np` or `pd` (for a text model: one `BYTES`
/// tensor of texts, as MLServer's scikit-learn runtime takes a text pipeline's input).
pub fn batch(request: &InferRequest, model: &ServedModel, max_rows: usize) -> Result<Data> {
    if model.predictor.takes_text() {
        return text_batch(request, max_rows);
    }
    let content_type = match request
        .parameters
        .as_ref()
        .and_then(|parameters| parameters.get("content_type"))
    {
        None | Some(Value::Null) => {
            if request.inputs.len() == 1 {
                ContentType::Np
            } else {
                return Err(bad(format!(
                    "{} input tensors: send one 2-D tensor, or one tensor per column with `parameters.content_type` \"pd\"",
                    request.inputs.len()
                )));
            }
        }
        Some(Value::String(kind)) if kind == "np" => ContentType::Np,
        Some(Value::String(kind)) if kind == "pd" => ContentType::Pd,
        Some(other) => {
            return Err(bad(format!(
                "`parameters.content_type` is {other}: this server reads \"np\" and \"pd\""
            )));
        }
    };
    match content_type {
        ContentType::Np => np_batch(request, max_rows),
        ContentType::Pd => pd_batch(request, model, max_rows),
    }
}

fn bad(reason: String) -> crate::Error {
    RequestError::BadRequest { reason }.into()
}

fn datatype_error(tensor: &Tensor, reason: String) -> crate::Error {
    RequestError::Datatype {
        tensor: tensor.name.clone(),
        reason,
    }
    .into()
}

/// The tensor's shape as sizes, and its items flattened, checked against each other.
fn items(tensor: &Tensor) -> Result<(Vec<usize>, Vec<&Value>)> {
    let mut shape = Vec::with_capacity(tensor.shape.len());
    for &dim in &tensor.shape {
        let dim = usize::try_from(dim).map_err(|_| {
            bad(format!(
                "input `{}` has shape {:?}: sizes are not negative",
                tensor.name, tensor.shape
            ))
        })?;
        shape.push(dim);
    }
    let mut flat = Vec::new();
    flatten(&tensor.data, &shape, &mut flat)
        .map_err(|reason| bad(format!("input `{}`: {reason}", tensor.name)))?;
    let count = shape
        .iter()
        .try_fold(1usize, |acc, &dim| acc.checked_mul(dim));
    if count != Some(flat.len()) {
        return Err(bad(format!(
            "input `{}` has shape {:?} but {} items",
            tensor.name,
            tensor.shape,
            flat.len()
        )));
    }
    Ok((shape, flat))
}

/// The tensor's items, row-major: `data` is either flat (a list of scalars) or nested exactly
/// as the shape says (a list per dimension, each as long as its size, scalars at the last
/// level); anything in between (`[[1, 2], 3, 4]`) is refused rather than guessed at.
fn flatten<'a>(data: &'a Value, shape: &[usize], out: &mut Vec<&'a Value>) -> Result<(), String> {
    let Value::Array(items) = data else {
        return Err("`data` is not a list".to_owned());
    };
    if items.iter().all(|item| !matches!(item, Value::Array(_))) {
        return leaves(items, out);
    }
    nested(items, shape, 0, out)
}

/// One level of nested `data`, at dimension `depth` of `shape`.
fn nested<'a>(
    items: &'a [Value],
    shape: &[usize],
    depth: usize,
    out: &mut Vec<&'a Value>,
) -> Result<(), String> {
    let Some(&size) = shape.get(depth) else {
        return Err(format!(
            "`data` nests lists deeper than the tensor's rank {}",
            shape.len()
        ));
    };
    if items.len() != size {
        return Err(format!(
            "`data` has a list of {} items at depth {depth}, where the shape {shape:?} says {size}",
            items.len()
        ));
    }
    if depth + 1 == shape.len() {
        return leaves(items, out);
    }
    for item in items {
        let Value::Array(inner) = item else {
            return Err(format!(
                "`data` mixes lists and scalars: a scalar at depth {depth}, where the shape {shape:?} says a list"
            ));
        };
        nested(inner, shape, depth + 1, out)?;
    }
    Ok(())
}

/// Scalars of `data`, in order (lists are refused by the caller's structure checks).
fn leaves<'a>(items: &'a [Value], out: &mut Vec<&'a Value>) -> Result<(), String> {
    for item in items {
        match item {
            Value::Array(_) => {
                return Err(
                    "`data` mixes lists and scalars: a list where the shape says a scalar"
                        .to_owned(),
                );
            }
            Value::Object(_) => return Err("`data` holds an object".to_owned()),
            leaf => out.push(leaf),
        }
    }
    Ok(())
}

/// One numeric cell of a tensor of `datatype`.
fn number(tensor: &Tensor, value: &Value) -> Result<f64> {
    let datatype = tensor.datatype.as_str();
    let wrong = |what: &str| {
        datatype_error(
            tensor,
            format!("a {datatype} tensor holds {what}: {}", short(value)),
        )
    };
    match (datatype, value) {
        ("BOOL", Value::Bool(flag)) => Ok(f64::from(u8::from(*flag))),
        ("BOOL", _) => Err(wrong("a value that is not a boolean")),
        ("FP16" | "FP32" | "FP64", Value::Number(number)) => number
            .as_f64()
            .filter(|x| x.abs() <= float_max(datatype))
            .map(|x| rounded(datatype, x))
            .ok_or_else(|| wrong("a number out of its range")),
        // JSON has no NaN: null stands for a missing value.
        ("FP16" | "FP32" | "FP64", Value::Null) => Ok(f64::NAN),
        ("FP16" | "FP32" | "FP64", _) => Err(wrong("a value that is not a number")),
        (
            "INT8" | "INT16" | "INT32" | "INT64" | "UINT8" | "UINT16" | "UINT32" | "UINT64",
            Value::Number(number),
        ) => {
            let Some(int) = number
                .as_i64()
                .map(i128::from)
                .or_else(|| number.as_u64().map(i128::from))
            else {
                return Err(wrong("a number that is not an integer"));
            };
            if !int_range(datatype).contains(&int) {
                return Err(wrong("an integer out of its range"));
            }
            #[allow(clippy::cast_precision_loss)]
            Ok(int as f64)
        }
        ("INT8" | "INT16" | "INT32" | "INT64" | "UINT8" | "UINT16" | "UINT32" | "UINT64", _) => {
            Err(wrong("a value that is not an integer"))
        }
        ("BYTES", _) => Err(datatype_error(
            tensor,
            "a BYTES tensor is a column of strings: send it with `parameters.content_type` \"pd\""
                .to_owned(),
        )),
        (other, _) => Err(datatype_error(
            tensor,
            format!(
                "unknown datatype `{other}` (BOOL, INT8-64, UINT8-64, FP16, FP32, FP64, BYTES)"
            ),
        )),
    }
}

/// The values an integer datatype holds (a numpy array of that dtype could not hold others,
/// so MLServer's decoding would fail or wrap them).
fn int_range(datatype: &str) -> std::ops::RangeInclusive<i128> {
    match datatype {
        "INT8" => i128::from(i8::MIN)..=i128::from(i8::MAX),
        "INT16" => i128::from(i16::MIN)..=i128::from(i16::MAX),
        "INT32" => i128::from(i32::MIN)..=i128::from(i32::MAX),
        "UINT8" => 0..=i128::from(u8::MAX),
        "UINT16" => 0..=i128::from(u16::MAX),
        "UINT32" => 0..=i128::from(u32::MAX),
        "UINT64" => 0..=i128::from(u64::MAX),
        _ => i128::from(i64::MIN)..=i128::from(i64::MAX),
    }
}

/// `x` as a tensor of `datatype` holds it: rounded to float32 or float16 (then widened back),
/// as MLServer decodes such a tensor into a numpy array of that dtype before the model sees it.
#[allow(clippy::cast_possible_truncation)]
fn rounded(datatype: &str, x: f64) -> f64 {
    match datatype {
        "FP32" => f64::from(x as f32),
        "FP16" => half::f16::from_f64(x).to_f64(),
        _ => x,
    }
}

/// The largest finite magnitude of a float datatype (65504 is float16's).
fn float_max(datatype: &str) -> f64 {
    match datatype {
        "FP16" => 65504.0,
        "FP32" => f64::from(f32::MAX),
        _ => f64::MAX,
    }
}

fn short(value: &Value) -> String {
    let text = value.to_string();
    match text.char_indices().nth(40) {
        Some((cut, _)) => format!("{}...", &text[..cut]),
        None => text,
    }
}

fn check_rows(rows: usize, max_rows: usize) -> Result<()> {
    if rows > max_rows {
        return Err(RequestError::TooManyRows {
            rows,
            limit: max_rows,
        }
        .into());
    }
    Ok(())
}

/// `np`: one tensor of shape `[rows, columns]`.
fn np_batch(request: &InferRequest, max_rows: usize) -> Result<Data> {
    let [tensor] = request.inputs.as_slice() else {
        return Err(bad(format!(
            "content type \"np\" takes one input tensor, not {}",
            request.inputs.len()
        )));
    };
    let (shape, flat) = items(tensor)?;
    let [rows, cols] = shape[..] else {
        return Err(bad(format!(
            "input `{}` has shape {:?}: a numpy input is 2-D, [rows, columns]",
            tensor.name, tensor.shape
        )));
    };
    check_rows(rows, max_rows)?;
    let data = flat
        .into_iter()
        .map(|value| number(tensor, value))
        .collect::<Result<Vec<f64>>>()?;
    Ok(Data::Matrix(Matrix::new(rows, cols, data)?))
}

/// A text model's batch: one `BYTES` tensor of shape `[texts]` or `[texts, 1]`.
fn text_batch(request: &InferRequest, max_rows: usize) -> Result<Data> {
    let [tensor] = request.inputs.as_slice() else {
        return Err(bad(format!(
            "this model classifies texts: send one BYTES tensor of texts, not {} tensors",
            request.inputs.len()
        )));
    };
    if tensor.datatype != "BYTES" {
        return Err(datatype_error(
            tensor,
            format!(
                "this model classifies texts: send a BYTES tensor of strings, not {}",
                tensor.datatype
            ),
        ));
    }
    let (shape, flat) = items(tensor)?;
    let rows = match shape[..] {
        [rows] | [rows, 1] => rows,
        _ => {
            return Err(bad(format!(
                "input `{}` has shape {:?}: texts are [texts] or [texts, 1]",
                tensor.name, tensor.shape
            )));
        }
    };
    check_rows(rows, max_rows)?;
    let texts = flat
        .into_iter()
        .map(|value| match value {
            Value::String(text) => Ok(Some(text.clone())),
            other => Err(datatype_error(
                tensor,
                format!("a text is a string, not {}", short(other)),
            )),
        })
        .collect::<Result<Vec<_>>>()?;
    Ok(Data::Table(Table::new(None, vec![Column::Strings(texts)])?))
}

/// `pd`: one tensor per column, of shape `[rows]` or `[rows, 1]`.
fn pd_batch(request: &InferRequest, model: &ServedModel, max_rows: usize) -> Result<Data> {
    let mut columns = Vec::with_capacity(request.inputs.len());
    let mut rows = None;
    for tensor in &request.inputs {
        let (shape, flat) = items(tensor)?;
        let length = match shape[..] {
            [length] | [length, 1] => length,
            _ => {
                return Err(bad(format!(
                    "input `{}` has shape {:?}: a column is [rows] or [rows, 1]",
                    tensor.name, tensor.shape
                )));
            }
        };
        check_rows(length, max_rows)?;
        if *rows.get_or_insert(length) != length {
            return Err(bad(format!(
                "input `{}` has {length} rows, the first column {}",
                tensor.name,
                rows.unwrap_or_default()
            )));
        }
        let column = if tensor.datatype == "BYTES" {
            Column::Strings(
                flat.into_iter()
                    .map(|value| match value {
                        Value::String(text) => Ok(Some(text.clone())),
                        Value::Null => Ok(None),
                        other => Err(datatype_error(
                            tensor,
                            format!(
                                "a BYTES tensor holds a value that is not a string: {}",
                                short(other)
                            ),
                        )),
                    })
                    .collect::<Result<Vec<_>>>()?,
            )
        } else {
            Column::Numbers(
                flat.into_iter()
                    .map(|value| number(tensor, value))
                    .collect::<Result<Vec<f64>>>()?,
            )
        };
        columns.push((tensor.name.clone(), column));
    }
    Ok(Data::Table(align(model, columns)?))
}

/// The methods asked for: the request's output names, else `predict` (or, for a
/// transformer, `transform`).
pub fn methods(request: &InferRequest, model: &ServedModel) -> Result<Vec<Method>> {
    match &request.outputs {
        Some(outputs) if !outputs.is_empty() => outputs
            .iter()
            .map(|output| {
                output.name.parse::<Method>().map_err(|_| {
                    RequestError::UnknownOutput {
                        name: output.name.clone(),
                    }
                    .into()
                })
            })
            .collect(),
        _ => Ok(vec![default_method(model)]),
    }
}

/// `predict` when the model has it, else `transform`, else its first method.
pub fn default_method(model: &ServedModel) -> Method {
    let methods = model.predictor.methods();
    [Method::Predict, Method::Transform]
        .into_iter()
        .find(|method| methods.contains(method))
        .or_else(|| methods.first().copied())
        .unwrap_or(Method::Predict)
}

/// An output tensor as MLServer writes it: 1-D results get a trailing dimension of 1.
pub fn output_tensor(method: Method, output: Output) -> Value {
    let mut shape = output.shape;
    if shape.len() == 1 {
        shape.push(1);
    }
    let (datatype, data) = values_json(output.values);
    json!({
        "name": method.name(),
        "shape": shape,
        "datatype": datatype,
        "parameters": {"content_type": "np"},
        "data": data,
    })
}

/// The OIP datatype and the JSON items of `values`.
pub fn values_json(values: Values) -> (&'static str, Value) {
    match values {
        Values::F64(items) => ("FP64", json!(items)),
        Values::I64(items) => ("INT64", json!(items)),
        Values::Str(items) => ("BYTES", json!(items)),
        Values::Bool(items) => ("BOOL", json!(items)),
    }
}

/// The answer to an inference request.
pub fn response(model: &ServedModel, id: String, outputs: Vec<Value>) -> Value {
    json!({
        "model_name": model.name,
        "id": id,
        "parameters": {},
        "outputs": outputs,
    })
}

/// `GET /v2`: the server's metadata.
pub fn server_metadata() -> Value {
    json!({
        "name": SERVER_NAME,
        "version": env!("CARGO_PKG_VERSION"),
        "extensions": [],
    })
}

/// `GET /v2/models/{name}`: inputs from the model's fitted columns (one tensor per column,
/// `pd`, typed by `config.json`'s example input) or its width (one `[-1, n]` tensor, `np`);
/// one output per method, typed by its classes.
pub fn model_metadata(model: &ServedModel) -> Value {
    let predictor = &model.predictor;
    let (inputs, content_type) = match model.input_names() {
        _ if predictor.takes_text() => (
            vec![json!({"name": "text", "datatype": "BYTES", "shape": [-1]})],
            "str",
        ),
        Some(names) => (
            names
                .iter()
                .map(|name| {
                    json!({"name": name, "datatype": column_datatype(model, name), "shape": [-1]})
                })
                .collect::<Vec<_>>(),
            "pd",
        ),
        None => {
            let width = predictor
                .n_features_in()
                .and_then(|n| i64::try_from(n).ok())
                .unwrap_or(-1);
            (
                vec![json!({"name": "input-0", "datatype": "FP64", "shape": [-1, width]})],
                "np",
            )
        }
    };
    let classes = predictor.classes();
    let outputs: Vec<Value> = predictor
        .methods()
        .into_iter()
        .map(|method| {
            let (datatype, width) = match (method, classes) {
                (Method::Predict, Some(labels)) => (labels_datatype(labels), 1),
                (Method::Predict, None) => ("FP64", 1),
                (Method::PredictProba | Method::PredictLogProba, Some(labels)) => {
                    ("FP64", i64::try_from(labels.len()).unwrap_or(-1))
                }
                // A binary classifier's decision is one score per row (scikit-learn's 1-D
                // answer, served as `[n, 1]`); with more classes its width depends on the
                // estimator (one-vs-one SVMs), so it stays variable.
                (Method::DecisionFunction, Some(labels)) if labels.len() == 2 => ("FP64", 1),
                (Method::Apply, _) => ("INT64", -1),
                _ => ("FP64", -1),
            };
            json!({"name": method.name(), "datatype": datatype, "shape": [-1, width]})
        })
        .collect();
    let mut parameters = Map::new();
    parameters.insert("content_type".into(), content_type.into());
    parameters.insert("engine".into(), predictor.engine_name().into());
    parameters.insert("sklearn_type".into(), predictor.type_name().into());
    parameters.insert("sha256".into(), predictor.sha256().into());
    if let Some(version) = predictor.sklearn_version() {
        parameters.insert("sklearn_version".into(), version.into());
    }
    if let Some(task) = &model.task {
        parameters.insert("task".into(), task.clone().into());
    }
    if let Some(origin) = &model.origin {
        parameters.insert(
            "source".into(),
            json!({"repo_id": origin.repo_id, "revision": origin.revision, "commit": origin.commit}),
        );
    }
    if let Some(admission) = &model.admitted_by {
        parameters.insert(
            "trust_policy".into(),
            json!({
                "policy": admission.policy_name(),
                "sha256": admission.sha256,
                "approved_by": admission.approved_by,
                "approved_at": admission.approved_at,
                "types": admission.types,
            }),
        );
    }
    json!({
        "name": model.name,
        "versions": [],
        "platform": "sklearn",
        "inputs": inputs,
        "outputs": outputs,
        "parameters": parameters,
    })
}

/// A column's datatype: `BYTES` when `config.json`'s example input holds strings there.
/// `BYTES` for a column of strings (its example input holds strings, or the model's encoder
/// was fitted on strings there), else `FP64`.
fn column_datatype(model: &ServedModel, name: &str) -> &'static str {
    let strings = model
        .example_input
        .as_ref()
        .and_then(|example| example.get(name))
        .and_then(Value::as_array)
        .is_some_and(|cells| cells.iter().any(Value::is_string));
    let encoded_strings = || {
        let index = model
            .input_names()
            .and_then(|names| names.iter().position(|known| known == name));
        let kinds = model.predictor.input_kinds();
        matches!(
            index.and_then(|index| kinds?.into_iter().nth(index)),
            Some(skops_infer::InputKind::Categories(_))
        )
    };
    if strings || encoded_strings() {
        "BYTES"
    } else {
        "FP64"
    }
}

fn labels_datatype(labels: &Labels) -> &'static str {
    match labels {
        Labels::I64(_) => "INT64",
        Labels::F64(_) => "FP64",
        Labels::Str(_) => "BYTES",
        Labels::Bool(_) => "BOOL",
    }
}
