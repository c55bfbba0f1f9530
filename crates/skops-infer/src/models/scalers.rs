//! Scalers: element-wise arithmetic in scikit-learn's order, so results are bit-exact.

use crate::data::Data;
use crate::error::Result;
use crate::model::{Meta, Method, Model};
use crate::output::Output;
use crate::read::Obj;

/// `StandardScaler`: `X -= mean_` (when `with_mean`), then `X /= scale_` (when `with_std`),
/// as `sklearn.preprocessing._data.StandardScaler.transform` does in place.
#[derive(Debug)]
pub struct StandardScaler {
    meta: Meta,
    mean: Option<Vec<f64>>,
    scale: Option<Vec<f64>>,
}

/// Builds a [`StandardScaler`].
pub fn standard_scaler(obj: &Obj<'_, '_>) -> Result<Box<dyn Model>> {
    let meta = Meta::read(obj)?;
    let n = meta.n_features_in;
    let mean = if obj.bool("with_mean")? {
        Some(obj.vector("mean_", n)?)
    } else {
        None
    };
    let scale = if obj.bool("with_std")? {
        Some(obj.vector("scale_", n)?)
    } else {
        None
    };
    Ok(Box::new(StandardScaler { meta, mean, scale }))
}

impl Model for StandardScaler {
    fn type_name(&self) -> &str {
        &self.meta.type_name
    }

    fn methods(&self) -> Vec<Method> {
        vec![Method::Transform]
    }

    fn n_features_in(&self) -> Option<usize> {
        self.meta.n_features_in
    }

    fn feature_names_in(&self) -> Option<&[String]> {
        self.meta.feature_names_in.as_deref()
    }

    fn run(&self, method: Method, x: &Data) -> Result<Output> {
        if method != Method::Transform {
            return Err(self.meta.no_method(method));
        }
        let mut x = self.meta.dense(x, None)?.into_owned();
        // `check_array(..., ensure_all_finite="allow-nan")`: NaN passes through, inf is refused.
        self.meta.check_no_infinity(&x)?;
        let cols = x.cols();
        for row in x.data_mut().chunks_exact_mut(cols.max(1)) {
            if let Some(mean) = &self.mean {
                row.iter_mut()
                    .zip(mean)
                    .for_each(|(value, mean)| *value -= mean);
            }
            if let Some(scale) = &self.scale {
                row.iter_mut()
                    .zip(scale)
                    .for_each(|(value, scale)| *value /= scale);
            }
        }
        Ok(Output::matrix(x))
    }
}
