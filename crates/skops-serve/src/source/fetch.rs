//! Downloads a hub repository's files into the Hugging Face cache layout without trusting
//! anything the hub says for a path. `hf-hub`'s own download names cache entries after the
//! hub's `ETag` and `X-Repo-Commit` headers and the repository's file names as given, so a
//! hostile hub could write, truncate or link files outside the cache; here the commit must be
//! a 40-hex id, a file name relative with plain components, and a blob is named after a hash of
//! the bytes actually received (the git blob SHA-1 or the SHA-256, whichever the hub's `ETag`
//! claims: the names `huggingface_hub` uses, so it reads the same cache). Sizes and time are
//! bounded (`limits::MAX_HUB_FILE_BYTES`, `HubSettings::download_deadline`).

use std::io::{Read, Write};
use std::path::{Component, Path, PathBuf};
use std::time::Instant;

use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, utf8_percent_encode};
use sha1::Sha1;
use sha2::{Digest, Sha256};

use super::{HubProblem, HubSettings};
use crate::limits::MAX_HUB_FILE_BYTES;

/// The bytes read from the response at a time.
const CHUNK_BYTES: usize = 64 * 1024;

/// Fetches files of one repository at one commit into the cache.
pub(super) struct Fetcher {
    client: reqwest::blocking::Client,
    endpoint: String,
    token: Option<String>,
    repo_id: String,
    /// `CACHE/models--OWNER--NAME`.
    repo_dir: PathBuf,
    deadline: Instant,
}

impl Fetcher {
    /// A fetcher for `repo_id` (already checked: `owner/name`, plain names) at `endpoint`.
    pub(super) fn new(
        settings: &HubSettings,
        endpoint: &str,
        repo_id: &str,
    ) -> Result<Self, HubProblem> {
        let client = reqwest::blocking::Client::builder()
            .user_agent(format!("skops-rs/{}", env!("CARGO_PKG_VERSION")))
            .connect_timeout(settings.connect_timeout)
            // The blocking client's timeout bounds the wait for the answer's headers and then
            // each read of the body (silence), not the whole body: `deadline` bounds that.
            .timeout(settings.read_timeout)
            .build()
            .map_err(|error| HubProblem::Other(error.to_string()))?;
        let cache = settings
            .cache_dir
            .clone()
            .unwrap_or_else(hf_hub::resolve_cache_dir);
        Ok(Self {
            client,
            endpoint: endpoint.trim_end_matches('/').to_owned(),
            token: settings.token.clone().or_else(implicit_token),
            repo_id: repo_id.to_owned(),
            repo_dir: cache.join(format!("models--{}", repo_id.replace('/', "--"))),
            deadline: Instant::now() + settings.download_deadline,
        })
    }

    /// Downloads `file` at `commit` and returns its path in the commit's snapshot folder.
    pub(super) fn fetch(&self, file: &str, commit: &str) -> Result<PathBuf, HubProblem> {
        check_commit(commit)?;
        let relative = checked_file_name(file)?;
        let url = format!(
            "{}/{}/resolve/{commit}/{}",
            self.endpoint,
            self.repo_id,
            file.split('/')
                .map(|segment| utf8_percent_encode(segment, URL_SEGMENT_KEPT).to_string())
                .collect::<Vec<_>>()
                .join("/")
        );
        let mut request = self.client.get(&url);
        if let Some(token) = &self.token {
            request = request.bearer_auth(token);
        }
        let mut response = request
            .send()
            .map_err(|error| HubProblem::Unreachable(super::with_root_cause(&error)))?;
        let status = response.status();
        if status == reqwest::StatusCode::UNAUTHORIZED || status == reqwest::StatusCode::FORBIDDEN {
            return Err(HubProblem::Unauthorized(format!("{status} for `{file}`")));
        }
        if status.is_server_error() {
            return Err(HubProblem::Unreachable(format!("{status} for `{file}`")));
        }
        if !status.is_success() {
            return Err(HubProblem::Other(format!(
                "`{file}` is listed but cannot be downloaded ({status})"
            )));
        }
        let etag = claimed_etag(response.headers());
        let declared = response.content_length();
        if let Some(size) = declared.filter(|size| *size > MAX_HUB_FILE_BYTES) {
            return Err(too_large(file, size));
        }
        let blobs = self.repo_dir.join("blobs");
        std::fs::create_dir_all(&blobs).map_err(|error| cache_error(&blobs, &error))?;
        // The bytes go to a temporary file next to the blobs (removed on any failure), hashed
        // as they arrive.
        let mut partial = tempfile::Builder::new()
            .suffix(".incomplete")
            .tempfile_in(&blobs)
            .map_err(|error| cache_error(&blobs, &error))?;
        let mut sha256 = Sha256::new();
        let mut git_sha1 = declared.map(|size| {
            let mut hasher = Sha1::new();
            hasher.update(format!("blob {size}\0").as_bytes());
            hasher
        });
        let mut received: u64 = 0;
        let mut chunk = vec![0_u8; CHUNK_BYTES];
        loop {
            if Instant::now() > self.deadline {
                return Err(HubProblem::Unreachable(format!(
                    "downloading `{file}` took longer than the download deadline \
                     ({received} bytes received)"
                )));
            }
            let read = response
                .read(&mut chunk)
                .map_err(|error| HubProblem::Unreachable(super::with_root_cause(&error)))?;
            let Some(bytes) = chunk.get(..read).filter(|bytes| !bytes.is_empty()) else {
                break;
            };
            received += read as u64;
            if received > MAX_HUB_FILE_BYTES {
                return Err(too_large(file, received));
            }
            sha256.update(bytes);
            if let Some(hasher) = git_sha1.as_mut() {
                hasher.update(bytes);
            }
            partial
                .write_all(bytes)
                .map_err(|error| cache_error(partial.path(), &error))?;
        }
        if declared.is_some_and(|size| size != received) {
            return Err(HubProblem::Unreachable(format!(
                "`{file}`: the hub declared {} bytes and sent {received}",
                declared.unwrap_or_default()
            )));
        }
        let sha256 = hex(&sha256.finalize());
        let git_sha1 = git_sha1.map(|hasher| hex(&hasher.finalize()));
        // The blob's name: the hash the hub's ETag claims, when it matches the bytes.
        let blob_name = match etag {
            Some(etag) if etag == sha256 || Some(&etag) == git_sha1.as_ref() => etag,
            Some(etag) => {
                return Err(HubProblem::Other(format!(
                    "`{file}`: the hub's ETag `{}` is not a hash of the bytes it sent",
                    etag.chars().take(80).collect::<String>()
                )));
            }
            None => sha256,
        };
        let blob = blobs.join(&blob_name);
        partial
            .persist(&blob)
            .map_err(|error| cache_error(&blob, &error.error))?;
        let snapshot = self.repo_dir.join("snapshots").join(commit);
        let link = snapshot.join(&relative);
        if let Some(parent) = link.parent() {
            std::fs::create_dir_all(parent).map_err(|error| cache_error(parent, &error))?;
        }
        // `snapshots/COMMIT/a/b` -> `../../../blobs/HASH`: one `..` per folder below `blobs`'s
        // parent, as `huggingface_hub` writes it.
        let depth = relative.components().count() + 1;
        let mut target = PathBuf::new();
        for _ in 0..depth {
            target.push("..");
        }
        target.push("blobs");
        target.push(&blob_name);
        replace_link(&target, &link)?;
        Ok(link)
    }

    /// Records that `revision` (a branch or tag) pointed at `commit`: `refs/REVISION`.
    pub(super) fn write_ref(&self, revision: &str, commit: &str) -> Result<(), HubProblem> {
        if revision == commit {
            return Ok(());
        }
        let relative = checked_file_name(revision)?;
        let path = self.repo_dir.join("refs").join(relative);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).map_err(|error| cache_error(parent, &error))?;
        }
        skops_format::atomic::write_atomic(&path, commit.as_bytes())
            .map_err(|error| cache_error(&path, &error.source))
    }
}

/// A commit id as the hub must give it: 40 lowercase hex digits.
pub(super) fn check_commit(commit: &str) -> Result<(), HubProblem> {
    if commit.len() == 40
        && commit
            .bytes()
            .all(|byte| matches!(byte, b'0'..=b'9' | b'a'..=b'f'))
    {
        Ok(())
    } else {
        Err(HubProblem::Other(format!(
            "the hub gave `{}` as the commit, not a 40-hex commit id",
            commit.chars().take(80).collect::<String>()
        )))
    }
}

/// `file` as a relative path of plain components (no root, `..`, `.` or empty part, no
/// backslash), so that joining it to a cache folder stays inside that folder.
pub(super) fn checked_file_name(file: &str) -> Result<PathBuf, HubProblem> {
    let path = Path::new(file);
    let plain = !file.is_empty()
        && !file.contains('\\')
        && !file
            .split('/')
            .any(|part| part.is_empty() || part == "." || part == "..")
        && path
            .components()
            .all(|component| matches!(component, Component::Normal(_)));
    if plain {
        Ok(path.to_path_buf())
    } else {
        Err(HubProblem::Other(format!(
            "the hub names a file `{}`, which is not a plain relative path",
            file.chars().take(200).collect::<String>()
        )))
    }
}

/// The hash the response says the file has: `X-Linked-Etag` (a large file's SHA-256), else
/// `ETag`, without `W/` and quotes; `None` when neither is a hex hash.
fn claimed_etag(headers: &reqwest::header::HeaderMap) -> Option<String> {
    let value = headers
        .get("x-linked-etag")
        .or_else(|| headers.get(reqwest::header::ETAG))?
        .to_str()
        .ok()?;
    let value = value.trim().trim_start_matches("W/").trim_matches('"');
    let hex_hash = matches!(value.len(), 40 | 64)
        && value
            .bytes()
            .all(|byte| matches!(byte, b'0'..=b'9' | b'a'..=b'f'));
    hex_hash.then(|| value.to_owned())
}

/// The token `huggingface_hub` would send unless told not to: `HF_TOKEN`, the file at
/// `HF_TOKEN_PATH`, else `$HF_HOME/token`; none with `HF_HUB_DISABLE_IMPLICIT_TOKEN`.
fn implicit_token() -> Option<String> {
    let set = |name: &str| std::env::var(name).ok().filter(|value| !value.is_empty());
    if set("HF_HUB_DISABLE_IMPLICIT_TOKEN").is_some() {
        return None;
    }
    if let Some(token) = set("HF_TOKEN") {
        return Some(token);
    }
    let path = set("HF_TOKEN_PATH")
        .map(PathBuf::from)
        .unwrap_or_else(|| hf_hub::hf_home().join("token"));
    let token = std::fs::read_to_string(path).ok()?;
    Some(token.trim().to_owned()).filter(|token| !token.is_empty())
}

/// Replaces whatever is at `link` by a symbolic link to `target`.
fn replace_link(target: &Path, link: &Path) -> Result<(), HubProblem> {
    match std::fs::symlink_metadata(link) {
        Ok(meta) if meta.is_dir() => {
            return Err(HubProblem::Other(format!(
                "the cache holds a folder at `{}`",
                link.display()
            )));
        }
        Ok(_) => std::fs::remove_file(link).map_err(|error| cache_error(link, &error))?,
        Err(_) => {}
    }
    symlink(target, link).map_err(|error| cache_error(link, &error))
}

#[cfg(unix)]
fn symlink(target: &Path, link: &Path) -> std::io::Result<()> {
    std::os::unix::fs::symlink(target, link)
}

#[cfg(not(unix))]
fn symlink(target: &Path, link: &Path) -> std::io::Result<()> {
    // Where links need privileges (Windows), the snapshot holds a copy, as huggingface_hub
    // does there.
    let parent = link.parent().unwrap_or(Path::new("."));
    std::fs::copy(parent.join(target), link).map(|_| ())
}

/// What a path segment of a hub URL keeps as is: RFC 3986's unreserved characters.
const URL_SEGMENT_KEPT: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'_')
    .remove(b'.')
    .remove(b'~');

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|byte| format!("{byte:02x}")).collect()
}

fn too_large(file: &str, size: u64) -> HubProblem {
    HubProblem::Other(format!(
        "`{file}` is {size} bytes, more than the {MAX_HUB_FILE_BYTES} bytes a download may hold"
    ))
}

fn cache_error(path: &Path, error: &std::io::Error) -> HubProblem {
    HubProblem::Other(format!("the cache at `{}`: {error}", path.display()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_names_stay_inside_the_cache() {
        for good in ["model.skops", "sub/dir/model.skops", "README.md", "a..b"] {
            assert!(checked_file_name(good).is_ok(), "{good}");
        }
        for bad in [
            "",
            "/etc/passwd",
            "../x",
            "a/../../x",
            "a//b",
            "./a",
            "a/.",
            "a\\..\\b",
            "a/",
        ] {
            assert!(checked_file_name(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn commits_are_forty_hex_digits() {
        assert!(check_commit(&"a1".repeat(20)).is_ok());
        for bad in ["", "../../x", &"A1".repeat(20), &"a1".repeat(21), "/tmp/x"] {
            assert!(check_commit(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn only_hex_etags_are_claims() {
        let mut headers = reqwest::header::HeaderMap::new();
        headers.insert(reqwest::header::ETAG, "\"/tmp/x\"".parse().unwrap());
        assert_eq!(claimed_etag(&headers), None);
        let hash = "0".repeat(64);
        headers.insert(
            reqwest::header::ETAG,
            format!("W/\"{hash}\"").parse().unwrap(),
        );
        assert_eq!(claimed_etag(&headers), Some(hash));
    }
}
