//! Hard limits on everything a `.skops` file declares, so that reading one is bounded.
//!
//! Each limit is a named constant with the reason for its value, and [`Limits`] bundles them
//! so a caller can tighten (or, knowingly, loosen) them. Every check reports
//! [`crate::Error::LimitExceeded`] naming what was measured.

/// Most members a `.skops` archive may hold.
///
/// A 300-tree random forest writes about 1,000 members; a 100k-tree ensemble about 300k.
pub const MAX_MEMBERS: u64 = 1_000_000;

/// Largest `schema.json` accepted, uncompressed.
///
/// The schema of a 300-tree forest is a few MB; 512 MiB leaves room for very large ensembles
/// while keeping the parsed tree well within memory.
pub const MAX_SCHEMA_SIZE: u64 = 512 * 1024 * 1024;

/// Largest single member, uncompressed (one numpy array or sparse matrix).
pub const MAX_MEMBER_SIZE: u64 = 16 * 1024 * 1024 * 1024;

/// Largest sum of all members' uncompressed sizes.
pub const MAX_TOTAL_SIZE: u64 = 64 * 1024 * 1024 * 1024;

/// Largest ratio of uncompressed to compressed size for one member above
/// [`COMPRESSION_RATIO_FLOOR`] bytes.
///
/// Deflate cannot exceed about 1,032:1; bzip2 of constant data reaches much more, so the limit
/// sits well above deflate's ceiling and still stops classic zip bombs.
pub const MAX_COMPRESSION_RATIO: u64 = 10_000;

/// Members smaller than this (uncompressed) are not subject to [`MAX_COMPRESSION_RATIO`]:
/// they cannot cost much memory however well they compress.
pub const COMPRESSION_RATIO_FLOOR: u64 = 1024 * 1024;

/// Most nodes a `sklearn.tree._tree.Tree` may declare for its validator to walk it.
///
/// A fully grown tree has at most twice as many nodes as training samples; 2^28 (268M) nodes
/// is the most the largest member ([`MAX_MEMBER_SIZE`], 64 bytes a node) can hold, and bounds
/// the walk's memory at a few bytes a node.
pub const MAX_TREE_NODES: u64 = 1 << 28;

/// Deepest nesting of JSON arrays and objects in `schema.json`.
///
/// sklearn models nest a few dozen levels (pipelines of column transformers of pipelines);
/// the limit keeps recursive parsing and walking far from the stack's end.
pub const MAX_JSON_DEPTH: u64 = 512;

/// Most dimensions of a numpy array (numpy's own limit is 64).
pub const MAX_ARRAY_RANK: u64 = 64;

/// Most fields in a structured numpy dtype, nested fields counted.
pub const MAX_DTYPE_FIELDS: u64 = 4096;

/// Longest `.npy` header accepted (numpy itself refuses headers over 10,000 bytes unless told otherwise).
pub const MAX_NPY_HEADER_SIZE: u64 = 1024 * 1024;

/// Deepest nesting of tuples, lists and dicts in a `.npy` header literal.
///
/// Each nested structured dtype costs two levels (its list and its field tuple); sklearn's
/// dtypes nest at most two, so 64 is generous and keeps the recursive parser shallow.
pub const MAX_NPY_HEADER_DEPTH: u64 = 64;
/// Most node states `schema.json` may stand for once every `__id__` reference is expanded.
///
/// skops writes a shared object in full at each occurrence, so for a real file this is just its
/// node count, and [`MAX_SCHEMA_SIZE`] keeps that below about 5 million (a node state takes
/// 100 bytes or more). A crafted file can instead refer to earlier nodes by `__id__` alone and
/// stand for exponentially many nodes (a "billion laughs"); re-serializing or walking it path
/// by path would never end.
pub const MAX_EXPANDED_NODES: u64 = 8 * 1024 * 1024;

/// Largest trust policy file accepted (see `skops_trust::policy`).
///
/// A policy lists a few type names and who approved them: a few KB. 1 MiB allows thousands of
/// names and keeps a hostile "policy" from costing memory before it is refused.
pub const MAX_POLICY_SIZE: u64 = 1024 * 1024;

/// Most features a `sklearn.tree._tree.Tree` may declare (`n_features`).
///
/// scikit-learn sizes arrays by this value alone at predict time: `feature_importances_` is
/// `n_features` doubles per tree (128 MiB at this limit), so a crafted tree consistent with
/// its estimator could otherwise ask for tens of GiB. 2^24 (16.7M) covers text models hashed
/// into 2^24 features (`HashingVectorizer`'s default is 2^20).
pub const MAX_N_FEATURES: u64 = 1 << 24;

/// Most classes of one output (a tree's `n_classes` entries, an estimator's `n_classes_`,
/// `n_trees_per_iteration_`).
///
/// `predict_proba` allocates `n_samples x n_classes` doubles from this value alone; a million
/// classes (extreme classification) is far beyond what scikit-learn's classifiers are used for.
pub const MAX_N_CLASSES: u64 = 1 << 20;

/// Most outputs of a multi-output model (a tree's `n_outputs`, an estimator's `n_outputs_`).
///
/// Multi-output predict allocates one result per output; 65,536 outputs is far more than any
/// multi-output model has.
pub const MAX_N_OUTPUTS: u64 = 1 << 16;

/// Most value columns of a tree: `n_outputs * max(n_classes)`, the width of each node's value
/// row and of the `(n_samples, n_outputs, max_n_classes)` array tree `predict` allocates.
///
/// At this limit one sample's prediction is 128 MiB; each of the factors alone is bounded by
/// [`MAX_N_OUTPUTS`] and [`MAX_N_CLASSES`], whose product would be far larger.
pub const MAX_CLASS_COLUMNS: u64 = 1 << 24;

/// Most bytes one load may materialise from archive members beyond one copy of each distinct
/// member (see [`crate::budget`]).
///
/// Each node naming a member materialises it (decompressed, copied into an array or `bytes`),
/// so a load needs the sum of the distinct members' sizes, and skops never names a member from
/// two nodes. A crafted file naming one large member from thousands of nodes would make the
/// loader allocate thousands of copies. 16 MiB lets a writer that stores identical small
/// arrays once (a content-addressed writer) still load, while an attacker gains at most that
/// much, whatever the file.
pub const MAX_REMATERIALISED_SIZE: u64 = 16 * 1024 * 1024;

/// Most OpenMP threads a fitted k-means estimator may ask for (`_n_threads` of `KMeans`,
/// `MiniBatchKMeans`, `BisectingKMeans`).
///
/// `fit` stores the thread count of the machine it ran on, and `predict`/`score` run their
/// Cython loops with that many threads (at most one per 256 samples of `X`): a stored
/// `_n_threads = 10**6` makes libgomp fail to create threads on a large `X` and exit the
/// process. 1024 covers the largest machines scikit-learn runs on (hundreds of hardware
/// threads).
pub const MAX_N_THREADS: u64 = 1024;

/// Most degree of a `scipy.interpolate.BSpline` trusted by default (its `k`).
///
/// Evaluating a spline of degree `k` costs `O(k^2)` per point: a 2.4 MB file of degree
/// 10^5 takes half a minute per sample. `SplineTransformer`'s degree is 3 by default; a
/// spline of a higher degree is still checked, but left to the caller's trust list.
pub const MAX_SPLINE_DEGREE: u64 = 64;

/// Most bytes per item of a `numpy.dtype` trusted by default.
///
/// A stored dtype is applied to the caller's data at transform time (`KBinsDiscretizer`'s
/// `dtype` is handed to `check_array`, `OrdinalEncoder`'s to `astype`): `<U16777216` turns each
/// number of `X` into 64 MiB. 64 KiB covers every number and datetime type and strings of
/// 16,384 characters; a larger dtype is left to the caller's trust list.
pub const MAX_DTYPE_ITEMSIZE: u64 = 64 * 1024;

/// Highest degree a fitted `PolynomialFeatures` may expand to (`_max_degree`).
///
/// `transform` loops over every degree up to it, and with `interaction_only` the passes past
/// the number of features do nothing, so nothing else bounds the loop: `_max_degree = 10**15`
/// runs for days. At this limit the loop takes milliseconds; real models use degrees below 10.
pub const MAX_POLYNOMIAL_DEGREE: u64 = 1 << 16;

/// How many times what a file honestly needs (one copy of each distinct member, see
/// [`crate::budget`]) the validators may decompress from its members in one audit.
///
/// A validator reads an array once per object that owns it: an honest file has most members
/// read once, and an array shared by a few estimators (the training data of the ten
/// neighbors models of a voting ensemble, each with its KD tree over it) once per owner. A
/// crafted file can make 800,000 small objects own one large deflated member, and the audit
/// would decompress it 800,000 times (hours); at this limit it stops after 32 times the
/// file's honest decompression.
pub const MAX_VALIDATION_READ_FACTOR: u64 = 32;

/// Bytes the validators may decompress beyond [`MAX_VALIDATION_READ_FACTOR`] times what the
/// file needs (small arrays shared by a few objects).
pub const MAX_VALIDATION_REREAD_SIZE: u64 = 256 * 1024 * 1024;

/// All limits in one value, so callers can change them together.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// See [`MAX_MEMBERS`].
    pub max_members: u64,
    /// See [`MAX_SCHEMA_SIZE`].
    pub max_schema_size: u64,
    /// See [`MAX_MEMBER_SIZE`].
    pub max_member_size: u64,
    /// See [`MAX_TOTAL_SIZE`].
    pub max_total_size: u64,
    /// See [`MAX_COMPRESSION_RATIO`].
    pub max_compression_ratio: u64,
    /// See [`COMPRESSION_RATIO_FLOOR`].
    pub compression_ratio_floor: u64,
    /// See [`MAX_JSON_DEPTH`].
    pub max_json_depth: u64,
    /// See [`MAX_ARRAY_RANK`].
    pub max_array_rank: u64,
    /// See [`MAX_DTYPE_FIELDS`].
    pub max_dtype_fields: u64,
    /// See [`MAX_NPY_HEADER_SIZE`].
    pub max_npy_header_size: u64,
    /// See [`MAX_NPY_HEADER_DEPTH`].
    pub max_npy_header_depth: u64,
    /// See [`MAX_EXPANDED_NODES`].
    pub max_expanded_nodes: u64,
    /// See [`MAX_N_FEATURES`].
    pub max_n_features: u64,
    /// See [`MAX_N_CLASSES`].
    pub max_n_classes: u64,
    /// See [`MAX_N_OUTPUTS`].
    pub max_n_outputs: u64,
    /// See [`MAX_CLASS_COLUMNS`].
    pub max_class_columns: u64,
    /// See [`MAX_REMATERIALISED_SIZE`].
    pub max_rematerialised_size: u64,
    /// See [`MAX_N_THREADS`].
    pub max_n_threads: u64,
    /// See [`MAX_SPLINE_DEGREE`].
    pub max_spline_degree: u64,
    /// See [`MAX_DTYPE_ITEMSIZE`].
    pub max_dtype_itemsize: u64,
    /// See [`MAX_POLYNOMIAL_DEGREE`].
    pub max_polynomial_degree: u64,
    /// See [`MAX_VALIDATION_READ_FACTOR`].
    pub max_validation_read_factor: u64,
    /// See [`MAX_VALIDATION_REREAD_SIZE`].
    pub max_validation_reread_size: u64,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            max_members: MAX_MEMBERS,
            max_schema_size: MAX_SCHEMA_SIZE,
            max_member_size: MAX_MEMBER_SIZE,
            max_total_size: MAX_TOTAL_SIZE,
            max_compression_ratio: MAX_COMPRESSION_RATIO,
            compression_ratio_floor: COMPRESSION_RATIO_FLOOR,
            max_json_depth: MAX_JSON_DEPTH,
            max_array_rank: MAX_ARRAY_RANK,
            max_dtype_fields: MAX_DTYPE_FIELDS,
            max_npy_header_size: MAX_NPY_HEADER_SIZE,
            max_npy_header_depth: MAX_NPY_HEADER_DEPTH,
            max_expanded_nodes: MAX_EXPANDED_NODES,
            max_n_features: MAX_N_FEATURES,
            max_n_classes: MAX_N_CLASSES,
            max_n_outputs: MAX_N_OUTPUTS,
            max_class_columns: MAX_CLASS_COLUMNS,
            max_rematerialised_size: MAX_REMATERIALISED_SIZE,
            max_n_threads: MAX_N_THREADS,
            max_spline_degree: MAX_SPLINE_DEGREE,
            max_dtype_itemsize: MAX_DTYPE_ITEMSIZE,
            max_polynomial_degree: MAX_POLYNOMIAL_DEGREE,
            max_validation_read_factor: MAX_VALIDATION_READ_FACTOR,
            max_validation_reread_size: MAX_VALIDATION_REREAD_SIZE,
        }
    }
}

impl Limits {
    /// Fails with [`crate::Error::LimitExceeded`] when `value > limit`.
    pub fn check(what: &str, value: u64, limit: u64) -> crate::Result<()> {
        if value > limit {
            return Err(crate::Error::LimitExceeded {
                what: what.to_owned(),
                value,
                limit,
            });
        }
        Ok(())
    }
}
