//! The one error type of `skops-trust`: what the audit, the validators, trust policies and
//! `visualize` refuse, by name, beside the format errors they meet on the way
//! ([`Error::Format`]).
//!
//! Messages follow the Rust API guidelines: lowercase, no trailing period, literals in
//! backticks. Callers (`skops-py`, `skops-cli`) match this enum exhaustively.

/// A result whose error is [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Everything the trust layer refuses.
#[derive(Debug, thiserror::Error, strum::EnumDiscriminants)]
#[strum_discriminants(name(ErrorKind), derive(strum::EnumIter))]
#[strum_discriminants(
    doc = "The variants of [`Error`], without their data: what [`ErrorKind::name`] names."
)]
pub enum Error {
    /// The file's format is wrong (container, JSON, arrays, schema, limits, members).
    #[error(transparent)]
    Format(#[from] skops_format::Error),

    // ----- audit -----------------------------------------------------------------------------
    /// The trust tables embedded in the crate (`data/trusted-types.json`) are malformed: a
    /// build defect, not a problem of the file being read.
    #[error("the embedded trust tables are malformed: {reason}")]
    AuditTrustTables {
        /// What is missing or malformed.
        reason: String,
    },
    /// A protocol 0 `RandomGeneratorNode` holds a raw, non-empty bit generator state: skops
    /// 0.16 cannot audit it (its `get_unsafe_set` raises `AttributeError`), so neither do we.
    #[error(
        "the protocol 0 `numpy.random.Generator` state at `{path}` cannot be audited: skops 0.16 fails on it too"
    )]
    AuditRawGeneratorState {
        /// Where the node is, as a Python access path from the root object.
        path: String,
    },
    /// A protocol 0 `RandomGeneratorNode` whose raw bit generator state is a number or a
    /// boolean: skops 0.16's `get_unsafe_set` raises `ValueError` ("Cannot determine the
    /// safety of type ..."), so we refuse it too.
    #[error(
        "the protocol 0 `numpy.random.Generator` state at `{path}` is a {python_type}, whose safety skops 0.16 cannot determine either"
    )]
    AuditRawGeneratorScalar {
        /// Where the node is, as a Python access path from the root object.
        path: String,
        /// The Python type of the state (`int`, `float`, `bool`).
        python_type: &'static str,
    },
    // ----- policy ----------------------------------------------------------------------------
    /// A trust policy is not valid JSON.
    #[error("the trust policy is not valid JSON")]
    PolicySyntax {
        /// The JSON error.
        #[source]
        source: Box<skops_format::Error>,
    },
    /// A trust policy's JSON does not have the documented form (a missing, unknown or
    /// repeated key, a value of the wrong type, an empty name).
    #[error("invalid trust policy: {reason}")]
    PolicyInvalid {
        /// What is wrong.
        reason: String,
    },
    /// A trust policy has a `version` this build does not read.
    #[error("trust policy version {found} is not supported, only version {supported}")]
    PolicyUnsupportedVersion {
        /// The version found, as text.
        found: String,
        /// The version this build reads and writes.
        supported: u64,
    },
    /// A trust policy's `sha256` is not 64 lowercase hexadecimal digits.
    #[error("trust policy `sha256` is `{found}`, not 64 lowercase hexadecimal digits")]
    PolicyMalformedDigest {
        /// The value found (its first 80 characters).
        found: String,
    },
    /// A trust policy lists a type twice.
    #[error("trust policy lists type `{name}` more than once")]
    PolicyDuplicateType {
        /// The repeated type name.
        name: String,
    },
    /// A trust policy's `approved_at` is not a UTC timestamp `YYYY-MM-DDTHH:MM:SSZ`.
    #[error("trust policy `approved_at` is `{found}`, not a UTC timestamp `YYYY-MM-DDTHH:MM:SSZ`")]
    PolicyMalformedTimestamp {
        /// The value found (its first 80 characters).
        found: String,
    },
    /// A trust policy approves a different file: its digest is not the digest of the data.
    #[error(
        "the trust policy is for the file with sha256 {policy}, but this file has sha256 {file}"
    )]
    PolicyDigestMismatch {
        /// The sha256 the policy records.
        policy: String,
        /// The sha256 of the data being checked.
        file: String,
    },

    // ----- validate --------------------------------------------------------------------------
    /// The state of an object whose state a validator reads is in a form the one state reader
    /// cannot interpret with certainty (another loader than a plain dict, a JSON object or a
    /// defaultdict; a dict of another class; an unknown key type): skops 0.16 would set
    /// attributes the validators cannot predict, so the file is refused.
    #[error("the state of the `{type_name}` at `{path}` cannot be read with certainty: {reason}")]
    ValidateStateForm {
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
    ValidateWidth {
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
    /// The arguments or state of a `sklearn.tree._tree.Tree` are not what sklearn writes: a
    /// missing or malformed `n_features`, `n_classes`, `n_outputs`, `max_depth`, `node_count`,
    /// `nodes` or `values`, or a `nodes`/`values` array of another dtype.
    #[error("the tree at `{path}` is malformed: {reason}")]
    ValidateTreeState {
        /// Where the tree is, as a Python access path from the root object.
        path: String,
        /// What is missing or malformed.
        reason: String,
    },
    /// `n_classes` does not hold one positive class count per output.
    #[error("the tree at `{path}` has inconsistent classes: {reason}")]
    ValidateTreeClasses {
        /// Where the tree is.
        path: String,
        /// How `n_classes` and `n_outputs` disagree.
        reason: String,
    },
    /// `node_count` differs from the length of the `nodes` array (or `values`' first axis).
    #[error(
        "the tree at `{path}` declares {node_count} nodes but its `{array}` array has {length}"
    )]
    ValidateTreeNodeCount {
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
    ValidateTreeChildOutOfRange {
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
    ValidateTreeHalfLeaf {
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
    ValidateTreeNodeReachedTwice {
        /// Where the tree is.
        path: String,
        /// The node index.
        node: u64,
    },
    /// A node is not reached from the root.
    #[error("node {node} of the tree at `{path}` is not reached from the root")]
    ValidateTreeNodeUnreached {
        /// Where the tree is.
        path: String,
        /// The node index.
        node: u64,
    },
    /// A split node tests a feature outside `[0, n_features)`.
    #[error(
        "split node {node} of the tree at `{path}` tests feature {feature}, outside [0, {n_features})"
    )]
    ValidateTreeFeature {
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
    ValidateTreeMissingGoToLeft {
        /// Where the tree is.
        path: String,
        /// The node index.
        node: u64,
        /// The value found.
        value: u64,
    },
    /// `values` does not have shape `(node_count, n_outputs, max(n_classes))`.
    #[error("the tree at `{path}` has `values` of shape {found:?}, expected {expected:?}")]
    ValidateTreeValueShape {
        /// Where the tree is.
        path: String,
        /// `(node_count, n_outputs, max(n_classes))`.
        expected: Vec<u64>,
        /// The shape found.
        found: Vec<u64>,
    },
    /// `max_depth` differs from the depth of the tree the nodes describe.
    #[error("the tree at `{path}` declares `max_depth` {declared} but its nodes are {actual} deep")]
    ValidateTreeMaxDepth {
        /// Where the tree is.
        path: String,
        /// The declared `max_depth`.
        declared: i64,
        /// The depth of the deepest leaf (the root at depth 0).
        actual: u64,
    },
    /// The state of a HistGradientBoosting `TreePredictor` is not what sklearn writes: a
    /// missing `nodes`, `binned_left_cat_bitsets` or `raw_left_cat_bitsets`, an empty `nodes`,
    /// or a `nodes` dtype other than `PREDICTOR_RECORD_DTYPE`'s fields.
    #[error("the tree predictor at `{path}` is malformed: {reason}")]
    ValidatePredictorState {
        /// Where the predictor is, as a Python access path from the root object.
        path: String,
        /// What is missing or malformed.
        reason: String,
    },
    /// A bitset array is not uint32 of shape `(n_bitsets, 8)` (predict reads 8 words a row).
    #[error("the tree predictor at `{path}` has `{array}` {reason}, not uint32 of shape (n, 8)")]
    ValidatePredictorBitsets {
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
    ValidatePredictorChildOutOfRange {
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
    ValidatePredictorNodeReachedTwice {
        /// Where the predictor is.
        path: String,
        /// The node index.
        node: u64,
    },
    /// A node is not reached from the root.
    #[error("node {node} of the tree predictor at `{path}` is not reached from the root")]
    ValidatePredictorNodeUnreached {
        /// Where the predictor is.
        path: String,
        /// The node index.
        node: u64,
    },
    /// `is_leaf`, `missing_go_to_left` or `is_categorical` is neither 0 nor 1.
    #[error("node {node} of the tree predictor at `{path}` has `{field}` {value}, not 0 or 1")]
    ValidatePredictorFlag {
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
    ValidatePredictorFeature {
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
    ValidatePredictorBitsetIndex {
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
    /// The state of a `KDTree`/`BallTree` is not what scikit-learn writes: no state, not the
    /// 13-item `__getstate__` tuple, a non-integer count, a `dist_metric` that is not a metric
    /// object.
    #[error("the binary tree at `{path}` is malformed: {reason}")]
    ValidateBinaryTreeState {
        /// Where the tree is, as a Python access path from the root object.
        path: String,
        /// What is missing or malformed.
        reason: String,
    },
    /// An array of a `KDTree`/`BallTree` (`data`, `idx_array`, `node_data`, `node_bounds`,
    /// `sample_weight`) has another dtype, shape or memory order than the tree reads, or holds
    /// a value scikit-learn never writes (a non-finite float, a negative weight).
    #[error("the binary tree at `{path}` has `{array}` {reason}")]
    ValidateBinaryTreeArray {
        /// Where the tree is.
        path: String,
        /// The array.
        array: &'static str,
        /// What is wrong with it.
        reason: String,
    },
    /// `leaf_size` is below 1.
    #[error("the binary tree at `{path}` has `leaf_size` {leaf_size}, not at least 1")]
    ValidateBinaryTreeLeafSize {
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
    ValidateBinaryTreeLevels {
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
    ValidateBinaryTreeNodeCount {
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
    ValidateBinaryTreeIndexOutOfRange {
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
    ValidateBinaryTreeIndexRepeated {
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
    ValidateBinaryTreeNodeRange {
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
    ValidateBinaryTreeLeafFlag {
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
    ValidateBinaryTreeRadius {
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
    ValidateBinaryTreeEstimator {
        /// Where the estimator's state is.
        path: String,
        /// `n_features_in_` or `n_samples_fit_`.
        attribute: &'static str,
        /// The estimator's value.
        value: i64,
        /// The tree's value.
        expected: u64,
    },
    /// The state of a distance metric a binary tree carries is not what scikit-learn writes:
    /// no state, not the `(p, vec, mat)` tuple, a `vec`/`mat` of another dtype or number of
    /// dimensions, a negative or non-finite weight.
    #[error("the distance metric `{metric}` at `{path}` is malformed: {reason}")]
    ValidateMetricState {
        /// Where the metric is.
        path: String,
        /// The metric class.
        metric: &'static str,
        /// What is missing or malformed.
        reason: String,
    },
    /// The metric's `p` is not the one its class uses (2 for Euclidean, 1 for Manhattan, ...)
    /// or, for Minkowski, not a positive finite number.
    #[error("the distance metric `{metric}` at `{path}` has p = {p}, expected {expected}")]
    ValidateMetricP {
        /// Where the metric is.
        path: String,
        /// The metric class.
        metric: &'static str,
        /// The `p` found.
        p: f64,
        /// What the class requires.
        expected: &'static str,
    },
    /// The metric's `vec` or `mat` does not cover the tree's features: the metric reads (or,
    /// for Mahalanobis, writes a buffer of `mat`'s size) one entry per feature of `data`.
    #[error(
        "the distance metric `{metric}` at `{path}` has `{array}` of shape {shape:?}, expected {expected}"
    )]
    ValidateMetricSize {
        /// Where the metric is.
        path: String,
        /// The metric class.
        metric: &'static str,
        /// `vec` or `mat`.
        array: &'static str,
        /// The shape found.
        shape: Vec<u64>,
        /// The shape the tree's `data` requires.
        expected: String,
    },
    /// A BisectingKMeans cluster node (`_BisectingTree`) is malformed: its `center` is not a
    /// one-dimensional float array as wide as the estimator's `n_features_in_` (Cython k-means
    /// reads that many values of each center, unchecked), or a child is neither `None` nor a
    /// cluster node.
    #[error("the BisectingKMeans cluster node at `{path}` is malformed: {reason}")]
    ValidateBisectingTree {
        /// Where the cluster node is, as a Python access path from the root object.
        path: String,
        /// What is malformed.
        reason: String,
    },
    /// A sparse matrix's `data` is not numeric or bool, or an index array is not a plain
    /// integer array.
    #[error("the sparse matrix at `{path}` has `{array}` of dtype {dtype}, which scipy cannot use")]
    ValidateSparseDtype {
        /// Where the matrix is, as a Python access path from the root object.
        path: String,
        /// `data`, `indptr`, `indices`, `row` or `col`.
        array: &'static str,
        /// The dtype found.
        dtype: String,
    },
    /// A sparse matrix's `shape` does not fit scipy's `int64` indices.
    #[error("the sparse matrix at `{path}` has shape ({rows}, {cols}), beyond int64")]
    ValidateSparseShape {
        /// Where the matrix is.
        path: String,
        /// The rows of `shape`.
        rows: u64,
        /// The columns of `shape`.
        cols: u64,
    },
    /// A compressed matrix's `indptr` does not start at 0, decreases, or does not end at the
    /// number of stored entries.
    #[error("the sparse matrix at `{path}` has `indptr` that {reason} (at position {position})")]
    ValidateSparseIndptr {
        /// Where the matrix is.
        path: String,
        /// The position in `indptr` where the invariant breaks.
        position: u64,
        /// How it breaks.
        reason: String,
    },
    /// An index (`indices`, `row`, `col`) is outside `[0, bound)`.
    #[error(
        "the sparse matrix at `{path}` has `{array}[{position}]` = {index}, outside [0, {bound})"
    )]
    ValidateSparseIndex {
        /// Where the matrix is.
        path: String,
        /// `indices`, `row` or `col`.
        array: &'static str,
        /// The position in the array.
        position: u64,
        /// The index found.
        index: i64,
        /// The dimension it indexes.
        bound: u64,
    },
    /// The content of a `numpy.dtype` node is not an NdArrayNode (skops always writes the
    /// dtype as an empty array; its loader returns whatever `.dtype` the content has).
    #[error("the dtype at `{path}` is carried by a `{loader}`, not an NdArrayNode")]
    ValidateDtypeContent {
        /// Where the dtype is, as a Python access path from the root object.
        path: String,
        /// The loader of the content node.
        loader: &'static str,
    },
    /// The state of a validated sklearn loss object is not a dict with `closs` and `link`.
    #[error("the loss at `{path}` is malformed: {reason}")]
    ValidateLossState {
        /// Where the loss is, as a Python access path from the root object.
        path: String,
        /// What is missing or malformed.
        reason: String,
    },
    /// A loss object's `closs` or `link` is not the class its `__init__` builds.
    #[error("the loss at `{path}` has `{field}` {found}, not `{expected}`")]
    ValidateLossComponent {
        /// Where the loss is.
        path: String,
        /// `closs` or `link`.
        field: &'static str,
        /// What was found.
        found: String,
        /// The class sklearn builds.
        expected: &'static str,
    },
    /// A loss object's Cython loss has the wrong number of parameters, or a non-finite one.
    #[error("the loss at `{path}` has unsound parameters: {reason}")]
    ValidateLossParameter {
        /// Where the loss is.
        path: String,
        /// What is wrong.
        reason: String,
    },
    /// The libsvm state of an SVM (`SVC`, `NuSVC`, `SVR`, `NuSVR`, `OneClassSVM`) is not what
    /// sklearn writes: a missing entry, an array of another dtype or dimension, an unknown
    /// kernel, a sparse model with a precomputed kernel, or an `_impl` of another class.
    #[error("the libsvm state of the SVM at `{path}` is malformed: {reason}")]
    ValidateSvmState {
        /// Where the estimator is, as a Python access path from the root object.
        path: String,
        /// What is missing or malformed.
        reason: String,
    },
    /// `_n_support` does not hold one non-negative count per class summing to the number of
    /// support vectors (`[n_SV, n_SV]` for a regressor or one-class model).
    #[error("the SVM at `{path}` has inconsistent `_n_support`: {reason}")]
    ValidateSvmSupportCounts {
        /// Where the estimator is.
        path: String,
        /// How the counts disagree.
        reason: String,
    },
    /// An array of the libsvm state does not have the shape the class counts and the number of
    /// support vectors give it.
    #[error("the SVM at `{path}` has `{array}` of shape {found:?}, expected {expected}")]
    ValidateSvmShape {
        /// Where the estimator is.
        path: String,
        /// The array (`support_vectors_`, `_dual_coef_`, `_intercept_`, ...).
        array: String,
        /// The shape found.
        found: Vec<u64>,
        /// The shape expected.
        expected: String,
    },
    /// A `support_` entry is not the index of a training sample (a precomputed kernel reads
    /// the test row there).
    #[error(
        "`support_[{position}]` of the SVM at `{path}` is {index}, outside [0, {bound}) (`shape_fit_[0]`)"
    )]
    ValidateSvmSupportIndex {
        /// Where the estimator is.
        path: String,
        /// The position in `support_`.
        position: u64,
        /// The index found.
        index: i64,
        /// `shape_fit_[0]`, the number of training samples.
        bound: u64,
    },
    /// A sparse matrix of a sparse SVM is not a CSR matrix whose `indptr` runs from 0, does not
    /// decrease and stays within `data`, or stores fewer values than libsvm copies.
    #[error("the SVM at `{path}` has a malformed sparse `{array}`: {reason}")]
    ValidateSvmSparse {
        /// Where the estimator is.
        path: String,
        /// `support_vectors_`, `dual_coef_` or `_dual_coef_`.
        array: String,
        /// What is wrong.
        reason: String,
    },
    /// The fitted state of a neighbors estimator is not what sklearn writes: `n_features_in_`
    /// or `n_samples_fit_` not a non-negative integer, `_fit_X` or `_y` not an array, or
    /// `outputs_2d_` not a bool.
    #[error("the fitted state of the neighbors estimator at `{path}` is malformed: {reason}")]
    ValidateNeighborsState {
        /// Where the estimator is, as a Python access path from the root object.
        path: String,
        /// What is missing or malformed.
        reason: String,
    },
    /// `_fit_X` of a neighbors estimator is not `(n_samples_fit_, n_features_in_)`: the
    /// pairwise-distance reductions would read its rows at the query's width.
    #[error(
        "the neighbors estimator at `{path}` has `_fit_X` of shape {found:?}, expected {expected}"
    )]
    ValidateNeighborsFitX {
        /// Where the estimator is.
        path: String,
        /// The shape found.
        found: Vec<u64>,
        /// The shape expected.
        expected: String,
    },
    /// The `_y` of a neighbors classifier is not one class index per sample of `_fit_X` in
    /// `[0, len(classes_))` (per output): the class-mode reductions would write outside the
    /// class scores.
    #[error("the neighbors classifier at `{path}` has unsound labels: {reason}")]
    ValidateNeighborsLabels {
        /// Where the estimator is.
        path: String,
        /// Which label or shape is wrong.
        reason: String,
    },
    /// The fitted state of `KMeans`/`MiniBatchKMeans` is not what sklearn writes: no
    /// `n_features_in_`, or `cluster_centers_` not a float array.
    #[error("the fitted state of the k-means estimator at `{path}` is malformed: {reason}")]
    ValidateKMeansState {
        /// Where the estimator is.
        path: String,
        /// What is missing or malformed.
        reason: String,
    },
    /// `cluster_centers_` is not `(n_clusters, n_features_in_)`, or `_counts` not one count
    /// per center: the Cython k-means loops would read or write past them.
    #[error(
        "the k-means estimator at `{path}` has `{array}` of shape {found:?}, expected {expected}"
    )]
    ValidateKMeansShape {
        /// Where the estimator is.
        path: String,
        /// `cluster_centers_` or `_counts`.
        array: String,
        /// The shape found.
        found: Vec<u64>,
        /// The shape expected.
        expected: String,
    },
    /// The state of a `scipy.interpolate.BSpline` is not what `BSpline.__init__` sets: an
    /// unexpected or missing attribute, `k` not a non-negative integer, or `extrapolate`
    /// neither a bool nor `"periodic"`.
    #[error("the BSpline at `{path}` is malformed: {reason}")]
    ValidateBsplineState {
        /// Where the spline is, as a Python access path from the root object.
        path: String,
        /// What is missing or malformed.
        reason: String,
    },
    /// The knots are not a one-dimensional float64 array of at least `2k + 2` finite,
    /// non-decreasing values.
    #[error("the BSpline at `{path}` has unsound knots: {reason}")]
    ValidateBsplineKnots {
        /// Where the spline is.
        path: String,
        /// Which invariant the knots break.
        reason: String,
    },
    /// The coefficients are not float64 or complex128 with at least `len(t) - k - 1` rows.
    #[error("the BSpline at `{path}` has unsound coefficients: {reason}")]
    ValidateBsplineCoefficients {
        /// Where the spline is.
        path: String,
        /// Which invariant the coefficients break.
        reason: String,
    },
    /// `axis` is not an integer in `[0, c.ndim)`.
    #[error("the BSpline at `{path}` has `axis` {axis}, outside [0, {ndim})")]
    ValidateBsplineAxis {
        /// Where the spline is.
        path: String,
        /// The axis found (or why it is not one).
        axis: String,
        /// The dimensions of the coefficients.
        ndim: u64,
    },
    /// A stage of a fitted gradient-boosting ensemble has a `tree_` that is not a tree:
    /// `predict_stages` dereferences it as one (a `None` crashes the interpreter).
    #[error(
        "the gradient-boosting ensemble at `{path}` has `estimators_[{row}, {column}].tree_` of \
         type `{found}`, not a `sklearn.tree._tree.Tree`"
    )]
    ValidateBoostingStage {
        /// Where the ensemble is, as a Python access path from the root object.
        path: String,
        /// The stage (row of `estimators_`).
        row: u64,
        /// The column of `estimators_` (the output the tree predicts).
        column: u64,
        /// The type found instead (`builtins.NoneType` for `None`).
        found: String,
    },
    /// A fitted gradient-boosting ensemble's `estimators_` is not a grid of tree estimators in
    /// the form sklearn writes (a list per stage): numpy would build the grid `predict_stages`
    /// reads from objects the stage check never saw (a tuple row, a forest unpacked as a
    /// sequence, a `Bunch` answering `.tree_`).
    #[error(
        "the gradient-boosting ensemble at `{path}` has `estimators_{position}` of type \
         `{found}`, where `predict_stages` reads {expected}"
    )]
    ValidateBoostingEstimators {
        /// Where the ensemble is, as a Python access path from the root object.
        path: String,
        /// The row (`[i]`) or item (`[i, k]`) of `estimators_`.
        position: String,
        /// The type found there.
        found: String,
        /// What belongs there (`a list of tree estimators`, `a tree estimator`).
        expected: &'static str,
    },
    /// A fitted `OneHotEncoder` can encode a column to an output column outside
    /// `[0, sum(_n_features_outs))`: `transform` builds its CSR output from those indices
    /// unchecked, and `toarray()` writes outside its rows.
    #[error(
        "the one-hot encoder at `{path}` can encode input column {feature} to output columns \
         [{low}, {high}], outside the {columns} columns of its output (`_n_features_outs`)"
    )]
    ValidateEncoderColumns {
        /// Where the encoder is.
        path: String,
        /// The input column.
        feature: u64,
        /// The lowest output column it can reach.
        low: i64,
        /// The highest output column it can reach.
        high: i64,
        /// The output's width, `sum(_n_features_outs)`.
        columns: u64,
    },
    /// A fitted `OneHotEncoder`'s state is in a form sklearn never writes, which the encoder
    /// check cannot bound.
    #[error("the one-hot encoder at `{path}` is unsound: {reason}")]
    ValidateEncoderState {
        /// Where the encoder is.
        path: String,
        /// What is wrong.
        reason: String,
    },
    /// A lookup table (a vectorizer's `vocabulary_`, `MultiLabelBinarizer._cached_dict`) maps
    /// a key to a column outside its length (or is not a plain dict of integers): `transform`
    /// builds its sparse output from those columns unchecked, and `toarray()` writes outside
    /// its rows.
    #[error("the `{attribute}` of the object at `{path}` is unsound: {reason}")]
    ValidateVocabulary {
        /// Where the object is.
        path: String,
        /// The table's attribute.
        attribute: &'static str,
        /// What is wrong.
        reason: String,
    },
    /// A keyword argument the neighbors estimator hands its metric (`metric_params`,
    /// `effective_metric_params_`) has a size native code trusts but the data does not match:
    /// `VI` not `(n_features, n_features)`, `Y_norm_squared` not one norm per row of `_fit_X`,
    /// an `X_norm_squared` at all, or a mapping that is not a plain dict.
    #[error(
        "the neighbors estimator at `{path}` has an unsound `{attribute}` entry `{param}`: {reason}"
    )]
    ValidateNeighborsMetricParam {
        /// Where the estimator is, as a Python access path from the root object.
        path: String,
        /// `metric_params` or `effective_metric_params_`.
        attribute: &'static str,
        /// The keyword (empty when the mapping itself is unsound).
        param: String,
        /// What is wrong.
        reason: String,
    },
    /// The fitted state of a `PolynomialFeatures` is not what sklearn writes: `interaction_only`
    /// not a bool (the CSR expansion would write past its output), a degree that is not a
    /// non-negative integer, or no `n_features_in_`.
    #[error("the fitted state of the PolynomialFeatures at `{path}` is malformed: {reason}")]
    ValidatePolynomialState {
        /// Where the estimator is, as a Python access path from the root object.
        path: String,
        /// What is missing or malformed.
        reason: String,
    },
    // ----- visualize -------------------------------------------------------------------------
    /// skops 0.16's `visualize` walk meets a child that is not a node (a method name, a slice
    /// bound, a missing object state) and raises `TypeError("Cannot deal with <class
    /// '{python_type}'>, ...")`; [`crate::visualize::tree_rows`] fails the same way.
    #[error("skops 0.16 cannot visualize `{path}`: it is a `{python_type}`, not a node")]
    VisualizeNotANode {
        /// Where the value is, as a Python access path from the root object.
        path: String,
        /// The Python type of the value (`str`, `int`, `NoneType`, ...).
        python_type: &'static str,
    },
    /// skops 0.16's `visualize` walk meets a `key_types` child that is not a trusted ListNode
    /// and raises `ValueError("An invalid 'key_types' node was encountered, ...")`.
    #[error("skops 0.16 cannot visualize `{path}`: an invalid `key_types` node")]
    VisualizeInvalidKeyTypes {
        /// Where the node is, as a Python access path from the root object.
        path: String,
    },
}

impl ErrorKind {
    /// The stable, kebab-case name of the problem (see `skops_format::ErrorKind::name`);
    /// `None` for [`Error::Format`], whose errors keep their own.
    pub fn name(self) -> Option<&'static str> {
        match self {
            Self::Format => None,
            Self::ValidatePredictorChildOutOfRange => Some("validate-predictor-child-out-of-range"),
            Self::ValidatePredictorNodeReachedTwice => {
                Some("validate-predictor-node-reached-twice")
            }
            Self::ValidateBinaryTreeIndexOutOfRange => {
                Some("validate-binary-tree-index-out-of-range")
            }
            Self::AuditTrustTables => Some("audit-trust-tables"),
            Self::AuditRawGeneratorState => Some("audit-raw-generator-state"),
            Self::AuditRawGeneratorScalar => Some("audit-raw-generator-scalar"),
            Self::PolicySyntax => Some("policy-syntax"),
            Self::PolicyInvalid => Some("policy-invalid"),
            Self::PolicyUnsupportedVersion => Some("policy-unsupported-version"),
            Self::PolicyMalformedDigest => Some("policy-malformed-digest"),
            Self::PolicyDuplicateType => Some("policy-duplicate-type"),
            Self::PolicyMalformedTimestamp => Some("policy-malformed-timestamp"),
            Self::PolicyDigestMismatch => Some("policy-digest-mismatch"),
            Self::ValidateStateForm => Some("validate-state-form"),
            Self::ValidateWidth => Some("validate-width"),
            Self::ValidateTreeState => Some("validate-tree-state"),
            Self::ValidateTreeClasses => Some("validate-tree-classes"),
            Self::ValidateTreeNodeCount => Some("validate-tree-node-count"),
            Self::ValidateTreeChildOutOfRange => Some("validate-tree-child-out-of-range"),
            Self::ValidateTreeHalfLeaf => Some("validate-tree-half-leaf"),
            Self::ValidateTreeNodeReachedTwice => Some("validate-tree-node-reached-twice"),
            Self::ValidateTreeNodeUnreached => Some("validate-tree-node-unreached"),
            Self::ValidateTreeFeature => Some("validate-tree-feature"),
            Self::ValidateTreeMissingGoToLeft => Some("validate-tree-missing-go-to-left"),
            Self::ValidateTreeValueShape => Some("validate-tree-value-shape"),
            Self::ValidateTreeMaxDepth => Some("validate-tree-max-depth"),
            Self::ValidatePredictorState => Some("validate-predictor-state"),
            Self::ValidatePredictorBitsets => Some("validate-predictor-bitsets"),
            Self::ValidatePredictorNodeUnreached => Some("validate-predictor-node-unreached"),
            Self::ValidatePredictorFlag => Some("validate-predictor-flag"),
            Self::ValidatePredictorFeature => Some("validate-predictor-feature"),
            Self::ValidatePredictorBitsetIndex => Some("validate-predictor-bitset-index"),
            Self::ValidateBinaryTreeState => Some("validate-binary-tree-state"),
            Self::ValidateBinaryTreeArray => Some("validate-binary-tree-array"),
            Self::ValidateBinaryTreeLeafSize => Some("validate-binary-tree-leaf-size"),
            Self::ValidateBinaryTreeLevels => Some("validate-binary-tree-levels"),
            Self::ValidateBinaryTreeNodeCount => Some("validate-binary-tree-node-count"),
            Self::ValidateBinaryTreeIndexRepeated => Some("validate-binary-tree-index-repeated"),
            Self::ValidateBinaryTreeNodeRange => Some("validate-binary-tree-node-range"),
            Self::ValidateBinaryTreeLeafFlag => Some("validate-binary-tree-leaf-flag"),
            Self::ValidateBinaryTreeRadius => Some("validate-binary-tree-radius"),
            Self::ValidateBinaryTreeEstimator => Some("validate-binary-tree-estimator"),
            Self::ValidateMetricState => Some("validate-metric-state"),
            Self::ValidateMetricP => Some("validate-metric-p"),
            Self::ValidateMetricSize => Some("validate-metric-size"),
            Self::ValidateBisectingTree => Some("validate-bisecting-tree"),
            Self::ValidateSparseDtype => Some("validate-sparse-dtype"),
            Self::ValidateSparseShape => Some("validate-sparse-shape"),
            Self::ValidateSparseIndptr => Some("validate-sparse-indptr"),
            Self::ValidateSparseIndex => Some("validate-sparse-index"),
            Self::ValidateDtypeContent => Some("validate-dtype-content"),
            Self::ValidateLossState => Some("validate-loss-state"),
            Self::ValidateLossComponent => Some("validate-loss-component"),
            Self::ValidateLossParameter => Some("validate-loss-parameter"),
            Self::ValidateSvmState => Some("validate-svm-state"),
            Self::ValidateSvmSupportCounts => Some("validate-svm-support-counts"),
            Self::ValidateSvmShape => Some("validate-svm-shape"),
            Self::ValidateSvmSupportIndex => Some("validate-svm-support-index"),
            Self::ValidateSvmSparse => Some("validate-svm-sparse"),
            Self::ValidateNeighborsState => Some("validate-neighbors-state"),
            Self::ValidateNeighborsFitX => Some("validate-neighbors-fit-x"),
            Self::ValidateNeighborsLabels => Some("validate-neighbors-labels"),
            Self::ValidateKMeansState => Some("validate-kmeans-state"),
            Self::ValidateKMeansShape => Some("validate-kmeans-shape"),
            Self::ValidateBsplineState => Some("validate-bspline-state"),
            Self::ValidateBsplineKnots => Some("validate-bspline-knots"),
            Self::ValidateBsplineCoefficients => Some("validate-bspline-coefficients"),
            Self::ValidateBsplineAxis => Some("validate-bspline-axis"),
            Self::ValidateBoostingStage => Some("validate-boosting-stage"),
            Self::ValidateBoostingEstimators => Some("validate-boosting-estimators"),
            Self::ValidateEncoderColumns => Some("validate-encoder-columns"),
            Self::ValidateEncoderState => Some("validate-encoder-state"),
            Self::ValidateVocabulary => Some("validate-vocabulary"),
            Self::ValidateNeighborsMetricParam => Some("validate-neighbors-metric-param"),
            Self::ValidatePolynomialState => Some("validate-polynomial-state"),
            Self::VisualizeNotANode => Some("visualize-not-a-node"),
            Self::VisualizeInvalidKeyTypes => Some("visualize-invalid-key-types"),
        }
    }

    /// Every kind an error of this crate can have, the format's included.
    pub fn all() -> impl Iterator<Item = &'static str> {
        <Self as strum::IntoEnumIterator>::iter()
            .filter_map(Self::name)
            .chain(skops_format::error::ErrorKind::all())
    }
}

impl Error {
    /// The error's kind ([`ErrorKind::name`]; a format error's own).
    pub fn kind(&self) -> &'static str {
        match self {
            Self::Format(error) => error.kind(),
            other => ErrorKind::from(other).name().unwrap_or_default(),
        }
    }
}
