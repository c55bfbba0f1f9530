//! The rows of skops 0.16's `visualize` tree walk (`skops.io._visualize.walk_tree`), computed
//! from a checked file without Python, and a tolerant variant for tools that show any file.
//!
//! [`tree_rows`] yields what `walk_tree(get_tree(schema, trusted))` yields, row for row,
//! including its quirks:
//! - the root is `root` at level 0 with `is_last` false;
//! - a child's key is its name in the node's `children` dict (`attrs`, `content`, `args`,
//!   `constructor`, ...); dict entries take their own key; every item of a list, set or tuple
//!   is called `content`; `is_last` is the position in the Python container the walk iterates,
//!   counting entries it then skips;
//! - a child called `key_types` (the dict key types, but also a dict entry or object
//!   attribute of that name) is hidden when it is a safe ListNode and fails the walk otherwise;
//! - the children of JSON, bytes, function (protocol 1+), array and sparse nodes are not shown;
//! - `val` is `module.class`, except `json-type(<content>)` for a JsonNode and `reprlib` 's
//!   30-character `repr` of the content for bytes (`bytearray(...)` around it for a bytearray);
//! - a reduce node (Tree, Loss, QuantileForest) has a third child `constructor`, the TypeNode
//!   skops builds for the class it calls;
//! - `is_self_safe` checks the node's type against the node's own trusted list (which holds
//!   the caller's list, except for DefaultDictNode and `_DictWithDeprecatedKeysNode`), and
//!   `is_safe` is skops' `get_unsafe_set()` being empty: the caller's list is *not* subtracted
//!   at the end as the load audit does, so a MethodNode, or a Generator whose bit generator is
//!   not a real one, is never safe there;
//! - where the walk meets a value that is not a node (a method name, slice bounds, the missing
//!   state of an object, protocol 0 function and generator states) skops raises, and so do we
//!   ([`VisualizeError::NotANode`], [`VisualizeError::InvalidKeyTypes`]).
//!
//! [`inspect_rows`] walks the same tree for tools: it never fails on the file's shape, shows
//! raw values as leaf rows (compact JSON), and takes each node's safety from the load audit
//! ([`AuditReport`]), which is what loading with the same trusted list checks.

use std::borrow::Cow;
use std::collections::{HashMap, HashSet};

use crate::audit::{self, AuditReport, TrustReason, TrustTables};
use crate::error::VisualizeError;
use crate::validate::Validator;
use crate::{Error, Result};
use skops_format::file::SkopsFile;
use skops_format::json::{self, Text, TextBuf, Value};
use skops_format::schema::{Loader, NodeId, NodeKind, ReduceKind, Schema};

/// The class `TreeNode` calls whatever the node's own type (skops: `get_module(Tree)`).
const TREE_CONSTRUCTOR: &str = "sklearn.tree._tree.Tree";

/// The class `QuantileForestNode` calls.
const QUANTILE_FOREST_CONSTRUCTOR: &str = "quantile_forest._quantile_forest_fast.QuantileForest";

/// `reprlib.Repr().maxother`: skops formats bytes with a `Repr` whose `maxstring` it sets, but
/// `bytes` has no `repr_bytes`, so the generic limit for other objects applies.
const REPR_MAX_OTHER: usize = 30;

/// Raw values shown by [`inspect_rows`] are cut to this many characters.
const MAX_RAW_VALUE_CHARS: usize = 80;

/// One row of skops' `visualize`: a `NodeInfo`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TreeRow {
    /// How deep the node is (the root is 0).
    pub level: usize,
    /// The name under which the parent holds the node (`root` for the root); a dict key may
    /// hold lone surrogates, as skops' row does.
    pub key: Text,
    /// What the node is: `module.class`, `json-type(...)`, a bytes repr (a JsonNode's text may
    /// hold lone surrogates).
    pub val: Text,
    /// Whether the node's own type is trusted.
    pub is_self_safe: bool,
    /// Whether the node and everything below it are trusted.
    pub is_safe: bool,
    /// Whether the node is the last child of its parent (false for the root).
    pub is_last: bool,
}

/// A row of [`inspect_rows`], with the node it shows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InspectRow {
    /// The row, as skops would show it (safety from the load audit).
    pub row: TreeRow,
    /// The node, or `None` for a reduce node's `constructor` and for raw values.
    pub node: Option<NodeId>,
    /// The validator whose check made the node's type trusted, if one did.
    pub validator: Option<Validator>,
}

/// The rows skops 0.16's `visualize(file, trusted=trusted)` shows for `file`, or the error
/// where its walk raises (see the module documentation).
pub fn tree_rows(file: &SkopsFile<'_>, trusted: &[String]) -> Result<Vec<TreeRow>> {
    schema_tree_rows(file.schema(), trusted, &|member| file.member(member))
}

/// [`tree_rows`] over a schema; `read_member` gives the bytes of an archive member (the
/// content of BytesNodes, which `val` shows).
pub fn schema_tree_rows<'a>(
    schema: &Schema,
    trusted: &[String],
    read_member: &dyn Fn(&str) -> skops_format::Result<Cow<'a, [u8]>>,
) -> Result<Vec<TreeRow>> {
    let report = audit::audit(schema, trusted)?;
    let safety = skops_safety(schema, &report, trusted)?;
    let walker = Walker {
        schema,
        safety: &safety,
        strict: true,
        read_member,
    };
    Ok(walker.walk()?.into_iter().map(|row| row.row).collect())
}

/// The rows of [`tree_rows`] for tools: raw values become leaf rows instead of errors, a
/// `key_types` child that is not a safe ListNode is shown instead of failing, and the safety
/// of each row is the load audit's (`report`, from [`crate::ModelFile::audit`] of the same file).
pub fn inspect_rows(file: &SkopsFile<'_>, report: &AuditReport) -> Result<Vec<InspectRow>> {
    let schema = file.schema();
    let safety = audit_safety(schema, report);
    let walker = Walker {
        schema,
        safety: &safety,
        strict: false,
        read_member: &|member| file.member(member),
    };
    let mut rows = walker.walk()?;
    for row in &mut rows {
        if let Some(id) = row.node
            && let TrustReason::Validated { validator, .. } = report.node(id).reason
        {
            row.validator = Some(validator);
        }
    }
    Ok(rows)
}

/// Per node: what a row shows about its safety.
#[derive(Debug, Clone, Copy, Default)]
struct NodeSafety {
    self_safe: bool,
    safe: bool,
    /// For a reduce node: whether its `constructor` TypeNode trusts the class it calls.
    constructor_safe: bool,
}

/// The safety skops' `visualize` shows (see the module documentation), per node.
fn skops_safety(
    schema: &Schema,
    report: &AuditReport,
    trusted: &[String],
) -> Result<Vec<NodeSafety>> {
    let tables = TrustTables::skops_defaults()?;
    let user: HashSet<&str> = trusted.iter().map(String::as_str).collect();
    let under_loss = under_loss(schema);
    let protocol = schema.protocol;
    let losses = tables.list("ALLOWED_LOSSES");
    let bit_generators = tables.list("NUMPY_RANDOM_BIT_GENERATOR_TYPE_NAMES");
    // Whether `name` is in the trusted list skops gives a node of `loader` (its defaults, the
    // losses a LossNode above it hands down, the caller's list).
    let in_node_list = |index: usize, loader: Loader, name: &str| {
        tables.node_default(loader, protocol).contains(name)
            || user.contains(name)
            || (under_loss.get(index).copied().unwrap_or(false)
                && losses.is_some_and(|list| list.contains(name)))
    };

    let mut own_ok = Vec::with_capacity(schema.len());
    let mut safety = Vec::with_capacity(schema.len());
    for (id, node) in schema.nodes() {
        let audit = report.node(id);
        let self_safe = match &node.kind {
            NodeKind::Json { .. } => true,
            // The audit judges these by something else than their type (never, or the
            // function they import), but `is_self_safe` checks the type.
            NodeKind::Slice { .. } | NodeKind::FunctionV0 { .. } => {
                in_node_list(id.index(), node.loader, &node.type_name())
            }
            _ => match audit.reason {
                // The `visualize` rows audit the schema alone, as skops does: no node is
                // validated there, but a validated one would be safe.
                TrustReason::AlwaysSafe
                | TrustReason::Default { .. }
                | TrustReason::Validated { .. } => true,
                TrustReason::User => !ignores_caller_list(node.loader),
                TrustReason::Untrusted => false,
            },
        };
        // Whether `get_unsafe_set` adds nothing for the node itself.
        let own = match &node.kind {
            NodeKind::Json { .. } | NodeKind::Slice { .. } => true,
            NodeKind::FunctionV0 { .. } => audit.reason != TrustReason::Untrusted,
            // skops adds `<class>.<method>` whatever the caller trusts.
            NodeKind::Method { .. } => false,
            NodeKind::RandomGenerator {
                bit_generator_name, ..
            } => {
                let generator = format!("numpy.random.{bit_generator_name}");
                self_safe && bit_generators.is_some_and(|list| list.contains(&generator))
            }
            _ => self_safe,
        };
        let constructor_safe = match constructor(&node.kind, &node.type_name()) {
            Some(name) => {
                in_node_list(id.index(), node.loader, &name)
                    || tables.node_default(Loader::Type, protocol).contains(&name)
            }
            None => true,
        };
        own_ok.push(own && constructor_safe);
        safety.push(NodeSafety {
            self_safe,
            safe: false,
            constructor_safe,
        });
    }
    for (slot, safe) in safety.iter_mut().zip(subtree_all(schema, &own_ok)) {
        slot.safe = safe;
    }
    Ok(safety)
}

/// The safety the load audit gives each node (the caller's list subtracted).
fn audit_safety(schema: &Schema, report: &AuditReport) -> Vec<NodeSafety> {
    schema
        .nodes()
        .map(|(id, node)| {
            let audit = report.node(id);
            let constructor_safe = constructor(&node.kind, &node.type_name())
                .is_none_or(|name| !audit.untrusted_names.contains(&name));
            NodeSafety {
                self_safe: audit.self_safe,
                safe: audit.safe,
                constructor_safe,
            }
        })
        .collect()
}

/// The class a reduce node calls, shown as its `constructor` child.
fn constructor(kind: &NodeKind, type_name: &str) -> Option<String> {
    match kind {
        NodeKind::Reduce { kind, .. } => Some(match kind {
            ReduceKind::Tree => TREE_CONSTRUCTOR.to_owned(),
            ReduceKind::QuantileForest => QUANTILE_FOREST_CONSTRUCTOR.to_owned(),
            ReduceKind::Loss => type_name.to_owned(),
        }),
        _ => None,
    }
}

/// Loaders whose node sets its trusted list outright, without the caller's list.
fn ignores_caller_list(loader: Loader) -> bool {
    matches!(loader, Loader::DefaultDict | Loader::DictWithDeprecatedKeys)
}

/// Per node: whether skops builds it below a LossNode, which hands its trusted list (with
/// `ALLOWED_LOSSES`) down to every node it builds. A shared node is built where the walk in
/// build order first reaches it.
fn under_loss(schema: &Schema) -> Vec<bool> {
    let mut under = vec![false; schema.len()];
    let mut seen = vec![false; schema.len()];
    let mut stack = vec![(schema.root(), false)];
    while let Some((id, inherited)) = stack.pop() {
        match seen.get_mut(id.index()) {
            Some(flag) if !*flag => *flag = true,
            _ => continue,
        }
        if let Some(slot) = under.get_mut(id.index()) {
            *slot = inherited;
        }
        let hands_down = inherited || schema.node(id).loader == Loader::Loss;
        // Reversed, so the first child is entered first, as in the recursive `get_tree`.
        stack.extend(
            schema
                .children(id)
                .into_iter()
                .rev()
                .map(|(_, child)| (child, hands_down)),
        );
    }
    under
}

/// For each node: whether it and every node below it are `own_ok` (the audit's postorder walk,
/// started from every node so that nodes the root does not reach get a value too).
fn subtree_all(schema: &Schema, own_ok: &[bool]) -> Vec<bool> {
    let ids: Vec<NodeId> = schema.nodes().map(|(id, _)| id).collect();
    crate::audit::paths::subtree_safe_from(
        ids.iter().map(|id| id.index()),
        schema.len(),
        |index| own_ok.get(index).copied().unwrap_or(false),
        |index| {
            ids.get(index)
                .map(|&id| {
                    schema
                        .children(id)
                        .into_iter()
                        .map(|(_, child)| child.index())
                        .collect()
                })
                .unwrap_or_default()
        },
    )
}

/// A raw value the walk meets among a node's children.
#[derive(Debug, Clone, Copy)]
enum Raw<'s> {
    /// A JSON value of the state (slice bounds, a protocol 0 generator state).
    Json(&'s Value),
    /// A string (a method name, a protocol 0 function's module or name).
    Str(&'s str),
    /// `None` (the state of an ObjectNode saved without one).
    None,
}

impl Raw<'_> {
    /// The Python type skops' walk reports for it.
    fn python_type(self) -> &'static str {
        match self {
            Raw::Json(Value::Null) | Raw::None => "NoneType",
            Raw::Json(Value::Bool(_)) => "bool",
            Raw::Json(Value::Number(number)) if number.is_integer() => "int",
            Raw::Json(Value::Number(_)) => "float",
            Raw::Json(Value::String(_)) | Raw::Str(_) => "str",
            Raw::Json(Value::Array(_)) => "list",
            Raw::Json(Value::Object(_)) => "dict",
        }
    }

    /// How [`inspect_rows`] shows it.
    fn display(self) -> String {
        let text = match self {
            Raw::Json(value) => json::to_string_compact(value),
            Raw::Str(text) => json::to_string_compact(&Value::from(text)),
            Raw::None => "null".to_owned(),
        };
        if text.chars().count() <= MAX_RAW_VALUE_CHARS {
            return text;
        }
        let mut cut: String = text.chars().take(MAX_RAW_VALUE_CHARS - 3).collect();
        cut.push_str("...");
        cut
    }
}

/// One entry of a node's `children` dict, as skops' walk iterates it.
enum Child<'s> {
    /// A node.
    Node(&'static str, NodeId),
    /// A dict of nodes (DictNode `content`): each entry under its own key.
    Map(Vec<(&'s Text, NodeId)>),
    /// A list of nodes (`content` of a list, set or tuple): each item under the list's key.
    List(&'static str, &'s [NodeId]),
    /// A reduce node's `constructor` TypeNode.
    Constructor(String),
    /// A raw value.
    Raw(&'s str, Raw<'s>),
}

/// Something left to visit, in preorder.
struct Item<'s> {
    key: RowKey<'s>,
    level: usize,
    is_last: bool,
    /// The node that holds it (for error paths).
    parent: Option<NodeId>,
    what: What<'s>,
}

/// The key of a row: a name of skops' own, or a dict key from the file.
#[derive(Clone, Copy)]
enum RowKey<'s> {
    Name(&'s str),
    Text(&'s Text),
}

impl RowKey<'_> {
    fn is(self, name: &str) -> bool {
        match self {
            Self::Name(own) => own == name,
            Self::Text(text) => text == name,
        }
    }

    fn to_text(self) -> Text {
        match self {
            Self::Name(name) => name.into(),
            Self::Text(text) => text.clone(),
        }
    }
}

impl std::fmt::Display for RowKey<'_> {
    /// For error paths: a lone surrogate escaped.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Name(name) => f.write_str(name),
            Self::Text(text) => write!(f, "{text}"),
        }
    }
}

enum What<'s> {
    Node(NodeId),
    Constructor(String),
    Raw(Raw<'s>),
}

/// The walk itself: `walk_tree` without recursion.
struct Walker<'s, 'r, 'a> {
    schema: &'s Schema,
    safety: &'r [NodeSafety],
    /// Fail where skops fails ([`tree_rows`]), or show what is there ([`inspect_rows`]).
    strict: bool,
    read_member: &'r dyn Fn(&str) -> skops_format::Result<Cow<'a, [u8]>>,
}

impl<'s> Walker<'s, '_, '_> {
    fn safety(&self, id: NodeId) -> NodeSafety {
        self.safety.get(id.index()).copied().unwrap_or_default()
    }

    fn walk(&self) -> Result<Vec<InspectRow>> {
        let mut rows = Vec::new();
        // A shared node is shown under each parent, but a bytes node's member is read (and
        // decompressed) once: the rows stand for up to `max_expanded_nodes` nodes.
        let mut bytes_values = HashMap::new();
        let mut stack = vec![Item {
            key: RowKey::Name("root"),
            level: 0,
            is_last: false,
            parent: None,
            what: What::Node(self.schema.root()),
        }];
        while let Some(item) = stack.pop() {
            if item.key.is("key_types") && self.hides_key_types(&item)? {
                continue;
            }
            match item.what {
                What::Node(id) => {
                    let safety = self.safety(id);
                    rows.push(InspectRow {
                        row: TreeRow {
                            level: item.level,
                            key: item.key.to_text(),
                            val: self.format(id, &mut bytes_values)?,
                            is_self_safe: safety.self_safe,
                            is_safe: safety.safe,
                            is_last: item.is_last,
                        },
                        node: Some(id),
                        validator: None,
                    });
                    let first = stack.len();
                    self.push_children(id, item.level + 1, &mut stack);
                    // Pushed in walk order; the stack pops the last first.
                    if let Some(pushed) = stack.get_mut(first..) {
                        pushed.reverse();
                    }
                }
                What::Constructor(name) => {
                    let safe = item
                        .parent
                        .is_some_and(|parent| self.safety(parent).constructor_safe);
                    rows.push(InspectRow {
                        row: TreeRow {
                            level: item.level,
                            key: item.key.to_text(),
                            val: name.into(),
                            is_self_safe: safe,
                            is_safe: safe,
                            is_last: item.is_last,
                        },
                        node: None,
                        validator: None,
                    });
                }
                What::Raw(raw) => self.raw(&item, raw, &mut rows, &mut stack)?,
            }
        }
        Ok(rows)
    }

    /// skops hides a `key_types` child that is a safe ListNode, and raises for anything else;
    /// the tolerant walk shows anything else.
    fn hides_key_types(&self, item: &Item<'s>) -> Result<bool> {
        let hidden = match item.what {
            What::Node(id) => self.schema.node(id).loader == Loader::List && self.safety(id).safe,
            What::Constructor(_) | What::Raw(_) => false,
        };
        if hidden || !self.strict {
            return Ok(hidden);
        }
        Err(Error::Visualize(VisualizeError::InvalidKeyTypes {
            path: self.path(item),
        }))
    }

    /// A raw value: skops walks into dicts and lists of them and raises at anything else.
    fn raw(
        &self,
        item: &Item<'s>,
        raw: Raw<'s>,
        rows: &mut Vec<InspectRow>,
        stack: &mut Vec<Item<'s>>,
    ) -> Result<()> {
        if !self.strict {
            rows.push(InspectRow {
                row: TreeRow {
                    level: item.level,
                    key: item.key.to_text(),
                    val: raw.display().into(),
                    is_self_safe: true,
                    is_safe: true,
                    is_last: item.is_last,
                },
                node: None,
                validator: None,
            });
            return Ok(());
        }
        let nested: Vec<(RowKey<'s>, &'s Value)> = match raw {
            Raw::Json(Value::Object(object)) => object
                .dict_entries()
                .into_iter()
                .map(|(key, value)| (RowKey::Text(key), value))
                .collect(),
            Raw::Json(Value::Array(values)) => {
                values.iter().map(|value| (item.key, value)).collect()
            }
            _ => {
                return Err(Error::Visualize(VisualizeError::NotANode {
                    path: self.path(item),
                    python_type: raw.python_type(),
                }));
            }
        };
        let count = nested.len();
        stack.extend(
            nested
                .into_iter()
                .enumerate()
                .rev()
                .map(|(position, (key, value))| Item {
                    key,
                    level: item.level,
                    is_last: position + 1 == count,
                    parent: item.parent,
                    what: What::Raw(Raw::Json(value)),
                }),
        );
        Ok(())
    }

    /// Where an item is, for error messages: the node's own path, or its parent's and key.
    fn path(&self, item: &Item<'s>) -> String {
        let (base, key) = match (&item.what, item.parent) {
            (What::Node(id), _) => return audit::node_path(self.schema, *id),
            (_, Some(parent)) => (audit::node_path(self.schema, parent), item.key),
            (_, None) => (String::new(), item.key),
        };
        if base.is_empty() {
            key.to_string()
        } else {
            format!("{base}.{key}")
        }
    }

    /// `node.format()`; the values of bytes nodes are kept in `bytes_values`.
    fn format(&self, id: NodeId, bytes_values: &mut HashMap<NodeId, Text>) -> Result<Text> {
        let node = self.schema.node(id);
        let file = match &node.kind {
            NodeKind::Json { content } => {
                let mut text = TextBuf::default();
                text.push_str("json-type(");
                text.push_surrogatepass(content.surrogatepass_bytes());
                text.push(')');
                return Ok(text.finish());
            }
            NodeKind::Bytes { file } | NodeKind::Bytearray { file } => file,
            _ => return Ok(node.type_name().into()),
        };
        if let Some(value) = bytes_values.get(&id) {
            return Ok(value.clone());
        }
        let repr = bytes_repr(&(self.read_member)(file)?);
        let value: Text = match node.kind {
            NodeKind::Bytearray { .. } => format!("bytearray({repr})").into(),
            _ => repr.into(),
        };
        bytes_values.insert(id, value.clone());
        Ok(value)
    }

    /// Pushes the items of `id`'s `children` dict, in walk order (none for the node kinds
    /// skops does not expand).
    fn push_children(&self, id: NodeId, level: usize, stack: &mut Vec<Item<'s>>) {
        let node = self.schema.node(id);
        let children = skops_children(&node.kind, &node.type_name());
        let count = children.len();
        let parent = Some(id);
        for (position, child) in children.into_iter().enumerate() {
            let is_last = position + 1 == count;
            match child {
                Child::Node(key, child) => stack.push(Item {
                    key: RowKey::Name(key),
                    level,
                    is_last,
                    parent,
                    what: What::Node(child),
                }),
                Child::Map(entries) => {
                    let count = entries.len();
                    stack.extend(entries.into_iter().enumerate().map(
                        |(position, (key, child))| Item {
                            key: RowKey::Text(key),
                            level,
                            is_last: position + 1 == count,
                            parent,
                            what: What::Node(child),
                        },
                    ));
                }
                Child::List(key, items) => {
                    let count = items.len();
                    stack.extend(items.iter().enumerate().map(|(position, &child)| Item {
                        key: RowKey::Name(key),
                        level,
                        is_last: position + 1 == count,
                        parent,
                        what: What::Node(child),
                    }));
                }
                Child::Constructor(name) => stack.push(Item {
                    key: RowKey::Name("constructor"),
                    level,
                    is_last,
                    parent,
                    what: What::Constructor(name),
                }),
                Child::Raw(key, raw) => stack.push(Item {
                    key: RowKey::Name(key),
                    level,
                    is_last,
                    parent,
                    what: What::Raw(raw),
                }),
            }
        }
    }
}

/// A node's `children` dict as skops 0.16 builds it, for the kinds `walk_tree` expands
/// (JSON, bytes, protocol 1+ function, array and sparse nodes are not expanded).
fn skops_children<'s>(kind: &'s NodeKind, type_name: &str) -> Vec<Child<'s>> {
    match kind {
        NodeKind::Json { .. }
        | NodeKind::Bytes { .. }
        | NodeKind::Bytearray { .. }
        | NodeKind::Function
        | NodeKind::NdArray(_)
        | NodeKind::SparseMatrix { .. }
        | NodeKind::Type => Vec::new(),
        NodeKind::Dict { entries, key_types } => vec![
            Child::Node("key_types", *key_types),
            Child::Map(entries.iter().map(|(key, child)| (key, *child)).collect()),
        ],
        NodeKind::DefaultDict {
            main,
            default_factory,
        } => vec![
            Child::Node("main", *main),
            Child::Node("default_factory", *default_factory),
        ],
        NodeKind::List(items) | NodeKind::Set(items) | NodeKind::Tuple(items) => {
            vec![Child::List("content", items)]
        }
        NodeKind::Slice { start, stop, step } => vec![
            Child::Raw("start", Raw::Json(start)),
            Child::Raw("stop", Raw::Json(stop)),
            Child::Raw("step", Raw::Json(step)),
        ],
        // skops keeps the raw `content` dict: `{"module_path": ..., "function": ...}`.
        NodeKind::FunctionV0 {
            module_path,
            function,
        } => vec![
            Child::Raw("module_path", Raw::Str(module_path)),
            Child::Raw("function", Raw::Str(function)),
        ],
        NodeKind::Partial {
            func,
            args,
            kwds,
            namespace,
        } => vec![
            Child::Node("func", *func),
            Child::Node("args", *args),
            Child::Node("kwds", *kwds),
            Child::Node("namespace", *namespace),
        ],
        NodeKind::Method { func, obj } => {
            vec![Child::Node("obj", *obj), Child::Raw("func", Raw::Str(func))]
        }
        NodeKind::OperatorFunc { attrs } => vec![Child::Node("attrs", *attrs)],
        NodeKind::Object { content } => vec![match content {
            Some(content) => Child::Node("attrs", *content),
            None => Child::Raw("attrs", Raw::None),
        }],
        NodeKind::ConstructorFromReduce { content }
        | NodeKind::DType { content }
        | NodeKind::RandomState { content } => vec![Child::Node("content", *content)],
        NodeKind::MaskedArray { data, mask } => {
            vec![Child::Node("data", *data), Child::Node("mask", *mask)]
        }
        NodeKind::RandomGenerator {
            bit_generator,
            seed_seq,
            ..
        } => {
            let mut children = vec![Child::Node("bit_generator_state", *bit_generator)];
            if let Some(seed_seq) = seed_seq {
                children.push(Child::Node("seed_seq_state", *seed_seq));
            }
            children
        }
        NodeKind::RandomGeneratorV0 { raw } => {
            vec![Child::Raw("bit_generator_state", Raw::Json(raw))]
        }
        NodeKind::Reduce { args, state, .. } => {
            let mut children = vec![Child::Node("attrs", *state), Child::Node("args", *args)];
            if let Some(name) = constructor(kind, type_name) {
                children.push(Child::Constructor(name));
            }
            children
        }
        NodeKind::DictWithDeprecatedKeys {
            main,
            deprecated_key_to_new_key,
        } => vec![
            Child::Node("main", *main),
            Child::Node("_deprecated_key_to_new_key", *deprecated_key_to_new_key),
        ],
    }
}

/// `reprlib.Repr().repr(content)` for bytes: Python's `repr(bytes)`, cut to 13 characters,
/// `...` and the last 14 when longer than 30.
pub(crate) fn bytes_repr(content: &[u8]) -> String {
    // Python picks double quotes only for content with single quotes and no double quotes.
    let quote = if content.contains(&b'\'') && !content.contains(&b'"') {
        b'"'
    } else {
        b'\''
    };
    let escape = |byte: u8| -> Cow<'static, str> {
        match byte {
            b'\\' => Cow::Borrowed("\\\\"),
            b'\t' => Cow::Borrowed("\\t"),
            b'\n' => Cow::Borrowed("\\n"),
            b'\r' => Cow::Borrowed("\\r"),
            _ if byte == quote => Cow::Owned(format!("\\{}", char::from(byte))),
            0x20..=0x7e => Cow::Owned(char::from(byte).to_string()),
            _ => Cow::Owned(format!("\\x{byte:02x}")),
        }
    };
    let escaped_len = |byte: u8| -> usize {
        match byte {
            b'\\' | b'\t' | b'\n' | b'\r' => 2,
            _ if byte == quote => 2,
            0x20..=0x7e => 1,
            _ => 4,
        }
    };
    let quote = char::from(quote).to_string();
    // `b` + quote + content + quote.
    let total = content
        .iter()
        .fold(3usize, |sum, &byte| sum.saturating_add(escaped_len(byte)));
    if total <= REPR_MAX_OTHER {
        let mut out = format!("b{quote}");
        for &byte in content {
            out.push_str(&escape(byte));
        }
        out.push_str(&quote);
        return out;
    }
    let head_len = (REPR_MAX_OTHER - 3) / 2;
    let tail_len = REPR_MAX_OTHER - 3 - head_len;
    let mut head = format!("b{quote}");
    for &byte in content {
        if head.len() >= head_len {
            break;
        }
        head.push_str(&escape(byte));
    }
    head.truncate(head_len);
    // Built backwards: the closing quote, then escapes from the last byte on.
    let mut tail_parts: Vec<Cow<'static, str>> = vec![Cow::Owned(quote)];
    let mut tail_chars = 1;
    for &byte in content.iter().rev() {
        if tail_chars >= tail_len {
            break;
        }
        let part = escape(byte);
        tail_chars += part.len();
        tail_parts.push(part);
    }
    let tail: String = tail_parts.into_iter().rev().collect();
    let cut = tail.len().saturating_sub(tail_len);
    // Repr text is ASCII, so byte offsets are character offsets.
    let tail = tail.get(cut..).unwrap_or_default();
    format!("{head}...{tail}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_shared_bytes_node_reads_its_member_once() {
        // One BytesNode and one BytearrayNode, each referred to again by `__id__` 50 times:
        // 102 rows, two member reads.
        let bytes = r#"{"__class__": "bytes", "__module__": "builtins", "__loader__": "BytesNode", "file": "b.bin", "__id__": 2}"#;
        let bytearray = r#"{"__class__": "bytearray", "__module__": "builtins", "__loader__": "BytearrayNode", "file": "c.bin", "__id__": 3}"#;
        let mut items = vec![bytes.to_owned(), bytearray.to_owned()];
        for _ in 0..50 {
            items.push(r#"{"__class__": "bytes", "__module__": "builtins", "__loader__": "CachedNode", "__id__": 2}"#.to_owned());
            items.push(r#"{"__class__": "bytearray", "__module__": "builtins", "__loader__": "CachedNode", "__id__": 3}"#.to_owned());
        }
        let text = format!(
            r#"{{"__class__": "list", "__module__": "builtins", "__loader__": "ListNode", "content": [{}], "__id__": 1, "protocol": 2}}"#,
            items.join(", ")
        );
        let schema = Schema::from_json(text.as_bytes(), &skops_format::Limits::default()).unwrap();
        let reads = std::cell::RefCell::new(Vec::new());
        let read_member = |member: &str| -> skops_format::Result<Cow<'static, [u8]>> {
            reads.borrow_mut().push(member.to_owned());
            Ok(Cow::Borrowed(b"xy".as_slice()))
        };
        let rows = schema_tree_rows(&schema, &[], &read_member).unwrap();
        assert_eq!(*reads.borrow(), ["b.bin", "c.bin"]);
        let values: Vec<&str> = rows
            .iter()
            .skip(1)
            .filter_map(|row| row.val.as_str())
            .collect();
        assert_eq!(values.len(), 102);
        assert!(
            values
                .chunks(2)
                .all(|pair| pair == ["b'xy'", "bytearray(b'xy')"])
        );
    }

    #[test]
    fn bytes_repr_matches_python() {
        // Expected values from Python 3.11: `skops.io._general.arepr.repr(...)`.
        assert_eq!(bytes_repr(b""), "b''");
        assert_eq!(bytes_repr(b"short"), "b'short'");
        assert_eq!(bytes_repr(&[b'a'; 100]), "b'aaaaaaaaaaa...aaaaaaaaaaaaa'");
        assert_eq!(
            bytes_repr(&b"'\"\x00\xff\n".repeat(5)),
            "b'\\'\"\\x00\\xff...\\'\"\\x00\\xff\\n'"
        );
        assert_eq!(bytes_repr(b"it's"), "b\"it's\"");
        assert_eq!(bytes_repr(b"\\\t\r"), "b'\\\\\\t\\r'");
        // Exactly 30 characters: not cut.
        let exact = [b'x'; 27];
        assert_eq!(bytes_repr(&exact).len(), 30);
        assert!(!bytes_repr(&exact).contains("..."));
        assert_eq!(bytes_repr(&[b'x'; 28]), "b'xxxxxxxxxxx...xxxxxxxxxxxxx'");
    }
}
