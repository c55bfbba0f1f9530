//! Linear projections: `PCA` (`(X @ components_.T - mean_ @ components_.T) / scale`) and
//! `TruncatedSVD` (`X @ components_.T`). scikit-learn multiplies with BLAS, whose summation
//! order depends on the batch; each row here is summed in index order, so results are
//! within the dot-product bound of `docs/inference.md`, not bit-exact.

use crate::data::{Data, Matrix};
use crate::error::Result;
use crate::model::{Meta, Method, Model};
use crate::output::Output;
use crate::read::Obj;

/// A projection `(x @ components.T - offset) / scale`, row by row.
#[derive(Debug)]
pub struct Projection {
    meta: Meta,
    /// `components_`, row-major (`n_components` x `n_features`).
    components: Matrix,
    /// `mean_ @ components_.T` (PCA), subtracted after the projection.
    offset: Option<Vec<f64>>,
    /// `sqrt(explained_variance_)` clipped below at eps (PCA with `whiten=True`).
    scale: Option<Vec<f64>>,
}

fn components(obj: &Obj<'_, '_>, n_features: Option<usize>) -> Result<Matrix> {
    let (values, shape) = obj.floats("components_")?;
    match shape.as_slice() {
        [rows, cols] if n_features.is_none_or(|n| n == *cols) => Matrix::new(*rows, *cols, values),
        _ => Err(obj.malformed(format!("`components_` has shape {shape:?}"))),
    }
}

/// Sequential dot product of two rows.
fn dot(a: &[f64], b: &[f64]) -> f64 {
    a.iter().zip(b).fold(0.0, |sum, (a, b)| sum + a * b)
}

/// Builds a `PCA` (also `IncrementalPCA`, which shares its `transform`).
pub fn pca(obj: &Obj<'_, '_>) -> Result<Box<dyn Model>> {
    let meta = Meta::read(obj)?;
    let components = components(obj, meta.n_features_in)?;
    let mean = obj.vector("mean_", Some(components.cols()))?;
    let offset = components.iter_rows().map(|row| dot(&mean, row)).collect();
    let scale = if obj.bool("whiten")? {
        let variance = obj.vector("explained_variance_", Some(components.rows()))?;
        Some(
            variance
                .iter()
                .map(|value| {
                    let scale = value.sqrt();
                    if scale < f64::EPSILON {
                        f64::EPSILON
                    } else {
                        scale
                    }
                })
                .collect(),
        )
    } else {
        None
    };
    Ok(Box::new(Projection {
        meta,
        components,
        offset: Some(offset),
        scale,
    }))
}

/// Builds a `TruncatedSVD`.
pub fn truncated_svd(obj: &Obj<'_, '_>) -> Result<Box<dyn Model>> {
    let meta = Meta::read(obj)?;
    let components = components(obj, meta.n_features_in)?;
    Ok(Box::new(Projection {
        meta,
        components,
        offset: None,
        scale: None,
    }))
}

impl Model for Projection {
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
        let x = self.meta.dense(x, Some(self.components.cols()))?;
        self.meta.check_finite(&x)?;
        let k = self.components.rows();
        let mut out = Vec::with_capacity(x.rows() * k);
        for row in x.iter_rows() {
            for (index, component) in self.components.iter_rows().enumerate() {
                let mut value = dot(row, component);
                if let Some(offset) = &self.offset {
                    value -= offset[index];
                }
                if let Some(scale) = &self.scale {
                    value /= scale[index];
                }
                out.push(value);
            }
        }
        Ok(Output::matrix(Matrix::new(x.rows(), k, out)?))
    }
}
