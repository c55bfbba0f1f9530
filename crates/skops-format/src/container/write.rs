//! Write a zip archive the way Python's `zipfile.ZipFile.writestr` does, into one buffer.
//!
//! Each member's CRC-32 is computed once and its bytes are copied (stored) or compressed
//! (deflate) straight into the output, after a local header whose sizes are patched in place.
//! The central directory is collected alongside and appended by [`ArchiveWriter::finish`],
//! with zip64 records only where sizes, offsets or the member count need them.

use std::collections::HashSet;
use std::time::{SystemTime, UNIX_EPOCH};

/// The current Unix time in seconds (UTC): what [`ArchiveWriter::new`] time-stamps members
/// with (0 before 1970, which zip cannot express anyway).
pub fn now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |since| since.as_secs())
}

use super::{
    Compression, ZIP_FILECOUNT_LIMIT, ZIP64_EXTRA_ID, ZIP64_LIMIT, flag, names, record_size,
    signature,
};
use crate::error::ZipError;
use crate::{Error, Result};

/// "Version made by": Unix (3) in the high byte, as Python writes on every platform it runs
/// `writestr` with a `str` name on.
pub(super) const MADE_BY_UNIX: u16 = 3 << 8;

/// Zip specification version 2.0: what stored and deflated members need.
pub(super) const VERSION_DEFAULT: u16 = 20;

/// Zip specification version 4.5: needed for zip64 records.
pub(super) const VERSION_ZIP64: u16 = 45;

/// Unix permissions `rw-------` in the high 16 bits, as `writestr` sets them.
pub(super) const EXTERNAL_ATTRIBUTES: u32 = 0o600 << 16;

/// Where the data of a stored `.npy` member starts: a multiple of this many bytes from the
/// start of the archive. `.npy` headers are padded to [`crate::npy::ARRAY_ALIGN`] (64) bytes,
/// so the array data of such a member is 64-byte aligned in the file too, and a memory-mapped
/// file can hand it out as an aligned array without copying (`load(path, mmap_mode="r")`).
pub const MEMBER_ALIGN: usize = 64;

/// The extra field id of Android's `zipalign` padding (`0xD935`: a `u16` alignment, then
/// zeros). Every zip reader skips extra fields it does not know (Python's `zipfile` skips the
/// whole local extra block), so aligned archives stay readable by skops 0.16.
pub const ALIGNMENT_EXTRA_ID: u16 = 0xD935;

/// The smallest alignment extra field: its id, size and the `u16` alignment.
pub(super) const ALIGNMENT_EXTRA_MIN: usize = 6;

/// How [`ArchiveWriter`] compresses every member.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WriteCompression {
    /// No compression (`zipfile.ZIP_STORED`, skops' default).
    Stored,
    /// Raw deflate (`zipfile.ZIP_DEFLATED`) at `level` 0 (none) to 9 (smallest).
    Deflated {
        /// zlib compression level, 0-9 (Python's `compresslevel`; 6 is zlib's default).
        level: u32,
    },
}

/// Builds a zip archive in memory, one member at a time.
#[derive(Debug)]
pub struct ArchiveWriter {
    compression: WriteCompression,
    /// Local headers and member data, then (at `finish`) the end records.
    output: Vec<u8>,
    /// Central directory records, appended to `output` at `finish`.
    central: Vec<u8>,
    names: HashSet<String>,
    count: u64,
    dos_time: u16,
    dos_date: u16,
}

impl ArchiveWriter {
    /// A writer whose members all use `compression`, time-stamped now.
    pub fn new(compression: WriteCompression) -> Self {
        Self::with_capacity(compression, 0)
    }

    /// Like [`ArchiveWriter::new`], reserving `bytes` of output up front (e.g. the sum of the
    /// members' sizes plus a little per member for headers).
    pub fn with_capacity(compression: WriteCompression, bytes: usize) -> Self {
        let (dos_time, dos_date) = dos_date_time(now());
        Self {
            compression,
            output: Vec::with_capacity(bytes),
            central: Vec::new(),
            names: HashSet::new(),
            count: 0,
            dos_time,
            dos_date,
        }
    }

    /// Time-stamps members added from now on with `unix_seconds` (UTC) instead of the time
    /// the writer was made, e.g. for reproducible output.
    pub fn with_modification_time(mut self, unix_seconds: u64) -> Self {
        (self.dos_time, self.dos_date) = dos_date_time(unix_seconds);
        self
    }

    /// Appends a member named `name` holding `data`.
    ///
    /// Fails if the name is not allowed (see [`ZipError::InvalidName`]), was already added,
    /// or the deflate level is above 9.
    pub fn add(&mut self, name: &str, data: &[u8]) -> Result<()> {
        names::validate(name)?;
        if self.names.contains(name) {
            return Err(Error::Zip(ZipError::DuplicateMember {
                member: name.to_owned(),
            }));
        }
        let (compression, level) = match self.compression {
            WriteCompression::Stored => (Compression::Stored, 0),
            WriteCompression::Deflated { level } if level <= 9 => (Compression::Deflated, level),
            WriteCompression::Deflated { level } => {
                return Err(Error::Zip(ZipError::InvalidCompressionLevel { level }));
            }
        };
        let name_size = u16::try_from(name.len()).map_err(|_| {
            Error::Zip(ZipError::InvalidName {
                member: name.to_owned(),
                reason: "it is longer than 65535 bytes",
            })
        })?;

        let crc32 = crc32fast::hash(data);
        let uncompressed_size = len64(data.len());
        let header_offset = len64(self.output.len());
        // Python decides zip64 for the local header before compressing, allowing 5% growth.
        let local_zip64 = uncompressed_size.saturating_mul(21) / 20 > ZIP64_LIMIT;
        let flags = if name.is_ascii() { 0 } else { flag::UTF8_NAME };

        // Local header, with sizes patched once the data is written.
        let zip64_extra_size: usize = if local_zip64 { 20 } else { 0 };
        let unpadded = record_size::LOCAL_HEADER + name.len() + zip64_extra_size;
        let padding = if compression == Compression::Stored && name.ends_with(".npy") {
            alignment_padding(self.output.len().saturating_add(unpadded))
        } else {
            0
        };
        let local_extra_size = u16::try_from(zip64_extra_size + padding).unwrap_or(u16::MAX);
        let header_size = unpadded + padding;
        let data_bound = match compression {
            Compression::Deflated => deflate_bound(data.len()),
            _ => data.len(),
        };
        self.reserve(name, header_size.saturating_add(data_bound))?;
        let header_start = self.output.len();
        let out = &mut self.output;
        put_u32(out, signature::LOCAL_HEADER);
        put_u16(
            out,
            if local_zip64 {
                VERSION_ZIP64
            } else {
                VERSION_DEFAULT
            },
        );
        put_u16(out, flags);
        put_u16(out, compression.method_id());
        put_u16(out, self.dos_time);
        put_u16(out, self.dos_date);
        put_u32(out, crc32);
        put_u32(out, 0); // compressed size, patched below
        put_u32(out, 0); // uncompressed size, patched below
        put_u16(out, name_size);
        put_u16(out, local_extra_size);
        out.extend_from_slice(name.as_bytes());
        if local_zip64 {
            put_u16(out, ZIP64_EXTRA_ID);
            put_u16(out, 16);
            put_u64(out, 0); // uncompressed size, patched below
            put_u64(out, 0); // compressed size, patched below
        }
        if padding > 0 {
            put_u16(out, ALIGNMENT_EXTRA_ID);
            put_u16(out, u16::try_from(padding - 4).unwrap_or(0));
            put_u16(out, MEMBER_ALIGN as u16);
            out.resize(out.len() + padding - ALIGNMENT_EXTRA_MIN, 0);
        }

        let data_start = self.output.len();
        match compression {
            Compression::Deflated => self.deflate(name, data, level)?,
            _ => self.output.extend_from_slice(data),
        }
        let compressed_size = len64(self.output.len().saturating_sub(data_start));

        let header = self
            .output
            .get_mut(header_start..data_start)
            .unwrap_or_default();
        if local_zip64 {
            patch(header, 18, &u32::MAX.to_le_bytes());
            patch(header, 22, &u32::MAX.to_le_bytes());
            let extra_start = record_size::LOCAL_HEADER + name.len() + 4;
            patch(header, extra_start, &uncompressed_size.to_le_bytes());
            patch(header, extra_start + 8, &compressed_size.to_le_bytes());
        } else {
            // Both fit: the zip64 threshold leaves room for deflate's worst-case growth.
            patch(header, 18, &saturate32(compressed_size).to_le_bytes());
            patch(header, 22, &saturate32(uncompressed_size).to_le_bytes());
        }

        self.push_central(CentralRecord {
            name,
            flags,
            compression,
            crc32,
            compressed_size,
            uncompressed_size,
            header_offset,
            local_zip64,
        });
        self.names.insert(name.to_owned());
        self.count += 1;
        Ok(())
    }

    /// Appends the central directory and end records and returns the archive's bytes.
    pub fn finish(mut self) -> Result<Vec<u8>> {
        let directory_offset = len64(self.output.len());
        let directory_size = len64(self.central.len());
        let end_size = record_size::ZIP64_END_OF_CENTRAL_DIRECTORY
            + record_size::ZIP64_LOCATOR
            + record_size::END_OF_CENTRAL_DIRECTORY;
        self.reserve("", self.central.len().saturating_add(end_size))?;
        self.output.append(&mut self.central);
        let out = &mut self.output;
        let count = self.count;
        if count > ZIP_FILECOUNT_LIMIT
            || directory_offset > ZIP64_LIMIT
            || directory_size > ZIP64_LIMIT
        {
            let record_offset = len64(out.len());
            put_u32(out, signature::ZIP64_END_OF_CENTRAL_DIRECTORY);
            // Size of the rest of the record (no extensible data).
            put_u64(
                out,
                (record_size::ZIP64_END_OF_CENTRAL_DIRECTORY - 12) as u64,
            );
            put_u16(out, MADE_BY_UNIX | VERSION_ZIP64);
            put_u16(out, VERSION_ZIP64);
            put_u32(out, 0); // this disk
            put_u32(out, 0); // disk with the central directory
            put_u64(out, count);
            put_u64(out, count);
            put_u64(out, directory_size);
            put_u64(out, directory_offset);

            put_u32(out, signature::ZIP64_LOCATOR);
            put_u32(out, 0); // disk with the zip64 record
            put_u64(out, record_offset);
            put_u32(out, 1); // total disks
        }
        put_u32(out, signature::END_OF_CENTRAL_DIRECTORY);
        put_u16(out, 0); // this disk
        put_u16(out, 0); // disk with the central directory
        let count16 = u16::try_from(count).unwrap_or(u16::MAX);
        put_u16(out, count16);
        put_u16(out, count16);
        put_u32(out, saturate32(directory_size));
        put_u32(out, saturate32(directory_offset));
        put_u16(out, 0); // comment size
        Ok(self.output)
    }

    /// Compresses `data` with raw deflate straight onto the end of the output.
    fn deflate(&mut self, name: &str, data: &[u8], level: u32) -> Result<()> {
        // `add` reserved `deflate_bound` bytes, so the output rarely has to grow here.
        let mut compressor = flate2::Compress::new(flate2::Compression::new(level), false);
        loop {
            let consumed = usize::try_from(compressor.total_in()).unwrap_or(usize::MAX);
            let input = data.get(consumed..).unwrap_or_default();
            let status = compressor
                .compress_vec(input, &mut self.output, flate2::FlushCompress::Finish)
                .map_err(|e| {
                    Error::Zip(ZipError::Compression {
                        member: name.to_owned(),
                        source: std::io::Error::other(e),
                    })
                })?;
            if status == flate2::Status::StreamEnd {
                return Ok(());
            }
            if self.output.len() == self.output.capacity() {
                self.reserve(name, 64 * 1024)?;
            }
        }
    }

    fn push_central(&mut self, record: CentralRecord<'_>) {
        let CentralRecord {
            name,
            flags,
            compression,
            crc32,
            compressed_size,
            uncompressed_size,
            header_offset,
            local_zip64,
        } = record;
        // Python's rule: a size above the limit moves both sizes to the zip64 field.
        let sizes_zip64 = uncompressed_size > ZIP64_LIMIT || compressed_size > ZIP64_LIMIT;
        let offset_zip64 = header_offset > ZIP64_LIMIT;
        let mut zip64_values = Vec::new();
        if sizes_zip64 {
            zip64_values.extend([uncompressed_size, compressed_size]);
        }
        if offset_zip64 {
            zip64_values.push(header_offset);
        }
        let zip64 = !zip64_values.is_empty();
        let version = if zip64 || local_zip64 {
            VERSION_ZIP64
        } else {
            VERSION_DEFAULT
        };
        let extra_size = if zip64 { 4 + 8 * zip64_values.len() } else { 0 };

        let out = &mut self.central;
        put_u32(out, signature::CENTRAL_HEADER);
        put_u16(out, MADE_BY_UNIX | version);
        put_u16(out, version);
        put_u16(out, flags);
        put_u16(out, compression.method_id());
        put_u16(out, self.dos_time);
        put_u16(out, self.dos_date);
        put_u32(out, crc32);
        let (compressed32, uncompressed32) = if sizes_zip64 {
            (u32::MAX, u32::MAX)
        } else {
            (saturate32(compressed_size), saturate32(uncompressed_size))
        };
        put_u32(out, compressed32);
        put_u32(out, uncompressed32);
        put_u16(out, u16::try_from(name.len()).unwrap_or(u16::MAX));
        put_u16(out, u16::try_from(extra_size).unwrap_or(u16::MAX));
        put_u16(out, 0); // comment size
        put_u16(out, 0); // disk number start
        put_u16(out, 0); // internal attributes
        put_u32(out, EXTERNAL_ATTRIBUTES);
        put_u32(
            out,
            if offset_zip64 {
                u32::MAX
            } else {
                saturate32(header_offset)
            },
        );
        out.extend_from_slice(name.as_bytes());
        if zip64 {
            put_u16(out, ZIP64_EXTRA_ID);
            put_u16(
                out,
                u16::try_from(8 * zip64_values.len()).unwrap_or(u16::MAX),
            );
            for value in zip64_values {
                put_u64(out, value);
            }
        }
    }

    fn reserve(&mut self, member: &str, additional: usize) -> Result<()> {
        self.output.try_reserve(additional).map_err(|_| {
            Error::Zip(ZipError::Allocation {
                member: member.to_owned(),
                size: len64(self.output.len().saturating_add(additional)),
            })
        })
    }
}

/// What the central directory records about one member.
struct CentralRecord<'n> {
    name: &'n str,
    flags: u16,
    compression: Compression,
    crc32: u32,
    compressed_size: u64,
    uncompressed_size: u64,
    header_offset: u64,
    local_zip64: bool,
}

/// An upper bound of the raw deflate size of `len` bytes (zlib's `deflateBound`, rounded up).
/// The size of the alignment extra field that moves data starting at `data_start` to the next
/// multiple of [`MEMBER_ALIGN`] (0 when it already is one; never fewer bytes than the field's
/// own id, size and alignment).
pub(super) fn alignment_padding(data_start: usize) -> usize {
    let mut padding = (MEMBER_ALIGN - data_start % MEMBER_ALIGN) % MEMBER_ALIGN;
    if padding != 0 && padding < ALIGNMENT_EXTRA_MIN {
        padding += MEMBER_ALIGN;
    }
    padding
}

fn deflate_bound(len: usize) -> usize {
    len.saturating_add(len >> 12)
        .saturating_add(len >> 14)
        .saturating_add(64)
}

fn put_u16(out: &mut Vec<u8>, value: u16) {
    out.extend_from_slice(&value.to_le_bytes());
}

fn put_u32(out: &mut Vec<u8>, value: u32) {
    out.extend_from_slice(&value.to_le_bytes());
}

fn put_u64(out: &mut Vec<u8>, value: u64) {
    out.extend_from_slice(&value.to_le_bytes());
}

/// Overwrites `bytes` at `offset` in a header written just before (always in range).
fn patch(header: &mut [u8], offset: usize, bytes: &[u8]) {
    if let Some(target) = header.get_mut(offset..offset.saturating_add(bytes.len())) {
        target.copy_from_slice(bytes);
    }
}

fn saturate32(value: u64) -> u32 {
    u32::try_from(value).unwrap_or(u32::MAX)
}

fn len64(len: usize) -> u64 {
    u64::try_from(len).unwrap_or(u64::MAX)
}

/// MS-DOS time and date fields for a Unix time (UTC), clamped to DOS's 1980-2107 range.
pub(super) fn dos_date_time(unix_seconds: u64) -> (u16, u16) {
    // Past the `time` crate's year 9999 is past 2107 too.
    let Some(moment) = i64::try_from(unix_seconds)
        .ok()
        .and_then(|seconds| time::OffsetDateTime::from_unix_timestamp(seconds).ok())
    else {
        return DOS_LATEST;
    };
    let year = moment.year();
    if year < 1980 {
        return (0, (1 << 5) | 1);
    }
    if year > 2107 {
        return DOS_LATEST;
    }
    let (hour, minute, second) = moment.to_hms();
    let time = (u16::from(hour) << 11) | (u16::from(minute) << 5) | u16::from(second / 2);
    let date = (u16::try_from(year - 1980).unwrap_or(0) << 9)
        | (u16::from(u8::from(moment.month())) << 5)
        | u16::from(moment.day());
    (time, date)
}

/// The last DOS time: 2107-12-31 23:59:58.
const DOS_LATEST: (u16, u16) = ((23 << 11) | (59 << 5) | 29, (127 << 9) | (12 << 5) | 31);
