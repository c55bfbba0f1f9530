//! `GaussianNB`: the joint log-likelihood per class as `naive_bayes.GaussianNB.
//! _joint_log_likelihood` computes it (numpy's pairwise sums, libm `log`), normalised with
//! scikit-learn's `_logsumexp`.

use crate::data::{Data, Matrix};
use crate::error::{InputError, Result};
use crate::model::{Meta, Method, Model};
use crate::models::linear_math::{logsumexp, numpy_sum};
use crate::output::{Labels, Output, argmax};
use crate::read::Obj;

/// `GaussianNB`.
#[derive(Debug)]
pub struct GaussianNb {
    meta: Meta,
    classes: Labels,
    features: usize,
    /// `theta_`, one row per class.
    theta: Vec<f64>,
    /// `var_`, one row per class.
    var: Vec<f64>,
    /// Per class, `log(class_prior_[i])`.
    log_prior: Vec<f64>,
    /// Per class, `-0.5 * np.sum(np.log(2.0 * np.pi * var_[i, :]))`.
    log_norm: Vec<f64>,
}

/// Builds a [`GaussianNb`].
pub fn gaussian_nb(obj: &Obj<'_, '_>) -> Result<Box<dyn Model>> {
    let meta = Meta::read(obj)?;
    let classes = obj.labels("classes_")?;
    let (theta, theta_shape) = obj.floats("theta_")?;
    let (var, var_shape) = obj.floats("var_")?;
    let prior = obj.vector("class_prior_", Some(classes.len()))?;
    let [n_classes, features] = theta_shape[..] else {
        return Err(obj.malformed(format!("`theta_` has shape {theta_shape:?}")));
    };
    if n_classes != classes.len() || var_shape != theta_shape || n_classes == 0 || features == 0 {
        return Err(obj.malformed(format!(
            "`theta_` {theta_shape:?} and `var_` {var_shape:?} do not fit {} classes",
            classes.len()
        )));
    }
    if meta.n_features_in.is_some_and(|n| n != features) {
        return Err(obj.malformed("`theta_` does not have `n_features_in_` columns"));
    }
    let log_prior = prior.iter().map(|p| p.ln()).collect();
    let log_norm = var
        .chunks_exact(features.max(1))
        .take(n_classes)
        .map(|row| {
            let logs: Vec<f64> = row
                .iter()
                .map(|&v| (2.0 * std::f64::consts::PI * v).ln())
                .collect();
            -0.5 * numpy_sum(&logs)
        })
        .collect();
    Ok(Box::new(GaussianNb {
        meta,
        classes,
        features,
        theta,
        var,
        log_prior,
        log_norm,
    }))
}

impl GaussianNb {
    /// `_joint_log_likelihood`: per class `log_prior + (log_norm - 0.5 * np.sum((x - theta)
    /// ** 2 / var))`.
    fn joint_log_likelihood(&self, x: &Data) -> Result<Matrix> {
        if matches!(x, Data::Sparse(_)) {
            // `validate_data` of GaussianNB takes dense input only (scikit-learn raises).
            return Err(InputError::Value {
                reason: format!(
                    "{} takes dense input only; a sparse matrix was given",
                    self.meta.who()
                ),
            }
            .into());
        }
        let x = self.meta.dense(x, Some(self.features))?;
        self.meta.check_finite(&x)?;
        let n_classes = self.classes.len();
        let mut out = Matrix::zeros(x.rows(), n_classes);
        let mut terms = vec![0.0; self.features];
        for (index, row) in x.iter_rows().enumerate() {
            let scores = out.row_mut(index);
            for (class, score) in scores.iter_mut().enumerate() {
                let theta = &self.theta[class * self.features..][..self.features];
                let var = &self.var[class * self.features..][..self.features];
                for (j, term) in terms.iter_mut().enumerate() {
                    let diff = row[j] - theta[j];
                    *term = (diff * diff) / var[j];
                }
                let n_ij = self.log_norm[class] - 0.5 * numpy_sum(&terms);
                *score = self.log_prior[class] + n_ij;
            }
        }
        Ok(out)
    }

    /// `predict_log_proba`: `jll - logsumexp(jll, axis=1)`.
    fn log_proba(&self, x: &Data) -> Result<Matrix> {
        let mut jll = self.joint_log_likelihood(x)?;
        let cols = jll.cols();
        for row in jll.data_mut().chunks_exact_mut(cols) {
            let norm = logsumexp(row);
            row.iter_mut().for_each(|value| *value -= norm);
        }
        Ok(jll)
    }
}

impl Model for GaussianNb {
    fn meta(&self) -> &Meta {
        &self.meta
    }

    fn methods(&self) -> Vec<Method> {
        vec![
            Method::Predict,
            Method::PredictProba,
            Method::PredictLogProba,
        ]
    }

    fn n_features_in(&self) -> Option<usize> {
        Some(self.features)
    }

    fn run(&self, method: Method, x: &Data) -> Result<Output> {
        match method {
            Method::Predict => {
                let jll = self.joint_log_likelihood(x)?;
                Ok(Output::vector(
                    self.classes.take(jll.iter_rows().map(argmax)),
                ))
            }
            Method::PredictLogProba => Ok(Output::matrix(self.log_proba(x)?)),
            Method::PredictProba => {
                let mut proba = self.log_proba(x)?;
                proba.data_mut().iter_mut().for_each(|p| *p = p.exp());
                Ok(Output::matrix(proba))
            }
            _ => Err(self.meta.no_method(method)),
        }
    }
}
