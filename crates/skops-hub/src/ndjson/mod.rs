//! The NDJSON commit body (`POST /api/{type}s/{id}/commit/{rev}`), read as it arrives.
//!
//! The first line is the header (`summary`, `description`, optional `parentCommit`); then one
//! line per operation: `file` (base64 content, decoded straight into a staging file),
//! `deletedFile`, `deletedFolder`, and `lfsFile` (a blob the store must already have: this hub
//! never asks for LFS uploads). Nothing is held whole: memory stays bounded by the per-line
//! budget, whatever the size of the files.

mod base64;
mod lexer;

use std::collections::HashSet;
use std::path::{Path, PathBuf};

use serde_json::Value;

use self::base64::Base64Stream;
use self::lexer::{Lexer, Receiver, Target};
use crate::error::{Error, RequestError};
use crate::limits::{Limits, MAX_JSON_DEPTH};
use crate::names::{check_folder, check_path, is_commit_id};
use crate::stage::{BlobWriter, StagedBlob};

/// The header line of a commit.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Header {
    /// The commit title.
    pub summary: String,
    /// The commit message.
    pub description: String,
    /// The commit the client built on; the commit fails if the branch has moved since.
    pub parent_commit: Option<String>,
}

/// One operation of a commit.
#[derive(Debug)]
pub enum Op {
    /// Add or replace a file with uploaded content.
    Add {
        /// The path.
        path: String,
        /// The content, staged.
        blob: StagedBlob,
    },
    /// Add or replace a file with a blob the store has.
    Existing {
        /// The path.
        path: String,
        /// The blob's SHA-256.
        sha256: String,
        /// The size the client states, if any.
        size: Option<u64>,
    },
    /// Delete a file.
    Delete {
        /// The path.
        path: String,
    },
    /// Delete a folder and everything in it.
    DeleteFolder {
        /// The folder's path, without a trailing `/`.
        path: String,
    },
}

/// A whole commit body.
#[derive(Debug, Default)]
pub struct ParsedCommit {
    /// The header.
    pub header: Header,
    /// The operations, in order.
    pub ops: Vec<Op>,
}

/// Reads a commit body pushed in pieces.
#[derive(Debug)]
pub struct CommitParser {
    lexer: Lexer,
    builder: Builder,
}

impl CommitParser {
    /// A parser that stages uploaded files in `staging`.
    pub fn new(staging: &Path, limits: Limits) -> Self {
        Self {
            lexer: Lexer::new(limits.line_bytes, MAX_JSON_DEPTH),
            builder: Builder {
                staging: staging.to_path_buf(),
                limits,
                parsed: None,
                line: LineRecord::default(),
                seen: HashSet::new(),
                files: 0,
                current_line: 1,
            },
        }
    }

    /// Feeds the next piece of the body.
    pub fn feed(&mut self, bytes: &[u8]) -> Result<(), Error> {
        self.lexer.feed(bytes, &mut self.builder)
    }

    /// The body ended: the commit it describes.
    pub fn finish(mut self) -> Result<ParsedCommit, Error> {
        self.lexer.finish(&mut self.builder)?;
        self.builder.parsed.ok_or_else(|| {
            RequestError::BadNdjson {
                line: 1,
                message: "the body is empty: a commit starts with a header line".to_owned(),
            }
            .into()
        })
    }
}

/// What one line said.
#[derive(Debug, Default)]
struct LineRecord {
    key: Option<Value>,
    /// Scalars of the `value` object, by key (a repeated key keeps its last value).
    fields: Vec<(String, Value)>,
    /// The decoder and staging file of `value.content`, while it streams.
    decoding: Option<(Base64Stream, BlobWriter)>,
    content: Option<StagedBlob>,
    /// Whether `value.content` appeared twice.
    content_twice: bool,
}

impl LineRecord {
    fn field(&self, name: &str) -> Option<&Value> {
        self.fields
            .iter()
            .rev()
            .find(|(key, _)| key == name)
            .map(|(_, v)| v)
    }
}

#[derive(Debug)]
struct Builder {
    staging: PathBuf,
    limits: Limits,
    parsed: Option<ParsedCommit>,
    line: LineRecord,
    seen: HashSet<String>,
    files: u64,
    current_line: u64,
}

impl Builder {
    fn bad(&self, message: impl Into<String>) -> Error {
        RequestError::BadNdjson {
            line: self.current_line,
            message: message.into(),
        }
        .into()
    }

    fn text(&self, name: &str) -> Result<Option<String>, Error> {
        match self.line.field(name) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::String(text)) => Ok(Some(text.clone())),
            Some(_) => Err(self.bad(format!("`{name}` must be a string"))),
        }
    }

    /// The line's `path`, checked, counted against the files of a commit, and not seen before.
    fn path(&mut self, folder: bool) -> Result<String, Error> {
        let given = self
            .text("path")?
            .ok_or_else(|| self.bad("the line has no `path`"))?;
        let path = if folder {
            check_folder(&given, self.limits.path_bytes)?
        } else {
            check_path(&given, self.limits.path_bytes)?;
            given
        };
        self.files += 1;
        if self.files > self.limits.files_per_commit {
            return Err(RequestError::TooManyFiles {
                limit: self.limits.files_per_commit,
            }
            .into());
        }
        if !self.seen.insert(path.clone()) {
            return Err(RequestError::DuplicatePath { path }.into());
        }
        Ok(path)
    }
}

impl Receiver for Builder {
    fn line_start(&mut self, line: u64) {
        self.current_line = line;
    }

    fn string_target(&mut self, path: &[Option<&str>]) -> Target {
        if path == [Some("value"), Some("content")] {
            if self.line.decoding.is_some() || self.line.content.is_some() {
                self.line.content_twice = true;
            }
            // A staging file that cannot be created fails on the first piece (below).
            self.line.decoding = BlobWriter::create(&self.staging)
                .ok()
                .map(|writer| (Base64Stream::default(), writer));
            Target::Stream
        } else {
            Target::Buffer
        }
    }

    fn content(&mut self, piece: &[u8]) -> Result<(), Error> {
        let line = self.current_line;
        let Some((decoder, writer)) = self.line.decoding.as_mut() else {
            return Err(crate::error::StoreError::io(
                self.staging.display().to_string(),
                std::io::Error::other("cannot create a staging file"),
            )
            .into());
        };
        match decoder.feed(piece, &mut |bytes: &[u8]| writer.write(bytes)) {
            Ok(written) => written.map_err(Error::from),
            Err(_) => Err(RequestError::BadBase64 { line }.into()),
        }
    }

    fn content_end(&mut self) -> Result<(), Error> {
        let line = self.current_line;
        let Some((decoder, writer)) = self.line.decoding.take() else {
            return self.content(&[]);
        };
        decoder
            .finish()
            .map_err(|_| Error::from(RequestError::BadBase64 { line }))?;
        self.line.content = Some(writer.finish()?);
        Ok(())
    }

    fn scalar(&mut self, path: &[Option<&str>], value: Value) {
        match path {
            [Some("key")] => self.line.key = Some(value),
            [Some("value"), Some(name)] => self.line.fields.push(((*name).to_owned(), value)),
            _ => {}
        }
    }

    fn line_end(&mut self) -> Result<(), Error> {
        let key = match self.line.key.take() {
            Some(Value::String(key)) => key,
            Some(_) => return Err(self.bad("`key` must be a string")),
            None => return Err(self.bad("the line has no `key`")),
        };
        if self.line.content_twice {
            return Err(self.bad("`content` appears twice"));
        }
        if self.line.content.is_some() && key != "file" {
            return Err(self.bad(format!("a `{key}` line has no `content`")));
        }
        let op = match (key.as_str(), self.parsed.is_some()) {
            ("header", false) => {
                let parent_commit = self.text("parentCommit")?;
                if let Some(parent) = &parent_commit {
                    if !is_commit_id(parent) {
                        return Err(self.bad("`parentCommit` is not a commit id"));
                    }
                }
                let header = Header {
                    summary: self.text("summary")?.unwrap_or_default(),
                    description: self.text("description")?.unwrap_or_default(),
                    parent_commit: parent_commit.map(|p| p.to_ascii_lowercase()),
                };
                self.parsed = Some(ParsedCommit {
                    header,
                    ops: Vec::new(),
                });
                None
            }
            (_, false) => return Err(self.bad("the first line must be the header")),
            ("header", true) => return Err(self.bad("a second header")),
            ("file", true) => {
                let encoding = self.text("encoding")?;
                if encoding.as_deref().is_some_and(|e| e != "base64") {
                    return Err(self.bad("`encoding` must be `base64`"));
                }
                let path = self.path(false)?;
                let blob = self
                    .line
                    .content
                    .take()
                    .ok_or_else(|| self.bad("a `file` line has no `content`"))?;
                Some(Op::Add { path, blob })
            }
            ("lfsFile", true) => {
                let sha256 = self
                    .text("oid")?
                    .filter(|oid| oid.len() == 64 && oid.bytes().all(|b| b.is_ascii_hexdigit()))
                    .ok_or_else(|| self.bad("`oid` must be a SHA-256 (64 hex digits)"))?;
                if self.text("algo")?.is_some_and(|algo| algo != "sha256") {
                    return Err(self.bad("`algo` must be `sha256`"));
                }
                let size = match self.line.field("size") {
                    None | Some(Value::Null) => None,
                    Some(value) => Some(
                        value
                            .as_u64()
                            .ok_or_else(|| self.bad("`size` must be a whole number"))?,
                    ),
                };
                let path = self.path(false)?;
                Some(Op::Existing {
                    path,
                    sha256: sha256.to_ascii_lowercase(),
                    size,
                })
            }
            ("deletedFile", true) => Some(Op::Delete {
                path: self.path(false)?,
            }),
            ("deletedFolder", true) => Some(Op::DeleteFolder {
                path: self.path(true)?,
            }),
            (other, true) => {
                return Err(self.bad(format!("unknown line key `{}`", other.escape_debug())));
            }
        };
        if let (Some(op), Some(parsed)) = (op, self.parsed.as_mut()) {
            parsed.ops.push(op);
        }
        self.line = LineRecord::default();
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(body: &str, piece: usize) -> Result<ParsedCommit, String> {
        let dir = tempfile::tempdir().unwrap();
        let limits = Limits {
            files_per_commit: 3,
            ..Limits::default()
        };
        let mut parser = CommitParser::new(dir.path(), limits);
        for chunk in body.as_bytes().chunks(piece) {
            parser.feed(chunk).map_err(|e| e.kind().to_owned())?;
        }
        parser.finish().map_err(|e| e.kind().to_owned())
    }

    const HEADER: &str = r#"{"key":"header","value":{"summary":"s","description":"d"}}"#;

    #[test]
    fn a_commit_body_is_read_in_any_pieces() {
        let body = format!(
            "{HEADER}\n{}\n{}\n{}\n",
            r#"{"key":"file","value":{"content":"aGVsbG8K","path":"a/b.txt","encoding":"base64"}}"#,
            r#"{"key":"deletedFile","value":{"path":"old.txt"}}"#,
            r#"{"key":"deletedFolder","value":{"path":"logs/"}}"#,
        );
        for piece in [1, 2, 7, 1000] {
            let parsed = parse(&body, piece).unwrap();
            assert_eq!(parsed.header.summary, "s");
            assert_eq!(parsed.ops.len(), 3);
            match &parsed.ops[0] {
                Op::Add { path, blob } => {
                    assert_eq!(path, "a/b.txt");
                    assert_eq!(blob.size, 6);
                }
                other => panic!("{other:?}"),
            }
            assert!(matches!(&parsed.ops[2], Op::DeleteFolder { path } if path == "logs"));
        }
    }

    #[test]
    fn bad_bodies_get_specific_kinds() {
        let file = |content: &str, path: &str| {
            format!(
                "{HEADER}\n{{\"key\":\"file\",\"value\":{{\"content\":\"{content}\",\"path\":\"{path}\",\"encoding\":\"base64\"}}}}\n"
            )
        };
        let cases = [
            (String::new(), "request-bad-ndjson"),
            ("{\"key\":\"file\"}\n".to_owned(), "request-bad-ndjson"),
            (file("aGk", "a"), "request-bad-base64"),
            (file("!!!!", "a"), "request-bad-base64"),
            (file("aGk=", "../a"), "path-dot-segment"),
            (file("aGk=", "/a"), "path-absolute"),
            (file("aGk=", "a\\\\b"), "path-backslash"),
            (file("aGk=", "a\\u0000b"), "path-control-character"),
            (file("aGk=", "a//b"), "path-empty-segment"),
            (format!("{HEADER}\n{HEADER}\n"), "request-bad-ndjson"),
            (
                format!("{HEADER}\n{{\"key\":\"nope\",\"value\":{{}}}}\n"),
                "request-bad-ndjson",
            ),
            (
                format!(
                    "{HEADER}\n{{\"key\":\"deletedFile\",\"value\":{{\"path\":\"a\"}}}}\n{{\"key\":\"deletedFile\",\"value\":{{\"path\":\"a\"}}}}\n"
                ),
                "request-duplicate-path",
            ),
            (
                format!(
                    "{HEADER}\n{}",
                    ["a", "b", "c", "d"]
                        .map(|p| format!(
                            "{{\"key\":\"deletedFile\",\"value\":{{\"path\":\"{p}\"}}}}\n"
                        ))
                        .concat()
                ),
                "request-too-many-files",
            ),
            (
                "{\"key\":\"header\",\"value\":{\"parentCommit\":\"main\"}}\n".to_owned(),
                "request-bad-ndjson",
            ),
        ];
        for (body, kind) in cases {
            assert_eq!(parse(&body, 5).unwrap_err(), kind, "{body}");
        }
    }

    #[test]
    fn a_refused_body_leaves_no_staging_file() {
        let dir = tempfile::tempdir().unwrap();
        let mut parser = CommitParser::new(dir.path(), Limits::default());
        let body = format!(
            "{HEADER}\n{{\"key\":\"file\",\"value\":{{\"content\":\"aGVsbG8K\",\"path\":\"ok\"}}}}\n{{\"key\":\"file\",\"value\":{{\"content\":\"aGV"
        );
        parser.feed(body.as_bytes()).unwrap();
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 2);
        assert!(parser.finish().is_err());
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0);
    }
}
