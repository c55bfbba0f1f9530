//! The routes of `--serve-models`: `POST /api/models/{id}/infer[/{rev}]` (an Open Inference
//! Protocol v2 `infer` request to the model of a revision, answered by `skops-serve` as
//! `skops-rs serve` answers `POST /v2/models/{name}/infer`), and the widget's script and
//! style sheet at `/static/widget.{js,css}`.
//!
//! The `infer` route reads like the repository's pages and downloads: a private repository
//! needs a token that may read it (otherwise it does not exist: 404). Errors of the hub's own
//! (no such repository, revision or model, a model refused) are the hub's JSON answers; errors
//! of the request itself (bad JSON, wrong columns, too many rows, ...) are `skops-serve`'s
//! `{"error", "kind"}` answers with its statuses and kinds.

use axum::body::Body;
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};

use super::{Ctx, Hub, reply};
use crate::error::{NotFoundError, PageError, Result};
use crate::names::{MAIN_BRANCH, RepoId, RepoType};

/// A widget asset.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Asset {
    /// `/static/widget.js`.
    Js,
    /// `/static/widget.css`.
    Css,
}

/// `GET /static/widget.{js,css}`: `skops-serve`'s assets (404 without `--serve-models`).
pub fn asset(hub: &Hub, asset: Asset) -> Result<Response> {
    if hub.serving.is_none() {
        return Err(PageError::ServingOff.into());
    }
    let (text, content_type) = match asset {
        Asset::Js => (
            skops_serve::pages::WIDGET_JS,
            "text/javascript; charset=utf-8",
        ),
        Asset::Css => (skops_serve::pages::WIDGET_CSS, "text/css; charset=utf-8"),
    };
    Ok(skops_serve::pages::asset(text, content_type))
}

/// `POST /api/models/{id}/infer[/{rev}]`.
pub async fn infer(
    hub: &Hub,
    ctx: &Ctx,
    repo: &RepoId,
    revision: Option<&str>,
    body: Body,
) -> Result<Response> {
    let Some(serving) = &hub.serving else {
        return Err(PageError::ServingOff.into());
    };
    if repo.repo_type != RepoType::Model {
        return Err(NotFoundError::Route {
            path: format!("/api/{}/{repo}/infer", repo.repo_type.plural()),
        }
        .into());
    }
    hub.visible(repo, &ctx.access).await?;
    let commit = hub
        .repos
        .resolve(repo, revision.unwrap_or(MAIN_BRANCH))
        .await?;
    let model = serving
        .model(
            hub.repos.store(),
            repo,
            &commit,
            hub.limits.served_model_bytes,
        )
        .await?
        .ready()?;
    let mut response =
        match skops_serve::http::infer_request(&serving.server, &model, &ctx.headers, body).await {
            Ok(answer) => reply::json(200, &answer),
            Err(error) => error.into_response(),
        };
    // The answer depends on the token (private repositories): never from a shared cache.
    response.headers_mut().insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("private, no-store"),
    );
    Ok(response)
}
