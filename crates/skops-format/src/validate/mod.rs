//! Validators of the native state scikit-learn trusts blindly at predict time.
//!
//! skops 0.16 leaves such types untrusted (a crafted `sklearn.tree._tree.Tree` can read out of
//! bounds or loop forever in `predict`), so every tree model needs a `trusted` list. Here a
//! type with a validator is trusted when its state passes the validator, which reads the
//! node's arguments and array members before anything is built; a state that fails is refused
//! with an error naming the node path and the broken invariant.
//!
//! Validators: [`tree`] (`sklearn.tree._tree.Tree`), [`hist_predictor`] (HistGradientBoosting's
//! `TreePredictor`: checked, refused when unsound, but not yet trusted, see [`validate`]),
//! [`binary_tree`] (`KDTree`, `BallTree`, with their [`dist_metric`]).

mod arrays;
mod binary_tree;
mod dist_metric;
mod hist_predictor;
mod records;
mod references;
mod tree;
mod walk;

use std::collections::{BTreeSet, HashMap};

use crate::Result;
use crate::audit;
use crate::file::SkopsFile;
use crate::limits::Limits;
use crate::schema::{NodeId, NodeKind, ReduceKind};

/// The type the tree validator checks.
pub const TREE_TYPE: &str = "sklearn.tree._tree.Tree";

/// The type the tree predictor validator checks (its nodes are checked, not trusted).
pub const PREDICTOR_TYPE: &str = "sklearn.ensemble._hist_gradient_boosting.predictor.TreePredictor";

pub use binary_tree::{BALL_TREE_TYPE, KD_TREE_TYPE};

/// A validator: what `inspect` names for a node it trusted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Validator {
    /// [`tree`]: `sklearn.tree._tree.Tree` and the estimators that feed it `X`.
    Tree,
    /// [`hist_predictor`]: HistGradientBoosting's `TreePredictor` and its estimator.
    HistPredictor,
    /// [`binary_tree`]: `KDTree`/`BallTree` and the distance metric each carries.
    BinaryTree,
}

impl Validator {
    /// The name shown by `skops-rs inspect` and in JSON reports.
    pub fn name(self) -> &'static str {
        match self {
            Validator::Tree => "tree",
            Validator::HistPredictor => "hist-predictor",
            Validator::BinaryTree => "binary-tree",
        }
    }
}

/// One node a validator found sound: the type it trusts the node as, and the validator.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Check {
    /// The validated type (e.g. `"sklearn.tree._tree.Tree"`).
    pub type_name: &'static str,
    /// The validator that passed.
    pub validator: Validator,
}

/// The nodes whose state a validator checked and found sound, each with the validated type.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Validated {
    nodes: HashMap<NodeId, Check>,
}

impl Validated {
    /// Nothing validated (what a schema-only audit assumes).
    pub fn none() -> Self {
        Self::default()
    }

    /// Records that `validator` found node `id` sound as a `type_name`.
    pub(crate) fn insert(&mut self, id: NodeId, type_name: &'static str, validator: Validator) {
        self.nodes.insert(
            id,
            Check {
                type_name,
                validator,
            },
        );
    }

    /// The type whose validator passed on node `id`, if one did.
    pub fn validator(&self, id: NodeId) -> Option<&'static str> {
        self.nodes.get(&id).map(|check| check.type_name)
    }

    /// The check that passed on node `id`, if one did.
    pub fn check(&self, id: NodeId) -> Option<Check> {
        self.nodes.get(&id).copied()
    }

    /// The validated types, sorted.
    pub fn types(&self) -> BTreeSet<&'static str> {
        self.nodes.values().map(|check| check.type_name).collect()
    }

    /// How many nodes were validated.
    pub fn len(&self) -> usize {
        self.nodes.len()
    }

    /// Whether no node was validated.
    pub fn is_empty(&self) -> bool {
        self.nodes.is_empty()
    }
}

/// Runs every validator on the nodes of `file` that have one.
///
/// Fails with the first `Validate*` error (see [`crate::Error`]) of the first node, in schema
/// order, whose state is unsound; then with the first estimator that disagrees with its
/// binary tree (checked once every tree passed).
pub fn validate(file: &SkopsFile<'_>, limits: &Limits) -> Result<Validated> {
    let schema = file.schema();
    let mut validated = Validated::none();
    let mut binary_trees = Vec::new();
    for (id, node) in schema.nodes() {
        let path = || audit::node_path(schema, id);
        match node.kind {
            NodeKind::Reduce {
                kind: ReduceKind::Tree,
                ..
            } => {
                // Same reasoning as for the predictor below: the tree's own `n_features` bounds
                // `feature`, but a crafted file sets both (n_features = 10**13, feature = 10**12
                // passes and segfaults predict). Until `feature` is bounded by the width of
                // the `X` that predict really reads (the `n_features_in_` of every estimator
                // above the tree, and how each slices `X`), a sound tree is checked and
                // refused when unsound, but not trusted by default.
                // TODO(issue 4): the cross-estimator width check, then `nodes.insert(id, TREE_TYPE)`.
                tree::validate_tree(file, id, limits, &path)?;
            }
            NodeKind::Object { .. } if node.type_name() == PREDICTOR_TYPE => {
                // A predictor whose state breaks an invariant is refused, whatever the caller
                // trusts; but a sound one is not trusted by default yet: the predictor alone
                // cannot bound `feature_idx` by the width of the `X` predict reads (nor tie a
                // categorical split to the `_bin_mapper`'s categorical features), so a huge
                // `feature_idx` passes and reads out of bounds. That needs a check across the
                // estimator (`n_features_in_`, `_preprocessor`, `_bin_mapper`).
                hist_predictor::validate_predictor(file, id, limits, &path)?;
            }
            NodeKind::Object { .. } => {
                // A KDTree/BallTree checks the width of `X` against its own `data` before any
                // query, so a sound tree is safe wherever it sits; its metric is trusted with
                // it only where nothing else uses the metric (see `binary_tree::trust`).
                if let Some(kind) = binary_tree::TreeKind::of(&node.type_name()) {
                    let tree = binary_tree::validate_binary_tree(file, id, kind, limits, &path)?;
                    binary_trees.push((id, tree));
                }
            }
            _ => {}
        }
    }
    if !binary_trees.is_empty() {
        let references = references::References::of(schema);
        for (id, tree) in &binary_trees {
            binary_tree::check_estimators(file, &references, *id, tree)?;
        }
        binary_tree::trust(&references, &binary_trees, &mut validated);
    }
    Ok(validated)
}

/// The access path of node `id` of `file`, for error messages.
fn audit_path(file: &SkopsFile<'_>, id: NodeId) -> String {
    audit::node_path(file.schema(), id)
}
