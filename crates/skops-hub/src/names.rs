//! The names a request carries, checked before anything touches the store: repository types,
//! repository ids, revisions and file paths.

use std::fmt;

use crate::error::{PathError, RequestError};
use crate::limits::{MAX_REVISION_BYTES, MAX_REVISION_CHARS_SHOWN};

/// The branch every repository has (the only one: this hub has no other branches).
pub const MAIN_BRANCH: &str = "main";

/// Longest namespace or repository name (the Hub's limit).
const MAX_NAME_CHARS: usize = 96;

/// The three kinds of repositories the Hub has.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum RepoType {
    /// `model` (URL prefix none, API prefix `models`).
    Model,
    /// `dataset`.
    Dataset,
    /// `space`.
    Space,
}

impl RepoType {
    /// From the singular name of a create/delete body (`None` is a model, as on the Hub).
    pub fn from_singular(given: Option<&str>) -> Result<Self, RequestError> {
        match given {
            None | Some("model") => Ok(Self::Model),
            Some("dataset") => Ok(Self::Dataset),
            Some("space") => Ok(Self::Space),
            Some(other) => Err(RequestError::UnknownRepoType {
                given: other.to_owned(),
            }),
        }
    }

    /// From the plural of an API path (`/api/models/...`).
    pub fn from_plural(given: &str) -> Result<Self, RequestError> {
        match given {
            "models" => Ok(Self::Model),
            "datasets" => Ok(Self::Dataset),
            "spaces" => Ok(Self::Space),
            other => Err(RequestError::UnknownRepoType {
                given: other.to_owned(),
            }),
        }
    }

    /// `model`, `dataset` or `space`.
    pub fn singular(self) -> &'static str {
        match self {
            Self::Model => "model",
            Self::Dataset => "dataset",
            Self::Space => "space",
        }
    }

    /// `models`, `datasets` or `spaces`.
    pub fn plural(self) -> &'static str {
        match self {
            Self::Model => "models",
            Self::Dataset => "datasets",
            Self::Space => "spaces",
        }
    }

    /// The prefix of file URLs (`""`, `datasets/`, `spaces/`).
    pub fn url_prefix(self) -> &'static str {
        match self {
            Self::Model => "",
            Self::Dataset => "datasets/",
            Self::Space => "spaces/",
        }
    }
}

/// A repository: its type, namespace and name, all checked.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct RepoId {
    /// The repository type.
    pub repo_type: RepoType,
    /// The namespace (user or organisation).
    pub namespace: String,
    /// The repository name.
    pub name: String,
}

impl RepoId {
    /// A repository id from its parts, each checked with [`check_name`].
    pub fn new(repo_type: RepoType, namespace: &str, name: &str) -> Result<Self, RequestError> {
        check_name(namespace)?;
        check_name(name)?;
        Ok(Self {
            repo_type,
            namespace: namespace.to_owned(),
            name: name.to_owned(),
        })
    }

    /// The storage key prefix of this repository (`repos/model/ns/name`).
    pub fn key(&self) -> String {
        format!(
            "repos/{}/{}/{}",
            self.repo_type.singular(),
            self.namespace,
            self.name
        )
    }

    /// The repository's web URL on `base` (`<base>/ns/name`, `<base>/datasets/ns/name`).
    pub fn url(&self, base: &str) -> String {
        format!("{base}/{}{self}", self.repo_type.url_prefix())
    }
}

/// `namespace/name`, as the Hub writes repository ids.
impl fmt::Display for RepoId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.namespace, self.name)
    }
}

/// Checks a namespace or repository name: 1 to 96 ASCII letters, digits, `-`, `_`, `.`; not
/// starting or ending with `-` or `.`, without `--` or `..` (the Hub's rules, which also make
/// every name a safe file name and storage key).
pub fn check_name(given: &str) -> Result<(), RequestError> {
    let bad = |reason| RequestError::BadRepoName {
        given: given.to_owned(),
        reason,
    };
    if given.is_empty() {
        return Err(bad("it is empty"));
    }
    if given.chars().count() > MAX_NAME_CHARS {
        return Err(bad("it is longer than 96 characters"));
    }
    if !given
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
    {
        return Err(bad("only letters, digits, `-`, `_` and `.` are allowed"));
    }
    if given.starts_with(['-', '.']) || given.ends_with(['-', '.']) {
        return Err(bad("it may not start or end with `-` or `.`"));
    }
    if given.contains("--") || given.contains("..") {
        return Err(bad("`--` and `..` are not allowed"));
    }
    Ok(())
}

/// A revision as a request names it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Revision {
    /// A branch (only `main` exists).
    Branch(String),
    /// A full commit id (40 lowercase hex digits).
    Commit(String),
}

impl Revision {
    /// Reads a revision: 40 hex digits are a commit id, anything else a branch name; control
    /// characters and over-long names are refused.
    pub fn parse(given: &str) -> Result<Self, RequestError> {
        let why = if given.is_empty() {
            Some("it is empty".to_owned())
        } else if given.len() > MAX_REVISION_BYTES {
            Some(format!(
                "it is {} bytes long, more than {MAX_REVISION_BYTES}",
                given.len()
            ))
        } else if given.chars().any(char::is_control) {
            Some("it holds a control character".to_owned())
        } else {
            None
        };
        if let Some(why) = why {
            // Escaped first, then cut: an escape may be ten characters long.
            let escaped = given.escape_debug().to_string();
            let mut shown: String = escaped.chars().take(MAX_REVISION_CHARS_SHOWN).collect();
            if shown.len() < escaped.len() {
                shown.push_str("...");
            }
            return Err(RequestError::BadRevision { given: shown, why });
        }
        if is_commit_id(given) {
            Ok(Self::Commit(given.to_ascii_lowercase()))
        } else {
            Ok(Self::Branch(given.to_owned()))
        }
    }
}

/// Whether `text` is a full commit id (40 hex digits).
pub fn is_commit_id(text: &str) -> bool {
    text.len() == 40 && text.bytes().all(|b| b.is_ascii_hexdigit())
}

/// Checks a file path of a repository: relative, `/`-separated, no empty, `.` or `..`
/// segments, no backslash or control character, not inside `.git`, at most `limit` bytes.
pub fn check_path(path: &str, limit: u64) -> Result<(), PathError> {
    let owned = || path.to_owned();
    if path.is_empty() {
        return Err(PathError::Empty);
    }
    if path.len() as u64 > limit {
        return Err(PathError::TooLong {
            length: path.len() as u64,
            limit,
        });
    }
    if path.chars().any(char::is_control) {
        return Err(PathError::ControlCharacter);
    }
    if path.contains('\\') {
        return Err(PathError::Backslash { path: owned() });
    }
    if path.starts_with('/') {
        return Err(PathError::Absolute { path: owned() });
    }
    for segment in path.split('/') {
        match segment {
            "" => return Err(PathError::EmptySegment { path: owned() }),
            "." | ".." => return Err(PathError::DotSegment { path: owned() }),
            _ => {}
        }
    }
    if path == ".git" || path.starts_with(".git/") {
        return Err(PathError::Reserved { path: owned() });
    }
    Ok(())
}

/// Checks a folder path (a deletion of `logs/`, a tree listing of `a/b`): like a file path
/// once one trailing `/` is dropped.
pub fn check_folder(path: &str, limit: u64) -> Result<String, PathError> {
    let trimmed = path.strip_suffix('/').unwrap_or(path);
    check_path(trimmed, limit)?;
    Ok(trimmed.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bad_paths_get_their_own_kinds() {
        let kind = |p: &str| check_path(p, 64).map_err(|e| crate::Error::from(e).kind());
        assert_eq!(kind("a/b.txt"), Ok(()));
        assert_eq!(kind(""), Err("path-empty"));
        assert_eq!(kind("/etc/passwd"), Err("path-absolute"));
        assert_eq!(kind("a\\b"), Err("path-backslash"));
        assert_eq!(kind("a\0b"), Err("path-control-character"));
        assert_eq!(kind("a/../b"), Err("path-dot-segment"));
        assert_eq!(kind("./a"), Err("path-dot-segment"));
        assert_eq!(kind("a//b"), Err("path-empty-segment"));
        assert_eq!(kind("a/"), Err("path-empty-segment"));
        assert_eq!(kind(".git/config"), Err("path-reserved"));
        assert_eq!(kind(&"x".repeat(65)), Err("path-too-long"));
        assert_eq!(kind(".gitattributes"), Ok(()));
    }

    #[test]
    fn names_follow_the_hub_rules() {
        assert!(check_name("alice").is_ok());
        assert!(check_name("my-model_1.0").is_ok());
        for bad in ["", "a/b", "-a", "a.", "a--b", "a..b", "é", &"a".repeat(97)] {
            assert!(check_name(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn revisions_are_branches_or_commit_ids() {
        let id = "0123456789abcdef0123456789ABCDEF01234567";
        assert_eq!(
            Revision::parse(id).unwrap(),
            Revision::Commit(id.to_ascii_lowercase())
        );
        assert_eq!(
            Revision::parse("main").unwrap(),
            Revision::Branch("main".into())
        );
        assert!(Revision::parse("a\nb").is_err());
    }
}
