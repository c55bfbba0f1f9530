//! File routes: tree listings (recursive, paginated with `Link`), downloads (`HEAD`/`GET`
//! resolve with `ETag`, `X-Repo-Commit`, exact `Content-Length`, `Range`), and preupload.

use std::collections::BTreeSet;

use axum::body::Body;
use axum::http::{HeaderValue, Method, StatusCode, header};
use axum::response::Response;
use serde_json::{Value, json};

use super::reply::{
    error as error_reply, header_text, json as reply_json, query_bool, query_number, read_json,
    set, text_field,
};
use super::{Ctx, Hub};
use crate::error::{Error, NotFoundError, RequestError, Result};
use crate::names::{RepoId, check_path};
use crate::objects::{Commit, folder_id};

/// One entry of a tree listing.
fn tree_entries(commit: &Commit, folder: &str, recursive: bool) -> Vec<Value> {
    let prefix = if folder.is_empty() {
        String::new()
    } else {
        format!("{folder}/")
    };
    let mut folders_seen = BTreeSet::new();
    let mut out = Vec::new();
    let under = commit
        .tree
        .range(prefix.clone()..)
        .take_while(|(path, _)| path.starts_with(&prefix));
    for (path, entry) in under {
        let rest = path.get(prefix.len()..).unwrap_or_default();
        // The folders between the listed one and the file (only the first when not recursive).
        let mut at = 0;
        while let Some(slash) = rest.get(at..).and_then(|r| r.find('/')) {
            let sub = format!("{prefix}{}", rest.get(..at + slash).unwrap_or_default());
            if folders_seen.insert(sub.clone()) {
                let inside = format!("{sub}/");
                let oid = folder_id(
                    commit
                        .tree
                        .range(inside.clone()..)
                        .take_while(|(p, _)| p.starts_with(&inside)),
                );
                out.push(json!({"type": "directory", "oid": oid, "size": 0, "path": sub}));
            }
            if !recursive {
                break;
            }
            at += slash + 1;
        }
        if recursive || !rest.contains('/') {
            out.push(json!({"type": "file", "oid": entry.oid, "size": entry.size, "path": path}));
        }
    }
    out
}

/// `GET /api/{type}s/{id}/tree/{rev}[/{path}]`.
pub async fn tree(
    hub: &Hub,
    ctx: &Ctx,
    repo: &RepoId,
    revision: &str,
    folder: &str,
) -> Result<Response> {
    hub.visible(repo, &ctx.access).await?;
    let commit = hub.repos.resolve(repo, revision).await?;
    let recursive = query_bool(&ctx.query, "recursive")?;
    let entries = tree_entries(&commit, folder, recursive);
    if entries.is_empty() && !folder.is_empty() {
        return Err(NotFoundError::Entry {
            path: folder.to_owned(),
        }
        .into());
    }
    let start = query_number(&ctx.query, "cursor")?.unwrap_or(0);
    let page_size = hub.limits.page_size.max(1);
    let page: Vec<Value> = entries
        .iter()
        .skip(start)
        .take(page_size)
        .cloned()
        .collect();
    let mut response = reply_json(200, &Value::Array(page));
    let next = start.saturating_add(page_size);
    if next < entries.len() {
        // The next page lists the same commit even if the branch moves meanwhile.
        let path = if folder.is_empty() {
            String::new()
        } else {
            format!("/{}", encode_path(folder))
        };
        let link = format!(
            "<{}/api/{}/{repo}/tree/{}{path}?recursive={recursive}&cursor={}>; rel=\"next\"",
            ctx.base,
            repo.repo_type.plural(),
            commit.id,
            next
        );
        response
            .headers_mut()
            .insert(header::LINK, header_text(&link));
    }
    Ok(response)
}

/// A file path percent-encoded for a URL, `/` kept.
pub fn encode_path(path: &str) -> String {
    use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, utf8_percent_encode};
    const KEEP: &AsciiSet = &NON_ALPHANUMERIC
        .remove(b'/')
        .remove(b'-')
        .remove(b'_')
        .remove(b'.')
        .remove(b'~');
    utf8_percent_encode(path, KEEP).to_string()
}

/// A `Range: bytes=...` header for a file of `size` bytes: the (start, length) it asks for,
/// `None` for the whole file (no header, or a form this hub answers with the whole file).
fn parse_range(value: Option<&HeaderValue>, size: u64) -> Result<Option<(u64, u64)>> {
    let Some(text) = value.and_then(|v| v.to_str().ok()) else {
        return Ok(None);
    };
    let Some(spec) = text.trim().strip_prefix("bytes=") else {
        return Ok(None);
    };
    if spec.contains(',') {
        // Several ranges: a server may answer with the whole file.
        return Ok(None);
    }
    let unsatisfiable = || Error::from(RequestError::RangeNotSatisfiable { size });
    let (first, last) = spec.split_once('-').ok_or_else(unsatisfiable)?;
    let (first, last) = (first.trim(), last.trim());
    let range = if first.is_empty() {
        let suffix: u64 = last.parse().map_err(|_| unsatisfiable())?;
        if suffix == 0 || size == 0 {
            return Err(unsatisfiable());
        }
        let len = suffix.min(size);
        (size - len, len)
    } else {
        let start: u64 = first.parse().map_err(|_| unsatisfiable())?;
        let end = if last.is_empty() {
            size.saturating_sub(1)
        } else {
            last.parse::<u64>()
                .map_err(|_| unsatisfiable())?
                .min(size.saturating_sub(1))
        };
        if start >= size || end < start {
            return Err(unsatisfiable());
        }
        (start, end - start + 1)
    };
    Ok(Some(range))
}

/// `HEAD`/`GET /{id}/resolve/{rev}/{path}`.
pub async fn resolve(
    hub: &Hub,
    ctx: &Ctx,
    repo: &RepoId,
    revision: &str,
    path: &str,
) -> Result<Response> {
    hub.visible(repo, &ctx.access).await?;
    let commit = hub.repos.resolve(repo, revision).await?;
    let with_commit = |mut response: Response| {
        if let Ok(value) = HeaderValue::from_str(&commit.id) {
            response.headers_mut().insert("x-repo-commit", value);
        }
        response
    };
    let Some(entry) = commit.tree.get(path) else {
        let error = Error::from(NotFoundError::Entry {
            path: path.to_owned(),
        });
        return Ok(with_commit(error_reply(&error)));
    };
    let range = match parse_range(ctx.headers.get(header::RANGE), entry.size) {
        Ok(range) => range,
        Err(error) => {
            let mut response = error_reply(&error);
            if let Ok(value) = HeaderValue::from_str(&format!("bytes */{}", entry.size)) {
                response.headers_mut().insert(header::CONTENT_RANGE, value);
            }
            return Ok(with_commit(response));
        }
    };
    let (start, len) = range.unwrap_or((0, entry.size));
    let body = if ctx.method == Method::HEAD {
        Body::empty()
    } else {
        Body::from_stream(
            hub.repos
                .store()
                .read_blob(entry.sha256.clone(), start, len)
                .await?,
        )
    };
    let mut response = Response::new(body);
    let headers = response.headers_mut();
    let mut set = |name: header::HeaderName, value: String| {
        if let Ok(value) = HeaderValue::from_str(&value) {
            headers.insert(name, value);
        }
    };
    set(header::CONTENT_LENGTH, len.to_string());
    set(header::ETAG, format!("\"{}\"", entry.oid));
    set(header::ACCEPT_RANGES, "bytes".to_owned());
    set(header::CONTENT_TYPE, "application/octet-stream".to_owned());
    if range.is_some() {
        set(
            header::CONTENT_RANGE,
            format!("bytes {start}-{}/{}", start + len - 1, entry.size),
        );
        *response.status_mut() = StatusCode::PARTIAL_CONTENT;
    }
    Ok(with_commit(response))
}

/// `POST /api/{type}s/{id}/preupload/{rev}`: every file is `regular` (sent inline in the
/// commit), so no client ever turns to LFS or Xet; `oid` lets it skip unchanged files.
pub async fn preupload(
    hub: &Hub,
    ctx: &Ctx,
    repo: &RepoId,
    revision: &str,
    body: Body,
) -> Result<Response> {
    ctx.access.writer()?;
    hub.visible(repo, &ctx.access).await?;
    let commit = hub.repos.resolve(repo, revision).await?;
    let body = read_json(body, hub.limits.json_body_bytes).await?;
    let files =
        body.get("files")
            .and_then(Value::as_array)
            .ok_or_else(|| RequestError::BadJson {
                message: "`files` must be a list".to_owned(),
            })?;
    if files.len() as u64 > hub.limits.files_per_commit {
        return Err(RequestError::TooManyFiles {
            limit: hub.limits.files_per_commit,
        }
        .into());
    }
    let mut out = Vec::with_capacity(files.len());
    for file in files {
        let path = text_field(file, "path")?.ok_or_else(|| RequestError::BadJson {
            message: "a file has no `path`".to_owned(),
        })?;
        check_path(path, hub.limits.path_bytes)?;
        let mut answer = json!({"path": path, "uploadMode": "regular", "shouldIgnore": false});
        if let Some(entry) = commit.tree.get(path) {
            set(&mut answer, "oid", Value::String(entry.oid.clone()));
        }
        out.push(answer);
    }
    Ok(reply_json(
        200,
        &json!({"files": out, "commitOid": commit.id}),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranges_as_rfc_9110_reads_them() {
        let range = |text: &str, size| {
            parse_range(Some(&HeaderValue::from_str(text).unwrap()), size).map_err(|e| e.kind())
        };
        assert_eq!(range("bytes=0-0", 10), Ok(Some((0, 1))));
        assert_eq!(range("bytes=2-", 10), Ok(Some((2, 8))));
        assert_eq!(range("bytes=2-100", 10), Ok(Some((2, 8))));
        assert_eq!(range("bytes=-3", 10), Ok(Some((7, 3))));
        assert_eq!(range("bytes=0-1,4-5", 10), Ok(None));
        assert_eq!(range("items=0-1", 10), Ok(None));
        assert_eq!(range("bytes=10-", 10), Err("request-range-not-satisfiable"));
        assert_eq!(range("bytes=5-2", 10), Err("request-range-not-satisfiable"));
        assert_eq!(range("bytes=x-2", 10), Err("request-range-not-satisfiable"));
        assert_eq!(range("bytes=0-", 0), Err("request-range-not-satisfiable"));
    }

    #[test]
    fn tree_listings_show_folders() {
        use crate::objects::FileEntry;
        let entry = FileEntry {
            sha256: "0".repeat(64),
            size: 1,
            oid: "0".repeat(40),
        };
        let tree = ["README.md", "a/b/c.txt", "a/d.txt"]
            .into_iter()
            .map(|p| (p.to_owned(), entry.clone()))
            .collect();
        let commit = Commit::new(None, tree, String::new(), String::new(), String::new(), 0);
        let paths = |folder, recursive| {
            tree_entries(&commit, folder, recursive)
                .iter()
                .map(|e| {
                    format!(
                        "{}:{}",
                        e["type"].as_str().unwrap(),
                        e["path"].as_str().unwrap()
                    )
                })
                .collect::<Vec<_>>()
        };
        assert_eq!(paths("", false), ["file:README.md", "directory:a"]);
        assert_eq!(
            paths("", true),
            [
                "file:README.md",
                "directory:a",
                "directory:a/b",
                "file:a/b/c.txt",
                "file:a/d.txt"
            ]
        );
        assert_eq!(paths("a", false), ["directory:a/b", "file:a/d.txt"]);
    }
}
