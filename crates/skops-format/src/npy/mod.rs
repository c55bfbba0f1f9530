//! `.npy` arrays (format versions 1.0, 2.0 and 3.0): a zero-copy reader and a writer whose
//! output is byte-identical to numpy 2.4's `np.save(..., allow_pickle=False)`.
//!
//! Layout: the magic `\x93NUMPY`, two version bytes, the header length (little-endian `u16`
//! in version 1, `u32` in versions 2 and 3), the header (a Python literal dict, latin-1 in
//! versions 1 and 2, UTF-8 in version 3) padded with spaces and a final `\n` so the data
//! starts on a 64-byte boundary, then the raw data.
//!
//! The reader checks the header length against [`Limits::max_npy_header_size`] and the real
//! byte count before touching it, the header's nesting, rank and field count against their
//! limits, and the data length (computed with checked arithmetic) against the bytes that are
//! really there. It allocates nothing sized by the file beyond the parsed header.

mod descr;
mod header;
mod pylit;

pub use descr::{ByteOrder, Descr, Field, TypeStr};
pub use header::NpyHeader;
// Python's `repr(str)`, which `.npy` headers use and model cards show.
pub use pylit::str_repr;

use crate::error::NpyError;
use crate::limits::Limits;
use crate::{Error, Result};

/// The first six bytes of every `.npy` file.
pub const MAGIC: &[u8; 6] = b"\x93NUMPY";

/// numpy aligns the start of the data to this many bytes (`ARRAY_ALIGN`).
pub const ARRAY_ALIGN: usize = 64;

/// A `.npy` array read in place: the parsed header and a view of its data bytes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NpyView<'a> {
    /// What the header declares.
    pub header: NpyHeader,
    /// The format version, `(1, 0)`, `(2, 0)` or `(3, 0)`.
    pub version: (u8, u8),
    /// The array data, exactly [`NpyHeader::data_len`] bytes.
    pub data: &'a [u8],
}

/// Reads a whole `.npy` file from `bytes` without copying its data.
///
/// Object dtypes (anywhere, nested fields included) are refused with
/// [`NpyError::ObjectDtype`], as `np.load(allow_pickle=False)` refuses them. The data must be
/// exactly as long as the header declares.
pub fn read_npy<'a>(bytes: &'a [u8], limits: &Limits) -> Result<NpyView<'a>> {
    if bytes.get(..MAGIC.len()) != Some(MAGIC.as_slice()) {
        return Err(Error::Npy(NpyError::BadMagic));
    }
    let version_bytes = bytes
        .get(6..8)
        .ok_or(Error::Npy(NpyError::TruncatedHeader {
            needed: 8,
            available: bytes.len() as u64,
        }))?;
    let (major, minor) = match *version_bytes {
        [major, minor] => (major, minor),
        _ => return Err(Error::Npy(NpyError::BadMagic)),
    };
    let length_size: usize = match (major, minor) {
        (1, 0) => 2,
        (2, 0) | (3, 0) => 4,
        _ => return Err(Error::Npy(NpyError::UnsupportedVersion { major, minor })),
    };
    let header_start = 8 + length_size;
    let length_bytes = bytes
        .get(8..header_start)
        .ok_or(Error::Npy(NpyError::TruncatedHeader {
            needed: header_start as u64,
            available: bytes.len() as u64,
        }))?;
    let header_len = length_bytes
        .iter()
        .rev()
        .fold(0u64, |value, &byte| (value << 8) | u64::from(byte));
    Limits::check("`.npy` header size", header_len, limits.max_npy_header_size)?;
    let data_start = (header_start as u64)
        .checked_add(header_len)
        .and_then(|end| usize::try_from(end).ok())
        .filter(|&end| end <= bytes.len())
        .ok_or(Error::Npy(NpyError::TruncatedHeader {
            needed: header_start as u64 + header_len,
            available: bytes.len() as u64,
        }))?;
    let header_bytes =
        bytes
            .get(header_start..data_start)
            .ok_or(Error::Npy(NpyError::TruncatedHeader {
                needed: data_start as u64,
                available: bytes.len() as u64,
            }))?;
    let text = decode_header(header_bytes, major)?;
    let header = NpyHeader::parse_text(&text, major, limits)?;
    if header.descr.contains_object() {
        return Err(Error::Npy(NpyError::ObjectDtype));
    }
    let expected = header.checked_data_len()?;
    let data = bytes.get(data_start..).unwrap_or_default();
    if data.len() as u64 != expected {
        return Err(Error::Npy(NpyError::DataLength {
            expected,
            actual: data.len() as u64,
        }));
    }
    Ok(NpyView {
        header,
        version: (major, minor),
        data,
    })
}

/// [`read_npy`] of a member whose header was already parsed and checked from these very bytes
/// (as [`crate::SkopsFile::open`] does for every array member): the header is not parsed a
/// second time (on a forest of hundreds of trees that re-parse was a tenth of a load). The
/// magic, version, header length and data length are still checked, so bytes whose layout is
/// not the member's the header came from fail as [`read_npy`] would fail on them.
pub fn read_npy_with_header<'a>(bytes: &'a [u8], header: &NpyHeader) -> Result<NpyView<'a>> {
    if bytes.get(..MAGIC.len()) != Some(MAGIC.as_slice()) {
        return Err(Error::Npy(NpyError::BadMagic));
    }
    let truncated = |needed: usize| {
        Error::Npy(NpyError::TruncatedHeader {
            needed: needed as u64,
            available: bytes.len() as u64,
        })
    };
    let (major, minor) = match bytes.get(6..8) {
        Some(&[major, minor]) => (major, minor),
        _ => return Err(truncated(8)),
    };
    let length_size: usize = match (major, minor) {
        (1, 0) => 2,
        (2, 0) | (3, 0) => 4,
        _ => return Err(Error::Npy(NpyError::UnsupportedVersion { major, minor })),
    };
    let header_start = 8 + length_size;
    let header_len = bytes
        .get(8..header_start)
        .ok_or_else(|| truncated(header_start))?
        .iter()
        .rev()
        .fold(0usize, |value, &byte| (value << 8) | usize::from(byte));
    let data_start = header_start.saturating_add(header_len);
    let data = bytes
        .get(data_start..)
        .ok_or_else(|| truncated(data_start))?;
    let expected = header.checked_data_len()?;
    if data.len() as u64 != expected {
        return Err(Error::Npy(NpyError::DataLength {
            expected,
            actual: data.len() as u64,
        }));
    }
    Ok(NpyView {
        header: header.clone(),
        version: (major, minor),
        data,
    })
}

/// Decodes header bytes: latin-1 for versions 1 and 2, UTF-8 for version 3.
fn decode_header(bytes: &[u8], major: u8) -> Result<String> {
    if major >= 3 {
        return std::str::from_utf8(bytes)
            .map(str::to_owned)
            .map_err(|_| Error::Npy(NpyError::HeaderEncoding { encoding: "UTF-8" }));
    }
    Ok(bytes.iter().map(|&byte| char::from(byte)).collect())
}

/// Encodes `text` as latin-1, or `None` if a character is above U+00FF.
fn encode_latin1(text: &str) -> Option<Vec<u8>> {
    text.chars()
        .map(|ch| u8::try_from(u32::from(ch)).ok())
        .collect()
}

/// The magic, version, header length and padded header that `np.save` writes for `header`.
///
/// The version is chosen as numpy chooses it: 1.0 when the padded header fits a `u16`
/// length and latin-1, 2.0 when it only fits latin-1, 3.0 (UTF-8) otherwise.
pub fn write_header(header: &NpyHeader) -> Result<Vec<u8>> {
    let text = header.to_text();
    if let Some(latin1) = encode_latin1(&text) {
        if let Some(bytes) = wrap_header(&latin1, (1, 0)) {
            return Ok(bytes);
        }
        if let Some(bytes) = wrap_header(&latin1, (2, 0)) {
            return Ok(bytes);
        }
    } else if let Some(bytes) = wrap_header(text.as_bytes(), (3, 0)) {
        return Ok(bytes);
    }
    Err(Error::Npy(NpyError::HeaderTooLarge {
        size: text.len() as u64,
    }))
}

/// numpy's `_wrap_header`: prefix, header, spaces and `\n` up to the next 64-byte boundary
/// (a full 64 bytes of padding when already aligned), or `None` if the length does not fit.
fn wrap_header(text: &[u8], version: (u8, u8)) -> Option<Vec<u8>> {
    let length_size = if version.0 == 1 { 2 } else { 4 };
    let prefix_len = MAGIC.len() + 2 + length_size;
    let with_newline = text.len().checked_add(1)?;
    let padding = ARRAY_ALIGN - (prefix_len.checked_add(with_newline)? % ARRAY_ALIGN);
    let header_len = with_newline.checked_add(padding)?;
    let mut out = Vec::with_capacity(prefix_len.checked_add(header_len)?);
    out.extend_from_slice(MAGIC);
    out.extend_from_slice(&[version.0, version.1]);
    if length_size == 2 {
        out.extend_from_slice(&u16::try_from(header_len).ok()?.to_le_bytes());
    } else {
        out.extend_from_slice(&u32::try_from(header_len).ok()?.to_le_bytes());
    }
    out.extend_from_slice(text);
    out.extend(std::iter::repeat_n(b' ', padding));
    out.push(b'\n');
    Some(out)
}

/// A whole `.npy` file: [`write_header`] followed by `data`.
///
/// `data` must be exactly [`NpyHeader::data_len`] bytes (in the order `fortran_order`
/// says); object dtypes are refused as `np.save(..., allow_pickle=False)` refuses them.
pub fn write_npy(header: &NpyHeader, data: &[u8]) -> Result<Vec<u8>> {
    if header.descr.contains_object() {
        return Err(Error::Npy(NpyError::ObjectDtype));
    }
    let expected = header.checked_data_len()?;
    if data.len() as u64 != expected {
        return Err(Error::Npy(NpyError::DataLength {
            expected,
            actual: data.len() as u64,
        }));
    }
    let mut out = write_header(header)?;
    out.extend_from_slice(data);
    Ok(out)
}

#[cfg(test)]
mod tests;
