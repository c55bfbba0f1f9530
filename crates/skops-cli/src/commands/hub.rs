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
    skops_hub::serve(listener, hub, shutdown_signal())
        .await
        .map_err(failed)?;
    Ok(Outcome {
        stdout: "skops-rs hub: stopped\n".to_owned(),
        code: EXIT_OK,
    })
}

/// Completes on Ctrl-C or (on Unix) SIGTERM.
pub(crate) async fn shutdown_signal() {
    let interrupt = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = interrupt => {}
        () = terminate => {}
    }
}
