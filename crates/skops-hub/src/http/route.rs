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
    /// `POST /api/models/{id}/infer[/{rev}]`: an OIP v2 `infer` request to the model of a
    /// revision (`main` when none is given), with `--serve-models`.
    Infer(RepoId, Option<String>),
    /// `GET /static/widget.js`: the model widget's script, with `--serve-models`.
    WidgetJs,
    /// `GET /static/widget.css`: the model widget's style sheet, with `--serve-models`.
    WidgetCss,
    /// `GET /`: the page listing repositories.
    PageList,
    /// `GET /{id}` (the model's page at `main`) and `GET /{id}/tree/{rev}` (at a revision):
    /// the URLs of the Hugging Face site.
    PageRepo(RepoId, Option<String>),
}

impl Route {
    /// Whether this route is a page for people (HTML), not an API route.
    pub fn is_page(&self) -> bool {
        matches!(self, Self::PageList | Self::PageRepo(..))
    }
}

/// First path segments that are never a namespace of a model page: the API, and the URL
/// prefixes of the other repository types.
const NOT_NAMESPACES: &[&str] = &["api", "datasets", "spaces"];

/// The paths of the widget's assets: never a model page, whatever their shape.
const ASSET_PATHS: &[&str] = &["/static/widget.js", "/static/widget.css"];

/// Whether `raw_path` has the shape of a page URL (`/`, `/{ns}/{name}`, `/{ns}/{name}/tree/
/// {rev}`), even if its names are invalid: its errors are answered as an HTML page.
pub fn is_page_path(raw_path: &str) -> bool {
    if ASSET_PATHS.contains(&raw_path) {
        return false;
    }
    let segments: Vec<&str> = raw_path
        .strip_prefix('/')
        .unwrap_or(raw_path)
        .split('/')
        .collect();
    match segments.as_slice() {
        [""] => true,
        [namespace, _] | [namespace, _, ""] | [namespace, _, "tree", _] => {
            !NOT_NAMESPACES.contains(namespace)
        }
        _ => false,
    }
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
                ["infer"] => Ok(Route::Infer(id, None)),
                ["infer", revision] => Ok(Route::Infer(id, Some(decode(revision)?))),
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
        ["static", "widget.js"] => Ok(Route::WidgetJs),
        ["static", "widget.css"] => Ok(Route::WidgetCss),
        [""] => Ok(Route::PageList),
        [namespace, name] | [namespace, name, ""] if !NOT_NAMESPACES.contains(namespace) => Ok(
            Route::PageRepo(repo(RepoType::Model, namespace, name)?, None),
        ),
        [namespace, name, "tree", revision] if !NOT_NAMESPACES.contains(namespace) => {
            Ok(Route::PageRepo(
                repo(RepoType::Model, namespace, name)?,
                Some(decode(revision)?),
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
            parse("/api/models/alice/iris/infer").unwrap(),
            Route::Infer(id(RepoType::Model), None)
        );
        assert_eq!(
            parse("/api/models/alice/iris/infer/refs%2Fpr%2F1").unwrap(),
            Route::Infer(id(RepoType::Model), Some("refs/pr/1".into()))
        );
        assert_eq!(parse("/static/widget.js").unwrap(), Route::WidgetJs);
        assert_eq!(parse("/static/widget.css").unwrap(), Route::WidgetCss);
        assert!(!is_page_path("/static/widget.js"));
        assert_eq!(
            parse("/spaces/alice/iris/resolve/main/app.py").unwrap(),
            Route::Resolve(id(RepoType::Space), "main".into(), "app.py".into())
        );
    }

    #[test]
    fn routes_of_the_pages() {
        let limits = Limits::default();
        let parse = |p: &str| parse(p, &limits);
        assert_eq!(parse("/").unwrap(), Route::PageList);
        assert_eq!(
            parse("/alice/iris").unwrap(),
            Route::PageRepo(id(RepoType::Model), None)
        );
        assert_eq!(
            parse("/alice/iris/").unwrap(),
            Route::PageRepo(id(RepoType::Model), None)
        );
        assert_eq!(
            parse("/alice/iris/tree/refs%2Fpr%2F1").unwrap(),
            Route::PageRepo(id(RepoType::Model), Some("refs/pr/1".into()))
        );
        // The API and the other repository types are not namespaces.
        assert_eq!(parse("/api/iris").unwrap_err().kind(), "route-not-found");
        assert_eq!(
            parse("/datasets/iris").unwrap_err().kind(),
            "route-not-found"
        );
        assert_eq!(
            parse("/alice/iris/tree/main/sub").unwrap_err().kind(),
            "route-not-found"
        );
        assert_eq!(
            parse("/al%3Cice/iris").unwrap_err().kind(),
            "request-bad-repo-name"
        );
        for page in ["/", "/alice/iris", "/al%3Cice/iris", "/alice/iris/tree/x"] {
            assert!(is_page_path(page), "{page}");
        }
        for api in [
            "/api/whoami-v2",
            "/api/x",
            "/alice/iris/resolve/main/a",
            "/a",
        ] {
            assert!(!is_page_path(api), "{api}");
        }
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
        assert_eq!(kind("/nothing/here/at/all"), "route-not-found");
    }
}
