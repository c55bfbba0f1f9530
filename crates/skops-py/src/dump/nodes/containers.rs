//! Builtin containers: DictNode, DefaultDictNode, ListNode / SetNode / TupleNode, BytesNode /
//! BytearrayNode and SliceNode (skops' `_general.py`).

use pyo3::prelude::*;
use pyo3::types::{PyByteArray, PyBytes, PyDict, PyList, PySet, PyString, PyTuple};
use pyo3::{Bound, intern};

use crate::dump::archive::Body;
use crate::dump::context::Dumper;
use crate::dump::error::DumpResult;
use crate::dump::path::Segment;
use crate::dump::python::{self, Helper};

impl<'py> Dumper<'py> {
    /// `dict_get_state`: `content` maps each key (as json names it) to the value's node,
    /// `key_types` is a ListNode of the keys' types. Values that are `property` objects are
    /// left out of `content` (not of `key_types`), as skops does.
    pub(super) fn dict_node(
        &mut self,
        obj: &Bound<'py, PyAny>,
        id: u64,
        type_index: usize,
    ) -> DumpResult<()> {
        // A snapshot: Python code runs while the values are written.
        let exact_dict = obj.cast_exact::<PyDict>().ok();
        let (keys, items) = if let Some(dict) = exact_dict {
            let items: Vec<_> = dict.iter().collect();
            let keys: Vec<_> = items.iter().map(|(key, _)| key.clone()).collect();
            (keys, items)
        } else {
            // Subclasses (OrderedDict...) are walked through their own keys() and items().
            let keys = obj
                .call_method0(intern!(self.py, "keys"))?
                .try_iter()?
                .collect::<PyResult<Vec<_>>>()?;
            let items = obj
                .call_method0(intern!(self.py, "items"))?
                .try_iter()?
                .map(|item| item?.extract::<(Bound<'py, PyAny>, Bound<'py, PyAny>)>())
                .collect::<PyResult<Vec<_>>>()?;
            (keys, items)
        };
        let property = python::get(self.py, Helper::Property)?.clone();

        self.begin_node_of(type_index, "DictNode")?;
        self.text.key("content");
        self.text.begin_object();
        // Keys that are not plain `str` may be equal in JSON (`1` and `"1"` are both `"1"`),
        // and a subclass's own `items()` may repeat a key: the loaders build only the last of
        // equal keys, so a random state first written under one of them may never be built,
        // and later occurrences must not name it.
        let keys_may_collide = exact_dict.is_none()
            || items
                .iter()
                .any(|(key, _)| !key.is_exact_instance_of::<PyString>());
        self.unreferable_if(keys_may_collide, |dumper| {
            dumper.dict_content(&items, &property)
        })?;
        self.text.end_object();

        // skops builds `[type(key) for key in obj.keys()]`: a new list, memoised.
        self.text.key("key_types");
        let list_id = self.synthetic_id();
        let list_type = self.py.get_type::<PyList>();
        let list_index = self.type_index(&list_type)?;
        self.begin_node_of(list_index, "ListNode")?;
        self.text.key("content");
        self.text.begin_array();
        self.path.push(Segment::Attr("key_types"));
        for (position, key) in keys.iter().enumerate() {
            self.text.item();
            self.child(Segment::Index(position), key.get_type().as_any())?;
        }
        self.path.pop();
        self.text.end_array();
        self.end_node(list_id);
        self.end_node(id);
        Ok(())
    }

    /// The members of a DictNode's `content`: each key (as json names it) and its value's node.
    fn dict_content(
        &mut self,
        items: &[(Bound<'py, PyAny>, Bound<'py, PyAny>)],
        property: &Bound<'py, PyAny>,
    ) -> DumpResult<()> {
        for (key, value) in items {
            if value.is_instance(property)? {
                continue;
            }
            self.dict_key(key)?;
            self.child(Segment::Key(key.clone()), value)?;
        }
        Ok(())
    }

    /// `defaultdict_get_state`: `{"main": <DictNode of dict(obj)>, "default_factory": ...}`.
    pub(super) fn defaultdict_node(
        &mut self,
        obj: &Bound<'py, PyAny>,
        id: u64,
        type_index: usize,
    ) -> DumpResult<()> {
        let main = self.py.get_type::<PyDict>().call1((obj,))?;
        let factory = obj.getattr(intern!(self.py, "default_factory"))?;
        self.named_parts_node(
            id,
            type_index,
            "DefaultDictNode",
            [("main", main), ("default_factory", factory)],
        )
    }

    /// `list_get_state`, `set_get_state`, `tuple_get_state`: `content` lists the items' nodes
    /// in iteration order.
    pub(super) fn sequence_node(
        &mut self,
        obj: &Bound<'py, PyAny>,
        id: u64,
        type_index: usize,
        loader: &str,
    ) -> DumpResult<()> {
        let items: Vec<Bound<'py, PyAny>> = if let Ok(list) = obj.cast_exact::<PyList>() {
            list.iter().collect()
        } else if let Ok(tuple) = obj.cast_exact::<PyTuple>() {
            tuple.iter().collect()
        } else if let Ok(set) = obj.cast_exact::<PySet>() {
            set.iter().collect()
        } else {
            obj.try_iter()?.collect::<PyResult<_>>()?
        };
        self.begin_node_of(type_index, loader)?;
        self.text.key("content");
        self.text.begin_array();
        for (position, item) in items.iter().enumerate() {
            self.text.item();
            self.child(Segment::Index(position), item)?;
        }
        self.text.end_array();
        self.end_node(id);
        Ok(())
    }

    /// `bytes_get_state`: the bytes go to their own member, `<uuid4>.bin`, at every
    /// occurrence (skops does not share them).
    pub(super) fn bytes_node(
        &mut self,
        obj: &Bound<'py, PyAny>,
        id: u64,
        type_index: usize,
        loader: &str,
    ) -> DumpResult<()> {
        let uuid = python::get(self.py, Helper::Uuid4)?
            .clone()
            .call0()?
            .str()?;
        let name = format!("{}.bin", uuid.to_str()?);
        // A bytearray can change later: its content is copied now, as skops writes it now.
        let body = match obj.cast::<PyByteArray>() {
            Ok(bytearray) => Body::Owned(bytearray.to_vec()),
            Err(_) => Body::Bytes(self.py.get_type::<PyBytes>().call1((obj,))?.cast_into()?),
        };
        self.archive.add(name.clone(), Vec::new(), body);
        self.begin_node_of(type_index, loader)?;
        self.text.key("file");
        self.text.string(&name);
        self.end_node(id);
        Ok(())
    }

    /// `slice_get_state`: the bounds are written raw (not as nodes) in `content`.
    pub(super) fn slice_node(
        &mut self,
        obj: &Bound<'py, PyAny>,
        id: u64,
        type_index: usize,
    ) -> DumpResult<()> {
        self.begin_node_of(type_index, "SliceNode")?;
        self.text.key("content");
        self.text.begin_object();
        for name in ["start", "stop", "step"] {
            self.text.key(name);
            let value = obj.getattr(PyString::new(self.py, name))?;
            self.raw_json_value(&value)?;
        }
        self.text.end_object();
        self.end_node(id);
        Ok(())
    }
}
