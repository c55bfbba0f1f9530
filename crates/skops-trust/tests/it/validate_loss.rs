//! The loss validator: on a real skops-written file (`tests/data/validate/loss.skops`, from
//! `make_loss.py`: two TweedieRegressors) both `_base_loss` objects are trusted as validated;
//! on hand-made loss objects, each broken invariant has its error, and a state sklearn would
//! not write (an extra key, a Cython loss or link with state) is checked but not trusted.

use std::cell::Cell;
use std::path::PathBuf;

use skops_format::Limits;
use skops_format::container::{ArchiveWriter, WriteCompression};
use skops_format::schema::NodeKind;
use skops_trust::audit::TrustReason;
use skops_trust::validate::Validator;
use skops_trust::validate::{LossError, ValidateError};
use skops_trust::{Error, ModelFile};

const IDENTITY: &str = "sklearn._loss.loss.HalfTweedieLossIdentity";
const LOG: &str = "sklearn._loss.loss.HalfTweedieLoss";

fn loss_file() -> Vec<u8> {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/data/validate/loss.skops");
    std::fs::read(path).unwrap()
}

#[test]
fn real_tweedie_losses_are_trusted() {
    let bytes = loss_file();
    let file = ModelFile::open(&bytes, &Limits::default()).unwrap();
    let report = file.audit(&[]).unwrap();
    assert!(report.untrusted_types().is_empty());
    let validated = file.validate().unwrap();
    let mut found = Vec::new();
    for (id, node) in file.schema().nodes() {
        if node.module == "sklearn._loss.loss" {
            let class = node.type_name();
            assert_eq!(
                report.node(id).reason,
                TrustReason::Validated {
                    type_name: if class == LOG { LOG } else { IDENTITY },
                    validator: Validator::Loss,
                }
            );
            assert_eq!(validated.check(id).unwrap().validator.name(), "loss");
            found.push(class);
        }
    }
    found.sort();
    assert_eq!(found, [LOG, IDENTITY]);
}

/// A hand-made loss object, as skops writes one.
struct Loss<'a> {
    class: &'a str,
    closs: &'a str,
    closs_loader: &'a str,
    args: Vec<&'a str>,
    closs_state: Vec<(&'a str, String)>,
    link: &'a str,
    link_state: Option<String>,
    extra: Vec<(&'a str, String)>,
    /// Replaces the whole state (a node's JSON) when set.
    state: Option<String>,
}

impl<'a> Loss<'a> {
    fn identity() -> Self {
        Loss {
            class: "HalfTweedieLossIdentity",
            closs: "CyHalfTweedieLossIdentity",
            closs_loader: "LossNode",
            args: vec!["0.0"],
            closs_state: Vec::new(),
            link: "IdentityLink",
            link_state: None,
            extra: Vec::new(),
            state: None,
        }
    }

    fn log() -> Self {
        Loss {
            class: "HalfTweedieLoss",
            closs: "CyHalfTweedieLoss",
            args: vec!["1.5"],
            link: "LogLink",
            ..Self::identity()
        }
    }

    fn bytes(&self) -> Vec<u8> {
        let next = Cell::new(1u64);
        let id = || {
            next.set(next.get() + 1);
            next.get()
        };
        let json = |text: &str| {
            format!(
                r#"{{"__class__": "str", "__module__": "builtins", "__loader__": "JsonNode", "content": {}, "is_json": true, "__id__": {}}}"#,
                json_string(text),
                id()
            )
        };
        let dict = |entries: &[(&str, String)]| {
            let body: Vec<String> = entries
                .iter()
                .map(|(key, node)| format!("{}: {node}", json_string(key)))
                .collect();
            let types: Vec<String> = entries
                .iter()
                .map(|_| {
                    format!(
                        r#"{{"__class__": "str", "__module__": "builtins", "__loader__": "TypeNode", "__id__": {}}}"#,
                        id()
                    )
                })
                .collect();
            format!(
                r#"{{"__class__": "dict", "__module__": "builtins", "__loader__": "DictNode", "content": {{{}}}, "key_types": {{"__class__": "list", "__module__": "builtins", "__loader__": "ListNode", "content": [{}], "__id__": {}}}, "__id__": {}}}"#,
                body.join(", "),
                types.join(", "),
                id(),
                id()
            )
        };
        let interval = |low: &str| {
            let state = dict(&[
                ("low", json(low)),
                ("high", json("Infinity")),
                ("low_inclusive", json("false")),
                ("high_inclusive", json("false")),
            ]);
            format!(
                r#"{{"__class__": "Interval", "__module__": "sklearn._loss.link", "__loader__": "ObjectNode", "content": {state}, "__id__": {}}}"#,
                id()
            )
        };
        let args: Vec<String> = self.args.iter().map(|arg| json(arg)).collect();
        let closs_state = dict(&self.closs_state);
        let closs = if self.closs_loader == "LossNode" {
            format!(
                r#"{{"__class__": "{}", "__module__": "sklearn._loss._loss", "__reduce__": {{"args": {{"__class__": "tuple", "__module__": "builtins", "__loader__": "TupleNode", "content": [{}], "__id__": {}}}}}, "content": {closs_state}, "__loader__": "LossNode", "__id__": {}}}"#,
                self.closs,
                args.join(", "),
                id(),
                id()
            )
        } else {
            format!(
                r#"{{"__class__": "{}", "__module__": "sklearn._loss._loss", "__loader__": "ObjectNode", "content": {closs_state}, "__id__": {}}}"#,
                self.closs,
                id()
            )
        };
        let link_state = self.link_state.clone().unwrap_or_else(|| json("null"));
        let link = format!(
            r#"{{"__class__": "{}", "__module__": "sklearn._loss.link", "__loader__": "ObjectNode", "content": {link_state}, "__id__": {}}}"#,
            self.link,
            id()
        );
        let mut entries = vec![
            ("closs", closs),
            ("link", link),
            ("n_classes", json("null")),
            ("approx_hessian", json("false")),
            ("constant_hessian", json("false")),
            ("interval_y_true", interval("-Infinity")),
            ("interval_y_pred", interval("-Infinity")),
        ];
        entries.extend(self.extra.iter().cloned());
        let state = self.state.clone().unwrap_or_else(|| dict(&entries));
        let schema = format!(
            r#"{{"__class__": "{}", "__module__": "sklearn._loss.loss", "__loader__": "ObjectNode", "content": {state}, "__id__": 1, "protocol": 2, "_skops_version": "0.16.0"}}"#,
            self.class
        );
        let mut writer = ArchiveWriter::new(WriteCompression::Stored);
        writer.add("schema.json", schema.as_bytes()).unwrap();
        writer.finish().unwrap()
    }

    fn untrusted(&self) -> Vec<String> {
        let bytes = self.bytes();
        let file = ModelFile::open(&bytes, &Limits::default()).unwrap();
        file.audit(&[]).unwrap().untrusted_types()
    }

    fn error(&self) -> Error {
        let bytes = self.bytes();
        let file = ModelFile::open(&bytes, &Limits::default()).unwrap();
        file.audit(&[IDENTITY.to_owned(), LOG.to_owned()])
            .unwrap_err()
    }
}

fn json_string(text: &str) -> String {
    format!("\"{}\"", text.replace('"', "\\\""))
}

#[test]
fn hand_made_sound_losses_are_trusted() {
    assert!(Loss::identity().untrusted().is_empty());
    assert!(Loss::log().untrusted().is_empty());
    let bytes = Loss::identity().bytes();
    let file = ModelFile::open(&bytes, &Limits::default()).unwrap();
    let root = file.schema().root();
    assert!(matches!(
        file.schema().node(root).kind,
        NodeKind::Object { .. }
    ));
    assert_eq!(file.validate().unwrap().len(), 1);
}

#[test]
fn closs_must_be_the_matching_cython_loss() {
    for closs in ["CyHalfSquaredError", "CyHalfTweedieLoss"] {
        let error = Loss {
            closs,
            ..Loss::identity()
        }
        .error();
        assert!(
            matches!(&error, Error::Validate(ValidateError::Loss(LossError::Component { field: "closs", expected, .. })) if *expected == "sklearn._loss._loss.CyHalfTweedieLossIdentity"),
            "{error:?}"
        );
    }
    let error = Loss {
        closs_loader: "ObjectNode",
        ..Loss::log()
    }
    .error();
    assert!(
        matches!(&error, Error::Validate(ValidateError::Loss(LossError::Component { field: "closs", found, .. })) if found.contains("ObjectNode")),
        "{error:?}"
    );
}

#[test]
fn power_must_be_one_finite_number() {
    for args in [
        vec![],
        vec!["1.5", "2.0"],
        vec!["NaN"],
        vec!["Infinity"],
        vec!["-Infinity"],
        vec!["1e400"],
        vec!["\"1.5\""],
        vec!["null"],
    ] {
        let error = Loss {
            args: args.clone(),
            ..Loss::log()
        }
        .error();
        assert!(
            matches!(
                error,
                Error::Validate(ValidateError::Loss(LossError::Parameter { .. }))
            ),
            "{args:?}: {error:?}"
        );
    }
}

#[test]
fn link_must_be_the_matching_link() {
    let error = Loss {
        link: "LogLink",
        ..Loss::identity()
    }
    .error();
    assert!(
        matches!(
            &error,
            Error::Validate(ValidateError::Loss(LossError::Component {
                field: "link",
                expected: "sklearn._loss.link.IdentityLink",
                ..
            }))
        ),
        "{error:?}"
    );
    let error = Loss {
        link: "IdentityLink",
        ..Loss::log()
    }
    .error();
    assert!(
        matches!(
            &error,
            Error::Validate(ValidateError::Loss(LossError::Component {
                field: "link",
                expected: "sklearn._loss.link.LogLink",
                ..
            }))
        ),
        "{error:?}"
    );
}

#[test]
fn the_state_must_be_a_dict_with_closs_and_link() {
    let null = r#"{"__class__": "str", "__module__": "builtins", "__loader__": "JsonNode", "content": "null", "is_json": true, "__id__": 999}"#;
    let empty = r#"{"__class__": "dict", "__module__": "builtins", "__loader__": "DictNode", "content": {}, "key_types": {"__class__": "list", "__module__": "builtins", "__loader__": "ListNode", "content": [], "__id__": 998}, "__id__": 999}"#;
    for state in [null, empty] {
        let error = Loss {
            state: Some(state.to_owned()),
            ..Loss::identity()
        }
        .error();
        assert!(
            matches!(
                error,
                Error::Validate(ValidateError::Loss(LossError::State { .. }))
            ),
            "{error:?}"
        );
    }
}

#[test]
fn state_sklearn_would_not_write_is_not_trusted() {
    let loss_key = r#"{"__class__": "str", "__module__": "builtins", "__loader__": "JsonNode", "content": "1", "is_json": true, "__id__": 900}"#;
    let list = r#"{"__class__": "list", "__module__": "builtins", "__loader__": "ListNode", "content": [], "__id__": 901}"#;
    let power = r#"{"__class__": "str", "__module__": "builtins", "__loader__": "JsonNode", "content": "2.0", "is_json": true, "__id__": 902}"#;
    let cases = [
        // A key that would shadow `BaseLoss.loss`.
        Loss {
            extra: vec![("loss", loss_key.to_owned())],
            ..Loss::identity()
        },
        // `n_classes` as a list rather than a scalar (the later key wins, as in Python).
        Loss {
            extra: vec![("n_classes", list.to_owned())],
            ..Loss::identity()
        },
        // A Cython loss handed to `__setstate__`.
        Loss {
            closs_state: vec![("power", power.to_owned())],
            ..Loss::identity()
        },
        // A link with a state (even an empty dict): skops writes `null`.
        Loss {
            link_state: Some(
                r#"{"__class__": "dict", "__module__": "builtins", "__loader__": "DictNode", "content": {}, "key_types": {"__class__": "list", "__module__": "builtins", "__loader__": "ListNode", "content": [], "__id__": 903}, "__id__": 904}"#.to_owned(),
            ),
            ..Loss::identity()
        },
    ];
    for (index, loss) in cases.iter().enumerate() {
        let untrusted = loss.untrusted();
        assert!(
            untrusted.contains(&IDENTITY.to_owned()),
            "case {index}: {untrusted:?}"
        );
    }
}
