//! The interface every natively evaluated estimator implements, and the methods it may have.

use std::fmt::Debug;

use crate::data::Data;
use crate::error::{ModelError, Result};
use crate::output::Output;

/// A method of a scikit-learn estimator.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Hash,
    strum::EnumIter,
    strum::EnumString,
    strum::IntoStaticStr,
)]
#[strum(serialize_all = "snake_case")]
pub enum Method {
    /// `predict`.
    Predict,
    /// `predict_proba`.
    PredictProba,
    /// `predict_log_proba`.
    PredictLogProba,
    /// `decision_function`.
    DecisionFunction,
    /// `transform`.
    Transform,
    /// `score_samples`.
    ScoreSamples,
    /// `apply` (the leaf index of each row in each tree).
    Apply,
}

impl Method {
    /// The method's Python name.
    pub fn name(self) -> &'static str {
        self.into()
    }
}

/// An estimator built from its state, ready to evaluate. Every implementation computes each
/// row of a batch from that row alone, so any split of a batch into row chunks gives the
/// same bits (the predictor runs chunks on several threads).
pub trait Model: Debug + Send + Sync {
    /// Its name, place and fitted columns (the defaults of `type_name`, `n_features_in` and
    /// `feature_names_in` read them).
    fn meta(&self) -> &Meta;

    /// The estimator's `module.class`.
    fn type_name(&self) -> &str {
        &self.meta().type_name
    }

    /// The methods it has, as scikit-learn's estimator has them.
    fn methods(&self) -> Vec<Method>;

    /// The number of input columns it takes, when its state says.
    fn n_features_in(&self) -> Option<usize> {
        self.meta().n_features_in
    }

    /// The column names it was fitted with (`feature_names_in_`), when it has them.
    fn feature_names_in(&self) -> Option<&[String]> {
        self.meta().feature_names_in.as_deref()
    }

    /// What each input column holds, as far as the fitted state says (one entry per input
    /// column, in order), for forms that ask people for a row: `None` when the model does not
    /// say (most estimators take numbers but record nothing about their columns).
    fn input_kinds(&self) -> Option<Vec<InputKind>> {
        None
    }

    /// Evaluates `method` on the batch `x` (one row chunk).
    fn run(&self, method: Method, x: &Data) -> Result<Output>;
}

/// What the fitted state says one input column holds.
#[derive(Debug, Clone, PartialEq)]
pub enum InputKind {
    /// Nothing (the column is passed through, or its estimator records nothing).
    Unknown,
    /// Numbers: the column's encoder was fitted on numbers.
    Numbers,
    /// Strings: the categories the column's encoder was fitted on, in their fitted order.
    Categories(Vec<String>),
}

/// The error of a method a model does not have.
pub fn no_method(model: &dyn Model, method: Method) -> crate::Error {
    ModelError::NoMethod {
        type_name: model.type_name().to_owned(),
        method: method.name().to_owned(),
    }
    .into()
}

/// What every estimator has: its name and place, and the columns it was fitted on.
#[derive(Debug, Clone)]
pub struct Meta {
    /// `module.class`.
    pub type_name: String,
    /// The node path, as messages show it.
    pub path: String,
    /// `n_features_in_`, when the state has it.
    pub n_features_in: Option<usize>,
    /// `feature_names_in_`, when the state has it.
    pub feature_names_in: Option<Vec<String>>,
}

impl Meta {
    /// Reads `n_features_in_` and `feature_names_in_` (both optional, as in scikit-learn).
    pub fn read(obj: &crate::read::Obj<'_, '_>) -> Result<Self> {
        let n_features_in = if obj.has("n_features_in_") {
            Some(obj.count("n_features_in_")?)
        } else {
            None
        };
        let feature_names_in = if obj.has("feature_names_in_") && !obj.is_none("feature_names_in_")
        {
            match obj.labels("feature_names_in_")? {
                crate::output::Labels::Str(names) => Some(names),
                _ => return Err(obj.malformed("`feature_names_in_` does not hold strings")),
            }
        } else {
            None
        };
        Ok(Self {
            type_name: obj.type_name().to_owned(),
            path: obj.path(),
            n_features_in,
            feature_names_in,
        })
    }

    /// Who this is in messages: `module.class` at its path.
    pub fn who(&self) -> String {
        format!("`{}` at `{}`", self.type_name, self.path)
    }

    /// The batch as a float64 matrix of `n_features` columns (`n_features_in_` when `None`),
    /// as scikit-learn's `validate_data` requires.
    pub fn dense<'x>(
        &self,
        x: &'x Data,
        n_features: Option<usize>,
    ) -> Result<std::borrow::Cow<'x, crate::data::Matrix>> {
        self.check_width(x, n_features)?;
        x.to_matrix(&|| self.who())
    }

    /// Fails unless `x` has `n_features` columns (`n_features_in_` when `None`; any number
    /// when neither is known).
    pub fn check_width(&self, x: &Data, n_features: Option<usize>) -> Result<()> {
        match n_features.or(self.n_features_in) {
            Some(expected) if expected != x.cols() => Err(crate::error::InputError::Width {
                estimator: self.who(),
                expected,
                got: x.cols(),
            }
            .into()),
            _ => Ok(()),
        }
    }

    /// The error of a method the estimator does not have.
    pub fn no_method(&self, method: Method) -> crate::Error {
        ModelError::NoMethod {
            type_name: self.type_name.clone(),
            method: method.name().to_owned(),
        }
        .into()
    }

    /// Fails when any value of `x` is NaN or infinite (scikit-learn's `ensure_all_finite=True`).
    pub fn check_finite(&self, x: &crate::data::Matrix) -> Result<()> {
        check_values(self, x, "NaN or infinity", |value| value.is_finite())
    }

    /// Fails when any value of `x` is infinite (`ensure_all_finite="allow-nan"`).
    pub fn check_no_infinity(&self, x: &crate::data::Matrix) -> Result<()> {
        check_values(self, x, "infinity", |value| !value.is_infinite())
    }
}

/// Fails at the first value `ok` refuses, naming its row and column.
fn check_values(
    meta: &Meta,
    x: &crate::data::Matrix,
    what: &str,
    ok: impl Fn(f64) -> bool,
) -> Result<()> {
    let cols = x.cols().max(1);
    // Whole chunks tested without an early exit (so the test runs in vector lanes), then the
    // first failing chunk searched for its first refused value.
    const CHUNK: usize = 64;
    let first_bad = x
        .data()
        .chunks(CHUNK)
        .position(|chunk| !chunk.iter().fold(true, |all, &value| all & ok(value)))
        .and_then(|chunk| {
            let start = chunk * CHUNK;
            x.data()[start..]
                .iter()
                .position(|&value| !ok(value))
                .map(|at| start + at)
        });
    match first_bad {
        None => Ok(()),
        Some(at) => Err(crate::error::InputError::Value {
            reason: format!(
                "input contains {what} (row {}, column {}), which {} does not accept",
                at / cols,
                at % cols,
                meta.who()
            ),
        }
        .into()),
    }
}
