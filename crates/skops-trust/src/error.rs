//! The one error type of `skops-trust`: what the audit, the validators, trust policies and
//! `visualize` refuse, by family, beside the format errors they meet on the way
//! ([`Error::Format`]). Each validator's errors are beside it (`validate::TreeError`,
//! `validate::SvmError`, ...), gathered by [`crate::validate::ValidateError`].
//!
//! Messages follow the Rust API guidelines: lowercase, no trailing period, literals in
//! backticks. Every problem has a stable `kind()` (see `skops_format::Error`).

use crate::validate::ValidateError;

/// A result whose error is [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Everything the trust layer refuses, by family.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The file's format is wrong (container, JSON, arrays, schema, limits, members).
    #[error(transparent)]
    Format(#[from] skops_format::Error),
    /// The audit fails.
    #[error(transparent)]
    Audit(#[from] AuditError),
    /// A trust policy is wrong.
    #[error(transparent)]
    Policy(#[from] PolicyError),
    /// A validator refuses a state.
    #[error(transparent)]
    Validate(#[from] ValidateError),
    /// skops' `visualize` walk fails.
    #[error(transparent)]
    Visualize(#[from] VisualizeError),
}

impl Error {
    /// The stable, kebab-case name of the problem (`docs/errors.md`).
    pub fn kind(&self) -> &'static str {
        match self {
            Self::Format(error) => error.kind(),
            Self::Audit(error) => error.kind(),
            Self::Policy(error) => error.kind(),
            Self::Validate(error) => error.kind(),
            Self::Visualize(error) => error.kind(),
        }
    }

    /// Every kind an error of this crate can have, the format's included.
    pub fn kinds() -> impl Iterator<Item = &'static str> {
        skops_format::Error::kinds()
            .chain(AuditErrorKind::all())
            .chain(PolicyErrorKind::all())
            .chain(ValidateError::kinds())
            .chain(VisualizeErrorKind::all())
    }
}

/// Where the audit fails (as skops 0.16's does).
#[derive(Debug, thiserror::Error, strum::EnumDiscriminants)]
#[strum_discriminants(name(AuditErrorKind), derive(strum::EnumIter))]
#[strum_discriminants(doc = "The variants of [`AuditError`], without their data.")]
pub enum AuditError {
    /// The trust tables embedded in the crate (`data/trusted-types.json`) are malformed: a
    /// build defect, not a problem of the file being read.
    #[error("the embedded trust tables are malformed: {reason}")]
    TrustTables {
        /// What is missing or malformed.
        reason: String,
    },
    /// A protocol 0 `RandomGeneratorNode` holds a raw, non-empty bit generator state: skops
    /// 0.16 cannot audit it (its `get_unsafe_set` raises `AttributeError`), so neither do we.
    #[error(
        "the protocol 0 `numpy.random.Generator` state at `{path}` cannot be audited: skops 0.16 fails on it too"
    )]
    RawGeneratorState {
        /// Where the node is, as a Python access path from the root object.
        path: String,
    },
    /// A protocol 0 `RandomGeneratorNode` whose raw bit generator state is a number or a
    /// boolean: skops 0.16's `get_unsafe_set` raises `ValueError` ("Cannot determine the
    /// safety of type ..."), so we refuse it too.
    #[error(
        "the protocol 0 `numpy.random.Generator` state at `{path}` is a {python_type}, whose safety skops 0.16 cannot determine either"
    )]
    RawGeneratorScalar {
        /// Where the node is, as a Python access path from the root object.
        path: String,
        /// The Python type of the state (`int`, `float`, `bool`).
        python_type: &'static str,
    },
}

skops_format::error_kinds!(AuditError / AuditErrorKind {
    TrustTables => "audit-trust-tables",
    RawGeneratorState => "audit-raw-generator-state",
    RawGeneratorScalar => "audit-raw-generator-scalar",
});

/// What is wrong with a trust policy.
#[derive(Debug, thiserror::Error, strum::EnumDiscriminants)]
#[strum_discriminants(name(PolicyErrorKind), derive(strum::EnumIter))]
#[strum_discriminants(doc = "The variants of [`PolicyError`], without their data.")]
pub enum PolicyError {
    /// A trust policy is not valid JSON.
    #[error("the trust policy is not valid JSON")]
    Syntax {
        /// The JSON error.
        #[source]
        source: Box<skops_format::Error>,
    },
    /// A trust policy's JSON does not have the documented form (a missing, unknown or
    /// repeated key, a value of the wrong type, an empty name).
    #[error("invalid trust policy: {reason}")]
    Invalid {
        /// What is wrong.
        reason: String,
    },
    /// A trust policy has a `version` this build does not read.
    #[error("trust policy version {found} is not supported, only version {supported}")]
    UnsupportedVersion {
        /// The version found, as text.
        found: String,
        /// The version this build reads and writes.
        supported: u64,
    },
    /// A trust policy's `sha256` is not 64 lowercase hexadecimal digits.
    #[error("trust policy `sha256` is `{found}`, not 64 lowercase hexadecimal digits")]
    MalformedDigest {
        /// The value found (its first 80 characters).
        found: String,
    },
    /// A trust policy lists a type twice.
    #[error("trust policy lists type `{name}` more than once")]
    DuplicateType {
        /// The repeated type name.
        name: String,
    },
    /// A trust policy's `approved_at` is not a UTC timestamp `YYYY-MM-DDTHH:MM:SSZ`.
    #[error("trust policy `approved_at` is `{found}`, not a UTC timestamp `YYYY-MM-DDTHH:MM:SSZ`")]
    MalformedTimestamp {
        /// The value found (its first 80 characters).
        found: String,
    },
    /// A trust policy approves a different file: its digest is not the digest of the data.
    #[error(
        "the trust policy is for the file with sha256 {policy}, but this file has sha256 {file}"
    )]
    DigestMismatch {
        /// The sha256 the policy records.
        policy: String,
        /// The sha256 of the data being checked.
        file: String,
    },
}

skops_format::error_kinds!(PolicyError / PolicyErrorKind {
    Syntax => "policy-syntax",
    Invalid => "policy-invalid",
    UnsupportedVersion => "policy-unsupported-version",
    MalformedDigest => "policy-malformed-digest",
    DuplicateType => "policy-duplicate-type",
    MalformedTimestamp => "policy-malformed-timestamp",
    DigestMismatch => "policy-digest-mismatch",
});

/// Where skops 0.16's `visualize` walk fails, and so does ours.
#[derive(Debug, thiserror::Error, strum::EnumDiscriminants)]
#[strum_discriminants(name(VisualizeErrorKind), derive(strum::EnumIter))]
#[strum_discriminants(doc = "The variants of [`VisualizeError`], without their data.")]
pub enum VisualizeError {
    /// skops 0.16's `visualize` walk meets a child that is not a node (a method name, a slice
    /// bound, a missing object state) and raises `TypeError("Cannot deal with <class
    /// '{python_type}'>, ...")`; [`crate::visualize::tree_rows`] fails the same way.
    #[error("skops 0.16 cannot visualize `{path}`: it is a `{python_type}`, not a node")]
    NotANode {
        /// Where the value is, as a Python access path from the root object.
        path: String,
        /// The Python type of the value (`str`, `int`, `NoneType`, ...).
        python_type: &'static str,
    },
    /// skops 0.16's `visualize` walk meets a `key_types` child that is not a trusted ListNode
    /// and raises `ValueError("An invalid 'key_types' node was encountered, ...")`.
    #[error("skops 0.16 cannot visualize `{path}`: an invalid `key_types` node")]
    InvalidKeyTypes {
        /// Where the node is, as a Python access path from the root object.
        path: String,
    },
}

skops_format::error_kinds!(VisualizeError / VisualizeErrorKind {
    NotANode => "visualize-not-a-node",
    InvalidKeyTypes => "visualize-invalid-key-types",
});
