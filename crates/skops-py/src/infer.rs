//! `skops_rs._skops_rs.NativePredictor`: a `skops_infer::Predictor` for Python. Building and
//! evaluating run without the GIL; batches come as a float64 matrix or as columns (float64
//! arrays or lists of optional strings), outputs go back as `(shape, flat values)`.

use numpy::{PyArray1, PyReadonlyArray1, PyReadonlyArray2, PyUntypedArrayMethods};
use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyModule};
use skops_infer::error::ModelError;
use skops_infer::{Column, Csr, Data, Error, Matrix, Method, Output, Predictor, Table, Values};

use crate::errors::format_error;

/// Adds `NativePredictor` and `infer_error_kinds` to the extension module.
pub(crate) fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<NativePredictor>()?;
    m.add_function(wrap_pyfunction!(infer_error_kinds, m)?)?;
    m.add_function(wrap_pyfunction!(native_types, m)?)?;
    Ok(())
}

/// Every kind of `skops_infer`'s own errors (`infer-*`), sorted.
#[pyfunction]
fn infer_error_kinds() -> Vec<&'static str> {
    let mut kinds: Vec<&'static str> = Error::kinds().collect();
    kinds.sort_unstable();
    kinds
}

/// The `module.class` of every class the native engine evaluates, sorted.
#[pyfunction]
fn native_types() -> Vec<&'static str> {
    let mut names: Vec<&'static str> = skops_infer::registry::SUPPORTED
        .iter()
        .map(|(name, _)| *name)
        .collect();
    names.sort_unstable();
    names
}

/// A model of a `.skops` file, evaluated natively.
#[pyclass(frozen, module = "skops_rs._skops_rs")]
struct NativePredictor {
    inner: Predictor,
}

#[pymethods]
impl NativePredictor {
    /// Opens, validates and builds the model in `data` (the bytes of a `.skops` file).
    #[new]
    fn new(py: Python<'_>, data: &[u8]) -> PyResult<Self> {
        let inner = py
            .detach(|| Predictor::from_bytes(data))
            .map_err(|error| to_py(py, &error))?;
        Ok(Self { inner })
    }

    /// The root estimator's `module.class`.
    #[getter]
    fn type_name(&self) -> &str {
        self.inner.type_name()
    }

    /// The methods the model has (Python names).
    #[getter]
    fn methods(&self) -> Vec<&'static str> {
        self.inner.methods().into_iter().map(Method::name).collect()
    }

    /// `n_features_in_`, when the model has it.
    #[getter]
    fn n_features_in(&self) -> Option<usize> {
        self.inner.n_features_in()
    }

    /// `feature_names_in_`, when the model has it.
    #[getter]
    fn feature_names_in(&self) -> Option<Vec<String>> {
        self.inner.feature_names_in().map(<[String]>::to_vec)
    }

    /// The file's SHA-256 (lowercase hex).
    #[getter]
    fn sha256(&self) -> &str {
        self.inner.sha256()
    }

    /// The scikit-learn version that wrote the file, when it says.
    #[getter]
    fn sklearn_version(&self) -> Option<&str> {
        self.inner.sklearn_version()
    }

    /// Evaluates `method` on a C-contiguous float64 matrix; returns `(shape, values)`.
    fn run_matrix<'py>(
        &self,
        py: Python<'py>,
        method: &str,
        x: PyReadonlyArray2<'py, f64>,
    ) -> PyResult<(Vec<usize>, Bound<'py, PyAny>)> {
        let method = parse_method(method)?;
        let shape = x.shape().to_vec();
        let items = match x.as_slice() {
            Ok(items) => items.to_vec(),
            Err(_) => x.as_array().iter().copied().collect(),
        };
        let matrix = Matrix::new(shape[0], shape[1], items).map_err(|error| to_py(py, &error))?;
        self.evaluate(py, method, Data::Matrix(matrix))
    }

    /// Evaluates `method` on columns (float64 arrays, or lists of strings and `None`), named
    /// by `names` when given; returns `(shape, values)`.
    #[pyo3(signature = (method, columns, names=None))]
    fn run_columns<'py>(
        &self,
        py: Python<'py>,
        method: &str,
        columns: Vec<Bound<'py, PyAny>>,
        names: Option<Vec<String>>,
    ) -> PyResult<(Vec<usize>, Bound<'py, PyAny>)> {
        let method = parse_method(method)?;
        let columns = columns
            .iter()
            .map(|column| {
                if let Ok(numbers) = column.extract::<PyReadonlyArray1<'py, f64>>() {
                    Ok(Column::Numbers(numbers.as_array().to_vec()))
                } else {
                    Ok(Column::Strings(column.extract::<Vec<Option<String>>>()?))
                }
            })
            .collect::<PyResult<Vec<_>>>()?;
        let table = Table::new(names, columns).map_err(|error| to_py(py, &error))?;
        self.evaluate(py, method, Data::Table(table))
    }

    /// Evaluates `method` on a CSR matrix of `shape` given by scipy's three arrays (values,
    /// column indices, row offsets); returns `(shape, values)`.
    fn run_csr<'py>(
        &self,
        py: Python<'py>,
        method: &str,
        data: PyReadonlyArray1<'py, f64>,
        indices: PyReadonlyArray1<'py, i64>,
        indptr: PyReadonlyArray1<'py, i64>,
        shape: (usize, usize),
    ) -> PyResult<(Vec<usize>, Bound<'py, PyAny>)> {
        let method = parse_method(method)?;
        let offsets = |array: PyReadonlyArray1<'py, i64>, what: &str| -> PyResult<Vec<usize>> {
            array
                .as_array()
                .iter()
                .map(|&value| {
                    usize::try_from(value).map_err(|_| {
                        let reason = format!("a sparse matrix has a negative {what}");
                        to_py(py, &skops_infer::error::InputError::Shape { reason }.into())
                    })
                })
                .collect()
        };
        let csr = Csr::new(
            shape.0,
            shape.1,
            offsets(indptr, "row offset")?,
            offsets(indices, "column index")?,
            data.as_array().to_vec(),
        )
        .map_err(|error| to_py(py, &error))?;
        self.evaluate(py, method, Data::Sparse(csr))
    }
}

impl NativePredictor {
    fn evaluate<'py>(
        &self,
        py: Python<'py>,
        method: Method,
        data: Data,
    ) -> PyResult<(Vec<usize>, Bound<'py, PyAny>)> {
        let output: Output = py
            .detach(|| self.inner.run(method, &data))
            .map_err(|error| to_py(py, &error))?;
        let values = match output.values {
            Values::F64(values) => PyArray1::from_vec(py, values).into_any(),
            Values::I64(values) => PyArray1::from_vec(py, values).into_any(),
            Values::Bool(values) => PyArray1::from_vec(py, values).into_any(),
            Values::Str(values) => values.into_pyobject(py)?.into_any(),
        };
        Ok((output.shape, values))
    }
}

fn parse_method(name: &str) -> PyResult<Method> {
    name.parse()
        .map_err(|_| PyValueError::new_err(format!("`{name}` is not a method of an estimator")))
}

/// The Python exception of `error`: the file's errors as `SkopsFormatError`; the engine's as
/// the `skops_rs.exceptions` class of its family, with its `kind`.
fn to_py(py: Python<'_>, error: &Error) -> PyErr {
    let class_name = match error {
        Error::File(error) => return format_error(py, error),
        Error::Model(ModelError::NoMethod { .. }) => "InferenceMethodError",
        Error::Model(
            ModelError::Unsupported { .. }
            | ModelError::UnsupportedOption { .. }
            | ModelError::Malformed { .. },
        ) => "UnsupportedModelError",
        Error::Input(_) => "InferenceInputError",
    };
    let build = || -> PyResult<PyErr> {
        let class = py.import("skops_rs.exceptions")?.getattr(class_name)?;
        let kwargs = PyDict::new(py);
        kwargs.set_item("kind", error.kind())?;
        Ok(PyErr::from_value(
            class.call((error.to_string(),), Some(&kwargs))?,
        ))
    };
    match build() {
        Ok(err) | Err(err) => err,
    }
}
