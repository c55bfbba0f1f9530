//! Which node a Python object becomes: skops 0.16's `singledispatch` table, resolved by MRO.
//!
//! skops registers one `get_state` function per type and `functools.singledispatch` picks the
//! first class of the object's MRO that is registered (none of the registered classes is an
//! ABC, so the plain MRO is what `singledispatch` walks). The table is rebuilt for each dump
//! from the modules that are imported at that moment: a type of a module that was never
//! imported cannot have instances, so looking it up in `sys.modules` instead of importing it
//! gives the same dispatch without importing scikit-learn to save a dict.

use std::sync::{Arc, Mutex};

use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::types::{PyDict, PyString, PyTuple, PyType};
use pyo3::{Bound, intern};

use super::address_map::AddressMap;
use super::error::DumpResult;
use super::python::{self, Helper};
use skops_format::json::escape::json_encoded;

/// The `get_state` function skops 0.16 registers for a type (named after the node written).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Handler {
    Dict,
    DefaultDict,
    List,
    Set,
    Tuple,
    Bytes,
    Bytearray,
    Slice,
    /// Python functions, numpy ufuncs and `__array_function__` dispatchers.
    Function,
    /// Bound methods.
    Method,
    Partial,
    /// Classes and builtin functions.
    Type,
    /// `operator.attrgetter` / `itemgetter` / `methodcaller`.
    OperatorFunc,
    ZoneInfo,
    /// The fallback: JSON, constructor from `__reduce__`, or the object's state.
    Object,
    /// numpy arrays and numpy scalars.
    NdArray,
    MaskedArray,
    DType,
    RandomState,
    Generator,
    Sparse,
    Tree,
    Loss,
    QuantileForest,
    /// Types skops refuses (`sklearn.cluster.Birch`).
    Unsupported,
}

/// Where skops' registered types live: (module, attribute, handler). Builtins come first; the
/// others are looked up only if their module is imported already.
const REGISTERED: &[(&str, &str, Handler)] = &[
    ("builtins", "dict", Handler::Dict),
    ("collections", "defaultdict", Handler::DefaultDict),
    ("builtins", "list", Handler::List),
    ("builtins", "set", Handler::Set),
    ("builtins", "tuple", Handler::Tuple),
    ("builtins", "bytes", Handler::Bytes),
    ("builtins", "bytearray", Handler::Bytearray),
    ("builtins", "slice", Handler::Slice),
    ("types", "FunctionType", Handler::Function),
    ("types", "MethodType", Handler::Method),
    ("functools", "partial", Handler::Partial),
    ("builtins", "type", Handler::Type),
    ("types", "BuiltinFunctionType", Handler::Type),
    ("operator", "attrgetter", Handler::OperatorFunc),
    ("operator", "itemgetter", Handler::OperatorFunc),
    ("operator", "methodcaller", Handler::OperatorFunc),
    ("zoneinfo", "ZoneInfo", Handler::ZoneInfo),
    ("builtins", "object", Handler::Object),
    ("numpy", "generic", Handler::NdArray),
    ("numpy", "ndarray", Handler::NdArray),
    ("numpy.ma", "MaskedArray", Handler::MaskedArray),
    ("numpy", "ufunc", Handler::Function),
    ("numpy", "dtype", Handler::DType),
    ("numpy.random", "RandomState", Handler::RandomState),
    ("numpy.random", "Generator", Handler::Generator),
    (
        "numpy._core._multiarray_umath",
        "_ArrayFunctionDispatcher",
        Handler::Function,
    ),
    (
        "numpy.core._multiarray_umath",
        "_ArrayFunctionDispatcher",
        Handler::Function,
    ),
    ("scipy.sparse", "spmatrix", Handler::Sparse),
    ("scipy.sparse", "sparray", Handler::Sparse),
    (
        "scipy.special._ufunc_tools",
        "_UFuncWrapper",
        Handler::Function,
    ),
    ("sklearn.tree._tree", "Tree", Handler::Tree),
    (
        "sklearn.linear_model._sgd_fast",
        "LossFunction",
        Handler::Loss,
    ),
    ("sklearn._loss._loss", "CyLossFunction", Handler::Loss),
    (
        "sklearn._loss._loss",
        "CyHalfMultinomialLoss",
        Handler::Loss,
    ),
    (
        "quantile_forest._quantile_forest_fast",
        "QuantileForest",
        Handler::QuantileForest,
    ),
    ("sklearn.cluster._birch", "Birch", Handler::Unsupported),
];

/// How the object handler gets an object's state, decided once per type.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ObjectStrategy {
    /// The type keeps `object.__reduce__`, whose result (`copyreg._reconstructor`, ...) never
    /// names the type as its constructor: the object is an ObjectNode and `__reduce__` need
    /// not be called. It would call `__getstate__` once more and throw the result away.
    StateOnly,
    /// Anything else: call `obj.__reduce__()` as skops does and look at the result.
    CallReduce,
}

/// What a dump needs to know about a type, found once per type and dump.
pub(crate) struct TypeInfo<'py> {
    pub(crate) handler: Handler,
    /// `json.dumps(type.__name__)`.
    pub(crate) class_json: String,
    /// `json.dumps(get_module(type))`.
    pub(crate) module_json: String,
    /// `type.__name__`.
    pub(crate) name: String,
    /// `get_module(type)`.
    pub(crate) module: String,
    /// Filled in when the object handler first meets the type.
    pub(crate) object_strategy: Option<ObjectStrategy>,
    pub(crate) ty: Bound<'py, PyType>,
}

impl TypeInfo<'_> {
    /// `get_module(type) + "." + type.__name__`, as skops names types.
    pub(crate) fn qualified_name(&self) -> String {
        format!("{}.{}", self.module, self.name)
    }
}

/// The dispatch table of one dump and what was learnt about each type met.
pub(crate) struct TypeTable<'py> {
    /// The registered types' handlers (the types are kept alive by the process-wide registry).
    registered: Arc<AddressMap<Handler>>,
    by_address: AddressMap<usize>,
    infos: Vec<TypeInfo<'py>>,
}

impl<'py> TypeTable<'py> {
    /// The table of the types registered by skops 0.16 whose module is imported now.
    pub(crate) fn new(py: Python<'py>) -> PyResult<Self> {
        Ok(Self {
            registered: registered_handlers(py)?,
            by_address: AddressMap::default(),
            infos: Vec::new(),
        })
    }

    /// The index (into [`Self::info`]) of what is known about `ty`.
    pub(crate) fn lookup(&mut self, ty: &Bound<'py, PyType>) -> DumpResult<usize> {
        let address = ty.as_ptr() as usize;
        if let Some(&index) = self.by_address.get(&address) {
            return Ok(index);
        }
        let handler = self.handler_by_mro(ty)?;
        let name = type_name(ty.as_any())?;
        let module = self.get_module(ty.as_any())?;
        let info = TypeInfo {
            handler,
            class_json: json_encoded(&name),
            module_json: json_encoded(&module),
            name,
            module,
            object_strategy: None,
            ty: ty.clone(),
        };
        let index = self.infos.len();
        self.infos.push(info);
        self.by_address.insert(address, index);
        Ok(index)
    }

    pub(crate) fn info(&self, index: usize) -> Option<&TypeInfo<'py>> {
        self.infos.get(index)
    }

    pub(crate) fn info_mut(&mut self, index: usize) -> Option<&mut TypeInfo<'py>> {
        self.infos.get_mut(index)
    }

    fn handler_by_mro(&self, ty: &Bound<'py, PyType>) -> PyResult<Handler> {
        let mro = ty.getattr(intern!(ty.py(), "__mro__"))?;
        let mro = mro.cast_into::<PyTuple>()?;
        for class in mro.iter() {
            if let Some(&handler) = self.registered.get(&(class.as_ptr() as usize)) {
                return Ok(handler);
            }
        }
        // Every MRO ends with `object`, which is registered.
        Ok(Handler::Object)
    }

    /// skops' `get_module(obj)`: `obj.__module__` if it is not None, else the first module of
    /// `sys.modules` holding `obj` under its `__name__` (`pickle.whichmodule`); the scan is
    /// `skops_rs.io._get_module`, which implements it with skops' exact rules.
    pub(crate) fn get_module(&self, obj: &Bound<'py, PyAny>) -> PyResult<String> {
        let py = obj.py();
        if let Some(module) = obj.getattr_opt(intern!(py, "__module__"))? {
            if !module.is_none() {
                return Ok(module.str()?.to_string());
            }
        }
        let fallback = python::get(py, Helper::GetModule)?;
        Ok(fallback.call1((obj,))?.str()?.to_string())
    }
}

/// `t.__name__`.
pub(crate) fn type_name(obj: &Bound<'_, PyAny>) -> PyResult<String> {
    Ok(obj
        .getattr(intern!(obj.py(), "__name__"))?
        .str()?
        .to_string())
}

/// What is known about one entry of [`REGISTERED`].
enum Registration {
    /// Its module was not imported at the last look.
    NotYetImported,
    /// Its module is imported but has no such type (an older or newer library version).
    Absent,
    Found(Py<PyType>),
}

/// The process-wide view of [`REGISTERED`]. A module, once imported, keeps its types, so
/// found and absent entries are final; the others are looked for again at each dump (a dict
/// lookup each).
struct Registry {
    states: [Registration; REGISTERED.len()],
    /// The handlers of the found types, by address (the types live in `states` for good).
    handlers: Arc<AddressMap<Handler>>,
}

static REGISTRY: Mutex<Option<Registry>> = Mutex::new(None);

/// The module names of [`REGISTERED`] as interned Python strings, for `sys.modules` lookups.
static MODULE_NAMES: [PyOnceLock<Py<PyString>>; REGISTERED.len()] =
    [const { PyOnceLock::new() }; REGISTERED.len()];

/// The handlers of the registered types whose module is imported, by type address.
fn registered_handlers(py: Python<'_>) -> PyResult<Arc<AddressMap<Handler>>> {
    let (pending, handlers) = {
        let mut registry = lock_registry();
        let registry = registry.get_or_insert_with(|| Registry {
            states: [const { Registration::NotYetImported }; REGISTERED.len()],
            handlers: Arc::default(),
        });
        let pending: Vec<usize> = registry
            .states
            .iter()
            .enumerate()
            .filter(|(_, state)| matches!(state, Registration::NotYetImported))
            .map(|(index, _)| index)
            .collect();
        (pending, Arc::clone(&registry.handlers))
    };
    // Python runs here (module attribute lookups), so not under the lock.
    let modules = python::get(py, Helper::SysModules)?.cast::<PyDict>()?;
    let mut learnt = Vec::new();
    for index in pending {
        let (Some(&(module_name, attribute, _)), Some(cell)) =
            (REGISTERED.get(index), MODULE_NAMES.get(index))
        else {
            continue;
        };
        let name = cell.get_or_init(py, || PyString::intern(py, module_name).unbind());
        let Some(module) = modules.get_item(name.bind(py))? else {
            continue;
        };
        let state = match module
            .getattr_opt(attribute)?
            .map(|found| found.cast_into::<PyType>())
        {
            Some(Ok(ty)) => Registration::Found(ty.unbind()),
            Some(Err(_)) | None => Registration::Absent,
        };
        learnt.push((index, state));
    }
    if learnt.is_empty() {
        return Ok(handlers);
    }
    let mut registry = lock_registry();
    let Some(registry) = registry.as_mut() else {
        return Ok(handlers);
    };
    for (index, state) in learnt {
        if let Some(slot) = registry.states.get_mut(index) {
            *slot = state;
        }
    }
    let mut rebuilt = AddressMap::default();
    for (&(_, _, handler), state) in REGISTERED.iter().zip(registry.states.iter()) {
        if let Registration::Found(ty) = state {
            // No type is registered twice in skops; keep the first entry regardless.
            rebuilt.entry(ty.as_ptr() as usize).or_insert(handler);
        }
    }
    registry.handlers = Arc::new(rebuilt);
    Ok(Arc::clone(&registry.handlers))
}

fn lock_registry() -> std::sync::MutexGuard<'static, Option<Registry>> {
    // A panic cannot leave the registry half-updated: slots and the map are replaced whole.
    REGISTRY
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}
