//! The public state reader on a real skops-written file: an estimator's attributes read as
//! skops sets them, typed (integers, JSON values, numpy arrays), and an unreadable state
//! refused with the reason.

use std::path::PathBuf;

use skops_format::Limits;
use skops_format::json::Value;
use skops_format::schema::NodeKind;
use skops_trust::ModelFile;
use skops_trust::state::{Array, Slot, State, json_int};

fn fixture() -> Vec<u8> {
    let path =
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/data/validate/svm_bspline.skops");
    std::fs::read(path).unwrap()
}

#[test]
fn an_svc_reads_as_sklearn_set_it() {
    let bytes = fixture();
    let limits = Limits::default();
    let file = ModelFile::open(&bytes, &limits).unwrap();
    let schema = file.schema();
    let NodeKind::List(models) = &schema.node(schema.root()).kind else {
        panic!("the fixture is a list of models")
    };
    // The first model: `SVC(random_state=0, probability=True)` fitted on 3 features, 3 classes.
    let svc = models[0];
    assert_eq!(schema.node(svc).type_name(), "sklearn.svm._classes.SVC");
    let state = State::of(&file, svc).unwrap();
    assert_eq!(state.int(&file, "n_features_in_"), Some(3));
    assert_eq!(
        state.json(&file, "kernel"),
        Some(Value::String("rbf".into()))
    );
    assert!(state.has("support_vectors_"));
    assert!(!state.has("no_such_attribute"));
    let vectors = Array::load(
        &file,
        state.get("support_vectors_").unwrap(),
        &limits,
        &|r| panic!("{r}"),
    )
    .unwrap();
    assert!(vectors.is('f', 8));
    assert_eq!(vectors.shape()[1], 3);
    let counts = Array::load(&file, state.get("_n_support").unwrap(), &limits, &|r| {
        panic!("{r}")
    })
    .unwrap();
    let counts = counts.ints().unwrap();
    assert_eq!(counts.len(), 3);
    assert_eq!(counts.iter().sum::<i128>(), i128::from(vectors.shape()[0]));
    // An attribute that is a node, read with the free function.
    let Some(Slot::Node(id)) = state.get("n_features_in_") else {
        panic!("a DictNode state holds nodes")
    };
    assert_eq!(json_int(&file, id), Some(3));
    // Attributes come in the order Python sets them, `n_features_in_` among them once.
    let names: Vec<String> = state
        .attributes()
        .map(|(name, _)| name.to_string())
        .collect();
    assert_eq!(
        names
            .iter()
            .filter(|name| *name == "n_features_in_")
            .count(),
        1
    );
}

#[test]
fn a_node_that_is_not_an_object_is_unreadable() {
    let bytes = fixture();
    let limits = Limits::default();
    let file = ModelFile::open(&bytes, &limits).unwrap();
    let schema = file.schema();
    let error = State::of(&file, schema.root()).unwrap_err();
    assert_eq!(error.0, "not an object node");
}
