//! Serving a repository's model on its page (`skops-rs hub serve --serve-models`): the model
//! file of a revision is built by `skops-serve` from the stored blob (audited exactly as
//! `skops-rs serve` audits it: refused while an untrusted type remains, or when the native
//! engine cannot evaluate it), on first page view or `infer` request, and kept in a bounded
//! cache.
//!
//! The model of a revision is the file `config.json` names (`sklearn.model.file`), else the
//! revision's single `.skops` file, at most [`crate::Limits::served_model_bytes`]. Builds run
//! on blocking threads, at most
//! [`MAX_CONCURRENT_BUILDS`] at once; outcomes (a built model, or the reason it is refused)
//! are cached by repository, model blob and `config.json` blob, so a cached outcome never goes
//! stale. A store failure is not cached.

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};

use futures_util::StreamExt;
use serde_json::Value as Json;
use skops_serve::ServedModel;
use tokio::sync::Semaphore;

use crate::error::{Error, PageError, Result, StoreError};
use crate::limits::{MAX_CACHED_MODELS, MAX_CONCURRENT_BUILDS, MAX_CONFIG_BYTES};
use crate::names::RepoId;
use crate::objects::{Commit, FileEntry};
use crate::pages::read_text;
use crate::store::Backend;

/// The serving side of a hub: `skops-serve`'s request handling (limits, prediction slots,
/// timeouts) and the built models.
pub struct Serving {
    /// The server whose limits and prediction slots `infer` requests use (it holds no models
    /// of its own: they are built here).
    pub server: skops_serve::Server,
    cache: Mutex<HashMap<Key, Arc<Built>>>,
    slots: Semaphore,
}

/// What a cached outcome depends on.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
struct Key {
    /// The repository (the model is served under its name).
    repo: String,
    /// The model file's blob.
    model: String,
    /// `config.json`'s blob, if the revision has one.
    config: Option<String>,
}

/// The outcome of building a revision's model.
#[derive(Debug)]
pub enum Built {
    /// Built: ready to answer.
    Ready(Arc<ServedModel>),
    /// Refused, as `skops-rs serve` would refuse it: the kind and message of its error.
    Refused {
        /// `skops-serve`'s error kind (`serve-untrusted-types`, ...).
        kind: &'static str,
        /// Its message.
        message: String,
    },
}

/// A revision's model: its path in the repository and the outcome of its build.
#[derive(Debug)]
pub struct RepoModel {
    /// The model file's path.
    pub path: String,
    /// The build's outcome.
    pub built: Arc<Built>,
}

impl RepoModel {
    /// The model, or the error that says why it is not served.
    pub fn ready(&self) -> Result<Arc<ServedModel>> {
        match self.built.as_ref() {
            Built::Ready(model) => Ok(Arc::clone(model)),
            Built::Refused { kind, message } => Err(PageError::ModelNotServed {
                path: self.path.clone(),
                serve_kind: kind,
                message: message.clone(),
            }
            .into()),
        }
    }
}

impl Serving {
    /// Serving with `skops-serve`'s default limits (request body, rows, timeout, prediction
    /// slots).
    pub fn new() -> Result<Self, skops_serve::Error> {
        let server = skops_serve::Server::new(
            skops_serve::Models::default(),
            skops_serve::Limits::default(),
        )?;
        Ok(Self {
            server,
            cache: Mutex::new(HashMap::new()),
            slots: Semaphore::new(MAX_CONCURRENT_BUILDS),
        })
    }

    /// How many outcomes are cached.
    pub fn cached(&self) -> usize {
        self.cache.lock().map_or(0, |cache| cache.len())
    }

    fn cached_outcome(&self, key: &Key) -> Option<Arc<Built>> {
        self.cache.lock().ok()?.get(key).cloned()
    }

    fn keep(&self, key: Key, built: &Arc<Built>) {
        if let Ok(mut cache) = self.cache.lock() {
            if cache.len() >= MAX_CACHED_MODELS && !cache.contains_key(&key) {
                // Any entry will do: each is as costly to rebuild as another.
                if let Some(old) = cache.keys().next().cloned() {
                    cache.remove(&old);
                }
            }
            cache.insert(key, Arc::clone(built));
        }
    }

    /// The model of `commit` of `repo`, built (or refused) once per content; a model file
    /// larger than `limit` bytes is not read.
    pub async fn model(
        &self,
        store: &dyn Backend,
        repo: &RepoId,
        commit: &Commit,
        limit: u64,
    ) -> Result<RepoModel> {
        let config_entry = commit.tree.get("config.json");
        let config_text = match config_entry {
            Some(entry) => read_text(store, entry, MAX_CONFIG_BYTES).await,
            None => None,
        };
        let path =
            model_path(commit, config_text.as_deref()).map_err(|reason| PageError::NoModel {
                repo: repo.to_string(),
                revision: commit.id.clone(),
                reason,
            })?;
        let Some(entry) = commit.tree.get(&path) else {
            return Err(PageError::NoModel {
                repo: repo.to_string(),
                revision: commit.id.clone(),
                reason: format!("`config.json` names `{path}`, which the revision does not hold"),
            }
            .into());
        };
        if entry.size > limit {
            return Err(PageError::ModelTooLarge {
                path,
                size: entry.size,
                limit,
            }
            .into());
        }
        let key = Key {
            repo: repo.to_string(),
            model: entry.sha256.clone(),
            config: config_entry.map(|entry| entry.sha256.clone()),
        };
        if let Some(built) = self.cached_outcome(&key) {
            return Ok(RepoModel { path, built });
        }
        let aborted = |message: String| Error::from(PageError::BuildAborted { message });
        let _slot = self
            .slots
            .acquire()
            .await
            .map_err(|_| aborted("the hub is shutting down".to_owned()))?;
        // Another request may have built the same model while this one waited.
        if let Some(built) = self.cached_outcome(&key) {
            return Ok(RepoModel { path, built });
        }
        let bytes = read_blob(store, entry).await?;
        let name = repo.to_string();
        let file = PathBuf::from(&path);
        let work = move || {
            let config = config_text
                .as_deref()
                .map(|text| (std::path::Path::new("config.json"), text));
            match skops_serve::load::load_bytes(name, file, &bytes, config) {
                Ok(model) => Built::Ready(Arc::new(model)),
                Err(error) => Built::Refused {
                    kind: error.kind(),
                    message: error_chain(&error),
                },
            }
        };
        let built = tokio::task::spawn_blocking(work)
            .await
            .map(Arc::new)
            .map_err(|error| aborted(error.to_string()))?;
        // The outcome depends on the two blobs (and the name) alone.
        self.keep(key, &built);
        Ok(RepoModel { path, built })
    }
}

/// An error's message with its sources (the engine's reason under "cannot be served").
fn error_chain(error: &dyn std::error::Error) -> String {
    let mut message = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        message.push_str(": ");
        message.push_str(&cause.to_string());
        source = cause.source();
    }
    message
}

/// The path of a revision's model: `config.json`'s `sklearn.model.file`, else its single
/// `.skops` file; the reason there is none otherwise.
pub fn model_path(commit: &Commit, config: Option<&str>) -> Result<String, String> {
    let named = config
        .and_then(|text| serde_json::from_str::<Json>(text).ok())
        .and_then(|json| {
            json.pointer("/sklearn/model/file")
                .and_then(Json::as_str)
                .map(str::to_owned)
        });
    if let Some(path) = named {
        return Ok(path);
    }
    let mut skops = commit
        .tree
        .keys()
        .filter(|path| path.to_ascii_lowercase().ends_with(".skops"));
    match (skops.next(), skops.next()) {
        (Some(only), None) => Ok(only.clone()),
        (None, _) => Err("no `config.json` names a model file, and no `.skops` file".to_owned()),
        (Some(_), Some(_)) => Err(
            "no `config.json` names a model file, and there are several `.skops` files".to_owned(),
        ),
    }
}

/// The whole blob (the caller checked its size against the limit).
async fn read_blob(store: &dyn Backend, entry: &FileEntry) -> Result<Vec<u8>> {
    let key = format!("blobs/{}", entry.sha256);
    let mut stream = store.read_blob(entry.sha256.clone(), 0, entry.size).await?;
    let mut data = Vec::with_capacity(usize::try_from(entry.size).unwrap_or(0));
    while let Some(piece) = stream.next().await {
        let piece = piece.map_err(|error| StoreError::io(key.clone(), error))?;
        data.extend_from_slice(&piece);
    }
    Ok(data)
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use super::*;

    fn commit(paths: &[&str]) -> Commit {
        let tree: BTreeMap<String, FileEntry> = paths
            .iter()
            .map(|path| {
                let entry = FileEntry {
                    sha256: String::new(),
                    size: 0,
                    oid: String::new(),
                };
                ((*path).to_owned(), entry)
            })
            .collect();
        Commit::new(None, tree, "t".into(), String::new(), "a".into(), 0)
    }

    #[test]
    fn the_model_is_the_file_config_names_else_the_only_skops_file() {
        let config = r#"{"sklearn": {"model": {"file": "sub/m.skops"}}}"#;
        let both = commit(&["a.skops", "sub/m.skops"]);
        assert_eq!(model_path(&both, Some(config)).unwrap(), "sub/m.skops");
        assert!(model_path(&both, None).unwrap_err().contains("several"));
        assert!(model_path(&both, Some("not json")).is_err());
        assert_eq!(
            model_path(&commit(&["x.SKOPS", "README.md"]), None).unwrap(),
            "x.SKOPS"
        );
        assert!(
            model_path(&commit(&["README.md"]), None)
                .unwrap_err()
                .contains("no `.skops`")
        );
    }
}
