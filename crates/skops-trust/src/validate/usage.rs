//! Where a sound tree or tree predictor is used: ties its split features to the width of the
//! `X` that predict hands it, through the estimators that hold it.
//!
//! A tree's own `n_features` bounds its split features, but a crafted file sets both; what
//! bounds the `X` that Cython indexes is the `n_features_in_` that `validate_data` compares
//! `X` with, in whichever estimator validates `X` before the tree reads it:
//! - a `DecisionTree*`/`ExtraTree*` holding the tree as `tree_` checks `X` against its own
//!   `n_features_in_` in `predict`/`apply`/`decision_path` (scikit-learn 1.9 does so even
//!   with `check_input=False`; older releases skipped it), which is what Bagging, AdaBoost,
//!   Voting, Stacking, pipelines and searches call;
//! - `GradientBoosting*` checks `X` with its first tree's estimator only and then reads every
//!   `tree_` directly (`predict_stages`); forests, `RandomTreesEmbedding` and `IsolationForest`
//!   check `X` themselves and call their trees with `check_input=False`. For all of these the
//!   ensemble's `n_features_in_` must equal the tree's (conservative for the forests, exact
//!   for boosting); `IsolationForest` slices `X` by `estimators_features_` unless
//!   `_max_features` is the full width, so that must hold too;
//! - `GradientBoosting*` also writes each tree's prediction to column `k` of an output as
//!   wide as its init estimator's prediction, unchecked, for every column `k` of
//!   `estimators_`: see [`super::boosting`];
//! - `validate_data` skips the check when `n_features_in_` is absent, so it must be present,
//!   and a plain integer, among the attributes skops sets (see [`State`]: a short `key_types`
//!   drops entries, a key type other than a string's names no attribute).
//!
//! A tree is trusted only when every reference to it is the `tree_` of such an estimator,
//! with `n_features_in_` equal to the tree's `n_features`, and every unchecked ensemble above
//! that estimator agrees. A bound method of the estimator or of an ensemble above it (a
//! MethodNode) could be called with `check_input=False` (e.g. by a FunctionTransformer's
//! `kw_args`), so a tree below one is not trusted either.
//!
//! None of these estimators may hold a callable where it could shadow a method (an instance
//! attribute named `_validate_X_predict` is called in place of the method that checks `X`):
//! see [`state_shadows_methods`].
//!
//! A HistGradientBoosting `TreePredictor` is trusted only when every reference to it is an
//! item of an item of `_predictors` of a `HistGradientBoosting*` whose `n_features_in_`
//! exceeds every split's `feature_idx`, that has no `_preprocessor` (which would change the
//! width of `X` after the check) and is not marked `_in_fit` (which skips the check and
//! predicts from binned data), and whose `_bin_mapper.is_categorical_` marks every feature a
//! categorical split reads (predict looks the feature up in a table of the categorical
//! features, unchecked).

use std::collections::HashSet;

use super::boosting;
use super::hist_predictor::PredictorSplits;
use super::state::{State, numpy_member, readable};
use skops_format::file::SkopsFile;
use skops_format::json::Value;
use skops_format::limits::Limits;
use skops_format::npy::Descr;
use skops_format::schema::{ChildKey, NodeId, NodeKind, Schema};

/// The estimators that hold a `Tree` as `tree_` and validate `X` against their own
/// `n_features_in_` when called with `check_input=True`.
pub(super) const TREE_ESTIMATORS: [&str; 4] = [
    "sklearn.tree._classes.DecisionTreeClassifier",
    "sklearn.tree._classes.DecisionTreeRegressor",
    "sklearn.tree._classes.ExtraTreeClassifier",
    "sklearn.tree._classes.ExtraTreeRegressor",
];

/// The ensembles that check `X` once and then use their trees (or their `tree_`) without
/// checking it against each tree's estimator.
const UNCHECKED_ENSEMBLES: [&str; 8] = [
    "sklearn.ensemble._forest.RandomForestClassifier",
    "sklearn.ensemble._forest.RandomForestRegressor",
    "sklearn.ensemble._forest.ExtraTreesClassifier",
    "sklearn.ensemble._forest.ExtraTreesRegressor",
    "sklearn.ensemble._forest.RandomTreesEmbedding",
    "sklearn.ensemble._iforest.IsolationForest",
    "sklearn.ensemble._gb.GradientBoostingClassifier",
    "sklearn.ensemble._gb.GradientBoostingRegressor",
];

/// The ensemble that slices `X` by `estimators_features_` unless `_max_features` is the width.
const ISOLATION_FOREST: &str = "sklearn.ensemble._iforest.IsolationForest";

/// The estimators that hold `TreePredictor`s in `_predictors`.
const HIST_ESTIMATORS: [&str; 2] = [
    "sklearn.ensemble._hist_gradient_boosting.gradient_boosting.HistGradientBoostingClassifier",
    "sklearn.ensemble._hist_gradient_boosting.gradient_boosting.HistGradientBoostingRegressor",
];

/// The bin mapper whose `is_categorical_` the predictor check reads.
const BIN_MAPPER: &str = "sklearn.ensemble._hist_gradient_boosting.binning._BinMapper";

/// Whether this module reads the attributes of objects of type `name`.
pub(super) fn reads_state_of(name: &str) -> bool {
    TREE_ESTIMATORS.contains(&name)
        || UNCHECKED_ENSEMBLES.contains(&name)
        || HIST_ESTIMATORS.contains(&name)
        || name == BIN_MAPPER
}

/// Every node's referrers: the parents that refer to it, with how it hangs from each.
pub(super) struct Referrers<'a> {
    schema: &'a Schema,
    parents: Vec<Vec<(NodeId, ChildKey<'a>)>>,
}

impl<'a> Referrers<'a> {
    pub(super) fn new(schema: &'a Schema) -> Self {
        let mut parents: Vec<Vec<(NodeId, ChildKey<'a>)>> = vec![Vec::new(); schema.len()];
        for (id, _) in schema.nodes() {
            for (key, child) in schema.children(id) {
                if let Some(slot) = parents.get_mut(child.index()) {
                    slot.push((id, key));
                }
            }
        }
        Self { schema, parents }
    }

    pub(super) fn of(&self, id: NodeId) -> &[(NodeId, ChildKey<'a>)] {
        self.parents.get(id.index()).map_or(&[], Vec::as_slice)
    }

    /// The objects that hold `id` as their attribute `attr`, or `None` when some reference
    /// to `id` is anything else (or there is none).
    pub(super) fn attribute_owners(&self, id: NodeId, attr: &str) -> Option<Vec<NodeId>> {
        let mut owners = Vec::new();
        for &(state, key) in self.of(id) {
            if key != ChildKey::Key(attr) || !self.is_object_state(state) {
                return None;
            }
            for &(owner, _) in self.of(state) {
                // The entry must set the attribute (its key type keeps the key a string).
                let sets = State::of_object(self.schema, owner)
                    .is_ok_and(|owner_state| owner_state.node(attr) == Some(id));
                if !sets {
                    return None;
                }
                owners.push(owner);
            }
        }
        (!owners.is_empty()).then_some(owners)
    }

    /// Whether `id` is a DictNode referred to only as the state of ObjectNodes.
    pub(super) fn is_object_state(&self, id: NodeId) -> bool {
        let referrers = self.of(id);
        matches!(self.schema.node(id).kind, NodeKind::Dict { .. })
            && !referrers.is_empty()
            && referrers.iter().all(|&(owner, key)| {
                key == ChildKey::Attr("content")
                    && matches!(self.schema.node(owner).kind, NodeKind::Object { .. })
            })
    }

    /// The list nodes that hold `id` as an item, or `None` when some reference is not one.
    fn holding_lists(&self, id: NodeId) -> Option<Vec<NodeId>> {
        let referrers = self.of(id);
        let all_lists = !referrers.is_empty()
            && referrers.iter().all(|&(list, key)| {
                matches!(key, ChildKey::Index(_))
                    && matches!(self.schema.node(list).kind, NodeKind::List(_))
            });
        all_lists.then(|| referrers.iter().map(|&(list, _)| list).collect())
    }

    /// `id` and every node above it, once each.
    fn with_ancestors(&self, id: NodeId) -> Vec<NodeId> {
        let mut seen = HashSet::from([id]);
        let mut order = vec![id];
        let mut next = 0;
        while let Some(&current) = order.get(next) {
            next += 1;
            for &(parent, _) in self.of(current) {
                if seen.insert(parent) {
                    order.push(parent);
                }
            }
        }
        order
    }

    /// Whether a MethodNode binds a method of `id`.
    pub(super) fn has_bound_method(&self, id: NodeId) -> bool {
        self.of(id)
            .iter()
            .any(|&(parent, _)| matches!(self.schema.node(parent).kind, NodeKind::Method { .. }))
    }
}

/// Whether the sound tree `tree` (whose own `n_features` bounds its splits) is only used
/// where `X` is checked to be `n_features` wide (see the module doc).
pub(super) fn tree_is_bounded(
    file: &SkopsFile<'_>,
    referrers: &Referrers<'_>,
    tree: NodeId,
    n_features: u64,
    limits: &Limits,
) -> bool {
    let schema = file.schema();
    let Some(owners) = referrers.attribute_owners(tree, "tree_") else {
        return false;
    };
    owners.into_iter().all(|owner| {
        TREE_ESTIMATORS.contains(&schema.node(owner).type_name().as_str())
            && attribute_int(file, owner, "n_features_in_") == Some(i128::from(n_features))
            && !state_shadows_methods(file, owner)
            && referrers.with_ancestors(owner).into_iter().all(|above| {
                if referrers.has_bound_method(above) {
                    return false;
                }
                let name = schema.node(above).type_name();
                if !UNCHECKED_ENSEMBLES.contains(&name.as_str()) {
                    return true;
                }
                let width = attribute_int(file, above, "n_features_in_");
                width == Some(i128::from(n_features))
                    && !state_shadows_methods(file, above)
                    && (!boosting::GRADIENT_BOOSTING.contains(&name.as_str())
                        || boosting::stages_fit_output(file, above, &TREE_ESTIMATORS, limits))
                    && (name != ISOLATION_FOREST
                        || attribute_int(file, above, "_max_features") == width)
            })
    })
}

/// Whether the sound predictor `predictor` is only used where `X` is checked to be wider
/// than every split feature, and its categorical splits read categorical features.
pub(super) fn predictor_is_bounded(
    file: &SkopsFile<'_>,
    referrers: &Referrers<'_>,
    predictor: NodeId,
    splits: &PredictorSplits,
    limits: &Limits,
) -> bool {
    let schema = file.schema();
    // `_predictors[i][k]`: the predictor is in a list, in a list, in the estimator's state.
    let Some(inner) = referrers.holding_lists(predictor) else {
        return false;
    };
    let mut estimators = Vec::new();
    for list in inner {
        let Some(outer) = referrers.holding_lists(list) else {
            return false;
        };
        for list in outer {
            let Some(owners) = referrers.attribute_owners(list, "_predictors") else {
                return false;
            };
            estimators.extend(owners);
        }
    }
    estimators.into_iter().all(|estimator| {
        let width = attribute_int(file, estimator, "n_features_in_");
        HIST_ESTIMATORS.contains(&schema.node(estimator).type_name().as_str())
            && !state_shadows_methods(file, estimator)
            && !referrers
                .with_ancestors(estimator)
                .into_iter()
                .any(|above| referrers.has_bound_method(above))
            && width.is_some_and(|width| {
                splits
                    .max_feature
                    .is_none_or(|feature| i128::from(feature) < width)
            })
            && attribute_json(file, estimator, "_preprocessor") == Some(Value::Null)
            // Absent, or a plain `False`: any other value may be truthy.
            && (!state_mentions(file, estimator, "_in_fit")
                || attribute_json(file, estimator, "_in_fit") == Some(Value::Bool(false)))
            && (splits.categorical_features.is_empty()
                || categorical_features_marked(file, estimator, splits, width, limits))
    })
}

/// Whether `_bin_mapper.is_categorical_` of `estimator` has one flag per feature (`width`)
/// and marks every feature a categorical split reads.
fn categorical_features_marked(
    file: &SkopsFile<'_>,
    estimator: NodeId,
    splits: &PredictorSplits,
    width: Option<i128>,
    limits: &Limits,
) -> bool {
    // Predict calls `_bin_mapper.make_known_categories_bitsets()` for the table it then
    // indexes unchecked: no attribute may replace that method.
    let Some(bin_mapper) = attribute(file, estimator, "_bin_mapper")
        .filter(|&bin_mapper| !state_shadows_methods(file, bin_mapper))
    else {
        return false;
    };
    let Some(flags) = attribute(file, bin_mapper, "is_categorical_") else {
        return false;
    };
    let Ok(bytes) = numpy_member(file, flags) else {
        return false;
    };
    let Ok(view) = bytes.view(limits) else {
        return false;
    };
    let one_byte_flags = matches!(
        &view.header.descr,
        Descr::Simple(type_str) if type_str.size == 1 && matches!(type_str.kind, 'u' | 'b')
    );
    one_byte_flags
        && view.header.shape.len() == 1
        && width == Some(i128::from(view.data.len() as u64))
        && splits.categorical_features.iter().all(|&feature| {
            usize::try_from(feature)
                .ok()
                .and_then(|index| view.data.get(index))
                .is_some_and(|&flag| flag != 0)
        })
}

/// The node that ObjectNode `id` sets as attribute `name` (see [`State`]).
pub(super) fn attribute(file: &SkopsFile<'_>, id: NodeId, name: &str) -> Option<NodeId> {
    readable(file, id)?.node(name)
}

/// The keys under which the estimators these validators rely on legitimately hold a callable
/// (a loss, an early-stopping scorer, BisectingKMeans' k-means function): none names a method.
const CALLABLE_KEYS: [&str; 3] = ["_loss", "_scorer", "_kmeans_single"];

/// The classes skops_rs trusts whose instances Python can call (`__call__`): kernels, scorers,
/// losses, splines, by module prefix.
const CALLABLE_CLASS_PREFIXES: [&str; 4] = [
    "sklearn.gaussian_process.kernels.",
    "sklearn.metrics._scorer.",
    "sklearn._loss.loss.",
    "scipy.interpolate.",
];

/// Whether ObjectNode `id` sets a callable (a function, type, method, partial, or a callable
/// object) as an attribute other than [`CALLABLE_KEYS`]: an instance attribute shadows the
/// method of that name, e.g. `_validate_X_predict = numpy.fmax` makes a tree's `predict` skip
/// the width check and hand `X` straight to the tree. An unreadable state may set anything.
pub(super) fn state_shadows_methods(file: &SkopsFile<'_>, id: NodeId) -> bool {
    let schema = file.schema();
    let Ok(state) = State::of(file, id) else {
        return true;
    };
    state.attributes().any(|(key, slot)| {
        // A JSON value is never callable.
        let Some(child) = slot.node() else {
            return false;
        };
        let node = schema.node(child);
        let callable = match &node.kind {
            NodeKind::Type
            | NodeKind::Function
            | NodeKind::FunctionV0 { .. }
            | NodeKind::Partial { .. }
            | NodeKind::Method { .. }
            | NodeKind::OperatorFunc { .. } => true,
            NodeKind::Object { .. } => {
                let name = node.type_name();
                CALLABLE_CLASS_PREFIXES
                    .iter()
                    .any(|prefix| name.starts_with(prefix))
            }
            _ => false,
        };
        callable && !key.as_str().is_some_and(|key| CALLABLE_KEYS.contains(&key))
    })
}

/// Whether ObjectNode `id` may have attribute `name` from the file: it sets it, or its state is
/// unreadable (and so may set anything).
pub(super) fn state_mentions(file: &SkopsFile<'_>, id: NodeId, name: &str) -> bool {
    State::of(file, id).map_or(true, |state| state.has(name))
}

/// The integer attribute `name` of ObjectNode `id`, when it is a plain JSON integer.
pub(super) fn attribute_int(file: &SkopsFile<'_>, id: NodeId, name: &str) -> Option<i128> {
    readable(file, id)?.int(file, name)
}

/// The JSON value of attribute `name` of ObjectNode `id`, when it is a JSON value.
pub(super) fn attribute_json(file: &SkopsFile<'_>, id: NodeId, name: &str) -> Option<Value> {
    readable(file, id)?.json(file, name)
}
