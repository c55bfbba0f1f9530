//! The validator registry: which nodes each validator checks, what it runs, and whether it can
//! trust a node or only refuse one.
//!
//! [`validate`](super::validate) walks the schema once, in order; for each node the first entry
//! of [`REGISTRY`] whose `matches` accepts it runs its `check`, and every entry's `finish` runs
//! after the walk, in table order. An error from either ends validation: the first unsound
//! node, in schema order, decides the error.
//!
//! # How to add a validator
//! 1. Its module, `validate/<name>.rs` (declared in `validate/mod.rs`): the checks; its error
//!    family (a `thiserror` enum with an `error_kinds!` table of stable kebab-case kinds and a
//!    `hint()`); `matches` (cheap: compare the node kind and type name) and `check` (reads the
//!    state, refuses with the family's error, and for a validator that can trust, calls
//!    [`Context::trust`]); `finish` if it must see the whole file first (add the deferred
//!    nodes to [`Context`]); `reads_state_of` if it reads other objects' attributes.
//! 2. This file: a [`Validator`] variant with its `name()`, and its [`REGISTRY`] line. Entries
//!    are tried in order, so a validator of a more specific form of a node goes first.
//! 3. `validate/error.rs`: one [`ValidateError`](super::ValidateError) variant wrapping the
//!    family (kinds, hints and `From` follow from it); `scripts/gen_error_docs.py` then writes
//!    `docs/errors.md`.
//! 4. Its test table: the cases (fixture, edit, expected kind) that the table-driven Rust test
//!    and the parametrized pytest both run.

use super::context::Context;
use super::{
    binary_tree, bisecting, boosting, bspline, dtype, encoders, hist_predictor, kmeans, loss,
    neighbors, polynomial, reviewed, sparse, svm, tree, usage, vocabulary,
};
use crate::Result;
use skops_format::schema::{Node, NodeId};

/// A validator: what `inspect` names for a node it trusted.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, strum::EnumIter, strum::EnumCount,
)]
pub enum Validator {
    /// [`tree`]: `sklearn.tree._tree.Tree` and the estimators that feed it `X`.
    Tree,
    /// [`hist_predictor`]: HistGradientBoosting's `TreePredictor` and its estimator.
    HistPredictor,
    /// [`reviewed`]: a pure-Python helper reviewed as safe to build from any state, in its
    /// plain form.
    Reviewed,
    /// [`bisecting`]: BisectingKMeans' cluster tree, against the estimator's width.
    BisectingTree,
    /// [`sparse`]: scipy sparse matrices and arrays (csr, csc, bsr, coo).
    Sparse,
    /// [`dtype`]: `numpy.dtype` of a plain (non-object, non-structured) dtype.
    DType,
    /// [`loss`]: sklearn's Tweedie loss objects (`HalfTweedieLoss`, `HalfTweedieLossIdentity`).
    Loss,
    /// [`bspline`]: a `BSpline` of a `SplineTransformer` and its `_asarray` function.
    Bspline,
    /// [`binary_tree`]: `KDTree`/`BallTree` and the distance metric each carries.
    BinaryTree,
    /// [`svm`]: the libsvm state of sklearn's SVMs (refuse-only: skops trusts them).
    Svm,
    /// [`neighbors`]: the fitted state of the neighbors estimators (refuse-only).
    Neighbors,
    /// [`kmeans`]: `KMeans` and `MiniBatchKMeans` (refuse-only).
    KMeans,
    /// [`boosting`]: the stages of a gradient-boosting ensemble (refuse-only).
    BoostingStages,
    /// [`encoders`]: `OneHotEncoder` (refuse-only).
    OneHotEncoder,
    /// [`vocabulary`]: the count, tf-idf and dict vectorizers, `MultiLabelBinarizer`
    /// (refuse-only).
    Vocabulary,
    /// [`polynomial`]: `PolynomialFeatures` (refuse-only).
    Polynomial,
}

impl Validator {
    /// The name shown by `skops-rs inspect` and in JSON reports.
    pub fn name(self) -> &'static str {
        match self {
            Validator::Tree => "tree",
            Validator::HistPredictor => "hist-predictor",
            Validator::Reviewed => "reviewed",
            Validator::BisectingTree => "bisecting-tree",
            Validator::Sparse => "sparse",
            Validator::DType => "dtype",
            Validator::Loss => "loss",
            Validator::Bspline => "bspline",
            Validator::BinaryTree => "binary-tree",
            Validator::Svm => "svm",
            Validator::Neighbors => "neighbors",
            Validator::KMeans => "kmeans",
            Validator::BoostingStages => "boosting-stages",
            Validator::OneHotEncoder => "one-hot-encoder",
            Validator::Vocabulary => "vocabulary",
            Validator::Polynomial => "polynomial",
        }
    }

    /// Whether this validator can trust a node (or only refuse an unsound state of a type
    /// skops already trusts).
    pub fn can_trust(self) -> bool {
        REGISTRY
            .iter()
            .any(|entry| entry.validator == self && entry.power == Power::Trusts)
    }
}

/// What a validator can decide about a node it checks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(super) enum Power {
    /// Trusts a sound node where its use is bounded by what was checked; refuses an unsound
    /// one.
    Trusts,
    /// Only refuses an unsound state: skops 0.16 trusts the type by default.
    RefusesOnly,
}

/// The access path of the node being checked, built only when an error needs it.
pub(super) type PathFn<'p> = &'p dyn Fn() -> String;

/// One validator's line in the registry.
pub(super) struct Entry {
    /// The validator, as reports name it.
    pub(super) validator: Validator,
    /// Whether it can trust, or only refuse.
    pub(super) power: Power,
    /// Whether it checks `node`, whose type name is `name` (empty for JSON and array nodes,
    /// which are many and which no validator matches by name).
    pub(super) matches: fn(node: &Node, name: &str) -> bool,
    /// Checks node `id`, whose type name is `name` (as for `matches`); refuses it with the
    /// validator's error, or trusts it.
    pub(super) check: fn(&mut Context<'_, '_>, NodeId, &str, PathFn<'_>) -> Result<()>,
    /// Whether it reads the attributes of objects of type `name` (which are then refused,
    /// before any check, when their state cannot be read with certainty).
    pub(super) reads_state_of: fn(name: &str) -> bool,
    /// What it checks once the whole file has been walked.
    pub(super) finish: Option<fn(&mut Context<'_, '_>) -> Result<()>>,
}

/// Reads no object's state.
fn reads_none(_: &str) -> bool {
    false
}

/// Every validator, in the order they are tried on a node.
pub(super) const REGISTRY: &[Entry] = &[
    Entry {
        validator: Validator::Tree,
        power: Power::Trusts,
        matches: tree::checks_node,
        check: tree::check,
        // The estimators that validate `X` for a tree or a HistGradientBoosting predictor.
        reads_state_of: usage::reads_state_of,
        finish: None,
    },
    Entry {
        validator: Validator::HistPredictor,
        power: Power::Trusts,
        matches: hist_predictor::checks_node,
        check: hist_predictor::check,
        reads_state_of: hist_predictor::checks_type,
        finish: None,
    },
    Entry {
        validator: Validator::BisectingTree,
        power: Power::Trusts,
        matches: bisecting::checks_node,
        check: bisecting::check,
        reads_state_of: bisecting::reads_state_of,
        finish: None,
    },
    Entry {
        validator: Validator::Sparse,
        power: Power::Trusts,
        matches: sparse::checks_node,
        check: sparse::check,
        reads_state_of: reads_none,
        finish: None,
    },
    Entry {
        validator: Validator::DType,
        power: Power::Trusts,
        matches: dtype::checks_node,
        check: dtype::check,
        reads_state_of: reads_none,
        finish: None,
    },
    Entry {
        validator: Validator::Loss,
        power: Power::Trusts,
        matches: loss::checks_node,
        check: loss::check,
        reads_state_of: loss::checks_type,
        finish: None,
    },
    Entry {
        validator: Validator::Bspline,
        power: Power::Trusts,
        matches: bspline::checks_node,
        check: bspline::check,
        reads_state_of: bspline::reads_state_of,
        finish: None,
    },
    Entry {
        validator: Validator::Svm,
        power: Power::RefusesOnly,
        matches: svm::checks_node,
        check: svm::check,
        reads_state_of: svm::checks_type,
        finish: None,
    },
    Entry {
        validator: Validator::BoostingStages,
        power: Power::RefusesOnly,
        matches: boosting::checks_node,
        check: boosting::check,
        reads_state_of: boosting::reads_state_of,
        finish: None,
    },
    Entry {
        validator: Validator::OneHotEncoder,
        power: Power::RefusesOnly,
        matches: encoders::checks_node,
        check: encoders::check,
        reads_state_of: encoders::checks_type,
        finish: None,
    },
    Entry {
        validator: Validator::Vocabulary,
        power: Power::RefusesOnly,
        matches: vocabulary::checks_node,
        check: vocabulary::check,
        reads_state_of: vocabulary::checks_type,
        finish: None,
    },
    Entry {
        validator: Validator::Polynomial,
        power: Power::RefusesOnly,
        matches: polynomial::checks_node,
        check: polynomial::check,
        reads_state_of: polynomial::checks_type,
        finish: None,
    },
    Entry {
        validator: Validator::KMeans,
        power: Power::RefusesOnly,
        matches: kmeans::checks_node,
        check: kmeans::check,
        reads_state_of: kmeans::checks_type,
        finish: None,
    },
    // Before the neighbors estimators: their `finish` checks the estimators against the trees.
    Entry {
        validator: Validator::BinaryTree,
        power: Power::Trusts,
        matches: binary_tree::checks_node,
        check: binary_tree::check,
        reads_state_of: reads_none,
        finish: Some(binary_tree::finish),
    },
    Entry {
        validator: Validator::Neighbors,
        power: Power::RefusesOnly,
        matches: neighbors::checks_node,
        check: neighbors::check,
        reads_state_of: neighbors::checks_type,
        finish: Some(neighbors::finish),
    },
    Entry {
        validator: Validator::Reviewed,
        power: Power::Trusts,
        matches: reviewed::matches_held_function,
        check: reviewed::check_held_function,
        reads_state_of: reads_none,
        finish: None,
    },
    // Last: it looks at every node no other entry took.
    Entry {
        validator: Validator::Reviewed,
        power: Power::Trusts,
        matches: reviewed::matches_any,
        check: reviewed::check_reviewed_type,
        reads_state_of: reads_none,
        finish: None,
    },
];

/// The first entry that checks `node` (whose type name is `name`).
pub(super) fn entry_for(node: &Node, name: &str) -> Option<&'static Entry> {
    REGISTRY.iter().find(|entry| (entry.matches)(node, name))
}

/// Whether some validator reads the attributes of objects of type `name`.
pub(super) fn reads_state_of(name: &str) -> bool {
    REGISTRY.iter().any(|entry| (entry.reads_state_of)(name))
}

#[cfg(test)]
mod tests {
    use std::collections::HashSet;

    use strum::IntoEnumIterator;

    use super::{REGISTRY, Validator};

    #[test]
    fn every_validator_has_an_entry_and_a_distinct_name() {
        for validator in Validator::iter() {
            assert!(
                REGISTRY.iter().any(|entry| entry.validator == validator),
                "{validator:?} has no registry entry"
            );
        }
        let names: HashSet<_> = Validator::iter().map(Validator::name).collect();
        assert_eq!(names.len(), Validator::iter().count());
    }

    #[test]
    fn a_validator_is_either_trusting_or_refuse_only() {
        for validator in Validator::iter() {
            let powers: HashSet<_> = REGISTRY
                .iter()
                .filter(|entry| entry.validator == validator)
                .map(|entry| entry.power)
                .collect();
            assert_eq!(powers.len(), 1, "{validator:?}");
        }
    }
}
