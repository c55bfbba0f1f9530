//! The objects a repository is made of: commits (each with its whole tree) and repository
//! metadata, as JSON in the store, and the git-style ids the Hub's clients expect.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use sha1::{Digest, Sha1};

use crate::store::local::hex;

/// One file of a tree.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FileEntry {
    /// SHA-256 of the content: the blob's key.
    pub sha256: String,
    /// Size in bytes.
    pub size: u64,
    /// The git blob id (`sha1("blob <size>\0" + content)`): the `ETag` of downloads and the
    /// `oid` the client compares with its local file to skip unchanged uploads.
    pub oid: String,
}

/// A commit: what the branch pointed to, its parent, and the whole tree at that point.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Commit {
    /// 40 hex digits: SHA-1 of the commit's other fields.
    pub id: String,
    /// The previous commit (`None` for a repository's first).
    pub parent: Option<String>,
    /// Every file, by path.
    pub tree: BTreeMap<String, FileEntry>,
    /// The commit's title (the client's `summary`).
    pub title: String,
    /// The commit's longer message (the client's `description`).
    pub message: String,
    /// Who made it (the token's name).
    pub author: String,
    /// When, in milliseconds since the Unix epoch.
    pub date_ms: u64,
}

impl Commit {
    /// A commit with its id computed from its content.
    pub fn new(
        parent: Option<String>,
        tree: BTreeMap<String, FileEntry>,
        title: String,
        message: String,
        author: String,
        date_ms: u64,
    ) -> Self {
        let mut commit = Self {
            id: String::new(),
            parent,
            tree,
            title,
            message,
            author,
            date_ms,
        };
        // Serialising a struct of strings and maps cannot fail; an empty text would still give
        // a valid id.
        let content = serde_json::to_vec(&commit).unwrap_or_default();
        commit.id = hex(&Sha1::digest(&content));
        commit
    }

    /// The JSON stored for this commit.
    pub fn to_json(&self) -> Vec<u8> {
        serde_json::to_vec(self).unwrap_or_default()
    }
}

/// What the hub knows of a repository besides its commits.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RepoMeta {
    /// Whether only token holders may see it.
    pub private: bool,
    /// When it was created, in milliseconds since the Unix epoch.
    pub created_ms: u64,
}

/// The git blob id of a content of `size` bytes whose bytes `feed` hashes into the hasher.
pub fn git_blob_hasher(size: u64) -> Sha1 {
    let mut hasher = Sha1::new();
    hasher.update(format!("blob {size}\0").as_bytes());
    hasher
}

/// The git blob id of `content`.
pub fn git_blob_id(content: &[u8]) -> String {
    let mut hasher = git_blob_hasher(content.len() as u64);
    hasher.update(content);
    hex(&hasher.finalize())
}

/// An id for a folder of a tree listing: SHA-1 of its files' paths and ids (stable for the
/// same content, as a git tree id is).
pub fn folder_id<'a>(entries: impl Iterator<Item = (&'a String, &'a FileEntry)>) -> String {
    let mut hasher = Sha1::new();
    for (path, entry) in entries {
        hasher.update(path.as_bytes());
        hasher.update([0]);
        hasher.update(entry.oid.as_bytes());
    }
    hex(&hasher.finalize())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn git_blob_ids_match_git() {
        // `printf 'hello\n' | git hash-object --stdin`
        assert_eq!(
            git_blob_id(b"hello\n"),
            "ce013625030ba8dba906f756967f9e9ca394464a"
        );
        assert_eq!(git_blob_id(b""), "e69de29bb2d1d6434b8b29ae775ad8c2e48c5391");
    }

    #[test]
    fn commit_ids_depend_on_content_and_parent() {
        let a = Commit::new(None, BTreeMap::new(), "t".into(), "".into(), "u".into(), 1);
        let b = Commit::new(
            Some(a.id.clone()),
            BTreeMap::new(),
            "t".into(),
            "".into(),
            "u".into(),
            1,
        );
        assert_eq!(a.id.len(), 40);
        assert_ne!(a.id, b.id);
        let back: Commit = serde_json::from_slice(&b.to_json()).unwrap();
        assert_eq!(back, b);
    }
}
