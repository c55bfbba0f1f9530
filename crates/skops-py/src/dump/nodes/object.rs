//! The fallback for everything skops registers nothing for (`object_get_state`): JsonNode,
//! ConstructorFromReduceNode or ObjectNode; and ZoneInfo, a ConstructorFromReduceNode too.

use pyo3::prelude::*;
use pyo3::types::{PyDict, PyTuple, PyType};
use pyo3::{Bound, intern};

use crate::dump::context::Dumper;
use crate::dump::dispatch::ObjectStrategy;
use crate::dump::error::DumpResult;
use crate::dump::path::Segment;
use crate::dump::python::{self, Helper};

/// `Py_TPFLAGS_HEAPTYPE`, as `copyreg._reduce_ex` tests it on `__flags__`.
const HEAP_TYPE_FLAG: u64 = 1 << 9;

impl<'py> Dumper<'py> {
    /// `object_get_state`: JSON if `json.dumps` takes it; a constructor call if
    /// `obj.__reduce__()` is `(type(obj), args)` (possibly followed by `None`s); else the
    /// object's `__getstate__()` (or `__dict__`, or nothing).
    pub(super) fn object_node(
        &mut self,
        obj: &Bound<'py, PyAny>,
        id: u64,
        type_index: usize,
    ) -> DumpResult<()> {
        if self.json_node(obj, id)? {
            return Ok(());
        }
        let strategy = self.object_strategy(type_index)?;
        if strategy == ObjectStrategy::CallReduce || has_own_reduce(obj)? {
            let reduced = obj.call_method0(intern!(self.py, "__reduce__"))?;
            if is_constructor_call(&reduced, obj)? {
                let args = reduced.get_item(1)?;
                self.begin_node_of(type_index, "ConstructorFromReduceNode")?;
                self.text.key("content");
                self.child(Segment::Attr("content"), &args)?;
                self.end_node(id);
                return Ok(());
            }
        }
        self.begin_node_of(type_index, "ObjectNode")?;
        let attrs = if obj.hasattr(intern!(self.py, "__getstate__"))? {
            Some(obj.call_method0(intern!(self.py, "__getstate__"))?)
        } else {
            obj.getattr_opt(intern!(self.py, "__dict__"))?
        };
        if let Some(attrs) = attrs {
            self.text.key("content");
            self.child(state_segment(&attrs), &attrs)?;
        }
        self.end_node(id);
        Ok(())
    }

    /// `zoneinfo_get_state`: `ZoneInfo(key)`; zones made with `ZoneInfo.from_file` are refused.
    pub(super) fn zoneinfo_node(
        &mut self,
        obj: &Bound<'py, PyAny>,
        id: u64,
        type_index: usize,
    ) -> DumpResult<()> {
        if let Err(err) = obj.call_method0(intern!(self.py, "__reduce__")) {
            let pickling_error = python::get(self.py, Helper::PicklingError)?.clone();
            if err.value(self.py).is_instance(&pickling_error)? {
                let type_name = self.type_info(type_index)?.qualified_name();
                return Err(self.unsupported(
                    "ZoneInfo objects created with ZoneInfo.from_file are not supported, \
                     since their time zone data cannot be loaded from a key; create the \
                     object with ZoneInfo(key) instead."
                        .to_owned(),
                    type_name,
                ));
            }
            return Err(err.into());
        }
        let args = PyTuple::new(self.py, [obj.getattr(intern!(self.py, "key"))?])?;
        self.begin_node_of(type_index, "ConstructorFromReduceNode")?;
        self.text.key("content");
        self.child(Segment::Attr("content"), args.as_any())?;
        self.end_node(id);
        Ok(())
    }

    /// Whether objects of this type need their `__reduce__()` looked at (decided once).
    fn object_strategy(&mut self, type_index: usize) -> DumpResult<ObjectStrategy> {
        let info = self.type_info(type_index)?;
        if let Some(strategy) = info.object_strategy {
            return Ok(strategy);
        }
        let ty = info.ty.clone();
        let strategy = if self.reduces_like_object(&ty)? {
            ObjectStrategy::StateOnly
        } else {
            ObjectStrategy::CallReduce
        };
        if let Some(info) = self.types.info_mut(type_index) {
            info.object_strategy = Some(strategy);
        }
        Ok(strategy)
    }

    /// Whether `obj.__reduce__()` is `object.__reduce__` and cannot raise before calling
    /// `__getstate__`: then it returns `(copyreg._reconstructor, ...)`, which never makes a
    /// ConstructorFromReduceNode, and the object is an ObjectNode. The conditions are those
    /// of `copyreg._reduce_ex(obj, 0)`: the first non-heap (or self-constructing) class of
    /// the MRO is `object`, and no `__slots__` without a `__getstate__` of its own.
    fn reduces_like_object(&mut self, ty: &Bound<'py, PyType>) -> PyResult<bool> {
        let py = self.py;
        let object = python::get(self.py, Helper::Object)?.clone();
        // `obj.__reduce__` is object's unless the class (or an attribute hook) says otherwise.
        for (name, default) in [
            (
                intern!(py, "__reduce__"),
                object.getattr(intern!(py, "__reduce__"))?,
            ),
            (
                intern!(py, "__getattribute__"),
                object.getattr(intern!(py, "__getattribute__"))?,
            ),
        ] {
            if !ty.getattr(name)?.is(&default) {
                return Ok(false);
            }
        }
        let builtin_function = python::get(self.py, Helper::BuiltinFunctionType)?.clone();
        let mut base = None;
        for class in ty
            .getattr(intern!(py, "__mro__"))?
            .cast_into::<PyTuple>()?
            .iter()
        {
            if let Some(flags) = class.getattr_opt(intern!(py, "__flags__"))? {
                if flags.extract::<u64>()? & HEAP_TYPE_FLAG == 0 {
                    base = Some(class);
                    break;
                }
            }
            let new = class.getattr(intern!(py, "__new__"))?;
            if new.is_instance(&builtin_function)?
                && new
                    .getattr_opt(intern!(py, "__self__"))?
                    .is_some_and(|owner| owner.is(&class))
            {
                base = Some(class);
                break;
            }
        }
        if !base.is_some_and(|base| base.is(&object)) {
            return Ok(false);
        }
        let default_getstate = match (
            ty.getattr_opt(intern!(py, "__getstate__"))?,
            object.getattr_opt(intern!(py, "__getstate__"))?,
        ) {
            (None, _) => true,
            (Some(own), Some(default)) => own.is(&default),
            (Some(_), None) => false,
        };
        let has_slots = match ty.getattr_opt(intern!(py, "__slots__"))? {
            Some(slots) => slots.is_truthy()?,
            None => false,
        };
        Ok(!(default_getstate && has_slots))
    }
}

/// Whether `obj`'s own `__dict__` holds a `__reduce__` (which `obj.__reduce__` would find
/// before the class').
fn has_own_reduce(obj: &Bound<'_, PyAny>) -> PyResult<bool> {
    let py = obj.py();
    match obj.getattr_opt(intern!(py, "__dict__"))? {
        Some(attributes) => match attributes.cast::<PyDict>() {
            Ok(attributes) => attributes.contains(intern!(py, "__reduce__")),
            Err(_) => Ok(false),
        },
        None => Ok(false),
    }
}

/// `len(r) >= 2 and r[0] is type(obj) and all(item is None for item in r[2:])`.
fn is_constructor_call(reduced: &Bound<'_, PyAny>, obj: &Bound<'_, PyAny>) -> PyResult<bool> {
    let length = reduced.len()?;
    if length < 2 || !reduced.get_item(0)?.is(obj.get_type()) {
        return Ok(false);
    }
    for position in 2..length {
        if !reduced.get_item(position)?.is_none() {
            return Ok(false);
        }
    }
    Ok(true)
}

/// How an object's state hangs from it in paths: a dict's entries are its attributes.
pub(super) fn state_segment<'py>(attrs: &Bound<'py, PyAny>) -> Segment<'py> {
    if attrs.is_instance_of::<PyDict>() {
        Segment::StateDict
    } else {
        Segment::Attr("attrs")
    }
}
