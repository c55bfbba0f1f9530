//! The one error type of `skops-format`: every way a `.skops` file's format can be wrong
//! (container, JSON, arrays, schema, limits, members), by name. What scikit-learn knowledge
//! refuses (validators, audit, policies) is `skops_trust::Error`.
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
#[derive(Debug, thiserror::Error, strum::EnumDiscriminants)]
#[strum_discriminants(name(ErrorKind), derive(strum::EnumIter))]
#[strum_discriminants(
    doc = "The variants of [`Error`], without their data: what [`ErrorKind::name`] names."
)]
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
    /// A node state (or the whole schema) is not a JSON object.
    #[error("expected a node state (a JSON object) at `{path}`, found {found}")]
    SchemaNodeNotObject {
        /// JSONPath of the value, e.g. `$["content"]["steps"]`.
        path: String,
        /// The JSON type found.
        found: &'static str,
    },
    /// `protocol` is missing or not an integer (skops: `TypeError("Invalid skops protocol
    /// {found} in schema.json, expected an integer.")`).
    #[error("invalid protocol {found} in `schema.json`, expected an integer")]
    SchemaInvalidProtocol {
        /// Python's `repr()` of the value found (`None` when missing).
        found: String,
    },
    /// `protocol` is newer than skops 0.16 reads (skops: `ValueError`).
    #[error(
        "the file was saved with protocol {protocol}, but only protocols up to {supported} are supported"
    )]
    SchemaProtocolTooNew {
        /// The protocol, in decimal.
        protocol: String,
        /// The newest protocol supported.
        supported: i64,
    },
    /// `protocol` is negative (skops: `ValueError`).
    #[error("invalid protocol {protocol} in `schema.json`, expected a value between 0 and 2")]
    SchemaProtocolNegative {
        /// The protocol, in decimal.
        protocol: String,
    },
    /// A key the loader needs is missing (skops: `KeyError`).
    #[error("missing key `{key}` at `{path}`")]
    SchemaMissingKey {
        /// The key.
        key: String,
        /// JSONPath of the object that lacks it.
        path: String,
    },
    /// A key has another JSON type than skops writes.
    #[error("key `{key}` at `{path}` should be {expected}, found {found}")]
    SchemaWrongType {
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
    SchemaUnknownLoader {
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
    SchemaCachedNodeUnknownId {
        /// The `__id__` (None when missing).
        id: Option<u64>,
        /// JSONPath of the node state.
        path: String,
    },
    /// A node state names the `__id__` of one of its ancestors: Python would build a cyclic
    /// tree; we refuse it.
    #[error("node at `{path}` refers to its own ancestor by `__id__` {id}")]
    SchemaIdCycle {
        /// The `__id__`.
        id: u64,
        /// JSONPath of the referring state.
        path: String,
    },
    /// An NdArrayNode `type` other than `numpy` or `json` (skops: `ValueError("Unknown type
    /// {found}.")`).
    #[error("unknown array type `{found}` at `{path}`")]
    SchemaUnknownArrayType {
        /// Python's `str()` of the `type` value.
        found: String,
        /// JSONPath of the node state.
        path: String,
    },
    /// A SparseMatrixNode `type` other than `scipy` (skops: `TypeError("Cannot load object of
    /// type {module}.{class}")`).
    #[error("cannot load sparse object of type `{module}.{class}` at `{path}`")]
    SchemaSparseType {
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
    SchemaMethodTypeMismatch {
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
    SchemaOperatorModule {
        /// The `__module__` found.
        module: String,
        /// JSONPath of the node state.
        path: String,
    },
    /// A Generator state without a string bit-generator name (skops: `ValueError("Could not find
    /// the bit generator name in the numpy.random.Generator state. ...")`).
    #[error("no bit generator name in the `numpy.random.Generator` state at `{path}`")]
    SchemaBitGeneratorNameMissing {
        /// JSONPath of the node state.
        path: String,
    },
    /// A [`crate::schema::SchemaBuilder`] node names a loader that does not match its kind.
    #[error("node has loader `{loader}` but its kind is read by `{expected}`")]
    SchemaLoaderMismatch {
        /// The loader given.
        loader: &'static str,
        /// The loader of the node's kind.
        expected: &'static str,
    },
    /// A [`crate::schema::SchemaBuilder`] node refers to a node that was not added before it.
    #[error("node id {index} was not added to the schema builder")]
    SchemaUnknownNodeId {
        /// The id's index.
        index: u64,
    },
    /// A [`crate::schema::SchemaBuilder`] node has a form another protocol uses.
    #[error("`{loader}` node does not have the form protocol {protocol} uses")]
    SchemaNodeProtocolMismatch {
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
    SchemaLoneSurrogate {
        /// The key.
        key: String,
        /// The string as JSON (ASCII: the surrogate escaped).
        value: String,
        /// JSONPath of the object holding the key.
        path: String,
    },
    // ----- file ------------------------------------------------------------------------------
    /// The archive has no `schema.json` member (skops: `KeyError`).
    #[error("the archive has no `schema.json` member, so it is not a `.skops` file")]
    FileSchemaMissing,
    /// A node references an archive member that does not exist (skops: `KeyError`).
    #[error("node at `{path}` references member `{member}`, which the archive does not hold")]
    FileMemberMissing {
        /// The member name from the node's `file` key.
        member: String,
        /// Where the node is, as a Python access path from the root object.
        path: String,
    },
    /// A member referenced by a node is not what the node needs (a `.npy` array, a sparse
    /// `.npz`).
    #[error("member `{member}` referenced by the node at `{path}` is invalid")]
    FileMemberInvalid {
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
    FileMaterialisationBudget {
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
    FileScalarArray {
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
    FileValidationBudget {
        /// The member whose read crossed the budget.
        member: String,
        /// The bytes read when it did.
        read: u64,
        /// The budget, in bytes.
        budget: u64,
    },
}

impl ErrorKind {
    /// The stable, kebab-case name of the problem (the variant's name: `ZipCrcMismatch` is
    /// `"zip-crc-mismatch"`): the one vocabulary Python's `SkopsFormatError.kind`, the CLI,
    /// JSON reports and test expectations use. `None` for a wrapper that only adds where a
    /// problem is ([`Error::FileMemberInvalid`], [`Error::NpzMember`]): an error of that
    /// variant has the kind of what it wraps.
    pub fn name(self) -> Option<&'static str> {
        match self {
            Self::Io => Some("io"),
            Self::LimitExceeded => Some("limit-exceeded"),
            Self::ZipNotAnArchive => Some("zip-not-an-archive"),
            Self::ZipTruncated => Some("zip-truncated"),
            Self::ZipBadSignature => Some("zip-bad-signature"),
            Self::ZipMultiDisk => Some("zip-multi-disk"),
            Self::ZipInconsistent => Some("zip-inconsistent"),
            Self::ZipBadExtraField => Some("zip-bad-extra-field"),
            Self::ZipEncrypted => Some("zip-encrypted"),
            Self::ZipUnsupportedCompression => Some("zip-unsupported-compression"),
            Self::ZipInvalidName => Some("zip-invalid-name"),
            Self::ZipDuplicateMember => Some("zip-duplicate-member"),
            Self::ZipStoredSizeMismatch => Some("zip-stored-size-mismatch"),
            Self::ZipLocalHeaderMismatch => Some("zip-local-header-mismatch"),
            Self::ZipLocalNameMismatch => Some("zip-local-name-mismatch"),
            Self::ZipDataDescriptorMismatch => Some("zip-data-descriptor-mismatch"),
            Self::ZipOverlappingMembers => Some("zip-overlapping-members"),
            Self::ZipMemberNotFound => Some("zip-member-not-found"),
            Self::ZipMemberTooLong => Some("zip-member-too-long"),
            Self::ZipMemberTooShort => Some("zip-member-too-short"),
            Self::ZipCrcMismatch => Some("zip-crc-mismatch"),
            Self::ZipCorruptData => Some("zip-corrupt-data"),
            Self::ZipAllocation => Some("zip-allocation"),
            Self::ZipInvalidCompressionLevel => Some("zip-invalid-compression-level"),
            Self::ZipCompression => Some("zip-compression"),
            Self::JsonNotUtf8 => Some("json-not-utf8"),
            Self::JsonSyntax => Some("json-syntax"),
            Self::JsonTooDeep => Some("json-too-deep"),
            Self::JsonIntegerTooLong => Some("json-integer-too-long"),
            Self::JsonInvalidNumber => Some("json-invalid-number"),
            Self::NpyBadMagic => Some("npy-bad-magic"),
            Self::NpyUnsupportedVersion => Some("npy-unsupported-version"),
            Self::NpyTruncatedHeader => Some("npy-truncated-header"),
            Self::NpyHeaderEncoding => Some("npy-header-encoding"),
            Self::NpyHeaderSyntax => Some("npy-header-syntax"),
            Self::NpyInvalidHeader => Some("npy-invalid-header"),
            Self::NpyInvalidDescr => Some("npy-invalid-descr"),
            Self::NpyObjectDtype => Some("npy-object-dtype"),
            Self::NpySizeOverflow => Some("npy-size-overflow"),
            Self::NpyDataLength => Some("npy-data-length"),
            Self::NpyHeaderTooLarge => Some("npy-header-too-large"),
            Self::NpzMissingMember => Some("npz-missing-member"),
            Self::NpzUnexpectedMember => Some("npz-unexpected-member"),
            Self::NpzUnknownFormat => Some("npz-unknown-format"),
            Self::NpzInvalidStructure => Some("npz-invalid-structure"),
            Self::SchemaNodeNotObject => Some("schema-node-not-object"),
            Self::SchemaInvalidProtocol => Some("schema-invalid-protocol"),
            Self::SchemaProtocolTooNew => Some("schema-protocol-too-new"),
            Self::SchemaProtocolNegative => Some("schema-protocol-negative"),
            Self::SchemaMissingKey => Some("schema-missing-key"),
            Self::SchemaWrongType => Some("schema-wrong-type"),
            Self::SchemaUnknownLoader => Some("schema-unknown-loader"),
            Self::SchemaCachedNodeUnknownId => Some("schema-cached-node-unknown-id"),
            Self::SchemaIdCycle => Some("schema-id-cycle"),
            Self::SchemaUnknownArrayType => Some("schema-unknown-array-type"),
            Self::SchemaSparseType => Some("schema-sparse-type"),
            Self::SchemaMethodTypeMismatch => Some("schema-method-type-mismatch"),
            Self::SchemaOperatorModule => Some("schema-operator-module"),
            Self::SchemaBitGeneratorNameMissing => Some("schema-bit-generator-name-missing"),
            Self::SchemaLoaderMismatch => Some("schema-loader-mismatch"),
            Self::SchemaUnknownNodeId => Some("schema-unknown-node-id"),
            Self::SchemaNodeProtocolMismatch => Some("schema-node-protocol-mismatch"),
            Self::SchemaLoneSurrogate => Some("schema-lone-surrogate"),
            Self::FileSchemaMissing => Some("file-schema-missing"),
            Self::FileMemberMissing => Some("file-member-missing"),
            Self::FileMaterialisationBudget => Some("file-materialisation-budget"),
            Self::FileScalarArray => Some("file-scalar-array"),
            Self::FileValidationBudget => Some("file-validation-budget"),
            Self::FileMemberInvalid => None,
            Self::NpzMember => None,
        }
    }

    /// Every kind a format error can have.
    pub fn all() -> impl Iterator<Item = &'static str> {
        <Self as strum::IntoEnumIterator>::iter().filter_map(Self::name)
    }
}

impl Error {
    /// The error's kind ([`ErrorKind::name`]; a wrapper's is that of what it wraps).
    pub fn kind(&self) -> &'static str {
        match self {
            Self::FileMemberInvalid { source, .. } | Self::NpzMember { source, .. } => {
                source.kind()
            }
            other => ErrorKind::from(other).name().unwrap_or_default(),
        }
    }
}
