//! The one error type of `skops-format`: every way a `.skops` file's format can be wrong, by
//! name, in families (zip, JSON, npy, npz, schema, file; I/O and limits on their own). What
//! scikit-learn knowledge refuses (validators, audit, policies) is `skops_trust::Error`.
//!
//! Messages follow the Rust API guidelines: lowercase, no trailing period, literals in
//! backticks. Wrapped errors are `#[source]` and not repeated in the message; a family is
//! transparent (its error's message is the message). Every problem has a stable, kebab-case
//! `kind()` (`docs/errors.md`): the one vocabulary of Python's `SkopsFormatError.kind`, the CLI,
//! JSON reports and test expectations. Adding a variant means adding its kind to its family's
//! `error_kinds!` table (the compiler asks for it) and its hint to the CLI.

/// A result whose error is [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Gives an error family its `kind()` (the table of stable names) and its kind enum (the
/// variants without data, from `strum::EnumDiscriminants`) `name()` and `all()`. A wrapper
/// variant (one that only adds where a problem is) has the kind of its `source`.
#[macro_export]
macro_rules! error_kinds {
    ($error:ident / $kind:ident { $($variant:ident => $name:literal,)* }
     $(wrappers { $($wrapper:ident,)* })?) => {
        impl $kind {
            /// The stable, kebab-case name of the problem (`None` for a wrapper).
            pub fn name(self) -> Option<&'static str> {
                match self {
                    $(Self::$variant => Some($name),)*
                    $($(Self::$wrapper => None,)*)?
                }
            }

            /// Every kind of this family.
            pub fn all() -> impl Iterator<Item = &'static str> {
                <Self as $crate::__strum::IntoEnumIterator>::iter().filter_map(Self::name)
            }
        }

        impl $error {
            /// The stable, kebab-case name of the problem (`docs/errors.md`).
            pub fn kind(&self) -> &'static str {
                match self {
                    $($(Self::$wrapper { source, .. } => source.kind(),)*)?
                    #[allow(unreachable_patterns)]
                    other => $kind::from(other).name().unwrap_or_default(),
                }
            }
        }
    };
}

/// Everything that can be wrong with a `.skops` file's format, by family.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// Reading or writing a file on disk failed.
    #[error("cannot access `{path}`")]
    Io {
        /// The path that was being read or written.
        path: String,
        /// The underlying I/O error.
        #[source]
        source: std::io::Error,
    },
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
    /// The zip container.
    #[error(transparent)]
    Zip(#[from] ZipError),
    /// The JSON text.
    #[error(transparent)]
    Json(#[from] JsonError),
    /// A `.npy` array member.
    #[error(transparent)]
    Npy(#[from] NpyError),
    /// A sparse `.npz` member.
    #[error(transparent)]
    Npz(#[from] NpzError),
    /// The nodes of `schema.json`.
    #[error(transparent)]
    Schema(#[from] SchemaError),
    /// The file as a whole (members against nodes, budgets).
    #[error(transparent)]
    File(#[from] FileError),
}

impl Error {
    /// The stable, kebab-case name of the problem (`docs/errors.md`): its family's, or `io` and
    /// `limit-exceeded`.
    pub fn kind(&self) -> &'static str {
        match self {
            Self::Io { .. } => "io",
            Self::LimitExceeded { .. } => "limit-exceeded",
            Self::Zip(error) => error.kind(),
            Self::Json(error) => error.kind(),
            Self::Npy(error) => error.kind(),
            Self::Npz(error) => error.kind(),
            Self::Schema(error) => error.kind(),
            Self::File(error) => error.kind(),
        }
    }

    /// Every kind a format error can have.
    pub fn kinds() -> impl Iterator<Item = &'static str> {
        ["io", "limit-exceeded"]
            .into_iter()
            .chain(ZipErrorKind::all())
            .chain(JsonErrorKind::all())
            .chain(NpyErrorKind::all())
            .chain(NpzErrorKind::all())
            .chain(SchemaErrorKind::all())
            .chain(FileErrorKind::all())
    }
}

/// What is wrong with the zip container.
#[derive(Debug, thiserror::Error, strum::EnumDiscriminants)]
#[strum_discriminants(name(ZipErrorKind), derive(strum::EnumIter))]
#[strum_discriminants(doc = "The variants of [`ZipError`], without their data.")]
pub enum ZipError {
    /// The file has no end-of-central-directory record, so it is not a zip archive.
    #[error("not a zip archive: no end of central directory record found")]
    NotAnArchive,
    /// A structure of the archive runs past the end of the file.
    #[error(
        "zip archive is truncated: {what} at offset {offset} needs {needed} bytes but the file has {file_size}"
    )]
    Truncated {
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
    BadSignature {
        /// The record expected there (e.g. "central directory entry #3").
        what: String,
        /// Where it was expected.
        offset: u64,
    },
    /// The archive spans several disks (split archive), which no `.skops` writer produces.
    #[error("zip archive spans several disks, which is not supported")]
    MultiDisk,
    /// Two values that describe the same thing disagree (end records and central directory).
    #[error("zip archive is corrupt: {what} is {found}, expected {expected}")]
    Inconsistent {
        /// What was compared (e.g. "central directory size").
        what: String,
        /// The value implied by the rest of the archive.
        expected: u64,
        /// The value found.
        found: u64,
    },
    /// An extra field is malformed (its length runs past the field, or a zip64 value is missing).
    #[error("zip member `{member}` has a malformed extra field: {reason}")]
    BadExtraField {
        /// The member's name (or its central directory position if the name is not known yet).
        member: String,
        /// What is wrong.
        reason: String,
    },
    /// A member is encrypted.
    #[error("zip member `{member}` is encrypted, which is not supported")]
    Encrypted {
        /// The member's name.
        member: String,
    },
    /// A member uses a compression method other than stored, deflate, bzip2 or lzma.
    #[error("zip member `{member}` uses unsupported compression method {method}")]
    UnsupportedCompression {
        /// The member's name.
        member: String,
        /// The method id from the central directory.
        method: u16,
    },
    /// A member name is unsafe or undecodable (empty, absolute, `..`, NUL, backslash, bad UTF-8).
    #[error("zip member name `{member}` is not allowed: {reason}")]
    InvalidName {
        /// The name, decoded lossily if it is not valid UTF-8.
        member: String,
        /// Why it is refused.
        reason: &'static str,
    },
    /// Two members have the same name.
    #[error("zip member `{member}` appears more than once")]
    DuplicateMember {
        /// The repeated name.
        member: String,
    },
    /// A stored (uncompressed) member declares different compressed and uncompressed sizes.
    #[error(
        "stored zip member `{member}` declares {compressed} bytes compressed but {uncompressed} uncompressed"
    )]
    StoredSizeMismatch {
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
    LocalHeaderMismatch {
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
    LocalNameMismatch {
        /// The member's name in the central directory.
        member: String,
        /// The name in the local header, decoded lossily.
        local: String,
    },
    /// A data descriptor is missing or disagrees with the central directory.
    #[error("zip member `{member}` has no data descriptor matching the central directory")]
    DataDescriptorMismatch {
        /// The member's name.
        member: String,
    },
    /// Two members' bytes (local header, data, descriptor) overlap, or a member overlaps the
    /// central directory.
    #[error("zip member `{member}` overlaps {other}")]
    OverlappingMembers {
        /// The member's name.
        member: String,
        /// What it overlaps (another member, quoted, or "the central directory").
        other: String,
    },
    /// A member that was asked for is not in the archive.
    #[error("zip archive has no member `{member}`")]
    MemberNotFound {
        /// The name asked for.
        member: String,
    },
    /// A member decompresses to more bytes than its declared size.
    #[error("zip member `{member}` decompresses to more than its declared {declared} bytes")]
    MemberTooLong {
        /// The member's name.
        member: String,
        /// Its declared uncompressed size.
        declared: u64,
    },
    /// A member decompresses to fewer bytes than its declared size.
    #[error(
        "zip member `{member}` decompresses to {found} bytes, fewer than its declared {declared}"
    )]
    MemberTooShort {
        /// The member's name.
        member: String,
        /// Its declared uncompressed size.
        declared: u64,
        /// How many bytes it produced.
        found: u64,
    },
    /// A member's CRC-32 does not match its content.
    #[error("zip member `{member}` has CRC-32 {found:#010x}, expected {expected:#010x}")]
    CrcMismatch {
        /// The member's name.
        member: String,
        /// The CRC-32 from the central directory.
        expected: u32,
        /// The CRC-32 of the decompressed bytes.
        found: u32,
    },
    /// A member's compressed stream is corrupt.
    #[error("zip member `{member}` has corrupt {method} data")]
    CorruptData {
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
    Allocation {
        /// The member's name.
        member: String,
        /// How many bytes were asked for.
        size: u64,
    },
    /// The writer was given a deflate level outside 0-9.
    #[error("deflate level {level} is not in 0-9")]
    InvalidCompressionLevel {
        /// The level given.
        level: u32,
    },
    /// Compressing a member while writing failed.
    #[error("cannot compress zip member `{member}`")]
    Compression {
        /// The member's name.
        member: String,
        /// What the compressor reported.
        #[source]
        source: std::io::Error,
    },
}

crate::error_kinds!(ZipError / ZipErrorKind {
    NotAnArchive => "zip-not-an-archive",
    Truncated => "zip-truncated",
    BadSignature => "zip-bad-signature",
    MultiDisk => "zip-multi-disk",
    Inconsistent => "zip-inconsistent",
    BadExtraField => "zip-bad-extra-field",
    Encrypted => "zip-encrypted",
    UnsupportedCompression => "zip-unsupported-compression",
    InvalidName => "zip-invalid-name",
    DuplicateMember => "zip-duplicate-member",
    StoredSizeMismatch => "zip-stored-size-mismatch",
    LocalHeaderMismatch => "zip-local-header-mismatch",
    LocalNameMismatch => "zip-local-name-mismatch",
    DataDescriptorMismatch => "zip-data-descriptor-mismatch",
    OverlappingMembers => "zip-overlapping-members",
    MemberNotFound => "zip-member-not-found",
    MemberTooLong => "zip-member-too-long",
    MemberTooShort => "zip-member-too-short",
    CrcMismatch => "zip-crc-mismatch",
    CorruptData => "zip-corrupt-data",
    Allocation => "zip-allocation",
    InvalidCompressionLevel => "zip-invalid-compression-level",
    Compression => "zip-compression",
});

/// What is wrong with the JSON text of `schema.json` (or of a JSON node).
#[derive(Debug, thiserror::Error, strum::EnumDiscriminants)]
#[strum_discriminants(name(JsonErrorKind), derive(strum::EnumIter))]
#[strum_discriminants(doc = "The variants of [`JsonError`], without their data.")]
pub enum JsonError {
    /// `schema.json` (or another JSON text) is not valid UTF-8.
    #[error("JSON text is not valid UTF-8 at byte {offset}")]
    NotUtf8 {
        /// Byte offset of the first invalid byte.
        offset: u64,
    },
    /// JSON syntax error.
    #[error("invalid JSON at byte {offset}: {reason}")]
    Syntax {
        /// Byte offset where parsing stopped.
        offset: u64,
        /// What was wrong there.
        reason: &'static str,
    },
    /// Arrays and objects nest deeper than the limit.
    #[error("JSON nesting at byte {offset} is deeper than the limit of {limit}")]
    TooDeep {
        /// Byte offset of the bracket that went too deep.
        offset: u64,
        /// The depth limit (see [`crate::limits::MAX_JSON_DEPTH`]).
        limit: u64,
    },
    /// An integer literal longer than Python converts (`sys.get_int_max_str_digits()`, 4,300).
    #[error("JSON integer at byte {offset} has {digits} digits, more than Python's limit of 4300")]
    IntegerTooLong {
        /// Byte offset of the number (0 when checking a lone number text).
        offset: u64,
        /// How many digits it has.
        digits: u64,
    },
    /// A text given as a JSON number is not one.
    #[error("`{text}` is not a JSON number")]
    InvalidNumber {
        /// The text (its first 64 characters).
        text: String,
    },
}

crate::error_kinds!(JsonError / JsonErrorKind {
    NotUtf8 => "json-not-utf8",
    Syntax => "json-syntax",
    TooDeep => "json-too-deep",
    IntegerTooLong => "json-integer-too-long",
    InvalidNumber => "json-invalid-number",
});

/// What is wrong with a `.npy` array member.
#[derive(Debug, thiserror::Error, strum::EnumDiscriminants)]
#[strum_discriminants(name(NpyErrorKind), derive(strum::EnumIter))]
#[strum_discriminants(doc = "The variants of [`NpyError`], without their data.")]
pub enum NpyError {
    /// The bytes do not start with the `.npy` magic string.
    #[error("not a `.npy` array: the magic string `\\x93NUMPY` is missing")]
    BadMagic,
    /// The `.npy` format version is not 1.0, 2.0 or 3.0.
    #[error("unsupported `.npy` format version {major}.{minor}")]
    UnsupportedVersion {
        /// Major version byte.
        major: u8,
        /// Minor version byte.
        minor: u8,
    },
    /// The `.npy` bytes end before the header does.
    #[error("`.npy` header is truncated: it needs {needed} bytes but only {available} are present")]
    TruncatedHeader {
        /// Bytes the magic, length field and header need.
        needed: u64,
        /// Bytes actually present.
        available: u64,
    },
    /// The header bytes are not valid text in the version's encoding.
    #[error("`.npy` header is not valid {encoding}")]
    HeaderEncoding {
        /// `latin-1` (versions 1 and 2) or `UTF-8` (version 3).
        encoding: &'static str,
    },
    /// The header text is not a Python literal of the subset numpy writes.
    #[error("`.npy` header is not a valid Python literal at byte {offset}: {reason}")]
    HeaderSyntax {
        /// Byte offset into the header text.
        offset: u64,
        /// What was wrong there.
        reason: String,
    },
    /// The header literal is not the dict numpy expects (keys, value types).
    #[error("invalid `.npy` header: {reason}")]
    InvalidHeader {
        /// What was wrong.
        reason: String,
    },
    /// The `descr` value is not a dtype descriptor numpy writes.
    #[error("invalid `.npy` dtype descriptor `{descr}`: {reason}")]
    InvalidDescr {
        /// The offending descriptor (or part of it), as text.
        descr: String,
        /// What was wrong.
        reason: String,
    },
    /// The dtype is or contains `object` (`|O`), which only pickle can load.
    #[error("`.npy` arrays of `object` dtype are refused: they can only be loaded with pickle")]
    ObjectDtype,
    /// The element count or byte length of the declared array overflows 64 bits.
    #[error("`.npy` array size overflows: shape {shape:?} with an item size of {itemsize} bytes")]
    SizeOverflow {
        /// The declared shape.
        shape: Vec<u64>,
        /// The item size of the dtype in bytes.
        itemsize: u64,
    },
    /// The data after the header is not exactly as long as the header declares.
    #[error("`.npy` data is {actual} bytes, but the header declares {expected}")]
    DataLength {
        /// Bytes the shape and dtype require.
        expected: u64,
        /// Bytes present.
        actual: u64,
    },
    /// A header is too large for any `.npy` version.
    #[error("`.npy` header of {size} bytes is too large to write")]
    HeaderTooLarge {
        /// The header size in bytes.
        size: u64,
    },
}

crate::error_kinds!(NpyError / NpyErrorKind {
    BadMagic => "npy-bad-magic",
    UnsupportedVersion => "npy-unsupported-version",
    TruncatedHeader => "npy-truncated-header",
    HeaderEncoding => "npy-header-encoding",
    HeaderSyntax => "npy-header-syntax",
    InvalidHeader => "npy-invalid-header",
    InvalidDescr => "npy-invalid-descr",
    ObjectDtype => "npy-object-dtype",
    SizeOverflow => "npy-size-overflow",
    DataLength => "npy-data-length",
    HeaderTooLarge => "npy-header-too-large",
});

/// What is wrong with a sparse `.npz` member.
#[derive(Debug, thiserror::Error, strum::EnumDiscriminants)]
#[strum_discriminants(name(NpzErrorKind), derive(strum::EnumIter))]
#[strum_discriminants(doc = "The variants of [`NpzError`], without their data.")]
pub enum NpzError {
    /// A member of a sparse `.npz` is not a valid `.npy` array.
    #[error("invalid sparse `.npz` member `{name}`")]
    Member {
        /// The member name.
        name: String,
        /// Why it is invalid.
        #[source]
        source: Box<Error>,
    },
    /// A member a sparse format needs is missing.
    #[error("sparse `.npz` of format `{format}` has no `{name}` member")]
    MissingMember {
        /// The sparse format (`csr`, `coo`, ...) or `unknown`.
        format: String,
        /// The missing member name (without `.npy`).
        name: String,
    },
    /// A member is not one scipy writes for this format, or appears twice.
    #[error("sparse `.npz` of format `{format}` has an unexpected member `{name}`")]
    UnexpectedMember {
        /// The sparse format (`csr`, `coo`, ...) or `unknown`.
        format: String,
        /// The unexpected member name.
        name: String,
    },
    /// The `format` member names no sparse format scipy can save.
    #[error("unknown sparse format `{format}`")]
    UnknownFormat {
        /// The decoded (or escaped) format text.
        format: String,
    },
    /// The members disagree with each other or have the wrong dtype or rank.
    #[error("invalid sparse `.npz` structure: {reason}")]
    InvalidStructure {
        /// What was wrong.
        reason: String,
    },
}

crate::error_kinds!(NpzError / NpzErrorKind {
    MissingMember => "npz-missing-member",
    UnexpectedMember => "npz-unexpected-member",
    UnknownFormat => "npz-unknown-format",
    InvalidStructure => "npz-invalid-structure",
} wrappers {
    Member,
});

/// What is wrong with the nodes of `schema.json`, as skops 0.16's `get_tree` reads them.
#[derive(Debug, thiserror::Error, strum::EnumDiscriminants)]
#[strum_discriminants(name(SchemaErrorKind), derive(strum::EnumIter))]
#[strum_discriminants(doc = "The variants of [`SchemaError`], without their data.")]
pub enum SchemaError {
    /// A node state (or the whole schema) is not a JSON object.
    #[error("expected a node state (a JSON object) at `{path}`, found {found}")]
    NodeNotObject {
        /// JSONPath of the value, e.g. `$["content"]["steps"]`.
        path: String,
        /// The JSON type found.
        found: &'static str,
    },
    /// `protocol` is missing or not an integer (skops: `TypeError("Invalid skops protocol
    /// {found} in schema.json, expected an integer.")`).
    #[error("invalid protocol {found} in `schema.json`, expected an integer")]
    InvalidProtocol {
        /// Python's `repr()` of the value found (`None` when missing).
        found: String,
    },
    /// `protocol` is newer than skops 0.16 reads (skops: `ValueError`).
    #[error(
        "the file was saved with protocol {protocol}, but only protocols up to {supported} are supported"
    )]
    ProtocolTooNew {
        /// The protocol, in decimal.
        protocol: String,
        /// The newest protocol supported.
        supported: i64,
    },
    /// `protocol` is negative (skops: `ValueError`).
    #[error("invalid protocol {protocol} in `schema.json`, expected a value between 0 and 2")]
    ProtocolNegative {
        /// The protocol, in decimal.
        protocol: String,
    },
    /// A key the loader needs is missing (skops: `KeyError`).
    #[error("missing key `{key}` at `{path}`")]
    MissingKey {
        /// The key.
        key: String,
        /// JSONPath of the object that lacks it.
        path: String,
    },
    /// A key has another JSON type than skops writes.
    #[error("key `{key}` at `{path}` should be {expected}, found {found}")]
    WrongType {
        /// The key.
        key: String,
        /// The expected JSON type.
        expected: &'static str,
        /// The JSON type found.
        found: &'static str,
        /// JSONPath of the object holding the key.
        path: String,
    },
    /// No loader of that name for the protocol (skops: `TypeError(" Can't find loader {loader}
    /// for type {module}.{class} and protocol {protocol}. You might need to update skops to load
    /// this file.")`).
    #[error("no loader `{loader}` for type `{module}.{class}` and protocol {protocol} at `{path}`")]
    UnknownLoader {
        /// The `__loader__` value.
        loader: String,
        /// `__module__`.
        module: String,
        /// `__class__`.
        class: String,
        /// The file's protocol.
        protocol: i64,
        /// JSONPath of the node state.
        path: String,
    },
    /// A `CachedNode` names an `__id__` not seen before (skops: `ValueError("A cached node refers
    /// to an unknown object id {id!r}. ...")`).
    #[error("a cached node at `{path}` refers to an unknown object id {}", .id.map_or_else(|| "None".to_owned(), |id| id.to_string()))]
    CachedNodeUnknownId {
        /// The `__id__` (None when missing).
        id: Option<u64>,
        /// JSONPath of the node state.
        path: String,
    },
    /// A node state names the `__id__` of one of its ancestors: Python would build a cyclic
    /// tree; we refuse it.
    #[error("node at `{path}` refers to its own ancestor by `__id__` {id}")]
    IdCycle {
        /// The `__id__`.
        id: u64,
        /// JSONPath of the referring state.
        path: String,
    },
    /// An NdArrayNode `type` other than `numpy` or `json` (skops: `ValueError("Unknown type
    /// {found}.")`).
    #[error("unknown array type `{found}` at `{path}`")]
    UnknownArrayType {
        /// Python's `str()` of the `type` value.
        found: String,
        /// JSONPath of the node state.
        path: String,
    },
    /// A SparseMatrixNode `type` other than `scipy` (skops: `TypeError("Cannot load object of
    /// type {module}.{class}")`).
    #[error("cannot load sparse object of type `{module}.{class}` at `{path}`")]
    SparseType {
        /// `__module__`.
        module: String,
        /// `__class__`.
        class: String,
        /// JSONPath of the node state.
        path: String,
    },
    /// A MethodNode whose type is not its instance's type (skops: `ValueError("Expected object
    /// of type {expected_module}.{expected_class}, got {found_module}.{found_class}. This is
    /// probably due to a corrupted or a malicious file.")`).
    #[error(
        "method at `{path}` expects an object of type `{expected_module}.{expected_class}`, got `{found_module}.{found_class}`"
    )]
    MethodTypeMismatch {
        /// The MethodNode's `__module__`.
        expected_module: String,
        /// The MethodNode's `__class__`.
        expected_class: String,
        /// The instance node's `__module__`.
        found_module: String,
        /// The instance node's `__class__`.
        found_class: String,
        /// JSONPath of the MethodNode state.
        path: String,
    },
    /// An OperatorFuncNode outside module `operator` (skops: `ValueError("Expected module
    /// 'operator', got {module}. This is probably due to a corrupted or a malicious file.")`).
    #[error("operator function at `{path}` has module `{module}`, expected `operator`")]
    OperatorModule {
        /// The `__module__` found.
        module: String,
        /// JSONPath of the node state.
        path: String,
    },
    /// A Generator state without a string bit-generator name (skops: `ValueError("Could not find
    /// the bit generator name in the numpy.random.Generator state. ...")`).
    #[error("no bit generator name in the `numpy.random.Generator` state at `{path}`")]
    BitGeneratorNameMissing {
        /// JSONPath of the node state.
        path: String,
    },
    /// A [`crate::schema::SchemaBuilder`] node names a loader that does not match its kind.
    #[error("node has loader `{loader}` but its kind is read by `{expected}`")]
    LoaderMismatch {
        /// The loader given.
        loader: &'static str,
        /// The loader of the node's kind.
        expected: &'static str,
    },
    /// A [`crate::schema::SchemaBuilder`] node refers to a node that was not added before it.
    #[error("node id {index} was not added to the schema builder")]
    UnknownNodeId {
        /// The id's index.
        index: u64,
    },
    /// A [`crate::schema::SchemaBuilder`] node has a form another protocol uses.
    #[error("`{loader}` node does not have the form protocol {protocol} uses")]
    NodeProtocolMismatch {
        /// The node's loader.
        loader: &'static str,
        /// The schema's protocol.
        protocol: i64,
    },
    /// A string skops uses as a name (`__module__`, `__class__`, `__loader__`, a method or
    /// function name, an archive member, the bit generator) holds a lone surrogate. Nothing has
    /// such a name, so skops 0.16 fails on the file too (it lists the type as untrusted, and
    /// raises `ModuleNotFoundError`, `AttributeError` or `KeyError` once it is trusted).
    #[error(
        "`{key}` at `{path}` is {value}, with a lone surrogate: no module, class, loader, \
         attribute or archive member has such a name"
    )]
    LoneSurrogate {
        /// The key.
        key: String,
        /// The string as JSON (ASCII: the surrogate escaped).
        value: String,
        /// JSONPath of the object holding the key.
        path: String,
    },
}

crate::error_kinds!(SchemaError / SchemaErrorKind {
    NodeNotObject => "schema-node-not-object",
    InvalidProtocol => "schema-invalid-protocol",
    ProtocolTooNew => "schema-protocol-too-new",
    ProtocolNegative => "schema-protocol-negative",
    MissingKey => "schema-missing-key",
    WrongType => "schema-wrong-type",
    UnknownLoader => "schema-unknown-loader",
    CachedNodeUnknownId => "schema-cached-node-unknown-id",
    IdCycle => "schema-id-cycle",
    UnknownArrayType => "schema-unknown-array-type",
    SparseType => "schema-sparse-type",
    MethodTypeMismatch => "schema-method-type-mismatch",
    OperatorModule => "schema-operator-module",
    BitGeneratorNameMissing => "schema-bit-generator-name-missing",
    LoaderMismatch => "schema-loader-mismatch",
    UnknownNodeId => "schema-unknown-node-id",
    NodeProtocolMismatch => "schema-node-protocol-mismatch",
    LoneSurrogate => "schema-lone-surrogate",
});

/// What is wrong with the file as a whole: its members against its nodes, and the budgets of what reading it may cost.
#[derive(Debug, thiserror::Error, strum::EnumDiscriminants)]
#[strum_discriminants(name(FileErrorKind), derive(strum::EnumIter))]
#[strum_discriminants(doc = "The variants of [`FileError`], without their data.")]
pub enum FileError {
    /// The archive has no `schema.json` member (skops: `KeyError`).
    #[error("the archive has no `schema.json` member, so it is not a `.skops` file")]
    SchemaMissing,
    /// A node references an archive member that does not exist (skops: `KeyError`).
    #[error("node at `{path}` references member `{member}`, which the archive does not hold")]
    MemberMissing {
        /// The member name from the node's `file` key.
        member: String,
        /// Where the node is, as a Python access path from the root object.
        path: String,
    },
    /// A member referenced by a node is not what the node needs (a `.npy` array, a sparse
    /// `.npz`).
    #[error("member `{member}` referenced by the node at `{path}` is invalid")]
    MemberInvalid {
        /// The member name.
        member: String,
        /// Where the node is, as a Python access path from the root object.
        path: String,
        /// What is wrong with it.
        #[source]
        source: Box<Error>,
    },
    /// Nodes with different `__id__`s name the same archive member (or `Tree`s copy the same
    /// array), and loading builds each, so it would materialise more bytes than one copy of
    /// each distinct member plus [`crate::limits::MAX_REMATERIALISED_SIZE`] (see
    /// [`crate::budget`]). skops never writes this: a shared object is one node.
    #[error(
        "the node at `{path}` materialises member `{member}` again: loading would materialise {planned} bytes from archive members, above the budget of {budget} bytes (one copy of each distinct member plus the allowance for repeats)"
    )]
    MaterialisationBudget {
        /// The member named again.
        member: String,
        /// The node whose copy of it exceeds the budget (the node naming it, or the `Tree`
        /// copying its array), as a Python access path from the root object.
        path: String,
        /// What every node naming a member would materialise, in bytes.
        planned: u64,
        /// The sum of the distinct members' sizes plus the allowance, in bytes.
        budget: u64,
    },
    /// An NdArrayNode naming a numpy scalar type (`numpy.int16`, ...) holds an array that is
    /// not a 0-d array of that type's kind: skops writes those types only for numpy scalars,
    /// and loading would convert the array (`numpy.int16(array)`), making a copy of other
    /// values and size than the member the validators and the budget read.
    #[error(
        "the node at `{path}` names the numpy scalar type `{class}` but holds an array of dtype {dtype} and shape {shape:?} (skops writes such a node only for a 0-d array of that type; loading would convert it)"
    )]
    ScalarArray {
        /// Where the node is, as a Python access path from the root object.
        path: String,
        /// The scalar type it names.
        class: String,
        /// The dtype of its `.npy` member, as numpy prints it.
        dtype: String,
        /// The shape of its `.npy` member.
        shape: Vec<u64>,
    },
    /// The validators would decompress far more from the members than the file holds: many
    /// objects own one large member, and each would read it again.
    #[error(
        "validating the file decompressed {read} bytes from its members (member `{member}` read again), above the budget of {budget} bytes (a multiple of the file's members): many objects share one large member"
    )]
    ValidationBudget {
        /// The member whose read crossed the budget.
        member: String,
        /// The bytes read when it did.
        read: u64,
        /// The budget, in bytes.
        budget: u64,
    },
}

crate::error_kinds!(FileError / FileErrorKind {
    SchemaMissing => "file-schema-missing",
    MemberMissing => "file-member-missing",
    MaterialisationBudget => "file-materialisation-budget",
    ScalarArray => "file-scalar-array",
    ValidationBudget => "file-validation-budget",
} wrappers {
    MemberInvalid,
});
