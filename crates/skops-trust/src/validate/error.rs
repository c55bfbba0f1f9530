//! The errors of the validators, gathered: each validator's family is defined beside it
//! (`tree::TreeError`, ...), with its kinds and hint; [`ValidateError`] has one variant per
//! family, and every error of a family is an error of the crate.

/// Declares [`ValidateError`] from its list of families: one variant per family, `kind()`,
/// `hint()` and `kinds()` by delegation, and `From<Family>` for the crate's error.
macro_rules! validator_families {
    ($($variant:ident($module:ident :: $family:ident / $kind:ident),)*) => {
        $(pub use super::$module::$family;)*

        /// A state a validator refuses: the error of the family that refused it.
        #[derive(Debug, thiserror::Error)]
        pub enum ValidateError {
            $(
                #[doc = concat!("See [`", stringify!($family), "`].")]
                #[error(transparent)]
                $variant(#[from] $family),
            )*
        }

        impl ValidateError {
            /// The stable, kebab-case name of the problem (`docs/errors.md`).
            pub fn kind(&self) -> &'static str {
                match self {
                    $(Self::$variant(error) => error.kind(),)*
                }
            }

            /// What to tell a user who meets this refusal (the CLI's `hint:` line).
            pub fn hint(&self) -> &'static str {
                match self {
                    $(Self::$variant(error) => error.hint(),)*
                }
            }

            /// Every kind a validator's error can have.
            pub fn kinds() -> impl Iterator<Item = &'static str> {
                std::iter::empty()$(.chain(super::$module::$kind::all()))*
            }
        }

        $(
            /// A validator's error is an error of the crate (through [`ValidateError`]).
            impl From<$family> for crate::Error {
                fn from(error: $family) -> Self {
                    Self::Validate(error.into())
                }
            }
        )*
    };
}

validator_families! {
    State(state::StateError / StateErrorKind),
    Width(widths::WidthError / WidthErrorKind),
    Bisecting(bisecting::BisectingError / BisectingErrorKind),
    Dtype(dtype::DtypeError / DtypeErrorKind),
    Vocabulary(vocabulary::VocabularyError / VocabularyErrorKind),
    Polynomial(polynomial::PolynomialError / PolynomialErrorKind),
    BinaryTree(binary_tree::BinaryTreeError / BinaryTreeErrorKind),
    Tree(tree::TreeError / TreeErrorKind),
    Predictor(hist_predictor::PredictorError / PredictorErrorKind),
    Metric(dist_metric::MetricError / MetricErrorKind),
    Sparse(sparse::SparseError / SparseErrorKind),
    Loss(loss::LossError / LossErrorKind),
    Svm(svm::SvmError / SvmErrorKind),
    Neighbors(neighbors::NeighborsError / NeighborsErrorKind),
    KMeans(kmeans::KMeansError / KMeansErrorKind),
    Bspline(bspline::BsplineError / BsplineErrorKind),
    Boosting(boosting::BoostingError / BoostingErrorKind),
    Encoder(encoders::EncoderError / EncoderErrorKind),
}
