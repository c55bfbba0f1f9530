//! k-nearest-neighbors classifiers and regressors, by brute force over `_fit_X` whatever
//! index (`kd_tree`, `ball_tree`, `brute`) was fitted: every training point's distance in
//! the metric's order of operations (the trees' and the generic brute path's), the `k`
//! smallest with the lower index first on equal distances, then scikit-learn's weighting.
//!
//! scikit-learn's brute euclidean path computes `‖x‖² − 2x·y + ‖y‖²` with BLAS; here
//! distances are exact sums of squared differences, so they may differ from it by the
//! cancellation error of that expansion (`docs/inference.md`).

use crate::data::Data;
use crate::error::Result;
use crate::model::{Meta, Method, Model};
use crate::output::{Labels, Output, Values, argmax};
use crate::read::Obj;

/// A distance metric of `sklearn.metrics.DistanceMetric`, as `rdist` (the rank-preserving
/// surrogate) and `rdist_to_dist`.
#[derive(Debug, Clone, Copy)]
enum Metric {
    Euclidean,
    Manhattan,
    Chebyshev,
    Minkowski(f64),
}

impl Metric {
    fn rdist(self, x: &[f64], y: &[f64]) -> f64 {
        let pairs = x.iter().zip(y);
        match self {
            Self::Euclidean => pairs.fold(0.0, |sum, (a, b)| {
                let d = a - b;
                sum + d * d
            }),
            Self::Manhattan => pairs.fold(0.0, |sum, (a, b)| sum + (a - b).abs()),
            // `fmax(d, fabs(x1 - x2))`.
            Self::Chebyshev => pairs.fold(0.0, |max: f64, (a, b)| max.max((a - b).abs())),
            Self::Minkowski(p) => pairs.fold(0.0, |sum, (a, b)| sum + (a - b).abs().powf(p)),
        }
    }

    fn rdist_to_dist(self, rdist: f64) -> f64 {
        match self {
            Self::Euclidean => rdist.sqrt(),
            Self::Manhattan | Self::Chebyshev => rdist,
            Self::Minkowski(p) => rdist.powf(1.0 / p),
        }
    }
}

/// numpy's `np.add.reduce` of a contiguous run: `0.0` plus the pairwise sum of the items
/// (sequential below 8 items, 8 accumulators up to 128, halves above).
fn numpy_sum(values: &[f64]) -> f64 {
    0.0 + pairwise_sum(values)
}

fn pairwise_sum(a: &[f64]) -> f64 {
    let n = a.len();
    if n < 8 {
        a.iter().fold(0.0, |sum, value| sum + value)
    } else if n <= 128 {
        let mut r = [0.0; 8];
        r.copy_from_slice(&a[..8]);
        let mut i = 8;
        while i < n - n % 8 {
            for (j, acc) in r.iter_mut().enumerate() {
                *acc += a[i + j];
            }
            i += 8;
        }
        let mut res = ((r[0] + r[1]) + (r[2] + r[3])) + ((r[4] + r[5]) + (r[6] + r[7]));
        for value in &a[i..] {
            res += value;
        }
        res
    } else {
        let mut n2 = n / 2;
        n2 -= n2 % 8;
        pairwise_sum(&a[..n2]) + pairwise_sum(&a[n2..])
    }
}

#[derive(Debug)]
enum Target {
    /// `classes_` and `_y` (the class index of each training point).
    Classes(Labels, Vec<usize>),
    /// `_y` (one output).
    Values(Vec<f64>),
}

/// `KNeighborsClassifier` or `KNeighborsRegressor`.
#[derive(Debug)]
pub struct KNeighbors {
    meta: Meta,
    metric: Metric,
    distance_weights: bool,
    k: usize,
    fit_x: Vec<f64>,
    n_fit: usize,
    n_features: usize,
    target: Target,
}

/// Builds a `KNeighborsClassifier`.
pub fn k_neighbors_classifier(obj: &Obj<'_, '_>) -> Result<Box<dyn Model>> {
    build(obj, true)
}

/// Builds a `KNeighborsRegressor`.
pub fn k_neighbors_regressor(obj: &Obj<'_, '_>) -> Result<Box<dyn Model>> {
    build(obj, false)
}

fn string_option(obj: &Obj<'_, '_>, key: &str) -> Result<String> {
    match obj.json(key)? {
        Some(skops_format::json::Value::String(text)) => text.as_str().map(str::to_owned),
        _ => None,
    }
    .ok_or_else(|| obj.unsupported_option(format!("a callable `{key}`")))
}

fn build(obj: &Obj<'_, '_>, classifier: bool) -> Result<Box<dyn Model>> {
    let meta = Meta::read(obj)?;
    if !obj.is_none("metric_params") {
        return Err(obj.unsupported_option("`metric_params`"));
    }
    let metric_name = string_option(obj, "effective_metric_")?;
    let metric = match metric_name.as_str() {
        "euclidean" | "l2" => Metric::Euclidean,
        "manhattan" | "cityblock" | "l1" => Metric::Manhattan,
        "chebyshev" | "infinity" => Metric::Chebyshev,
        "minkowski" => {
            let p = obj.float("p")?;
            if !(p.is_finite() && p > 0.0) {
                return Err(obj.unsupported_option(format!("p={p}")));
            }
            match p {
                1.0 => Metric::Manhattan,
                2.0 => Metric::Euclidean,
                _ => Metric::Minkowski(p),
            }
        }
        other => return Err(obj.unsupported_option(format!("metric='{other}'"))),
    };
    let distance_weights = match string_option(obj, "weights")?.as_str() {
        "uniform" => false,
        "distance" => true,
        other => return Err(obj.unsupported_option(format!("weights='{other}'"))),
    };
    if obj.has("outputs_2d_") && obj.bool("outputs_2d_")? {
        return Err(obj.unsupported_option("several outputs (a 2-D `y`)"));
    }
    let (fit_x, shape) = obj.floats("_fit_X")?;
    let [n_fit, n_features] = shape[..] else {
        return Err(obj.malformed(format!("`_fit_X` has shape {shape:?}")));
    };
    if meta.n_features_in.is_some_and(|n| n != n_features) {
        return Err(obj.malformed("`_fit_X` and `n_features_in_` disagree"));
    }
    let k = obj.count("n_neighbors")?;
    if k == 0 || k > n_fit {
        return Err(obj.malformed(format!(
            "n_neighbors={k} with {n_fit} fitted samples (scikit-learn refuses every query)"
        )));
    }
    let target = if classifier {
        let classes = obj.labels("classes_")?;
        let y = obj
            .array("_y")?
            .i64s(obj)?
            .into_iter()
            .map(|index| usize::try_from(index).ok().filter(|&i| i < classes.len()))
            .collect::<Option<Vec<_>>>()
            .ok_or_else(|| obj.malformed("`_y` holds an index outside `classes_`"))?;
        if y.len() != n_fit {
            return Err(obj.malformed("`_y` and `_fit_X` disagree"));
        }
        Target::Classes(classes, y)
    } else {
        let (y, shape) = obj.floats("_y")?;
        match shape[..] {
            [n] if n == n_fit => Target::Values(y),
            [_, _] => return Err(obj.unsupported_option("several outputs (a 2-D `y`)")),
            _ => return Err(obj.malformed("`_y` and `_fit_X` disagree")),
        }
    };
    Ok(Box::new(KNeighbors {
        meta,
        metric,
        distance_weights,
        k,
        fit_x,
        n_fit,
        n_features,
        target,
    }))
}

impl KNeighbors {
    /// The `k` nearest training points of `x`, nearest first (the lower index first on
    /// equal distances), with their distances.
    fn neighbors(&self, x: &[f64]) -> Result<Vec<(f64, usize)>> {
        let cols = self.n_features;
        let mut all: Vec<(f64, usize)> = (0..self.n_fit)
            .map(|index| {
                let y = &self.fit_x[index * cols..(index + 1) * cols];
                (self.metric.rdist(x, y), index)
            })
            .collect();
        let order = |a: &(f64, usize), b: &(f64, usize)| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1));
        if self.k < all.len() {
            all.select_nth_unstable_by(self.k - 1, order);
            all.truncate(self.k);
        }
        all.sort_unstable_by(order);
        // Finite inputs far apart overflow the distance to infinity: scikit-learn's trees
        // then pick among equal infinities in their own order, so such a row is refused.
        if all.last().is_some_and(|entry| !entry.0.is_finite()) {
            return Err(crate::error::InputError::Value {
                reason: format!(
                    "a row is so far from the fitted points that {}'s distances overflow",
                    self.meta.who()
                ),
            }
            .into());
        }
        all.iter_mut()
            .for_each(|entry| entry.0 = self.metric.rdist_to_dist(entry.0));
        Ok(all)
    }

    /// `_get_weights(dist, "distance")`: `1 / dist`, or, in a row with a zero distance, 1 for
    /// the zero distances and 0 for the others.
    fn weights(neighbors: &[(f64, usize)]) -> Vec<f64> {
        let weights: Vec<f64> = neighbors.iter().map(|(dist, _)| 1.0 / dist).collect();
        if weights.iter().any(|w| w.is_infinite()) {
            weights
                .iter()
                .map(|w| if w.is_infinite() { 1.0 } else { 0.0 })
                .collect()
        } else {
            weights
        }
    }
}

impl Model for KNeighbors {
    fn meta(&self) -> &Meta {
        &self.meta
    }

    fn methods(&self) -> Vec<Method> {
        match self.target {
            Target::Classes(..) => vec![Method::Predict, Method::PredictProba],
            Target::Values(_) => vec![Method::Predict],
        }
    }

    fn run(&self, method: Method, x: &Data) -> Result<Output> {
        if !self.methods().contains(&method) {
            return Err(self.meta.no_method(method));
        }
        let x = self.meta.dense(x, Some(self.n_features))?;
        self.meta.check_finite(&x)?;
        let rows = x.rows();
        match &self.target {
            Target::Values(y) => {
                let mut out = Vec::with_capacity(rows);
                for row in x.iter_rows() {
                    let neighbors = self.neighbors(row)?;
                    out.push(if self.distance_weights {
                        let weights = Self::weights(&neighbors);
                        let products: Vec<f64> = neighbors
                            .iter()
                            .zip(&weights)
                            .map(|((_, index), w)| y[*index] * w)
                            .collect();
                        numpy_sum(&products) / numpy_sum(&weights)
                    } else {
                        // `np.mean` over the neighbors axis: a sequential sum, then `/ k`.
                        let sum = neighbors
                            .iter()
                            .fold(0.0, |sum, (_, index)| sum + y[*index]);
                        sum / self.k as f64
                    });
                }
                Ok(Output::vector(Values::F64(out)))
            }
            Target::Classes(classes, y) => {
                let n_classes = classes.len();
                let mut labels = Vec::with_capacity(rows);
                let mut proba = Vec::with_capacity(rows * n_classes);
                for row in x.iter_rows() {
                    let neighbors = self.neighbors(row)?;
                    let mut scores = vec![0.0; n_classes];
                    if self.distance_weights {
                        let weights = Self::weights(&neighbors);
                        for ((_, index), w) in neighbors.iter().zip(&weights) {
                            scores[y[*index]] += w;
                        }
                        if method == Method::Predict {
                            // `weighted_mode`: per class (ascending), the numpy sum of the
                            // weights of its neighbors (zeros elsewhere); the first maximum.
                            let mut best = (0usize, 0.0);
                            let mut present: Vec<usize> =
                                neighbors.iter().map(|(_, index)| y[*index]).collect();
                            present.sort_unstable();
                            present.dedup();
                            for class in present {
                                let masked: Vec<f64> = neighbors
                                    .iter()
                                    .zip(&weights)
                                    .map(
                                        |((_, index), w)| if y[*index] == class { *w } else { 0.0 },
                                    )
                                    .collect();
                                let count = numpy_sum(&masked);
                                if count > best.1 {
                                    best = (class, count);
                                }
                            }
                            labels.push(best.0);
                            continue;
                        }
                    } else {
                        for (_, index) in &neighbors {
                            scores[y[*index]] += 1.0;
                        }
                        if method == Method::Predict {
                            labels.push(argmax(&scores));
                            continue;
                        }
                    }
                    let total = numpy_sum(&scores);
                    proba.extend(scores.iter().map(|score| score / total));
                }
                Ok(if method == Method::Predict {
                    Output::vector(classes.take(labels))
                } else {
                    Output {
                        shape: vec![rows, n_classes],
                        values: Values::F64(proba),
                    }
                })
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numpy_sum_is_sequential_below_nine_items() {
        let values = [0.1, 0.2, 0.3, 1e16, -1e16, 0.4];
        let sequential = values.iter().fold(0.0, |sum, v| sum + v);
        assert_eq!(numpy_sum(&values), sequential);
    }

    #[test]
    fn pairwise_sum_uses_eight_accumulators() {
        let values: Vec<f64> = (0..20).map(|i| 1.0 / f64::from(i + 1)).collect();
        let mut r = [0.0; 8];
        r.copy_from_slice(&values[..8]);
        for (j, acc) in r.iter_mut().enumerate() {
            *acc += values[8 + j];
        }
        let mut expected = ((r[0] + r[1]) + (r[2] + r[3])) + ((r[4] + r[5]) + (r[6] + r[7]));
        for v in &values[16..] {
            expected += v;
        }
        assert_eq!(pairwise_sum(&values), expected);
    }

    #[test]
    fn zero_distances_take_all_the_weight() {
        assert_eq!(KNeighbors::weights(&[(0.0, 3), (2.0, 1)]), vec![1.0, 0.0]);
        assert_eq!(KNeighbors::weights(&[(4.0, 3), (2.0, 1)]), vec![0.25, 0.5]);
    }
}
