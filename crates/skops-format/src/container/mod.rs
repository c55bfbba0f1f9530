//! The zip container of a `.skops` file: read what Python's `zipfile` writes, write what it reads.
//!
//! [`Archive`] borrows the whole file and validates its structure up front (end records,
//! central directory, every local header, names, sizes against [`crate::limits::Limits`]),
//! so a parsed archive only fails later on a member's compressed bytes. Members are
//! decompressed on demand, never past their declared size, and CRC-checked.
//! [`ArchiveWriter`] writes stored or deflated members straight into one buffer;
//! [`StoredLayout`] writes the same stored archive into a buffer the caller owns.

mod decompress;
mod names;
mod read;
mod stored;
mod write;

#[cfg(test)]
mod tests;

pub use read::Archive;
pub use stored::{OutputByte, StoredLayout, StoredMember, layout};
pub use write::{ALIGNMENT_EXTRA_ID, ArchiveWriter, MEMBER_ALIGN, WriteCompression, now};

/// How a member's bytes are compressed (the zip "compression method").
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Compression {
    /// Method 0: the bytes as they are.
    Stored,
    /// Method 8: raw deflate (RFC 1951).
    Deflated,
    /// Method 12: one bzip2 stream.
    Bzip2,
    /// Method 14: LZMA in zip's framing (version, properties length, properties, raw LZMA).
    Lzma,
}

impl Compression {
    /// The zip method id: 0, 8, 12 or 14.
    pub fn method_id(self) -> u16 {
        match self {
            Self::Stored => 0,
            Self::Deflated => 8,
            Self::Bzip2 => 12,
            Self::Lzma => 14,
        }
    }

    /// The compression for a zip method id, if it is one of the four Python writes.
    pub fn from_method_id(method: u16) -> Option<Self> {
        match method {
            0 => Some(Self::Stored),
            8 => Some(Self::Deflated),
            12 => Some(Self::Bzip2),
            14 => Some(Self::Lzma),
            _ => None,
        }
    }

    /// A short lowercase name, for messages.
    pub fn name(self) -> &'static str {
        match self {
            Self::Stored => "stored",
            Self::Deflated => "deflate",
            Self::Bzip2 => "bzip2",
            Self::Lzma => "lzma",
        }
    }
}

/// One member of an [`Archive`], as the central directory describes it (and its local header
/// confirmed).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    /// The member's name, decoded (UTF-8 when flagged, cp437 otherwise) and validated.
    pub name: String,
    /// How the member's bytes are compressed.
    pub compression: Compression,
    /// Size of the member's bytes in the file.
    pub compressed_size: u64,
    /// Size of the member once decompressed.
    pub uncompressed_size: u64,
    /// CRC-32 of the decompressed bytes.
    pub crc32: u32,
    /// Where the compressed bytes start in the file (after the local header).
    data_offset: usize,
    /// Where the local header starts.
    local_header_offset: u64,
    /// The general purpose flags of the central directory entry.
    flags: u16,
}

impl Entry {
    /// Where the local header of this member starts in the file.
    pub fn local_header_offset(&self) -> u64 {
        self.local_header_offset
    }
}

/// Record signatures, as little-endian `u32`s.
mod signature {
    /// Local file header (`PK\x03\x04`).
    pub(super) const LOCAL_HEADER: u32 = 0x0403_4b50;
    /// Central directory file header (`PK\x01\x02`).
    pub(super) const CENTRAL_HEADER: u32 = 0x0201_4b50;
    /// End of central directory record (`PK\x05\x06`).
    pub(super) const END_OF_CENTRAL_DIRECTORY: u32 = 0x0605_4b50;
    /// Zip64 end of central directory record (`PK\x06\x06`).
    pub(super) const ZIP64_END_OF_CENTRAL_DIRECTORY: u32 = 0x0606_4b50;
    /// Zip64 end of central directory locator (`PK\x06\x07`).
    pub(super) const ZIP64_LOCATOR: u32 = 0x0706_4b50;
    /// Optional data descriptor signature (`PK\x07\x08`).
    pub(super) const DATA_DESCRIPTOR: u32 = 0x0807_4b50;
}

/// Fixed sizes of records, before their variable parts.
mod record_size {
    /// Local file header.
    pub(super) const LOCAL_HEADER: usize = 30;
    /// Central directory file header.
    pub(super) const CENTRAL_HEADER: usize = 46;
    /// End of central directory record.
    pub(super) const END_OF_CENTRAL_DIRECTORY: usize = 22;
    /// Zip64 end of central directory record (without extensible data).
    pub(super) const ZIP64_END_OF_CENTRAL_DIRECTORY: usize = 56;
    /// Zip64 end of central directory locator.
    pub(super) const ZIP64_LOCATOR: usize = 20;
}

/// General purpose flag bits.
mod flag {
    /// Bit 0: the member is encrypted.
    pub(super) const ENCRYPTED: u16 = 1 << 0;
    /// Bit 1: for LZMA, the stream ends with an end-of-stream marker.
    pub(super) const LZMA_END_MARKER: u16 = 1 << 1;
    /// Bit 3: CRC and sizes follow the data in a data descriptor.
    pub(super) const DATA_DESCRIPTOR: u16 = 1 << 3;
    /// Bit 6: strong encryption.
    pub(super) const STRONG_ENCRYPTION: u16 = 1 << 6;
    /// Bit 11: the name is UTF-8.
    pub(super) const UTF8_NAME: u16 = 1 << 11;
}

/// Header id of the zip64 extended information extra field.
const ZIP64_EXTRA_ID: u16 = 0x0001;

/// Sizes and offsets above this are written with zip64 records; Python's `zipfile` uses
/// `(1 << 31) - 1` (not `u32::MAX`) and we copy it so Python-made and Rust-made files agree.
const ZIP64_LIMIT: u64 = (1 << 31) - 1;

/// Member counts above this need the zip64 end of central directory record.
const ZIP_FILECOUNT_LIMIT: u64 = 0xFFFF;
