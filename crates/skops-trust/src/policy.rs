//! Trust policies: approvals of untrusted types bound to the sha256 of one exact file.
//!
//! A list of trusted type names stored next to a model is only as trustworthy as whoever last
//! wrote that folder: a crafted model can ship a list approving its own dangerous types (the
//! pattern of mlflow advisory GHSA-w582-9x45-8mpx). A [`TrustPolicy`] records the sha256 of the
//! file it was reviewed for, so it approves nothing in any other file, not even one differing
//! by one byte. See `docs/trust.md`.
//!
//! The policy is a small JSON document (version [`POLICY_VERSION`]):
//!
//! ```json
//! {
//!   "version": 1,
//!   "sha256": "<64 lowercase hex digits: the sha256 of the whole .skops file>",
//!   "types": ["mymodule.MyTransformer", "sklearn.tree._tree.Tree"],
//!   "approved_by": "alice",
//!   "approved_at": "2026-11-30T13:45:00Z",
//!   "note": "reviewed the custom transformer in PR 42"
//! }
//! ```
//!
//! Reading is strict: an unknown, missing or repeated key, an unknown version, a malformed
//! digest or timestamp, an empty or repeated type name, and a document larger than
//! [`MAX_POLICY_SIZE`] are refused with a `Policy*` [`Error`] (or a limit error of the format).

use std::collections::HashSet;
use std::io::Read;
use std::path::Path;
use std::time::{SystemTime, UNIX_EPOCH};

use sha2::{Digest, Sha256};
use time::{Date, Month, OffsetDateTime, PrimitiveDateTime, Time};

use crate::error::PolicyError;
use crate::{Error, Result};
use skops_format::json::{self, Object, Value};
use skops_format::limits::{Limits, MAX_JSON_DEPTH, MAX_POLICY_SIZE};

/// The policy format version this build reads and writes.
pub const POLICY_VERSION: u64 = 1;

/// Who approved a policy when the environment names nobody (`USER`, `USERNAME`, `LOGNAME`).
pub const UNKNOWN_APPROVER: &str = "unknown";

/// The keys of a policy document, in the order they are written.
const KEYS: [&str; 6] = [
    "version",
    "sha256",
    "types",
    "approved_by",
    "approved_at",
    "note",
];

/// Values quoted in error messages are cut to this many characters.
const QUOTE_CHARS: usize = 80;

/// Approved type names, bound to the sha256 of the one file they were reviewed for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TrustPolicy {
    sha256: String,
    types: Vec<String>,
    approved_by: String,
    approved_at: String,
    note: Option<String>,
}

impl TrustPolicy {
    /// A policy approving `types` in the file whose sha256 (lowercase hex) is `sha256`,
    /// approved by `approved_by` at `approved_at` (`YYYY-MM-DDTHH:MM:SSZ`).
    ///
    /// Fails with the error [`TrustPolicy::parse`] would give for the same values.
    pub fn new(
        sha256: &str,
        types: Vec<String>,
        approved_by: &str,
        approved_at: &str,
        note: Option<String>,
    ) -> Result<Self> {
        check_digest_text(sha256)?;
        check_types(&types)?;
        check_text("approved_by", approved_by)?;
        check_timestamp(approved_at)?;
        if let Some(note) = &note {
            check_note(note)?;
        }
        Ok(Self {
            sha256: sha256.to_owned(),
            types,
            approved_by: approved_by.to_owned(),
            approved_at: approved_at.to_owned(),
            note,
        })
    }

    /// A policy approving `types` in the file whose content is `data`, approved now by
    /// `approved_by` (by [`default_approver`] when `None`).
    pub fn for_data(
        data: &[u8],
        types: Vec<String>,
        approved_by: Option<&str>,
        note: Option<String>,
    ) -> Result<Self> {
        let approver = approved_by.map_or_else(default_approver, str::to_owned);
        Self::new(&sha256_hex(data), types, &approver, &utc_now(), note)
    }

    /// Reads a policy document (UTF-8 JSON), strictly; see the module documentation.
    pub fn parse(text: &[u8]) -> Result<Self> {
        Limits::check("trust policy size", len_u64(text.len()), MAX_POLICY_SIZE)?;
        let value = json::parse(text, MAX_JSON_DEPTH).map_err(|source| {
            Error::Policy(PolicyError::Syntax {
                source: Box::new(source),
            })
        })?;
        let object = value
            .as_object()
            .ok_or_else(|| invalid(format!("expected an object, found {}", value.type_name())))?;
        check_keys(object)?;
        let version = required(object, "version")?;
        let supported = version
            .as_number()
            .and_then(|number| number.as_u64())
            .is_some_and(|number| number == POLICY_VERSION);
        if !supported {
            return Err(Error::Policy(PolicyError::UnsupportedVersion {
                found: quote(&json::to_string_compact(version)),
                supported: POLICY_VERSION,
            }));
        }
        let sha256 = required_str(object, "sha256")?;
        let types = required(object, "types")?
            .as_array()
            .ok_or_else(|| invalid("`types` must be an array of strings".to_owned()))?
            .iter()
            .map(|item| {
                item.as_str()
                    .map(str::to_owned)
                    .ok_or_else(|| invalid("`types` must be an array of strings".to_owned()))
            })
            .collect::<Result<Vec<_>>>()?;
        let approved_by = required_str(object, "approved_by")?;
        let approved_at = required_str(object, "approved_at")?;
        let note = match object.get("note") {
            None | Some(Value::Null) => None,
            Some(Value::String(note)) => {
                Some(note.as_str().map(str::to_owned).ok_or_else(|| {
                    invalid("`note` must be text without lone surrogates".to_owned())
                })?)
            }
            Some(other) => {
                return Err(invalid(format!(
                    "`note` must be a string, found {}",
                    other.type_name()
                )));
            }
        };
        Self::new(sha256, types, approved_by, approved_at, note)
    }

    /// Reads the policy file at `path` (at most [`MAX_POLICY_SIZE`] bytes).
    pub fn read_path(path: &Path) -> Result<Self> {
        let io = |source| skops_format::Error::Io {
            path: path.display().to_string(),
            source,
        };
        let file = std::fs::File::open(path).map_err(io)?;
        let mut text = Vec::new();
        // One byte more than the limit, so that `parse` sees a too-large file as too large.
        file.take(MAX_POLICY_SIZE.saturating_add(1))
            .read_to_end(&mut text)
            .map_err(io)?;
        Self::parse(&text)
    }

    /// The policy as a JSON document (two-space indentation, keys in documented order,
    /// `note` only when there is one, a final newline).
    pub fn to_json(&self) -> String {
        let mut object = Object::with_capacity(KEYS.len());
        object.push("version", POLICY_VERSION);
        object.push("sha256", self.sha256.as_str());
        object.push(
            "types",
            self.types
                .iter()
                .map(|name| Value::from(name.as_str()))
                .collect::<Vec<_>>(),
        );
        object.push("approved_by", self.approved_by.as_str());
        object.push("approved_at", self.approved_at.as_str());
        if let Some(note) = &self.note {
            object.push("note", note.as_str());
        }
        let mut text = json::to_string_pretty(&Value::Object(object));
        text.push('\n');
        text
    }

    /// Writes the policy to `path` atomically: a new file next to it is written, synced and
    /// renamed over it, so a failure never leaves a partial policy behind.
    pub fn write_path(&self, path: &Path) -> Result<()> {
        write_atomic(path, self.to_json().as_bytes())
    }

    /// Fails with [`PolicyError::DigestMismatch`] unless the policy is for the file whose
    /// sha256 is `sha256` (lowercase hex).
    pub fn check_digest(&self, sha256: &str) -> Result<()> {
        if self.sha256 == sha256 {
            Ok(())
        } else {
            Err(Error::Policy(PolicyError::DigestMismatch {
                policy: self.sha256.clone(),
                file: sha256.to_owned(),
            }))
        }
    }

    /// The approved types, if the policy is for the file whose content is `data`; otherwise
    /// [`PolicyError::DigestMismatch`].
    pub fn trusted_types_for(&self, data: &[u8]) -> Result<&[String]> {
        self.check_digest(&sha256_hex(data))?;
        Ok(&self.types)
    }

    /// The sha256 of the file the policy is for, lowercase hex.
    pub fn sha256(&self) -> &str {
        &self.sha256
    }

    /// The approved type names, in the order the policy lists them.
    pub fn types(&self) -> &[String] {
        &self.types
    }

    /// Who approved them.
    pub fn approved_by(&self) -> &str {
        &self.approved_by
    }

    /// When, as `YYYY-MM-DDTHH:MM:SSZ`.
    pub fn approved_at(&self) -> &str {
        &self.approved_at
    }

    /// The approver's note, if any.
    pub fn note(&self) -> Option<&str> {
        self.note.as_deref()
    }
}

/// The sha256 of `data`, as lowercase hex.
pub fn sha256_hex(data: &[u8]) -> String {
    Sha256::digest(data)
        .iter()
        .map(|byte| format!("{byte:02x}"))
        .collect()
}

/// The user name from the environment (`USER`, then `USERNAME`, then `LOGNAME`), or
/// [`UNKNOWN_APPROVER`].
pub fn default_approver() -> String {
    ["USER", "USERNAME", "LOGNAME"]
        .iter()
        .filter_map(|key| std::env::var(key).ok())
        .find(|name| check_text("approved_by", name).is_ok())
        .unwrap_or_else(|| UNKNOWN_APPROVER.to_owned())
}

/// The current time in UTC as `YYYY-MM-DDTHH:MM:SSZ`.
pub fn utc_now() -> String {
    let seconds = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |elapsed| elapsed.as_secs());
    format_utc(seconds)
}

/// `seconds` after the Unix epoch as `YYYY-MM-DDTHH:MM:SSZ` (a time past 9999, which the
/// format cannot write, as its last second).
fn format_utc(seconds: u64) -> String {
    let moment = i64::try_from(seconds)
        .ok()
        .and_then(|seconds| OffsetDateTime::from_unix_timestamp(seconds).ok())
        .unwrap_or(PrimitiveDateTime::MAX.assume_utc());
    format!(
        "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}Z",
        moment.year(),
        u8::from(moment.month()),
        moment.day(),
        moment.hour(),
        moment.minute(),
        moment.second()
    )
}

fn len_u64(len: usize) -> u64 {
    u64::try_from(len).unwrap_or(u64::MAX)
}

fn invalid(reason: String) -> Error {
    Error::Policy(PolicyError::Invalid { reason })
}

/// `text` cut to [`QUOTE_CHARS`] characters, for error messages.
fn quote(text: &str) -> String {
    text.chars().take(QUOTE_CHARS).collect()
}

/// Every key is a documented one and appears once; every required key is there.
fn check_keys(object: &Object) -> Result<()> {
    let mut seen = HashSet::new();
    for key in object.keys() {
        if !key.as_str().is_some_and(|key| KEYS.contains(&key)) {
            return Err(invalid(format!("unknown key `{}`", quote(&key.escaped()))));
        }
        if !seen.insert(key) {
            return Err(invalid(format!("key `{key}` appears more than once")));
        }
    }
    Ok(())
}

fn required<'o>(object: &'o Object, key: &str) -> Result<&'o Value> {
    object
        .get(key)
        .ok_or_else(|| invalid(format!("missing key `{key}`")))
}

fn required_str<'o>(object: &'o Object, key: &str) -> Result<&'o str> {
    let value = required(object, key)?;
    value.as_str().ok_or_else(|| {
        invalid(format!(
            "`{key}` must be a string, found {}",
            value.type_name()
        ))
    })
}

fn check_digest_text(sha256: &str) -> Result<()> {
    let well_formed = sha256.len() == 64
        && sha256
            .bytes()
            .all(|byte| byte.is_ascii_digit() || (b'a'..=b'f').contains(&byte));
    if well_formed {
        Ok(())
    } else {
        Err(Error::Policy(PolicyError::MalformedDigest {
            found: quote(sha256),
        }))
    }
}

/// Type names are non-empty, without whitespace or control characters, and listed once.
fn check_types(types: &[String]) -> Result<()> {
    let mut seen = HashSet::with_capacity(types.len());
    for name in types {
        if name.is_empty() || name.chars().any(|c| c.is_whitespace() || c.is_control()) {
            return Err(invalid(format!(
                "type name `{}` is empty or holds whitespace or control characters",
                quote(&name.escape_debug().to_string())
            )));
        }
        if !seen.insert(name.as_str()) {
            return Err(Error::Policy(PolicyError::DuplicateType {
                name: quote(name),
            }));
        }
    }
    Ok(())
}

/// A one-line, non-blank text (`approved_by`).
fn check_text(key: &str, text: &str) -> Result<()> {
    if text.trim().is_empty() || text.chars().any(char::is_control) {
        return Err(invalid(format!(
            "`{key}` must be a non-blank line of text without control characters"
        )));
    }
    Ok(())
}

/// A note may span lines but holds no other control characters.
fn check_note(note: &str) -> Result<()> {
    if note
        .chars()
        .any(|c| c.is_control() && c != '\n' && c != '\t')
    {
        return Err(invalid(
            "`note` must not hold control characters other than newlines and tabs".to_owned(),
        ));
    }
    Ok(())
}

/// `YYYY-MM-DDTHH:MM:SSZ`, a real date and time of day (leap seconds aside).
fn check_timestamp(text: &str) -> Result<()> {
    let malformed = || Error::Policy(PolicyError::MalformedTimestamp { found: quote(text) });
    let bytes = text.as_bytes();
    let shape_ok = bytes.len() == 20
        && bytes.iter().enumerate().all(|(at, byte)| match at {
            4 | 7 => *byte == b'-',
            10 => *byte == b'T',
            13 | 16 => *byte == b':',
            19 => *byte == b'Z',
            _ => byte.is_ascii_digit(),
        });
    if !shape_ok {
        return Err(malformed());
    }
    let field = |range: std::ops::Range<usize>| -> Option<u8> {
        text.get(range).and_then(|digits| digits.parse().ok())
    };
    let year = text.get(0..4).and_then(|digits| digits.parse().ok());
    let date = year
        .zip(field(5..7))
        .zip(field(8..10))
        .and_then(|((year, month), day)| {
            let month = Month::try_from(month).ok()?;
            Date::from_calendar_date(year, month, day).ok()
        });
    let time_of_day = field(11..13)
        .zip(field(14..16))
        .zip(field(17..19))
        .and_then(|((hour, minute), second)| Time::from_hms(hour, minute, second).ok());
    if date.is_some() && time_of_day.is_some() {
        Ok(())
    } else {
        Err(malformed())
    }
}

/// [`skops_format::atomic::write_atomic`] with its failure as the format's `Error::Io`.
fn write_atomic(path: &Path, bytes: &[u8]) -> Result<()> {
    skops_format::atomic::write_atomic(path, bytes).map_err(|failed| {
        Error::Format(skops_format::Error::Io {
            path: failed.path.display().to_string(),
            source: failed.source,
        })
    })
}

#[cfg(test)]
mod tests;
