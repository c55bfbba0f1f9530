//! The validator of the distance metric a `KDTree`/`BallTree` carries
//! (`sklearn.metrics._dist_metrics.*Distance64`), for the metrics whose state it can bound.
//!
//! skops builds a metric as an ObjectNode: `__new__` (`__cinit__`: `p = 2`, `vec` of one zero,
//! `mat` of one zero), then `__setstate__((p, vec, mat))`, which stores `p` as a C double and
//! `vec`/`mat` in `const float64_t[::1]` / `const float64_t[:, ::1]` memoryviews (Cython checks
//! dtype, dimensions and C order). Mahalanobis then allocates `buffer` of `mat.shape[0]`
//! entries. The tree calls `dist`/`rdist(x1, x2, size)` with `size = data.shape[1]`
//! (`n_features`), with `boundscheck=False`:
//! - Euclidean, Manhattan, Chebyshev and unweighted Minkowski read only `x1` and `x2`;
//! - weighted Minkowski (`vec` not empty) reads `vec[j]` for `j < n_features`;
//! - SEuclidean reads `vec[j]` for `j < n_features`;
//! - Mahalanobis writes `buffer[i]` and reads `mat[i, j]` for `i, j < n_features`;
//! - Haversine reads `x1[0]`, `x1[1]` (and `x2`'s), whatever `size` is;
//! - Hamming, Canberra, BrayCurtis and the boolean metrics (Jaccard, Matching, Dice,
//!   Kulsinski, RogersTanimoto, RussellRao, SokalMichener, SokalSneath) read only `x1[j]`,
//!   `x2[j]` for `j < size`, never `p`, `vec` or `mat`.
//!
//! So each is checked: the state is the `(p, vec, mat)` tuple of a number, a 1-D and a 2-D
//! C-ordered little-endian float64 array; `p` is the class's (2 for Euclidean, SEuclidean and
//! Mahalanobis, 1 for Manhattan, infinity for Chebyshev, a finite `p > 0` for Minkowski, as
//! `MinkowskiDistance.__init__` requires); Minkowski's `vec` is empty or has `n_features`
//! finite non-negative weights; SEuclidean's `vec` has `n_features` entries; Mahalanobis'
//! `mat` is `n_features` x `n_features`; Haversine's tree has 2 features (`__init__`'s
//! `_validate_data` requires it; `__setstate__` does not check); the others need nothing more
//! (their `p` is unused and not checked).
//!
//! Only these metrics, and each only in the trees scikit-learn allows it in (KDTree:
//! Euclidean, Manhattan, Chebyshev, Minkowski; BallTree: all), can be trusted, and Minkowski
//! only with `p >= 1` (below 1 it is no metric, which the tree's pruning assumes; the
//! estimators refuse it with a tree). A checked metric in a tree that does not allow it is
//! still refused when unsound, but not trusted. Any other metric (`PyFuncDistance64` holds a
//! Python function) is not checked and leaves the tree untrusted.
//! A `*Distance32` metric cannot be the metric of these trees (`__setstate__` raises
//! `TypeError`), so it is never trusted here either.

use super::arrays::{Element, with_plain};
use super::binary_tree::TreeKind;
use crate::{Error, Result};
use skops_format::file::SkopsFile;
use skops_format::json::{self, Value};
use skops_format::limits::Limits;
use skops_format::schema::{NodeId, NodeKind};

/// The module of the metric classes.
const MODULE: &str = "sklearn.metrics._dist_metrics";

/// A metric the validator checks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Metric {
    Euclidean,
    Manhattan,
    Chebyshev,
    Minkowski,
    SEuclidean,
    Mahalanobis,
    Haversine,
    /// A metric that reads only the two points, `size` coordinates each.
    Plain,
}

/// The checked metrics: class name and full type name.
const METRICS: [(Metric, &str, &str); 18] = [
    (
        Metric::Euclidean,
        "EuclideanDistance64",
        "sklearn.metrics._dist_metrics.EuclideanDistance64",
    ),
    (
        Metric::Manhattan,
        "ManhattanDistance64",
        "sklearn.metrics._dist_metrics.ManhattanDistance64",
    ),
    (
        Metric::Chebyshev,
        "ChebyshevDistance64",
        "sklearn.metrics._dist_metrics.ChebyshevDistance64",
    ),
    (
        Metric::Minkowski,
        "MinkowskiDistance64",
        "sklearn.metrics._dist_metrics.MinkowskiDistance64",
    ),
    (
        Metric::SEuclidean,
        "SEuclideanDistance64",
        "sklearn.metrics._dist_metrics.SEuclideanDistance64",
    ),
    (
        Metric::Mahalanobis,
        "MahalanobisDistance64",
        "sklearn.metrics._dist_metrics.MahalanobisDistance64",
    ),
    (
        Metric::Haversine,
        "HaversineDistance64",
        "sklearn.metrics._dist_metrics.HaversineDistance64",
    ),
    (
        Metric::Plain,
        "HammingDistance64",
        "sklearn.metrics._dist_metrics.HammingDistance64",
    ),
    (
        Metric::Plain,
        "CanberraDistance64",
        "sklearn.metrics._dist_metrics.CanberraDistance64",
    ),
    (
        Metric::Plain,
        "BrayCurtisDistance64",
        "sklearn.metrics._dist_metrics.BrayCurtisDistance64",
    ),
    (
        Metric::Plain,
        "JaccardDistance64",
        "sklearn.metrics._dist_metrics.JaccardDistance64",
    ),
    (
        Metric::Plain,
        "MatchingDistance64",
        "sklearn.metrics._dist_metrics.MatchingDistance64",
    ),
    (
        Metric::Plain,
        "DiceDistance64",
        "sklearn.metrics._dist_metrics.DiceDistance64",
    ),
    (
        Metric::Plain,
        "KulsinskiDistance64",
        "sklearn.metrics._dist_metrics.KulsinskiDistance64",
    ),
    (
        Metric::Plain,
        "RogersTanimotoDistance64",
        "sklearn.metrics._dist_metrics.RogersTanimotoDistance64",
    ),
    (
        Metric::Plain,
        "RussellRaoDistance64",
        "sklearn.metrics._dist_metrics.RussellRaoDistance64",
    ),
    (
        Metric::Plain,
        "SokalMichenerDistance64",
        "sklearn.metrics._dist_metrics.SokalMichenerDistance64",
    ),
    (
        Metric::Plain,
        "SokalSneathDistance64",
        "sklearn.metrics._dist_metrics.SokalSneathDistance64",
    ),
];

impl Metric {
    /// Whether scikit-learn builds a tree of `kind` with this metric (`VALID_METRICS`).
    fn valid_in(self, kind: TreeKind) -> bool {
        match self {
            Metric::Euclidean | Metric::Manhattan | Metric::Chebyshev | Metric::Minkowski => true,
            Metric::SEuclidean | Metric::Mahalanobis | Metric::Haversine | Metric::Plain => {
                kind == TreeKind::Ball
            }
        }
    }
}

/// Validates metric node `id` of a tree of `kind` whose `data` has `n_features` columns;
/// returns the metric's type when it is one this module checks, valid in that tree, and
/// trustworthy. Fails when a checked metric's state is unsound (in any tree).
pub(crate) fn validate_metric(
    file: &SkopsFile<'_>,
    id: NodeId,
    kind: TreeKind,
    n_features: u64,
    limits: &Limits,
    path: &dyn Fn() -> String,
) -> Result<Option<&'static str>> {
    let schema = file.schema();
    let node = schema.node(id);
    let Some(&(metric, class, type_name)) = METRICS
        .iter()
        .find(|(_, class, _)| node.module == MODULE && node.class == *class)
    else {
        return Ok(None);
    };
    let malformed = |reason: String| {
        Error::from(MetricError::State {
            path: path(),
            metric: class,
            reason,
        })
    };
    let NodeKind::Object {
        content: Some(state),
    } = &node.kind
    else {
        return Err(malformed("it has no state".to_owned()));
    };
    let NodeKind::Tuple(items) = &schema.node(*state).kind else {
        return Err(malformed("the state is not a tuple".to_owned()));
    };
    let &[p, vec, mat] = items.as_slice() else {
        return Err(malformed(format!(
            "the state has {} items, not 3 (p, vec, mat)",
            items.len()
        )));
    };
    let p = json_number(file, p).ok_or_else(|| malformed("`p` is not a number".to_owned()))?;
    let wrong_p = |expected: &'static str| {
        Error::from(MetricError::P {
            path: path(),
            metric: class,
            p,
            expected,
        })
    };
    let trusted = match metric {
        Metric::Euclidean | Metric::SEuclidean | Metric::Mahalanobis if p != 2.0 => {
            return Err(wrong_p("2"));
        }
        Metric::Manhattan if p != 1.0 => return Err(wrong_p("1")),
        Metric::Chebyshev if p != f64::INFINITY => return Err(wrong_p("inf")),
        Metric::Minkowski if !(p.is_finite() && p > 0.0) => {
            return Err(wrong_p("a finite p > 0"));
        }
        Metric::Minkowski => p >= 1.0,
        Metric::Haversine if n_features != 2 => {
            return Err(malformed(format!(
                "Haversine reads 2 features (latitude, longitude), but the tree's `data` has \
                 {n_features}"
            )));
        }
        _ => true,
    } && metric.valid_in(kind);

    let size = |array: &'static str, shape: &[u64], expected: String| {
        Error::from(MetricError::Size {
            path: path(),
            metric: class,
            array,
            shape: shape.to_vec(),
            expected,
        })
    };
    let vec_problem = |reason: String| malformed(format!("`vec` is {reason}"));
    with_plain(file, vec, limits, Element::Float64, &vec_problem, |plain| {
        let &[length] = plain.shape else {
            return Err(vec_problem(format!(
                "of shape {:?}, not one dimension",
                plain.shape
            )));
        };
        match metric {
            Metric::Minkowski if length != 0 && length != n_features => {
                Err(size("vec", plain.shape, format!("(0,) or ({n_features},)")))
            }
            Metric::Minkowski if plain.floats().any(|w| !(w.is_finite() && w >= 0.0)) => Err(
                vec_problem("a weight vector with a negative or non-finite weight".to_owned()),
            ),
            Metric::SEuclidean if length != n_features => {
                Err(size("vec", plain.shape, format!("({n_features},)")))
            }
            _ => Ok(()),
        }
    })?;
    let mat_problem = |reason: String| malformed(format!("`mat` is {reason}"));
    with_plain(file, mat, limits, Element::Float64, &mat_problem, |plain| {
        let &[rows, columns] = plain.shape else {
            return Err(mat_problem(format!(
                "of shape {:?}, not two dimensions",
                plain.shape
            )));
        };
        if metric == Metric::Mahalanobis && (rows != n_features || columns != n_features) {
            return Err(size(
                "mat",
                plain.shape,
                format!("({n_features}, {n_features})"),
            ));
        }
        Ok(())
    })?;
    Ok(trusted.then_some(type_name))
}

/// The number a JsonNode holds (`NaN` and `Infinity` included), if it holds one.
fn json_number(file: &SkopsFile<'_>, id: NodeId) -> Option<f64> {
    let NodeKind::Json { content } = &file.schema().node(id).kind else {
        return None;
    };
    match json::parse(content.surrogatepass_bytes(), 1) {
        Ok(Value::Number(number)) => number.as_f64(),
        _ => None,
    }
}

/// What the `dist_metric` validator refuses.
#[derive(Debug, thiserror::Error, strum::EnumDiscriminants)]
#[strum_discriminants(name(MetricErrorKind), derive(strum::EnumIter))]
#[strum_discriminants(doc = "The variants of [`MetricError`], without their data.")]
pub enum MetricError {
    /// The state of a distance metric a binary tree carries is not what scikit-learn writes:
    /// no state, not the `(p, vec, mat)` tuple, a `vec`/`mat` of another dtype or number of
    /// dimensions, a negative or non-finite weight.
    #[error("the distance metric `{metric}` at `{path}` is malformed: {reason}")]
    State {
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
    P {
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
    Size {
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
}

skops_format::error_kinds!(MetricError / MetricErrorKind {
    State => "validate-metric-state",
    P => "validate-metric-p",
    Size => "validate-metric-size",
});

impl MetricError {
    /// What to tell a user who meets this refusal (the CLI's `hint:` line).
    pub fn hint(&self) -> &'static str {
        "the state of a `KDTree`/`BallTree` or of its distance metric breaks an invariant \
         scikit-learn relies on in its queries (they would read or write out of bounds): the file \
         is corrupt or was crafted; do not load it"
    }
}
