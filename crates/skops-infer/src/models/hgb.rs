//! `HistGradientBoostingClassifier` / `HistGradientBoostingRegressor`: the `_preprocessor`
//! (an `OrdinalEncoder` on the categorical columns, moved first, the numeric columns passed
//! through as float64), then `_baseline_prediction` plus every `TreePredictor`'s leaf in
//! iteration order, walked as `_predictor.pyx` `_predict_one_from_raw_data` does.

use crate::data::{Column, Data, Matrix};
use crate::error::{InputError, ModelError, Result};
use crate::model::{Meta, Method, Model};
use crate::models::gb::{expit, softmax};
use crate::models::tree_walk::{INDEX, LEAF, MAX_NODES, Step, visit};
use crate::output::{Labels, Output, Values, argmax};
use crate::read::Obj;
use skops_format::json::Value;

/// One node of a `TreePredictor` (`PREDICTOR_RECORD_DTYPE`).
#[derive(Debug, Clone)]
struct Node {
    value: f64,
    feature: usize,
    num_threshold: f64,
    missing_go_to_left: bool,
    left: usize,
    right: usize,
    is_leaf: bool,
    is_categorical: bool,
    bitset_idx: usize,
    /// `f_idx_map[feature]`: the row of `known_cat_bitsets` of a categorical split.
    known_idx: usize,
}

/// A `TreePredictor`: its nodes and its `raw_left_cat_bitsets`.
#[derive(Debug, Clone)]
struct Predictor {
    nodes: Vec<Node>,
    raw_left_cat_bitsets: Vec<[u32; 8]>,
}

/// `in_bitset`: bit `v % 32` of word `v / 32`.
fn in_bitset(bitset: &[u32; 8], value: u8) -> bool {
    (bitset[usize::from(value / 32)] >> (value % 32)) & 1 == 1
}

/// The `uint8` a categorical value is cast to (`<X_BINNED_DTYPE_C>data_val`): the
/// preprocessor only gives codes below 255, so anything else is refused rather than guessed
/// (C leaves the cast of a larger value undefined).
fn category_code(value: f64) -> Result<u8> {
    if (0.0..256.0).contains(&value) {
        Ok(value as u8)
    } else {
        Err(InputError::Value {
            reason: format!("category code {value} is beyond the 255 categories a tree splits on"),
        }
        .into())
    }
}

impl Predictor {
    fn read(obj: &Obj<'_, '_>, n_features: usize, f_idx_map: &[Option<usize>]) -> Result<Self> {
        let nodes = obj.array("nodes")?;
        let count = match nodes.shape()[..] {
            [count] if count > 0 => count,
            _ => return Err(obj.malformed("`nodes` is not a non-empty 1-D array")),
        };
        let f64s = |name: &str| nodes.field_f64s(obj, name);
        let i64s = |name: &str| nodes.field_i64s(obj, name);
        let (value, threshold) = (f64s("value")?, f64s("num_threshold")?);
        let (feature, missing, left, right) = (
            i64s("feature_idx")?,
            i64s("missing_go_to_left")?,
            i64s("left")?,
            i64s("right")?,
        );
        let (is_leaf, is_categorical, bitset_idx) = (
            i64s("is_leaf")?,
            i64s("is_categorical")?,
            i64s("bitset_idx")?,
        );
        let (bits, shape) = obj.floats("raw_left_cat_bitsets")?;
        let raw_left_cat_bitsets = bitsets(obj, &bits, &shape, "raw_left_cat_bitsets")?;
        let mut out = Vec::with_capacity(count);
        for index in 0..count {
            let leaf = is_leaf[index] != 0;
            let mut node = Node {
                value: value[index],
                feature: 0,
                num_threshold: threshold[index],
                missing_go_to_left: missing[index] != 0,
                left: 0,
                right: 0,
                is_leaf: leaf,
                is_categorical: is_categorical[index] != 0,
                bitset_idx: 0,
                known_idx: 0,
            };
            if !leaf {
                // Children come after their parent (`_fill_predictor_arrays` numbers nodes
                // depth-first), so every walk ends.
                let child = |index_: i64| {
                    usize::try_from(index_)
                        .ok()
                        .filter(|&child| child > index && child < count)
                };
                let (Some(l), Some(r)) = (child(left[index]), child(right[index])) else {
                    return Err(obj.malformed(format!("node {index} has a child out of order")));
                };
                node.left = l;
                node.right = r;
                node.feature = usize::try_from(feature[index])
                    .ok()
                    .filter(|&f| f < n_features)
                    .ok_or_else(|| obj.malformed(format!("node {index} splits on no feature")))?;
                if node.is_categorical {
                    node.bitset_idx = usize::try_from(bitset_idx[index])
                        .ok()
                        .filter(|&b| b < raw_left_cat_bitsets.len())
                        .ok_or_else(|| obj.malformed(format!("node {index} has no bitset")))?;
                    node.known_idx = f_idx_map[node.feature].ok_or_else(|| {
                        obj.malformed(format!("node {index} splits a numeric feature by category"))
                    })?;
                }
            }
            out.push(node);
        }
        Ok(Self {
            nodes: out,
            raw_left_cat_bitsets,
        })
    }
}

/// One node of the flattened [`Forest64`]: 24 bytes.
#[derive(Debug, Clone, Copy)]
struct FlatNode {
    /// `num_threshold` of a numeric split; a leaf's `value`.
    threshold: f64,
    feature: u32,
    /// [`MISSING_LEFT`], [`CATEGORICAL`], and above them the index of a categorical split's
    /// bitsets.
    flags: u32,
    /// Left and right child (with [`LEAF`] when a leaf); a leaf holds itself twice.
    children: [u32; 2],
}

/// Flag of `FlatNode::flags`: missing (and unknown categories) go left.
const MISSING_LEFT: u32 = 1;
/// Flag of `FlatNode::flags`: a categorical split.
const CATEGORICAL: u32 = 2;
/// `FlatNode::flags >> CATEGORY_SHIFT` is the categorical split's index.
const CATEGORY_SHIFT: u32 = 2;

/// The bitsets of one categorical split: its `raw_left_cat_bitsets` row and the row of
/// `known_cat_bitsets` of its feature.
#[derive(Debug, Clone)]
struct CategoricalSplit {
    left: [u32; 8],
    known: usize,
}

/// Every `TreePredictor` flattened, walked on float64 input as `_predict_one_from_raw_data`
/// walks one.
#[derive(Debug, Default)]
struct Forest64 {
    nodes: Vec<FlatNode>,
    roots: Vec<u32>,
    categorical: Vec<CategoricalSplit>,
    known: Vec<[u32; 8]>,
    /// A leaf (the last node, its value NaN) a walk ends at when a category code is beyond
    /// the 255 a split takes: the caller turns it into an error.
    refused: u32,
}

impl Forest64 {
    fn new(obj: &Obj<'_, '_>, predictors: &[Predictor], known: Vec<[u32; 8]>) -> Result<Self> {
        let total: usize = predictors.iter().map(|p| p.nodes.len()).sum();
        if total >= MAX_NODES {
            return Err(obj.malformed("the predictors hold more nodes than a forest can index"));
        }
        let mut forest = Self {
            known,
            ..Self::default()
        };
        for predictor in predictors {
            let offset = forest.nodes.len();
            // In range: the total was checked above, and the reader checked the children.
            let index = |node: usize| -> u32 {
                let global = (offset + node) as u32;
                if predictor.nodes[node].is_leaf {
                    global | LEAF
                } else {
                    global
                }
            };
            forest.roots.push(index(0));
            for (at, node) in predictor.nodes.iter().enumerate() {
                let missing = if node.missing_go_to_left {
                    MISSING_LEFT
                } else {
                    0
                };
                forest.nodes.push(if node.is_leaf {
                    FlatNode {
                        threshold: node.value,
                        feature: 0,
                        flags: 0,
                        children: [index(at); 2],
                    }
                } else {
                    let mut flags = missing;
                    if node.is_categorical {
                        let split = u32::try_from(forest.categorical.len())
                            .ok()
                            .filter(|&split| split < 1 << (32 - CATEGORY_SHIFT))
                            .ok_or_else(|| obj.malformed("too many categorical splits"))?;
                        flags |= CATEGORICAL | (split << CATEGORY_SHIFT);
                        forest.categorical.push(CategoricalSplit {
                            left: predictor.raw_left_cat_bitsets[node.bitset_idx],
                            known: node.known_idx,
                        });
                    }
                    FlatNode {
                        threshold: node.num_threshold,
                        feature: u32::try_from(node.feature)
                            .map_err(|_| obj.malformed("a feature index beyond u32"))?,
                        flags,
                        children: [index(node.left), index(node.right)],
                    }
                });
            }
        }
        let refused = forest.nodes.len() as u32;
        forest.refused = refused | LEAF;
        forest.nodes.push(FlatNode {
            threshold: f64::NAN,
            feature: 0,
            flags: 0,
            children: [refused | LEAF; 2],
        });
        Ok(forest)
    }

    /// The value of leaf `node`.
    fn value(&self, node: u32) -> f64 {
        self.nodes[node as usize].threshold
    }

    /// The child of categorical split `node` for `value` (not NaN): negative values and
    /// unknown categories go to the missing side, known ones left when in the split's left
    /// set; a code beyond 255 ends at [`Forest64::refused`].
    #[cold]
    #[inline(never)]
    fn categorical_child(&self, node: FlatNode, value: f64) -> u32 {
        let missing = node.flags & MISSING_LEFT != 0;
        let split = &self.categorical[(node.flags >> CATEGORY_SHIFT) as usize];
        let left = if value.is_nan() || value < 0.0 {
            missing
        } else {
            let Ok(code) = category_code(value) else {
                return self.refused;
            };
            if in_bitset(&split.left, code) {
                true
            } else if in_bitset(&self.known[split.known], code) {
                false
            } else {
                missing
            }
        };
        node.children[usize::from(!left)]
    }
}

impl Step for Forest64 {
    type Value = f64;

    fn roots(&self) -> &[u32] {
        &self.roots
    }

    #[inline(always)]
    fn step(&self, at: u32, x: &[f64], row: usize) -> u32 {
        let node = self.nodes[(at & INDEX) as usize];
        let value = x[row + node.feature as usize];
        if node.flags & CATEGORICAL != 0 {
            return self.categorical_child(node, value);
        }
        let left = (value <= node.threshold) | (value.is_nan() & (node.flags & MISSING_LEFT != 0));
        node.children[usize::from(!left)]
    }
}

/// A [`Forest64`] walked on a batch without NaN: the same routing without the NaN test, and
/// without the categorical test too when `CATEGORICAL` is false (a forest with numeric splits
/// only).
#[derive(Debug, Clone, Copy)]
struct Finite64<'f, const CATEGORICAL_SPLITS: bool>(&'f Forest64);

impl<const CATEGORICAL_SPLITS: bool> Step for Finite64<'_, CATEGORICAL_SPLITS> {
    type Value = f64;

    fn roots(&self) -> &[u32] {
        &self.0.roots
    }

    #[inline(always)]
    fn step(&self, at: u32, x: &[f64], row: usize) -> u32 {
        let node = self.0.nodes[(at & INDEX) as usize];
        let value = x[row + node.feature as usize];
        if CATEGORICAL_SPLITS && node.flags & CATEGORICAL != 0 {
            return self.0.categorical_child(node, value);
        }
        // Not `value > threshold`: a NaN threshold sends every row right, as above.
        #[allow(clippy::neg_cmp_op_on_partial_ord)]
        let right = !(value <= node.threshold);
        node.children[usize::from(right)]
    }
}

/// Bitsets of 8 `uint32` words from a `(n, 8)` array.
fn bitsets(obj: &Obj<'_, '_>, bits: &[f64], shape: &[usize], key: &str) -> Result<Vec<[u32; 8]>> {
    match shape {
        [_, 8] => Ok(bits
            .chunks_exact(8)
            .map(|words| {
                let mut set = [0u32; 8];
                for (slot, &word) in set.iter_mut().zip(words) {
                    *slot = word as u32;
                }
                set
            })
            .collect()),
        _ => Err(obj.malformed(format!("`{key}` has shape {shape:?}, expected (n, 8)"))),
    }
}

/// The categories the `OrdinalEncoder` learnt for one column (a missing-value category,
/// which encodes as NaN, is `None`).
#[derive(Debug, Clone)]
enum Categories {
    Numbers(Vec<f64>),
    Strings(Vec<Option<String>>),
}

/// The original indices of the categorical columns, then of the numeric ones.
type ColumnOrder = (Vec<usize>, Vec<usize>);

/// The link of the loss.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Link {
    Identity,
    Log,
    Logit,
    Multinomial,
}

/// A fitted histogram gradient boosting model.
#[derive(Debug)]
pub struct HistGradientBoosting {
    meta: Meta,
    /// Original column indices of the categorical features (in order), then of the numeric
    /// ones: the preprocessor's output order. `None` without a preprocessor.
    order: Option<ColumnOrder>,
    categories: Vec<Categories>,
    /// `_predictors`, row-major `(n_iterations, k)`.
    forest: Forest64,
    k: usize,
    baseline: Vec<f64>,
    link: Link,
    classes: Option<Labels>,
}

/// Builds a `HistGradientBoostingRegressor`.
pub fn hgb_regressor(obj: &Obj<'_, '_>) -> Result<Box<dyn Model>> {
    build(obj, false)
}

/// Builds a `HistGradientBoostingClassifier`.
pub fn hgb_classifier(obj: &Obj<'_, '_>) -> Result<Box<dyn Model>> {
    build(obj, true)
}

fn build(obj: &Obj<'_, '_>, classifier: bool) -> Result<Box<dyn Model>> {
    let meta = Meta::read(obj)?;
    let n_features = meta
        .n_features_in
        .ok_or_else(|| obj.malformed("the state has no `n_features_in_`"))?;
    let k = obj.count("n_trees_per_iteration_")?;
    let loss = obj.string("loss")?;
    let (link, classes) = if classifier {
        let classes = obj.labels("classes_")?;
        if classes.len() < 2 {
            return Err(obj.malformed("a classifier of fewer than 2 classes"));
        }
        let expected = if classes.len() == 2 { 1 } else { classes.len() };
        if k != expected {
            return Err(obj.malformed("`n_trees_per_iteration_` does not match `classes_`"));
        }
        if loss != "log_loss" {
            return Err(obj.unsupported_option(format!("loss={loss:?}")));
        }
        let link = if k == 1 {
            Link::Logit
        } else {
            Link::Multinomial
        };
        (link, Some(classes))
    } else {
        let link = match loss.as_str() {
            "squared_error" | "absolute_error" | "quantile" => Link::Identity,
            "poisson" | "gamma" => Link::Log,
            _ => return Err(obj.unsupported_option(format!("loss={loss:?}"))),
        };
        if k != 1 {
            return Err(obj.malformed("a regressor with several trees per iteration"));
        }
        (link, None)
    };
    let (baseline, _) = obj.floats("_baseline_prediction")?;
    if baseline.len() != k {
        return Err(obj.malformed("`_baseline_prediction` does not hold one value per tree"));
    }

    // The preprocessor and the bin mapper's categorical features (in the output order).
    let (order, categories) = if obj.is_none("_preprocessor") {
        (None, Vec::new())
    } else {
        let (order, categories) = read_preprocessor(obj, n_features)?;
        (Some(order), categories)
    };
    let mapper = obj.child("_bin_mapper")?;
    let is_categorical: Vec<bool> = if mapper.is_none("is_categorical_") {
        vec![false; n_features]
    } else {
        mapper
            .vector("is_categorical_", Some(n_features))?
            .into_iter()
            .map(|flag| flag != 0.0)
            .collect()
    };
    let n_categorical = is_categorical.iter().filter(|&&flag| flag).count();
    if n_categorical != categories.len() {
        return Err(obj.malformed("the bin mapper's categorical features are not the encoder's"));
    }
    // `make_known_categories_bitsets`: bit `v` set for each known category `v`.
    let thresholds = mapper.items("bin_thresholds_")?;
    if thresholds.len() != n_features {
        return Err(mapper.malformed("`bin_thresholds_` does not have one array per feature"));
    }
    let mut f_idx_map = vec![None; n_features];
    let mut known = Vec::with_capacity(n_categorical);
    for (feature, &id) in thresholds.iter().enumerate() {
        if !is_categorical[feature] {
            continue;
        }
        f_idx_map[feature] = Some(known.len());
        let array = crate::read::NdArray::of(mapper.file(), id).map_err(|reason| {
            mapper.malformed(format!("`bin_thresholds_[{feature}]`: {reason}"))
        })?;
        let mut set = [0u32; 8];
        for value in array.f64s(&mapper)? {
            let code = category_code(value).map_err(|_| {
                mapper.malformed(format!("`bin_thresholds_[{feature}]` holds {value}"))
            })?;
            set[usize::from(code / 32)] |= 1 << (code % 32);
        }
        known.push(set);
    }

    let iterations = obj.items("_predictors")?;
    let mut predictors = Vec::with_capacity(iterations.len() * k);
    for (i, &iteration) in iterations.iter().enumerate() {
        let items = obj
            .items_at(iteration)
            .filter(|items| items.len() == k)
            .ok_or_else(|| obj.malformed(format!("`_predictors[{i}]` does not hold {k} trees")))?;
        for (j, &id) in items.iter().enumerate() {
            let predictor = obj.descendant(id, &format!("._predictors[{i}][{j}]"))?;
            predictors.push(Predictor::read(&predictor, n_features, &f_idx_map)?);
        }
    }
    let forest = Forest64::new(obj, &predictors, known)?;
    Ok(Box::new(HistGradientBoosting {
        meta,
        order,
        categories,
        forest,
        k,
        baseline,
        link,
        classes,
    }))
}

/// The column order and the encoder's categories of `_preprocessor`, from `is_categorical_`
/// (original order) and `transformers_[0]` (the `OrdinalEncoder`).
fn read_preprocessor(
    obj: &Obj<'_, '_>,
    n_features: usize,
) -> Result<(ColumnOrder, Vec<Categories>)> {
    let mask: Vec<bool> = obj
        .vector("is_categorical_", Some(n_features))?
        .into_iter()
        .map(|flag| flag != 0.0)
        .collect();
    let categorical: Vec<usize> = (0..n_features).filter(|&j| mask[j]).collect();
    let numeric: Vec<usize> = (0..n_features).filter(|&j| !mask[j]).collect();
    let preprocessor = obj.child("_preprocessor")?;
    let transformers = preprocessor.items("transformers_")?;
    let encoder = transformers
        .first()
        .and_then(|&id| preprocessor.items_at(id))
        .and_then(|parts| parts.get(1).copied())
        .ok_or_else(|| {
            preprocessor.malformed("`transformers_[0]` is not (name, encoder, columns)")
        })?;
    check_preprocessor(obj, &preprocessor, n_features, &categorical, &numeric)?;
    let encoder = preprocessor.descendant(encoder, "._preprocessor.transformers_[0][1]")?;
    if encoder.type_name() != "sklearn.preprocessing._encoders.OrdinalEncoder" {
        return Err(ModelError::Unsupported {
            type_name: encoder.type_name().to_owned(),
            path: encoder.path(),
        }
        .into());
    }
    let items = encoder.items("categories_")?;
    if items.len() != categorical.len() {
        return Err(
            encoder.malformed("`categories_` does not have one array per categorical column")
        );
    }
    let categories = items
        .iter()
        .enumerate()
        .map(|(j, &id)| read_categories(&encoder, id, j))
        .collect::<Result<Vec<_>>>()?;
    Ok(((categorical, numeric), categories))
}

/// scikit-learn's `_preprocess_X` sends a batch through `_preprocessor` alone: its
/// `transformers_` columns (a DataFrame's through `_transformer_to_input_indices` and the
/// preprocessor's `feature_names_in_`) decide which columns are encoded, and the encoder's and
/// the numeric `check_array`'s options decide the codes. The engine encodes the columns
/// `is_categorical_` names as `_preprocess_X` fits them, so a preprocessor saying anything else
/// is refused.
fn check_preprocessor(
    obj: &Obj<'_, '_>,
    preprocessor: &Obj<'_, '_>,
    n_features: usize,
    categorical: &[usize],
    numeric: &[usize],
) -> Result<()> {
    let differs = |what: &str| {
        preprocessor.malformed(format!(
            "the preprocessor's {what} is not the one `is_categorical_` describes"
        ))
    };
    if preprocessor.count("n_features_in_")? != n_features {
        return Err(differs("`n_features_in_`"));
    }
    let names = |owner: &Obj<'_, '_>| -> Result<Option<Labels>> {
        if owner.is_none("feature_names_in_") {
            Ok(None)
        } else {
            owner.labels("feature_names_in_").map(Some)
        }
    };
    if names(obj)? != names(preprocessor)? {
        return Err(differs("`feature_names_in_`"));
    }
    if preprocessor.has("sparse_output_") && preprocessor.bool("sparse_output_")? {
        return Err(differs("`sparse_output_`"));
    }
    if !preprocessor.is_none("transformer_weights") {
        return Err(differs("`transformer_weights`"));
    }
    let transformers = preprocessor.items("transformers_")?;
    let expected: [(&str, &[usize]); 2] = [("encoder", categorical), ("numerical", numeric)];
    let mut indices = preprocessor.dict("_transformer_to_input_indices")?;
    indices.retain(|(name, _)| name != "remainder");
    if indices.len() != 2 || !(2..=3).contains(&transformers.len()) {
        return Err(differs("list of transformers"));
    }
    for (at, &item) in transformers.iter().enumerate() {
        let triple = preprocessor
            .items_at(item)
            .filter(|triple| triple.len() == 3)
            .ok_or_else(|| differs(&format!("`transformers_[{at}]`")))?;
        let name = preprocessor.str_at(triple[0]);
        let Some(&(want, columns)) = expected.get(at) else {
            // The remainder: dropped, of no column.
            let empty =
                crate::models::compose::selected_columns(preprocessor, triple[2], n_features, None)
                    .is_some_and(|columns| columns.is_empty());
            if preprocessor.str_at(triple[1]).as_deref() != Some("drop") || !empty {
                return Err(differs("remainder"));
            }
            continue;
        };
        if name.as_deref() != Some(want) {
            return Err(differs(&format!("`transformers_[{at}]`")));
        }
        let selected =
            crate::models::compose::selected_columns(preprocessor, triple[2], n_features, None);
        if selected.as_deref() != Some(columns) {
            return Err(differs(&format!(
                "column selection of `transformers_[{at}]`"
            )));
        }
        let by_index = indices
            .iter()
            .find(|(known, _)| known == want)
            .and_then(|&(_, id)| preprocessor.items_at(id))
            .map(|items| {
                items
                    .into_iter()
                    .map(|item| preprocessor.float_at(item))
                    .collect::<Option<Vec<f64>>>()
            });
        let wanted: Vec<f64> = columns.iter().map(|&column| column as f64).collect();
        if by_index != Some(Some(wanted)) {
            return Err(differs("`_transformer_to_input_indices`"));
        }
        let part = preprocessor.descendant(triple[1], &format!("._transformers_[{at}][1]"))?;
        if at == 0 {
            check_encoder(&part)?;
        } else {
            check_numeric(&part)?;
        }
    }
    Ok(())
}

/// The `OrdinalEncoder` `_preprocess_X` fits: unknown and missing values become NaN, and no
/// category is grouped as infrequent.
fn check_encoder(encoder: &Obj<'_, '_>) -> Result<()> {
    let is_nan = |key: &str| encoder.float(key).is_ok_and(f64::is_nan);
    if encoder.string("handle_unknown")? != "use_encoded_value"
        || !is_nan("unknown_value")
        || !is_nan("encoded_missing_value")
        || (encoder.has("_infrequent_enabled") && encoder.bool("_infrequent_enabled")?)
    {
        return Err(encoder.malformed(
            "the encoder does not encode unknown and missing values as NaN, or groups categories",
        ));
    }
    Ok(())
}

/// The numeric part: `FunctionTransformer(partial(check_array, dtype=[float64],
/// ensure_all_finite=False))`, which passes the columns through as float64.
fn check_numeric(part: &Obj<'_, '_>) -> Result<()> {
    use skops_format::schema::NodeKind;
    let refuse = || part.malformed("the numeric columns are not passed through as float64");
    if part.type_name() != "sklearn.preprocessing._function_transformer.FunctionTransformer"
        || !part.is_none("kw_args")
        || (part.has("validate") && part.bool("validate")?)
    {
        return Err(refuse());
    }
    let Ok(skops_trust::state::Slot::Node(func)) = part.slot("func") else {
        return Err(refuse());
    };
    let NodeKind::Partial {
        func, args, kwds, ..
    } = part.kind_at(func)
    else {
        return Err(refuse());
    };
    if part.function_at(*func).as_deref() != Some("sklearn.utils.validation.check_array")
        || part.items_at(*args).is_none_or(|args| !args.is_empty())
    {
        return Err(refuse());
    }
    let NodeKind::Dict { entries, .. } = part.kind_at(*kwds) else {
        return Err(refuse());
    };
    let mut keys = 0;
    for (key, value) in entries {
        let fits = match key.as_str() {
            Some("ensure_all_finite") => {
                matches!(part.json_at(*value), Some(Value::Bool(false)))
                    || part
                        .json_at(*value)
                        .is_some_and(|v| v.as_str() == Some("false"))
            }
            Some("dtype") => part.items_at(*value).is_some_and(|types| {
                types.len() == 1
                    && matches!(part.kind_at(types[0]), NodeKind::Type)
                    && part.file().schema().node(types[0]).type_name() == "numpy.float64"
            }),
            _ => false,
        };
        if !fits {
            return Err(refuse());
        }
        keys += 1;
    }
    if keys != 2 {
        return Err(refuse());
    }
    Ok(())
}

fn read_categories(
    encoder: &Obj<'_, '_>,
    id: skops_format::schema::NodeId,
    j: usize,
) -> Result<Categories> {
    use skops_format::schema::{NdArrayStorage, NodeKind};
    match &encoder.file().schema().node(id).kind {
        NodeKind::NdArray(NdArrayStorage::Json { items, .. }) => Ok(Categories::Strings(
            items
                .iter()
                .map(|&item| match encoder.json_at(item) {
                    Some(Value::String(text)) => text.as_str().map(str::to_owned),
                    _ => None,
                })
                .collect(),
        )),
        _ => match encoder.labels_at(id, &format!("categories_[{j}]"))? {
            Labels::I64(values) => Ok(Categories::Numbers(
                values.into_iter().map(|v| v as f64).collect(),
            )),
            Labels::F64(values) => Ok(Categories::Numbers(values)),
            Labels::Bool(values) => Ok(Categories::Numbers(
                values.into_iter().map(f64::from).collect(),
            )),
            Labels::Str(values) => Ok(Categories::Strings(values.into_iter().map(Some).collect())),
        },
    }
}

impl HistGradientBoosting {
    /// The batch as the predictors read it: float64, categorical columns first and encoded.
    fn features(&self, x: &Data) -> Result<Matrix> {
        self.meta.check_width(x, None)?;
        let Some((categorical, numeric)) = &self.order else {
            return Ok(x.to_matrix(&|| self.meta.who())?.into_owned());
        };
        let rows = x.rows();
        let cols = categorical.len() + numeric.len();
        let mut data = vec![0.0; rows * cols];
        for (out, (&column, categories)) in categorical.iter().zip(&self.categories).enumerate() {
            let codes = self.encode(x, column, categories)?;
            for (row, code) in codes.into_iter().enumerate() {
                data[row * cols + out] = code;
            }
        }
        for (out, &column) in numeric.iter().enumerate() {
            let Column::Numbers(values) = x.column(column).into_owned() else {
                return Err(InputError::Type {
                    column: x.column_label(column),
                    estimator: self.meta.who(),
                    expected: "numbers".to_owned(),
                    got: "strings".to_owned(),
                }
                .into());
            };
            for (row, value) in values.into_iter().enumerate() {
                data[row * cols + categorical.len() + out] = value;
            }
        }
        Matrix::new(rows, cols, data)
    }

    /// `OrdinalEncoder(handle_unknown="use_encoded_value", unknown_value=nan,
    /// encoded_missing_value=nan)` of one column: the category's index, NaN for a missing
    /// or unknown value.
    fn encode(&self, x: &Data, column: usize, categories: &Categories) -> Result<Vec<f64>> {
        let values = x.column(column);
        let index_of = |found: Option<usize>| found.map_or(f64::NAN, |index| index as f64);
        match (values.as_ref(), categories) {
            (Column::Numbers(values), Categories::Numbers(known)) => Ok(values
                .iter()
                .map(|&value| {
                    if value.is_nan() {
                        f64::NAN
                    } else {
                        index_of(known.iter().position(|&category| category == value))
                    }
                })
                .collect()),
            (Column::Strings(values), Categories::Strings(known)) => Ok(values
                .iter()
                .map(|value| match value {
                    None => f64::NAN,
                    Some(text) => index_of(
                        known
                            .iter()
                            .position(|category| category.as_deref() == Some(text.as_str())),
                    ),
                })
                .collect()),
            // A column of missing values only reads the same either way.
            (Column::Numbers(values), Categories::Strings(_))
                if values.iter().all(|value| value.is_nan()) =>
            {
                Ok(vec![f64::NAN; values.len()])
            }
            (column_values, _) => Err(InputError::Type {
                column: x.column_label(column),
                estimator: self.meta.who(),
                expected: match categories {
                    Categories::Numbers(_) => "numbers",
                    Categories::Strings(_) => "strings",
                }
                .to_owned(),
                got: column_values.holds().to_owned(),
            }
            .into()),
        }
    }

    /// `_raw_predict`: zeros plus `_baseline_prediction`, then each iteration's trees.
    fn raw(&self, x: &Data) -> Result<(usize, Vec<f64>)> {
        let x = self.features(x)?;
        let rows = x.rows();
        // A leaf reads value 0 of its row: a row has at least one.
        let padded;
        let (data, width) = if x.cols() == 0 {
            padded = vec![0.0; rows];
            (&padded[..], 1)
        } else {
            (x.data(), x.cols())
        };
        let k = self.k;
        let mut raw = Vec::with_capacity(rows * k);
        for _ in 0..rows {
            raw.extend(self.baseline.iter().map(|&b| 0.0 + b));
        }
        let refused = self.forest.refused & INDEX;
        let mut refused_row = None;
        let mut add = |row: usize, tree: usize, node: u32| {
            if node == refused {
                refused_row.get_or_insert(row);
            }
            raw[row * k + tree % k] += self.forest.value(node);
        };
        // The same leaves either way: without NaN the NaN test never sends a row left.
        if data.iter().any(|value| value.is_nan()) {
            visit(&self.forest, data, width, &mut add);
        } else if self.forest.categorical.is_empty() {
            visit(&Finite64::<false>(&self.forest), data, width, &mut add);
        } else {
            visit(&Finite64::<true>(&self.forest), data, width, &mut add);
        }
        if let Some(row) = refused_row {
            // The value the walk could not take (a categorical code beyond 255).
            let value = data[row * width..(row + 1) * width]
                .iter()
                .copied()
                .find(|&value| category_code(value).is_err() && !(value.is_nan() || value < 0.0))
                .unwrap_or(f64::NAN);
            category_code(value)?;
        }
        Ok((rows, raw))
    }
}

impl Model for HistGradientBoosting {
    fn meta(&self) -> &Meta {
        &self.meta
    }

    fn methods(&self) -> Vec<Method> {
        if self.classes.is_some() {
            vec![
                Method::Predict,
                Method::PredictProba,
                Method::DecisionFunction,
            ]
        } else {
            vec![Method::Predict]
        }
    }

    fn run(&self, method: Method, x: &Data) -> Result<Output> {
        if !self.methods().contains(&method) {
            return Err(self.meta.no_method(method));
        }
        let (rows, raw) = self.raw(x)?;
        match method {
            Method::DecisionFunction => Ok(if self.k == 1 {
                Output::vector(Values::F64(raw))
            } else {
                Output {
                    shape: vec![rows, self.k],
                    values: Values::F64(raw),
                }
            }),
            Method::Predict => match &self.classes {
                None => Ok(Output::vector(Values::F64(match self.link {
                    Link::Log => raw.into_iter().map(f64::exp).collect(),
                    _ => raw,
                }))),
                Some(classes) => {
                    // Binary: `raw > 0` (not `>=`), as `argmax` keeps the first of a tie.
                    let indices: Vec<usize> = if self.k == 1 {
                        raw.iter().map(|&raw| usize::from(raw > 0.0)).collect()
                    } else {
                        raw.chunks_exact(self.k).map(argmax).collect()
                    };
                    Ok(Output::vector(classes.take(indices)))
                }
            },
            Method::PredictProba => {
                let proba: Vec<f64> = if self.link == Link::Logit {
                    raw.into_iter()
                        .flat_map(|raw| {
                            let p = expit(raw);
                            [1.0 - p, p]
                        })
                        .collect()
                } else {
                    let mut raw = raw;
                    raw.chunks_exact_mut(self.k).for_each(softmax);
                    raw
                };
                let width = if self.k == 1 { 2 } else { self.k };
                Ok(Output {
                    shape: vec![rows, width],
                    values: Values::F64(proba),
                })
            }
            _ => Err(self.meta.no_method(method)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bitsets_read_word_then_bit() {
        let mut set = [0u32; 8];
        set[1] = 1 << 3; // category 35
        assert!(in_bitset(&set, 35));
        assert!(!in_bitset(&set, 3));
        assert_eq!(category_code(254.0).unwrap(), 254);
        assert_eq!(category_code(2.7).unwrap(), 2);
        assert!(category_code(256.0).is_err());
        assert!(category_code(f64::INFINITY).is_err());
    }
}
