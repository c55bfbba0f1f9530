//! An S3-compatible object store (`--store s3://bucket/prefix`), through `object_store`: several
//! server processes can serve one store, since the branch moves with a conditional put
//! (`If-Match` on the ref's ETag, `If-None-Match: *` to create).
//!
//! Credentials, region and endpoint come from the usual `AWS_*` variables (`AWS_ENDPOINT` for a
//! server other than AWS, `AWS_ALLOW_HTTP=true` for one without TLS). Uploads are staged in a
//! folder of this process under the system's temporary folder, then streamed to the store
//! (multipart for large files).

use std::path::{Path, PathBuf};
use std::sync::Arc;

use futures_util::{StreamExt, TryStreamExt};
use object_store::aws::AmazonS3Builder;
use object_store::path::Path as ObjectPath;
use object_store::prefix::PrefixStore;
use object_store::{
    GetOptions, GetRange, ObjectStore, ObjectStoreExt, PutMode, PutOptions, PutPayload,
    UpdateVersion,
};
use tokio::io::AsyncWriteExt;

use super::{Backend, BoxFuture, ByteStream, Expect, Versioned};
use crate::error::StoreError;

/// A store in an S3 bucket (under a prefix).
#[derive(Debug)]
pub struct S3Store {
    store: Arc<dyn ObjectStore>,
    location: String,
    staging: PathBuf,
}

fn failed(key: &str, error: object_store::Error) -> StoreError {
    StoreError::io(key, std::io::Error::other(error.to_string()))
}

impl S3Store {
    /// Opens `s3://bucket[/prefix]` with the `AWS_*` configuration of the environment.
    pub fn open(url: &str) -> Result<Self, StoreError> {
        let bad = |message: String| StoreError::Location {
            location: url.to_owned(),
            message,
        };
        let rest = url
            .strip_prefix("s3://")
            .ok_or_else(|| bad("expected s3://bucket/prefix".to_owned()))?;
        let (bucket, prefix) = rest.split_once('/').unwrap_or((rest, ""));
        if bucket.is_empty() {
            return Err(bad("no bucket".to_owned()));
        }
        let s3 = AmazonS3Builder::from_env()
            .with_bucket_name(bucket)
            .build()
            .map_err(|error| bad(error.to_string()))?;
        let prefix = prefix.trim_matches('/');
        let store: Arc<dyn ObjectStore> = if prefix.is_empty() {
            Arc::new(s3)
        } else {
            Arc::new(PrefixStore::new(s3, prefix))
        };
        let staging =
            std::env::temp_dir().join(format!("skops-hub-staging-{}", std::process::id()));
        std::fs::create_dir_all(&staging)
            .map_err(|error| StoreError::io(staging.display().to_string(), error))?;
        Ok(Self {
            store,
            location: url.to_owned(),
            staging,
        })
    }

    fn blob_key(sha256: &str) -> String {
        format!("blobs/{sha256}")
    }
}

impl Backend for S3Store {
    fn location(&self) -> String {
        self.location.clone()
    }

    fn get(&self, key: String) -> BoxFuture<'_, Result<Option<Versioned>, StoreError>> {
        Box::pin(async move {
            let result = match self.store.get(&ObjectPath::from(key.as_str())).await {
                Ok(result) => result,
                Err(object_store::Error::NotFound { .. }) => return Ok(None),
                Err(error) => return Err(failed(&key, error)),
            };
            let version = result
                .meta
                .e_tag
                .clone()
                .ok_or_else(|| StoreError::Corrupt {
                    key: key.clone(),
                    message: "the store gives no ETag, needed for compare-and-swap".to_owned(),
                })?;
            let bytes = result.bytes().await.map_err(|e| failed(&key, e))?;
            Ok(Some(Versioned {
                bytes: bytes.to_vec(),
                version,
            }))
        })
    }

    fn put(&self, key: String, bytes: Vec<u8>) -> BoxFuture<'_, Result<(), StoreError>> {
        Box::pin(async move {
            self.store
                .put(&ObjectPath::from(key.as_str()), PutPayload::from(bytes))
                .await
                .map_err(|e| failed(&key, e))?;
            Ok(())
        })
    }

    fn put_if(
        &self,
        key: String,
        bytes: Vec<u8>,
        expect: Expect,
    ) -> BoxFuture<'_, Result<bool, StoreError>> {
        Box::pin(async move {
            let mode = match expect {
                Expect::Absent => PutMode::Create,
                Expect::Version(e_tag) => PutMode::Update(UpdateVersion {
                    e_tag: Some(e_tag),
                    version: None,
                }),
            };
            let options = PutOptions {
                mode,
                ..PutOptions::default()
            };
            let path = ObjectPath::from(key.as_str());
            match self
                .store
                .put_opts(&path, PutPayload::from(bytes), options)
                .await
            {
                Ok(_) => Ok(true),
                Err(
                    object_store::Error::AlreadyExists { .. }
                    | object_store::Error::Precondition { .. }
                    | object_store::Error::NotFound { .. },
                ) => Ok(false),
                Err(error) => Err(failed(&key, error)),
            }
        })
    }

    fn delete_prefix(&self, prefix: String) -> BoxFuture<'_, Result<(), StoreError>> {
        Box::pin(async move {
            // The repository's metadata first: from then on it does not exist, even if the
            // rest of the deletion is cut short.
            let meta = ObjectPath::from(format!("{prefix}/repo.json"));
            match self.store.delete(&meta).await {
                Ok(()) | Err(object_store::Error::NotFound { .. }) => {}
                Err(error) => return Err(failed(&prefix, error)),
            }
            let path = ObjectPath::from(prefix.as_str());
            let mut listing = self.store.list(Some(&path));
            while let Some(meta) = listing.next().await {
                let meta = meta.map_err(|e| failed(&prefix, e))?;
                match self.store.delete(&meta.location).await {
                    Ok(()) | Err(object_store::Error::NotFound { .. }) => {}
                    Err(error) => return Err(failed(&prefix, error)),
                }
            }
            Ok(())
        })
    }

    fn children(&self, prefix: String) -> BoxFuture<'_, Result<Vec<String>, StoreError>> {
        Box::pin(async move {
            let path = ObjectPath::from(prefix.as_str());
            let listing = self
                .store
                .list_with_delimiter(Some(&path))
                .await
                .map_err(|e| failed(&prefix, e))?;
            let mut names: Vec<String> = listing
                .common_prefixes
                .iter()
                .chain(listing.objects.iter().map(|meta| &meta.location))
                .filter_map(|p| p.filename().map(str::to_owned))
                .collect();
            names.sort();
            names.dedup();
            Ok(names)
        })
    }

    fn staging_dir(&self) -> &Path {
        &self.staging
    }

    fn blob_size(&self, sha256: String) -> BoxFuture<'_, Result<Option<u64>, StoreError>> {
        Box::pin(async move {
            let key = Self::blob_key(&sha256);
            match self.store.head(&ObjectPath::from(key.as_str())).await {
                Ok(meta) => Ok(Some(meta.size)),
                Err(object_store::Error::NotFound { .. }) => Ok(None),
                Err(error) => Err(failed(&key, error)),
            }
        })
    }

    fn put_blob(&self, sha256: String, staged: PathBuf) -> BoxFuture<'_, Result<(), StoreError>> {
        Box::pin(async move {
            let key = Self::blob_key(&sha256);
            let result = async {
                if self.blob_size(sha256.clone()).await?.is_some() {
                    return Ok(());
                }
                let mut file = tokio::fs::File::open(&staged)
                    .await
                    .map_err(|e| StoreError::io(key.clone(), e))?;
                // Multipart above the buffer's capacity: memory stays bounded.
                let mut writer = object_store::buffered::BufWriter::new(
                    Arc::clone(&self.store),
                    ObjectPath::from(key.as_str()),
                );
                let copied = tokio::io::copy(&mut file, &mut writer).await;
                match copied {
                    Ok(_) => writer
                        .shutdown()
                        .await
                        .map_err(|e| StoreError::io(key.clone(), e)),
                    Err(error) => {
                        let _ = writer.abort().await;
                        Err(StoreError::io(key.clone(), error))
                    }
                }
            }
            .await;
            let _ = tokio::fs::remove_file(&staged).await;
            result
        })
    }

    fn read_blob(
        &self,
        sha256: String,
        start: u64,
        len: u64,
    ) -> BoxFuture<'_, Result<ByteStream, StoreError>> {
        Box::pin(async move {
            if len == 0 {
                let empty: ByteStream = Box::pin(futures_util::stream::empty());
                return Ok(empty);
            }
            let key = Self::blob_key(&sha256);
            let options = GetOptions {
                range: Some(GetRange::Bounded(start..start + len)),
                ..GetOptions::default()
            };
            let result = self
                .store
                .get_opts(&ObjectPath::from(key.as_str()), options)
                .await
                .map_err(|e| failed(&key, e))?;
            let stream: ByteStream = Box::pin(
                result
                    .into_stream()
                    .map_err(|error| std::io::Error::other(error.to_string())),
            );
            Ok(stream)
        })
    }
}
