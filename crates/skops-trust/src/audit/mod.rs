//! The untrusted-type audit of skops 0.16 (`get_unsafe_set`), reproduced node by node, with
//! the access paths where each untrusted type occurs.
//!
//! Each node checks `"<__module__>.<__class__>"` against its own default list (see
//! [`TrustTables`]) merged with the user's `trusted` list, then its children are audited; the
//! user list is subtracted once more at the end (skops' `audit_tree`), which covers the nodes
//! that ignore it (DefaultDictNode, `_DictWithDeprecatedKeysNode`). The overrides:
//! - JsonNode and SliceNode are always safe;
//! - FunctionNode checks only its `module.name` against the numpy and scipy ufunc names
//!   (protocol 0: `module_path.function` against the scipy ufunc names only);
//! - MethodNode always adds `<obj module>.<obj class>.<method>`;
//! - RandomGeneratorNode adds `numpy.random.<bit generator name>` unless it is a real bit
//!   generator;
//! - TreeNode and QuantileForestNode add their fixed constructor (`sklearn.tree._tree.Tree`,
//!   `quantile_forest._quantile_forest_fast.QuantileForest`), checked as a TypeNode; LossNode's
//!   constructor is its own type;
//! - a LossNode hands its trusted list (with `ALLOWED_LOSSES`) down to every node built below
//!   it, as skops' `ReduceNode` does; a shared node keeps the list of the place where skops
//!   first builds it.
//!
//! A node reached twice (shared by `__id__`) is audited once: its verdict does not depend on
//! the path, so skops' result, which recomputes it on every path, is the same. Cycles cannot
//! occur (the schema layer refuses them), and the walks guard against them anyway.
//!
//! Known differences from skops 0.16 in this environment: `QuantileForestNode` is audited as
//! if the `quantile_forest` package were installed (skops raises `ImportError` without it),
//! and `_DictWithDeprecatedKeysNode` as with scikit-learn < 1.2 (the only versions where skops
//! registers it).

pub(crate) mod paths;
mod tables;

use std::collections::{BTreeMap, HashSet};

pub use skops_format::schema::path::{node_path, node_path_display, node_paths};
pub use tables::TrustTables;

use crate::error::AuditError;
use crate::validate::{Validated, Validator};
use crate::{Error, Result};
use skops_format::json::Value;
use skops_format::schema::{Loader, NodeId, NodeKind, ReduceKind, Schema};

/// At most this many paths are kept per untrusted type; the others are only counted
/// ([`AuditReport::omitted_paths`]). A type found thousands of times (one per tree of a large
/// forest) needs a few examples, not a list the size of the model.
pub const MAX_PATHS_PER_TYPE: usize = 100;

/// The path walk stops after this many node occurrences (shared nodes counted once per path),
/// the bound the schema layer already puts on the expanded node count.
const MAX_WALKED_OCCURRENCES: u64 = skops_format::limits::MAX_EXPANDED_NODES;

/// The constructor `TreeNode` calls whatever the node's own type (`get_module(Tree)`).
const TREE_CONSTRUCTOR: &str = "sklearn.tree._tree.Tree";

/// The constructor `QuantileForestNode` calls.
const QUANTILE_FOREST_CONSTRUCTOR: &str = "quantile_forest._quantile_forest_fast.QuantileForest";

/// Why a node's own type is (or is not) trusted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TrustReason {
    /// The node is never audited (JsonNode, SliceNode).
    AlwaysSafe,
    /// The type is in the node's default list.
    Default {
        /// The skops list holding it (e.g. `"SKLEARN_ESTIMATOR_TYPE_NAMES"`), or
        /// `"node default"` for names only the node itself lists (e.g. `builtins.dict`).
        list: &'static str,
    },
    /// The type is trusted only because the caller's `trusted` list names it.
    User,
    /// The type is trusted because its validator checked the node's state and found it sound
    /// (see [`crate::validate`]).
    Validated {
        /// The validated type (e.g. `"sklearn.tree._tree.Tree"`).
        type_name: &'static str,
        /// The validator that passed.
        validator: Validator,
    },
    /// The type is not trusted.
    Untrusted,
}

/// The audit verdict of one node.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NodeAudit {
    /// Whether the node itself adds nothing to the untrusted set.
    pub self_safe: bool,
    /// Whether the node and everything below it add nothing to the untrusted set.
    pub safe: bool,
    /// Why the node's own checked name (its type; for a FunctionNode the function) is trusted
    /// or not.
    pub reason: TrustReason,
    /// What this node itself adds to the untrusted set (after the caller's list is
    /// subtracted): its type, a method or bit generator name, a reduce constructor.
    pub untrusted_names: Vec<String>,
}

/// The paths of one untrusted type.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
struct Occurrences {
    paths: Vec<String>,
    omitted: u64,
}

/// The result of [`audit`]: per-node verdicts and the untrusted types with their paths.
#[derive(Debug, Clone)]
pub struct AuditReport {
    nodes: Vec<NodeAudit>,
    types: BTreeMap<String, Occurrences>,
    walk_complete: bool,
}

/// Returned by [`AuditReport::node`] for an id of another schema.
static UNKNOWN_NODE: NodeAudit = NodeAudit {
    self_safe: false,
    safe: false,
    reason: TrustReason::Untrusted,
    untrusted_names: Vec::new(),
};

impl AuditReport {
    /// The untrusted types, sorted and deduplicated: what skops' `get_untrusted_types` returns,
    /// minus the caller's `trusted` list.
    pub fn untrusted_types(&self) -> Vec<String> {
        self.types.keys().cloned().collect()
    }

    /// The node paths where `type_name` occurs (at most [`MAX_PATHS_PER_TYPE`], in walk order;
    /// empty for a trusted type).
    pub fn paths(&self, type_name: &str) -> &[String] {
        self.types
            .get(type_name)
            .map_or(&[], |occurrences| occurrences.paths.as_slice())
    }

    /// How many further occurrences of `type_name` were found beyond those [`Self::paths`]
    /// lists.
    pub fn omitted_paths(&self, type_name: &str) -> u64 {
        self.types
            .get(type_name)
            .map_or(0, |occurrences| occurrences.omitted)
    }

    /// Each untrusted type with its paths, sorted by type.
    pub fn untrusted_with_paths(&self) -> Vec<(String, Vec<String>)> {
        self.types
            .iter()
            .map(|(name, occurrences)| (name.clone(), occurrences.paths.clone()))
            .collect()
    }

    /// The verdict of node `id` (an id of the audited schema).
    pub fn node(&self, id: NodeId) -> &NodeAudit {
        self.nodes.get(id.index()).unwrap_or(&UNKNOWN_NODE)
    }

    /// Whether nothing is untrusted.
    pub fn is_clean(&self) -> bool {
        self.types.is_empty()
    }

    /// Whether every occurrence of every untrusted type was walked (false only for trees
    /// expanding to more than [`skops_format::limits::MAX_EXPANDED_NODES`] nodes, which the schema
    /// layer refuses by default; the types themselves are always complete).
    pub fn paths_complete(&self) -> bool {
        self.walk_complete
    }
}

/// Audits `schema` as skops 0.16 does when loading with `trusted` (type names such as
/// `"sklearn.tree._tree.Tree"`).
///
/// Fails only where skops fails too ([`AuditError::RawGeneratorState`],
/// [`AuditError::RawGeneratorScalar`]), or if the embedded
/// trust tables are malformed ([`AuditError::TrustTables`]).
pub fn audit(schema: &Schema, trusted: &[String]) -> Result<AuditReport> {
    audit_validated(schema, trusted, &Validated::none())
}

/// [`audit`], where the nodes in `validated` (whose state a validator checked, see
/// [`crate::validate::validate`]) are trusted for their validated type: their own type and
/// their reduce constructor are not untrusted.
pub fn audit_validated(
    schema: &Schema,
    trusted: &[String],
    validated: &Validated,
) -> Result<AuditReport> {
    let tables = TrustTables::skops_defaults()?;
    audit_with_tables(schema, trusted, tables, validated)
}

/// [`audit`] with explicit tables.
fn audit_with_tables(
    schema: &Schema,
    trusted: &[String],
    tables: &TrustTables,
    validated: &Validated,
) -> Result<AuditReport> {
    let user: HashSet<&str> = trusted.iter().map(String::as_str).collect();
    let ids: Vec<NodeId> = schema.nodes().map(|(id, _)| id).collect();
    let count = ids.len();
    let order = paths::build_order_of(schema);

    // Which nodes skops builds below a LossNode (they inherit `ALLOWED_LOSSES`): decided
    // where each node is first built, i.e. in build order from its first parent.
    let mut under_loss = vec![false; count];
    for &index in &order.order {
        let inherited = match order.parent.get(index).copied().flatten() {
            Some((parent, _)) => {
                under_loss.get(parent).copied().unwrap_or(false)
                    || ids
                        .get(parent)
                        .is_some_and(|&id| schema.node(id).loader == Loader::Loss)
            }
            None => false,
        };
        if let Some(slot) = under_loss.get_mut(index) {
            *slot = inherited;
        }
    }

    let mut nodes = Vec::with_capacity(count);
    for (index, &id) in ids.iter().enumerate() {
        let context = Context {
            schema,
            tables,
            user: &user,
            under_loss: under_loss.get(index).copied().unwrap_or(false),
            validated,
        };
        let node_audit = context.audit_node(id).map_err(|error| match error {
            Error::Audit(AuditError::RawGeneratorState { .. }) => {
                Error::Audit(AuditError::RawGeneratorState {
                    path: order.path(index),
                })
            }
            Error::Audit(AuditError::RawGeneratorScalar { python_type, .. }) => {
                Error::Audit(AuditError::RawGeneratorScalar {
                    path: order.path(index),
                    python_type,
                })
            }
            other => other,
        })?;
        nodes.push(node_audit);
    }

    let safe = paths::subtree_safe(
        schema.root().index(),
        count,
        |index| nodes.get(index).is_some_and(|node| node.self_safe),
        |index| match ids.get(index) {
            Some(&id) => schema
                .children(id)
                .into_iter()
                .map(|(_, child)| child.index())
                .collect(),
            None => Vec::new(),
        },
    );
    for (node, safe) in nodes.iter_mut().zip(safe) {
        node.safe = safe;
    }

    let mut types: BTreeMap<String, Occurrences> = BTreeMap::new();
    for node in &nodes {
        for name in &node.untrusted_names {
            types.entry(name.clone()).or_default();
        }
    }
    let walk_complete = paths::walk_occurrences(
        schema.root().index(),
        count,
        MAX_WALKED_OCCURRENCES,
        |index| nodes.get(index).is_none_or(|node| node.safe),
        |index, reached_as| match ids.get(index) {
            Some(&id) => paths::child_segments(schema, id, reached_as)
                .into_iter()
                .map(|(segment, child)| (segment, child.index()))
                .collect(),
            None => Vec::new(),
        },
        |index, segments| {
            let Some(node) = nodes.get(index) else {
                return;
            };
            let mut path = None;
            for name in &node.untrusted_names {
                let Some(occurrences) = types.get_mut(name) else {
                    continue;
                };
                if occurrences.paths.len() < MAX_PATHS_PER_TYPE {
                    let path = path.get_or_insert_with(|| paths::render(segments));
                    occurrences.paths.push(path.clone());
                } else {
                    occurrences.omitted = occurrences.omitted.saturating_add(1);
                }
            }
        },
    );
    Ok(AuditReport {
        nodes,
        types,
        walk_complete,
    })
}

/// What one node's audit needs to know.
struct Context<'a> {
    schema: &'a Schema,
    tables: &'a TrustTables,
    user: &'a HashSet<&'a str>,
    /// Whether skops builds this node below a LossNode (it then also trusts `ALLOWED_LOSSES`).
    under_loss: bool,
    /// The nodes a validator found sound.
    validated: &'a Validated,
}

impl Context<'_> {
    /// Whether `name` is trusted by `defaults` (plus `ALLOWED_LOSSES` when inherited), and by
    /// which list.
    fn default_label(
        &self,
        name: &str,
        defaults: &HashSet<String>,
        inherit: bool,
    ) -> Option<&'static str> {
        if defaults.contains(name) {
            return Some(self.tables.label(name));
        }
        if inherit && self.under_loss {
            let losses = self.tables.list("ALLOWED_LOSSES")?;
            if losses.contains(name) {
                return Some("ALLOWED_LOSSES");
            }
        }
        None
    }

    fn reason(&self, name: &str, defaults: &HashSet<String>, inherit: bool) -> TrustReason {
        match self.default_label(name, defaults, inherit) {
            Some(list) => TrustReason::Default { list },
            None if self.user.contains(name) => TrustReason::User,
            None => TrustReason::Untrusted,
        }
    }

    /// The node's own checked name: its verdict, and the name when no default trusts it.
    fn own_check(
        &self,
        name: String,
        defaults: &HashSet<String>,
        inherit: bool,
    ) -> (TrustReason, Option<String>) {
        let reason = self.reason(&name, defaults, inherit);
        match reason {
            TrustReason::Default { .. }
            | TrustReason::AlwaysSafe
            | TrustReason::Validated { .. } => (reason, None),
            TrustReason::User | TrustReason::Untrusted => (reason, Some(name)),
        }
    }

    fn audit_node(&self, id: NodeId) -> Result<NodeAudit> {
        let node = self.schema.node(id);
        let protocol = self.schema.protocol;
        let own_defaults = self.tables.node_default(node.loader, protocol);
        // DefaultDictNode and `_DictWithDeprecatedKeysNode` set their list outright: nothing
        // handed down from a LossNode reaches it.
        let inherit = !matches!(
            node.loader,
            Loader::DefaultDict | Loader::DictWithDeprecatedKeys
        );
        let (reason, own) = match &node.kind {
            NodeKind::Json { .. } | NodeKind::Slice { .. } => (TrustReason::AlwaysSafe, None),
            // The protocol 0 FunctionNode checks the function it imports, not its type.
            NodeKind::FunctionV0 {
                module_path,
                function,
            } => self.own_check(format!("{module_path}.{function}"), own_defaults, inherit),
            NodeKind::RandomGeneratorV0 { raw } => {
                // skops calls `get_unsafe_set` on each item of a raw list or dict state
                // (`AttributeError` unless there is none), skips a string or `None`, and
                // raises `ValueError` for any other value.
                let scalar = |python_type| {
                    Error::Audit(AuditError::RawGeneratorScalar {
                        path: String::new(),
                        python_type,
                    })
                };
                match raw {
                    Value::Null | Value::String(_) => {}
                    Value::Array(items) if items.is_empty() => {}
                    Value::Object(object) if object.is_empty() => {}
                    Value::Array(_) | Value::Object(_) => {
                        return Err(Error::Audit(AuditError::RawGeneratorState {
                            path: String::new(),
                        }));
                    }
                    Value::Bool(_) => return Err(scalar("bool")),
                    Value::Number(number) if number.is_integer() => return Err(scalar("int")),
                    Value::Number(_) => return Err(scalar("float")),
                }
                self.own_check(node.type_name(), own_defaults, inherit)
            }
            _ => {
                let name = node.type_name();
                match self.validated.check(id) {
                    Some(check) if check.type_name == name => (
                        TrustReason::Validated {
                            type_name: check.type_name,
                            validator: check.validator,
                        },
                        None,
                    ),
                    _ => self.own_check(name, own_defaults, inherit),
                }
            }
        };
        let mut names: Vec<String> = own.into_iter().collect();
        match &node.kind {
            NodeKind::Method { func, obj } => {
                let obj_node = self.schema.node(*obj);
                names.push(format!("{}.{}.{func}", obj_node.module, obj_node.class));
            }
            NodeKind::RandomGenerator {
                bit_generator_name, ..
            } => {
                let generator = format!("numpy.random.{bit_generator_name}");
                let real = self
                    .tables
                    .list("NUMPY_RANDOM_BIT_GENERATOR_TYPE_NAMES")
                    .is_some_and(|list| list.contains(&generator));
                if !real {
                    names.push(generator);
                }
            }
            NodeKind::Reduce { kind, .. } => {
                let constructor = match kind {
                    ReduceKind::Tree => TREE_CONSTRUCTOR.to_owned(),
                    ReduceKind::QuantileForest => QUANTILE_FOREST_CONSTRUCTOR.to_owned(),
                    ReduceKind::Loss => node.type_name(),
                };
                // skops audits the constructor as a TypeNode built with the reduce node's own
                // list (for a LossNode, `ALLOWED_LOSSES`).
                let type_defaults = self.tables.node_default(Loader::Type, protocol);
                let trusted = self
                    .default_label(&constructor, type_defaults, true)
                    .is_some()
                    || self
                        .default_label(&constructor, own_defaults, true)
                        .is_some()
                    || self.validated.validator(id) == Some(constructor.as_str());
                if !trusted {
                    names.push(constructor);
                }
            }
            _ => {}
        }
        Ok(self.finish(reason, names))
    }

    /// Subtracts the caller's list and builds the verdict (`safe` is filled in later).
    fn finish(&self, reason: TrustReason, mut names: Vec<String>) -> NodeAudit {
        names.retain(|name| !self.user.contains(name.as_str()));
        let mut seen = HashSet::new();
        names.retain(|name| seen.insert(name.clone()));
        NodeAudit {
            self_safe: names.is_empty(),
            safe: false,
            reason,
            untrusted_names: names,
        }
    }
}

#[cfg(test)]
mod tests;
