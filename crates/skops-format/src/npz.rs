//! scipy sparse matrices as `scipy.sparse.save_npz` stores them: named `.npy` members.
//!
//! The `.npz` itself is a zip archive; this module works on its members (names and bytes),
//! so it is independent of the zip reader. It checks the basic structure `load_npz` relies
//! on: the members a format needs are present and no others, `format` names a format scipy
//! can save, `shape` is two non-negative integers, and the index arrays agree in length with
//! `data` and `shape`. Whether indices are in range is left to deeper validation.

use crate::error::NpzError;
use crate::limits::Limits;
use crate::npy::{ByteOrder, Descr, NpyHeader, NpyView, TypeStr, read_npy, write_npy};
use crate::{Error, Result};

/// A sparse format `save_npz` can write.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SparseFormat {
    /// Compressed sparse rows: `indices`, `indptr`, `data`.
    Csr,
    /// Compressed sparse columns: `indices`, `indptr`, `data`.
    Csc,
    /// Block sparse rows: `indices`, `indptr`, 3-d `data`.
    Bsr,
    /// Coordinates: `row`, `col`, `data`.
    Coo,
    /// Diagonals: `offsets`, 2-d `data`.
    Dia,
}

impl SparseFormat {
    /// The name scipy stores in the `format` member (`csr`, `coo`, ...).
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Csr => "csr",
            Self::Csc => "csc",
            Self::Bsr => "bsr",
            Self::Coo => "coo",
            Self::Dia => "dia",
        }
    }

    /// The format named `name`, if `save_npz` can write it.
    pub fn from_name(name: &str) -> Option<Self> {
        match name {
            "csr" => Some(Self::Csr),
            "csc" => Some(Self::Csc),
            "bsr" => Some(Self::Bsr),
            "coo" => Some(Self::Coo),
            "dia" => Some(Self::Dia),
            _ => None,
        }
    }

    /// The members holding this format's index arrays, in `save_npz`'s order.
    fn index_members(self) -> &'static [&'static str] {
        match self {
            Self::Csr | Self::Csc | Self::Bsr => &["indices", "indptr"],
            Self::Coo => &["row", "col"],
            Self::Dia => &["offsets"],
        }
    }
}

/// One `.npy` member of a sparse `.npz`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SparseMember<'a> {
    /// The member name without `.npy` (`indptr`, `data`, ...).
    pub name: String,
    /// The parsed array.
    pub array: NpyView<'a>,
}

/// A sparse matrix or array read from the members of a `save_npz` archive.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sparse<'a> {
    /// The format named by the `format` member.
    pub format: SparseFormat,
    /// The matrix shape from the `shape` member.
    pub shape: (u64, u64),
    /// Whether `_is_array` is present and true (a `sparray` rather than an `spmatrix`).
    pub is_array: bool,
    /// All members, in archive order (`format`, `shape` and `_is_array` included).
    pub members: Vec<SparseMember<'a>>,
}

impl<'a> Sparse<'a> {
    /// Parses and checks the members of a `save_npz` archive, given as (`name.npy`, bytes).
    pub fn from_members(members: Vec<(&'a str, &'a [u8])>, limits: &Limits) -> Result<Self> {
        let mut parsed: Vec<SparseMember<'a>> = Vec::with_capacity(members.len());
        for (file_name, bytes) in members {
            let Some(name) = file_name.strip_suffix(".npy") else {
                return Err(unexpected("unknown", file_name));
            };
            if parsed.iter().any(|member| member.name == name) {
                return Err(unexpected("unknown", file_name));
            }
            let array = read_npy(bytes, limits).map_err(|source| {
                Error::Npz(NpzError::Member {
                    name: file_name.to_owned(),
                    source: Box::new(source),
                })
            })?;
            parsed.push(SparseMember {
                name: name.to_owned(),
                array,
            });
        }
        let find = |name: &str| parsed.iter().find(|member| member.name == name);

        let format_view = &find("format")
            .ok_or_else(|| missing("unknown", "format"))?
            .array;
        let format_name = decode_format(format_view)?;
        let format =
            SparseFormat::from_name(&format_name).ok_or(Error::Npz(NpzError::UnknownFormat {
                format: format_name.escape_debug().to_string(),
            }))?;
        let format_text = format.as_str();

        let expected = |name: &str| {
            format.index_members().contains(&name)
                || matches!(name, "format" | "shape" | "data" | "_is_array")
        };
        if let Some(member) = parsed.iter().find(|member| !expected(&member.name)) {
            return Err(unexpected(format_text, &member.name));
        }
        for &name in format.index_members().iter().chain(&["shape", "data"]) {
            if find(name).is_none() {
                return Err(missing(format_text, name));
            }
        }
        let view = |name: &str| {
            find(name)
                .map(|member| &member.array)
                .ok_or_else(|| missing(format_text, name))
        };

        let shape = decode_shape(view("shape")?)?;
        let is_array = match find("_is_array") {
            None => false,
            Some(member) => decode_bool(&member.array)?,
        };
        check_structure(format, shape, &view)?;
        Ok(Self {
            format,
            shape,
            is_array,
            members: parsed,
        })
    }

    /// The member named `name` (without `.npy`).
    pub fn member(&self, name: &str) -> Option<&NpyView<'a>> {
        self.members
            .iter()
            .find(|member| member.name == name)
            .map(|member| &member.array)
    }
}

/// The `.npy` members `save_npz` writes for a sparse matrix, as (`name.npy`, bytes) in its
/// order: the index arrays, `format`, `shape`, `data`, then `_is_array` for sparse arrays.
///
/// `arrays` holds the format's index arrays and `data` (names with or without `.npy`);
/// `format`, `shape` and `_is_array` are generated.
pub fn sparse_to_members(
    format: SparseFormat,
    shape: (u64, u64),
    is_array: bool,
    arrays: &[(&str, NpyHeader, &[u8])],
) -> Result<Vec<(String, Vec<u8>)>> {
    let format_text = format.as_str();
    let given = |name: &str| {
        arrays
            .iter()
            .find(|(given, _, _)| given.strip_suffix(".npy").unwrap_or(given) == name)
    };
    for (index, (name, _, _)) in arrays.iter().enumerate() {
        let bare = name.strip_suffix(".npy").unwrap_or(name);
        let duplicate = arrays
            .iter()
            .take(index)
            .any(|(other, _, _)| other.strip_suffix(".npy").unwrap_or(other) == bare);
        if duplicate || !(format.index_members().contains(&bare) || bare == "data") {
            return Err(unexpected(format_text, name));
        }
    }
    let mut out = Vec::new();
    for &name in format.index_members() {
        let (_, header, data) = given(name).ok_or_else(|| missing(format_text, name))?;
        out.push((format!("{name}.npy"), write_npy(header, data)?));
    }
    let bytes_descr = |size: u64| {
        Descr::Simple(TypeStr {
            byte_order: ByteOrder::NotApplicable,
            kind: 'S',
            size,
            unit: None,
        })
    };
    let format_header = NpyHeader {
        descr: bytes_descr(format_text.len() as u64),
        fortran_order: false,
        shape: Vec::new(),
    };
    out.push((
        "format.npy".to_owned(),
        write_npy(&format_header, format_text.as_bytes())?,
    ));
    let shape_header = NpyHeader {
        descr: Descr::Simple(TypeStr {
            byte_order: ByteOrder::Little,
            kind: 'i',
            size: 8,
            unit: None,
        }),
        fortran_order: false,
        shape: vec![2],
    };
    let mut shape_data = Vec::with_capacity(16);
    for dim in [shape.0, shape.1] {
        let dim = i64::try_from(dim).map_err(|_| {
            Error::Npz(NpzError::InvalidStructure {
                reason: format!("shape dimension {dim} does not fit in `int64`"),
            })
        })?;
        shape_data.extend_from_slice(&dim.to_le_bytes());
    }
    out.push((
        "shape.npy".to_owned(),
        write_npy(&shape_header, &shape_data)?,
    ));
    let (_, header, data) = given("data").ok_or_else(|| missing(format_text, "data"))?;
    out.push(("data.npy".to_owned(), write_npy(header, data)?));
    if is_array {
        let bool_header = NpyHeader {
            descr: Descr::Simple(TypeStr {
                byte_order: ByteOrder::NotApplicable,
                kind: 'b',
                size: 1,
                unit: None,
            }),
            fortran_order: false,
            shape: Vec::new(),
        };
        out.push(("_is_array.npy".to_owned(), write_npy(&bool_header, &[1])?));
    }
    Ok(out)
}

fn missing(format: &str, name: &str) -> Error {
    Error::Npz(NpzError::MissingMember {
        format: format.to_owned(),
        name: name.to_owned(),
    })
}

fn unexpected(format: &str, name: &str) -> Error {
    Error::Npz(NpzError::UnexpectedMember {
        format: format.to_owned(),
        name: name.to_owned(),
    })
}

fn invalid(reason: String) -> Error {
    Error::Npz(NpzError::InvalidStructure { reason })
}

fn simple_type<'v>(view: &'v NpyView<'_>) -> Option<&'v TypeStr> {
    match &view.header.descr {
        Descr::Simple(type_str) => Some(type_str),
        Descr::Structured(_) => None,
    }
}

/// The text of the 0-d `format` member: `|S3` bytes (or `<U3` from old Python 2 files).
fn decode_format(view: &NpyView<'_>) -> Result<String> {
    let not_text = || invalid("`format` is not a 0-d byte or unicode string".to_owned());
    if !view.header.shape.is_empty() {
        return Err(not_text());
    }
    let type_str = simple_type(view).ok_or_else(not_text)?;
    match type_str.kind {
        // numpy drops trailing NULs of `S` items.
        'S' => {
            let bytes = view.data;
            let end = bytes
                .iter()
                .rposition(|&byte| byte != 0)
                .map_or(0, |at| at + 1);
            let text = bytes.get(..end).unwrap_or_default();
            Ok(String::from_utf8_lossy(text).into_owned())
        }
        'U' => {
            let big_endian = type_str.byte_order == ByteOrder::Big;
            let text: Option<String> = view
                .data
                .chunks_exact(4)
                .map(|chunk| {
                    let raw = <[u8; 4]>::try_from(chunk).ok()?;
                    let code = if big_endian {
                        u32::from_be_bytes(raw)
                    } else {
                        u32::from_le_bytes(raw)
                    };
                    Some(char::from_u32(code))
                })
                .collect::<Option<Vec<Option<char>>>>()
                .and_then(|chars| chars.into_iter().collect());
            let text = text.ok_or_else(not_text)?;
            Ok(text.trim_end_matches('\0').to_owned())
        }
        _ => Err(not_text()),
    }
}

/// Reads a 1-d integer array as `i128`s (enough for every integer dtype).
fn decode_ints(view: &NpyView<'_>, what: &str) -> Result<Vec<i128>> {
    let not_ints = || invalid(format!("`{what}` is not a 1-d integer array"));
    let type_str = simple_type(view).ok_or_else(not_ints)?;
    let size = usize::try_from(type_str.size).map_err(|_| not_ints())?;
    if view.header.shape.len() != 1
        || !matches!(type_str.kind, 'i' | 'u')
        || !(1..=8).contains(&size)
    {
        return Err(not_ints());
    }
    let big_endian = type_str.byte_order == ByteOrder::Big;
    let signed = type_str.kind == 'i';
    Ok(view
        .data
        .chunks_exact(size)
        .map(|chunk| {
            let mut value: u128 = 0;
            let mut push = |byte: u8| value = (value << 8) | u128::from(byte);
            if big_endian {
                chunk.iter().copied().for_each(&mut push);
            } else {
                chunk.iter().rev().copied().for_each(&mut push);
            }
            let bits = 8 * size as u32;
            if signed && bits < 128 && value >> (bits - 1) == 1 {
                value as i128 - (1i128 << bits)
            } else {
                value as i128
            }
        })
        .collect())
}

fn decode_shape(view: &NpyView<'_>) -> Result<(u64, u64)> {
    let dims = decode_ints(view, "shape")?;
    match dims.as_slice() {
        &[rows, cols] => match (u64::try_from(rows), u64::try_from(cols)) {
            (Ok(rows), Ok(cols)) => Ok((rows, cols)),
            _ => Err(invalid(format!("`shape` ({rows}, {cols}) is negative"))),
        },
        _ => Err(invalid(format!(
            "`shape` has {} dimensions, expected 2",
            dims.len()
        ))),
    }
}

fn decode_bool(view: &NpyView<'_>) -> Result<bool> {
    let is_bool = simple_type(view).is_some_and(|type_str| type_str.kind == 'b');
    match view.data {
        [byte] if is_bool && view.header.shape.is_empty() => Ok(*byte != 0),
        _ => Err(invalid("`_is_array` is not a 0-d bool".to_owned())),
    }
}

/// Length of the only axis of a 1-d integer member.
fn index_len(view: &NpyView<'_>, what: &str) -> Result<u64> {
    let type_str = simple_type(view);
    match view.header.shape.as_slice() {
        &[len] if type_str.is_some_and(|type_str| matches!(type_str.kind, 'i' | 'u')) => Ok(len),
        _ => Err(invalid(format!("`{what}` is not a 1-d integer array"))),
    }
}

fn check_structure<'v>(
    format: SparseFormat,
    shape: (u64, u64),
    view: &dyn Fn(&str) -> Result<&'v NpyView<'v>>,
) -> Result<()> {
    let data = view("data")?;
    let data_shape = data.header.shape.as_slice();
    let mismatch = |what: &str, found: u64, expected: u64| {
        invalid(format!("`{what}` has length {found}, expected {expected}"))
    };
    match format {
        SparseFormat::Csr | SparseFormat::Csc => {
            let &[nnz] = data_shape else {
                return Err(invalid("`data` is not 1-d".to_owned()));
            };
            let indices = index_len(view("indices")?, "indices")?;
            if indices != nnz {
                return Err(mismatch("indices", indices, nnz));
            }
            let major = if format == SparseFormat::Csr {
                shape.0
            } else {
                shape.1
            };
            let indptr = index_len(view("indptr")?, "indptr")?;
            let expected = major
                .checked_add(1)
                .ok_or_else(|| mismatch("indptr", indptr, major))?;
            if indptr != expected {
                return Err(mismatch("indptr", indptr, expected));
            }
        }
        SparseFormat::Bsr => {
            let &[blocks, block_rows, block_cols] = data_shape else {
                return Err(invalid("`data` of a `bsr` matrix is not 3-d".to_owned()));
            };
            if block_rows == 0
                || block_cols == 0
                || shape.0 % block_rows != 0
                || shape.1 % block_cols != 0
            {
                return Err(invalid(format!(
                    "block size ({block_rows}, {block_cols}) does not divide shape ({}, {})",
                    shape.0, shape.1
                )));
            }
            let indices = index_len(view("indices")?, "indices")?;
            if indices != blocks {
                return Err(mismatch("indices", indices, blocks));
            }
            let indptr = index_len(view("indptr")?, "indptr")?;
            let expected = shape.0 / block_rows + 1;
            if indptr != expected {
                return Err(mismatch("indptr", indptr, expected));
            }
        }
        SparseFormat::Coo => {
            let &[nnz] = data_shape else {
                return Err(invalid("`data` is not 1-d".to_owned()));
            };
            for name in ["row", "col"] {
                let len = index_len(view(name)?, name)?;
                if len != nnz {
                    return Err(mismatch(name, len, nnz));
                }
            }
        }
        SparseFormat::Dia => {
            let &[diagonals, _] = data_shape else {
                return Err(invalid("`data` of a `dia` matrix is not 2-d".to_owned()));
            };
            let offsets = index_len(view("offsets")?, "offsets")?;
            if offsets != diagonals {
                return Err(mismatch("offsets", offsets, diagonals));
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use crate::error::NpyError;
    use std::path::PathBuf;

    use super::*;

    fn npz_dir() -> PathBuf {
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/data/npz")
    }

    /// Members of a `save_npz` zip, read from its local headers. Test-only stand-in for the
    /// crate's zip reader: deflate streams end by themselves, so compressed sizes (which
    /// `np.savez` keeps in zip64 extra fields) are not needed.
    fn unzip(bytes: &[u8]) -> Vec<(String, Vec<u8>)> {
        let mut members = Vec::new();
        let mut pos = 0;
        while bytes[pos..].starts_with(b"PK\x03\x04") {
            let u16_at = |at: usize| u16::from_le_bytes([bytes[at], bytes[at + 1]]) as usize;
            assert_eq!(u16_at(pos + 6) & 8, 0, "data descriptors are not handled");
            assert_eq!(u16_at(pos + 8), 8, "members are deflated");
            let name_len = u16_at(pos + 26);
            let extra_len = u16_at(pos + 28);
            let name = std::str::from_utf8(&bytes[pos + 30..pos + 30 + name_len]).unwrap();
            let start = pos + 30 + name_len + extra_len;
            let mut inflater = flate2::Decompress::new(false);
            let mut out = Vec::with_capacity(1 << 20);
            let status = inflater
                .decompress_vec(&bytes[start..], &mut out, flate2::FlushDecompress::Finish)
                .unwrap();
            assert_eq!(status, flate2::Status::StreamEnd);
            members.push((name.to_owned(), out));
            pos = start + inflater.total_in() as usize;
        }
        members
    }

    fn reference(name: &str) -> Vec<(String, Vec<u8>)> {
        unzip(&std::fs::read(npz_dir().join(format!("{name}.npz"))).unwrap())
    }

    fn parse<'a>(members: &'a [(String, Vec<u8>)]) -> Result<Sparse<'a>> {
        let members = members
            .iter()
            .map(|(name, bytes)| (name.as_str(), bytes.as_slice()))
            .collect();
        Sparse::from_members(members, &Limits::default())
    }

    #[test]
    fn reference_files_parse_and_rewrite_bit_identically() {
        let cases = [
            ("csr_matrix", SparseFormat::Csr, (4, 6), false, 7),
            ("csc_matrix", SparseFormat::Csc, (4, 6), false, 7),
            ("coo_matrix", SparseFormat::Coo, (4, 6), false, 7),
            ("bsr_matrix", SparseFormat::Bsr, (4, 6), false, 4),
            ("dia_matrix", SparseFormat::Dia, (4, 6), false, 5),
            ("csr_array", SparseFormat::Csr, (4, 6), true, 7),
            ("coo_array_int", SparseFormat::Coo, (4, 6), true, 7),
            ("csr_empty", SparseFormat::Csr, (3, 0), false, 0),
        ];
        for (name, format, shape, is_array, data_len) in cases {
            let members = reference(name);
            let sparse = parse(&members).unwrap_or_else(|error| panic!("{name}: {error}"));
            assert_eq!(sparse.format, format, "{name}");
            assert_eq!(sparse.shape, shape, "{name}");
            assert_eq!(sparse.is_array, is_array, "{name}");
            let data = sparse.member("data").unwrap();
            assert_eq!(data.header.shape.first().copied(), Some(data_len), "{name}");
            assert!(sparse.member("format").is_some());
            assert!(sparse.member("nothing").is_none());

            let arrays: Vec<(&str, NpyHeader, &[u8])> = sparse
                .members
                .iter()
                .filter(|member| {
                    format.index_members().contains(&member.name.as_str()) || member.name == "data"
                })
                .map(|member| {
                    (
                        member.name.as_str(),
                        member.array.header.clone(),
                        member.array.data,
                    )
                })
                .collect();
            let written = sparse_to_members(format, shape, is_array, &arrays).unwrap();
            assert!(written == members, "{name}: members differ");
        }
    }

    #[test]
    fn csr_contents() {
        let members = reference("csr_matrix");
        let sparse = parse(&members).unwrap();
        let indptr = decode_ints(sparse.member("indptr").unwrap(), "indptr").unwrap();
        assert_eq!(indptr, vec![0, 2, 2, 5, 7]);
        let indices = decode_ints(sparse.member("indices").unwrap(), "indices").unwrap();
        assert_eq!(indices, vec![1, 4, 0, 2, 5, 1, 3]);
        let names: Vec<&str> = sparse
            .members
            .iter()
            .map(|member| member.name.as_str())
            .collect();
        assert_eq!(names, ["indices", "indptr", "format", "shape", "data"]);
    }

    fn without(members: &[(String, Vec<u8>)], name: &str) -> Vec<(String, Vec<u8>)> {
        members
            .iter()
            .filter(|(member, _)| member != name)
            .cloned()
            .collect()
    }

    fn replaced(
        members: &[(String, Vec<u8>)],
        name: &str,
        bytes: Vec<u8>,
    ) -> Vec<(String, Vec<u8>)> {
        members
            .iter()
            .map(|(member, old)| {
                (
                    member.clone(),
                    if member == name {
                        bytes.clone()
                    } else {
                        old.clone()
                    },
                )
            })
            .collect()
    }

    fn npy(descr: &str, shape: Vec<u64>, data: &[u8]) -> Vec<u8> {
        let header = NpyHeader {
            descr: Descr::parse(descr).unwrap(),
            fortran_order: false,
            shape,
        };
        write_npy(&header, data).unwrap()
    }

    #[test]
    fn missing_and_unexpected_members() {
        let members = reference("csr_matrix");
        for name in ["indices.npy", "indptr.npy", "shape.npy", "data.npy"] {
            let error = parse(&without(&members, name)).unwrap_err();
            assert!(
                matches!(&error, Error::Npz(NpzError::MissingMember { format, name: missing }) if format == "csr" && format!("{missing}.npy") == name),
                "{error}"
            );
        }
        let error = parse(&without(&members, "format.npy")).unwrap_err();
        assert!(
            matches!(error, Error::Npz(NpzError::MissingMember { .. })),
            "{error}"
        );

        let mut extra = members.clone();
        extra.push(("row.npy".to_owned(), npy("'<i4'", vec![0], &[])));
        let error = parse(&extra).unwrap_err();
        assert!(
            matches!(&error, Error::Npz(NpzError::UnexpectedMember { format, name }) if format == "csr" && name == "row"),
            "{error}"
        );
        let mut duplicate = members.clone();
        duplicate.push(members[0].clone());
        assert!(matches!(
            parse(&duplicate),
            Err(Error::Npz(NpzError::UnexpectedMember { .. }))
        ));
        let mut not_npy = members.clone();
        not_npy.push(("notes.txt".to_owned(), b"hi".to_vec()));
        assert!(matches!(
            parse(&not_npy),
            Err(Error::Npz(NpzError::UnexpectedMember { .. }))
        ));
    }

    #[test]
    fn bad_members_are_named() {
        let members = reference("coo_matrix");
        let error = parse(&replaced(&members, "row.npy", b"garbage".to_vec())).unwrap_err();
        assert!(
            matches!(&error, Error::Npz(NpzError::Member { name, source }) if name == "row.npy" && matches!(**source, Error::Npy(NpyError::BadMagic))),
            "{error}"
        );
    }

    #[test]
    fn unknown_or_malformed_format() {
        let members = reference("csr_matrix");
        let lil = replaced(&members, "format.npy", npy("'|S3'", vec![], b"lil"));
        assert!(
            matches!(parse(&lil), Err(Error::Npz(NpzError::UnknownFormat { format })) if format == "lil")
        );
        let unicode = replaced(
            &members,
            "format.npy",
            npy(
                "'<U3'",
                vec![],
                &[b'c', 0, 0, 0, b's', 0, 0, 0, b'r', 0, 0, 0],
            ),
        );
        assert!(parse(&unicode).is_ok());
        let one_d = replaced(&members, "format.npy", npy("'|S3'", vec![1], b"csr"));
        assert!(matches!(
            parse(&one_d),
            Err(Error::Npz(NpzError::InvalidStructure { .. }))
        ));
        let padded = replaced(&members, "format.npy", npy("'|S5'", vec![], b"csr\0\0"));
        assert!(parse(&padded).is_ok());
    }

    #[test]
    fn bad_shapes_and_lengths() {
        let members = reference("csr_matrix");
        let cases = [
            ("shape.npy", npy("'<i8'", vec![3], &[0; 24])),
            ("shape.npy", npy("'<f8'", vec![2], &[0; 16])),
            ("shape.npy", npy("'<i8'", vec![2], &[0xff; 16])),
            (
                "shape.npy",
                npy(
                    "'<i8'",
                    vec![2],
                    &[5, 0, 0, 0, 0, 0, 0, 0, 6, 0, 0, 0, 0, 0, 0, 0],
                ),
            ),
            ("indices.npy", npy("'<i4'", vec![6], &[0; 24])),
            ("indices.npy", npy("'<f4'", vec![7], &[0; 28])),
            ("data.npy", npy("'<f8'", vec![7, 1], &[0; 56])),
            (
                "_is_array.npy",
                npy("'<i8'", vec![], &[1, 0, 0, 0, 0, 0, 0, 0]),
            ),
        ];
        for (name, bytes) in cases {
            let mut members = replaced(&members, name, bytes.clone());
            if !members.iter().any(|(member, _)| member == name) {
                members.push((name.to_owned(), bytes));
            }
            let error = parse(&members).unwrap_err();
            assert!(
                matches!(error, Error::Npz(NpzError::InvalidStructure { .. })),
                "{name}: {error}"
            );
        }
        let big_endian_shape = replaced(
            &members,
            "shape.npy",
            npy("'>i4'", vec![2], &[0, 0, 0, 4, 0, 0, 0, 6]),
        );
        assert_eq!(parse(&big_endian_shape).unwrap().shape, (4, 6));
    }

    #[test]
    fn bsr_and_dia_structure() {
        let bsr = reference("bsr_matrix");
        let wrong_blocks = replaced(&bsr, "data.npy", npy("'<f8'", vec![4, 4, 3], &[0; 384]));
        assert!(matches!(
            parse(&wrong_blocks),
            Err(Error::Npz(NpzError::InvalidStructure { .. }))
        ));
        let dia = reference("dia_matrix");
        let wrong_offsets = replaced(&dia, "offsets.npy", npy("'<i4'", vec![1], &[0; 4]));
        assert!(matches!(
            parse(&wrong_offsets),
            Err(Error::Npz(NpzError::InvalidStructure { .. }))
        ));
    }

    #[test]
    fn writer_refuses_wrong_arrays() {
        let header = NpyHeader {
            descr: Descr::parse("'<i4'").unwrap(),
            fortran_order: false,
            shape: vec![0],
        };
        let only_data = [("data", header.clone(), &[][..])];
        assert!(matches!(
            sparse_to_members(SparseFormat::Coo, (1, 1), false, &only_data),
            Err(Error::Npz(NpzError::MissingMember { .. }))
        ));
        let with_row = [
            ("data", header.clone(), &[][..]),
            ("indptr.npy", header.clone(), &[][..]),
        ];
        assert!(matches!(
            sparse_to_members(SparseFormat::Coo, (1, 1), false, &with_row),
            Err(Error::Npz(NpzError::UnexpectedMember { .. }))
        ));
        let dia = [
            ("data", header.clone(), &[][..]),
            ("offsets.npy", header.clone(), &[][..]),
        ];
        assert!(matches!(
            sparse_to_members(SparseFormat::Dia, (u64::MAX, 1), false, &dia),
            Err(Error::Npz(NpzError::InvalidStructure { .. }))
        ));
        let written = sparse_to_members(SparseFormat::Dia, (2, 3), true, &dia).unwrap();
        let names: Vec<&str> = written.iter().map(|(name, _)| name.as_str()).collect();
        assert_eq!(
            names,
            [
                "offsets.npy",
                "format.npy",
                "shape.npy",
                "data.npy",
                "_is_array.npy"
            ]
        );
    }
}
