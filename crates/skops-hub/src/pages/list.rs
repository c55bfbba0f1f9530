//! `GET /`: the model repositories the caller may see (public ones; private ones too for a
//! token that may read them), each linked to its page, with its last commit.

use axum::response::Response;
use maud::html;

use super::html::{layout, respond};
use crate::error::Result;
use crate::http::{Ctx, Hub};
use crate::limits::MAX_LISTED_ENTRIES;
use crate::names::RepoType;
use crate::time::iso8601;

/// `GET /`.
pub async fn page(hub: &Hub, ctx: &Ctx) -> Result<Response> {
    let visible: Vec<_> = hub
        .repos
        .list_with_meta(RepoType::Model)
        .await?
        .into_iter()
        .filter(|(_, meta)| ctx.access.can_read(meta))
        .collect();
    let mut rows = Vec::new();
    for (repo, meta) in visible.iter().take(MAX_LISTED_ENTRIES) {
        let head = hub.repos.head(repo).await?;
        rows.push((repo, meta, head.commit));
    }
    let body = html! {
        h1 { "Models" }
        @if rows.is_empty() {
            p.dim { "No repositories yet: push one with "
                code { "skops_rs.hub_utils.push" } " or "
                code { "huggingface_hub" } "." }
        } @else {
            table #repos {
                thead { tr { th { "Repository" } th { "Last commit" } th { "Updated" } th { "Files" } } }
                tbody {
                    @for (repo, meta, commit) in &rows {
                        tr {
                            td {
                                a href={ "/" (repo) } { (repo) }
                                @if meta.private { " " span.badge.private { "private" } }
                            }
                            td { (commit.title) }
                            td.num { (iso8601(commit.date_ms)) }
                            td.num { (commit.tree.len()) }
                        }
                    }
                }
            }
            @if visible.len() > rows.len() {
                p.dim { (visible.len() - rows.len()) " more repositories not listed here" }
            }
        }
    };
    Ok(respond(200, layout("Models", &ctx.access, body)))
}
