//! Writing a [`Schema`] back to JSON in skops' layout, and building one node by node.

use super::{NdArrayStorage, Node, NodeId, NodeKind, PROTOCOL, Schema, node_children};
use crate::error::SchemaError;
use crate::json::{Number, Object, Text, Value};
use crate::limits::Limits;
use crate::{Error, Result};

/// Sizes of a node's full expansion, kept while a schema is read or built so that writing and
/// walking it stay bounded.
#[derive(Debug, Clone, Copy, Default)]
pub(super) struct Summary {
    /// Node states in the expansion (shared nodes counted at each occurrence).
    pub(super) expanded: u64,
    /// JSON nesting depth of the node's state as [`Schema::to_value`] writes it.
    pub(super) depth: u64,
}

/// The [`Summary`] of `node`, given those of its children.
pub(super) fn summarize(node: &Node, child: impl Fn(NodeId) -> Summary) -> Summary {
    let mut expanded: u64 = 1;
    for (_, id) in node_children(&node.kind) {
        expanded = expanded.saturating_add(child(id).expanded);
    }
    let depth_of = |id: NodeId| child(id).depth;
    // Depth of a container member holding the given children (an empty one still nests).
    let inside = |ids: &mut dyn Iterator<Item = NodeId>| {
        1 + ids.map(|id| child(id).depth).max().unwrap_or(0)
    };
    let kind_depth = match &node.kind {
        NodeKind::Json { .. }
        | NodeKind::Bytes { .. }
        | NodeKind::Bytearray { .. }
        | NodeKind::Type
        | NodeKind::Function
        | NodeKind::SparseMatrix { .. }
        | NodeKind::NdArray(NdArrayStorage::Numpy { .. })
        | NodeKind::Object { content: None } => 0,
        NodeKind::FunctionV0 { .. } => 1,
        NodeKind::Dict { entries, key_types } => {
            inside(&mut entries.iter().map(|(_, id)| *id)).max(depth_of(*key_types))
        }
        NodeKind::List(items) | NodeKind::Set(items) | NodeKind::Tuple(items) => {
            inside(&mut items.iter().copied())
        }
        NodeKind::NdArray(NdArrayStorage::Json { items, shape }) => {
            inside(&mut items.iter().copied()).max(depth_of(*shape))
        }
        NodeKind::Slice { start, stop, step } => {
            1 + value_depth(start)
                .max(value_depth(stop))
                .max(value_depth(step))
        }
        NodeKind::RandomGeneratorV0 { raw } => 2 + value_depth(raw),
        NodeKind::Object {
            content: Some(content),
        }
        | NodeKind::ConstructorFromReduce { content }
        | NodeKind::DType { content }
        | NodeKind::RandomState { content }
        | NodeKind::OperatorFunc { attrs: content } => depth_of(*content),
        NodeKind::Reduce { args, state, .. } => (1 + depth_of(*args)).max(depth_of(*state)),
        NodeKind::DefaultDict { .. }
        | NodeKind::Partial { .. }
        | NodeKind::Method { .. }
        | NodeKind::MaskedArray { .. }
        | NodeKind::RandomGenerator { .. }
        | NodeKind::DictWithDeprecatedKeys { .. } => {
            inside(&mut node_children(&node.kind).into_iter().map(|(_, id)| id))
        }
    };
    let extra_depth = node
        .extra
        .iter()
        .map(|(_, value)| value_depth(value))
        .max()
        .unwrap_or(0);
    Summary {
        expanded,
        depth: 1 + kind_depth.max(extra_depth),
    }
}

/// Nesting depth of a JSON value (scalars 0), without recursion.
fn value_depth(value: &Value) -> u64 {
    let mut deepest = 0;
    let mut pending: Vec<(&Value, u64)> = vec![(value, 0)];
    while let Some((value, depth)) = pending.pop() {
        match value {
            Value::Array(items) => {
                deepest = deepest.max(depth + 1);
                pending.extend(items.iter().map(|item| (item, depth + 1)));
            }
            Value::Object(object) => {
                deepest = deepest.max(depth + 1);
                pending.extend(object.iter().map(|(_, item)| (item, depth + 1)));
            }
            _ => {}
        }
    }
    deepest
}

/// Checks a finished schema's root summary against the limits.
pub(super) fn check_summary(root: Summary, limits: &Limits) -> Result<()> {
    Limits::check(
        "schema node count with shared nodes expanded",
        root.expanded,
        limits.max_expanded_nodes,
    )?;
    Limits::check(
        "schema JSON depth with shared nodes expanded",
        root.depth,
        limits.max_json_depth,
    )
}

/// Builds the value of the whole schema, node by node with an explicit stack.
pub(super) fn schema_to_value(schema: &Schema) -> Value {
    struct Frame {
        id: NodeId,
        children: Vec<NodeId>,
        values: Vec<Value>,
    }
    let frame = |id: NodeId| Frame {
        id,
        children: node_children(&schema.node(id).kind)
            .into_iter()
            .map(|(_, child)| child)
            .collect(),
        values: Vec::new(),
    };
    let mut stack = vec![frame(schema.root())];
    loop {
        let Some(top) = stack.last_mut() else {
            return Value::Null;
        };
        if let Some(&child) = top.children.get(top.values.len()) {
            stack.push(frame(child));
            continue;
        }
        let Some(done) = stack.pop() else {
            return Value::Null;
        };
        let mut value = node_value(schema.node(done.id), done.values);
        match stack.last_mut() {
            Some(parent) => parent.values.push(value),
            None => {
                if let Value::Object(root) = &mut value {
                    root.push("protocol", Number::from_i64(schema.protocol));
                    if let Some(version) = &schema.skops_version {
                        root.push("_skops_version", version.clone());
                    }
                }
                return value;
            }
        }
    }
}

/// One node's state, given its children's values in [`node_children`] order.
fn node_value(node: &Node, children: Vec<Value>) -> Value {
    let mut children = children.into_iter();
    let mut next = || children.next().unwrap_or(Value::Null);
    let mut state = Object::with_capacity(6 + node.extra.len());
    state.push("__class__", node.class.as_str());
    state.push("__module__", node.module.as_str());
    let object = |members: Vec<(&str, Value)>| -> Value {
        Value::Object(
            members
                .into_iter()
                .map(|(key, value)| (key.to_owned(), value))
                .collect(),
        )
    };
    if let NodeKind::Reduce { loader_first, .. } = node.kind {
        // skops writes the reduce family as __class__, __module__, __reduce__, content,
        // __loader__ (Cython losses: __loader__ first).
        let state_value = next();
        let args = next();
        if loader_first {
            state.push("__loader__", node.loader.name());
        }
        state.push("__reduce__", object(vec![("args", args)]));
        state.push("content", state_value);
        if !loader_first {
            state.push("__loader__", node.loader.name());
        }
    } else {
        state.push("__loader__", node.loader.name());
        match &node.kind {
            NodeKind::Json { content } => state.push("content", content.clone()),
            NodeKind::Dict { entries, .. } => {
                let key_types = next();
                let content: Object = entries
                    .iter()
                    .map(|(key, _)| (key.clone(), next()))
                    .collect();
                state.push("content", content);
                state.push("key_types", key_types);
            }
            NodeKind::List(items) | NodeKind::Set(items) | NodeKind::Tuple(items) => {
                let content: Vec<Value> = items.iter().map(|_| next()).collect();
                state.push("content", content);
            }
            NodeKind::Slice { start, stop, step } => state.push(
                "content",
                object(vec![
                    ("start", start.clone()),
                    ("stop", stop.clone()),
                    ("step", step.clone()),
                ]),
            ),
            NodeKind::Bytes { file } | NodeKind::Bytearray { file } => {
                state.push("file", file.as_str())
            }
            NodeKind::Type | NodeKind::Function | NodeKind::Object { content: None } => {}
            NodeKind::FunctionV0 {
                module_path,
                function,
            } => state.push(
                "content",
                object(vec![
                    ("module_path", module_path.as_str().into()),
                    ("function", function.as_str().into()),
                ]),
            ),
            NodeKind::DefaultDict { .. } => {
                let main = next();
                let factory = next();
                state.push(
                    "content",
                    object(vec![("main", main), ("default_factory", factory)]),
                );
            }
            NodeKind::Partial { .. } => {
                let members = vec![
                    ("func", next()),
                    ("args", next()),
                    ("kwds", next()),
                    ("namespace", next()),
                ];
                state.push("content", object(members));
            }
            NodeKind::Method { func, .. } => {
                let obj = next();
                state.push(
                    "content",
                    object(vec![("func", func.as_str().into()), ("obj", obj)]),
                );
            }
            NodeKind::OperatorFunc { .. } => state.push("attrs", next()),
            NodeKind::Object { content: Some(_) }
            | NodeKind::ConstructorFromReduce { .. }
            | NodeKind::DType { .. }
            | NodeKind::RandomState { .. } => state.push("content", next()),
            NodeKind::NdArray(NdArrayStorage::Numpy { file }) => {
                state.push("type", "numpy");
                state.push("file", file.as_str());
            }
            NodeKind::NdArray(NdArrayStorage::Json { items, .. }) => {
                let content: Vec<Value> = items.iter().map(|_| next()).collect();
                state.push("content", content);
                state.push("type", "json");
                state.push("shape", next());
            }
            NodeKind::MaskedArray { .. } => {
                let members = vec![("data", next()), ("mask", next())];
                state.push("content", object(members));
            }
            NodeKind::SparseMatrix { file } => {
                state.push("type", "scipy");
                state.push("file", file.as_str());
            }
            NodeKind::RandomGenerator { seed_seq, .. } => {
                let mut members = vec![("bit_generator", next())];
                if seed_seq.is_some() {
                    members.push(("seed_seq", next()));
                }
                state.push("content", object(members));
            }
            NodeKind::RandomGeneratorV0 { raw } => {
                state.push("content", object(vec![("bit_generator", raw.clone())]));
            }
            NodeKind::DictWithDeprecatedKeys { .. } => {
                let members = vec![("main", next()), ("_deprecated_key_to_new_key", next())];
                state.push("content", object(members));
            }
            NodeKind::Reduce { .. } => {}
        }
    }
    for (key, value) in &node.extra {
        state.push(key.clone(), value.clone());
    }
    if let Some(id) = node.id {
        state.push("__id__", Number::from_u64(id));
    }
    Value::Object(state)
}

/// Builds a [`Schema`] bottom-up, for writers: add the children first, then their parent.
#[derive(Debug, Default)]
pub struct SchemaBuilder {
    nodes: Vec<Node>,
    summaries: Vec<Summary>,
}

impl SchemaBuilder {
    /// An empty builder.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds `node`, whose children must already have been added, and returns its id.
    ///
    /// Fails when a child id was not returned by this builder, or when `node.loader` is not
    /// the loader of `node.kind`.
    pub fn add(&mut self, node: Node) -> Result<NodeId> {
        if node.loader != node.kind.loader() {
            return Err(Error::Schema(SchemaError::LoaderMismatch {
                loader: node.loader.name(),
                expected: node.kind.loader().name(),
            }));
        }
        for (_, child) in node_children(&node.kind) {
            if child.index() >= self.nodes.len() {
                return Err(Error::Schema(SchemaError::UnknownNodeId {
                    index: u64::from(child.0),
                }));
            }
        }
        let id = NodeId::from_index(self.nodes.len())?;
        let summary = summarize(&node, |child| {
            self.summaries
                .get(child.index())
                .copied()
                .unwrap_or_default()
        });
        self.nodes.push(node);
        self.summaries.push(summary);
        Ok(id)
    }

    /// The schema rooted at `root`, checked against the default [`Limits`]: the protocol must be
    /// one skops 0.16 reads, and protocol-specific node forms must match it (FunctionNode and
    /// RandomGeneratorNode changed form in protocols 1 and 2). Nodes not reachable from `root`
    /// are kept but never written.
    pub fn finish(
        self,
        root: NodeId,
        protocol: i64,
        skops_version: Option<String>,
    ) -> Result<Schema> {
        if !(0..=PROTOCOL).contains(&protocol) {
            return Err(if protocol < 0 {
                Error::Schema(SchemaError::ProtocolNegative {
                    protocol: protocol.to_string(),
                })
            } else {
                Error::Schema(SchemaError::ProtocolTooNew {
                    protocol: protocol.to_string(),
                    supported: PROTOCOL,
                })
            });
        }
        let Some(&root_summary) = self.summaries.get(root.index()) else {
            return Err(Error::Schema(SchemaError::UnknownNodeId {
                index: u64::from(root.0),
            }));
        };
        for node in &self.nodes {
            let fits = match &node.kind {
                NodeKind::FunctionV0 { .. } | NodeKind::RandomGeneratorV0 { .. } => protocol == 0,
                NodeKind::Function => protocol >= 1,
                NodeKind::RandomGenerator { seed_seq, .. } => {
                    protocol == if seed_seq.is_some() { 2 } else { 1 }
                }
                _ => true,
            };
            if !fits {
                return Err(Error::Schema(SchemaError::NodeProtocolMismatch {
                    loader: node.loader.name(),
                    protocol,
                }));
            }
        }
        check_summary(root_summary, &Limits::default())?;
        Ok(Schema {
            nodes: self.nodes,
            root,
            protocol,
            skops_version: skops_version.map(Text::from),
        })
    }
}
