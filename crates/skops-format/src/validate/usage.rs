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
//!   and a plain integer, in the dict skops builds (a short `key_types` drops entries: see
//!   [`dict_entry`]).
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
use super::tree::{json_int, numpy_member};
use crate::file::SkopsFile;
use crate::json::{self, Value};
use crate::limits::Limits;
use crate::npy::{Descr, read_npy};
use crate::schema::{ChildKey, NodeId, NodeKind, Schema};

/// The estimators that hold a `Tree` as `tree_` and validate `X` against their own
/// `n_features_in_` when called with `check_input=True`.
const TREE_ESTIMATORS: [&str; 4] = [
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
            owners.extend(self.of(state).iter().map(|&(owner, _)| owner));
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
    let Ok(view) = read_npy(&bytes, limits) else {
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

/// The node that ObjectNode `id`'s state holds under `name`, when the dict skops builds from
/// that state holds it (see [`dict_entry`]).
pub(super) fn attribute(file: &SkopsFile<'_>, id: NodeId, name: &str) -> Option<NodeId> {
    let schema = file.schema();
    let NodeKind::Object {
        content: Some(state),
    } = &schema.node(id).kind
    else {
        return None;
    };
    dict_entry(schema, *state, name)
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

/// Whether ObjectNode `id`'s state holds a callable (a function, type, method, partial, or a
/// callable object) under a key other than [`CALLABLE_KEYS`]: as an instance attribute it
/// would shadow a method of that name, e.g. `_validate_X_predict = numpy.fmax` makes a tree's
/// `predict` skip the width check and hand `X` straight to the tree.
pub(super) fn state_shadows_methods(file: &SkopsFile<'_>, id: NodeId) -> bool {
    let schema = file.schema();
    let NodeKind::Object { content } = &schema.node(id).kind else {
        return true;
    };
    let Some(state) = content else {
        return false;
    };
    let entries = match &schema.node(*state).kind {
        NodeKind::Dict { entries, .. } => entries,
        // A JSON state holds no callable (`None`, as sklearn's links have, sets nothing).
        NodeKind::Json { .. } => return false,
        // Anything else (e.g. a list of pairs, which `__dict__.update` accepts): assume it may.
        _ => return true,
    };
    entries.iter().any(|(key, child)| {
        let node = schema.node(*child);
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

/// Whether ObjectNode `id`'s state names `name` at all, whatever its key type: where it does
/// not, Python's object cannot have that attribute from the file.
pub(super) fn state_mentions(file: &SkopsFile<'_>, id: NodeId, name: &str) -> bool {
    let schema = file.schema();
    let NodeKind::Object {
        content: Some(state),
    } = &schema.node(id).kind
    else {
        return false;
    };
    match &schema.node(*state).kind {
        NodeKind::Dict { entries, .. } => entries.iter().any(|(key, _)| key == name),
        // Not a plain dict: assume it may set anything.
        _ => true,
    }
}

/// The value of key `name` in the dict skops 0.16 builds from DictNode `dict`, when that dict
/// holds the string `name`.
///
/// skops pairs the entries with `key_types` by position (`zip`: entries past the end of
/// `key_types` are dropped) and converts each key with its type: only a `builtins.str` type
/// keeps the key the string it is in the schema. Any other form yields `None`, so a check
/// that needs an attribute present never passes on an entry Python would not set (e.g. an
/// `n_features_in_` dropped by a short `key_types`, which makes `validate_data` skip the
/// width check). Entries are Python's (duplicates merged), so positions match.
pub(super) fn dict_entry(schema: &Schema, dict: NodeId, name: &str) -> Option<NodeId> {
    let NodeKind::Dict { entries, key_types } = &schema.node(dict).kind else {
        return None;
    };
    let index = entries.iter().position(|(key, _)| key == name)?;
    let NodeKind::List(types) = &schema.node(*key_types).kind else {
        return None;
    };
    let key_type = schema.node(*types.get(index)?);
    let keeps_string =
        matches!(key_type.kind, NodeKind::Type) && key_type.type_name() == "builtins.str";
    keeps_string
        .then(|| entries.get(index).map(|(_, child)| *child))
        .flatten()
}

/// The integer attribute `name` of ObjectNode `id`, when it is a plain JSON integer.
pub(super) fn attribute_int(file: &SkopsFile<'_>, id: NodeId, name: &str) -> Option<i128> {
    json_int(file, attribute(file, id, name)?)
}

/// The JSON value of attribute `name` of ObjectNode `id`, when it is a JsonNode.
pub(super) fn attribute_json(file: &SkopsFile<'_>, id: NodeId, name: &str) -> Option<Value> {
    let NodeKind::Json { content } = &file.schema().node(attribute(file, id, name)?).kind else {
        return None;
    };
    json::parse(content.surrogatepass_bytes(), 1).ok()
}
