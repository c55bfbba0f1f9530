//! Validators of the native state scikit-learn trusts blindly at predict time.
//!
//! skops 0.16 leaves such types untrusted (a crafted `sklearn.tree._tree.Tree` can read out of
//! bounds or loop forever in `predict`), so every tree model needs a `trusted` list. Here a
//! type with a validator is trusted when its state passes the validator, which reads the
//! node's arguments and array members before anything is built; a state that fails is refused
//! with an error naming the node path and the broken invariant.
//!
//! Validators: [`tree`] (`sklearn.tree._tree.Tree`), [`hist_predictor`] (HistGradientBoosting's
//! `TreePredictor`: checked, refused when unsound, but not yet trusted, see [`validate`]).

mod hist_predictor;
mod records;
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

/// The nodes whose state a validator checked and found sound, each with the validated type.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Validated {
    nodes: HashMap<NodeId, &'static str>,
}

impl Validated {
    /// Nothing validated (what a schema-only audit assumes).
    pub fn none() -> Self {
        Self::default()
    }

    /// The type whose validator passed on node `id`, if one did.
    pub fn validator(&self, id: NodeId) -> Option<&'static str> {
        self.nodes.get(&id).copied()
    }

    /// The validated types, sorted.
    pub fn types(&self) -> BTreeSet<&'static str> {
        self.nodes.values().copied().collect()
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
/// order, whose state is unsound.
pub fn validate(file: &SkopsFile<'_>, limits: &Limits) -> Result<Validated> {
    let schema = file.schema();
    let nodes = HashMap::new(); // no validator grants trust yet (see below)
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
            _ => {}
        }
    }
    Ok(Validated { nodes })
}
