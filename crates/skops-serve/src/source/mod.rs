//! Hub repositories as model sources: `owner/name[@revision]` (or `hf://owner/name[@revision]`)
//! is downloaded with the official `hf-hub` crate from `HF_ENDPOINT` (default the Hugging Face
//! Hub) into the shared Hugging Face cache (`HF_HUB_CACHE`, else `$HF_HOME/hub`, the layout
//! `huggingface_hub` reads), with `HF_TOKEN` for private repositories. Only `config.json`, the
//! model file it names (`sklearn.model.file`) and `README.md` are fetched, all at the one commit
//! the revision resolves to; a repository without `config.json` must hold exactly one `.skops`
//! file. The files are then loaded, audited and built exactly as a local folder is
//! ([`crate::load`]). `HF_HUB_OFFLINE=1` reads the cache only (no request at all).
//!
//! An argument that exists as a local path is always a path: only when it does not, and it has
//! the shape `owner/name[@revision]`, is it a hub repository.
//!
//! Connecting and each read are bounded in time (`limits::HUB_CONNECT_TIMEOUT`,
//! `limits::HUB_READ_TIMEOUT`): a hub that does not answer fails the start-up.

use std::path::{Path, PathBuf};
use std::time::Duration;

use hf_hub::{HFClient, HFClientSync, HFError, repository::ModelInfo};

use crate::error::{LoadError, Result};
use crate::limits::{
    HUB_CONNECT_TIMEOUT, HUB_DOWNLOAD_DEADLINE, HUB_READ_TIMEOUT, MAX_REVISION_CHARS,
};

mod fetch;
use crate::load::{ModelSpec, check_name};

/// The explicit form of a hub repository argument (as KServe's `STORAGE_URI` writes it).
pub const HF_SCHEME: &str = "hf://";

/// The branch a repository is served from when no revision is given.
const DEFAULT_REVISION: &str = "main";

/// The file of a repository that says which file is the model (`hub_utils.init` writes it).
const CONFIG_FILE: &str = "config.json";

/// The model card, fetched when the repository has one.
const CARD_FILE: &str = "README.md";

/// Why a download failed, before it is told as a [`LoadError`].
#[derive(Debug)]
enum HubProblem {
    RepoNotFound,
    RevisionNotFound,
    Unauthorized(String),
    Unreachable(String),
    NoModel(String),
    NotCached,
    Other(String),
}

/// Where and how hub repositories are downloaded. [`HubSettings::from_env`] leaves the
/// endpoint, token and cache to the client, which reads them from the environment as
/// `huggingface_hub` does; a field that is set overrides it (tests, embedders).
#[derive(Debug, Clone)]
pub struct HubSettings {
    /// The hub's base URL (`HF_ENDPOINT`).
    pub endpoint: Option<String>,
    /// The token sent to the hub (`HF_TOKEN`, `HF_TOKEN_PATH`, `$HF_HOME/token`).
    pub token: Option<String>,
    /// The cache folder (`HF_HUB_CACHE`, else `$HF_HOME/hub`).
    pub cache_dir: Option<PathBuf>,
    /// Whether only the cache is read, with no request at all (`HF_HUB_OFFLINE`).
    pub offline: bool,
    /// How long connecting may take.
    pub connect_timeout: Duration,
    /// How long the hub may send nothing while a request or download is under way.
    pub read_timeout: Duration,
    /// How long downloading one repository's files may take in all.
    pub download_deadline: Duration,
}

impl Default for HubSettings {
    fn default() -> Self {
        Self {
            endpoint: None,
            token: None,
            cache_dir: None,
            offline: false,
            connect_timeout: HUB_CONNECT_TIMEOUT,
            read_timeout: HUB_READ_TIMEOUT,
            download_deadline: HUB_DOWNLOAD_DEADLINE,
        }
    }
}

impl HubSettings {
    /// The settings of the environment.
    pub fn from_env() -> Self {
        Self {
            offline: offline(),
            ..Self::default()
        }
    }

    /// The blocking client of these settings and the endpoint it talks to.
    fn client(&self) -> std::result::Result<(HFClientSync, String), HFError> {
        // hf-hub's own client has no timeouts; this one is hf-hub's default plus them (a
        // client given to the builder must carry the user agent itself).
        let user_agent = format!("skops-rs/{}", env!("CARGO_PKG_VERSION"));
        let http = reqwest::Client::builder()
            .user_agent(user_agent)
            .connect_timeout(self.connect_timeout)
            .read_timeout(self.read_timeout)
            .build()?;
        let mut builder = HFClient::builder().client(http);
        if let Some(endpoint) = &self.endpoint {
            builder = builder.endpoint(endpoint.clone());
        }
        if let Some(token) = &self.token {
            builder = builder.token(token.clone());
        }
        if let Some(cache_dir) = &self.cache_dir {
            builder = builder.cache_dir(cache_dir.clone());
        }
        let client = builder.build()?;
        let endpoint = client.endpoint().to_owned();
        Ok((HFClientSync::from_inner(client)?, endpoint))
    }
}

/// A hub repository and the revision asked for (`None`: the default branch, `main`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HubRepo {
    /// `owner/name`.
    pub repo_id: String,
    /// A branch, tag or commit id.
    pub revision: Option<String>,
}

/// Where a served model came from: the repository, the revision asked for and the commit it
/// resolved to (shown in the model's metadata and page).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HubOrigin {
    /// `owner/name`.
    pub repo_id: String,
    /// The revision asked for (`main` when none was).
    pub revision: String,
    /// The commit id the files were downloaded at.
    pub commit: String,
}

impl HubRepo {
    /// `owner/name[@revision]`, or `None` when `arg` does not have that shape (an `hf://`
    /// prefix is read too).
    pub fn parse(arg: &str) -> Option<Self> {
        let arg = arg.strip_prefix(HF_SCHEME).unwrap_or(arg);
        let (repo_id, revision) = match arg.split_once('@') {
            Some((repo_id, revision)) => (repo_id, Some(revision)),
            None => (arg, None),
        };
        let (owner, name) = repo_id.split_once('/')?;
        // `check_name` reads `owner/name` too: each part here must be one name.
        let part = |text: &str| !text.contains('/') && check_name(text).is_ok();
        if !part(owner) || !part(name) {
            return None;
        }
        if let Some(revision) = revision {
            check_revision(revision).ok()?;
        }
        Some(Self {
            repo_id: repo_id.to_owned(),
            revision: revision.map(str::to_owned),
        })
    }

    /// An explicit `hf://owner/name[@revision]` URI (KServe's `hf://owner/name:revision` is read
    /// too): a malformed one is an error, not a path.
    pub fn parse_uri(uri: &str) -> Result<Self> {
        let bad = |reason| LoadError::BadSpec {
            given: uri.to_owned(),
            reason,
        };
        let rest = uri
            .get(..HF_SCHEME.len())
            .filter(|scheme| scheme.eq_ignore_ascii_case(HF_SCHEME))
            .and_then(|_| uri.get(HF_SCHEME.len()..))
            .ok_or_else(|| bad("expected hf://OWNER/NAME[@REVISION]"))?;
        // KServe separates the revision with `:`; `@` is what this command line uses.
        let rest = match rest.split_once(':') {
            Some((repo_id, revision)) if !rest.contains('@') => format!("{repo_id}@{revision}"),
            _ => rest.to_owned(),
        };
        Self::parse(&rest).ok_or_else(|| {
            bad("expected hf://OWNER/NAME[@REVISION]: name parts of letters, digits, `-`, `_`, `.`, a revision of letters, digits, `-`, `_`, `.`, `/`")
                .into()
        })
    }

    /// The repository as an argument: `owner/name[@revision]`.
    fn display(&self) -> String {
        match &self.revision {
            Some(revision) => format!("{}@{revision}", self.repo_id),
            None => self.repo_id.clone(),
        }
    }
}

/// Revisions are branch, tag or commit names: letters, digits, `-`, `_`, `.`, `/`, without
/// `..`, at most [`MAX_REVISION_CHARS`].
fn check_revision(revision: &str) -> Result<(), &'static str> {
    let ok = !revision.is_empty()
        && revision.len() <= MAX_REVISION_CHARS
        && !revision.contains("..")
        && !revision.starts_with('/')
        && revision
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.' | '/'));
    if ok {
        Ok(())
    } else {
        Err("a revision is a branch, tag or commit: letters, digits, `-`, `_`, `.`, `/`")
    }
}

/// The model of `spec` as it should be loaded: unchanged when its path exists (or is not of
/// the hub's shape), else its hub repository downloaded into the cache, named after the
/// repository unless a name was given.
pub fn resolve(spec: ModelSpec) -> Result<ModelSpec> {
    if spec.origin.is_some() || spec.path.exists() {
        return Ok(spec);
    }
    let Some(arg) = spec.path.to_str() else {
        return Ok(spec);
    };
    let explicit = arg
        .get(..HF_SCHEME.len())
        .is_some_and(|scheme| scheme.eq_ignore_ascii_case(HF_SCHEME));
    let repo = if explicit {
        HubRepo::parse_uri(arg)?
    } else {
        match HubRepo::parse(arg) {
            Some(repo) => repo,
            // Not a hub repository either: loading it says the path cannot be read.
            None => return Ok(spec),
        }
    };
    download(&repo, spec.name.as_deref())
}

/// Downloads the model of `repo` (see the module documentation) with the settings of the
/// environment and returns the spec of the downloaded folder or file, named `name`, else
/// `owner/name`.
pub fn download(repo: &HubRepo, name: Option<&str>) -> Result<ModelSpec> {
    download_with(repo, name, &HubSettings::from_env())
}

/// [`download`] with explicit `settings`.
pub fn download_with(
    repo: &HubRepo,
    name: Option<&str>,
    settings: &HubSettings,
) -> Result<ModelSpec> {
    let (client, endpoint) = settings.client().map_err(|error| {
        let endpoint = settings.endpoint.clone().unwrap_or_else(endpoint_from_env);
        hub_error(repo, &endpoint, HubProblem::from(&error))
    })?;
    let fail = |problem| hub_error(repo, &endpoint, problem);
    let (owner, repo_name) = repo
        .repo_id
        .split_once('/')
        .ok_or_else(|| fail(HubProblem::Other("not OWNER/NAME".to_owned())))?;
    let handle = client.model(owner, repo_name);
    let revision = repo
        .revision
        .clone()
        .unwrap_or_else(|| DEFAULT_REVISION.to_owned());
    let path = if settings.offline {
        let snapshot = handle
            .snapshot_download()
            .revision(revision.clone())
            .local_files_only(true)
            .send()
            .map_err(|error| fail(offline_problem(&error)))?;
        crate::load::model_dir_spec(&snapshot, None)?.path
    } else {
        let info = handle
            .info()
            .revision(revision.clone())
            .send()
            .map_err(|error| fail(HubProblem::from(&error)))?;
        // Everything after the listing is fetched here, at the commit the revision resolved
        // to, with names checked before they touch the cache (`fetch`: hf-hub's own
        // download would take the hub's headers for paths).
        let commit = info
            .sha
            .clone()
            .ok_or_else(|| fail(HubProblem::Other("the hub gave no commit id".to_owned())))?;
        fetch::check_commit(&commit).map_err(fail)?;
        let model_file =
            repository_model_file(&info).map_err(|reason| fail(HubProblem::NoModel(reason)))?;
        let fetcher = fetch::Fetcher::new(settings, &endpoint, &repo.repo_id).map_err(fail)?;
        let get = |file: &str| fetcher.fetch(file, &commit).map_err(fail);
        let path = match model_file {
            None => {
                let config = get(CONFIG_FILE)?;
                let folder = config
                    .parent()
                    .ok_or_else(|| {
                        fail(HubProblem::Other(
                            "the cache path of `config.json` has no folder".to_owned(),
                        ))
                    })?
                    .to_owned();
                if has_file(&info, CARD_FILE) {
                    get(CARD_FILE)?;
                }
                let relative = crate::load::config_model_file(&config)?;
                let file = relative.to_str().map(|file| file.replace('\\', "/"));
                if let Some(file) = file.filter(|file| has_file(&info, file)) {
                    get(&file)?;
                }
                // A model file `config.json` names but the commit lacks is reported by the
                // load, with the path it looked for.
                folder
            }
            Some(file) => {
                let model = get(&file)?;
                if has_file(&info, CARD_FILE) {
                    get(CARD_FILE)?;
                }
                model
            }
        };
        fetcher.write_ref(&revision, &commit).map_err(fail)?;
        path
    };
    let commit = commit_of(&path).unwrap_or_default();
    Ok(ModelSpec {
        name: Some(name.unwrap_or(&repo.repo_id).to_owned()),
        path,
        origin: Some(HubOrigin {
            repo_id: repo.repo_id.clone(),
            revision,
            commit,
        }),
    })
}

/// `None` when the repository has `config.json`; else its one `.skops` file.
fn repository_model_file(info: &ModelInfo) -> Result<Option<String>, String> {
    if has_file(info, CONFIG_FILE) {
        return Ok(None);
    }
    let mut found: Vec<&str> = info
        .siblings
        .iter()
        .flatten()
        .map(|sibling| sibling.rfilename.as_str())
        .filter(|file| file.ends_with(".skops"))
        .collect();
    found.sort_unstable();
    match found.as_slice() {
        [one] => Ok(Some((*one).to_owned())),
        [] => Err("no `config.json` and no `.skops` file".to_owned()),
        several => Err(format!(
            "{} `.skops` files ({}) and no `config.json` to say which is the model",
            several.len(),
            several.join(", ")
        )),
    }
}

fn has_file(info: &ModelInfo, file: &str) -> bool {
    info.siblings
        .iter()
        .flatten()
        .any(|sibling| sibling.rfilename == file)
}

/// The commit of a path inside a snapshot folder (the folder itself, or a file below it).
fn commit_of(path: &Path) -> Option<String> {
    let mut ancestors = path.ancestors().peekable();
    while let Some(current) = ancestors.next() {
        if ancestors.peek()?.file_name()? == "snapshots" {
            return current.file_name()?.to_str().map(str::to_owned);
        }
    }
    None
}

/// `error` and, when it has one, its innermost cause (`connection refused`, a DNS failure):
/// the transport's own message names only the URL.
fn with_root_cause(error: &dyn std::error::Error) -> String {
    let mut root = error.source();
    while let Some(next) = root.and_then(std::error::Error::source) {
        root = Some(next);
    }
    match root {
        Some(root) => format!("{error}: {root}"),
        None => error.to_string(),
    }
}

/// Whether `HF_HUB_OFFLINE` asks for the cache only (as `huggingface_hub` reads it).
fn offline() -> bool {
    std::env::var("HF_HUB_OFFLINE").is_ok_and(|value| {
        matches!(
            value.trim().to_ascii_lowercase().as_str(),
            "1" | "true" | "yes" | "on"
        )
    })
}

fn offline_problem(error: &HFError) -> HubProblem {
    match error {
        HFError::LocalEntryNotFound { .. } => HubProblem::NotCached,
        other => HubProblem::from(other),
    }
}

fn hub_error(repo: &HubRepo, endpoint: &str, problem: HubProblem) -> crate::Error {
    let at = format!("`{}` at {endpoint}", repo.display());
    match problem {
        HubProblem::RepoNotFound => LoadError::HubRepoNotFound { repo: at },
        HubProblem::RevisionNotFound => LoadError::HubRevisionNotFound {
            repo: at,
            revision: repo
                .revision
                .clone()
                .unwrap_or_else(|| DEFAULT_REVISION.to_owned()),
        },
        HubProblem::Unauthorized(reason) => LoadError::HubUnauthorized { repo: at, reason },
        HubProblem::Unreachable(reason) => LoadError::HubUnreachable { repo: at, reason },
        HubProblem::NoModel(reason) => LoadError::HubNoModel { repo: at, reason },
        HubProblem::NotCached => LoadError::HubNotCached { repo: at },
        HubProblem::Other(reason) => LoadError::HubDownload { repo: at, reason },
    }
    .into()
}

/// The Hub a client would talk to (for the message of a client that could not be made).
fn endpoint_from_env() -> String {
    std::env::var("HF_ENDPOINT")
        .ok()
        .filter(|endpoint| !endpoint.is_empty())
        .unwrap_or_else(|| "https://huggingface.co".to_owned())
}

impl From<&HFError> for HubProblem {
    fn from(error: &HFError) -> Self {
        // The Hub says which of repository or revision is missing in `X-Error-Code` (the
        // client guesses from the URL asked for).
        match error {
            HFError::RepoNotFound { context, .. } | HFError::RevisionNotFound { context, .. } => {
                let code = context
                    .as_ref()
                    .and_then(|context| context.error_code.as_deref());
                match code {
                    Some("RevisionNotFound") => HubProblem::RevisionNotFound,
                    Some("RepoNotFound") => HubProblem::RepoNotFound,
                    _ if matches!(error, HFError::RepoNotFound { .. }) => HubProblem::RepoNotFound,
                    _ => HubProblem::RevisionNotFound,
                }
            }
            HFError::AuthRequired { .. } | HFError::Forbidden { .. } => {
                HubProblem::Unauthorized(error.to_string())
            }
            HFError::Request { source, .. } => HubProblem::Unreachable(with_root_cause(source)),
            HFError::Http { context } if context.status.is_server_error() => {
                HubProblem::Unreachable(error.to_string())
            }
            HFError::EntryNotFound { path, .. } => {
                HubProblem::Other(format!("`{path}` is listed but cannot be downloaded"))
            }
            other => HubProblem::Other(other.to_string()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_repositories_and_revisions() {
        let repo = HubRepo::parse("alice/iris@v1.0").unwrap();
        assert_eq!(repo.repo_id, "alice/iris");
        assert_eq!(repo.revision.as_deref(), Some("v1.0"));
        assert_eq!(HubRepo::parse("hf://alice/iris").unwrap().revision, None);
        assert_eq!(
            HubRepo::parse("alice/iris@refs/pr/1")
                .unwrap()
                .revision
                .as_deref(),
            Some("refs/pr/1")
        );
        for not_hub in [
            "iris",
            "a/b/c",
            "./iris",
            "/abs/iris",
            "alice/iris@",
            "alice/iris@../x",
            "alice/ir is",
            "alice/",
        ] {
            assert_eq!(HubRepo::parse(not_hub), None, "{not_hub}");
        }
    }

    #[test]
    fn reads_kserve_uris() {
        let repo = HubRepo::parse_uri("hf://alice/iris:abc123").unwrap();
        assert_eq!(
            (repo.repo_id.as_str(), repo.revision.as_deref()),
            ("alice/iris", Some("abc123"))
        );
        let repo = HubRepo::parse_uri("HF://alice/iris@main").unwrap();
        assert_eq!(repo.revision.as_deref(), Some("main"));
        assert_eq!(
            HubRepo::parse_uri("hf://iris").unwrap_err().kind(),
            "serve-bad-model-argument"
        );
    }

    #[test]
    fn finds_commits_in_cache_paths() {
        let file = Path::new("/c/models--a--b/snapshots/0123abc/sub/model.skops");
        assert_eq!(commit_of(file).as_deref(), Some("0123abc"));
        assert_eq!(
            commit_of(Path::new("/c/models--a--b/snapshots/0123abc")).as_deref(),
            Some("0123abc")
        );
        assert_eq!(commit_of(Path::new("/tmp/model.skops")), None);
    }
}
