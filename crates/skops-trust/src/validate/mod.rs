//! Validators of the native state scikit-learn trusts blindly at predict time.
//!
//! skops 0.16 leaves such types untrusted (a crafted `sklearn.tree._tree.Tree` can read out of
//! bounds or loop forever in `predict`), so every tree model needs a `trusted` list. Here a
//! type with a validator is trusted when its state passes the validator, which reads the
//! node's arguments and array members before anything is built; a state that fails is refused
//! with an error naming the node path and the broken invariant.
//!
//! A sound state is trusted only where its use is bounded by what was checked: [`usage`] ties
//! a tree's split features to the `n_features_in_` of the estimators that validate `X` for it.
//!
//! The validators are listed, with what each matches and whether it can trust or only refuse,
//! in [`registry`] (whose module doc says how to add one).
//!
//! Validators: [`tree`] (`sklearn.tree._tree.Tree`), [`hist_predictor`] (HistGradientBoosting's
//! `TreePredictor`), [`bisecting`] (BisectingKMeans' cluster tree), [`sparse`] (scipy sparse
//! matrices and arrays: csr, csc, bsr and coo trusted when sound), [`dtype`] (`numpy.dtype`
//! trusted when plain), [`loss`] (sklearn's Tweedie loss objects trusted when their Cython loss
//! and link are the ones their class builds), [`svm`] (the libsvm state of sklearn's SVMs,
//! which skops already trusts: refused when unsound), [`bspline`] (`scipy.interpolate.BSpline`
//! in a `SplineTransformer`), [`binary_tree`] (`KDTree`, `BallTree`, with their
//! [`dist_metric`]), [`reviewed`] (pure-Python helpers, in their plain form), [`neighbors`]
//! and [`kmeans`] (the fitted state of the neighbors estimators and of `KMeans`, which skops
//! already trusts: refused when unsound), [`encoders`] (`OneHotEncoder`) and [`vocabulary`]
//! (the count, tf-idf and dict vectorizers, `MultiLabelBinarizer`), which skops trusts:
//! refused when `transform` would write outside its output, and [`polynomial`]
//! (`PolynomialFeatures`' flag and degrees, likewise refuse-only).

mod arrays;
mod binary_tree;
mod bisecting;
mod boosting;
mod bspline;
mod context;
mod dist_metric;
mod dtype;
mod encoders;
mod error;
mod hist_predictor;
mod kmeans;
mod loss;
mod neighbors;
mod parallel;
mod polynomial;
mod records;
mod registry;
mod reviewed;
mod sparse;
pub mod state;
mod svm;
mod tree;
mod usage;
mod vocabulary;
mod walk;
mod widths;

pub use bspline::{ASARRAY_FUNCTION, BSPLINE_TYPE};
pub use error::*;
pub use registry::Validator;
pub use state::{STATE_DICT_CLASSES, State, StateForm, state_forms};

use std::collections::{BTreeSet, HashMap};

use crate::Result;
use crate::audit;
use context::Context;
use registry::{Action, Entry};
use skops_format::file::SkopsFile;
use skops_format::limits::Limits;
use skops_format::schema::{NodeId, NodeKind};

/// The type the tree validator checks.
pub const TREE_TYPE: &str = "sklearn.tree._tree.Tree";

pub use dtype::DTYPE_TYPE;
pub use sparse::SPARSE_TYPES;

/// The type the tree predictor validator checks.
pub const PREDICTOR_TYPE: &str = "sklearn.ensemble._hist_gradient_boosting.predictor.TreePredictor";

pub use binary_tree::{BALL_TREE_TYPE, KD_TREE_TYPE};

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

    /// The validators that trusted a node, sorted.
    pub fn validators(&self) -> BTreeSet<Validator> {
        self.nodes.values().map(|check| check.validator).collect()
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

/// Runs every validator on the nodes of `file` that have one (see [`registry`]).
///
/// Fails with the first `Validate*` error (see [`crate::Error`]) of the first node, in schema
/// order, whose state is unsound; then with the first error of a check that needs the whole
/// file (in registry order: estimators against their binary trees, then neighbors estimators).
pub fn validate(file: &SkopsFile<'_>, limits: &Limits) -> Result<Validated> {
    let schema = file.schema();
    let mut context = Context::new(file, limits);
    for (id, node) in schema.nodes() {
        let path = || audit::node_path(schema, id);
        // Once per node, and not for JSON scalars and arrays, which no validator matches by
        // name (a vocabulary of 100k words is 100k JsonNodes).
        let name = match node.kind {
            NodeKind::Json { .. } | NodeKind::NdArray(_) => String::new(),
            _ => node.type_name(),
        };
        let name = name.as_str();
        if matches!(node.kind, NodeKind::Object { .. }) {
            if registry::reads_state_of(name) {
                // The validators read these objects' attributes: a state they cannot read
                // with certainty is refused here, before any of them would skip it.
                state::State::read(file, id, &path)?;
            }
            if name.starts_with("sklearn.") {
                widths::check_object(file, id, name, limits, &path)?;
            }
        }
        match registry::entry_for(node, name) {
            Some((
                _,
                Entry {
                    action: Action::Trusts(check),
                    ..
                },
            )) => {
                check(&mut context, id, name, &path)?;
            }
            Some((
                _,
                Entry {
                    action: Action::Refuses(check),
                    ..
                },
            )) => {
                check(file, id, limits, &path)?;
            }
            Some((
                index,
                Entry {
                    action: Action::RefusesAtEnd(_),
                    ..
                },
            )) => {
                context.deferred.push((index, id));
            }
            None => {}
        }
    }
    let deferred = std::mem::take(&mut context.deferred);
    for (index, entry) in registry::REGISTRY.iter().enumerate() {
        if let Some(finish) = entry.finish {
            finish(&mut context)?;
        }
        if let Action::RefusesAtEnd(check) = entry.action {
            for &(_, id) in deferred.iter().filter(|(entry, _)| *entry == index) {
                check(file, id, limits, &|| audit::node_path(schema, id))?;
            }
        }
    }
    Ok(context.validated)
}

/// The access path of node `id` of `file`, for error messages.
fn audit_path(file: &SkopsFile<'_>, id: NodeId) -> String {
    audit::node_path(file.schema(), id)
}
