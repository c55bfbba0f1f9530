//! Trust policies given at start-up (`skops-rs serve --policy POLICY.json`): a model whose
//! audit leaves untrusted types is served only when a policy for its file's sha256 (as
//! `skops-rs audit --write-policy` writes it, read by `skops_trust::policy`) approves every
//! one of them. A policy for no served model's file stops the start-up (a typo, or a model
//! that changed since its review).

use std::path::{Path, PathBuf};

use skops_trust::policy::TrustPolicy;

use crate::error::{LoadError, Result};

/// The policies given, each with the file it was read from.
#[derive(Debug, Default)]
pub struct Policies {
    policies: Vec<(PathBuf, TrustPolicy)>,
}

/// Which policy admitted a model with untrusted types (shown in its metadata and page).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Admission {
    /// The policy file.
    pub policy: PathBuf,
    /// The sha256 of the model file, which the policy names.
    pub sha256: String,
    /// Who approved the types.
    pub approved_by: String,
    /// When, as `YYYY-MM-DDTHH:MM:SSZ`.
    pub approved_at: String,
    /// The untrusted types of the file that the policy approves, sorted.
    pub types: Vec<String>,
}

impl Admission {
    /// The policy's file name (pages and metadata show no server path).
    pub fn policy_name(&self) -> String {
        self.policy
            .file_name()
            .map(|name| name.to_string_lossy().into_owned())
            .unwrap_or_default()
    }
}

impl Policies {
    /// Reads each policy file; two for the same sha256 are refused (which would apply?).
    pub fn read(paths: &[PathBuf]) -> Result<Self> {
        let mut policies: Vec<(PathBuf, TrustPolicy)> = Vec::with_capacity(paths.len());
        for path in paths {
            let policy = TrustPolicy::read_path(path).map_err(|error| LoadError::Policy {
                path: path.clone(),
                reason: format!("{error} ({})", error.kind()),
            })?;
            if let Some((other, _)) = policies
                .iter()
                .find(|(_, known)| known.sha256() == policy.sha256())
            {
                return Err(LoadError::Policy {
                    path: path.clone(),
                    reason: format!(
                        "`{}` is for the same sha256 {}: give one policy per model file",
                        other.display(),
                        policy.sha256()
                    ),
                }
                .into());
            }
            policies.push((path.clone(), policy));
        }
        Ok(Self { policies })
    }

    /// The policy for the file whose sha256 is `sha256`, if one was given.
    pub fn for_digest(&self, sha256: &str) -> Option<(&Path, &TrustPolicy)> {
        self.policies
            .iter()
            .find(|(_, policy)| policy.sha256() == sha256)
            .map(|(path, policy)| (path.as_path(), policy))
    }

    /// Fails with [`LoadError::UnusedPolicy`] for the first policy whose sha256 is none of
    /// `served` (the sha256 of every served model's file).
    pub fn check_used(&self, served: &[&str]) -> Result<()> {
        for (path, policy) in &self.policies {
            if !served.contains(&policy.sha256()) {
                return Err(LoadError::UnusedPolicy {
                    path: path.clone(),
                    sha256: policy.sha256().to_owned(),
                }
                .into());
            }
        }
        Ok(())
    }

    /// Whether no policy was given.
    pub fn is_empty(&self) -> bool {
        self.policies.is_empty()
    }
}
