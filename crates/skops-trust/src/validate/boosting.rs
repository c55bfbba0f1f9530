//! What `GradientBoosting*`'s `predict_stages` reads unchecked: `estimators_` as a grid of tree
//! estimators, each `tree_` as a tree ([`validate_stages`], refuse-only: skops 0.16 trusts
//! these ensembles), and the output it writes to.
//!
//! Where `GradientBoosting*` writes its trees' predictions: `predict_stages` adds tree
//! `estimators_[i, k]`'s value to `out[row, k]` for every column `k` of `estimators_`, with no
//! bounds check, into the `out` its init estimator made. A tree under such an ensemble is
//! trusted only when that `out` is provably at least as wide as `estimators_`.
//!
//! `out` is `_raw_predict_init(X)`: `np.zeros((n_samples, n_trees_per_iteration_))` when
//! `init_` is `"zero"`, else the init estimator's prediction (`_init_raw_predictions`), whose
//! width this module knows only for sklearn's defaults:
//! - a regressor with a `DummyRegressor` of `n_outputs_ == 1`: `predict` is raveled, `out` is
//!   one column of `n_samples` rows;
//! - a classifier with a `DummyClassifier` of `n_outputs_ == 1` and `_strategy == "prior"`:
//!   `predict_proba` is `ones((n_samples, 1)) * class_prior_`; a binary loss keeps its column 1
//!   (one column), a multinomial loss keeps it whole (`len(class_prior_)` columns, from a 1-D
//!   numeric `class_prior_`). Whether the loss is multiclass is its class attribute
//!   `is_multiclass`, unless the loss's state sets it (then a JSON bool is required).
//!
//! The links sklearn's losses apply (`loss.link.link`) keep the shape of their input; the init
//! estimator, the loss and its link must hold no callable that could shadow the methods used
//! (an instance attribute `predict` would replace `DummyRegressor.predict`). Every
//! row of `estimators_` must be a list of tree estimators (numpy would unpack a sequence-like
//! item into more columns), all rows of one length.

use super::state::{Slot, State, numpy_member};
use super::usage::{
    TREE_ESTIMATORS, attribute, attribute_int, attribute_json, state_mentions,
    state_shadows_methods,
};
use crate::{Error, Result};
use skops_format::file::SkopsFile;
use skops_format::json::Value;
use skops_format::limits::Limits;
use skops_format::npy::Descr;
use skops_format::schema::{NdArrayStorage, NodeId, NodeKind, ReduceKind};

/// The ensembles that call `predict_stages`.
pub(super) const GRADIENT_BOOSTING: [&str; 2] = [
    "sklearn.ensemble._gb.GradientBoostingClassifier",
    "sklearn.ensemble._gb.GradientBoostingRegressor",
];

const CLASSIFIER: &str = "sklearn.ensemble._gb.GradientBoostingClassifier";
const REGRESSOR: &str = "sklearn.ensemble._gb.GradientBoostingRegressor";
const DUMMY_CLASSIFIER: &str = "sklearn.dummy.DummyClassifier";
const DUMMY_REGRESSOR: &str = "sklearn.dummy.DummyRegressor";

/// The module of sklearn's link classes (`IdentityLink`, `LogitLink`, `MultinomialLogit`, ...).
const LINK_MODULE: &str = "sklearn._loss.link.";

/// The losses of `GradientBoostingClassifier`, with their class attribute `is_multiclass`.
const CLASSIFIER_LOSSES: [(&str, bool); 3] = [
    ("sklearn._loss.loss.HalfBinomialLoss", false),
    ("sklearn._loss.loss.ExponentialLoss", false),
    ("sklearn._loss.loss.HalfMultinomialLoss", true),
];

/// Whether the `out` of gradient-boosting ensemble `ensemble` is provably at least as wide as
/// its `estimators_`, whose items are all of `tree_estimators` (see the module doc).
pub(super) fn stages_fit_output(
    file: &SkopsFile<'_>,
    ensemble: NodeId,
    tree_estimators: &[&str],
    limits: &Limits,
) -> bool {
    let Some(columns) = estimator_columns(file, ensemble, tree_estimators) else {
        return false;
    };
    output_width(file, ensemble, limits).is_some_and(|width| columns <= width)
}

/// Refuses a fitted gradient-boosting ensemble whose `estimators_` is not a grid of tree
/// estimators, or one of whose stages has a `tree_` that is not a tree: `predict_stages`
/// assigns each `estimators_[i, k].tree_` to a Cython `Tree` variable, which accepts `None`
/// and then dereferences it (a segfault skops 0.16 loads with no trusted list once the only
/// tree is gone). sklearn's `fit` always stores a list of `DecisionTreeRegressor`s per stage.
///
/// The grid is what numpy builds from the object array's items (`np.array(items,
/// dtype=object)`), so only that exact form is read: a row that is a tuple or an array, or an
/// item that numpy unpacks as a sequence (a forest, a pipeline: `len` and `[]`) or that answers
/// `.tree_` on another object's behalf (a `Bunch`, a `FrozenEstimator`), would put objects the
/// check never looked at under `estimators[i, k]`. Anything but a `list` row of tree estimators
/// is refused ([`BoostingError::Estimators`]). An `estimators_` that is not an object
/// array fails in `predict_stages` before any item is read (`object[:, :]` needs one).
///
/// `_limits` is unused: it keeps the signature every refuse-only check has in the registry.
pub(super) fn validate_stages(
    file: &SkopsFile<'_>,
    ensemble: NodeId,
    _limits: &Limits,
    path: &dyn Fn() -> String,
) -> Result<()> {
    let schema = file.schema();
    let Some(estimators) = attribute(file, ensemble, "estimators_") else {
        return Ok(());
    };
    let NodeKind::NdArray(NdArrayStorage::Json { items, .. }) = &schema.node(estimators).kind
    else {
        return Ok(());
    };
    let not_a_grid = |position: String, node: NodeId, expected: &'static str| {
        Error::from(BoostingError::Estimators {
            path: path(),
            position,
            found: schema.node(node).type_name(),
            expected,
        })
    };
    for (row_index, &row) in items.iter().enumerate() {
        let row_node = schema.node(row);
        let stages = match &row_node.kind {
            NodeKind::List(stages) if row_node.module == "builtins" && row_node.class == "list" => {
                stages
            }
            _ => {
                return Err(not_a_grid(
                    format!("[{row_index}]"),
                    row,
                    "a list of tree estimators",
                ));
            }
        };
        for (column, &stage) in stages.iter().enumerate() {
            let stage_node = schema.node(stage);
            let is_tree_estimator = matches!(stage_node.kind, NodeKind::Object { .. })
                && TREE_ESTIMATORS.contains(&stage_node.type_name().as_str());
            if !is_tree_estimator {
                return Err(not_a_grid(
                    format!("[{row_index}, {column}]"),
                    stage,
                    "a tree estimator",
                ));
            }
            // The stage's own check (`super::reads_state_of`) comes after this one.
            let state = State::read(file, stage, &|| super::audit_path(file, stage))?;
            let found = match state.get("tree_") {
                // No `tree_` attribute: Cython raises `AttributeError`.
                None => continue,
                Some(Slot::Node(tree)) => match schema.node(tree).kind {
                    NodeKind::Reduce {
                        kind: ReduceKind::Tree,
                        ..
                    } => continue,
                    _ => schema.node(tree).type_name(),
                },
                Some(Slot::Json(value)) => format!("builtins.{}", python_type(value)),
            };
            return Err(Error::from(BoostingError::Stage {
                path: path(),
                row: row_index as u64,
                column: column as u64,
                found,
            }));
        }
    }
    Ok(())
}

/// The number of columns of `estimators_`: every row a ListNode of tree estimators, all of
/// one length.
fn estimator_columns(
    file: &SkopsFile<'_>,
    ensemble: NodeId,
    tree_estimators: &[&str],
) -> Option<u64> {
    let schema = file.schema();
    let NodeKind::NdArray(NdArrayStorage::Json { items, .. }) =
        &schema.node(attribute(file, ensemble, "estimators_")?).kind
    else {
        return None;
    };
    let mut columns = None;
    for &row in items {
        let NodeKind::List(row) = &schema.node(row).kind else {
            return None;
        };
        let all_trees = row.iter().all(|&item| {
            let node = schema.node(item);
            matches!(node.kind, NodeKind::Object { .. })
                && tree_estimators.contains(&node.type_name().as_str())
        });
        let length = row.len() as u64;
        if !all_trees || columns.is_some_and(|columns| columns != length) {
            return None;
        }
        columns = Some(length);
    }
    Some(columns.unwrap_or(0))
}

/// A lower bound of the width of `out`, when the init estimator is one this module knows.
fn output_width(file: &SkopsFile<'_>, ensemble: NodeId, limits: &Limits) -> Option<u64> {
    let schema = file.schema();
    let init = attribute(file, ensemble, "init_")?;
    if let Some(Value::String(init)) = attribute_json(file, ensemble, "init_") {
        return (init == "zero")
            .then(|| attribute_int(file, ensemble, "n_trees_per_iteration_"))
            .flatten()
            .and_then(|width| u64::try_from(width).ok());
    }
    if !matches!(schema.node(init).kind, NodeKind::Object { .. })
        || attribute_int(file, init, "n_outputs_") != Some(1)
        || state_shadows_methods(file, init)
        || !plain_link(file, ensemble)
    {
        return None;
    }
    let ensemble_type = schema.node(ensemble).type_name();
    let init_type = schema.node(init).type_name();
    match (ensemble_type.as_str(), init_type.as_str()) {
        (REGRESSOR, DUMMY_REGRESSOR) => Some(1),
        (CLASSIFIER, DUMMY_CLASSIFIER) => {
            let prior = attribute_json(file, init, "_strategy") == Some(Value::from("prior"));
            if !prior {
                return None;
            }
            if loss_is_multiclass(file, ensemble)? {
                prior_length(file, init, limits)
            } else {
                Some(1)
            }
        }
        _ => None,
    }
}

/// Whether `_loss.link.link`, which `_init_raw_predictions` applies to the init estimator's
/// prediction, is the shape-keeping method of one of sklearn's links: the loss and its link
/// hold no callable that could shadow a method.
fn plain_link(file: &SkopsFile<'_>, ensemble: NodeId) -> bool {
    let Some(loss) = attribute(file, ensemble, "_loss") else {
        return false;
    };
    let Some(link) = attribute(file, loss, "link") else {
        return false;
    };
    let link_node = file.schema().node(link);
    matches!(link_node.kind, NodeKind::Object { .. })
        && link_node.type_name().starts_with(LINK_MODULE)
        && !state_shadows_methods(file, loss)
        && !state_shadows_methods(file, link)
}

/// Whether the ensemble's `_loss` is multiclass, when it is a loss this module knows.
fn loss_is_multiclass(file: &SkopsFile<'_>, ensemble: NodeId) -> Option<bool> {
    let loss = attribute(file, ensemble, "_loss")?;
    let loss_type = file.schema().node(loss).type_name();
    let (_, default) = CLASSIFIER_LOSSES
        .iter()
        .find(|(name, _)| *name == loss_type)?;
    if !state_mentions(file, loss, "is_multiclass") {
        return Some(*default);
    }
    match attribute_json(file, loss, "is_multiclass")? {
        Value::Bool(value) => Some(value),
        _ => None,
    }
}

/// The length of the `DummyClassifier`'s `class_prior_`, a 1-D numeric `.npy` array.
fn prior_length(file: &SkopsFile<'_>, init: NodeId, limits: &Limits) -> Option<u64> {
    let bytes = numpy_member(file, attribute(file, init, "class_prior_")?).ok()?;
    let view = bytes.view(limits).ok()?;
    let numeric = matches!(
        &view.header.descr,
        Descr::Simple(type_str) if matches!(type_str.kind, 'f' | 'i' | 'u' | 'b')
    );
    match view.header.shape.as_slice() {
        [length] if numeric => Some(*length),
        _ => None,
    }
}

/// The name of the Python type `json.loads` makes of `value`.
fn python_type(value: &Value) -> &'static str {
    match value {
        Value::Null => "NoneType",
        Value::Bool(_) => "bool",
        Value::Number(number) if number.is_integer() => "int",
        Value::Number(_) => "float",
        Value::String(_) => "str",
        Value::Array(_) => "list",
        Value::Object(_) => "dict",
    }
}

/// Whether this module reads the attributes of objects of type `name`.
pub(super) fn reads_state_of(name: &str) -> bool {
    GRADIENT_BOOSTING.contains(&name)
        || [DUMMY_CLASSIFIER, DUMMY_REGRESSOR].contains(&name)
        || CLASSIFIER_LOSSES.iter().any(|(loss, _)| *loss == name)
        || name.starts_with(LINK_MODULE)
}

/// What the `boosting` validator refuses.
#[derive(Debug, thiserror::Error, strum::EnumDiscriminants)]
#[strum_discriminants(name(BoostingErrorKind), derive(strum::EnumIter))]
#[strum_discriminants(doc = "The variants of [`BoostingError`], without their data.")]
pub enum BoostingError {
    /// A stage of a fitted gradient-boosting ensemble has a `tree_` that is not a tree:
    /// `predict_stages` dereferences it as one (a `None` crashes the interpreter).
    #[error(
        "the gradient-boosting ensemble at `{path}` has `estimators_[{row}, {column}].tree_` of \
         type `{found}`, not a `sklearn.tree._tree.Tree`"
    )]
    Stage {
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
    Estimators {
        /// Where the ensemble is, as a Python access path from the root object.
        path: String,
        /// The row (`[i]`) or item (`[i, k]`) of `estimators_`.
        position: String,
        /// The type found there.
        found: String,
        /// What belongs there (`a list of tree estimators`, `a tree estimator`).
        expected: &'static str,
    },
}

skops_format::error_kinds!(BoostingError / BoostingErrorKind {
    Stage => "validate-boosting-stage",
    Estimators => "validate-boosting-estimators",
});

impl BoostingError {
    /// What to tell a user who meets this refusal (the CLI's `hint:` line).
    pub fn hint(&self) -> &'static str {
        match self {
            Self::Stage { .. } => {
                "a gradient-boosting stage holds something other than a tree where scikit-learn \
                 reads one at predict time (it would crash): the file is corrupt or was crafted; \
                 do not load it"
            }
            Self::Estimators { .. } => {
                "a gradient-boosting ensemble's stages are not the lists of trees scikit-learn \
                 writes, and predict reads them as such unchecked (it would crash): the file is \
                 corrupt or was crafted; do not load it"
            }
        }
    }
}
