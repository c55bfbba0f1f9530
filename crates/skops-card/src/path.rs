//! Section paths: `"A/B/C"` addresses subsection `C` of `B` of `A`; `\/` is a literal slash.

use crate::{Error, Result};

/// Splits a section path into its parts like skops' `split_subsection_names`.
///
/// Parts are stripped of surrounding whitespace; `\/` becomes `/` inside a part. Empty parts
/// are kept (callers decide whether they are an error).
pub fn split(key: &str) -> Vec<String> {
    // skops swaps `\/` for the unit separator before splitting; a key containing that control
    // character already would be split differently there too, so the same trick is exact.
    const PLACEHOLDER: &str = "\x1f";
    key.replace("\\/", PLACEHOLDER)
        .split('/')
        .map(|part| python_strip(part).replace(PLACEHOLDER, "/"))
        .collect()
}

/// Splits `key` and rejects empty parts with skops' message.
pub fn split_non_empty(key: &str) -> Result<Vec<String>> {
    let parts = split(key);
    if key.is_empty() || parts.iter().any(String::is_empty) {
        return Err(Error::EmptySectionName {
            key: key.to_owned(),
        });
    }
    Ok(parts)
}

/// Escapes a section title so that it can be used as one part of a path.
pub fn escape(title: &str) -> String {
    title.replace('/', "\\/")
}

/// `str.strip()` without arguments: Python strips Unicode whitespace *and* the ASCII
/// separators `\x1c`-`\x1f`, which `char::is_whitespace` does not treat as whitespace.
pub(crate) fn python_strip(text: &str) -> &str {
    text.trim_matches(is_python_whitespace)
}

/// `str.isspace()` for one character.
pub(crate) fn is_python_whitespace(c: char) -> bool {
    c.is_whitespace() || matches!(c, '\x1c'..='\x1f')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_like_skops_docstring() {
        assert_eq!(split("Section A"), ["Section A"]);
        assert_eq!(
            split("Section A/Section B/Section C"),
            ["Section A", "Section B", "Section C"]
        );
        assert_eq!(
            split("A section containing \\/ a slash"),
            ["A section containing / a slash"]
        );
        assert_eq!(split("Spaces are / stripped"), ["Spaces are", "stripped"]);
    }

    #[test]
    fn empty_parts_are_rejected() {
        for key in ["", "A/", "/A", "A//B", " / "] {
            assert!(split_non_empty(key).is_err(), "{key:?}");
        }
    }
}
