//! numpy dtype descriptors as `.npy` headers write them: type strings and structured lists.
//!
//! A descriptor is what `numpy.lib.format.dtype_to_descr` returns: `dtype.str` (e.g. `'<f8'`,
//! `'<U2'`, `'<M8[ns]'`) for plain dtypes, or `dtype.descr` (a list of field tuples, with
//! anonymous `('', '|V7')` padding fields) for structured ones. [`Descr::to_python_repr`]
//! prints it exactly as numpy's header does, so headers round-trip byte for byte.

use std::collections::HashSet;
use std::fmt::Write as _;

use super::pylit::{self, ParseOptions, PyValue};
use crate::error::NpyError;
use crate::limits::Limits;
use crate::{Error, Result};

/// The byte-order character of a type string.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ByteOrder {
    /// `<`: little-endian.
    Little,
    /// `>`: big-endian.
    Big,
    /// `|`: not applicable (single bytes, strings, void).
    NotApplicable,
    /// `=`: the machine's native order (numpy never writes it, but accepts it).
    Native,
}

impl ByteOrder {
    /// The character numpy writes for this order.
    pub fn as_char(self) -> char {
        match self {
            Self::Little => '<',
            Self::Big => '>',
            Self::NotApplicable => '|',
            Self::Native => '=',
        }
    }

    fn from_char(ch: char) -> Option<Self> {
        match ch {
            '<' => Some(Self::Little),
            '>' => Some(Self::Big),
            '|' => Some(Self::NotApplicable),
            '=' => Some(Self::Native),
            _ => None,
        }
    }
}

/// A simple numpy type string such as `'<f8'`, `'|S3'` or `'<M8[ns]'`.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct TypeStr {
    /// The byte order character.
    pub byte_order: ByteOrder,
    /// The kind character: `b i u f c U S V M m O ?`.
    pub kind: char,
    /// The number after the kind: bytes, or characters for `U`. `0` with kind `O` or `?`
    /// means the number was not written (`'|O'`).
    pub size: u64,
    /// The datetime unit of `M`/`m` kinds, without brackets (e.g. `ns`, `25s`).
    pub unit: Option<String>,
}

/// Datetime units numpy knows (`generic` is what `'<M8'` without a unit means).
const DATETIME_UNITS: &[&str] = &[
    "Y", "M", "W", "D", "h", "m", "s", "ms", "us", "μs", "ns", "ps", "fs", "as", "generic",
];

impl TypeStr {
    /// Parses a type string as numpy's `dtype.str` writes it (byte order character required).
    pub fn parse(text: &str) -> Result<Self> {
        let invalid = |reason: &str| {
            Error::Npy(NpyError::InvalidDescr {
                descr: text.to_owned(),
                reason: reason.to_owned(),
            })
        };
        let mut chars = text.chars();
        let byte_order = chars
            .next()
            .and_then(ByteOrder::from_char)
            .ok_or_else(|| invalid("expected a byte order character `<`, `>`, `|` or `=`"))?;
        let kind = chars.next().ok_or_else(|| invalid("missing kind"))?;
        let rest = chars.as_str();
        let (size_text, unit) = match rest.find('[') {
            Some(open) => {
                let unit = rest
                    .get(open + 1..)
                    .and_then(|tail| tail.strip_suffix(']'))
                    .ok_or_else(|| invalid("unterminated datetime unit"))?;
                (rest.get(..open).unwrap_or_default(), Some(unit))
            }
            None => (rest, None),
        };
        let size = if size_text.is_empty() {
            None
        } else if size_text.bytes().all(|byte| byte.is_ascii_digit()) {
            Some(
                size_text
                    .parse::<u64>()
                    .map_err(|_| invalid("size is too large"))?,
            )
        } else {
            return Err(invalid("size is not a decimal number"));
        };
        let valid_size = match kind {
            'b' => size == Some(1),
            'i' | 'u' => matches!(size, Some(1 | 2 | 4 | 8)),
            'f' => matches!(size, Some(2 | 4 | 8 | 12 | 16)),
            'c' => matches!(size, Some(8 | 16 | 24 | 32)),
            'U' | 'S' | 'V' => size.is_some(),
            'M' | 'm' => size == Some(8),
            'O' => matches!(size, None | Some(4 | 8)),
            '?' => matches!(size, None | Some(1)),
            _ => return Err(invalid("unknown kind")),
        };
        if !valid_size {
            return Err(invalid("invalid size for this kind"));
        }
        if let Some(unit) = unit {
            if !matches!(kind, 'M' | 'm') {
                return Err(invalid("only datetime kinds `M` and `m` have a unit"));
            }
            let name = unit.trim_start_matches(|ch: char| ch.is_ascii_digit());
            if !DATETIME_UNITS.contains(&name) {
                return Err(invalid("unknown datetime unit"));
            }
            let multiplier = unit.get(..unit.len() - name.len()).unwrap_or_default();
            if !multiplier.is_empty()
                && (multiplier.starts_with('0') || multiplier.parse::<u32>().is_err())
            {
                return Err(invalid("invalid datetime unit multiplier"));
            }
        }
        Ok(Self {
            byte_order,
            kind,
            size: size.unwrap_or(0),
            unit: unit.map(str::to_owned),
        })
    }

    /// Bytes per element, or `None` on overflow (`'<U…'` with a huge count).
    pub fn itemsize(&self) -> Option<u64> {
        match self.kind {
            'U' => self.size.checked_mul(4),
            'O' if self.size == 0 => Some(8),
            '?' => Some(1),
            _ => Some(self.size),
        }
    }

    /// The type string as numpy writes it (`<f8`, `|O`, `<M8[ns]`).
    pub fn to_type_string(&self) -> String {
        let mut out = String::new();
        out.push(self.byte_order.as_char());
        out.push(self.kind);
        if !(matches!(self.kind, 'O' | '?') && self.size == 0) {
            let _ = write!(out, "{}", self.size);
        }
        if let Some(unit) = &self.unit {
            let _ = write!(out, "[{unit}]");
        }
        out
    }
}

/// One field of a structured dtype.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Field {
    /// The field name; `""` for padding fields.
    pub name: String,
    /// The optional title (`(('title', 'name'), '<f8')`).
    pub title: Option<String>,
    /// The field's dtype.
    pub descr: Descr,
    /// The sub-array shape (`('x', '<f8', (2, 3))`); empty for a plain field.
    pub shape: Vec<u64>,
}

/// A `.npy` dtype descriptor.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Descr {
    /// A plain dtype, written as a type string.
    Simple(TypeStr),
    /// A structured dtype, written as a list of fields (padding fields included).
    Structured(Vec<Field>),
}

impl Descr {
    /// Bytes per element, or `None` on overflow.
    pub fn itemsize(&self) -> Option<u64> {
        match self {
            Self::Simple(type_str) => type_str.itemsize(),
            Self::Structured(fields) => fields.iter().try_fold(0u64, |total, field| {
                let count = field
                    .shape
                    .iter()
                    .try_fold(1u64, |count, &dim| count.checked_mul(dim))?;
                total.checked_add(field.descr.itemsize()?.checked_mul(count)?)
            }),
        }
    }

    /// Whether the dtype is or contains `object` (which only pickle can load).
    pub fn contains_object(&self) -> bool {
        match self {
            Self::Simple(type_str) => type_str.kind == 'O',
            Self::Structured(fields) => fields.iter().any(|field| field.descr.contains_object()),
        }
    }

    /// The descriptor written exactly as numpy's `.npy` header writes it (Python `repr`).
    pub fn to_python_repr(&self) -> String {
        let mut out = String::new();
        self.write_repr(&mut out);
        out
    }

    fn write_repr(&self, out: &mut String) {
        match self {
            Self::Simple(type_str) => out.push_str(&pylit::str_repr(&type_str.to_type_string())),
            Self::Structured(fields) => {
                out.push('[');
                for (index, field) in fields.iter().enumerate() {
                    if index > 0 {
                        out.push_str(", ");
                    }
                    out.push('(');
                    match &field.title {
                        Some(title) => {
                            let _ = write!(
                                out,
                                "({}, {})",
                                pylit::str_repr(title),
                                pylit::str_repr(&field.name)
                            );
                        }
                        None => out.push_str(&pylit::str_repr(&field.name)),
                    }
                    out.push_str(", ");
                    field.descr.write_repr(out);
                    if !field.shape.is_empty() {
                        out.push_str(", ");
                        out.push_str(&shape_repr(&field.shape));
                    }
                    out.push(')');
                }
                out.push(']');
            }
        }
    }

    /// Parses a descriptor from its Python literal text (`'<f8'`, `[('a', '<i4')]`), with
    /// the default [`Limits`].
    pub fn parse(text: &str) -> Result<Self> {
        Self::parse_with_limits(text, &Limits::default())
    }

    /// Parses a descriptor from its Python literal text under `limits`.
    pub fn parse_with_limits(text: &str, limits: &Limits) -> Result<Self> {
        let value = pylit::parse(
            text,
            ParseOptions {
                max_depth: limits.max_npy_header_depth,
                allow_long_suffix: false,
            },
        )?;
        Self::from_literal(&value, limits)
    }

    /// Builds a descriptor from a parsed header value, counting fields against the limits.
    pub(crate) fn from_literal(value: &PyValue, limits: &Limits) -> Result<Self> {
        let mut field_count = 0u64;
        Self::from_value(value, limits, &mut field_count)
    }

    fn from_value(value: &PyValue, limits: &Limits, field_count: &mut u64) -> Result<Self> {
        match value {
            PyValue::Str(text) => Ok(Self::Simple(TypeStr::parse(text)?)),
            PyValue::List(items) => {
                let mut fields = Vec::with_capacity(items.len());
                let mut names = HashSet::new();
                for item in items {
                    *field_count += 1;
                    Limits::check(
                        "`.npy` dtype field count",
                        *field_count,
                        limits.max_dtype_fields,
                    )?;
                    let field = Field::from_value(item, limits, field_count)?;
                    if !field.name.is_empty() && !names.insert(field.name.clone()) {
                        return Err(invalid_descr(item, "duplicate field name"));
                    }
                    fields.push(field);
                }
                Ok(Self::Structured(fields))
            }
            _ => Err(invalid_descr(
                value,
                "expected a type string or a list of fields",
            )),
        }
    }
}

impl Field {
    fn from_value(value: &PyValue, limits: &Limits, field_count: &mut u64) -> Result<Self> {
        let PyValue::Tuple(parts) = value else {
            return Err(invalid_descr(value, "a field must be a tuple"));
        };
        let (name_value, descr_value, shape_value) = match parts.as_slice() {
            [name, descr] => (name, descr, None),
            [name, descr, shape] => (name, descr, Some(shape)),
            _ => return Err(invalid_descr(value, "a field must have 2 or 3 items")),
        };
        let (title, name) = match name_value {
            PyValue::Str(name) => (None, name.clone()),
            PyValue::Tuple(pair) => match pair.as_slice() {
                [PyValue::Str(title), PyValue::Str(name)] => (Some(title.clone()), name.clone()),
                _ => return Err(invalid_descr(value, "a titled field needs `(title, name)`")),
            },
            _ => return Err(invalid_descr(value, "a field name must be a string")),
        };
        let descr = Descr::from_value(descr_value, limits, field_count)?;
        let shape = match shape_value {
            None => Vec::new(),
            Some(PyValue::Tuple(dims)) if !dims.is_empty() => {
                Limits::check(
                    "`.npy` sub-array rank",
                    dims.len() as u64,
                    limits.max_array_rank,
                )?;
                dims.iter()
                    .map(|dim| match dim {
                        PyValue::Int(dim) => u64::try_from(*dim).ok(),
                        _ => None,
                    })
                    .collect::<Option<Vec<u64>>>()
                    .ok_or_else(|| {
                        invalid_descr(value, "sub-array dimensions must be non-negative integers")
                    })?
            }
            Some(_) => {
                return Err(invalid_descr(
                    value,
                    "a sub-array shape must be a non-empty tuple",
                ));
            }
        };
        Ok(Self {
            name,
            title,
            descr,
            shape,
        })
    }
}

/// Longest descriptor text quoted in an error; hostile headers can be a megabyte long.
const MAX_QUOTED_DESCR_CHARS: usize = 200;

fn invalid_descr(value: &PyValue, reason: &str) -> Error {
    let mut descr = value.to_repr();
    if let Some((cut, _)) = descr.char_indices().nth(MAX_QUOTED_DESCR_CHARS) {
        descr.truncate(cut);
        descr.push_str("...");
    }
    Error::Npy(NpyError::InvalidDescr {
        descr,
        reason: reason.to_owned(),
    })
}

/// A shape written as Python writes a tuple of ints: `()`, `(5,)`, `(2, 3)`.
pub(crate) fn shape_repr(shape: &[u64]) -> String {
    let mut out = String::from("(");
    for (index, dim) in shape.iter().enumerate() {
        if index > 0 {
            out.push_str(", ");
        }
        let _ = write!(out, "{dim}");
    }
    if shape.len() == 1 {
        out.push(',');
    }
    out.push(')');
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn simple_type_strings_round_trip() {
        for text in [
            "<f8",
            ">f8",
            "|b1",
            "<f2",
            "<f16",
            "<c16",
            "<c32",
            "|i1",
            "|u1",
            "<i8",
            ">u4",
            "<U2",
            "|S3",
            "|S0",
            "|V7",
            "<M8[ns]",
            "<m8[s]",
            "<M8",
            "<M8[25s]",
            "<M8[generic]",
            "=i4",
            "|O",
            "|O8",
        ] {
            let type_str = TypeStr::parse(text).unwrap();
            assert_eq!(type_str.to_type_string(), text);
            let descr = Descr::parse(&format!("'{text}'")).unwrap();
            assert_eq!(descr.to_python_repr(), format!("'{text}'"));
        }
    }

    #[test]
    fn itemsizes() {
        let size = |text: &str| Descr::parse(text).unwrap().itemsize();
        assert_eq!(size("'<U2'"), Some(8));
        assert_eq!(size("'|S3'"), Some(3));
        assert_eq!(size("'<M8[ns]'"), Some(8));
        assert_eq!(size("'<c16'"), Some(16));
        assert_eq!(
            size("[('a', '<f8', (2, 3)), ('', '|V4'), ('n', [('x', '|u1')], (5,))]"),
            Some(57)
        );
        assert_eq!(size("[]"), Some(0));
        assert_eq!(size("'<U18446744073709551615'"), None);
        assert_eq!(size("[('a', '<f8', (4294967296, 4294967296))]"), None);
    }

    #[test]
    fn bad_type_strings() {
        for text in [
            "",
            "f8",
            "<",
            "<x8",
            "<f3",
            "<i3",
            "|b2",
            "<M4",
            "<f8[ns]",
            "<M8[xs]",
            "<M8[ns",
            "<U",
            "<i-8",
            "<i8 ",
            "<U99999999999999999999999",
            "<M8[0s]",
            "<c4",
        ] {
            assert!(TypeStr::parse(text).is_err(), "{text:?} should be refused");
        }
    }

    #[test]
    fn structured_repr_is_numpy_exact() {
        let text = "[(('T1', 'a'), '<f8'), ('b', '<i4', (2,)), ('n', [('x', '|u1')], (2, 3)), ('', '|V7')]";
        let descr = Descr::parse(text).unwrap();
        assert_eq!(descr.to_python_repr(), text);
        let Descr::Structured(fields) = &descr else {
            panic!("structured expected")
        };
        assert_eq!(fields[0].title.as_deref(), Some("T1"));
        assert_eq!(fields[1].shape, vec![2]);
        assert!(!descr.contains_object());
    }

    #[test]
    fn long_descriptors_are_shortened_in_errors() {
        let text = format!("[('a', '<f8', 3), {}]", "('b', '<f8'), ".repeat(100));
        let error = Descr::parse(&text).unwrap_err();
        let Error::Npy(NpyError::InvalidDescr { descr, .. }) = &error else {
            panic!("{error}")
        };
        assert_eq!(descr, "('a', '<f8', 3)");
        let list = PyValue::List(vec![PyValue::Str("x".repeat(500))]);
        let Error::Npy(NpyError::InvalidDescr { descr, .. }) = invalid_descr(&list, "test") else {
            panic!("wrong variant")
        };
        assert_eq!(descr.chars().count(), 203);
        assert!(descr.ends_with("..."));
    }

    #[test]
    fn object_found_when_nested() {
        assert!(Descr::parse("'|O'").unwrap().contains_object());
        assert!(
            Descr::parse("[('a', [('b', '|O')])]")
                .unwrap()
                .contains_object()
        );
    }

    #[test]
    fn bad_structures() {
        for text in [
            "[('a',)]",
            "[('a', '<f8', ())]",
            "[('a', '<f8', (-1,))]",
            "[('a', '<f8', 3)]",
            "[(1, '<f8')]",
            "[['a', '<f8']]",
            "[('a', '<f8'), ('a', '<i4')]",
            "[('a', '<f8', (1,), 4)]",
            "3",
            "('<f8', (2,))",
        ] {
            assert!(Descr::parse(text).is_err(), "{text:?} should be refused");
        }
        // Padding fields may repeat.
        assert!(Descr::parse("[('', '|V1'), ('', '|V2')]").is_ok());
    }

    #[test]
    fn field_count_is_limited_with_nesting() {
        let limits = Limits {
            max_dtype_fields: 3,
            ..Limits::default()
        };
        assert!(Descr::parse_with_limits("[('a', [('b', '<f8'), ('c', '<f8')])]", &limits).is_ok());
        let error = Descr::parse_with_limits(
            "[('a', [('b', '<f8'), ('c', '<f8')]), ('d', '<f8')]",
            &limits,
        )
        .unwrap_err();
        assert!(
            matches!(
                error,
                Error::LimitExceeded {
                    value: 4,
                    limit: 3,
                    ..
                }
            ),
            "{error}"
        );
    }
}
