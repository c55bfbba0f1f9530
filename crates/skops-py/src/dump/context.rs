//! The state of one dump: the schema text, the archive, skops' memo of visited objects, and
//! the path for messages; and the framing every node shares.

use std::sync::atomic::{AtomicUsize, Ordering};

use pyo3::exceptions::PyTypeError;
use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyType};
use skops_format::container::WriteCompression;

use super::address_map::{AddressDepthMap, AddressMap, IdSet};
use super::archive::Archive;
use super::dispatch::{TypeInfo, TypeTable};
use super::error::{DumpError, DumpResult};
use super::npy::NpyEncoder;
use super::path::{Segment, format_path};
use super::{MAX_NESTING_DEPTH, SKOPS_PROTOCOL, SKOPS_VERSION};
use skops_format::json::SchemaText;

/// Stack kept free for one level of the walk and the Python code it calls; with less left,
/// the walk continues on a new segment of [`STACK_SEGMENT`] bytes.
const STACK_RED_ZONE: usize = 256 * 1024;

/// The size of each extra stack segment.
const STACK_SEGMENT: usize = 4 * 1024 * 1024;

/// The length of the last `schema.json` written: objects are often dumped again and again
/// (services, benchmarks), and reserving that much up front saves regrowing the text.
static LAST_SCHEMA_LENGTH: AtomicUsize = AtomicUsize::new(0);

/// What the schema text reserves: the last length (plus a little), at least 64 KiB.
fn schema_capacity_hint() -> usize {
    let last = LAST_SCHEMA_LENGTH.load(Ordering::Relaxed);
    (last + last / 16).max(64 * 1024)
}

/// One dump in progress.
pub(crate) struct Dumper<'py> {
    pub(crate) py: Python<'py>,
    pub(crate) text: SchemaText,
    pub(crate) archive: Archive<'py>,
    pub(crate) types: TypeTable<'py>,
    pub(crate) npy: NpyEncoder<'py>,
    /// skops' memo: every object given an `__id__` stays alive until the dump ends, so no
    /// two distinct objects of the dump can have the same address.
    memo: Vec<Bound<'py, PyAny>>,
    /// The `__id__` of each memoised object, by address. skops writes `id()` (an address);
    /// any distinct integers do for its loader, and small ones numbered in walk order make the
    /// file the same on every run and smaller (random 15-digit ids do not compress, and they
    /// name the array members too).
    ids: AddressMap<u64>,
    /// The last `__id__` handed out (ids start at 1).
    last_id: u64,
    /// Reused buffer for the text of numbers.
    pub(crate) number_text: Vec<u8>,
    /// Where the walk is, for messages.
    pub(crate) path: Vec<Segment<'py>>,
    depth: usize,
    /// The first error `json.dumps` would raise at the end (a bad dict key, a slice holding a
    /// numpy int): skops raises it only after the whole object was walked.
    deferred: Option<PyErr>,
    /// Where the text of leaf nodes (no children, no side effects) was written, by object and
    /// depth: the same object at the same depth is the same text, copied instead of redone.
    rendered: AddressDepthMap<std::ops::Range<usize>>,
    /// `json.dumps(name)`, `json.dumps(module)` of functions and builtins met (by address).
    pub(crate) callables: AddressMap<(String, String)>,
    /// The `__id__`s of the random states and generators written in full so far that a
    /// later occurrence may name by a `CachedNode` instead (see `nodes/numpy.rs`).
    pub(crate) random_states: IdSet,
    /// How many enclosing parts the loaders may build after a sibling written later (a reduce
    /// node's `__reduce__` arguments, built after its `content`) or not at all (the values of
    /// a dict whose keys may be equal in JSON: only the last of equal keys is built): a random
    /// state first written there could be named before, or without, the loader building it,
    /// so it is not referenced (see [`Self::unreferable_if`]).
    pub(crate) unreferable: usize,
}

impl<'py> Dumper<'py> {
    pub(crate) fn new(py: Python<'py>, compression: WriteCompression) -> PyResult<Self> {
        Ok(Self {
            py,
            text: SchemaText::with_capacity(schema_capacity_hint()),
            archive: Archive::new(compression),
            types: TypeTable::new(py)?,
            npy: NpyEncoder::new(),
            memo: Vec::with_capacity(1024),
            ids: AddressMap::default(),
            last_id: 0,
            number_text: Vec::new(),
            path: Vec::with_capacity(64),
            depth: 0,
            deferred: None,
            rendered: AddressDepthMap::default(),
            callables: AddressMap::default(),
            random_states: IdSet::default(),
            unreferable: 0,
        })
    }

    /// Walks `obj` and returns the bytes of the `.skops` archive.
    pub(crate) fn dump(mut self, obj: &Bound<'py, PyAny>) -> DumpResult<Bound<'py, PyBytes>> {
        self.write_state(obj)?;
        if let Some(err) = self.deferred.take() {
            return Err(DumpError::Python(err));
        }
        let schema = self.text.into_bytes();
        LAST_SCHEMA_LENGTH.store(schema.len(), Ordering::Relaxed);
        self.archive.finish(self.py, &schema)
    }

    /// Writes the node of `obj` (skops' `get_state`): memoised, dispatched, `__id__` last.
    pub(crate) fn write_state(&mut self, obj: &Bound<'py, PyAny>) -> DumpResult<()> {
        if self.depth >= MAX_NESTING_DEPTH {
            return Err(DumpError::TooDeep {
                path: self.path_text(),
            });
        }
        self.depth += 1;
        // Deep objects (or a small thread stack) continue on a new stack segment rather than
        // overflowing the thread's stack.
        let result = stacker::maybe_grow(STACK_RED_ZONE, STACK_SEGMENT, || self.dispatch(obj));
        self.depth -= 1;
        result
    }

    /// [`Self::write_state`] for a child reached through `segment`.
    pub(crate) fn child(
        &mut self,
        segment: Segment<'py>,
        obj: &Bound<'py, PyAny>,
    ) -> DumpResult<()> {
        self.path.push(segment);
        let result = self.write_state(obj);
        self.path.pop();
        result
    }

    /// Runs `write`; when `unsure`, random states it writes first are not named by later
    /// `CachedNode`s (see [`Self::unreferable`]).
    pub(crate) fn unreferable_if<T>(
        &mut self,
        unsure: bool,
        write: impl FnOnce(&mut Self) -> DumpResult<T>,
    ) -> DumpResult<T> {
        self.unreferable += usize::from(unsure);
        let result = write(self);
        self.unreferable -= usize::from(unsure);
        result
    }

    /// Writes the node of `obj`, a leaf, with `write`; or, if `obj` was written at this depth
    /// before, copies that text (it is the same: same names, content and `__id__`). `write`
    /// returns whether it wrote anything; nothing is remembered if it did not.
    pub(crate) fn leaf(
        &mut self,
        obj: &Bound<'py, PyAny>,
        write: impl FnOnce(&mut Self) -> DumpResult<bool>,
    ) -> DumpResult<bool> {
        let key = (obj.as_ptr() as usize, self.text.depth());
        if let Some(range) = self.rendered.get(&key) {
            self.text.repeat(range.clone());
            return Ok(true);
        }
        let start = self.text.len();
        let written = write(self)?;
        if written {
            self.rendered.insert(key, start..self.text.len());
        }
        Ok(written)
    }

    /// `save_context.memoize(obj)`: keeps `obj` alive and returns its `__id__`, the same for
    /// every occurrence of the same object.
    pub(crate) fn memoize(&mut self, obj: &Bound<'py, PyAny>) -> u64 {
        let address = obj.as_ptr() as usize;
        if let Some(&id) = self.ids.get(&address) {
            return id;
        }
        self.memo.push(obj.clone());
        let id = self.synthetic_id();
        self.ids.insert(address, id);
        id
    }

    /// An `__id__` for an object skops would create (and memoise) but we do not.
    pub(crate) fn synthetic_id(&mut self) -> u64 {
        self.last_id += 1;
        self.last_id
    }

    pub(crate) fn path_text(&self) -> String {
        format_path(&self.path)
    }

    /// `UnsupportedTypeException` for the object being written.
    pub(crate) fn unsupported(&self, message: String, type_name: String) -> DumpError {
        DumpError::Unsupported {
            message,
            type_name,
            path: self.path_text(),
        }
    }

    /// Remembers an error `json.dumps` would raise at the very end; the first one wins.
    pub(crate) fn defer(&mut self, err: PyErr) {
        if self.deferred.is_none() {
            self.deferred = Some(err);
        }
    }

    /// `TypeError` as `json.dumps` raises it for a dict key it cannot write.
    pub(crate) fn defer_key_error(&mut self, key: &Bound<'py, PyAny>) -> PyResult<()> {
        let type_name = key.get_type().name()?;
        self.defer(PyTypeError::new_err(format!(
            "keys must be str, int, float, bool or None, not {type_name}"
        )));
        Ok(())
    }

    /// The index of what is known about the type of `obj`.
    pub(crate) fn type_index(&mut self, ty: &Bound<'py, PyType>) -> DumpResult<usize> {
        self.types.lookup(ty)
    }

    pub(crate) fn type_info(&self, index: usize) -> DumpResult<&TypeInfo<'py>> {
        self.types
            .info(index)
            .ok_or_else(|| DumpError::Python(PyTypeError::new_err("unknown type index")))
    }

    // ----- node framing ---------------------------------------------------------------------

    /// `{"__class__": ..., "__module__": ..., "__loader__": ...` with pre-encoded names.
    pub(crate) fn begin_node(&mut self, class_json: &str, module_json: &str, loader: &str) {
        self.text.begin_object();
        self.text.key("__class__");
        self.text.raw(class_json);
        self.text.key("__module__");
        self.text.raw(module_json);
        self.loader(loader);
    }

    /// [`Self::begin_node`] named after a type met before (`type(obj).__name__`, its module).
    pub(crate) fn begin_node_of(&mut self, type_index: usize, loader: &str) -> DumpResult<()> {
        let info = self
            .types
            .info(type_index)
            .ok_or_else(|| DumpError::Python(PyTypeError::new_err("unknown type index")))?;
        self.text.begin_object();
        self.text.key("__class__");
        self.text.raw(&info.class_json);
        self.text.key("__module__");
        self.text.raw(&info.module_json);
        self.loader(loader);
        Ok(())
    }

    /// `"__loader__": "<loader>"`.
    pub(crate) fn loader(&mut self, loader: &str) {
        self.text.key("__loader__");
        self.text.raw("\"");
        self.text.raw(loader);
        self.text.raw("\"");
    }

    /// A whole node whose `content` is an object of named parts, each walked as an attribute
    /// (`{"data": ..., "mask": ...}` of a masked array, `{"main": ..., "default_factory": ...}`
    /// of a defaultdict).
    pub(crate) fn named_parts_node(
        &mut self,
        id: u64,
        type_index: usize,
        loader: &str,
        parts: [(&'static str, Bound<'py, PyAny>); 2],
    ) -> DumpResult<()> {
        self.begin_node_of(type_index, loader)?;
        self.text.key("content");
        self.text.begin_object();
        for (name, part) in &parts {
            self.text.key(name);
            self.child(Segment::Attr(name), part)?;
        }
        self.text.end_object();
        self.end_node(id);
        Ok(())
    }

    /// `"__id__": id}`; the root also gets `protocol` and `_skops_version`, as skops appends.
    pub(crate) fn end_node(&mut self, id: u64) {
        self.text.key("__id__");
        self.text.uint(id);
        if self.text.depth() == 1 {
            self.text.key("protocol");
            self.text.uint(SKOPS_PROTOCOL);
            self.text.key("_skops_version");
            self.text.string(SKOPS_VERSION);
        }
        self.text.end_object();
    }
}
