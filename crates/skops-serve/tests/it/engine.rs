//! The engine seam: a model the native engine does not evaluate is refused (naming
//! `python -m skops_rs serve`) unless the loader has a fallback, which is asked only after the
//! audit passed and only for unsupported models; the served model's engine answers the
//! routes, its name shows in the metadata, list and page, and its errors keep their kinds.
//! The fallback here is a small engine written for the test (the Python engine itself is
//! exercised end to end by `python/tests/test_serve_python_engine.py`).

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::http::StatusCode;
use serde_json::{Value, json};
use skops_infer::{Data, Labels, Method, Output, Values};
use skops_serve::error::{EngineError, LoadError};
use skops_serve::policy::Policies;
use skops_serve::{Engine, Fallback, Limits, ModelSpec, Models, Server, Unsupported};

use super::{App, assert_error, call, data, post};

fn kmeans() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../skops-cli/tests/data/native/kmeans.skops")
}

/// An engine that classifies by the first cell: `big` when it is above 0.5, else `small`
/// (or, for a text, by its length); a negative first cell is a refused input, a NaN a failure.
#[derive(Debug)]
struct Threshold {
    sha256: String,
    text: bool,
    classes: Labels,
    /// When set, each batch takes this long and the engine's batches run alone.
    pause: Option<Duration>,
    batches: Arc<Batches>,
}

/// What the engine's batches did: how many ran, and the most that ran at once.
#[derive(Debug, Default)]
struct Batches {
    started: AtomicUsize,
    running: AtomicUsize,
    most_at_once: AtomicUsize,
}

impl Engine for Threshold {
    fn engine_name(&self) -> &'static str {
        "python"
    }
    fn type_name(&self) -> &str {
        "test.Threshold"
    }
    fn methods(&self) -> Vec<Method> {
        vec![Method::Predict, Method::PredictProba]
    }
    fn classes(&self) -> Option<&Labels> {
        Some(&self.classes)
    }
    fn sha256(&self) -> &str {
        &self.sha256
    }
    fn sklearn_version(&self) -> Option<&str> {
        None
    }
    fn n_features_in(&self) -> Option<usize> {
        (!self.text).then_some(2)
    }
    fn feature_names_in(&self) -> Option<&[String]> {
        None
    }
    fn takes_text(&self) -> bool {
        self.text
    }
    fn runs_alone(&self) -> bool {
        self.pause.is_some()
    }
    fn run(&self, method: Method, data: &Data) -> skops_serve::Result<Output> {
        self.batches.started.fetch_add(1, Ordering::SeqCst);
        let running = self.batches.running.fetch_add(1, Ordering::SeqCst) + 1;
        self.batches
            .most_at_once
            .fetch_max(running, Ordering::SeqCst);
        if let Some(pause) = self.pause {
            std::thread::sleep(pause);
        }
        self.batches.running.fetch_sub(1, Ordering::SeqCst);
        let firsts: Vec<f64> = match data {
            Data::Matrix(matrix) => matrix.iter_rows().map(|row| row[0]).collect(),
            Data::Table(table) => match &table.columns()[0] {
                skops_infer::Column::Numbers(numbers) => numbers.clone(),
                skops_infer::Column::Strings(cells) => cells
                    .iter()
                    .map(|cell| cell.as_deref().map_or(0.0, |text| text.len() as f64 / 10.0))
                    .collect(),
            },
            Data::Sparse(_) => unreachable!(),
        };
        if firsts.iter().any(|x| *x < 0.0) {
            return Err(EngineError::bad_input("ValueError: negative").into());
        }
        if firsts.iter().any(|x| x.is_nan()) {
            return Err(EngineError::failed(&format!("RuntimeError: {}", "x".repeat(5000))).into());
        }
        Ok(match method {
            Method::PredictProba => Output {
                shape: vec![firsts.len(), 2],
                values: Values::F64(
                    firsts
                        .iter()
                        .flat_map(|x| [x.min(1.0), 1.0 - x.min(1.0)])
                        .collect(),
                ),
            },
            _ => Output::vector(Values::Str(
                firsts
                    .iter()
                    .map(|x| if *x > 0.5 { "big" } else { "small" }.to_owned())
                    .collect(),
            )),
        })
    }
}

/// A fallback that records the models it is asked for, and builds a [`Threshold`].
#[derive(Default)]
struct Recording {
    asked: Mutex<Vec<(PathBuf, String, usize, String)>>,
    text: bool,
    fail: bool,
    pause: Option<Duration>,
    batches: Arc<Batches>,
}

impl Fallback for Recording {
    fn engine(&self, model: &Unsupported<'_>) -> skops_serve::Result<Box<dyn Engine>> {
        self.asked.lock().unwrap().push((
            model.path.to_owned(),
            model.sha256.clone(),
            model.bytes.len(),
            model.reason.kind().to_owned(),
        ));
        assert!(model.trusted.is_empty());
        if self.fail {
            return Err(LoadError::Fallback {
                path: model.path.to_owned(),
                reason: "ImportError: no scikit-learn".to_owned(),
            }
            .into());
        }
        Ok(Box::new(Threshold {
            sha256: model.sha256.clone(),
            text: self.text,
            classes: Labels::Str(vec!["big".to_owned(), "small".to_owned()]),
            pause: self.pause,
            batches: Arc::clone(&self.batches),
        }))
    }
}

#[test]
fn without_a_fallback_an_unsupported_model_is_refused_naming_the_python_server() {
    let error = Models::load(&[ModelSpec::path(kmeans())]).unwrap_err();
    assert_eq!(error.kind(), "infer-unsupported");
    assert!(matches!(
        error,
        skops_serve::Error::Load(LoadError::NotNative { .. })
    ));
    let message = error.to_string();
    assert!(
        message.contains("native engine does not evaluate"),
        "{message}"
    );
    assert!(message.contains("python -m skops_rs serve"), "{message}");
}

#[test]
fn the_fallback_is_asked_only_for_audited_unsupported_models() {
    let fallback = Recording::default();
    // A native model and an untrusted one: the fallback is never asked.
    let models = Models::load_with(
        &[ModelSpec::path(data("tree.skops"))],
        &Policies::default(),
        Some(&fallback),
    );
    assert_eq!(
        models.unwrap().get("tree").unwrap().predictor.engine_name(),
        "native"
    );
    let untrusted = Models::load_with(
        &[ModelSpec::path(data("untrusted.skops"))],
        &Policies::default(),
        Some(&fallback),
    );
    assert_eq!(untrusted.unwrap_err().kind(), "serve-untrusted-types");
    assert!(fallback.asked.lock().unwrap().is_empty());
    // An unsupported one: asked once, with the file, its digest and the engine's reason.
    let models = Models::load_with(
        &[ModelSpec::path(kmeans())],
        &Policies::default(),
        Some(&fallback),
    )
    .unwrap();
    let model = models.get("kmeans").unwrap();
    assert_eq!(model.predictor.engine_name(), "python");
    let asked = fallback.asked.lock().unwrap();
    let [(path, sha256, size, reason)] = asked.as_slice() else {
        panic!("{asked:?}");
    };
    assert_eq!(path, &kmeans());
    assert_eq!(*size as u64, std::fs::metadata(kmeans()).unwrap().len());
    assert_eq!(sha256, model.predictor.sha256());
    assert_eq!(sha256.len(), 64);
    assert_eq!(reason, "infer-unsupported");
}

#[test]
fn a_failing_fallback_stops_the_start_up_with_its_kind() {
    let fallback = Recording {
        fail: true,
        ..Recording::default()
    };
    let error = Models::load_with(
        &[ModelSpec::path(kmeans())],
        &Policies::default(),
        Some(&fallback),
    )
    .unwrap_err();
    assert_eq!(error.kind(), "serve-python-load");
    assert!(error.to_string().contains("ImportError"), "{error}");
}

fn app_with(fallback: &Recording) -> App {
    app_limited(fallback, Limits::default())
}

#[tokio::test]
async fn a_fallback_engine_answers_the_routes_and_is_named_in_metadata_list_and_page() {
    let app = app_with(&Recording::default());
    let (status, body) = post(
        &app,
        "/v2/models/kmeans/infer",
        json!({"inputs": [{"name": "x", "shape": [2, 2], "datatype": "FP64",
                           "data": [[0.9, 0.0], [0.1, 0.0]]}],
               "outputs": [{"name": "predict"}, {"name": "predict_proba"}]}),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["outputs"][0]["data"], json!(["big", "small"]));
    assert_eq!(
        body["outputs"][1]["data"],
        json!([0.9, 0.09999999999999998, 0.1, 0.9])
    );
    let (status, body) = post(
        &app,
        "/models/alice/kmeans",
        json!({"inputs": {"data": {"x0": ["0.7"], "x1": ["0"]}}}),
    )
    .await;
    assert_eq!((status.as_u16(), body), (200, json!(["big"])));
    let (_, meta) = call(&app, "GET", "/v2/models/kmeans", None).await;
    assert_eq!(meta["parameters"]["engine"], "python");
    assert_eq!(meta["parameters"]["sklearn_type"], "test.Threshold");
    let (_, meta) = call(&app, "GET", "/v2/models/tree", None).await;
    assert_eq!(meta["parameters"]["engine"], "native");
    let (_, list) = call(&app, "GET", "/", None).await;
    let engines: Vec<(&str, &str)> = list["models"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| (m["name"].as_str().unwrap(), m["engine"].as_str().unwrap()))
        .collect();
    assert_eq!(engines, [("kmeans", "python"), ("tree", "native")]);
    let (_, page) = call(&app, "GET", "/models/kmeans", None).await;
    assert!(
        page.as_str()
            .unwrap()
            .contains("<dt>engine</dt><dd>python</dd>")
    );
    // Text is refused by a tabular model.
    let answer = post(&app, "/models/kmeans", json!({"inputs": "some text"})).await;
    assert_error(&answer, 400, "serve-bad-request");
}

#[tokio::test]
async fn engine_errors_keep_their_kinds_and_are_cut() {
    let app = app_with(&Recording::default());
    let infer = |first: Value| json!({"inputs": [{"name": "x", "shape": [1, 2], "datatype": "FP64", "data": [first, 0.0]}]});
    let answer = post(&app, "/v2/models/kmeans/infer", infer(json!(-1.0))).await;
    assert_error(&answer, 422, "serve-python-bad-input");
    assert_eq!(
        answer.1["error"],
        "the model refused the input: ValueError: negative"
    );
    let answer = post(&app, "/v2/models/kmeans/infer", infer(Value::Null)).await;
    assert_error(&answer, 500, "serve-python-error");
    let message = answer.1["error"].as_str().unwrap();
    assert!(
        message.len() < 1100 && message.ends_with("..."),
        "{message}"
    );
    let answer = post(
        &app,
        "/v2/models/kmeans/infer",
        json!({"inputs": [{"name": "x", "shape": [1, 2], "datatype": "FP64", "data": [0.1, 0.0]}],
               "outputs": [{"name": "transform"}]}),
    )
    .await;
    assert_eq!(
        answer.0, 200,
        "the engine answers what it is asked: {}",
        answer.1
    );
}

#[tokio::test]
async fn a_text_engine_takes_texts_on_both_routes() {
    let app = app_with(&Recording {
        text: true,
        ..Recording::default()
    });
    let (status, body) = post(
        &app,
        "/models/alice/kmeans",
        json!({"inputs": "twelve chars"}),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(
        body,
        json!([[{"label": "big", "score": 1.0}, {"label": "small", "score": 0.0}]])
    );
    let (status, body) = post(
        &app,
        "/models/kmeans",
        json!({"inputs": ["abc", "abcdefghij"]}),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body.as_array().unwrap().len(), 2);
    assert_eq!(body[0][0]["score"], 0.3);
    let (status, body) = post(
        &app,
        "/v2/models/kmeans/infer",
        json!({"inputs": [{"name": "text", "shape": [2], "datatype": "BYTES",
                           "data": ["abcdefghijkl", "ab"]}]}),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["outputs"][0]["data"], json!(["big", "small"]));
    let (_, meta) = call(&app, "GET", "/v2/models/kmeans", None).await;
    assert_eq!(
        meta["inputs"],
        json!([{"name": "text", "datatype": "BYTES", "shape": [-1]}])
    );
    let answer = post(
        &app,
        "/v2/models/kmeans/infer",
        json!({"inputs": [{"name": "text", "shape": [1], "datatype": "FP64", "data": [1.0]}]}),
    )
    .await;
    assert_error(&answer, 400, "serve-bad-datatype");
    let answer = post(
        &app,
        "/models/kmeans",
        json!({"inputs": {"data": {"a": [1]}}}),
    )
    .await;
    assert_error(&answer, 400, "serve-bad-request");
    let answer = post(&app, "/models/kmeans", json!({"inputs": 3})).await;
    assert_error(&answer, 400, "serve-bad-request");
}

/// The test engine's model (`kmeans`) and a native one (`tree`), served under `limits`.
fn app_limited(fallback: &Recording, limits: Limits) -> App {
    let models = Models::load_with(
        &[
            ModelSpec::path(kmeans()),
            ModelSpec::path(data("tree.skops")),
        ],
        &Policies::default(),
        Some(fallback),
    )
    .unwrap();
    App {
        server: Arc::new(Server::new(models, limits).unwrap()),
        _dir: tempfile::tempdir().unwrap(),
    }
}

/// One row for the `kmeans` model (served by the test engine).
fn one_row() -> serde_json::Value {
    json!({"inputs": [{"name": "x", "shape": [1, 2], "datatype": "FP64", "data": [0.9, 0.0]}]})
}

#[tokio::test]
async fn batches_that_run_alone_run_one_at_a_time() {
    let fallback = Recording {
        pause: Some(Duration::from_millis(50)),
        ..Recording::default()
    };
    let app = app_with(&fallback);
    let requests = (0..4).map(|_| post(&app, "/v2/models/kmeans/infer", one_row()));
    for (status, body) in futures_util::future::join_all(requests).await {
        assert_eq!(status, 200, "{body}");
    }
    assert_eq!(fallback.batches.started.load(Ordering::SeqCst), 4);
    assert_eq!(fallback.batches.most_at_once.load(Ordering::SeqCst), 1);
}

#[tokio::test]
async fn a_queued_batch_whose_client_left_never_runs() {
    let fallback = Recording {
        pause: Some(Duration::from_millis(400)),
        ..Recording::default()
    };
    let app = app_with(&fallback);
    // Eight clients that hang up after 100 ms: the first batch has started (it takes 400 ms),
    // the other seven wait for the turn and leave with their requests.
    let leaving = (0..8).map(|_| {
        tokio::time::timeout(
            Duration::from_millis(100),
            post(&app, "/v2/models/kmeans/infer", one_row()),
        )
    });
    for answer in futures_util::future::join_all(leaving).await {
        assert!(answer.is_err(), "answered within 100 ms: {answer:?}");
    }
    tokio::time::sleep(Duration::from_millis(800)).await;
    assert_eq!(fallback.batches.started.load(Ordering::SeqCst), 1);
    // The turn is free again: the next request is computed.
    let (status, body) = post(&app, "/v2/models/kmeans/infer", one_row()).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(fallback.batches.started.load(Ordering::SeqCst), 2);
}

/// Two requests to the test engine (batches of `pause`, the server's timeout 1 s), the second
/// sent `delay` after the first: both answers, and the engine's counts.
async fn second_behind_first(
    pause: Duration,
    delay: Duration,
) -> ((StatusCode, Value), (StatusCode, Value), Arc<Batches>) {
    let fallback = Recording {
        pause: Some(pause),
        ..Recording::default()
    };
    let app = app_limited(
        &fallback,
        Limits {
            timeout: Duration::from_secs(1),
            ..Limits::default()
        },
    );
    let first = post(&app, "/v2/models/kmeans/infer", one_row());
    let second = async {
        tokio::time::sleep(delay).await;
        post(&app, "/v2/models/kmeans/infer", one_row()).await
    };
    let (first, second) = tokio::join!(first, second);
    (first, second, Arc::clone(&fallback.batches))
}

#[tokio::test]
async fn a_batch_that_timed_out_keeps_its_turn_until_it_ends() {
    // The first batch misses its deadline (503 at once) and goes on in the background; the
    // second waits for the turn it still holds and times out without running.
    let (first, second, batches) =
        second_behind_first(Duration::from_millis(1500), Duration::from_millis(100)).await;
    assert_error(&first, 503, "serve-timeout");
    assert_error(&second, 503, "serve-timeout");
    assert_eq!(batches.started.load(Ordering::SeqCst), 1);
    assert_eq!(batches.most_at_once.load(Ordering::SeqCst), 1);
}

#[tokio::test]
async fn a_batch_whose_turn_comes_too_late_is_not_run() {
    // The second request's turn comes ~900 ms after the first's start, 150 ms or less before
    // its deadline: under `MIN_TIME_LEFT_TO_START`, so it is answered 503 and never runs.
    let (_, second, batches) =
        second_behind_first(Duration::from_millis(900), Duration::from_millis(50)).await;
    assert_error(&second, 503, "serve-timeout");
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(batches.started.load(Ordering::SeqCst), 1);
}

#[tokio::test]
async fn batches_queued_for_their_turn_hold_no_slot() {
    let fallback = Recording {
        pause: Some(Duration::from_millis(300)),
        ..Recording::default()
    };
    // Two slots: one for the running Python batch, one left for the native model, however
    // many Python batches wait for their turn.
    let app = app_limited(
        &fallback,
        Limits {
            concurrent_predictions: 2,
            ..Limits::default()
        },
    );
    let python = (0..4).map(|_| post(&app, "/v2/models/kmeans/infer", one_row()));
    let native = async {
        tokio::time::sleep(Duration::from_millis(50)).await;
        let answer = post(&app, "/v2/models/tree/infer", tree_row()).await;
        (answer, fallback.batches.started.load(Ordering::SeqCst))
    };
    let (python, ((status, body), started)) =
        tokio::join!(futures_util::future::join_all(python), native);
    assert_eq!(status, 200, "{body}");
    assert!(
        started <= 2,
        "the native request waited for {started} Python batches"
    );
    assert!(python.iter().all(|(status, _)| *status == 200));
}

/// One row for the `tree` model (native).
fn tree_row() -> serde_json::Value {
    json!({"parameters": {"content_type": "pd"},
           "inputs": [{"name": "a", "shape": [1], "datatype": "FP64", "data": [0.5]},
                      {"name": "b", "shape": [1], "datatype": "FP64", "data": [1.0]}]})
}
