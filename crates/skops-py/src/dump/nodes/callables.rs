//! Things loaded by name: FunctionNode, TypeNode, MethodNode, PartialNode and OperatorFuncNode.
//!
//! skops loads these with `getattr(importlib.import_module(module), name)`. Where that cannot
//! give back the same object (lambdas, functions and classes defined inside a function, a
//! bound method whose function lives in another module than its class), skops 0.16 writes a
//! file it cannot load; skops_rs refuses them at dump time instead.

use pyo3::exceptions::{PyKeyError, PyValueError};
use pyo3::prelude::*;
use pyo3::types::{PyString, PyType};
use pyo3::{Bound, intern};

use crate::dump::context::Dumper;
use crate::dump::dispatch::type_name;
use crate::dump::error::DumpResult;
use crate::dump::json_text::json_encoded;
use crate::dump::path::Segment;
use crate::dump::python::{self, Helper};

impl<'py> Dumper<'py> {
    /// `function_get_state`: just the name and module (`numpy.sqrt`).
    pub(super) fn function_node(&mut self, obj: &Bound<'py, PyAny>, id: u64) -> DumpResult<()> {
        let (class_json, module_json) = self.callable_names(obj, "function")?;
        self.begin_node(&class_json, &module_json, "FunctionNode");
        self.end_node(id);
        Ok(())
    }

    /// `type_get_state`, for classes and builtin functions (`builtins.len`).
    pub(super) fn type_node(&mut self, obj: &Bound<'py, PyAny>, id: u64) -> DumpResult<()> {
        self.leaf(obj, |dumper| dumper.write_type_node(obj, id).map(|()| true))?;
        Ok(())
    }

    fn write_type_node(&mut self, obj: &Bound<'py, PyAny>, id: u64) -> DumpResult<()> {
        if let Ok(ty) = obj.cast::<PyType>() {
            let index = self.type_index(ty)?;
            self.require_importable_type(index)?;
            self.begin_node_of(index, "TypeNode")?;
        } else {
            let (class_json, module_json) = self.callable_names(obj, "builtin function")?;
            self.begin_node(&class_json, &module_json, "TypeNode");
        }
        self.end_node(id);
        Ok(())
    }

    /// `method_get_state`: the instance's class name, the function's module, and
    /// `content: {"func": <name>, "obj": <node of the instance>}`.
    pub(super) fn method_node(&mut self, obj: &Bound<'py, PyAny>, id: u64) -> DumpResult<()> {
        let py = self.py;
        let owner = obj.getattr(intern!(py, "__self__"))?;
        let func_name = type_name(&obj.getattr(intern!(py, "__func__"))?)?;
        let class_name = type_name(&owner.getattr(intern!(py, "__class__"))?)?;
        let module = self.types.get_module(obj)?;
        // skops 0.16 loads a MethodNode only if it names the module and class of the node of
        // the instance; a method inherited from a class of another module fails that check.
        let owner_index = self.type_index(&owner.get_type())?;
        let owner_info = self.type_info(owner_index)?;
        if module != owner_info.module || class_name != owner_info.name {
            let owner_module = owner_info.module.clone();
            return Err(self.unsupported(
                format!(
                    "bound methods are supported only when the function is defined in the \
                     module of the instance's class: {class_name}.{func_name} comes from \
                     {module}, not {owner_module}, and skops 0.16 refuses to load such a \
                     method"
                ),
                format!("{owner_module}.{class_name}.{func_name}"),
            ));
        }
        self.begin_node(
            &json_encoded(&class_name),
            &json_encoded(&module),
            "MethodNode",
        );
        self.text.key("content");
        self.text.begin_object();
        self.text.key("func");
        self.text.string(&func_name);
        self.text.key("obj");
        self.child(Segment::Attr("obj"), &owner)?;
        self.text.end_object();
        self.end_node(id);
        Ok(())
    }

    /// `partial_get_state`: always named `partial`, with the parts of `obj.__reduce__()`.
    pub(super) fn partial_node(
        &mut self,
        obj: &Bound<'py, PyAny>,
        id: u64,
        type_index: usize,
    ) -> DumpResult<()> {
        // `_, _, (func, args, kwds, namespace) = obj.__reduce__()`
        let reduced = obj.call_method0(intern!(self.py, "__reduce__"))?;
        let (func, args, kwds, namespace) = reduced.get_item(2)?.extract::<(
            Bound<'py, PyAny>,
            Bound<'py, PyAny>,
            Bound<'py, PyAny>,
            Bound<'py, PyAny>,
        )>()?;
        let module_json = self.type_info(type_index)?.module_json.clone();
        self.begin_node("\"partial\"", &module_json, "PartialNode");
        self.text.key("content");
        self.text.begin_object();
        for (name, part) in [
            ("func", &func),
            ("args", &args),
            ("kwds", &kwds),
            ("namespace", &namespace),
        ] {
            self.text.key(name);
            self.child(Segment::Attr(name), part)?;
        }
        self.text.end_object();
        self.end_node(id);
        Ok(())
    }

    /// `operator_func_get_state`: module `operator`, `attrs` = node of `obj.__reduce__()[1]`.
    pub(super) fn operator_node(
        &mut self,
        obj: &Bound<'py, PyAny>,
        id: u64,
        type_index: usize,
    ) -> DumpResult<()> {
        // `_, attrs = obj.__reduce__()`
        let reduced = obj.call_method0(intern!(self.py, "__reduce__"))?;
        let parts = reduced.try_iter()?.collect::<PyResult<Vec<_>>>()?;
        let [_, attrs] = parts.as_slice() else {
            return Err(PyValueError::new_err(format!(
                "expected 2 values to unpack from __reduce__, got {}",
                parts.len()
            ))
            .into());
        };
        let class_json = self.type_info(type_index)?.class_json.clone();
        self.begin_node(&class_json, "\"operator\"", "OperatorFuncNode");
        self.text.key("attrs");
        self.child(Segment::Attr("attrs"), attrs)?;
        self.end_node(id);
        Ok(())
    }

    /// `json.dumps(obj.__name__)` and `json.dumps(get_module(obj))` of a function or builtin,
    /// once it is known that skops' loader would find it again.
    fn callable_names(
        &mut self,
        obj: &Bound<'py, PyAny>,
        kind: &str,
    ) -> DumpResult<(String, String)> {
        let address = obj.as_ptr() as usize;
        if let Some(names) = self.callables.get(&address) {
            return Ok(names.clone());
        }
        let name = type_name(obj)?;
        let module = self.types.get_module(obj)?;
        self.require_importable(obj, &module, &name, kind)?;
        let names = (json_encoded(&name), json_encoded(&module));
        // `obj` is memoised (alive) for the whole dump, so its address stays its own.
        self.callables.insert(address, names.clone());
        Ok(names)
    }

    /// [`Self::require_importable`] for a type, checked once per type and dump.
    pub(super) fn require_importable_type(&mut self, type_index: usize) -> DumpResult<()> {
        let info = self.type_info(type_index)?;
        if info.importable {
            return Ok(());
        }
        let (ty, module, name) = (info.ty.clone(), info.module.clone(), info.name.clone());
        self.require_importable(ty.as_any(), &module, &name, "class")?;
        if let Some(info) = self.types.info_mut(type_index) {
            info.importable = true;
        }
        Ok(())
    }

    /// Refuses `obj` if skops' loader (`getattr(import_module(module), name)`) would not
    /// find it: lambdas, things defined inside functions, and names that are not bound to
    /// `obj` in its (imported) module.
    fn require_importable(
        &mut self,
        obj: &Bound<'py, PyAny>,
        module: &str,
        name: &str,
        kind: &str,
    ) -> DumpResult<()> {
        let qualname = match obj.getattr_opt(intern!(self.py, "__qualname__"))? {
            Some(qualname) => qualname.str()?.to_string(),
            None => name.to_owned(),
        };
        let type_name = format!("{module}.{qualname}");
        if name == "<lambda>" {
            return Err(self.unsupported(
                format!(
                    "lambda functions are not supported: {type_name} cannot be imported by \
                     name, so the file could not be loaded; use a function defined at module \
                     level"
                ),
                type_name,
            ));
        }
        if qualname.split('.').any(|part| part == "<locals>") {
            return Err(self.unsupported(
                format!(
                    "local {kind}s are not supported: {type_name} is defined inside a \
                     function and cannot be imported by name, so the file could not be \
                     loaded; define it at module level"
                ),
                type_name,
            ));
        }
        let modules = python::get(self.py, Helper::SysModules)?.clone();
        let loaded_module = match modules.get_item(module) {
            Ok(loaded_module) => loaded_module,
            // A module that is not imported cannot be checked; skops would write it as is.
            Err(err) if err.is_instance_of::<PyKeyError>(self.py) => return Ok(()),
            Err(err) => return Err(err.into()),
        };
        let found = loaded_module.getattr_opt(PyString::new(self.py, name))?;
        if found.is_some_and(|found| found.is(obj)) {
            return Ok(());
        }
        Err(self.unsupported(
            format!(
                "{kind} {type_name} is not supported: getattr({module}, {name:?}) does not \
                 give it back, so the file could not be loaded"
            ),
            type_name,
        ))
    }
}
