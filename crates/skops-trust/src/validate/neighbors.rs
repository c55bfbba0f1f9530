//! The validator of the fitted state of sklearn's neighbors estimators (`KNeighbors*`,
//! `RadiusNeighbors*`, `NearestNeighbors`, the neighbors transformers, `LocalOutlierFactor`):
//! the shapes and labels the pairwise-distance reductions read without bounds checks.
//!
//! skops 0.16 trusts these estimators by default, so this validator grants no trust: it only
//! refuses a state sklearn's `fit` could never produce and that makes predict read or write
//! outside its arrays.
//!
//! At query time (`kneighbors`, `radius_neighbors`, `predict`, `predict_proba`, `transform`,
//! `score_samples`) a brute-force model hands `_fit_X` to the Cython reductions (`ArgKmin`,
//! `RadiusNeighbors`, `ArgKminClassMode`, `RadiusNeighborsClassMode`, in
//! `sklearn/metrics/_pairwise_distances_reduction`), with `boundscheck=False`:
//! - `DenseDenseDatasetsPair` measures every distance over `X.shape[1]` features, reading each
//!   row of `_fit_X` at the query's width; `validate_data` checks the query against
//!   `n_features_in_` only. A `_fit_X` narrower than `n_features_in_` is read past its end (a
//!   2,000,000-wide query against a 5-wide `_fit_X` segfaults). The sparse pairs read the
//!   query at the sparse rows' column indices the same way.
//! - The returned neighbor indices are rows of `_fit_X`; the graphs (`kneighbors_graph`,
//!   the transformers) are CSR matrices of `n_samples_fit_` columns built from them with
//!   scipy's cheap checks only, so `n_samples_fit_` must be the rows of `_fit_X`.
//! - The class-mode reductions (a uniform-weight single-output classifier) read
//!   `Y_labels[neighbor]` (`_y`, as `intp`) for each neighbor row and add to
//!   `class_scores[sample][Y_labels[neighbor]]`, a row of `len(classes_)` scores: `_y` needs
//!   one label per row of `_fit_X`, each in `[0, len(classes_))` (a label of 10**9 writes far
//!   outside the scores: a segfault). sklearn's `fit` makes `_y` with `np.unique(...,
//!   return_inverse=True)`, so its labels are always such indices.
//!
//! The other paths (`_y[neigh_ind]`, `classes_k.take(...)`, `np.bincount`, the tree methods'
//! `KDTree`/`BallTree`, which check the query's width themselves and are validated by
//! [`super::binary_tree`]) go through numpy or check their input.
//!
//! Checked, when the state has them: `n_features_in_` and `n_samples_fit_` are non-negative
//! integers (a float `n_features_in_` would compare equal to a wrong width in
//! `validate_data`); `_fit_X` (a numpy array or a sparse matrix) is two-dimensional of shape
//! `(n_samples_fit_, n_features_in_)`; for the classifiers, `outputs_2d_` is a bool, `_y` an
//! integer array of one label per row of `_fit_X` (a column per output when `outputs_2d_`,
//! `classes_` then being a list of one array per output), each label in `[0, len(classes_))`
//! (of its output's classes).
//!
//! A `_fit_X` that is a `numpy.ma.MaskedArray` (trusted by skops' defaults; sklearn never
//! stores one) is an ndarray subclass the reductions read like any array: its shape, that of
//! its `data`, is checked the same way, and refused when it cannot be known.
//!
//! The metric's keyword arguments (`metric_params`, which the classifiers' class-mode
//! reductions use, and `effective_metric_params_`, which `kneighbors`/`radius_neighbors`
//! use) reach native code that trusts their sizes:
//! - `VI` goes to scipy's `cdist(..., "mahalanobis", VI=VI)` (the reductions do not handle
//!   Mahalanobis), whose C loop reads `VI` as `n x n` for `n` features without checking its
//!   shape (a `1 x 1` `VI` with 2,000 features segfaults `kneighbors`): it must be a
//!   `(n_features, n_features)` array;
//! - `Y_norm_squared` and `X_norm_squared` replace the squared row norms the Euclidean
//!   reductions (`EuclideanArgKmin`, `EuclideanRadiusNeighbors`) index by `_fit_X` row and by
//!   query row, with no length check: `Y_norm_squared` must hold one norm per row of
//!   `_fit_X`, and `X_norm_squared`, which would have to match every query, is refused.
//!
//! Both mappings must be a dict (or `None`) the state reader can read. The other keyword
//! arguments (`p`, `w`, `V`) are checked against the data by `DistanceMetric._validate_data`
//! and by scipy before any distance is computed.
//!
//! Not checked: a fitted state without `n_features_in_` (sklearn writes one when a neighbors
//! estimator is fitted on another: `validate_data` then checks no width, so a query wider than
//! `_fit_X` over-reads it in sklearn itself); the regressors' `_y`, the metric itself,
//! `LocalOutlierFactor`'s `_lrd` and `_distances_fit_X_` (read by numpy indexing).

use super::state::{Array, Slot, State, Unreadable, json_int, json_value, numpy_header};
use super::svm::with_sparse;
use crate::{Error, Result};
use skops_format::file::SkopsFile;
use skops_format::json::Value;
use skops_format::limits::Limits;
use skops_format::npy::Descr;
use skops_format::schema::{NdArrayStorage, NodeId, NodeKind};

/// The neighbors estimators, with whether they are classifiers (keep `_y` as class indices).
const NEIGHBORS_TYPES: [(&str, bool); 8] = [
    (
        "sklearn.neighbors._classification.KNeighborsClassifier",
        true,
    ),
    (
        "sklearn.neighbors._classification.RadiusNeighborsClassifier",
        true,
    ),
    ("sklearn.neighbors._regression.KNeighborsRegressor", false),
    (
        "sklearn.neighbors._regression.RadiusNeighborsRegressor",
        false,
    ),
    ("sklearn.neighbors._unsupervised.NearestNeighbors", false),
    ("sklearn.neighbors._graph.KNeighborsTransformer", false),
    ("sklearn.neighbors._graph.RadiusNeighborsTransformer", false),
    ("sklearn.neighbors._lof.LocalOutlierFactor", false),
];

/// Whether `type_name` is a neighbors estimator, and whether it classifies.
pub(crate) fn neighbors_kind(type_name: &str) -> Option<bool> {
    NEIGHBORS_TYPES
        .iter()
        .find(|(name, _)| *name == type_name)
        .map(|&(_, classifier)| classifier)
}

/// Validates the fitted state of the neighbors estimator ObjectNode `id`; `path` gives its
/// access path. An unfitted estimator (no fitted attributes) passes.
pub(crate) fn validate_neighbors(
    file: &SkopsFile<'_>,
    id: NodeId,
    limits: &Limits,
    path: &dyn Fn() -> String,
) -> Result<()> {
    let malformed = |reason: String| {
        Error::from(NeighborsError::State {
            path: path(),
            reason,
        })
    };
    let classifier = neighbors_kind(&file.schema().node(id).type_name())
        .ok_or_else(|| malformed("not a neighbors estimator".to_owned()))?;
    let state = State::read(file, id, path)?;
    let n_features = size_attribute(file, &state, "n_features_in_", &malformed)?;
    let n_samples = size_attribute(file, &state, "n_samples_fit_", &malformed)?;
    let fit_shape = match state.get("_fit_X") {
        Some(fit_x) => fit_x_shape(file, fit_x, limits, &malformed)?,
        None => None,
    };
    let fit_rows = fit_shape
        .clone()
        .map(|shape| check_fit_x(shape, n_samples, n_features, path))
        .transpose()?;
    // What the metric's keyword arguments are measured against: the query's width (checked
    // against `n_features_in_`, or equal to `_fit_X`'s without it) and `_fit_X`'s rows.
    let fit_cols = fit_shape.as_deref().and_then(|shape| shape.get(1).copied());
    let width = n_features.or(fit_cols);
    let rows = n_samples.or(fit_rows);
    for key in METRIC_KWARGS {
        if let Some(kwargs) = state.get(key) {
            check_metric_kwargs(file, key, kwargs, width, rows, limits, path)?;
        }
    }
    if classifier {
        check_labels(file, &state, fit_rows, limits, path)?;
    }
    Ok(())
}

/// The attributes holding keyword arguments for the metric: `metric_params` (the
/// classifiers' class-mode reductions) and `effective_metric_params_` (`kneighbors`,
/// `radius_neighbors`).
const METRIC_KWARGS: [&str; 2] = ["metric_params", "effective_metric_params_"];

/// Checks the metric keyword arguments `slot` (the attribute `attribute`) against the query
/// width `width` and the rows `rows` of `_fit_X` (see the module doc).
fn check_metric_kwargs(
    file: &SkopsFile<'_>,
    attribute: &'static str,
    slot: Slot<'_>,
    width: Option<u64>,
    rows: Option<u64>,
    limits: &Limits,
    path: &dyn Fn() -> String,
) -> Result<()> {
    let bad = |param: &str, reason: String| {
        Error::from(NeighborsError::MetricParam {
            path: path(),
            attribute,
            param: param.to_owned(),
            reason,
        })
    };
    let state;
    let kwargs = match slot {
        Slot::Json(Value::Null) => return Ok(()),
        Slot::Json(Value::Object(object)) => object
            .iter()
            .map(|(key, value)| (key.clone(), Slot::Json(value)))
            .collect::<Vec<_>>(),
        Slot::Json(other) => {
            return Err(bad(
                "",
                format!("a JSON {} where a dict belongs", other.type_name()),
            ));
        }
        Slot::Node(id) => {
            state = State::of_node(file.schema(), id)
                .map_err(|Unreadable(reason)| bad("", format!("not a plain dict: {reason}")))?;
            state
                .attributes()
                .map(|(key, value)| (key.clone(), value))
                .collect::<Vec<_>>()
        }
    };
    for (key, value) in kwargs {
        let Some(key) = key.as_str() else {
            continue;
        };
        let expected = match key {
            "X_norm_squared" => {
                return Err(bad(
                    key,
                    "the Euclidean reductions read one norm per query row, unchecked: no stored \
                     value can match every query"
                        .to_owned(),
                ));
            }
            "VI" => width.map(|width| vec![width, width]),
            "Y_norm_squared" => rows.map(|rows| vec![rows]),
            _ => continue,
        };
        let Some(expected) = expected else {
            return Err(bad(
                key,
                "the width and samples of `_fit_X` it must match are unknown".to_owned(),
            ));
        };
        let shape = array_like_shape(file, value, limits)?;
        if shape.as_ref() != Some(&expected) {
            return Err(bad(
                key,
                format!(
                    "of shape {}, expected {expected:?} (native code reads that many values \
                     unchecked)",
                    shape.map_or_else(|| "unknown".to_owned(), |shape| format!("{shape:?}"))
                ),
            ));
        }
    }
    Ok(())
}

/// The shape numpy gives the value in `slot` (`np.asarray`): a `.npy` array's, a sparse
/// matrix's, a masked array's `data`'s, or a rectangular nest of lists, tuples and JSON
/// arrays of scalars (up to two levels); `None` when it cannot be told.
fn array_like_shape(
    file: &SkopsFile<'_>,
    slot: Slot<'_>,
    limits: &Limits,
) -> Result<Option<Vec<u64>>> {
    let schema = file.schema();
    let Some(id) = slot.node() else {
        return Ok(match slot {
            Slot::Json(value) => json_shape(value),
            Slot::Node(_) => None,
        });
    };
    match &schema.node(id).kind {
        NodeKind::NdArray(NdArrayStorage::Numpy { .. }) => {
            Ok(file.array_header(id).map(|header| header.shape.clone()))
        }
        NodeKind::SparseMatrix { file: member } => with_sparse(file, member, limits, |matrix| {
            Ok(Some(vec![matrix.shape.0, matrix.shape.1]))
        }),
        NodeKind::MaskedArray { data, .. } => array_like_shape(file, Slot::Node(*data), limits),
        NodeKind::Json { .. } => Ok(json_value(file, id).as_ref().and_then(json_shape)),
        NodeKind::List(items) | NodeKind::Tuple(items) => {
            let mut inner: Option<Vec<u64>> = None;
            for &item in items {
                let shape = match &schema.node(item).kind {
                    NodeKind::Json { .. } => json_value(file, item).as_ref().and_then(json_shape),
                    NodeKind::List(row) | NodeKind::Tuple(row) => {
                        let scalars = row.iter().all(|&cell| {
                            json_value(file, cell).is_some_and(|value| value.as_number().is_some())
                        });
                        scalars.then(|| vec![row.len() as u64])
                    }
                    _ => None,
                };
                match (shape, &inner) {
                    (Some(shape), None) => inner = Some(shape),
                    (Some(shape), Some(first)) if shape == *first => {}
                    _ => return Ok(None),
                }
            }
            let mut shape = vec![items.len() as u64];
            shape.extend(inner.unwrap_or_default());
            Ok(Some(shape))
        }
        _ => Ok(None),
    }
}

/// The shape of a JSON number (`()`) or rectangular array of numbers (up to two levels).
fn json_shape(value: &Value) -> Option<Vec<u64>> {
    match value {
        Value::Number(_) => Some(Vec::new()),
        Value::Array(items) => {
            let mut inner: Option<Vec<u64>> = None;
            for item in items {
                let shape = match item {
                    Value::Number(_) => Vec::new(),
                    Value::Array(row) if row.iter().all(|cell| cell.as_number().is_some()) => {
                        vec![row.len() as u64]
                    }
                    _ => return None,
                };
                match &inner {
                    None => inner = Some(shape),
                    Some(first) if *first == shape => {}
                    Some(_) => return None,
                }
            }
            let mut shape = vec![items.len() as u64];
            shape.extend(inner.unwrap_or_default());
            Some(shape)
        }
        _ => None,
    }
}

/// The value of the size attribute `key` (`n_features_in_`, `n_samples_fit_`), if present.
pub(super) fn size_attribute(
    file: &SkopsFile<'_>,
    state: &State<'_>,
    key: &str,
    malformed: &dyn Fn(String) -> Error,
) -> Result<Option<u64>> {
    let Some(node) = state.get(key) else {
        return Ok(None);
    };
    json_int(file, node)
        .and_then(|value| u64::try_from(value).ok())
        .map(Some)
        .ok_or_else(|| malformed(format!("`{key}` is not a non-negative integer")))
}

/// The shape of `_fit_X` when it is a `.npy` array, a sparse matrix or a masked array (another
/// node, which sklearn never writes, is not handed to the Cython reductions as an array:
/// `is_usable_for` needs a C-ordered numpy array, which a masked array is, or a CSR matrix).
fn fit_x_shape(
    file: &SkopsFile<'_>,
    slot: Slot<'_>,
    limits: &Limits,
    malformed: &dyn Fn(String) -> Error,
) -> Result<Option<Vec<u64>>> {
    // A JSON value is no array either.
    let Some(id) = slot.node() else {
        return Ok(None);
    };
    match &file.schema().node(id).kind {
        NodeKind::NdArray(NdArrayStorage::Numpy { .. }) => {
            // The header read at open: the shape needs no decompression.
            let header = numpy_header(file, id).map_err(malformed)?;
            Ok(Some(header.shape.clone()))
        }
        NodeKind::SparseMatrix { file: member } => with_sparse(file, member, limits, |matrix| {
            Ok(Some(vec![matrix.shape.0, matrix.shape.1]))
        }),
        // An ndarray subclass the reductions read as its `data`: its shape must be known.
        NodeKind::MaskedArray { data, .. } => array_like_shape(file, Slot::Node(*data), limits)?
            .map(Some)
            .ok_or_else(|| {
                malformed("`_fit_X` is a masked array whose shape cannot be known".to_owned())
            }),
        _ => Ok(None),
    }
}

/// Checks that `_fit_X` of shape `shape` is `(n_samples_fit_, n_features_in_)`; returns its
/// rows.
fn check_fit_x(
    shape: Vec<u64>,
    n_samples: Option<u64>,
    n_features: Option<u64>,
    path: &dyn Fn() -> String,
) -> Result<u64> {
    let sound = match shape.as_slice() {
        [rows, cols] => {
            n_samples.is_none_or(|n| n == *rows) && n_features.is_none_or(|n| n == *cols)
        }
        _ => false,
    };
    if !sound {
        let dim = |value: Option<u64>, name: &str| match value {
            Some(value) => value.to_string(),
            None => name.to_owned(),
        };
        return Err(Error::from(NeighborsError::FitX {
            path: path(),
            found: shape,
            expected: format!(
                "({}, {}) (`n_samples_fit_`, `n_features_in_`)",
                dim(n_samples, "n_samples"),
                dim(n_features, "n_features")
            ),
        }));
    }
    Ok(shape.first().copied().unwrap_or(0))
}

/// Checks a classifier's `_y` against `classes_` and the `fit_rows` rows of `_fit_X`.
fn check_labels(
    file: &SkopsFile<'_>,
    state: &State<'_>,
    fit_rows: Option<u64>,
    limits: &Limits,
    path: &dyn Fn() -> String,
) -> Result<()> {
    let (Some(labels_id), Some(classes_id)) = (state.get("_y"), state.get("classes_")) else {
        return Ok(());
    };
    let bad = |reason: String| {
        Error::from(NeighborsError::Labels {
            path: path(),
            reason,
        })
    };
    let outputs_2d = match state
        .get("outputs_2d_")
        .and_then(|node| json_value(file, node))
    {
        Some(Value::Bool(outputs_2d)) => outputs_2d,
        _ => {
            return Err(Error::from(NeighborsError::State {
                path: path(),
                reason: "`outputs_2d_` is missing or not a bool".to_owned(),
            }));
        }
    };
    // The number of classes of each output.
    let class_counts = if outputs_2d {
        let Some(NodeKind::List(items) | NodeKind::Tuple(items)) = classes_id
            .node()
            .map(|classes| &file.schema().node(classes).kind)
        else {
            return Err(bad(
                "`classes_` of a multi-output classifier is not a list".to_owned()
            ));
        };
        items
            .iter()
            .map(|&item| class_count(file, Slot::Node(item), limits, &bad))
            .collect::<Result<Vec<u64>>>()?
    } else {
        vec![class_count(file, classes_id, limits, &bad)?]
    };
    let labels = Array::load(file, labels_id, limits, &bad)?;
    let integer = matches!(&labels.header.descr, Descr::Simple(t) if matches!(t.kind, 'i' | 'u'));
    if !integer {
        return Err(bad(format!(
            "`_y` is {}, not an integer array",
            labels.dtype()
        )));
    }
    let rows = match (labels.shape(), outputs_2d) {
        ([rows], false) => *rows,
        ([rows, outputs], true) if *outputs == class_counts.len() as u64 => *rows,
        (shape, _) => {
            let expected = if outputs_2d {
                format!("(n_samples, {})", class_counts.len())
            } else {
                "(n_samples,)".to_owned()
            };
            return Err(bad(format!(
                "`_y` has shape {shape:?}, expected {expected}"
            )));
        }
    };
    if let Some(fit_rows) = fit_rows
        && rows != fit_rows
    {
        return Err(bad(format!(
            "`_y` has {rows} labels, but `_fit_X` has {fit_rows} samples"
        )));
    }
    let values = labels
        .ints()
        .ok_or_else(|| bad("`_y` items cannot be read".to_owned()))?;
    let outputs = class_counts.len().max(1);
    let c_order = !labels.header.fortran_order;
    for (position, &label) in values.iter().enumerate() {
        // The output (column) of item `position`, in the array's memory order.
        let output = if c_order {
            position % outputs
        } else {
            position / usize::try_from(rows).unwrap_or(usize::MAX).max(1)
        };
        let bound = class_counts.get(output).copied().unwrap_or(0);
        if label < 0 || label >= i128::from(bound) {
            return Err(bad(format!(
                "label {label} (item {position} of `_y`, output {output}) is outside [0, \
                 {bound}), the classes of `classes_`"
            )));
        }
    }
    Ok(())
}

/// `len(...)` of a `classes_` array: its first dimension.
fn class_count(
    file: &SkopsFile<'_>,
    slot: Slot<'_>,
    limits: &Limits,
    bad: &dyn Fn(String) -> Error,
) -> Result<u64> {
    let Some(id) = slot.node() else {
        return Err(bad("`classes_` is a JSON value, not an array".to_owned()));
    };
    let shape = match &file.schema().node(id).kind {
        NodeKind::NdArray(NdArrayStorage::Numpy { .. }) => {
            Array::load(file, id, limits, bad)?.shape().to_vec()
        }
        NodeKind::NdArray(NdArrayStorage::Json { items, .. }) => vec![items.len() as u64],
        _ => Vec::new(),
    };
    match shape.as_slice() {
        [classes] => Ok(*classes),
        _ => Err(bad(format!(
            "`classes_` is not a one-dimensional array (shape {shape:?})"
        ))),
    }
}

/// What the `neighbors` validator refuses.
#[derive(Debug, thiserror::Error, strum::EnumDiscriminants)]
#[strum_discriminants(name(NeighborsErrorKind), derive(strum::EnumIter))]
#[strum_discriminants(doc = "The variants of [`NeighborsError`], without their data.")]
pub enum NeighborsError {
    /// The fitted state of a neighbors estimator is not what sklearn writes: `n_features_in_`
    /// or `n_samples_fit_` not a non-negative integer, `_fit_X` or `_y` not an array, or
    /// `outputs_2d_` not a bool.
    #[error("the fitted state of the neighbors estimator at `{path}` is malformed: {reason}")]
    State {
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
    FitX {
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
    Labels {
        /// Where the estimator is.
        path: String,
        /// Which label or shape is wrong.
        reason: String,
    },
    /// A keyword argument the neighbors estimator hands its metric (`metric_params`,
    /// `effective_metric_params_`) has a size native code trusts but the data does not match:
    /// `VI` not `(n_features, n_features)`, `Y_norm_squared` not one norm per row of `_fit_X`,
    /// an `X_norm_squared` at all, or a mapping that is not a plain dict.
    #[error(
        "the neighbors estimator at `{path}` has an unsound `{attribute}` entry `{param}`: {reason}"
    )]
    MetricParam {
        /// Where the estimator is, as a Python access path from the root object.
        path: String,
        /// `metric_params` or `effective_metric_params_`.
        attribute: &'static str,
        /// The keyword (empty when the mapping itself is unsound).
        param: String,
        /// What is wrong.
        reason: String,
    },
}

skops_format::error_kinds!(NeighborsError / NeighborsErrorKind {
    State => "validate-neighbors-state",
    FitX => "validate-neighbors-fit-x",
    Labels => "validate-neighbors-labels",
    MetricParam => "validate-neighbors-metric-param",
});

impl NeighborsError {
    /// What to tell a user who meets this refusal (the CLI's `hint:` line).
    pub fn hint(&self) -> &'static str {
        "the fitted state of a neighbors estimator breaks an invariant sklearn's \
         pairwise-distance code relies on at predict time (it would read or write out of bounds): \
         the file is corrupt or was crafted; do not load it"
    }
}
