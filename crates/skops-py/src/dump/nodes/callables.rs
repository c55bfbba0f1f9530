//! Things loaded by name: FunctionNode, TypeNode, MethodNode, PartialNode and OperatorFuncNode.
//!
//! skops loads these with `getattr(importlib.import_module(module), name)`. Functions and
//! classes are written by `__name__` as skops 0.16 writes them, even where that lookup cannot
//! give them back (lambdas, things defined inside a function or a class): the file still holds
//! the object's state, which `get_untrusted_types`, `visualize` and `skops-rs inspect` show,
//! and loading it (once the name is trusted) fails as in skops unless the module then has an
//! attribute of that name. A bound method whose function lives in another module than its
//! class is refused: skops 0.16 writes it but refuses to load it in any case.

use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;
use pyo3::types::PyType;
use pyo3::{Bound, intern};

use crate::dump::context::Dumper;
use crate::dump::dispatch::type_name;
use crate::dump::error::DumpResult;
use crate::dump::path::Segment;
use skops_format::json::escape::json_encoded;

impl<'py> Dumper<'py> {
    /// `function_get_state`: just the name and module (`numpy.sqrt`).
    pub(super) fn function_node(&mut self, obj: &Bound<'py, PyAny>, id: u64) -> DumpResult<()> {
        let (class_json, module_json) = self.callable_names(obj)?;
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
            self.begin_node_of(index, "TypeNode")?;
        } else {
            let (class_json, module_json) = self.callable_names(obj)?;
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

    /// `json.dumps(obj.__name__)` and `json.dumps(get_module(obj))` of a function or builtin.
    fn callable_names(&mut self, obj: &Bound<'py, PyAny>) -> DumpResult<(String, String)> {
        let address = obj.as_ptr() as usize;
        if let Some(names) = self.callables.get(&address) {
            return Ok(names.clone());
        }
        let name = type_name(obj)?;
        let module = self.types.get_module(obj)?;
        let names = (json_encoded(&name), json_encoded(&module));
        // `obj` is memoised (alive) for the whole dump, so its address stays its own.
        self.callables.insert(address, names.clone());
        Ok(names)
    }
}
