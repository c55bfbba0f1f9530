//! The validator of `scipy.interpolate.BSpline` as `SplineTransformer` stores it in
//! `bsplines_`: the invariants scipy's evaluation code assumes without checking.
//!
//! skops builds the BSpline as `cls.__new__` + `__dict__.update(state)`, which runs none of
//! `BSpline.__init__`'s checks. Evaluating it (`BSpline.__call__` -> `_dierckx.evaluate_spline`,
//! C++ `fitpack::_evaluate_spline`) finds for each `x` an interval `l` in `[k, n)` with
//! `n = len(t) - k - 1`, then reads knots `t[l - k ..= l + k + 1]` and coefficient rows
//! `c[l - k ..= l]`; nothing is bounds-checked (the C code only checks dtypes and
//! dimensions). `SplineTransformer.transform` calls each spline on one column of `X`
//! (`validate_data` checks `X` has `n_features_in_` columns, and `bsplines_[i]` is a Python
//! list access), or passes `t` and `k` to `BSpline.design_matrix`, which checks them itself.
//!
//! Checked, before anything is built:
//! - the state has exactly the attributes `BSpline` sets (`_t`, `_c`, `k`, `extrapolate`,
//!   `axis`, `_asarray`): another attribute could shadow a method `__call__` uses
//!   (`_ensure_c_contiguous`);
//! - `k` is a non-negative integer; `extrapolate` is a bool or `"periodic"`;
//! - `_t` is one-dimensional float64 in the machine's byte order (the C code checks the type
//!   number only, and would read swapped bytes as other values), finite, non-decreasing, with `len(t) >= 2k + 2` (so the
//!   interval search stays in `[k, n)` and reads `t` up to `n + k = len(t) - 1`);
//! - `_c` is native float64 or complex128 with at least one dimension and `c.shape[0] >= n` (the rows
//!   the intervals read); `axis` is an integer in `[0, c.ndim)`;
//! - `_asarray` (which `BSpline.t`, `.c` and `__call__` call) is exactly the FunctionNode of
//!   `scipy._lib.array_api_compat.numpy._aliases.asarray`, scipy's numpy namespace.
//!
//! A BSpline whose state fails is refused. A sound one is trusted, with its `_asarray` node,
//! only when it is an item of the `bsplines_` list of a `SplineTransformer` whose
//! `n_features_in_` equals the length of that list (the use bounded above), and its degree is
//! at most [`skops_format::limits::MAX_SPLINE_DEGREE`] (evaluation costs `O(k^2)` per point: a
//! degree of 10^5, from a 2.4 MB file, takes half a minute per sample); anywhere else, with a
//! higher degree, or with another `_asarray` function, it stays untrusted and the audit
//! reports it.
//!
//! Not checked: that the interior knots are distinct (scipy's constructor requires two;
//! evaluation with equal ones only divides by zero into NaN, and a transformer fitted on a
//! constant column stores such knots), nor the coefficient values.

use std::collections::HashSet;

use super::context::Context;
use super::registry::{PathFn, Validator};
use super::state::{Array, State, json_int, json_value};
use crate::{Error, Result};
use skops_format::file::SkopsFile;
use skops_format::json::Value;
use skops_format::limits::Limits;
use skops_format::schema::{NodeId, NodeKind};

/// The type the BSpline validator checks.
pub const BSPLINE_TYPE: &str = "scipy.interpolate._bsplines.BSpline";

/// The function a BSpline of scipy's numpy namespace keeps as `_asarray`.
pub const ASARRAY_FUNCTION: &str = "scipy._lib.array_api_compat.numpy._aliases.asarray";

/// The estimator whose `bsplines_` ties a BSpline to its use.
pub(super) const SPLINE_TRANSFORMER_TYPE: &str =
    "sklearn.preprocessing._polynomial.SplineTransformer";

/// The attributes `BSpline.__init__` sets.
const STATE_KEYS: [&str; 6] = ["_t", "_c", "k", "extrapolate", "axis", "_asarray"];

/// The BSpline nodes that are items of a consistent `SplineTransformer`'s `bsplines_`.
pub(crate) fn placed_bsplines(file: &SkopsFile<'_>) -> HashSet<NodeId> {
    let schema = file.schema();
    let mut placed = HashSet::new();
    for (id, node) in schema.nodes() {
        if !matches!(node.kind, NodeKind::Object { .. })
            || node.type_name() != SPLINE_TRANSFORMER_TYPE
        {
            continue;
        }
        let Ok(state) = State::of(file, id) else {
            continue;
        };
        let (Some(list), Some(n_features)) = (state.node("bsplines_"), state.get("n_features_in_"))
        else {
            continue;
        };
        let NodeKind::List(items) = &schema.node(list).kind else {
            continue;
        };
        let consistent = json_int(file, n_features)
            .and_then(|n| usize::try_from(n).ok())
            .is_some_and(|n| n == items.len())
            && items.iter().all(|&item| {
                let item = schema.node(item);
                matches!(item.kind, NodeKind::Object { .. }) && item.type_name() == BSPLINE_TYPE
            });
        if consistent {
            placed.extend(items.iter().copied());
        }
    }
    placed
}

/// Validates the BSpline ObjectNode `id`; returns its `_asarray` node when that is exactly
/// [`ASARRAY_FUNCTION`].
pub(crate) fn validate_bspline(
    file: &SkopsFile<'_>,
    id: NodeId,
    limits: &Limits,
    path: &dyn Fn() -> String,
) -> Result<Option<NodeId>> {
    let malformed = |reason: String| {
        Error::from(BsplineError::State {
            path: path(),
            reason,
        })
    };
    let state = State::read(file, id, path)?;
    if let Some((key, _)) = state
        .attributes()
        .find(|(key, _)| !key.as_str().is_some_and(|key| STATE_KEYS.contains(&key)))
    {
        return Err(malformed(format!(
            "the state sets `{key}`, which a BSpline does not have"
        )));
    }
    if state.other_keys() > 0 {
        return Err(malformed(
            "the state has keys that are not strings, which a BSpline does not have".to_owned(),
        ));
    }
    let entry = |key: &str| {
        state
            .get(key)
            .ok_or_else(|| malformed(format!("the state has no `{key}`")))
    };

    let k = json_int(file, entry("k")?)
        .and_then(|k| u64::try_from(k).ok())
        .ok_or_else(|| malformed("`k` is not a non-negative integer".to_owned()))?;
    match json_value(file, entry("extrapolate")?) {
        Some(Value::Bool(_)) => {}
        Some(Value::String(text)) if text == "periodic" => {}
        _ => {
            return Err(malformed(
                "`extrapolate` is neither a bool nor \"periodic\"".to_owned(),
            ));
        }
    }

    let bad_knots = |reason: String| {
        Error::from(BsplineError::Knots {
            path: path(),
            reason,
        })
    };
    let knots = Array::load(file, entry("_t")?, limits, &malformed)?;
    let t = match knots.shape() {
        [_] if knots.is('f', 8) && knots.is_native() => knots
            .floats()
            .ok_or_else(|| bad_knots("the knots cannot be read".to_owned()))?,
        shape => {
            return Err(bad_knots(format!(
                "`t` is {} of shape {shape:?}, not one-dimensional native float64",
                knots.dtype()
            )));
        }
    };
    let len_t = t.len() as u64;
    let needed = k.saturating_mul(2).saturating_add(2);
    if len_t < needed {
        return Err(bad_knots(format!(
            "{len_t} knots for degree {k}: at least {needed} are needed"
        )));
    }
    if let Some(index) = t.iter().position(|knot| !knot.is_finite()) {
        return Err(bad_knots(format!("`t[{index}]` is not finite")));
    }
    if let Some(index) = t
        .windows(2)
        .position(|pair| matches!(pair, [low, high] if high < low))
    {
        return Err(bad_knots(format!(
            "`t[{}]` is below `t[{index}]`: knots must not decrease",
            index + 1
        )));
    }

    // `len_t >= 2k + 2`, so `n >= k + 1`.
    let n = len_t - k - 1;
    let coefficients = Array::load(file, entry("_c")?, limits, &malformed)?;
    if !(coefficients.is('f', 8) || coefficients.is('c', 16)) || !coefficients.is_native() {
        return Err(Error::from(BsplineError::Coefficients {
            path: path(),
            reason: format!("`c` is {}, not float64 or complex128", coefficients.dtype()),
        }));
    }
    let rows = match coefficients.shape().first() {
        Some(&rows) => rows,
        None => {
            return Err(Error::from(BsplineError::Coefficients {
                path: path(),
                reason: "`c` has no dimension".to_owned(),
            }));
        }
    };
    if rows < n {
        return Err(Error::from(BsplineError::Coefficients {
            path: path(),
            reason: format!(
                "`c` has {rows} rows, but {len_t} knots of degree {k} read {n} (len(t) - k - 1)"
            ),
        }));
    }
    let ndim = coefficients.shape().len() as u64;
    let axis = json_int(file, entry("axis")?);
    let in_range = axis
        .and_then(|axis| u64::try_from(axis).ok())
        .is_some_and(|axis| axis < ndim);
    if !in_range {
        return Err(Error::from(BsplineError::Axis {
            path: path(),
            axis: match axis {
                Some(axis) => axis.to_string(),
                None => "not an integer".to_owned(),
            },
            ndim,
        }));
    }

    let function = entry("_asarray")?.node().filter(|&function| {
        let node = file.schema().node(function);
        matches!(node.kind, NodeKind::Function) && node.type_name() == ASARRAY_FUNCTION
    });
    // Sound, but evaluating it costs `O(k^2)` per point: a high degree is left to the
    // caller's trust list.
    Ok(function.filter(|_| k <= limits.max_spline_degree))
}

/// What the `bspline` validator refuses.
#[derive(Debug, thiserror::Error, strum::EnumDiscriminants)]
#[strum_discriminants(name(BsplineErrorKind), derive(strum::EnumIter))]
#[strum_discriminants(doc = "The variants of [`BsplineError`], without their data.")]
pub enum BsplineError {
    /// The state of a `scipy.interpolate.BSpline` is not what `BSpline.__init__` sets: an
    /// unexpected or missing attribute, `k` not a non-negative integer, or `extrapolate`
    /// neither a bool nor `"periodic"`.
    #[error("the BSpline at `{path}` is malformed: {reason}")]
    State {
        /// Where the spline is, as a Python access path from the root object.
        path: String,
        /// What is missing or malformed.
        reason: String,
    },
    /// The knots are not a one-dimensional float64 array of at least `2k + 2` finite,
    /// non-decreasing values.
    #[error("the BSpline at `{path}` has unsound knots: {reason}")]
    Knots {
        /// Where the spline is.
        path: String,
        /// Which invariant the knots break.
        reason: String,
    },
    /// The coefficients are not float64 or complex128 with at least `len(t) - k - 1` rows.
    #[error("the BSpline at `{path}` has unsound coefficients: {reason}")]
    Coefficients {
        /// Where the spline is.
        path: String,
        /// Which invariant the coefficients break.
        reason: String,
    },
    /// `axis` is not an integer in `[0, c.ndim)`.
    #[error("the BSpline at `{path}` has `axis` {axis}, outside [0, {ndim})")]
    Axis {
        /// Where the spline is.
        path: String,
        /// The axis found (or why it is not one).
        axis: String,
        /// The dimensions of the coefficients.
        ndim: u64,
    },
}

skops_format::error_kinds!(BsplineError / BsplineErrorKind {
    State => "validate-bspline-state",
    Knots => "validate-bspline-knots",
    Coefficients => "validate-bspline-coefficients",
    Axis => "validate-bspline-axis",
});

impl BsplineError {
    /// What to tell a user who meets this refusal (the CLI's `hint:` line).
    pub fn hint(&self) -> &'static str {
        "the state of a scipy `BSpline` breaks an invariant scipy relies on when it evaluates the \
         spline (it would read out of bounds): the file is corrupt or was crafted; do not load it"
    }
}

// The registry's entry points (see `registry`).

/// Registry: validates the spline. Evaluating a sound BSpline reads only within its own
/// arrays; it is trusted where its use is the one checked (an item of a consistent
/// `SplineTransformer.bsplines_`), together with its `_asarray` function.
pub(super) fn check(
    context: &mut Context<'_, '_>,
    id: NodeId,
    _name: &str,
    path: PathFn<'_>,
) -> Result<()> {
    let function = validate_bspline(context.file, id, context.limits, path)?;
    if let Some(function) = function
        && context.placed_bsplines().contains(&id)
    {
        context.trust(id, BSPLINE_TYPE, Validator::Bspline);
        context.trust(function, ASARRAY_FUNCTION, Validator::Bspline);
    }
    Ok(())
}
