//! Parse and validate a whole zip archive held in memory, then read its members.
//!
//! Everything the central directory says is cross-checked before [`Archive::parse`] returns:
//! the end records against each other, each entry's local header (and data descriptor)
//! against the entry, member byte ranges against each other and the central directory, and
//! declared sizes against [`Limits`]. Reading a member afterwards can only fail on its
//! compressed bytes (corrupt stream, wrong length, wrong CRC-32).
//!
//! Stricter than Python's `zipfile` where strictness costs Python-written files nothing:
//! duplicate names, overlapping members, local headers or data descriptors that disagree with
//! the central directory, and archives with bytes prepended after they were written (offsets
//! no longer absolute, which `zipfile` silently corrects) are all refused.

use std::cmp::Ordering;

use super::{Compression, Entry, ZIP64_EXTRA_ID, decompress, flag, names, record_size, signature};
use crate::error::ZipError;
use crate::limits::Limits;
use crate::{Error, Result};

/// The longest comment an end of central directory record can carry.
const MAX_COMMENT_SIZE: usize = 0xFFFF;

/// A zip archive parsed from bytes it borrows: the entries and where their data lie.
#[derive(Clone)]
pub struct Archive<'a> {
    data: &'a [u8],
    entries: Vec<Entry>,
    /// Indices into `entries`, sorted by name, for binary search.
    by_name: Vec<usize>,
    comment: &'a [u8],
}

impl<'a> Archive<'a> {
    /// Parses and validates the archive in `data` (the whole file).
    ///
    /// Fails on anything malformed, inconsistent, unsafe (names) or over `limits`; see the
    /// `Zip*` variants of [`Error`] and [`Error::LimitExceeded`].
    pub fn parse(data: &'a [u8], limits: &Limits) -> Result<Self> {
        let end = EndOfCentralDirectory::find(data)?;
        Limits::check("member count", end.entry_count, limits.max_members)?;
        // Each entry needs at least a fixed-size header, so the count is bounded by the real
        // bytes before anything is allocated for it.
        let minimum_size = end
            .entry_count
            .saturating_mul(record_size::CENTRAL_HEADER as u64);
        if minimum_size > end.directory_size {
            return Err(Error::Zip(ZipError::Inconsistent {
                what: format!(
                    "central directory size for {} entries (46 bytes each at least)",
                    end.entry_count
                ),
                expected: minimum_size,
                found: end.directory_size,
            }));
        }
        let count = usize::try_from(end.entry_count).map_err(|_| {
            Error::Zip(ZipError::Inconsistent {
                what: "member count".to_owned(),
                expected: usize::MAX as u64,
                found: end.entry_count,
            })
        })?;

        let mut entries = Vec::with_capacity(count);
        let mut ranges = Vec::with_capacity(count);
        let mut total_size: u64 = 0;
        let mut position = end.directory_offset;
        let directory_end = end.directory_offset.saturating_add(end.directory_size);
        for index in 0..count {
            let (mut entry, next) = parse_central_entry(data, index, position, directory_end)?;
            position = next;
            check_entry_limits(&entry, limits)?;
            total_size = total_size.saturating_add(entry.uncompressed_size);
            Limits::check("total uncompressed size", total_size, limits.max_total_size)?;
            let (data_offset, member_end) = check_local_header(data, &entry)?;
            entry.data_offset = data_offset;
            ranges.push((entry.local_header_offset, member_end, index));
            entries.push(entry);
        }
        if position != directory_end {
            return Err(Error::Zip(ZipError::Inconsistent {
                what: format!("central directory size for {count} entries"),
                expected: position.saturating_sub(end.directory_offset),
                found: end.directory_size,
            }));
        }

        let by_name = index_by_name(&entries)?;
        check_no_overlap(&entries, ranges, end.directory_offset)?;
        Ok(Self {
            data,
            entries,
            by_name,
            comment: end.comment,
        })
    }

    /// All entries, in central directory order.
    pub fn entries(&self) -> &[Entry] {
        &self.entries
    }

    /// The entry named `name`, if any.
    pub fn entry(&self, name: &str) -> Option<&Entry> {
        let position = self
            .by_name
            .binary_search_by(|&index| match self.entries.get(index) {
                Some(entry) => entry.name.as_str().cmp(name),
                None => Ordering::Less,
            })
            .ok()?;
        self.by_name
            .get(position)
            .and_then(|&index| self.entries.get(index))
    }

    /// The archive comment (empty for files `skops` writes).
    pub fn comment(&self) -> &'a [u8] {
        self.comment
    }

    /// The decompressed bytes of the member named `name`.
    pub fn read(&self, name: &str) -> Result<Vec<u8>> {
        let entry = self.entry(name).ok_or_else(|| {
            Error::Zip(ZipError::MemberNotFound {
                member: name.to_owned(),
            })
        })?;
        self.read_entry(entry)
    }

    /// The decompressed bytes of `entry` (one of [`Archive::entries`]), size and CRC-32 checked.
    pub fn read_entry(&self, entry: &Entry) -> Result<Vec<u8>> {
        decompress::decompress(entry, self.raw_data(entry)?)
    }

    /// The bytes of a stored (uncompressed) member, borrowed from the file without copying.
    ///
    /// `None` when the member is compressed or its CRC-32 does not match (then
    /// [`Archive::read_entry`] reports the error).
    pub fn stored_data(&self, entry: &Entry) -> Option<&'a [u8]> {
        if entry.compression != Compression::Stored {
            return None;
        }
        let bytes = self.raw_data(entry).ok()?;
        if u64::try_from(bytes.len()).ok()? != entry.uncompressed_size {
            return None;
        }
        decompress::check_crc(entry, bytes).ok()?;
        Some(bytes)
    }

    /// Like [`Archive::stored_data`] without hashing: for a member whose CRC-32 the caller
    /// has already seen match through [`Archive::stored_data`] (the archive is immutable).
    pub fn stored_data_crc_checked(&self, entry: &Entry) -> Option<&'a [u8]> {
        if entry.compression != Compression::Stored {
            return None;
        }
        let bytes = self.raw_data(entry).ok()?;
        (u64::try_from(bytes.len()).ok()? == entry.uncompressed_size).then_some(bytes)
    }

    /// The member's bytes as they are in the file (compressed).
    fn raw_data(&self, entry: &Entry) -> Result<&'a [u8]> {
        let offset = u64::try_from(entry.data_offset).unwrap_or(u64::MAX);
        slice(self.data, offset, entry.compressed_size, || {
            format!("data of `{}`", entry.name)
        })
    }
}

impl std::fmt::Debug for Archive<'_> {
    // The file's bytes are left out: they can be gigabytes.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Archive")
            .field("size", &self.data.len())
            .field("entries", &self.entries)
            .field("comment", &String::from_utf8_lossy(self.comment))
            .finish()
    }
}

/// What the end records (classic and zip64) say about the central directory.
struct EndOfCentralDirectory<'a> {
    entry_count: u64,
    directory_size: u64,
    directory_offset: u64,
    comment: &'a [u8],
}

impl<'a> EndOfCentralDirectory<'a> {
    /// Finds the end of central directory record (the last one whose comment reaches the end
    /// of the file) and, if present, the zip64 locator and record before it.
    fn find(data: &'a [u8]) -> Result<Self> {
        let position = find_end_record(data)?;
        let record = slice_at(data, position, record_size::END_OF_CENTRAL_DIRECTORY);
        let comment = data
            .get(position.saturating_add(record_size::END_OF_CENTRAL_DIRECTORY)..)
            .unwrap_or_default();
        let disk = le16(record, 4);
        let directory_disk = le16(record, 6);
        let entries_on_disk = le16(record, 8);
        let entry_count = le16(record, 10);
        let directory_size = le32(record, 12);
        let directory_offset = le32(record, 16);
        if disk != 0 || directory_disk != 0 || entries_on_disk != entry_count {
            return Err(Error::Zip(ZipError::MultiDisk));
        }

        let classic = Self {
            entry_count: u64::from(entry_count),
            directory_size: u64::from(directory_size),
            directory_offset: u64::from(directory_offset),
            comment,
        };
        let (end, directory_end) = match find_zip64_locator(data, position) {
            None => (classic, position),
            Some(locator_position) => {
                let (zip64, record_position) = Self::read_zip64(data, locator_position, comment)?;
                check_saturated(
                    "member count",
                    classic.entry_count,
                    0xFFFF,
                    zip64.entry_count,
                )?;
                check_saturated(
                    "central directory size",
                    classic.directory_size,
                    0xFFFF_FFFF,
                    zip64.directory_size,
                )?;
                check_saturated(
                    "central directory offset",
                    classic.directory_offset,
                    0xFFFF_FFFF,
                    zip64.directory_offset,
                )?;
                (zip64, record_position)
            }
        };
        // The central directory ends where the end records start: no gap, no prepended data.
        let found_end = end.directory_offset.saturating_add(end.directory_size);
        let expected_end = u64::try_from(directory_end).unwrap_or(u64::MAX);
        if found_end != expected_end {
            return Err(Error::Zip(ZipError::Inconsistent {
                what: "end of the central directory (offset plus size)".to_owned(),
                expected: expected_end,
                found: found_end,
            }));
        }
        Ok(end)
    }

    /// Reads the zip64 end of central directory record through its locator.
    fn read_zip64(
        data: &'a [u8],
        locator_position: usize,
        comment: &'a [u8],
    ) -> Result<(Self, usize)> {
        let locator = slice_at(data, locator_position, record_size::ZIP64_LOCATOR);
        let record_disk = le32(locator, 4);
        let record_offset = le64(locator, 8);
        let disk_count = le32(locator, 16);
        if record_disk != 0 || disk_count > 1 {
            return Err(Error::Zip(ZipError::MultiDisk));
        }
        let record = slice(
            data,
            record_offset,
            record_size::ZIP64_END_OF_CENTRAL_DIRECTORY as u64,
            || "zip64 end of central directory record".to_owned(),
        )?;
        if le32(record, 0) != signature::ZIP64_END_OF_CENTRAL_DIRECTORY {
            return Err(Error::Zip(ZipError::BadSignature {
                what: "zip64 end of central directory record".to_owned(),
                offset: record_offset,
            }));
        }
        // The record's size field counts the bytes after itself (12 bytes in).
        let record_end = record_offset
            .saturating_add(12)
            .saturating_add(le64(record, 4));
        let locator_offset = u64::try_from(locator_position).unwrap_or(u64::MAX);
        if record_end != locator_offset {
            return Err(Error::Zip(ZipError::Inconsistent {
                what: "end of the zip64 end of central directory record".to_owned(),
                expected: locator_offset,
                found: record_end,
            }));
        }
        let disk = le32(record, 16);
        let directory_disk = le32(record, 20);
        let entries_on_disk = le64(record, 24);
        let entry_count = le64(record, 32);
        if disk != 0 || directory_disk != 0 || entries_on_disk != entry_count {
            return Err(Error::Zip(ZipError::MultiDisk));
        }
        let end = Self {
            entry_count,
            directory_size: le64(record, 40),
            directory_offset: le64(record, 48),
            comment,
        };
        let record_position = usize::try_from(record_offset).unwrap_or(usize::MAX);
        Ok((end, record_position))
    }
}

/// The position of the end of central directory record, or why there is none.
fn find_end_record(data: &[u8]) -> Result<usize> {
    let signature_bytes = signature::END_OF_CENTRAL_DIRECTORY.to_le_bytes();
    if let Some(last) = data
        .len()
        .checked_sub(record_size::END_OF_CENTRAL_DIRECTORY)
    {
        let first = last.saturating_sub(MAX_COMMENT_SIZE);
        for position in (first..=last).rev() {
            if data.get(position..position.saturating_add(4)) != Some(&signature_bytes[..]) {
                continue;
            }
            let comment_size = usize::from(le16(data, position.saturating_add(20)));
            let record_end = position
                .saturating_add(record_size::END_OF_CENTRAL_DIRECTORY)
                .saturating_add(comment_size);
            if record_end == data.len() {
                return Ok(position);
            }
        }
    }
    // A file that starts like a zip but has no end record was most likely cut short.
    if data.get(..4) == Some(&signature::LOCAL_HEADER.to_le_bytes()[..]) {
        return Err(Error::Zip(ZipError::Truncated {
            what: "end of central directory record".to_owned(),
            offset: u64::try_from(data.len()).unwrap_or(u64::MAX),
            needed: record_size::END_OF_CENTRAL_DIRECTORY as u64,
            file_size: u64::try_from(data.len()).unwrap_or(u64::MAX),
        }));
    }
    Err(Error::Zip(ZipError::NotAnArchive))
}

/// The position of the zip64 locator right before the end record, if there is one.
fn find_zip64_locator(data: &[u8], end_record_position: usize) -> Option<usize> {
    let position = end_record_position.checked_sub(record_size::ZIP64_LOCATOR)?;
    (le32(data, position) == signature::ZIP64_LOCATOR).then_some(position)
}

/// A classic end-record field must equal its zip64 counterpart unless it is saturated.
fn check_saturated(what: &str, classic: u64, saturated: u64, zip64: u64) -> Result<()> {
    if classic != saturated && classic != zip64 {
        return Err(Error::Zip(ZipError::Inconsistent {
            what: format!("{what} in the end of central directory record"),
            expected: zip64,
            found: classic,
        }));
    }
    Ok(())
}

/// Parses central directory entry `index` at `position`; returns it and the next position.
fn parse_central_entry(
    data: &[u8],
    index: usize,
    position: u64,
    directory_end: u64,
) -> Result<(Entry, u64)> {
    let label = || format!("central directory entry #{index}");
    let fixed_end = position.saturating_add(record_size::CENTRAL_HEADER as u64);
    if fixed_end > directory_end {
        return Err(directory_too_small(
            index,
            fixed_end,
            position,
            directory_end,
        ));
    }
    let header = slice(data, position, record_size::CENTRAL_HEADER as u64, label)?;
    if le32(header, 0) != signature::CENTRAL_HEADER {
        return Err(Error::Zip(ZipError::BadSignature {
            what: label(),
            offset: position,
        }));
    }
    let flags = le16(header, 8);
    let method = le16(header, 10);
    let crc32 = le32(header, 16);
    let compressed_size = le32(header, 20);
    let uncompressed_size = le32(header, 24);
    let name_size = u64::from(le16(header, 28));
    let extra_size = u64::from(le16(header, 30));
    let comment_size = u64::from(le16(header, 32));
    let disk = le16(header, 34);
    let local_header_offset = le32(header, 42);

    let entry_end = fixed_end
        .saturating_add(name_size)
        .saturating_add(extra_size)
        .saturating_add(comment_size);
    if entry_end > directory_end {
        return Err(directory_too_small(
            index,
            entry_end,
            position,
            directory_end,
        ));
    }
    let raw_name = slice(data, fixed_end, name_size, label)?;
    let extra = slice(data, fixed_end.saturating_add(name_size), extra_size, label)?;

    let name = names::decode(raw_name, flags & flag::UTF8_NAME != 0)?;
    names::validate(&name)?;
    if flags & (flag::ENCRYPTED | flag::STRONG_ENCRYPTION) != 0 {
        return Err(Error::Zip(ZipError::Encrypted { member: name }));
    }
    let Some(compression) = Compression::from_method_id(method) else {
        return Err(Error::Zip(ZipError::UnsupportedCompression {
            member: name,
            method,
        }));
    };

    // Saturated fields are in the zip64 extra field, in this order.
    let mut zip64 = Zip64Values::new(find_extra(extra, ZIP64_EXTRA_ID, &name)?, &name);
    let uncompressed_size = zip64.resolve32(uncompressed_size, "uncompressed size")?;
    let compressed_size = zip64.resolve32(compressed_size, "compressed size")?;
    let local_header_offset = zip64.resolve32(local_header_offset, "local header offset")?;
    let disk = if disk == 0xFFFF {
        zip64.next("disk number")?
    } else {
        u64::from(disk)
    };
    if disk != 0 {
        return Err(Error::Zip(ZipError::MultiDisk));
    }

    if compression == Compression::Stored && compressed_size != uncompressed_size {
        return Err(Error::Zip(ZipError::StoredSizeMismatch {
            member: name,
            compressed: compressed_size,
            uncompressed: uncompressed_size,
        }));
    }
    let entry = Entry {
        name,
        compression,
        compressed_size,
        uncompressed_size,
        crc32,
        // Filled in by `check_local_header`.
        data_offset: 0,
        local_header_offset,
        flags,
    };
    Ok((entry, entry_end))
}

fn directory_too_small(index: usize, needed_end: u64, position: u64, directory_end: u64) -> Error {
    Error::Zip(ZipError::Inconsistent {
        what: format!("end of central directory entry #{index} (starting at {position})"),
        expected: directory_end,
        found: needed_end,
    })
}

/// Per-member limits: uncompressed size and compression ratio.
fn check_entry_limits(entry: &Entry, limits: &Limits) -> Result<()> {
    Limits::check(
        &format!("uncompressed size of `{}`", entry.name),
        entry.uncompressed_size,
        limits.max_member_size,
    )?;
    if entry.uncompressed_size > limits.compression_ratio_floor {
        let ratio = entry.uncompressed_size / entry.compressed_size.max(1);
        Limits::check(
            &format!("compression ratio of `{}`", entry.name),
            ratio,
            limits.max_compression_ratio,
        )?;
    }
    Ok(())
}

/// Checks the local header (and data descriptor) of `entry` against it; returns where its
/// data starts and where the member's bytes (descriptor included) end.
fn check_local_header(data: &[u8], entry: &Entry) -> Result<(usize, u64)> {
    let name = &entry.name;
    let offset = entry.local_header_offset;
    let label = || format!("local header of `{name}`");
    let header = slice(data, offset, record_size::LOCAL_HEADER as u64, label)?;
    if le32(header, 0) != signature::LOCAL_HEADER {
        return Err(Error::Zip(ZipError::BadSignature {
            what: label(),
            offset,
        }));
    }
    let flags = le16(header, 6);
    let method = le16(header, 8);
    let crc32 = le32(header, 14);
    let compressed_size = le32(header, 18);
    let uncompressed_size = le32(header, 22);
    let name_size = u64::from(le16(header, 26));
    let extra_size = u64::from(le16(header, 28));
    let name_offset = offset.saturating_add(record_size::LOCAL_HEADER as u64);
    let raw_name = slice(data, name_offset, name_size, label)?;
    let extra_offset = name_offset.saturating_add(name_size);
    let extra = slice(data, extra_offset, extra_size, label)?;
    let data_offset = extra_offset.saturating_add(extra_size);

    let mismatch = |field, central: u64, local: u64| {
        Error::Zip(ZipError::LocalHeaderMismatch {
            member: name.clone(),
            field,
            central,
            local,
        })
    };
    const COMPARED_FLAGS: u16 = flag::ENCRYPTED | flag::DATA_DESCRIPTOR | flag::UTF8_NAME;
    if flags & COMPARED_FLAGS != entry.flags & COMPARED_FLAGS {
        return Err(mismatch(
            "flags",
            u64::from(entry.flags & COMPARED_FLAGS),
            u64::from(flags & COMPARED_FLAGS),
        ));
    }
    let local_name = names::decode(raw_name, flags & flag::UTF8_NAME != 0)
        .unwrap_or_else(|_| String::from_utf8_lossy(raw_name).into_owned());
    if local_name != *name {
        return Err(Error::Zip(ZipError::LocalNameMismatch {
            member: name.clone(),
            local: local_name,
        }));
    }
    if method != entry.compression.method_id() {
        return Err(mismatch(
            "compression method",
            u64::from(entry.compression.method_id()),
            u64::from(method),
        ));
    }
    let zip64_extra = find_extra(extra, ZIP64_EXTRA_ID, name)?;
    let uses_descriptor = flags & flag::DATA_DESCRIPTOR != 0;
    if !uses_descriptor {
        if crc32 != entry.crc32 {
            return Err(mismatch("CRC-32", u64::from(entry.crc32), u64::from(crc32)));
        }
        let mut zip64 = Zip64Values::new(zip64_extra, name);
        let uncompressed_size = zip64.resolve32(uncompressed_size, "uncompressed size")?;
        let compressed_size = zip64.resolve32(compressed_size, "compressed size")?;
        if uncompressed_size != entry.uncompressed_size {
            return Err(mismatch(
                "uncompressed size",
                entry.uncompressed_size,
                uncompressed_size,
            ));
        }
        if compressed_size != entry.compressed_size {
            return Err(mismatch(
                "compressed size",
                entry.compressed_size,
                compressed_size,
            ));
        }
    }

    slice(data, data_offset, entry.compressed_size, || {
        format!("data of `{name}`")
    })?;
    let data_end = data_offset.saturating_add(entry.compressed_size);
    let member_end = if uses_descriptor {
        let descriptor_size = find_data_descriptor(data, data_end, entry, zip64_extra.is_some())
            .ok_or_else(|| {
                Error::Zip(ZipError::DataDescriptorMismatch {
                    member: name.clone(),
                })
            })?;
        data_end.saturating_add(descriptor_size)
    } else {
        data_end
    };
    // In range of `data` (checked above), so it fits a `usize`.
    let data_offset = usize::try_from(data_offset).unwrap_or(usize::MAX);
    Ok((data_offset, member_end))
}

/// The size of the data descriptor at `position` that matches `entry`, trying the layouts
/// writers use (with or without signature, 4- or 8-byte sizes), most likely first.
fn find_data_descriptor(data: &[u8], position: u64, entry: &Entry, zip64: bool) -> Option<u64> {
    let position = usize::try_from(position).ok()?;
    let layouts: [(bool, bool); 4] = if zip64 {
        [(true, true), (false, true), (true, false), (false, false)]
    } else {
        [(true, false), (false, false), (true, true), (false, true)]
    };
    layouts.into_iter().find_map(|(has_signature, wide)| {
        let mut fields = position;
        if has_signature {
            if data.get(position..position.checked_add(4)?)
                != Some(&signature::DATA_DESCRIPTOR.to_le_bytes()[..])
            {
                return None;
            }
            fields = fields.checked_add(4)?;
        }
        let size_width = if wide { 8 } else { 4 };
        let bytes = data.get(fields..fields.checked_add(4 + 2 * size_width)?)?;
        let (compressed_size, uncompressed_size) = if wide {
            (le64(bytes, 4), le64(bytes, 12))
        } else {
            (u64::from(le32(bytes, 4)), u64::from(le32(bytes, 8)))
        };
        let matches = le32(bytes, 0) == entry.crc32
            && compressed_size == entry.compressed_size
            && uncompressed_size == entry.uncompressed_size;
        let size = (fields - position).checked_add(bytes.len())?;
        matches.then(|| u64::try_from(size).ok()).flatten()
    })
}

/// The values of a zip64 extra field, consumed in order for each saturated classic field.
struct Zip64Values<'a, 'n> {
    field: Option<&'a [u8]>,
    used: usize,
    member: &'n str,
}

impl<'a, 'n> Zip64Values<'a, 'n> {
    fn new(field: Option<&'a [u8]>, member: &'n str) -> Self {
        Self {
            field,
            used: 0,
            member,
        }
    }

    /// The real value of a 32-bit field: itself, or the next zip64 value if it is saturated.
    fn resolve32(&mut self, value: u32, what: &str) -> Result<u64> {
        if value == 0xFFFF_FFFF {
            self.next(what)
        } else {
            Ok(u64::from(value))
        }
    }

    fn next(&mut self, what: &str) -> Result<u64> {
        let value = self
            .field
            .and_then(|field| field.get(self.used..self.used.checked_add(8)?))
            .and_then(|bytes| <[u8; 8]>::try_from(bytes).ok())
            .map(u64::from_le_bytes)
            .ok_or_else(|| {
                Error::Zip(ZipError::BadExtraField {
                    member: self.member.to_owned(),
                    reason: format!("the zip64 field has no {what}"),
                })
            })?;
        self.used = self.used.saturating_add(8);
        Ok(value)
    }
}

/// The data of the extra field `id` in an extra block, validating the block's structure as
/// Python does (a field may not run past the block; fewer than 4 trailing bytes are padding).
fn find_extra<'a>(extra: &'a [u8], id: u16, member: &str) -> Result<Option<&'a [u8]>> {
    let mut found = None;
    let mut rest = extra;
    while rest.len() >= 4 {
        let field_id = le16(rest, 0);
        let size = usize::from(le16(rest, 2));
        let Some(field) = rest.get(4..4 + size) else {
            return Err(Error::Zip(ZipError::BadExtraField {
                member: member.to_owned(),
                reason: format!(
                    "field {field_id:#06x} declares {size} bytes but only {} remain",
                    rest.len() - 4
                ),
            }));
        };
        if field_id == id && found.is_none() {
            found = Some(field);
        }
        rest = rest.get(4 + size..).unwrap_or_default();
    }
    Ok(found)
}

/// Sorts entry indices by name and refuses duplicates.
fn index_by_name(entries: &[Entry]) -> Result<Vec<usize>> {
    let name = |index: usize| entries.get(index).map_or("", |entry| entry.name.as_str());
    let mut by_name: Vec<usize> = (0..entries.len()).collect();
    by_name.sort_unstable_by(|&a, &b| name(a).cmp(name(b)));
    if let Some(pair) = by_name.windows(2).find(|pair| match pair {
        [a, b] => name(*a) == name(*b),
        _ => false,
    }) {
        let member = pair.first().map_or("", |&index| name(index)).to_owned();
        return Err(Error::Zip(ZipError::DuplicateMember { member }));
    }
    Ok(by_name)
}

/// Refuses members whose bytes (header, data, descriptor) overlap each other or the central
/// directory: overlapping members are how "zip bombs" reuse one compressed stream many times.
fn check_no_overlap(
    entries: &[Entry],
    mut ranges: Vec<(u64, u64, usize)>,
    directory_offset: u64,
) -> Result<()> {
    let name = |index: usize| entries.get(index).map_or("", |entry| entry.name.as_str());
    ranges.sort_unstable();
    for pair in ranges.windows(2) {
        if let [(_, previous_end, previous), (start, _, current)] = pair {
            if previous_end > start {
                return Err(Error::Zip(ZipError::OverlappingMembers {
                    member: name(*current).to_owned(),
                    other: format!("`{}`", name(*previous)),
                }));
            }
        }
    }
    if let Some((_, end, index)) = ranges.iter().max_by_key(|(_, end, _)| *end) {
        if *end > directory_offset {
            return Err(Error::Zip(ZipError::OverlappingMembers {
                member: name(*index).to_owned(),
                other: "the central directory".to_owned(),
            }));
        }
    }
    Ok(())
}

/// `len` bytes at `offset`, or [`ZipError::Truncated`] naming `what`.
fn slice(data: &[u8], offset: u64, len: u64, what: impl FnOnce() -> String) -> Result<&[u8]> {
    let range = usize::try_from(offset).ok().and_then(|start| {
        let end = start.checked_add(usize::try_from(len).ok()?)?;
        data.get(start..end)
    });
    range.ok_or_else(|| {
        Error::Zip(ZipError::Truncated {
            what: what(),
            offset,
            needed: len,
            file_size: u64::try_from(data.len()).unwrap_or(u64::MAX),
        })
    })
}

/// `len` bytes at a position already known to be in range (empty otherwise).
fn slice_at(data: &[u8], position: usize, len: usize) -> &[u8] {
    data.get(position..position.saturating_add(len))
        .unwrap_or_default()
}

/// The little-endian `u16` at `offset` (0 if out of range; callers check ranges first).
fn le16(bytes: &[u8], offset: usize) -> u16 {
    bytes
        .get(offset..offset.saturating_add(2))
        .and_then(|b| <[u8; 2]>::try_from(b).ok())
        .map_or(0, u16::from_le_bytes)
}

/// The little-endian `u32` at `offset` (0 if out of range; callers check ranges first).
fn le32(bytes: &[u8], offset: usize) -> u32 {
    bytes
        .get(offset..offset.saturating_add(4))
        .and_then(|b| <[u8; 4]>::try_from(b).ok())
        .map_or(0, u32::from_le_bytes)
}

/// The little-endian `u64` at `offset` (0 if out of range; callers check ranges first).
fn le64(bytes: &[u8], offset: usize) -> u64 {
    bytes
        .get(offset..offset.saturating_add(8))
        .and_then(|b| <[u8; 8]>::try_from(b).ok())
        .map_or(0, u64::from_le_bytes)
}
