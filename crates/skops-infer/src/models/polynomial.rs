//! `PolynomialFeatures`: scikit-learn's dense algorithm, which builds each degree-d term as
//! a degree-(d-1) term times one feature (so `x0^3 = (x0 * x0) * x0`), column for column.
//! Same products in the same order: bit-exact.

use crate::data::{Data, Matrix};
use crate::error::Result;
use crate::model::{Meta, Method, Model};
use crate::output::Output;
use crate::read::Obj;

/// The most output columns evaluated.
const MAX_TERMS: usize = 1 << 20;

/// `PolynomialFeatures`.
#[derive(Debug)]
pub struct PolynomialFeatures {
    meta: Meta,
    n_features: usize,
    min_degree: usize,
    max_degree: usize,
    interaction_only: bool,
    include_bias: bool,
    n_out_full: usize,
    n_output: usize,
}

/// Builds a [`PolynomialFeatures`].
pub fn polynomial_features(obj: &Obj<'_, '_>) -> Result<Box<dyn Model>> {
    let meta = Meta::read(obj)?;
    let n_features = meta
        .n_features_in
        .ok_or_else(|| obj.malformed("the state has no `n_features_in_`"))?;
    let model = PolynomialFeatures {
        n_features,
        min_degree: obj.count("_min_degree")?,
        max_degree: obj.count("_max_degree")?,
        interaction_only: obj.bool("interaction_only")?,
        include_bias: obj.bool("include_bias")?,
        n_out_full: obj.count("_n_out_full")?,
        n_output: obj.count("n_output_features_")?,
        meta,
    };
    // Bounds the work of the check below (and every row's buffer) whatever the state says.
    if model.n_out_full > MAX_TERMS {
        return Err(obj.unsupported_option(format!(
            "more than {MAX_TERMS} output features ({})",
            model.n_out_full
        )));
    }
    // The layout computed below must give exactly the stored widths.
    let mut probe = Vec::new();
    if model.max_degree > 64
        || model.fill(&vec![0.0; n_features], &mut probe) != Some(model.n_out_full)
    {
        return Err(obj.malformed("`_n_out_full` does not match the degrees and features"));
    }
    if model.n_output > model.n_out_full
        || (model.include_bias && model.min_degree > 1 && model.n_output == 0)
    {
        return Err(obj.malformed("`n_output_features_` does not fit `_n_out_full`"));
    }
    Ok(Box::new(model))
}

impl PolynomialFeatures {
    /// Every term of one row (`_n_out_full` of them, as if `min_degree` were 0) into `xp`;
    /// `None` if the layout grows beyond what the state says.
    fn fill(&self, x: &[f64], xp: &mut Vec<f64>) -> Option<usize> {
        xp.clear();
        let n = self.n_features;
        if self.include_bias {
            xp.push(1.0);
        }
        if self.max_degree == 0 {
            return Some(xp.len());
        }
        let mut current = xp.len();
        xp.extend_from_slice(x);
        let mut index: Vec<usize> = (current..current + n).collect();
        current += n;
        index.push(current);
        for _ in 2..=self.max_degree {
            let mut new_index = Vec::with_capacity(n + 1);
            let end = *index.last()?;
            for feature in 0..n {
                let mut start = index[feature];
                new_index.push(current);
                if self.interaction_only {
                    start += index[feature + 1] - index[feature];
                }
                let next = (current + end).checked_sub(start)?;
                if next <= current {
                    break;
                }
                if next > self.n_out_full {
                    return None;
                }
                for column in start..end {
                    xp.push(xp[column] * x[feature]);
                }
                current = next;
            }
            new_index.push(current);
            index = new_index;
        }
        Some(xp.len())
    }
}

impl Model for PolynomialFeatures {
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
        let x = self.meta.dense(x, None)?;
        self.meta.check_finite(&x)?;
        let mut out = Vec::with_capacity(x.rows() * self.n_output);
        let mut xp = Vec::with_capacity(self.n_out_full);
        for row in x.iter_rows() {
            self.fill(row, &mut xp);
            if self.min_degree > 1 {
                // Keep the bias, then the last `n_output_features_` terms (minus the bias).
                if self.include_bias {
                    out.push(1.0);
                    out.extend_from_slice(&xp[self.n_out_full - self.n_output + 1..]);
                } else {
                    out.extend_from_slice(&xp[self.n_out_full - self.n_output..]);
                }
            } else {
                out.extend_from_slice(&xp);
            }
        }
        let width = if self.min_degree > 1 {
            self.n_output
        } else {
            self.n_out_full
        };
        Ok(Output::matrix(Matrix::new(x.rows(), width, out)?))
    }
}
