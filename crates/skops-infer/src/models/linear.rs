//! Linear models: regressors (`predict = X @ coef_.T + intercept_`) and linear classifiers
//! (`decision_function`, `predict` by sign or argmax, and the `predict_proba` each class
//! has: expit, softmax, normalised one-vs-rest expits, or modified Huber), as
//! `sklearn.linear_model._base` computes them. Scores are a sequential sum per row
//! (`linear_math::Linear`): bit-exact with scikit-learn on CSR input, within the BLAS
//! error bound on dense input.

use crate::data::{Data, Matrix};
use crate::error::Result;
use crate::model::{Meta, Method, Model};
use crate::models::linear_math::{Linear, expit, normalize, softmax};
use crate::output::{Labels, Output, Values, argmax};
use crate::read::Obj;

/// A linear regressor: `predict` only.
#[derive(Debug)]
pub struct LinearRegressor {
    meta: Meta,
    linear: Linear,
}

/// Builds a [`LinearRegressor`] (`LinearRegression`, `Ridge`, `Lasso`, `ElasticNet`, their
/// `*CV`, `SGDRegressor`, `LinearSVR`: every one predicts with `coef_` and `intercept_`
/// alone).
pub fn linear_regressor(obj: &Obj<'_, '_>) -> Result<Box<dyn Model>> {
    let meta = Meta::read(obj)?;
    let linear = Linear::read(obj, &meta)?;
    Ok(Box::new(LinearRegressor { meta, linear }))
}

impl Model for LinearRegressor {
    fn meta(&self) -> &Meta {
        &self.meta
    }

    fn methods(&self) -> Vec<Method> {
        vec![Method::Predict]
    }

    fn n_features_in(&self) -> Option<usize> {
        Some(self.linear.features())
    }

    fn run(&self, method: Method, x: &Data) -> Result<Output> {
        if method != Method::Predict {
            return Err(self.meta.no_method(method));
        }
        let scores = self.linear.scores(&self.meta, x)?;
        Ok(if self.linear.two_d() {
            Output::matrix(scores)
        } else {
            Output::vector(Values::F64(scores.into_data()))
        })
    }
}

/// How a linear classifier turns scores into probabilities.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Proba {
    /// No `predict_proba` (hinge and other losses, `LinearSVC`, `RidgeClassifier`, ...).
    None,
    /// `LogisticRegression`: `[1 - expit, expit]` when binary, `softmax` otherwise.
    Logistic,
    /// `_predict_proba_lr`: `[1 - expit, expit]` when binary, expits normalised by their sum
    /// otherwise (`SGDClassifier(loss="log_loss")`, a one-vs-rest `LogisticRegression`
    /// written by scikit-learn < 1.8).
    OneVsRest,
    /// `SGDClassifier(loss="modified_huber")`: `(clip(score, -1, 1) + 1) / 2`, normalised
    /// when multiclass.
    ModifiedHuber,
}

/// A linear classifier: scores from `coef_` (one row when binary, one per class otherwise).
#[derive(Debug)]
pub struct LinearClassifier {
    meta: Meta,
    linear: Linear,
    classes: Labels,
    proba: Proba,
}

impl LinearClassifier {
    /// Reads the shared state and checks that `coef_` has one row (binary) or one per class.
    pub fn read(obj: &Obj<'_, '_>, proba: Proba) -> Result<Self> {
        let meta = Meta::read(obj)?;
        let linear = Linear::read(obj, &meta)?;
        let classes = obj.labels("classes_")?;
        let expected = if classes.len() == 2 { 1 } else { classes.len() };
        if classes.len() < 2 || linear.outputs() != expected {
            return Err(obj.malformed(format!(
                "`coef_` has {} rows for {} classes",
                linear.outputs(),
                classes.len()
            )));
        }
        Ok(Self {
            meta,
            linear,
            classes,
            proba,
        })
    }

    fn binary(&self) -> bool {
        self.linear.outputs() == 1
    }

    /// `predict_proba` from the scores.
    fn proba(&self, scores: Matrix) -> Matrix {
        let rows = scores.rows();
        if self.binary() {
            let mut out = Matrix::zeros(rows, 2);
            for (index, &score) in scores.data().iter().enumerate() {
                let row = out.row_mut(index);
                if self.proba == Proba::ModifiedHuber {
                    // `prob2 = ones; prob2[:, 1] = (clip + 1) / 2; prob2[:, 0] -= prob2[:, 1]`.
                    let positive = (clamp(score) + 1.0) / 2.0;
                    row[0] = 1.0 - positive;
                    row[1] = positive;
                } else {
                    let positive = expit(score);
                    row[0] = 1.0 - positive;
                    row[1] = positive;
                }
            }
            return out;
        }
        let mut out = scores;
        let cols = out.cols();
        for row in out.data_mut().chunks_exact_mut(cols) {
            match self.proba {
                Proba::Logistic => softmax(row),
                Proba::OneVsRest => {
                    row.iter_mut().for_each(|value| *value = expit(*value));
                    normalize(row);
                }
                Proba::ModifiedHuber => {
                    row.iter_mut()
                        .for_each(|value| *value = (clamp(*value) + 1.0) / 2.0);
                    normalize(row);
                }
                Proba::None => {}
            }
        }
        out
    }
}

/// `np.clip(score, -1, 1)` (NaN stays NaN).
fn clamp(score: f64) -> f64 {
    score.clamp(-1.0, 1.0)
}

impl Model for LinearClassifier {
    fn meta(&self) -> &Meta {
        &self.meta
    }

    fn methods(&self) -> Vec<Method> {
        let mut methods = vec![Method::Predict, Method::DecisionFunction];
        if self.proba != Proba::None {
            methods.extend([Method::PredictProba, Method::PredictLogProba]);
        }
        methods
    }

    fn n_features_in(&self) -> Option<usize> {
        Some(self.linear.features())
    }

    fn run(&self, method: Method, x: &Data) -> Result<Output> {
        if !self.methods().contains(&method) {
            return Err(self.meta.no_method(method));
        }
        let scores = self.linear.scores(&self.meta, x)?;
        Ok(match method {
            Method::DecisionFunction if self.binary() => {
                Output::vector(Values::F64(scores.into_data()))
            }
            Method::DecisionFunction => Output::matrix(scores),
            Method::Predict if self.binary() => Output::vector(
                self.classes
                    .take(scores.data().iter().map(|&score| usize::from(score > 0.0))),
            ),
            Method::Predict => Output::vector(self.classes.take(scores.iter_rows().map(argmax))),
            Method::PredictProba => Output::matrix(self.proba(scores)),
            _ => {
                let mut proba = self.proba(scores);
                proba.data_mut().iter_mut().for_each(|p| *p = p.ln());
                Output::matrix(proba)
            }
        })
    }
}

/// Builds `LogisticRegression` and `LogisticRegressionCV` (softmax when multiclass). A file
/// of scikit-learn < 1.8 may hold `multi_class`: one-vs-rest (`"ovr"`, or `"auto"` with the
/// liblinear solver) normalises expits instead; a binary `"multinomial"` model (a softmax of
/// `[-score, score]` there) is refused.
pub fn logistic_regression(obj: &Obj<'_, '_>) -> Result<Box<dyn Model>> {
    let mut proba = Proba::Logistic;
    if obj.has("multi_class") && !obj.is_none("multi_class") {
        let multi_class = obj.string("multi_class")?;
        let solver = obj.string("solver").unwrap_or_default();
        let binary = obj.labels("classes_")?.len() <= 2;
        proba = match multi_class.as_str() {
            "ovr" | "warn" => Proba::OneVsRest,
            "auto" | "deprecated" if solver == "liblinear" || binary => Proba::OneVsRest,
            "auto" | "deprecated" => Proba::Logistic,
            "multinomial" if !binary => Proba::Logistic,
            other => {
                return Err(obj.unsupported_option(format!(
                    "`multi_class={other:?}` with {} classes (scikit-learn < 1.8)",
                    obj.labels("classes_")?.len()
                )));
            }
        };
    }
    Ok(Box::new(LinearClassifier::read(obj, proba)?))
}

/// Builds `SGDClassifier`: `predict_proba` for `loss="log_loss"` (one-vs-rest expits) and
/// `loss="modified_huber"`, as scikit-learn offers it.
pub fn sgd_classifier(obj: &Obj<'_, '_>) -> Result<Box<dyn Model>> {
    let proba = match obj.string("loss")?.as_str() {
        "log_loss" => Proba::OneVsRest,
        "modified_huber" => Proba::ModifiedHuber,
        _ => Proba::None,
    };
    Ok(Box::new(LinearClassifier::read(obj, proba)?))
}

/// Builds a linear classifier without `predict_proba` (`Perceptron`, `LinearSVC`).
pub fn linear_classifier(obj: &Obj<'_, '_>) -> Result<Box<dyn Model>> {
    Ok(Box::new(LinearClassifier::read(obj, Proba::None)?))
}

/// Builds `RidgeClassifier` and `RidgeClassifierCV`; a multilabel one (its `predict`
/// thresholds every output and inverts a label binarizer) is refused.
pub fn ridge_classifier(obj: &Obj<'_, '_>) -> Result<Box<dyn Model>> {
    let binarizer = obj.child("_label_binarizer")?;
    let y_type = binarizer.string("y_type_")?;
    if y_type.starts_with("multilabel") {
        return Err(obj.unsupported_option(format!("a multilabel target (`y_type_={y_type:?}`)")));
    }
    Ok(Box::new(LinearClassifier::read(obj, Proba::None)?))
}
