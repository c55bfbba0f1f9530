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
mod reviewed;
mod sparse;
mod state;
mod svm;
mod tree;
mod usage;
mod vocabulary;
mod walk;
mod widths;

pub use bspline::{ASARRAY_FUNCTION, BSPLINE_TYPE};
pub use error::{
    BinaryTreeError, BoostingError, BsplineError, EncoderError, KMeansError, LossError,
    MetricError, NeighborsError, PredictorError, SparseError, SvmError, TreeError, ValidateError,
};
pub(crate) use state::State;
pub use state::{STATE_DICT_CLASSES, StateForm, state_forms};

use std::collections::{BTreeSet, HashMap};

use crate::Result;
use crate::audit;
use skops_format::file::SkopsFile;
use skops_format::limits::Limits;
use skops_format::schema::{NodeId, NodeKind, ReduceKind};

/// The type the tree validator checks.
pub const TREE_TYPE: &str = "sklearn.tree._tree.Tree";

pub use dtype::DTYPE_TYPE;
pub use sparse::SPARSE_TYPES;

/// The type the tree predictor validator checks.
pub const PREDICTOR_TYPE: &str = "sklearn.ensemble._hist_gradient_boosting.predictor.TreePredictor";

pub use binary_tree::{BALL_TREE_TYPE, KD_TREE_TYPE};

/// A validator: what `inspect` names for a node it trusted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Validator {
    /// [`tree`]: `sklearn.tree._tree.Tree` and the estimators that feed it `X`.
    Tree,
    /// [`hist_predictor`]: HistGradientBoosting's `TreePredictor` and its estimator.
    HistPredictor,
    /// [`reviewed`]: a pure-Python helper reviewed as safe to build from any state, in its
    /// plain form.
    Reviewed,
    /// [`bisecting`]: BisectingKMeans' cluster tree, against the estimator's width.
    BisectingTree,
    /// [`sparse`]: scipy sparse matrices and arrays (csr, csc, bsr, coo).
    Sparse,
    /// [`dtype`]: `numpy.dtype` of a plain (non-object, non-structured) dtype.
    DType,
    /// [`loss`]: sklearn's Tweedie loss objects (`HalfTweedieLoss`, `HalfTweedieLossIdentity`).
    Loss,
    /// [`bspline`]: a `BSpline` of a `SplineTransformer` and its `_asarray` function.
    Bspline,
    /// [`binary_tree`]: `KDTree`/`BallTree` and the distance metric each carries.
    BinaryTree,
}

impl Validator {
    /// The name shown by `skops-rs inspect` and in JSON reports.
    pub fn name(self) -> &'static str {
        match self {
            Validator::Tree => "tree",
            Validator::HistPredictor => "hist-predictor",
            Validator::Reviewed => "reviewed",
            Validator::BisectingTree => "bisecting-tree",
            Validator::Sparse => "sparse",
            Validator::DType => "dtype",
            Validator::Loss => "loss",
            Validator::Bspline => "bspline",
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
/// binary tree (checked once every tree passed); then with the first unsound neighbors
/// estimator.
pub fn validate(file: &SkopsFile<'_>, limits: &Limits) -> Result<Validated> {
    let schema = file.schema();
    let mut validated = Validated::none();
    // Built on the first node that needs it: most files have none.
    let mut referrers = None;
    // Found on the first spline, like `referrers`: most files have none.
    let mut placed_bsplines = None;
    let mut binary_trees = Vec::new();
    let mut neighbors_estimators = Vec::new();
    let mut trees = parallel::validate_trees(file, limits);
    for (id, node) in schema.nodes() {
        let path = || audit::node_path(schema, id);
        // Once per node, and not for JSON scalars and arrays, which no guard below compares
        // by name (a vocabulary of 100k words is 100k JsonNodes).
        let name = match node.kind {
            NodeKind::Json { .. } | NodeKind::NdArray(_) => String::new(),
            _ => node.type_name(),
        };
        let name = name.as_str();
        if matches!(node.kind, NodeKind::Object { .. }) {
            if reads_state_of(name) {
                // The validators read these objects' attributes: a state they cannot read
                // with certainty is refused here, before any of them would skip it.
                state::State::read(file, id, &path)?;
            }
            if name.starts_with("sklearn.") {
                widths::check_object(file, id, name, limits, &path)?;
            }
        }
        match node.kind {
            NodeKind::Reduce {
                kind: ReduceKind::Tree,
                ..
            } => {
                let n_features = match trees.remove(&id) {
                    Some(result) => result?,
                    None => tree::validate_tree(file, id, limits, &path)?,
                };
                let referrers = referrers.get_or_insert_with(|| usage::Referrers::new(schema));
                if usage::tree_is_bounded(file, referrers, id, n_features, limits) {
                    validated.insert(id, TREE_TYPE, Validator::Tree);
                }
            }
            NodeKind::Object { .. } if name == PREDICTOR_TYPE => {
                let splits = hist_predictor::validate_predictor(file, id, limits, &path)?;
                let referrers = referrers.get_or_insert_with(|| usage::Referrers::new(schema));
                if usage::predictor_is_bounded(file, referrers, id, &splits, limits) {
                    validated.insert(id, PREDICTOR_TYPE, Validator::HistPredictor);
                }
            }
            NodeKind::Object { .. } if name == bisecting::BISECTING_TREE_TYPE => {
                let referrers = referrers.get_or_insert_with(|| usage::Referrers::new(schema));
                if bisecting::validate_bisecting_tree(file, referrers, id, &path)? {
                    validated.insert(id, bisecting::BISECTING_TREE_TYPE, Validator::BisectingTree);
                }
            }
            NodeKind::SparseMatrix { .. } => {
                if let Some((class, shape)) = sparse::validate_sparse(file, id, limits, &path)? {
                    let referrers = referrers.get_or_insert_with(|| usage::Referrers::new(schema));
                    if sparse::placement_is_bounded(file, referrers, id, shape) {
                        validated.insert(id, class, Validator::Sparse);
                    }
                }
            }
            NodeKind::DType { .. } if dtype::validate_dtype(file, id, limits, &path)? => {
                validated.insert(id, dtype::DTYPE_TYPE, Validator::DType);
            }
            NodeKind::Object { .. } if loss::spec(name).is_some() => {
                if let Some(spec) = loss::spec(name)
                    && loss::validate_loss(file, id, spec, &path)?
                {
                    validated.insert(id, spec.class, Validator::Loss);
                }
            }
            NodeKind::Object { .. } if name == BSPLINE_TYPE => {
                // Evaluating a sound BSpline reads only within its own arrays; it is trusted
                // where its use is the one checked (an item of a consistent
                // `SplineTransformer.bsplines_`), together with its `_asarray` function.
                let function = bspline::validate_bspline(file, id, limits, &path)?;
                let placed = placed_bsplines.get_or_insert_with(|| bspline::placed_bsplines(file));
                if let (Some(function), true) = (function, placed.contains(&id)) {
                    validated.insert(id, BSPLINE_TYPE, Validator::Bspline);
                    validated.insert(function, ASARRAY_FUNCTION, Validator::Bspline);
                }
            }
            NodeKind::Object { .. } if svm::svm_kind(name).is_some() => {
                // skops trusts the SVMs by default: their state is only refused when unsound.
                svm::validate_svm(file, id, limits, &path)?;
            }
            NodeKind::Object { .. } if neighbors::neighbors_kind(name).is_some() => {
                // Checked after the binary trees, whose errors about a `_fit_X` they share
                // name the tree's invariant.
                neighbors_estimators.push(id);
            }
            NodeKind::Object { .. } if boosting::GRADIENT_BOOSTING.contains(&name) => {
                // skops trusts these ensembles by default: a stage that is not a tree is only
                // refused (the trees themselves are validated as `Tree` nodes).
                boosting::validate_stages(file, id, &path)?;
            }
            NodeKind::Object { .. } if name == encoders::ONE_HOT_ENCODER => {
                // skops trusts OneHotEncoder by default: refused when `transform` would write
                // outside its output.
                encoders::validate_one_hot_encoder(file, id, limits, &path)?;
            }
            NodeKind::Object { .. } if vocabulary::table(name).is_some() => {
                // skops trusts these by default: refused when `transform` would build its
                // sparse output with a column outside it.
                if let Some(table) = vocabulary::table(name) {
                    vocabulary::validate_vocabulary(file, id, table, limits, &path)?;
                }
            }
            NodeKind::Object { .. } if name == polynomial::POLYNOMIAL_FEATURES => {
                // skops trusts PolynomialFeatures by default: refused when unsound.
                polynomial::validate_polynomial(file, id, limits, &path)?;
            }
            NodeKind::Object { .. } if kmeans::is_kmeans(name) => {
                // skops trusts KMeans and MiniBatchKMeans by default: refused when unsound.
                kmeans::validate_kmeans(file, id, &path)?;
            }
            NodeKind::Object { .. } if binary_tree::TreeKind::of(name).is_some() => {
                // A KDTree/BallTree checks the width of `X` against its own `data` before any
                // query, so a sound tree is safe wherever it sits; its metric is trusted with
                // it only where nothing else uses the metric (see `binary_tree::trust`).
                if let Some(kind) = binary_tree::TreeKind::of(name) {
                    let tree = binary_tree::validate_binary_tree(file, id, kind, limits, &path)?;
                    binary_trees.push((id, tree));
                }
            }
            NodeKind::Function if reviewed::is_held_function(node) => {
                let referrers = referrers.get_or_insert_with(|| usage::Referrers::new(schema));
                if let Some(name) = reviewed::held_function(schema, referrers, id) {
                    validated.insert(id, name, Validator::Reviewed);
                }
            }
            _ => {
                if let Some(name) = reviewed::reviewed_type(schema, node, name) {
                    validated.insert(id, name, Validator::Reviewed);
                }
            }
        }
    }
    if !binary_trees.is_empty() {
        let referrers = referrers.get_or_insert_with(|| usage::Referrers::new(schema));
        for (id, tree) in &binary_trees {
            binary_tree::check_estimators(file, referrers, *id, tree)?;
        }
        binary_tree::trust(referrers, &binary_trees, &mut validated);
    }
    for id in neighbors_estimators {
        // skops trusts the neighbors estimators by default: refused when unsound.
        neighbors::validate_neighbors(file, id, limits, &|| audit::node_path(schema, id))?;
    }
    Ok(validated)
}

/// Whether a validator reads the attributes of objects of type `name` through
/// [`state::State`]: the estimators and helpers whose state it checks or relies on.
fn reads_state_of(name: &str) -> bool {
    usage::reads_state_of(name)
        || boosting::reads_state_of(name)
        || name == PREDICTOR_TYPE
        || name == BSPLINE_TYPE
        || name == bspline::SPLINE_TRANSFORMER_TYPE
        || name == bisecting::BISECTING_TREE_TYPE
        || name == bisecting::BISECTING_KMEANS
        || loss::spec(name).is_some()
        || kmeans::is_kmeans(name)
        || neighbors::neighbors_kind(name).is_some()
        || svm::svm_kind(name).is_some()
        || name == encoders::ONE_HOT_ENCODER
        || vocabulary::table(name).is_some()
        || name == polynomial::POLYNOMIAL_FEATURES
}

/// The access path of node `id` of `file`, for error messages.
fn audit_path(file: &SkopsFile<'_>, id: NodeId) -> String {
    audit::node_path(file.schema(), id)
}
