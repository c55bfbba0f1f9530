//! scikit-learn's Cython objects, saved through `__reduce__` (skops' `_sklearn.py` and
//! `_quantile_forest.py`): TreeNode, LossNode, QuantileForestNode; and the refused types.

use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyTuple};
use pyo3::{Bound, intern};

use crate::dump::context::Dumper;
use crate::dump::error::{DumpError, DumpResult};
use crate::dump::path::Segment;

use super::object::state_segment;

impl<'py> Dumper<'py> {
    /// `reduce_get_state` with its loader: `__reduce__: {"args": reduce()[1]}` and `content`
    /// the state (`reduce()[2]`, else `__getstate__() or {}`, else `__dict__`, else `{}`).
    /// The keys come in skops' order: `__loader__` after `content`.
    pub(super) fn reduce_node(
        &mut self,
        obj: &Bound<'py, PyAny>,
        id: u64,
        type_index: usize,
        loader: &str,
    ) -> DumpResult<()> {
        let reduced = obj.call_method0(intern!(self.py, "__reduce__"))?;
        self.reduce_node_from(obj, &reduced, id, type_index, loader)
    }

    fn reduce_node_from(
        &mut self,
        obj: &Bound<'py, PyAny>,
        reduced: &Bound<'py, PyAny>,
        id: u64,
        type_index: usize,
        loader: &str,
    ) -> DumpResult<()> {
        let py = self.py;
        let info = self.type_info(type_index)?;
        let (class_json, module_json, class_name) = (
            info.class_json.clone(),
            info.module_json.clone(),
            info.name.clone(),
        );
        self.text.begin_object();
        self.text.key("__class__");
        self.text.raw(&class_json);
        self.text.key("__module__");
        self.text.raw(&module_json);
        self.text.key("__reduce__");
        self.text.begin_object();
        self.text.key("args");
        // skops' ReduceNode builds `content` first, then these arguments.
        let args = reduced.get_item(1)?;
        self.unreferable_if(true, |dumper| dumper.child(Segment::Attr("args"), &args))?;
        self.text.end_object();

        let attrs = if reduced.len()? == 3 {
            reduced.get_item(2)?
        } else if obj.hasattr(intern!(py, "__getstate__"))? {
            let state = obj.call_method0(intern!(py, "__getstate__"))?;
            if state.is_truthy()? {
                state
            } else {
                PyDict::new(py).into_any()
            }
        } else if let Some(dict) = obj.getattr_opt(intern!(py, "__dict__"))? {
            dict
        } else {
            PyDict::new(py).into_any()
        };
        if !(attrs.is_instance_of::<PyDict>() || attrs.is_instance_of::<PyTuple>()) {
            let type_name = self.type_info(type_index)?.qualified_name();
            return Err(self.unsupported(
                format!("Objects of type {class_name} not supported yet"),
                type_name,
            ));
        }
        self.text.key("content");
        self.child(state_segment(&attrs), &attrs)?;
        self.loader(loader);
        self.end_node(id);
        Ok(())
    }

    /// `loss_get_state`: SGD losses reduce to their own type (a ReduceNode); Cython losses to
    /// `__pyx_unpickle_<Loss>(cls, checksum, state)`, whose state gives the arguments (or,
    /// for a 3-tuple reduce, the content with no arguments).
    pub(super) fn loss_node(
        &mut self,
        obj: &Bound<'py, PyAny>,
        id: u64,
        type_index: usize,
    ) -> DumpResult<()> {
        let py = self.py;
        let reduced = obj.call_method0(intern!(py, "__reduce__"))?;
        let own_type = obj.get_type();
        if reduced.get_item(0)?.is(&own_type) {
            return self.reduce_node_from(obj, &reduced, id, type_index, "LossNode");
        }
        let unpickle_args = reduced.get_item(1)?;
        if !unpickle_args.get_item(0)?.is(&own_type) {
            return Err(DumpError::Python(PyValueError::new_err(format!(
                "Unsupported __reduce__ output for loss of type {}: {}",
                own_type.str()?,
                reduced.repr()?
            ))));
        }
        self.begin_node_of(type_index, "LossNode")?;
        self.text.key("__reduce__");
        self.text.begin_object();
        self.text.key("args");
        let (args, content) = if reduced.len()? == 3 {
            (PyTuple::empty(py).into_any(), reduced.get_item(2)?)
        } else {
            (unpickle_args.get_item(2)?, PyDict::new(py).into_any())
        };
        self.unreferable_if(true, |dumper| dumper.child(Segment::Attr("args"), &args))?;
        self.text.end_object();
        self.text.key("content");
        self.child(state_segment(&content), &content)?;
        self.end_node(id);
        Ok(())
    }

    /// `unsupported_get_state` (`sklearn.cluster.Birch`).
    pub(super) fn unsupported_type(&self, type_index: usize) -> DumpError {
        match self.type_info(type_index) {
            Ok(info) => self.unsupported(
                format!("Objects of type {} are not supported yet.", info.name),
                info.qualified_name(),
            ),
            Err(err) => err,
        }
    }
}
