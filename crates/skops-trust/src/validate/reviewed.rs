//! Pure-Python scikit-learn and numpy helpers that skops 0.16 leaves untrusted although
//! building them from any state cannot misbehave: reviewed here one by one, trusted by default
//! in the plain form scikit-learn's own estimators store them in.
//!
//! Why these are safe: each class is defined in Python (no extension type in its MRO but
//! `object`, `dict`, `tuple`), so skops' loader builds it with `cls.__new__(cls)` and sets
//! attributes from the state (`__setstate__` is Python too, or absent), and its methods run
//! Python and numpy code, whose indexing is bounds-checked; each function is a Python
//! function (or numpy's dispatcher of one) that only computes on its arguments. What such an
//! object holds (an estimator, a scoring function, arrays) is a node of its own, audited on
//! its own: trusting a scorer does not trust the function it calls. The node must have the
//! form listed (an ObjectNode with a dict state, a FunctionNode, ...), so a type name cannot be
//! borrowed by another loader.
//!
//! A function that is harmless only where scikit-learn calls it is trusted only there
//! ([`HELD_FUNCTIONS`]).
//!
//! `python/tests/test_validate.py` checks against the installed libraries that every class
//! here is still pure Python and every function a Python function, so a release that moves one
//! to Cython fails the tests instead of silently widening the trust.
//!
//! Not here, on purpose: `functools.partial` (it binds arguments the file chooses to a function;
//! skops leaves it to the user), and `_BisectingTree`, whose centers reach Cython k-means code
//! that trusts their width (see [`super::bisecting`]).

use super::context::Context;
use super::registry::{PathFn, Validator};
use super::usage::Referrers;
use crate::Result;
use skops_format::schema::{Loader, Node, NodeId, NodeKind, Schema};

/// The reviewed types, each with the loader of the plain form it is trusted in.
pub(crate) const REVIEWED_TYPES: [(&str, Loader); 19] = [
    // Probability calibration (`CalibratedClassifierCV.calibrated_classifiers_`).
    ("sklearn.calibration._CalibratedClassifier", Loader::Object),
    ("sklearn.calibration._SigmoidCalibration", Loader::Object),
    // Gaussian-process internals and kernels (numpy and scipy.linalg, which checks shapes).
    (
        "sklearn.gaussian_process._gpc._BinaryGaussianProcessClassifierLaplace",
        Loader::Object,
    ),
    (
        "sklearn.gaussian_process.kernels.ConstantKernel",
        Loader::Object,
    ),
    ("sklearn.gaussian_process.kernels.Product", Loader::Object),
    ("sklearn.gaussian_process.kernels.RBF", Loader::Object),
    // Searches and scoring: splitters, scorers, metadata routing records.
    (
        "sklearn.model_selection._split.StratifiedKFold",
        Loader::Object,
    ),
    ("sklearn.metrics._scorer._PassthroughScorer", Loader::Object),
    ("sklearn.metrics._scorer._Scorer", Loader::Object),
    ("sklearn.metrics._scorer._CurveScorer", Loader::Object),
    (
        "sklearn.utils._metadata_requests.MetadataRequest",
        Loader::Object,
    ),
    (
        "sklearn.utils._metadata_requests.MethodMetadataRequest",
        Loader::Object,
    ),
    // Containers of fitted parts.
    ("sklearn.utils._bunch.Bunch", Loader::Dict),
    ("sklearn.impute._iterative._ImputerTriplet", Loader::Tuple),
    ("sklearn.multiclass._ConstantPredictor", Loader::Object),
    (
        "sklearn.neural_network._stochastic_optimizers.AdamOptimizer",
        Loader::Object,
    ),
    // Functions estimators keep as parameters.
    (
        "sklearn.feature_selection._univariate_selection.f_classif",
        Loader::Function,
    ),
    (
        "sklearn.metrics._classification.balanced_accuracy_score",
        Loader::Function,
    ),
    ("numpy.mean", Loader::Function),
];

/// Functions that are harmless only where scikit-learn itself calls them: each is trusted only
/// as the given attribute of the given estimator (function, estimator, attribute).
///
/// `_kmeans_single_lloyd(X, sample_weight, centers_init, ...)` runs Cython k-means that reads
/// `X.shape[1]` values of each row of `centers_init` unchecked: BisectingKMeans calls it in
/// `fit` with centers it draws from `X`, but held anywhere a caller passes arguments the file
/// chooses (a `FunctionTransformer`'s `kw_args`, a scorer's `kwargs`), narrow centers read out
/// of bounds.
pub(crate) const HELD_FUNCTIONS: [(&str, &str, &str); 1] = [(
    "sklearn.cluster._kmeans._kmeans_single_lloyd",
    "sklearn.cluster._bisect_k_means.BisectingKMeans",
    "_kmeans_single",
)];

/// Whether `node` names one of [`HELD_FUNCTIONS`] (whatever its placement).
pub(crate) fn is_held_function(node: &Node) -> bool {
    let name = node.type_name();
    HELD_FUNCTIONS
        .iter()
        .any(|(function, _, _)| *function == name)
}

/// The function FunctionNode `id` is, when it is one of [`HELD_FUNCTIONS`] and every reference
/// to it is the attribute its estimator holds it as.
pub(crate) fn held_function(
    schema: &Schema,
    referrers: &Referrers<'_>,
    id: NodeId,
) -> Option<&'static str> {
    let node = schema.node(id);
    if !matches!(node.kind, NodeKind::Function) {
        return None;
    }
    let name = node.type_name();
    let (function, estimator, attribute) = HELD_FUNCTIONS
        .iter()
        .find(|(function, _, _)| *function == name)?;
    let owners = referrers.attribute_owners(id, attribute)?;
    owners
        .iter()
        .all(|&owner| schema.node(owner).type_name() == *estimator)
        .then_some(*function)
}

/// The reviewed type `node` (whose type name is `name`) is, when it has the form that type is
/// trusted in (for an ObjectNode: a dict state, or none).
pub(crate) fn reviewed_type(schema: &Schema, node: &Node, name: &str) -> Option<&'static str> {
    let (reviewed, _) = REVIEWED_TYPES
        .iter()
        .find(|(reviewed, loader)| *reviewed == name && *loader == node.loader)?;
    let plain = match &node.kind {
        NodeKind::Object { content: None } => true,
        NodeKind::Object {
            content: Some(state),
        } => matches!(schema.node(*state).kind, NodeKind::Dict { .. }),
        NodeKind::Function | NodeKind::Dict { .. } | NodeKind::Tuple(_) => true,
        _ => false,
    };
    plain.then_some(*reviewed)
}

// The registry's entry points (see `registry`).

/// Registry: trusts the function when every reference to it is its estimator's attribute.
pub(super) fn check_held_function(
    context: &mut Context<'_, '_>,
    id: NodeId,
    _name: &str,
    _path: PathFn<'_>,
) -> Result<()> {
    let schema = context.file.schema();
    if let Some(name) = held_function(schema, context.referrers(), id) {
        context.trust(id, name, Validator::Reviewed);
    }
    Ok(())
}

/// Registry: trusts a reviewed type in its plain form.
pub(super) fn check_reviewed_type(
    context: &mut Context<'_, '_>,
    id: NodeId,
    name: &str,
    _path: PathFn<'_>,
) -> Result<()> {
    let schema = context.file.schema();
    // JSON and array nodes come with no name, which no reviewed type has.
    if let Some(name) = reviewed_type(schema, schema.node(id), name) {
        context.trust(id, name, Validator::Reviewed);
    }
    Ok(())
}
