//! Multi-layer perceptrons (`MLPClassifier`, `MLPRegressor`): `_forward_pass_fast` row by
//! row: per layer `activation @ coefs_[i] + intercepts_[i]` (a sequential dot product per
//! unit, where scikit-learn calls BLAS `gemm`), the hidden activation, then the output
//! activation; labels through the `LabelBinarizer`'s inverse transform.

use crate::data::Data;
use crate::error::Result;
use crate::model::{Meta, Method, Model};
use crate::models::wide::wide;
use crate::output::{Labels, Output, Values, argmax};
use crate::read::Obj;

/// An activation of `sklearn.neural_network._base.ACTIVATIONS`.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Activation {
    Identity,
    Logistic,
    Tanh,
    Relu,
    Exp,
    Softmax,
}

impl Activation {
    fn parse(obj: &Obj<'_, '_>, key: &str) -> Result<Self> {
        let name = match obj.json(key)? {
            Some(skops_format::json::Value::String(text)) => text.as_str().map(str::to_owned),
            _ => None,
        }
        .ok_or_else(|| obj.malformed(format!("`{key}` is not a string")))?;
        Ok(match name.as_str() {
            "identity" => Self::Identity,
            "logistic" => Self::Logistic,
            "tanh" => Self::Tanh,
            "relu" => Self::Relu,
            "exp" => Self::Exp,
            "softmax" => Self::Softmax,
            other => return Err(obj.unsupported_option(format!("{key}='{other}'"))),
        })
    }

    /// Applies the activation in place to one row.
    fn apply(self, z: &mut [f64]) {
        match self {
            Self::Identity => {}
            // scipy's `expit`: `1 / (1 + exp(-x))`.
            Self::Logistic => z.iter_mut().for_each(|v| *v = 1.0 / (1.0 + (-*v).exp())),
            Self::Tanh => z.iter_mut().for_each(|v| *v = v.tanh()),
            // `np.maximum(X, 0)`: NaN stays NaN.
            Self::Relu => z.iter_mut().for_each(|v| {
                if *v < 0.0 {
                    *v = 0.0;
                }
            }),
            Self::Exp => z.iter_mut().for_each(|v| *v = v.exp()),
            Self::Softmax => {
                let max = z.iter().copied().fold(f64::NEG_INFINITY, f64::max);
                z.iter_mut().for_each(|v| *v = (*v - max).exp());
                let total = numpy_sum(z);
                z.iter_mut().for_each(|v| *v /= total);
            }
        }
    }
}

/// numpy's `add.reduce` of a contiguous run: `0.0` plus the pairwise sum of the items.
fn numpy_sum(values: &[f64]) -> f64 {
    fn pairwise(a: &[f64]) -> f64 {
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
            pairwise(&a[..n2]) + pairwise(&a[n2..])
        }
    }
    0.0 + pairwise(values)
}

/// One dense layer: `coefs_[i]` (`n_in x n_out`, row-major) and `intercepts_[i]`.
#[derive(Debug)]
struct Layer {
    n_in: usize,
    n_out: usize,
    /// `coefs_[i]` in blocks of [`UNIT_LANES`] units (item `k * UNIT_LANES + l` of block `b`
    /// is the weight of input `k` for unit `b * UNIT_LANES + l`; the last block padded with
    /// zeros), so that the sums of a block stay in registers.
    blocks: Vec<f64>,
    intercept: Vec<f64>,
}

/// Units per block of [`Layer::blocks`].
const UNIT_LANES: usize = 8;

/// `coef` (`n_in x n_out`, row-major) as [`Layer::blocks`].
fn unit_blocks(coef: &[f64], n_in: usize, n_out: usize) -> Vec<f64> {
    let n_blocks = n_out.div_ceil(UNIT_LANES);
    let mut blocks = vec![0.0; n_blocks * UNIT_LANES * n_in.max(1)];
    for (input, weights) in coef.chunks_exact(n_out).enumerate().take(n_in) {
        for (unit, &weight) in weights.iter().enumerate() {
            let block = unit / UNIT_LANES;
            blocks[(block * n_in + input) * UNIT_LANES + unit % UNIT_LANES] = weight;
        }
    }
    blocks
}

/// An `MLPClassifier` or `MLPRegressor`.
#[derive(Debug)]
pub struct Mlp {
    meta: Meta,
    layers: Vec<Layer>,
    hidden: Activation,
    output: Activation,
    /// `classes_` for a classifier (binary or multiclass).
    classes: Option<Labels>,
}

/// Builds an `MLPClassifier`.
pub fn mlp_classifier(obj: &Obj<'_, '_>) -> Result<Box<dyn Model>> {
    build(obj, true)
}

/// Builds an `MLPRegressor`.
pub fn mlp_regressor(obj: &Obj<'_, '_>) -> Result<Box<dyn Model>> {
    build(obj, false)
}

fn build(obj: &Obj<'_, '_>, classifier: bool) -> Result<Box<dyn Model>> {
    let meta = Meta::read(obj)?;
    let hidden = Activation::parse(obj, "activation")?;
    let output = Activation::parse(obj, "out_activation_")?;
    let coef_ids = obj.items("coefs_")?;
    let intercept_ids = obj.items("intercepts_")?;
    if coef_ids.is_empty() || coef_ids.len() != intercept_ids.len() {
        return Err(obj.malformed("`coefs_` and `intercepts_` differ in length"));
    }
    let mut layers = Vec::with_capacity(coef_ids.len());
    for (at, (coef_id, intercept_id)) in coef_ids.iter().zip(&intercept_ids).enumerate() {
        let coef = obj.array_in(skops_trust::state::Slot::Node(*coef_id), "coefs_")?;
        let intercept =
            obj.array_in(skops_trust::state::Slot::Node(*intercept_id), "intercepts_")?;
        let [n_in, n_out] = coef.shape()[..] else {
            return Err(obj.malformed(format!("`coefs_[{at}]` is not 2-D")));
        };
        let expected_in = layers
            .last()
            .map_or(meta.n_features_in.unwrap_or(n_in), |l: &Layer| l.n_out);
        if n_out == 0 {
            return Err(obj.malformed(format!("`coefs_[{at}]` has no units")));
        }
        if n_in != expected_in || intercept.shape() != [n_out] {
            return Err(obj.malformed(format!("layer {at} does not fit its neighbours")));
        }
        let coef = coef.f64s(obj)?;
        let intercept = intercept.f64s(obj)?;
        if coef.len() != n_in * n_out || intercept.len() != n_out {
            return Err(obj.malformed(format!("layer {at} does not fit its shape")));
        }
        layers.push(Layer {
            n_in,
            n_out,
            blocks: unit_blocks(&coef, n_in, n_out),
            intercept,
        });
    }
    let n_outputs = layers.last().map_or(0, |layer| layer.n_out);
    // `_forward_pass_fast` runs `n_layers_ - 1` layers, and a classifier flattens its output
    // by `n_outputs_`: both must describe `coefs_`.
    if obj.count("n_layers_")? != layers.len() + 1 {
        return Err(obj.malformed("`n_layers_` does not count the layers of `coefs_`"));
    }
    if classifier && obj.count("n_outputs_")? != n_outputs {
        return Err(obj.malformed("`n_outputs_` is not the width of the output layer"));
    }
    let classes = if classifier {
        let binarizer = obj.child("_label_binarizer")?;
        let y_type = binarizer.string("y_type_")?;
        let classes = obj.labels("classes_")?;
        let fits = match y_type.as_str() {
            "binary" => classes.len() == 2 && n_outputs == 1 && output == Activation::Logistic,
            "multiclass" => classes.len() == n_outputs && output == Activation::Softmax,
            other => return Err(obj.unsupported_option(format!("a `{other}` target"))),
        };
        if !fits {
            return Err(obj.malformed("`classes_` does not fit the output layer"));
        }
        Some(classes)
    } else {
        None
    };
    Ok(Box::new(Mlp {
        meta,
        layers,
        hidden,
        output,
        classes,
    }))
}

impl Mlp {
    /// `_forward_pass_fast` of one row into `activation` (resized to the last layer's
    /// width); `next` is scratch space kept across rows. Each unit's sum is
    /// `((0 + a₀w₀) + a₁w₁) + …` then `+ intercept`, the order of a dot product per unit,
    /// run for [`UNIT_LANES`] units side by side over [`Layer::blocks`].
    #[inline(always)]
    fn forward(&self, x: &[f64], activation: &mut Vec<f64>, next: &mut Vec<f64>) {
        activation.clear();
        activation.extend_from_slice(x);
        let last = self.layers.len() - 1;
        for (at, layer) in self.layers.iter().enumerate() {
            next.clear();
            for block in layer.blocks.chunks_exact(UNIT_LANES * layer.n_in.max(1)) {
                let mut sums = [0.0; UNIT_LANES];
                for (&a, weights) in activation.iter().zip(block.chunks_exact(UNIT_LANES)) {
                    for (sum, &w) in sums.iter_mut().zip(weights) {
                        *sum += a * w;
                    }
                }
                next.extend_from_slice(&sums);
            }
            next.truncate(layer.n_out);
            for (sum, &b) in next.iter_mut().zip(&layer.intercept) {
                *sum += b;
            }
            if at != last {
                self.hidden.apply(next);
            }
            std::mem::swap(activation, next);
        }
        self.output.apply(activation);
    }

    /// The output layer of every row, `rows x n_outputs` row-major, in AVX2 registers where
    /// the CPU has them (the same bits).
    fn forward_all(&self, x: &crate::data::Matrix) -> Vec<f64> {
        wide(
            #[inline(always)]
            || self.forward_rows(x),
        )
    }

    /// [`Mlp::forward_all`] compiled as its caller is.
    #[inline(always)]
    fn forward_rows(&self, x: &crate::data::Matrix) -> Vec<f64> {
        let n_outputs = self.layers[self.layers.len() - 1].n_out;
        let mut outputs = Vec::with_capacity(x.rows() * n_outputs);
        let (mut activation, mut next) = (Vec::new(), Vec::new());
        for row in x.iter_rows() {
            self.forward(row, &mut activation, &mut next);
            outputs.extend_from_slice(&activation);
        }
        outputs
    }
}

impl Model for Mlp {
    fn meta(&self) -> &Meta {
        &self.meta
    }

    fn methods(&self) -> Vec<Method> {
        if self.classes.is_some() {
            vec![
                Method::Predict,
                Method::PredictProba,
                Method::PredictLogProba,
            ]
        } else {
            vec![Method::Predict]
        }
    }

    fn run(&self, method: Method, x: &Data) -> Result<Output> {
        if !self.methods().contains(&method) {
            return Err(self.meta.no_method(method));
        }
        let x = self.meta.dense(x, Some(self.layers[0].n_in))?;
        self.meta.check_finite(&x)?;
        let rows = x.rows();
        let n_outputs = self.layers[self.layers.len() - 1].n_out;
        let values = self.forward_all(&x);
        let Some(classes) = &self.classes else {
            return Ok(if n_outputs == 1 {
                Output::vector(Values::F64(values))
            } else {
                Output {
                    shape: vec![rows, n_outputs],
                    values: Values::F64(values),
                }
            });
        };
        let binary = n_outputs == 1;
        Ok(match method {
            Method::Predict => {
                Output::vector(classes.take(values.chunks_exact(n_outputs).map(|out| {
                    if binary {
                        // `LabelBinarizer.inverse_transform`: `y > (pos + neg) / 2`.
                        usize::from(out[0] > 0.5)
                    } else {
                        argmax(out)
                    }
                })))
            }
            _ => {
                let mut values = if binary {
                    values.iter().flat_map(|&p| [1.0 - p, p]).collect()
                } else {
                    values
                };
                if method == Method::PredictLogProba {
                    values.iter_mut().for_each(|value| *value = value.ln());
                }
                Output {
                    shape: vec![rows, classes.len()],
                    values: Values::F64(values),
                }
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wide_forward_pass_equals_the_plain_one_bit_for_bit() {
        let mut state = 0x2545_f491_4f6c_dd1du64;
        let mut random = move || {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            (state >> 11) as f64 / (1u64 << 53) as f64 * 4.0 - 2.0
        };
        let sizes = [13, 37, 9, 3];
        let layers = sizes
            .windows(2)
            .map(|pair| {
                let (n_in, n_out) = (pair[0], pair[1]);
                let coef: Vec<f64> = (0..n_in * n_out).map(|_| random()).collect();
                Layer {
                    n_in,
                    n_out,
                    blocks: unit_blocks(&coef, n_in, n_out),
                    intercept: (0..n_out).map(|_| random()).collect(),
                }
            })
            .collect();
        let mlp = Mlp {
            meta: Meta {
                type_name: "MLPClassifier".to_owned(),
                path: "root".to_owned(),
                n_features_in: Some(sizes[0]),
                feature_names_in: None,
            },
            layers,
            hidden: Activation::Tanh,
            output: Activation::Softmax,
            classes: None,
        };
        let rows = 50;
        let values = (0..rows * sizes[0]).map(|_| random()).collect();
        let x = crate::data::Matrix::new(rows, sizes[0], values).expect("a matrix");
        let bits = |values: Vec<f64>| values.into_iter().map(f64::to_bits).collect::<Vec<_>>();
        assert_eq!(bits(mlp.forward_all(&x)), bits(mlp.forward_rows(&x)));
    }

    #[test]
    fn softmax_sums_to_one_and_relu_clips() {
        let mut z = vec![1.0, 2.0, 3.0];
        Activation::Softmax.apply(&mut z);
        assert!((z.iter().sum::<f64>() - 1.0).abs() < 1e-15 && z[2] > z[1]);
        let mut r = vec![-1.0, 0.5];
        Activation::Relu.apply(&mut r);
        assert_eq!(r, vec![0.0, 0.5]);
    }
}
