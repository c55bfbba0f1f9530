//! A predictor built from a `.skops` file's bytes: the file is opened and validated by
//! `skops-trust`, then the model tree is built from the registry; batches run in row chunks
//! on several threads.

use rayon::prelude::*;
use skops_format::Limits;
use skops_trust::ModelFile;

use crate::data::Data;
use crate::error::{InputError, Result};
use crate::model::{Method, Model};
use crate::output::{Labels, Output};
use crate::read::Obj;
use crate::{registry, support};

/// Rows per chunk of a batch evaluated in parallel: large enough that scheduling is cheap,
/// small enough that two cores share a 10k-row batch.
pub const CHUNK_ROWS: usize = 2048;

/// A model read from a `.skops` file, ready to evaluate.
#[derive(Debug)]
pub struct Predictor {
    model: Box<dyn Model>,
    sha256: String,
    sklearn_version: Option<String>,
    classes: Option<Labels>,
}

impl Predictor {
    /// Opens, validates and builds the model in `bytes` with the default limits.
    pub fn from_bytes(bytes: &[u8]) -> Result<Self> {
        Self::from_bytes_with(bytes, &Limits::default())
    }

    /// [`Predictor::from_bytes`] with `limits`.
    pub fn from_bytes_with(bytes: &[u8], limits: &Limits) -> Result<Self> {
        Self::from_model_file(&ModelFile::open(bytes, limits)?)
    }

    /// Builds the model of a file already opened (and perhaps already audited: validation
    /// runs once per opened file, so a caller that audited first pays for it once).
    pub fn from_model_file(file: &ModelFile<'_>) -> Result<Self> {
        // The validators prove the state scikit-learn would trust blindly (tree node arrays,
        // ...) sound; the builders rely on that and check the rest themselves.
        file.validate()?;
        let root = Obj::root(file.file())?;
        let model = registry::build(&root)?;
        Ok(Self {
            model,
            classes: support::classes(&root),
            sha256: file.sha256(),
            sklearn_version: file.sklearn_version(),
        })
    }

    /// The root estimator's `module.class`.
    pub fn type_name(&self) -> &str {
        self.model.type_name()
    }

    /// The methods the model has.
    pub fn methods(&self) -> Vec<Method> {
        self.model.methods()
    }

    /// The number of input columns, when the model says.
    pub fn n_features_in(&self) -> Option<usize> {
        self.model.n_features_in()
    }

    /// The column names the model was fitted with, when it has them.
    pub fn feature_names_in(&self) -> Option<&[String]> {
        self.model.feature_names_in()
    }

    /// What each input column holds, as far as the fitted state says (the categories of the
    /// string columns a pipeline's encoders were fitted on, ...); `None` when the model does
    /// not say.
    pub fn input_kinds(&self) -> Option<Vec<crate::model::InputKind>> {
        self.model.input_kinds()
    }

    /// The class labels of the final estimator (`classes_`: the columns of `predict_proba`),
    /// when it has them.
    pub fn classes(&self) -> Option<&Labels> {
        self.classes.as_ref()
    }

    /// The SHA-256 of the file, as lowercase hex.
    pub fn sha256(&self) -> &str {
        &self.sha256
    }

    /// The scikit-learn version that wrote the file, when it says.
    pub fn sklearn_version(&self) -> Option<&str> {
        self.sklearn_version.as_deref()
    }

    /// Evaluates `method` on `x`: batches of more than [`CHUNK_ROWS`] rows run in chunks on
    /// rayon's pool (every model computes rows independently, so the result is the same bits
    /// for any split and any number of threads).
    pub fn run(&self, method: Method, x: &Data) -> Result<Output> {
        self.check_names(x)?;
        let rows = x.rows();
        if rows <= CHUNK_ROWS {
            return self.model.run(method, x);
        }
        let parts = (0..rows)
            .step_by(CHUNK_ROWS)
            .collect::<Vec<_>>()
            .into_par_iter()
            .map(|start| {
                let chunk = x.slice_rows(start..(start + CHUNK_ROWS).min(rows));
                self.model.run(method, &chunk)
            })
            .collect::<Result<Vec<_>>>()?;
        Output::concat(parts).ok_or_else(|| {
            InputError::Shape {
                reason: "row chunks gave outputs of different shapes".to_owned(),
            }
            .into()
        })
    }

    /// Fails when `x` has column names that differ from the ones the model was fitted with
    /// (scikit-learn raises `ValueError` for that too).
    fn check_names(&self, x: &Data) -> Result<()> {
        let (Some(given), Some(fitted)) = (x.names(), self.feature_names_in()) else {
            return Ok(());
        };
        if given == fitted {
            return Ok(());
        }
        let missing: Vec<&str> = fitted
            .iter()
            .filter(|name| !given.contains(name))
            .map(String::as_str)
            .collect();
        let unseen: Vec<&str> = given
            .iter()
            .filter(|name| !fitted.contains(name))
            .map(String::as_str)
            .collect();
        Err(InputError::Column {
            reason: format!(
                "the column names differ from the ones the model was fitted with (missing: {missing:?}; not seen at fit: {unseen:?}; same names must come in the same order)"
            ),
        }
        .into())
    }
}
