//! The HTTP face of the hub: one axum service, whose routes (parsed in [`route`]) answer the
//! Hugging Face Hub API subset the official clients use, and the model pages of
//! [`crate::pages`] (whose errors are HTML pages with the same status and `X-Error-Code`).

pub mod commit;
pub mod files;
pub mod infer;
pub mod reply;
pub mod repos;
pub mod route;

use std::future::Future;
use std::panic::AssertUnwindSafe;
use std::sync::Arc;

use axum::Router;
use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{HeaderMap, Method, header};
use axum::middleware::Next;
use axum::response::Response;
use futures_util::FutureExt;

use crate::auth::{Access, authenticate};
use crate::error::{Error, NotFoundError, RequestError, Result};
use crate::limits::Limits;
use crate::names::RepoId;
use crate::objects::RepoMeta;
use crate::pages;
use crate::pages::audit::Audits;
use crate::repo::Repos;
use crate::serving::Serving;
use crate::store::Backend;
use route::Route;

/// What every request handler shares: the repositories and the limits.
pub struct Hub {
    /// The repositories.
    pub repos: Repos,
    /// The limits requests are held to.
    pub limits: Limits,
    /// Whether each request is logged to standard error (`GET /path -> 200`).
    pub access_log: bool,
    /// The audits model pages show, cached by blob, and the slots they run in.
    pub audits: Audits,
    /// The models served on their pages (`--serve-models`), if serving is on.
    pub serving: Option<Serving>,
}

impl Hub {
    /// A hub on `store` with `limits`.
    pub fn new(store: Box<dyn Backend>, limits: Limits) -> Self {
        Self {
            repos: Repos::new(store),
            limits,
            access_log: false,
            audits: Audits::new(),
            serving: None,
        }
    }

    /// The same hub, serving each repository's model on its page (the widget) and at
    /// `POST /api/models/{id}/infer[/{rev}]`.
    pub fn with_serving(mut self) -> std::result::Result<Self, skops_serve::Error> {
        self.serving = Some(Serving::new()?);
        Ok(self)
    }

    /// The same hub, logging each request to standard error.
    pub fn with_access_log(mut self) -> Self {
        self.access_log = true;
        self
    }

    /// The metadata of `repo` if `access` may see it; a repository it may not see does not
    /// exist (the Hub's answer for private repositories).
    pub async fn visible(&self, repo: &RepoId, access: &Access) -> Result<RepoMeta> {
        match self.repos.meta(repo).await? {
            Some(meta) if access.can_read(&meta) => Ok(meta),
            _ => Err(NotFoundError::Repo {
                repo: repo.to_string(),
            }
            .into()),
        }
    }
}

/// What a handler knows of its request besides the route.
pub struct Ctx {
    /// Who is asking.
    pub access: Access,
    /// The URL the hub is reached at.
    pub base: String,
    /// The query string's pairs, decoded.
    pub query: Vec<(String, String)>,
    /// The request's headers.
    pub headers: HeaderMap,
    /// The method.
    pub method: Method,
}

/// The service: every request goes through [`dispatch`]; a panic becomes a 500 instead of a
/// dropped connection (a last resort: handlers do not panic on any input).
pub fn router(hub: Arc<Hub>) -> Router {
    Router::new()
        .fallback(dispatch)
        .with_state(hub)
        .layer(axum::middleware::from_fn(catch_panic))
}

/// Serves `hub` on `listener` until `shutdown` completes, then finishes the requests in flight.
pub async fn serve(
    listener: tokio::net::TcpListener,
    hub: Arc<Hub>,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    axum::serve(listener, router(hub))
        .with_graceful_shutdown(shutdown)
        .await
}

async fn catch_panic(request: Request, next: Next) -> Response {
    match AssertUnwindSafe(next.run(request)).catch_unwind().await {
        Ok(response) => response,
        Err(_) => reply::json(
            500,
            &serde_json::json!({"error": "internal error", "kind": "internal"}),
        ),
    }
}

async fn dispatch(State(hub): State<Arc<Hub>>, request: Request) -> Response {
    let (parts, body) = request.into_parts();
    let log_line = hub
        .access_log
        .then(|| format!("{} {}", parts.method, parts.uri.path().escape_debug()));
    let page = route::is_page_path(parts.uri.path());
    let route = route::parse(parts.uri.path(), &hub.limits);
    let result = match route {
        Ok(route) => {
            let query = form_urlencoded::parse(parts.uri.query().unwrap_or("").as_bytes())
                .into_owned()
                .collect();
            let auth = parts
                .headers
                .get(header::AUTHORIZATION)
                .map(|value| value.to_str().unwrap_or("?"));
            match authenticate(hub.repos.store(), auth).await {
                Ok(access) => {
                    let ctx = Ctx {
                        access,
                        base: reply::base_url(&parts.headers),
                        query,
                        headers: parts.headers,
                        method: parts.method,
                    };
                    handle(&hub, route, ctx, body).await
                }
                Err(error) => Err(error),
            }
        }
        Err(error) => Err(error),
    };
    let response = result.unwrap_or_else(|error| {
        if page {
            pages::html::error_page(&error)
        } else {
            reply::error(&error)
        }
    });
    if let Some(line) = log_line {
        use std::io::Write;
        let line = format!("{line} -> {}\n", response.status().as_u16());
        let _ = std::io::stderr().lock().write_all(line.as_bytes());
    }
    response
}

async fn handle(hub: &Hub, route: Route, ctx: Ctx, body: Body) -> Result<Response> {
    let method = ctx.method.clone();
    let wrong_method = || {
        Err(Error::from(RequestError::MethodNotAllowed {
            method: method.to_string(),
        }))
    };
    match (route, &method) {
        (Route::Whoami, &Method::GET) => repos::whoami(&ctx),
        (Route::CreateRepo, &Method::POST) => repos::create(hub, &ctx, body).await,
        (Route::DeleteRepo, &Method::DELETE) => repos::delete(hub, &ctx, body).await,
        (Route::ValidateYaml, &Method::POST) => repos::validate_yaml(hub, body).await,
        (Route::Settings(repo), &Method::PUT) => repos::settings(hub, &ctx, &repo, body).await,
        (Route::Info(repo, revision), &Method::GET) => {
            repos::info(hub, &ctx, &repo, revision.as_deref()).await
        }
        (Route::Refs(repo), &Method::GET) => repos::refs(hub, &ctx, &repo).await,
        (Route::Tree(repo, revision, path), &Method::GET) => {
            files::tree(hub, &ctx, &repo, &revision, &path).await
        }
        (Route::Resolve(repo, revision, path), &Method::GET | &Method::HEAD) => {
            files::resolve(hub, &ctx, &repo, &revision, &path).await
        }
        (Route::Preupload(repo, revision), &Method::POST) => {
            files::preupload(hub, &ctx, &repo, &revision, body).await
        }
        (Route::Commit(repo, revision), &Method::POST) => {
            commit::commit(hub, &ctx, &repo, &revision, body).await
        }
        (Route::Commits(repo, revision), &Method::GET) => {
            commit::history(hub, &ctx, &repo, &revision).await
        }
        (Route::Infer(repo, revision), &Method::POST) => {
            infer::infer(hub, &ctx, &repo, revision.as_deref(), body).await
        }
        (Route::WidgetJs, &Method::GET | &Method::HEAD) => infer::asset(hub, infer::Asset::Js),
        (Route::WidgetCss, &Method::GET | &Method::HEAD) => infer::asset(hub, infer::Asset::Css),
        (Route::PageList, &Method::GET | &Method::HEAD) => pages::list::page(hub, &ctx).await,
        (Route::PageRepo(repo, revision), &Method::GET | &Method::HEAD) => {
            pages::repo::page(hub, &ctx, &repo, revision.as_deref()).await
        }
        _ => wrong_method(),
    }
}
