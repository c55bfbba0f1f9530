//! A card bound to its model file: the file's sha256 (and the scikit-learn version it was
//! made with) recorded in the metadata, and a check that they still match.

use std::io::Read;
use std::path::Path;

use sha2::{Digest, Sha256};

use crate::{Card, Error, Result, Value};

/// Metadata key holding the model file's sha256 (hex).
pub const MODEL_SHA256_KEY: &str = "model_sha256";
/// Metadata key holding the model file's name.
pub const MODEL_FILE_KEY: &str = "model_file";
/// Metadata key holding the scikit-learn version the model was fitted with.
pub const SKLEARN_VERSION_KEY: &str = "sklearn_version";

/// Read buffer of the hash (skops hashes in 1 MiB chunks too).
const HASH_CHUNK: usize = 1 << 20;

/// sha256 of a file, as lowercase hex.
pub fn file_sha256(path: &Path) -> Result<String> {
    let mut file = std::fs::File::open(path).map_err(|e| Error::io(path, e))?;
    let mut hasher = Sha256::new();
    let mut buffer = vec![0u8; HASH_CHUNK];
    loop {
        let read = file.read(&mut buffer).map_err(|e| Error::io(path, e))?;
        if read == 0 {
            break;
        }
        hasher.update(buffer.get(..read).unwrap_or_default());
    }
    Ok(hasher
        .finalize()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect())
}

/// Records `model`'s file name and sha256, and the scikit-learn version if given.
pub fn bind(card: &mut Card, model: &Path, sklearn_version: Option<&str>) -> Result<()> {
    let sha = file_sha256(model)?;
    let name = model
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let metadata = card.metadata_mut();
    metadata.set(MODEL_FILE_KEY, Value::from(name));
    metadata.set(MODEL_SHA256_KEY, Value::from(sha));
    if let Some(version) = sklearn_version {
        metadata.set(SKLEARN_VERSION_KEY, Value::from(version));
    }
    Ok(())
}

/// One way a card does not match its model.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Mismatch {
    /// The card records no sha256.
    NoHash,
    /// The recorded sha256 differs from the file's.
    HashDiffers {
        /// In the card.
        recorded: String,
        /// Of the file.
        actual: String,
    },
    /// The recorded scikit-learn version differs from the given one.
    SklearnVersionDiffers {
        /// In the card.
        recorded: String,
        /// The one given.
        actual: String,
    },
}

impl std::fmt::Display for Mismatch {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Mismatch::NoHash => write!(f, "the card records no `{MODEL_SHA256_KEY}`"),
            Mismatch::HashDiffers { recorded, actual } => write!(
                f,
                "the model file's sha256 is {actual}, the card records {recorded}"
            ),
            Mismatch::SklearnVersionDiffers { recorded, actual } => {
                write!(f, "scikit-learn is {actual}, the card records {recorded}")
            }
        }
    }
}

/// Compares a card with its model file (and, if given, the current scikit-learn version).
/// An empty list means the card matches.
pub fn check(card: &Card, model: &Path, sklearn_version: Option<&str>) -> Result<Vec<Mismatch>> {
    Ok(check_sha256(card, &file_sha256(model)?, sklearn_version))
}

/// [`check`] for a model file whose sha256 (hex) is known already: a file held elsewhere than
/// on disk (a hub's blob store) is checked without being hashed again.
pub fn check_sha256(card: &Card, actual: &str, sklearn_version: Option<&str>) -> Vec<Mismatch> {
    let metadata = card.metadata();
    let mut problems = Vec::new();
    match metadata.get(MODEL_SHA256_KEY).and_then(Value::as_str) {
        None => problems.push(Mismatch::NoHash),
        Some(recorded) if !recorded.eq_ignore_ascii_case(actual) => {
            problems.push(Mismatch::HashDiffers {
                recorded: recorded.to_owned(),
                actual: actual.to_owned(),
            });
        }
        Some(_) => {}
    }
    if let (Some(recorded), Some(actual)) = (
        metadata.get(SKLEARN_VERSION_KEY).and_then(Value::as_str),
        sklearn_version,
    ) && recorded != actual
    {
        problems.push(Mismatch::SklearnVersionDiffers {
            recorded: recorded.to_owned(),
            actual: actual.to_owned(),
        });
    }
    problems
}
