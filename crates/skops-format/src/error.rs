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
    // (container variants go here)

    // ----- json ------------------------------------------------------------------------------
    // (json variants go here)

    // ----- npy / npz -------------------------------------------------------------------------
    /// The bytes do not start with the `.npy` magic string.
    #[error("not a `.npy` array: the magic string `\\x93NUMPY` is missing")]
    NpyBadMagic,
    /// The `.npy` format version is not 1.0, 2.0 or 3.0.
    #[error("unsupported `.npy` format version {major}.{minor}")]
    NpyUnsupportedVersion {
        /// Major version byte.
        major: u8,
        /// Minor version byte.
        minor: u8,
    },
    /// The `.npy` bytes end before the header does.
    #[error("`.npy` header is truncated: it needs {needed} bytes but only {available} are present")]
    NpyTruncatedHeader {
        /// Bytes the magic, length field and header need.
        needed: u64,
        /// Bytes actually present.
        available: u64,
    },
    /// The header bytes are not valid text in the version's encoding.
    #[error("`.npy` header is not valid {encoding}")]
    NpyHeaderEncoding {
        /// `latin-1` (versions 1 and 2) or `UTF-8` (version 3).
        encoding: &'static str,
    },
    /// The header text is not a Python literal of the subset numpy writes.
    #[error("`.npy` header is not a valid Python literal at byte {offset}: {reason}")]
    NpyHeaderSyntax {
        /// Byte offset into the header text.
        offset: u64,
        /// What was wrong there.
        reason: String,
    },
    /// The header literal is not the dict numpy expects (keys, value types).
    #[error("invalid `.npy` header: {reason}")]
    NpyInvalidHeader {
        /// What was wrong.
        reason: String,
    },
    /// The `descr` value is not a dtype descriptor numpy writes.
    #[error("invalid `.npy` dtype descriptor `{descr}`: {reason}")]
    NpyInvalidDescr {
        /// The offending descriptor (or part of it), as text.
        descr: String,
        /// What was wrong.
        reason: String,
    },
    /// The dtype is or contains `object` (`|O`), which only pickle can load.
    #[error("`.npy` arrays of `object` dtype are refused: they can only be loaded with pickle")]
    NpyObjectDtype,
    /// The element count or byte length of the declared array overflows 64 bits.
    #[error("`.npy` array size overflows: shape {shape:?} with an item size of {itemsize} bytes")]
    NpySizeOverflow {
        /// The declared shape.
        shape: Vec<u64>,
        /// The item size of the dtype in bytes.
        itemsize: u64,
    },
    /// The data after the header is not exactly as long as the header declares.
    #[error("`.npy` data is {actual} bytes, but the header declares {expected}")]
    NpyDataLength {
        /// Bytes the shape and dtype require.
        expected: u64,
        /// Bytes present.
        actual: u64,
    },
    /// A header is too large for any `.npy` version.
    #[error("`.npy` header of {size} bytes is too large to write")]
    NpyHeaderTooLarge {
        /// The header size in bytes.
        size: u64,
    },
    /// A member of a sparse `.npz` is not a valid `.npy` array.
    #[error("invalid sparse `.npz` member `{name}`")]
    NpzMember {
        /// The member name.
        name: String,
        /// Why it is invalid.
        #[source]
        source: Box<Error>,
    },
    /// A member a sparse format needs is missing.
    #[error("sparse `.npz` of format `{format}` has no `{name}` member")]
    NpzMissingMember {
        /// The sparse format (`csr`, `coo`, ...) or `unknown`.
        format: String,
        /// The missing member name (without `.npy`).
        name: String,
    },
    /// A member is not one scipy writes for this format, or appears twice.
    #[error("sparse `.npz` of format `{format}` has an unexpected member `{name}`")]
    NpzUnexpectedMember {
        /// The sparse format (`csr`, `coo`, ...) or `unknown`.
        format: String,
        /// The unexpected member name.
        name: String,
    },
    /// The `format` member names no sparse format scipy can save.
    #[error("unknown sparse format `{format}`")]
    NpzUnknownFormat {
        /// The decoded (or escaped) format text.
        format: String,
    },
    /// The members disagree with each other or have the wrong dtype or rank.
    #[error("invalid sparse `.npz` structure: {reason}")]
    NpzInvalidStructure {
        /// What was wrong.
        reason: String,
    },
    // ----- schema ----------------------------------------------------------------------------
    // (schema variants go here)

    // ----- audit -----------------------------------------------------------------------------
    // (audit variants go here)
}
