//! Repository routes: whoami, create, delete, settings, info (with the card's metadata), refs,
//! and README validation.

use axum::body::Body;
use axum::response::Response;
use serde_json::{Value, json};

use super::reply::{bool_field, json as reply_json, read_json, set, text_field};
use super::{Ctx, Hub};
use crate::auth::{Access, Role, namespace_for};
use crate::card::{CardInfo, card_info, parse_metadata};
use crate::error::{AuthError, ConflictError, NotFoundError, RequestError, Result};
use crate::limits::MAX_CARD_BYTES;
use crate::names::{RepoId, RepoType};
use crate::objects::Commit;
use crate::time::iso8601;

/// `GET /api/whoami-v2`.
pub fn whoami(ctx: &Ctx) -> Result<Response> {
    let Access::Token(record) = &ctx.access else {
        return Err(AuthError::TokenRequired.into());
    };
    let role = match record.role {
        Role::Read => "read",
        Role::Write => "write",
    };
    Ok(reply_json(
        200,
        &json!({
            "type": "user",
            "name": record.name,
            "fullname": record.name,
            "email": null,
            "orgs": [],
            "auth": {"type": "access_token", "accessToken": {"displayName": record.name, "role": role}},
        }),
    ))
}

/// The repository a create or delete body names.
fn body_repo(ctx: &Ctx, body: &Value) -> Result<RepoId> {
    let repo_type = RepoType::from_singular(text_field(body, "type")?)?;
    let given = text_field(body, "name")?.ok_or_else(|| RequestError::BadJson {
        message: "`name` is missing".to_owned(),
    })?;
    // Older clients sent `name: "ns/name"` without `organization`.
    let (organization, name) = match (text_field(body, "organization")?, given.split_once('/')) {
        (Some(org), _) => (Some(org), given),
        (None, Some((org, name))) => (Some(org), name),
        (None, None) => (None, given),
    };
    let namespace = namespace_for(&ctx.access, organization)?;
    Ok(RepoId::new(repo_type, &namespace, name)?)
}

/// The private flag a create or settings body asks for (`visibility` since client 1.8,
/// `private` before).
fn private_flag(body: &Value) -> Result<Option<bool>> {
    match text_field(body, "visibility")? {
        Some("private") => Ok(Some(true)),
        Some("public") => Ok(Some(false)),
        Some(other) => Err(RequestError::BadJson {
            message: format!("`visibility` must be public or private, not `{other}`"),
        }
        .into()),
        None => bool_field(body, "private"),
    }
}

/// `POST /api/repos/create`.
pub async fn create(hub: &Hub, ctx: &Ctx, body: Body) -> Result<Response> {
    let author = ctx.access.writer()?.name.clone();
    let body = read_json(body, hub.limits.json_body_bytes).await?;
    let repo = body_repo(ctx, &body)?;
    let private = private_flag(&body)?.unwrap_or(false);
    let url = repo.url(&ctx.base);
    if !hub.repos.create(&repo, private, &author).await? {
        return Err(ConflictError::RepoExists {
            repo_type: repo.repo_type.singular(),
            url,
        }
        .into());
    }
    Ok(reply_json(
        200,
        &json!({"url": url, "name": repo.to_string(), "id": repo.to_string()}),
    ))
}

/// `DELETE /api/repos/delete`.
pub async fn delete(hub: &Hub, ctx: &Ctx, body: Body) -> Result<Response> {
    ctx.access.writer()?;
    let body = read_json(body, hub.limits.json_body_bytes).await?;
    let repo = body_repo(ctx, &body)?;
    hub.visible(&repo, &ctx.access).await?;
    if !hub.repos.delete(&repo).await? {
        return Err(NotFoundError::Repo {
            repo: repo.to_string(),
        }
        .into());
    }
    Ok(reply_json(200, &json!({})))
}

/// `PUT /api/{type}s/{id}/settings`.
pub async fn settings(hub: &Hub, ctx: &Ctx, repo: &RepoId, body: Body) -> Result<Response> {
    ctx.access.writer()?;
    hub.visible(repo, &ctx.access).await?;
    let body = read_json(body, hub.limits.json_body_bytes).await?;
    if let Some(private) = private_flag(&body)? {
        hub.repos.set_private(repo, private).await?;
    }
    Ok(reply_json(200, &json!({})))
}

/// The card fields of a commit's `README.md` (none if it has none, or one too large).
pub async fn commit_card(hub: &Hub, commit: &Commit) -> CardInfo {
    let Some(readme) = commit.tree.get("README.md") else {
        return CardInfo::default();
    };
    crate::pages::read_text(hub.repos.store(), readme, MAX_CARD_BYTES)
        .await
        .map_or_else(CardInfo::default, |text| card_info(&text))
}

/// `GET /api/{type}s/{id}[/revision/{rev}]`.
pub async fn info(hub: &Hub, ctx: &Ctx, repo: &RepoId, revision: Option<&str>) -> Result<Response> {
    let meta = hub.visible(repo, &ctx.access).await?;
    let commit = hub
        .repos
        .resolve(repo, revision.unwrap_or(crate::names::MAIN_BRANCH))
        .await?;
    let blobs = super::reply::query_bool(&ctx.query, "blobs")?;
    let siblings: Vec<Value> = commit
        .tree
        .iter()
        .map(|(path, entry)| {
            if blobs {
                json!({"rfilename": path, "size": entry.size, "blobId": entry.oid})
            } else {
                json!({"rfilename": path})
            }
        })
        .collect();
    let card = commit_card(hub, &commit).await;
    let id = repo.to_string();
    let mut out = json!({
        "_id": id,
        "id": id,
        "author": repo.namespace,
        "sha": commit.id,
        "lastModified": iso8601(commit.date_ms),
        "createdAt": iso8601(meta.created_ms),
        "private": meta.private,
        "gated": false,
        "disabled": false,
        "tags": card.tags,
        "siblings": siblings,
        "downloads": 0,
        "likes": 0,
        "xetEnabled": false,
    });
    if repo.repo_type == RepoType::Model {
        set(&mut out, "modelId", Value::String(id));
    }
    for (key, value) in [
        ("pipeline_tag", card.pipeline_tag.map(Value::String)),
        ("library_name", card.library_name.map(Value::String)),
        ("cardData", card.card_data),
    ] {
        if let Some(value) = value {
            set(&mut out, key, value);
        }
    }
    Ok(reply_json(200, &out))
}

/// `GET /api/{type}s/{id}/refs`.
pub async fn refs(hub: &Hub, ctx: &Ctx, repo: &RepoId) -> Result<Response> {
    hub.visible(repo, &ctx.access).await?;
    let head = hub.repos.head(repo).await?;
    Ok(reply_json(
        200,
        &json!({
            "branches": [{"name": "main", "ref": "refs/heads/main", "targetCommit": head.commit.id}],
            "tags": [],
            "converts": [],
        }),
    ))
}

/// `POST /api/validate-yaml`: the README's metadata must parse (a 400 lists the problem as
/// the client expects it).
pub async fn validate_yaml(hub: &Hub, body: Body) -> Result<Response> {
    let body = read_json(body, hub.limits.json_body_bytes).await?;
    let content = text_field(&body, "content")?.unwrap_or_default();
    match parse_metadata(content) {
        Ok(_) => Ok(reply_json(200, &json!({"errors": [], "warnings": []}))),
        Err(message) => {
            let error = RequestError::BadMetadata {
                message: message.clone(),
            };
            Ok(reply_json(
                400,
                &json!({
                    "errors": [{"message": message}],
                    "warnings": [],
                    "error": error.to_string(),
                    "kind": error.kind(),
                }),
            ))
        }
    }
}
