//! The one error type of `skops-infer`: what the engine refuses in a model (unsupported or
//! unreadable state, a method the model lacks) and in an input batch, beside the file's own
//! errors ([`Error::File`]). Every problem has a stable `kind()` (`docs/errors.md`).

/// A result whose error is [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Everything native prediction refuses, by family.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The file fails to open, validate or audit.
    #[error(transparent)]
    File(#[from] skops_trust::Error),
    /// The model cannot be evaluated natively.
    #[error(transparent)]
    Model(#[from] ModelError),
    /// The input batch does not fit the model.
    #[error(transparent)]
    Input(#[from] InputError),
}

impl Error {
    /// The stable, kebab-case name of the problem (`docs/errors.md`).
    pub fn kind(&self) -> &'static str {
        match self {
            Self::File(error) => error.kind(),
            Self::Model(error) => error.kind(),
            Self::Input(error) => error.kind(),
        }
    }

    /// Every kind of this crate's own families (the file's are `skops_trust::Error::kinds`).
    pub fn kinds() -> impl Iterator<Item = &'static str> {
        ModelErrorKind::all().chain(InputErrorKind::all())
    }
}

impl From<skops_format::Error> for Error {
    fn from(error: skops_format::Error) -> Self {
        Self::File(skops_trust::Error::Format(error))
    }
}

/// What keeps a model from being evaluated natively.
#[derive(Debug, thiserror::Error, strum::EnumDiscriminants)]
#[strum_discriminants(name(ModelErrorKind), derive(strum::EnumIter))]
#[strum_discriminants(doc = "The variants of [`ModelError`], without their data.")]
pub enum ModelError {
    /// The estimator (or a step of it) is not one the engine evaluates.
    #[error("`{type_name}` at `{path}` is not supported by native prediction")]
    Unsupported {
        /// The estimator's `module.class`.
        type_name: String,
        /// Its node path from the root object.
        path: String,
    },
    /// A supported estimator's state is not what scikit-learn writes, so no answer can be
    /// trusted to equal scikit-learn's.
    #[error("the state of `{type_name}` at `{path}` cannot be evaluated: {reason}")]
    Malformed {
        /// The estimator's `module.class`.
        type_name: String,
        /// Its node path from the root object.
        path: String,
        /// What is wrong.
        reason: String,
    },
    /// A supported estimator uses an option or a parameter value the engine does not
    /// evaluate (such as a callable metric): refused rather than answered differently.
    #[error("`{type_name}` at `{path}` uses {what}, which native prediction does not evaluate")]
    UnsupportedOption {
        /// The estimator's `module.class`.
        type_name: String,
        /// Its node path from the root object.
        path: String,
        /// The option and its value.
        what: String,
    },
    /// The model has no such method (as scikit-learn's estimator has none).
    #[error("`{type_name}` has no method `{method}`")]
    NoMethod {
        /// The estimator's `module.class`.
        type_name: String,
        /// The method asked for.
        method: String,
    },
}

skops_format::error_kinds!(ModelError / ModelErrorKind {
    Unsupported => "infer-unsupported",
    Malformed => "infer-malformed-state",
    UnsupportedOption => "infer-unsupported-option",
    NoMethod => "infer-no-method",
});

/// What is wrong with an input batch.
#[derive(Debug, thiserror::Error, strum::EnumDiscriminants)]
#[strum_discriminants(name(InputErrorKind), derive(strum::EnumIter))]
#[strum_discriminants(doc = "The variants of [`InputError`], without their data.")]
pub enum InputError {
    /// The batch has another number of columns than the model (or step) takes.
    #[error("the input has {got} columns, {estimator} takes {expected}")]
    Width {
        /// Who takes the columns (`module.class` at its path).
        estimator: String,
        /// The number of columns it was fitted on.
        expected: usize,
        /// The number of columns given.
        got: usize,
    },
    /// The batch's columns or rows are inconsistent (unequal lengths, a flat buffer that is
    /// not rows x columns, too many rows or cells).
    #[error("the input is malformed: {reason}")]
    Shape {
        /// What is inconsistent.
        reason: String,
    },
    /// A value scikit-learn refuses (infinity, a value beyond float32 range for a tree, NaN
    /// where the estimator takes none, a negative value where it takes none).
    #[error("{reason}")]
    Value {
        /// Which value, where, and why scikit-learn refuses it.
        reason: String,
    },
    /// A column the model needs by name is missing, or the names differ from the ones the
    /// model was fitted with.
    #[error("{reason}")]
    Column {
        /// Which names.
        reason: String,
    },
    /// A column holds strings where the model takes numbers (or the reverse).
    #[error("column {column} holds {got}, {estimator} takes {expected}")]
    Type {
        /// The column's name or index.
        column: String,
        /// Who reads it.
        estimator: String,
        /// What it takes.
        expected: String,
        /// What it holds.
        got: String,
    },
    /// A category the encoder did not see in fit, with `handle_unknown="error"`.
    #[error("{estimator} found unknown category {value} in column {column}")]
    UnknownCategory {
        /// Who reads it.
        estimator: String,
        /// The column's index.
        column: usize,
        /// The category, as Python would print it.
        value: String,
    },
}

skops_format::error_kinds!(InputError / InputErrorKind {
    Width => "infer-input-width",
    Shape => "infer-input-shape",
    Value => "infer-input-value",
    Column => "infer-input-column",
    Type => "infer-input-type",
    UnknownCategory => "infer-input-unknown-category",
});
