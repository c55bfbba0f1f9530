//! `skops-rs hub serve` and `skops-rs hub token add`: the hub server of `skops-hub`, on a
//! local folder, until SIGTERM or Ctrl-C.

use std::io::Write;
use std::sync::Arc;

use skops_hub::store::{self, Backend};
use skops_hub::{Hub, Limits};

use super::Outcome;
use crate::EXIT_OK;
use crate::args::{HubCommand, HubServeArgs, HubStoreArgs, HubTokenCommand};
use crate::error::CliError;

/// Runs a `hub` subcommand.
pub fn run(command: &HubCommand) -> Result<Outcome, CliError> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|source| CliError::Serve {
            addr: String::new(),
            source,
        })?;
    match command {
        HubCommand::Serve(args) => runtime.block_on(serve(args)),
        HubCommand::Token(HubTokenCommand::Add(args)) => runtime.block_on(async {
            let store = open(&args.store)?;
            let token = skops_hub::auth::add(store.as_ref(), &args.name, args.write)
                .await
                .map_err(|source| CliError::Hub { source })?;
            Ok(Outcome {
                stdout: format!("{token}\n"),
                code: EXIT_OK,
            })
        }),
    }
}

fn open(args: &HubStoreArgs) -> Result<Box<dyn Backend>, CliError> {
    let location = match &args.store {
        Some(url) => url.clone(),
        None => args.data.display().to_string(),
    };
    store::open(&location).map_err(|error| CliError::Hub {
        source: error.into(),
    })
}

async fn serve(args: &HubServeArgs) -> Result<Outcome, CliError> {
    let store = open(&args.store)?;
    let location = store.location();
    let failed = |source| CliError::Serve {
        addr: args.addr.clone(),
        source,
    };
    let listener = tokio::net::TcpListener::bind(&args.addr)
        .await
        .map_err(failed)?;
    let addr = listener.local_addr().map_err(failed)?;
    let shutdown = shutdown_signal();
    // Printed before serving, and flushed: scripts and tests read the URL from it.
    let mut stdout = std::io::stdout().lock();
    let _ = writeln!(stdout, "skops-rs hub: serving {location} at http://{addr}");
    let _ = stdout.flush();
    drop(stdout);
    let mut hub = Hub::new(store, Limits::default()).with_access_log();
    if args.serve_models {
        hub = hub
            .with_serving()
            .map_err(|source| CliError::ServeModels { source })?;
    }
    let hub = Arc::new(hub);
    skops_hub::serve(listener, hub, shutdown)
        .await
        .map_err(failed)?;
    Ok(Outcome {
        stdout: "skops-rs hub: stopped\n".to_owned(),
        code: EXIT_OK,
    })
}

/// A future that completes on Ctrl-C or (on Unix) SIGTERM.
///
/// The handlers are registered when this is called, not when the future is first polled: the
/// servers print their URL and then poll the future from a task of their own, and a client that
/// read the URL could otherwise stop the server before that task ran, killing it by the signal's
/// default action (exit -15 under load) instead of shutting it down. Call it before printing.
pub(crate) fn shutdown_signal() -> impl Future<Output = ()> + Send + 'static {
    #[cfg(unix)]
    let terminate = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()).ok();
    #[cfg(unix)]
    let interrupt = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::interrupt()).ok();
    async move {
        #[cfg(unix)]
        {
            let wait = |signal: Option<tokio::signal::unix::Signal>| async move {
                match signal {
                    Some(mut signal) => {
                        signal.recv().await;
                    }
                    None => std::future::pending::<()>().await,
                }
            };
            tokio::select! {
                () = wait(interrupt) => {}
                () = wait(terminate) => {}
            }
        }
        #[cfg(not(unix))]
        {
            let _ = tokio::signal::ctrl_c().await;
        }
    }
}
