//! The HTTP face of the server: one axum service with the OIP v2 routes, the legacy Hugging
//! Face inference route, `/metrics`, `GET /` (the list of models: JSON, or HTML for a browser),
//! the model pages with the widget and its assets ([`crate::pages`]), a JSON error answer for
//! every failure of the API, and one middleware that logs each request as a JSON line on standard error
//! and records it in the metrics.
//!
//! Predictions run on tokio's blocking threads (at most `Limits::concurrent_predictions` at
//! once), never on the async executor, so a long batch does not stall other requests.

use std::future::Future;
use std::panic::AssertUnwindSafe;
use std::sync::Arc;
use std::time::{Instant, SystemTime, UNIX_EPOCH};

use axum::Router;
use axum::body::Body;
use axum::extract::rejection::PathRejection;
use axum::extract::{MatchedPath, Path, Request, State};
use axum::http::{HeaderMap, Method as HttpMethod, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use futures_util::{FutureExt, StreamExt};
use serde_json::{Value, json};
use skops_infer::{Method, Output};
use tokio::sync::Semaphore;
use tokio::time::timeout_at;

use crate::error::{Error, NotFoundError, RequestError, Result, ServerError};
use crate::input::{evaluate, evaluate_table};
use crate::legacy::{self, LegacyInputs, LegacyRequest};
use crate::limits::{Limits, MIN_TIME_LEFT_TO_START};
use crate::load::{Models, ServedModel};
use crate::metrics::Metrics;
use crate::oip::{self, InferRequest};
use crate::pages;

/// What every request handler shares.
#[derive(Debug)]
pub struct Server {
    /// The models, loaded and audited.
    pub models: Models,
    /// The bounds requests are held to.
    pub limits: Limits,
    /// The metrics `/metrics` shows.
    pub metrics: Metrics,
    /// Whether each request is logged to standard error as a JSON line.
    pub access_log: bool,
    /// Prediction slots ([`Limits::concurrent_predictions`]): a batch holds one until it has
    /// finished, even after its request timed out, so work left in the background is bounded.
    slots: Arc<Semaphore>,
    /// The one turn of the engines whose batches run alone ([`crate::Engine::runs_alone`]),
    /// held as a slot is.
    alone: Arc<Semaphore>,
    /// Set when the server stops: request bodies still arriving are cut off soon after.
    stopping: tokio::sync::watch::Sender<bool>,
}

impl Server {
    /// A server of `models` with `limits`, logging nothing.
    pub fn new(models: Models, limits: Limits) -> Result<Self> {
        let metrics = Metrics::new(models.len())?;
        let slots = Arc::new(Semaphore::new(limits.concurrent_predictions.max(1)));
        Ok(Self {
            models,
            limits,
            metrics,
            access_log: false,
            slots,
            alone: Arc::new(Semaphore::new(1)),
            stopping: tokio::sync::watch::Sender::new(false),
        })
    }

    /// The same server, logging each request to standard error.
    pub fn with_access_log(mut self) -> Self {
        self.access_log = true;
        self
    }
}

/// What a handler tells the middleware about its answer (a response extension).
#[derive(Debug, Clone, Default)]
struct Observed {
    model: Option<String>,
    kind: Option<&'static str>,
    rows: Option<usize>,
}

impl IntoResponse for Error {
    fn into_response(self) -> Response {
        let status =
            StatusCode::from_u16(self.status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        let kind = self.kind();
        let body = json!({"error": self.to_string(), "kind": kind});
        let mut response = (status, json_body(&body)).into_response();
        response.extensions_mut().insert(Observed {
            kind: Some(kind),
            ..Observed::default()
        });
        response
    }
}

/// A JSON body with its content type.
fn json_body(value: &Value) -> impl IntoResponse + use<> {
    (
        [(header::CONTENT_TYPE, "application/json")],
        value.to_string(),
    )
}

/// A 200 JSON answer about `model` (which may be none), for `rows` rows predicted.
fn answer(value: &Value, model: Option<&ServedModel>, rows: Option<usize>) -> Response {
    let mut response = json_body(value).into_response();
    response.extensions_mut().insert(Observed {
        model: model.map(|model| model.name.clone()),
        kind: None,
        rows,
    });
    response
}

/// An error answer about `model`.
fn failed(error: Error, model: Option<&ServedModel>) -> Response {
    let mut response = error.into_response();
    if let Some(observed) = response.extensions_mut().get_mut::<Observed>() {
        observed.model = model.map(|model| model.name.clone());
    }
    response
}

/// The service: the routes, the observing middleware and, as a last resort (handlers do not
/// panic on any input), a layer that turns a panic into a 500 answer.
pub fn router(server: Arc<Server>) -> Router {
    Router::new()
        .route("/", get(index))
        .route("/metrics", get(metrics))
        .route("/v2", get(server_metadata))
        .route("/v2/health/live", get(live))
        .route("/v2/health/ready", get(ready))
        .route("/v2/models/{name}", get(model_metadata))
        .route("/v2/models/{name}/ready", get(model_ready))
        .route("/v2/models/{name}/infer", post(infer))
        .route(
            "/v2/models/{name}/versions/{version}",
            get(model_metadata_version),
        )
        .route(
            "/v2/models/{name}/versions/{version}/ready",
            get(model_ready_version),
        )
        .route(
            "/v2/models/{name}/versions/{version}/infer",
            post(infer_version),
        )
        .route("/models/{*repo_id}", post(legacy_predict).get(model_page))
        .route("/static/widget.js", get(widget_js))
        .route("/static/widget.css", get(widget_css))
        .fallback(not_found)
        .method_not_allowed_fallback(method_not_allowed)
        .layer(axum::middleware::from_fn_with_state(
            Arc::clone(&server),
            observe,
        ))
        .layer(axum::middleware::from_fn(catch_panic))
        .with_state(server)
}

/// Serves on `listener` until `shutdown` completes, then stops accepting connections (new ones
/// are refused), finishes the requests in flight and closes idle connections. Each connection
/// is HTTP/1 with a header read timeout (`Limits::header_timeout`): a client that does not
/// finish its headers in time (slowloris) is disconnected. Draining is bounded too: after the
/// request timeout plus the header timeout, whatever is left is dropped, so a stop never hangs.
pub async fn serve(
    listener: tokio::net::TcpListener,
    server: Arc<Server>,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    use hyper_util::rt::{TokioIo, TokioTimer};
    use hyper_util::server::graceful::GracefulShutdown;
    use hyper_util::service::TowerToHyperService;

    let drain = server.limits.timeout + server.limits.header_timeout;
    let mut http = hyper::server::conn::http1::Builder::new();
    http.timer(TokioTimer::new())
        .header_read_timeout(server.limits.header_timeout);
    let app = router(Arc::clone(&server));
    let graceful = GracefulShutdown::new();
    let mut shutdown = std::pin::pin!(shutdown);
    loop {
        let stream = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok((stream, _)) => stream,
                // A connection reset before it was accepted, or no file descriptor left for
                // now (EMFILE): not the listener's fault; wait a little and go on.
                Err(_) => {
                    tokio::time::sleep(std::time::Duration::from_millis(10)).await;
                    continue;
                }
            },
            () = &mut shutdown => break,
        };
        let _ = stream.set_nodelay(true);
        let connection =
            http.serve_connection(TokioIo::new(stream), TowerToHyperService::new(app.clone()));
        let connection = graceful.watch(connection);
        tokio::spawn(async move {
            // A client that goes away or times out ends its connection: nothing to report.
            let _ = connection.await;
        });
    }
    drop(listener);
    server.stopping.send_replace(true);
    let _ = tokio::time::timeout(drain, graceful.shutdown()).await;
    Ok(())
}

async fn catch_panic(request: Request, next: Next) -> Response {
    match AssertUnwindSafe(next.run(request)).catch_unwind().await {
        Ok(response) => response,
        Err(_) => Error::from(ServerError::Internal {
            reason: "the request handler failed".to_owned(),
        })
        .into_response(),
    }
}

/// Records the request in the metrics and, when asked, logs it as one JSON line.
async fn observe(State(server): State<Arc<Server>>, request: Request, next: Next) -> Response {
    let started = Instant::now();
    let route = request
        .extensions()
        .get::<MatchedPath>()
        .map_or_else(|| "unmatched".to_owned(), |path| path.as_str().to_owned());
    let method = request.method().clone();
    let path = request.uri().path().to_owned();
    let response = next.run(request).await;
    let seconds = started.elapsed().as_secs_f64();
    let observed = response
        .extensions()
        .get::<Observed>()
        .cloned()
        .unwrap_or_default();
    let status = response.status().as_u16();
    let model = observed.model.as_deref().unwrap_or("");
    server
        .metrics
        .observe(&route, model, status, seconds, observed.kind, observed.rows);
    if server.access_log {
        let time = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0.0, |since| since.as_secs_f64());
        // A hostile path is cut, and escaped by the JSON writer.
        let path: String = path.chars().take(256).collect();
        let line = json!({
            "time": (time * 1000.0).round() / 1000.0,
            "method": method.as_str(),
            "path": path,
            "route": route,
            "status": status,
            "model": observed.model,
            "kind": observed.kind,
            "rows": observed.rows,
            "duration_ms": (seconds * 1e6).round() / 1e3,
        });
        use std::io::Write;
        let _ = writeln!(std::io::stderr().lock(), "{line}");
    }
    response
}

async fn not_found(request: Request) -> Response {
    let path: String = request.uri().path().chars().take(256).collect();
    Error::from(NotFoundError::Route { path }).into_response()
}

async fn method_not_allowed(method: HttpMethod) -> Response {
    Error::from(RequestError::MethodNotAllowed {
        method: method.to_string(),
    })
    .into_response()
}

async fn index(State(server): State<Arc<Server>>, headers: HeaderMap) -> Response {
    if pages::wants_html(&headers) {
        return pages::respond(StatusCode::OK, pages::index_page(&server.models));
    }
    let models: Vec<Value> = server
        .models
        .iter()
        .map(|model| {
            json!({
                "name": model.name,
                "sklearn_type": model.predictor.type_name(),
                "engine": model.predictor.engine_name(),
                "task": model.task,
                "methods": model.predictor.methods().iter().map(|m| m.name()).collect::<Vec<_>>(),
                "sha256": model.predictor.sha256(),
            })
        })
        .collect();
    answer(&json!({"models": models}), None, None)
}

/// A model's page (HTML): its facts, the widget, its card. A model not served is a 404 page.
async fn model_page(State(server): State<Arc<Server>>, Path(repo_id): Path<String>) -> Response {
    match server.models.get_legacy(&repo_id) {
        Ok(model) => {
            let mut response = pages::respond(StatusCode::OK, pages::model_page(&model));
            response.extensions_mut().insert(Observed {
                model: Some(model.name.clone()),
                ..Observed::default()
            });
            response
        }
        Err(error) => {
            let status =
                StatusCode::from_u16(error.status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
            let kind = error.kind();
            let page = pages::error_page(status, &error.to_string(), kind);
            let mut response = pages::respond(status, page);
            response.extensions_mut().insert(Observed {
                kind: Some(kind),
                ..Observed::default()
            });
            response
        }
    }
}

async fn widget_js() -> Response {
    pages::asset(pages::WIDGET_JS, "text/javascript; charset=utf-8")
}

async fn widget_css() -> Response {
    pages::asset(pages::WIDGET_CSS, "text/css; charset=utf-8")
}

async fn metrics(State(server): State<Arc<Server>>) -> Response {
    (
        [(
            header::CONTENT_TYPE,
            "text/plain; version=0.0.4; charset=utf-8",
        )],
        server.metrics.render(),
    )
        .into_response()
}

async fn server_metadata() -> Response {
    answer(&oip::server_metadata(), None, None)
}

async fn live() -> Response {
    answer(&json!({"live": true}), None, None)
}

async fn ready(State(server): State<Arc<Server>>) -> Response {
    // Models are loaded before the server listens: once it answers, it is ready.
    answer(&json!({"ready": !server.models.is_empty()}), None, None)
}

/// The model of a route's `{name}` (and `{version}`: models have none, so any is unknown).
fn find(
    server: &Server,
    params: Result<Path<Vec<String>>, PathRejection>,
) -> Result<Arc<ServedModel>> {
    let Path(params) = params.map_err(|rejection| RequestError::BadRequest {
        reason: format!("invalid path: {}", rejection.body_text()),
    })?;
    let name = params.first().map(String::as_str).unwrap_or_default();
    let model = server.models.get(name)?;
    if let Some(version) = params.get(1) {
        return Err(NotFoundError::Version {
            name: model.name.clone(),
            version: version.clone(),
        }
        .into());
    }
    Ok(model)
}

async fn model_metadata(
    State(server): State<Arc<Server>>,
    params: Result<Path<Vec<String>>, PathRejection>,
) -> Response {
    match find(&server, params) {
        Ok(model) => answer(&oip::model_metadata(&model), Some(&model), None),
        Err(error) => error.into_response(),
    }
}

async fn model_metadata_version(
    state: State<Arc<Server>>,
    params: Result<Path<Vec<String>>, PathRejection>,
) -> Response {
    model_metadata(state, params).await
}

async fn model_ready(
    State(server): State<Arc<Server>>,
    params: Result<Path<Vec<String>>, PathRejection>,
) -> Response {
    match find(&server, params) {
        Ok(model) => answer(
            &json!({"name": model.name, "ready": true}),
            Some(&model),
            None,
        ),
        Err(error) => error.into_response(),
    }
}

async fn model_ready_version(
    state: State<Arc<Server>>,
    params: Result<Path<Vec<String>>, PathRejection>,
) -> Response {
    model_ready(state, params).await
}

async fn infer_version(
    state: State<Arc<Server>>,
    params: Result<Path<Vec<String>>, PathRejection>,
    headers: HeaderMap,
    body: Body,
) -> Response {
    infer(state, params, headers, body).await
}

async fn infer(
    State(server): State<Arc<Server>>,
    params: Result<Path<Vec<String>>, PathRejection>,
    headers: HeaderMap,
    body: Body,
) -> Response {
    let deadline = tokio::time::Instant::now() + server.limits.timeout;
    let model = match find(&server, params) {
        Ok(model) => model,
        Err(error) => return error.into_response(),
    };
    match infer_model(&server, &model, &headers, body, deadline).await {
        Ok((value, rows)) => answer(&value, Some(&model), Some(rows)),
        Err(error) => failed(error, Some(&model)),
    }
}

/// Answers an OIP v2 `infer` request (its headers and body) with `model`, as the server's own
/// `POST /v2/models/{name}/infer` does: the body read within `server`'s limits, the batch
/// evaluated on a blocking thread within its request timeout. For a server that mounts the
/// route itself (the hub's model pages); errors answer with [`Error`]'s `IntoResponse`.
pub async fn infer_request(
    server: &Server,
    model: &Arc<ServedModel>,
    headers: &HeaderMap,
    body: Body,
) -> Result<Value> {
    let deadline = tokio::time::Instant::now() + server.limits.timeout;
    infer_model(server, model, headers, body, deadline)
        .await
        .map(|(value, _)| value)
}

async fn infer_model(
    server: &Server,
    model: &Arc<ServedModel>,
    headers: &HeaderMap,
    body: Body,
    deadline: tokio::time::Instant,
) -> Result<(Value, usize)> {
    let bytes = read_body(server, headers, body, deadline).await?;
    let request: InferRequest = parse_json(&bytes)?;
    let data = oip::batch(&request, model, server.limits.rows)?;
    let methods = oip::methods(&request, model)?;
    let rows = data.rows();
    let id = request.id.clone().unwrap_or_else(request_id);
    let outputs = predict(server, model, deadline, move |model| {
        methods
            .into_iter()
            .map(|method| {
                let output = evaluate(model, method, &data)?;
                Ok(oip::output_tensor(method, output))
            })
            .collect::<Result<Vec<Value>>>()
    })
    .await?;
    Ok((oip::response(model, id, outputs), rows))
}

async fn legacy_predict(
    State(server): State<Arc<Server>>,
    Path(repo_id): Path<String>,
    headers: HeaderMap,
    body: Body,
) -> Response {
    let deadline = tokio::time::Instant::now() + server.limits.timeout;
    let model = match server.models.get_legacy(&repo_id) {
        Ok(model) => model,
        Err(error) => return error.into_response(),
    };
    let result = async {
        let bytes = read_body(&server, &headers, body, deadline).await?;
        let request: LegacyRequest = parse_json(&bytes)?;
        match request.inputs {
            LegacyInputs::Columns(columns) => {
                let table = legacy::table(columns, &model, server.limits.rows)?;
                let rows = table.rows();
                let output = predict(&server, &model, deadline, move |model| {
                    evaluate_table(model, Method::Predict, table)
                })
                .await?;
                Ok::<_, Error>((legacy_list(output), rows))
            }
            LegacyInputs::Texts(texts) => {
                let table = legacy::texts(texts, &model, server.limits.rows)?;
                let rows = table.rows();
                let output = predict(&server, &model, deadline, move |model| {
                    evaluate_table(model, Method::PredictProba, table)
                })
                .await?;
                let scores = legacy::text_scores(output, model.predictor.classes())?;
                Ok((scores, rows))
            }
        }
    }
    .await;
    match result {
        Ok((value, rows)) => answer(&value, Some(&model), Some(rows)),
        Err(error) => failed(error, Some(&model)),
    }
}

/// `predict`'s labels as the legacy API answered them: a flat JSON list.
fn legacy_list(output: Output) -> Value {
    oip::values_json(output.values).1
}

/// Runs `work` on a blocking thread once a prediction slot (and, for an engine whose batches
/// run alone, the turn) is free, within the deadline.
///
/// Waiting happens here, in the request's future: a request whose client leaves is dropped
/// with it, so a batch nobody waits for any more never starts.
async fn predict<T: Send + 'static>(
    server: &Server,
    model: &Arc<ServedModel>,
    deadline: tokio::time::Instant,
    work: impl FnOnce(&Arc<ServedModel>) -> Result<T> + Send + 'static,
) -> Result<T> {
    let seconds = server.limits.timeout.as_secs();
    let timed_out = || Error::from(ServerError::Timeout { seconds });
    let closed = |_| ServerError::Internal {
        reason: "the prediction slots are closed".to_owned(),
    };
    // The turn first: batches queued for it hold no slot, so they never keep the models that
    // do not run alone waiting.
    let turn = if model.predictor.runs_alone() {
        let turn = timeout_at(deadline, Arc::clone(&server.alone).acquire_owned())
            .await
            .map_err(|_| timed_out())?
            .map_err(closed)?;
        // A batch that gets the turn with almost no time left would be answered 503 anyway,
        // and hold the turn while it runs: under overload every batch would then start late.
        if deadline.saturating_duration_since(tokio::time::Instant::now()) < MIN_TIME_LEFT_TO_START
        {
            return Err(timed_out());
        }
        Some(turn)
    } else {
        None
    };
    let slot = timeout_at(deadline, Arc::clone(&server.slots).acquire_owned())
        .await
        .map_err(|_| timed_out())?
        .map_err(closed)?;
    let model = Arc::clone(model);
    // A prediction that misses the deadline is answered 503 at once; its thread finishes the
    // batch in the background (native code cannot be interrupted), keeping its slot and turn
    // until then: the work left behind is bounded by the slots.
    let task = tokio::task::spawn_blocking(move || {
        let _held = (slot, turn);
        work(&model)
    });
    match timeout_at(deadline, task).await {
        Err(_) => Err(timed_out()),
        Ok(Err(join)) => Err(ServerError::Internal {
            reason: format!("the prediction task failed: {join}"),
        }
        .into()),
        Ok(Ok(result)) => result,
    }
}

/// Reads the body, refusing it past the size limit (at once when `Content-Length` says so)
/// or when it has not arrived by the deadline.
async fn read_body(
    server: &Server,
    headers: &HeaderMap,
    body: Body,
    deadline: tokio::time::Instant,
) -> Result<Vec<u8>> {
    let limit = server.limits.body_bytes;
    let too_large = || Error::from(RequestError::BodyTooLarge { limit });
    let declared = headers
        .get(header::CONTENT_LENGTH)
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.parse::<u64>().ok());
    if declared.is_some_and(|length| length > limit as u64) {
        return Err(too_large());
    }
    if let Some(encoding) = headers.get(header::CONTENT_ENCODING) {
        let encoding = String::from_utf8_lossy(encoding.as_bytes());
        if !encoding.trim().eq_ignore_ascii_case("identity") {
            let encoding: String = encoding.chars().take(64).collect();
            return Err(RequestError::UnsupportedEncoding { encoding }.into());
        }
    }
    let read = async {
        let mut stream = body.into_data_stream();
        let mut bytes = Vec::with_capacity(declared.map_or(0, |n| n as usize).min(limit));
        while let Some(chunk) = stream.next().await {
            let chunk = chunk.map_err(|error| RequestError::BadRequest {
                reason: format!("the request body could not be read: {error}"),
            })?;
            if bytes.len() + chunk.len() > limit {
                return Err(too_large());
            }
            bytes.extend_from_slice(&chunk);
        }
        Ok(bytes)
    };
    // A stopping server waits a little for bodies still arriving, not the whole timeout.
    let mut stopping = server.stopping.subscribe();
    let grace = server.limits.shutdown_body_grace;
    let cut_off = async move {
        if stopping.wait_for(|stopping| *stopping).await.is_ok() {
            tokio::time::sleep(grace).await;
        } else {
            std::future::pending::<()>().await;
        }
    };
    tokio::select! {
        read = timeout_at(deadline, read) => read.unwrap_or_else(|_| {
            Err(RequestError::BodyTimeout {
                seconds: server.limits.timeout.as_secs(),
            }
            .into())
        }),
        () = cut_off => Err(ServerError::ShuttingDown.into()),
    }
}

/// The body as `T`: a syntax error is `serve-bad-json`, JSON of another structure
/// `serve-bad-request`.
fn parse_json<T: serde::de::DeserializeOwned>(bytes: &[u8]) -> Result<T> {
    serde_json::from_slice(bytes).map_err(|error| match error.classify() {
        serde_json::error::Category::Data => RequestError::BadRequest {
            reason: error.to_string(),
        }
        .into(),
        _ => RequestError::BadJson {
            message: error.to_string(),
        }
        .into(),
    })
}

/// A random id for an answer whose request gave none (32 hex digits).
fn request_id() -> String {
    let mut bytes = [0u8; 16];
    if getrandom::fill(&mut bytes).is_err() {
        // No randomness: a time stamp still tells answers apart in logs.
        let nanos = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |since| since.as_nanos());
        return format!("{nanos:032x}");
    }
    bytes.iter().map(|byte| format!("{byte:02x}")).collect()
}
