//! The server's Prometheus metrics (`GET /metrics`, text format): requests by route, model and
//! status, their latency, errors by kind, and rows predicted by model.
//!
//! Labels take only bounded values: the route's template (never the raw path), a served
//! model's name (never a name a request made up), a status code, an error kind.

use crate::error::{Result, ServerError};
use prometheus::{
    Encoder, HistogramOpts, HistogramVec, IntCounterVec, IntGauge, Opts, Registry, TextEncoder,
};

/// Latency buckets, in seconds: a native prediction of one row takes microseconds, a large
/// batch seconds.
const BUCKETS: &[f64] = &[
    0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0,
];

/// The metrics of one server.
#[derive(Debug, Clone)]
pub struct Metrics {
    registry: Registry,
    requests: IntCounterVec,
    latency: HistogramVec,
    errors: IntCounterVec,
    rows: IntCounterVec,
    /// Kept with the others (the registry holds it too).
    _models: IntGauge,
}

impl Metrics {
    /// New metrics, all zero, for a server of `models` models (an error only if the metric
    /// definitions, all constants, were invalid).
    pub fn new(models: usize) -> Result<Self> {
        let registry = Registry::new();
        // The names, help texts and buckets are constants: building them cannot fail.
        let requests = IntCounterVec::new(
            Opts::new("skops_serve_requests_total", "HTTP requests answered"),
            &["route", "model", "status"],
        )
        .map_err(internal)?;
        let latency = HistogramVec::new(
            HistogramOpts::new(
                "skops_serve_request_duration_seconds",
                "Time from a request's arrival to its answer",
            )
            .buckets(BUCKETS.to_vec()),
            &["route", "model"],
        )
        .map_err(internal)?;
        let errors = IntCounterVec::new(
            Opts::new("skops_serve_errors_total", "Error answers, by error kind"),
            &["kind"],
        )
        .map_err(internal)?;
        let rows = IntCounterVec::new(
            Opts::new("skops_serve_rows_total", "Rows predicted"),
            &["model"],
        )
        .map_err(internal)?;
        let models_gauge =
            IntGauge::new("skops_serve_models", "Models served").map_err(internal)?;
        models_gauge.set(i64::try_from(models).unwrap_or(i64::MAX));
        for collector in [
            Box::new(requests.clone()) as Box<dyn prometheus::core::Collector>,
            Box::new(latency.clone()),
            Box::new(errors.clone()),
            Box::new(rows.clone()),
            Box::new(models_gauge.clone()),
        ] {
            registry.register(collector).map_err(internal)?;
        }
        Ok(Self {
            registry,
            requests,
            latency,
            errors,
            rows,
            _models: models_gauge,
        })
    }

    /// Records one answered request.
    pub fn observe(
        &self,
        route: &str,
        model: &str,
        status: u16,
        seconds: f64,
        kind: Option<&str>,
        rows: Option<usize>,
    ) {
        self.requests
            .with_label_values(&[route, model, &status.to_string()])
            .inc();
        self.latency
            .with_label_values(&[route, model])
            .observe(seconds);
        if let Some(kind) = kind {
            self.errors.with_label_values(&[kind]).inc();
        }
        if let Some(rows) = rows {
            self.rows
                .with_label_values(&[model])
                .inc_by(u64::try_from(rows).unwrap_or(u64::MAX));
        }
    }

    /// The metrics in Prometheus' text format.
    pub fn render(&self) -> String {
        let mut out = Vec::new();
        // Encoding into a Vec only fails on a malformed metric family, which these are not.
        let _ = TextEncoder::new().encode(&self.registry.gather(), &mut out);
        String::from_utf8(out).unwrap_or_default()
    }
}

fn internal(error: prometheus::Error) -> crate::Error {
    ServerError::Internal {
        reason: format!("metrics: {error}"),
    }
    .into()
}
