//! Composition: `Pipeline` (steps in order, the last step's methods), and the helpers other
//! composite estimators share (a step's output as the next step's input).

use crate::data::{Data, Matrix};
use crate::error::{ModelError, Result};
use crate::model::{InputKind, Meta, Method, Model};
use crate::output::{Output, Values};
use crate::read::Obj;
use crate::registry;
use skops_trust::state::Slot;

/// The methods a pipeline forwards to its last step (scikit-learn's `available_if`).
const FORWARDED: [Method; 6] = [
    Method::Predict,
    Method::PredictProba,
    Method::PredictLogProba,
    Method::DecisionFunction,
    Method::Transform,
    Method::ScoreSamples,
];

/// A transformer's output as a float64 matrix (booleans of `MissingIndicator` as 0/1, as
/// the next step's `check_array` converts them).
pub fn output_matrix(output: Output, meta: &Meta) -> Result<Matrix> {
    let Output { shape, values } = output;
    let values = match values {
        Values::F64(values) => values,
        Values::I64(values) => values.into_iter().map(|value| value as f64).collect(),
        Values::Bool(values) => values
            .into_iter()
            .map(|value| f64::from(u8::from(value)))
            .collect(),
        Values::Str(_) => {
            return Err(ModelError::Malformed {
                type_name: meta.type_name.clone(),
                path: meta.path.clone(),
                reason: "a step returns strings where numbers belong".to_owned(),
            }
            .into());
        }
    };
    match shape[..] {
        [rows] => Matrix::new(rows, 1, values),
        [rows, cols] => Matrix::new(rows, cols, values),
        _ => Err(ModelError::Malformed {
            type_name: meta.type_name.clone(),
            path: meta.path.clone(),
            reason: format!("a step returns an array of shape {shape:?}"),
        }
        .into()),
    }
}

/// A step of a composite: an estimator, or `"passthrough"` / `None` (`None` here).
pub fn step_at(
    obj: &Obj<'_, '_>,
    id: skops_format::schema::NodeId,
    key: &str,
    suffix: &str,
) -> Result<Option<Box<dyn Model>>> {
    if obj.is_null_at(id) {
        return Ok(None);
    }
    if let Some(text) = obj.str_at(id) {
        return match text.as_str() {
            "passthrough" => Ok(None),
            other => Err(obj.unsupported_option(format!("the step `{key}{suffix}` = {other:?}"))),
        };
    }
    registry::build(&obj.item(id, key, suffix)?).map(Some)
}

/// `Pipeline`: `transform` through every step but the last, then the last step's method.
#[derive(Debug)]
pub struct Pipeline {
    meta: Meta,
    /// The steps in order; `None` is `"passthrough"` or `None`.
    steps: Vec<Option<Box<dyn Model>>>,
}

/// Builds a [`Pipeline`].
pub fn pipeline(obj: &Obj<'_, '_>) -> Result<Box<dyn Model>> {
    let mut meta = Meta::read(obj)?;
    let items = obj.items("steps")?;
    if items.is_empty() {
        return Err(obj.malformed("`steps` is empty"));
    }
    let mut steps = Vec::with_capacity(items.len());
    for (index, item) in items.iter().enumerate() {
        let pair = obj
            .items_at(*item)
            .filter(|pair| pair.len() == 2)
            .ok_or_else(|| obj.malformed(format!("`steps[{index}]` is not a (name, step) pair")))?;
        steps.push(step_at(obj, pair[1], "steps", &format!("[{index}][1]"))?);
    }
    for (index, step) in steps.iter().enumerate().take(steps.len() - 1) {
        if let Some(step) = step {
            if !step.methods().contains(&Method::Transform) {
                return Err(obj.malformed(format!(
                    "`steps[{index}][1]` (`{}`) has no `transform`",
                    step.type_name()
                )));
            }
        }
    }
    // `n_features_in_` and `feature_names_in_` are the first step's (properties of Pipeline).
    if let Some(first) = steps.iter().flatten().next() {
        meta.n_features_in = first.n_features_in();
        meta.feature_names_in = first.feature_names_in().map(<[String]>::to_vec);
    }
    Ok(Box::new(Pipeline { meta, steps }))
}

impl Model for Pipeline {
    fn meta(&self) -> &Meta {
        &self.meta
    }

    /// The first step's: it is the one that sees the input.
    fn input_kinds(&self) -> Option<Vec<InputKind>> {
        self.steps.iter().flatten().next()?.input_kinds()
    }

    fn methods(&self) -> Vec<Method> {
        match self.steps.last() {
            Some(Some(last)) => last
                .methods()
                .into_iter()
                .filter(|method| FORWARDED.contains(method))
                .collect(),
            _ => vec![Method::Transform],
        }
    }

    fn run(&self, method: Method, x: &Data) -> Result<Output> {
        if !self.methods().contains(&method) {
            return Err(self.meta.no_method(method));
        }
        let Some((last, first)) = self.steps.split_last() else {
            return Err(self.meta.no_method(method));
        };
        let mut current: Option<Data> = None;
        for step in first.iter().flatten() {
            let input = current.as_ref().unwrap_or(x);
            let output = step.run(Method::Transform, input)?;
            current = Some(Data::Matrix(output_matrix(output, &self.meta)?));
        }
        let input = current.as_ref().unwrap_or(x);
        match last {
            Some(last) => last.run(method, input),
            None => Ok(Output::matrix(
                input.to_matrix(&|| self.meta.who())?.into_owned(),
            )),
        }
    }
}

/// One transformer of a `ColumnTransformer` or `FeatureUnion`, with its input columns.
#[derive(Debug)]
struct Part {
    name: String,
    model: Box<dyn Model>,
    /// The input columns (indices; `ColumnTransformer` only).
    indices: Vec<usize>,
    /// Whether the columns were given by name (then a batch without names is refused, as
    /// scikit-learn cannot index an array by name).
    by_name: bool,
    /// `transformer_weights[name]`: the output is multiplied by it.
    weight: Option<f64>,
}

/// `transformer_weights` as a map from name to weight.
fn weights(obj: &Obj<'_, '_>) -> Result<Vec<(String, f64)>> {
    if obj.is_none("transformer_weights") {
        return Ok(Vec::new());
    }
    obj.dict("transformer_weights")?
        .into_iter()
        .map(|(name, id)| {
            obj.float_at(id)
                .map(|weight| (name, weight))
                .ok_or_else(|| {
                    obj.malformed("`transformer_weights` holds something else than numbers")
                })
        })
        .collect()
}

/// Runs the parts on their columns and stacks the outputs side by side (`np.hstack`),
/// each multiplied by its weight.
fn stack(meta: &Meta, parts: &[(&Part, Data)], rows: usize) -> Result<Output> {
    let mut blocks = Vec::with_capacity(parts.len());
    for (part, input) in parts {
        let mut block = output_matrix(part.model.run(Method::Transform, input)?, meta)?;
        if block.rows() != rows {
            return Err(ModelError::Malformed {
                type_name: meta.type_name.clone(),
                path: meta.path.clone(),
                reason: format!("`{}` returned another number of rows", part.name),
            }
            .into());
        }
        if let Some(weight) = part.weight {
            block
                .data_mut()
                .iter_mut()
                .for_each(|value| *value *= weight);
        }
        blocks.push(block);
    }
    let width: usize = blocks.iter().map(Matrix::cols).sum();
    let mut out = Vec::with_capacity(rows * width);
    for row in 0..rows {
        for block in &blocks {
            out.extend_from_slice(block.row(row));
        }
    }
    Ok(Output::matrix(Matrix::new(rows, width, out)?))
}

/// How a fitted `ColumnTransformer` entry's columns were given.
fn columns_by_name(
    obj: &Obj<'_, '_>,
    id: skops_format::schema::NodeId,
    index: usize,
) -> Result<bool> {
    use skops_format::json::Value;
    use skops_format::schema::{NdArrayStorage, NodeKind};
    match obj.kind_at(id) {
        NodeKind::List(items) | NodeKind::Tuple(items) => Ok(items
            .iter()
            .any(|&item| matches!(obj.json_at(item), Some(Value::String(_))))),
        NodeKind::Slice { start, stop, .. } => Ok(matches!(start, Value::String(_)) || matches!(stop, Value::String(_))),
        NodeKind::NdArray(NdArrayStorage::Json { .. }) => Ok(true),
        NodeKind::NdArray(NdArrayStorage::Numpy { .. }) => Ok(false),
        NodeKind::Json { .. } => Err(obj.unsupported_option(format!(
            "a single column (not a list) as the columns of `transformers_[{index}]` (the transformer then gets a 1-D array)"
        ))),
        _ => Err(obj.unsupported_option(format!("the column selection of `transformers_[{index}]`"))),
    }
}

/// The column indices the selection node `id` picks among `n` columns named `names`, as
/// scikit-learn's `_get_column_indices` resolves it (integers, negative ones from the end;
/// a boolean mask; names; a slice of integers or, inclusive, of names); `None` for a form
/// or an index not resolved here.
pub(crate) fn selected_columns(
    obj: &Obj<'_, '_>,
    id: skops_format::schema::NodeId,
    n: usize,
    names: Option<&[String]>,
) -> Option<Vec<usize>> {
    use skops_format::json::Value;
    use skops_format::schema::{NdArrayStorage, NodeKind};
    let position = |index: i64| -> Option<usize> {
        let n = i64::try_from(n).ok()?;
        let index = if index < 0 { index + n } else { index };
        usize::try_from(index)
            .ok()
            .filter(|&index| (index as i64) < n)
    };
    let by_name = |name: &str| names?.iter().position(|known| known == name);
    let values: Vec<Value> = match obj.kind_at(id) {
        NodeKind::List(items) | NodeKind::Tuple(items) => items
            .iter()
            .map(|&item| obj.json_at(item))
            .collect::<Option<Vec<_>>>()?,
        NodeKind::NdArray(NdArrayStorage::Json { items, .. }) => items
            .iter()
            .map(|&item| obj.json_at(item))
            .collect::<Option<Vec<_>>>()?,
        NodeKind::NdArray(NdArrayStorage::Numpy { .. }) => {
            let array = crate::read::NdArray::of(obj.file(), id).ok()?;
            if array.shape().len() != 1 {
                return None;
            }
            let values = array.i64s(obj).ok()?;
            if array.dtype().contains("b1") || array.dtype() == "bool" {
                return (values.len() == n)
                    .then(|| (0..n).filter(|&index| values[index] != 0).collect());
            }
            return values.into_iter().map(position).collect();
        }
        NodeKind::Slice { start, stop, step } => {
            if !matches!(step, Value::Null) {
                return None;
            }
            let bound = |value: &Value| -> Option<Option<i64>> {
                match value {
                    Value::Null => Some(None),
                    Value::Number(number) => number.as_i64().map(Some),
                    _ => None,
                }
            };
            if let (Some(start), Some(stop)) = (bound(start), bound(stop)) {
                // Python's slice of `range(n)`: negative bounds from the end, clamped.
                let n = i64::try_from(n).ok()?;
                let clamp = |value: i64| (if value < 0 { value + n } else { value }).clamp(0, n);
                let start = start.map_or(0, clamp);
                let stop = stop.map_or(n, clamp);
                return Some(
                    (start..stop.max(start))
                        .map(|index| index as usize)
                        .collect(),
                );
            }
            // A slice of names includes its stop.
            let name_at = |value: &Value, default: usize| -> Option<usize> {
                match value {
                    Value::Null => Some(default),
                    Value::String(text) => by_name(text.as_str()?),
                    _ => None,
                }
            };
            let start = name_at(start, 0)?;
            let stop = match stop {
                Value::Null => n,
                _ => name_at(stop, 0)? + 1,
            };
            return Some((start..stop.max(start)).collect());
        }
        _ => return None,
    };
    if !values.is_empty() && values.iter().all(|value| matches!(value, Value::Bool(_))) {
        if values.len() != n {
            return None;
        }
        return Some(
            values
                .iter()
                .enumerate()
                .filter(|(_, value)| matches!(value, Value::Bool(true)))
                .map(|(index, _)| index)
                .collect(),
        );
    }
    values
        .iter()
        .map(|value| match value {
            Value::Number(number) => position(number.as_i64()?),
            Value::String(text) => by_name(text.as_str()?),
            _ => None,
        })
        .collect()
}

/// Builds a transformer of a composite: a `OneHotEncoder` inside a `ColumnTransformer`
/// whose output is dense may have a sparse output (it is densified by `toarray()`).
fn part_model(obj: &Obj<'_, '_>, allow_sparse: bool) -> Result<Box<dyn Model>> {
    if allow_sparse && obj.type_name() == "sklearn.preprocessing._encoders.OneHotEncoder" {
        return crate::models::encoders::one_hot_encoder_dense(obj);
    }
    registry::build(obj)
}

/// `ColumnTransformer`: each fitted transformer on its columns (by name when fitted on and
/// given a DataFrame), outputs stacked in `transformers_` order (the remainder last).
#[derive(Debug)]
pub struct ColumnTransformer {
    meta: Meta,
    parts: Vec<Part>,
}

/// Builds a [`ColumnTransformer`].
pub fn column_transformer(obj: &Obj<'_, '_>) -> Result<Box<dyn Model>> {
    let meta = Meta::read(obj)?;
    if obj.has("sparse_output_") && obj.bool("sparse_output_")? {
        return Err(obj.unsupported_option("a sparse output (sparse_output_=True)"));
    }
    let weights = weights(obj)?;
    let mut input_indices = Vec::new();
    for (name, id) in obj.dict("_transformer_to_input_indices")? {
        let items = obj.items_at(id).ok_or_else(|| {
            obj.malformed("`_transformer_to_input_indices` holds something else than lists")
        })?;
        let mut indices = Vec::with_capacity(items.len());
        for item in items {
            let index = obj
                .float_at(item)
                .filter(|value| *value >= 0.0 && value.fract() == 0.0)
                .ok_or_else(|| obj.malformed("`_transformer_to_input_indices` holds a bad index"))?
                as usize;
            if meta.n_features_in.is_some_and(|n| index >= n) {
                return Err(
                    obj.malformed("`_transformer_to_input_indices` holds an index out of range")
                );
            }
            indices.push(index);
        }
        input_indices.push((name, indices));
    }
    let mut parts = Vec::new();
    for (index, item) in obj.items("transformers_")?.into_iter().enumerate() {
        let triple = obj
            .items_at(item)
            .filter(|triple| triple.len() == 3)
            .ok_or_else(|| {
                obj.malformed(format!(
                    "`transformers_[{index}]` is not a (name, transformer, columns) triple"
                ))
            })?;
        let name = obj
            .str_at(triple[0])
            .ok_or_else(|| obj.malformed(format!("`transformers_[{index}][0]` is not a name")))?;
        let indices = input_indices
            .iter()
            .find(|(known, _)| *known == name)
            .map(|(_, indices)| indices.clone())
            .ok_or_else(|| {
                obj.malformed(format!("`_transformer_to_input_indices` has no `{name}`"))
            })?;
        if obj.str_at(triple[1]).as_deref() == Some("drop") {
            continue;
        }
        // scikit-learn indexes a batch by these columns unless it was fitted on and given a
        // DataFrame (then by `_transformer_to_input_indices`): both must say the same.
        let n = meta
            .n_features_in
            .ok_or_else(|| obj.malformed("the state has no `n_features_in_`"))?;
        match selected_columns(obj, triple[2], n, meta.feature_names_in.as_deref()) {
            Some(selected) if selected == indices => {}
            Some(_) => {
                return Err(obj.malformed(format!(
                    "the columns of `transformers_[{index}]` are not `_transformer_to_input_indices[{name:?}]`"
                )));
            }
            None => {
                return Err(obj.unsupported_option(format!(
                    "the column selection of `transformers_[{index}]`"
                )));
            }
        }
        if let Some(text) = obj.str_at(triple[1]) {
            match text.as_str() {
                // An unfitted "passthrough" stays only for an empty selection.
                "passthrough" if indices.is_empty() => continue,
                other => {
                    return Err(obj.unsupported_option(format!(
                        "the transformer `transformers_[{index}][1]` = {other:?}"
                    )));
                }
            }
        }
        if indices.is_empty() {
            continue;
        }
        let by_name = columns_by_name(obj, triple[2], index)?;
        let child = obj.item(triple[1], "transformers_", &format!("[{index}][1]"))?;
        let model = part_model(&child, true)?;
        let weight = weights
            .iter()
            .find(|(known, _)| *known == name)
            .map(|(_, weight)| *weight);
        parts.push(Part {
            name,
            model,
            indices,
            by_name,
            weight,
        });
    }
    Ok(Box::new(ColumnTransformer { meta, parts }))
}

impl ColumnTransformer {
    /// The input indices of a part in this batch: by name when the transformer was fitted on
    /// a DataFrame and the batch has names, else by position.
    fn columns(&self, part: &Part, x: &Data) -> Result<Vec<usize>> {
        match (x.names(), self.meta.feature_names_in.as_deref()) {
            (Some(given), Some(fitted)) => part
                .indices
                .iter()
                .map(|&index| {
                    let name = fitted.get(index).ok_or_else(|| ModelError::Malformed {
                        type_name: self.meta.type_name.clone(),
                        path: self.meta.path.clone(),
                        reason: "`_transformer_to_input_indices` does not fit `feature_names_in_`"
                            .to_owned(),
                    })?;
                    given.iter().position(|known| known == name).ok_or_else(|| {
                        crate::error::InputError::Column {
                            reason: format!(
                                "column `{name}` is missing, {} needs it",
                                self.meta.who()
                            ),
                        }
                        .into()
                    })
                })
                .collect(),
            _ => {
                if part.by_name {
                    return Err(crate::error::InputError::Column {
                        reason: format!(
                            "{} selects columns by name for `{}`: pass a DataFrame with named columns",
                            self.meta.who(),
                            part.name
                        ),
                    }
                    .into());
                }
                // Without `n_features_in_` in the state, the width is checked here.
                if let Some(&index) = part.indices.iter().find(|&&index| index >= x.cols()) {
                    return Err(crate::error::InputError::Width {
                        estimator: self.meta.who(),
                        expected: index + 1,
                        got: x.cols(),
                    }
                    .into());
                }
                Ok(part.indices.clone())
            }
        }
    }
}

impl Model for ColumnTransformer {
    fn meta(&self) -> &Meta {
        &self.meta
    }

    /// Each transformer's kinds at its input columns; columns no transformer says anything
    /// about (passed through, scaled, dropped) are [`InputKind::Unknown`].
    fn input_kinds(&self) -> Option<Vec<InputKind>> {
        let width = self.meta.n_features_in?;
        let mut kinds = vec![InputKind::Unknown; width];
        let mut known = false;
        for part in &self.parts {
            let Some(part_kinds) = part.model.input_kinds() else {
                continue;
            };
            if part_kinds.len() != part.indices.len() {
                continue;
            }
            for (&index, kind) in part.indices.iter().zip(part_kinds) {
                if let Some(slot) = kinds.get_mut(index) {
                    // A column two transformers read: the one that knows its strings wins.
                    if !matches!(slot, InputKind::Categories(_)) {
                        known |= kind != InputKind::Unknown;
                        *slot = kind;
                    }
                }
            }
        }
        known.then_some(kinds)
    }

    fn methods(&self) -> Vec<Method> {
        vec![Method::Transform]
    }

    fn run(&self, method: Method, x: &Data) -> Result<Output> {
        if method != Method::Transform {
            return Err(self.meta.no_method(method));
        }
        if x.names().is_none() || self.meta.feature_names_in.is_none() {
            self.meta.check_width(x, None)?;
        }
        let mut inputs = Vec::with_capacity(self.parts.len());
        for part in &self.parts {
            let columns = self.columns(part, x)?;
            inputs.push((part, x.select(&columns)));
        }
        stack(&self.meta, &inputs, x.rows())
    }
}

/// `FeatureUnion`: every transformer on the whole input, outputs side by side.
#[derive(Debug)]
pub struct FeatureUnion {
    meta: Meta,
    parts: Vec<Part>,
}

/// Builds a [`FeatureUnion`].
pub fn feature_union(obj: &Obj<'_, '_>) -> Result<Box<dyn Model>> {
    let mut meta = Meta::read(obj)?;
    let weights = weights(obj)?;
    let mut parts = Vec::new();
    for (index, item) in obj.items("transformer_list")?.into_iter().enumerate() {
        let pair = obj
            .items_at(item)
            .filter(|pair| pair.len() == 2)
            .ok_or_else(|| {
                obj.malformed(format!(
                    "`transformer_list[{index}]` is not a (name, transformer) pair"
                ))
            })?;
        let name = obj.str_at(pair[0]).ok_or_else(|| {
            obj.malformed(format!("`transformer_list[{index}][0]` is not a name"))
        })?;
        let model = match obj.str_at(pair[1]).as_deref() {
            Some("drop") => continue,
            Some("passthrough") => Box::new(Identity { meta: meta.clone() }) as Box<dyn Model>,
            Some(other) => {
                return Err(obj.unsupported_option(format!(
                    "the transformer `transformer_list[{index}][1]` = {other:?}"
                )));
            }
            None => registry::build(&obj.item(
                pair[1],
                "transformer_list",
                &format!("[{index}][1]"),
            )?)?,
        };
        let weight = weights
            .iter()
            .find(|(known, _)| *known == name)
            .map(|(_, weight)| *weight);
        parts.push(Part {
            name,
            model,
            indices: Vec::new(),
            by_name: false,
            weight,
        });
    }
    // `n_features_in_` and `feature_names_in_` are the first transformer's (properties).
    if meta.n_features_in.is_none() {
        meta.n_features_in = parts.iter().find_map(|part| part.model.n_features_in());
    }
    if meta.feature_names_in.is_none() {
        meta.feature_names_in = parts
            .first()
            .and_then(|part| part.model.feature_names_in())
            .map(<[String]>::to_vec);
    }
    Ok(Box::new(FeatureUnion { meta, parts }))
}

impl Model for FeatureUnion {
    fn meta(&self) -> &Meta {
        &self.meta
    }

    fn methods(&self) -> Vec<Method> {
        vec![Method::Transform]
    }

    fn run(&self, method: Method, x: &Data) -> Result<Output> {
        if method != Method::Transform {
            return Err(self.meta.no_method(method));
        }
        let inputs: Vec<(&Part, Data)> = self.parts.iter().map(|part| (part, x.clone())).collect();
        stack(&self.meta, &inputs, x.rows())
    }
}

/// The identity (`"passthrough"` in a `FeatureUnion`): the input as float64.
#[derive(Debug)]
struct Identity {
    meta: Meta,
}

impl Model for Identity {
    fn meta(&self) -> &Meta {
        &self.meta
    }

    fn type_name(&self) -> &str {
        "passthrough"
    }

    fn methods(&self) -> Vec<Method> {
        vec![Method::Transform]
    }

    fn n_features_in(&self) -> Option<usize> {
        None
    }

    fn run(&self, _method: Method, x: &Data) -> Result<Output> {
        Ok(Output::matrix(
            x.to_matrix(&|| self.meta.who())?.into_owned(),
        ))
    }
}

/// An element-wise numpy ufunc `FunctionTransformer` may hold, evaluated with Rust's
/// float64 operations (`docs/inference.md` says which equal numpy's bits).
type Ufunc = fn(f64) -> f64;

/// The ufuncs evaluated, by `module.name` as skops stores the function.
const UFUNCS: &[(&str, Ufunc)] = &[
    ("numpy.log", f64::ln),
    ("numpy.log1p", f64::ln_1p),
    ("numpy.log2", f64::log2),
    ("numpy.log10", f64::log10),
    ("numpy.exp", f64::exp),
    ("numpy.expm1", f64::exp_m1),
    ("numpy.exp2", f64::exp2),
    ("numpy.sqrt", f64::sqrt),
    ("numpy.cbrt", f64::cbrt),
    ("numpy.absolute", f64::abs),
    ("numpy.fabs", f64::abs),
    ("numpy.negative", negative),
    ("numpy.positive", positive),
    ("numpy.square", square),
    ("numpy.reciprocal", reciprocal),
    ("numpy.sign", sign),
    ("numpy.floor", f64::floor),
    ("numpy.ceil", f64::ceil),
    ("numpy.trunc", f64::trunc),
    ("numpy.rint", f64::round_ties_even),
    ("numpy.tanh", f64::tanh),
    ("numpy.arcsinh", f64::asinh),
];

fn negative(x: f64) -> f64 {
    -x
}

fn positive(x: f64) -> f64 {
    x
}

fn square(x: f64) -> f64 {
    x * x
}

fn reciprocal(x: f64) -> f64 {
    1.0 / x
}

/// `np.sign`: 1, -1, 0 for zeros (of either sign), NaN for NaN.
fn sign(x: f64) -> f64 {
    if x > 0.0 {
        1.0
    } else if x < 0.0 {
        -1.0
    } else if x == 0.0 {
        0.0
    } else {
        x
    }
}

/// The ufunc of a function node, or the refusal naming it.
pub fn ufunc_at(
    obj: &Obj<'_, '_>,
    id: skops_format::schema::NodeId,
    key: &str,
) -> Result<Option<Ufunc>> {
    if obj.is_null_at(id) {
        return Ok(None);
    }
    let name = obj
        .function_at(id)
        .ok_or_else(|| obj.unsupported_option(format!("`{key}` that is not a numpy function")))?;
    UFUNCS
        .iter()
        .find(|(known, _)| *known == name)
        .map(|(_, ufunc)| Some(*ufunc))
        .ok_or_else(|| obj.unsupported_option(format!("{key}={name}")))
}

/// `FunctionTransformer` with `func=None` (the identity) or a numpy ufunc.
#[derive(Debug)]
pub struct FunctionTransformer {
    meta: Meta,
    func: Option<Ufunc>,
    validate: bool,
}

/// Builds a [`FunctionTransformer`].
pub fn function_transformer(obj: &Obj<'_, '_>) -> Result<Box<dyn Model>> {
    let meta = Meta::read(obj)?;
    let Slot::Node(func) = obj.slot("func")? else {
        return Err(obj.malformed("`func` is not a node"));
    };
    let func = ufunc_at(obj, func, "func")?;
    if !obj.is_none("kw_args") {
        let empty = matches!(obj.dict("kw_args"), Ok(entries) if entries.is_empty());
        if !empty {
            return Err(obj.unsupported_option("kw_args"));
        }
    }
    let validate = obj.bool("validate")?;
    Ok(Box::new(FunctionTransformer {
        meta,
        func,
        validate,
    }))
}

impl Model for FunctionTransformer {
    fn meta(&self) -> &Meta {
        &self.meta
    }

    fn methods(&self) -> Vec<Method> {
        vec![Method::Transform]
    }

    fn run(&self, method: Method, x: &Data) -> Result<Output> {
        if method != Method::Transform {
            return Err(self.meta.no_method(method));
        }
        // `validate=False` (the default) checks nothing at transform time, not even width.
        let mut x = if self.validate {
            let x = self.meta.dense(x, None)?.into_owned();
            self.meta.check_finite(&x)?;
            x
        } else {
            x.to_matrix(&|| self.meta.who())?.into_owned()
        };
        if let Some(func) = self.func {
            x.data_mut()
                .iter_mut()
                .for_each(|value| *value = func(*value));
        }
        Ok(Output::matrix(x))
    }
}

/// The inverse of `TransformedTargetRegressor.transformer_`.
#[derive(Debug)]
enum Inverse {
    /// `FunctionTransformer`: `inverse_func` (`None`: the identity); `validate=True` refuses
    /// NaN and infinity first (`check_array`).
    Function { func: Option<Ufunc>, validate: bool },
    /// `StandardScaler.inverse_transform`: `X *= scale_` then `X += mean_`.
    Scaler {
        mean: Option<Vec<f64>>,
        scale: Option<Vec<f64>>,
    },
}

/// `TransformedTargetRegressor`: `regressor_.predict`, then `transformer_.inverse_transform`.
#[derive(Debug)]
pub struct TransformedTargetRegressor {
    meta: Meta,
    regressor: Box<dyn Model>,
    inverse: Inverse,
    /// `_training_dim`: a 1-D target gives 1-D predictions.
    training_dim: usize,
}

/// Builds a [`TransformedTargetRegressor`].
pub fn transformed_target_regressor(obj: &Obj<'_, '_>) -> Result<Box<dyn Model>> {
    let mut meta = Meta::read(obj)?;
    let regressor = registry::build(&obj.child("regressor_")?)?;
    if !regressor.methods().contains(&Method::Predict) {
        return Err(obj.malformed("`regressor_` has no `predict`"));
    }
    let transformer = obj.child("transformer_")?;
    let inverse = match transformer.type_name() {
        "sklearn.preprocessing._function_transformer.FunctionTransformer" => {
            let Slot::Node(id) = transformer.slot("inverse_func")? else {
                return Err(transformer.malformed("`inverse_func` is not a node"));
            };
            let func = ufunc_at(&transformer, id, "inverse_func")?;
            if !transformer.is_none("inv_kw_args") {
                return Err(transformer.unsupported_option("inv_kw_args"));
            }
            Inverse::Function {
                func,
                validate: transformer.bool("validate")?,
            }
        }
        "sklearn.preprocessing._data.StandardScaler" => Inverse::Scaler {
            mean: if transformer.bool("with_mean")? {
                Some(transformer.vector("mean_", None)?)
            } else {
                None
            },
            scale: if transformer.bool("with_std")? {
                Some(transformer.vector("scale_", None)?)
            } else {
                None
            },
        },
        other => {
            return Err(ModelError::Unsupported {
                type_name: other.to_owned(),
                path: transformer.path(),
            }
            .into());
        }
    };
    meta.n_features_in = meta.n_features_in.or_else(|| regressor.n_features_in());
    if meta.feature_names_in.is_none() {
        meta.feature_names_in = regressor.feature_names_in().map(<[String]>::to_vec);
    }
    let training_dim = obj.count("_training_dim")?;
    Ok(Box::new(TransformedTargetRegressor {
        meta,
        regressor,
        inverse,
        training_dim,
    }))
}

impl Model for TransformedTargetRegressor {
    fn meta(&self) -> &Meta {
        &self.meta
    }

    fn methods(&self) -> Vec<Method> {
        vec![Method::Predict]
    }

    fn run(&self, method: Method, x: &Data) -> Result<Output> {
        if method != Method::Predict {
            return Err(self.meta.no_method(method));
        }
        // A 1-D prediction is reshaped to one column, as `pred.reshape(-1, 1)`.
        let mut y = output_matrix(self.regressor.run(Method::Predict, x)?, &self.meta)?;
        let cols = y.cols();
        match &self.inverse {
            Inverse::Function { func, validate } => {
                if *validate {
                    self.meta.check_finite(&y)?;
                }
                if let Some(func) = func {
                    y.data_mut()
                        .iter_mut()
                        .for_each(|value| *value = func(*value));
                }
            }
            Inverse::Scaler { mean, scale } => {
                self.meta.check_no_infinity(&y)?;
                for vector in [mean, scale].into_iter().flatten() {
                    if vector.len() != cols {
                        return Err(ModelError::Malformed {
                            type_name: self.meta.type_name.clone(),
                            path: self.meta.path.clone(),
                            reason: "`transformer_` does not fit the predictions' width".to_owned(),
                        }
                        .into());
                    }
                }
                for row in y.data_mut().chunks_exact_mut(cols.max(1)) {
                    if let Some(scale) = scale {
                        row.iter_mut()
                            .zip(scale)
                            .for_each(|(value, scale)| *value *= scale);
                    }
                    if let Some(mean) = mean {
                        row.iter_mut()
                            .zip(mean)
                            .for_each(|(value, mean)| *value += mean);
                    }
                }
            }
        }
        if self.training_dim == 1 && cols == 1 {
            let values = y.into_data();
            return Ok(Output::vector(Values::F64(values)));
        }
        Ok(Output::matrix(y))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sign_is_numpys() {
        assert_eq!(sign(-0.0).to_bits(), 0.0f64.to_bits());
        assert_eq!(sign(-3.0), -1.0);
        assert_eq!(sign(2.0), 1.0);
        assert!(sign(f64::NAN).is_nan());
    }

    #[test]
    fn every_ufunc_is_listed_once() {
        let mut names: Vec<&str> = UFUNCS.iter().map(|(name, _)| *name).collect();
        names.sort_unstable();
        let before = names.len();
        names.dedup();
        assert_eq!(before, names.len());
    }
}
