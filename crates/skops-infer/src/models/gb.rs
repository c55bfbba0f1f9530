//! `GradientBoostingClassifier` / `GradientBoostingRegressor`: the init estimator's raw
//! prediction, then each stage's regression trees added as `_gradient_boosting.pyx` does
//! (`out[i, k] += scale * value[leaf]`), and scikit-learn's links (scipy's `expit`/`logit`,
//! the symmetric multinomial logit, softmax) in numpy's order of operations.

use crate::data::Data;
use crate::error::{ModelError, Result};
use crate::model::{Meta, Method, Model};
use crate::models::tree_walk::{Forest32, visit32};
use crate::models::trees::{Tree, flatten, float32_input};
use crate::output::{Labels, Output, Values, argmax};
use crate::read::Obj;

/// numpy's float64 `add.reduce` of a contiguous run (`pairwise_sum` in `loops_utils.h`):
/// a plain loop below 8 items, eight interleaved sums up to 128, halves above.
pub fn numpy_sum(values: &[f64]) -> f64 {
    let n = values.len();
    if n < 8 {
        let mut sum = 0.0;
        // numpy starts from -0.0 so that a sum of -0.0 stays -0.0.
        if n > 0 {
            sum = -0.0;
        }
        for &value in values {
            sum += value;
        }
        sum
    } else if n <= 128 {
        let mut r = [0.0f64; 8];
        r.copy_from_slice(&values[..8]);
        let mut i = 8;
        while i < n - (n % 8) {
            for (j, slot) in r.iter_mut().enumerate() {
                *slot += values[i + j];
            }
            i += 8;
        }
        let mut sum = ((r[0] + r[1]) + (r[2] + r[3])) + ((r[4] + r[5]) + (r[6] + r[7]));
        for &value in &values[i..] {
            sum += value;
        }
        sum
    } else {
        let mut half = n / 2;
        half -= half % 8;
        numpy_sum(&values[..half]) + numpy_sum(&values[half..])
    }
}

/// scipy's `expit` (xsf): `1 / (1 + exp(-x))`.
pub fn expit(x: f64) -> f64 {
    1.0 / (1.0 + (-x).exp())
}

/// scipy's `logit` (xsf `log_exp.h`): `log(x / (1 - x))` away from 0.5, else
/// `log1p(s) - log1p(-s)` with `s = 2 (x - 0.5)`.
pub fn logit(x: f64) -> f64 {
    if !(0.3..=0.65).contains(&x) {
        (x / (1.0 - x)).ln()
    } else {
        let s = 2.0 * (x - 0.5);
        s.ln_1p() - (-s).ln_1p()
    }
}

/// `sklearn.utils.extmath.softmax` of one row: subtract the maximum, `exp`, divide by the
/// (pairwise) sum.
pub fn softmax(row: &mut [f64]) {
    let max = row.iter().copied().fold(f64::NEG_INFINITY, |max, value| {
        // numpy's `max` propagates NaN.
        if value.is_nan() || max.is_nan() {
            f64::NAN
        } else {
            max.max(value)
        }
    });
    row.iter_mut()
        .for_each(|value| *value = (*value - max).exp());
    let sum = numpy_sum(row);
    row.iter_mut().for_each(|value| *value /= sum);
}

/// Which loss a classifier uses, hence its link.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Link {
    /// Regression: the raw prediction is the prediction.
    Identity,
    /// `log_loss`, two classes: `logit` / `expit`.
    Logit,
    /// `exponential`: `0.5 * logit` / `expit(2 raw)`.
    HalfLogit,
    /// `log_loss`, more classes: `log(p / gmean(p))` / softmax.
    Multinomial,
}

/// A fitted gradient boosting model.
#[derive(Debug)]
pub struct GradientBoosting {
    meta: Meta,
    /// `estimators_`, row-major `(n_estimators, k)`.
    forest: Forest32,
    /// Per node of `forest`: `learning_rate * value` (what a leaf adds; sklearn multiplies
    /// the same two float64 numbers at each row).
    leaf_steps: Vec<f64>,
    k: usize,
    /// The raw prediction of the init estimator (the same for every row), `k` items.
    init: Vec<f64>,
    link: Link,
    classes: Option<Labels>,
}

/// Builds a `GradientBoostingRegressor`.
pub fn gb_regressor(obj: &Obj<'_, '_>) -> Result<Box<dyn Model>> {
    build(obj, false)
}

/// Builds a `GradientBoostingClassifier`.
pub fn gb_classifier(obj: &Obj<'_, '_>) -> Result<Box<dyn Model>> {
    build(obj, true)
}

fn build(obj: &Obj<'_, '_>, classifier: bool) -> Result<Box<dyn Model>> {
    let meta = Meta::read(obj)?;
    let (items, shape) = obj.object_array("estimators_")?;
    let [n_estimators, k] = shape[..] else {
        return Err(obj.malformed("`estimators_` is not 2-D"));
    };
    if n_estimators == 0 || k == 0 {
        return Err(obj.malformed("`estimators_` is empty"));
    }
    let mut trees = Vec::with_capacity(items.len());
    for (index, &id) in items.iter().enumerate() {
        let estimator =
            obj.descendant(id, &format!(".estimators_[{}, {}]", index / k, index % k))?;
        if estimator.type_name() != "sklearn.tree._classes.DecisionTreeRegressor" {
            return Err(ModelError::Unsupported {
                type_name: estimator.type_name().to_owned(),
                path: estimator.path(),
            }
            .into());
        }
        let tree = Tree::read(&estimator, "tree_")?;
        if tree.n_outputs() != 1 || tree.n_classes() != [1] {
            return Err(estimator.malformed("a boosting stage is not a single-output regressor"));
        }
        trees.push(tree);
    }
    let n_features = meta.n_features_in.unwrap_or(trees[0].n_features());
    if trees.iter().any(|tree| tree.n_features() != n_features) {
        return Err(obj.malformed("a stage reads another number of features"));
    }
    let learning_rate = obj.float("learning_rate")?;
    let loss = obj.string("loss")?;
    let (link, classes) = if classifier {
        let classes = obj.labels("classes_")?;
        if classes.len() < 2 {
            return Err(obj.malformed("a classifier of fewer than 2 classes"));
        }
        let expected = if classes.len() == 2 { 1 } else { classes.len() };
        if k != expected {
            return Err(obj.malformed(format!("{k} trees per stage for {} classes", classes.len())));
        }
        let link = match (loss.as_str(), classes.len()) {
            ("log_loss", 2) => Link::Logit,
            ("log_loss", _) => Link::Multinomial,
            ("exponential", 2) => Link::HalfLogit,
            _ => return Err(obj.unsupported_option(format!("loss={loss:?}"))),
        };
        (link, Some(classes))
    } else {
        if k != 1 {
            return Err(obj.malformed("a regressor with several trees per stage"));
        }
        match loss.as_str() {
            "squared_error" | "absolute_error" | "huber" | "quantile" => {}
            _ => return Err(obj.unsupported_option(format!("loss={loss:?}"))),
        }
        (Link::Identity, None)
    };
    let init = init_raw(obj, link, classes.as_ref().map_or(1, Labels::len), k)?;
    let meta = Meta {
        n_features_in: Some(n_features),
        ..meta
    };
    let forest = flatten(obj, &trees)?;
    let leaf_steps = trees
        .iter()
        .flat_map(|tree| (0..tree.node_count()).map(|node| learning_rate * tree.value(node, 0)[0]))
        .collect();
    Ok(Box::new(GradientBoosting {
        meta,
        forest,
        leaf_steps,
        k,
        init,
        link,
        classes,
    }))
}

/// `_raw_predict_init`: zeros for `init="zero"`, else the init estimator's prediction
/// through the loss's link (`_init_raw_predictions`).
fn init_raw(obj: &Obj<'_, '_>, link: Link, n_classes: usize, k: usize) -> Result<Vec<f64>> {
    if let Ok(name) = obj.string("init_") {
        return if name == "zero" {
            Ok(vec![0.0; k])
        } else {
            Err(obj.unsupported_option(format!("init_={name:?}")))
        };
    }
    let init = obj.child("init_")?;
    let unsupported = || {
        Err(ModelError::Unsupported {
            type_name: init.type_name().to_owned(),
            path: init.path(),
        }
        .into())
    };
    if link == Link::Identity {
        if init.type_name() != "sklearn.dummy.DummyRegressor" {
            return unsupported();
        }
        // `DummyRegressor.predict`: `constant_` in every row, as float64.
        let (constant, _) = init.floats("constant_")?;
        return match constant[..] {
            [value] => Ok(vec![value]),
            _ => Err(init.malformed("`constant_` does not hold one value")),
        };
    }
    if init.type_name() != "sklearn.dummy.DummyClassifier" {
        return unsupported();
    }
    let strategy = init.string("strategy")?;
    if strategy != "prior" {
        return Err(init.unsupported_option(format!("strategy={strategy:?}")));
    }
    // `np.ones((n, 1)) * class_prior_`, clipped to [eps, 1 - eps].
    let eps = f64::EPSILON;
    let prior: Vec<f64> = init
        .vector("class_prior_", Some(n_classes))?
        .into_iter()
        .map(|p| (1.0 * p).clamp(eps, 1.0 - eps))
        .collect();
    Ok(match link {
        Link::Logit => vec![logit(prior[1])],
        Link::HalfLogit => vec![0.5 * logit(prior[1])],
        Link::Multinomial => {
            // `log(p / gmean(p))`, gmean = `exp(mean(log(p)))`.
            let logs: Vec<f64> = prior.iter().map(|p| p.ln()).collect();
            let gmean = (numpy_sum(&logs) / n_classes as f64).exp();
            prior.iter().map(|p| (p / gmean).ln()).collect()
        }
        Link::Identity => unreachable!("handled above"),
    })
}

impl GradientBoosting {
    /// `_raw_predict`: per row the init's raw values, then `out[k] += learning_rate *
    /// value[leaf]` for each stage in order (`predict_stages`).
    fn raw_all(&self, x: &Data) -> Result<(usize, Vec<f64>)> {
        // `validate_data(dtype=np.float32)` with the default `ensure_all_finite=True`.
        let x = float32_input(&self.meta, x, false)?;
        let k = self.k;
        let mut raw: Vec<f64> = Vec::with_capacity(x.rows * k);
        for _ in 0..x.rows {
            raw.extend_from_slice(&self.init);
        }
        if k == 1 {
            visit32(&self.forest, &x, |row, _, node| {
                raw[row] += self.leaf_steps[node as usize];
            });
        } else {
            visit32(&self.forest, &x, |row, tree, node| {
                raw[row * k + tree % k] += self.leaf_steps[node as usize];
            });
        }
        Ok((x.rows, raw))
    }

    fn probabilities(&self, raw: Vec<f64>) -> Vec<f64> {
        match self.link {
            Link::Logit | Link::HalfLogit => raw
                .into_iter()
                .flat_map(|raw| {
                    let p = if self.link == Link::Logit {
                        expit(raw)
                    } else {
                        expit(2.0 * raw)
                    };
                    [1.0 - p, p]
                })
                .collect(),
            _ => {
                let mut raw = raw;
                raw.chunks_exact_mut(self.k).for_each(softmax);
                raw
            }
        }
    }
}

impl Model for GradientBoosting {
    fn meta(&self) -> &Meta {
        &self.meta
    }

    fn methods(&self) -> Vec<Method> {
        if self.classes.is_some() {
            vec![
                Method::Predict,
                Method::PredictProba,
                Method::PredictLogProba,
                Method::DecisionFunction,
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
        let shaped = |rows: usize, values: Vec<f64>, width: usize| {
            if width == 1 {
                Output::vector(Values::F64(values))
            } else {
                Output {
                    shape: vec![rows, width],
                    values: Values::F64(values),
                }
            }
        };
        match method {
            Method::Apply => {
                // The first stage's `_validate_X_predict`: a regression tree takes NaN.
                let x = float32_input(&self.meta, x, true)?;
                let n_trees = self.forest.len();
                let n_estimators = n_trees / self.k;
                let mut leaves = vec![0.0; x.rows * n_trees];
                visit32(&self.forest, &x, |row, tree, node| {
                    leaves[row * n_trees + tree] =
                        (node as usize - self.forest.offset(tree)) as f64;
                });
                let shape = if self.classes.is_some() {
                    vec![x.rows, n_estimators, self.k]
                } else {
                    vec![x.rows, n_estimators]
                };
                Ok(Output {
                    shape,
                    values: Values::F64(leaves),
                })
            }
            Method::DecisionFunction => {
                let (rows, raw) = self.raw_all(x)?;
                Ok(shaped(rows, raw, self.k))
            }
            Method::Predict => {
                let (rows, raw) = self.raw_all(x)?;
                let Some(classes) = &self.classes else {
                    return Ok(shaped(rows, raw, 1));
                };
                let indices: Vec<usize> = if self.k == 1 {
                    raw.iter().map(|&raw| usize::from(raw >= 0.0)).collect()
                } else {
                    raw.chunks_exact(self.k).map(argmax).collect()
                };
                Ok(Output::vector(classes.take(indices)))
            }
            Method::PredictProba | Method::PredictLogProba => {
                let (rows, raw) = self.raw_all(x)?;
                let mut proba = self.probabilities(raw);
                if method == Method::PredictLogProba {
                    proba.iter_mut().for_each(|p| *p = p.ln());
                }
                let width = proba.len() / rows.max(1);
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
    fn numpy_sum_follows_pairwise_blocks() {
        let values: Vec<f64> = (0..20).map(|i| 1.0 / f64::from(i + 1)).collect();
        let mut r = [0.0; 8];
        r.copy_from_slice(&values[..8]);
        for (j, slot) in r.iter_mut().enumerate() {
            *slot += values[8 + j];
        }
        let mut expected = ((r[0] + r[1]) + (r[2] + r[3])) + ((r[4] + r[5]) + (r[6] + r[7]));
        for value in &values[16..] {
            expected += value;
        }
        assert_eq!(numpy_sum(&values).to_bits(), expected.to_bits());
        assert_eq!(numpy_sum(&[1.0, 2.0, 3.0]), 6.0);
    }

    #[test]
    fn logit_switches_formula_at_scipy_bounds() {
        assert_eq!(logit(0.2), (0.2f64 / 0.8).ln());
        let s = 2.0 * (0.5f64 - 0.5);
        assert_eq!(logit(0.5), s.ln_1p() - (-s).ln_1p());
        assert!((expit(logit(0.7)) - 0.7).abs() < 1e-15);
    }
}
