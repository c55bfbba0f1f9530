//! Decompress one member into memory, never past its declared size, and check its CRC-32.
//!
//! The output buffer grows with the bytes actually produced (doubling, capped at the
//! declared size plus one byte), so a member that lies about its size costs no more memory
//! than the data it really holds, and one extra byte is enough to tell that it inflates past
//! its declared size.

use std::io;

use super::{Compression, Entry, flag};
use crate::error::ZipError;
use crate::{Error, Result};

/// First output allocation when the final size is not trusted yet.
const MIN_INITIAL_CAPACITY: usize = 64 * 1024;

/// First allocation as a multiple of the compressed size (most members compress less than this).
const INITIAL_EXPANSION: usize = 8;

/// Length of zip's LZMA framing before the properties: version (2 bytes), properties size (2).
const LZMA_FRAMING_SIZE: usize = 4;

/// Length of LZMA1 properties: lc/lp/pb byte and a 4-byte dictionary size.
const LZMA_PROPERTIES_SIZE: usize = 5;

/// Decompresses `compressed` (the member's bytes in the file) and checks size and CRC-32.
pub(super) fn decompress(entry: &Entry, compressed: &[u8]) -> Result<Vec<u8>> {
    let bytes = match entry.compression {
        Compression::Stored => stored(entry, compressed)?,
        Compression::Deflated => deflated(entry, compressed)?,
        Compression::Bzip2 => bzip2(entry, compressed)?,
        Compression::Lzma => lzma(entry, compressed)?,
    };
    check_crc(entry, &bytes)?;
    Ok(bytes)
}

/// Fails with [`ZipError::CrcMismatch`] unless `bytes` has the entry's CRC-32.
pub(super) fn check_crc(entry: &Entry, bytes: &[u8]) -> Result<()> {
    let found = crc32fast::hash(bytes);
    if found != entry.crc32 {
        return Err(Error::Zip(ZipError::CrcMismatch {
            member: entry.name.clone(),
            expected: entry.crc32,
            found,
        }));
    }
    Ok(())
}

/// A stored member is its bytes; only the length needs checking.
fn stored(entry: &Entry, compressed: &[u8]) -> Result<Vec<u8>> {
    let mut output = Output {
        entry,
        bytes: Vec::new(),
        limit: compressed.len().saturating_add(1),
    };
    output.reserve_exact(compressed.len())?;
    output.bytes.extend_from_slice(compressed);
    output.finish()
}

/// The output of one member: a buffer that never grows past the declared size plus one.
struct Output<'e> {
    entry: &'e Entry,
    bytes: Vec<u8>,
    /// Declared size plus one: reaching it proves the member is too long.
    limit: usize,
}

impl<'e> Output<'e> {
    fn new(entry: &'e Entry, compressed_len: usize) -> Result<Self> {
        let limit = entry
            .uncompressed_size
            .checked_add(1)
            .and_then(|limit| usize::try_from(limit).ok())
            .ok_or_else(|| {
                Error::Zip(ZipError::Allocation {
                    member: entry.name.clone(),
                    size: entry.uncompressed_size,
                })
            })?;
        let mut output = Self {
            entry,
            bytes: Vec::new(),
            limit,
        };
        let initial = compressed_len
            .saturating_mul(INITIAL_EXPANSION)
            .max(MIN_INITIAL_CAPACITY)
            .min(limit);
        output.reserve_exact(initial)?;
        Ok(output)
    }

    /// Reserves room for `additional` more bytes, failing cleanly if memory is short.
    fn reserve_exact(&mut self, additional: usize) -> Result<()> {
        self.bytes.try_reserve_exact(additional).map_err(|_| {
            Error::Zip(ZipError::Allocation {
                member: self.entry.name.clone(),
                size: u64::try_from(self.bytes.len().saturating_add(additional))
                    .unwrap_or(u64::MAX),
            })
        })
    }

    /// Makes sure there is spare capacity, doubling up to the limit; fails once the member
    /// has produced more than its declared size.
    fn ensure_spare(&mut self) -> Result<()> {
        self.check_not_too_long()?;
        if self.bytes.capacity() > self.bytes.len() {
            return Ok(());
        }
        let remaining = self.limit.saturating_sub(self.bytes.len());
        let additional = self
            .bytes
            .len()
            .max(MIN_INITIAL_CAPACITY)
            .min(remaining)
            .max(1);
        self.reserve_exact(additional)
    }

    fn check_not_too_long(&self) -> Result<()> {
        if self.len() > self.entry.uncompressed_size {
            return Err(self.too_long());
        }
        Ok(())
    }

    fn too_long(&self) -> Error {
        Error::Zip(ZipError::MemberTooLong {
            member: self.entry.name.clone(),
            declared: self.entry.uncompressed_size,
        })
    }

    fn len(&self) -> u64 {
        u64::try_from(self.bytes.len()).unwrap_or(u64::MAX)
    }

    /// Fails unless exactly the declared size was produced.
    fn finish(self) -> Result<Vec<u8>> {
        self.check_not_too_long()?;
        if self.len() < self.entry.uncompressed_size {
            return Err(Error::Zip(ZipError::MemberTooShort {
                member: self.entry.name.clone(),
                declared: self.entry.uncompressed_size,
                found: self.len(),
            }));
        }
        Ok(self.bytes)
    }

    fn corrupt(&self, source: impl Into<Box<dyn std::error::Error + Send + Sync>>) -> Error {
        Error::Zip(ZipError::CorruptData {
            member: self.entry.name.clone(),
            method: self.entry.compression.name(),
            source: io::Error::new(io::ErrorKind::InvalidData, source),
        })
    }
}

/// What one step of a streaming decompressor reported.
enum Step {
    /// The stream's end marker was reached.
    End,
    /// More input or output room is needed.
    Continue,
}

/// Drives a `decompress_vec`-style decompressor until its stream ends or the input runs out.
///
/// Like Python's `zipfile`, running out of input counts as the end: the length and CRC checks
/// that follow decide whether the member is complete.
fn drive(
    output: &mut Output<'_>,
    compressed: &[u8],
    mut step: impl FnMut(&[u8], &mut Vec<u8>) -> std::result::Result<(Step, u64), String>,
) -> Result<()> {
    let mut consumed: usize = 0;
    loop {
        output.ensure_spare()?;
        let input = compressed.get(consumed..).unwrap_or_default();
        let before_out = output.bytes.len();
        let (status, new_consumed) =
            step(input, &mut output.bytes).map_err(|e| output.corrupt(e))?;
        let new_consumed = usize::try_from(new_consumed).unwrap_or(usize::MAX);
        let progressed = new_consumed != consumed || output.bytes.len() != before_out;
        consumed = new_consumed;
        output.check_not_too_long()?;
        match status {
            Step::End => return Ok(()),
            Step::Continue if progressed => {}
            Step::Continue if consumed >= compressed.len() => return Ok(()),
            Step::Continue if output.bytes.capacity() > output.bytes.len() => {
                return Err(output.corrupt("the decompressor made no progress"));
            }
            Step::Continue => {}
        }
    }
}

fn deflated(entry: &Entry, compressed: &[u8]) -> Result<Vec<u8>> {
    let mut output = Output::new(entry, compressed.len())?;
    let mut inflater = flate2::Decompress::new(false);
    drive(&mut output, compressed, |input, out| {
        let status = inflater
            .decompress_vec(input, out, flate2::FlushDecompress::None)
            .map_err(|e| e.to_string())?;
        let step = match status {
            flate2::Status::StreamEnd => Step::End,
            flate2::Status::Ok | flate2::Status::BufError => Step::Continue,
        };
        Ok((step, inflater.total_in()))
    })?;
    output.finish()
}

fn bzip2(entry: &Entry, compressed: &[u8]) -> Result<Vec<u8>> {
    let mut output = Output::new(entry, compressed.len())?;
    let mut decoder = bzip2::Decompress::new(false);
    drive(&mut output, compressed, |input, out| {
        let status = decoder
            .decompress_vec(input, out)
            .map_err(|e| e.to_string())?;
        let step = match status {
            bzip2::Status::StreamEnd => Step::End,
            _ => Step::Continue,
        };
        Ok((step, decoder.total_in()))
    })?;
    output.finish()
}

/// An [`io::Write`] sink for decoders that push their output (lzma-rs).
struct Sink<'o, 'e> {
    output: &'o mut Output<'e>,
    overflowed: bool,
}

impl io::Write for Sink<'_, '_> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let room = self.output.limit.saturating_sub(self.output.bytes.len());
        if buf.len() > room.saturating_sub(1) {
            self.overflowed = true;
            return Err(io::Error::other("member is longer than declared"));
        }
        let spare = self
            .output
            .bytes
            .capacity()
            .saturating_sub(self.output.bytes.len());
        if spare < buf.len() {
            let wanted = self
                .output
                .bytes
                .len()
                .max(buf.len())
                .min(room.saturating_sub(1))
                .max(buf.len());
            self.output
                .reserve_exact(wanted)
                .map_err(|e| io::Error::new(io::ErrorKind::OutOfMemory, e.to_string()))?;
        }
        self.output.bytes.extend_from_slice(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

fn lzma(entry: &Entry, compressed: &[u8]) -> Result<Vec<u8>> {
    let mut output = Output::new(entry, compressed.len())?;
    let properties_size = compressed
        .get(2..LZMA_FRAMING_SIZE)
        .and_then(|size| <[u8; 2]>::try_from(size).ok())
        .map(u16::from_le_bytes);
    if properties_size != Some(LZMA_PROPERTIES_SIZE as u16) {
        return Err(output.corrupt("the zip LZMA header does not announce 5 bytes of properties"));
    }
    let mut stream = compressed.get(LZMA_FRAMING_SIZE..).unwrap_or_default();
    // Bit 1 says an end marker closes the stream (Python always sets it); without it the
    // declared size is the only end.
    let unpacked_size = if entry.flags & flag::LZMA_END_MARKER != 0 {
        None
    } else {
        Some(entry.uncompressed_size)
    };
    let options = lzma_rs::decompress::Options {
        unpacked_size: lzma_rs::decompress::UnpackedSize::UseProvided(unpacked_size),
        // The dictionary buffer never needs to be larger than the member itself.
        memlimit: Some(output.limit),
        allow_incomplete: false,
    };
    let mut sink = Sink {
        output: &mut output,
        overflowed: false,
    };
    let result = lzma_rs::lzma_decompress_with_options(&mut stream, &mut sink, &options);
    let overflowed = sink.overflowed;
    if let Err(error) = result {
        // Output past the declared size shows up either in our sink or as lzma-rs' memory
        // limit, which we set to the declared size plus one.
        if overflowed || error.to_string().contains("exceeded memory limit") {
            return Err(output.too_long());
        }
        return Err(output.corrupt(error.to_string()));
    }
    output.finish()
}
