//! The `---` block at the top of a card: its bytes, its parsed [`Metadata`], and writing it
//! back so that only changed keys change.

use std::collections::HashMap;

use super::emit::is_printable;
use super::{Metadata, emit_mapping, load_mapping};
use crate::limits::MAX_FRONT_MATTER_SIZE;
use crate::lines;
use crate::{Error, Result};

/// A card's front matter: the metadata, and the text it was read from (if any).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct FrontMatter {
    metadata: Metadata,
    source: Option<Source>,
}

/// The parsed front matter's text, cut into top-level entries.
#[derive(Debug, Clone, PartialEq)]
struct Source {
    /// The opening `---` line (with any blank lines before it).
    open: String,
    /// The YAML between the `---` lines.
    body: String,
    /// The closing `---` line.
    close: String,
    /// The metadata as parsed, to tell which keys changed.
    original: Metadata,
    /// Comments or blank lines before the first key.
    header: String,
    /// Each top-level key's lines, by key, when the body could be cut into them reliably.
    entries: Option<HashMap<String, String>>,
}

impl FrontMatter {
    /// Front matter holding `metadata`, written fresh.
    pub fn new(metadata: Metadata) -> Self {
        FrontMatter {
            metadata,
            source: None,
        }
    }

    /// Reads front matter text: `open` and `close` are the `---` lines, `body` the YAML
    /// between them, starting on card line `first_line`.
    pub(crate) fn parse(open: &str, body: &str, close: &str, first_line: usize) -> Result<Self> {
        if body.len() as u64 > MAX_FRONT_MATTER_SIZE {
            return Err(Error::LimitExceeded {
                what: "front matter size",
                value: body.len() as u64,
                limit: MAX_FRONT_MATTER_SIZE,
            });
        }
        check_printable(body, first_line)?;
        let metadata = Metadata::from_pairs(load_mapping(body, first_line)?);
        let (header, entries) = cut_entries(body, &metadata);
        Ok(FrontMatter {
            metadata: metadata.clone(),
            source: Some(Source {
                open: open.to_owned(),
                body: body.to_owned(),
                close: close.to_owned(),
                original: metadata,
                header,
                entries,
            }),
        })
    }

    /// The metadata.
    pub fn metadata(&self) -> &Metadata {
        &self.metadata
    }

    /// The metadata, to change it.
    pub fn metadata_mut(&mut self) -> &mut Metadata {
        &mut self.metadata
    }

    /// Replaces the metadata.
    pub fn set_metadata(&mut self, metadata: Metadata) {
        self.metadata = metadata;
    }

    /// The front matter text, `---` lines included; empty when there is no metadata (and
    /// there was no front matter in the file).
    pub fn render(&self) -> String {
        let Some(source) = &self.source else {
            if self.metadata.is_empty() {
                return String::new();
            }
            return format!("---\n{}---\n", self.metadata.to_yaml());
        };
        if self.metadata == source.original {
            return format!("{}{}{}", source.open, source.body, source.close);
        }
        if self.metadata.is_empty() {
            return String::new();
        }
        let mut out = source.open.clone();
        match &source.entries {
            Some(entries) => {
                out.push_str(&source.header);
                for (key, value) in self.metadata.iter() {
                    let unchanged = source.original.get(key) == Some(value);
                    match entries.get(key) {
                        Some(raw) if unchanged => out.push_str(raw),
                        _ => out.push_str(&emit_mapping(&[(key.to_owned(), value.clone())])),
                    }
                }
            }
            None => out.push_str(&self.metadata.to_yaml()),
        }
        out.push_str(&source.close);
        out
    }
}

/// Refuses YAML text holding a character outside YAML's printable set, as YAML readers do
/// (yaml-rust2 would instead stop reading at a NUL, silently dropping the keys after it).
fn check_printable(body: &str, first_line: usize) -> Result<()> {
    for (index, line) in lines::split_inclusive(body).enumerate() {
        if let Some((column, c)) = line.chars().enumerate().find(|&(_, c)| !is_printable(c)) {
            return Err(Error::FrontMatterSyntax {
                line: first_line + index,
                column: column + 1,
                message: format!(
                    "the character U+{:04X} is not allowed in YAML (write it escaped in a \
                     double-quoted string)",
                    c as u32
                ),
            });
        }
    }
    Ok(())
}

/// Cuts the YAML body into its top-level entries: a line that starts in column 0 with
/// something other than a comment, a sequence dash or whitespace starts a key. The cut is
/// accepted only if each piece parses on its own to exactly its key and value; otherwise
/// (flow style, anchors shared across keys, ...) changed metadata is written out whole.
fn cut_entries(body: &str, metadata: &Metadata) -> (String, Option<HashMap<String, String>>) {
    let mut starts = Vec::new();
    let mut offset = 0;
    for line in lines::split_inclusive(body) {
        let starts_key = line
            .chars()
            .next()
            .is_some_and(|c| !matches!(c, ' ' | '\t' | '#' | '-' | '\r' | '\n'));
        if starts_key {
            starts.push(offset);
        }
        offset += line.len();
    }
    let header_end = starts.first().copied().unwrap_or(body.len());
    let header = body.get(..header_end).unwrap_or_default().to_owned();
    if starts.len() != metadata.len() || lines::ending(body).is_empty() {
        return (header, None);
    }
    let mut entries = HashMap::with_capacity(starts.len());
    for (index, (key, value)) in metadata.iter().enumerate() {
        let start = starts.get(index).copied().unwrap_or(body.len());
        let end = starts.get(index + 1).copied().unwrap_or(body.len());
        let raw = body.get(start..end).unwrap_or_default();
        match load_mapping(raw, 1) {
            Ok(pairs)
                if pairs.len() == 1 && pairs.first() == Some(&(key.to_owned(), value.clone())) =>
            {
                entries.insert(key.to_owned(), raw.to_owned());
            }
            _ => return (header, None),
        }
    }
    (header, Some(entries))
}

/// Splits a card into `(open, body, close, rest)` when it starts with front matter: optional
/// blank lines, a `---` line, the YAML, and a closing `---` line (the Hub's rule). Lines end
/// with `\n`, `\r\n` or `\r`.
pub fn split_front_matter(text: &str) -> Option<(&str, &str, &str, &str)> {
    let trimmed = text.trim_start_matches([' ', '\t', '\r', '\n']);
    let lead = text.len() - trimmed.len();
    // The lead must end at a line start: `---` has to open its line.
    if lead > 0 && !text.get(..lead).is_some_and(|l| l.ends_with(['\n', '\r'])) {
        return None;
    }
    let first = lines::split_inclusive(trimmed).next()?;
    let ending = lines::ending(first);
    if ending.is_empty() || first.len() != 3 + ending.len() || !first.starts_with("---") {
        return None;
    }
    let open_end = lead + first.len();
    let rest = text.get(open_end..)?;
    let mut offset = 0;
    for line in lines::split_inclusive(rest) {
        let content = line.trim_end_matches(['\r', '\n']);
        if content == "---" {
            let close_end = open_end + offset + line.len();
            return Some((
                text.get(..open_end)?,
                rest.get(..offset)?,
                text.get(open_end + offset..close_end)?,
                text.get(close_end..)?,
            ));
        }
        offset += line.len();
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    const CARD: &str = "---\n# comment\nlibrary_name: sklearn\ntags:\n- a   # note\n- b\nlicense: mit\n---\n\n# Title\n";

    #[test]
    fn splits() {
        let (open, body, close, rest) = split_front_matter(CARD).unwrap();
        assert_eq!(open, "---\n");
        assert!(body.starts_with("# comment"));
        assert_eq!(close, "---\n");
        assert_eq!(rest, "\n# Title\n");
        assert!(split_front_matter("# no front matter\n").is_none());
        assert!(split_front_matter("---\nunclosed: 1\n").is_none());
        for eol in ["\r", "\r\n", "\n"] {
            let text = format!("{eol}---{eol}a: 1{eol}---{eol}# T{eol}");
            let (open, body, close, rest) = split_front_matter(&text).unwrap();
            assert_eq!(open, format!("{eol}---{eol}"));
            assert_eq!(body, format!("a: 1{eol}"));
            assert_eq!(close, format!("---{eol}"));
            assert_eq!(rest, format!("# T{eol}"));
        }
        assert!(split_front_matter("----\na: 1\n---\n").is_none());
    }

    #[test]
    fn characters_yaml_does_not_allow_are_refused() {
        // yaml-rust2 stops at a NUL: the keys after it would silently disappear.
        let err = FrontMatter::parse("---\n", "a: 1\nb: x\0y\nc: 2\n", "---\n", 2).unwrap_err();
        assert!(
            matches!(
                err,
                Error::FrontMatterSyntax {
                    line: 3,
                    column: 5,
                    ..
                }
            ),
            "{err}"
        );
        assert!(FrontMatter::parse("---\n", "a: \u{ffff}\n", "---\n", 2).is_err());
        assert!(FrontMatter::parse("---\n", "a: \u{85}é\t\u{1f600}\n", "---\n", 2).is_ok());
        // Written escaped, such a value reads back the same.
        let mut fm = FrontMatter::new(Metadata::new());
        fm.metadata_mut().set("a", "x\0\u{ffff}\u{7f}y");
        let text = fm.render();
        let (open, body, close, _) = split_front_matter(&text).unwrap();
        let again = FrontMatter::parse(open, body, close, 2).unwrap();
        assert_eq!(again.metadata(), fm.metadata(), "{text}");
    }

    #[test]
    fn unchanged_is_byte_identical_and_one_change_touches_one_key() {
        let (open, body, close, _) = split_front_matter(CARD).unwrap();
        let mut fm = FrontMatter::parse(open, body, close, 2).unwrap();
        assert_eq!(
            fm.render(),
            "---\n# comment\nlibrary_name: sklearn\ntags:\n- a   # note\n- b\nlicense: mit\n---\n"
        );
        fm.metadata_mut().set("license", "apache-2.0");
        assert_eq!(
            fm.render(),
            "---\n# comment\nlibrary_name: sklearn\ntags:\n- a   # note\n- b\nlicense: apache-2.0\n---\n"
        );
        fm.metadata_mut().add_tag("c");
        fm.metadata_mut()
            .set("pipeline_tag", "tabular-classification");
        assert_eq!(
            fm.render(),
            "---\n# comment\nlibrary_name: sklearn\ntags:\n- a\n- b\n- c\nlicense: apache-2.0\npipeline_tag: tabular-classification\n---\n"
        );
    }
}
