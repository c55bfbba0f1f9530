//! The validator of `sklearn.tree._tree.Tree`: the invariants sklearn's Cython predict code
//! assumes without checking.
//!
//! `Tree.apply` follows `left_child`/`right_child` from node 0 until it meets a leaf (-1) and
//! reads `X[i, feature]` at each split, with no bounds checks: an index out of range reads
//! (or a cycle loops) outside the arrays. The validator reads the `nodes` records and checks:
//! - the arguments: `n_features >= 0`, `n_outputs >= 1`, `n_classes` one positive count per
//!   output;
//! - `node_count` (at most [`MAX_TREE_NODES`], at least 1) equals the length of `nodes`;
//! - each node is a leaf (both children -1) or has both children in `[1, node_count)`;
//! - every node is reached exactly once from the root (no cycles, no sharing, no orphans),
//!   walked iteratively;
//! - split nodes test a feature in `[0, n_features)`; `missing_go_to_left` is 0 or 1;
//! - `values` is float64 of shape `(node_count, n_outputs, max(n_classes))`;
//! - the `nodes` fields are those of sklearn's `NODE_DTYPE` in its order: `__setstate__`
//!   accepts any order of the right names (it compares them as a dict) and then casts with
//!   `astype`, which numpy does field by position, so a reordered dtype would let sklearn read
//!   as `feature` (or a child) the values the validator read under another name;
//! - `max_depth` is the depth of the deepest leaf.

use super::context::Context;
use super::records::{FieldProblem, IntField};
use super::registry::{PathFn, Validator};
use super::state::{Slot, State, Unreadable, json_int, numpy_member};
use super::usage;
use super::walk::WalkError;
use crate::validate::{StateError, WidthError};
use crate::{Error, Result};
use skops_format::file::SkopsFile;
use skops_format::limits::{Limits, MAX_TREE_NODES};
use skops_format::npy::{Descr, NpyView};
use skops_format::schema::{NodeId, NodeKind, ReduceKind};

/// sklearn's `_TREE_LEAF`: the child index of a leaf.
const TREE_LEAF: i128 = -1;

/// Validates the TreeNode `id` of `file`; `path` gives its access path for error messages.
/// Returns the tree's `n_features`, which bounds every split feature.
///
/// The steps run in the order below, so a tree with several faults reports the first.
pub(crate) fn validate_tree(
    file: &SkopsFile<'_>,
    id: NodeId,
    limits: &Limits,
    path: &dyn Fn() -> String,
) -> Result<u64> {
    let schema = file.schema();
    let NodeKind::Reduce {
        kind: ReduceKind::Tree,
        args,
        state,
        ..
    } = &schema.node(id).kind
    else {
        return Err(malformed(path, "not a `TreeNode`".to_owned()));
    };
    let (n_features, n_outputs, max_classes) = check_arguments(file, *args, limits, path)?;

    // The state: `max_depth`, `node_count`, `nodes`, `values`.
    let state = State::of_node(schema, *state).map_err(|Unreadable(reason)| {
        Error::from(StateError::Form {
            path: path(),
            type_name: super::TREE_TYPE.to_owned(),
            reason,
        })
    })?;
    let entry = |key: &str| {
        state
            .get(key)
            .ok_or_else(|| malformed(path, format!("the state has no `{key}`")))
    };
    let (max_depth, node_count) = read_counts(file, &state, path)?;
    let nodes_bytes =
        numpy_member(file, entry("nodes")?).map_err(|reason| malformed(path, reason))?;
    let nodes = nodes_bytes.view(limits)?;
    check_node_count(&nodes, node_count, path)?;
    check_values(
        file,
        entry("values")?,
        limits,
        vec![node_count, n_outputs, max_classes],
        path,
    )?;
    let actual = check_nodes(&nodes, node_count, n_features, path)?;
    if i128::from(max_depth) != i128::from(actual) {
        return Err(Error::from(TreeError::MaxDepth {
            path: path(),
            declared: max_depth,
            actual,
        }));
    }
    Ok(n_features)
}

/// [`TreeError::State`] at `path`.
fn malformed(path: &dyn Fn() -> String, reason: String) -> Error {
    Error::from(TreeError::State {
        path: path(),
        reason,
    })
}

/// Checks the constructor arguments `Tree(n_features, n_classes, n_outputs)` and the widths
/// they give predict-time arrays; returns `n_features`, `n_outputs` and `max(n_classes)`.
fn check_arguments(
    file: &SkopsFile<'_>,
    args: NodeId,
    limits: &Limits,
    path: &dyn Fn() -> String,
) -> Result<(u64, u64, u64)> {
    let malformed = |reason: String| malformed(path, reason);
    let NodeKind::Tuple(arguments) = &file.schema().node(args).kind else {
        return Err(malformed(
            "the constructor arguments are not a tuple".to_owned(),
        ));
    };
    let [n_features, n_classes, n_outputs] = arguments.as_slice() else {
        return Err(malformed(format!(
            "the constructor takes 3 arguments, not {}",
            arguments.len()
        )));
    };
    let n_features = json_int(file, *n_features)
        .and_then(|value| u64::try_from(value).ok())
        .ok_or_else(|| malformed("`n_features` is not a non-negative integer".to_owned()))?;
    let n_outputs = json_int(file, *n_outputs)
        .and_then(|value| u64::try_from(value).ok())
        .filter(|&value| value >= 1)
        .ok_or_else(|| malformed("`n_outputs` is not a positive integer".to_owned()))?;
    let class_counts = read_class_counts(file, *n_classes, limits).map_err(malformed)?;
    if class_counts.len() as u64 != n_outputs {
        return Err(Error::from(TreeError::Classes {
            path: path(),
            reason: format!(
                "`n_classes` has {} entries for {n_outputs} outputs",
                class_counts.len()
            ),
        }));
    }
    if let Some(count) = class_counts.iter().find(|&&count| count < 1) {
        return Err(Error::from(TreeError::Classes {
            path: path(),
            reason: format!("`n_classes` holds {count}, not a positive class count"),
        }));
    }
    let max_classes = class_counts
        .iter()
        .copied()
        .max()
        .and_then(|count| u64::try_from(count).ok())
        .unwrap_or(0);
    // The widths sklearn sizes predict-time arrays by (`feature_importances_`, `predict`'s
    // `(n_samples, n_outputs, max_n_classes)`), bounded before anything trusts them.
    for (attribute, value, limit) in [
        ("n_features", n_features, limits.max_n_features),
        ("n_outputs", n_outputs, limits.max_n_outputs),
        ("n_classes", max_classes, limits.max_n_classes),
        (
            "n_outputs * max(n_classes)",
            n_outputs.saturating_mul(max_classes),
            limits.max_class_columns,
        ),
    ] {
        if value > limit {
            return Err(Error::from(WidthError::AboveLimit {
                path: path(),
                type_name: super::TREE_TYPE.to_owned(),
                attribute: attribute.to_owned(),
                value,
                limit,
            }));
        }
    }
    Ok((n_features, n_outputs, max_classes))
}

/// The state's `max_depth` and `node_count` (at least 1, at most [`MAX_TREE_NODES`]).
fn read_counts(
    file: &SkopsFile<'_>,
    state: &State<'_>,
    path: &dyn Fn() -> String,
) -> Result<(i64, u64)> {
    let malformed = |reason: String| malformed(path, reason);
    let entry = |key: &str| {
        state
            .get(key)
            .ok_or_else(|| malformed(format!("the state has no `{key}`")))
    };
    let max_depth = json_int(file, entry("max_depth")?)
        .and_then(|value| i64::try_from(value).ok())
        .ok_or_else(|| malformed("`max_depth` is not an integer".to_owned()))?;
    let node_count = json_int(file, entry("node_count")?)
        .and_then(|value| u64::try_from(value).ok())
        .ok_or_else(|| malformed("`node_count` is not a non-negative integer".to_owned()))?;
    if node_count == 0 {
        return Err(malformed(
            "`node_count` is 0: a fitted tree has a root".to_owned(),
        ));
    }
    Limits::check("tree `node_count`", node_count, MAX_TREE_NODES)?;
    Ok((max_depth, node_count))
}

/// Checks that `nodes` is one-dimensional with `node_count` records.
fn check_node_count(nodes: &NpyView<'_>, node_count: u64, path: &dyn Fn() -> String) -> Result<()> {
    let length = match nodes.header.shape.as_slice() {
        [length] => *length,
        shape => {
            return Err(malformed(
                path,
                format!("`nodes` has shape {shape:?}, not one dimension"),
            ));
        }
    };
    if length != node_count {
        return Err(Error::from(TreeError::NodeCount {
            path: path(),
            node_count,
            array: "nodes",
            length,
        }));
    }
    Ok(())
}

/// Checks that `values` is float64 of shape `expected`.
fn check_values(
    file: &SkopsFile<'_>,
    values: Slot<'_>,
    limits: &Limits,
    expected: Vec<u64>,
    path: &dyn Fn() -> String,
) -> Result<()> {
    let values_bytes = numpy_member(file, values).map_err(|reason| malformed(path, reason))?;
    let values = values_bytes.view(limits)?;
    match &values.header.descr {
        Descr::Simple(type_str) if type_str.kind == 'f' && type_str.size == 8 => {}
        other => {
            return Err(malformed(
                path,
                format!("`values` has dtype {}, not float64", other.to_python_repr()),
            ));
        }
    }
    if values.header.shape != expected {
        return Err(Error::from(TreeError::ValueShape {
            path: path(),
            expected,
            found: values.header.shape.clone(),
        }));
    }
    Ok(())
}

/// Checks the records of `nodes` (fields, children, features) and that they form one tree
/// from the root; returns the depth of its deepest leaf.
fn check_nodes(
    nodes: &NpyView<'_>,
    node_count: u64,
    n_features: u64,
    path: &dyn Fn() -> String,
) -> Result<u64> {
    let fields = NodeFields::find(nodes).map_err(|reason| malformed(path, reason))?;
    let records = Records::new(nodes).map_err(|reason| malformed(path, reason))?;
    let children = read_children(&records, &fields, node_count, n_features, path)?;
    walk(&children, path)
}

/// The class counts of the `n_classes` array (one-dimensional, integer).
fn read_class_counts(
    file: &SkopsFile<'_>,
    id: NodeId,
    limits: &Limits,
) -> std::result::Result<Vec<i128>, String> {
    let bytes = numpy_member(file, id)?;
    let view = bytes.view(limits).map_err(|error| error.to_string())?;
    let Descr::Simple(type_str) = &view.header.descr else {
        return Err("`n_classes` is a structured array".to_owned());
    };
    if view.header.shape.len() != 1 {
        return Err(format!(
            "`n_classes` has shape {:?}, not one dimension",
            view.header.shape
        ));
    }
    let field = IntField::plain(type_str)
        .map_err(|_| format!("`n_classes` has dtype {}", type_str.to_type_string()))?;
    let size = usize::try_from(type_str.size).map_err(|_| "`n_classes` item size".to_owned())?;
    view.data
        .chunks_exact(size)
        .map(|item| {
            field
                .read(item)
                .ok_or_else(|| "`n_classes` item".to_owned())
        })
        .collect()
}

/// The field names of sklearn's `NODE_DTYPE`, in order (`missing_go_to_left`, the last, is
/// absent in files of scikit-learn < 1.3).
const NODE_FIELDS: [&str; 8] = [
    "left_child",
    "right_child",
    "feature",
    "threshold",
    "impurity",
    "n_node_samples",
    "weighted_n_node_samples",
    "missing_go_to_left",
];

/// The fields of the `nodes` records the validator reads.
struct NodeFields {
    left: IntField,
    right: IntField,
    feature: IntField,
    /// Absent in files of scikit-learn < 1.3, which sklearn reads as all zeros.
    missing_go_to_left: Option<IntField>,
}

impl NodeFields {
    fn find(nodes: &NpyView<'_>) -> std::result::Result<Self, String> {
        let descr = &nodes.header.descr;
        // Padding (`''` void fields) is skipped by numpy when it reads the header.
        let Descr::Structured(all_fields) = descr else {
            return Err("`nodes` is not a structured array".to_owned());
        };
        let names: Vec<&str> = all_fields
            .iter()
            .filter(|field| {
                !(field.name.is_empty()
                    && matches!(&field.descr, Descr::Simple(type_str) if type_str.kind == 'V'))
            })
            .map(|field| field.name.as_str())
            .collect();
        let legacy = NODE_FIELDS.get(..NODE_FIELDS.len() - 1);
        if names != NODE_FIELDS && Some(names.as_slice()) != legacy {
            return Err(format!(
                "`nodes` has fields {names:?}, not those of `NODE_DTYPE` in its order"
            ));
        }
        let field = |name: &str| {
            IntField::find(descr, name).map_err(|problem| match problem {
                FieldProblem::Missing => format!("`nodes` has no integer field `{name}`"),
                FieldProblem::NotAnInteger(dtype) => {
                    format!("`nodes` field `{name}` has dtype {dtype}, not an integer")
                }
            })
        };
        let missing_go_to_left = match IntField::find(descr, "missing_go_to_left") {
            Ok(field) => Some(field),
            Err(FieldProblem::Missing) => None,
            Err(FieldProblem::NotAnInteger(dtype)) => {
                return Err(format!(
                    "`nodes` field `missing_go_to_left` has dtype {dtype}, not an integer"
                ));
            }
        };
        Ok(Self {
            left: field("left_child")?,
            right: field("right_child")?,
            feature: field("feature")?,
            missing_go_to_left,
        })
    }
}

/// The records of a structured array, one slice each.
pub(super) struct Records<'a> {
    data: &'a [u8],
    itemsize: usize,
}

impl<'a> Records<'a> {
    pub(super) fn new(view: &NpyView<'a>) -> std::result::Result<Self, String> {
        let itemsize = view
            .header
            .descr
            .itemsize()
            .and_then(|size| usize::try_from(size).ok())
            .filter(|&size| size > 0)
            .ok_or_else(|| "`nodes` records have no size".to_owned())?;
        Ok(Self {
            data: view.data,
            itemsize,
        })
    }

    pub(super) fn iter(&self) -> impl Iterator<Item = &'a [u8]> {
        self.data.chunks_exact(self.itemsize)
    }
}

/// Checks each node's children, feature and `missing_go_to_left`; returns the children,
/// `None` for a leaf.
fn read_children(
    records: &Records<'_>,
    fields: &NodeFields,
    node_count: u64,
    n_features: u64,
    path: &dyn Fn() -> String,
) -> Result<Vec<Option<(u64, u64)>>> {
    let capacity = usize::try_from(node_count).unwrap_or(0);
    let mut children = Vec::with_capacity(capacity);
    let truncated = || {
        Error::from(TreeError::State {
            path: path(),
            reason: "a `nodes` record is shorter than its dtype".to_owned(),
        })
    };
    for (node, record) in (0u64..).zip(records.iter()) {
        let left = fields.left.read(record).ok_or_else(truncated)?;
        let right = fields.right.read(record).ok_or_else(truncated)?;
        let as_i64 = |value: i128| i64::try_from(value).unwrap_or(i64::MAX);
        if let Some(field) = &fields.missing_go_to_left {
            let value = field.read(record).ok_or_else(truncated)?;
            if value != 0 && value != 1 {
                return Err(Error::from(TreeError::MissingGoToLeft {
                    path: path(),
                    node,
                    value: u64::try_from(value).unwrap_or(u64::MAX),
                }));
            }
        }
        if left == TREE_LEAF && right == TREE_LEAF {
            children.push(None);
            continue;
        }
        if left == TREE_LEAF || right == TREE_LEAF {
            return Err(Error::from(TreeError::HalfLeaf {
                path: path(),
                node,
                left: as_i64(left),
                right: as_i64(right),
            }));
        }
        let in_range = |child: i128| child >= 1 && child < i128::from(node_count);
        for (side, child) in [("left", left), ("right", right)] {
            if !in_range(child) {
                return Err(Error::from(TreeError::ChildOutOfRange {
                    path: path(),
                    node,
                    side,
                    child: as_i64(child),
                    node_count,
                }));
            }
        }
        let feature = fields.feature.read(record).ok_or_else(truncated)?;
        if feature < 0 || feature >= i128::from(n_features) {
            return Err(Error::from(TreeError::Feature {
                path: path(),
                node,
                feature: as_i64(feature),
                n_features,
            }));
        }
        // Both are in `[1, node_count)`, so they fit in u64.
        children.push(Some((
            u64::try_from(left).unwrap_or(0),
            u64::try_from(right).unwrap_or(0),
        )));
    }
    Ok(children)
}

/// Checks that every node of the tree is reached exactly once from node 0; returns the depth
/// of the deepest node.
fn walk(children: &[Option<(u64, u64)>], path: &dyn Fn() -> String) -> Result<u64> {
    super::walk::walk(children).map_err(|error| match error {
        WalkError::Unreached(node) => Error::from(TreeError::NodeUnreached { path: path(), node }),
        WalkError::ReachedTwice(node) => {
            Error::from(TreeError::NodeReachedTwice { path: path(), node })
        }
    })
}

/// What the `tree` validator refuses.
#[derive(Debug, thiserror::Error, strum::EnumDiscriminants)]
#[strum_discriminants(name(TreeErrorKind), derive(strum::EnumIter))]
#[strum_discriminants(doc = "The variants of [`TreeError`], without their data.")]
pub enum TreeError {
    /// The arguments or state of a `sklearn.tree._tree.Tree` are not what sklearn writes: a
    /// missing or malformed `n_features`, `n_classes`, `n_outputs`, `max_depth`, `node_count`,
    /// `nodes` or `values`, or a `nodes`/`values` array of another dtype.
    #[error("the tree at `{path}` is malformed: {reason}")]
    State {
        /// Where the tree is, as a Python access path from the root object.
        path: String,
        /// What is missing or malformed.
        reason: String,
    },
    /// `n_classes` does not hold one positive class count per output.
    #[error("the tree at `{path}` has inconsistent classes: {reason}")]
    Classes {
        /// Where the tree is.
        path: String,
        /// How `n_classes` and `n_outputs` disagree.
        reason: String,
    },
    /// `node_count` differs from the length of the `nodes` array (or `values`' first axis).
    #[error(
        "the tree at `{path}` declares {node_count} nodes but its `{array}` array has {length}"
    )]
    NodeCount {
        /// Where the tree is.
        path: String,
        /// The declared `node_count`.
        node_count: u64,
        /// `nodes` or `values`.
        array: &'static str,
        /// The array's length.
        length: u64,
    },
    /// A child index is neither -1 (leaf) nor a node index in `[1, node_count)`.
    #[error(
        "node {node} of the tree at `{path}` has {side} child {child}, outside [1, {node_count}) and not -1"
    )]
    ChildOutOfRange {
        /// Where the tree is.
        path: String,
        /// The node index.
        node: u64,
        /// `left` or `right`.
        side: &'static str,
        /// The child index found.
        child: i64,
        /// The declared `node_count`.
        node_count: u64,
    },
    /// Exactly one of a node's children is -1: a node is a leaf only when both are.
    #[error(
        "node {node} of the tree at `{path}` has children ({left}, {right}): a leaf has both -1"
    )]
    HalfLeaf {
        /// Where the tree is.
        path: String,
        /// The node index.
        node: u64,
        /// The left child.
        left: i64,
        /// The right child.
        right: i64,
    },
    /// A node is the child of two nodes, or of itself through a cycle.
    #[error(
        "node {node} of the tree at `{path}` is reached twice from the root (shared or cyclic)"
    )]
    NodeReachedTwice {
        /// Where the tree is.
        path: String,
        /// The node index.
        node: u64,
    },
    /// A node is not reached from the root.
    #[error("node {node} of the tree at `{path}` is not reached from the root")]
    NodeUnreached {
        /// Where the tree is.
        path: String,
        /// The node index.
        node: u64,
    },
    /// A split node tests a feature outside `[0, n_features)`.
    #[error(
        "split node {node} of the tree at `{path}` tests feature {feature}, outside [0, {n_features})"
    )]
    Feature {
        /// Where the tree is.
        path: String,
        /// The node index.
        node: u64,
        /// The feature found.
        feature: i64,
        /// The declared `n_features`.
        n_features: u64,
    },
    /// `missing_go_to_left` is neither 0 nor 1.
    #[error("node {node} of the tree at `{path}` has `missing_go_to_left` {value}, not 0 or 1")]
    MissingGoToLeft {
        /// Where the tree is.
        path: String,
        /// The node index.
        node: u64,
        /// The value found.
        value: u64,
    },
    /// `values` does not have shape `(node_count, n_outputs, max(n_classes))`.
    #[error("the tree at `{path}` has `values` of shape {found:?}, expected {expected:?}")]
    ValueShape {
        /// Where the tree is.
        path: String,
        /// `(node_count, n_outputs, max(n_classes))`.
        expected: Vec<u64>,
        /// The shape found.
        found: Vec<u64>,
    },
    /// `max_depth` differs from the depth of the tree the nodes describe.
    #[error("the tree at `{path}` declares `max_depth` {declared} but its nodes are {actual} deep")]
    MaxDepth {
        /// Where the tree is.
        path: String,
        /// The declared `max_depth`.
        declared: i64,
        /// The depth of the deepest leaf (the root at depth 0).
        actual: u64,
    },
}

skops_format::error_kinds!(TreeError / TreeErrorKind {
    State => "validate-tree-state",
    Classes => "validate-tree-classes",
    NodeCount => "validate-tree-node-count",
    ChildOutOfRange => "validate-tree-child-out-of-range",
    HalfLeaf => "validate-tree-half-leaf",
    NodeReachedTwice => "validate-tree-node-reached-twice",
    NodeUnreached => "validate-tree-node-unreached",
    Feature => "validate-tree-feature",
    MissingGoToLeft => "validate-tree-missing-go-to-left",
    ValueShape => "validate-tree-value-shape",
    MaxDepth => "validate-tree-max-depth",
});

impl TreeError {
    /// What to tell a user who meets this refusal (the CLI's `hint:` line).
    pub fn hint(&self) -> &'static str {
        "the state of a `sklearn.tree._tree.Tree` breaks an invariant scikit-learn relies on at \
         predict time (it would read out of bounds or loop): the file is corrupt or was crafted; \
         do not load it"
    }
}

// The registry's entry points (see `registry`).

/// Registry: validates the tree (its result was computed up front, see `parallel`), and
/// trusts it where the estimators that feed it `X` bound its split features.
pub(super) fn check(
    context: &mut Context<'_, '_>,
    id: NodeId,
    _name: &str,
    path: PathFn<'_>,
) -> Result<()> {
    let (file, limits) = (context.file, context.limits);
    let n_features = match context.tree_results.remove(&id) {
        Some(result) => result?,
        None => validate_tree(file, id, limits, path)?,
    };
    if usage::tree_is_bounded(file, context.referrers(), id, n_features, limits) {
        context.trust(id, super::TREE_TYPE, Validator::Tree);
    }
    Ok(())
}
