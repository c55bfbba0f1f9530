//! Loading the models to serve, at start-up: a `.skops` file, or a repository folder as skops'
//! `hub_utils.init` writes it (`config.json` naming the model file in `sklearn.model.file`,
//! with `sklearn.task`, `sklearn.columns` and `sklearn.example_input`). Every model is audited
//! (no untrusted type may remain, unless a `--policy` for the file's sha256 approves it:
//! [`crate::policy`]), validated and built by the native engine before the server answers
//! anything: a model that fails any of these stops the start-up with its reason. A model the
//! native engine does not evaluate goes, once audited, to the loader's [`Fallback`] when it
//! has one (`python -m skops_rs serve`), else is refused. A hub repository
//! (`owner/name[@revision]`) is first downloaded into the Hugging Face cache
//! ([`crate::source`]), then loaded as a folder is.

use std::collections::BTreeMap;
use std::path::{Component, Path, PathBuf};
use std::sync::Arc;

use skops_infer::Predictor;
use skops_trust::ModelFile;

use crate::engine::{Engine, Fallback, Unsupported, is_unsupported};
use crate::error::{LoadError, NotFoundError, Result};
use crate::limits::MAX_CARD_BYTES;
use crate::policy::{Admission, Policies};
use crate::source::HubOrigin;

/// A model argument: a path, named by its stem unless `NAME=PATH` names it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ModelSpec {
    /// The name given, if any.
    pub name: Option<String>,
    /// The `.skops` file or repository folder (or, before [`crate::source::resolve`], the
    /// `owner/name[@revision]` argument).
    pub path: PathBuf,
    /// The hub repository `path` was downloaded from, if it was.
    pub origin: Option<HubOrigin>,
}

impl ModelSpec {
    /// A model argument of the command line: `PATH` (named after its stem).
    pub fn path(path: impl Into<PathBuf>) -> Self {
        Self {
            name: None,
            path: path.into(),
            origin: None,
        }
    }

    /// A `--model-name NAME=PATH` argument.
    pub fn named(arg: &str) -> Result<Self> {
        let bad = |reason| LoadError::BadSpec {
            given: arg.to_owned(),
            reason,
        };
        let (name, path) = arg
            .split_once('=')
            .ok_or_else(|| bad("expected NAME=PATH"))?;
        if path.is_empty() {
            return Err(bad("the path is empty").into());
        }
        check_name(name).map_err(bad)?;
        Ok(Self {
            name: Some(name.to_owned()),
            path: PathBuf::from(path),
            origin: None,
        })
    }

    /// The same model under `name` (KServe's `--model_name`), checked as `NAME=PATH` names are.
    pub fn renamed(self, name: &str) -> Result<Self> {
        Ok(Self {
            origin: self.origin,
            ..spec_named(self.path, Some(name))?
        })
    }

    /// The name the model is served under: the one given, else the file's or folder's stem.
    pub fn served_name(&self) -> Result<String> {
        if let Some(name) = &self.name {
            return Ok(name.clone());
        }
        let stem = self
            .path
            .file_stem()
            .and_then(|stem| stem.to_str())
            .unwrap_or_default()
            .to_owned();
        check_name(&stem).map_err(|reason| LoadError::BadSpec {
            given: self.path.display().to_string(),
            reason,
        })?;
        Ok(stem)
    }
}

/// The model of a folder as KServe's storage initializer fills `/mnt/models` (`--model_dir`):
/// the folder itself when it holds `config.json` (a repository folder), else its single
/// `.skops` file. Named `name` (KServe's `--model_name`), else after the folder or file.
pub fn model_dir_spec(dir: &Path, name: Option<&str>) -> Result<ModelSpec> {
    let bad = |reason: String| LoadError::ModelDir {
        dir: dir.to_owned(),
        reason,
    };
    let io = |source: std::io::Error| LoadError::Io {
        path: dir.to_owned(),
        source,
    };
    let path = if dir.join("config.json").is_file() {
        dir.to_owned()
    } else {
        let mut found = Vec::new();
        for entry in std::fs::read_dir(dir).map_err(io)? {
            let path = entry.map_err(io)?.path();
            if path.extension().is_some_and(|ext| ext == "skops") && path.is_file() {
                found.push(path);
            }
        }
        found.sort();
        match found.as_slice() {
            [one] => one.clone(),
            [] => return Err(bad("no `.skops` file and no `config.json` in it".to_owned()).into()),
            several => {
                let names: Vec<String> = several
                    .iter()
                    .filter_map(|path| path.file_name())
                    .map(|name| name.to_string_lossy().into_owned())
                    .collect();
                return Err(bad(format!(
                    "{} `.skops` files ({}) and no `config.json` to say which is the model: keep one, or give each as a MODEL argument",
                    names.len(),
                    names.join(", ")
                ))
                .into());
            }
        }
    };
    spec_named(path, name)
}

/// The model of KServe's `STORAGE_URI`: a path or a `file://` URL, to a `.skops` file or a
/// model folder ([`model_dir_spec`]), or a hub repository `hf://owner/name[@revision]`
/// (downloaded, [`crate::source`]). Other remote storage (`s3://`, `gs://`, ...) is the
/// storage initializer's job: refused with a message saying so.
pub fn storage_uri_spec(uri: &str, name: Option<&str>) -> Result<ModelSpec> {
    let path = match uri.split_once("://") {
        Some((scheme, _)) if scheme.eq_ignore_ascii_case("hf") => {
            let repo = crate::source::HubRepo::parse_uri(uri)?;
            if let Some(name) = name {
                check_name(name).map_err(|reason| LoadError::BadSpec {
                    given: name.to_owned(),
                    reason,
                })?;
            }
            return crate::source::download(&repo, name);
        }
        None => PathBuf::from(uri),
        Some((scheme, rest)) if scheme.eq_ignore_ascii_case("file") => {
            // `file:///abs/path` (or `file://localhost/abs/path`): the path after the host.
            let rest = rest.strip_prefix("localhost").unwrap_or(rest);
            PathBuf::from(rest)
        }
        Some(_) => {
            return Err(LoadError::RemoteStorage {
                uri: uri.to_owned(),
            }
            .into());
        }
    };
    if path.is_dir() {
        return model_dir_spec(&path, name);
    }
    spec_named(path, name)
}

/// `path` under `name` (checked), else under its stem.
fn spec_named(path: PathBuf, name: Option<&str>) -> Result<ModelSpec> {
    if let Some(name) = name {
        check_name(name).map_err(|reason| LoadError::BadSpec {
            given: name.to_owned(),
            reason,
        })?;
    }
    Ok(ModelSpec {
        name: name.map(str::to_owned),
        path,
        origin: None,
    })
}

/// Names appear in URLs: `owner/name` or `name`, each part of letters, digits, `-`, `_`, `.`.
pub(crate) fn check_name(name: &str) -> Result<(), &'static str> {
    let parts: Vec<&str> = name.split('/').collect();
    if name.is_empty() || parts.len() > 2 {
        return Err("a model name is `NAME` or `OWNER/NAME`");
    }
    let ok = |part: &&str| {
        !part.is_empty()
            && *part != "."
            && *part != ".."
            && part.len() <= 96
            && part
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
    };
    if parts.iter().all(ok) {
        Ok(())
    } else {
        Err("name parts are 1-96 letters, digits, `-`, `_` or `.`")
    }
}

/// A model ready to answer requests.
#[derive(Debug)]
pub struct ServedModel {
    /// The name it is served under.
    pub name: String,
    /// The `.skops` file it was loaded from.
    pub file: PathBuf,
    /// The engine that evaluates it: the native one, or the fallback's (its name is
    /// [`Engine::engine_name`]).
    pub predictor: Box<dyn Engine>,
    /// `sklearn.task` of the repository's `config.json` (`tabular-classification`, ...).
    pub task: Option<String>,
    /// `sklearn.columns`: the input columns, in order.
    pub columns: Option<Vec<String>>,
    /// `sklearn.example_input`: column -> example values.
    pub example_input: Option<serde_json::Value>,
    /// The model card: `README.md` of the repository folder, if there is one (and it is at
    /// most [`MAX_CARD_BYTES`] of UTF-8), shown on the model's page.
    pub card: Option<String>,
    /// The policy that approved the file's untrusted types, if it has any.
    pub admitted_by: Option<Admission>,
    /// The hub repository the model was downloaded from, if it was.
    pub origin: Option<HubOrigin>,
}

impl ServedModel {
    /// The input columns by name: the model's fitted names, else `sklearn.columns`.
    pub fn input_names(&self) -> Option<&[String]> {
        self.predictor
            .feature_names_in()
            .or(self.columns.as_deref())
    }
}

/// What `config.json` says about the model.
#[derive(Debug, Default)]
struct Config {
    file: Option<PathBuf>,
    format: Option<String>,
    task: Option<String>,
    columns: Option<Vec<String>>,
    example_input: Option<serde_json::Value>,
}

impl Config {
    /// Refuses a `sklearn.model_format` other than `skops` (a pickle or joblib model is never
    /// opened); `file` names the model in the message.
    fn check_format(&self, file: &Path) -> Result<()> {
        match &self.format {
            Some(format) if format != "skops" => Err(LoadError::Format {
                path: file.to_owned(),
                reason: format!("config.json says `sklearn.model_format` is `{format}`"),
            }
            .into()),
            _ => Ok(()),
        }
    }
}

/// Loads, audits and builds the model of `spec` (no untrusted type admitted, with the native
/// engine only).
pub fn load(spec: &ModelSpec) -> Result<ServedModel> {
    load_with(spec, &Policies::default(), None)
}

/// Loads, audits and builds the model of `spec`; untrusted types are admitted only by a
/// policy of `policies` for the file's sha256 that approves them all; a model the native
/// engine does not evaluate goes to `fallback` when there is one.
pub fn load_with(
    spec: &ModelSpec,
    policies: &Policies,
    fallback: Option<&dyn Fallback>,
) -> Result<ServedModel> {
    let name = spec.served_name()?;
    let io = |path: &Path| {
        let path = path.to_owned();
        move |source| LoadError::Io { path, source }
    };
    let metadata = std::fs::metadata(&spec.path).map_err(io(&spec.path))?;
    let mut card = None;
    let (file, config) = if metadata.is_dir() {
        card = read_card(&spec.path.join("README.md"));
        let config_path = spec.path.join("config.json");
        let text = std::fs::read_to_string(&config_path).map_err(io(&config_path))?;
        let config = read_config(&config_path, &text)?;
        let Some(relative) = &config.file else {
            return Err(LoadError::Config {
                path: config_path,
                reason: "`sklearn.model.file` is missing: which file is the model?".to_owned(),
            }
            .into());
        };
        (spec.path.join(relative), config)
    } else {
        (spec.path.clone(), Config::default())
    };
    config.check_format(&file)?;
    let bytes = std::fs::read(&file).map_err(io(&file))?;
    let built = build(&file, &bytes, policies, fallback)?;
    Ok(ServedModel {
        name,
        file,
        predictor: built.predictor,
        task: config.task,
        columns: config.columns,
        example_input: config.example_input,
        card,
        admitted_by: built.admitted_by,
        origin: spec.origin.clone(),
    })
}

/// Audits and builds the model of a `.skops` file held in memory (a hub's stored blob), as
/// [`load`] does a file's: refused if it is a pickle, while an untrusted type remains, or if
/// the native engine cannot evaluate it. `file` names it in messages; `config` is the text of
/// the repository's `config.json` (its `sklearn.task`, `columns`, `example_input`, and
/// `model_format`, which must be `skops`), given with its path for messages. No card is kept:
/// the caller shows its own.
pub fn load_bytes(
    name: String,
    file: PathBuf,
    bytes: &[u8],
    config: Option<(&Path, &str)>,
) -> Result<ServedModel> {
    let config = match config {
        Some((path, text)) => read_config(path, text)?,
        None => Config::default(),
    };
    config.check_format(&file)?;
    // No policy admits an untrusted type here and no fallback engine exists: a hub page
    // serves what the native engine evaluates after a clean audit.
    let built = build(&file, bytes, &Policies::default(), None)?;
    Ok(ServedModel {
        name,
        file,
        predictor: built.predictor,
        task: config.task,
        columns: config.columns,
        example_input: config.example_input,
        card: None,
        admitted_by: None,
        origin: None,
    })
}

/// The card at `path`: `None` when it is absent, larger than [`MAX_CARD_BYTES`] or not UTF-8
/// (a page without a card, rather than a refused model).
fn read_card(path: &Path) -> Option<String> {
    let metadata = std::fs::metadata(path).ok()?;
    if !metadata.is_file() || metadata.len() > MAX_CARD_BYTES {
        return None;
    }
    String::from_utf8(std::fs::read(path).ok()?).ok()
}

/// A model file audited and built.
struct Built {
    predictor: Box<dyn Engine>,
    admitted_by: Option<Admission>,
}

/// Audits the file (refused while an untrusted type remains that no policy for its sha256
/// approves), then builds its engine: the native one, else (for a model it does not
/// evaluate) the fallback's.
fn build(
    path: &Path,
    bytes: &[u8],
    policies: &Policies,
    fallback: Option<&dyn Fallback>,
) -> Result<Built> {
    // A pickle starts with the PROTO opcode; a `.skops` file is a zip archive.
    if bytes.first() == Some(&0x80) {
        return Err(LoadError::Format {
            path: path.to_owned(),
            reason: "it is a pickle (joblib) file".to_owned(),
        }
        .into());
    }
    let refused = |source: skops_infer::Error| LoadError::Model {
        path: path.to_owned(),
        source: Box::new(source),
    };
    let file = ModelFile::open(bytes, &skops_format::Limits::default())
        .map_err(|error| refused(error.into()))?;
    // Types trusted beyond the defaults: none today (a fallback loader trusts exactly these).
    let trusted: Vec<String> = Vec::new();
    let report = file
        .audit(&trusted)
        .map_err(|error| refused(error.into()))?;
    let types = report.untrusted_types();
    let sha256 = skops_trust::policy::sha256_hex(bytes);
    let admitted_by = if types.is_empty() {
        None
    } else {
        // Audited again with the policy's types trusted, as `skops-rs audit --policy` does.
        let policy = policies.for_digest(&sha256);
        let left = match policy {
            Some((_, policy)) => file
                .audit(policy.types())
                .map_err(|error| refused(error.into()))?
                .untrusted_types(),
            None => types.clone(),
        };
        match policy {
            Some((policy_path, policy)) if left.is_empty() => Some(Admission {
                policy: policy_path.to_owned(),
                sha256: sha256.clone(),
                approved_by: policy.approved_by().to_owned(),
                approved_at: policy.approved_at().to_owned(),
                types: types.clone(),
            }),
            _ => {
                return Err(LoadError::Untrusted {
                    path: path.to_owned(),
                    types: left,
                    sha256,
                    policy: policy.map(|(policy_path, _)| policy_path.to_owned()),
                }
                .into());
            }
        }
    };
    // A policy may also approve types the file does not hold as untrusted (a later release
    // may trust by default what an older one wrote a policy for): not refused, since the file
    // is still the reviewed one; the metadata lists only the file's own untrusted types.
    // The same opened file: the audit's validation is not run a second time.
    let predictor: Box<dyn Engine> = match Predictor::from_model_file(&file) {
        Ok(predictor) => Box::new(predictor),
        // Only after the audit passed, and only for what scikit-learn evaluates but the
        // native engine does not (never for a file or state that is wrong).
        Err(error) if is_unsupported(&error) => match fallback {
            Some(fallback) => {
                // A fallback that audits again trusts exactly what the policy approved.
                let trusted = admitted_by
                    .as_ref()
                    .map(|admission| admission.types.clone())
                    .unwrap_or_default();
                fallback.engine(&Unsupported {
                    path,
                    bytes,
                    trusted: &trusted,
                    sha256: sha256.clone(),
                    sklearn_version: file.sklearn_version(),
                    reason: &error,
                })?
            }
            None => {
                return Err(LoadError::NotNative {
                    path: path.to_owned(),
                    source: Box::new(error),
                }
                .into());
            }
        },
        Err(error) => return Err(refused(error).into()),
    };
    Ok(Built {
        predictor,
        admitted_by,
    })
}

/// `sklearn.model.file` of the repository's `config.json` at `config_path` (`None` when it
/// names none), read as [`load`] reads it.
pub(crate) fn config_model_file(config_path: &Path) -> Result<PathBuf> {
    let text = std::fs::read_to_string(config_path).map_err(|source| LoadError::Io {
        path: config_path.to_owned(),
        source,
    })?;
    read_config(config_path, &text)?.file.ok_or_else(|| {
        LoadError::Config {
            path: config_path.to_owned(),
            reason: "`sklearn.model.file` is missing: which file is the model?".to_owned(),
        }
        .into()
    })
}

fn read_config(path: &Path, text: &str) -> Result<Config> {
    let bad = |reason: String| LoadError::Config {
        path: path.to_owned(),
        reason,
    };
    let value: serde_json::Value =
        serde_json::from_str(text).map_err(|error| bad(format!("not JSON: {error}")))?;
    let Some(sklearn) = value.get("sklearn").and_then(|v| v.as_object()) else {
        return Err(bad("no `sklearn` object".to_owned()).into());
    };
    let string = |key: &str| -> Result<Option<String>> {
        match sklearn.get(key) {
            None | Some(serde_json::Value::Null) => Ok(None),
            Some(serde_json::Value::String(text)) => Ok(Some(text.clone())),
            Some(_) => Err(bad(format!("`sklearn.{key}` is not a string")).into()),
        }
    };
    let file = match sklearn.get("model").and_then(|model| model.get("file")) {
        None => None,
        Some(serde_json::Value::String(file)) => Some(relative_path(file).ok_or_else(|| {
            bad(format!(
                "`sklearn.model.file` `{file}` is not a relative path inside the folder"
            ))
        })?),
        Some(_) => return Err(bad("`sklearn.model.file` is not a string".to_owned()).into()),
    };
    let columns = match sklearn.get("columns") {
        None | Some(serde_json::Value::Null) => None,
        Some(serde_json::Value::Array(items)) => Some(
            items
                .iter()
                .map(|item| item.as_str().map(str::to_owned))
                .collect::<Option<Vec<_>>>()
                .ok_or_else(|| bad("`sklearn.columns` holds a non-string".to_owned()))?,
        ),
        Some(_) => return Err(bad("`sklearn.columns` is not a list".to_owned()).into()),
    };
    Ok(Config {
        file,
        format: string("model_format")?,
        task: string("task")?,
        columns,
        example_input: sklearn.get("example_input").cloned(),
    })
}

/// `file` as a path inside the folder: relative, no `..`.
fn relative_path(file: &str) -> Option<PathBuf> {
    let path = PathBuf::from(file);
    let inside = !file.is_empty()
        && path
            .components()
            .all(|component| matches!(component, Component::Normal(_) | Component::CurDir));
    inside.then_some(path)
}

/// The served models, by name.
#[derive(Debug, Default)]
pub struct Models {
    by_name: BTreeMap<String, Arc<ServedModel>>,
}

impl Models {
    /// Loads every model of `specs` (in order; the first failure stops), natively.
    pub fn load(specs: &[ModelSpec]) -> Result<Self> {
        Self::load_with(specs, &Policies::default(), None)
    }

    /// Loads every model of `specs` with the trust `policies` (in order; the first failure
    /// stops; a policy for none of the files is an error too); the models the native engine
    /// does not evaluate go to `fallback` when there is one.
    pub fn load_with(
        specs: &[ModelSpec],
        policies: &Policies,
        fallback: Option<&dyn Fallback>,
    ) -> Result<Self> {
        if specs.is_empty() {
            return Err(LoadError::NoModels.into());
        }
        let mut models = Self::default();
        for spec in specs {
            models.insert(load_with(spec, policies, fallback)?)?;
        }
        let served: Vec<&str> = models
            .iter()
            .map(|model| model.predictor.sha256())
            .collect();
        policies.check_used(&served)?;
        Ok(models)
    }

    /// Adds `model`; its name must be new.
    pub fn insert(&mut self, model: ServedModel) -> Result<()> {
        if self.by_name.contains_key(&model.name) {
            return Err(LoadError::DuplicateName { name: model.name }.into());
        }
        self.by_name.insert(model.name.clone(), Arc::new(model));
        Ok(())
    }

    /// The model named `name`.
    pub fn get(&self, name: &str) -> Result<Arc<ServedModel>> {
        self.by_name.get(name).cloned().ok_or_else(|| {
            NotFoundError::Model {
                name: name.to_owned(),
            }
            .into()
        })
    }

    /// The model of a legacy `POST /models/{repo_id}`: the one named `repo_id`, else the one
    /// named after its last part (`owner/iris` finds a model served as `iris`), as the legacy
    /// API's container served its one model whatever the owner.
    pub fn get_legacy(&self, repo_id: &str) -> Result<Arc<ServedModel>> {
        if let Some(model) = self.by_name.get(repo_id) {
            return Ok(Arc::clone(model));
        }
        match repo_id.rsplit_once('/') {
            Some((_, name)) if self.by_name.contains_key(name) => self.get(name),
            _ => self.get(repo_id),
        }
    }

    /// Every model, by name.
    pub fn iter(&self) -> impl Iterator<Item = &Arc<ServedModel>> {
        self.by_name.values()
    }

    /// The number of models.
    pub fn len(&self) -> usize {
        self.by_name.len()
    }

    /// Whether there is no model.
    pub fn is_empty(&self) -> bool {
        self.by_name.is_empty()
    }
}
