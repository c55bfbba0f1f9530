//! The Python functions and types the writer calls, each imported once per process.

use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;

/// A Python object the writer needs.
#[derive(Debug, Clone, Copy)]
#[repr(usize)]
pub(crate) enum Helper {
    Object,
    Property,
    BuiltinFunctionType,
    SysModules,
    JsonDumps,
    PicklingError,
    Uuid4,
    NumpyAsAnyArray,
    NumpyIsScalar,
    NumpyNdarray,
    NumpyDtypeToDescr,
    ScipySparray,
    /// `skops_rs.io._get_module`: skops' `get_module` scan of `sys.modules`.
    GetModule,
}

const COUNT: usize = Helper::GetModule as usize + 1;

impl Helper {
    fn location(self) -> (&'static str, &'static str) {
        match self {
            Self::Object => ("builtins", "object"),
            Self::Property => ("builtins", "property"),
            Self::BuiltinFunctionType => ("types", "BuiltinFunctionType"),
            Self::SysModules => ("sys", "modules"),
            Self::JsonDumps => ("json", "dumps"),
            Self::PicklingError => ("pickle", "PicklingError"),
            Self::Uuid4 => ("uuid", "uuid4"),
            Self::NumpyAsAnyArray => ("numpy", "asanyarray"),
            Self::NumpyIsScalar => ("numpy", "isscalar"),
            Self::NumpyNdarray => ("numpy", "ndarray"),
            Self::NumpyDtypeToDescr => ("numpy.lib.format", "dtype_to_descr"),
            Self::ScipySparray => ("scipy.sparse", "sparray"),
            Self::GetModule => ("skops_rs.io", "_get_module"),
        }
    }
}

static CELLS: [PyOnceLock<Py<PyAny>>; COUNT] = [const { PyOnceLock::new() }; COUNT];

/// `helper`, imported on first use.
pub(crate) fn get(py: Python<'_>, helper: Helper) -> PyResult<&Bound<'_, PyAny>> {
    let (module, attribute) = helper.location();
    match CELLS.get(helper as usize) {
        Some(cell) => cell.import(py, module, attribute),
        None => Err(pyo3::exceptions::PyRuntimeError::new_err(
            "internal error: unknown helper",
        )),
    }
}
