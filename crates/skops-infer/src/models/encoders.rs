//! Categorical encoders: `OneHotEncoder` and `OrdinalEncoder` on numbers and strings, with
//! scikit-learn's `categories_` (looked up exactly: a category matches by `==`, NaN matches
//! NaN), `handle_unknown`, `drop` and `encoded_missing_value`. Bit-exact.

use std::borrow::Cow;
use std::collections::HashMap;

use skops_format::json::Value;
use skops_format::schema::{NdArrayStorage, NodeId, NodeKind};

use crate::data::{Column, Data};
use crate::error::{InputError, Result};
use crate::model::{InputKind, Meta, Method, Model};
use crate::output::{Output, Values};
use crate::read::{NdArray, Obj};

/// The categories of one column, with an index from value to position.
#[derive(Debug)]
enum Categories {
    /// Numbers (NaN, the missing value, last when present).
    Numbers(Vec<f64>, HashMap<u64, usize>),
    /// Strings.
    Strings(Vec<String>, HashMap<String, usize>),
}

/// The key of a number in the index: `-0.0` equals `0.0`, every NaN equals NaN.
fn number_key(value: f64) -> u64 {
    if value.is_nan() {
        f64::NAN.to_bits()
    } else if value == 0.0 {
        0
    } else {
        value.to_bits()
    }
}

impl Categories {
    fn len(&self) -> usize {
        match self {
            Self::Numbers(values, _) => values.len(),
            Self::Strings(values, _) => values.len(),
        }
    }

    /// The position of the missing category (NaN, last), for `OrdinalEncoder`.
    fn missing_index(&self) -> Option<usize> {
        match self {
            Self::Numbers(values, _) => values
                .last()
                .filter(|value| value.is_nan())
                .map(|_| values.len() - 1),
            Self::Strings(..) => None,
        }
    }

    fn read(obj: &Obj<'_, '_>, id: NodeId, index: usize) -> Result<Self> {
        let node = &obj.file().schema().node(id).kind;
        match node {
            NodeKind::NdArray(NdArrayStorage::Json { items, .. }) => {
                let mut values = Vec::with_capacity(items.len());
                for &item in items {
                    match obj.json_at(item) {
                        Some(Value::String(text)) => values.push(
                            text.as_str()
                                .map(str::to_owned)
                                .ok_or_else(|| obj.malformed("a category is not valid UTF-8"))?,
                        ),
                        _ => {
                            return Err(obj.unsupported_option(format!(
                                "`categories_[{index}]` holding something else than strings (None, NaN or mixed objects)"
                            )));
                        }
                    }
                }
                let lookup = values
                    .iter()
                    .enumerate()
                    .map(|(at, value)| (value.clone(), at))
                    .collect();
                Ok(Self::Strings(values, lookup))
            }
            NodeKind::NdArray(NdArrayStorage::Numpy { .. }) => {
                let array = NdArray::of(obj.file(), id)
                    .map_err(|reason| obj.malformed(format!("`categories_[{index}]`: {reason}")))?;
                if array.shape().len() != 1 {
                    return Err(
                        obj.malformed(format!("`categories_[{index}]` is not one-dimensional"))
                    );
                }
                match array.type_str().map(|type_str| type_str.kind) {
                    Some('f' | 'i' | 'u' | 'b') => {
                        let values = array.f64s(obj)?;
                        // scikit-learn finds a number's category by `np.searchsorted`, which
                        // only finds it in `np.unique`'s order: increasing, NaN last.
                        let sorted = values.windows(2).all(|pair| pair[0] < pair[1])
                            || (values.last().is_some_and(|last| last.is_nan())
                                && values[..values.len() - 1]
                                    .windows(2)
                                    .all(|pair| pair[0] < pair[1]));
                        if !sorted
                            || values[..values.len().saturating_sub(1)]
                                .iter()
                                .any(|v| v.is_nan())
                        {
                            return Err(obj.malformed(format!(
                                "`categories_[{index}]` is not increasing with NaN last"
                            )));
                        }
                        let mut lookup = HashMap::with_capacity(values.len());
                        for (at, value) in values.iter().enumerate() {
                            lookup.entry(number_key(*value)).or_insert(at);
                        }
                        Ok(Self::Numbers(values, lookup))
                    }
                    Some('U') => {
                        let values = array.unicode(obj)?;
                        let lookup = values
                            .iter()
                            .enumerate()
                            .map(|(at, value)| (value.clone(), at))
                            .collect();
                        Ok(Self::Strings(values, lookup))
                    }
                    _ => Err(obj.unsupported_option(format!(
                        "`categories_[{index}]` of dtype {}",
                        array.dtype()
                    ))),
                }
            }
            _ => Err(obj.malformed(format!("`categories_[{index}]` is not an array"))),
        }
    }
}

/// What both encoders share: the categories and how a batch maps to category indices.
#[derive(Debug)]
struct Encoder {
    meta: Meta,
    categories: Vec<Categories>,
}

impl Encoder {
    fn read(obj: &Obj<'_, '_>) -> Result<Self> {
        let meta = Meta::read(obj)?;
        if obj.has("_infrequent_enabled") && obj.bool("_infrequent_enabled")? {
            return Err(
                obj.unsupported_option("infrequent categories (min_frequency / max_categories)")
            );
        }
        // The output dtype: only float64 (the default) is evaluated.
        let dtype = match obj.slot("dtype")? {
            skops_trust::state::Slot::Node(id) => obj.file().schema().node(id).type_name(),
            skops_trust::state::Slot::Json(_) => String::new(),
        };
        if dtype != "numpy.float64" && dtype != "builtins.float" {
            return Err(obj.unsupported_option(format!("dtype={dtype} (only numpy.float64)")));
        }
        let items = obj.items("categories_")?;
        if meta.n_features_in.is_some_and(|n| n != items.len()) {
            return Err(obj.malformed("`categories_` differs in length from `n_features_in_`"));
        }
        let categories = items
            .iter()
            .enumerate()
            .map(|(index, &id)| Categories::read(obj, id, index))
            .collect::<Result<Vec<_>>>()?;
        if categories.iter().any(|categories| categories.len() == 0) {
            return Err(obj.malformed("a column has no categories"));
        }
        Ok(Self { meta, categories })
    }

    /// Each column's kind: strings with their categories, or numbers.
    fn input_kinds(&self) -> Vec<InputKind> {
        self.categories
            .iter()
            .map(|categories| match categories {
                Categories::Numbers(..) => InputKind::Numbers,
                Categories::Strings(values, _) => InputKind::Categories(values.clone()),
            })
            .collect()
    }

    /// The category index of every cell of column `index` (`None`: unknown).
    fn encode(&self, x: &Data, index: usize) -> Result<Vec<Option<usize>>> {
        let column: Cow<'_, Column> = x.column(index);
        match (&self.categories[index], column.as_ref()) {
            (Categories::Numbers(_, lookup), Column::Numbers(values)) => {
                if let Some(row) = values.iter().position(|value| value.is_infinite()) {
                    return Err(InputError::Value {
                        reason: format!(
                            "input contains infinity (row {row}, column {index}), which {} does not accept",
                            self.meta.who()
                        ),
                    }
                    .into());
                }
                Ok(values
                    .iter()
                    .map(|value| lookup.get(&number_key(*value)).copied())
                    .collect())
            }
            (Categories::Strings(_, lookup), Column::Strings(values)) => Ok(values
                .iter()
                .map(|value| value.as_ref().and_then(|value| lookup.get(value).copied()))
                .collect()),
            (categories, column) => Err(InputError::Type {
                column: x.column_label(index),
                estimator: self.meta.who(),
                expected: match categories {
                    Categories::Numbers(..) => "numbers".to_owned(),
                    Categories::Strings(..) => "strings".to_owned(),
                },
                got: column.holds().to_owned(),
            }
            .into()),
        }
    }

    /// The error of an unknown category with `handle_unknown="error"`.
    fn unknown(&self, x: &Data, index: usize, row: usize) -> crate::Error {
        let value = match x.column(index).as_ref() {
            Column::Numbers(values) => values[row].to_string(),
            Column::Strings(values) => match &values[row] {
                Some(text) => format!("{text:?}"),
                None => "None".to_owned(),
            },
        };
        InputError::UnknownCategory {
            estimator: self.meta.who(),
            column: index,
            value,
        }
        .into()
    }
}

/// What an unknown category becomes.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Unknown {
    /// An error (`handle_unknown="error"`).
    Error,
    /// All zeros (`"ignore"`, `"infrequent_if_exist"` and `"warn"` without infrequent
    /// categories) or `unknown_value` (`OrdinalEncoder`'s `"use_encoded_value"`).
    Value(f64),
}

/// `OneHotEncoder` (dense output; see `docs/inference.md` for `sparse_output=True`).
#[derive(Debug)]
pub struct OneHotEncoder {
    encoder: Encoder,
    unknown: Unknown,
    /// The category index dropped per column (`None`: none).
    drop: Vec<Option<usize>>,
}

/// Builds a [`OneHotEncoder`]; refuses `sparse_output=True` (scikit-learn returns a sparse
/// matrix).
pub fn one_hot_encoder(obj: &Obj<'_, '_>) -> Result<Box<dyn Model>> {
    if obj.bool("sparse_output")? {
        return Err(obj.unsupported_option(
            "sparse_output=True (a sparse matrix; set sparse_output=False, or use it in a ColumnTransformer whose output is dense)",
        ));
    }
    one_hot_encoder_dense(obj)
}

/// Builds a [`OneHotEncoder`] whose sparse output is densified (inside a
/// `ColumnTransformer` whose output is dense, which calls `toarray()` on it).
pub fn one_hot_encoder_dense(obj: &Obj<'_, '_>) -> Result<Box<dyn Model>> {
    let encoder = Encoder::read(obj)?;
    let unknown = match obj.string("handle_unknown")?.as_str() {
        "error" => Unknown::Error,
        "ignore" | "infrequent_if_exist" | "warn" => Unknown::Value(0.0),
        other => return Err(obj.unsupported_option(format!("handle_unknown={other:?}"))),
    };
    let n = encoder.categories.len();
    let drop = if obj.is_none("_drop_idx_after_grouping") {
        vec![None; n]
    } else {
        let id = match obj.slot("_drop_idx_after_grouping")? {
            skops_trust::state::Slot::Node(id) => id,
            skops_trust::state::Slot::Json(_) => {
                return Err(obj.malformed("`_drop_idx_after_grouping` is not an array"));
            }
        };
        let drop = match &obj.file().schema().node(id).kind {
            NodeKind::NdArray(NdArrayStorage::Json { items, .. }) => items
                .iter()
                .map(|&item| match obj.json_at(item) {
                    Some(Value::Null) => Ok(None),
                    Some(Value::Number(number)) => number
                        .as_i64()
                        .and_then(|value| usize::try_from(value).ok())
                        .map(Some)
                        .ok_or_else(|| {
                            obj.malformed("`_drop_idx_after_grouping` holds a bad index")
                        }),
                    _ => Err(obj.malformed("`_drop_idx_after_grouping` holds a bad index")),
                })
                .collect::<Result<Vec<_>>>()?,
            _ => {
                let values = obj.array("_drop_idx_after_grouping")?.i64s(obj)?;
                values
                    .into_iter()
                    .map(|value| {
                        usize::try_from(value).map(Some).map_err(|_| {
                            obj.malformed("`_drop_idx_after_grouping` holds a bad index")
                        })
                    })
                    .collect::<Result<Vec<_>>>()?
            }
        };
        if drop.len() != n
            || drop
                .iter()
                .zip(&encoder.categories)
                .any(|(drop, categories)| drop.is_some_and(|drop| drop >= categories.len()))
        {
            return Err(obj.malformed("`_drop_idx_after_grouping` does not fit `categories_`"));
        }
        drop
    };
    let model = OneHotEncoder {
        encoder,
        unknown,
        drop,
    };
    // scikit-learn's output has `sum(_n_features_outs)` columns, each column's block starting
    // after the blocks before it: they must be the widths the categories and drops make.
    let outs = obj.items("_n_features_outs")?;
    let widths = model.widths();
    if outs.len() != widths.len()
        || outs
            .iter()
            .zip(&widths)
            .any(|(&id, &width)| obj.float_at(id) != Some(width as f64))
    {
        return Err(obj.malformed("`_n_features_outs` does not fit `categories_` and the drops"));
    }
    Ok(Box::new(model))
}

impl OneHotEncoder {
    fn widths(&self) -> Vec<usize> {
        self.encoder
            .categories
            .iter()
            .zip(&self.drop)
            .map(|(categories, drop)| categories.len() - usize::from(drop.is_some()))
            .collect()
    }
}

impl Model for OneHotEncoder {
    fn meta(&self) -> &Meta {
        &self.encoder.meta
    }

    fn input_kinds(&self) -> Option<Vec<InputKind>> {
        Some(self.encoder.input_kinds())
    }

    fn methods(&self) -> Vec<Method> {
        vec![Method::Transform]
    }

    fn run(&self, method: Method, x: &Data) -> Result<Output> {
        if method != Method::Transform {
            return Err(self.encoder.meta.no_method(method));
        }
        let n = self.encoder.categories.len();
        self.encoder.meta.check_width(x, Some(n))?;
        let widths = self.widths();
        let total: usize = widths.iter().sum();
        let rows = x.rows();
        let mut out = vec![0.0; rows * total];
        let mut offset = 0;
        for (index, width) in widths.iter().enumerate() {
            let codes = self.encoder.encode(x, index)?;
            for (row, code) in codes.into_iter().enumerate() {
                let Some(code) = code else {
                    if self.unknown == Unknown::Error {
                        return Err(self.encoder.unknown(x, index, row));
                    }
                    continue;
                };
                let position = match self.drop[index] {
                    Some(drop) if code == drop => continue,
                    Some(drop) if code > drop => code - 1,
                    _ => code,
                };
                out[row * total + offset + position] = 1.0;
            }
            offset += width;
        }
        Ok(Output {
            shape: vec![rows, total],
            values: Values::F64(out),
        })
    }
}

/// `OrdinalEncoder`: the category's index as float64; `encoded_missing_value` for NaN,
/// `unknown_value` for unknown categories with `handle_unknown="use_encoded_value"`.
#[derive(Debug)]
pub struct OrdinalEncoder {
    encoder: Encoder,
    unknown: Unknown,
    encoded_missing: f64,
}

/// Builds an [`OrdinalEncoder`].
pub fn ordinal_encoder(obj: &Obj<'_, '_>) -> Result<Box<dyn Model>> {
    let encoder = Encoder::read(obj)?;
    let unknown = match obj.string("handle_unknown")?.as_str() {
        "error" => Unknown::Error,
        "use_encoded_value" => Unknown::Value(obj.float("unknown_value")?),
        other => return Err(obj.unsupported_option(format!("handle_unknown={other:?}"))),
    };
    let encoded_missing = obj.float("encoded_missing_value")?;
    check_missing_indices(obj, &encoder.categories)?;
    Ok(Box::new(OrdinalEncoder {
        encoder,
        unknown,
        encoded_missing,
    }))
}

/// scikit-learn's `OrdinalEncoder.transform` gives `encoded_missing_value` to the category at
/// `_missing_indices[column]`; the engine to a trailing NaN category: the two must agree.
fn check_missing_indices(obj: &Obj<'_, '_>, categories: &[Categories]) -> Result<()> {
    let refuse = || obj.malformed("`_missing_indices` does not name the NaN categories");
    let mut expected: Vec<(usize, usize)> = categories
        .iter()
        .enumerate()
        .filter_map(|(column, categories)| categories.missing_index().map(|at| (column, at)))
        .collect();
    if !obj.has("_missing_indices") {
        return if expected.is_empty() {
            Ok(())
        } else {
            Err(refuse())
        };
    }
    let skops_trust::state::Slot::Node(id) = obj.slot("_missing_indices")? else {
        return Err(refuse());
    };
    let NodeKind::Dict { entries, key_types } = obj.kind_at(id) else {
        return Err(refuse());
    };
    let types = obj.items_at(*key_types).unwrap_or_default();
    if types.len() != entries.len()
        || types.iter().any(|&key| {
            !matches!(obj.kind_at(key), NodeKind::Type)
                || obj.file().schema().node(key).type_name() != "builtins.int"
        })
    {
        return Err(refuse());
    }
    let mut found = Vec::with_capacity(entries.len());
    for (key, value) in entries {
        let column = key.as_str().and_then(|key| key.parse::<usize>().ok());
        let at = obj
            .float_at(*value)
            .filter(|at| *at >= 0.0 && at.fract() == 0.0)
            .map(|at| at as usize);
        let (Some(column), Some(at)) = (column, at) else {
            return Err(refuse());
        };
        found.push((column, at));
    }
    found.sort_unstable();
    expected.sort_unstable();
    if found != expected {
        return Err(refuse());
    }
    Ok(())
}

impl Model for OrdinalEncoder {
    fn meta(&self) -> &Meta {
        &self.encoder.meta
    }

    fn input_kinds(&self) -> Option<Vec<InputKind>> {
        Some(self.encoder.input_kinds())
    }

    fn methods(&self) -> Vec<Method> {
        vec![Method::Transform]
    }

    fn run(&self, method: Method, x: &Data) -> Result<Output> {
        if method != Method::Transform {
            return Err(self.encoder.meta.no_method(method));
        }
        let n = self.encoder.categories.len();
        self.encoder.meta.check_width(x, Some(n))?;
        let rows = x.rows();
        let mut out = vec![0.0; rows * n];
        for index in 0..n {
            let missing = self.encoder.categories[index].missing_index();
            let codes = self.encoder.encode(x, index)?;
            for (row, code) in codes.into_iter().enumerate() {
                out[row * n + index] = match (code, self.unknown) {
                    (None, Unknown::Error) => return Err(self.encoder.unknown(x, index, row)),
                    (None, Unknown::Value(value)) => value,
                    (Some(code), _) if Some(code) == missing => self.encoded_missing,
                    (Some(code), _) => code as f64,
                };
            }
        }
        Ok(Output {
            shape: vec![rows, n],
            values: Values::F64(out),
        })
    }
}
