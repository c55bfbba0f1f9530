//! Tokens: made by `skops-rs hub token add NAME [--write]`, printed once, stored only as their
//! SHA-256. Anonymous requests read public repositories; any token reads private ones; writes
//! need a write token.

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::error::{AuthError, Error, RequestError, Result, StoreError};
use crate::names::check_name;
use crate::objects::RepoMeta;
use crate::repo::now_ms;
use crate::store::local::hex;
use crate::store::{Backend, Expect};

/// Prefix of the tokens this hub makes (so a leaked one is recognisable).
const TOKEN_PREFIX: &str = "skh_";

/// Random bytes in a token.
const TOKEN_RANDOM_BYTES: usize = 24;

/// What a token may do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    /// Read private repositories.
    Read,
    /// Also create, change and delete repositories.
    Write,
}

/// What the store keeps of a token.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TokenRecord {
    /// The user name (whoami's `name`, the namespace of repositories created without one).
    pub name: String,
    /// What the token may do.
    pub role: Role,
    /// When it was made, in milliseconds since the Unix epoch.
    pub created_ms: u64,
}

/// Who is asking.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Access {
    /// No token.
    Anonymous,
    /// A valid token.
    Token(TokenRecord),
}

impl Access {
    /// Whether this caller may see a repository with `meta`.
    pub fn can_read(&self, meta: &RepoMeta) -> bool {
        !meta.private || matches!(self, Self::Token(_))
    }

    /// The token of a caller that may write.
    pub fn writer(&self) -> Result<&TokenRecord> {
        match self {
            Self::Anonymous => Err(AuthError::TokenRequired.into()),
            Self::Token(record) if record.role == Role::Write => Ok(record),
            Self::Token(_) => Err(AuthError::ReadOnlyToken.into()),
        }
    }
}

fn key(token: &str) -> String {
    format!("tokens/{}.json", hex(&Sha256::digest(token.as_bytes())))
}

/// Makes a token for `name` and stores its hash; returns the token (shown once).
pub async fn add(store: &dyn Backend, name: &str, write: bool) -> Result<String> {
    check_name(name)?;
    let mut random = [0u8; TOKEN_RANDOM_BYTES];
    getrandom::fill(&mut random)
        .map_err(|error| StoreError::io("tokens", std::io::Error::other(error.to_string())))?;
    let token = format!("{TOKEN_PREFIX}{}", hex(&random));
    let record = TokenRecord {
        name: name.to_owned(),
        role: if write { Role::Write } else { Role::Read },
        created_ms: now_ms(),
    };
    let bytes = serde_json::to_vec(&record).unwrap_or_default();
    store.put_if(key(&token), bytes, Expect::Absent).await?;
    Ok(token)
}

/// Who sent a request with this `Authorization` header value.
pub async fn authenticate(store: &dyn Backend, header: Option<&str>) -> Result<Access> {
    let Some(value) = header else {
        return Ok(Access::Anonymous);
    };
    let token = value
        .strip_prefix("Bearer ")
        .or_else(|| value.strip_prefix("bearer "))
        .map(str::trim)
        .ok_or(AuthError::InvalidToken)?;
    if token.is_empty() || token.len() > 512 {
        return Err(AuthError::InvalidToken.into());
    }
    let object = store
        .get(key(token))
        .await?
        .ok_or(AuthError::InvalidToken)?;
    let record: TokenRecord = serde_json::from_slice(&object.bytes).map_err(|error| {
        Error::from(StoreError::Corrupt {
            key: key(token),
            message: error.to_string(),
        })
    })?;
    Ok(Access::Token(record))
}

/// The namespace of a new repository: the one the request names, else the token's user.
pub fn namespace_for(access: &Access, organization: Option<&str>) -> Result<String> {
    match (organization, access) {
        (Some(namespace), _) => Ok(namespace.to_owned()),
        (None, Access::Token(record)) => Ok(record.name.clone()),
        (None, Access::Anonymous) => Err(RequestError::BadRepoName {
            given: String::new(),
            reason: "no namespace given and no token to take it from",
        }
        .into()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::local::LocalStore;

    #[tokio::test]
    async fn tokens_are_stored_hashed_and_checked() {
        let dir = tempfile::tempdir().unwrap();
        let store = LocalStore::open(dir.path()).unwrap();
        let token = add(&store, "alice", true).await.unwrap();
        assert!(token.starts_with(TOKEN_PREFIX));
        let stored = std::fs::read_dir(dir.path().join("tokens")).unwrap();
        for entry in stored {
            let text = std::fs::read_to_string(entry.unwrap().path()).unwrap();
            assert!(!text.contains(&token));
        }
        let access = authenticate(&store, Some(&format!("Bearer {token}")))
            .await
            .unwrap();
        assert_eq!(access.writer().unwrap().name, "alice");
        let bad = authenticate(&store, Some("Bearer skh_nope")).await;
        assert_eq!(bad.unwrap_err().kind(), "auth-invalid-token");
        let read = add(&store, "bob", false).await.unwrap();
        let access = authenticate(&store, Some(&format!("Bearer {read}")))
            .await
            .unwrap();
        assert_eq!(access.writer().unwrap_err().kind(), "auth-read-only-token");
    }
}
