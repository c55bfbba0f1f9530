//! The validator of `PolynomialFeatures`' fitted state: the flag its `transform` hands to
//! Cython unchecked, and the degrees and widths its loops run over.
//!
//! skops 0.16 trusts `PolynomialFeatures` by default, so this validator grants no trust: it
//! only refuses a state sklearn's `fit` could never produce that makes `transform` write
//! outside an array or run without end.
//!
//! - On a CSR `X`, `transform` sizes each degree's output with `_calc_total_nnz(indptr,
//!   interaction_only, deg)` and fills it with `_csr_polynomial_expansion(...,
//!   interaction_only, deg)`, which takes the flag as a C `uint8` and starts each inner loop
//!   at `i + interaction_only`. With `interaction_only = 2` the size is one entry per row short
//!   of what the loop writes: a heap overflow (skops 0.16 aborts with "double free or
//!   corruption", no trusted list needed). The flag must be a bool (JSON, or a numpy bool
//!   scalar, whose conversion is 0 or 1).
//! - On a dense `X`, `transform` loops over every degree up to `_max_degree` (with
//!   `interaction_only`, each pass past `n_features_in_` does nothing, so nothing else bounds
//!   it: `_max_degree = 10**15` runs for days); on a CSC `X` (or CSR with `_max_degree > 3`)
//!   it enumerates every combination of features up to that degree, however many there are.
//!   So `_max_degree` is at most [`skops_format::limits::MAX_POLYNOMIAL_DEGREE`], and the number of
//!   combinations that `n_features_in_` (required once fitted: without it the query's width
//!   is unchecked) and the degrees give, like `n_output_features_` and `_n_out_full` (the
//!   width `transform` allocates per sample), is at most [`skops_format::limits::MAX_N_FEATURES`].
//!
//! Errors: `validate-polynomial-state` (the flag, a degree that is not a non-negative integer,
//! a missing `n_features_in_`), `validate-width` (a degree or width beyond its limit).

use super::state::{Array, Slot, State, json_int, json_value};
use crate::validate::WidthError;
use crate::{Error, Result};
use skops_format::file::SkopsFile;
use skops_format::json::Value;
use skops_format::limits::Limits;
use skops_format::schema::{NdArrayStorage, NodeId, NodeKind};

/// The estimator this validator checks.
pub(super) const POLYNOMIAL_FEATURES: &str = "sklearn.preprocessing._polynomial.PolynomialFeatures";

/// Validates the fitted state of the `PolynomialFeatures` ObjectNode `id`; `path` gives its
/// access path. An unfitted estimator (no `_max_degree`) only has its flag checked.
pub(super) fn validate_polynomial(
    file: &SkopsFile<'_>,
    id: NodeId,
    limits: &Limits,
    path: &dyn Fn() -> String,
) -> Result<()> {
    let malformed = |reason: String| {
        Error::from(PolynomialError::State {
            path: path(),
            reason,
        })
    };
    let state = State::read(file, id, path)?;
    let interaction_only = match state.get("interaction_only") {
        Some(slot) => flag(file, slot).ok_or_else(|| {
            malformed(
                "`interaction_only` is not a bool (the CSR expansion takes it as a C integer \
                 and sizes its output by it)"
                    .to_owned(),
            )
        })?,
        None => false,
    };
    let Some(max_slot) = state.get("_max_degree") else {
        return Ok(());
    };
    let degree = |key: &str, slot: Slot<'_>| {
        integer(file, slot, limits)
            .and_then(|value| u64::try_from(value).ok())
            .ok_or_else(|| malformed(format!("`{key}` is not a non-negative integer")))
    };
    let width = |attribute: &str, value: u64, limit: u64| {
        if value > limit {
            return Err(Error::from(WidthError::AboveLimit {
                path: path(),
                type_name: POLYNOMIAL_FEATURES.to_owned(),
                attribute: attribute.to_owned(),
                value,
                limit,
            }));
        }
        Ok(())
    };
    let max_degree = degree("_max_degree", max_slot)?;
    width("_max_degree", max_degree, limits.max_polynomial_degree)?;
    let min_degree = match state.get("_min_degree") {
        Some(slot) => degree("_min_degree", slot)?,
        None => 0,
    };
    let n_features = state
        .int(file, "n_features_in_")
        .and_then(|value| u64::try_from(value).ok())
        .ok_or_else(|| {
            malformed(
                "a fitted model without a non-negative integer `n_features_in_`: the query's \
                 width would not be checked"
                    .to_owned(),
            )
        })?;
    let include_bias = matches!(state.json(file, "include_bias"), Some(Value::Bool(true)));
    let columns = combinations(
        n_features,
        min_degree,
        max_degree,
        interaction_only,
        include_bias,
    );
    width(
        "combinations of `n_features_in_` up to `_max_degree`",
        columns,
        limits.max_n_features,
    )?;
    for attribute in ["n_output_features_", "_n_out_full"] {
        if let Some(value) = state.get(attribute) {
            let value = integer(file, value, limits)
                .and_then(|value| u64::try_from(value).ok())
                .ok_or_else(|| malformed(format!("`{attribute}` is not a non-negative integer")))?;
            width(attribute, value, limits.max_n_features)?;
        }
    }
    Ok(())
}

/// The flag a slot holds, when it is one: a JSON bool (or 0, 1), or a numpy bool scalar
/// (`numpy.bool_(array)` converts any value to 0 or 1).
fn flag(file: &SkopsFile<'_>, slot: Slot<'_>) -> Option<bool> {
    if let Some(id) = slot.node() {
        let node = file.schema().node(id);
        if matches!(node.kind, NodeKind::NdArray(NdArrayStorage::Numpy { .. })) {
            let header = file.array_header(id)?;
            let scalar_bool = node.module == "numpy"
                && matches!(node.class.as_str(), "bool" | "bool_")
                && header.shape.is_empty();
            // The value does not matter: the conversion makes it 0 or 1.
            return scalar_bool.then_some(true);
        }
    }
    match json_value(file, slot)? {
        Value::Bool(value) => Some(value),
        Value::Number(number) => match number.as_i64() {
            Some(0) => Some(false),
            Some(1) => Some(true),
            _ => None,
        },
        _ => None,
    }
}

/// An integer a slot holds: a JSON integer, or a 0-d integer array (a numpy integer scalar).
fn integer(file: &SkopsFile<'_>, slot: Slot<'_>, limits: &Limits) -> Option<i128> {
    if let Some(value) = json_int(file, slot) {
        return Some(value);
    }
    let array = Array::read(file, slot, limits)?;
    match (array.shape(), array.ints()?.as_slice()) {
        ([], &[value]) => Some(value),
        _ => None,
    }
}

/// How many output columns `PolynomialFeatures._num_combinations` counts (the terms
/// `transform` builds), saturating at `u64::MAX`.
fn combinations(
    n_features: u64,
    min_degree: u64,
    max_degree: u64,
    interaction_only: bool,
    include_bias: bool,
) -> u64 {
    let mut total: u64 = 0;
    if interaction_only {
        for degree in min_degree.max(1)..=max_degree.min(n_features) {
            total = total.saturating_add(binomial(n_features, degree));
            if total == u64::MAX {
                break;
            }
        }
    } else if max_degree >= min_degree.max(1) {
        // Terms of degree 1..=max minus those of degree 1..min: C(n + max, max) - C(n + d, d)
        // with d = min - 1 (both counting the empty term, which cancels).
        let upto = binomial(n_features.saturating_add(max_degree), max_degree);
        let below = match min_degree.checked_sub(1) {
            Some(d) if d > 0 => binomial(n_features.saturating_add(d), d),
            _ => 1,
        };
        total = upto.saturating_sub(below);
    }
    if include_bias {
        total = total.saturating_add(1);
    }
    total
}

/// `C(n, k)`, saturating at `u64::MAX`.
fn binomial(n: u64, k: u64) -> u64 {
    if k > n {
        return 0;
    }
    let k = k.min(n - k);
    let mut value: u128 = 1;
    for i in 0..k {
        // `value * (n - i) / (i + 1)` stays exact: it is C(n, i + 1).
        value = value.saturating_mul(u128::from(n - i)) / u128::from(i + 1);
        if value > u128::from(u64::MAX) {
            return u64::MAX;
        }
    }
    u64::try_from(value).unwrap_or(u64::MAX)
}

/// What the `polynomial` validator refuses.
#[derive(Debug, thiserror::Error, strum::EnumDiscriminants)]
#[strum_discriminants(name(PolynomialErrorKind), derive(strum::EnumIter))]
#[strum_discriminants(doc = "The variants of [`PolynomialError`], without their data.")]
pub enum PolynomialError {
    /// The fitted state of a `PolynomialFeatures` is not what sklearn writes: `interaction_only`
    /// not a bool (the CSR expansion would write past its output), a degree that is not a
    /// non-negative integer, or no `n_features_in_`.
    #[error("the fitted state of the PolynomialFeatures at `{path}` is malformed: {reason}")]
    State {
        /// Where the estimator is, as a Python access path from the root object.
        path: String,
        /// What is missing or malformed.
        reason: String,
    },
}

skops_format::error_kinds!(PolynomialError / PolynomialErrorKind {
    State => "validate-polynomial-state",
});

impl PolynomialError {
    /// What to tell a user who meets this refusal (the CLI's `hint:` line).
    pub fn hint(&self) -> &'static str {
        "the fitted state of a `PolynomialFeatures` is one scikit-learn's `fit` never \
         writes, and its `transform` would write out of bounds or loop without end: the \
         file is corrupt or was crafted; do not load it"
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn combinations_match_sklearn() {
        // `PolynomialFeatures(...).fit(np.zeros((1, n))).n_output_features_`, by hand.
        assert_eq!(combinations(2, 0, 2, false, true), 6);
        assert_eq!(combinations(2, 0, 2, false, false), 5);
        assert_eq!(combinations(3, 0, 3, true, true), 8);
        assert_eq!(combinations(3, 2, 3, false, false), 16);
        assert_eq!(combinations(2, 0, 10_u64.pow(12), true, false), 3);
        assert_eq!(combinations(1000, 0, 64, false, true), u64::MAX);
        assert_eq!(combinations(5, 4, 2, false, false), 0);
    }

    #[test]
    fn binomial_saturates() {
        assert_eq!(binomial(5, 2), 10);
        assert_eq!(binomial(2, 3), 0);
        assert_eq!(binomial(200, 100), u64::MAX);
    }
}
