//! `skops-serve` through its router (`tower::ServiceExt::oneshot`): every route, the answers
//! of the two protocols against scikit-learn's (`tests/data/expected.json`, written by
//! `make_models.py` with scikit-learn), each bad input with its status and kind, start-up
//! refusals, and the metrics. `socket` runs the server on a real socket (slow clients,
//! shutdown); the binary end to end is `python/tests/test_serve*.py`.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use axum::body::Body;
use axum::http::{Request, StatusCode};
use http_body_util::BodyExt;
use serde_json::{Value, json};
use skops_serve::{Limits, ModelSpec, Models, Server, router};
use tower::ServiceExt;

mod engine;
mod policy;
mod socket;

fn data(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data")
        .join(name)
}

fn expected() -> Value {
    let text = std::fs::read_to_string(data("expected.json")).unwrap();
    serde_json::from_str(&text).unwrap()
}

/// A repository folder as `hub_utils.init` writes it, around a copy of `tree.skops`.
fn repo_folder(dir: &Path) -> PathBuf {
    let folder = dir.join("iris-repo");
    std::fs::create_dir_all(&folder).unwrap();
    std::fs::copy(data("tree.skops"), folder.join("model.skops")).unwrap();
    let config = json!({"sklearn": {
        "columns": ["a", "b"],
        "environment": ["scikit-learn=\"1.9.1\""],
        "example_input": {"a": [0.5, 1.0], "b": [1.0, 2.0]},
        "model": {"file": "model.skops"},
        "model_format": "skops",
        "task": "tabular-classification",
    }});
    std::fs::write(folder.join("config.json"), config.to_string()).unwrap();
    let card = "---\nlicense: mit\n---\n# Iris card\n\nA *tree*.\n\n<script>alert(1)</script>\n\n<img src=x onerror=alert(2)>\n";
    std::fs::write(folder.join("README.md"), card).unwrap();
    folder
}

struct App {
    server: Arc<Server>,
    _dir: tempfile::TempDir,
}

fn app_with(limits: Limits) -> App {
    let dir = tempfile::tempdir().unwrap();
    let specs = vec![
        ModelSpec::path(data("tree.skops")),
        ModelSpec::path(data("array.skops")),
        ModelSpec::path(data("colors.skops")),
        ModelSpec::path(repo_folder(dir.path())),
        ModelSpec::named(&format!("alice/named={}", data("tree.skops").display())).unwrap(),
    ];
    let models = Models::load(&specs).unwrap();
    App {
        server: Arc::new(Server::new(models, limits).unwrap()),
        _dir: dir,
    }
}

fn app() -> App {
    app_with(Limits::default())
}

/// The status and body (JSON when it parses, else a string) of one request.
async fn call(app: &App, method: &str, uri: &str, body: Option<String>) -> (StatusCode, Value) {
    let request = Request::builder()
        .method(method)
        .uri(uri)
        .header("content-type", "application/json")
        .body(body.map_or_else(Body::empty, Body::from))
        .unwrap();
    let response = router(Arc::clone(&app.server))
        .oneshot(request)
        .await
        .unwrap();
    let status = response.status();
    let bytes = response.into_body().collect().await.unwrap().to_bytes();
    let text = String::from_utf8(bytes.to_vec()).unwrap();
    let value = serde_json::from_str(&text).unwrap_or(Value::String(text));
    (status, value)
}

async fn post(app: &App, uri: &str, body: Value) -> (StatusCode, Value) {
    call(app, "POST", uri, Some(body.to_string())).await
}

/// Asserts an error answer: its status, `kind`, and a message.
fn assert_error(answer: &(StatusCode, Value), status: u16, kind: &str) {
    assert_eq!(answer.0.as_u16(), status, "{}", answer.1);
    assert_eq!(answer.1["kind"], kind, "{}", answer.1);
    assert!(
        answer.1["error"]
            .as_str()
            .is_some_and(|text| !text.is_empty()),
        "{}",
        answer.1
    );
}

fn tree_columns() -> Value {
    expected()["tree"]["rows"].clone()
}

fn pd_inputs(rows: &Value) -> Vec<Value> {
    rows.as_object()
        .unwrap()
        .iter()
        .map(|(name, cells)| {
            let strings = cells.as_array().unwrap().iter().any(Value::is_string);
            json!({
                "name": name,
                "shape": [cells.as_array().unwrap().len()],
                "datatype": if strings { "BYTES" } else { "FP64" },
                "data": cells,
            })
        })
        .collect()
}

#[tokio::test]
async fn health_and_server_metadata() {
    let app = app();
    assert_eq!(
        call(&app, "GET", "/v2/health/live", None).await,
        (StatusCode::OK, json!({"live": true}))
    );
    assert_eq!(
        call(&app, "GET", "/v2/health/ready", None).await,
        (StatusCode::OK, json!({"ready": true}))
    );
    let (status, meta) = call(&app, "GET", "/v2", None).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(meta["name"], "skops-rs");
    assert!(meta["extensions"].is_array());
    let (status, ready) = call(&app, "GET", "/v2/models/tree/ready", None).await;
    assert_eq!(
        (status, ready),
        (StatusCode::OK, json!({"name": "tree", "ready": true}))
    );
    let (status, list) = call(&app, "GET", "/", None).await;
    assert_eq!(status, StatusCode::OK);
    let names: Vec<&str> = list["models"]
        .as_array()
        .unwrap()
        .iter()
        .map(|model| model["name"].as_str().unwrap())
        .collect();
    assert_eq!(
        names,
        ["alice/named", "array", "colors", "iris-repo", "tree"]
    );
}

#[tokio::test]
async fn model_metadata_comes_from_the_model() {
    let app = app();
    let (status, meta) = call(&app, "GET", "/v2/models/tree", None).await;
    assert_eq!(status, StatusCode::OK, "{meta}");
    assert_eq!(meta["platform"], "sklearn");
    assert_eq!(
        meta["inputs"],
        json!([
            {"name": "a", "datatype": "FP64", "shape": [-1]},
            {"name": "b", "datatype": "FP64", "shape": [-1]},
        ])
    );
    let classes = expected()["tree"]["classes"].as_array().unwrap().len();
    let outputs = meta["outputs"].as_array().unwrap();
    assert!(outputs.contains(&json!({"name": "predict", "datatype": "INT64", "shape": [-1, 1]})));
    assert!(
        outputs.contains(
            &json!({"name": "predict_proba", "datatype": "FP64", "shape": [-1, classes]})
        )
    );
    assert_eq!(meta["parameters"]["content_type"], "pd");
    assert_eq!(meta["parameters"]["engine"], "native");
    assert_eq!(
        meta["parameters"]["sklearn_type"],
        "sklearn.tree._classes.DecisionTreeClassifier"
    );
    let (_, array) = call(&app, "GET", "/v2/models/array", None).await;
    assert_eq!(
        array["inputs"],
        json!([{"name": "input-0", "datatype": "FP64", "shape": [-1, 3]}])
    );
    let (_, colors) = call(&app, "GET", "/v2/models/colors", None).await;
    assert!(
        colors["outputs"]
            .as_array()
            .unwrap()
            .iter()
            .any(|o| o["datatype"] == "BYTES")
    );
    // Served without config.json: the encoder's string column is BYTES all the same.
    assert_eq!(
        colors["inputs"],
        json!([
            {"name": "color", "datatype": "BYTES", "shape": [-1]},
            {"name": "size", "datatype": "FP64", "shape": [-1]},
        ])
    );
    let (_, repo) = call(&app, "GET", "/v2/models/iris-repo", None).await;
    assert_eq!(repo["parameters"]["task"], "tabular-classification");
    // A name with a slash is reached percent-encoded.
    let (status, named) = call(&app, "GET", "/v2/models/alice%2Fnamed", None).await;
    assert_eq!(status, StatusCode::OK, "{named}");
    assert_eq!(named["name"], "alice/named");
}

#[tokio::test]
async fn oip_pd_predict_and_proba_equal_scikit_learn() {
    let app = app();
    let expected = expected();
    let body = json!({
        "id": "req-1",
        "parameters": {"content_type": "pd"},
        "inputs": pd_inputs(&tree_columns()),
        "outputs": [{"name": "predict"}, {"name": "predict_proba"}],
    });
    let (status, answer) = post(&app, "/v2/models/tree/infer", body).await;
    assert_eq!(status, StatusCode::OK, "{answer}");
    assert_eq!(answer["model_name"], "tree");
    assert_eq!(answer["id"], "req-1");
    let outputs = answer["outputs"].as_array().unwrap();
    assert_eq!(outputs[0]["name"], "predict");
    assert_eq!(outputs[0]["shape"], json!([3, 1]));
    assert_eq!(outputs[0]["datatype"], "INT64");
    assert_eq!(outputs[0]["parameters"], json!({"content_type": "np"}));
    assert_eq!(outputs[0]["data"], expected["tree"]["predict"]);
    assert_eq!(outputs[1]["name"], "predict_proba");
    let proba: Vec<Value> = expected["tree"]["predict_proba"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|row| row.as_array().unwrap().clone())
        .collect();
    assert_eq!(outputs[1]["data"], Value::Array(proba));
    // Columns in another order are put in the model's.
    let mut reversed = pd_inputs(&tree_columns());
    reversed.reverse();
    let body = json!({"parameters": {"content_type": "pd"}, "inputs": reversed});
    let (status, answer) = post(&app, "/v2/models/tree/infer", body).await;
    assert_eq!(status, StatusCode::OK, "{answer}");
    assert_eq!(answer["outputs"][0]["data"], expected["tree"]["predict"]);
    assert_eq!(answer["id"].as_str().unwrap().len(), 32);
}

#[tokio::test]
async fn oip_np_and_strings_equal_scikit_learn() {
    let app = app();
    let expected = expected();
    let body = json!({"inputs": [{
        "name": "x", "shape": [2, 3], "datatype": "FP64", "data": expected["array"]["rows"],
    }]});
    let (status, answer) = post(&app, "/v2/models/array/infer", body).await;
    assert_eq!(status, StatusCode::OK, "{answer}");
    assert_eq!(answer["outputs"][0]["datatype"], "FP64");
    assert_eq!(answer["outputs"][0]["shape"], json!([2, 1]));
    assert_eq!(answer["outputs"][0]["data"], expected["array"]["predict"]);
    // Flat data and an integer datatype are read too.
    let body = json!({"parameters": {"content_type": "np"}, "inputs": [{
        "name": "x", "shape": [1, 3], "datatype": "INT32", "data": [1, 2, 3],
    }]});
    let (status, _) = post(&app, "/v2/models/array/infer", body).await;
    assert_eq!(status, StatusCode::OK);
    let body = json!({
        "parameters": {"content_type": "pd"},
        "inputs": pd_inputs(&expected["colors"]["rows"]),
        "outputs": [{"name": "predict"}],
    });
    let (status, answer) = post(&app, "/v2/models/colors/infer", body).await;
    assert_eq!(status, StatusCode::OK, "{answer}");
    assert_eq!(answer["outputs"][0]["datatype"], "BYTES");
    assert_eq!(answer["outputs"][0]["data"], expected["colors"]["predict"]);
}

#[tokio::test]
async fn legacy_route_answers_a_list_of_labels() {
    let app = app();
    let expected = expected();
    for uri in [
        "/models/tree",
        "/models/alice/named",
        "/models/someone/iris-repo",
    ] {
        let body = json!({"inputs": {"data": tree_columns()}});
        let (status, answer) = post(&app, uri, body).await;
        assert_eq!(status, StatusCode::OK, "{uri}: {answer}");
        assert_eq!(answer, expected["tree"]["predict"], "{uri}");
    }
    // The Hub widget sends every cell as a string.
    let strings: serde_json::Map<String, Value> = tree_columns()
        .as_object()
        .unwrap()
        .iter()
        .map(|(name, cells)| {
            let cells: Vec<Value> = cells
                .as_array()
                .unwrap()
                .iter()
                .map(|cell| Value::String(cell.to_string()))
                .collect();
            (name.clone(), Value::Array(cells))
        })
        .collect();
    let body = json!({"inputs": {"data": strings}, "options": {"wait_for_model": true}});
    let (status, answer) = post(&app, "/models/tree", body).await;
    assert_eq!(status, StatusCode::OK, "{answer}");
    assert_eq!(answer, expected["tree"]["predict"]);
    // String columns stay strings where the model takes strings.
    let body = json!({"inputs": {"data": expected["colors"]["rows"]}});
    let (status, answer) = post(&app, "/models/colors", body).await;
    assert_eq!(status, StatusCode::OK, "{answer}");
    assert_eq!(answer, expected["colors"]["predict"]);
}

#[tokio::test]
async fn bad_requests_have_their_status_and_kind() {
    let app = app();
    let infer = "/v2/models/tree/infer";
    let raw = |body: &str| Some(body.to_owned());
    assert_error(
        &call(&app, "POST", infer, raw("{not json")).await,
        400,
        "serve-bad-json",
    );
    assert_error(
        &call(&app, "POST", infer, raw("")).await,
        400,
        "serve-bad-json",
    );
    assert_error(
        &post(&app, infer, json!({"inputs": 3})).await,
        400,
        "serve-bad-request",
    );
    assert_error(
        &post(&app, infer, json!([1, 2])).await,
        400,
        "serve-bad-request",
    );
    assert_error(
        &post(&app, infer, json!({"inputs": []})).await,
        400,
        "serve-bad-request",
    );
    // Shape and data disagree; a negative size; 1-D numpy input.
    let tensor = |shape: Value, datatype: &str, data: Value| json!({"inputs": [{"name": "x", "shape": shape, "datatype": datatype, "data": data}]});
    let array = "/v2/models/array/infer";
    assert_error(
        &post(&app, array, tensor(json!([2, 3]), "FP64", json!([1, 2]))).await,
        400,
        "serve-bad-request",
    );
    assert_error(
        &post(
            &app,
            array,
            tensor(json!([-1, 3]), "FP64", json!([1, 2, 3])),
        )
        .await,
        400,
        "serve-bad-request",
    );
    assert_error(
        &post(&app, array, tensor(json!([3]), "FP64", json!([1, 2, 3]))).await,
        400,
        "serve-bad-request",
    );
    // Datatypes.
    assert_error(
        &post(
            &app,
            array,
            tensor(json!([1, 3]), "FP128", json!([1, 2, 3])),
        )
        .await,
        400,
        "serve-bad-datatype",
    );
    assert_error(
        &post(
            &app,
            array,
            tensor(json!([1, 3]), "INT64", json!([1, 2.5, 3])),
        )
        .await,
        400,
        "serve-bad-datatype",
    );
    assert_error(
        &post(
            &app,
            array,
            tensor(json!([1, 3]), "FP64", json!([1, "2", 3])),
        )
        .await,
        400,
        "serve-bad-datatype",
    );
    assert_error(
        &post(
            &app,
            array,
            tensor(json!([1, 3]), "BYTES", json!(["a", "b", "c"])),
        )
        .await,
        400,
        "serve-bad-datatype",
    );
    // Values a tensor of the declared datatype cannot hold (numpy could not decode them).
    for (datatype, data) in [
        ("INT8", json!([1000, 2, 3])),
        ("UINT8", json!([-1, 2, 3])),
        ("INT32", json!([1, 2_147_483_648_i64, 3])),
        ("FP16", json!([1e10, 2, 3])),
        ("FP32", json!([1e300, 2, 3])),
    ] {
        assert_error(
            &post(&app, array, tensor(json!([1, 3]), datatype, data)).await,
            400,
            "serve-bad-datatype",
        );
    }
    // The edges of the ranges are values like any other: the width check answers.
    for (datatype, data) in [
        ("INT8", json!([-128, 127])),
        ("UINT64", json!([0, u64::MAX])),
        ("FP16", json!([65504.0, -65504.0])),
    ] {
        assert_error(
            &post(&app, array, tensor(json!([1, 2]), datatype, data)).await,
            422,
            "infer-input-width",
        );
    }
    // Wrong width: the engine's kind, 422.
    assert_error(
        &post(&app, array, tensor(json!([1, 2]), "FP64", json!([1, 2]))).await,
        422,
        "infer-input-width",
    );
    // Several tensors without `pd`; an unknown content type.
    let mut two = json!({"inputs": pd_inputs(&tree_columns())});
    assert_error(
        &post(&app, infer, two.clone()).await,
        400,
        "serve-bad-request",
    );
    two["parameters"] = json!({"content_type": "arrow"});
    assert_error(&post(&app, infer, two).await, 400, "serve-bad-request");
    // Missing and unknown columns.
    let mut inputs = pd_inputs(&tree_columns());
    inputs.pop();
    let body = json!({"parameters": {"content_type": "pd"}, "inputs": inputs.clone()});
    assert_error(&post(&app, infer, body).await, 422, "infer-input-column");
    inputs.push(json!({"name": "zz", "shape": [3], "datatype": "FP64", "data": [1, 2, 3]}));
    let body = json!({"parameters": {"content_type": "pd"}, "inputs": inputs});
    assert_error(&post(&app, infer, body).await, 422, "infer-input-column");
    // Unequal column lengths.
    let mut inputs = pd_inputs(&tree_columns());
    inputs[1] = json!({"name": "b", "shape": [2], "datatype": "FP64", "data": [1, 2]});
    let body = json!({"parameters": {"content_type": "pd"}, "inputs": inputs});
    assert_error(&post(&app, infer, body).await, 400, "serve-bad-request");
    // Strings where the model takes numbers.
    let mut inputs = pd_inputs(&tree_columns());
    inputs[0] = json!({"name": "a", "shape": [3], "datatype": "BYTES", "data": ["x", "y", "z"]});
    let body = json!({"parameters": {"content_type": "pd"}, "inputs": inputs});
    assert_error(&post(&app, infer, body).await, 422, "infer-input-type");
    // Outputs: a name that is no method, a method the model has not.
    let body = json!({"parameters": {"content_type": "pd"}, "inputs": pd_inputs(&tree_columns()), "outputs": [{"name": "output-0"}]});
    assert_error(&post(&app, infer, body).await, 400, "serve-unknown-output");
    let body = json!({"inputs": [{"name": "x", "shape": [1, 3], "datatype": "FP64", "data": [1, 2, 3]}], "outputs": [{"name": "predict_proba"}]});
    assert_error(&post(&app, array, body).await, 400, "infer-no-method");
    // An unknown category of a `OneHotEncoder(handle_unknown="error")`.
    let body = json!({"inputs": {"data": {"color": ["purple"], "size": [1.0]}}});
    assert_error(
        &post(&app, "/models/colors", body).await,
        422,
        "infer-input-unknown-category",
    );
}

#[tokio::test]
async fn legacy_bad_requests_have_their_status_and_kind() {
    let app = app();
    let raw = |body: &str| Some(body.to_owned());
    assert_error(
        &call(&app, "POST", "/models/tree", raw("nope")).await,
        400,
        "serve-bad-json",
    );
    assert_error(
        &post(&app, "/models/tree", json!({"data": {}})).await,
        400,
        "serve-bad-request",
    );
    assert_error(
        &post(&app, "/models/tree", json!({"inputs": {"data": {}}})).await,
        400,
        "serve-bad-request",
    );
    assert_error(
        &post(
            &app,
            "/models/tree",
            json!({"inputs": {"data": {"a": [1, 2], "b": [1]}}}),
        )
        .await,
        400,
        "serve-bad-request",
    );
    assert_error(
        &post(
            &app,
            "/models/tree",
            json!({"inputs": {"data": {"a": [[1]], "b": [1]}}}),
        )
        .await,
        400,
        "serve-bad-request",
    );
    assert_error(
        &post(
            &app,
            "/models/tree",
            json!({"inputs": {"data": {"a": [1]}}}),
        )
        .await,
        422,
        "infer-input-column",
    );
    assert_error(
        &post(
            &app,
            "/models/tree",
            json!({"inputs": {"data": {"a": [1], "b": [2], "c": [3]}}}),
        )
        .await,
        422,
        "infer-input-column",
    );
    assert_error(
        &post(
            &app,
            "/models/nobody/nothing",
            json!({"inputs": {"data": {"a": [1]}}}),
        )
        .await,
        404,
        "serve-model-not-found",
    );
}

#[tokio::test]
async fn unknown_models_routes_versions_and_methods() {
    let app = app();
    assert_error(
        &call(&app, "GET", "/v2/models/nope", None).await,
        404,
        "serve-model-not-found",
    );
    assert_error(
        &call(&app, "GET", "/v2/models/nope/ready", None).await,
        404,
        "serve-model-not-found",
    );
    assert_error(
        &post(&app, "/v2/models/nope/infer", json!({"inputs": []})).await,
        404,
        "serve-model-not-found",
    );
    assert_error(
        &call(&app, "GET", "/v2/models/tree/versions/1", None).await,
        404,
        "serve-version-not-found",
    );
    assert_error(
        &call(&app, "GET", "/v2/models/tree/versions/1/ready", None).await,
        404,
        "serve-version-not-found",
    );
    assert_error(
        &post(
            &app,
            "/v2/models/tree/versions/1/infer",
            json!({"inputs": []}),
        )
        .await,
        404,
        "serve-version-not-found",
    );
    assert_error(
        &call(&app, "GET", "/v3/nothing", None).await,
        404,
        "serve-route-not-found",
    );
    assert_error(
        &call(&app, "DELETE", "/v2/models/tree", None).await,
        405,
        "serve-method-not-allowed",
    );
    assert_error(
        &call(&app, "GET", "/v2/models/tree/infer", None).await,
        405,
        "serve-method-not-allowed",
    );
}

#[tokio::test]
async fn limits_refuse_large_bodies_and_too_many_rows() {
    let app = app_with(Limits {
        body_bytes: 2_000,
        rows: 5,
        timeout: Duration::from_secs(30),
        ..Limits::default()
    });
    let big = json!({"inputs": {"data": {"a": vec![1.0; 400], "b": vec![1.0; 400]}}});
    assert_error(
        &post(&app, "/models/tree", big).await,
        413,
        "serve-payload-too-large",
    );
    let six = json!({"inputs": {"data": {"a": vec![1.0; 6], "b": vec![1.0; 6]}}});
    assert_error(
        &post(&app, "/models/tree", six).await,
        413,
        "serve-too-many-rows",
    );
    let body = json!({"inputs": [{"name": "x", "shape": [6, 3], "datatype": "FP64", "data": vec![0.5; 18]}]});
    assert_error(
        &post(&app, "/v2/models/array/infer", body).await,
        413,
        "serve-too-many-rows",
    );
    let body = json!({"parameters": {"content_type": "pd"}, "inputs": [
        {"name": "a", "shape": [6], "datatype": "FP64", "data": vec![0.5; 6]},
        {"name": "b", "shape": [6], "datatype": "FP64", "data": vec![0.5; 6]},
    ]});
    assert_error(
        &post(&app, "/v2/models/tree/infer", body).await,
        413,
        "serve-too-many-rows",
    );
    // Five rows are fine.
    let five = json!({"inputs": {"data": {"a": vec![1.0; 5], "b": vec![1.0; 5]}}});
    assert_eq!(post(&app, "/models/tree", five).await.0, StatusCode::OK);
}

#[tokio::test]
async fn metrics_count_requests_latency_and_errors() {
    let app = app();
    let body = json!({"inputs": {"data": tree_columns()}});
    assert_eq!(post(&app, "/models/tree", body).await.0, StatusCode::OK);
    let _ = call(&app, "GET", "/v2/models/nope", None).await;
    let (status, text) = call(&app, "GET", "/metrics", None).await;
    assert_eq!(status, StatusCode::OK);
    let text = text.as_str().unwrap();
    assert!(
        text.contains(
            r#"skops_serve_requests_total{model="tree",route="/models/{*repo_id}",status="200"} 1"#
        ),
        "{text}"
    );
    assert!(
        text.contains(r#"skops_serve_errors_total{kind="serve-model-not-found"} 1"#),
        "{text}"
    );
    assert!(
        text.contains(r#"skops_serve_rows_total{model="tree"} 3"#),
        "{text}"
    );
    assert!(
        text.contains("skops_serve_request_duration_seconds_bucket"),
        "{text}"
    );
    // A made-up model name is not a label value.
    assert!(!text.contains("nope"), "{text}");
}

#[test]
fn start_up_refuses_untrusted_pickles_and_bad_folders() {
    let kind = |spec: ModelSpec| Models::load(&[spec]).unwrap_err().kind();
    assert_eq!(
        kind(ModelSpec::path(data("untrusted.skops"))),
        "serve-untrusted-types"
    );
    let message = Models::load(&[ModelSpec::path(data("untrusted.skops"))])
        .unwrap_err()
        .to_string();
    assert!(message.contains("functools.partial"), "{message}");
    let dir = tempfile::tempdir().unwrap();
    let pickle = dir.path().join("model.pkl");
    std::fs::write(&pickle, b"\x80\x04\x95rest of a pickle").unwrap();
    assert_eq!(kind(ModelSpec::path(&pickle)), "serve-not-skops");
    assert_eq!(
        kind(ModelSpec::path(dir.path().join("missing.skops"))),
        "serve-model-io"
    );
    let folder = repo_folder(dir.path());
    std::fs::write(folder.join("config.json"), "{\"sklearn\": {}}").unwrap();
    assert_eq!(kind(ModelSpec::path(&folder)), "serve-bad-config");
    std::fs::write(
        folder.join("config.json"),
        r#"{"sklearn": {"model": {"file": "../outside.skops"}}}"#,
    )
    .unwrap();
    assert_eq!(kind(ModelSpec::path(&folder)), "serve-bad-config");
    std::fs::write(
        folder.join("config.json"),
        r#"{"sklearn": {"model": {"file": "model.skops"}, "model_format": "pickle"}}"#,
    )
    .unwrap();
    assert_eq!(kind(ModelSpec::path(&folder)), "serve-not-skops");
    let not_zip = dir.path().join("text.skops");
    std::fs::write(&not_zip, b"hello").unwrap();
    assert_eq!(kind(ModelSpec::path(&not_zip)), "zip-not-an-archive");
    // A class the native engine does not evaluate: the engine's kind, at start-up.
    let kmeans =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../skops-cli/tests/data/native/kmeans.skops");
    assert_eq!(kind(ModelSpec::path(kmeans)), "infer-unsupported");
    assert_eq!(Models::load(&[]).unwrap_err().kind(), "serve-no-models");
    let twice = [
        ModelSpec::path(data("tree.skops")),
        ModelSpec::path(data("tree.skops")),
    ];
    assert_eq!(
        Models::load(&twice).unwrap_err().kind(),
        "serve-duplicate-name"
    );
    for bad in [
        "noequals",
        "=x.skops",
        "a/b/c=x.skops",
        "../x=x.skops",
        "n a=x",
        "x=",
    ] {
        assert_eq!(
            ModelSpec::named(bad).unwrap_err().kind(),
            "serve-bad-model-argument",
            "{bad}"
        );
    }
}

#[test]
fn kserve_model_dir_and_storage_uri() {
    use skops_serve::load::{model_dir_spec, storage_uri_spec};
    let dir = tempfile::tempdir().unwrap();
    // A single `.skops` file (other files ignored), named by `--model_name`.
    let single = dir.path().join("single");
    std::fs::create_dir(&single).unwrap();
    std::fs::copy(data("tree.skops"), single.join("tree.skops")).unwrap();
    std::fs::write(single.join("notes.txt"), "x").unwrap();
    let spec = model_dir_spec(&single, Some("iris")).unwrap();
    assert_eq!(spec.path, single.join("tree.skops"));
    assert_eq!(spec.served_name().unwrap(), "iris");
    assert_eq!(
        model_dir_spec(&single, None)
            .unwrap()
            .served_name()
            .unwrap(),
        "tree"
    );
    // A repository folder: the folder itself.
    let repo = repo_folder(dir.path());
    std::fs::copy(data("array.skops"), repo.join("other.skops")).unwrap();
    assert_eq!(model_dir_spec(&repo, Some("iris")).unwrap().path, repo);
    // Several `.skops` files without config.json, or none.
    let several = dir.path().join("several");
    std::fs::create_dir(&several).unwrap();
    for name in ["a.skops", "b.skops"] {
        std::fs::copy(data("tree.skops"), several.join(name)).unwrap();
    }
    let error = model_dir_spec(&several, None).unwrap_err();
    assert_eq!(error.kind(), "serve-model-dir");
    assert!(error.to_string().contains("a.skops, b.skops"), "{error}");
    let empty = dir.path().join("empty");
    std::fs::create_dir(&empty).unwrap();
    assert_eq!(
        model_dir_spec(&empty, None).unwrap_err().kind(),
        "serve-model-dir"
    );
    assert_eq!(
        model_dir_spec(&dir.path().join("missing"), None)
            .unwrap_err()
            .kind(),
        "serve-model-io"
    );
    assert_eq!(
        model_dir_spec(&single, Some("a b")).unwrap_err().kind(),
        "serve-bad-model-argument"
    );
    // STORAGE_URI: local paths and file:// URLs; remote schemes other than hf:// refused.
    let url = format!("file://{}", single.display());
    assert_eq!(
        storage_uri_spec(&url, None).unwrap().path,
        single.join("tree.skops")
    );
    let file = single.join("tree.skops");
    assert_eq!(
        storage_uri_spec(&file.display().to_string(), Some("m"))
            .unwrap()
            .path,
        file
    );
    // hf:// is a hub repository (downloaded: python/tests/test_serve_hub_source.py); a
    // malformed one is refused before any request.
    assert_eq!(
        storage_uri_spec("hf://iris", None).unwrap_err().kind(),
        "serve-bad-model-argument"
    );
    for remote in ["s3://bucket/iris/", "gs://b/m", "https://x/m.skops"] {
        let error = storage_uri_spec(remote, None).unwrap_err();
        assert_eq!(error.kind(), "serve-remote-storage", "{remote}");
        assert!(error.to_string().contains("storage initializer"), "{error}");
    }
    assert_eq!(Models::load(&[]).unwrap_err().kind(), "serve-no-models");
}

#[test]
fn every_kind_is_distinct_and_prefixed() {
    let kinds: Vec<&str> = skops_serve::Error::kinds().collect();
    let mut unique = kinds.clone();
    unique.sort_unstable();
    unique.dedup();
    assert_eq!(unique.len(), kinds.len());
    assert!(
        kinds.iter().all(|kind| kind.starts_with("serve-")),
        "{kinds:?}"
    );
}

#[tokio::test]
async fn a_body_that_does_not_arrive_and_a_late_prediction_time_out() {
    // A body that never ends: 408 once the request's time is up.
    let app = app_with(Limits {
        timeout: Duration::from_millis(200),
        ..Limits::default()
    });
    let request = Request::builder()
        .method("POST")
        .uri("/models/tree")
        .body(Body::from_stream(futures_util::stream::pending::<
            Result<Vec<u8>, std::io::Error>,
        >()))
        .unwrap();
    let response = router(Arc::clone(&app.server))
        .oneshot(request)
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 408);
    let bytes = response.into_body().collect().await.unwrap().to_bytes();
    let body: Value = serde_json::from_slice(&bytes).unwrap();
    assert_eq!(body["kind"], "serve-body-timeout", "{body}");
    // No time at all: the body (already here) is read, but a batch of 50,000 rows takes
    // longer than the timer's millisecond tick: 503.
    let app = app_with(Limits {
        timeout: Duration::ZERO,
        ..Limits::default()
    });
    let rows = 50_000;
    let body = json!({"inputs": {"data": {"a": vec![0.5; rows], "b": vec![-0.5; rows]}}});
    assert_error(
        &post(&app, "/models/tree", body).await,
        503,
        "serve-timeout",
    );
}

/// The status, headers and text of a `GET` with `Accept: accept` (none if empty).
async fn page(app: &App, uri: &str, accept: &str) -> (StatusCode, axum::http::HeaderMap, String) {
    let mut request = Request::builder().method("GET").uri(uri);
    if !accept.is_empty() {
        request = request.header("accept", accept);
    }
    let response = router(Arc::clone(&app.server))
        .oneshot(request.body(Body::empty()).unwrap())
        .await
        .unwrap();
    let status = response.status();
    let headers = response.headers().clone();
    let bytes = response.into_body().collect().await.unwrap().to_bytes();
    (status, headers, String::from_utf8(bytes.to_vec()).unwrap())
}

const BROWSER_ACCEPT: &str = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8";

fn assert_page_headers(headers: &axum::http::HeaderMap) {
    assert_eq!(headers["content-type"], "text/html; charset=utf-8");
    assert_eq!(
        headers["content-security-policy"],
        skops_serve::pages::CONTENT_SECURITY_POLICY
    );
    assert_eq!(headers["x-content-type-options"], "nosniff");
    assert_eq!(headers["referrer-policy"], "no-referrer");
}

/// The JSON of the page's `<script id="widget-config">` element.
fn widget_config(html: &str) -> Value {
    let open = "<script id=\"widget-config\" type=\"application/json\">";
    let start = html.find(open).unwrap() + open.len();
    let end = start + html[start..].find("</script>").unwrap();
    serde_json::from_str(&html[start..end]).unwrap()
}

#[tokio::test]
async fn the_model_list_is_html_for_browsers_and_json_otherwise() {
    let app = app();
    let (status, headers, html) = page(&app, "/", BROWSER_ACCEPT).await;
    assert_eq!(status, StatusCode::OK);
    assert_page_headers(&headers);
    for name in ["alice/named", "array", "colors", "iris-repo", "tree"] {
        assert!(
            html.contains(&format!("<a href=\"/models/{name}\">{name}</a>")),
            "{html}"
        );
    }
    assert!(html.contains("sklearn.tree._classes.DecisionTreeClassifier"));
    assert!(html.contains("tabular-classification"));
    assert!(!html.contains("<script"), "{html}");
    for accept in ["", "application/json", "application/json, text/html"] {
        let (status, headers, text) = page(&app, "/", accept).await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(headers["content-type"], "application/json");
        let list: Value = serde_json::from_str(&text).unwrap();
        assert_eq!(list["models"].as_array().unwrap().len(), 5);
    }
}

#[tokio::test]
async fn a_model_page_has_its_facts_card_and_widget_config() {
    let app = app();
    let expected = expected();
    let (status, headers, html) = page(&app, "/models/iris-repo", BROWSER_ACCEPT).await;
    assert_eq!(status, StatusCode::OK, "{html}");
    assert_page_headers(&headers);
    let model = app.server.models.get("iris-repo").unwrap();
    assert!(html.contains(model.predictor.sha256()));
    assert!(html.contains("predict_proba"));
    // The card: rendered, without its front matter, scripts or handlers.
    assert!(html.contains("<h1>Iris card</h1>"), "{html}");
    assert!(html.contains("<em>tree</em>"));
    assert!(!html.contains("license: mit"));
    assert!(!html.contains("alert"), "{html}");
    assert!(!html.contains("onerror"), "{html}");
    assert!(html.contains("<div id=\"widget\"></div>"));
    assert!(html.contains("<script src=\"/static/widget.js\"></script>"));
    assert!(html.contains("<link rel=\"stylesheet\" href=\"/static/widget.css\">"));
    let config = widget_config(&html);
    assert_eq!(config["model"], "iris-repo");
    assert_eq!(config["infer_url"], "/v2/models/iris-repo/infer");
    assert_eq!(
        config["columns"],
        json!([{"name": "a", "kind": "number"}, {"name": "b", "kind": "number"}])
    );
    assert_eq!(config["rows"], json!([[0.5, 1.0], [1.0, 2.0]]));
    assert_eq!(config["outputs"], json!(["predict", "predict_proba"]));
    assert_eq!(config["classes"], expected["tree"]["classes"]);

    // No config: fitted names; the column the pipeline's OneHotEncoder was fitted on is a
    // string column offering its categories, and the example row starts with the first of
    // them (zeros for numbers). An array model: x0..x2, no classes.
    let (_, _, html) = page(&app, "/models/colors", BROWSER_ACCEPT).await;
    let config = widget_config(&html);
    let categories = &expected["colors"]["categories"];
    assert_eq!(
        config["columns"],
        json!([
            {"name": "color", "kind": "string", "categories": categories},
            {"name": "size", "kind": "number"},
        ])
    );
    assert_eq!(config["rows"], json!([[categories[0], 0]]));
    assert_eq!(config["classes"], json!(["no", "yes"]));
    assert!(!html.contains("Model card"));
    let (_, _, html) = page(&app, "/models/array", BROWSER_ACCEPT).await;
    let config = widget_config(&html);
    let names: Vec<&str> = config["columns"]
        .as_array()
        .unwrap()
        .iter()
        .map(|column| column["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["x0", "x1", "x2"]);
    assert_eq!(config["rows"], json!([[0, 0, 0]]));
    assert_eq!(config["outputs"], json!(["predict"]));
    assert_eq!(config["classes"], Value::Null);
    // An owner/name model: its page under /models/owner/name, its infer URL one segment.
    let (status, _, html) = page(&app, "/models/alice/named", BROWSER_ACCEPT).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        widget_config(&html)["infer_url"],
        "/v2/models/alice%2Fnamed/infer"
    );
    // The widget's own request to that URL is answered.
    let body = json!({"parameters": {"content_type": "pd"},
        "inputs": pd_inputs(&tree_columns()),
        "outputs": [{"name": "predict"}, {"name": "predict_proba"}]});
    let (status, answer) = post(&app, "/v2/models/alice%2Fnamed/infer", body).await;
    assert_eq!(status, StatusCode::OK, "{answer}");
    assert_eq!(answer["outputs"][0]["data"], expected["tree"]["predict"]);
}

#[tokio::test]
async fn an_unknown_model_page_is_a_404_page() {
    let app = app();
    let (status, headers, html) = page(&app, "/models/%3Cb%3Enope%3C%2Fb%3E", BROWSER_ACCEPT).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_page_headers(&headers);
    assert!(html.contains("serve-model-not-found"), "{html}");
    assert!(!html.contains("<b>nope"), "{html}");
}

#[tokio::test]
async fn the_widget_assets_are_served_with_their_types() {
    let app = app();
    let (status, headers, js) = page(&app, "/static/widget.js", "").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(headers["content-type"], "text/javascript; charset=utf-8");
    assert_eq!(headers["x-content-type-options"], "nosniff");
    assert!(js.contains("widget-config"));
    let (status, headers, css) = page(&app, "/static/widget.css", "").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(headers["content-type"], "text/css; charset=utf-8");
    assert!(css.contains("#widget"));
    let (status, _, _) = page(&app, "/static/other.js", "").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn a_null_in_a_pd_fp64_tensor_is_nan() {
    let app = app();
    // The same rows with a missing value, as a `pd` column of FP64 with null and as an `np`
    // tensor with null (NaN there, documented): both are answered, and alike.
    let pd = json!({"parameters": {"content_type": "pd"}, "inputs": [
        {"name": "a", "shape": [2], "datatype": "FP64", "data": [null, 2.5]},
        {"name": "b", "shape": [2], "datatype": "FP64", "data": [-1.0, null]}]});
    let np = json!({"inputs": [
        {"name": "x", "shape": [2, 2], "datatype": "FP64", "data": [[null, -1.0], [2.5, null]]}],
        "outputs": [{"name": "predict"}]});
    let (status, from_pd) = post(&app, "/v2/models/tree/infer", pd).await;
    let (np_status, from_np) = post(&app, "/v2/models/tree/infer", np).await;
    // (scikit-learn's trees take NaN: python/tests/test_serve_widget.py compares the answer.)
    assert_eq!(status, StatusCode::OK, "{from_pd}");
    assert_eq!(np_status, StatusCode::OK, "{from_np}");
    assert_eq!(from_pd["outputs"][0]["data"], from_np["outputs"][0]["data"]);
}

#[tokio::test]
async fn tensor_data_is_flat_or_nested_as_its_shape_says() {
    let app = app();
    let array = "/v2/models/array/infer";
    let expected = expected();
    let tensor = |shape: Value, data: Value| json!({"inputs": [{"name": "x", "shape": shape, "datatype": "FP64", "data": data}]});
    let rows = expected["array"]["rows"].clone();
    let flat: Vec<Value> = rows
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|row| row.as_array().unwrap().clone())
        .collect();
    for data in [rows.clone(), Value::Array(flat)] {
        let (status, answer) = post(&app, array, tensor(json!([2, 3]), data)).await;
        assert_eq!(status, StatusCode::OK, "{answer}");
        assert_eq!(answer["outputs"][0]["data"], expected["array"]["predict"]);
    }
    // Lists mixed with scalars, ragged rows, nesting deeper than the rank: refused, not
    // flattened into something that happens to have the right count.
    for (shape, data) in [
        (json!([2, 3]), json!([[2.0, 0.0, -2.0], -2.0, 0.5, 2.0])),
        (json!([2, 3]), json!([[[2.0]], 0.0, -2.0, -2.0, 0.5, 2.0])),
        (json!([2, 3]), json!([[2.0, 0.0], [-2.0, 0.5, 2.0, 1.0]])),
        (json!([2, 3]), json!([[2.0, 0.0, [-2.0]], [-2.0, 0.5, 2.0]])),
        (json!([1, 3]), json!([[[2.0, 0.0, -2.0]]])),
        (json!([2, 3]), json!(5.0)),
    ] {
        let answer = post(&app, array, tensor(shape, data.clone())).await;
        assert_error(&answer, 400, "serve-bad-request");
    }
}

#[tokio::test]
async fn unknown_request_fields_are_ignored_as_mlserver_ignores_them() {
    let app = app();
    let expected = expected();
    let body = json!({
        "inputs": [{
            "name": "x", "shape": [2, 3], "datatype": "FP64",
            "data": expected["array"]["rows"], "extension": {"any": 1},
        }],
        "outputs": [{"name": "predict", "note": "x"}],
        "trace": "abc",
    });
    let (status, answer) = post(&app, "/v2/models/array/infer", body).await;
    assert_eq!(status, StatusCode::OK, "{answer}");
    assert_eq!(answer["outputs"][0]["data"], expected["array"]["predict"]);
}

#[tokio::test]
async fn a_compressed_body_is_refused_415() {
    let app = app();
    let request = Request::builder()
        .method("POST")
        .uri("/v2/models/array/infer")
        .header("content-type", "application/json")
        .header("content-encoding", "gzip")
        .body(Body::from(vec![0x1f, 0x8b, 8, 0]))
        .unwrap();
    let response = router(Arc::clone(&app.server))
        .oneshot(request)
        .await
        .unwrap();
    let status = response.status();
    let bytes = response.into_body().collect().await.unwrap().to_bytes();
    let answer: Value = serde_json::from_slice(&bytes).unwrap();
    assert_error(&(status, answer), 415, "serve-unsupported-encoding");
}

#[tokio::test]
async fn an_error_naming_many_columns_stays_short() {
    let app = app();
    let mut columns = serde_json::Map::new();
    for index in 0..5000 {
        columns.insert(
            format!("made-up-column-{index:05}-{}", "x".repeat(200)),
            json!([1.0]),
        );
    }
    let answer = post(&app, "/models/tree", json!({"inputs": {"data": columns}})).await;
    assert_eq!(answer.0.as_u16(), 422, "{}", answer.1);
    let message = answer.1["error"].as_str().unwrap();
    assert!(message.len() < 4000, "{} bytes", message.len());
    assert!(message.contains("and 4980 more"), "{message}");
    assert!(message.contains("missing: [\"a\", \"b\"]"), "{message}");
}

#[tokio::test]
async fn a_column_given_twice_is_refused_with_or_without_input_names() {
    let app = app();
    let column =
        |name: &str| json!({"name": name, "shape": [1], "datatype": "FP64", "data": [1.0]});
    // `array` was fitted on an array (no input names): the columns are taken in order, so
    // a repeated name used to reach the engine.
    for (model, names) in [
        ("array", ["x", "x", "y", "z"]),
        ("tree", ["a", "a", "b", "b"]),
    ] {
        let body = json!({
            "parameters": {"content_type": "pd"},
            "inputs": names.iter().map(|name| column(name)).collect::<Vec<_>>(),
        });
        let answer = post(&app, &format!("/v2/models/{model}/infer"), body).await;
        assert_error(&answer, 400, "serve-bad-request");
        let message = answer.1["error"].as_str().unwrap();
        assert!(
            message.contains(&format!("column \"{}\" is given twice", names[0])),
            "{message}"
        );
    }
}
