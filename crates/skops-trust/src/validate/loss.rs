//! The validator of the sklearn loss objects skops 0.16 leaves untrusted
//! (`sklearn._loss.loss.HalfTweedieLoss` and `HalfTweedieLossIdentity`, the `_base_loss` of
//! `TweedieRegressor`): their state must be the one their `__init__` builds.
//!
//! A loss is an ObjectNode whose state dict holds `closs` (a LossNode of the Cython loss,
//! built as `CyHalfTweedieLoss(power)`; every `Cy*` loss is already trusted by skops'
//! `ALLOWED_LOSSES`), `link` (a link object, trusted by skops), the `Interval`s
//! `interval_y_true`/`interval_y_pred` (trusted) and scalars (`n_classes`, `approx_hessian`,
//! `constant_hessian`, `xp`, `device`). Checked from the schema, before anything is built:
//! - refused when `closs` is not a LossNode of the Cython class matching the loss
//!   ([`LOSSES`]), when its arguments are not one finite number (`power`), or when `link` is
//!   not an ObjectNode of the matching link class;
//! - trusted (also requiring the node to name the loss class) only when, besides, the state
//!   has no keys but those `BaseLoss.__init__` sets, the Cython loss's own state is empty (so
//!   skops calls no `__setstate__` on it), the link has no state, the intervals are
//!   `sklearn._loss.link.Interval` objects and the other entries are JSON scalars.
//!
//! Why that is safe. At load, skops builds the loss with `cls.__new__` and
//! `__dict__.update(state)` (`BaseLoss` has no `__setstate__`), the Cython loss with
//! `CyHalfTweedieLoss(float)` (its only field is that double), the link the same way with no
//! state. No key can shadow a method (`loss`, `__call__`, ...): only `BaseLoss`'s attribute
//! names are allowed. At predict time `TweedieRegressor.predict` only calls
//! `link.inverse(X @ coef_ + intercept_)` (identity or `np.exp`); `score` calls
//! `in_y_true_range` (numpy comparisons with the intervals), `constant_to_optimal_zero`
//! (numpy) and `closs.loss`, the Cython loop over `y_true.shape[0]` with `boundscheck=False`
//! on arrays the Python wrapper allocates (`loss_out = np.empty_like(y_true)`) or receives
//! from the caller (`raw_prediction` from predict). Nothing in the stored state sizes or
//! indexes those arrays, so a sound state cannot make it read out of bounds; `power` only
//! enters the arithmetic. (The loop trusts the caller's `y` and `X` to have one length:
//! sklearn's `score` does not check that, whatever the file.)

use super::context::Context;
use super::registry::{PathFn, Validator};
use super::state::{State, json_value};
use crate::{Error, Result};
use skops_format::file::SkopsFile;
use skops_format::json::Value;
use skops_format::schema::{NodeId, NodeKind, ReduceKind};

/// One validated loss class: its Cython loss, the number of its constructor arguments and
/// its link.
pub(crate) struct LossSpec {
    /// The loss class (`sklearn._loss.loss....`).
    pub(crate) class: &'static str,
    /// The `closs` class its `__init__` builds.
    closs: &'static str,
    /// How many (finite, numeric) arguments the Cython loss takes.
    arity: usize,
    /// The `link` class its `__init__` builds.
    link: &'static str,
}

/// The loss classes the validator checks (the ones skops 0.16 leaves untrusted and sklearn
/// writes in fitted estimators).
pub(crate) const LOSSES: [LossSpec; 2] = [
    LossSpec {
        class: "sklearn._loss.loss.HalfTweedieLoss",
        closs: "sklearn._loss._loss.CyHalfTweedieLoss",
        arity: 1,
        link: "sklearn._loss.link.LogLink",
    },
    LossSpec {
        class: "sklearn._loss.loss.HalfTweedieLossIdentity",
        closs: "sklearn._loss._loss.CyHalfTweedieLossIdentity",
        arity: 1,
        link: "sklearn._loss.link.IdentityLink",
    },
];

/// The attributes `BaseLoss.__init__` sets (`xp` and `device` since scikit-learn 1.8).
const BASE_LOSS_KEYS: [&str; 9] = [
    "closs",
    "link",
    "n_classes",
    "xp",
    "device",
    "approx_hessian",
    "constant_hessian",
    "interval_y_true",
    "interval_y_pred",
];

/// The class of the `Interval` attributes.
const INTERVAL: &str = "sklearn._loss.link.Interval";

/// The spec of the loss class named `type_name`, if the validator checks it.
pub(crate) fn spec(type_name: &str) -> Option<&'static LossSpec> {
    LOSSES.iter().find(|spec| spec.class == type_name)
}

/// Validates the loss ObjectNode `id` of `file` against `spec`; `path` gives its access path.
/// Returns whether the node may be trusted as `spec.class`.
pub(crate) fn validate_loss(
    file: &SkopsFile<'_>,
    id: NodeId,
    spec: &LossSpec,
    path: &dyn Fn() -> String,
) -> Result<bool> {
    let schema = file.schema();
    let malformed = |reason: String| {
        Error::from(LossError::State {
            path: path(),
            reason,
        })
    };
    let state = State::read(file, id, path)?;
    let entry = |key: &str| {
        state
            .get(key)
            .ok_or_else(|| malformed(format!("the state has no `{key}`")))
    };

    // `closs`: the matching Cython loss with its finite parameters.
    let closs = entry("closs")?
        .node()
        .map(|closs| schema.node(closs))
        .ok_or_else(|| {
            Error::from(LossError::Component {
                path: path(),
                field: "closs",
                found: "a JSON value".to_owned(),
                expected: spec.closs,
            })
        })?;
    let NodeKind::Reduce {
        kind: ReduceKind::Loss,
        args,
        state: closs_state,
        ..
    } = &closs.kind
    else {
        return Err(Error::from(LossError::Component {
            path: path(),
            field: "closs",
            found: format!("a `{}`", closs.loader.name()),
            expected: spec.closs,
        }));
    };
    if closs.type_name() != spec.closs {
        return Err(Error::from(LossError::Component {
            path: path(),
            field: "closs",
            found: closs.type_name(),
            expected: spec.closs,
        }));
    }
    let parameter = |reason: String| {
        Error::from(LossError::Parameter {
            path: path(),
            reason,
        })
    };
    let NodeKind::Tuple(arguments) = &schema.node(*args).kind else {
        return Err(parameter(
            "the arguments of `closs` are not a tuple".to_owned(),
        ));
    };
    if arguments.len() != spec.arity {
        return Err(parameter(format!(
            "`{}` takes {} argument(s), not {}",
            spec.closs,
            spec.arity,
            arguments.len()
        )));
    }
    for (position, argument) in arguments.iter().enumerate() {
        match json_value(file, *argument) {
            Some(Value::Number(number)) if number.as_f64().is_some_and(f64::is_finite) => {}
            Some(Value::Number(number)) => {
                return Err(parameter(format!(
                    "argument {position} of `closs` is {}, not finite",
                    number.as_str()
                )));
            }
            _ => {
                return Err(parameter(format!(
                    "argument {position} of `closs` is not a number"
                )));
            }
        }
    }

    // `link`: the matching link class.
    let link_id = entry("link")?.node().ok_or_else(|| {
        Error::from(LossError::Component {
            path: path(),
            field: "link",
            found: "a JSON value".to_owned(),
            expected: spec.link,
        })
    })?;
    let link = schema.node(link_id);
    if !matches!(link.kind, NodeKind::Object { .. }) || link.type_name() != spec.link {
        return Err(Error::from(LossError::Component {
            path: path(),
            field: "link",
            found: format!("a `{}` of `{}`", link.loader.name(), link.type_name()),
            expected: spec.link,
        }));
    }

    // Trust needs the rest to be exactly what `__init__` builds.
    // A reduce node's empty state and an object's empty state set nothing (skops skips them).
    let closs_stateless =
        State::of_node(schema, *closs_state).is_ok_and(|closs_state| closs_state.is_empty());
    // Exactly what sklearn writes: no state, or `None` (an empty dict would do no harm, but
    // trust asks for the form `__init__` builds).
    let link_stateless = match &link.kind {
        NodeKind::Object { content: None } => true,
        NodeKind::Object {
            content: Some(content),
        } => matches!(json_value(file, *content), Some(Value::Null)),
        _ => false,
    };
    let entries_sound = state.other_keys() == 0
        && state.attributes().all(|(key, slot)| {
            let Some(child) = slot.node() else {
                return false;
            };
            let node = schema.node(child);
            match key.as_str().unwrap_or_default() {
                "closs" | "link" => true,
                "interval_y_true" | "interval_y_pred" => {
                    matches!(node.kind, NodeKind::Object { .. }) && node.type_name() == INTERVAL
                }
                key if BASE_LOSS_KEYS.contains(&key) => matches!(node.kind, NodeKind::Json { .. }),
                _ => false,
            }
        });
    Ok(closs_stateless
        && link_stateless
        && entries_sound
        && schema.node(id).type_name() == spec.class)
}

/// What the `loss` validator refuses.
#[derive(Debug, thiserror::Error, strum::EnumDiscriminants)]
#[strum_discriminants(name(LossErrorKind), derive(strum::EnumIter))]
#[strum_discriminants(doc = "The variants of [`LossError`], without their data.")]
pub enum LossError {
    /// The state of a validated sklearn loss object is not a dict with `closs` and `link`.
    #[error("the loss at `{path}` is malformed: {reason}")]
    State {
        /// Where the loss is, as a Python access path from the root object.
        path: String,
        /// What is missing or malformed.
        reason: String,
    },
    /// A loss object's `closs` or `link` is not the class its `__init__` builds.
    #[error("the loss at `{path}` has `{field}` {found}, not `{expected}`")]
    Component {
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
    Parameter {
        /// Where the loss is.
        path: String,
        /// What is wrong.
        reason: String,
    },
}

skops_format::error_kinds!(LossError / LossErrorKind {
    State => "validate-loss-state",
    Component => "validate-loss-component",
    Parameter => "validate-loss-parameter",
});

impl LossError {
    /// What to tell a user who meets this refusal (the CLI's `hint:` line).
    pub fn hint(&self) -> &'static str {
        "a scikit-learn loss object does not hold the Cython loss and link its class builds: the \
         file is corrupt or was crafted; do not load it"
    }
}

// The registry's entry points (see `registry`).

/// Registry: validates the loss, and trusts it when its Cython loss and link are the ones its
/// class builds.
pub(super) fn check(
    context: &mut Context<'_, '_>,
    id: NodeId,
    name: &str,
    path: PathFn<'_>,
) -> Result<()> {
    if let Some(spec) = spec(name)
        && validate_loss(context.file, id, spec, path)?
    {
        context.trust(id, spec.class, Validator::Loss);
    }
    Ok(())
}
