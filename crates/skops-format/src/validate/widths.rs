//! Bounds on the widths scikit-learn sizes predict-time arrays by, read from an estimator's
//! state alone: `n_classes_`, `n_outputs_`, `n_trees_per_iteration_`; and on the k-means
//! `_n_threads`, the number of OpenMP threads `predict` starts (libgomp exits the process
//! when it cannot create them all).
//!
//! A consistent but enormous value makes the first `predict_proba` (`np.zeros((n_samples,
//! n_classes_))` per output in the forests, `DummyClassifier`'s uniform prior, the raw
//! predictions of gradient boosting) allocate gigabytes however small the file is. The tree's
//! own widths (`n_features`, `n_classes`, `n_outputs`) are bounded by [`super::tree`]. A width
//! that is not a plain integer (or list of them) is left to the validators that read it.

use super::state::{Array, Slot, State, json_value};
use crate::file::SkopsFile;
use crate::json::Value;
use crate::limits::Limits;
use crate::schema::{NdArrayStorage, NodeKind};
use crate::{Error, Result};

/// Checks the widths `state` sets against `limits`; `path` and `type_name` name the object.
pub(super) fn check_widths(
    file: &SkopsFile<'_>,
    state: &State<'_>,
    limits: &Limits,
    type_name: &str,
    path: &dyn Fn() -> String,
) -> Result<()> {
    for (attribute, limit) in [
        ("n_classes_", limits.max_n_classes),
        ("n_trees_per_iteration_", limits.max_n_classes),
        ("n_outputs_", limits.max_n_outputs),
        // The OpenMP thread count of the k-means loops (libgomp exits the process when it
        // cannot create that many threads).
        ("_n_threads", limits.max_n_threads),
    ] {
        let Some(slot) = state.get(attribute) else {
            continue;
        };
        for value in integers(file, slot, limits) {
            let Ok(value) = u64::try_from(value) else {
                continue;
            };
            if value > limit {
                return Err(Error::ValidateWidth {
                    path: path(),
                    type_name: type_name.to_owned(),
                    attribute: attribute.to_owned(),
                    value,
                    limit,
                });
            }
        }
    }
    Ok(())
}

/// The integers a width attribute holds: one JSON integer, a list or tuple of them (one per
/// output), or an integer array.
fn integers(file: &SkopsFile<'_>, slot: Slot<'_>, limits: &Limits) -> Vec<i128> {
    let number = |value: &Value| value.as_number()?.as_i64().map(i128::from);
    match slot {
        Slot::Json(Value::Array(items)) => items.iter().filter_map(number).collect(),
        Slot::Json(value) => number(value).into_iter().collect(),
        Slot::Node(id) => match &file.schema().node(id).kind {
            NodeKind::Json { .. } => match json_value(file, slot) {
                Some(value) => number(&value).into_iter().collect(),
                None => Vec::new(),
            },
            NodeKind::List(items) | NodeKind::Tuple(items) => items
                .iter()
                .filter_map(|&item| json_value(file, item).as_ref().and_then(number))
                .collect(),
            NodeKind::NdArray(NdArrayStorage::Numpy { .. }) => Array::read(file, slot, limits)
                .and_then(|array| array.ints())
                .unwrap_or_default(),
            _ => Vec::new(),
        },
    }
}

/// Reads the state of every scikit-learn object whose state is readable and checks its
/// widths; an unreadable state is left to [`super::reads_state_of`].
pub(super) fn check_object(
    file: &SkopsFile<'_>,
    id: crate::schema::NodeId,
    type_name: &str,
    limits: &Limits,
    path: &dyn Fn() -> String,
) -> Result<()> {
    match State::of(file, id) {
        Ok(state) => check_widths(file, &state, limits, type_name, path),
        Err(_) => Ok(()),
    }
}
