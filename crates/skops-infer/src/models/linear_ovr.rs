//! `OneVsRestClassifier` over binary estimators the engine evaluates (the 1.9.1 way to a
//! one-vs-rest `LogisticRegression`): per class the binary estimator's
//! `decision_function` (or its positive-class probability), combined as
//! `sklearn.multiclass.OneVsRestClassifier` does.

use crate::data::{Data, Matrix};
use crate::error::{ModelError, Result};
use crate::model::{Meta, Method, Model};
use crate::models::linear_math::numpy_sum;
use crate::output::{Labels, Output, Values};
use crate::read::Obj;
use crate::registry;

/// `OneVsRestClassifier` of a multiclass or binary (not multilabel) target.
#[derive(Debug)]
pub struct OneVsRest {
    meta: Meta,
    classes: Labels,
    estimators: Vec<Box<dyn Model>>,
    /// Whether every estimator has `decision_function` (`_predict_binary` uses it, else
    /// `predict_proba[:, 1]`, with the threshold 0.5 instead of 0).
    decision: bool,
    /// Whether every estimator has `predict_proba`.
    proba: bool,
}

/// Builds a [`OneVsRest`]; each estimator in `estimators_` is built from the registry.
pub fn one_vs_rest(obj: &Obj<'_, '_>) -> Result<Box<dyn Model>> {
    let meta = Meta::read(obj)?;
    let binarizer = obj.child("label_binarizer_")?;
    let y_type = binarizer.string("y_type_")?;
    if y_type != "multiclass" && y_type != "binary" {
        return Err(obj.unsupported_option(format!("a `{y_type}` target")));
    }
    let classes = binarizer.labels("classes_")?;
    let mut estimators = Vec::new();
    for (index, id) in obj.items("estimators_")?.into_iter().enumerate() {
        let child = obj.descendant(id, &format!(".estimators_[{index}]"))?;
        estimators.push(registry::build(&child)?);
    }
    let expected = if classes.len() == 2 { 1 } else { classes.len() };
    if classes.len() < 2 || estimators.len() != expected {
        return Err(obj.malformed(format!(
            "{} estimators for {} classes",
            estimators.len(),
            classes.len()
        )));
    }
    let every = |method: Method| {
        estimators
            .iter()
            .all(|estimator| estimator.methods().contains(&method))
    };
    let decision = every(Method::DecisionFunction);
    let proba = every(Method::PredictProba);
    if !decision && !proba {
        return Err(obj.unsupported_option(
            "estimators without `decision_function` or `predict_proba`".to_owned(),
        ));
    }
    Ok(Box::new(OneVsRest {
        meta,
        classes,
        estimators,
        decision,
        proba,
    }))
}

impl OneVsRest {
    /// One column per estimator: its `decision_function` raveled, or `predict_proba[:, 1]`
    /// when `positive_proba`.
    fn columns(&self, x: &Data, positive_proba: bool) -> Result<Matrix> {
        let mut out = Matrix::zeros(x.rows(), self.estimators.len());
        for (column, estimator) in self.estimators.iter().enumerate() {
            let output = if positive_proba {
                estimator.run(Method::PredictProba, x)?
            } else {
                estimator.run(Method::DecisionFunction, x)?
            };
            let (Some(values), true) = (output.floats(), output.shape.first() == Some(&x.rows()))
            else {
                return Err(self.inconsistent());
            };
            let width = if positive_proba { 2 } else { 1 };
            if values.len() != x.rows() * width {
                return Err(self.inconsistent());
            }
            for (row, value) in values.iter().skip(width - 1).step_by(width).enumerate() {
                out.row_mut(row)[column] = *value;
            }
        }
        Ok(out)
    }

    fn inconsistent(&self) -> crate::Error {
        ModelError::Malformed {
            type_name: self.meta.type_name.clone(),
            path: self.meta.path.clone(),
            reason: "an estimator is not a binary classifier".to_owned(),
        }
        .into()
    }
}

impl Model for OneVsRest {
    fn meta(&self) -> &Meta {
        &self.meta
    }

    fn methods(&self) -> Vec<Method> {
        let mut methods = vec![Method::Predict];
        if self.proba {
            methods.push(Method::PredictProba);
        }
        if self.decision {
            methods.push(Method::DecisionFunction);
        }
        methods
    }

    fn n_features_in(&self) -> Option<usize> {
        self.meta
            .n_features_in
            .or_else(|| self.estimators[0].n_features_in())
    }

    fn run(&self, method: Method, x: &Data) -> Result<Output> {
        if !self.methods().contains(&method) {
            return Err(self.meta.no_method(method));
        }
        match method {
            Method::Predict => {
                let scores = self.columns(x, !self.decision)?;
                if self.estimators.len() == 1 {
                    let threshold = if self.decision { 0.0 } else { 0.5 };
                    return Ok(Output::vector(
                        self.classes.take(
                            scores
                                .data()
                                .iter()
                                .map(|&score| usize::from(score > threshold)),
                        ),
                    ));
                }
                // In reverse, `maxima = np.maximum(maxima, pred)`, then the class where
                // `maxima == pred` (so the first maximum wins; NaN never matches).
                let winners = scores.iter_rows().map(|row| {
                    let mut maximum = f64::NEG_INFINITY;
                    let mut winner = 0;
                    for (index, &score) in row.iter().enumerate().rev() {
                        maximum = if maximum.is_nan() || score.is_nan() {
                            f64::NAN
                        } else {
                            maximum.max(score)
                        };
                        if maximum == score {
                            winner = index;
                        }
                    }
                    winner
                });
                Ok(Output::vector(self.classes.take(winners)))
            }
            Method::DecisionFunction => {
                let scores = self.columns(x, false)?;
                Ok(if self.estimators.len() == 1 {
                    Output::vector(Values::F64(scores.into_data()))
                } else {
                    Output::matrix(scores)
                })
            }
            _ => {
                let positive = self.columns(x, true)?;
                let mut out = if self.estimators.len() == 1 {
                    let mut pairs = Matrix::zeros(positive.rows(), 2);
                    for (index, &p) in positive.data().iter().enumerate() {
                        pairs.row_mut(index).copy_from_slice(&[1.0 - p, p]);
                    }
                    pairs
                } else {
                    positive
                };
                let cols = out.cols();
                for row in out.data_mut().chunks_exact_mut(cols) {
                    // `np.divide(Y, row_sums, out=Y, where=row_sums != 0)`.
                    let sum = numpy_sum(row);
                    if sum != 0.0 {
                        row.iter_mut().for_each(|value| *value /= sum);
                    }
                }
                Ok(Output::matrix(out))
            }
        }
    }
}
