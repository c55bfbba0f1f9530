//! The validator of the fitted state of `KMeans`, `MiniBatchKMeans` and `BisectingKMeans`: the width of the
//! cluster centers the Cython k-means loops read without bounds checks.
//!
//! skops 0.16 trusts these estimators by default, so this validator grants no trust: it only
//! refuses a state sklearn's `fit` could never produce and that makes native code read or
//! write outside its arrays.
//!
//! `predict` and `score` hand `cluster_centers_` to `lloyd_iter_chunked_dense`/`_sparse` and
//! `_inertia_dense`/`_sparse` (`sklearn/cluster/_k_means_lloyd.pyx`, `_k_means_common.pyx`,
//! `boundscheck=False`), which take `n_features = X.shape[1]` and read every center over that
//! width (the sparse loops read `centers[j, X.indices[k]]`); `validate_data` checks the query
//! against `n_features_in_` only, and not at all when the state has no `n_features_in_`. So
//! the centers must be `n_features_in_` wide, and a fitted state must have `n_features_in_`
//! (`fit` and `partial_fit` always set it). `MiniBatchKMeans.partial_fit` on a loaded model
//! adds to `_counts[label]` for each center (`_minibatch_update_dense`): `_counts` needs one
//! count per center.
//!
//! Checked, when the state has `cluster_centers_`: `n_features_in_` is present and a
//! non-negative integer; `cluster_centers_` is a two-dimensional float32 or float64 array of
//! `n_features_in_` columns and `n_clusters` rows (when `n_clusters` is an integer); `_counts`,
//! when present, is a one-dimensional array of one count per center. Not checked:
//! `labels_` and `inertia_`. `_n_threads`, when present, must be a positive integer: it is
//! OpenMP's thread count, and libgomp aborts the process on a negative one.

use super::neighbors::size_attribute;
use super::state::{State, json_int, numpy_header};
use crate::{Error, Result};
use skops_format::file::SkopsFile;
use skops_format::limits::Limits;
use skops_format::npy::Descr;
use skops_format::schema::NodeId;

/// The k-means estimators whose centers the Lloyd loops read.
const KMEANS_TYPES: [&str; 3] = [
    "sklearn.cluster._kmeans.KMeans",
    "sklearn.cluster._kmeans.MiniBatchKMeans",
    "sklearn.cluster._bisect_k_means.BisectingKMeans",
];

/// Whether `type_name` is `KMeans`, `MiniBatchKMeans` or `BisectingKMeans`.
pub(crate) fn is_kmeans(type_name: &str) -> bool {
    KMEANS_TYPES.contains(&type_name)
}

/// Validates the fitted state of the k-means ObjectNode `id`; `path` gives its access path.
/// An unfitted estimator (no `cluster_centers_`) passes. `_limits` is unused: it keeps the
/// signature every refuse-only check has in the registry.
pub(crate) fn validate_kmeans(
    file: &SkopsFile<'_>,
    id: NodeId,
    _limits: &Limits,
    path: &dyn Fn() -> String,
) -> Result<()> {
    let malformed = |reason: String| {
        Error::from(KMeansError::State {
            path: path(),
            reason,
        })
    };
    let state = State::read(file, id, path)?;
    // `predict`/`score` pass `_n_threads` to OpenMP as the thread count: libgomp aborts the
    // process on a negative one. `fit` stores `_openmp_effective_n_threads()`, at least 1.
    if let Some(threads) = state.get("_n_threads") {
        match json_int(file, threads) {
            Some(threads) if threads >= 1 => {}
            _ => {
                return Err(malformed(
                    "`_n_threads` is not a positive integer (the OpenMP thread count)".to_owned(),
                ));
            }
        }
    }
    let Some(centers_id) = state.get("cluster_centers_") else {
        return Ok(());
    };
    let n_features =
        size_attribute(file, &state, "n_features_in_", &malformed)?.ok_or_else(|| {
            malformed(
                "a fitted model without `n_features_in_`: the query's width would not be checked"
                    .to_owned(),
            )
        })?;
    let n_clusters = state
        .get("n_clusters")
        .and_then(|node| json_int(file, node))
        .and_then(|value| u64::try_from(value).ok());
    let shape_error = |array: &str, found: &[u64], expected: String| {
        Error::from(KMeansError::Shape {
            path: path(),
            array: array.to_owned(),
            found: found.to_vec(),
            expected,
        })
    };

    // Shapes and dtypes only: the headers read at open (a center array shared by many
    // estimators is not decompressed once per estimator).
    let centers = numpy_header(file, centers_id).map_err(&malformed)?;
    let float =
        matches!(&centers.descr, Descr::Simple(t) if t.kind == 'f' && matches!(t.size, 4 | 8));
    if !float {
        return Err(malformed(format!(
            "`cluster_centers_` is {}, not float32 or float64",
            centers.descr.to_python_repr()
        )));
    }
    let rows = match centers.shape.as_slice() {
        [rows, cols] if *cols == n_features && n_clusters.is_none_or(|n| n == *rows) => *rows,
        found => {
            let rows = match n_clusters {
                Some(n_clusters) => n_clusters.to_string(),
                None => "n_clusters".to_owned(),
            };
            return Err(shape_error(
                "cluster_centers_",
                found,
                format!("({rows}, {n_features}) (`n_clusters`, `n_features_in_`)"),
            ));
        }
    };
    if let Some(counts_id) = state.get("_counts") {
        let counts = numpy_header(file, counts_id).map_err(&malformed)?;
        if counts.shape != [rows] {
            return Err(shape_error(
                "_counts",
                &counts.shape,
                format!("({rows},) (one count per center)"),
            ));
        }
    }
    Ok(())
}

/// What the `kmeans` validator refuses.
#[derive(Debug, thiserror::Error, strum::EnumDiscriminants)]
#[strum_discriminants(name(KMeansErrorKind), derive(strum::EnumIter))]
#[strum_discriminants(doc = "The variants of [`KMeansError`], without their data.")]
pub enum KMeansError {
    /// The fitted state of `KMeans`/`MiniBatchKMeans` is not what sklearn writes: no
    /// `n_features_in_`, or `cluster_centers_` not a float array.
    #[error("the fitted state of the k-means estimator at `{path}` is malformed: {reason}")]
    State {
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
    Shape {
        /// Where the estimator is.
        path: String,
        /// `cluster_centers_` or `_counts`.
        array: String,
        /// The shape found.
        found: Vec<u64>,
        /// The shape expected.
        expected: String,
    },
}

skops_format::error_kinds!(KMeansError / KMeansErrorKind {
    State => "validate-kmeans-state",
    Shape => "validate-kmeans-shape",
});

impl KMeansError {
    /// What to tell a user who meets this refusal (the CLI's `hint:` line).
    pub fn hint(&self) -> &'static str {
        "the cluster centers of a k-means estimator do not match its `n_features_in_` (sklearn's \
         k-means code would read out of bounds at predict time): the file is corrupt or was \
         crafted; do not load it"
    }
}
