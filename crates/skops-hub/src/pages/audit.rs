//! The audit a model page shows for a `.skops` file: the facts `skops-rs audit` prints (the
//! untrusted types left with no trust list, each with its node paths) and the nodes trusted
//! because a validator checked their state, from skops-trust's audit of the stored blob.
//!
//! The work is bounded: files above [`crate::Limits::audit_bytes`] are not read; at most
//! [`MAX_CONCURRENT_AUDITS`] audits run at once, each on a blocking thread (parsing and
//! validating is CPU work that must not stall the async runtime); results are cached by the
//! blob's sha256, and since blobs are content-addressed a cached result never goes stale.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use futures_util::StreamExt;
use skops_trust::ModelFile;
use skops_trust::audit::{TrustReason, node_path_display, node_paths};
use tokio::sync::Semaphore;

use crate::error::{Error, PageError, StoreError};
use crate::limits::{
    MAX_CACHED_AUDITS, MAX_CONCURRENT_AUDITS, MAX_SHOWN_PATHS, MAX_SHOWN_VALIDATED_PATHS,
};
use crate::objects::FileEntry;
use crate::store::Backend;

/// An untrusted type and where it occurs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Untrusted {
    /// The full type name (`builtins.eval`).
    pub name: String,
    /// Node paths where it occurs (at most [`MAX_SHOWN_PATHS`]; `(root)` for the root).
    pub paths: Vec<String>,
    /// Occurrences not in `paths`.
    pub more: u64,
}

/// The nodes of one type trusted because its validator checked their state.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Validated {
    /// The type they are trusted as (`sklearn.tree._tree.Tree`).
    pub type_name: &'static str,
    /// The validator that passed.
    pub validator: &'static str,
    /// How many nodes.
    pub count: usize,
    /// The first nodes' paths, in schema order (at most [`MAX_SHOWN_VALIDATED_PATHS`]).
    pub paths: Vec<String>,
}

/// What the audit of one file found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Report {
    /// The schema protocol.
    pub protocol: i64,
    /// The scikit-learn version that wrote the file (from the objects' state).
    pub sklearn_version: Option<String>,
    /// The untrusted types left with no trust list, sorted.
    pub untrusted: Vec<Untrusted>,
    /// The nodes trusted by validation, by type (in the order the types first occur).
    pub validated: Vec<Validated>,
}

/// The audit of one file, or why there is none.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FileAudit {
    /// The file was audited.
    Done(Report),
    /// The file could not be audited: the kind and message of the error (a file that is not a
    /// valid `.skops` file, one too large, a store failure).
    Failed {
        /// The error's kind (`docs/errors.md`).
        kind: &'static str,
        /// The error's message.
        message: String,
    },
}

impl FileAudit {
    fn failed(error: &impl KindAndMessage) -> Self {
        Self::Failed {
            kind: error.kind(),
            message: error.message(),
        }
    }
}

/// The errors an audit can meet, all shown the same way.
trait KindAndMessage {
    fn kind(&self) -> &'static str;
    fn message(&self) -> String;
}

impl KindAndMessage for Error {
    fn kind(&self) -> &'static str {
        Error::kind(self)
    }
    fn message(&self) -> String {
        self.to_string()
    }
}

impl KindAndMessage for skops_trust::Error {
    fn kind(&self) -> &'static str {
        skops_trust::Error::kind(self)
    }
    fn message(&self) -> String {
        self.to_string()
    }
}

/// The cache of audits and the slots audits run in; one per hub.
pub struct Audits {
    cache: Mutex<HashMap<String, Arc<FileAudit>>>,
    slots: Semaphore,
}

impl Default for Audits {
    fn default() -> Self {
        Self::new()
    }
}

impl Audits {
    /// An empty cache with [`MAX_CONCURRENT_AUDITS`] slots.
    pub fn new() -> Self {
        Self {
            cache: Mutex::new(HashMap::new()),
            slots: Semaphore::new(MAX_CONCURRENT_AUDITS),
        }
    }

    /// How many audits are cached.
    pub fn cached(&self) -> usize {
        self.cache.lock().map_or(0, |cache| cache.len())
    }

    fn cached_audit(&self, sha256: &str) -> Option<Arc<FileAudit>> {
        self.cache.lock().ok()?.get(sha256).cloned()
    }

    fn keep(&self, sha256: &str, audit: &Arc<FileAudit>) {
        if let Ok(mut cache) = self.cache.lock() {
            if cache.len() >= MAX_CACHED_AUDITS {
                // Any entry will do: each is as cheap to recompute as another.
                if let Some(old) = cache.keys().next().cloned() {
                    cache.remove(&old);
                }
            }
            cache.insert(sha256.to_owned(), Arc::clone(audit));
        }
    }

    /// The audit of the file `entry` of `store`, if it is at most `limit` bytes.
    pub async fn audit(
        &self,
        store: &dyn Backend,
        entry: &FileEntry,
        limit: u64,
    ) -> Arc<FileAudit> {
        if entry.size > limit {
            let error = Error::from(PageError::AuditTooLarge {
                size: entry.size,
                limit,
            });
            return Arc::new(FileAudit::failed(&error));
        }
        if let Some(audit) = self.cached_audit(&entry.sha256) {
            return audit;
        }
        let Ok(_slot) = self.slots.acquire().await else {
            let error = Error::from(PageError::AuditAborted {
                message: "the hub is shutting down".to_owned(),
            });
            return Arc::new(FileAudit::failed(&error));
        };
        // Another request may have audited the same blob while this one waited.
        if let Some(audit) = self.cached_audit(&entry.sha256) {
            return audit;
        }
        let data = match read_blob(store, entry).await {
            Ok(data) => data,
            // A store failure is not a property of the content: shown, not cached.
            Err(error) => return Arc::new(FileAudit::failed(&error)),
        };
        let audit = match tokio::task::spawn_blocking(move || audit_bytes(&data)).await {
            Ok(audit) => Arc::new(audit),
            Err(error) => {
                let error = Error::from(PageError::AuditAborted {
                    message: error.to_string(),
                });
                return Arc::new(FileAudit::failed(&error));
            }
        };
        // The outcome depends on the bytes alone, whose sha256 this is.
        self.keep(&entry.sha256, &audit);
        audit
    }
}

/// The whole blob (the caller checked its size against the limit).
async fn read_blob(store: &dyn Backend, entry: &FileEntry) -> Result<Vec<u8>, Error> {
    let key = format!("blobs/{}", entry.sha256);
    let mut stream = store.read_blob(entry.sha256.clone(), 0, entry.size).await?;
    let mut data = Vec::with_capacity(usize::try_from(entry.size).unwrap_or(0));
    while let Some(piece) = stream.next().await {
        let piece = piece.map_err(|error| StoreError::io(key.clone(), error))?;
        data.extend_from_slice(&piece);
    }
    Ok(data)
}

/// Opens and audits a `.skops` file as `skops-rs audit FILE` does (no trust list, the
/// validators run), keeping what a page shows.
pub fn audit_bytes(data: &[u8]) -> FileAudit {
    let limits = skops_format::Limits::default();
    let file = match ModelFile::open(data, &limits) {
        Ok(file) => file,
        Err(error) => return FileAudit::failed(&error),
    };
    let report = match file.audit(&[]) {
        Ok(report) => report,
        Err(error) => return FileAudit::failed(&error),
    };
    let untrusted = report
        .untrusted_with_paths()
        .into_iter()
        .map(|(name, paths)| {
            let more =
                report.omitted_paths(&name) + (paths.len().saturating_sub(MAX_SHOWN_PATHS) as u64);
            Untrusted {
                paths: paths
                    .iter()
                    .take(MAX_SHOWN_PATHS)
                    .map(|path| node_path_display(path).to_owned())
                    .collect(),
                more,
                name,
            }
        })
        .collect();
    let schema = file.schema();
    let paths = node_paths(schema);
    let mut validated: Vec<Validated> = Vec::new();
    for (id, _) in schema.nodes() {
        let TrustReason::Validated {
            type_name,
            validator,
        } = report.node(id).reason
        else {
            continue;
        };
        let validator = validator.name();
        let index = match validated
            .iter()
            .position(|group| group.type_name == type_name && group.validator == validator)
        {
            Some(index) => index,
            None => {
                validated.push(Validated {
                    type_name,
                    validator,
                    count: 0,
                    paths: Vec::new(),
                });
                validated.len() - 1
            }
        };
        if let Some(group) = validated.get_mut(index) {
            group.count += 1;
            if group.paths.len() < MAX_SHOWN_VALIDATED_PATHS {
                let path = paths.get(id.index()).map_or("", String::as_str);
                group.paths.push(node_path_display(path).to_owned());
            }
        }
    }
    FileAudit::Done(Report {
        protocol: file.protocol(),
        sklearn_version: file.sklearn_version(),
        untrusted,
        validated,
    })
}

#[cfg(test)]
mod tests {
    use sha2::{Digest, Sha256};

    use super::*;
    use crate::store::local::{LocalStore, hex};

    #[tokio::test]
    async fn audits_are_cached_by_blob_and_bounded_by_size() {
        let dir = tempfile::tempdir().unwrap();
        let store = LocalStore::open(dir.path()).unwrap();
        let data = std::fs::read(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../../testdata/malicious/untrusted_os_system.skops"
        ))
        .unwrap();
        let sha256 = hex(&Sha256::digest(&data));
        let staged = store.staging_dir().join("upload");
        std::fs::write(&staged, &data).unwrap();
        store.put_blob(sha256.clone(), staged).await.unwrap();
        let entry = FileEntry {
            sha256,
            size: data.len() as u64,
            oid: String::new(),
        };
        let audits = Audits::new();
        let first = audits.audit(&store, &entry, u64::MAX).await;
        let FileAudit::Done(report) = first.as_ref() else {
            panic!("{first:?}");
        };
        assert_eq!(report.untrusted.len(), 1);
        assert_eq!(report.untrusted[0].name, "os.system");
        assert!(!report.untrusted[0].paths.is_empty());
        let second = audits.audit(&store, &entry, u64::MAX).await;
        assert!(Arc::ptr_eq(&first, &second));
        assert_eq!(audits.cached(), 1);
        let small = audits.audit(&store, &entry, 10).await;
        assert!(
            matches!(
                small.as_ref(),
                FileAudit::Failed {
                    kind: "page-audit-too-large",
                    ..
                }
            ),
            "{small:?}"
        );
    }

    #[test]
    fn bytes_that_are_not_a_skops_file_fail_with_a_kind() {
        let FileAudit::Failed { kind, message } = audit_bytes(b"not a zip") else {
            panic!("audited garbage");
        };
        assert!(
            kind.starts_with("container-") || kind.starts_with("zip-"),
            "{kind}"
        );
        assert!(!message.is_empty());
    }
}
