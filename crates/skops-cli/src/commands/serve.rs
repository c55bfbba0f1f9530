//! `skops-rs serve MODEL...`: loads and audits the models (`skops-serve`), then serves them on
//! `--host`:`--port` (default `$PORT`, else 8080) until SIGTERM or Ctrl-C, finishing the
//! requests in flight.

use std::io::Write;
use std::sync::Arc;
use std::time::Duration;

use skops_serve::error::ServerError;
use skops_serve::load::{model_dir_spec, storage_uri_spec};
use skops_serve::policy::Policies;
use skops_serve::{Limits, ModelSpec, Models, Server};

use super::Outcome;
use super::hub::shutdown_signal;
use crate::EXIT_OK;
use crate::args::ServeArgs;
use crate::error::CliError;

/// The port when neither `--port` nor `$PORT` gives one (KServe's and Knative's).
pub const DEFAULT_PORT: u16 = 8080;

/// Runs `serve`; the models the native engine does not evaluate go to `fallback` when there
/// is one (`python -m skops_rs serve`), else are refused.
pub fn run(
    args: &ServeArgs,
    fallback: Option<&dyn skops_serve::Fallback>,
) -> Result<Outcome, CliError> {
    let fail = |source: skops_serve::Error| CliError::ServeModels { source };
    // Policies first: a bad policy file fails before anything is downloaded.
    let policies = Policies::read(&args.policy).map_err(fail)?;
    let mut specs: Vec<ModelSpec> = args.models.iter().map(ModelSpec::path).collect();
    for named in &args.named {
        specs.push(ModelSpec::named(named).map_err(fail)?);
    }
    let kserve_name = args.kserve_name.as_deref();
    if let Some(dir) = &args.model_dir {
        specs.push(model_dir_spec(dir, kserve_name).map_err(fail)?);
    } else if specs.is_empty() {
        // KServe's custom containers name their artifact in `STORAGE_URI`: a local one or a
        // hub repository is read here (other remote storage is the storage initializer's job).
        if let Some(uri) = std::env::var_os("STORAGE_URI").filter(|uri| !uri.is_empty()) {
            let uri = uri.to_string_lossy();
            specs.push(storage_uri_spec(&uri, kserve_name).map_err(fail)?);
        }
    } else if let Some(name) = kserve_name {
        // `--model_name` with one MODEL names it, as KServe's runtimes do.
        match specs.as_mut_slice() {
            [spec] if spec.name.is_none() => {
                *spec = spec.clone().renamed(name).map_err(fail)?;
            }
            _ => {
                return Err(fail(
                    skops_serve::error::LoadError::BadSpec {
                        given: format!("--model_name={name}"),
                        reason: "`--model_name` names the model of `--model_dir` (or a single MODEL): name several with `--model-name NAME=PATH`",
                    }
                    .into(),
                ));
            }
        }
    }
    // Arguments that are not local paths but `owner/name[@revision]` are downloaded now.
    let specs = specs
        .into_iter()
        .map(skops_serve::source::resolve)
        .collect::<Result<Vec<_>, _>>()
        .map_err(fail)?;
    let models = Models::load_with(&specs, &policies, fallback).map_err(fail)?;
    let limits = Limits {
        body_bytes: args.max_body_bytes,
        rows: args.max_rows,
        timeout: Duration::from_secs(args.timeout.max(1)),
        header_timeout: Duration::from_secs(args.header_timeout.max(1)),
        ..Limits::default()
    };
    let mut server = Server::new(models, limits).map_err(fail)?;
    if !args.quiet {
        server = server.with_access_log();
    }
    let port = match args.port {
        Some(port) => port,
        None => match std::env::var("PORT") {
            Ok(text) => text.trim().parse().map_err(|_| {
                fail(
                    ServerError::Bind {
                        addr: format!("{}:{text}", args.host),
                        source: std::io::Error::new(
                            std::io::ErrorKind::InvalidInput,
                            "$PORT is not a port number",
                        ),
                    }
                    .into(),
                )
            })?,
            Err(_) => DEFAULT_PORT,
        },
    };
    let addr = if args.host.contains(':') {
        format!("[{}]:{port}", args.host)
    } else {
        format!("{}:{port}", args.host)
    };
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|source| {
            fail(
                ServerError::Bind {
                    addr: addr.clone(),
                    source,
                }
                .into(),
            )
        })?;
    runtime.block_on(async {
        let bind_failed = |source| {
            fail(
                ServerError::Bind {
                    addr: addr.clone(),
                    source,
                }
                .into(),
            )
        };
        let listener = tokio::net::TcpListener::bind(&addr)
            .await
            .map_err(bind_failed)?;
        let local = listener.local_addr().map_err(bind_failed)?;
        let shutdown = shutdown_signal();
        let names: Vec<&str> = server
            .models
            .iter()
            .map(|model| model.name.as_str())
            .collect();
        // Printed before serving, and flushed: scripts and tests read the URL from it.
        let mut stdout = std::io::stdout().lock();
        let _ = writeln!(
            stdout,
            "skops-rs serve: serving {} at http://{local} ({})",
            match names.len() {
                1 => "1 model".to_owned(),
                count => format!("{count} models"),
            },
            names.join(", ")
        );
        let _ = stdout.flush();
        drop(stdout);
        skops_serve::serve(listener, Arc::new(server), shutdown)
            .await
            .map_err(bind_failed)
    })?;
    Ok(Outcome {
        stdout: "skops-rs serve: stopped\n".to_owned(),
        code: EXIT_OK,
    })
}
