//! A stored (uncompressed) zip archive written in one pass into a buffer of the exact size,
//! byte for byte what [`ArchiveWriter`](super::ArchiveWriter) with `WriteCompression::Stored`
//! writes for the same members and time stamp (a test checks it).
//!
//! `ArchiveWriter` appends to its own growing `Vec`, which a caller then copies into its own
//! buffer (a Python `bytes` object): for models of hundreds of megabytes that is two extra
//! passes over the data and twice the page faults. Stored members need no compression, so the
//! whole layout is known before writing and the members' bytes (numpy buffers, `bytes`
//! objects) can be copied exactly once, straight into the caller's buffer.

use std::mem::MaybeUninit;

use super::write::{
    ALIGNMENT_EXTRA_ID, ALIGNMENT_EXTRA_MIN, MEMBER_ALIGN, alignment_padding, dos_date_time,
};
use super::write::{EXTERNAL_ATTRIBUTES, MADE_BY_UNIX, VERSION_DEFAULT, VERSION_ZIP64};
use super::{ZIP_FILECOUNT_LIMIT, ZIP64_EXTRA_ID, ZIP64_LIMIT, flag, record_size, signature};

/// Data is hashed and copied in pieces this large, small enough to stay in the L2 cache
/// between the two.
const COPY_CHUNK: usize = 64 * 1024;

/// One member: its name and its bytes, in pieces (a `.npy` header and the array's data).
pub struct StoredMember<'a> {
    /// The member's name.
    pub name: &'a str,
    /// Its bytes, in two pieces written one after the other (a `.npy` header and the data).
    pub parts: [&'a [u8]; 2],
}

impl StoredMember<'_> {
    fn data_len(&self) -> u64 {
        self.parts.iter().map(|part| part.len() as u64).sum()
    }
}

/// Where one member goes and how its records look.
struct Placement {
    header_offset: u64,
    data_len: u64,
    local_zip64: bool,
    /// The size of the alignment extra field of a `.npy` member (0: none).
    padding: usize,
    flags: u16,
}

/// The layout of an archive: each member's placement and the total size.
pub struct StoredLayout {
    placements: Vec<Placement>,
    directory_offset: u64,
    directory_size: u64,
    total: u64,
}

/// Lays out `members` as `ArchiveWriter` would.
pub fn layout(members: &[StoredMember<'_>]) -> StoredLayout {
    let mut placements = Vec::with_capacity(members.len());
    let mut offset = 0u64;
    let mut directory_size = 0u64;
    for member in members {
        let data_len = member.data_len();
        // Python decides zip64 for the local header before writing, allowing 5% growth.
        let local_zip64 = data_len.saturating_mul(21) / 20 > ZIP64_LIMIT;
        let zip64_extra = if local_zip64 { 20 } else { 0 };
        let unpadded = record_size::LOCAL_HEADER + member.name.len() + zip64_extra;
        let padding = if member.name.ends_with(".npy") {
            alignment_padding((offset as usize).saturating_add(unpadded))
        } else {
            0
        };
        let local_extra = zip64_extra + padding;
        let placement = Placement {
            header_offset: offset,
            data_len,
            local_zip64,
            padding,
            flags: if member.name.is_ascii() {
                0
            } else {
                flag::UTF8_NAME
            },
        };
        offset += (record_size::LOCAL_HEADER + member.name.len() + local_extra) as u64 + data_len;
        let zip64_values = central_zip64_values(&placement).len() as u64;
        let extra = if zip64_values == 0 {
            0
        } else {
            4 + 8 * zip64_values
        };
        directory_size += (record_size::CENTRAL_HEADER + member.name.len()) as u64 + extra;
        placements.push(placement);
    }
    let directory_offset = offset;
    let mut total =
        directory_offset + directory_size + record_size::END_OF_CENTRAL_DIRECTORY as u64;
    if needs_zip64_end(members.len() as u64, directory_offset, directory_size) {
        total += (record_size::ZIP64_END_OF_CENTRAL_DIRECTORY + record_size::ZIP64_LOCATOR) as u64;
    }
    StoredLayout {
        placements,
        directory_offset,
        directory_size,
        total,
    }
}

impl StoredLayout {
    /// The archive's size in bytes.
    pub fn total(&self) -> u64 {
        self.total
    }

    /// Writes the archive into `out`, which must be [`StoredLayout::total`] bytes long (its
    /// bytes need not be initialised: every one is written). `unix_seconds` (UTC) time-stamps
    /// every member, as [`ArchiveWriter::with_modification_time`](super::ArchiveWriter) does;
    /// [`super::now`] is what `ArchiveWriter::new` uses.
    pub fn write<B: OutputByte>(
        &self,
        members: &[StoredMember<'_>],
        unix_seconds: u64,
        out: &mut [B],
    ) {
        let stamp = dos_date_time(unix_seconds);
        let mut cursor = Cursor { out, position: 0 };
        let mut crcs = Vec::with_capacity(members.len());
        for (member, placement) in members.iter().zip(&self.placements) {
            cursor.u32(signature::LOCAL_HEADER);
            cursor.u16(if placement.local_zip64 {
                VERSION_ZIP64
            } else {
                VERSION_DEFAULT
            });
            cursor.u16(placement.flags);
            cursor.u16(0); // stored
            cursor.u16(stamp.0);
            cursor.u16(stamp.1);
            let crc_position = cursor.position;
            cursor.u32(0); // the CRC-32, written once the data is
            let size32 = if placement.local_zip64 {
                u32::MAX
            } else {
                saturate32(placement.data_len)
            };
            cursor.u32(size32); // compressed
            cursor.u32(size32); // uncompressed
            cursor.u16(u16::try_from(member.name.len()).unwrap_or(u16::MAX));
            let zip64_extra = if placement.local_zip64 { 20 } else { 0 };
            cursor.u16(u16::try_from(zip64_extra + placement.padding).unwrap_or(u16::MAX));
            cursor.bytes(member.name.as_bytes());
            if placement.local_zip64 {
                cursor.u16(ZIP64_EXTRA_ID);
                cursor.u16(16);
                cursor.u64(placement.data_len);
                cursor.u64(placement.data_len);
            }
            if placement.padding > 0 {
                cursor.u16(ALIGNMENT_EXTRA_ID);
                cursor.u16(u16::try_from(placement.padding - 4).unwrap_or(0));
                cursor.u16(MEMBER_ALIGN as u16);
                let zeros = [0u8; 2 * MEMBER_ALIGN];
                let rest = placement.padding.saturating_sub(ALIGNMENT_EXTRA_MIN);
                cursor.bytes(zeros.get(..rest).unwrap_or_default());
            }
            // Hashing each chunk just before copying it reads the data from memory once.
            let mut crc = crc32fast::Hasher::new();
            for part in member.parts {
                for chunk in part.chunks(COPY_CHUNK) {
                    crc.update(chunk);
                    cursor.bytes(chunk);
                }
            }
            let crc = crc.finalize();
            cursor.patch(crc_position, &crc.to_le_bytes());
            crcs.push(crc);
        }
        for ((member, placement), crc) in members.iter().zip(&self.placements).zip(crcs) {
            let zip64_values = central_zip64_values(placement);
            let sizes_zip64 = placement.data_len > ZIP64_LIMIT;
            let offset_zip64 = placement.header_offset > ZIP64_LIMIT;
            let version = if !zip64_values.is_empty() || placement.local_zip64 {
                VERSION_ZIP64
            } else {
                VERSION_DEFAULT
            };
            cursor.u32(signature::CENTRAL_HEADER);
            cursor.u16(MADE_BY_UNIX | version);
            cursor.u16(version);
            cursor.u16(placement.flags);
            cursor.u16(0); // stored
            cursor.u16(stamp.0);
            cursor.u16(stamp.1);
            cursor.u32(crc);
            let size32 = if sizes_zip64 {
                u32::MAX
            } else {
                saturate32(placement.data_len)
            };
            cursor.u32(size32);
            cursor.u32(size32);
            cursor.u16(u16::try_from(member.name.len()).unwrap_or(u16::MAX));
            let extra_size = if zip64_values.is_empty() {
                0
            } else {
                4 + 8 * zip64_values.len()
            };
            cursor.u16(u16::try_from(extra_size).unwrap_or(u16::MAX));
            cursor.u16(0); // comment size
            cursor.u16(0); // disk number start
            cursor.u16(0); // internal attributes
            cursor.u32(EXTERNAL_ATTRIBUTES);
            cursor.u32(if offset_zip64 {
                u32::MAX
            } else {
                saturate32(placement.header_offset)
            });
            cursor.bytes(member.name.as_bytes());
            if !zip64_values.is_empty() {
                cursor.u16(ZIP64_EXTRA_ID);
                cursor.u16(u16::try_from(8 * zip64_values.len()).unwrap_or(u16::MAX));
                for value in zip64_values {
                    cursor.u64(value);
                }
            }
        }
        let count = members.len() as u64;
        if needs_zip64_end(count, self.directory_offset, self.directory_size) {
            let record_offset = cursor.position as u64;
            cursor.u32(signature::ZIP64_END_OF_CENTRAL_DIRECTORY);
            cursor.u64((record_size::ZIP64_END_OF_CENTRAL_DIRECTORY - 12) as u64);
            cursor.u16(MADE_BY_UNIX | VERSION_ZIP64);
            cursor.u16(VERSION_ZIP64);
            cursor.u32(0); // this disk
            cursor.u32(0); // disk with the central directory
            cursor.u64(count);
            cursor.u64(count);
            cursor.u64(self.directory_size);
            cursor.u64(self.directory_offset);
            cursor.u32(signature::ZIP64_LOCATOR);
            cursor.u32(0); // disk with the zip64 record
            cursor.u64(record_offset);
            cursor.u32(1); // total disks
        }
        cursor.u32(signature::END_OF_CENTRAL_DIRECTORY);
        cursor.u16(0); // this disk
        cursor.u16(0); // disk with the central directory
        let count16 = u16::try_from(count).unwrap_or(u16::MAX);
        cursor.u16(count16);
        cursor.u16(count16);
        cursor.u32(saturate32(self.directory_size));
        cursor.u32(saturate32(self.directory_offset));
        cursor.u16(0); // comment size
    }
}

/// The zip64 extra field values of a member's central record (Python's rules).
fn central_zip64_values(placement: &Placement) -> Vec<u64> {
    let mut values = Vec::new();
    if placement.data_len > ZIP64_LIMIT {
        values.extend([placement.data_len, placement.data_len]);
    }
    if placement.header_offset > ZIP64_LIMIT {
        values.push(placement.header_offset);
    }
    values
}

fn needs_zip64_end(count: u64, directory_offset: u64, directory_size: u64) -> bool {
    count > ZIP_FILECOUNT_LIMIT || directory_offset > ZIP64_LIMIT || directory_size > ZIP64_LIMIT
}

fn saturate32(value: u64) -> u32 {
    u32::try_from(value).unwrap_or(u32::MAX)
}

/// Writes forward into a buffer of the right size (writes past its end are dropped, which
/// cannot happen with a buffer of [`StoredLayout::total`] bytes).
struct Cursor<'a, B> {
    out: &'a mut [B],
    position: usize,
}

/// A byte of an output buffer: initialised (`u8`) or not yet (`MaybeUninit<u8>`, e.g. the
/// buffer of a Python `bytes` object being filled).
pub trait OutputByte {
    /// Writes `value`.
    fn set(&mut self, value: u8);
}

impl OutputByte for u8 {
    fn set(&mut self, value: u8) {
        *self = value;
    }
}

impl OutputByte for MaybeUninit<u8> {
    fn set(&mut self, value: u8) {
        self.write(value);
    }
}

impl<B: OutputByte> Cursor<'_, B> {
    fn bytes(&mut self, bytes: &[u8]) {
        let end = self.position + bytes.len();
        if let Some(target) = self.out.get_mut(self.position..end) {
            // A plain loop over bytes: LLVM turns it into `memcpy` for either byte type.
            for (slot, &byte) in target.iter_mut().zip(bytes) {
                slot.set(byte);
            }
        }
        self.position = end;
    }

    /// Overwrites bytes written before.
    fn patch(&mut self, position: usize, bytes: &[u8]) {
        let end = self.position;
        self.position = position;
        self.bytes(bytes);
        self.position = end;
    }

    fn u16(&mut self, value: u16) {
        self.bytes(&value.to_le_bytes());
    }

    fn u32(&mut self, value: u32) {
        self.bytes(&value.to_le_bytes());
    }

    fn u64(&mut self, value: u64) {
        self.bytes(&value.to_le_bytes());
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::container::{ArchiveWriter, WriteCompression};

    fn same_as_archive_writer(members: &[(String, Vec<u8>, Vec<u8>)]) {
        let time = 1_700_000_000;
        let mut writer = ArchiveWriter::new(WriteCompression::Stored).with_modification_time(time);
        for (name, head, tail) in members {
            writer.add(name, &[head.as_slice(), tail].concat()).unwrap();
        }
        let expected = writer.finish().unwrap();

        let stored: Vec<StoredMember<'_>> = members
            .iter()
            .map(|(name, head, tail)| StoredMember {
                name,
                parts: [head, tail],
            })
            .collect();
        let layout = layout(&stored);
        let mut out = vec![0u8; layout.total() as usize];
        layout.write(&stored, time, &mut out);
        assert_eq!(out, expected);
    }

    #[test]
    fn matches_archive_writer() {
        same_as_archive_writer(&[]);
        same_as_archive_writer(&[
            ("1.npy".into(), b"header".to_vec(), vec![7; 1000]),
            ("empty.bin".into(), Vec::new(), Vec::new()),
            ("né.bin".into(), Vec::new(), b"x".to_vec()),
            ("schema.json".into(), b"{}".to_vec(), Vec::new()),
        ]);
    }

    #[test]
    fn matches_archive_writer_with_zip64_member_count() {
        let members: Vec<_> = (0..70_000)
            .map(|index| (format!("{index}.bin"), Vec::new(), vec![index as u8]))
            .collect();
        same_as_archive_writer(&members);
    }
}
