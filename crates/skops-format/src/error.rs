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
    /// `schema.json` (or another JSON text) is not valid UTF-8.
    #[error("JSON text is not valid UTF-8 at byte {offset}")]
    JsonNotUtf8 {
        /// Byte offset of the first invalid byte.
        offset: u64,
    },
    /// JSON syntax error.
    #[error("invalid JSON at byte {offset}: {reason}")]
    JsonSyntax {
        /// Byte offset where parsing stopped.
        offset: u64,
        /// What was wrong there.
        reason: &'static str,
    },
    /// Arrays and objects nest deeper than the limit.
    #[error("JSON nesting at byte {offset} is deeper than the limit of {limit}")]
    JsonTooDeep {
        /// Byte offset of the bracket that went too deep.
        offset: u64,
        /// The depth limit (see [`crate::limits::MAX_JSON_DEPTH`]).
        limit: u64,
    },
    /// A `\uXXXX` escape names half of a surrogate pair without the other half. Python accepts
    /// it; we refuse it because the result is not valid Unicode text.
    #[error("JSON string has a lone surrogate escape at byte {offset}")]
    JsonLoneSurrogate {
        /// Byte offset of the escape's backslash.
        offset: u64,
    },
    /// An integer literal longer than Python converts (`sys.get_int_max_str_digits()`, 4,300).
    #[error("JSON integer at byte {offset} has {digits} digits, more than Python's limit of 4300")]
    JsonIntegerTooLong {
        /// Byte offset of the number (0 when checking a lone number text).
        offset: u64,
        /// How many digits it has.
        digits: u64,
    },
    /// A text given as a JSON number is not one.
    #[error("`{text}` is not a JSON number")]
    JsonInvalidNumber {
        /// The text (its first 64 characters).
        text: String,
    },
    // ----- npy / npz -------------------------------------------------------------------------
    // (npy and npz variants go here)

    // ----- schema ----------------------------------------------------------------------------
    // (schema variants go here)

    // ----- audit -----------------------------------------------------------------------------
    // (audit variants go here)
}
