//! Repositories on a store, with git-like semantics: commits with parents and whole trees,
//! a `main` branch moved by compare-and-swap, history kept. No HTTP here, so model pages and
//! command-line tools can use the same operations.

use std::collections::BTreeMap;

use crate::error::{ConflictError, Error, NotFoundError, RequestError, Result, StoreError};
use crate::limits::MAX_COMMIT_RETRIES;
use crate::names::{MAIN_BRANCH, RepoId, RepoType, Revision};
use crate::ndjson::{Header, Op};
use crate::objects::{Commit, FileEntry, RepoMeta};
use crate::store::{Backend, Expect};

/// Title of the commit every new repository starts with.
const INITIAL_COMMIT_TITLE: &str = "initial commit";

/// Milliseconds since the Unix epoch, now.
pub fn now_ms() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |elapsed| elapsed.as_millis() as u64)
}

/// The repositories of one store.
pub struct Repos {
    store: Box<dyn Backend>,
}

/// A branch head: the commit and the version of the ref (for compare-and-swap).
#[derive(Debug, Clone)]
pub struct Head {
    /// The commit.
    pub commit: Commit,
    version: String,
}

impl Repos {
    /// The repositories of `store`.
    pub fn new(store: Box<dyn Backend>) -> Self {
        Self { store }
    }

    /// The store.
    pub fn store(&self) -> &dyn Backend {
        self.store.as_ref()
    }

    fn corrupt(key: &str, error: impl std::fmt::Display) -> Error {
        StoreError::Corrupt {
            key: key.to_owned(),
            message: error.to_string(),
        }
        .into()
    }

    /// The metadata of `repo`, if it exists.
    pub async fn meta(&self, repo: &RepoId) -> Result<Option<RepoMeta>> {
        let key = format!("{}/repo.json", repo.key());
        match self.store.get(key.clone()).await? {
            None => Ok(None),
            Some(object) => serde_json::from_slice(&object.bytes)
                .map(Some)
                .map_err(|e| Self::corrupt(&key, e)),
        }
    }

    /// Creates `repo` with an initial empty commit; `Ok(false)` if it exists already.
    pub async fn create(&self, repo: &RepoId, private: bool, author: &str) -> Result<bool> {
        let meta = RepoMeta {
            private,
            created_ms: now_ms(),
        };
        let bytes = serde_json::to_vec(&meta).unwrap_or_default();
        let key = format!("{}/repo.json", repo.key());
        if !self.store.put_if(key, bytes, Expect::Absent).await? {
            return Ok(false);
        }
        self.initial_commit(repo, author, meta.created_ms).await?;
        Ok(true)
    }

    /// Writes the first commit and points `main` at it (if no other writer did first).
    async fn initial_commit(&self, repo: &RepoId, author: &str, date_ms: u64) -> Result<()> {
        let commit = Commit::new(
            None,
            BTreeMap::new(),
            INITIAL_COMMIT_TITLE.to_owned(),
            String::new(),
            author.to_owned(),
            date_ms,
        );
        self.put_commit(repo, &commit).await?;
        self.store
            .put_if(
                self.ref_key(repo),
                commit.id.clone().into_bytes(),
                Expect::Absent,
            )
            .await?;
        Ok(())
    }

    /// Deletes `repo` and its history; `Ok(false)` if it did not exist.
    pub async fn delete(&self, repo: &RepoId) -> Result<bool> {
        if self.meta(repo).await?.is_none() {
            return Ok(false);
        }
        self.store.delete_prefix(repo.key()).await?;
        Ok(true)
    }

    /// Makes `repo` private or public.
    pub async fn set_private(&self, repo: &RepoId, private: bool) -> Result<()> {
        let mut meta = self.meta(repo).await?.ok_or_else(|| not_found(repo))?;
        meta.private = private;
        let bytes = serde_json::to_vec(&meta).unwrap_or_default();
        self.store
            .put(format!("{}/repo.json", repo.key()), bytes)
            .await?;
        Ok(())
    }

    /// Every repository of `repo_type`, sorted.
    pub async fn list(&self, repo_type: RepoType) -> Result<Vec<RepoId>> {
        Ok(self
            .list_with_meta(repo_type)
            .await?
            .into_iter()
            .map(|(repo, _)| repo)
            .collect())
    }

    /// Every repository of `repo_type` with its metadata, sorted.
    pub async fn list_with_meta(&self, repo_type: RepoType) -> Result<Vec<(RepoId, RepoMeta)>> {
        let mut out = Vec::new();
        let base = format!("repos/{}", repo_type.singular());
        for namespace in self.store.children(base.clone()).await? {
            for name in self.store.children(format!("{base}/{namespace}")).await? {
                if let Ok(repo) = RepoId::new(repo_type, &namespace, &name) {
                    if let Some(meta) = self.meta(&repo).await? {
                        out.push((repo, meta));
                    }
                }
            }
        }
        Ok(out)
    }

    fn ref_key(&self, repo: &RepoId) -> String {
        format!("{}/refs/{MAIN_BRANCH}", repo.key())
    }

    async fn put_commit(&self, repo: &RepoId, commit: &Commit) -> Result<()> {
        let key = format!("{}/commits/{}.json", repo.key(), commit.id);
        self.store.put(key, commit.to_json()).await?;
        Ok(())
    }

    /// The commit `id` of `repo`, if it has one.
    pub async fn commit(&self, repo: &RepoId, id: &str) -> Result<Option<Commit>> {
        let key = format!("{}/commits/{id}.json", repo.key());
        match self.store.get(key.clone()).await? {
            None => Ok(None),
            Some(object) => {
                let commit: Commit =
                    serde_json::from_slice(&object.bytes).map_err(|e| Self::corrupt(&key, e))?;
                if commit.id != id {
                    return Err(Self::corrupt(&key, "the commit has another id"));
                }
                Ok(Some(commit))
            }
        }
    }

    /// The head of `main` (repairing a repository whose creation was cut short).
    pub async fn head(&self, repo: &RepoId) -> Result<Head> {
        for _ in 0..2 {
            let key = self.ref_key(repo);
            match self.store.get(key.clone()).await? {
                Some(object) => {
                    let id = String::from_utf8(object.bytes).map_err(|e| Self::corrupt(&key, e))?;
                    let commit = self
                        .commit(repo, id.trim())
                        .await?
                        .ok_or_else(|| Self::corrupt(&key, "the branch points to no commit"))?;
                    return Ok(Head {
                        commit,
                        version: object.version,
                    });
                }
                None => {
                    // Created, then stopped before its first commit: give it one now.
                    let meta = self.meta(repo).await?.ok_or_else(|| not_found(repo))?;
                    self.initial_commit(repo, "", meta.created_ms).await?;
                }
            }
        }
        Err(not_found(repo))
    }

    /// The commit `revision` names: `main`, or a commit id of this repository.
    pub async fn resolve(&self, repo: &RepoId, revision: &str) -> Result<Commit> {
        let unknown = || {
            Error::from(NotFoundError::Revision {
                revision: revision.to_owned(),
            })
        };
        match Revision::parse(revision)? {
            Revision::Branch(name) if name == MAIN_BRANCH => Ok(self.head(repo).await?.commit),
            Revision::Branch(_) => Err(unknown()),
            Revision::Commit(id) => self.commit(repo, &id).await?.ok_or_else(unknown),
        }
    }

    /// Applies a parsed commit to `branch` of `repo`: stores its blobs, then moves the branch
    /// by compare-and-swap. Without a `parentCommit`, a branch that moved meanwhile gets the
    /// operations re-applied on its new head; with one, it must still be the head.
    pub async fn apply(
        &self,
        repo: &RepoId,
        branch: &str,
        header: Header,
        ops: Vec<Op>,
        author: &str,
    ) -> Result<Commit> {
        if branch != MAIN_BRANCH {
            return Err(match Revision::parse(branch)? {
                Revision::Commit(_) => RequestError::Unsupported {
                    what: "committing to a commit id (only to `main`)".to_owned(),
                }
                .into(),
                Revision::Branch(_) => NotFoundError::Revision {
                    revision: branch.to_owned(),
                }
                .into(),
            });
        }
        let changes = self.store_blobs(ops).await?;
        for _ in 0..MAX_COMMIT_RETRIES {
            let head = self.head(repo).await?;
            if let Some(parent) = &header.parent_commit {
                if *parent != head.commit.id {
                    return Err(ConflictError::ParentMismatch {
                        parent: parent.clone(),
                        branch: branch.to_owned(),
                        head: head.commit.id,
                    }
                    .into());
                }
            }
            let tree = apply_changes(head.commit.tree.clone(), &changes)?;
            let commit = Commit::new(
                Some(head.commit.id.clone()),
                tree,
                header.summary.clone(),
                header.description.clone(),
                author.to_owned(),
                now_ms().max(head.commit.date_ms),
            );
            self.put_commit(repo, &commit).await?;
            let moved = self
                .store
                .put_if(
                    self.ref_key(repo),
                    commit.id.clone().into_bytes(),
                    Expect::Version(head.version),
                )
                .await?;
            if moved {
                return Ok(commit);
            }
            if self.meta(repo).await?.is_none() {
                return Err(not_found(repo));
            }
        }
        Err(ConflictError::Contention.into())
    }

    /// Hands uploaded files to the store; what remains are tree changes.
    async fn store_blobs(&self, ops: Vec<Op>) -> Result<Vec<Change>> {
        let mut changes = Vec::with_capacity(ops.len());
        for op in ops {
            changes.push(match op {
                Op::Add { path, blob } => {
                    let entry = FileEntry {
                        sha256: blob.sha256.clone(),
                        size: blob.size,
                        oid: blob.oid.clone(),
                    };
                    self.store
                        .put_blob(entry.sha256.clone(), blob.take_path())
                        .await?;
                    Change::Put(path, entry)
                }
                Op::Existing { path, sha256, size } => {
                    let stored = self.store.blob_size(sha256.clone()).await?;
                    let Some(stored) = stored.filter(|s| size.is_none_or(|size| size == *s))
                    else {
                        return Err(RequestError::Unsupported {
                            what: format!(
                                "LFS upload of `{path}`: this hub takes files inline (preupload answers `regular`)"
                            ),
                        }
                        .into());
                    };
                    let oid = self.blob_oid(&sha256, stored).await?;
                    Change::Put(
                        path,
                        FileEntry {
                            sha256,
                            size: stored,
                            oid,
                        },
                    )
                }
                Op::Delete { path } => Change::Delete(path),
                Op::DeleteFolder { path } => Change::DeleteFolder(path),
            });
        }
        Ok(changes)
    }

    /// The git blob id of a stored blob (read back once: only for `lfsFile` lines).
    async fn blob_oid(&self, sha256: &str, size: u64) -> Result<String> {
        use futures_util::StreamExt;
        let mut hasher = crate::objects::git_blob_hasher(size);
        let mut stream = self.store.read_blob(sha256.to_owned(), 0, size).await?;
        while let Some(piece) = stream.next().await {
            let piece = piece.map_err(|e| StoreError::io(format!("blobs/{sha256}"), e))?;
            sha1::Digest::update(&mut hasher, &piece);
        }
        Ok(crate::store::local::hex(&sha1::Digest::finalize(hasher)))
    }

    /// Commits from `start` back to the first, newest first: `skip` of them left out, at most
    /// `take` returned, and whether more follow.
    pub async fn history(
        &self,
        repo: &RepoId,
        start: Commit,
        skip: usize,
        take: usize,
    ) -> Result<(Vec<Commit>, bool)> {
        let mut out = Vec::new();
        let mut current = Some(start);
        let mut index = 0usize;
        while let Some(commit) = current {
            if out.len() == take {
                return Ok((out, true));
            }
            let parent = commit.parent.clone();
            if index >= skip {
                out.push(commit);
            }
            index += 1;
            current = match parent {
                Some(id) => Some(self.commit(repo, &id).await?.ok_or_else(|| {
                    Self::corrupt(
                        &format!("{}/commits/{id}.json", repo.key()),
                        "missing parent",
                    )
                })?),
                None => None,
            };
        }
        Ok((out, false))
    }
}

/// A change to a tree.
#[derive(Debug, Clone)]
enum Change {
    Put(String, FileEntry),
    Delete(String),
    DeleteFolder(String),
}

/// The tree after `changes`; deleting what does not exist, or a file that would also be a
/// folder, is an error.
fn apply_changes(
    mut tree: BTreeMap<String, FileEntry>,
    changes: &[Change],
) -> Result<BTreeMap<String, FileEntry>> {
    for change in changes {
        match change {
            Change::Put(path, entry) => {
                tree.insert(path.clone(), entry.clone());
            }
            Change::Delete(path) => {
                if tree.remove(path).is_none() {
                    return Err(NotFoundError::Entry { path: path.clone() }.into());
                }
            }
            Change::DeleteFolder(path) => {
                let prefix = format!("{path}/");
                let doomed: Vec<String> = tree
                    .range(prefix.clone()..)
                    .take_while(|(p, _)| p.starts_with(&prefix))
                    .map(|(p, _)| p.clone())
                    .collect();
                if doomed.is_empty() {
                    return Err(NotFoundError::Entry { path: prefix }.into());
                }
                for path in doomed {
                    tree.remove(&path);
                }
            }
        }
    }
    for change in changes {
        if let Change::Put(path, _) = change {
            check_no_clash(&tree, path)?;
        }
    }
    Ok(tree)
}

/// A path may not be a file and a folder at once.
fn check_no_clash(tree: &BTreeMap<String, FileEntry>, path: &str) -> Result<()> {
    let clash = || {
        Error::from(RequestError::FileFolderClash {
            path: path.to_owned(),
        })
    };
    let mut at = 0;
    while let Some(slash) = path.get(at..).and_then(|rest| rest.find('/')) {
        let folder = path.get(..at + slash).unwrap_or_default();
        if tree.contains_key(folder) {
            return Err(clash());
        }
        at += slash + 1;
    }
    let prefix = format!("{path}/");
    if tree
        .range(prefix.clone()..)
        .next()
        .is_some_and(|(p, _)| p.starts_with(&prefix))
    {
        return Err(clash());
    }
    Ok(())
}

fn not_found(repo: &RepoId) -> Error {
    NotFoundError::Repo {
        repo: repo.to_string(),
    }
    .into()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(n: u8) -> FileEntry {
        FileEntry {
            sha256: format!("{n:064}"),
            size: u64::from(n),
            oid: format!("{n:040}"),
        }
    }

    #[test]
    fn tree_changes_apply_in_order_and_refuse_clashes() {
        let tree = apply_changes(
            BTreeMap::new(),
            &[
                Change::Put("a/b".into(), entry(1)),
                Change::Put("a/c".into(), entry(2)),
                Change::Put("d".into(), entry(3)),
            ],
        )
        .unwrap();
        assert_eq!(tree.len(), 3);
        let kind = |changes: &[Change]| apply_changes(tree.clone(), changes).unwrap_err().kind();
        assert_eq!(
            kind(&[Change::Put("a".into(), entry(4))]),
            "request-file-folder-clash"
        );
        assert_eq!(
            kind(&[Change::Put("d/e".into(), entry(4))]),
            "request-file-folder-clash"
        );
        assert_eq!(kind(&[Change::Delete("zz".into())]), "entry-not-found");
        assert_eq!(kind(&[Change::DeleteFolder("d".into())]), "entry-not-found");
        let left = apply_changes(tree.clone(), &[Change::DeleteFolder("a".into())]).unwrap();
        assert_eq!(left.keys().collect::<Vec<_>>(), ["d"]);
    }
}
