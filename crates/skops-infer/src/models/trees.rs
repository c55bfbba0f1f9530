//! Decision trees and their forests (`DecisionTree*`, `ExtraTree*`, `RandomForest*`,
//! `ExtraTrees*`): the `Tree` node arrays walked as `sklearn/tree/_tree.pyx` `_apply_dense`
//! does, on input cast to float32, and leaf values averaged as `ensemble/_forest.py` does.

use crate::data::Data;
use crate::error::{InputError, ModelError, Result};
use crate::model::{Meta, Method, Model};
use crate::models::tree_walk::{Forest32, Rows32, Split, TreeNodes, visit32};
use crate::output::{Labels, Output, Values, argmax};
use crate::read::{NdArray, Obj};

/// sklearn's `_TREE_LEAF`.
const TREE_LEAF: i64 = -1;

/// One fitted `sklearn.tree._tree.Tree`: its splits and leaf values.
#[derive(Debug, Clone)]
pub struct Tree {
    nodes: TreeNodes,
    /// `(node_count, n_outputs, max_n_classes)`, row-major.
    value: Vec<f64>,
    n_outputs: usize,
    max_classes: usize,
    /// `n_classes` per output (1 for regression).
    n_classes: Vec<usize>,
    n_features: usize,
}

impl Tree {
    /// Reads the `Tree` held by attribute `key` of `obj` (`tree_`).
    pub fn read(obj: &Obj<'_, '_>, key: &str) -> Result<Self> {
        let (tree, args) = obj.reduced(key)?;
        let [n_features, n_classes, n_outputs] = args.as_slice() else {
            return Err(tree.malformed("the constructor does not take 3 arguments"));
        };
        let int_arg = |id, what: &str| -> Result<usize> {
            match tree.json_at(id) {
                Some(skops_format::json::Value::Number(number)) => number
                    .as_i64()
                    .and_then(|value| usize::try_from(value).ok())
                    .ok_or_else(|| tree.malformed(format!("`{what}` is not a count"))),
                _ => Err(tree.malformed(format!("`{what}` is not a count"))),
            }
        };
        let n_features = int_arg(*n_features, "n_features")?;
        let n_outputs = int_arg(*n_outputs, "n_outputs")?;
        let n_classes: Vec<usize> = NdArray::of(tree.file(), *n_classes)
            .map_err(|reason| tree.malformed(format!("`n_classes`: {reason}")))?
            .i64s(&tree)?
            .into_iter()
            .map(|count| usize::try_from(count).ok().filter(|&count| count >= 1))
            .collect::<Option<_>>()
            .ok_or_else(|| tree.malformed("`n_classes` holds a count below 1"))?;
        if n_outputs == 0 || n_classes.len() != n_outputs {
            return Err(tree.malformed("`n_classes` does not have one count per output"));
        }
        let max_classes = n_classes.iter().copied().max().unwrap_or(1);

        let node_count = tree.count("node_count")?;
        let nodes = tree.array("nodes")?;
        if nodes.shape() != [node_count] {
            return Err(tree.malformed("`nodes` does not hold `node_count` records"));
        }
        if node_count == 0 {
            return Err(tree.malformed("the tree has no node"));
        }
        let left = nodes.field_i64s(&tree, "left_child")?;
        let right = nodes.field_i64s(&tree, "right_child")?;
        let feature = nodes.field_i64s(&tree, "feature")?;
        let threshold = nodes.field_f64s(&tree, "threshold")?;
        let missing = nodes.field_i64s(&tree, "missing_go_to_left")?;
        let (value, shape) = tree.floats("values")?;
        if shape != [node_count, n_outputs, max_classes] {
            return Err(tree.malformed(format!(
                "`values` has shape {shape:?}, expected ({node_count}, {n_outputs}, {max_classes})"
            )));
        }
        if [
            left.len(),
            right.len(),
            feature.len(),
            threshold.len(),
            missing.len(),
        ]
        .iter()
        .any(|&len| len != node_count)
        {
            return Err(tree.malformed("the `nodes` fields do not have `node_count` items"));
        }
        let mut splits = Vec::with_capacity(node_count);
        for node in 0..node_count {
            let (l, r) = (left[node], right[node]);
            if l == TREE_LEAF && r == TREE_LEAF {
                splits.push(None);
                continue;
            }
            // sklearn adds children after their parent, so a child's index is above its
            // parent's: checking it makes every walk end.
            let child = |index: i64| {
                usize::try_from(index)
                    .ok()
                    .filter(|&index| index > node && index < node_count)
            };
            let (Some(l), Some(r)) = (child(l), child(r)) else {
                return Err(tree.malformed(format!("node {node} has a child out of order")));
            };
            let f = usize::try_from(feature[node])
                .ok()
                .filter(|&f| f < n_features)
                .ok_or_else(|| tree.malformed(format!("node {node} splits on no feature")))?;
            splits.push(Some(Split {
                feature: f,
                threshold: threshold[node],
                missing_go_to_left: missing[node] != 0,
                left: l,
                right: r,
            }));
        }
        Ok(Self {
            nodes: TreeNodes { splits },
            value,
            n_outputs,
            max_classes,
            n_classes,
            n_features,
        })
    }

    /// The number of features the tree reads.
    pub fn n_features(&self) -> usize {
        self.n_features
    }

    /// The number of nodes.
    pub fn node_count(&self) -> usize {
        self.nodes.splits.len()
    }

    /// The number of outputs.
    pub fn n_outputs(&self) -> usize {
        self.n_outputs
    }

    /// The number of classes of each output (1 for a regression tree).
    pub fn n_classes(&self) -> &[usize] {
        &self.n_classes
    }

    /// The splits, to flatten into a [`Forest32`].
    pub fn nodes(&self) -> &TreeNodes {
        &self.nodes
    }

    /// Makes the splits read column `columns[f]` where they read feature `f` (a tree fitted
    /// on a subset of the columns); `false` (and nothing changed) when a feature has no column.
    pub fn map_features(&mut self, columns: &[usize]) -> bool {
        if self
            .nodes
            .splits
            .iter()
            .flatten()
            .any(|split| split.feature >= columns.len())
        {
            return false;
        }
        for split in self.nodes.splits.iter_mut().flatten() {
            split.feature = columns[split.feature];
        }
        true
    }

    /// Node `node`'s values of output `output` (`max_n_classes` items).
    pub fn value(&self, node: usize, output: usize) -> &[f64] {
        let start = (node * self.n_outputs + output) * self.max_classes;
        &self.value[start..start + self.max_classes]
    }
}

/// Flattens `trees` into one [`Forest32`], failing as malformed state of `obj` when they
/// hold too many nodes.
pub fn flatten<'t>(
    obj: &Obj<'_, '_>,
    trees: impl IntoIterator<Item = &'t Tree>,
) -> Result<Forest32> {
    Forest32::new(trees.into_iter().map(Tree::nodes))
        .ok_or_else(|| obj.malformed("the trees hold more nodes than a forest can index"))
}

/// The batch as scikit-learn's `validate_data(X, dtype=np.float32)` makes it: every value
/// rounded to float32, NaN refused unless `allow_nan`, and any value infinite after the cast
/// (±inf, or beyond float32's range) refused.
pub fn float32_input(meta: &Meta, x: &Data, allow_nan: bool) -> Result<Rows32> {
    let rows = float32_cast(meta, x)?;
    let problem = if allow_nan {
        rows.data.iter().position(|value| value.is_infinite())
    } else {
        rows.data.iter().position(|value| !value.is_finite())
    };
    if let Some(at) = problem {
        let problem = if rows.data[at].is_nan() {
            "NaN"
        } else {
            "infinity or a value too large for dtype('float32')"
        };
        return Err(InputError::Value {
            reason: format!(
                "input contains {problem} (row {}, column {}), which {} does not accept",
                at / rows.width,
                at % rows.width,
                meta.who()
            ),
        }
        .into());
    }
    Ok(rows)
}

/// The batch cast to float32 (round to nearest; beyond float32's range becomes ±inf), with
/// no check of its values.
pub fn float32_cast(meta: &Meta, x: &Data) -> Result<Rows32> {
    let x = meta.dense(x, None)?;
    let (rows, cols) = (x.rows(), x.cols());
    let data = if cols == 0 {
        vec![0.0; rows]
    } else {
        x.data().iter().map(|&value| value as f32).collect()
    };
    let has_nan = data.iter().any(|value| value.is_nan());
    Ok(Rows32 {
        data,
        width: cols.max(1),
        rows,
        has_nan,
    })
}

/// Whether a tree estimator predicts on NaN (its `allow_nan` tag): always for
/// `DecisionTree*`, only with `splitter="random"` for `ExtraTree*` (whose default it is).
fn tree_allows_nan(obj: &Obj<'_, '_>) -> Result<bool> {
    if obj.class().starts_with("ExtraTree") {
        Ok(obj.string("splitter")? == "random")
    } else {
        Ok(true)
    }
}

/// Whether the file comes from scikit-learn before 1.4, whose classifier leaves hold class
/// counts rather than fractions (they were normalised at predict time).
fn holds_counts(obj: &Obj<'_, '_>) -> bool {
    let Ok(version) = obj.string("_sklearn_version") else {
        return false;
    };
    let mut parts = version.split('.').map(|part| {
        part.chars()
            .take_while(char::is_ascii_digit)
            .collect::<String>()
            .parse::<u64>()
            .unwrap_or(0)
    });
    let major = parts.next().unwrap_or(0);
    let minor = parts.next().unwrap_or(0);
    (major, minor) < (1, 4)
}

/// The classes of a classifier, one `Labels` per output.
fn read_classes(obj: &Obj<'_, '_>, n_outputs: usize) -> Result<Vec<Labels>> {
    if n_outputs == 1 {
        return Ok(vec![obj.labels("classes_")?]);
    }
    let items = obj.items("classes_")?;
    let labels = items
        .iter()
        .enumerate()
        .map(|(k, &id)| obj.labels_at(id, &format!("classes_[{k}]")))
        .collect::<Result<Vec<_>>>()?;
    if labels.len() != n_outputs {
        return Err(obj.malformed("`classes_` does not have one array per output"));
    }
    Ok(labels)
}

/// The labels at `indices[row * n_outputs + k]` of output `k`, row-major (the outputs'
/// classes have one type, checked when built).
fn take_labels(classes: &[Labels], indices: &[usize]) -> Values {
    if let [only] = classes {
        return only.take(indices.iter().copied());
    }
    let n = classes.len();
    let mut parts: Vec<Values> = classes
        .iter()
        .enumerate()
        .map(|(k, labels)| labels.take(indices.iter().skip(k).step_by(n).copied()))
        .collect();
    macro_rules! interleave {
        ($variant:ident) => {{
            let mut columns: Vec<_> = parts
                .iter_mut()
                .map(
                    |part| match std::mem::replace(part, Values::I64(Vec::new())) {
                        Values::$variant(values) => values.into_iter(),
                        _ => Vec::new().into_iter(),
                    },
                )
                .collect();
            let rows = indices.len() / n;
            let mut out = Vec::with_capacity(indices.len());
            for _ in 0..rows {
                for column in &mut columns {
                    out.extend(column.next());
                }
            }
            Values::$variant(out)
        }};
    }
    match &parts[0] {
        Values::I64(_) => interleave!(I64),
        Values::F64(_) => interleave!(F64),
        Values::Str(_) => interleave!(Str),
        Values::Bool(_) => interleave!(Bool),
    }
}

fn same_label_type(classes: &[Labels]) -> bool {
    classes
        .windows(2)
        .all(|pair| std::mem::discriminant(&pair[0]) == std::mem::discriminant(&pair[1]))
}

/// A single tree or a forest of them, classifier or regressor.
#[derive(Debug)]
pub struct TreeEnsemble {
    meta: Meta,
    forest: Forest32,
    /// Per node of `forest`: the values the node's leaf gives, `width` items (each output's
    /// class columns in turn; normalised already for files holding counts).
    leaf_values: Vec<f64>,
    width: usize,
    /// Forests average; a single tree returns its leaf values.
    averaged: bool,
    /// `classes_` per output, for classifiers.
    classes: Option<Vec<Labels>>,
    n_outputs: usize,
    /// The number of classes of each output (1 for regressors).
    n_classes: Vec<usize>,
    allow_nan: bool,
}

/// Builds a `DecisionTreeClassifier` or `ExtraTreeClassifier`.
pub fn tree_classifier(obj: &Obj<'_, '_>) -> Result<Box<dyn Model>> {
    single(obj, true)
}

/// Builds a `DecisionTreeRegressor` or `ExtraTreeRegressor`.
pub fn tree_regressor(obj: &Obj<'_, '_>) -> Result<Box<dyn Model>> {
    single(obj, false)
}

/// Builds a `RandomForestClassifier` or `ExtraTreesClassifier`.
pub fn forest_classifier(obj: &Obj<'_, '_>) -> Result<Box<dyn Model>> {
    forest(obj, true)
}

/// Builds a `RandomForestRegressor` or `ExtraTreesRegressor`.
pub fn forest_regressor(obj: &Obj<'_, '_>) -> Result<Box<dyn Model>> {
    forest(obj, false)
}

fn single(obj: &Obj<'_, '_>, classifier: bool) -> Result<Box<dyn Model>> {
    let meta = Meta::read(obj)?;
    let tree = Tree::read(obj, "tree_")?;
    let allow_nan = tree_allows_nan(obj)?;
    let counts = classifier && holds_counts(obj);
    ensemble(
        obj,
        meta,
        vec![tree],
        vec![counts],
        false,
        classifier,
        allow_nan,
    )
}

fn forest(obj: &Obj<'_, '_>, classifier: bool) -> Result<Box<dyn Model>> {
    let meta = Meta::read(obj)?;
    let items = obj.items("estimators_")?;
    if items.is_empty() {
        return Err(obj.malformed("`estimators_` is empty"));
    }
    let mut trees = Vec::with_capacity(items.len());
    let mut counts = Vec::with_capacity(items.len());
    let mut allow_nan = true;
    for (index, &id) in items.iter().enumerate() {
        let estimator = obj.descendant(id, &format!(".estimators_[{index}]"))?;
        let expected = if classifier {
            ["DecisionTreeClassifier", "ExtraTreeClassifier"]
        } else {
            ["DecisionTreeRegressor", "ExtraTreeRegressor"]
        };
        if !expected.contains(&estimator.class()) || !estimator.type_name().starts_with("sklearn.")
        {
            return Err(ModelError::Unsupported {
                type_name: estimator.type_name().to_owned(),
                path: estimator.path(),
            }
            .into());
        }
        // Each tree checks the batch's width against its own `n_features_in_` too.
        if estimator.has("n_features_in_")
            && meta.n_features_in.is_some()
            && Some(estimator.count("n_features_in_")?) != meta.n_features_in
        {
            return Err(estimator.malformed("`n_features_in_` differs from the forest's"));
        }
        // `_validate_X_predict` asks the first estimator whether NaN is allowed.
        if index == 0 {
            allow_nan = tree_allows_nan(&estimator)?;
        }
        let tree = Tree::read(&estimator, "tree_")?;
        if classifier {
            check_n_classes(&estimator, &tree.n_classes)?;
        }
        trees.push(tree);
        counts.push(classifier && holds_counts(&estimator));
    }
    ensemble(obj, meta, trees, counts, true, classifier, allow_nan)
}

/// Fails unless the estimator's `n_classes_` (when stored) is the trees' class counts:
/// scikit-learn's `predict_proba` keeps the first `n_classes_` columns of each output (a
/// tree) or sums into arrays of that width (a forest), so another value changes its result.
fn check_n_classes(obj: &Obj<'_, '_>, n_classes: &[usize]) -> Result<()> {
    if !obj.has("n_classes_") {
        return Ok(());
    }
    let stored = match obj.int("n_classes_") {
        Ok(count) => vec![count],
        Err(_) => match obj.items("n_classes_") {
            Ok(items) => items
                .iter()
                .map(|&id| obj.float_at(id).map(|count| count as i64))
                .collect::<Option<Vec<_>>>()
                .unwrap_or_default(),
            Err(_) => obj.array("n_classes_")?.i64s(obj)?,
        },
    };
    let same = stored.len() == n_classes.len()
        && stored
            .iter()
            .zip(n_classes)
            .all(|(&stored, &count)| usize::try_from(stored) == Ok(count));
    if same {
        Ok(())
    } else {
        Err(obj.malformed("`n_classes_` does not match the trees' `n_classes`"))
    }
}

fn ensemble(
    obj: &Obj<'_, '_>,
    meta: Meta,
    trees: Vec<Tree>,
    counts: Vec<bool>,
    averaged: bool,
    classifier: bool,
    allow_nan: bool,
) -> Result<Box<dyn Model>> {
    let n_outputs = obj.count("n_outputs_")?;
    let n_features = meta.n_features_in.unwrap_or(trees[0].n_features);
    let n_classes = if classifier {
        trees[0].n_classes.clone()
    } else {
        vec![1; n_outputs]
    };
    for tree in &trees {
        if tree.n_outputs != n_outputs || tree.n_classes != n_classes {
            return Err(obj.malformed("a tree's outputs or classes differ from the estimator's"));
        }
        if tree.n_features != n_features {
            return Err(obj.malformed("a tree reads another number of features"));
        }
    }
    let classes = if classifier {
        check_n_classes(obj, &n_classes)?;
        let classes = read_classes(obj, n_outputs)?;
        if classes
            .iter()
            .zip(&n_classes)
            .any(|(labels, &count)| labels.len() != count)
        {
            return Err(obj.malformed("`classes_` does not match the trees' `n_classes`"));
        }
        if !same_label_type(&classes) {
            return Err(obj.unsupported_option("outputs whose classes differ in type"));
        }
        Some(classes)
    } else {
        None
    };
    let forest = flatten(obj, &trees)?;
    let width: usize = n_classes.iter().sum();
    let mut leaf_values = Vec::with_capacity(forest.node_count() * width);
    for (tree, &counts) in trees.iter().zip(&counts) {
        for node in 0..tree.node_count() {
            for (k, &n) in n_classes.iter().enumerate() {
                let value = &tree.value(node, k)[..n];
                if counts {
                    // sklearn < 1.4: `proba /= proba.sum(axis=1)`, a zero sum as 1.
                    let sum: f64 = value.iter().sum();
                    let normaliser = if sum == 0.0 { 1.0 } else { sum };
                    leaf_values.extend(value.iter().map(|&v| v / normaliser));
                } else {
                    leaf_values.extend_from_slice(value);
                }
            }
        }
    }
    let meta = Meta {
        n_features_in: Some(n_features),
        ..meta
    };
    Ok(Box::new(TreeEnsemble {
        meta,
        forest,
        leaf_values,
        width,
        averaged,
        classes,
        n_outputs,
        n_classes,
        allow_nan,
    }))
}

impl TreeEnsemble {
    /// Per row, the (averaged) leaf values, `width` items per row: `n_classes[k]` for each
    /// output `k` of a classifier in turn, one per output for a regressor. A forest sums the
    /// trees' values in `estimators_` order, then divides by their number.
    fn values(&self, x: &Rows32) -> Vec<f64> {
        let width = self.width;
        let mut out = vec![0.0; x.rows * width];
        let leaf = |leaf: u32| {
            let start = leaf as usize * width;
            &self.leaf_values[start..start + width]
        };
        if !self.averaged {
            visit32(&self.forest, x, |row, _, node| {
                out[row * width..(row + 1) * width].copy_from_slice(leaf(node));
            });
            return out;
        }
        match width {
            1 => visit32(&self.forest, x, |row, _, node| {
                out[row] += self.leaf_values[node as usize];
            }),
            2 => visit32(&self.forest, x, |row, _, node| {
                let start = node as usize * 2;
                let (a, b) = (self.leaf_values[start], self.leaf_values[start + 1]);
                out[row * 2] += a;
                out[row * 2 + 1] += b;
            }),
            _ => visit32(&self.forest, x, |row, _, node| {
                for (slot, &v) in out[row * width..(row + 1) * width]
                    .iter_mut()
                    .zip(leaf(node))
                {
                    *slot += v;
                }
            }),
        }
        let divisor = self.forest.len() as f64;
        out.iter_mut().for_each(|slot| *slot /= divisor);
        out
    }

    fn multi_output_proba(&self) -> crate::Error {
        ModelError::UnsupportedOption {
            type_name: self.meta.type_name.clone(),
            path: self.meta.path.clone(),
            what: "probabilities of several outputs (scikit-learn returns a list of arrays)"
                .to_owned(),
        }
        .into()
    }
}

impl Model for TreeEnsemble {
    fn meta(&self) -> &Meta {
        &self.meta
    }

    fn methods(&self) -> Vec<Method> {
        if self.classes.is_some() {
            vec![
                Method::Predict,
                Method::PredictProba,
                Method::PredictLogProba,
                Method::Apply,
            ]
        } else {
            vec![Method::Predict, Method::Apply]
        }
    }

    fn run(&self, method: Method, x: &Data) -> Result<Output> {
        if !self.methods().contains(&method) {
            return Err(self.meta.no_method(method));
        }
        let x = float32_input(&self.meta, x, self.allow_nan)?;
        let rows = x.rows;
        match method {
            Method::Apply => {
                let n_trees = self.forest.len();
                let mut leaves = vec![0i64; rows * n_trees];
                visit32(&self.forest, &x, |row, tree, node| {
                    leaves[row * n_trees + tree] =
                        (node as usize - self.forest.offset(tree)) as i64;
                });
                if self.averaged {
                    Ok(Output {
                        shape: vec![rows, n_trees],
                        values: Values::I64(leaves),
                    })
                } else {
                    Ok(Output::vector(Values::I64(leaves)))
                }
            }
            Method::Predict => {
                let values = self.values(&x);
                let Some(classes) = &self.classes else {
                    return Ok(if self.n_outputs == 1 {
                        Output::vector(Values::F64(values))
                    } else {
                        Output {
                            shape: vec![rows, self.n_outputs],
                            values: Values::F64(values),
                        }
                    });
                };
                let mut indices = Vec::with_capacity(rows * self.n_outputs);
                for row in values.chunks_exact(self.width) {
                    let mut at = 0;
                    for &n in &self.n_classes {
                        indices.push(argmax(&row[at..at + n]));
                        at += n;
                    }
                }
                let labels = take_labels(classes, &indices);
                Ok(if self.n_outputs == 1 {
                    Output::vector(labels)
                } else {
                    Output {
                        shape: vec![rows, self.n_outputs],
                        values: labels,
                    }
                })
            }
            Method::PredictProba | Method::PredictLogProba => {
                if self.n_outputs != 1 {
                    return Err(self.multi_output_proba());
                }
                let mut flat = self.values(&x);
                if method == Method::PredictLogProba {
                    flat.iter_mut().for_each(|p| *p = p.ln());
                }
                Ok(Output {
                    shape: vec![rows, self.n_classes[0]],
                    values: Values::F64(flat),
                })
            }
            _ => Err(self.meta.no_method(method)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::data::Matrix;

    /// A stump on feature 0 at `threshold`: leaf 1 on the left, leaf 2 on the right.
    fn stump(threshold: f64, missing_go_to_left: bool) -> Forest32 {
        let splits = vec![
            Some(Split {
                feature: 0,
                threshold,
                missing_go_to_left,
                left: 1,
                right: 2,
            }),
            None,
            None,
        ];
        Forest32::new([&TreeNodes { splits }]).unwrap()
    }

    fn leaf(forest: &Forest32, x: &Rows32) -> u32 {
        let mut found = None;
        visit32(forest, x, |_, _, leaf| found = Some(leaf));
        found.unwrap()
    }

    fn meta() -> Meta {
        Meta {
            type_name: "sklearn.tree._classes.DecisionTreeRegressor".to_owned(),
            path: "(root)".to_owned(),
            n_features_in: Some(1),
            feature_names_in: None,
        }
    }

    fn cast(value: f64, allow_nan: bool) -> Result<Rows32> {
        let x = Data::Matrix(Matrix::new(1, 1, vec![value])?);
        float32_input(&meta(), &x, allow_nan)
    }

    #[test]
    fn the_float32_cast_decides_the_side_of_a_float64_threshold() {
        // 0.1 rounds up in float32: above the float64 threshold 0.1, so right; a float64
        // comparison would send it left.
        let tree = stump(0.1, true);
        assert_eq!(leaf(&tree, &cast(0.1, true).unwrap()), 2);
        assert!(f64::from(0.1f32) > 0.1);
        // 0.1f32 itself is at a float64 threshold equal to it: left.
        assert_eq!(
            leaf(&stump(f64::from(0.1f32), true), &cast(0.1, true).unwrap()),
            1
        );
        // NaN follows `missing_go_to_left`.
        assert_eq!(leaf(&tree, &cast(f64::NAN, true).unwrap()), 1);
        assert_eq!(leaf(&stump(0.1, false), &cast(f64::NAN, true).unwrap()), 2);
    }

    #[test]
    fn values_beyond_float32_range_are_refused_after_the_cast() {
        assert!(cast(1e300, true).is_err());
        assert!(cast(f64::INFINITY, true).is_err());
        assert!(cast(-3.5e38, true).is_err());
        assert!(cast(f64::NAN, false).is_err());
        assert_eq!(cast(3.4028235e38, true).unwrap().data[0], f32::MAX);
        assert_eq!(cast(1e-50, true).unwrap().data[0], 0.0);
    }
}
