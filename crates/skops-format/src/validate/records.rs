//! Bounds-checked reads of integer fields from the records of a structured `.npy` array.
//!
//! A field's offset is the sum of the sizes of the fields before it (numpy writes padding as
//! anonymous `|V` fields, so the list covers every byte of a record); each read checks that
//! the bytes exist and decodes them in the field's own byte order.

use crate::npy::{ByteOrder, Descr, TypeStr};

/// One integer field of a structured dtype: where it sits in a record and how it is encoded.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct IntField {
    offset: usize,
    size: usize,
    signed: bool,
    big_endian: bool,
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
        })
    }

    /// The field's value in `record` (one record's bytes), or `None` if the record is too
    /// short to hold it.
    pub(crate) fn read(&self, record: &[u8]) -> Option<i128> {
        let end = self.offset.checked_add(self.size)?;
        let bytes = record.get(self.offset..end)?;
        let mut buffer = [0u8; 8];
        // Place the value's bytes as the low-order bytes of a big-endian u64.
        let start = 8 - self.size;
        for (index, &byte) in bytes.iter().enumerate() {
            let position = if self.big_endian {
                start + index
            } else {
                7 - index
            };
            *buffer.get_mut(position)? = byte;
        }
        let unsigned = u64::from_be_bytes(buffer);
        if self.signed {
            let shift = 64 - 8 * self.size as u32;
            // Sign-extend from the field's width.
            Some(i128::from(((unsigned << shift) as i64) >> shift))
        } else {
            Some(i128::from(unsigned))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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
}
