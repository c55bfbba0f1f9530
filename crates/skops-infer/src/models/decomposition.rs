//! Linear projections: `PCA` (`(X @ components_.T - mean_ @ components_.T) / scale`) and
//! `TruncatedSVD` (`X @ components_.T`). scikit-learn multiplies with BLAS, whose summation
//! order depends on the batch; each row here is summed in index order, so results are
//! within the dot-product bound of `docs/inference.md`, not bit-exact.

use crate::data::{Data, Matrix};
use crate::error::Result;
use crate::model::{Meta, Method, Model};
use crate::models::wide::wide;
use crate::output::Output;
use crate::read::Obj;

/// A projection `(x @ components.T - offset) / scale`, row by row.
#[derive(Debug)]
pub struct Projection {
    meta: Meta,
    /// `components_`, row-major (`n_components` x `n_features`).
    components: Matrix,
    /// `components_.T`, row-major (`n_features` x `n_components`).
    components_t: Vec<f64>,
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

/// `matrix.T`, row-major.
fn transpose(matrix: &Matrix) -> Vec<f64> {
    let mut out = vec![0.0; matrix.rows() * matrix.cols()];
    for (row, items) in matrix.iter_rows().enumerate() {
        for (col, &item) in items.iter().enumerate() {
            out[col * matrix.rows() + row] = item;
        }
    }
    out
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
        components_t: transpose(&components),
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
        components_t: transpose(&components),
        components,
        offset: None,
        scale: None,
    }))
}

impl Projection {
    /// The projection of every row, `rows x n_components` row-major.
    #[inline(always)]
    fn project(&self, x: &Matrix) -> Vec<f64> {
        let k = self.components.rows();
        let mut out = vec![0.0; x.rows() * k];
        if k > 0 {
            // Feature-major over `components_.T`, all components of a row at once: each
            // component's sum is still `((0 + x₀c₀) + x₁c₁) + …`, the order of `dot`.
            let transposed = self.components_t.chunks_exact(k);
            for (row, values) in x.iter_rows().zip(out.chunks_exact_mut(k)) {
                for (&item, weights) in row.iter().zip(transposed.clone()) {
                    for (value, &weight) in values.iter_mut().zip(weights) {
                        *value += item * weight;
                    }
                }
                if let Some(offset) = &self.offset {
                    values.iter_mut().zip(offset).for_each(|(v, o)| *v -= o);
                }
                if let Some(scale) = &self.scale {
                    values.iter_mut().zip(scale).for_each(|(v, s)| *v /= s);
                }
            }
        }
        out
    }
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
        let out = wide(
            #[inline(always)]
            || self.project(&x),
        );
        Ok(Output::matrix(Matrix::new(x.rows(), k, out)?))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wide_projection_equals_the_plain_one_bit_for_bit() {
        let mut random = crate::models::wide::test_values();
        let (n_components, n_features, rows) = (7, 23, 40);
        let values = (0..n_components * n_features).map(|_| random()).collect();
        let components = Matrix::new(n_components, n_features, values).expect("a matrix");
        let projection = Projection {
            meta: Meta {
                type_name: "PCA".to_owned(),
                path: "root".to_owned(),
                n_features_in: Some(n_features),
                feature_names_in: None,
            },
            components_t: transpose(&components),
            components,
            offset: Some((0..n_components).map(|_| random()).collect()),
            scale: Some((0..n_components).map(|_| random().abs() + 0.5).collect()),
        };
        let values = (0..rows * n_features).map(|_| random()).collect();
        let x = Matrix::new(rows, n_features, values).expect("a matrix");
        let bits = |values: Vec<f64>| values.into_iter().map(f64::to_bits).collect::<Vec<_>>();
        assert_eq!(
            bits(wide(
                #[inline(always)]
                || projection.project(&x)
            )),
            bits(projection.project(&x))
        );
    }
}
