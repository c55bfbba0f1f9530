//! What a method returns: an n-dimensional array (row-major, first axis = rows) of floats,
//! ints, strings or booleans, with scikit-learn's shape; and class labels (`classes_`).

use crate::data::Matrix;

/// The items of an output, row-major.
#[derive(Debug, Clone, PartialEq)]
pub enum Values {
    /// float64.
    F64(Vec<f64>),
    /// int64 (labels of integer classes, leaf indices).
    I64(Vec<i64>),
    /// Strings (labels of string classes).
    Str(Vec<String>),
    /// Booleans (labels of boolean classes).
    Bool(Vec<bool>),
}

impl Values {
    /// The number of items.
    pub fn len(&self) -> usize {
        match self {
            Self::F64(values) => values.len(),
            Self::I64(values) => values.len(),
            Self::Str(values) => values.len(),
            Self::Bool(values) => values.len(),
        }
    }

    /// Whether there are no items.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Appends `other`'s items; `false` (and nothing appended) when the types differ.
    fn append(&mut self, other: Self) -> bool {
        match (self, other) {
            (Self::F64(a), Self::F64(b)) => a.extend(b),
            (Self::I64(a), Self::I64(b)) => a.extend(b),
            (Self::Str(a), Self::Str(b)) => a.extend(b),
            (Self::Bool(a), Self::Bool(b)) => a.extend(b),
            _ => return false,
        }
        true
    }
}

/// A method's result: `shape[0]` is the number of rows.
#[derive(Debug, Clone, PartialEq)]
pub struct Output {
    /// The shape, as numpy gives it (`(n,)` for labels, `(n, k)` for probabilities).
    pub shape: Vec<usize>,
    /// The items, row-major.
    pub values: Values,
}

impl Output {
    /// A 1-D output of `values`.
    pub fn vector(values: Values) -> Self {
        Self {
            shape: vec![values.len()],
            values,
        }
    }

    /// A 2-D float output of a matrix.
    pub fn matrix(matrix: Matrix) -> Self {
        Self {
            shape: vec![matrix.rows(), matrix.cols()],
            values: Values::F64(matrix.into_data()),
        }
    }

    /// The float items, if the output holds floats.
    pub fn floats(&self) -> Option<&[f64]> {
        match &self.values {
            Values::F64(values) => Some(values),
            _ => None,
        }
    }

    /// The output as a float matrix (a transformer's result, for the next step), if it holds
    /// floats in one or two dimensions.
    pub fn into_matrix(self) -> Option<Matrix> {
        let Values::F64(values) = self.values else {
            return None;
        };
        match self.shape[..] {
            [rows] => Matrix::new(rows, 1, values).ok(),
            [rows, cols] => Matrix::new(rows, cols, values).ok(),
            _ => None,
        }
    }

    /// The outputs of consecutive row chunks as one (`None` when their types or trailing
    /// shapes differ).
    pub fn concat(parts: Vec<Self>) -> Option<Self> {
        let mut parts = parts.into_iter();
        let mut whole = parts.next()?;
        for part in parts {
            if part.shape.get(1..) != whole.shape.get(1..) || !whole.values.append(part.values) {
                return None;
            }
            whole.shape[0] += part.shape[0];
        }
        Some(whole)
    }
}

/// A classifier's `classes_`, in their order.
#[derive(Debug, Clone, PartialEq)]
pub enum Labels {
    /// Integer classes.
    I64(Vec<i64>),
    /// Float classes.
    F64(Vec<f64>),
    /// String classes.
    Str(Vec<String>),
    /// Boolean classes.
    Bool(Vec<bool>),
}

impl Labels {
    /// The number of classes.
    pub fn len(&self) -> usize {
        match self {
            Self::I64(labels) => labels.len(),
            Self::F64(labels) => labels.len(),
            Self::Str(labels) => labels.len(),
            Self::Bool(labels) => labels.len(),
        }
    }

    /// Whether there are no classes.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// `classes_.take(indices)`: the labels at each index (every index is below
    /// [`Labels::len`]).
    pub fn take(&self, indices: impl IntoIterator<Item = usize>) -> Values {
        let indices = indices.into_iter();
        match self {
            Self::I64(labels) => Values::I64(indices.map(|index| labels[index]).collect()),
            Self::F64(labels) => Values::F64(indices.map(|index| labels[index]).collect()),
            Self::Str(labels) => Values::Str(indices.map(|index| labels[index].clone()).collect()),
            Self::Bool(labels) => Values::Bool(indices.map(|index| labels[index]).collect()),
        }
    }
}

/// The index of the first maximum of `values` (numpy's `argmax`: NaN counts as the
/// maximum, the first one wins).
pub fn argmax(values: &[f64]) -> usize {
    let mut best = 0;
    for (index, &value) in values.iter().enumerate().skip(1) {
        let current = values[best];
        if current.is_nan() {
            return best;
        }
        if value.is_nan() || value > current {
            best = index;
        }
    }
    best
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn argmax_takes_the_first_maximum_and_nan_first() {
        assert_eq!(argmax(&[1.0, 3.0, 3.0]), 1);
        assert_eq!(argmax(&[1.0, f64::NAN, 5.0]), 1);
        assert_eq!(argmax(&[2.0]), 0);
    }

    #[test]
    fn concat_joins_rows_and_refuses_mixed_types() {
        let a = Output::vector(Values::I64(vec![1, 2]));
        let b = Output::vector(Values::I64(vec![3]));
        assert_eq!(
            Output::concat(vec![a.clone(), b]).unwrap(),
            Output::vector(Values::I64(vec![1, 2, 3]))
        );
        assert!(Output::concat(vec![a, Output::vector(Values::F64(vec![1.0]))]).is_none());
    }
}
