//! The validator registry: which nodes each validator checks, what it runs, and whether it can
//! trust a node or only refuse one.
//!
//! [`validate`](super::validate) walks the schema once, in order; for each node the first entry
//! of [`REGISTRY`] whose `matches` accepts it runs its `check`, and every entry's `finish` runs
//! after the walk, in table order. An error from either ends validation: the first unsound
//! node, in schema order, decides the error.
//!
//! Two checks are no entry, because they run on objects whatever entry (if any) matches them,
//! before it: the state reader ([`super::state`]) refuses an unreadable state of every type
//! some entry `reads_state_of`, and [`super::widths`] bounds the widths of every `sklearn.`
//! object.
//!
//! # How to add a validator
//! 1. Its module, `validate/<name>.rs`, declared (and listed in the module doc) in
//!    `validate/mod.rs`: the checks, reading state through [`super::state`]; its error family
//!    (a `thiserror` enum with an `error_kinds!` table of stable kebab-case kinds and a
//!    `hint()`). A refuse-only validator (for a type skops already trusts) exports one function
//!    with the [`Refuse`] signature. A validator that trusts exports a [`Trust`] function, which
//!    calls [`Context::trust`] for what it found sound where its use is bounded, and a `finish`
//!    if it must see the whole file first (keep what it defers in [`Context`]).
//! 2. This file: a [`Validator`] variant with its `name()`, and its [`REGISTRY`] line: which
//!    nodes it checks ([`Matches`]), its [`Action`], the types whose state it reads. Entries are
//!    tried in order, the first match runs, so a more specific entry goes first.
//! 3. `validate/error.rs`: the family's line in `validator_families!` (the
//!    [`ValidateError`](super::ValidateError) variant, `kind()`, `hint()`, `kinds()` and `From`
//!    follow from it); `python scripts/gen_error_docs.py` then rewrites `docs/errors.md`.
//! 4. Its test table, `tests/data/validate/<family>.json` (format in the README.md there): the
//!    cases (base file, edit, expected kind) that the table-driven Rust test and the
//!    parametrized pytest both find and run. A new base `.skops` file goes beside it with the
//!    `make_<family>.py` script that writes it with skops 0.16. Every kind of the family must
//!    be expected by some case (`python/tests/test_error_kinds.py`).
//! 5. Its promise in `docs/trust.md` (under "Validators"). A validator that trusts also adds
//!    the types it trusts to `VALIDATED_TYPES` in `python/tests/_support.py` (what the
//!    compatibility tests expect to load with no `trusted` list).
//!
//! So a refuse-only validator touches `<name>.rs`, `mod.rs`, this file, `error.rs`,
//! `docs/errors.md` (generated), its table (plus a base file and its script if none fits)
//! and `docs/trust.md`: seven files, nine with a new base file; one that trusts, one more.

use super::context::Context;
use super::{BSPLINE_TYPE, PREDICTOR_TYPE};
use super::{
    binary_tree, bisecting, boosting, bspline, dtype, encoders, hist_predictor, kmeans, loss,
    neighbors, polynomial, reviewed, sparse, svm, tree, usage, vocabulary,
};
use crate::Result;
use skops_format::file::SkopsFile;
use skops_format::limits::Limits;
use skops_format::schema::{Node, NodeId, NodeKind, ReduceKind};

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
            .any(|entry| entry.validator == self && matches!(entry.action, Action::Trusts(_)))
    }
}

/// A check that may trust the node (and what it owns) through [`Context::trust`]: it gets the
/// node, its type name, and its access path for errors.
pub(super) type Trust = fn(&mut Context<'_, '_>, NodeId, &str, PathFn<'_>) -> Result<()>;

/// A check that can only refuse an unsound state (skops 0.16 trusts the type by default): it
/// sees the file, not the [`Context`], so it cannot trust anything.
pub(super) type Refuse = fn(&SkopsFile<'_>, NodeId, &Limits, PathFn<'_>) -> Result<()>;

/// The access path of the node being checked, built only when an error needs it.
pub(super) type PathFn<'p> = &'p dyn Fn() -> String;

/// What a validator runs on a node it matches.
#[derive(Clone, Copy)]
pub(super) enum Action {
    /// Trusts a sound node where its use is bounded by what was checked; refuses an unsound one.
    Trusts(Trust),
    /// Only refuses an unsound state.
    Refuses(Refuse),
    /// [`Action::Refuses`], once the walk is over: after the `finish` of every entry up to and
    /// including this one, so that an error a finished validator reports comes first.
    RefusesAtEnd(Refuse),
}

/// Which nodes a validator checks.
#[derive(Clone, Copy)]
pub(super) enum Matches {
    /// ObjectNodes whose type name satisfies the predicate.
    Objects(fn(&str) -> bool),
    /// Nodes that satisfy the predicate (for node kinds that are not ObjectNodes).
    Nodes(fn(&Node) -> bool),
}

impl Matches {
    /// Whether it matches `node`, whose type name is `name`.
    fn accepts(self, node: &Node, name: &str) -> bool {
        match self {
            Matches::Objects(types) => matches!(node.kind, NodeKind::Object { .. }) && types(name),
            Matches::Nodes(nodes) => nodes(node),
        }
    }
}

/// One validator's line in the registry.
pub(super) struct Entry {
    /// The validator, as reports name it.
    pub(super) validator: Validator,
    /// Which nodes it checks.
    pub(super) matches: Matches,
    /// What it runs on each.
    pub(super) action: Action,
    /// Whether it reads the attributes of objects of type `name` (which are then refused,
    /// before any check, when their state cannot be read with certainty).
    pub(super) reads_state_of: fn(name: &str) -> bool,
    /// What it checks once the whole file has been walked (a validator that trusts).
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
        matches: Matches::Nodes(|node| {
            matches!(
                node.kind,
                NodeKind::Reduce {
                    kind: ReduceKind::Tree,
                    ..
                }
            )
        }),
        action: Action::Trusts(tree::check),
        // The estimators that validate `X` for a tree or a HistGradientBoosting predictor.
        reads_state_of: usage::reads_state_of,
        finish: None,
    },
    Entry {
        validator: Validator::HistPredictor,
        matches: Matches::Objects(|name| name == PREDICTOR_TYPE),
        action: Action::Trusts(hist_predictor::check),
        reads_state_of: |name| name == PREDICTOR_TYPE,
        finish: None,
    },
    Entry {
        validator: Validator::BisectingTree,
        matches: Matches::Objects(|name| name == bisecting::BISECTING_TREE_TYPE),
        action: Action::Trusts(bisecting::check),
        reads_state_of: |name| {
            name == bisecting::BISECTING_TREE_TYPE || name == bisecting::BISECTING_KMEANS
        },
        finish: None,
    },
    Entry {
        validator: Validator::Sparse,
        matches: Matches::Nodes(|node| matches!(node.kind, NodeKind::SparseMatrix { .. })),
        action: Action::Trusts(sparse::check),
        reads_state_of: reads_none,
        finish: None,
    },
    Entry {
        validator: Validator::DType,
        matches: Matches::Nodes(|node| matches!(node.kind, NodeKind::DType { .. })),
        action: Action::Trusts(dtype::check),
        reads_state_of: reads_none,
        finish: None,
    },
    Entry {
        validator: Validator::Loss,
        matches: Matches::Objects(|name| loss::spec(name).is_some()),
        action: Action::Trusts(loss::check),
        reads_state_of: |name| loss::spec(name).is_some(),
        finish: None,
    },
    Entry {
        validator: Validator::Bspline,
        matches: Matches::Objects(|name| name == BSPLINE_TYPE),
        action: Action::Trusts(bspline::check),
        reads_state_of: |name| name == BSPLINE_TYPE || name == bspline::SPLINE_TRANSFORMER_TYPE,
        finish: None,
    },
    Entry {
        validator: Validator::Svm,
        matches: Matches::Objects(|name| svm::svm_kind(name).is_some()),
        action: Action::Refuses(svm::validate_svm),
        reads_state_of: |name| svm::svm_kind(name).is_some(),
        finish: None,
    },
    Entry {
        validator: Validator::BoostingStages,
        matches: Matches::Objects(|name| boosting::GRADIENT_BOOSTING.contains(&name)),
        action: Action::Refuses(boosting::validate_stages),
        reads_state_of: boosting::reads_state_of,
        finish: None,
    },
    Entry {
        validator: Validator::OneHotEncoder,
        matches: Matches::Objects(|name| name == encoders::ONE_HOT_ENCODER),
        action: Action::Refuses(encoders::validate_one_hot_encoder),
        reads_state_of: |name| name == encoders::ONE_HOT_ENCODER,
        finish: None,
    },
    Entry {
        validator: Validator::Vocabulary,
        matches: Matches::Objects(|name| vocabulary::table(name).is_some()),
        action: Action::Refuses(vocabulary::validate_vocabulary),
        reads_state_of: |name| vocabulary::table(name).is_some(),
        finish: None,
    },
    Entry {
        validator: Validator::Polynomial,
        matches: Matches::Objects(|name| name == polynomial::POLYNOMIAL_FEATURES),
        action: Action::Refuses(polynomial::validate_polynomial),
        reads_state_of: |name| name == polynomial::POLYNOMIAL_FEATURES,
        finish: None,
    },
    Entry {
        validator: Validator::KMeans,
        matches: Matches::Objects(kmeans::is_kmeans),
        action: Action::Refuses(kmeans::validate_kmeans),
        reads_state_of: kmeans::is_kmeans,
        finish: None,
    },
    // Before the neighbors estimators: an estimator is checked against its binary tree first,
    // so an error about a `_fit_X` they share names the tree's invariant.
    Entry {
        validator: Validator::BinaryTree,
        matches: Matches::Objects(|name| binary_tree::TreeKind::of(name).is_some()),
        action: Action::Trusts(binary_tree::check),
        reads_state_of: reads_none,
        finish: Some(binary_tree::finish),
    },
    Entry {
        validator: Validator::Neighbors,
        matches: Matches::Objects(|name| neighbors::neighbors_kind(name).is_some()),
        action: Action::RefusesAtEnd(neighbors::validate_neighbors),
        reads_state_of: |name| neighbors::neighbors_kind(name).is_some(),
        finish: None,
    },
    Entry {
        validator: Validator::Reviewed,
        matches: Matches::Nodes(|node| {
            matches!(node.kind, NodeKind::Function) && reviewed::is_held_function(node)
        }),
        action: Action::Trusts(reviewed::check_held_function),
        reads_state_of: reads_none,
        finish: None,
    },
    // Last: it looks at every node no other entry took.
    Entry {
        validator: Validator::Reviewed,
        matches: Matches::Nodes(|_| true),
        action: Action::Trusts(reviewed::check_reviewed_type),
        reads_state_of: reads_none,
        finish: None,
    },
];

/// The first entry that checks `node` (whose type name is `name`), with its index.
pub(super) fn entry_for(node: &Node, name: &str) -> Option<(usize, &'static Entry)> {
    REGISTRY
        .iter()
        .enumerate()
        .find(|(_, entry)| entry.matches.accepts(node, name))
}

/// Whether some validator reads the attributes of objects of type `name`.
pub(super) fn reads_state_of(name: &str) -> bool {
    REGISTRY.iter().any(|entry| (entry.reads_state_of)(name))
}

#[cfg(test)]
mod tests {
    use std::collections::HashSet;

    use strum::IntoEnumIterator;

    use super::{Action, REGISTRY, Validator};

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
            let trusting: HashSet<bool> = REGISTRY
                .iter()
                .filter(|entry| entry.validator == validator)
                .map(|entry| matches!(entry.action, Action::Trusts(_)))
                .collect();
            assert_eq!(trusting.len(), 1, "{validator:?}");
        }
    }

    #[test]
    fn only_a_trusting_validator_has_a_finish_step() {
        for entry in REGISTRY {
            if entry.finish.is_some() {
                assert!(
                    matches!(entry.action, Action::Trusts(_)),
                    "{:?}",
                    entry.validator
                );
            }
        }
    }
}
