//! Imputation: `SimpleImputer` (numbers: its `statistics_` fill the missing cells, columns
//! without statistics are dropped, the missing-value indicator is appended) and
//! `MissingIndicator`. Only copies and comparisons: bit-exact.

use crate::data::{Data, Matrix};
use crate::error::{InputError, Result};
use crate::model::{Meta, Method, Model};
use crate::output::{Output, Values};
use crate::read::Obj;

/// What counts as missing (`missing_values`).
#[derive(Debug, Clone, Copy)]
enum Missing {
    /// `np.nan` (NaN is then allowed in the input).
    Nan,
    /// A number compared with `==` (NaN is then refused, as `ensure_all_finite=True`).
    Value(f64),
}

impl Missing {
    fn read(obj: &Obj<'_, '_>) -> Result<Self> {
        match obj.json("missing_values")? {
            Some(skops_format::json::Value::Number(number)) => match number.as_f64() {
                Some(value) if value.is_nan() => Ok(Self::Nan),
                Some(value) => Ok(Self::Value(value)),
                None => Err(obj.malformed("`missing_values` is not a number")),
            },
            _ => Err(obj.unsupported_option(
                "missing_values other than a number or np.nan (None, pd.NA or a string)",
            )),
        }
    }

    fn is(self, value: f64) -> bool {
        match self {
            Self::Nan => value.is_nan(),
            Self::Value(missing) => value == missing,
        }
    }

    /// Validates the batch as `_validate_input` does (`ensure_all_finite`).
    fn check(self, meta: &Meta, x: &Matrix) -> Result<()> {
        match self {
            Self::Nan => meta.check_no_infinity(x),
            Self::Value(_) => meta.check_finite(x),
        }
    }
}

/// The indicator part: which columns of the mask are kept.
#[derive(Debug)]
struct Indicator {
    missing: Missing,
    /// `features_` when fewer than all columns (`None`: every column).
    features: Option<Vec<usize>>,
    /// `features="missing-only"` with `error_on_new=True`: a missing value in another
    /// column is an error.
    error_on_new: bool,
    n_features: usize,
}

impl Indicator {
    fn read(obj: &Obj<'_, '_>, n_features_in: Option<usize>) -> Result<Self> {
        let missing = Missing::read(obj)?;
        match obj.json("sparse")? {
            Some(skops_format::json::Value::Bool(false)) => {}
            Some(skops_format::json::Value::String(text)) if text.as_str() == Some("auto") => {}
            _ => return Err(obj.unsupported_option("sparse=True (a sparse mask)")),
        }
        let n_features = obj.count("_n_features")?;
        if n_features_in.is_some_and(|n| n != n_features) {
            return Err(obj.malformed("`_n_features` differs from `n_features_in_`"));
        }
        let all = match obj.string("features")?.as_str() {
            "all" => true,
            "missing-only" => false,
            other => return Err(obj.unsupported_option(format!("features={other:?}"))),
        };
        let (values, shape) = obj.floats("features_")?;
        if shape.len() != 1 {
            return Err(obj.malformed("`features_` is not one-dimensional"));
        }
        let mut features = Vec::with_capacity(values.len());
        for value in values {
            if !(value >= 0.0 && value < n_features as f64 && value.fract() == 0.0) {
                return Err(obj.malformed("`features_` holds an index out of range"));
            }
            features.push(value as usize);
        }
        let error_on_new = !all && obj.bool("error_on_new")?;
        let features = (features.len() < n_features).then_some(features);
        Ok(Self {
            missing,
            features,
            error_on_new,
            n_features,
        })
    }

    /// The kept mask columns of one row, appended to `out`.
    fn row(&self, meta: &Meta, row: &[f64], out: &mut Vec<bool>) -> Result<()> {
        match &self.features {
            None => out.extend(row.iter().map(|&value| self.missing.is(value))),
            Some(features) => {
                if self.error_on_new {
                    if let Some(column) = (0..row.len())
                        .find(|column| self.missing.is(row[*column]) && !features.contains(column))
                    {
                        return Err(InputError::Value {
                            reason: format!(
                                "column {column} has missing values but had none when {} was fitted (error_on_new=True)",
                                meta.who()
                            ),
                        }
                        .into());
                    }
                }
                out.extend(features.iter().map(|&column| self.missing.is(row[column])));
            }
        }
        Ok(())
    }

    fn width(&self) -> usize {
        self.features.as_ref().map_or(self.n_features, Vec::len)
    }
}

/// `MissingIndicator`: the boolean mask of missing cells, in the columns kept at fit.
#[derive(Debug)]
pub struct MissingIndicator {
    meta: Meta,
    indicator: Indicator,
}

/// Builds a [`MissingIndicator`].
pub fn missing_indicator(obj: &Obj<'_, '_>) -> Result<Box<dyn Model>> {
    let meta = Meta::read(obj)?;
    if obj.has("_precomputed") && obj.bool("_precomputed")? {
        return Err(obj.unsupported_option("a precomputed mask as input"));
    }
    let indicator = Indicator::read(obj, meta.n_features_in)?;
    Ok(Box::new(MissingIndicator { meta, indicator }))
}

impl Model for MissingIndicator {
    fn meta(&self) -> &Meta {
        &self.meta
    }

    fn methods(&self) -> Vec<Method> {
        vec![Method::Transform]
    }

    fn run(&self, method: Method, x: &Data) -> Result<Output> {
        if method != Method::Transform {
            return Err(self.meta.no_method(method));
        }
        let x = self.meta.dense(x, Some(self.indicator.n_features))?;
        self.indicator.missing.check(&self.meta, &x)?;
        let mut out = Vec::with_capacity(x.rows() * self.indicator.width());
        for row in x.iter_rows() {
            self.indicator.row(&self.meta, row, &mut out)?;
        }
        Ok(Output {
            shape: vec![x.rows(), self.indicator.width()],
            values: Values::Bool(out),
        })
    }
}

/// `SimpleImputer` on numbers.
#[derive(Debug)]
pub struct SimpleImputer {
    meta: Meta,
    missing: Missing,
    statistics: Vec<f64>,
    /// The columns kept (`None`: all; else those whose statistic is not NaN).
    kept: Option<Vec<usize>>,
    indicator: Option<Indicator>,
}

/// Builds a [`SimpleImputer`].
pub fn simple_imputer(obj: &Obj<'_, '_>) -> Result<Box<dyn Model>> {
    let meta = Meta::read(obj)?;
    let missing = Missing::read(obj)?;
    let strategy = obj.string("strategy")?;
    if !matches!(
        strategy.as_str(),
        "mean" | "median" | "most_frequent" | "constant"
    ) {
        return Err(obj.unsupported_option(format!("strategy={strategy:?}")));
    }
    let statistics = match obj.array("statistics_") {
        Ok(array)
            if array
                .type_str()
                .is_some_and(|t| matches!(t.kind, 'f' | 'i' | 'u' | 'b')) =>
        {
            let values = array.f64s(obj)?;
            if array.shape().len() != 1 {
                return Err(obj.malformed("`statistics_` is not one-dimensional"));
            }
            values
        }
        // `strategy="constant"` with `keep_empty_features=True` stores an object array of
        // numbers; its items are read as float64, as `astype(_fill_dtype)` does.
        _ => match numbers_of_object_array(obj, "statistics_") {
            Some(values) => values,
            None => {
                return Err(obj.unsupported_option(
                    "statistics_ that are not numbers (an imputer fitted on strings or objects)",
                ));
            }
        },
    };
    if meta.n_features_in.is_some_and(|n| n != statistics.len()) {
        return Err(obj.malformed("`statistics_` differs in length from `n_features_in_`"));
    }
    let kept = if obj.bool("keep_empty_features")? {
        None
    } else {
        Some(
            (0..statistics.len())
                .filter(|&column| !statistics[column].is_nan())
                .collect::<Vec<_>>(),
        )
        .filter(|kept| kept.len() < statistics.len())
    };
    let indicator = if obj.bool("add_indicator")? {
        let child = obj.child("indicator_")?;
        let indicator = Indicator::read(&child, Some(statistics.len()))?;
        Some(indicator)
    } else {
        None
    };
    Ok(Box::new(SimpleImputer {
        meta,
        missing,
        statistics,
        kept,
        indicator,
    }))
}

impl Model for SimpleImputer {
    fn meta(&self) -> &Meta {
        &self.meta
    }

    fn methods(&self) -> Vec<Method> {
        vec![Method::Transform]
    }

    fn run(&self, method: Method, x: &Data) -> Result<Output> {
        if method != Method::Transform {
            return Err(self.meta.no_method(method));
        }
        let x = self.meta.dense(x, Some(self.statistics.len()))?;
        self.missing.check(&self.meta, &x)?;
        let kept: Vec<usize> = match &self.kept {
            Some(kept) => kept.clone(),
            None => (0..self.statistics.len()).collect(),
        };
        let width = kept.len() + self.indicator.as_ref().map_or(0, Indicator::width);
        let mut out = Vec::with_capacity(x.rows() * width);
        let mut mask = Vec::new();
        for row in x.iter_rows() {
            out.extend(kept.iter().map(|&column| {
                if self.missing.is(row[column]) {
                    self.statistics[column]
                } else {
                    row[column]
                }
            }));
            if let Some(indicator) = &self.indicator {
                mask.clear();
                indicator.row(&self.meta, row, &mut mask)?;
                out.extend(mask.iter().map(|&flag| f64::from(u8::from(flag))));
            }
        }
        Ok(Output::matrix(Matrix::new(x.rows(), width, out)?))
    }
}

/// The items of an object array attribute when every one is a JSON number.
fn numbers_of_object_array(obj: &Obj<'_, '_>, key: &str) -> Option<Vec<f64>> {
    use skops_format::schema::{NdArrayStorage, NodeKind};
    let skops_trust::state::Slot::Node(id) = obj.slot(key).ok()? else {
        return None;
    };
    let NodeKind::NdArray(NdArrayStorage::Json { items, .. }) = obj.kind_at(id) else {
        return None;
    };
    items
        .iter()
        .map(|&item| match obj.json_at(item) {
            Some(skops_format::json::Value::Number(number)) => number.as_f64(),
            _ => None,
        })
        .collect()
}
