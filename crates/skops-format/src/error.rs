//! The one error type of `skops-format`: every way a `.skops` file can be wrong, by name.
//!
//! Messages follow the Rust API guidelines: lowercase, no trailing period, literals in
//! backticks. Wrapped errors are `#[source]` and not repeated in the message. Callers
//! (`skops-py`, `skops-cli`) match this enum exhaustively, so adding a variant is a decision
//! about which Python exception and exit code it maps to.
//!
//! The enum is grouped by layer; keep new variants inside their layer's block.

/// A result whose error is [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Everything that can go wrong while reading, writing or auditing a `.skops` file.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    // ----- I/O -------------------------------------------------------------------------------
    /// Reading or writing a file on disk failed.
    #[error("cannot access `{path}`")]
    Io {
        /// The path that was being read or written.
        path: String,
        /// The underlying I/O error.
        #[source]
        source: std::io::Error,
    },

    // ----- limits ----------------------------------------------------------------------------
    /// A size, count or depth read from the file is larger than the limit allows.
    #[error("{what} is {value}, above the limit of {limit}")]
    LimitExceeded {
        /// What was measured (e.g. "member count", "`schema.json` size").
        what: String,
        /// The value found in the file.
        value: u64,
        /// The limit it exceeded (see [`crate::limits`]).
        limit: u64,
    },
    // ----- container (zip) -------------------------------------------------------------------
    /// The file has no end-of-central-directory record, so it is not a zip archive.
    #[error("not a zip archive: no end of central directory record found")]
    ZipNotAnArchive,

    /// A structure of the archive runs past the end of the file.
    #[error(
        "zip archive is truncated: {what} at offset {offset} needs {needed} bytes but the file has {file_size}"
    )]
    ZipTruncated {
        /// The structure that does not fit (e.g. "local header of `schema.json`").
        what: String,
        /// Where it starts.
        offset: u64,
        /// How many bytes it needs from there.
        needed: u64,
        /// The size of the whole file.
        file_size: u64,
    },

    /// A record does not start with its signature.
    #[error("zip archive is corrupt: {what} at offset {offset} has a bad signature")]
    ZipBadSignature {
        /// The record expected there (e.g. "central directory entry #3").
        what: String,
        /// Where it was expected.
        offset: u64,
    },

    /// The archive spans several disks (split archive), which no `.skops` writer produces.
    #[error("zip archive spans several disks, which is not supported")]
    ZipMultiDisk,

    /// Two values that describe the same thing disagree (end records and central directory).
    #[error("zip archive is corrupt: {what} is {found}, expected {expected}")]
    ZipInconsistent {
        /// What was compared (e.g. "central directory size").
        what: String,
        /// The value implied by the rest of the archive.
        expected: u64,
        /// The value found.
        found: u64,
    },

    /// An extra field is malformed (its length runs past the field, or a zip64 value is missing).
    #[error("zip member `{member}` has a malformed extra field: {reason}")]
    ZipBadExtraField {
        /// The member's name (or its central directory position if the name is not known yet).
        member: String,
        /// What is wrong.
        reason: String,
    },

    /// A member is encrypted.
    #[error("zip member `{member}` is encrypted, which is not supported")]
    ZipEncrypted {
        /// The member's name.
        member: String,
    },

    /// A member uses a compression method other than stored, deflate, bzip2 or lzma.
    #[error("zip member `{member}` uses unsupported compression method {method}")]
    ZipUnsupportedCompression {
        /// The member's name.
        member: String,
        /// The method id from the central directory.
        method: u16,
    },

    /// A member name is unsafe or undecodable (empty, absolute, `..`, NUL, backslash, bad UTF-8).
    #[error("zip member name `{member}` is not allowed: {reason}")]
    ZipInvalidName {
        /// The name, decoded lossily if it is not valid UTF-8.
        member: String,
        /// Why it is refused.
        reason: &'static str,
    },

    /// Two members have the same name.
    #[error("zip member `{member}` appears more than once")]
    ZipDuplicateMember {
        /// The repeated name.
        member: String,
    },

    /// A stored (uncompressed) member declares different compressed and uncompressed sizes.
    #[error(
        "stored zip member `{member}` declares {compressed} bytes compressed but {uncompressed} uncompressed"
    )]
    ZipStoredSizeMismatch {
        /// The member's name.
        member: String,
        /// Its declared compressed size.
        compressed: u64,
        /// Its declared uncompressed size.
        uncompressed: u64,
    },

    /// A local header disagrees with the central directory about a member.
    #[error(
        "zip member `{member}`: local header {field} is {local}, central directory says {central}"
    )]
    ZipLocalHeaderMismatch {
        /// The member's name.
        member: String,
        /// The field that differs (e.g. "CRC-32", "compression method").
        field: &'static str,
        /// The central directory's value.
        central: u64,
        /// The local header's value.
        local: u64,
    },

    /// A local header names its member differently from the central directory.
    #[error("zip member `{member}`: local header names it `{local}`")]
    ZipLocalNameMismatch {
        /// The member's name in the central directory.
        member: String,
        /// The name in the local header, decoded lossily.
        local: String,
    },

    /// A data descriptor is missing or disagrees with the central directory.
    #[error("zip member `{member}` has no data descriptor matching the central directory")]
    ZipDataDescriptorMismatch {
        /// The member's name.
        member: String,
    },

    /// Two members' bytes (local header, data, descriptor) overlap, or a member overlaps the
    /// central directory.
    #[error("zip member `{member}` overlaps {other}")]
    ZipOverlappingMembers {
        /// The member's name.
        member: String,
        /// What it overlaps (another member, quoted, or "the central directory").
        other: String,
    },

    /// A member that was asked for is not in the archive.
    #[error("zip archive has no member `{member}`")]
    ZipMemberNotFound {
        /// The name asked for.
        member: String,
    },

    /// A member decompresses to more bytes than its declared size.
    #[error("zip member `{member}` decompresses to more than its declared {declared} bytes")]
    ZipMemberTooLong {
        /// The member's name.
        member: String,
        /// Its declared uncompressed size.
        declared: u64,
    },

    /// A member decompresses to fewer bytes than its declared size.
    #[error(
        "zip member `{member}` decompresses to {found} bytes, fewer than its declared {declared}"
    )]
    ZipMemberTooShort {
        /// The member's name.
        member: String,
        /// Its declared uncompressed size.
        declared: u64,
        /// How many bytes it produced.
        found: u64,
    },

    /// A member's CRC-32 does not match its content.
    #[error("zip member `{member}` has CRC-32 {found:#010x}, expected {expected:#010x}")]
    ZipCrcMismatch {
        /// The member's name.
        member: String,
        /// The CRC-32 from the central directory.
        expected: u32,
        /// The CRC-32 of the decompressed bytes.
        found: u32,
    },

    /// A member's compressed stream is corrupt.
    #[error("zip member `{member}` has corrupt {method} data")]
    ZipCorruptData {
        /// The member's name.
        member: String,
        /// The compression method (e.g. "deflate").
        method: &'static str,
        /// What the decompressor reported.
        #[source]
        source: std::io::Error,
    },

    /// Memory for a member could not be reserved.
    #[error("cannot allocate {size} bytes for zip member `{member}`")]
    ZipAllocation {
        /// The member's name.
        member: String,
        /// How many bytes were asked for.
        size: u64,
    },

    /// The writer was given a deflate level outside 0-9.
    #[error("deflate level {level} is not in 0-9")]
    ZipInvalidCompressionLevel {
        /// The level given.
        level: u32,
    },

    /// Compressing a member while writing failed.
    #[error("cannot compress zip member `{member}`")]
    ZipCompression {
        /// The member's name.
        member: String,
        /// What the compressor reported.
        #[source]
        source: std::io::Error,
    },
    // ----- json ------------------------------------------------------------------------------
    // (json variants go here)

    // ----- npy / npz -------------------------------------------------------------------------
    // (npy and npz variants go here)

    // ----- schema ----------------------------------------------------------------------------
    // (schema variants go here)

    // ----- audit -----------------------------------------------------------------------------
    // (audit variants go here)
}
