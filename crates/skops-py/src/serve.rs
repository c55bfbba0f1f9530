//! The Python engine of `python -m skops_rs serve`: the [`Fallback`] that serves the models the
//! native engine does not evaluate, through `skops_rs._serve_engine` (the audited loader, then
//! scikit-learn's own methods). The server runs without the GIL; each start-up load and each
//! request takes it for the Python calls only.

use numpy::{PyArray1, PyArrayMethods};
use pyo3::exceptions::{PyIndexError, PyKeyError, PyTypeError, PyValueError};
use pyo3::prelude::*;
use pyo3::types::PyList;
use skops_infer::error::ModelError;
use skops_infer::{Column, Data, Labels, Method, Output, Values};
use skops_serve::error::{EngineError, LoadError};
use skops_serve::{Engine, Fallback, Unsupported};

/// The helper module, in the Python package.
const HELPER: &str = "skops_rs._serve_engine";

/// Builds a [`PythonEngine`] for each model the native engine refuses as unsupported.
#[derive(Debug, Default)]
pub(crate) struct PythonFallback;

impl Fallback for PythonFallback {
    fn engine(&self, model: &Unsupported<'_>) -> skops_serve::Result<Box<dyn Engine>> {
        Python::attach(|py| PythonEngine::load(py, model))
            .map(|engine| Box::new(engine) as Box<dyn Engine>)
            .map_err(|reason| {
                LoadError::Fallback {
                    path: model.path.to_owned(),
                    reason,
                }
                .into()
            })
    }
}

/// A model loaded in Python, and what the server needs to know of it.
#[derive(Debug)]
struct PythonEngine {
    /// The helper's description of the model (the estimator under `"estimator"`).
    model: Py<PyAny>,
    type_name: String,
    methods: Vec<Method>,
    classes: Option<Labels>,
    sha256: String,
    sklearn_version: Option<String>,
    n_features_in: Option<usize>,
    feature_names_in: Option<Vec<String>>,
    takes_text: bool,
}

impl PythonEngine {
    /// Loads `model` with the helper; a failure is the exception's type and message.
    fn load(py: Python<'_>, model: &Unsupported<'_>) -> Result<Self, String> {
        let described = (|| -> PyResult<Self> {
            let helper = py.import(HELPER)?;
            let bytes = pyo3::types::PyBytes::new(py, model.bytes);
            let info = helper.call_method1("load", (bytes, model.trusted.to_vec()))?;
            let methods: Vec<String> = info.get_item("methods")?.extract()?;
            let classes: Option<(String, Bound<'_, PyAny>)> =
                info.get_item("classes")?.extract()?;
            Ok(Self {
                type_name: info.get_item("type_name")?.extract()?,
                methods: methods
                    .iter()
                    .filter_map(|name| name.parse().ok())
                    .collect(),
                classes: classes
                    .map(|(kind, items)| labels(&kind, &items))
                    .transpose()?,
                sha256: model.sha256.clone(),
                sklearn_version: model.sklearn_version.clone(),
                n_features_in: info.get_item("n_features_in")?.extract()?,
                feature_names_in: info.get_item("feature_names_in")?.extract()?,
                takes_text: info.get_item("takes_text")?.extract()?,
                model: info.unbind(),
            })
        })();
        described.map_err(|error| describe(py, &error))
    }

    /// The request's batch as the helper takes it.
    fn batch<'py>(&self, py: Python<'py>, data: &Data) -> skops_serve::Result<Bound<'py, PyAny>> {
        let failed = |error: PyErr| EngineError::failed(&describe(py, &error));
        match data {
            Data::Matrix(matrix) => Ok(PyArray1::from_slice(py, matrix.data())
                .reshape([matrix.rows(), matrix.cols()])
                .map_err(failed)?
                .into_any()),
            Data::Table(table) if self.takes_text => match table.columns() {
                [Column::Strings(texts)] => {
                    let texts: Option<Vec<&str>> = texts.iter().map(Option::as_deref).collect();
                    let texts = texts.ok_or_else(|| EngineError::bad_input("a text is missing"))?;
                    Ok(PyList::new(py, texts).map_err(failed)?.into_any())
                }
                _ => Err(EngineError::bad_input(
                    "this model classifies texts: its input is one column of strings",
                )
                .into()),
            },
            Data::Table(table) => {
                let names = table.names();
                let columns = table
                    .columns()
                    .iter()
                    .enumerate()
                    .map(|(index, column)| {
                        let name = names.and_then(|names| names.get(index)).cloned();
                        let column = match column {
                            Column::Numbers(numbers) => {
                                PyArray1::from_slice(py, numbers).into_any()
                            }
                            Column::Strings(cells) => {
                                PyList::new(py, cells).map_err(failed)?.into_any()
                            }
                        };
                        Ok((name, column))
                    })
                    .collect::<skops_serve::Result<Vec<_>>>()?;
                Ok(PyList::new(py, columns).map_err(failed)?.into_any())
            }
            Data::Sparse(_) => {
                Err(EngineError::failed("a sparse batch is not given to the Python engine").into())
            }
        }
    }
}

impl Engine for PythonEngine {
    fn engine_name(&self) -> &'static str {
        "python"
    }
    fn type_name(&self) -> &str {
        &self.type_name
    }
    fn methods(&self) -> Vec<Method> {
        self.methods.clone()
    }
    fn classes(&self) -> Option<&Labels> {
        self.classes.as_ref()
    }
    fn sha256(&self) -> &str {
        &self.sha256
    }
    fn sklearn_version(&self) -> Option<&str> {
        self.sklearn_version.as_deref()
    }
    fn n_features_in(&self) -> Option<usize> {
        self.n_features_in
    }
    fn feature_names_in(&self) -> Option<&[String]> {
        self.feature_names_in.as_deref()
    }
    fn takes_text(&self) -> bool {
        self.takes_text
    }

    fn runs_alone(&self) -> bool {
        // Each batch holds the GIL: run together they would interleave and all finish late,
        // and batches whose clients left would still be computed.
        true
    }

    fn run(&self, method: Method, data: &Data) -> skops_serve::Result<Output> {
        if !self.methods.contains(&method) {
            return Err(skops_infer::Error::from(ModelError::NoMethod {
                type_name: self.type_name.clone(),
                method: method.name().to_owned(),
            })
            .into());
        }
        Python::attach(|py| {
            let batch = self.batch(py, data)?;
            let answer = py
                .import(HELPER)
                .and_then(|helper| {
                    helper.call_method1("run", (self.model.bind(py), method.name(), batch))
                })
                .map_err(|error| request_error(py, &error))?;
            output(&answer).map_err(|error| EngineError::failed(&describe(py, &error)).into())
        })
    }
}

/// The helper's `(kind, shape, items)` as an output.
fn output(answer: &Bound<'_, PyAny>) -> PyResult<Output> {
    let (kind, shape, items): (String, Vec<usize>, Bound<'_, PyAny>) = answer.extract()?;
    let values = match kind.as_str() {
        "f64" => Values::F64(items.extract()?),
        "i64" => Values::I64(items.extract()?),
        "bool" => Values::Bool(items.extract()?),
        "str" => Values::Str(items.extract()?),
        other => {
            return Err(PyValueError::new_err(format!(
                "unknown output kind `{other}`"
            )));
        }
    };
    if shape.iter().product::<usize>() != values.len() {
        return Err(PyValueError::new_err(format!(
            "an output of shape {shape:?} holds {} values",
            values.len()
        )));
    }
    Ok(Output { shape, values })
}

/// `classes_` as labels.
fn labels(kind: &str, items: &Bound<'_, PyAny>) -> PyResult<Labels> {
    Ok(match kind {
        "f64" => Labels::F64(items.extract()?),
        "i64" => Labels::I64(items.extract()?),
        "bool" => Labels::Bool(items.extract()?),
        "str" => Labels::Str(items.extract()?),
        other => {
            return Err(PyValueError::new_err(format!(
                "unknown label kind `{other}`"
            )));
        }
    })
}

/// A request's exception: what scikit-learn raises for input it refuses (`ValueError`,
/// `TypeError`, `KeyError`, `IndexError`) is bad input, anything else a failure.
fn request_error(py: Python<'_>, error: &PyErr) -> skops_serve::Error {
    let message = describe(py, error);
    let bad_input = [
        error.is_instance_of::<PyValueError>(py),
        error.is_instance_of::<PyTypeError>(py),
        error.is_instance_of::<PyKeyError>(py),
        error.is_instance_of::<PyIndexError>(py),
    ];
    if bad_input.contains(&true) {
        EngineError::bad_input(&message).into()
    } else {
        EngineError::failed(&message).into()
    }
}

/// `Type: message` of an exception (never its traceback).
fn describe(py: Python<'_>, error: &PyErr) -> String {
    let type_name = error
        .get_type(py)
        .name()
        .map_or_else(|_| "Exception".to_owned(), |name| name.to_string());
    let message = error
        .value(py)
        .str()
        .map_or_else(|_| String::new(), |text| text.to_string());
    if message.is_empty() {
        type_name
    } else {
        format!("{type_name}: {message}")
    }
}
