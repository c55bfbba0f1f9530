//! The fitted state of `OneHotEncoder`, which skops 0.16 trusts by default (and
//! `RandomTreesEmbedding` holds as `one_hot_encoder_`): refused when `transform` would write
//! outside its output.
//!
//! `transform` encodes each column `i` of `X` to integers `X_int[:, i]`, shifts them by
//! `cumsum([0] + _n_features_outs)[i]`, and builds a CSR array of `sum(_n_features_outs)`
//! columns from those indices; scipy's constructor does not check them, and `toarray()` (the
//! dense output, or the caller's) writes each entry at its column, unchecked: with
//! `_n_features_outs` smaller than the categories, it writes past the end of its rows (heap
//! corruption, "corrupted size vs. prev_size", with no trusted list, in skops 0.16 too).
//!
//! The validator bounds the integers each column can encode to, following `transform`:
//! - `_encode` gives `[0, n)` for `n = len(categories_[i])` when it looks values up in a table
//!   (non-numeric `X`), and `searchsorted(categories_[i], values)`, in `[0, n]`, for numeric
//!   `X`: `n` only when the categories are not sorted. Numeric `X` reaches `searchsorted` only
//!   with numeric categories (`_check_unknown` calls `isnan` on them, which raises for strings
//!   and objects), so those are read and checked sorted (numpy's order, NaN last); when they
//!   cannot be shown sorted, `n` is included;
//! - with infrequent categories (`_infrequent_enabled` not a plain `False`), unknown values
//!   become `_infrequent_indices[i][0]`, then every value maps through
//!   `_default_to_infrequent_mappings[i]` (`np.take`: an item of the mapping);
//! - with `_drop_idx_after_grouping`, the value `d` (`len(categories_[i])` for `None`) is
//!   masked out and the values above it move down by one.
//!
//! Every column's range, shifted, must lie in `[0, sum(_n_features_outs))`
//! ([`EncoderError::Columns`]); a state in a form sklearn never writes (outputs that are
//! not a list of non-negative integers, categories that are not 1-D arrays, mappings that are
//! not integer arrays) is refused ([`EncoderError::State`]). A fitted encoder is one with
//! `_n_features_outs` (`transform` fails without it).

use super::state::{Array, Slot, State, json_int, json_int_sequence, json_value};
use crate::{Error, Result};
use skops_format::file::SkopsFile;
use skops_format::json::Value;
use skops_format::limits::Limits;
use skops_format::schema::{NdArrayStorage, NodeId, NodeKind};

/// The class this module validates.
pub(super) const ONE_HOT_ENCODER: &str = "sklearn.preprocessing._encoders.OneHotEncoder";

/// The integers one input column can encode to, before the shift by its output offset.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Range {
    low: i128,
    high: i128,
}

/// A column's categories: how many, and the range `_encode` gives.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Encoded {
    length: i128,
    range: Range,
}

/// Validates the `OneHotEncoder` ObjectNode `id`.
pub(super) fn validate_one_hot_encoder(
    file: &SkopsFile<'_>,
    id: NodeId,
    limits: &Limits,
    path: &dyn Fn() -> String,
) -> Result<()> {
    let state = State::read(file, id, path)?;
    let malformed = |reason: String| {
        Error::from(EncoderError::State {
            path: path(),
            reason,
        })
    };
    let Some(outs) = state.get("_n_features_outs") else {
        return Ok(());
    };
    let outs: Vec<u64> = json_int_sequence(file, outs)
        .and_then(|outs| {
            outs.into_iter()
                .map(|out| u64::try_from(out).ok())
                .collect()
        })
        .ok_or_else(|| {
            malformed("`_n_features_outs` is not a list of non-negative integers".to_owned())
        })?;
    let categories = state
        .get("categories_")
        .and_then(|slot| list_items(file, slot))
        .ok_or_else(|| malformed("`categories_` is not a list of arrays".to_owned()))?;
    let mut lengths = Vec::with_capacity(categories.len());
    let mut ranges = Vec::with_capacity(categories.len());
    for (feature, &category) in categories.iter().enumerate() {
        let encoded = encoded_range(file, category, limits)
            .map_err(|reason| malformed(format!("`categories_[{feature}]` is {reason}")))?;
        lengths.push(encoded.length);
        ranges.push(encoded.range);
    }
    if infrequent_enabled(file, &state) {
        apply_infrequent(file, &state, &mut ranges, limits).map_err(malformed)?;
    }
    let ranges = apply_drop(file, &state, &lengths, ranges, limits).map_err(malformed)?;
    check_columns(&outs, &ranges, path)
}

/// The items of a list or tuple node.
fn list_items(file: &SkopsFile<'_>, slot: Slot<'_>) -> Option<Vec<NodeId>> {
    match &file.schema().node(slot.node()?).kind {
        NodeKind::List(items) | NodeKind::Tuple(items) => Some(items.clone()),
        _ => None,
    }
}

/// The range `_encode` gives a column whose categories are node `id`.
fn encoded_range(
    file: &SkopsFile<'_>,
    id: NodeId,
    limits: &Limits,
) -> std::result::Result<Encoded, String> {
    let node = file.schema().node(id);
    if node.module != "numpy" || node.class != "ndarray" {
        return Err(format!("a `{}`, not an array", node.type_name()));
    }
    let (length, sorted) = match &node.kind {
        // An object array: `isnan` raises on it for numeric `X`, so only the lookup table
        // (`[0, n)`) encodes against it.
        NodeKind::NdArray(NdArrayStorage::Json { items, shape }) => {
            if !one_dimensional(file, *shape) {
                return Err("an object array of more than one dimension".to_owned());
            }
            (items.len() as u64, true)
        }
        NodeKind::NdArray(NdArrayStorage::Numpy { .. }) => {
            let array = Array::read(file, Slot::Node(id), limits)
                .ok_or_else(|| "not a readable array".to_owned())?;
            let [length] = array.shape() else {
                return Err(format!("of shape {:?}, not one-dimensional", array.shape()));
            };
            (*length, numpy_sorted(&array))
        }
        _ => return Err(format!("a `{}` node, not an array", node.loader.name())),
    };
    let length = i128::from(length);
    let high = if sorted { length - 1 } else { length };
    Ok(Encoded {
        length,
        range: Range {
            low: 0,
            high: high.max(0),
        },
    })
}

/// Whether the TupleNode `shape` has one dimension.
fn one_dimensional(file: &SkopsFile<'_>, shape: NodeId) -> bool {
    json_int_sequence(file, shape).is_some_and(|shape| shape.len() == 1)
}

/// Whether `searchsorted` finds every item of the numpy array `array` within it: a string
/// array never meets numeric `X` there (see the module doc); numbers must be non-decreasing
/// (NaN only at the end, where numpy sorts it).
fn numpy_sorted(array: &Array<'_>) -> bool {
    let kind = match &array.header.descr {
        skops_format::npy::Descr::Simple(type_str) => type_str.kind,
        skops_format::npy::Descr::Structured(_) => return false,
    };
    match kind {
        'U' | 'S' => true,
        'i' | 'u' | 'b' => array.ints().is_some_and(|values| non_decreasing(&values)),
        'f' => array.float_items().is_some_and(|values| {
            let numbers = values.iter().take_while(|value| !value.is_nan()).count();
            non_decreasing(values.get(..numbers).unwrap_or_default())
                && values.iter().skip(numbers).all(|value| value.is_nan())
        }),
        _ => false,
    }
}

/// Whether each item is at most the next.
fn non_decreasing<T: PartialOrd>(values: &[T]) -> bool {
    values
        .iter()
        .zip(values.iter().skip(1))
        .all(|(before, after)| before <= after)
}

/// Whether `_infrequent_enabled` may be truthy (anything but a plain `False`, when present).
fn infrequent_enabled(file: &SkopsFile<'_>, state: &State<'_>) -> bool {
    state.get("_infrequent_enabled").is_some()
        && state.json(file, "_infrequent_enabled") != Some(Value::Bool(false))
}

/// Widens each column's range by the infrequent category unknown values get, then maps it
/// through the column's mapping.
fn apply_infrequent(
    file: &SkopsFile<'_>,
    state: &State<'_>,
    ranges: &mut [Range],
    limits: &Limits,
) -> std::result::Result<(), String> {
    for (attribute, is_mapping) in [
        ("_infrequent_indices", false),
        ("_default_to_infrequent_mappings", true),
    ] {
        // Absent: `transform` raises `AttributeError` before encoding anything.
        let Some(slot) = state.get(attribute) else {
            continue;
        };
        let items = list_items(file, slot)
            .ok_or_else(|| format!("`{attribute}` is not a list of arrays or `None`s"))?;
        for (feature, (&item, range)) in items.iter().zip(ranges.iter_mut()).enumerate() {
            if json_value(file, item) == Some(Value::Null) {
                continue;
            }
            let values = int_array(file, item, limits).ok_or_else(|| {
                format!("`{attribute}[{feature}]` is not an integer array or `None`")
            })?;
            // Empty: `infrequent_idx[0]` and `np.take` raise.
            let (Some(&low), Some(&high)) = (values.iter().min(), values.iter().max()) else {
                continue;
            };
            *range = if is_mapping {
                Range { low, high }
            } else {
                Range {
                    low: range.low.min(low),
                    high: range.high.max(high),
                }
            };
        }
    }
    Ok(())
}

/// The items of a plain integer `numpy.ndarray` node.
fn int_array(file: &SkopsFile<'_>, id: NodeId, limits: &Limits) -> Option<Vec<i128>> {
    let node = file.schema().node(id);
    if node.module != "numpy" || node.class != "ndarray" {
        return None;
    }
    Array::read(file, Slot::Node(id), limits)?.ints()
}

/// The ranges after `transform` drops `_drop_idx_after_grouping[i]` from column `i` (masked
/// out, the values above it moved down by one; `None` stands for `len(categories_[i])`);
/// `None` for a column that keeps no value.
fn apply_drop(
    file: &SkopsFile<'_>,
    state: &State<'_>,
    lengths: &[i128],
    ranges: Vec<Range>,
    limits: &Limits,
) -> std::result::Result<Vec<Option<Range>>, String> {
    let Some(slot) = state.get("_drop_idx_after_grouping") else {
        return Ok(ranges.into_iter().map(Some).collect());
    };
    if json_value(file, slot) == Some(Value::Null) {
        return Ok(ranges.into_iter().map(Some).collect());
    }
    let unreadable = || "`_drop_idx_after_grouping` is not an array of integers or `None`s";
    let id = slot.node().ok_or_else(|| unreadable().to_owned())?;
    let drops: Vec<Option<i128>> = match &file.schema().node(id).kind {
        NodeKind::NdArray(NdArrayStorage::Json { items, .. }) => items
            .iter()
            .map(|&item| match json_value(file, item) {
                Some(Value::Null) => Some(None),
                Some(_) => json_int(file, item).map(Some),
                // A numpy integer scalar.
                None => int_array(file, item, limits)
                    .filter(|values| values.len() == 1)
                    .and_then(|values| values.first().copied())
                    .map(Some),
            })
            .collect::<Option<_>>()
            .ok_or_else(|| unreadable().to_owned())?,
        NodeKind::NdArray(NdArrayStorage::Numpy { .. }) => int_array(file, id, limits)
            .ok_or_else(|| unreadable().to_owned())?
            .into_iter()
            .map(Some)
            .collect(),
        _ => return Err(unreadable().to_owned()),
    };
    Ok(ranges
        .into_iter()
        .zip(lengths)
        .enumerate()
        .map(|(feature, (range, &length))| {
            if drops.len() != lengths.len() {
                // One drop per column is what `transform` indexes and broadcasts; another
                // length raises for most shapes: assume the widest shift down anyway.
                return Some(Range {
                    low: range.low - 1,
                    high: range.high,
                });
            }
            let drop = drops.get(feature).copied().flatten().unwrap_or(length);
            dropped(range, drop)
        })
        .collect())
}

/// `range` with value `drop` masked out and the values above it moved down by one.
fn dropped(range: Range, drop: i128) -> Option<Range> {
    let below = (range.low <= range.high.min(drop - 1)).then(|| Range {
        low: range.low,
        high: range.high.min(drop - 1),
    });
    let above = ((range.low - 1).max(drop) < range.high).then(|| Range {
        low: (range.low - 1).max(drop),
        high: range.high - 1,
    });
    match (below, above) {
        (Some(below), Some(above)) => Some(Range {
            low: below.low.min(above.low),
            high: below.high.max(above.high),
        }),
        (one, None) | (None, one) => one,
    }
}

/// Checks every column's shifted range against the output's width.
fn check_columns(outs: &[u64], ranges: &[Option<Range>], path: &dyn Fn() -> String) -> Result<()> {
    let columns: u128 = outs.iter().map(|&out| u128::from(out)).sum();
    let columns = i128::try_from(columns).unwrap_or(i128::MAX);
    let mut offset: i128 = 0;
    for (feature, range) in ranges.iter().enumerate() {
        // `X_int + feature_indices[:-1]`: one offset per column, or one for all.
        let offset_here = match outs.len() {
            1 => 0,
            n if feature < n => offset,
            _ => break,
        };
        if let Some(range) = range {
            let low = range.low + offset_here;
            let high = range.high + offset_here;
            if low < 0 || high >= columns {
                let clamp = |value: i128| i64::try_from(value).unwrap_or(i64::MAX);
                return Err(Error::from(EncoderError::Columns {
                    path: path(),
                    feature: feature as u64,
                    low: clamp(low),
                    high: clamp(high),
                    columns: u64::try_from(columns).unwrap_or(u64::MAX),
                }));
            }
        }
        if let Some(&out) = outs.get(feature) {
            offset += i128::from(out);
        }
    }
    Ok(())
}

/// What the `encoders` validator refuses.
#[derive(Debug, thiserror::Error, strum::EnumDiscriminants)]
#[strum_discriminants(name(EncoderErrorKind), derive(strum::EnumIter))]
#[strum_discriminants(doc = "The variants of [`EncoderError`], without their data.")]
pub enum EncoderError {
    /// A fitted `OneHotEncoder` can encode a column to an output column outside
    /// `[0, sum(_n_features_outs))`: `transform` builds its CSR output from those indices
    /// unchecked, and `toarray()` writes outside its rows.
    #[error(
        "the one-hot encoder at `{path}` can encode input column {feature} to output columns \
         [{low}, {high}], outside the {columns} columns of its output (`_n_features_outs`)"
    )]
    Columns {
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
    State {
        /// Where the encoder is.
        path: String,
        /// What is wrong.
        reason: String,
    },
}

skops_format::error_kinds!(EncoderError / EncoderErrorKind {
    Columns => "validate-encoder-columns",
    State => "validate-encoder-state",
});

impl EncoderError {
    /// What to tell a user who meets this refusal (the CLI's `hint:` line).
    pub fn hint(&self) -> &'static str {
        "a one-hot encoder's output widths do not hold its categories, and transform writes each \
         category's column unchecked (it would corrupt memory): the file is corrupt or was \
         crafted; do not load it"
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::validate::ValidateError;

    fn range(low: i128, high: i128) -> Range {
        Range { low, high }
    }

    #[test]
    fn dropping_masks_the_value_and_moves_the_ones_above_down() {
        // Categories 0..=3, drop 1: 0 stays, 2 and 3 become 1 and 2.
        assert_eq!(dropped(range(0, 3), 1), Some(range(0, 2)));
        // Drop the first: 1..=3 become 0..=2.
        assert_eq!(dropped(range(0, 3), 0), Some(range(0, 2)));
        // `None` (the length): nothing above it, nothing masked.
        assert_eq!(dropped(range(0, 3), 4), Some(range(0, 3)));
        // One category, dropped: the column keeps no value.
        assert_eq!(dropped(range(0, 0), 0), None);
        // A negative drop moves every value down: 0 becomes -1.
        assert_eq!(dropped(range(0, 3), -5), Some(range(-1, 2)));
    }

    #[test]
    fn columns_are_checked_after_their_offsets() {
        let path = || "enc".to_owned();
        // Two columns of 2 and 3 categories, outputs [2, 3]: columns 0..=1 and 2..=4 of 5.
        let ranges = [Some(range(0, 1)), Some(range(0, 2))];
        assert!(check_columns(&[2, 3], &ranges, &path).is_ok());
        // The second output one narrower: its last category lands on column 4 of 4.
        assert!(matches!(
            check_columns(&[2, 2], &ranges, &path),
            Err(Error::Validate(ValidateError::Encoder(
                EncoderError::Columns {
                    feature: 1,
                    low: 2,
                    high: 4,
                    columns: 4,
                    ..
                }
            )))
        ));
        // One output for all columns: every column starts at 0.
        assert!(check_columns(&[3], &ranges, &path).is_ok());
        // A column that keeps no value needs no room.
        assert!(check_columns(&[2, 0], &[Some(range(0, 1)), None], &path).is_ok());
        // Columns past the outputs never reach the offsets (numpy cannot broadcast them).
        assert!(check_columns(&[2, 3], &[ranges[0], ranges[1], Some(range(0, 99))], &path).is_ok());
    }

    #[test]
    fn sorted_numbers_end_with_their_nans() {
        assert!(non_decreasing(&[0, 1, 1, 5]));
        assert!(!non_decreasing(&[3, 0, 1, 2]));
        assert!(non_decreasing::<i32>(&[]));
    }
}
