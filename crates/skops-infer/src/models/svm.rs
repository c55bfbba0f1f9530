//! Kernel SVMs (`SVC`, `NuSVC`, `SVR`, `NuSVR`, `OneClassSVM`) fitted on dense data: libsvm's
//! `svm_predict_values` and `svm_predict_probability` as scikit-learn's bundled copy runs
//! them (kernel values per support vector, sums per class pair in one-vs-one order, votes,
//! Platt scaling and Wu-Lin-Weng pairwise coupling).
//!
//! libsvm computes dot products (and the squared distance of the RBF kernel) with BLAS
//! `ddot`; here they are sequential sums, which equal OpenBLAS's for fewer than 16 features
//! and stay within `2·eps·Σ|xᵢyᵢ|` of it otherwise (`docs/inference.md`).

use crate::data::Data;
use crate::error::Result;
use crate::model::{Meta, Method, Model};
use crate::models::wide::wide;
use crate::output::{Labels, Output, Values, argmax};
use crate::read::Obj;

/// A kernel of libsvm (`Kernel::k_function`).
#[derive(Debug, Clone, Copy)]
enum Kernel {
    Linear,
    Poly { gamma: f64, coef0: f64, degree: i32 },
    Rbf { gamma: f64 },
    Sigmoid { gamma: f64, coef0: f64 },
}

/// `x · y`, summed left to right.
fn dot(x: &[f64], y: &[f64]) -> f64 {
    x.iter().zip(y).fold(0.0, |sum, (a, b)| sum + a * b)
}

/// libsvm's `powi`: `base^times` by repeated squaring.
fn powi(base: f64, times: i32) -> f64 {
    let mut tmp = base;
    let mut ret = 1.0;
    let mut t = times;
    while t > 0 {
        if t % 2 == 1 {
            ret *= tmp;
        }
        tmp *= tmp;
        t /= 2;
    }
    ret
}

impl Kernel {
    /// The kernel value from its sum: `x · sv`, or `Σ (x - sv)²` for RBF.
    fn finish(self, sum: f64) -> f64 {
        match self {
            Self::Linear => sum,
            Self::Poly {
                gamma,
                coef0,
                degree,
            } => powi(gamma * sum + coef0, degree),
            Self::Rbf { gamma } => (-gamma * sum).exp(),
            Self::Sigmoid { gamma, coef0 } => (gamma * sum + coef0).tanh(),
        }
    }

    fn eval(self, x: &[f64], sv: &[f64]) -> f64 {
        let sum = if let Self::Rbf { .. } = self {
            // The differences first (libsvm's `m_array`), then their dot product.
            x.iter().zip(sv).fold(0.0, |sum, (a, b)| {
                let d = a - b;
                sum + d * d
            })
        } else {
            dot(x, sv)
        };
        self.finish(sum)
    }

    /// [`Kernel::eval`] of `x` against each of `n_sv` support vectors held in `blocks`
    /// (see [`Svm::sv_blocks`]): the sums of [`SV_LANES`] vectors run side by side, each in
    /// feature order, so each value is the one `eval` gives.
    #[inline(always)]
    fn eval_blocks(self, x: &[f64], blocks: &[f64], n_sv: usize) -> Vec<f64> {
        let mut values = Vec::with_capacity(n_sv + SV_LANES);
        if x.is_empty() {
            values.resize(n_sv, self.finish(0.0));
            return values;
        }
        for block in blocks.chunks_exact(SV_LANES * x.len()) {
            let mut sums = [0.0; SV_LANES];
            let lanes = block.chunks_exact(SV_LANES);
            if let Self::Rbf { .. } = self {
                for (&item, lanes) in x.iter().zip(lanes) {
                    for (sum, &sv) in sums.iter_mut().zip(lanes) {
                        let d = item - sv;
                        *sum += d * d;
                    }
                }
            } else {
                for (&item, lanes) in x.iter().zip(lanes) {
                    for (sum, &sv) in sums.iter_mut().zip(lanes) {
                        *sum += item * sv;
                    }
                }
            }
            values.extend(sums.iter().map(|&sum| self.finish(sum)));
        }
        values.truncate(n_sv);
        values
    }
}

/// What the SVM is.
#[derive(Debug)]
enum Kind {
    /// `SVC`, `NuSVC`.
    Classifier {
        classes: Labels,
        /// `decision_function_shape == "ovr"`.
        ovr: bool,
        break_ties: bool,
        /// `(probA, probB)` per class pair, when fitted with `probability=True`.
        platt: Option<Platt>,
    },
    /// `SVR`, `NuSVR`.
    Regressor,
    /// `OneClassSVM` with its `offset_`.
    OneClass { offset: f64 },
}

/// `(probA, probB)`: Platt scaling per class pair.
type Platt = (Vec<f64>, Vec<f64>);

/// A classifier's classes, `ovr`, `break_ties` and Platt scaling.
type ClassifierParts<'a> = (&'a Labels, bool, bool, Option<&'a Platt>);

/// A libsvm model.
#[derive(Debug)]
pub struct Svm {
    meta: Meta,
    kind: Kind,
    kernel: Kernel,
    /// `support_vectors_`, row-major, `n_sv x n_features`.
    support_vectors: Vec<f64>,
    /// The support vectors in blocks of [`SV_LANES`], each transposed (item `j * SV_LANES +
    /// l` of block `b` is support vector `b * SV_LANES + l`'s item `j`; the last block padded
    /// with zeros), so that a row's kernel sums run for several vectors at once.
    sv_blocks: Vec<f64>,
    n_features: usize,
    /// `_dual_coef_` (not the sign-flipped `dual_coef_`), `rows x n_sv`.
    dual_coef: Vec<f64>,
    /// libsvm's `rho`: `-_intercept_`.
    rho: Vec<f64>,
    /// `_n_support` (support vectors per class, classifiers only).
    n_support: Vec<usize>,
}

/// Builds an `SVC` or `NuSVC`.
pub fn svc(obj: &Obj<'_, '_>) -> Result<Box<dyn Model>> {
    build(obj, Role::Classifier)
}

/// Builds an `SVR` or `NuSVR`.
pub fn svr(obj: &Obj<'_, '_>) -> Result<Box<dyn Model>> {
    build(obj, Role::Regressor)
}

/// Builds a `OneClassSVM`.
pub fn one_class_svm(obj: &Obj<'_, '_>) -> Result<Box<dyn Model>> {
    build(obj, Role::OneClass)
}

#[derive(Clone, Copy, PartialEq)]
enum Role {
    Classifier,
    Regressor,
    OneClass,
}

fn build(obj: &Obj<'_, '_>, role: Role) -> Result<Box<dyn Model>> {
    let meta = Meta::read(obj)?;
    let kernel_name = match obj.json("kernel")? {
        Some(skops_format::json::Value::String(text)) => text.as_str().map(str::to_owned),
        _ => None,
    }
    .ok_or_else(|| obj.unsupported_option("a callable `kernel`"))?;
    if obj.has("_sparse") && obj.bool("_sparse")? {
        return Err(obj.unsupported_option("a model fitted on sparse data (`_sparse=True`)"));
    }
    let gamma = || obj.float("_gamma");
    let coef0 = || obj.float("coef0");
    let kernel = match kernel_name.as_str() {
        "linear" => Kernel::Linear,
        "poly" => {
            let degree = obj.int("degree")?;
            let degree = i32::try_from(degree)
                .ok()
                .filter(|degree| *degree >= 0)
                .ok_or_else(|| obj.malformed(format!("`degree` is {degree}")))?;
            Kernel::Poly {
                gamma: gamma()?,
                coef0: coef0()?,
                degree,
            }
        }
        "rbf" => Kernel::Rbf { gamma: gamma()? },
        "sigmoid" => Kernel::Sigmoid {
            gamma: gamma()?,
            coef0: coef0()?,
        },
        other => return Err(obj.unsupported_option(format!("kernel='{other}'"))),
    };

    let (support_vectors, shape) = obj.floats("support_vectors_")?;
    let [n_sv, n_features] = shape[..] else {
        return Err(obj.malformed(format!("`support_vectors_` has shape {shape:?}")));
    };
    if let Some(expected) = meta.n_features_in {
        if expected != n_features && n_sv > 0 {
            return Err(obj.malformed("`support_vectors_` and `n_features_in_` disagree"));
        }
    }
    let n_features = meta.n_features_in.unwrap_or(n_features);
    let (dual_coef, coef_shape) = obj.floats("_dual_coef_")?;
    let intercept = obj.vector("_intercept_", None)?;
    let rho: Vec<f64> = intercept.iter().map(|value| -value).collect();

    let (kind, n_support) = match role {
        Role::Classifier => {
            let classes = obj.labels("classes_")?;
            let k = classes.len();
            if k < 2 {
                return Err(obj.malformed("fewer than two classes"));
            }
            let pairs = k * (k - 1) / 2;
            let n_support = obj
                .array("_n_support")?
                .i64s(obj)?
                .into_iter()
                .map(usize::try_from)
                .collect::<std::result::Result<Vec<_>, _>>()
                .map_err(|_| obj.malformed("`_n_support` is negative"))?;
            if n_support.len() != k || n_support.iter().sum::<usize>() != n_sv {
                // scikit-learn's own check (CVE-2020-28975).
                return Err(obj.malformed("`_n_support` does not match `support_vectors_`"));
            }
            if coef_shape != [k - 1, n_sv] || rho.len() != pairs {
                return Err(obj.malformed("`_dual_coef_` or `_intercept_` has the wrong shape"));
            }
            let shape = obj.string("decision_function_shape")?;
            let ovr = match shape.as_str() {
                "ovr" => true,
                "ovo" => false,
                other => {
                    return Err(obj.malformed(format!("decision_function_shape={other:?}")));
                }
            };
            let break_ties = obj.bool("break_ties")?;
            // `probability` is a boolean, or "deprecated" (scikit-learn 1.9) for False.
            let probability = matches!(
                obj.json("probability")?,
                Some(skops_format::json::Value::Bool(true))
            );
            let platt = if probability {
                let a = obj.vector("_probA", None)?;
                let b = obj.vector("_probB", None)?;
                if a.is_empty() || b.is_empty() {
                    None
                } else if a.len() != pairs || b.len() != pairs {
                    return Err(obj.malformed("`_probA`/`_probB` do not have one item per pair"));
                } else {
                    Some((a, b))
                }
            } else {
                None
            };
            (
                Kind::Classifier {
                    classes,
                    ovr,
                    break_ties,
                    platt,
                },
                n_support,
            )
        }
        Role::Regressor | Role::OneClass => {
            if coef_shape != [1, n_sv] || rho.len() != 1 {
                return Err(obj.malformed("`_dual_coef_` or `_intercept_` has the wrong shape"));
            }
            let kind = if role == Role::Regressor {
                Kind::Regressor
            } else {
                let offset = obj.vector("offset_", Some(1))?[0];
                Kind::OneClass { offset }
            };
            (kind, vec![n_sv])
        }
    };
    let sv_blocks = sv_blocks(&support_vectors, n_features);
    Ok(Box::new(Svm {
        meta,
        kind,
        kernel,
        sv_blocks,
        support_vectors,
        n_features,
        dual_coef,
        rho,
        n_support,
    }))
}

/// Support vectors per block of [`Svm::sv_blocks`].
const SV_LANES: usize = 8;

fn sv_blocks(support_vectors: &[f64], n_features: usize) -> Vec<f64> {
    if n_features == 0 {
        return Vec::new();
    }
    let n_sv = support_vectors.len() / n_features;
    let mut blocks = vec![0.0; n_sv.div_ceil(SV_LANES) * SV_LANES * n_features];
    for (index, vector) in support_vectors.chunks_exact(n_features).enumerate() {
        let block = &mut blocks[(index / SV_LANES) * SV_LANES * n_features..];
        for (feature, &item) in vector.iter().enumerate() {
            block[feature * SV_LANES + index % SV_LANES] = item;
        }
    }
    blocks
}

impl Svm {
    /// `K(x, sv_i)` for every support vector.
    fn kernel_values(&self, x: &[f64]) -> Vec<f64> {
        let n_sv = self.n_sv();
        if x.len() != self.n_features
            || self.sv_blocks.len() != n_sv.div_ceil(SV_LANES) * SV_LANES * x.len()
        {
            return (0..n_sv)
                .map(|index| self.kernel.eval(x, self.support_vector(index)))
                .collect();
        }
        // In AVX2 registers where the CPU has them: the same bits.
        wide(
            #[inline(always)]
            || self.kernel.eval_blocks(x, &self.sv_blocks, n_sv),
        )
    }

    fn n_sv(&self) -> usize {
        self.n_support.iter().sum()
    }

    fn support_vector(&self, index: usize) -> &[f64] {
        &self.support_vectors[index * self.n_features..(index + 1) * self.n_features]
    }

    /// `svm_predict_values` for SVR / one-class: `Σ coef_i K(x, sv_i) - rho`.
    fn single(&self, x: &[f64]) -> f64 {
        let mut sum = 0.0;
        for (coef, value) in self.dual_coef.iter().zip(self.kernel_values(x)) {
            sum += coef * value;
        }
        sum - self.rho[0]
    }

    /// `svm_predict_values` for classifiers: the one-vs-one decision values (unflipped) and
    /// the index of the class with the most votes (the first one on ties).
    fn pairwise(&self, x: &[f64]) -> (Vec<f64>, usize) {
        let n_sv = self.n_sv();
        let kvalue = self.kernel_values(x);
        let k = self.n_support.len();
        let mut start = vec![0usize; k];
        for i in 1..k {
            start[i] = start[i - 1] + self.n_support[i - 1];
        }
        let mut vote = vec![0usize; k];
        let mut dec = Vec::with_capacity(k * (k - 1) / 2);
        let mut p = 0;
        for i in 0..k {
            for j in i + 1..k {
                let coef1 = &self.dual_coef[(j - 1) * n_sv..j * n_sv];
                let coef2 = &self.dual_coef[i * n_sv..(i + 1) * n_sv];
                let mut sum = 0.0;
                for at in start[i]..start[i] + self.n_support[i] {
                    sum += coef1[at] * kvalue[at];
                }
                for at in start[j]..start[j] + self.n_support[j] {
                    sum += coef2[at] * kvalue[at];
                }
                sum -= self.rho[p];
                if sum > 0.0 {
                    vote[i] += 1;
                } else {
                    vote[j] += 1;
                }
                dec.push(sum);
                p += 1;
            }
        }
        let mut best = 0;
        for i in 1..k {
            if vote[i] > vote[best] {
                best = i;
            }
        }
        (dec, best)
    }

    fn classifier_parts(&self) -> Option<ClassifierParts<'_>> {
        match &self.kind {
            Kind::Classifier {
                classes,
                ovr,
                break_ties,
                platt,
            } => Some((classes, *ovr, *break_ties, platt.as_ref())),
            _ => None,
        }
    }
}

/// `_ovr_decision_function(dec < 0, -dec, k)` for one row.
fn ovr_decision(dec: &[f64], k: usize) -> Vec<f64> {
    let mut votes = vec![0.0; k];
    let mut sums = vec![0.0; k];
    let mut p = 0;
    for i in 0..k {
        for j in i + 1..k {
            let confidence = -dec[p];
            sums[i] -= confidence;
            sums[j] += confidence;
            if dec[p] < 0.0 {
                votes[j] += 1.0;
            } else {
                votes[i] += 1.0;
            }
            p += 1;
        }
    }
    votes
        .iter()
        .zip(&sums)
        .map(|(vote, sum)| vote + sum / (3.0 * (sum.abs() + 1.0)))
        .collect()
}

/// libsvm's `sigmoid_predict` (Platt scaling).
fn sigmoid_predict(decision: f64, a: f64, b: f64) -> f64 {
    let f_ap_b = decision * a + b;
    if f_ap_b >= 0.0 {
        (-f_ap_b).exp() / (1.0 + (-f_ap_b).exp())
    } else {
        1.0 / (1.0 + f_ap_b.exp())
    }
}

/// libsvm's `multiclass_probability`: method 2 of Wu, Lin and Weng, from the pairwise
/// probabilities `r` (`k x k`, row-major).
fn multiclass_probability(k: usize, r: &[f64]) -> Vec<f64> {
    let max_iter = 100.max(k);
    let eps = 0.005 / k as f64;
    let mut p = vec![1.0 / k as f64; k];
    let mut q = vec![0.0; k * k];
    for t in 0..k {
        q[t * k + t] = 0.0;
        for j in 0..t {
            q[t * k + t] += r[j * k + t] * r[j * k + t];
            q[t * k + j] = q[j * k + t];
        }
        for j in t + 1..k {
            q[t * k + t] += r[j * k + t] * r[j * k + t];
            q[t * k + j] = -r[j * k + t] * r[t * k + j];
        }
    }
    let mut qp = vec![0.0; k];
    for _ in 0..max_iter {
        let mut pqp = 0.0;
        for t in 0..k {
            qp[t] = 0.0;
            for j in 0..k {
                qp[t] += q[t * k + j] * p[j];
            }
            pqp += p[t] * qp[t];
        }
        let mut max_error: f64 = 0.0;
        for qp_t in &qp {
            let error = (qp_t - pqp).abs();
            if error > max_error {
                max_error = error;
            }
        }
        if max_error < eps {
            break;
        }
        for t in 0..k {
            let diff = (-qp[t] + pqp) / q[t * k + t];
            p[t] += diff;
            pqp = (pqp + diff * (diff * q[t * k + t] + 2.0 * qp[t])) / (1.0 + diff) / (1.0 + diff);
            for j in 0..k {
                qp[j] = (qp[j] + diff * q[t * k + j]) / (1.0 + diff);
                p[j] /= 1.0 + diff;
            }
        }
    }
    p
}

/// `svm_predict_probability`'s probabilities for one row's decision values.
fn probabilities(dec: &[f64], k: usize, a: &[f64], b: &[f64]) -> Vec<f64> {
    let min_prob = 1e-7;
    let mut r = vec![0.0; k * k];
    let mut at = 0;
    for i in 0..k {
        for j in i + 1..k {
            let pair = sigmoid_predict(dec[at], a[at], b[at])
                .max(min_prob)
                .min(1.0 - min_prob);
            r[i * k + j] = pair;
            r[j * k + i] = 1.0 - pair;
            at += 1;
        }
    }
    multiclass_probability(k, &r)
}

impl Model for Svm {
    fn meta(&self) -> &Meta {
        &self.meta
    }

    fn methods(&self) -> Vec<Method> {
        match &self.kind {
            Kind::Classifier { platt, .. } => {
                let mut methods = vec![Method::Predict, Method::DecisionFunction];
                if platt.is_some() {
                    methods.extend([Method::PredictProba, Method::PredictLogProba]);
                }
                methods
            }
            Kind::Regressor => vec![Method::Predict],
            Kind::OneClass { .. } => vec![
                Method::Predict,
                Method::DecisionFunction,
                Method::ScoreSamples,
            ],
        }
    }

    fn run(&self, method: Method, x: &Data) -> Result<Output> {
        if !self.methods().contains(&method) {
            return Err(self.meta.no_method(method));
        }
        let x = self.meta.dense(x, Some(self.n_features))?;
        self.meta.check_finite(&x)?;
        let rows = x.rows();
        if let Some((classes, ovr, break_ties, platt)) = self.classifier_parts() {
            let k = classes.len();
            let pairs = k * (k - 1) / 2;
            return Ok(match method {
                Method::Predict => {
                    if break_ties && !ovr {
                        // scikit-learn raises ValueError on every `predict` then.
                        return Err(crate::error::ModelError::UnsupportedOption {
                            type_name: self.meta.type_name.clone(),
                            path: self.meta.path.clone(),
                            what: "break_ties=True with decision_function_shape='ovo' \
                                   (scikit-learn refuses to predict)"
                                .to_owned(),
                        }
                        .into());
                    }
                    let indices: Vec<usize> = x
                        .iter_rows()
                        .map(|row| {
                            let (dec, voted) = self.pairwise(row);
                            if break_ties && ovr && k > 2 {
                                argmax(&ovr_decision(&dec, k))
                            } else {
                                voted
                            }
                        })
                        .collect();
                    Output::vector(classes.take(indices))
                }
                Method::DecisionFunction => {
                    if k == 2 {
                        // Binary: the sign flipped, as one column raveled.
                        let values = x.iter_rows().map(|row| -self.pairwise(row).0[0]);
                        Output::vector(Values::F64(values.collect()))
                    } else {
                        let width = if ovr { k } else { pairs };
                        let mut values = Vec::with_capacity(rows * width);
                        for row in x.iter_rows() {
                            let dec = self.pairwise(row).0;
                            if ovr {
                                values.extend(ovr_decision(&dec, k));
                            } else {
                                values.extend(dec);
                            }
                        }
                        Output {
                            shape: vec![rows, width],
                            values: Values::F64(values),
                        }
                    }
                }
                Method::PredictProba | Method::PredictLogProba => {
                    let Some((a, b)) = platt else {
                        return Err(self.meta.no_method(method));
                    };
                    let mut values = Vec::with_capacity(rows * k);
                    for row in x.iter_rows() {
                        values.extend(probabilities(&self.pairwise(row).0, k, a, b));
                    }
                    if method == Method::PredictLogProba {
                        values.iter_mut().for_each(|value| *value = value.ln());
                    }
                    Output {
                        shape: vec![rows, k],
                        values: Values::F64(values),
                    }
                }
                _ => return Err(self.meta.no_method(method)),
            });
        }
        let scores = x.iter_rows().map(|row| self.single(row));
        Ok(match (&self.kind, method) {
            (Kind::Regressor, Method::Predict) => Output::vector(Values::F64(scores.collect())),
            (Kind::OneClass { .. }, Method::Predict) => Output::vector(Values::I64(
                scores
                    .map(|score| if score > 0.0 { 1 } else { -1 })
                    .collect(),
            )),
            (Kind::OneClass { .. }, Method::DecisionFunction) => {
                Output::vector(Values::F64(scores.collect()))
            }
            (Kind::OneClass { offset }, Method::ScoreSamples) => {
                Output::vector(Values::F64(scores.map(|score| score + offset).collect()))
            }
            _ => return Err(self.meta.no_method(method)),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn blocked_kernel_values_equal_eval() {
        let mut random = crate::models::wide::test_values();
        for (n_sv, n_features) in [(1, 3), (8, 20), (13, 7), (30, 1)] {
            let svs: Vec<f64> = (0..n_sv * n_features).map(|_| random()).collect();
            let x: Vec<f64> = (0..n_features).map(|_| random()).collect();
            let blocks = sv_blocks(&svs, n_features);
            for kernel in [
                Kernel::Linear,
                Kernel::Rbf { gamma: 0.3 },
                Kernel::Poly {
                    gamma: 0.5,
                    coef0: 1.0,
                    degree: 3,
                },
                Kernel::Sigmoid {
                    gamma: 0.1,
                    coef0: -0.5,
                },
            ] {
                let got = kernel.eval_blocks(&x, &blocks, n_sv);
                let wide_bits: Vec<u64> = wide(
                    #[inline(always)]
                    || kernel.eval_blocks(&x, &blocks, n_sv),
                )
                .iter()
                .map(|value| value.to_bits())
                .collect();
                let expected: Vec<u64> = svs
                    .chunks_exact(n_features)
                    .map(|sv| kernel.eval(&x, sv).to_bits())
                    .collect();
                let got: Vec<u64> = got.iter().map(|value| value.to_bits()).collect();
                assert_eq!(got, expected, "{kernel:?}, {n_sv} x {n_features}");
                assert_eq!(
                    wide_bits, expected,
                    "AVX2: {kernel:?}, {n_sv} x {n_features}"
                );
            }
        }
    }

    #[test]
    fn powi_squares_repeatedly() {
        assert_eq!(powi(3.0, 0), 1.0);
        assert_eq!(powi(3.0, 3), 27.0);
        assert_eq!(powi(2.0, 10), 1024.0);
    }

    #[test]
    fn ovr_decision_counts_votes_and_confidences() {
        // 3 classes, pairs (0,1), (0,2), (1,2): class 0 wins both its pairs.
        let out = ovr_decision(&[1.0, 2.0, -0.5], 3);
        assert_eq!(out.len(), 3);
        assert!(out[0] > 2.0 && out[0] < 2.5);
        assert!(argmax(&out) == 0);
    }

    #[test]
    fn coupling_of_two_classes_returns_the_pairwise_probability() {
        let p = multiclass_probability(2, &[0.0, 0.8, 0.2, 0.0]);
        assert!((p[0] - 0.8).abs() < 1e-2 && (p[0] + p[1] - 1.0).abs() < 1e-12);
    }
}
