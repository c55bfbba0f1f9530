//! The typed node model of `schema.json` (protocols 0, 1 and 2), read as skops 0.16's `get_tree`
//! reads it and written back as skops writes it.
//!
//! A [`Schema`] is an arena of [`Node`]s addressed by [`NodeId`]. Reading follows `get_tree`
//! step by step, in the same order, so that the `__id__` memo resolves exactly as in Python:
//! a state whose `__id__` was seen before *is* the earlier node (the rest of that state is
//! ignored), and a node memoises itself before its children are built. Where Python would build
//! a cyclic tree (a state naming the `__id__` of one of its ancestors) we refuse the file with
//! [`crate::error::SchemaError::IdCycle`].
//!
//! What this layer checks is what `get_tree` checks: structure, loaders, the MethodNode and
//! OperatorFuncNode hardening, the array `type`s, the Generator bit-generator name. It does not
//! look at the archive (member names in `file` keys are kept verbatim) and does not judge trust.
//!
//! Known differences from skops 0.16, all on crafted files:
//! - required keys must have the JSON type skops writes (Python would fail later, or not at all
//!   for values it never reads, such as a non-string `_skops_version`);
//! - `__id__` must be a non-negative integer below 2^64 (CPython ids are);
//! - `_DictWithDeprecatedKeysNode` is read although skops registers it only with
//!   scikit-learn < 1.2, and `QuantileForestNode` is read although skops refuses it when
//!   `quantile_forest` is not installed; callers decide;
//! - [`Schema::to_value`] writes a shared node in full at each occurrence (as skops does), so a
//!   state that referred to an earlier node by `__id__` alone is written in full, and keys
//!   inside `content` objects that skops does not read are dropped (unknown keys of a node state
//!   are kept, see [`Node::extra`]);
//! - the number of nodes with shared nodes expanded, and the JSON depth of the re-serialized
//!   schema, are bounded ([`Limits::max_expanded_nodes`], [`Limits::max_json_depth`]).

pub mod key_types;
pub mod path;
mod read;
mod write;

use crate::json::{self, Text, Value};
use crate::limits::Limits;
use crate::{Error, Result};

pub use write::SchemaBuilder;

/// The newest protocol skops 0.16 writes and reads (`skops.io._protocol.PROTOCOL`).
pub const PROTOCOL: i64 = 2;

/// The index of a node in its [`Schema`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct NodeId(u32);

impl NodeId {
    /// The node's position in the arena.
    pub fn index(self) -> usize {
        self.0 as usize
    }

    fn from_index(index: usize) -> Result<Self> {
        u32::try_from(index)
            .map(Self)
            .map_err(|_| Error::LimitExceeded {
                what: "schema node count".to_owned(),
                value: u64::try_from(index).unwrap_or(u64::MAX),
                limit: u64::from(u32::MAX),
            })
    }
}

/// The loader classes of skops 0.16 (the `__loader__` value of a node state).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Loader {
    /// `JsonNode`.
    Json,
    /// `DictNode`.
    Dict,
    /// `DefaultDictNode`.
    DefaultDict,
    /// `ListNode`.
    List,
    /// `SetNode`.
    Set,
    /// `TupleNode`.
    Tuple,
    /// `SliceNode`.
    Slice,
    /// `BytesNode`.
    Bytes,
    /// `BytearrayNode`.
    Bytearray,
    /// `TypeNode`.
    Type,
    /// `FunctionNode` (both the protocol 0 and the current form).
    Function,
    /// `PartialNode`.
    Partial,
    /// `MethodNode`.
    Method,
    /// `OperatorFuncNode`.
    OperatorFunc,
    /// `ObjectNode`.
    Object,
    /// `ConstructorFromReduceNode`.
    ConstructorFromReduce,
    /// `NdArrayNode`.
    NdArray,
    /// `MaskedArrayNode`.
    MaskedArray,
    /// `DTypeNode`.
    DType,
    /// `SparseMatrixNode`.
    SparseMatrix,
    /// `RandomStateNode`.
    RandomState,
    /// `RandomGeneratorNode` (all three protocol forms).
    RandomGenerator,
    /// `TreeNode`.
    Tree,
    /// `LossNode`.
    Loss,
    /// `QuantileForestNode`.
    QuantileForest,
    /// `_DictWithDeprecatedKeysNode`.
    DictWithDeprecatedKeys,
}

impl Loader {
    /// Every loader, in the order of skops 0.16's `NODE_TYPE_MAPPING`.
    pub const ALL: [Self; 26] = [
        Self::Json,
        Self::Dict,
        Self::DefaultDict,
        Self::List,
        Self::Set,
        Self::Tuple,
        Self::Slice,
        Self::Bytes,
        Self::Bytearray,
        Self::Type,
        Self::Function,
        Self::Partial,
        Self::Method,
        Self::OperatorFunc,
        Self::Object,
        Self::ConstructorFromReduce,
        Self::NdArray,
        Self::MaskedArray,
        Self::DType,
        Self::SparseMatrix,
        Self::RandomState,
        Self::RandomGenerator,
        Self::Tree,
        Self::Loss,
        Self::QuantileForest,
        Self::DictWithDeprecatedKeys,
    ];

    /// The loader's name as written in `__loader__`.
    pub fn name(self) -> &'static str {
        match self {
            Self::Json => "JsonNode",
            Self::Dict => "DictNode",
            Self::DefaultDict => "DefaultDictNode",
            Self::List => "ListNode",
            Self::Set => "SetNode",
            Self::Tuple => "TupleNode",
            Self::Slice => "SliceNode",
            Self::Bytes => "BytesNode",
            Self::Bytearray => "BytearrayNode",
            Self::Type => "TypeNode",
            Self::Function => "FunctionNode",
            Self::Partial => "PartialNode",
            Self::Method => "MethodNode",
            Self::OperatorFunc => "OperatorFuncNode",
            Self::Object => "ObjectNode",
            Self::ConstructorFromReduce => "ConstructorFromReduceNode",
            Self::NdArray => "NdArrayNode",
            Self::MaskedArray => "MaskedArrayNode",
            Self::DType => "DTypeNode",
            Self::SparseMatrix => "SparseMatrixNode",
            Self::RandomState => "RandomStateNode",
            Self::RandomGenerator => "RandomGeneratorNode",
            Self::Tree => "TreeNode",
            Self::Loss => "LossNode",
            Self::QuantileForest => "QuantileForestNode",
            Self::DictWithDeprecatedKeys => "_DictWithDeprecatedKeysNode",
        }
    }

    /// The loader called `name`, if skops 0.16 has one (`CachedNode` is not a loader here: it
    /// resolves to the node it names).
    pub fn from_name(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|loader| loader.name() == name)
    }
}

/// Which reduce-family loader a [`NodeKind::Reduce`] node uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ReduceKind {
    /// `TreeNode` (`sklearn.tree._tree.Tree`).
    Tree,
    /// `LossNode` (sklearn loss functions).
    Loss,
    /// `QuantileForestNode` (`quantile_forest`).
    QuantileForest,
}

/// How an [`NodeKind::NdArray`] stores its items.
#[derive(Debug, Clone, PartialEq)]
pub enum NdArrayStorage {
    /// `"type": "numpy"`: a `.npy` member.
    Numpy {
        /// The member name, verbatim.
        file: String,
    },
    /// `"type": "json"`: an object array stored as child states.
    Json {
        /// The items (for 2-D arrays, ListNode rows).
        items: Vec<NodeId>,
        /// The shape, a TupleNode.
        shape: NodeId,
    },
}

/// What a node is, with its children and raw fields; one variant per skops 0.16 loader form.
#[derive(Debug, Clone, PartialEq)]
pub enum NodeKind {
    /// `JsonNode`: a scalar stored as JSON text.
    Json {
        /// The JSON text (parse its [`Text::surrogatepass_bytes`] with [`json::parse`]).
        content: Text,
    },
    /// `DictNode`.
    Dict {
        /// Entries as Python's `dict` holds them (a repeated key once, with its last value).
        entries: Vec<(Text, NodeId)>,
        /// The ListNode of key types (zipped with `entries` by skops).
        key_types: NodeId,
    },
    /// `DefaultDictNode`.
    DefaultDict {
        /// The DictNode of the items.
        main: NodeId,
        /// The default factory.
        default_factory: NodeId,
    },
    /// `ListNode`.
    List(Vec<NodeId>),
    /// `SetNode`.
    Set(Vec<NodeId>),
    /// `TupleNode`.
    Tuple(Vec<NodeId>),
    /// `SliceNode`: raw JSON values.
    Slice {
        /// `start`.
        start: Value,
        /// `stop`.
        stop: Value,
        /// `step`.
        step: Value,
    },
    /// `BytesNode`.
    Bytes {
        /// The `.bin` member name, verbatim.
        file: String,
    },
    /// `BytearrayNode`.
    Bytearray {
        /// The `.bin` member name, verbatim.
        file: String,
    },
    /// `TypeNode`: the type is `module.class`.
    Type,
    /// `FunctionNode` (protocol >= 1): the function is `module.class`.
    Function,
    /// `FunctionNode` of protocol 0.
    FunctionV0 {
        /// `content.module_path`.
        module_path: String,
        /// `content.function`.
        function: String,
    },
    /// `PartialNode`.
    Partial {
        /// The function.
        func: NodeId,
        /// A TupleNode of positional arguments.
        args: NodeId,
        /// A DictNode of keyword arguments.
        kwds: NodeId,
        /// The `__dict__` (DictNode or JsonNode `null`).
        namespace: NodeId,
    },
    /// `MethodNode`.
    Method {
        /// The method name.
        func: String,
        /// The bound instance.
        obj: NodeId,
    },
    /// `OperatorFuncNode`.
    OperatorFunc {
        /// The TupleNode of constructor arguments.
        attrs: NodeId,
    },
    /// `ObjectNode`.
    Object {
        /// The state passed to `__setstate__`, if any.
        content: Option<NodeId>,
    },
    /// `ConstructorFromReduceNode`.
    ConstructorFromReduce {
        /// The TupleNode of constructor arguments.
        content: NodeId,
    },
    /// `NdArrayNode`.
    NdArray(NdArrayStorage),
    /// `MaskedArrayNode`.
    MaskedArray {
        /// The data array.
        data: NodeId,
        /// The mask array.
        mask: NodeId,
    },
    /// `DTypeNode`.
    DType {
        /// The empty NdArrayNode carrying the dtype.
        content: NodeId,
    },
    /// `SparseMatrixNode` (`"type": "scipy"`).
    SparseMatrix {
        /// The `.npz` member name, verbatim.
        file: String,
    },
    /// `RandomStateNode`.
    RandomState {
        /// The DictNode of `get_state(legacy=False)`.
        content: NodeId,
    },
    /// `RandomGeneratorNode` of protocols 1 (no `seed_seq`) and 2.
    RandomGenerator {
        /// The DictNode of `bit_generator.state`.
        bit_generator: NodeId,
        /// The DictNode of the seed sequence state (protocol 2).
        seed_seq: Option<NodeId>,
        /// The bit generator's name, read from the raw state as skops 0.15+ does
        /// (`content.bit_generator.content.bit_generator.content`, JSON-decoded).
        bit_generator_name: String,
    },
    /// `RandomGeneratorNode` of protocol 0: the raw bit generator state.
    RandomGeneratorV0 {
        /// `content.bit_generator`, verbatim.
        raw: Value,
    },
    /// `TreeNode`, `LossNode`, `QuantileForestNode`.
    Reduce {
        /// Which loader.
        kind: ReduceKind,
        /// `__reduce__.args`: the constructor arguments.
        args: NodeId,
        /// `content`: the state passed to `__setstate__`.
        state: NodeId,
        /// Whether `__loader__` comes right after `__module__`: skops writes the LossNode of
        /// Cython losses (`CyHalfMultinomialLoss`, ...) in that order, and every other reduce
        /// node with `__loader__` after `content`.
        loader_first: bool,
    },
    /// `_DictWithDeprecatedKeysNode`.
    DictWithDeprecatedKeys {
        /// The DictNode of the items.
        main: NodeId,
        /// `_deprecated_key_to_new_key`.
        deprecated_key_to_new_key: NodeId,
    },
}

impl NodeKind {
    /// The loader that reads this kind of node.
    pub fn loader(&self) -> Loader {
        match self {
            Self::Json { .. } => Loader::Json,
            Self::Dict { .. } => Loader::Dict,
            Self::DefaultDict { .. } => Loader::DefaultDict,
            Self::List(_) => Loader::List,
            Self::Set(_) => Loader::Set,
            Self::Tuple(_) => Loader::Tuple,
            Self::Slice { .. } => Loader::Slice,
            Self::Bytes { .. } => Loader::Bytes,
            Self::Bytearray { .. } => Loader::Bytearray,
            Self::Type => Loader::Type,
            Self::Function | Self::FunctionV0 { .. } => Loader::Function,
            Self::Partial { .. } => Loader::Partial,
            Self::Method { .. } => Loader::Method,
            Self::OperatorFunc { .. } => Loader::OperatorFunc,
            Self::Object { .. } => Loader::Object,
            Self::ConstructorFromReduce { .. } => Loader::ConstructorFromReduce,
            Self::NdArray(_) => Loader::NdArray,
            Self::MaskedArray { .. } => Loader::MaskedArray,
            Self::DType { .. } => Loader::DType,
            Self::SparseMatrix { .. } => Loader::SparseMatrix,
            Self::RandomState { .. } => Loader::RandomState,
            Self::RandomGenerator { .. } | Self::RandomGeneratorV0 { .. } => {
                Loader::RandomGenerator
            }
            Self::Reduce { kind, .. } => match kind {
                ReduceKind::Tree => Loader::Tree,
                ReduceKind::Loss => Loader::Loss,
                ReduceKind::QuantileForest => Loader::QuantileForest,
            },
            Self::DictWithDeprecatedKeys { .. } => Loader::DictWithDeprecatedKeys,
        }
    }
}

/// One node state of `schema.json`.
#[derive(Debug, Clone, PartialEq)]
pub struct Node {
    /// `__class__`.
    pub class: String,
    /// `__module__`.
    pub module: String,
    /// `__loader__` (always `kind.loader()`).
    pub loader: Loader,
    /// `__id__`, when present.
    pub id: Option<u64>,
    /// The loader-specific part.
    pub kind: NodeKind,
    /// Keys of the state that skops does not read (e.g. JsonNode's `is_json`), in source
    /// order; written back after the node's own keys.
    pub extra: Vec<(Text, Value)>,
}

impl Node {
    /// A node with the loader its kind implies and no extra keys (JsonNodes get skops'
    /// `"is_json": true`).
    pub fn new(
        class: impl Into<String>,
        module: impl Into<String>,
        id: Option<u64>,
        kind: NodeKind,
    ) -> Self {
        let extra = match kind {
            NodeKind::Json { .. } => vec![("is_json".into(), Value::Bool(true))],
            _ => Vec::new(),
        };
        Self {
            class: class.into(),
            module: module.into(),
            loader: kind.loader(),
            id,
            kind,
            extra,
        }
    }

    /// A JsonNode as skops writes it (`builtins.str`, `is_json: true`).
    pub fn json(content: impl Into<Text>, id: Option<u64>) -> Self {
        Self::new(
            "str",
            "builtins",
            id,
            NodeKind::Json {
                content: content.into(),
            },
        )
    }

    /// `"<module>.<class>"`, the type name skops audits.
    pub fn type_name(&self) -> String {
        format!("{}.{}", self.module, self.class)
    }
}

/// How a child hangs from its parent, for building paths such as `steps[1][1].tree_`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ChildKey<'a> {
    /// A named slot of the parent's state, by its JSON key (`"content"`, `"key_types"`,
    /// `"args"`, `"func"`, `"obj"`, `"attrs"`, `"main"`, `"shape"`, ...).
    Attr(&'static str),
    /// A DictNode entry.
    Key(&'a str),
    /// A DictNode entry whose key holds a lone surrogate (so it names no attribute).
    TextKey(&'a Text),
    /// An item of a list, set, tuple or object array.
    Index(usize),
}

/// A parsed `schema.json`.
#[derive(Debug, Clone, PartialEq)]
pub struct Schema {
    nodes: Vec<Node>,
    root: NodeId,
    /// The file's protocol (validated: `0..=PROTOCOL`).
    pub protocol: i64,
    /// `_skops_version` of the root state.
    pub skops_version: Option<Text>,
}

impl Schema {
    /// Parses `schema.json` bytes ([`json::parse_tape`] with `limits.max_json_depth`) and reads
    /// them as skops 0.16's `read_schema` + `get_tree` do.
    pub fn from_json(bytes: &[u8], limits: &Limits) -> Result<Self> {
        let tape = json::parse_tape(bytes, limits.max_json_depth)?;
        read::read_schema(tape.root(), limits)
    }

    /// Reads a parsed `schema.json` with the default [`Limits`].
    pub fn from_value(value: &Value) -> Result<Self> {
        Self::from_value_with_limits(value, &Limits::default())
    }

    /// Reads a parsed `schema.json` as skops 0.16's `read_schema` + `get_tree` do.
    ///
    /// The value is written out and parsed again (the reader works on a [`json::Tape`]), with
    /// no depth limit for the parse: the reader checks the nesting of node states itself.
    pub fn from_value_with_limits(value: &Value, limits: &Limits) -> Result<Self> {
        let text = json::to_string_compact(value);
        let tape = json::parse_tape(text.as_bytes(), u64::MAX)?;
        read::read_schema(tape.root(), limits)
    }

    /// The root node.
    pub fn root(&self) -> NodeId {
        self.root
    }

    /// The node `id` (ids come from this schema; a foreign id out of range gives the root).
    pub fn node(&self, id: NodeId) -> &Node {
        self.nodes
            .get(id.index())
            .or_else(|| self.nodes.get(self.root.index()))
            .unwrap_or(&PLACEHOLDER_NODE)
    }

    /// All nodes, each distinct (memoised) node once, in the order skops builds them.
    pub fn nodes(&self) -> impl ExactSizeIterator<Item = (NodeId, &Node)> {
        self.nodes
            .iter()
            .enumerate()
            .map(|(index, node)| (NodeId(index as u32), node))
    }

    /// The number of distinct nodes.
    pub fn len(&self) -> usize {
        self.nodes.len()
    }

    /// Whether the schema has no nodes (never true for a schema that was read or built).
    pub fn is_empty(&self) -> bool {
        self.nodes.is_empty()
    }

    /// The children of `id`, in the order skops builds them, with how each hangs from it.
    /// A shared node appears under every parent that refers to it.
    pub fn children(&self, id: NodeId) -> Vec<(ChildKey<'_>, NodeId)> {
        node_children(&self.node(id).kind)
    }

    /// Every archive member named by a node's `file` key (bytes, arrays, sparse matrices), once
    /// each, in node order.
    pub fn referenced_files(&self) -> Vec<&str> {
        let mut files: Vec<&str> = Vec::new();
        let mut seen = std::collections::HashSet::new();
        for node in &self.nodes {
            let file = match &node.kind {
                NodeKind::Bytes { file }
                | NodeKind::Bytearray { file }
                | NodeKind::SparseMatrix { file }
                | NodeKind::NdArray(NdArrayStorage::Numpy { file }) => file.as_str(),
                _ => continue,
            };
            if seen.insert(file) {
                files.push(file);
            }
        }
        files
    }

    /// The JSON value skops would write for this schema: each node state in skops' key order,
    /// shared nodes in full at each occurrence, `protocol` and `_skops_version` at the end of
    /// the root.
    pub fn to_value(&self) -> Value {
        write::schema_to_value(self)
    }

    /// `json.dumps(to_value(), indent=2)`, as skops writes `schema.json`.
    pub fn to_json(&self) -> String {
        json::to_string_pretty(&self.to_value())
    }
}

/// Returned by [`Schema::node`] only if a schema had no nodes, which the constructors prevent.
static PLACEHOLDER_NODE: Node = Node {
    class: String::new(),
    module: String::new(),
    loader: Loader::Type,
    id: None,
    kind: NodeKind::Type,
    extra: Vec::new(),
};

/// The children of a node kind, in build order (see [`Schema::children`]).
fn node_children(kind: &NodeKind) -> Vec<(ChildKey<'_>, NodeId)> {
    use ChildKey::{Attr, Index, Key};
    let items = |items: &[NodeId]| -> Vec<(ChildKey<'static>, NodeId)> {
        items
            .iter()
            .enumerate()
            .map(|(index, &child)| (Index(index), child))
            .collect()
    };
    match kind {
        NodeKind::Json { .. }
        | NodeKind::Slice { .. }
        | NodeKind::Bytes { .. }
        | NodeKind::Bytearray { .. }
        | NodeKind::Type
        | NodeKind::Function
        | NodeKind::FunctionV0 { .. }
        | NodeKind::SparseMatrix { .. }
        | NodeKind::RandomGeneratorV0 { .. }
        | NodeKind::NdArray(NdArrayStorage::Numpy { .. })
        | NodeKind::Object { content: None } => Vec::new(),
        NodeKind::Dict { entries, key_types } => {
            let mut children = Vec::with_capacity(entries.len() + 1);
            children.push((Attr("key_types"), *key_types));
            children.extend(entries.iter().map(|(key, child)| match key.as_str() {
                Some(key) => (Key(key), *child),
                None => (ChildKey::TextKey(key), *child),
            }));
            children
        }
        NodeKind::DefaultDict {
            main,
            default_factory,
        } => vec![
            (Attr("main"), *main),
            (Attr("default_factory"), *default_factory),
        ],
        NodeKind::List(content) | NodeKind::Set(content) | NodeKind::Tuple(content) => {
            items(content)
        }
        NodeKind::Partial {
            func,
            args,
            kwds,
            namespace,
        } => vec![
            (Attr("func"), *func),
            (Attr("args"), *args),
            (Attr("kwds"), *kwds),
            (Attr("namespace"), *namespace),
        ],
        NodeKind::Method { obj, .. } => vec![(Attr("obj"), *obj)],
        NodeKind::OperatorFunc { attrs } => vec![(Attr("attrs"), *attrs)],
        NodeKind::Object {
            content: Some(content),
        }
        | NodeKind::ConstructorFromReduce { content }
        | NodeKind::DType { content }
        | NodeKind::RandomState { content } => vec![(Attr("content"), *content)],
        NodeKind::NdArray(NdArrayStorage::Json {
            items: content,
            shape,
        }) => {
            let mut children = items(content);
            children.push((Attr("shape"), *shape));
            children
        }
        NodeKind::MaskedArray { data, mask } => {
            vec![(Attr("data"), *data), (Attr("mask"), *mask)]
        }
        NodeKind::RandomGenerator {
            bit_generator,
            seed_seq,
            ..
        } => {
            let mut children = vec![(Attr("bit_generator"), *bit_generator)];
            if let Some(seed_seq) = seed_seq {
                children.push((Attr("seed_seq"), *seed_seq));
            }
            children
        }
        NodeKind::Reduce { args, state, .. } => {
            vec![(Attr("content"), *state), (Attr("args"), *args)]
        }
        NodeKind::DictWithDeprecatedKeys {
            main,
            deprecated_key_to_new_key,
        } => vec![
            (Attr("main"), *main),
            (
                Attr("_deprecated_key_to_new_key"),
                *deprecated_key_to_new_key,
            ),
        ],
    }
}

#[cfg(test)]
mod tests;
