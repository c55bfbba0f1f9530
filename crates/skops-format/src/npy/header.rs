//! The `.npy` header dict: `{'descr': ..., 'fortran_order': ..., 'shape': (...), }`.

use super::descr::{Descr, shape_repr};
use super::pylit::{self, ParseOptions, PyValue};
use crate::error::NpyError;
use crate::limits::Limits;
use crate::{Error, Result};

/// Room numpy leaves after the header so the growth axis can grow in place:
/// `len(str(8 * 2**64 - 1))`, numpy's `GROWTH_AXIS_MAX_DIGITS`.
const GROWTH_AXIS_MAX_DIGITS: usize = 21;

/// What a `.npy` header declares about the array that follows it.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct NpyHeader {
    /// The element dtype.
    pub descr: Descr,
    /// Whether the data is in Fortran (column-major) order.
    pub fortran_order: bool,
    /// The array shape; empty for a 0-d array (a numpy scalar).
    pub shape: Vec<u64>,
}

impl NpyHeader {
    /// Number of elements (`1` for 0-d arrays, `0` if any axis is `0`), `None` on overflow.
    pub fn element_count(&self) -> Option<u64> {
        if self.shape.contains(&0) {
            return Some(0);
        }
        self.shape
            .iter()
            .try_fold(1u64, |count, &dim| count.checked_mul(dim))
    }

    /// Bytes of data the header declares, `None` on overflow.
    pub fn data_len(&self) -> Option<u64> {
        let itemsize = self.descr.itemsize()?;
        if itemsize == 0 {
            return Some(0);
        }
        self.element_count()?.checked_mul(itemsize)
    }

    /// [`Self::data_len`], or the error that names the overflowing shape.
    pub(crate) fn checked_data_len(&self) -> Result<u64> {
        self.data_len().ok_or_else(|| {
            Error::Npy(NpyError::SizeOverflow {
                shape: self.shape.clone(),
                itemsize: self.descr.itemsize().unwrap_or(u64::MAX),
            })
        })
    }

    /// The header text numpy 2.4's `np.save` writes before padding: the dict with sorted
    /// keys and a trailing `, `, then spaces so that the growth axis (the first axis in C
    /// order, the last in Fortran order) can take up to 21 digits.
    pub(crate) fn to_text(&self) -> String {
        let mut text = format!(
            "{{'descr': {}, 'fortran_order': {}, 'shape': {}, }}",
            self.descr.to_python_repr(),
            if self.fortran_order { "True" } else { "False" },
            shape_repr(&self.shape),
        );
        let growth_axis = if self.fortran_order {
            self.shape.last()
        } else {
            self.shape.first()
        };
        if let Some(dim) = growth_axis {
            let digits = dim.to_string().len();
            let padding = GROWTH_AXIS_MAX_DIGITS.saturating_sub(digits);
            text.extend(std::iter::repeat_n(' ', padding));
        }
        text
    }

    /// Parses the decoded header text of a `.npy` file of format version `major`.
    pub(crate) fn parse_text(text: &str, major: u8, limits: &Limits) -> Result<Self> {
        let value = pylit::parse(
            text,
            ParseOptions {
                max_depth: limits.max_npy_header_depth,
                // numpy strips Python 2 `L` suffixes from version 1 and 2 headers only.
                allow_long_suffix: major < 3,
            },
        )?;
        let PyValue::Dict(entries) = value else {
            return Err(invalid(format!(
                "expected a dict, found a {}",
                value.type_name()
            )));
        };
        let mut descr = None;
        let mut fortran_order = None;
        let mut shape = None;
        for (key, value) in &entries {
            let slot = match key {
                PyValue::Str(name) if name == "descr" => &mut descr,
                PyValue::Str(name) if name == "fortran_order" => &mut fortran_order,
                PyValue::Str(name) if name == "shape" => &mut shape,
                _ => return Err(invalid(format!("unexpected key {}", key.to_repr()))),
            };
            if slot.replace(value).is_some() {
                return Err(invalid(format!("duplicate key {}", key.to_repr())));
            }
        }
        let missing = |name: &str| invalid(format!("missing key `{name}`"));
        let shape = shape.ok_or_else(|| missing("shape"))?;
        let fortran_order = fortran_order.ok_or_else(|| missing("fortran_order"))?;
        let descr = descr.ok_or_else(|| missing("descr"))?;

        let PyValue::Tuple(dims) = shape else {
            return Err(invalid(format!(
                "shape is not a tuple: {}",
                shape.to_repr()
            )));
        };
        Limits::check(
            "`.npy` array rank",
            dims.len() as u64,
            limits.max_array_rank,
        )?;
        let shape = dims
            .iter()
            .map(|dim| match dim {
                PyValue::Int(dim) => u64::try_from(*dim).ok(),
                _ => None,
            })
            .collect::<Option<Vec<u64>>>()
            .ok_or_else(|| {
                invalid(format!(
                    "shape is not a tuple of non-negative integers: {}",
                    PyValue::Tuple(dims.clone()).to_repr()
                ))
            })?;
        let PyValue::Bool(fortran_order) = *fortran_order else {
            return Err(invalid(format!(
                "fortran_order is not a bool: {}",
                fortran_order.to_repr()
            )));
        };
        let descr = Descr::from_literal(descr, limits)?;
        Ok(Self {
            descr,
            fortran_order,
            shape,
        })
    }
}

fn invalid(reason: String) -> Error {
    Error::Npy(NpyError::InvalidHeader { reason })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::npy::descr::TypeStr;

    fn parse(text: &str) -> Result<NpyHeader> {
        NpyHeader::parse_text(text, 1, &Limits::default())
    }

    #[test]
    fn keys_in_any_order() {
        let header = parse("{'shape': (2, 3), 'fortran_order': True, 'descr': '<i4'}").unwrap();
        assert_eq!(header.shape, vec![2, 3]);
        assert!(header.fortran_order);
        assert_eq!(header.descr, Descr::Simple(TypeStr::parse("<i4").unwrap()));
        assert_eq!(header.element_count(), Some(6));
        assert_eq!(header.data_len(), Some(24));
    }

    #[test]
    fn wrong_keys_and_values() {
        for text in [
            "{'descr': '<f8', 'fortran_order': False}",
            "{'descr': '<f8', 'fortran_order': False, 'shape': (), 'extra': 1}",
            "{'descr': '<f8', 'fortran_order': False, 'shape': (), 'shape': ()}",
            "{'descr': '<f8', 'fortran_order': 0, 'shape': ()}",
            "{'descr': '<f8', 'fortran_order': False, 'shape': [1]}",
            "{'descr': '<f8', 'fortran_order': False, 'shape': (-1,)}",
            "{'descr': '<f8', 'fortran_order': False, 'shape': (True,)}",
            "{'descr': '<f8', 'fortran_order': False, 'shape': (18446744073709551616,)}",
            "{'descr': 3, 'fortran_order': False, 'shape': ()}",
            "{1: '<f8', 'fortran_order': False, 'shape': ()}",
            "['descr']",
        ] {
            assert!(parse(text).is_err(), "{text:?} should be refused");
        }
    }

    #[test]
    fn rank_is_limited() {
        let dims = vec!["1"; 65].join(", ");
        let text = format!("{{'descr': '<f8', 'fortran_order': False, 'shape': ({dims}), }}");
        let error = parse(&text).unwrap_err();
        assert!(
            matches!(
                error,
                Error::LimitExceeded {
                    value: 65,
                    limit: 64,
                    ..
                }
            ),
            "{error}"
        );
    }

    #[test]
    fn sizes_use_checked_arithmetic() {
        let huge = parse("{'descr': '<f8', 'fortran_order': False, 'shape': (4611686018427387904, 4611686018427387904)}").unwrap();
        assert_eq!(huge.element_count(), None);
        assert_eq!(huge.data_len(), None);
        let times_eight =
            parse("{'descr': '<f8', 'fortran_order': False, 'shape': (4611686018427387904,)}")
                .unwrap();
        assert_eq!(times_eight.element_count(), Some(1 << 62));
        assert_eq!(times_eight.data_len(), None);
        let empty = parse("{'descr': '<f8', 'fortran_order': False, 'shape': (0, 4611686018427387904, 4611686018427387904)}").unwrap();
        assert_eq!(empty.data_len(), Some(0));
        let scalar = parse("{'descr': '<f8', 'fortran_order': False, 'shape': ()}").unwrap();
        assert_eq!(scalar.data_len(), Some(8));
    }

    #[test]
    fn growth_axis_padding() {
        let header = |fortran_order, shape: Vec<u64>| NpyHeader {
            descr: Descr::parse("'<f8'").unwrap(),
            fortran_order,
            shape,
        };
        let c_order = header(false, vec![5, 123]).to_text();
        assert_eq!(
            c_order,
            format!(
                "{{'descr': '<f8', 'fortran_order': False, 'shape': (5, 123), }}{}",
                " ".repeat(20)
            )
        );
        assert!(
            header(true, vec![5, 123])
                .to_text()
                .ends_with(&format!("}}{}", " ".repeat(18)))
        );
        assert!(header(false, vec![]).to_text().ends_with("(), }"));
    }
}
