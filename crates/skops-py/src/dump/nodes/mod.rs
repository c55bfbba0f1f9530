//! The node writers (one module per family of skops' `get_state` functions) and the dispatch
//! that picks one for an object.

mod callables;
mod containers;
mod numpy;
mod object;
mod scalars;
mod scipy;
mod sklearn;

use pyo3::prelude::*;
use pyo3::types::{PyBool, PyFloat, PyInt, PyString};

use super::context::Dumper;
use super::dispatch::Handler;
use super::error::DumpResult;

impl<'py> Dumper<'py> {
    /// Memoises `obj` and writes its node with the handler skops 0.16 would pick.
    pub(super) fn dispatch(&mut self, obj: &Bound<'py, PyAny>) -> DumpResult<()> {
        let id = self.memoize(obj);
        // Most nodes are JSON scalars; their types are never registered, so the object
        // handler's JSON branch is where skops sends them.
        let json_scalar = obj.is_exact_instance_of::<PyString>()
            || obj.is_exact_instance_of::<PyFloat>()
            || obj.is_exact_instance_of::<PyInt>()
            || obj.is_instance_of::<PyBool>()
            || obj.is_none();
        if json_scalar && self.leaf(obj, |dumper| dumper.json_node(obj, id))? {
            return Ok(());
        }
        let ty = obj.get_type();
        let index = self.type_index(&ty)?;
        match self.type_info(index)?.handler {
            Handler::Dict => self.dict_node(obj, id, index),
            Handler::DefaultDict => self.defaultdict_node(obj, id, index),
            Handler::List => self.sequence_node(obj, id, index, "ListNode"),
            Handler::Set => self.sequence_node(obj, id, index, "SetNode"),
            Handler::Tuple => self.sequence_node(obj, id, index, "TupleNode"),
            Handler::Bytes => self.bytes_node(obj, id, index, "BytesNode"),
            Handler::Bytearray => self.bytes_node(obj, id, index, "BytearrayNode"),
            Handler::Slice => self.slice_node(obj, id, index),
            Handler::Function => self.function_node(obj, id),
            Handler::Method => self.method_node(obj, id),
            Handler::Partial => self.partial_node(obj, id, index),
            Handler::Type => self.type_node(obj, id),
            Handler::OperatorFunc => self.operator_node(obj, id, index),
            Handler::ZoneInfo => self.zoneinfo_node(obj, id, index),
            Handler::Object => self.object_node(obj, id, index),
            Handler::NdArray => self.ndarray_node(obj, id, index),
            Handler::MaskedArray => self.masked_array_node(obj, id, index),
            Handler::DType => self.dtype_node(obj, id),
            Handler::RandomState => self.random_node(obj, id, index, false),
            Handler::Generator => self.random_node(obj, id, index, true),
            Handler::Sparse => self.sparse_node(obj, id, index),
            Handler::Tree => self.reduce_node(obj, id, index, "TreeNode"),
            Handler::QuantileForest => self.reduce_node(obj, id, index, "QuantileForestNode"),
            Handler::Loss => self.loss_node(obj, id, index),
            Handler::Unsupported => Err(self.unsupported_type(index)),
        }
    }
}
