//! `IsolationForest`: each tree's leaf on its subset of features (`estimators_features_`),
//! the stored per-node path lengths summed in `estimators_` order, and
//! `2 ** -(depths / (n_estimators * c(max_samples)))`, as `ensemble/_iforest.py` computes.

use crate::data::{Data, Matrix};
use crate::error::{ModelError, Result};
use crate::model::{Meta, Method, Model};
use crate::models::trees::Tree;
use crate::output::{Output, Values};
use crate::read::Obj;

/// One isolation tree, the columns it reads and its per-node path lengths.
#[derive(Debug)]
struct IsolationTree {
    tree: Tree,
    features: Vec<usize>,
    decision_path_lengths: Vec<f64>,
    average_path_lengths: Vec<f64>,
}

/// A fitted `IsolationForest`.
#[derive(Debug)]
pub struct IsolationForest {
    meta: Meta,
    trees: Vec<IsolationTree>,
    /// `n_estimators * _average_path_length([max_samples])`.
    denominator: f64,
    offset: f64,
}

/// `_average_path_length` of one count: 0 up to 1, 1 at 2, else
/// `2 (ln(n - 1) + γ) - 2 (n - 1) / n`.
pub fn average_path_length(n: f64) -> f64 {
    if n <= 1.0 {
        0.0
    } else if n == 2.0 {
        1.0
    } else {
        2.0 * ((n - 1.0).ln() + 0.577_215_664_901_532_9) - 2.0 * (n - 1.0) / n
    }
}

/// Builds an `IsolationForest`.
pub fn isolation_forest(obj: &Obj<'_, '_>) -> Result<Box<dyn Model>> {
    let meta = Meta::read(obj)?;
    let n_features = meta
        .n_features_in
        .ok_or_else(|| obj.malformed("the state has no `n_features_in_`"))?;
    let estimators = obj.items("estimators_")?;
    let features = obj.items("estimators_features_")?;
    let decision = obj.items("_decision_path_lengths")?;
    let average = obj.items("_average_path_length_per_tree")?;
    let n = estimators.len();
    if n == 0 || features.len() != n || decision.len() != n || average.len() != n {
        return Err(obj.malformed("the per-tree lists do not have one item per estimator"));
    }
    let subsample = obj.count("_max_features")? != n_features;
    let mut trees = Vec::with_capacity(n);
    for index in 0..n {
        let estimator = obj.descendant(estimators[index], &format!(".estimators_[{index}]"))?;
        if estimator.type_name() != "sklearn.tree._classes.ExtraTreeRegressor" {
            return Err(ModelError::Unsupported {
                type_name: estimator.type_name().to_owned(),
                path: estimator.path(),
            }
            .into());
        }
        let tree = Tree::read(&estimator, "tree_")?;
        let array = |id, what: &str| {
            crate::read::NdArray::of(obj.file(), id)
                .map_err(|reason| obj.malformed(format!("`{what}[{index}]`: {reason}")))
        };
        // `_compute_chunked_score_samples` gives each tree the whole batch when
        // `_max_features` is its width, else `X[:, estimators_features_[i]]` (numpy
        // indexing: a negative index counts from the end).
        let columns: Vec<usize> = if subsample {
            array(features[index], "estimators_features_")?
                .i64s(obj)?
                .into_iter()
                .map(|column| {
                    let n = i64::try_from(n_features).ok()?;
                    let column = if column < 0 { column + n } else { column };
                    usize::try_from(column).ok().filter(|&c| c < n_features)
                })
                .collect::<Option<_>>()
                .ok_or_else(|| {
                    obj.malformed("`estimators_features_` names a column out of range")
                })?
        } else {
            (0..n_features).collect()
        };
        if columns.len() != tree.n_features() {
            return Err(obj.malformed("a tree reads another number of features than it is given"));
        }
        let decision_path_lengths = array(decision[index], "_decision_path_lengths")?.f64s(obj)?;
        let average_path_lengths =
            array(average[index], "_average_path_length_per_tree")?.f64s(obj)?;
        let nodes = tree.node_count();
        if decision_path_lengths.len() != nodes || average_path_lengths.len() != nodes {
            return Err(obj.malformed("the path lengths do not have one value per node"));
        }
        trees.push(IsolationTree {
            tree,
            features: columns,
            decision_path_lengths,
            average_path_lengths,
        });
    }
    let max_samples = obj.float("_max_samples")?;
    let denominator = n as f64 * average_path_length(max_samples);
    let offset = obj.float("offset_")?;
    Ok(Box::new(IsolationForest {
        meta,
        trees,
        denominator,
        offset,
    }))
}

impl IsolationForest {
    /// `score_samples`: `validate_data(dtype=np.float32, ensure_all_finite=False)`, so NaN
    /// and infinity (also of values beyond float32 range) are taken.
    fn score_samples(&self, x: &Data) -> Result<Vec<f64>> {
        let mut x: Matrix = self.meta.dense(x, None)?.into_owned();
        x.data_mut()
            .iter_mut()
            .for_each(|value| *value = f64::from(*value as f32));
        let mut subset = Vec::new();
        Ok(x.iter_rows()
            .map(|row| {
                let mut depth = 0.0;
                for tree in &self.trees {
                    subset.clear();
                    subset.extend(tree.features.iter().map(|&column| row[column]));
                    let leaf = tree.tree.leaf(&subset);
                    depth +=
                        tree.decision_path_lengths[leaf] + tree.average_path_lengths[leaf] - 1.0;
                }
                let ratio = if self.denominator != 0.0 {
                    depth / self.denominator
                } else {
                    1.0
                };
                -(2f64.powf(-ratio))
            })
            .collect())
    }
}

impl Model for IsolationForest {
    fn meta(&self) -> &Meta {
        &self.meta
    }

    fn methods(&self) -> Vec<Method> {
        vec![
            Method::Predict,
            Method::DecisionFunction,
            Method::ScoreSamples,
        ]
    }

    fn run(&self, method: Method, x: &Data) -> Result<Output> {
        if !self.methods().contains(&method) {
            return Err(self.meta.no_method(method));
        }
        let scores = self.score_samples(x)?;
        match method {
            Method::ScoreSamples => Ok(Output::vector(Values::F64(scores))),
            Method::DecisionFunction => Ok(Output::vector(Values::F64(
                scores
                    .into_iter()
                    .map(|score| score - self.offset)
                    .collect(),
            ))),
            Method::Predict => Ok(Output::vector(Values::I64(
                scores
                    .into_iter()
                    .map(|score| if score - self.offset < 0.0 { -1 } else { 1 })
                    .collect(),
            ))),
            _ => Err(self.meta.no_method(method)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn average_path_length_has_its_small_cases() {
        assert_eq!(average_path_length(1.0), 0.0);
        assert_eq!(average_path_length(0.0), 0.0);
        assert_eq!(average_path_length(2.0), 1.0);
        let n = 256.0f64;
        let expected = 2.0 * ((n - 1.0).ln() + 0.577_215_664_901_532_9) - 2.0 * (n - 1.0) / n;
        assert_eq!(average_path_length(n), expected);
    }
}
