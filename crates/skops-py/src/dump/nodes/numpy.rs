//! numpy objects (skops' `_numpy.py`): NdArrayNode (arrays and numpy scalars),
//! MaskedArrayNode, DTypeNode, RandomStateNode and RandomGeneratorNode.
//!
//! One difference from skops: a `RandomState` or `Generator` met again (the same object) is
//! written as a `CachedNode` naming the first one's `__id__`, not in full. skops writes the full
//! state at every occurrence, and because `get_state()` returns a new key array each time, each
//! copy adds an `.npy` member of 2.5 KB of random bytes (a `GradientBoostingClassifier` shares
//! its one `RandomState` with all its trees: 201 members, most of its deflated file). skops'
//! loader looks up the `__id__` before anything else, so it never read those copies: it returns
//! the node already built, and reads the reference the same way (so do our readers): the loaded
//! trees share one `RandomState`, as pickle gives them. Every other repeated object is still
//! written in full, as skops writes it.

use numpy::{PyArrayDescrMethods, PyUntypedArray, PyUntypedArrayMethods};
use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyList};
use pyo3::{Bound, intern};

use crate::dump::context::Dumper;
use crate::dump::error::{DumpError, DumpResult};
use crate::dump::path::Segment;
use crate::dump::python::{self, Helper};

impl<'py> Dumper<'py> {
    /// `ndarray_get_state`: an `<id>.npy` member (written once per array), or for dtype
    /// `object` the items' nodes (`type: "json"`) and the shape.
    pub(super) fn ndarray_node(
        &mut self,
        obj: &Bound<'py, PyAny>,
        id: u64,
        type_index: usize,
    ) -> DumpResult<()> {
        // np.save saves `np.asanyarray(obj)`: numpy scalars become 0-d arrays.
        let array = match obj.cast::<PyUntypedArray>() {
            Ok(array) => array.clone(),
            Err(_) => python::get(self.py, Helper::NumpyAsAnyArray)?
                .call1((obj,))?
                .cast_into::<PyUntypedArray>()
                .map_err(PyErr::from)?,
        };
        self.begin_node_of(type_index, "NdArrayNode")?;
        if array.dtype().kind() == b'O' {
            // skops turns a ValueError of this branch into UnsupportedTypeException.
            return match self.object_array_fields(obj, id) {
                Err(DumpError::Python(err)) if err.is_instance_of::<PyValueError>(self.py) => {
                    Err(self.unsupported_dtype(&array, type_index)?)
                }
                other => other,
            };
        }
        if !self.archive.has_id(id) {
            let Some((header, body)) = self.npy.encode(&array)? else {
                return Err(self.unsupported_dtype(&array, type_index)?);
            };
            self.archive.add_for_id(id, "npy", header, body);
        }
        self.text.key("type");
        self.text.raw("\"numpy\"");
        self.text.key("file");
        self.text.string(&format!("{id}.npy"));
        self.end_node(id);
        Ok(())
    }

    /// The rest of an object array's node: `content` (the items of `obj.tolist()`), `type`
    /// and `shape`.
    fn object_array_fields(&mut self, obj: &Bound<'py, PyAny>, id: u64) -> DumpResult<()> {
        let items = obj.call_method0(intern!(self.py, "tolist"))?;
        let Ok(list) = items.cast::<PyList>() else {
            // A 0-d array: skops writes the item's own `content` there, which it cannot load.
            return Err(self.unsupported(
                "0-d numpy arrays of dtype object are not supported: skops 0.16 writes them \
                 in a form it cannot load"
                    .to_owned(),
                "numpy.ndarray".to_owned(),
            ));
        };
        // skops memoises the list (get_state) and keeps only its content.
        self.memoize(&items);
        let items: Vec<_> = list.iter().collect();
        self.text.key("content");
        self.text.begin_array();
        for (position, item) in items.iter().enumerate() {
            self.text.item();
            self.child(Segment::Index(position), item)?;
        }
        self.text.end_array();
        self.text.key("type");
        self.text.raw("\"json\"");
        self.text.key("shape");
        let shape = obj.getattr(intern!(self.py, "shape"))?;
        self.child(Segment::Attr("shape"), &shape)?;
        self.end_node(id);
        Ok(())
    }

    /// skops' message for a dtype `np.save(..., allow_pickle=False)` refuses.
    fn unsupported_dtype(
        &self,
        array: &Bound<'py, PyUntypedArray>,
        type_index: usize,
    ) -> DumpResult<DumpError> {
        let dtype = array.dtype().str()?;
        Ok(self.unsupported(
            format!(
                "numpy arrays of dtype {dtype} are not supported yet, please open an issue at \
                 https://github.com/skops-dev/skops/issues and report your error"
            ),
            self.type_info(type_index)?.qualified_name(),
        ))
    }

    /// `maskedarray_get_state`: `content: {"data": obj.data, "mask": obj.mask}`.
    pub(super) fn masked_array_node(
        &mut self,
        obj: &Bound<'py, PyAny>,
        id: u64,
        type_index: usize,
    ) -> DumpResult<()> {
        let parts = [
            ("data", obj.getattr("data")?),
            ("mask", obj.getattr("mask")?),
        ];
        self.named_parts_node(id, type_index, "MaskedArrayNode", parts)
    }

    /// `dtype_get_state`: the node of an empty array of that dtype (`np.ndarray(0, dtype)`).
    pub(super) fn dtype_node(&mut self, obj: &Bound<'py, PyAny>, id: u64) -> DumpResult<()> {
        let kwargs = PyDict::new(self.py);
        kwargs.set_item("dtype", obj)?;
        let empty = python::get(self.py, Helper::NumpyNdarray)?
            .clone()
            .call((0,), Some(&kwargs))?;
        self.begin_node("\"dtype\"", "\"numpy\"", "DTypeNode");
        self.text.key("content");
        self.child(Segment::Attr("content"), &empty)?;
        self.end_node(id);
        Ok(())
    }

    /// A `RandomState` (`generator` false) or `Generator`: its full node the first time, a
    /// `CachedNode` naming it after that.
    pub(super) fn random_node(
        &mut self,
        obj: &Bound<'py, PyAny>,
        id: u64,
        type_index: usize,
        generator: bool,
    ) -> DumpResult<()> {
        if self.random_states.contains(&id) {
            self.begin_node_of(type_index, "CachedNode")?;
            self.end_node(id);
            return Ok(());
        }
        if generator {
            self.generator_node(obj, id, type_index)?;
        } else {
            self.random_state_node(obj, id, type_index)?;
        }
        // The loaders build the nodes in the order they are written, with three exceptions: a
        // DictNode's `key_types` before its `content` (types only: never a random state), a
        // reduce node's `args` after its `content`, and a dict's values under keys equal in
        // JSON (only the last is built; see `dict_node`). A random state first written in such
        // a place is written in full again, never named before or without being built.
        if self.unreferable == 0 {
            self.random_states.insert(id);
        }
        Ok(())
    }

    /// `random_state_get_state`: `content` = node of `obj.get_state(legacy=False)`.
    fn random_state_node(
        &mut self,
        obj: &Bound<'py, PyAny>,
        id: u64,
        type_index: usize,
    ) -> DumpResult<()> {
        let kwargs = PyDict::new(self.py);
        kwargs.set_item("legacy", false)?;
        let state = obj.call_method(intern!(self.py, "get_state"), (), Some(&kwargs))?;
        self.begin_node_of(type_index, "RandomStateNode")?;
        self.text.key("content");
        self.child(Segment::Attr("content"), &state)?;
        self.end_node(id);
        Ok(())
    }

    /// `random_generator_get_state`: the bit generator's state and its seed sequence's.
    fn generator_node(
        &mut self,
        obj: &Bound<'py, PyAny>,
        id: u64,
        type_index: usize,
    ) -> DumpResult<()> {
        let py = self.py;
        self.begin_node_of(type_index, "RandomGeneratorNode")?;
        self.text.key("content");
        self.text.begin_object();
        self.text.key("bit_generator");
        let bit_generator = obj.getattr(intern!(py, "bit_generator"))?;
        let state = bit_generator.getattr(intern!(py, "state"))?;
        self.child(Segment::Attr("bit_generator_state"), &state)?;
        self.text.key("seed_seq");
        let seed_seq = obj
            .getattr(intern!(py, "bit_generator"))?
            .getattr(intern!(py, "seed_seq"))?
            .getattr(intern!(py, "state"))?;
        self.child(Segment::Attr("seed_seq_state"), &seed_seq)?;
        self.text.end_object();
        self.end_node(id);
        Ok(())
    }
}
