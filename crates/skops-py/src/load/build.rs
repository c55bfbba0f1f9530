//! Builds the Python object of an audited schema, node by node, as skops 0.16's
//! `Node._construct` methods do.
//!
//! Each node is built once (the schema already resolved `__id__` references to shared nodes),
//! so an object referenced twice in the file is one object after loading. Within a node the
//! steps happen in skops' order (e.g. an ObjectNode imports its class before building its
//! state), so a file that fails, fails with the same exception. The schema has no cycles (the
//! format crate refuses them); a node reached again while it is being built is refused anyway.
//!
//! Arrays only a Tree's `__setstate__` sees are views of the file's bytes (see
//! `tree_arrays.rs`). A memory-mapped load ([`Builder::mapped`]) makes every plain array whose
//! data is stored and aligned in the file a read-only view of the mapping, and records the
//! arrays it had to copy instead, with why.
//!
//! Only call this after the audit passed: building imports the modules the file names.

use pyo3::exceptions::{PyRecursionError, PyTypeError, PyValueError};
use pyo3::prelude::*;
use pyo3::types::{PyByteArray, PyBytes, PyDict, PyList, PySet, PyString, PyTuple};
use skops_format::SkopsFile;
use skops_format::container::MEMBER_ALIGN;
use skops_format::json::{Text, Value};
use skops_format::schema::{NdArrayStorage, Node, NodeId, NodeKind, ReduceKind, Schema};

use super::arrays::Numpy;
use super::imports::Imports;
use super::json;
use super::tree_arrays::tree_private_arrays;
use crate::errors::format_error;

/// The constructor TreeNode calls, whatever the node says (`get_module(Tree)`, `"Tree"`).
const TREE_CONSTRUCTOR: (&str, &str) = ("sklearn.tree._tree", "Tree");
/// The constructor QuantileForestNode calls.
const QUANTILE_FOREST_CONSTRUCTOR: (&str, &str) =
    ("quantile_forest._quantile_forest_fast", "QuantileForest");

/// The whole file as a Python object that exports its bytes (a `bytes`, or a read-only
/// `uint8` array over a memory mapping), with those bytes: arrays may view it.
pub(super) struct FileBuffer<'a, 'py> {
    /// The Python object, what views are made of (`numpy.frombuffer`).
    pub(super) object: Bound<'py, PyAny>,
    /// Its bytes, what the file was opened from.
    pub(super) bytes: &'a [u8],
}

/// A mapped load's object, the number of arrays that view the file and the arrays copied
/// instead (node path, reason).
pub(super) type MappedBuild<'py> = (Bound<'py, PyAny>, usize, Vec<(String, CopyReason)>);

/// Why a memory-mapped load copied an array instead of viewing the mapping.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum CopyReason {
    /// The member is compressed: its bytes exist only once decompressed.
    Compressed,
    /// The array data does not start on a [`MEMBER_ALIGN`] boundary of the file (files not
    /// written by skops_rs' `dump`).
    Unaligned,
    /// The array is of an `ndarray` subclass, built from a copy as skops builds it.
    Subclass,
    /// A scipy sparse matrix (its arrays are inside a nested `.npz`).
    Sparse,
}

impl CopyReason {
    /// The reason's name, as the Python warning lists it.
    pub(super) fn name(self) -> &'static str {
        match self {
            Self::Compressed => "compressed",
            Self::Unaligned => "unaligned",
            Self::Subclass => "subclass",
            Self::Sparse => "sparse",
        }
    }
}

/// Where a node is in its construction.
#[derive(Clone)]
enum Slot<'py> {
    NotBuilt,
    Building,
    Built(Bound<'py, PyAny>),
}

/// Builds the objects of one file.
pub(super) struct Builder<'a, 'py> {
    py: Python<'py>,
    file: &'a SkopsFile<'a>,
    schema: &'a Schema,
    imports: Imports<'a, 'py>,
    numpy: Numpy<'py>,
    slots: Vec<Slot<'py>>,
    /// The whole file as a Python object, when the caller has it (for borrowed arrays).
    file_buffer: Option<FileBuffer<'a, 'py>>,
    /// Per node: an array only a Tree's `__setstate__` sees.
    tree_private: Vec<bool>,
    /// Whether `file_buffer` is a memory mapping whose plain arrays are all views.
    mapped: bool,
    /// In a mapped load: how many arrays view the mapping.
    viewed: usize,
    /// In a mapped load: the node path of each array copied instead, and why.
    copies: Vec<(String, CopyReason)>,
}

impl<'a, 'py> Builder<'a, 'py> {
    /// A builder for `file`; `file_buffer`, the file's own bytes as a Python object, lets
    /// arrays that only a Tree copies be views of it.
    pub(super) fn new(
        py: Python<'py>,
        file: &'a SkopsFile<'a>,
        file_buffer: Option<FileBuffer<'a, 'py>>,
    ) -> Self {
        let schema = file.schema();
        Self {
            py,
            file,
            schema,
            imports: Imports::new(py),
            numpy: Numpy::new(py),
            slots: vec![Slot::NotBuilt; schema.len()],
            tree_private: tree_private_arrays(schema),
            file_buffer,
            mapped: false,
            viewed: 0,
            copies: Vec::new(),
        }
    }

    /// Makes every plain `.npy` array stored aligned in `file_buffer` a read-only view of it
    /// (the buffer is a memory mapping the caller keeps private and read-only).
    pub(super) fn mapped(mut self) -> Self {
        self.mapped = true;
        self
    }

    /// The object of the whole file.
    pub(super) fn build_root(mut self) -> PyResult<Bound<'py, PyAny>> {
        self.build(self.schema.root())
    }

    /// The object of the whole file, the number of arrays that view the file's buffer and the
    /// arrays copied instead (node path, reason), for a [`Builder::mapped`] load.
    pub(super) fn build_root_mapped(mut self) -> PyResult<MappedBuild<'py>> {
        let object = self.build(self.schema.root())?;
        Ok((object, self.viewed, self.copies))
    }

    /// Records, in a mapped load, that the array of node `id` is a copy.
    fn copied(&mut self, id: NodeId, reason: CopyReason) {
        if self.mapped {
            self.copies
                .push((skops_trust::audit::node_path(self.schema, id), reason));
        }
    }

    /// The object of node `id`, built on first use.
    fn build(&mut self, id: NodeId) -> PyResult<Bound<'py, PyAny>> {
        match self.slots.get(id.index()) {
            Some(Slot::Built(object)) => return Ok(object.clone()),
            Some(Slot::Building) => {
                return Err(PyRecursionError::new_err(
                    "the schema refers to a node inside itself",
                ));
            }
            Some(Slot::NotBuilt) => {}
            None => return Err(PyValueError::new_err("node id outside the schema")),
        }
        self.set_slot(id, Slot::Building);
        let result = self.construct(id);
        match &result {
            Ok(object) => self.set_slot(id, Slot::Built(object.clone())),
            Err(_) => self.set_slot(id, Slot::NotBuilt),
        }
        result
    }

    fn set_slot(&mut self, id: NodeId, slot: Slot<'py>) {
        if let Some(place) = self.slots.get_mut(id.index()) {
            *place = slot;
        }
    }

    /// `_construct` of the node's loader.
    fn construct(&mut self, id: NodeId) -> PyResult<Bound<'py, PyAny>> {
        let py = self.py;
        let node = self.schema.node(id);
        match &node.kind {
            NodeKind::Json { content } => json::loads(py, content),
            NodeKind::Dict { entries, key_types } => self.dict(node, entries, *key_types),
            NodeKind::DefaultDict {
                main,
                default_factory,
            } => self.default_dict(*main, *default_factory),
            NodeKind::List(items) => self.list_of_class(node, items),
            NodeKind::Set(items) => self.set_of_class(node, items),
            NodeKind::Tuple(items) => self.tuple(node, items),
            NodeKind::Slice { start, stop, step } => {
                let slice = self.imports.import_obj("builtins", "slice")?;
                slice.call1((
                    json::value_to_py(py, start)?,
                    json::value_to_py(py, stop)?,
                    json::value_to_py(py, step)?,
                ))
            }
            NodeKind::Bytes { file } => Ok(PyBytes::new(py, &self.member(file)?).into_any()),
            NodeKind::Bytearray { file } => {
                Ok(PyByteArray::new(py, &self.member(file)?).into_any())
            }
            NodeKind::Type => self.imports.import_obj(&node.module, &node.class),
            NodeKind::Function => self.imports.gettype(&node.module, &node.class),
            NodeKind::FunctionV0 {
                module_path,
                function,
            } => self.imports.import_obj(module_path, function),
            NodeKind::Partial {
                func,
                args,
                kwds,
                namespace,
            } => self.partial(*func, *args, *kwds, *namespace),
            NodeKind::Method { func, obj } => self.build(*obj)?.getattr(func.as_str()),
            NodeKind::OperatorFunc { attrs } => {
                let operator = self.imports.import_obj("operator", &node.class)?;
                let attrs = self.build(*attrs)?;
                operator.call1(as_tuple(&attrs)?)
            }
            NodeKind::Object { content } => self.object(node, *content),
            NodeKind::ConstructorFromReduce { content } => {
                let class = self.imports.gettype(&node.module, &node.class)?;
                let args = self.build(*content)?;
                class.call1(as_tuple(&args)?)
            }
            NodeKind::NdArray(NdArrayStorage::Numpy { file }) => self.numpy_array(id, node, file),
            NodeKind::NdArray(NdArrayStorage::Json { items, shape }) => {
                self.object_array(items, *shape)
            }
            NodeKind::MaskedArray { data, mask } => {
                let data = self.build(*data)?;
                let mask = self.build(*mask)?;
                let masked_array = self.imports.import_obj("numpy.ma", "MaskedArray")?;
                masked_array.call1((data, mask))
            }
            NodeKind::DType { content } => self.build(*content)?.getattr("dtype"),
            NodeKind::SparseMatrix { file } => {
                self.copied(id, CopyReason::Sparse);
                let member = self.member(file)?;
                let sparse = self.imports.module("scipy.sparse")?;
                self.numpy.sparse(&sparse, &member)
            }
            NodeKind::RandomState { content } => {
                let instance = self.imports.gettype(&node.module, &node.class)?.call0()?;
                instance.call_method1("set_state", (self.build(*content)?,))?;
                Ok(instance)
            }
            NodeKind::RandomGenerator {
                bit_generator,
                seed_seq,
                ..
            } => self.generator(node, *bit_generator, *seed_seq),
            NodeKind::RandomGeneratorV0 { raw } => self.generator_v0(node, raw),
            NodeKind::Reduce {
                kind, args, state, ..
            } => self.reduce(node, *kind, *args, *state),
            NodeKind::DictWithDeprecatedKeys { .. } => Err(PyTypeError::new_err(
                "_DictWithDeprecatedKeys is not available in the installed scikit-learn version.",
            )),
        }
    }

    /// DefaultDictNode: `defaultdict(**main)`, then its `default_factory`.
    fn default_dict(
        &mut self,
        main: NodeId,
        default_factory: NodeId,
    ) -> PyResult<Bound<'py, PyAny>> {
        let class = self.imports.import_obj("collections", "defaultdict")?;
        let main = self.build(main)?;
        let instance = class.call((), Some(&as_kwargs(&main, "collections.defaultdict")?))?;
        instance.setattr("default_factory", self.build(default_factory)?)?;
        Ok(instance)
    }

    /// ListNode: the items, as a `list` or given to the node's class.
    fn list_of_class(&mut self, node: &'a Node, items: &[NodeId]) -> PyResult<Bound<'py, PyAny>> {
        let class = self.imports.gettype(&node.module, &node.class)?;
        let list = self.list(items)?;
        if class.is(&self.imports.builtins.list_type) {
            return Ok(list.into_any());
        }
        class.call1((list,))
    }

    /// SetNode: the items, as a `set` or given to the node's class.
    fn set_of_class(&mut self, node: &'a Node, items: &[NodeId]) -> PyResult<Bound<'py, PyAny>> {
        let class = self.imports.gettype(&node.module, &node.class)?;
        let list = self.list(items)?;
        if class.is(&self.imports.builtins.set_type) {
            return Ok(PySet::new(self.py, list.iter())?.into_any());
        }
        class.call1((list,))
    }

    /// PartialNode: `functools.partial(func, *args, **kwds)`, then its `__dict__` updated with
    /// `namespace` when that is truthy.
    fn partial(
        &mut self,
        func: NodeId,
        args: NodeId,
        kwds: NodeId,
        namespace: NodeId,
    ) -> PyResult<Bound<'py, PyAny>> {
        let func = self.build(func)?;
        let args = self.build(args)?;
        let kwds = self.build(kwds)?;
        let namespace = self.build(namespace)?;
        let partial = self.imports.import_obj("functools", "partial")?;
        let mut arguments = vec![func];
        for item in args.try_iter()? {
            arguments.push(item?);
        }
        let kwargs = as_kwargs(&kwds, "functools.partial")?;
        let instance = partial.call(PyTuple::new(self.py, arguments)?, Some(&kwargs))?;
        if namespace.is_truthy()? {
            instance
                .getattr("__dict__")?
                .call_method1("update", (namespace,))?;
        }
        Ok(instance)
    }

    /// ObjectNode: `cls.__new__(cls)`, then its state through `__setstate__` or into
    /// `__dict__`.
    fn object(&mut self, node: &'a Node, content: Option<NodeId>) -> PyResult<Bound<'py, PyAny>> {
        let class = self.imports.gettype(&node.module, &node.class)?;
        let instance = class.call_method1("__new__", (&class,))?;
        let Some(content) = content else {
            return Ok(instance);
        };
        let attrs = self.build(content)?;
        if !attrs.is_none() {
            if instance.hasattr("__setstate__")? {
                instance.call_method1("__setstate__", (attrs,))?;
            } else {
                instance
                    .getattr("__dict__")?
                    .call_method1("update", (attrs,))?;
            }
        }
        Ok(instance)
    }

    /// NdArrayNode of a `.npy` member: a view of the file's bytes when only a Tree sees it (or,
    /// in a mapped load, when it is a plain array stored aligned), else a new array, given to
    /// the node's class when that is not `ndarray`.
    fn numpy_array(
        &mut self,
        id: NodeId,
        node: &'a Node,
        file: &str,
    ) -> PyResult<Bound<'py, PyAny>> {
        let header = self.file.array_header(id).ok_or_else(|| {
            PyValueError::new_err(format!("no `.npy` header for member `{file}`"))
        })?;
        let member = self.member(file)?;
        let private = self.tree_private.get(id.index()).copied().unwrap_or(false);
        let plain = node.module == "numpy" && node.class == "ndarray";
        if let Some(buffer) = &self.file_buffer {
            if private || (self.mapped && plain) {
                let offset = self.numpy.data_offset(header, &member, buffer.bytes)?;
                let aligned = offset.is_some_and(|offset| offset % MEMBER_ALIGN == 0);
                if let (Some(offset), true) = (offset, private || aligned) {
                    let view = self.numpy.view_array(header, &buffer.object, offset)?;
                    if self.mapped {
                        self.viewed += 1;
                    }
                    return Ok(view);
                }
                // No data (nothing to share) is not worth a word.
                if header.data_len() != Some(0) {
                    let reason = match offset {
                        None => CopyReason::Compressed,
                        Some(_) => CopyReason::Unaligned,
                    };
                    self.copied(id, reason);
                }
            }
        }
        let array = self.numpy.array(header, &member)?;
        if plain {
            return Ok(array);
        }
        // A numpy scalar (`np.float64(...)` of a 0-d array) is a value, not shared memory.
        if !header.shape.is_empty() {
            self.copied(id, CopyReason::Subclass);
        }
        self.imports
            .gettype(&node.module, &node.class)?
            .call1((array,))
    }

    /// Protocol 0's RandomGeneratorNode, built from its raw state.
    fn generator_v0(&mut self, node: &'a Node, raw: &Value) -> PyResult<Bound<'py, PyAny>> {
        // skops 0.16 cannot audit a non-empty raw state, so only an empty or scalar state gets
        // here, and indexing it fails as in skops.
        let state = json::value_to_py(self.py, raw)?;
        let name = state.get_item("bit_generator")?;
        let bit_generator = self.bit_generator_class(&name)?.call0()?;
        bit_generator.setattr("state", &state)?;
        self.new_generator(node, bit_generator)
    }

    /// The bytes of an archive member (checked when the file was opened).
    fn member(&self, name: &str) -> PyResult<std::borrow::Cow<'a, [u8]>> {
        self.file
            .member(name)
            .map_err(|error| format_error(self.py, &error))
    }

    fn list(&mut self, items: &[NodeId]) -> PyResult<Bound<'py, PyList>> {
        let list = PyList::empty(self.py);
        for &item in items {
            list.append(self.build(item)?)?;
        }
        Ok(list)
    }

    /// DictNode: `cls()`, then `d[key_type(key)] = value` for the key types zipped with the
    /// entries (the value is built before the key, as Python evaluates the assignment).
    fn dict(
        &mut self,
        node: &'a Node,
        entries: &'a [(Text, NodeId)],
        key_types: NodeId,
    ) -> PyResult<Bound<'py, PyAny>> {
        let class = self.imports.gettype(&node.module, &node.class)?;
        let instance = if class.is(&self.imports.builtins.dict_type) {
            PyDict::new(self.py).into_any()
        } else {
            class.call0()?
        };
        let key_types = self.build(key_types)?;
        let mut key_types = key_types.try_iter()?;
        for (key, value) in entries {
            let Some(key_type) = key_types.next() else {
                break;
            };
            let key_type = key_type?;
            let value = self.build(*value)?;
            let key = json::text_to_py(self.py, key)?;
            let key = if key_type.is(&self.imports.builtins.str_type) {
                key.into_any()
            } else {
                key_type.call1((key,))?
            };
            instance.set_item(key, value)?;
        }
        Ok(instance)
    }

    /// TupleNode: a tuple, or `cls(*items)` for a namedtuple class.
    fn tuple(&mut self, node: &'a Node, items: &[NodeId]) -> PyResult<Bound<'py, PyAny>> {
        let class = self.imports.gettype(&node.module, &node.class)?;
        let mut values = Vec::with_capacity(items.len());
        for &item in items {
            values.push(self.build(item)?);
        }
        let content = PyTuple::new(self.py, values)?;
        if class.is(&self.imports.builtins.tuple_type) || !self.is_namedtuple(&class)? {
            return Ok(content.into_any());
        }
        class.call1(content)
    }

    /// skops' `TupleNode.isnamedtuple`.
    fn is_namedtuple(&self, class: &Bound<'py, PyAny>) -> PyResult<bool> {
        let bases = class.getattr("__bases__")?;
        if bases.len()? != 1 || !bases.get_item(0)?.is(&self.imports.builtins.tuple_type) {
            return Ok(false);
        }
        let fields = class.getattr("_fields").or_else(|error| {
            if error.is_instance_of::<pyo3::exceptions::PyAttributeError>(self.py) {
                Ok(self.py.None().into_bound(self.py))
            } else {
                Err(error)
            }
        })?;
        let Ok(fields) = fields.cast::<PyTuple>() else {
            return Ok(false);
        };
        Ok(fields
            .iter()
            .all(|field| field.is_instance_of::<PyString>()))
    }

    /// An object array stored as child states.
    fn object_array(&mut self, items: &[NodeId], shape: NodeId) -> PyResult<Bound<'py, PyAny>> {
        let shape = self.build(shape)?;
        let mut values = Vec::with_capacity(items.len());
        for &item in items {
            values.push(self.build(item)?);
        }
        let numpy = self.numpy.module()?;
        let kwargs = PyDict::new(self.py);
        kwargs.set_item("dtype", "O")?;
        if shape.len()? == 1 {
            kwargs.set_item("shape", values.len())?;
            let array = numpy.getattr("ndarray")?.call((), Some(&kwargs))?;
            for (index, value) in values.into_iter().enumerate() {
                array.set_item(index, value)?;
            }
            return Ok(array);
        }
        let list = PyList::new(self.py, values)?;
        numpy.getattr("array")?.call((list,), Some(&kwargs))
    }

    /// RandomGeneratorNode (protocol 2 with the seed sequence, protocol 1 without).
    fn generator(
        &mut self,
        node: &'a Node,
        bit_generator: NodeId,
        seed_seq: Option<NodeId>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let seed_seq = match seed_seq {
            Some(seed_seq) => {
                let class = self
                    .imports
                    .gettype("numpy.random.bit_generator", "SeedSequence")?;
                let state = self.build(seed_seq)?;
                Some(class.call((), Some(&as_kwargs(&state, "SeedSequence")?))?)
            }
            None => None,
        };
        let state = self.build(bit_generator)?;
        let name = state.get_item("bit_generator")?;
        let class = self.bit_generator_class(&name)?;
        let instance = match seed_seq {
            Some(seed_seq) => class.call1((seed_seq,))?,
            None => class.call0()?,
        };
        instance.setattr("state", state)?;
        self.new_generator(node, instance)
    }

    /// `getattr(numpy.random, name)`, refused unless it is a bit generator class (skops'
    /// second line of defence, applied to every protocol here).
    fn bit_generator_class(&mut self, name: &Bound<'py, PyAny>) -> PyResult<Bound<'py, PyAny>> {
        let class = self.imports.gettype_dynamic("numpy.random", name)?;
        let base = self.imports.import_obj("numpy.random", "BitGenerator")?;
        let is_bit_generator = match class.cast::<pyo3::types::PyType>() {
            Ok(class) => class.is_subclass(&base)?,
            Err(_) => false,
        };
        if !is_bit_generator {
            return Err(PyValueError::new_err(format!(
                "Expected a numpy.random bit generator, got {}. This is probably due to a \
                 corrupted or a malicious file.",
                name.repr()?
            )));
        }
        Ok(class)
    }

    fn new_generator(
        &mut self,
        node: &'a Node,
        bit_generator: Bound<'py, PyAny>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let kwargs = PyDict::new(self.py);
        kwargs.set_item("bit_generator", bit_generator)?;
        self.imports
            .gettype(&node.module, &node.class)?
            .call((), Some(&kwargs))
    }

    /// skops' `ReduceNode._construct`: `ctor(*args)`, then its state.
    fn reduce(
        &mut self,
        node: &'a Node,
        kind: ReduceKind,
        args: NodeId,
        state: NodeId,
    ) -> PyResult<Bound<'py, PyAny>> {
        let args = self.build(args)?;
        let constructor = match kind {
            ReduceKind::Tree => self
                .imports
                .gettype(TREE_CONSTRUCTOR.0, TREE_CONSTRUCTOR.1)?,
            ReduceKind::QuantileForest => self
                .imports
                .gettype(QUANTILE_FOREST_CONSTRUCTOR.0, QUANTILE_FOREST_CONSTRUCTOR.1)?,
            ReduceKind::Loss => self.imports.gettype(&node.module, &node.class)?,
        };
        let instance = constructor.call1(as_tuple(&args)?)?;
        let attrs = self.build(state)?;
        if !attrs.is_truthy()? {
            return Ok(instance);
        }
        let has_setstate = instance.hasattr("__setstate__")?;
        if args.is_instance_of::<PyTuple>() && !has_setstate {
            return Err(unsupported(self.py, &constructor)?);
        }
        if has_setstate {
            instance.call_method1("__setstate__", (attrs,))?;
        } else if attrs.is_instance_of::<PyDict>() {
            instance
                .getattr("__dict__")?
                .call_method1("update", (attrs,))?;
        } else {
            return Err(unsupported(self.py, &constructor)?);
        }
        Ok(instance)
    }
}

/// `f(*value)`: the items of any iterable as a tuple.
fn as_tuple<'py>(value: &Bound<'py, PyAny>) -> PyResult<Bound<'py, PyTuple>> {
    if let Ok(tuple) = value.cast::<PyTuple>() {
        return Ok(tuple.clone());
    }
    let items: Vec<Bound<'py, PyAny>> = value.try_iter()?.collect::<PyResult<_>>()?;
    PyTuple::new(value.py(), items)
}

/// `f(**value)`: a dict's items as keyword arguments (Python refuses other objects and
/// non-string keys the same way).
fn as_kwargs<'py>(value: &Bound<'py, PyAny>, callee: &str) -> PyResult<Bound<'py, PyDict>> {
    let Ok(dict) = value.cast::<PyDict>() else {
        return Err(PyTypeError::new_err(format!(
            "{callee}() argument after ** must be a mapping, not {}",
            value.get_type().name()?
        )));
    };
    for key in dict.keys() {
        if !key.is_instance_of::<PyString>() {
            return Err(PyTypeError::new_err("keywords must be strings"));
        }
    }
    Ok(dict.clone())
}

/// skops' `UnsupportedTypeException(f"Objects of type {constructor} are not supported yet")`.
fn unsupported(py: Python<'_>, constructor: &Bound<'_, PyAny>) -> PyResult<PyErr> {
    let class = py
        .import("skops_rs.exceptions")?
        .getattr("UnsupportedTypeException")?;
    let message = format!(
        "Objects of type {} are not supported yet",
        constructor.str()?
    );
    Ok(PyErr::from_value(class.call1((message,))?))
}
