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
    // ----- audit -----------------------------------------------------------------------------
    /// The trust tables embedded in the crate (`data/trusted-types.json`) are malformed: a
    /// build defect, not a problem of the file being read.
    #[error("the embedded trust tables are malformed: {reason}")]
    AuditTrustTables {
        /// What is missing or malformed.
        reason: String,
    },
    /// A protocol 0 `RandomGeneratorNode` holds a raw, non-empty bit generator state: skops
    /// 0.16 cannot audit it (its `get_unsafe_set` raises `AttributeError`), so neither do we.
    #[error(
        "the protocol 0 `numpy.random.Generator` state at `{path}` cannot be audited: skops 0.16 fails on it too"
    )]
    AuditRawGeneratorState {
        /// Where the node is, as a Python access path from the root object.
        path: String,
    },
    /// A protocol 0 `RandomGeneratorNode` whose raw bit generator state is a number or a
    /// boolean: skops 0.16's `get_unsafe_set` raises `ValueError` ("Cannot determine the
    /// safety of type ..."), so we refuse it too.
    #[error(
        "the protocol 0 `numpy.random.Generator` state at `{path}` is a {python_type}, whose safety skops 0.16 cannot determine either"
    )]
    AuditRawGeneratorScalar {
        /// Where the node is, as a Python access path from the root object.
        path: String,
        /// The Python type of the state (`int`, `float`, `bool`).
        python_type: &'static str,
    },
    // ----- policy ----------------------------------------------------------------------------
    /// A trust policy is not valid JSON.
    #[error("the trust policy is not valid JSON")]
    PolicySyntax {
        /// The JSON error.
        #[source]
        source: Box<Error>,
    },
    /// A trust policy's JSON does not have the documented form (a missing, unknown or
    /// repeated key, a value of the wrong type, an empty name).
    #[error("invalid trust policy: {reason}")]
    PolicyInvalid {
        /// What is wrong.
        reason: String,
    },
    /// A trust policy has a `version` this build does not read.
    #[error("trust policy version {found} is not supported, only version {supported}")]
    PolicyUnsupportedVersion {
        /// The version found, as text.
        found: String,
        /// The version this build reads and writes.
        supported: u64,
    },
    /// A trust policy's `sha256` is not 64 lowercase hexadecimal digits.
    #[error("trust policy `sha256` is `{found}`, not 64 lowercase hexadecimal digits")]
    PolicyMalformedDigest {
        /// The value found (its first 80 characters).
        found: String,
    },
    /// A trust policy lists a type twice.
    #[error("trust policy lists type `{name}` more than once")]
    PolicyDuplicateType {
        /// The repeated type name.
        name: String,
    },
    /// A trust policy's `approved_at` is not a UTC timestamp `YYYY-MM-DDTHH:MM:SSZ`.
    #[error("trust policy `approved_at` is `{found}`, not a UTC timestamp `YYYY-MM-DDTHH:MM:SSZ`")]
    PolicyMalformedTimestamp {
        /// The value found (its first 80 characters).
        found: String,
    },
    /// A trust policy approves a different file: its digest is not the digest of the data.
    #[error(
        "the trust policy is for the file with sha256 {policy}, but this file has sha256 {file}"
    )]
    PolicyDigestMismatch {
        /// The sha256 the policy records.
        policy: String,
        /// The sha256 of the data being checked.
        file: String,
    },

    // ----- validate --------------------------------------------------------------------------
    /// The state of an object whose state a validator reads is in a form the one state reader
    /// cannot interpret with certainty (another loader than a plain dict, a JSON object or a
    /// defaultdict; a dict of another class; an unknown key type): skops 0.16 would set
    /// attributes the validators cannot predict, so the file is refused.
    #[error("the state of the `{type_name}` at `{path}` cannot be read with certainty: {reason}")]
    ValidateStateForm {
        /// Where the object is, as a Python access path from the root object.
        path: String,
        /// The object's type.
        type_name: String,
        /// What makes the state unreadable.
        reason: String,
    },
    /// A width scikit-learn sizes predict-time arrays by (`n_features`, `n_classes`,
    /// `n_outputs`, ...) is above its limit (see [`crate::limits::MAX_N_FEATURES`] and the
    /// limits after it): the first `predict_proba` or `feature_importances_` would allocate
    /// that much, whatever the file's size.
    #[error(
        "`{attribute}` of the `{type_name}` at `{path}` is {value}, above the limit of {limit}"
    )]
    ValidateWidth {
        /// Where the object is, as a Python access path from the root object.
        path: String,
        /// The object's type.
        type_name: String,
        /// The width (`n_features`, `n_classes_`, `n_outputs * max(n_classes)`, ...).
        attribute: String,
        /// Its value in the file.
        value: u64,
        /// The limit.
        limit: u64,
    },
    /// The arguments or state of a `sklearn.tree._tree.Tree` are not what sklearn writes: a
    /// missing or malformed `n_features`, `n_classes`, `n_outputs`, `max_depth`, `node_count`,
    /// `nodes` or `values`, or a `nodes`/`values` array of another dtype.
    #[error("the tree at `{path}` is malformed: {reason}")]
    ValidateTreeState {
        /// Where the tree is, as a Python access path from the root object.
        path: String,
        /// What is missing or malformed.
        reason: String,
    },
    /// `n_classes` does not hold one positive class count per output.
    #[error("the tree at `{path}` has inconsistent classes: {reason}")]
    ValidateTreeClasses {
        /// Where the tree is.
        path: String,
        /// How `n_classes` and `n_outputs` disagree.
        reason: String,
    },
    /// `node_count` differs from the length of the `nodes` array (or `values`' first axis).
    #[error(
        "the tree at `{path}` declares {node_count} nodes but its `{array}` array has {length}"
    )]
    ValidateTreeNodeCount {
        /// Where the tree is.
        path: String,
        /// The declared `node_count`.
        node_count: u64,
        /// `nodes` or `values`.
        array: &'static str,
        /// The array's length.
        length: u64,
    },
    /// A child index is neither -1 (leaf) nor a node index in `[1, node_count)`.
    #[error(
        "node {node} of the tree at `{path}` has {side} child {child}, outside [1, {node_count}) and not -1"
    )]
    ValidateTreeChildOutOfRange {
        /// Where the tree is.
        path: String,
        /// The node index.
        node: u64,
        /// `left` or `right`.
        side: &'static str,
        /// The child index found.
        child: i64,
        /// The declared `node_count`.
        node_count: u64,
    },
    /// Exactly one of a node's children is -1: a node is a leaf only when both are.
    #[error(
        "node {node} of the tree at `{path}` has children ({left}, {right}): a leaf has both -1"
    )]
    ValidateTreeHalfLeaf {
        /// Where the tree is.
        path: String,
        /// The node index.
        node: u64,
        /// The left child.
        left: i64,
        /// The right child.
        right: i64,
    },
    /// A node is the child of two nodes, or of itself through a cycle.
    #[error(
        "node {node} of the tree at `{path}` is reached twice from the root (shared or cyclic)"
    )]
    ValidateTreeNodeReachedTwice {
        /// Where the tree is.
        path: String,
        /// The node index.
        node: u64,
    },
    /// A node is not reached from the root.
    #[error("node {node} of the tree at `{path}` is not reached from the root")]
    ValidateTreeNodeUnreached {
        /// Where the tree is.
        path: String,
        /// The node index.
        node: u64,
    },
    /// A split node tests a feature outside `[0, n_features)`.
    #[error(
        "split node {node} of the tree at `{path}` tests feature {feature}, outside [0, {n_features})"
    )]
    ValidateTreeFeature {
        /// Where the tree is.
        path: String,
        /// The node index.
        node: u64,
        /// The feature found.
        feature: i64,
        /// The declared `n_features`.
        n_features: u64,
    },
    /// `missing_go_to_left` is neither 0 nor 1.
    #[error("node {node} of the tree at `{path}` has `missing_go_to_left` {value}, not 0 or 1")]
    ValidateTreeMissingGoToLeft {
        /// Where the tree is.
        path: String,
        /// The node index.
        node: u64,
        /// The value found.
        value: u64,
    },
    /// `values` does not have shape `(node_count, n_outputs, max(n_classes))`.
    #[error("the tree at `{path}` has `values` of shape {found:?}, expected {expected:?}")]
    ValidateTreeValueShape {
        /// Where the tree is.
        path: String,
        /// `(node_count, n_outputs, max(n_classes))`.
        expected: Vec<u64>,
        /// The shape found.
        found: Vec<u64>,
    },
    /// `max_depth` differs from the depth of the tree the nodes describe.
    #[error("the tree at `{path}` declares `max_depth` {declared} but its nodes are {actual} deep")]
    ValidateTreeMaxDepth {
        /// Where the tree is.
        path: String,
        /// The declared `max_depth`.
        declared: i64,
        /// The depth of the deepest leaf (the root at depth 0).
        actual: u64,
    },
    /// The state of a HistGradientBoosting `TreePredictor` is not what sklearn writes: a
    /// missing `nodes`, `binned_left_cat_bitsets` or `raw_left_cat_bitsets`, an empty `nodes`,
    /// or a `nodes` dtype other than `PREDICTOR_RECORD_DTYPE`'s fields.
    #[error("the tree predictor at `{path}` is malformed: {reason}")]
    ValidatePredictorState {
        /// Where the predictor is, as a Python access path from the root object.
        path: String,
        /// What is missing or malformed.
        reason: String,
    },
    /// A bitset array is not uint32 of shape `(n_bitsets, 8)` (predict reads 8 words a row).
    #[error("the tree predictor at `{path}` has `{array}` {reason}, not uint32 of shape (n, 8)")]
    ValidatePredictorBitsets {
        /// Where the predictor is.
        path: String,
        /// `binned_left_cat_bitsets` or `raw_left_cat_bitsets`.
        array: &'static str,
        /// The dtype or shape found.
        reason: String,
    },
    /// A split node's child is outside `[1, n_nodes)`.
    #[error(
        "split node {node} of the tree predictor at `{path}` has {side} child {child}, outside [1, {n_nodes})"
    )]
    ValidatePredictorChildOutOfRange {
        /// Where the predictor is.
        path: String,
        /// The node index.
        node: u64,
        /// `left` or `right`.
        side: &'static str,
        /// The child index found.
        child: i64,
        /// The length of `nodes`.
        n_nodes: u64,
    },
    /// A node is the child of two nodes, or of itself through a cycle.
    #[error(
        "node {node} of the tree predictor at `{path}` is reached twice from the root (shared or cyclic)"
    )]
    ValidatePredictorNodeReachedTwice {
        /// Where the predictor is.
        path: String,
        /// The node index.
        node: u64,
    },
    /// A node is not reached from the root.
    #[error("node {node} of the tree predictor at `{path}` is not reached from the root")]
    ValidatePredictorNodeUnreached {
        /// Where the predictor is.
        path: String,
        /// The node index.
        node: u64,
    },
    /// `is_leaf`, `missing_go_to_left` or `is_categorical` is neither 0 nor 1.
    #[error("node {node} of the tree predictor at `{path}` has `{field}` {value}, not 0 or 1")]
    ValidatePredictorFlag {
        /// Where the predictor is.
        path: String,
        /// The node index.
        node: u64,
        /// The field.
        field: &'static str,
        /// The value found.
        value: u64,
    },
    /// A split node tests a negative feature index.
    #[error("split node {node} of the tree predictor at `{path}` tests feature {feature}, below 0")]
    ValidatePredictorFeature {
        /// Where the predictor is.
        path: String,
        /// The node index.
        node: u64,
        /// The feature found.
        feature: i64,
    },
    /// A categorical split's `bitset_idx` is not a row of a bitset array.
    #[error(
        "categorical split node {node} of the tree predictor at `{path}` has `bitset_idx` {bitset_idx}, but `{array}` has {rows} rows"
    )]
    ValidatePredictorBitsetIndex {
        /// Where the predictor is.
        path: String,
        /// The node index.
        node: u64,
        /// The index found.
        bitset_idx: u64,
        /// The bitset array indexed.
        array: &'static str,
        /// Its number of rows.
        rows: u64,
    },
    /// The state of a `KDTree`/`BallTree` is not what scikit-learn writes: no state, not the
    /// 13-item `__getstate__` tuple, a non-integer count, a `dist_metric` that is not a metric
    /// object.
    #[error("the binary tree at `{path}` is malformed: {reason}")]
    ValidateBinaryTreeState {
        /// Where the tree is, as a Python access path from the root object.
        path: String,
        /// What is missing or malformed.
        reason: String,
    },
    /// An array of a `KDTree`/`BallTree` (`data`, `idx_array`, `node_data`, `node_bounds`,
    /// `sample_weight`) has another dtype, shape or memory order than the tree reads, or holds
    /// a value scikit-learn never writes (a non-finite float, a negative weight).
    #[error("the binary tree at `{path}` has `{array}` {reason}")]
    ValidateBinaryTreeArray {
        /// Where the tree is.
        path: String,
        /// The array.
        array: &'static str,
        /// What is wrong with it.
        reason: String,
    },
    /// `leaf_size` is below 1.
    #[error("the binary tree at `{path}` has `leaf_size` {leaf_size}, not at least 1")]
    ValidateBinaryTreeLeafSize {
        /// Where the tree is.
        path: String,
        /// The value found.
        leaf_size: i64,
    },
    /// `n_levels` or `n_nodes` is not what scikit-learn computes from the number of samples and
    /// `leaf_size` (`n_levels = 1 + floor(log2(max(1, (n_samples - 1) / leaf_size)))`,
    /// `n_nodes = 2**n_levels - 1`).
    #[error(
        "the binary tree at `{path}` declares {n_levels} levels and {n_nodes} nodes, but {n_samples} samples with `leaf_size` {leaf_size} make {expected_levels} levels and {expected_nodes} nodes"
    )]
    ValidateBinaryTreeLevels {
        /// Where the tree is.
        path: String,
        /// The declared `n_levels`.
        n_levels: i64,
        /// The declared `n_nodes`.
        n_nodes: i64,
        /// The rows of `data`.
        n_samples: u64,
        /// The declared `leaf_size`.
        leaf_size: u64,
        /// The levels scikit-learn computes.
        expected_levels: u64,
        /// `2**expected_levels - 1`.
        expected_nodes: u64,
    },
    /// `node_data` (or `node_bounds`' second axis) does not have one entry per node.
    #[error("the binary tree at `{path}` declares {n_nodes} nodes but its `{array}` has {length}")]
    ValidateBinaryTreeNodeCount {
        /// Where the tree is.
        path: String,
        /// The declared `n_nodes`.
        n_nodes: u64,
        /// `node_data` or `node_bounds`.
        array: &'static str,
        /// The number of nodes the array holds.
        length: u64,
    },
    /// `idx_array` holds an index outside `[0, n_samples)`: the queries read `data` at it.
    #[error(
        "the binary tree at `{path}` has `idx_array[{position}]` = {index}, outside [0, {n_samples})"
    )]
    ValidateBinaryTreeIndexOutOfRange {
        /// Where the tree is.
        path: String,
        /// The position in `idx_array`.
        position: u64,
        /// The index found.
        index: i64,
        /// The rows of `data`.
        n_samples: u64,
    },
    /// `idx_array` holds an index twice: it is not a permutation of the rows of `data`.
    #[error("the binary tree at `{path}` has sample {index} twice in `idx_array`")]
    ValidateBinaryTreeIndexRepeated {
        /// Where the tree is.
        path: String,
        /// The repeated index.
        index: u64,
    },
    /// A node's `[idx_start, idx_end)` is not the range scikit-learn's build gives it (each
    /// node halves its parent's range, the root covering `[0, n_samples)`).
    #[error(
        "node {node} of the binary tree at `{path}` covers [{idx_start}, {idx_end}) of `idx_array`, but the tree's layout gives it [{expected_start}, {expected_end})"
    )]
    ValidateBinaryTreeNodeRange {
        /// Where the tree is.
        path: String,
        /// The node index.
        node: u64,
        /// The `idx_start` found.
        idx_start: i64,
        /// The `idx_end` found.
        idx_end: i64,
        /// The `idx_start` of the layout.
        expected_start: u64,
        /// The `idx_end` of the layout.
        expected_end: u64,
    },
    /// A node's `is_leaf` is not the layout's (a leaf exactly when its children would fall
    /// past `n_nodes`): a split node past the last level makes the queries read past
    /// `node_data`.
    #[error(
        "node {node} of the binary tree at `{path}` has `is_leaf` {is_leaf}, expected {expected}"
    )]
    ValidateBinaryTreeLeafFlag {
        /// Where the tree is.
        path: String,
        /// The node index.
        node: u64,
        /// The value found.
        is_leaf: i64,
        /// 1 for a leaf, 0 for a split node.
        expected: u8,
    },
    /// A node's `radius` is negative or not finite.
    #[error(
        "node {node} of the binary tree at `{path}` has radius {radius}, not a finite non-negative number"
    )]
    ValidateBinaryTreeRadius {
        /// Where the tree is.
        path: String,
        /// The node index.
        node: u64,
        /// The radius found.
        radius: f64,
    },
    /// The estimator holding the tree disagrees with it on the training data's shape
    /// (`n_features_in_` against the columns of `data`, `n_samples_fit_` against its rows).
    #[error(
        "the estimator at `{path}` has `{attribute}` {value}, but its binary tree holds {expected}"
    )]
    ValidateBinaryTreeEstimator {
        /// Where the estimator's state is.
        path: String,
        /// `n_features_in_` or `n_samples_fit_`.
        attribute: &'static str,
        /// The estimator's value.
        value: i64,
        /// The tree's value.
        expected: u64,
    },
    /// The state of a distance metric a binary tree carries is not what scikit-learn writes:
    /// no state, not the `(p, vec, mat)` tuple, a `vec`/`mat` of another dtype or number of
    /// dimensions, a negative or non-finite weight.
    #[error("the distance metric `{metric}` at `{path}` is malformed: {reason}")]
    ValidateMetricState {
        /// Where the metric is.
        path: String,
        /// The metric class.
        metric: &'static str,
        /// What is missing or malformed.
        reason: String,
    },
    /// The metric's `p` is not the one its class uses (2 for Euclidean, 1 for Manhattan, ...)
    /// or, for Minkowski, not a positive finite number.
    #[error("the distance metric `{metric}` at `{path}` has p = {p}, expected {expected}")]
    ValidateMetricP {
        /// Where the metric is.
        path: String,
        /// The metric class.
        metric: &'static str,
        /// The `p` found.
        p: f64,
        /// What the class requires.
        expected: &'static str,
    },
    /// The metric's `vec` or `mat` does not cover the tree's features: the metric reads (or,
    /// for Mahalanobis, writes a buffer of `mat`'s size) one entry per feature of `data`.
    #[error(
        "the distance metric `{metric}` at `{path}` has `{array}` of shape {shape:?}, expected {expected}"
    )]
    ValidateMetricSize {
        /// Where the metric is.
        path: String,
        /// The metric class.
        metric: &'static str,
        /// `vec` or `mat`.
        array: &'static str,
        /// The shape found.
        shape: Vec<u64>,
        /// The shape the tree's `data` requires.
        expected: String,
    },
    /// A BisectingKMeans cluster node (`_BisectingTree`) is malformed: its `center` is not a
    /// one-dimensional float array as wide as the estimator's `n_features_in_` (Cython k-means
    /// reads that many values of each center, unchecked), or a child is neither `None` nor a
    /// cluster node.
    #[error("the BisectingKMeans cluster node at `{path}` is malformed: {reason}")]
    ValidateBisectingTree {
        /// Where the cluster node is, as a Python access path from the root object.
        path: String,
        /// What is malformed.
        reason: String,
    },
    /// A sparse matrix's `data` is not numeric or bool, or an index array is not a plain
    /// integer array.
    #[error("the sparse matrix at `{path}` has `{array}` of dtype {dtype}, which scipy cannot use")]
    ValidateSparseDtype {
        /// Where the matrix is, as a Python access path from the root object.
        path: String,
        /// `data`, `indptr`, `indices`, `row` or `col`.
        array: &'static str,
        /// The dtype found.
        dtype: String,
    },
    /// A sparse matrix's `shape` does not fit scipy's `int64` indices.
    #[error("the sparse matrix at `{path}` has shape ({rows}, {cols}), beyond int64")]
    ValidateSparseShape {
        /// Where the matrix is.
        path: String,
        /// The rows of `shape`.
        rows: u64,
        /// The columns of `shape`.
        cols: u64,
    },
    /// A compressed matrix's `indptr` does not start at 0, decreases, or does not end at the
    /// number of stored entries.
    #[error("the sparse matrix at `{path}` has `indptr` that {reason} (at position {position})")]
    ValidateSparseIndptr {
        /// Where the matrix is.
        path: String,
        /// The position in `indptr` where the invariant breaks.
        position: u64,
        /// How it breaks.
        reason: String,
    },
    /// An index (`indices`, `row`, `col`) is outside `[0, bound)`.
    #[error(
        "the sparse matrix at `{path}` has `{array}[{position}]` = {index}, outside [0, {bound})"
    )]
    ValidateSparseIndex {
        /// Where the matrix is.
        path: String,
        /// `indices`, `row` or `col`.
        array: &'static str,
        /// The position in the array.
        position: u64,
        /// The index found.
        index: i64,
        /// The dimension it indexes.
        bound: u64,
    },
    /// The content of a `numpy.dtype` node is not an NdArrayNode (skops always writes the
    /// dtype as an empty array; its loader returns whatever `.dtype` the content has).
    #[error("the dtype at `{path}` is carried by a `{loader}`, not an NdArrayNode")]
    ValidateDtypeContent {
        /// Where the dtype is, as a Python access path from the root object.
        path: String,
        /// The loader of the content node.
        loader: &'static str,
    },
    /// The state of a validated sklearn loss object is not a dict with `closs` and `link`.
    #[error("the loss at `{path}` is malformed: {reason}")]
    ValidateLossState {
        /// Where the loss is, as a Python access path from the root object.
        path: String,
        /// What is missing or malformed.
        reason: String,
    },
    /// A loss object's `closs` or `link` is not the class its `__init__` builds.
    #[error("the loss at `{path}` has `{field}` {found}, not `{expected}`")]
    ValidateLossComponent {
        /// Where the loss is.
        path: String,
        /// `closs` or `link`.
        field: &'static str,
        /// What was found.
        found: String,
        /// The class sklearn builds.
        expected: &'static str,
    },
    /// A loss object's Cython loss has the wrong number of parameters, or a non-finite one.
    #[error("the loss at `{path}` has unsound parameters: {reason}")]
    ValidateLossParameter {
        /// Where the loss is.
        path: String,
        /// What is wrong.
        reason: String,
    },
    /// The libsvm state of an SVM (`SVC`, `NuSVC`, `SVR`, `NuSVR`, `OneClassSVM`) is not what
    /// sklearn writes: a missing entry, an array of another dtype or dimension, an unknown
    /// kernel, a sparse model with a precomputed kernel, or an `_impl` of another class.
    #[error("the libsvm state of the SVM at `{path}` is malformed: {reason}")]
    ValidateSvmState {
        /// Where the estimator is, as a Python access path from the root object.
        path: String,
        /// What is missing or malformed.
        reason: String,
    },
    /// `_n_support` does not hold one non-negative count per class summing to the number of
    /// support vectors (`[n_SV, n_SV]` for a regressor or one-class model).
    #[error("the SVM at `{path}` has inconsistent `_n_support`: {reason}")]
    ValidateSvmSupportCounts {
        /// Where the estimator is.
        path: String,
        /// How the counts disagree.
        reason: String,
    },
    /// An array of the libsvm state does not have the shape the class counts and the number of
    /// support vectors give it.
    #[error("the SVM at `{path}` has `{array}` of shape {found:?}, expected {expected}")]
    ValidateSvmShape {
        /// Where the estimator is.
        path: String,
        /// The array (`support_vectors_`, `_dual_coef_`, `_intercept_`, ...).
        array: String,
        /// The shape found.
        found: Vec<u64>,
        /// The shape expected.
        expected: String,
    },
    /// A `support_` entry is not the index of a training sample (a precomputed kernel reads
    /// the test row there).
    #[error(
        "`support_[{position}]` of the SVM at `{path}` is {index}, outside [0, {bound}) (`shape_fit_[0]`)"
    )]
    ValidateSvmSupportIndex {
        /// Where the estimator is.
        path: String,
        /// The position in `support_`.
        position: u64,
        /// The index found.
        index: i64,
        /// `shape_fit_[0]`, the number of training samples.
        bound: u64,
    },
    /// A sparse matrix of a sparse SVM is not a CSR matrix whose `indptr` runs from 0, does not
    /// decrease and stays within `data`, or stores fewer values than libsvm copies.
    #[error("the SVM at `{path}` has a malformed sparse `{array}`: {reason}")]
    ValidateSvmSparse {
        /// Where the estimator is.
        path: String,
        /// `support_vectors_`, `dual_coef_` or `_dual_coef_`.
        array: String,
        /// What is wrong.
        reason: String,
    },
    /// The fitted state of a neighbors estimator is not what sklearn writes: `n_features_in_`
    /// or `n_samples_fit_` not a non-negative integer, `_fit_X` or `_y` not an array, or
    /// `outputs_2d_` not a bool.
    #[error("the fitted state of the neighbors estimator at `{path}` is malformed: {reason}")]
    ValidateNeighborsState {
        /// Where the estimator is, as a Python access path from the root object.
        path: String,
        /// What is missing or malformed.
        reason: String,
    },
    /// `_fit_X` of a neighbors estimator is not `(n_samples_fit_, n_features_in_)`: the
    /// pairwise-distance reductions would read its rows at the query's width.
    #[error(
        "the neighbors estimator at `{path}` has `_fit_X` of shape {found:?}, expected {expected}"
    )]
    ValidateNeighborsFitX {
        /// Where the estimator is.
        path: String,
        /// The shape found.
        found: Vec<u64>,
        /// The shape expected.
        expected: String,
    },
    /// The `_y` of a neighbors classifier is not one class index per sample of `_fit_X` in
    /// `[0, len(classes_))` (per output): the class-mode reductions would write outside the
    /// class scores.
    #[error("the neighbors classifier at `{path}` has unsound labels: {reason}")]
    ValidateNeighborsLabels {
        /// Where the estimator is.
        path: String,
        /// Which label or shape is wrong.
        reason: String,
    },
    /// The fitted state of `KMeans`/`MiniBatchKMeans` is not what sklearn writes: no
    /// `n_features_in_`, or `cluster_centers_` not a float array.
    #[error("the fitted state of the k-means estimator at `{path}` is malformed: {reason}")]
    ValidateKMeansState {
        /// Where the estimator is.
        path: String,
        /// What is missing or malformed.
        reason: String,
    },
    /// `cluster_centers_` is not `(n_clusters, n_features_in_)`, or `_counts` not one count
    /// per center: the Cython k-means loops would read or write past them.
    #[error(
        "the k-means estimator at `{path}` has `{array}` of shape {found:?}, expected {expected}"
    )]
    ValidateKMeansShape {
        /// Where the estimator is.
        path: String,
        /// `cluster_centers_` or `_counts`.
        array: String,
        /// The shape found.
        found: Vec<u64>,
        /// The shape expected.
        expected: String,
    },
    /// The state of a `scipy.interpolate.BSpline` is not what `BSpline.__init__` sets: an
    /// unexpected or missing attribute, `k` not a non-negative integer, or `extrapolate`
    /// neither a bool nor `"periodic"`.
    #[error("the BSpline at `{path}` is malformed: {reason}")]
    ValidateBsplineState {
        /// Where the spline is, as a Python access path from the root object.
        path: String,
        /// What is missing or malformed.
        reason: String,
    },
    /// The knots are not a one-dimensional float64 array of at least `2k + 2` finite,
    /// non-decreasing values.
    #[error("the BSpline at `{path}` has unsound knots: {reason}")]
    ValidateBsplineKnots {
        /// Where the spline is.
        path: String,
        /// Which invariant the knots break.
        reason: String,
    },
    /// The coefficients are not float64 or complex128 with at least `len(t) - k - 1` rows.
    #[error("the BSpline at `{path}` has unsound coefficients: {reason}")]
    ValidateBsplineCoefficients {
        /// Where the spline is.
        path: String,
        /// Which invariant the coefficients break.
        reason: String,
    },
    /// `axis` is not an integer in `[0, c.ndim)`.
    #[error("the BSpline at `{path}` has `axis` {axis}, outside [0, {ndim})")]
    ValidateBsplineAxis {
        /// Where the spline is.
        path: String,
        /// The axis found (or why it is not one).
        axis: String,
        /// The dimensions of the coefficients.
        ndim: u64,
    },
    /// A stage of a fitted gradient-boosting ensemble has a `tree_` that is not a tree:
    /// `predict_stages` dereferences it as one (a `None` crashes the interpreter).
    #[error(
        "the gradient-boosting ensemble at `{path}` has `estimators_[{row}, {column}].tree_` of \
         type `{found}`, not a `sklearn.tree._tree.Tree`"
    )]
    ValidateBoostingStage {
        /// Where the ensemble is, as a Python access path from the root object.
        path: String,
        /// The stage (row of `estimators_`).
        row: u64,
        /// The column of `estimators_` (the output the tree predicts).
        column: u64,
        /// The type found instead (`builtins.NoneType` for `None`).
        found: String,
    },
    /// A fitted gradient-boosting ensemble's `estimators_` is not a grid of tree estimators in
    /// the form sklearn writes (a list per stage): numpy would build the grid `predict_stages`
    /// reads from objects the stage check never saw (a tuple row, a forest unpacked as a
    /// sequence, a `Bunch` answering `.tree_`).
    #[error(
        "the gradient-boosting ensemble at `{path}` has `estimators_{position}` of type \
         `{found}`, where `predict_stages` reads {expected}"
    )]
    ValidateBoostingEstimators {
        /// Where the ensemble is, as a Python access path from the root object.
        path: String,
        /// The row (`[i]`) or item (`[i, k]`) of `estimators_`.
        position: String,
        /// The type found there.
        found: String,
        /// What belongs there (`a list of tree estimators`, `a tree estimator`).
        expected: &'static str,
    },
    /// A fitted `OneHotEncoder` can encode a column to an output column outside
    /// `[0, sum(_n_features_outs))`: `transform` builds its CSR output from those indices
    /// unchecked, and `toarray()` writes outside its rows.
    #[error(
        "the one-hot encoder at `{path}` can encode input column {feature} to output columns \
         [{low}, {high}], outside the {columns} columns of its output (`_n_features_outs`)"
    )]
    ValidateEncoderColumns {
        /// Where the encoder is.
        path: String,
        /// The input column.
        feature: u64,
        /// The lowest output column it can reach.
        low: i64,
        /// The highest output column it can reach.
        high: i64,
        /// The output's width, `sum(_n_features_outs)`.
        columns: u64,
    },
    /// A fitted `OneHotEncoder`'s state is in a form sklearn never writes, which the encoder
    /// check cannot bound.
    #[error("the one-hot encoder at `{path}` is unsound: {reason}")]
    ValidateEncoderState {
        /// Where the encoder is.
        path: String,
        /// What is wrong.
        reason: String,
    },
    /// A lookup table (a vectorizer's `vocabulary_`, `MultiLabelBinarizer._cached_dict`) maps
    /// a key to a column outside its length (or is not a plain dict of integers): `transform`
    /// builds its sparse output from those columns unchecked, and `toarray()` writes outside
    /// its rows.
    #[error("the `{attribute}` of the object at `{path}` is unsound: {reason}")]
    ValidateVocabulary {
        /// Where the object is.
        path: String,
        /// The table's attribute.
        attribute: &'static str,
        /// What is wrong.
        reason: String,
    },
    /// A keyword argument the neighbors estimator hands its metric (`metric_params`,
    /// `effective_metric_params_`) has a size native code trusts but the data does not match:
    /// `VI` not `(n_features, n_features)`, `Y_norm_squared` not one norm per row of `_fit_X`,
    /// an `X_norm_squared` at all, or a mapping that is not a plain dict.
    #[error(
        "the neighbors estimator at `{path}` has an unsound `{attribute}` entry `{param}`: {reason}"
    )]
    ValidateNeighborsMetricParam {
        /// Where the estimator is, as a Python access path from the root object.
        path: String,
        /// `metric_params` or `effective_metric_params_`.
        attribute: &'static str,
        /// The keyword (empty when the mapping itself is unsound).
        param: String,
        /// What is wrong.
        reason: String,
    },
    /// The fitted state of a `PolynomialFeatures` is not what sklearn writes: `interaction_only`
    /// not a bool (the CSR expansion would write past its output), a degree that is not a
    /// non-negative integer, or no `n_features_in_`.
    #[error("the fitted state of the PolynomialFeatures at `{path}` is malformed: {reason}")]
    ValidatePolynomialState {
        /// Where the estimator is, as a Python access path from the root object.
        path: String,
        /// What is missing or malformed.
        reason: String,
    },
    // ----- visualize -------------------------------------------------------------------------
    /// skops 0.16's `visualize` walk meets a child that is not a node (a method name, a slice
    /// bound, a missing object state) and raises `TypeError("Cannot deal with <class
    /// '{python_type}'>, ...")`; [`crate::visualize::tree_rows`] fails the same way.
    #[error("skops 0.16 cannot visualize `{path}`: it is a `{python_type}`, not a node")]
    VisualizeNotANode {
        /// Where the value is, as a Python access path from the root object.
        path: String,
        /// The Python type of the value (`str`, `int`, `NoneType`, ...).
        python_type: &'static str,
    },
    /// skops 0.16's `visualize` walk meets a `key_types` child that is not a trusted ListNode
    /// and raises `ValueError("An invalid 'key_types' node was encountered, ...")`.
    #[error("skops 0.16 cannot visualize `{path}`: an invalid `key_types` node")]
    VisualizeInvalidKeyTypes {
        /// Where the node is, as a Python access path from the root object.
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
