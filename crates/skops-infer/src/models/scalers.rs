//! Scalers: element-wise arithmetic in scikit-learn's order, so results are bit-exact.

use crate::data::Data;
use crate::error::Result;
use crate::model::{Meta, Method, Model};
use crate::output::Output;
use crate::read::Obj;

/// `StandardScaler`: `X -= mean_` (when `with_mean`), then `X /= scale_` (when `with_std`),
/// as `sklearn.preprocessing._data.StandardScaler.transform` does in place.
#[derive(Debug)]
pub struct StandardScaler {
    meta: Meta,
    mean: Option<Vec<f64>>,
    scale: Option<Vec<f64>>,
}

/// Builds a [`StandardScaler`].
pub fn standard_scaler(obj: &Obj<'_, '_>) -> Result<Box<dyn Model>> {
    let meta = Meta::read(obj)?;
    let n = meta.n_features_in;
    let mean = if obj.bool("with_mean")? {
        Some(obj.vector("mean_", n)?)
    } else {
        None
    };
    let scale = if obj.bool("with_std")? {
        Some(obj.vector("scale_", n)?)
    } else {
        None
    };
    Ok(Box::new(StandardScaler { meta, mean, scale }))
}

impl Model for StandardScaler {
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
        let mut x = self.meta.dense(x, None)?.into_owned();
        // `check_array(..., ensure_all_finite="allow-nan")`: NaN passes through, inf is refused.
        self.meta.check_no_infinity(&x)?;
        let cols = x.cols();
        for row in x.data_mut().chunks_exact_mut(cols.max(1)) {
            if let Some(mean) = &self.mean {
                row.iter_mut()
                    .zip(mean)
                    .for_each(|(value, mean)| *value -= mean);
            }
            if let Some(scale) = &self.scale {
                row.iter_mut()
                    .zip(scale)
                    .for_each(|(value, scale)| *value /= scale);
            }
        }
        Ok(Output::matrix(x))
    }
}

/// `np.clip(x, low, high)` for one float64: numpy's `_NPY_CLIP` is
/// `min(max(x, low), high)` where NaN propagates and ties keep the bound (so `-0.0`
/// clipped at `0.0` becomes `0.0`).
pub fn clip(x: f64, low: f64, high: f64) -> f64 {
    let raised = if x.is_nan() || x > low { x } else { low };
    if raised.is_nan() || raised < high {
        raised
    } else {
        high
    }
}

/// The two floats of a tuple attribute (`feature_range`).
fn pair(obj: &Obj<'_, '_>, key: &str) -> Result<(f64, f64)> {
    let items = obj.items(key)?;
    match items.as_slice() {
        [low, high] => match (obj.float_at(*low), obj.float_at(*high)) {
            (Some(low), Some(high)) => Ok((low, high)),
            _ => Err(obj.malformed(format!("`{key}` does not hold two numbers"))),
        },
        _ => Err(obj.malformed(format!("`{key}` does not hold two items"))),
    }
}

/// An element-wise scaler: each step applied to every row in order.
#[derive(Debug)]
pub struct Elementwise {
    meta: Meta,
    steps: Vec<Step>,
    /// `ensure_all_finite`: `true` refuses NaN too (the default), `false` lets NaN through.
    refuse_nan: bool,
}

/// One in-place numpy operation of a scaler's `transform`.
#[derive(Debug)]
enum Step {
    /// `X -= v`.
    Sub(Vec<f64>),
    /// `X *= v`.
    Mul(Vec<f64>),
    /// `X += v`.
    Add(Vec<f64>),
    /// `X /= v`.
    Div(Vec<f64>),
    /// `np.clip(X, low, high)`.
    Clip(f64, f64),
    /// `binarize`: 1 above the threshold, else 0.
    Binarize(f64),
}

impl Elementwise {
    fn boxed(meta: Meta, steps: Vec<Step>, refuse_nan: bool) -> Box<dyn Model> {
        Box::new(Self {
            meta,
            steps,
            refuse_nan,
        })
    }
}

/// Builds a `MinMaxScaler`: `X *= scale_; X += min_`, then `clip` to `feature_range`.
pub fn min_max_scaler(obj: &Obj<'_, '_>) -> Result<Box<dyn Model>> {
    let meta = Meta::read(obj)?;
    let n = meta.n_features_in;
    let mut steps = vec![
        Step::Mul(obj.vector("scale_", n)?),
        Step::Add(obj.vector("min_", n)?),
    ];
    if obj.has("clip") && obj.bool("clip")? {
        let (low, high) = pair(obj, "feature_range")?;
        steps.push(Step::Clip(low, high));
    }
    Ok(Elementwise::boxed(meta, steps, false))
}

/// Builds a `MaxAbsScaler`: `X /= scale_`, then `clip` to [-1, 1].
pub fn max_abs_scaler(obj: &Obj<'_, '_>) -> Result<Box<dyn Model>> {
    let meta = Meta::read(obj)?;
    let mut steps = vec![Step::Div(obj.vector("scale_", meta.n_features_in)?)];
    if obj.has("clip") && obj.bool("clip")? {
        steps.push(Step::Clip(-1.0, 1.0));
    }
    Ok(Elementwise::boxed(meta, steps, false))
}

/// Builds a `RobustScaler`: `X -= center_` (when `with_centering`), `X /= scale_` (when
/// `with_scaling`).
pub fn robust_scaler(obj: &Obj<'_, '_>) -> Result<Box<dyn Model>> {
    let meta = Meta::read(obj)?;
    let n = meta.n_features_in;
    let mut steps = Vec::new();
    if obj.bool("with_centering")? {
        steps.push(Step::Sub(obj.vector("center_", n)?));
    }
    if obj.bool("with_scaling")? {
        steps.push(Step::Div(obj.vector("scale_", n)?));
    }
    Ok(Elementwise::boxed(meta, steps, false))
}

impl Model for Elementwise {
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
        let mut x = self.meta.dense(x, None)?.into_owned();
        if self.refuse_nan {
            self.meta.check_finite(&x)?;
        } else {
            self.meta.check_no_infinity(&x)?;
        }
        let cols = x.cols();
        for step in &self.steps {
            let width = match step {
                Step::Sub(v) | Step::Mul(v) | Step::Add(v) | Step::Div(v) => v.len(),
                Step::Clip(..) | Step::Binarize(_) => cols,
            };
            if width != cols {
                return Err(crate::error::InputError::Width {
                    estimator: self.meta.who(),
                    expected: width,
                    got: cols,
                }
                .into());
            }
        }
        for row in x.data_mut().chunks_exact_mut(cols.max(1)) {
            for step in &self.steps {
                match step {
                    Step::Sub(v) => row.iter_mut().zip(v).for_each(|(x, v)| *x -= v),
                    Step::Mul(v) => row.iter_mut().zip(v).for_each(|(x, v)| *x *= v),
                    Step::Add(v) => row.iter_mut().zip(v).for_each(|(x, v)| *x += v),
                    Step::Div(v) => row.iter_mut().zip(v).for_each(|(x, v)| *x /= v),
                    Step::Clip(low, high) => {
                        row.iter_mut().for_each(|x| *x = clip(*x, *low, *high))
                    }
                    Step::Binarize(threshold) => row
                        .iter_mut()
                        .for_each(|x| *x = if *x > *threshold { 1.0 } else { 0.0 }),
                }
            }
        }
        Ok(Output::matrix(x))
    }
}

/// Builds a `Binarizer`: 1 where `X > threshold`, else 0 (NaN and infinity refused, as
/// `check_array` does).
pub fn binarizer(obj: &Obj<'_, '_>) -> Result<Box<dyn Model>> {
    let meta = Meta::read(obj)?;
    let threshold = obj.float("threshold")?;
    Ok(Elementwise::boxed(
        meta,
        vec![Step::Binarize(threshold)],
        true,
    ))
}

/// `Normalizer`: each row divided by its l1, l2 or max norm (a zero norm counts as 1).
#[derive(Debug)]
pub struct Normalizer {
    meta: Meta,
    norm: Norm,
}

#[derive(Debug, Clone, Copy)]
enum Norm {
    L1,
    L2,
    Max,
}

/// Builds a [`Normalizer`].
pub fn normalizer(obj: &Obj<'_, '_>) -> Result<Box<dyn Model>> {
    let meta = Meta::read(obj)?;
    let norm = match obj.string("norm")?.as_str() {
        "l1" => Norm::L1,
        "l2" => Norm::L2,
        "max" => Norm::Max,
        other => return Err(obj.unsupported_option(format!("norm={other:?}"))),
    };
    Ok(Box::new(Normalizer { meta, norm }))
}

/// numpy's pairwise summation of float64 (`pairwise_sum_DOUBLE`), as `np.sum` reduces a
/// contiguous row.
pub fn pairwise_sum(a: &[f64]) -> f64 {
    let n = a.len();
    if n < 8 {
        // numpy starts this branch from -0.0 so that a sum of -0.0 stays -0.0.
        let mut res = -0.0;
        for &value in a {
            res += value;
        }
        res
    } else if n <= 128 {
        let mut r = [0.0; 8];
        r.copy_from_slice(&a[..8]);
        let mut i = 8;
        while i < n - (n % 8) {
            for (j, acc) in r.iter_mut().enumerate() {
                *acc += a[i + j];
            }
            i += 8;
        }
        let mut res = ((r[0] + r[1]) + (r[2] + r[3])) + ((r[4] + r[5]) + (r[6] + r[7]));
        while i < n {
            res += a[i];
            i += 1;
        }
        res
    } else {
        let mut n2 = n / 2;
        n2 -= n2 % 8;
        pairwise_sum(&a[..n2]) + pairwise_sum(&a[n2..])
    }
}

/// `np.einsum("ij,ij->i", X, X)` for one row: numpy's SIMD sum of products accumulates
/// in two lanes (SSE2 float64), four vectors per step, then adds the lanes.
pub fn einsum_square_sum(row: &[f64]) -> f64 {
    const LANES: usize = 2;
    let mut acc = [0.0f64; LANES];
    let mut chunks = row.chunks_exact(LANES * 4);
    for block in &mut chunks {
        // ab3 = a3*b3 + acc; ab2 = a2*b2 + ab3; ab1 = a1*b1 + ab2; acc = a0*b0 + ab1.
        for (lane, value) in acc.iter_mut().enumerate() {
            for vector in (0..4).rev() {
                let x = block[vector * LANES + lane];
                *value += x * x;
            }
        }
    }
    for tail in chunks.remainder().chunks(LANES) {
        for (lane, value) in acc.iter_mut().enumerate() {
            let x = tail.get(lane).copied().unwrap_or(0.0);
            *value += x * x;
        }
    }
    acc[0] + acc[1]
}

impl Model for Normalizer {
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
        let mut x = self.meta.dense(x, None)?.into_owned();
        self.meta.check_finite(&x)?;
        let cols = x.cols();
        let mut abs = Vec::with_capacity(cols);
        for row in x.data_mut().chunks_exact_mut(cols.max(1)) {
            abs.clear();
            abs.extend(row.iter().map(|value| value.abs()));
            let mut norm = match self.norm {
                Norm::L1 => 0.0 + pairwise_sum(&abs),
                Norm::L2 => (0.0 + einsum_square_sum(row)).sqrt(),
                Norm::Max => abs.iter().copied().fold(f64::NEG_INFINITY, f64::max),
            };
            // `_handle_zeros_in_scale`: norms below 10 * eps count as 1.
            if norm < 10.0 * f64::EPSILON {
                norm = 1.0;
            }
            row.iter_mut().for_each(|value| *value /= norm);
        }
        Ok(Output::matrix(x))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clip_is_numpys() {
        assert_eq!(clip(-0.0, 0.0, 1.0).to_bits(), 0.0f64.to_bits());
        assert!(clip(f64::NAN, 0.0, 1.0).is_nan());
        assert_eq!(clip(5.0, 0.0, 1.0), 1.0);
        assert_eq!(clip(-5.0, 0.0, 1.0), 0.0);
        assert_eq!(clip(0.25, 0.0, 1.0), 0.25);
    }

    #[test]
    fn pairwise_sum_blocks_by_eight() {
        let values: Vec<f64> = (0..300).map(|i| 1.0 / f64::from(i + 1)).collect();
        // Under 8 items: a plain left-to-right sum.
        assert_eq!(
            pairwise_sum(&values[..5]),
            values[..5].iter().fold(-0.0, |a, b| a + b)
        );
        // 8..=128 items: eight accumulators, then the tail.
        let mut r = [0.0; 8];
        r.copy_from_slice(&values[..8]);
        for block in values[8..16].chunks(8) {
            for (acc, value) in r.iter_mut().zip(block) {
                *acc += value;
            }
        }
        let expected =
            ((r[0] + r[1]) + (r[2] + r[3])) + ((r[4] + r[5]) + (r[6] + r[7])) + values[16];
        assert_eq!(pairwise_sum(&values[..17]), expected);
        // Over 128: split at a multiple of eight near the middle.
        assert_eq!(
            pairwise_sum(&values),
            pairwise_sum(&values[..144]) + pairwise_sum(&values[144..])
        );
    }

    #[test]
    fn einsum_square_sum_uses_two_lanes() {
        let row = [1.0, 2.0, 3.0];
        assert_eq!(einsum_square_sum(&row), (1.0 + 9.0) + 4.0);
    }
}
