//! skops' `_import_obj` and `gettype`, with each module and object looked up once per load.
//!
//! A model names the same few classes thousands of times (`builtins.str` for every dict key,
//! the estimator class for every tree of a forest), so the lookups are cached by the
//! `(module, name)` strings of the schema. A module already imported is taken from
//! `sys.modules` as `importlib.import_module` would take it; every other name goes through
//! `importlib.import_module`, as in skops, so relative, empty or unknown module names fail
//! exactly as they do there.

use std::collections::HashMap;

use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::types::{PyDict, PyList, PyModule, PySet, PyString, PyTuple};

/// Builtin types the loader compares against, to take shortcuts for the common cases.
pub(super) struct Builtins<'py> {
    pub(super) str_type: Bound<'py, PyAny>,
    pub(super) dict_type: Bound<'py, PyAny>,
    pub(super) list_type: Bound<'py, PyAny>,
    pub(super) tuple_type: Bound<'py, PyAny>,
    pub(super) set_type: Bound<'py, PyAny>,
}

impl<'py> Builtins<'py> {
    fn new(py: Python<'py>) -> Self {
        Self {
            str_type: py.get_type::<PyString>().into_any(),
            dict_type: py.get_type::<PyDict>().into_any(),
            list_type: py.get_type::<PyList>().into_any(),
            tuple_type: py.get_type::<PyTuple>().into_any(),
            set_type: py.get_type::<PySet>().into_any(),
        }
    }
}

/// Module and attribute lookups of one load, keyed by the schema's strings.
pub(super) struct Imports<'a, 'py> {
    py: Python<'py>,
    import_module: Option<Bound<'py, PyAny>>,
    /// `sys.modules`, when it is a plain `dict` (looked up on first use).
    sys_modules: Option<Option<Bound<'py, PyDict>>>,
    modules: HashMap<&'a str, Bound<'py, PyAny>>,
    objects: HashMap<(&'a str, &'a str), Bound<'py, PyAny>>,
    pub(super) builtins: Builtins<'py>,
}

impl<'a, 'py> Imports<'a, 'py> {
    pub(super) fn new(py: Python<'py>) -> Self {
        Self {
            py,
            import_module: None,
            sys_modules: None,
            modules: HashMap::new(),
            objects: HashMap::new(),
            builtins: Builtins::new(py),
        }
    }

    /// `importlib.import_module(name)`.
    pub(super) fn module(&mut self, name: &'a str) -> PyResult<Bound<'py, PyAny>> {
        if let Some(module) = self.modules.get(name) {
            return Ok(module.clone());
        }
        if let Some(module) = self.imported(name)? {
            self.modules.insert(name, module.clone());
            return Ok(module);
        }
        let import_module = match &self.import_module {
            Some(function) => function.clone(),
            None => {
                let function = self.py.import("importlib")?.getattr("import_module")?;
                self.import_module = Some(function.clone());
                function
            }
        };
        let module = import_module.call1((name,))?;
        self.modules.insert(name, module.clone());
        Ok(module)
    }

    /// The module `name` when it is already imported and initialised: what
    /// `importlib.import_module` returns for it without taking the import lock (its
    /// `_find_and_load` returns `sys.modules[name]` unless that is missing, `None` or still
    /// `__spec__._initializing`). Calling `import_module` costs a few microseconds, a good part
    /// of loading a small model. Relative and empty names, and everything else, go to
    /// `import_module` itself. One known difference, on purpose: `_initializing` is read from
    /// the spec's `__dict__` when it has one, so a spec class that makes it a raising property
    /// is not asked (found by a red team; no real module spec does that).
    fn imported(&mut self, name: &str) -> PyResult<Option<Bound<'py, PyAny>>> {
        if name.is_empty() || name.starts_with('.') {
            return Ok(None);
        }
        let sys_modules = match &self.sys_modules {
            Some(modules) => modules.clone(),
            None => {
                // `import sys` goes through `__import__`; the module object never changes.
                static SYS: PyOnceLock<Py<PyModule>> = PyOnceLock::new();
                let sys =
                    SYS.get_or_try_init(self.py, || self.py.import("sys").map(Bound::unbind))?;
                let modules = sys.bind(self.py).getattr("modules")?;
                // Only a plain `dict`: a subclass may answer lookups its own way, which
                // `import_module` then sees and this shortcut would not.
                let modules = modules.cast_into_exact::<PyDict>().ok();
                self.sys_modules = Some(modules.clone());
                modules
            }
        };
        let Some(module) = sys_modules
            .and_then(|modules| modules.get_item(name).ok().flatten())
            .filter(|module| !module.is_none())
        else {
            return Ok(None);
        };
        let initializing = still_initializing(&module)?;
        Ok((!initializing).then_some(module))
    }

    /// skops' `_import_obj(module, name)`: `getattr(import_module(module), name)`.
    pub(super) fn import_obj(
        &mut self,
        module: &'a str,
        name: &'a str,
    ) -> PyResult<Bound<'py, PyAny>> {
        if let Some(object) = self.objects.get(&(module, name)) {
            return Ok(object.clone());
        }
        let object = self.module(module)?.getattr(name)?;
        self.objects.insert((module, name), object.clone());
        Ok(object)
    }

    /// skops' `gettype(module, name)`: `_import_obj` unless either name is empty.
    pub(super) fn gettype(
        &mut self,
        module: &'a str,
        name: &'a str,
    ) -> PyResult<Bound<'py, PyAny>> {
        if module.is_empty() || name.is_empty() {
            return Err(unknown_object(
                self.py,
                module,
                &PyString::new(self.py, name),
            )?);
        }
        self.import_obj(module, name)
    }

    /// `gettype(module, name)` for a name that is a Python object (a bit generator's name read
    /// from its constructed state); not cached.
    pub(super) fn gettype_dynamic(
        &mut self,
        module: &'a str,
        name: &Bound<'py, PyAny>,
    ) -> PyResult<Bound<'py, PyAny>> {
        if module.is_empty() || !name.is_truthy()? {
            return Err(unknown_object(self.py, module, name)?);
        }
        // Python's own `getattr`, so a name that is not a string fails as in skops.
        let getattr = self.import_obj("builtins", "getattr")?;
        getattr.call1((self.module(module)?, name))
    }
}

/// `getattr(getattr(module, "__spec__", None), "_initializing", False)`, truthy: the module is
/// being imported. `_initializing` is looked up in the spec's `__dict__` when it has one: a
/// missing attribute (the spec of `builtins` has none) would cost an exception.
fn still_initializing(module: &Bound<'_, PyAny>) -> PyResult<bool> {
    let Some(spec) = module
        .getattr_opt("__spec__")?
        .filter(|spec| !spec.is_none())
    else {
        return Ok(false);
    };
    let flag = match spec
        .getattr_opt("__dict__")?
        .map(Bound::cast_into::<PyDict>)
    {
        Some(Ok(attributes)) => attributes.get_item("_initializing")?,
        _ => spec.getattr_opt("_initializing")?,
    };
    flag.map_or(Ok(false), |flag| flag.is_truthy())
}

/// skops' `ValueError(f"Object {name!r} of module {module!r} is unknown")`.
fn unknown_object(py: Python<'_>, module: &str, name: &Bound<'_, PyAny>) -> PyResult<PyErr> {
    let module = PyString::new(py, module).repr()?;
    Ok(PyValueError::new_err(format!(
        "Object {} of module {module} is unknown",
        name.repr()?
    )))
}
