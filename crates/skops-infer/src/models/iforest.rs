//! `IsolationForest`: each tree's leaf on its subset of features (`estimators_features_`),
//! the stored per-node path lengths summed in `estimators_` order, and
//! `2 ** -(depths / (n_estimators * c(max_samples)))`, as `ensemble/_iforest.py` computes.

use crate::data::Data;
use crate::error::{ModelError, Result};
use crate::model::{Meta, Method, Model};
use crate::models::tree_walk::{Forest32, visit32};
use crate::models::trees::{Tree, flatten, float32_cast};
use crate::output::{Output, Values};
use crate::read::Obj;

/// A fitted `IsolationForest`.
#[derive(Debug)]
pub struct IsolationForest {
    meta: Meta,
    /// The trees, reading the columns of `estimators_features_` directly.
    forest: Forest32,
    /// Per node of `forest`: `decision_path_length + average_path_length - 1.0`, what a row
    /// ending there adds to its depth (the same float64 operations sklearn does per row).
    depths: Vec<f64>,
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
    let mut depths = Vec::new();
    for index in 0..n {
        let estimator = obj.descendant(estimators[index], &format!(".estimators_[{index}]"))?;
        if estimator.type_name() != "sklearn.tree._classes.ExtraTreeRegressor" {
            return Err(ModelError::Unsupported {
                type_name: estimator.type_name().to_owned(),
                path: estimator.path(),
            }
            .into());
        }
        let mut tree = Tree::read(&estimator, "tree_")?;
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
        if columns.len() != tree.n_features() || !tree.map_features(&columns) {
            return Err(obj.malformed("a tree reads another number of features than it is given"));
        }
        let decision_path_lengths = array(decision[index], "_decision_path_lengths")?.f64s(obj)?;
        let average_path_lengths =
            array(average[index], "_average_path_length_per_tree")?.f64s(obj)?;
        let nodes = tree.node_count();
        if decision_path_lengths.len() != nodes || average_path_lengths.len() != nodes {
            return Err(obj.malformed("the path lengths do not have one value per node"));
        }
        depths.extend(
            decision_path_lengths
                .iter()
                .zip(&average_path_lengths)
                .map(|(&decision, &average)| decision + average - 1.0),
        );
        trees.push(tree);
    }
    let forest = flatten(obj, &trees)?;
    let max_samples = obj.float("_max_samples")?;
    let denominator = n as f64 * average_path_length(max_samples);
    let offset = obj.float("offset_")?;
    Ok(Box::new(IsolationForest {
        meta,
        forest,
        depths,
        denominator,
        offset,
    }))
}

impl IsolationForest {
    /// `score_samples`: `validate_data(dtype=np.float32, ensure_all_finite=False)`, so NaN
    /// and infinity (also of values beyond float32 range) are taken.
    fn score_samples(&self, x: &Data) -> Result<Vec<f64>> {
        let x = float32_cast(&self.meta, x)?;
        let mut depths = vec![0.0; x.rows];
        visit32(&self.forest, &x, |row, _, node| {
            depths[row] += self.depths[node as usize];
        });
        Ok(depths
            .into_iter()
            .map(|depth| {
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
