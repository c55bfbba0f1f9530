//! Bounds on the widths scikit-learn sizes predict-time arrays by, read from an estimator's
//! state alone: `n_classes_`, `n_outputs_`, `n_trees_per_iteration_`; and on the k-means
//! `_n_threads`, the number of OpenMP threads `predict` starts (libgomp exits the process
//! when it cannot create them all).
//!
//! A consistent but enormous value makes the first `predict_proba` (`np.zeros((n_samples,
//! n_classes_))` per output in the forests, `DummyClassifier`'s uniform prior, the raw
//! predictions of gradient boosting) allocate gigabytes however small the file is. The tree's
//! own widths (`n_features`, `n_classes`, `n_outputs`) are bounded by [`super::tree`]. Every
//! form that hands numpy an integer is read (see [`Widest`]): a JSON list in one JsonNode, a
//! list of numpy scalars, a `numpy.int64` node over an integer array; a numpy node of another
//! class over a float or string array (`numpy.int64(np.array(1e11))` is an integer) is refused
//! as unreadable ([`StateError::Form`]), as no real model writes one.

use std::collections::HashSet;

use super::state::{Array, Slot, State, json_value};
use crate::validate::StateError;
use crate::{Error, Result};
use skops_format::file::SkopsFile;
use skops_format::json::Value;
use skops_format::limits::Limits;
use skops_format::schema::{NdArrayStorage, NodeId, NodeKind};

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
        let mut widest = Widest::default();
        widest.slot(file, slot, limits).map_err(|reason| {
            Error::from(StateError::Form {
                path: path(),
                type_name: type_name.to_owned(),
                reason: format!("`{attribute}` is {reason}, a width the validators cannot read"),
            })
        })?;
        if let Some(value) = widest.value.filter(|&value| value > limit) {
            return Err(Error::from(WidthError::AboveLimit {
                path: path(),
                type_name: type_name.to_owned(),
                attribute: attribute.to_owned(),
                value,
                limit,
            }));
        }
    }
    Ok(())
}

/// The largest integer a width attribute can hand numpy, found through every form that makes
/// one (as `np.zeros((n, w))`, `range(w)` and `np.atleast_1d(w)` read it): a JSON integer,
/// alone or in JSON arrays; the items of a list, tuple or object array (a forest iterates
/// `np.atleast_1d(n_classes_)`); an integer or bool numpy array, whatever class the node
/// converts it to; a masked array's data. Forms that make no integer (floats, strings, other
/// objects) fail in numpy before anything is allocated and are skipped. A numpy node of another
/// class over a non-integer array (`numpy.int64` of a float or string array makes an integer
/// of any size) cannot be read with certainty: an error, refused by the caller.
#[derive(Default)]
struct Widest {
    /// The largest integer seen (integers past `u64` count as `u64::MAX`).
    value: Option<u64>,
    /// Nodes already read: shared nodes are read once.
    seen: HashSet<NodeId>,
}

impl Widest {
    fn note(&mut self, value: i128) {
        // Negative widths make numpy raise; larger-than-u64 ones are refused as `u64::MAX`.
        if let Ok(value) = u64::try_from(value.max(0)) {
            self.value = self.value.max(Some(value));
        } else {
            self.value = Some(u64::MAX);
        }
    }

    fn json(&mut self, value: &Value) {
        match value {
            Value::Number(number) if number.is_integer() => {
                let value = number.as_str().parse::<i128>().unwrap_or(
                    if number.as_str().starts_with('-') {
                        0
                    } else {
                        i128::MAX
                    },
                );
                self.note(value);
            }
            Value::Bool(value) => self.note(i128::from(*value)),
            Value::Array(items) => items.iter().for_each(|item| self.json(item)),
            _ => {}
        }
    }

    fn slot(
        &mut self,
        file: &SkopsFile<'_>,
        slot: Slot<'_>,
        limits: &Limits,
    ) -> std::result::Result<(), String> {
        let id = match slot {
            Slot::Json(value) => {
                self.json(value);
                return Ok(());
            }
            Slot::Node(id) => id,
        };
        if !self.seen.insert(id) {
            return Ok(());
        }
        let node = file.schema().node(id);
        match &node.kind {
            NodeKind::Json { .. } => {
                if let Some(value) = json_value(file, slot) {
                    self.json(&value);
                }
            }
            NodeKind::List(items)
            | NodeKind::Tuple(items)
            | NodeKind::NdArray(NdArrayStorage::Json { items, .. }) => {
                for &item in items {
                    self.slot(file, Slot::Node(item), limits)?;
                }
            }
            NodeKind::MaskedArray { data, .. } => self.slot(file, Slot::Node(*data), limits)?,
            NodeKind::NdArray(NdArrayStorage::Numpy { .. }) => {
                // A broken member fails the load elsewhere.
                let Some(array) = Array::read(file, slot, limits) else {
                    return Ok(());
                };
                match array.ints() {
                    Some(values) => values.into_iter().for_each(|value| self.note(value)),
                    None if node.module == "numpy" && node.class == "ndarray" => {}
                    None => {
                        return Err(format!(
                            "a `{}` made from a {} array",
                            node.type_name(),
                            array.dtype()
                        ));
                    }
                }
            }
            _ => {}
        }
        Ok(())
    }
}

/// Reads the state of every scikit-learn object whose state is readable and checks its
/// widths; an unreadable state is left to [`super::reads_state_of`].
pub(super) fn check_object(
    file: &SkopsFile<'_>,
    id: skops_format::schema::NodeId,
    type_name: &str,
    limits: &Limits,
    path: &dyn Fn() -> String,
) -> Result<()> {
    match State::of(file, id) {
        Ok(state) => check_widths(file, &state, limits, type_name, path),
        Err(_) => Ok(()),
    }
}

/// What the width checks refuse (for every scikit-learn object).
#[derive(Debug, thiserror::Error, strum::EnumDiscriminants)]
#[strum_discriminants(name(WidthErrorKind), derive(strum::EnumIter))]
#[strum_discriminants(doc = "The variants of [`WidthError`], without their data.")]
pub enum WidthError {
    /// A width scikit-learn sizes predict-time arrays by (`n_features`, `n_classes`,
    /// `n_outputs`, ...) is above its limit (see [`skops_format::limits::MAX_N_FEATURES`] and the
    /// limits after it): the first `predict_proba` or `feature_importances_` would allocate
    /// that much, whatever the file's size.
    #[error(
        "`{attribute}` of the `{type_name}` at `{path}` is {value}, above the limit of {limit}"
    )]
    AboveLimit {
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
}

skops_format::error_kinds!(WidthError / WidthErrorKind {
    AboveLimit => "validate-width",
});

impl WidthError {
    /// What to tell a user who meets this refusal (the CLI's `hint:` line).
    pub fn hint(&self) -> &'static str {
        "scikit-learn would allocate arrays of this width at predict time from this value \
         alone (far beyond real models): the file is corrupt or was crafted; do not load \
         it"
    }
}
