//! Commit routes: the NDJSON commit (streamed: the body is parsed and decoded on a blocking
//! thread as it arrives, through a bounded channel) and the commit history.

use axum::body::Body;
use axum::http::header;
use axum::response::Response;
use bytes::Bytes;
use futures_util::StreamExt;
use serde_json::{Value, json};

use super::reply::{header_text, json as reply_json, query_number};
use super::{Ctx, Hub};
use crate::error::{Error, RequestError, Result, StoreError};
use crate::names::RepoId;
use crate::ndjson::{CommitParser, ParsedCommit};
use crate::time::iso8601;

/// Pieces of body in flight between the connection and the parser: memory stays bounded
/// whatever the body's size.
const PIECES_IN_FLIGHT: usize = 8;

/// What the connection hands the parser.
enum Piece {
    Bytes(Bytes),
    /// The body ended normally (a channel closed without this means the client went away).
    End,
}

/// Streams `body` through the NDJSON parser; the parser's staging files are removed if
/// anything fails.
async fn parse_body(hub: &Hub, body: Body) -> Result<ParsedCommit> {
    let (sender, mut receiver) = tokio::sync::mpsc::channel::<Piece>(PIECES_IN_FLIGHT);
    let staging = hub.repos.store().staging_dir().to_path_buf();
    let limits = hub.limits;
    let parser = tokio::task::spawn_blocking(move || {
        let mut parser = CommitParser::new(&staging, limits);
        loop {
            match receiver.blocking_recv() {
                Some(Piece::Bytes(bytes)) => parser.feed(&bytes)?,
                Some(Piece::End) => return parser.finish(),
                None => {
                    return Err(Error::from(RequestError::Interrupted {
                        message: "the body stopped".to_owned(),
                    }));
                }
            }
        }
    });
    let limit = hub.limits.commit_body_bytes;
    let mut stream = body.into_data_stream();
    let mut total = 0u64;
    let transfer: Result<()> = loop {
        match stream.next().await {
            Some(Ok(bytes)) => {
                total += bytes.len() as u64;
                if total > limit {
                    break Err(RequestError::BodyTooLarge { limit }.into());
                }
                if sender.send(Piece::Bytes(bytes)).await.is_err() {
                    // The parser stopped on an error; it says which.
                    break Ok(());
                }
            }
            Some(Err(error)) => {
                break Err(RequestError::Interrupted {
                    message: error.to_string(),
                }
                .into());
            }
            None => {
                let _ = sender.send(Piece::End).await;
                break Ok(());
            }
        }
    };
    drop(sender);
    let parsed = parser.await.map_err(|error| {
        Error::from(StoreError::io(
            "commit parser",
            std::io::Error::other(error.to_string()),
        ))
    })?;
    transfer?;
    parsed
}

/// `POST /api/{type}s/{id}/commit/{rev}`.
pub async fn commit(
    hub: &Hub,
    ctx: &Ctx,
    repo: &RepoId,
    revision: &str,
    body: Body,
) -> Result<Response> {
    let author = ctx.access.writer()?.name.clone();
    hub.visible(repo, &ctx.access).await?;
    if super::reply::query_bool(&ctx.query, "create_pr")? {
        return Err(RequestError::Unsupported {
            what: "pull requests (`create_pr`)".to_owned(),
        }
        .into());
    }
    let content_type = ctx
        .headers
        .get(header::CONTENT_TYPE)
        .and_then(|value| value.to_str().ok())
        .unwrap_or("");
    if content_type.starts_with("application/json") {
        return Err(RequestError::Unsupported {
            what: "single-JSON commits of clients before 0.11 (send NDJSON)".to_owned(),
        }
        .into());
    }
    let parsed = parse_body(hub, body).await?;
    let commit = hub
        .repos
        .apply(repo, revision, parsed.header, parsed.ops, &author)
        .await?;
    let url = format!("{}/commit/{}", repo.url(&ctx.base), commit.id);
    Ok(reply_json(
        200,
        &json!({
            "success": true,
            "commitOid": commit.id,
            "commitUrl": url,
            "hookOutput": "",
        }),
    ))
}

/// `GET /api/{type}s/{id}/commits/{rev}`: newest first, paginated with `Link` (`p` is the
/// page number, as on the Hub).
pub async fn history(hub: &Hub, ctx: &Ctx, repo: &RepoId, revision: &str) -> Result<Response> {
    hub.visible(repo, &ctx.access).await?;
    let start = hub.repos.resolve(repo, revision).await?;
    let page = query_number(&ctx.query, "p")?.unwrap_or(0);
    let size = hub.limits.page_size.max(1);
    let (commits, more) = hub
        .repos
        .history(repo, start.clone(), page.saturating_mul(size), size)
        .await?;
    let items: Vec<Value> = commits
        .iter()
        .map(|commit| {
            json!({
                "id": commit.id,
                "title": commit.title,
                "message": commit.message,
                "authors": [{"user": commit.author}],
                "date": iso8601(commit.date_ms),
                "parents": commit.parent.iter().collect::<Vec<_>>(),
            })
        })
        .collect();
    let mut response = reply_json(200, &Value::Array(items));
    if more {
        let link = format!(
            "<{}/api/{}/{repo}/commits/{}?p={}>; rel=\"next\"",
            ctx.base,
            repo.repo_type.plural(),
            start.id,
            page.saturating_add(1)
        );
        response
            .headers_mut()
            .insert(header::LINK, header_text(&link));
    }
    Ok(response)
}
