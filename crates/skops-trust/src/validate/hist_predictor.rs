//! The validator of HistGradientBoosting's `TreePredictor`: the invariants sklearn's Cython
//! predict code (`_predictor.pyx`) assumes without checking.
//!
//! Predict starts at `nodes[0]` and, until a node has `is_leaf`, reads `X[row, feature_idx]`
//! and moves to `nodes[left]` or `nodes[right]`; a categorical split reads row `bitset_idx`
//! (8 words) of `raw_left_cat_bitsets` (`predict`) or `binned_left_cat_bitsets`
//! (`predict_binned`). None of it is bounds-checked. The validator reads the state and checks:
//! - `nodes` is a non-empty one-dimensional array (at most [`MAX_TREE_NODES`]) with the fields
//!   of sklearn's `PREDICTOR_RECORD_DTYPE`, in order (`__setstate__` casts it to that dtype,
//!   which numpy does field by position), the integer ones integers;
//! - both bitset arrays are uint32 of shape `(n_bitsets, 8)`;
//! - `is_leaf`, `missing_go_to_left` and `is_categorical` are 0 or 1;
//! - a numpy bool field reads as its one integer (0 or 1) or as none (see [`super::records`]:
//!   `astype` casts every nonzero byte to 1, so bool children 2 and 4 would both be node 1);
//! - each split node has both children in `[1, n_nodes)` and `feature_idx >= 0` (the number of
//!   features is not stored in the predictor, so the upper bound is not checked here: that is
//!   why a sound predictor is not trusted yet, see [`super::validate`]);
//! - a categorical split's `bitset_idx` is a row of both bitset arrays;
//! - every node is reached exactly once from node 0 (no cycles, no sharing, no orphans),
//!   walked iteratively.

use std::collections::BTreeSet;

use super::context::Context;
use super::records::{FieldProblem, IntField};
use super::registry::{PathFn, Validator};
use super::state::State;
use super::state::numpy_member;
use super::tree::Records;
use super::usage;
use super::walk::WalkError;
use crate::{Error, Result};
use skops_format::file::SkopsFile;
use skops_format::limits::{Limits, MAX_TREE_NODES};
use skops_format::npy::Descr;
use skops_format::schema::NodeId;

/// The field names of sklearn's `PREDICTOR_RECORD_DTYPE`, in order.
const RECORD_FIELDS: [&str; 13] = [
    "value",
    "count",
    "feature_idx",
    "num_threshold",
    "missing_go_to_left",
    "left",
    "right",
    "gain",
    "depth",
    "is_leaf",
    "bin_threshold",
    "is_categorical",
    "bitset_idx",
];

/// The words of one bitset row: 256 bits, one per binned value (`uint8`).
const BITSET_WORDS: u64 = 8;

/// The bitset arrays, in the order they are checked.
const BITSET_ARRAYS: [&str; 2] = ["binned_left_cat_bitsets", "raw_left_cat_bitsets"];

/// The features a sound predictor splits on: what [`super::usage`] bounds by the estimator.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct PredictorSplits {
    /// The largest `feature_idx` of a split node (`None` for a single leaf).
    pub(crate) max_feature: Option<u64>,
    /// The features of the categorical splits.
    pub(crate) categorical_features: BTreeSet<u64>,
}

/// Validates the `TreePredictor` ObjectNode `id` of `file`; `path` gives its access path.
pub(crate) fn validate_predictor(
    file: &SkopsFile<'_>,
    id: NodeId,
    limits: &Limits,
    path: &dyn Fn() -> String,
) -> Result<PredictorSplits> {
    let malformed = |reason: String| {
        Error::from(PredictorError::State {
            path: path(),
            reason,
        })
    };
    let state = State::read(file, id, path)?;
    let entry = |key: &str| {
        state
            .get(key)
            .ok_or_else(|| malformed(format!("the state has no `{key}`")))
    };

    let mut bitset_rows = Vec::with_capacity(BITSET_ARRAYS.len());
    for array in BITSET_ARRAYS {
        let bytes = numpy_member(file, entry(array)?).map_err(malformed)?;
        let view = bytes.view(limits)?;
        let bad = |reason: String| {
            Error::from(PredictorError::Bitsets {
                path: path(),
                array,
                reason,
            })
        };
        match &view.header.descr {
            Descr::Simple(type_str) if type_str.kind == 'u' && type_str.size == 4 => {}
            other => return Err(bad(format!("of dtype {}", other.to_python_repr()))),
        }
        match view.header.shape.as_slice() {
            [rows, BITSET_WORDS] => bitset_rows.push((array, *rows)),
            shape => return Err(bad(format!("of shape {shape:?}"))),
        }
    }

    let nodes_bytes = numpy_member(file, entry("nodes")?).map_err(malformed)?;
    let nodes = nodes_bytes.view(limits)?;
    let n_nodes = match nodes.header.shape.as_slice() {
        [length] => *length,
        shape => {
            return Err(malformed(format!(
                "`nodes` has shape {shape:?}, not one dimension"
            )));
        }
    };
    if n_nodes == 0 {
        return Err(malformed(
            "`nodes` is empty: predict reads node 0".to_owned(),
        ));
    }
    Limits::check("tree predictor nodes", n_nodes, MAX_TREE_NODES)?;
    let fields = PredictorFields::find(&nodes.header.descr).map_err(malformed)?;
    let records = Records::new(&nodes).map_err(malformed)?;

    let mut children = Vec::with_capacity(usize::try_from(n_nodes).unwrap_or(0));
    let mut splits = PredictorSplits::default();
    let truncated = || malformed("a `nodes` record is shorter than its dtype".to_owned());
    let as_i64 = |value: i128| i64::try_from(value).unwrap_or(i64::MAX);
    let as_u64 = |value: i128| u64::try_from(value).unwrap_or(u64::MAX);
    for (node, record) in (0u64..).zip(records.iter()) {
        let flag = |field: &'static str, reader: &IntField| -> Result<bool> {
            match reader.read(record).ok_or_else(truncated)? {
                0 => Ok(false),
                1 => Ok(true),
                value => Err(Error::from(PredictorError::Flag {
                    path: path(),
                    node,
                    field,
                    value: as_u64(value),
                })),
            }
        };
        let is_leaf = flag("is_leaf", &fields.is_leaf)?;
        flag("missing_go_to_left", &fields.missing_go_to_left)?;
        let is_categorical = flag("is_categorical", &fields.is_categorical)?;
        if is_leaf {
            children.push(None);
            continue;
        }
        let left = fields.left.read(record).ok_or_else(truncated)?;
        let right = fields.right.read(record).ok_or_else(truncated)?;
        for (side, child) in [("left", left), ("right", right)] {
            if child < 1 || child >= i128::from(n_nodes) {
                return Err(Error::from(PredictorError::ChildOutOfRange {
                    path: path(),
                    node,
                    side,
                    child: as_i64(child),
                    n_nodes,
                }));
            }
        }
        let feature = fields.feature_idx.read(record).ok_or_else(truncated)?;
        if feature < 0 {
            return Err(Error::from(PredictorError::Feature {
                path: path(),
                node,
                feature: as_i64(feature),
            }));
        }
        // Non-negative and read from an integer field of at most 64 bits: it fits in u64.
        let feature = as_u64(feature);
        splits.max_feature = splits.max_feature.max(Some(feature));
        if is_categorical {
            splits.categorical_features.insert(feature);
            let bitset_idx = fields.bitset_idx.read(record).ok_or_else(truncated)?;
            for &(array, rows) in &bitset_rows {
                if bitset_idx < 0 || bitset_idx >= i128::from(rows) {
                    return Err(Error::from(PredictorError::BitsetIndex {
                        path: path(),
                        node,
                        bitset_idx: as_u64(bitset_idx),
                        array,
                        rows,
                    }));
                }
            }
        }
        // Both are in `[1, n_nodes)`, so they fit in u64.
        children.push(Some((as_u64(left), as_u64(right))));
    }
    walk(&children, path)?;
    Ok(splits)
}

/// The integer fields of the `nodes` records the validator reads.
struct PredictorFields {
    feature_idx: IntField,
    missing_go_to_left: IntField,
    left: IntField,
    right: IntField,
    is_leaf: IntField,
    is_categorical: IntField,
    bitset_idx: IntField,
}

impl PredictorFields {
    fn find(descr: &Descr) -> std::result::Result<Self, String> {
        let Descr::Structured(fields) = descr else {
            return Err("`nodes` is not a structured array".to_owned());
        };
        let names: Vec<&str> = fields.iter().map(|field| field.name.as_str()).collect();
        if names != RECORD_FIELDS {
            return Err(format!(
                "`nodes` has fields {names:?}, not those of `PREDICTOR_RECORD_DTYPE`"
            ));
        }
        let field = |name: &str| {
            IntField::find(descr, name).map_err(|problem| match problem {
                FieldProblem::Missing => format!("`nodes` field `{name}` cannot be located"),
                FieldProblem::NotAnInteger(dtype) => {
                    format!("`nodes` field `{name}` has dtype {dtype}, not an integer")
                }
            })
        };
        Ok(Self {
            feature_idx: field("feature_idx")?,
            missing_go_to_left: field("missing_go_to_left")?,
            left: field("left")?,
            right: field("right")?,
            is_leaf: field("is_leaf")?,
            is_categorical: field("is_categorical")?,
            bitset_idx: field("bitset_idx")?,
        })
    }
}

/// Checks that every node of the predictor is reached exactly once from node 0.
fn walk(children: &[Option<(u64, u64)>], path: &dyn Fn() -> String) -> Result<()> {
    match super::walk::walk(children) {
        Ok(_) => Ok(()),
        Err(WalkError::Unreached(node)) => Err(Error::from(PredictorError::NodeUnreached {
            path: path(),
            node,
        })),
        Err(WalkError::ReachedTwice(node)) => Err(Error::from(PredictorError::NodeReachedTwice {
            path: path(),
            node,
        })),
    }
}

/// What the `hist_predictor` validator refuses.
#[derive(Debug, thiserror::Error, strum::EnumDiscriminants)]
#[strum_discriminants(name(PredictorErrorKind), derive(strum::EnumIter))]
#[strum_discriminants(doc = "The variants of [`PredictorError`], without their data.")]
pub enum PredictorError {
    /// The state of a HistGradientBoosting `TreePredictor` is not what sklearn writes: a
    /// missing `nodes`, `binned_left_cat_bitsets` or `raw_left_cat_bitsets`, an empty `nodes`,
    /// or a `nodes` dtype other than `PREDICTOR_RECORD_DTYPE`'s fields.
    #[error("the tree predictor at `{path}` is malformed: {reason}")]
    State {
        /// Where the predictor is, as a Python access path from the root object.
        path: String,
        /// What is missing or malformed.
        reason: String,
    },
    /// A bitset array is not uint32 of shape `(n_bitsets, 8)` (predict reads 8 words a row).
    #[error("the tree predictor at `{path}` has `{array}` {reason}, not uint32 of shape (n, 8)")]
    Bitsets {
        /// Where the predictor is.
        path: String,
        /// `binned_left_cat_bitsets` or `raw_left_cat_bitsets`.
        array: &'static str,
        /// The dtype or shape found.
        reason: String,
    },
    /// A split node's child is outside `[1, n_nodes)`.
    #[error(
        "split node {node} of the tree predictor at `{path}` has {side} child {child}, outside [1, {n_nodes})"
    )]
    ChildOutOfRange {
        /// Where the predictor is.
        path: String,
        /// The node index.
        node: u64,
        /// `left` or `right`.
        side: &'static str,
        /// The child index found.
        child: i64,
        /// The length of `nodes`.
        n_nodes: u64,
    },
    /// A node is the child of two nodes, or of itself through a cycle.
    #[error(
        "node {node} of the tree predictor at `{path}` is reached twice from the root (shared or cyclic)"
    )]
    NodeReachedTwice {
        /// Where the predictor is.
        path: String,
        /// The node index.
        node: u64,
    },
    /// A node is not reached from the root.
    #[error("node {node} of the tree predictor at `{path}` is not reached from the root")]
    NodeUnreached {
        /// Where the predictor is.
        path: String,
        /// The node index.
        node: u64,
    },
    /// `is_leaf`, `missing_go_to_left` or `is_categorical` is neither 0 nor 1.
    #[error("node {node} of the tree predictor at `{path}` has `{field}` {value}, not 0 or 1")]
    Flag {
        /// Where the predictor is.
        path: String,
        /// The node index.
        node: u64,
        /// The field.
        field: &'static str,
        /// The value found.
        value: u64,
    },
    /// A split node tests a negative feature index.
    #[error("split node {node} of the tree predictor at `{path}` tests feature {feature}, below 0")]
    Feature {
        /// Where the predictor is.
        path: String,
        /// The node index.
        node: u64,
        /// The feature found.
        feature: i64,
    },
    /// A categorical split's `bitset_idx` is not a row of a bitset array.
    #[error(
        "categorical split node {node} of the tree predictor at `{path}` has `bitset_idx` {bitset_idx}, but `{array}` has {rows} rows"
    )]
    BitsetIndex {
        /// Where the predictor is.
        path: String,
        /// The node index.
        node: u64,
        /// The index found.
        bitset_idx: u64,
        /// The bitset array indexed.
        array: &'static str,
        /// Its number of rows.
        rows: u64,
    },
}

skops_format::error_kinds!(PredictorError / PredictorErrorKind {
    State => "validate-predictor-state",
    Bitsets => "validate-predictor-bitsets",
    ChildOutOfRange => "validate-predictor-child-out-of-range",
    NodeReachedTwice => "validate-predictor-node-reached-twice",
    NodeUnreached => "validate-predictor-node-unreached",
    Flag => "validate-predictor-flag",
    Feature => "validate-predictor-feature",
    BitsetIndex => "validate-predictor-bitset-index",
});

impl PredictorError {
    /// What to tell a user who meets this refusal (the CLI's `hint:` line).
    pub fn hint(&self) -> &'static str {
        "the state of a HistGradientBoosting `TreePredictor` breaks an invariant scikit-learn \
         relies on at predict time (it would read out of bounds or loop): the file is corrupt or \
         was crafted; do not load it"
    }
}

// The registry's entry points (see `registry`).

/// Registry: validates the predictor, and trusts it where its estimator bounds its splits.
pub(super) fn check(
    context: &mut Context<'_, '_>,
    id: NodeId,
    _name: &str,
    path: PathFn<'_>,
) -> Result<()> {
    let (file, limits) = (context.file, context.limits);
    let splits = validate_predictor(file, id, limits, path)?;
    if usage::predictor_is_bounded(file, context.referrers(), id, &splits, limits) {
        context.trust(id, super::PREDICTOR_TYPE, Validator::HistPredictor);
    }
    Ok(())
}
