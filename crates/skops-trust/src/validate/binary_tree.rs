//! The validator of scikit-learn's binary trees, `sklearn.neighbors._kd_tree.KDTree` and
//! `sklearn.neighbors._ball_tree.BallTree`: the index behind the `kd_tree`/`ball_tree`
//! algorithms of the KNeighbors*, RadiusNeighbors*, NearestNeighbors and LocalOutlierFactor
//! estimators, and behind KernelDensity.
//!
//! # How sklearn builds and uses the tree (scikit-learn 1.9.1, `_binary_tree.pxi.tp`)
//!
//! skops builds the tree as an ObjectNode: `KDTree.__new__` (whose `__cinit__` puts one-element
//! placeholders everywhere and `None` as metric), then `__setstate__(state)` with the 13 items
//! of `__getstate__`: `(data, idx_array, node_data, node_bounds, leaf_size, n_levels, n_nodes,
//! n_trims, n_leaves, n_splits, n_calls, dist_metric, sample_weight)`. The arrays go into
//! typed memoryviews (`const float64_t[:, ::1] data`, `const intp_t[::1] idx_array`,
//! `const NodeData_t[::1] node_data`, `const float64_t[:, :, ::1] node_bounds`); Cython checks
//! their dtype, dimensions and C order and raises `ValueError` otherwise. The counts go into C
//! integers (`OverflowError` when too large). `dist_metric` goes into a `DistanceMetric64`
//! attribute: another type raises `TypeError`, but `None` is accepted, and every distance call
//! on it then dereferences `NULL`. `sample_weight` goes through `np.asarray(..., float64)` (any
//! length). Building reads nothing else (`data.shape[0]`, the sum of the weights).
//!
//! `query`, `query_radius`, `kernel_density` and `two_point_correlation` (single and dual tree,
//! depth- and breadth-first) are compiled with `boundscheck=False`. They start at node 0, read
//! `node_data[i]` and, unless it `is_leaf`, go on to nodes `2i + 1` and `2i + 2`; they read
//! `node_bounds[:, i, :n_features]` (KD: lower and upper bounds; Ball: the centroid), and at a
//! leaf `data[idx_array[k]]` and `sample_weight[idx_array[k]]` for `k` in
//! `[idx_start, idx_end)`. `query_radius` copies whole nodes' indices into buffers of
//! `n_samples` entries; `kernel_density` counts `idx_end - idx_start` points. Distances call
//! the metric with `size = data.shape[1]` (see [`super::dist_metric`]).
//!
//! Every one of these methods first raises `ValueError` unless `X.shape[-1] == data.shape[1]`
//! (and `query` unless `k <= data.shape[0]`), so the width of what the tree reads is its own
//! `data`'s, whatever the enclosing estimator says: tying the estimator's `n_features_in_` to
//! the tree is not needed for memory safety. A dual-tree query builds a second tree from `X`
//! with `__init__`, which checks `X` against the metric (`_validate_data`).
//!
//! # What is checked
//!
//! - the state is the 13-item tuple; `data` is a 2-D little-endian float64 C-ordered array of
//!   finite values with at least one row and column (`n_samples`, `n_features`);
//! - `leaf_size >= 1`; `n_levels` and `n_nodes` are what `__init__` computes from `n_samples`
//!   and `leaf_size` (`int(log2(max(1, (n_samples - 1) / leaf_size)) + 1)`, `2**n_levels - 1`),
//!   at most [`MAX_TREE_NODES`]; the statistics counters fit a C `int`;
//! - `idx_array` is int64 of length `n_samples` and a permutation of `0..n_samples`;
//! - `node_data` has sklearn's `NodeData` dtype (`idx_start`, `idx_end`, `is_leaf` int64,
//!   `radius` float64) and `n_nodes` records, each exactly the one `_recursive_build` writes:
//!   the root covers `[0, n_samples)`, each split node halves its range between its two
//!   children, and a node is a leaf exactly when its children would fall past `n_nodes` (so
//!   every range lies in `[0, n_samples)`, the leaves partition it, and no traversal leaves
//!   `node_data`); the radius is finite and non-negative;
//! - `node_bounds` is float64 of shape `(2, n_nodes, n_features)` (KD) or
//!   `(1, n_nodes, n_features)` (Ball);
//! - `sample_weight` is `None` or float64 of length `n_samples`, finite and non-negative;
//! - `dist_metric` is an object (never `None`), checked by [`super::dist_metric`];
//! - an estimator holding the tree in its state dict agrees with it: `n_features_in_` equals
//!   `n_features` and `n_samples_fit_` equals `n_samples`. scikit-learn always writes them so;
//!   `n_samples_fit_` is also the column count of the sparse graphs `kneighbors_graph` and
//!   `radius_neighbors_graph` build from the tree's indices, which scipy does not check.
//!
//! Not checked: that the bounds, centroids and radii are those of each node's points (wrong
//! ones give wrong neighbours, never a read outside the arrays; a weighted BallTree node of
//! zero total weight legitimately has a NaN centroid); the statistics' values; the estimator's
//! other attributes (`_fit_X`, `_y`, `classes_` are indexed by numpy, which checks bounds).
//!
//! # Trust
//!
//! A sound tree is trusted (with its metric node) only when its metric is one
//! [`super::dist_metric`] validates, and the metric node is used nowhere else than as the
//! `dist_metric` of sound trees: a metric shared with, say, the estimator's `metric`
//! parameter would also serve the brute-force path, whose `X` is not checked against the
//! metric's `vec`/`mat`. See [`super::validate`].

use std::collections::HashSet;

use super::Validator;
use super::arrays::{Element, little_endian, with_plain};
use super::context::Context;
use super::dist_metric;
use super::registry::PathFn;
use super::state::{State, json_int, numpy_member};
use super::usage::Referrers;
use super::{Validated, audit_path};
use crate::{Error, Result};
use skops_format::file::SkopsFile;
use skops_format::json::{self, Value};
use skops_format::limits::{Limits, MAX_TREE_NODES};
use skops_format::npy::Descr;
use skops_format::schema::{ChildKey, NodeId, NodeKind};

/// The KD tree type.
pub const KD_TREE_TYPE: &str = "sklearn.neighbors._kd_tree.KDTree";

/// The ball tree type.
pub const BALL_TREE_TYPE: &str = "sklearn.neighbors._ball_tree.BallTree";

/// The items of the `__getstate__` tuple.
const STATE_ITEMS: usize = 13;

/// The position of `dist_metric` in the state tuple.
const DIST_METRIC_ITEM: usize = 11;

/// The fields of sklearn's `NodeData` dtype, in order, with their kinds (all 8 bytes).
const NODE_FIELDS: [(&str, char); 4] = [
    ("idx_start", 'i'),
    ("idx_end", 'i'),
    ("is_leaf", 'i'),
    ("radius", 'f'),
];

/// The bytes of one `NodeData` record.
const NODE_RECORD: usize = 32;

/// Which binary tree.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum TreeKind {
    /// `KDTree`: node bounds are boxes.
    Kd,
    /// `BallTree`: node bounds are balls.
    Ball,
}

impl TreeKind {
    /// The tree kind of a node of type `type_name`, if it is one.
    pub(crate) fn of(type_name: &str) -> Option<Self> {
        match type_name {
            KD_TREE_TYPE => Some(TreeKind::Kd),
            BALL_TREE_TYPE => Some(TreeKind::Ball),
            _ => None,
        }
    }

    fn type_name(self) -> &'static str {
        match self {
            TreeKind::Kd => KD_TREE_TYPE,
            TreeKind::Ball => BALL_TREE_TYPE,
        }
    }

    /// The first axis of `node_bounds`: lower and upper bounds, or the centroid.
    fn bounds_rows(self) -> u64 {
        match self {
            TreeKind::Kd => 2,
            TreeKind::Ball => 1,
        }
    }
}

/// What the validator learnt of a sound tree, for the trust decision.
pub(crate) struct SoundTree {
    kind: TreeKind,
    /// The state tuple.
    state: NodeId,
    /// The `dist_metric` node.
    metric: NodeId,
    /// The metric's type, when it is one [`dist_metric`] validated for this tree.
    metric_type: Option<&'static str>,
    n_samples: u64,
    n_features: u64,
}

/// Validates the `KDTree`/`BallTree` ObjectNode `id` of `file`; `path` gives its access path.
///
/// The steps run in the order below, so a state with several faults reports the first.
pub(crate) fn validate_binary_tree(
    file: &SkopsFile<'_>,
    id: NodeId,
    kind: TreeKind,
    limits: &Limits,
    path: &dyn Fn() -> String,
) -> Result<SoundTree> {
    let (state, items) = state_items(file, id, path)?;
    let (n_samples, n_features) = check_data(file, items.data, limits, path)?;
    let n_nodes = check_counts(file, &items, n_samples, path)?;
    check_idx_array(file, items.idx_array, limits, n_samples, path)?;
    check_node_data(file, items.node_data, limits, n_samples, n_nodes, path)?;
    check_node_bounds(
        file,
        items.node_bounds,
        kind,
        limits,
        n_nodes,
        n_features,
        path,
    )?;
    if !is_none(file, items.sample_weight) {
        check_sample_weight(file, items.sample_weight, limits, n_samples, path)?;
    }
    let metric_type = check_metric(file, items.dist_metric, kind, n_features, limits, path)?;
    Ok(SoundTree {
        kind,
        state,
        metric: items.dist_metric,
        metric_type,
        n_samples,
        n_features,
    })
}

/// The nodes of the `__getstate__` tuple's items.
struct StateItems {
    data: NodeId,
    idx_array: NodeId,
    node_data: NodeId,
    node_bounds: NodeId,
    leaf_size: NodeId,
    n_levels: NodeId,
    n_nodes: NodeId,
    /// The statistics counters, with their names.
    counters: [(NodeId, &'static str); 4],
    dist_metric: NodeId,
    sample_weight: NodeId,
}

/// [`BinaryTreeError::State`] at `path`.
fn malformed(path: &dyn Fn() -> String, reason: String) -> Error {
    Error::from(BinaryTreeError::State {
        path: path(),
        reason,
    })
}

/// The builder of [`BinaryTreeError::Array`] errors about `array`.
fn array_problem<'p>(
    path: &'p dyn Fn() -> String,
    array: &'static str,
) -> impl Fn(String) -> Error + 'p {
    move |reason: String| {
        Error::from(BinaryTreeError::Array {
            path: path(),
            array,
            reason,
        })
    }
}

/// The state tuple of the tree `id` and its 13 items.
fn state_items(
    file: &SkopsFile<'_>,
    id: NodeId,
    path: &dyn Fn() -> String,
) -> Result<(NodeId, StateItems)> {
    let schema = file.schema();
    let NodeKind::Object {
        content: Some(state),
    } = &schema.node(id).kind
    else {
        return Err(malformed(
            path,
            "it has no state (its metric would stay None)".to_owned(),
        ));
    };
    let NodeKind::Tuple(items) = &schema.node(*state).kind else {
        return Err(malformed(path, "the state is not a tuple".to_owned()));
    };
    let &[
        data,
        idx_array,
        node_data,
        node_bounds,
        leaf_size,
        n_levels,
        n_nodes,
        n_trims,
        n_leaves,
        n_splits,
        n_calls,
        dist_metric,
        sample_weight,
    ] = items.as_slice()
    else {
        return Err(malformed(
            path,
            format!("the state has {} items, not {STATE_ITEMS}", items.len()),
        ));
    };
    let items = StateItems {
        data,
        idx_array,
        node_data,
        node_bounds,
        leaf_size,
        n_levels,
        n_nodes,
        counters: [
            (n_trims, "n_trims"),
            (n_leaves, "n_leaves"),
            (n_splits, "n_splits"),
            (n_calls, "n_calls"),
        ],
        dist_metric,
        sample_weight,
    };
    Ok((*state, items))
}

/// Checks that `data` is a non-empty 2-D float64 array of finite values; returns its shape
/// (`n_samples`, `n_features`).
fn check_data(
    file: &SkopsFile<'_>,
    data: NodeId,
    limits: &Limits,
    path: &dyn Fn() -> String,
) -> Result<(u64, u64)> {
    let problem = array_problem(path, "data");
    with_plain(file, data, limits, Element::Float64, &problem, |plain| {
        let &[rows, columns] = plain.shape else {
            return Err(problem(format!(
                "of shape {:?}, not two dimensions",
                plain.shape
            )));
        };
        if rows == 0 || columns == 0 {
            return Err(problem(format!(
                "of shape {:?}: a fitted tree holds samples",
                plain.shape
            )));
        }
        if let Some(position) = plain.floats().position(|value| !value.is_finite()) {
            return Err(problem(format!(
                "with a non-finite value at flat index {position} (sklearn fits finite data)"
            )));
        }
        Ok((rows, columns))
    })
}

/// Checks `leaf_size`, `n_levels` and `n_nodes` against what `__init__` computes for
/// `n_samples`, and that the statistics counters fit a C `int`; returns `n_nodes`.
fn check_counts(
    file: &SkopsFile<'_>,
    items: &StateItems,
    n_samples: u64,
    path: &dyn Fn() -> String,
) -> Result<u64> {
    let int = |item: NodeId, name: &str| {
        json_int(file, item).ok_or_else(|| malformed(path, format!("`{name}` is not an integer")))
    };
    let declared_leaf_size = int(items.leaf_size, "leaf_size")?;
    let leaf_size = u64::try_from(declared_leaf_size)
        .ok()
        .filter(|&value| value >= 1)
        .ok_or_else(|| {
            Error::from(BinaryTreeError::LeafSize {
                path: path(),
                leaf_size: saturate(declared_leaf_size),
            })
        })?;
    let declared_levels = int(items.n_levels, "n_levels")?;
    let declared_nodes = int(items.n_nodes, "n_nodes")?;
    let (expected_levels, expected_nodes) = layout_size(n_samples, leaf_size);
    let expected_nodes = expected_nodes.unwrap_or(u64::MAX);
    if declared_levels != i128::from(expected_levels)
        || declared_nodes != i128::from(expected_nodes)
    {
        return Err(Error::from(BinaryTreeError::Levels {
            path: path(),
            n_levels: saturate(declared_levels),
            n_nodes: saturate(declared_nodes),
            n_samples,
            leaf_size,
            expected_levels,
            expected_nodes,
        }));
    }
    Limits::check("binary tree `n_nodes`", expected_nodes, MAX_TREE_NODES)?;
    for (item, name) in items.counters {
        let value = int(item, name)?;
        if i32::try_from(value).is_err() {
            return Err(malformed(
                path,
                format!("`{name}` is {value}, beyond a C int"),
            ));
        }
    }
    Ok(expected_nodes)
}

/// Checks that `node_bounds` is float64 of shape `(2 or 1, n_nodes, n_features)`.
fn check_node_bounds(
    file: &SkopsFile<'_>,
    node_bounds: NodeId,
    kind: TreeKind,
    limits: &Limits,
    n_nodes: u64,
    n_features: u64,
    path: &dyn Fn() -> String,
) -> Result<()> {
    let problem = array_problem(path, "node_bounds");
    with_plain(
        file,
        node_bounds,
        limits,
        Element::Float64,
        &problem,
        |plain| {
            let rows = kind.bounds_rows();
            match *plain.shape {
                [first, length, features] if first == rows && features == n_features => {
                    if length == n_nodes {
                        Ok(())
                    } else {
                        Err(Error::from(BinaryTreeError::NodeCount {
                            path: path(),
                            n_nodes,
                            array: "node_bounds",
                            length,
                        }))
                    }
                }
                _ => Err(problem(format!(
                    "of shape {:?}, expected ({rows}, {n_nodes}, {n_features})",
                    plain.shape
                ))),
            }
        },
    )
}

/// Checks that `sample_weight` is float64 of length `n_samples`, finite and non-negative.
fn check_sample_weight(
    file: &SkopsFile<'_>,
    sample_weight: NodeId,
    limits: &Limits,
    n_samples: u64,
    path: &dyn Fn() -> String,
) -> Result<()> {
    let problem = array_problem(path, "sample_weight");
    with_plain(
        file,
        sample_weight,
        limits,
        Element::Float64,
        &problem,
        |plain| {
            if plain.shape != [n_samples] {
                return Err(problem(format!(
                    "of shape {:?}, expected ({n_samples},)",
                    plain.shape
                )));
            }
            if let Some(position) = plain
                .floats()
                .position(|weight| !(weight.is_finite() && weight >= 0.0))
            {
                return Err(problem(format!(
                    "with a negative or non-finite weight at index {position}"
                )));
            }
            Ok(())
        },
    )
}

/// Checks that `dist_metric` is an object and validates it (see [`dist_metric`]); returns
/// the metric's type when it is one the validator knows for this tree.
fn check_metric(
    file: &SkopsFile<'_>,
    dist_metric: NodeId,
    kind: TreeKind,
    n_features: u64,
    limits: &Limits,
    path: &dyn Fn() -> String,
) -> Result<Option<&'static str>> {
    let metric_node = file.schema().node(dist_metric);
    if !matches!(metric_node.kind, NodeKind::Object { .. }) {
        return Err(malformed(
            path,
            format!(
                "`dist_metric` is a `{}` node, not a distance metric object",
                metric_node.loader.name()
            ),
        ));
    }
    let metric_path = || audit_path(file, dist_metric);
    dist_metric::validate_metric(file, dist_metric, kind, n_features, limits, &metric_path)
}

/// `n_levels` and `n_nodes` as `BinaryTree.__init__` computes them:
/// `int(np.log2(fmax(1, (n_samples - 1) / leaf_size)) + 1)` and `2**n_levels - 1` (`None`
/// when that overflows).
fn layout_size(n_samples: u64, leaf_size: u64) -> (u64, Option<u64>) {
    let ratio = n_samples.saturating_sub(1) as f64 / leaf_size as f64;
    // `int()` truncates; the value is at least 1.
    let levels = (ratio.max(1.0).log2() + 1.0) as u64;
    let nodes = u32::try_from(levels)
        .ok()
        .and_then(|levels| 1u64.checked_shl(levels))
        .map(|power| power - 1);
    (levels, nodes)
}

/// Checks that `idx_array` is int64 of length `n_samples` holding each row index once.
fn check_idx_array(
    file: &SkopsFile<'_>,
    id: NodeId,
    limits: &Limits,
    n_samples: u64,
    path: &dyn Fn() -> String,
) -> Result<()> {
    let problem = |reason: String| {
        Error::from(BinaryTreeError::Array {
            path: path(),
            array: "idx_array",
            reason,
        })
    };
    with_plain(file, id, limits, Element::Int64, &problem, |plain| {
        if plain.shape != [n_samples] {
            return Err(problem(format!(
                "of shape {:?}, expected ({n_samples},)",
                plain.shape
            )));
        }
        let mut seen = vec![false; usize::try_from(n_samples).unwrap_or(0)];
        for (position, index) in (0u64..).zip(plain.ints()) {
            match usize::try_from(index)
                .ok()
                .and_then(|index| seen.get_mut(index))
            {
                None => {
                    return Err(Error::from(BinaryTreeError::IndexOutOfRange {
                        path: path(),
                        position,
                        index,
                        n_samples,
                    }));
                }
                Some(true) => {
                    return Err(Error::from(BinaryTreeError::IndexRepeated {
                        path: path(),
                        index: u64::try_from(index).unwrap_or(0),
                    }));
                }
                Some(slot) => *slot = true,
            }
        }
        Ok(())
    })
}

/// Checks `node_data`'s dtype and length, and each record against the layout.
fn check_node_data(
    file: &SkopsFile<'_>,
    id: NodeId,
    limits: &Limits,
    n_samples: u64,
    n_nodes: u64,
    path: &dyn Fn() -> String,
) -> Result<()> {
    let problem = |reason: String| {
        Error::from(BinaryTreeError::Array {
            path: path(),
            array: "node_data",
            reason,
        })
    };
    let bytes = numpy_member(file, id)
        .map_err(|reason| problem(format!("that is not a `.npy` array ({reason})")))?;
    let view = bytes.view(limits)?;
    if !is_node_dtype(&view.header.descr) {
        return Err(problem(format!(
            "of dtype {}, not sklearn's `NodeData` {NODE_FIELDS:?} (little-endian, 8 bytes each)",
            view.header.descr.to_python_repr()
        )));
    }
    let length = match view.header.shape.as_slice() {
        [length] => *length,
        shape => return Err(problem(format!("of shape {shape:?}, not one dimension"))),
    };
    if length != n_nodes {
        return Err(Error::from(BinaryTreeError::NodeCount {
            path: path(),
            n_nodes,
            array: "node_data",
            length,
        }));
    }
    let expected = layout(n_samples, n_nodes);
    let truncated = || problem("with a record shorter than its dtype".to_owned());
    for ((node, record), &(expected_start, expected_end, leaf)) in (0u64..)
        .zip(view.data.chunks_exact(NODE_RECORD))
        .zip(&expected)
    {
        let word =
            |offset: usize| -> Option<[u8; 8]> { record.get(offset..offset + 8)?.try_into().ok() };
        let idx_start = word(0).map(i64::from_le_bytes).ok_or_else(truncated)?;
        let idx_end = word(8).map(i64::from_le_bytes).ok_or_else(truncated)?;
        let is_leaf = word(16).map(i64::from_le_bytes).ok_or_else(truncated)?;
        let radius = word(24).map(f64::from_le_bytes).ok_or_else(truncated)?;
        if i128::from(idx_start) != i128::from(expected_start)
            || i128::from(idx_end) != i128::from(expected_end)
        {
            return Err(Error::from(BinaryTreeError::NodeRange {
                path: path(),
                node,
                idx_start,
                idx_end,
                expected_start,
                expected_end,
            }));
        }
        if is_leaf != i64::from(leaf) {
            return Err(Error::from(BinaryTreeError::LeafFlag {
                path: path(),
                node,
                is_leaf,
                expected: u8::from(leaf),
            }));
        }
        if !(radius.is_finite() && radius >= 0.0) {
            return Err(Error::from(BinaryTreeError::Radius {
                path: path(),
                node,
                radius,
            }));
        }
    }
    Ok(())
}

/// Whether `descr` is sklearn's `NodeData`: the four fields, in order, little-endian.
fn is_node_dtype(descr: &Descr) -> bool {
    let Descr::Structured(fields) = descr else {
        return false;
    };
    fields.len() == NODE_FIELDS.len()
        && fields.iter().zip(NODE_FIELDS).all(|(field, (name, kind))| {
            field.name == name
                && field.shape.is_empty()
                && matches!(&field.descr, Descr::Simple(type_str)
                    if type_str.kind == kind
                        && type_str.size == 8
                        && little_endian(type_str.byte_order))
        })
}

/// The `(idx_start, idx_end, is_leaf)` of each node as `_recursive_build` writes them: the
/// root covers `[0, n_samples)`; a node is a leaf when its first child would be past the last
/// node (or, never with a consistent `n_levels`, when it holds fewer than 2 points); a split
/// node gives its first `n_points / 2` points to its left child, the rest to its right one.
/// Nodes the build never reaches keep `np.zeros`' `(0, 0, 0)`.
fn layout(n_samples: u64, n_nodes: u64) -> Vec<(u64, u64, bool)> {
    let count = usize::try_from(n_nodes).unwrap_or(0);
    let mut ranges: Vec<Option<(u64, u64)>> = vec![None; count];
    if let Some(root) = ranges.first_mut() {
        *root = Some((0, n_samples));
    }
    let mut nodes = Vec::with_capacity(count);
    // A parent's index is below its children's, so one pass in index order sees every
    // parent's range before its children need it.
    for index in 0..count {
        let Some((start, end)) = ranges.get(index).copied().flatten() else {
            nodes.push((0, 0, false));
            continue;
        };
        let first_child = index.saturating_mul(2).saturating_add(1);
        let leaf = first_child as u64 >= n_nodes || end - start < 2;
        if !leaf {
            let middle = start + (end - start) / 2;
            if let Some(slot) = ranges.get_mut(first_child) {
                *slot = Some((start, middle));
            }
            if let Some(slot) = ranges.get_mut(first_child.saturating_add(1)) {
                *slot = Some((middle, end));
            }
        }
        nodes.push((start, end, leaf));
    }
    nodes
}

/// Checks the estimators that hold tree `id` in their state dict against its data
/// (`n_features_in_`, `n_samples_fit_`).
pub(crate) fn check_estimators(
    file: &SkopsFile<'_>,
    referrers: &Referrers<'_>,
    id: NodeId,
    tree: &SoundTree,
) -> Result<()> {
    let schema = file.schema();
    for &(parent, _) in referrers.of(id) {
        for (attribute, expected) in [
            ("n_features_in_", tree.n_features),
            ("n_samples_fit_", tree.n_samples),
        ] {
            let Some(value) = State::of_node(schema, parent)
                .ok()
                .and_then(|state| state.int(file, attribute))
            else {
                continue;
            };
            if value != i128::from(expected) {
                return Err(Error::from(BinaryTreeError::Estimator {
                    path: audit_path(file, parent),
                    attribute,
                    value: saturate(value),
                    expected,
                }));
            }
        }
    }
    Ok(())
}

/// Trusts each sound tree whose metric was validated, with its metric node, when that metric
/// node serves only as the `dist_metric` of such trees (see the module doc).
pub(crate) fn trust(
    referrers: &Referrers<'_>,
    trees: &[(NodeId, SoundTree)],
    validated: &mut Validated,
) {
    let trusted_trees: HashSet<NodeId> = trees
        .iter()
        .filter(|(_, tree)| tree.metric_type.is_some())
        .map(|(id, _)| *id)
        .collect();
    let trusted_states: HashSet<NodeId> = trees
        .iter()
        .filter(|(_, tree)| tree.metric_type.is_some())
        .map(|(_, tree)| tree.state)
        .collect();
    let only_in_trees = |state: NodeId| {
        referrers
            .of(state)
            .iter()
            .all(|&(owner, key)| key == ChildKey::Attr("content") && trusted_trees.contains(&owner))
    };
    for (id, tree) in trees {
        let Some(metric_type) = tree.metric_type else {
            continue;
        };
        let confined = referrers.of(tree.metric).iter().all(|&(parent, key)| {
            key == ChildKey::Index(DIST_METRIC_ITEM)
                && trusted_states.contains(&parent)
                && only_in_trees(parent)
        });
        if confined {
            validated.insert(*id, tree.kind.type_name(), Validator::BinaryTree);
            validated.insert(tree.metric, metric_type, Validator::BinaryTree);
        }
    }
}

/// Whether node `id` is the JsonNode `null`.
fn is_none(file: &SkopsFile<'_>, id: NodeId) -> bool {
    match &file.schema().node(id).kind {
        NodeKind::Json { content } => {
            matches!(
                json::parse(content.surrogatepass_bytes(), 1),
                Ok(Value::Null)
            )
        }
        _ => false,
    }
}

/// `value` as an i64, saturated (values come from JSON integers, which fit).
fn saturate(value: i128) -> i64 {
    i64::try_from(value).unwrap_or(if value < 0 { i64::MIN } else { i64::MAX })
}

/// What the `binary_tree` validator refuses.
#[derive(Debug, thiserror::Error, strum::EnumDiscriminants)]
#[strum_discriminants(name(BinaryTreeErrorKind), derive(strum::EnumIter))]
#[strum_discriminants(doc = "The variants of [`BinaryTreeError`], without their data.")]
pub enum BinaryTreeError {
    /// The state of a `KDTree`/`BallTree` is not what scikit-learn writes: no state, not the
    /// 13-item `__getstate__` tuple, a non-integer count, a `dist_metric` that is not a metric
    /// object.
    #[error("the binary tree at `{path}` is malformed: {reason}")]
    State {
        /// Where the tree is, as a Python access path from the root object.
        path: String,
        /// What is missing or malformed.
        reason: String,
    },
    /// An array of a `KDTree`/`BallTree` (`data`, `idx_array`, `node_data`, `node_bounds`,
    /// `sample_weight`) has another dtype, shape or memory order than the tree reads, or holds
    /// a value scikit-learn never writes (a non-finite float, a negative weight).
    #[error("the binary tree at `{path}` has `{array}` {reason}")]
    Array {
        /// Where the tree is.
        path: String,
        /// The array.
        array: &'static str,
        /// What is wrong with it.
        reason: String,
    },
    /// `leaf_size` is below 1.
    #[error("the binary tree at `{path}` has `leaf_size` {leaf_size}, not at least 1")]
    LeafSize {
        /// Where the tree is.
        path: String,
        /// The value found.
        leaf_size: i64,
    },
    /// `n_levels` or `n_nodes` is not what scikit-learn computes from the number of samples and
    /// `leaf_size` (`n_levels = 1 + floor(log2(max(1, (n_samples - 1) / leaf_size)))`,
    /// `n_nodes = 2**n_levels - 1`).
    #[error(
        "the binary tree at `{path}` declares {n_levels} levels and {n_nodes} nodes, but {n_samples} samples with `leaf_size` {leaf_size} make {expected_levels} levels and {expected_nodes} nodes"
    )]
    Levels {
        /// Where the tree is.
        path: String,
        /// The declared `n_levels`.
        n_levels: i64,
        /// The declared `n_nodes`.
        n_nodes: i64,
        /// The rows of `data`.
        n_samples: u64,
        /// The declared `leaf_size`.
        leaf_size: u64,
        /// The levels scikit-learn computes.
        expected_levels: u64,
        /// `2**expected_levels - 1`.
        expected_nodes: u64,
    },
    /// `node_data` (or `node_bounds`' second axis) does not have one entry per node.
    #[error("the binary tree at `{path}` declares {n_nodes} nodes but its `{array}` has {length}")]
    NodeCount {
        /// Where the tree is.
        path: String,
        /// The declared `n_nodes`.
        n_nodes: u64,
        /// `node_data` or `node_bounds`.
        array: &'static str,
        /// The number of nodes the array holds.
        length: u64,
    },
    /// `idx_array` holds an index outside `[0, n_samples)`: the queries read `data` at it.
    #[error(
        "the binary tree at `{path}` has `idx_array[{position}]` = {index}, outside [0, {n_samples})"
    )]
    IndexOutOfRange {
        /// Where the tree is.
        path: String,
        /// The position in `idx_array`.
        position: u64,
        /// The index found.
        index: i64,
        /// The rows of `data`.
        n_samples: u64,
    },
    /// `idx_array` holds an index twice: it is not a permutation of the rows of `data`.
    #[error("the binary tree at `{path}` has sample {index} twice in `idx_array`")]
    IndexRepeated {
        /// Where the tree is.
        path: String,
        /// The repeated index.
        index: u64,
    },
    /// A node's `[idx_start, idx_end)` is not the range scikit-learn's build gives it (each
    /// node halves its parent's range, the root covering `[0, n_samples)`).
    #[error(
        "node {node} of the binary tree at `{path}` covers [{idx_start}, {idx_end}) of `idx_array`, but the tree's layout gives it [{expected_start}, {expected_end})"
    )]
    NodeRange {
        /// Where the tree is.
        path: String,
        /// The node index.
        node: u64,
        /// The `idx_start` found.
        idx_start: i64,
        /// The `idx_end` found.
        idx_end: i64,
        /// The `idx_start` of the layout.
        expected_start: u64,
        /// The `idx_end` of the layout.
        expected_end: u64,
    },
    /// A node's `is_leaf` is not the layout's (a leaf exactly when its children would fall
    /// past `n_nodes`): a split node past the last level makes the queries read past
    /// `node_data`.
    #[error(
        "node {node} of the binary tree at `{path}` has `is_leaf` {is_leaf}, expected {expected}"
    )]
    LeafFlag {
        /// Where the tree is.
        path: String,
        /// The node index.
        node: u64,
        /// The value found.
        is_leaf: i64,
        /// 1 for a leaf, 0 for a split node.
        expected: u8,
    },
    /// A node's `radius` is negative or not finite.
    #[error(
        "node {node} of the binary tree at `{path}` has radius {radius}, not a finite non-negative number"
    )]
    Radius {
        /// Where the tree is.
        path: String,
        /// The node index.
        node: u64,
        /// The radius found.
        radius: f64,
    },
    /// The estimator holding the tree disagrees with it on the training data's shape
    /// (`n_features_in_` against the columns of `data`, `n_samples_fit_` against its rows).
    #[error(
        "the estimator at `{path}` has `{attribute}` {value}, but its binary tree holds {expected}"
    )]
    Estimator {
        /// Where the estimator's state is.
        path: String,
        /// `n_features_in_` or `n_samples_fit_`.
        attribute: &'static str,
        /// The estimator's value.
        value: i64,
        /// The tree's value.
        expected: u64,
    },
}

skops_format::error_kinds!(BinaryTreeError / BinaryTreeErrorKind {
    State => "validate-binary-tree-state",
    Array => "validate-binary-tree-array",
    LeafSize => "validate-binary-tree-leaf-size",
    Levels => "validate-binary-tree-levels",
    NodeCount => "validate-binary-tree-node-count",
    IndexOutOfRange => "validate-binary-tree-index-out-of-range",
    IndexRepeated => "validate-binary-tree-index-repeated",
    NodeRange => "validate-binary-tree-node-range",
    LeafFlag => "validate-binary-tree-leaf-flag",
    Radius => "validate-binary-tree-radius",
    Estimator => "validate-binary-tree-estimator",
});

impl BinaryTreeError {
    /// What to tell a user who meets this refusal (the CLI's `hint:` line).
    pub fn hint(&self) -> &'static str {
        "the state of a `KDTree`/`BallTree` or of its distance metric breaks an invariant \
         scikit-learn relies on in its queries (they would read or write out of bounds): the file \
         is corrupt or was crafted; do not load it"
    }
}

// The registry's entry points (see `registry`).

/// Registry: validates the tree. A KDTree/BallTree checks the width of `X` against its own
/// `data` before any query, so a sound tree is safe wherever it sits; it is trusted at the end
/// (see [`finish`]).
pub(super) fn check(
    context: &mut Context<'_, '_>,
    id: NodeId,
    name: &str,
    path: PathFn<'_>,
) -> Result<()> {
    if let Some(kind) = TreeKind::of(name) {
        let tree = validate_binary_tree(context.file, id, kind, context.limits, path)?;
        context.binary_trees.push((id, tree));
    }
    Ok(())
}

/// Registry: once every tree passed, checks the estimators that hold each against its data,
/// then trusts each tree with its metric where nothing else uses the metric (see [`trust`]).
pub(super) fn finish(context: &mut Context<'_, '_>) -> Result<()> {
    if context.binary_trees.is_empty() {
        return Ok(());
    }
    let trees = std::mem::take(&mut context.binary_trees);
    let file = context.file;
    let referrers = context.referrers();
    for (id, tree) in &trees {
        check_estimators(file, referrers, *id, tree)?;
    }
    let mut validated = std::mem::take(&mut context.validated);
    trust(context.referrers(), &trees, &mut validated);
    context.validated = validated;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn layout_size_is_sklearns() {
        // `int(np.log2(max(1, (n - 1) / leaf_size)) + 1)`, computed by hand.
        assert_eq!(layout_size(1, 40), (1, Some(1)));
        assert_eq!(layout_size(40, 5), (3, Some(7)));
        assert_eq!(layout_size(41, 5), (4, Some(15)));
        assert_eq!(layout_size(120, 30), (2, Some(3)));
        // 2**64 - 1 rounds to 2**64 as a float, as in Python: 65 levels, too many nodes for u64.
        assert_eq!(layout_size(u64::MAX, 1), (65, None));
    }

    #[test]
    fn layout_halves_ranges_down_to_the_last_level() {
        assert_eq!(layout(5, 3), [(0, 5, false), (0, 2, true), (2, 5, true)]);
        // Too many levels for 3 samples: node 1 holds one point and stays a leaf, so its
        // children keep `np.zeros`' records.
        assert_eq!(
            layout(3, 7),
            [
                (0, 3, false),
                (0, 1, true),
                (1, 3, false),
                (0, 0, false),
                (0, 0, false),
                (1, 2, true),
                (2, 3, true),
            ]
        );
    }
}
