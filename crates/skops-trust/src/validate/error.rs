//! The errors of the validators: each validator's family beside it (`tree::TreeError`, ...),
//! and the checks every validator shares (the state reader's, the widths), gathered in
//! [`ValidateError`].

use super::binary_tree::BinaryTreeErrorKind;
use super::boosting::BoostingErrorKind;
use super::bspline::BsplineErrorKind;
use super::dist_metric::MetricErrorKind;
use super::encoders::EncoderErrorKind;
use super::hist_predictor::PredictorErrorKind;
use super::kmeans::KMeansErrorKind;
use super::loss::LossErrorKind;
use super::neighbors::NeighborsErrorKind;
use super::sparse::SparseErrorKind;
use super::svm::SvmErrorKind;
use super::tree::TreeErrorKind;
pub use super::{
    binary_tree::BinaryTreeError, boosting::BoostingError, bspline::BsplineError,
    dist_metric::MetricError, encoders::EncoderError, hist_predictor::PredictorError,
    kmeans::KMeansError, loss::LossError, neighbors::NeighborsError, sparse::SparseError,
    svm::SvmError, tree::TreeError,
};

/// A state a validator refuses: the validator's own error, or one of the checks every validator shares.
#[derive(Debug, thiserror::Error)]
pub enum ValidateError {
    /// See [`BinaryTreeError`].
    #[error(transparent)]
    BinaryTree(#[from] BinaryTreeError),
    /// See [`TreeError`].
    #[error(transparent)]
    Tree(#[from] TreeError),
    /// See [`PredictorError`].
    #[error(transparent)]
    Predictor(#[from] PredictorError),
    /// See [`MetricError`].
    #[error(transparent)]
    Metric(#[from] MetricError),
    /// See [`SparseError`].
    #[error(transparent)]
    Sparse(#[from] SparseError),
    /// See [`LossError`].
    #[error(transparent)]
    Loss(#[from] LossError),
    /// See [`SvmError`].
    #[error(transparent)]
    Svm(#[from] SvmError),
    /// See [`NeighborsError`].
    #[error(transparent)]
    Neighbors(#[from] NeighborsError),
    /// See [`KMeansError`].
    #[error(transparent)]
    KMeans(#[from] KMeansError),
    /// See [`BsplineError`].
    #[error(transparent)]
    Bspline(#[from] BsplineError),
    /// See [`BoostingError`].
    #[error(transparent)]
    Boosting(#[from] BoostingError),
    /// See [`EncoderError`].
    #[error(transparent)]
    Encoder(#[from] EncoderError),
    /// The state of an object whose state a validator reads is in a form the one state reader
    /// cannot interpret with certainty (another loader than a plain dict, a JSON object or a
    /// defaultdict; a dict of another class; an unknown key type): skops 0.16 would set
    /// attributes the validators cannot predict, so the file is refused.
    #[error("the state of the `{type_name}` at `{path}` cannot be read with certainty: {reason}")]
    StateForm {
        /// Where the object is, as a Python access path from the root object.
        path: String,
        /// The object's type.
        type_name: String,
        /// What makes the state unreadable.
        reason: String,
    },
    /// A width scikit-learn sizes predict-time arrays by (`n_features`, `n_classes`,
    /// `n_outputs`, ...) is above its limit (see [`skops_format::limits::MAX_N_FEATURES`] and the
    /// limits after it): the first `predict_proba` or `feature_importances_` would allocate
    /// that much, whatever the file's size.
    #[error(
        "`{attribute}` of the `{type_name}` at `{path}` is {value}, above the limit of {limit}"
    )]
    Width {
        /// Where the object is, as a Python access path from the root object.
        path: String,
        /// The object's type.
        type_name: String,
        /// The width (`n_features`, `n_classes_`, `n_outputs * max(n_classes)`, ...).
        attribute: String,
        /// Its value in the file.
        value: u64,
        /// The limit.
        limit: u64,
    },
    /// A BisectingKMeans cluster node (`_BisectingTree`) is malformed: its `center` is not a
    /// one-dimensional float array as wide as the estimator's `n_features_in_` (Cython k-means
    /// reads that many values of each center, unchecked), or a child is neither `None` nor a
    /// cluster node.
    #[error("the BisectingKMeans cluster node at `{path}` is malformed: {reason}")]
    BisectingTree {
        /// Where the cluster node is, as a Python access path from the root object.
        path: String,
        /// What is malformed.
        reason: String,
    },
    /// The content of a `numpy.dtype` node is not an NdArrayNode (skops always writes the
    /// dtype as an empty array; its loader returns whatever `.dtype` the content has).
    #[error("the dtype at `{path}` is carried by a `{loader}`, not an NdArrayNode")]
    DtypeContent {
        /// Where the dtype is, as a Python access path from the root object.
        path: String,
        /// The loader of the content node.
        loader: &'static str,
    },
    /// A lookup table (a vectorizer's `vocabulary_`, `MultiLabelBinarizer._cached_dict`) maps
    /// a key to a column outside its length (or is not a plain dict of integers): `transform`
    /// builds its sparse output from those columns unchecked, and `toarray()` writes outside
    /// its rows.
    #[error("the `{attribute}` of the object at `{path}` is unsound: {reason}")]
    Vocabulary {
        /// Where the object is.
        path: String,
        /// The table's attribute.
        attribute: &'static str,
        /// What is wrong.
        reason: String,
    },
    /// The fitted state of a `PolynomialFeatures` is not what sklearn writes: `interaction_only`
    /// not a bool (the CSR expansion would write past its output), a degree that is not a
    /// non-negative integer, or no `n_features_in_`.
    #[error("the fitted state of the PolynomialFeatures at `{path}` is malformed: {reason}")]
    PolynomialState {
        /// Where the estimator is, as a Python access path from the root object.
        path: String,
        /// What is missing or malformed.
        reason: String,
    },
}

impl ValidateError {
    /// The stable, kebab-case name of the problem (`docs/errors.md`).
    pub fn kind(&self) -> &'static str {
        match self {
            Self::BinaryTree(error) => error.kind(),
            Self::Tree(error) => error.kind(),
            Self::Predictor(error) => error.kind(),
            Self::Metric(error) => error.kind(),
            Self::Sparse(error) => error.kind(),
            Self::Loss(error) => error.kind(),
            Self::Svm(error) => error.kind(),
            Self::Neighbors(error) => error.kind(),
            Self::KMeans(error) => error.kind(),
            Self::Bspline(error) => error.kind(),
            Self::Boosting(error) => error.kind(),
            Self::Encoder(error) => error.kind(),
            Self::StateForm { .. } => "validate-state-form",
            Self::Width { .. } => "validate-width",
            Self::BisectingTree { .. } => "validate-bisecting-tree",
            Self::DtypeContent { .. } => "validate-dtype-content",
            Self::Vocabulary { .. } => "validate-vocabulary",
            Self::PolynomialState { .. } => "validate-polynomial-state",
        }
    }

    /// What to tell a user who meets this refusal (the CLI's `hint:` line).
    pub fn hint(&self) -> &'static str {
        match self {
            Self::BinaryTree(error) => error.hint(),
            Self::Tree(error) => error.hint(),
            Self::Predictor(error) => error.hint(),
            Self::Metric(error) => error.hint(),
            Self::Sparse(error) => error.hint(),
            Self::Loss(error) => error.hint(),
            Self::Svm(error) => error.hint(),
            Self::Neighbors(error) => error.hint(),
            Self::KMeans(error) => error.hint(),
            Self::Bspline(error) => error.hint(),
            Self::Boosting(error) => error.hint(),
            Self::Encoder(error) => error.hint(),
            Self::BisectingTree { .. } => {
                "a BisectingKMeans cluster center does not match the model's number of features: \
                 scikit-learn would read past it at predict time; the file is corrupt or was \
                 crafted; do not load it"
            }
            Self::DtypeContent { .. } => {
                "skops writes a `numpy.dtype` as an empty array; this one is carried by another \
                 node, which could pass off any object as a dtype: the file was crafted"
            }
            Self::PolynomialState { .. } => {
                "the fitted state of a `PolynomialFeatures` is one scikit-learn's `fit` never \
                 writes, and its `transform` would write out of bounds or loop without end: the \
                 file is corrupt or was crafted; do not load it"
            }
            Self::Width { .. } => {
                "scikit-learn would allocate arrays of this width at predict time from this value \
                 alone (far beyond real models): the file is corrupt or was crafted; do not load \
                 it"
            }
            Self::StateForm { .. } => {
                "scikit-learn reads this object's attributes unchecked, and its state is in a \
                 form skops never writes (a non-dict state, an unusual dict class or key type): \
                 skops 0.16 would set attributes no check could see; re-save the model with skops \
                 or skops-rs, or do not load it"
            }
            Self::Vocabulary { .. } => {
                "a lookup table (a vectorizer's vocabulary, a label binarizer's labels) maps keys \
                 to columns outside its output, which transform writes unchecked (it would \
                 corrupt memory): the file is corrupt or was crafted; do not load it"
            }
        }
    }

    /// Every kind a validator's error can have.
    pub fn kinds() -> impl Iterator<Item = &'static str> {
        [
            "validate-state-form",
            "validate-width",
            "validate-bisecting-tree",
            "validate-dtype-content",
            "validate-vocabulary",
            "validate-polynomial-state",
        ]
        .into_iter()
        .chain(BinaryTreeErrorKind::all())
        .chain(TreeErrorKind::all())
        .chain(PredictorErrorKind::all())
        .chain(MetricErrorKind::all())
        .chain(SparseErrorKind::all())
        .chain(LossErrorKind::all())
        .chain(SvmErrorKind::all())
        .chain(NeighborsErrorKind::all())
        .chain(KMeansErrorKind::all())
        .chain(BsplineErrorKind::all())
        .chain(BoostingErrorKind::all())
        .chain(EncoderErrorKind::all())
    }
}

/// A validator's error is an error of the crate (through [`ValidateError`]).
macro_rules! into_crate_error {
    ($($family:ident),* $(,)?) => {
        $(impl From<$family> for crate::Error {
            fn from(error: $family) -> Self {
                Self::Validate(error.into())
            }
        })*
    };
}

into_crate_error!(
    BinaryTreeError,
    BoostingError,
    BsplineError,
    EncoderError,
    KMeansError,
    LossError,
    MetricError,
    NeighborsError,
    PredictorError,
    SparseError,
    SvmError,
    TreeError,
);
