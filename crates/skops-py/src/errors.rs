//! `skops_format::Error` -> `skops_rs.exceptions.SkopsFormatError(message, kind=...)`.
//!
//! Every variant has its own stable, kebab-case `kind` (the variant's name: `ZipCrcMismatch`
//! is `"zip-crc-mismatch"`), so callers can branch on the problem without parsing messages.
//! The two wrappers that only add where a problem is, [`Error::FileMemberInvalid`] (a member a
//! node references) and [`Error::NpzMember`] (a member of a sparse `.npz`), take the kind of
//! the error they wrap; their message names the member and the node path.
//!
//! The kinds, by layer:
//! - I/O and limits: `io`, `limit-exceeded`;
//! - zip container: `zip-not-an-archive`, `zip-truncated`, `zip-bad-signature`,
//!   `zip-multi-disk`, `zip-inconsistent`, `zip-bad-extra-field`, `zip-encrypted`,
//!   `zip-unsupported-compression`, `zip-invalid-name`, `zip-duplicate-member`,
//!   `zip-stored-size-mismatch`, `zip-local-header-mismatch`, `zip-local-name-mismatch`,
//!   `zip-data-descriptor-mismatch`, `zip-overlapping-members`, `zip-member-not-found`,
//!   `zip-member-too-long`, `zip-member-too-short`, `zip-crc-mismatch`, `zip-corrupt-data`,
//!   `zip-allocation`, `zip-invalid-compression-level`, `zip-compression`;
//! - JSON: `json-not-utf8`, `json-syntax`, `json-too-deep`, `json-lone-surrogate`,
//!   `json-integer-too-long`, `json-invalid-number`;
//! - `.npy` / `.npz`: `npy-bad-magic`, `npy-unsupported-version`, `npy-truncated-header`,
//!   `npy-header-encoding`, `npy-header-syntax`, `npy-invalid-header`, `npy-invalid-descr`,
//!   `npy-object-dtype`, `npy-size-overflow`, `npy-data-length`, `npy-header-too-large`,
//!   `npz-missing-member`, `npz-unexpected-member`, `npz-unknown-format`,
//!   `npz-invalid-structure`;
//! - schema: `schema-node-not-object`, `schema-invalid-protocol`, `schema-protocol-too-new`,
//!   `schema-protocol-negative`, `schema-missing-key`, `schema-wrong-type`,
//!   `schema-unknown-loader`, `schema-cached-node-unknown-id`, `schema-id-cycle`,
//!   `schema-unknown-array-type`, `schema-sparse-type`, `schema-method-type-mismatch`,
//!   `schema-operator-module`, `schema-bit-generator-name-missing`, `schema-loader-mismatch`,
//!   `schema-unknown-node-id`, `schema-node-protocol-mismatch`;
//! - audit: `audit-trust-tables`, `audit-raw-generator-state`, `audit-raw-generator-scalar`;
//! - trust policies: `policy-syntax`, `policy-invalid`, `policy-unsupported-version`,
//!   `policy-malformed-digest`, `policy-duplicate-type`, `policy-malformed-timestamp`,
//!   `policy-digest-mismatch`;
//! - validate: `validate-tree-state`, `validate-tree-classes`, `validate-tree-node-count`,
//!   `validate-tree-child-out-of-range`, `validate-tree-half-leaf`,
//!   `validate-tree-node-reached-twice`, `validate-tree-node-unreached`, `validate-tree-feature`,
//!   `validate-tree-missing-go-to-left`, `validate-tree-value-shape`, `validate-tree-max-depth`,
//!   `validate-state-form`, `validate-width`, `validate-predictor-state`,
//!   `validate-boosting-stage`, `validate-boosting-estimators`, `validate-bisecting-tree`,
//!   `validate-predictor-bitsets`, `validate-predictor-child-out-of-range`,
//!   `validate-predictor-node-reached-twice`, `validate-predictor-node-unreached`,
//!   `validate-predictor-flag`, `validate-predictor-feature`, `validate-predictor-bitset-index`,
//!   `validate-svm-state`, `validate-svm-support-counts`, `validate-svm-shape`,
//!   `validate-svm-support-index`, `validate-svm-sparse`, `validate-neighbors-state`,
//!   `validate-neighbors-fit-x`, `validate-neighbors-labels`, `validate-kmeans-state`,
//!   `validate-kmeans-shape`, `validate-bspline-state`, `validate-bspline-knots`,
//!   `validate-bspline-coefficients`, `validate-bspline-axis`, `validate-sparse-dtype`,
//!   `validate-sparse-shape`, `validate-sparse-indptr`, `validate-sparse-index`,
//!   `validate-dtype-content`, `validate-loss-state`, `validate-loss-component`,
//!   `validate-loss-parameter`, `validate-binary-tree-state`, `validate-binary-tree-array`,
//!   `validate-binary-tree-leaf-size`, `validate-binary-tree-levels`,
//!   `validate-binary-tree-node-count`, `validate-binary-tree-index-out-of-range`,
//!   `validate-binary-tree-index-repeated`, `validate-binary-tree-node-range`,
//!   `validate-binary-tree-leaf-flag`, `validate-binary-tree-radius`,
//!   `validate-binary-tree-estimator`, `validate-metric-state`, `validate-metric-p`,
//!   `validate-metric-size`, `validate-encoder-columns`, `validate-encoder-state`,
//!   `validate-vocabulary`;
//! - visualize: `visualize-not-a-node`, `visualize-invalid-key-types`;
//! - file: `file-schema-missing`, `file-member-missing`, `file-materialisation-budget`.
//!
//! Where skops 0.16 raises its own message for the same problem (protocol checks, unknown
//! loaders, tampered method/operator/generator nodes, ...), the message is skops' text, so
//! code matching skops' messages keeps working; the other messages are the Rust error's,
//! followed by its causes.

use pyo3::prelude::*;
use pyo3::types::PyDict;
use skops_format::Error;

/// The Python exception for `error`: a `SkopsFormatError` with its message and kind.
pub(crate) fn format_error(py: Python<'_>, error: &Error) -> PyErr {
    let (kind, message) = describe(error);
    match new_format_error(py, &message, kind) {
        Ok(err) | Err(err) => err,
    }
}

/// The `skops_rs.exceptions` class raised for `kind`: a `SkopsFormatError` that is also the
/// builtin exception skops 0.16 raises for the same problem where that is not a `ValueError`,
/// so code written for skops (`except TypeError:`) still catches it.
fn class_name(kind: &str) -> &'static str {
    match kind {
        // skops' `_check_protocol`: `TypeError` for a protocol that is not an `int`;
        // `get_tree`: for a loader it has no node class for; `visualize`'s walk: for a value
        // that is not a node.
        "schema-invalid-protocol" | "schema-unknown-loader" | "visualize-not-a-node" => {
            "SkopsFormatTypeError"
        }
        // skops' `get_unsafe_set` calls a method on each raw JSON value: `AttributeError`.
        "audit-raw-generator-state" => "SkopsFormatAttributeError",
        _ => "SkopsFormatError",
    }
}

fn new_format_error(py: Python<'_>, message: &str, kind: &str) -> PyResult<PyErr> {
    let class = py
        .import("skops_rs.exceptions")?
        .getattr(class_name(kind))?;
    let kwargs = PyDict::new(py);
    kwargs.set_item("kind", kind)?;
    let instance = class.call((message,), Some(&kwargs))?;
    Ok(PyErr::from_value(instance))
}

/// The message of `error` followed by the messages of its causes (`a: b: c`).
fn with_causes(error: &Error) -> String {
    let mut message = error.to_string();
    let mut source = std::error::Error::source(error);
    while let Some(cause) = source {
        message.push_str(": ");
        message.push_str(&cause.to_string());
        source = cause.source();
    }
    message
}

/// A skops message, followed by where the node is (a JSONPath in `schema.json` for schema
/// errors, a Python access path from the loaded object otherwise).
fn skops_text(text: String, path: &str) -> String {
    if path.is_empty() {
        text
    } else {
        format!("{text} (at `{path}`)")
    }
}

/// The `kind` of `error` and the message the Python exception carries.
pub(crate) fn describe(error: &Error) -> (&'static str, String) {
    let own = || with_causes(error);
    match error {
        Error::Io { .. } => ("io", own()),
        Error::LimitExceeded { .. } => ("limit-exceeded", own()),
        Error::ZipNotAnArchive => ("zip-not-an-archive", own()),
        Error::ZipTruncated { .. } => ("zip-truncated", own()),
        Error::ZipBadSignature { .. } => ("zip-bad-signature", own()),
        Error::ZipMultiDisk => ("zip-multi-disk", own()),
        Error::ZipInconsistent { .. } => ("zip-inconsistent", own()),
        Error::ZipBadExtraField { .. } => ("zip-bad-extra-field", own()),
        Error::ZipEncrypted { .. } => ("zip-encrypted", own()),
        Error::ZipUnsupportedCompression { .. } => ("zip-unsupported-compression", own()),
        Error::ZipInvalidName { .. } => ("zip-invalid-name", own()),
        Error::ZipDuplicateMember { .. } => ("zip-duplicate-member", own()),
        Error::ZipStoredSizeMismatch { .. } => ("zip-stored-size-mismatch", own()),
        Error::ZipLocalHeaderMismatch { .. } => ("zip-local-header-mismatch", own()),
        Error::ZipLocalNameMismatch { .. } => ("zip-local-name-mismatch", own()),
        Error::ZipDataDescriptorMismatch { .. } => ("zip-data-descriptor-mismatch", own()),
        Error::ZipOverlappingMembers { .. } => ("zip-overlapping-members", own()),
        Error::ZipMemberNotFound { .. } => ("zip-member-not-found", own()),
        Error::ZipMemberTooLong { .. } => ("zip-member-too-long", own()),
        Error::ZipMemberTooShort { .. } => ("zip-member-too-short", own()),
        Error::ZipCrcMismatch { .. } => ("zip-crc-mismatch", own()),
        Error::ZipCorruptData { .. } => ("zip-corrupt-data", own()),
        Error::ZipAllocation { .. } => ("zip-allocation", own()),
        Error::ZipInvalidCompressionLevel { .. } => ("zip-invalid-compression-level", own()),
        Error::ZipCompression { .. } => ("zip-compression", own()),
        Error::JsonNotUtf8 { .. } => ("json-not-utf8", own()),
        Error::JsonSyntax { .. } => ("json-syntax", own()),
        Error::JsonTooDeep { .. } => ("json-too-deep", own()),
        Error::JsonIntegerTooLong { .. } => ("json-integer-too-long", own()),
        Error::JsonInvalidNumber { .. } => ("json-invalid-number", own()),
        Error::NpyBadMagic => ("npy-bad-magic", own()),
        Error::NpyUnsupportedVersion { .. } => ("npy-unsupported-version", own()),
        Error::NpyTruncatedHeader { .. } => ("npy-truncated-header", own()),
        Error::NpyHeaderEncoding { .. } => ("npy-header-encoding", own()),
        Error::NpyHeaderSyntax { .. } => ("npy-header-syntax", own()),
        Error::NpyInvalidHeader { .. } => ("npy-invalid-header", own()),
        Error::NpyInvalidDescr { .. } => ("npy-invalid-descr", own()),
        Error::NpyObjectDtype => ("npy-object-dtype", own()),
        Error::NpySizeOverflow { .. } => ("npy-size-overflow", own()),
        Error::NpyDataLength { .. } => ("npy-data-length", own()),
        Error::NpyHeaderTooLarge { .. } => ("npy-header-too-large", own()),
        // A wrapper: the kind of what is wrong inside the member.
        Error::NpzMember { source, .. } => (describe(source).0, own()),
        Error::NpzMissingMember { .. } => ("npz-missing-member", own()),
        Error::NpzUnexpectedMember { .. } => ("npz-unexpected-member", own()),
        Error::NpzUnknownFormat { .. } => ("npz-unknown-format", own()),
        Error::NpzInvalidStructure { .. } => ("npz-invalid-structure", own()),
        Error::SchemaNodeNotObject { .. } => ("schema-node-not-object", own()),
        Error::SchemaInvalidProtocol { found } => (
            "schema-invalid-protocol",
            format!("Invalid skops protocol {found} in schema.json, expected an integer."),
        ),
        Error::SchemaProtocolTooNew {
            protocol,
            supported,
        } => (
            "schema-protocol-too-new",
            format!(
                "The file was saved with skops protocol {protocol}, but this version of skops \
                 only supports protocols up to {supported}. You might need to update skops to \
                 load this file."
            ),
        ),
        Error::SchemaProtocolNegative { protocol } => (
            "schema-protocol-negative",
            format!(
                "Invalid skops protocol {protocol} in schema.json, expected a value between 0 \
                 and {}.",
                skops_format::schema::PROTOCOL
            ),
        ),
        Error::SchemaMissingKey { .. } => ("schema-missing-key", own()),
        Error::SchemaWrongType { .. } => ("schema-wrong-type", own()),
        Error::SchemaUnknownLoader {
            loader,
            module,
            class,
            protocol,
            path,
        } => (
            "schema-unknown-loader",
            skops_text(
                format!(
                    " Can't find loader {loader} for type {module}.{class} and protocol \
                     {protocol}. You might need to update skops to load this file."
                ),
                path,
            ),
        ),
        Error::SchemaCachedNodeUnknownId { id, path } => (
            "schema-cached-node-unknown-id",
            skops_text(
                format!(
                    "A cached node refers to an unknown object id {}. This is probably due to \
                     a corrupted or a malicious file.",
                    id.map_or_else(|| "None".to_owned(), |id| id.to_string())
                ),
                path,
            ),
        ),
        Error::SchemaIdCycle { .. } => ("schema-id-cycle", own()),
        Error::SchemaUnknownArrayType { found, path } => (
            "schema-unknown-array-type",
            skops_text(format!("Unknown type {found}."), path),
        ),
        Error::SchemaSparseType {
            module,
            class,
            path,
        } => (
            "schema-sparse-type",
            skops_text(format!("Cannot load object of type {module}.{class}"), path),
        ),
        Error::SchemaMethodTypeMismatch {
            expected_module,
            expected_class,
            found_module,
            found_class,
            path,
        } => (
            "schema-method-type-mismatch",
            skops_text(
                format!(
                    "Expected object of type {expected_module}.{expected_class}, got \
                     {found_module}.{found_class}. This is probably due to a corrupted or a \
                     malicious file."
                ),
                path,
            ),
        ),
        Error::SchemaOperatorModule { module, path } => (
            "schema-operator-module",
            skops_text(
                format!(
                    "Expected module 'operator', got {module}. This is probably due to a \
                     corrupted or a malicious file."
                ),
                path,
            ),
        ),
        Error::SchemaBitGeneratorNameMissing { path } => (
            "schema-bit-generator-name-missing",
            skops_text(
                "Could not find the bit generator name in the numpy.random.Generator state. \
                 This is probably due to a corrupted or a malicious file."
                    .to_owned(),
                path,
            ),
        ),
        Error::SchemaLoaderMismatch { .. } => ("schema-loader-mismatch", own()),
        Error::SchemaUnknownNodeId { .. } => ("schema-unknown-node-id", own()),
        Error::SchemaNodeProtocolMismatch { .. } => ("schema-node-protocol-mismatch", own()),
        Error::SchemaLoneSurrogate { .. } => ("schema-lone-surrogate", own()),
        Error::AuditTrustTables { .. } => ("audit-trust-tables", own()),
        Error::AuditRawGeneratorState { .. } => ("audit-raw-generator-state", own()),
        Error::AuditRawGeneratorScalar { .. } => ("audit-raw-generator-scalar", own()),
        Error::PolicySyntax { .. } => ("policy-syntax", own()),
        Error::PolicyInvalid { .. } => ("policy-invalid", own()),
        Error::PolicyUnsupportedVersion { .. } => ("policy-unsupported-version", own()),
        Error::PolicyMalformedDigest { .. } => ("policy-malformed-digest", own()),
        Error::PolicyDuplicateType { .. } => ("policy-duplicate-type", own()),
        Error::PolicyMalformedTimestamp { .. } => ("policy-malformed-timestamp", own()),
        Error::PolicyDigestMismatch { .. } => ("policy-digest-mismatch", own()),
        Error::ValidateStateForm { .. } => ("validate-state-form", own()),
        Error::ValidateWidth { .. } => ("validate-width", own()),
        Error::ValidateTreeState { .. } => ("validate-tree-state", own()),
        Error::ValidateTreeClasses { .. } => ("validate-tree-classes", own()),
        Error::ValidateTreeNodeCount { .. } => ("validate-tree-node-count", own()),
        Error::ValidateTreeChildOutOfRange { .. } => ("validate-tree-child-out-of-range", own()),
        Error::ValidateTreeHalfLeaf { .. } => ("validate-tree-half-leaf", own()),
        Error::ValidateTreeNodeReachedTwice { .. } => ("validate-tree-node-reached-twice", own()),
        Error::ValidateTreeNodeUnreached { .. } => ("validate-tree-node-unreached", own()),
        Error::ValidateTreeFeature { .. } => ("validate-tree-feature", own()),
        Error::ValidateTreeMissingGoToLeft { .. } => ("validate-tree-missing-go-to-left", own()),
        Error::ValidateTreeValueShape { .. } => ("validate-tree-value-shape", own()),
        Error::ValidateTreeMaxDepth { .. } => ("validate-tree-max-depth", own()),
        Error::ValidatePredictorState { .. } => ("validate-predictor-state", own()),
        Error::ValidateBoostingStage { .. } => ("validate-boosting-stage", own()),
        Error::ValidateBoostingEstimators { .. } => ("validate-boosting-estimators", own()),
        Error::ValidateEncoderColumns { .. } => ("validate-encoder-columns", own()),
        Error::ValidateEncoderState { .. } => ("validate-encoder-state", own()),
        Error::ValidateVocabulary { .. } => ("validate-vocabulary", own()),
        Error::ValidateBisectingTree { .. } => ("validate-bisecting-tree", own()),
        Error::ValidatePredictorBitsets { .. } => ("validate-predictor-bitsets", own()),
        Error::ValidatePredictorChildOutOfRange { .. } => {
            ("validate-predictor-child-out-of-range", own())
        }
        Error::ValidatePredictorNodeReachedTwice { .. } => {
            ("validate-predictor-node-reached-twice", own())
        }
        Error::ValidatePredictorNodeUnreached { .. } => {
            ("validate-predictor-node-unreached", own())
        }
        Error::ValidatePredictorFlag { .. } => ("validate-predictor-flag", own()),
        Error::ValidatePredictorFeature { .. } => ("validate-predictor-feature", own()),
        Error::ValidatePredictorBitsetIndex { .. } => ("validate-predictor-bitset-index", own()),
        Error::ValidateSvmState { .. } => ("validate-svm-state", own()),
        Error::ValidateSvmSupportCounts { .. } => ("validate-svm-support-counts", own()),
        Error::ValidateSvmShape { .. } => ("validate-svm-shape", own()),
        Error::ValidateSvmSupportIndex { .. } => ("validate-svm-support-index", own()),
        Error::ValidateSvmSparse { .. } => ("validate-svm-sparse", own()),
        Error::ValidateNeighborsState { .. } => ("validate-neighbors-state", own()),
        Error::ValidateNeighborsFitX { .. } => ("validate-neighbors-fit-x", own()),
        Error::ValidateNeighborsLabels { .. } => ("validate-neighbors-labels", own()),
        Error::ValidateNeighborsMetricParam { .. } => ("validate-neighbors-metric-param", own()),
        Error::ValidatePolynomialState { .. } => ("validate-polynomial-state", own()),
        Error::ValidateKMeansState { .. } => ("validate-kmeans-state", own()),
        Error::ValidateKMeansShape { .. } => ("validate-kmeans-shape", own()),
        Error::ValidateBsplineState { .. } => ("validate-bspline-state", own()),
        Error::ValidateBsplineKnots { .. } => ("validate-bspline-knots", own()),
        Error::ValidateBsplineCoefficients { .. } => ("validate-bspline-coefficients", own()),
        Error::ValidateBsplineAxis { .. } => ("validate-bspline-axis", own()),
        Error::ValidateSparseDtype { .. } => ("validate-sparse-dtype", own()),
        Error::ValidateSparseShape { .. } => ("validate-sparse-shape", own()),
        Error::ValidateSparseIndptr { .. } => ("validate-sparse-indptr", own()),
        Error::ValidateSparseIndex { .. } => ("validate-sparse-index", own()),
        Error::ValidateDtypeContent { .. } => ("validate-dtype-content", own()),
        Error::ValidateLossState { .. } => ("validate-loss-state", own()),
        Error::ValidateLossComponent { .. } => ("validate-loss-component", own()),
        Error::ValidateLossParameter { .. } => ("validate-loss-parameter", own()),
        Error::ValidateBinaryTreeState { .. } => ("validate-binary-tree-state", own()),
        Error::ValidateBinaryTreeArray { .. } => ("validate-binary-tree-array", own()),
        Error::ValidateBinaryTreeLeafSize { .. } => ("validate-binary-tree-leaf-size", own()),
        Error::ValidateBinaryTreeLevels { .. } => ("validate-binary-tree-levels", own()),
        Error::ValidateBinaryTreeNodeCount { .. } => ("validate-binary-tree-node-count", own()),
        Error::ValidateBinaryTreeIndexOutOfRange { .. } => {
            ("validate-binary-tree-index-out-of-range", own())
        }
        Error::ValidateBinaryTreeIndexRepeated { .. } => {
            ("validate-binary-tree-index-repeated", own())
        }
        Error::ValidateBinaryTreeNodeRange { .. } => ("validate-binary-tree-node-range", own()),
        Error::ValidateBinaryTreeLeafFlag { .. } => ("validate-binary-tree-leaf-flag", own()),
        Error::ValidateBinaryTreeRadius { .. } => ("validate-binary-tree-radius", own()),
        Error::ValidateBinaryTreeEstimator { .. } => ("validate-binary-tree-estimator", own()),
        Error::ValidateMetricState { .. } => ("validate-metric-state", own()),
        Error::ValidateMetricP { .. } => ("validate-metric-p", own()),
        Error::ValidateMetricSize { .. } => ("validate-metric-size", own()),
        Error::VisualizeNotANode { path, python_type } => (
            "visualize-not-a-node",
            skops_text(
                format!(
                    "Cannot deal with <class '{python_type}'>, please report the issue here: \
                     https://github.com/skops-dev/skops/issues"
                ),
                path,
            ),
        ),
        Error::VisualizeInvalidKeyTypes { path } => (
            "visualize-invalid-key-types",
            skops_text(
                "An invalid 'key_types' node was encountered, please report the issue here: \
                 https://github.com/skops-dev/skops/issues"
                    .to_owned(),
                path,
            ),
        ),
        Error::FileSchemaMissing => ("file-schema-missing", own()),
        Error::FileMemberMissing { .. } => ("file-member-missing", own()),
        // A wrapper: the kind of what is wrong with the member.
        Error::FileMemberInvalid { source, .. } => (describe(source).0, own()),
        Error::FileMaterialisationBudget { .. } => ("file-materialisation-budget", own()),
        Error::FileScalarArray { .. } => ("file-scalar-array", own()),
        Error::FileValidationBudget { .. } => ("file-validation-budget", own()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wrappers_take_the_kind_of_what_they_wrap() {
        let inner = Error::NpyBadMagic;
        let wrapped = Error::FileMemberInvalid {
            member: "1.npy".to_owned(),
            path: "coef_".to_owned(),
            source: Box::new(Error::NpzMember {
                name: "data.npy".to_owned(),
                source: Box::new(inner),
            }),
        };
        let (kind, message) = describe(&wrapped);
        assert_eq!(kind, "npy-bad-magic");
        assert!(message.contains("`1.npy`"), "{message}");
        assert!(message.contains("magic"), "{message}");
    }

    #[test]
    fn skops_messages_are_kept_with_the_path() {
        let error = Error::SchemaBitGeneratorNameMissing {
            path: "$[\"content\"]".to_owned(),
        };
        let (kind, message) = describe(&error);
        assert_eq!(kind, "schema-bit-generator-name-missing");
        assert!(message.starts_with("Could not find the bit generator name"));
        assert!(message.ends_with("(at `$[\"content\"]`)"));
    }
}
