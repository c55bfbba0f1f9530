//! Bounds-checked reads of integer fields from the records of a structured `.npy` array.
//!
//! A field's offset is the sum of the sizes of the fields before it (numpy writes padding as
//! anonymous `|V` fields, so the list covers every byte of a record); each read checks that
//! the bytes exist and decodes them in the field's own byte order.
//!
//! A boolean (`|b1`) byte other than 0 or 1 has no single integer value: numpy's casts
//! (`astype`, which sklearn's `__setstate__` applies to a `nodes` array of another dtype) read
//! it as 1, a Cython memoryview reads the byte. The validators would check one value and
//! sklearn use the other (children `2` and `4` checked as a tree, both cast to `1`: a loop
//! in predict), so such a byte reads as [`AMBIGUOUS_BOOL`], which no bound accepts.

use skops_format::npy::{ByteOrder, Descr, TypeStr};

/// What a boolean byte other than 0 or 1 reads as: larger than any bound a validator checks
/// (see the module doc).
pub(crate) const AMBIGUOUS_BOOL: i128 = i128::MAX;

/// One integer field of a structured dtype: where it sits in a record and how it is encoded.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct IntField {
    offset: usize,
    size: usize,
    signed: bool,
    big_endian: bool,
    /// A numpy bool (`|b1`): 0 and 1 only (see [`AMBIGUOUS_BOOL`]).
    boolean: bool,
}

/// Why a field cannot be read as an integer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum FieldProblem {
    /// The dtype has no field of that name.
    Missing,
    /// The field exists but is not a plain 1, 2, 4 or 8-byte integer.
    NotAnInteger(String),
}

impl IntField {
    /// Finds field `name` in `descr`; fails if it is absent or not a plain integer.
    pub(crate) fn find(descr: &Descr, name: &str) -> Result<Self, FieldProblem> {
        let Descr::Structured(fields) = descr else {
            return Err(FieldProblem::Missing);
        };
        let mut offset: u64 = 0;
        for field in fields {
            let count = field
                .shape
                .iter()
                .try_fold(1u64, |count, &dim| count.checked_mul(dim));
            let size = field
                .descr
                .itemsize()
                .zip(count)
                .and_then(|(size, count)| size.checked_mul(count));
            if field.name == name {
                return match (&field.descr, field.shape.is_empty()) {
                    (Descr::Simple(type_str), true) => Self::from_type(type_str, offset),
                    _ => Err(FieldProblem::NotAnInteger(field.descr.to_python_repr())),
                };
            }
            offset = size
                .and_then(|size| offset.checked_add(size))
                .ok_or(FieldProblem::Missing)?;
        }
        Err(FieldProblem::Missing)
    }

    /// The item of a plain (non-structured) integer array.
    pub(crate) fn plain(type_str: &TypeStr) -> Result<Self, FieldProblem> {
        Self::from_type(type_str, 0)
    }

    fn from_type(type_str: &TypeStr, offset: u64) -> Result<Self, FieldProblem> {
        let not_integer = || FieldProblem::NotAnInteger(type_str.to_type_string());
        let signed = match type_str.kind {
            'i' => true,
            'u' | 'b' => false,
            _ => return Err(not_integer()),
        };
        let size = match type_str.size {
            size @ (1 | 2 | 4 | 8) => size as usize,
            _ => return Err(not_integer()),
        };
        let big_endian = match type_str.byte_order {
            ByteOrder::Big => true,
            ByteOrder::Little | ByteOrder::NotApplicable => false,
            ByteOrder::Native => cfg!(target_endian = "big"),
        };
        Ok(Self {
            offset: usize::try_from(offset).map_err(|_| not_integer())?,
            size,
            signed,
            big_endian,
            boolean: type_str.kind == 'b',
        })
    }

    /// The field's value in `record` (one record's bytes), or `None` if the record is too
    /// short to hold it.
    ///
    /// One fixed-width decode per layout: the tree validators read several fields of every
    /// node of every tree, so this is the hot loop of validating a forest.
    #[inline]
    pub(crate) fn read(&self, record: &[u8]) -> Option<i128> {
        // scikit-learn's `intp` fields (children, features) on the platforms it ships for:
        // decoded here, inlined into the validators' loops; every other layout below.
        if self.size == 8 && self.signed && !self.big_endian {
            let bytes = record.get(self.offset..self.offset.checked_add(8)?)?;
            return Some(i128::from(i64::from_le_bytes(bytes.try_into().ok()?)));
        }
        self.read_any(record)
    }

    /// [`IntField::read`] for any layout.
    fn read_any(&self, record: &[u8]) -> Option<i128> {
        let end = self.offset.checked_add(self.size)?;
        let bytes = record.get(self.offset..end)?;
        if self.boolean {
            return match bytes {
                [0] => Some(0),
                [1] => Some(1),
                _ => Some(AMBIGUOUS_BOOL),
            };
        }
        macro_rules! decode {
            ($int:ty, $from:ident) => {
                i128::from(<$int>::$from(bytes.try_into().ok()?))
            };
        }
        Some(match (self.size, self.signed, self.big_endian) {
            (8, true, false) => decode!(i64, from_le_bytes),
            (8, true, true) => decode!(i64, from_be_bytes),
            (8, false, false) => decode!(u64, from_le_bytes),
            (8, false, true) => decode!(u64, from_be_bytes),
            (4, true, false) => decode!(i32, from_le_bytes),
            (4, true, true) => decode!(i32, from_be_bytes),
            (4, false, false) => decode!(u32, from_le_bytes),
            (4, false, true) => decode!(u32, from_be_bytes),
            (2, true, false) => decode!(i16, from_le_bytes),
            (2, true, true) => decode!(i16, from_be_bytes),
            (2, false, false) => decode!(u16, from_le_bytes),
            (2, false, true) => decode!(u16, from_be_bytes),
            (1, true, _) => decode!(i8, from_le_bytes),
            (1, false, _) => decode!(u8, from_le_bytes),
            _ => return None,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every width, signedness and byte order decodes its extremes and -1 / 1.
    #[test]
    fn reads_every_integer_layout() {
        let cases: [(&str, &[i128]); 8] = [
            ("i1", &[-128, -1, 127]),
            ("u1", &[0, 1, 255]),
            ("i2", &[-32768, -1, 32767]),
            ("u2", &[0, 1, 65535]),
            ("i4", &[i128::from(i32::MIN), -1, i128::from(i32::MAX)]),
            ("u4", &[0, 1, i128::from(u32::MAX)]),
            ("i8", &[i128::from(i64::MIN), -1, i128::from(i64::MAX)]),
            ("u8", &[0, 1, i128::from(u64::MAX)]),
        ];
        for (code, values) in cases {
            let size: usize = code[1..].parse().unwrap();
            for order in ['<', '>'] {
                let field =
                    IntField::plain(&TypeStr::parse(&format!("{order}{code}")).unwrap()).unwrap();
                for &value in values {
                    // The value's two's-complement bytes, in the field's width and order.
                    let little = value.to_le_bytes();
                    let mut bytes = little[..size].to_vec();
                    if order == '>' {
                        bytes.reverse();
                    }
                    assert_eq!(field.read(&bytes), Some(value), "{order}{code} {value}");
                    assert_eq!(field.read(&bytes[1..]), None);
                }
            }
        }
    }

    #[test]
    fn reads_fields_by_offset_in_both_byte_orders() {
        let descr =
            Descr::parse("[('a', '<i8'), ('', '|V2'), ('b', '>i2'), ('c', '|u1'), ('d', '<f8')]")
                .unwrap();
        let a = IntField::find(&descr, "a").unwrap();
        let b = IntField::find(&descr, "b").unwrap();
        let c = IntField::find(&descr, "c").unwrap();
        let mut record = Vec::new();
        record.extend((-3i64).to_le_bytes());
        record.extend([0, 0]);
        record.extend((-2i16).to_be_bytes());
        record.push(200);
        assert_eq!(a.read(&record), Some(-3));
        assert_eq!(b.read(&record), Some(-2));
        assert_eq!(c.read(&record), Some(200));
        assert_eq!(c.read(&record[..12]), None);
        assert!(matches!(
            IntField::find(&descr, "d"),
            Err(FieldProblem::NotAnInteger(_))
        ));
        assert_eq!(IntField::find(&descr, "e"), Err(FieldProblem::Missing));
    }

    #[test]
    fn a_boolean_byte_other_than_0_or_1_reads_as_no_valid_integer() {
        // numpy's casts read any nonzero byte as 1, a memoryview reads the byte itself.
        let descr = Descr::parse("[('flag', '|b1'), ('left', '|b1')]").unwrap();
        let left = IntField::find(&descr, "left").unwrap();
        assert_eq!(left.read(&[7, 0]), Some(0));
        assert_eq!(left.read(&[7, 1]), Some(1));
        assert_eq!(left.read(&[7, 2]), Some(AMBIGUOUS_BOOL));
        assert_eq!(left.read(&[7, 255]), Some(AMBIGUOUS_BOOL));
        let plain = IntField::plain(&TypeStr::parse("|b1").unwrap()).unwrap();
        assert_eq!(plain.read(&[5]), Some(AMBIGUOUS_BOOL));
    }
}
