//! URL paths to routes: the Hub's API layout parsed by hand, so that every malformed path gets
//! a specific error (an unknown repository type, a bad name, a bad file path) instead of a
//! router's bare 404.

use percent_encoding::percent_decode_str;

use crate::error::{NotFoundError, RequestError, Result};
use crate::limits::Limits;
use crate::names::{RepoId, RepoType, check_path};

/// What a request asks for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Route {
    /// `GET /api/whoami-v2`.
    Whoami,
    /// `POST /api/repos/create`.
    CreateRepo,
    /// `DELETE /api/repos/delete`.
    DeleteRepo,
    /// `POST /api/validate-yaml`.
    ValidateYaml,
    /// `PUT /api/{type}s/{id}/settings`.
    Settings(RepoId),
    /// `GET /api/{type}s/{id}[/revision/{rev}]`.
    Info(RepoId, Option<String>),
    /// `GET /api/{type}s/{id}/tree/{rev}[/{path}]` (path `""` for the root).
    Tree(RepoId, String, String),
    /// `POST /api/{type}s/{id}/preupload/{rev}`.
    Preupload(RepoId, String),
    /// `POST /api/{type}s/{id}/commit/{rev}`.
    Commit(RepoId, String),
    /// `GET /api/{type}s/{id}/commits/{rev}`.
    Commits(RepoId, String),
    /// `GET /api/{type}s/{id}/refs`.
    Refs(RepoId),
    /// `HEAD`/`GET /[{type}s/]{id}/resolve/{rev}/{path}` (and `raw`).
    Resolve(RepoId, String, String),
}

/// A percent-decoded path segment (or several joined by `/`).
fn decode(raw: &str) -> Result<String> {
    percent_decode_str(raw)
        .decode_utf8()
        .map(|text| text.into_owned())
        .map_err(|_| {
            RequestError::BadQuery {
                name: "path".to_owned(),
                message: "percent-encoded bytes are not UTF-8".to_owned(),
            }
            .into()
        })
}

/// A repository id from its raw namespace and name segments.
fn repo(repo_type: RepoType, namespace: &str, name: &str) -> Result<RepoId> {
    Ok(RepoId::new(repo_type, &decode(namespace)?, &decode(name)?)?)
}

/// A file path from the raw segments that remain (quoted with `/` kept, as clients send it).
fn file_path(segments: &[&str], limits: &Limits) -> Result<String> {
    let path = decode(&segments.join("/"))?;
    check_path(&path, limits.path_bytes)?;
    Ok(path)
}

/// Parses the raw (still percent-encoded) URL path.
pub fn parse(raw_path: &str, limits: &Limits) -> Result<Route> {
    let not_found = || {
        crate::Error::from(NotFoundError::Route {
            path: raw_path.chars().take(200).collect(),
        })
    };
    let segments: Vec<&str> = raw_path
        .strip_prefix('/')
        .unwrap_or(raw_path)
        .split('/')
        .collect();
    match segments.as_slice() {
        ["api", "whoami-v2"] => Ok(Route::Whoami),
        ["api", "repos", "create"] => Ok(Route::CreateRepo),
        ["api", "repos", "delete"] => Ok(Route::DeleteRepo),
        ["api", "validate-yaml"] => Ok(Route::ValidateYaml),
        ["api", kind, namespace, name, rest @ ..] => {
            let id = repo(RepoType::from_plural(kind)?, namespace, name)?;
            match rest {
                [] => Ok(Route::Info(id, None)),
                ["revision", revision @ ..] if !revision.is_empty() => {
                    Ok(Route::Info(id, Some(decode(&revision.join("/"))?)))
                }
                ["tree", revision, path @ ..] => {
                    let path = match path {
                        [] | [""] => String::new(),
                        _ => file_path(path, limits)?,
                    };
                    Ok(Route::Tree(id, decode(revision)?, path))
                }
                ["preupload", revision] => Ok(Route::Preupload(id, decode(revision)?)),
                ["commit", revision] => Ok(Route::Commit(id, decode(revision)?)),
                ["commits", revision] => Ok(Route::Commits(id, decode(revision)?)),
                ["settings"] => Ok(Route::Settings(id)),
                ["refs"] => Ok(Route::Refs(id)),
                _ => Err(not_found()),
            }
        }
        [
            prefix @ ("datasets" | "spaces"),
            namespace,
            name,
            "resolve" | "raw",
            revision,
            path @ ..,
        ] if !path.is_empty() => {
            let repo_type = if *prefix == "datasets" {
                RepoType::Dataset
            } else {
                RepoType::Space
            };
            Ok(Route::Resolve(
                repo(repo_type, namespace, name)?,
                decode(revision)?,
                file_path(path, limits)?,
            ))
        }
        [namespace, name, "resolve" | "raw", revision, path @ ..] if !path.is_empty() => {
            Ok(Route::Resolve(
                repo(RepoType::Model, namespace, name)?,
                decode(revision)?,
                file_path(path, limits)?,
            ))
        }
        _ => Err(not_found()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn id(kind: RepoType) -> RepoId {
        RepoId::new(kind, "alice", "iris").unwrap()
    }

    #[test]
    fn routes_of_the_hub_api() {
        let limits = Limits::default();
        let parse = |p: &str| parse(p, &limits);
        assert_eq!(parse("/api/whoami-v2").unwrap(), Route::Whoami);
        assert_eq!(
            parse("/api/models/alice/iris").unwrap(),
            Route::Info(id(RepoType::Model), None)
        );
        assert_eq!(
            parse("/api/datasets/alice/iris/revision/refs%2Fpr%2F1").unwrap(),
            Route::Info(id(RepoType::Dataset), Some("refs/pr/1".into()))
        );
        assert_eq!(
            parse("/api/models/alice/iris/tree/main/sub%20dir/a").unwrap(),
            Route::Tree(id(RepoType::Model), "main".into(), "sub dir/a".into())
        );
        assert_eq!(
            parse("/api/models/alice/iris/tree/main").unwrap(),
            Route::Tree(id(RepoType::Model), "main".into(), String::new())
        );
        assert_eq!(
            parse("/alice/iris/resolve/main/a/b.txt").unwrap(),
            Route::Resolve(id(RepoType::Model), "main".into(), "a/b.txt".into())
        );
        assert_eq!(
            parse("/spaces/alice/iris/resolve/main/app.py").unwrap(),
            Route::Resolve(id(RepoType::Space), "main".into(), "app.py".into())
        );
    }

    #[test]
    fn bad_paths_get_specific_errors() {
        let limits = Limits::default();
        let kind = |p: &str| parse(p, &limits).unwrap_err().kind();
        assert_eq!(kind("/api/foos/alice/iris"), "request-unknown-repo-type");
        assert_eq!(kind("/api/models/al%2Fice/iris"), "request-bad-repo-name");
        assert_eq!(kind("/alice/iris/resolve/main/a/../b"), "path-dot-segment");
        assert_eq!(kind("/alice/iris/resolve/main/a%5Cb"), "path-backslash");
        assert_eq!(
            kind("/alice/iris/resolve/main/a%00b"),
            "path-control-character"
        );
        assert_eq!(kind("/alice/iris/resolve/main/a//b"), "path-empty-segment");
        assert_eq!(
            kind("/alice/iris/resolve/main//etc/passwd"),
            "path-absolute"
        );
        assert_eq!(kind("/alice/iris/resolve/main/%2Fetc"), "path-absolute");
        assert_eq!(kind("/nothing/here"), "route-not-found");
    }
}
