//! The validator of BisectingKMeans' cluster tree (`_BisectingTree`): each cluster's `center`
//! has the width of the `X` that predict hands to Cython k-means code.
//!
//! `BisectingKMeans.predict` checks `X` against the estimator's `n_features_in_`, then walks
//! the cluster tree from `_bisecting_tree`: at each split it stacks the two children's
//! `center`s and calls `_labels_inertia`, whose Cython loops read `X.shape[1]` values of each
//! center without bounds checks. The class itself is pure Python (building it only sets
//! attributes), so a cluster node is trusted when:
//! - every reference to it is the `_bisecting_tree` of a `BisectingKMeans` or the `left` /
//!   `right` of another cluster node that is (checked up to the estimator);
//! - that estimator has a plain integer `n_features_in_` and no bound method in the file (one
//!   such as `_predict_recursive` takes `X` unchecked) nor callable attribute (one named
//!   `_check_test_data` would replace the check), and a positive integer `_n_threads`
//!   (the OpenMP thread count of the k-means loops: a negative one aborts the process);
//! - its `center` is a one-dimensional float array of exactly `n_features_in_` values, and
//!   `left` and `right` are each `None` or a cluster node.
//!
//! A node under a `BisectingKMeans` whose `center` or children break this is refused
//! ([`BisectingError::Node`]); a node found anywhere else is left untrusted.
//! A cycle of cluster nodes makes predict recurse until Python's `RecursionError`: an error,
//! not a crash, so it is not checked.

use std::collections::HashSet;

use super::context::Context;
use super::registry::{PathFn, Validator};
use super::state::numpy_header;
use super::usage::{Referrers, attribute, attribute_int, attribute_json, state_shadows_methods};

use crate::{Error, Result};
use skops_format::file::SkopsFile;
use skops_format::json::Value;
use skops_format::npy::Descr;
use skops_format::schema::{ChildKey, NodeId, NodeKind};

/// The type this validator checks.
pub(super) const BISECTING_TREE_TYPE: &str = "sklearn.cluster._bisect_k_means._BisectingTree";

/// The estimator that holds the cluster tree.
pub(super) const BISECTING_KMEANS: &str = "sklearn.cluster._bisect_k_means.BisectingKMeans";

/// Validates the `_BisectingTree` ObjectNode `id`; returns whether it is trusted (see the
/// module documentation).
pub(super) fn validate_bisecting_tree(
    file: &SkopsFile<'_>,
    referrers: &Referrers<'_>,
    id: NodeId,
    path: &dyn Fn() -> String,
) -> Result<bool> {
    let Some(estimators) = owning_estimators(file, referrers, id) else {
        return Ok(false);
    };
    let mut width = None;
    for estimator in estimators {
        let Some(n_features) = attribute_int(file, estimator, "n_features_in_") else {
            return Ok(false);
        };
        if width.is_some_and(|width| width != n_features)
            || referrers.has_bound_method(estimator)
            || state_shadows_methods(file, estimator)
        {
            return Ok(false);
        }
        // Predict hands `_n_threads` to the k-means `prange` as OpenMP's `num_threads`: a
        // negative count makes libgomp abort the process (it sizes a pool by it, unsigned).
        if attribute_int(file, estimator, "_n_threads").is_none_or(|threads| threads < 1) {
            return Ok(false);
        }
        width = Some(n_features);
    }
    let Some(width) = width else {
        return Ok(false);
    };
    let malformed = |reason: String| {
        Error::from(BisectingError::Node {
            path: path(),
            reason,
        })
    };

    let center =
        attribute(file, id, "center").ok_or_else(|| malformed("it has no `center`".to_owned()))?;
    // The header read at open: a center shared by many cluster nodes is not decompressed
    // once per node.
    let header =
        numpy_header(file, center).map_err(|reason| malformed(format!("`center`: {reason}")))?;
    let float = matches!(
        &header.descr,
        Descr::Simple(type_str) if type_str.kind == 'f' && matches!(type_str.size, 4 | 8)
    );
    if !float {
        return Err(malformed(format!(
            "`center` has dtype {}, not float32 or float64",
            header.descr.to_python_repr()
        )));
    }
    match header.shape.as_slice() {
        [length] if i128::from(*length) == width => {}
        shape => {
            return Err(malformed(format!(
                "`center` has shape {shape:?}, not ({width},) for the model's {width} features"
            )));
        }
    }
    for side in ["left", "right"] {
        let Some(child) = attribute(file, id, side) else {
            return Err(malformed(format!("it has no `{side}`")));
        };
        let is_none = attribute_json(file, id, side) == Some(Value::Null);
        let is_cluster = matches!(file.schema().node(child).kind, NodeKind::Object { .. })
            && file.schema().node(child).type_name() == BISECTING_TREE_TYPE;
        if !is_none && !is_cluster {
            return Err(malformed(format!(
                "`{side}` is a `{}`, not None or a cluster node",
                file.schema().node(child).type_name()
            )));
        }
    }
    Ok(true)
}

/// The `BisectingKMeans` objects whose cluster tree holds `id`, or `None` when some
/// reference on the way up is anything else.
fn owning_estimators(
    file: &SkopsFile<'_>,
    referrers: &Referrers<'_>,
    id: NodeId,
) -> Option<Vec<NodeId>> {
    let schema = file.schema();
    let mut estimators = Vec::new();
    let mut seen = HashSet::from([id]);
    let mut pending = vec![id];
    while let Some(node) = pending.pop() {
        let references = referrers.of(node);
        if references.is_empty() {
            return None;
        }
        for &(state, key) in references {
            if !referrers.is_object_state(state) {
                return None;
            }
            for &(owner, _) in referrers.of(state) {
                let owner_type = schema.node(owner).type_name();
                match key {
                    ChildKey::Key("_bisecting_tree") if owner_type == BISECTING_KMEANS => {
                        estimators.push(owner);
                    }
                    ChildKey::Key("left" | "right") if owner_type == BISECTING_TREE_TYPE => {
                        if seen.insert(owner) {
                            pending.push(owner);
                        }
                    }
                    _ => return None,
                }
            }
        }
    }
    (!estimators.is_empty()).then_some(estimators)
}

/// What the `bisecting` validator refuses.
#[derive(Debug, thiserror::Error, strum::EnumDiscriminants)]
#[strum_discriminants(name(BisectingErrorKind), derive(strum::EnumIter))]
#[strum_discriminants(doc = "The variants of [`BisectingError`], without their data.")]
pub enum BisectingError {
    /// A BisectingKMeans cluster node (`_BisectingTree`) is malformed: its `center` is not a
    /// one-dimensional float array as wide as the estimator's `n_features_in_` (Cython k-means
    /// reads that many values of each center, unchecked), or a child is neither `None` nor a
    /// cluster node.
    #[error("the BisectingKMeans cluster node at `{path}` is malformed: {reason}")]
    Node {
        /// Where the cluster node is, as a Python access path from the root object.
        path: String,
        /// What is malformed.
        reason: String,
    },
}

skops_format::error_kinds!(BisectingError / BisectingErrorKind {
    Node => "validate-bisecting-tree",
});

impl BisectingError {
    /// What to tell a user who meets this refusal (the CLI's `hint:` line).
    pub fn hint(&self) -> &'static str {
        "a BisectingKMeans cluster center does not match the model's number of features: \
         scikit-learn would read past it at predict time; the file is corrupt or was \
         crafted; do not load it"
    }
}

// The registry's entry points (see `registry`).

/// Registry: validates the cluster tree, and trusts it where it agrees with its estimator.
pub(super) fn check(
    context: &mut Context<'_, '_>,
    id: NodeId,
    _name: &str,
    path: PathFn<'_>,
) -> Result<()> {
    let file = context.file;
    if validate_bisecting_tree(file, context.referrers(), id, path)? {
        context.trust(id, BISECTING_TREE_TYPE, Validator::BisectingTree);
    }
    Ok(())
}
