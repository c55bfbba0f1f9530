//! Reading `schema.json` as skops 0.16's `read_schema` and `get_tree` do, in the same order.

use std::collections::HashMap;

use super::write::{Summary, check_summary, summarize};
use super::{
    Loader, NdArrayStorage, Node, NodeId, NodeKind, PLACEHOLDER_NODE, PROTOCOL, ReduceKind, Schema,
};
use crate::error::SchemaError;
use crate::json::{self, TapeArray, TapeObject, TapeText, TapeValue, Value};
use crate::limits::Limits;
use crate::{Error, Result};

/// Keys every node state may have that the loaders read themselves.
const COMMON_KEYS: [&str; 4] = ["__class__", "__module__", "__loader__", "__id__"];

/// The state keys a node's loader reads besides [`COMMON_KEYS`].
const CONTENT: &[&str] = &["content"];

/// A node's loader-specific part, and the state keys its loader read.
type KindAndKeys = (NodeKind, &'static [&'static str]);

/// Keys of the root state that belong to the file, not to the root node.
const ROOT_KEYS: [&str; 2] = ["protocol", "_skops_version"];

pub(super) fn read_schema(value: TapeValue<'_>, limits: &Limits) -> Result<Schema> {
    let Some(root_state) = value.as_object() else {
        return Err(Error::Schema(SchemaError::NodeNotObject {
            path: "$".to_owned(),
            found: value.type_name(),
        }));
    };
    let protocol = read_protocol(root_state.get("protocol"))?;
    let skops_version = match root_state.get("_skops_version") {
        None => None,
        // skops never reads it, so any string is kept, lone surrogates included.
        Some(version) => match version.as_text() {
            Some(text) => Some(text.to_text()),
            None => {
                return Err(Error::Schema(SchemaError::WrongType {
                    key: "_skops_version".to_owned(),
                    expected: "string",
                    found: version.type_name(),
                    path: "$".to_owned(),
                }));
            }
        },
    };
    let mut reader = Reader {
        protocol,
        limits,
        nodes: Vec::new(),
        summaries: Vec::new(),
        finished: Vec::new(),
        memo: HashMap::new(),
        path: Vec::new(),
    };
    let root = reader.node(value, 1)?;
    let root_summary = reader
        .summaries
        .get(root.index())
        .copied()
        .unwrap_or_default();
    check_summary(root_summary, limits)?;
    let mut nodes = reader.nodes;
    if let Some(root_node) = nodes.get_mut(root.index()) {
        root_node
            .extra
            .retain(|(key, _)| !key.as_str().is_some_and(|key| ROOT_KEYS.contains(&key)));
    }
    Ok(Schema {
        nodes,
        root,
        protocol,
        skops_version,
    })
}

/// skops 0.15+ `read_schema`: the protocol must be an `int` (not a `bool`) in `0..=PROTOCOL`.
fn read_protocol(value: Option<TapeValue<'_>>) -> Result<i64> {
    let number = match value.and_then(TapeValue::as_number) {
        Some(number) if number.is_integer() => number,
        _ => {
            return Err(Error::Schema(SchemaError::InvalidProtocol {
                found: value.map_or_else(|| "None".to_owned(), TapeValue::python_repr),
            }));
        }
    };
    let canonical = number.to_python_text();
    let negative = canonical.starts_with('-');
    match number.as_i64() {
        Some(protocol) if (0..=PROTOCOL).contains(&protocol) => Ok(protocol),
        _ if negative => Err(Error::Schema(SchemaError::ProtocolNegative {
            protocol: canonical,
        })),
        _ => Err(Error::Schema(SchemaError::ProtocolTooNew {
            protocol: canonical,
            supported: PROTOCOL,
        })),
    }
}

/// One step of a JSON path.
#[derive(Clone, Copy)]
enum Step<'v> {
    Key(&'v str),
    /// A key read from the file (a DictNode entry), which may hold a lone surrogate.
    Entry(TapeText<'v>),
    Index(usize),
}

struct Reader<'v, 'l> {
    protocol: i64,
    limits: &'l Limits,
    nodes: Vec<Node>,
    summaries: Vec<Summary>,
    /// Whether each node is complete; a memo hit on an unfinished node is an id cycle.
    finished: Vec<bool>,
    /// `__id__` → node, as skops' `LoadContext.memo`.
    memo: HashMap<u64, NodeId>,
    /// Where the reader is, for error messages.
    path: Vec<Step<'v>>,
}

impl<'v> Reader<'v, '_> {
    /// The current position as a JSONPath (`$["content"]["steps"]["content"][1]`).
    fn path(&self) -> String {
        let mut out = String::from("$");
        for step in &self.path {
            match step {
                Step::Key(key) => {
                    out.push('[');
                    out.push_str(&json::to_string_compact(&Value::from(*key)));
                    out.push(']');
                }
                Step::Entry(key) => {
                    out.push('[');
                    out.push_str(&json::to_string_compact(&Value::String(key.to_text())));
                    out.push(']');
                }
                Step::Index(index) => out.push_str(&format!("[{index}]")),
            }
        }
        out
    }

    fn missing(&self, key: &str) -> Error {
        Error::Schema(SchemaError::MissingKey {
            key: key.to_owned(),
            path: self.path(),
        })
    }

    fn wrong_type(&self, key: &str, expected: &'static str, found: TapeValue<'_>) -> Error {
        Error::Schema(SchemaError::WrongType {
            key: key.to_owned(),
            expected,
            found: found.type_name(),
            path: self.path(),
        })
    }

    fn get(&self, object: TapeObject<'v>, key: &str) -> Result<TapeValue<'v>> {
        object.get(key).ok_or_else(|| self.missing(key))
    }

    /// A string that skops uses as a name: of a module, class, loader, attribute, function or
    /// archive member. No such thing is named with a lone surrogate (skops 0.16 fails on the
    /// file too, on import or lookup), so one is refused here.
    fn get_str(&self, object: TapeObject<'v>, key: &str) -> Result<&'v str> {
        let text = self.get_text(object, key)?;
        text.as_str().ok_or_else(|| {
            Error::Schema(SchemaError::LoneSurrogate {
                key: key.to_owned(),
                value: json::to_string_compact(&Value::String(text.to_text())),
                path: self.path(),
            })
        })
    }

    /// A string, lone surrogates included.
    fn get_text(&self, object: TapeObject<'v>, key: &str) -> Result<TapeText<'v>> {
        let value = self.get(object, key)?;
        value
            .as_text()
            .ok_or_else(|| self.wrong_type(key, "string", value))
    }

    fn get_object(&self, object: TapeObject<'v>, key: &str) -> Result<TapeObject<'v>> {
        let value = self.get(object, key)?;
        value
            .as_object()
            .ok_or_else(|| self.wrong_type(key, "object", value))
    }

    fn get_array(&self, object: TapeObject<'v>, key: &str) -> Result<TapeArray<'v>> {
        let value = self.get(object, key)?;
        value
            .as_array()
            .ok_or_else(|| self.wrong_type(key, "array", value))
    }

    /// Builds the child state found under `steps` (relative to the current node), whose JSON
    /// depth is `depth`.
    fn child(&mut self, state: TapeValue<'v>, steps: &[Step<'v>], depth: u64) -> Result<NodeId> {
        let before = self.path.len();
        self.path.extend_from_slice(steps);
        let result = self.node(state, depth);
        self.path.truncate(before);
        result
    }

    /// `get_tree`: one node state at JSON depth `depth`.
    fn node(&mut self, value: TapeValue<'v>, depth: u64) -> Result<NodeId> {
        Limits::check("schema nesting depth", depth, self.limits.max_json_depth)?;
        let Some(state) = value.as_object() else {
            return Err(Error::Schema(SchemaError::NodeNotObject {
                path: self.path(),
                found: value.type_name(),
            }));
        };
        let saved_id = match state.get("__id__") {
            None => None,
            Some(id) => Some(
                id.as_u64()
                    .ok_or_else(|| self.wrong_type("__id__", "non-negative integer", id))?,
            ),
        };
        if let Some(id) = saved_id {
            if let Some(&existing) = self.memo.get(&id) {
                if self.finished.get(existing.index()).copied() != Some(true) {
                    return Err(Error::Schema(SchemaError::IdCycle {
                        id,
                        path: self.path(),
                    }));
                }
                return Ok(existing);
            }
        }
        let loader_name = self.get_str(state, "__loader__")?;
        let loader = match Loader::from_name(loader_name) {
            Some(loader) => loader,
            None => {
                let module = self.get_str(state, "__module__")?;
                let class = self.get_str(state, "__class__")?;
                if loader_name == "CachedNode" {
                    // Reached only when the id is not in the memo (see above).
                    return Err(Error::Schema(SchemaError::CachedNodeUnknownId {
                        id: saved_id,
                        path: self.path(),
                    }));
                }
                return Err(Error::Schema(SchemaError::UnknownLoader {
                    loader: loader_name.to_owned(),
                    module: module.to_owned(),
                    class: class.to_owned(),
                    protocol: self.protocol,
                    path: self.path(),
                }));
            }
        };
        let class = self.get_str(state, "__class__")?;
        let module = self.get_str(state, "__module__")?;
        // `Node.__init__` memoises the node before its children are built.
        let id = NodeId::from_index(self.nodes.len())?;
        self.nodes.push(PLACEHOLDER_NODE.clone());
        self.summaries.push(Summary::default());
        self.finished.push(false);
        if let Some(saved) = saved_id.filter(|&saved| saved != 0) {
            self.memo.insert(saved, id);
        }
        let (kind, used) = self.kind(loader, state, class, module, depth)?;
        let extra = state
            .dict_entries()
            .into_iter()
            .filter(|(key, _)| {
                !key.as_str()
                    .is_some_and(|key| COMMON_KEYS.contains(&key) || used.contains(&key))
            })
            .map(|(key, value)| (key.to_text(), value.to_value()))
            .collect();
        let node = Node {
            class: class.to_owned(),
            module: module.to_owned(),
            loader,
            id: saved_id,
            kind,
            extra,
        };
        let summary = summarize(&node, |child| {
            self.summaries
                .get(child.index())
                .copied()
                .unwrap_or_default()
        });
        let index = id.index();
        if let (Some(slot), Some(summary_slot), Some(finished)) = (
            self.nodes.get_mut(index),
            self.summaries.get_mut(index),
            self.finished.get_mut(index),
        ) {
            *slot = node;
            *summary_slot = summary;
            *finished = true;
        }
        Ok(id)
    }

    /// The loader-specific part of a node, and the state keys it read.
    fn kind(
        &mut self,
        loader: Loader,
        state: TapeObject<'v>,
        class: &str,
        module: &str,
        depth: u64,
    ) -> Result<KindAndKeys> {
        let kind = match loader {
            Loader::Json => NodeKind::Json {
                content: self.get_text(state, "content")?.to_text(),
            },
            Loader::Dict => return self.dict(state, depth),
            Loader::DefaultDict => {
                let [main, default_factory] =
                    self.content_children(state, ["main", "default_factory"], depth)?;
                NodeKind::DefaultDict {
                    main,
                    default_factory,
                }
            }
            Loader::List | Loader::Set | Loader::Tuple => {
                let items = self.items(state, depth)?;
                match loader {
                    Loader::List => NodeKind::List(items),
                    Loader::Set => NodeKind::Set(items),
                    _ => NodeKind::Tuple(items),
                }
            }
            Loader::Slice => self.slice(state)?,
            Loader::Bytes | Loader::Bytearray => {
                let file = self.get_str(state, "file")?.to_owned();
                let kind = if loader == Loader::Bytes {
                    NodeKind::Bytes { file }
                } else {
                    NodeKind::Bytearray { file }
                };
                return Ok((kind, &["file"]));
            }
            Loader::Type => return Ok((NodeKind::Type, &[])),
            Loader::Function if self.protocol == 0 => self.function_v0(state)?,
            Loader::Function => return Ok((NodeKind::Function, &[])),
            Loader::Partial => {
                let [func, args, kwds, namespace] =
                    self.content_children(state, ["func", "args", "kwds", "namespace"], depth)?;
                NodeKind::Partial {
                    func,
                    args,
                    kwds,
                    namespace,
                }
            }
            Loader::Method => self.method(state, class, module, depth)?,
            Loader::OperatorFunc => return self.operator_func(state, module, depth),
            Loader::Object => return self.object(state, depth),
            Loader::ConstructorFromReduce | Loader::DType | Loader::RandomState => {
                let content = self.get(state, "content")?;
                let content = self.child(content, &[Step::Key("content")], depth + 1)?;
                match loader {
                    Loader::ConstructorFromReduce => NodeKind::ConstructorFromReduce { content },
                    Loader::DType => NodeKind::DType { content },
                    _ => NodeKind::RandomState { content },
                }
            }
            Loader::NdArray => return self.ndarray(state, depth),
            Loader::MaskedArray => {
                let [data, mask] = self.content_children(state, ["data", "mask"], depth)?;
                NodeKind::MaskedArray { data, mask }
            }
            Loader::SparseMatrix => return self.sparse_matrix(state, class, module),
            Loader::RandomGenerator => self.random_generator(state, depth)?,
            Loader::Tree | Loader::Loss | Loader::QuantileForest => {
                return self.reduce(loader, state, depth);
            }
            Loader::DictWithDeprecatedKeys => {
                let [main, deprecated_key_to_new_key] =
                    self.content_children(state, ["main", "_deprecated_key_to_new_key"], depth)?;
                NodeKind::DictWithDeprecatedKeys {
                    main,
                    deprecated_key_to_new_key,
                }
            }
        };
        Ok((kind, CONTENT))
    }

    /// `DictNode`: the key types, then each entry of `content`.
    fn dict(&mut self, state: TapeObject<'v>, depth: u64) -> Result<KindAndKeys> {
        let key_types = self.get(state, "key_types")?;
        let key_types = self.child(key_types, &[Step::Key("key_types")], depth + 1)?;
        let content = self.get_object(state, "content")?;
        let mut entries = Vec::with_capacity(content.len());
        for (key, value) in content.dict_entries() {
            let child = self.child(value, &[Step::Key("content"), Step::Entry(key)], depth + 2)?;
            entries.push((key.to_text(), child));
        }
        Ok((
            NodeKind::Dict { entries, key_types },
            &["content", "key_types"],
        ))
    }

    /// `SliceNode`: the JSON values `start`, `stop` and `step` of `content`.
    fn slice(&mut self, state: TapeObject<'v>) -> Result<NodeKind> {
        let content = self.get_object(state, "content")?;
        self.path.push(Step::Key("content"));
        let bounds =
            ["start", "stop", "step"].map(|key| self.get(content, key).map(TapeValue::to_value));
        self.path.pop();
        let [start, stop, step] = bounds;
        Ok(NodeKind::Slice {
            start: start?,
            stop: stop?,
            step: step?,
        })
    }

    /// Protocol 0's `FunctionNode`: `module_path` and `function` in `content`.
    fn function_v0(&mut self, state: TapeObject<'v>) -> Result<NodeKind> {
        let content = self.get_object(state, "content")?;
        self.path.push(Step::Key("content"));
        let module_path = self.get_str(content, "module_path").map(str::to_owned);
        let function = self.get_str(content, "function").map(str::to_owned);
        self.path.pop();
        Ok(NodeKind::FunctionV0 {
            module_path: module_path?,
            function: function?,
        })
    }

    /// `MethodNode`: the instance `obj`, which must be of the method's class, and `func`.
    fn method(
        &mut self,
        state: TapeObject<'v>,
        class: &str,
        module: &str,
        depth: u64,
    ) -> Result<NodeKind> {
        let content = self.get_object(state, "content")?;
        self.path.push(Step::Key("content"));
        let obj_state = self.get(content, "obj");
        self.path.pop();
        let obj = self.child(
            obj_state?,
            &[Step::Key("content"), Step::Key("obj")],
            depth + 2,
        )?;
        // skops 0.12+ hardening: the method's class must be the instance's class.
        let obj_node = self.nodes.get(obj.index()).unwrap_or(&PLACEHOLDER_NODE);
        if obj_node.module != module || obj_node.class != class {
            return Err(Error::Schema(SchemaError::MethodTypeMismatch {
                expected_module: module.to_owned(),
                expected_class: class.to_owned(),
                found_module: obj_node.module.clone(),
                found_class: obj_node.class.clone(),
                path: self.path(),
            }));
        }
        self.path.push(Step::Key("content"));
        let func = self.get_str(content, "func").map(str::to_owned);
        self.path.pop();
        Ok(NodeKind::Method { func: func?, obj })
    }

    /// `OperatorFuncNode`: a function of the `operator` module, and its `attrs`.
    fn operator_func(
        &mut self,
        state: TapeObject<'v>,
        module: &str,
        depth: u64,
    ) -> Result<KindAndKeys> {
        if module != "operator" {
            return Err(Error::Schema(SchemaError::OperatorModule {
                module: module.to_owned(),
                path: self.path(),
            }));
        }
        let attrs = self.get(state, "attrs")?;
        let attrs = self.child(attrs, &[Step::Key("attrs")], depth + 1)?;
        Ok((NodeKind::OperatorFunc { attrs }, &["attrs"]))
    }

    /// `ObjectNode`: its state `content`, if any.
    fn object(&mut self, state: TapeObject<'v>, depth: u64) -> Result<KindAndKeys> {
        // `state.get("content")`: absent and `null` both mean no state.
        match state.get("content").filter(|content| !content.is_null()) {
            None => Ok((NodeKind::Object { content: None }, &[])),
            Some(content) => {
                let content = self.child(content, &[Step::Key("content")], depth + 1)?;
                Ok((
                    NodeKind::Object {
                        content: Some(content),
                    },
                    CONTENT,
                ))
            }
        }
    }

    /// `NdArrayNode`: a `.npy` member (`type` "numpy") or JSON items and a shape ("json").
    fn ndarray(&mut self, state: TapeObject<'v>, depth: u64) -> Result<KindAndKeys> {
        let array_type = self.get(state, "type")?;
        match array_type.as_str() {
            Some("numpy") => {
                let file = self.get_str(state, "file")?.to_owned();
                Ok((
                    NodeKind::NdArray(NdArrayStorage::Numpy { file }),
                    &["type", "file"],
                ))
            }
            Some("json") => {
                let content = self.get_array(state, "content")?;
                let mut items = Vec::with_capacity(content.len());
                for (index, item) in content.iter().enumerate() {
                    items.push(self.child(
                        item,
                        &[Step::Key("content"), Step::Index(index)],
                        depth + 2,
                    )?);
                }
                let shape = self.get(state, "shape")?;
                let shape = self.child(shape, &[Step::Key("shape")], depth + 1)?;
                Ok((
                    NodeKind::NdArray(NdArrayStorage::Json { items, shape }),
                    &["content", "type", "shape"],
                ))
            }
            text => Err(Error::Schema(SchemaError::UnknownArrayType {
                // Python formats the value with `str()`.
                found: text.map_or_else(|| array_type.python_repr(), str::to_owned),
                path: self.path(),
            })),
        }
    }

    /// `SparseMatrixNode`: a scipy `.npz` member.
    fn sparse_matrix(
        &mut self,
        state: TapeObject<'v>,
        class: &str,
        module: &str,
    ) -> Result<KindAndKeys> {
        let sparse_type = self.get(state, "type")?;
        if sparse_type.as_str() != Some("scipy") {
            return Err(Error::Schema(SchemaError::SparseType {
                module: module.to_owned(),
                class: class.to_owned(),
                path: self.path(),
            }));
        }
        let file = self.get_str(state, "file")?.to_owned();
        Ok((NodeKind::SparseMatrix { file }, &["type", "file"]))
    }

    /// `TreeNode`, `LossNode` and `QuantileForestNode`: the constructor arguments in
    /// `__reduce__` and the attributes in `content`.
    fn reduce(&mut self, loader: Loader, state: TapeObject<'v>, depth: u64) -> Result<KindAndKeys> {
        let reduce = self.get_object(state, "__reduce__")?;
        let content = self.get(state, "content")?;
        let attrs = self.child(content, &[Step::Key("content")], depth + 1)?;
        self.path.push(Step::Key("__reduce__"));
        let args = self.get(reduce, "args");
        self.path.pop();
        let args = self.child(
            args?,
            &[Step::Key("__reduce__"), Step::Key("args")],
            depth + 2,
        )?;
        let kind = match loader {
            Loader::Tree => ReduceKind::Tree,
            Loader::Loss => ReduceKind::Loss,
            _ => ReduceKind::QuantileForest,
        };
        let position = |key: &str| state.keys().position(|name| name == key);
        let loader_first = position("__loader__") < position("__reduce__");
        Ok((
            NodeKind::Reduce {
                kind,
                args,
                state: attrs,
                loader_first,
            },
            &["__reduce__", "content"],
        ))
    }

    /// The node states `content[key]` for each key, built in order.
    fn content_children<const N: usize>(
        &mut self,
        state: TapeObject<'v>,
        keys: [&'static str; N],
        depth: u64,
    ) -> Result<[NodeId; N]> {
        let content = self.get_object(state, "content")?;
        let mut children = [NodeId(0); N];
        for (slot, key) in children.iter_mut().zip(keys) {
            self.path.push(Step::Key("content"));
            let child_state = self.get(content, key);
            self.path.pop();
            *slot = self.child(
                child_state?,
                &[Step::Key("content"), Step::Key(key)],
                depth + 2,
            )?;
        }
        Ok(children)
    }

    /// The node states of the `content` array, built in order.
    fn items(&mut self, state: TapeObject<'v>, depth: u64) -> Result<Vec<NodeId>> {
        let content = self.get_array(state, "content")?;
        let mut items = Vec::with_capacity(content.len());
        for (index, item) in content.iter().enumerate() {
            items.push(self.child(item, &[Step::Key("content"), Step::Index(index)], depth + 2)?);
        }
        Ok(items)
    }

    /// The three protocol forms of `RandomGeneratorNode`.
    fn random_generator(&mut self, state: TapeObject<'v>, depth: u64) -> Result<NodeKind> {
        let content = self.get_object(state, "content")?;
        self.path.push(Step::Key("content"));
        let raw = self.get(content, "bit_generator");
        self.path.pop();
        let raw = raw?;
        if self.protocol == 0 {
            return Ok(NodeKind::RandomGeneratorV0 {
                raw: raw.to_value(),
            });
        }
        let bit_generator = self.child(
            raw,
            &[Step::Key("content"), Step::Key("bit_generator")],
            depth + 2,
        )?;
        let seed_seq = if self.protocol >= 2 {
            self.path.push(Step::Key("content"));
            let seed_state = self.get(content, "seed_seq");
            self.path.pop();
            Some(self.child(
                seed_state?,
                &[Step::Key("content"), Step::Key("seed_seq")],
                depth + 2,
            )?)
        } else {
            None
        };
        // skops 0.15+ reads the name from the raw state, before anything is constructed.
        let name = raw
            .as_object()
            .and_then(|state| state.get("content"))
            .and_then(TapeValue::as_object)
            .and_then(|content| content.get("bit_generator"))
            .and_then(TapeValue::as_object)
            .and_then(|name_state| name_state.get("content"))
            .and_then(TapeValue::as_text)
            .and_then(|text| {
                json::parse(text.surrogatepass_bytes(), self.limits.max_json_depth).ok()
            });
        let Some(Value::String(name)) = name else {
            return Err(Error::Schema(SchemaError::BitGeneratorNameMissing {
                path: self.path(),
            }));
        };
        // The name becomes the type `numpy.random.<name>`, which no surrogate can name.
        let Some(bit_generator_name) = name.as_str().map(str::to_owned) else {
            return Err(Error::Schema(SchemaError::LoneSurrogate {
                key: "bit_generator".to_owned(),
                value: json::to_string_compact(&Value::String(name)),
                path: self.path(),
            }));
        };
        Ok(NodeKind::RandomGenerator {
            bit_generator,
            seed_seq,
            bit_generator_name,
        })
    }
}
