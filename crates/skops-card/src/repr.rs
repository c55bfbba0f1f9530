//! The text of skops' `Card.__repr__`, given the model's `repr`.

use crate::card::{Card, is_placeholder};
use crate::section::SectionKind;

/// skops' `Card.__repr__`: `Card(` + `model=...` + one `path=content,` line per section with
/// content other than the placeholder + `)`; lines are shortened with `reprlib`.
pub fn card_repr(card: &Card, model_repr: Option<&str>) -> String {
    let mut out = String::from("Card(\n");
    if let Some(model) = model_repr {
        out.push_str("  ");
        out.push_str(&format_repr("model", model));
        out.push('\n');
    }
    for (title, section) in card.iter_sections() {
        let formatted = section.format();
        if formatted.is_empty() || is_placeholder(&formatted) {
            continue;
        }
        let shown = match &section.kind {
            SectionKind::Text => section.content.clone(),
            SectionKind::Plot { path, .. } => format!("PlotSection({path})"),
            SectionKind::Table(table) => {
                format!("TableSection({}x{})", table.n_rows(), table.n_columns())
            }
        };
        out.push_str("  ");
        out.push_str(&format_repr(&title, &shown));
        out.push('\n');
    }
    out.push(')');
    out
}

/// skops' `_format_repr`: whitespace runs become one space, then `reprlib` caps the text at
/// `max(3, 79 - len(title))` characters and the quotes are stripped.
fn format_repr(title: &str, content: &str) -> String {
    let collapsed = collapse_whitespace(&content.replace('\n', " "));
    let max = 79usize.saturating_sub(title.chars().count()).max(3);
    let shown = reprlib_str(&collapsed, max);
    let shown = shown.trim_matches('"').trim_matches('\'');
    format!("{title}={shown},")
}

/// `re.sub(r"\s+", " ", text)`.
fn collapse_whitespace(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut in_space = false;
    for c in text.chars() {
        if crate::path::is_python_whitespace(c) {
            if !in_space {
                out.push(' ');
            }
            in_space = true;
        } else {
            out.push(c);
            in_space = false;
        }
    }
    out
}

/// `reprlib.Repr().repr_str` with `maxstring = max`: the `repr`, and for long strings the
/// `repr` of the two ends joined by `...`.
fn reprlib_str(text: &str, max: usize) -> String {
    let full = python_str_repr(text);
    if full.chars().count() <= max {
        return full;
    }
    let chars: Vec<char> = text.chars().collect();
    let i = max.saturating_sub(3) / 2;
    let j = max.saturating_sub(3).saturating_sub(i);
    let head: String = chars.iter().take(i).collect();
    let tail: String = chars.iter().skip(chars.len().saturating_sub(j)).collect();
    let joined = python_str_repr(&format!("{head}{tail}"));
    let joined: Vec<char> = joined.chars().collect();
    let start: String = joined.iter().take(i).collect();
    let end: String = joined.iter().skip(joined.len().saturating_sub(j)).collect();
    format!("{start}...{end}")
}

/// Python's `repr(str)` (skops-format's, which also reads it back from `.npy` headers).
pub fn python_str_repr(text: &str) -> String {
    skops_format::npy::str_repr(text)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reprlib_shortens_like_python() {
        // reprlib.Repr(maxstring=10).repr("abcdefghijklmnop") == "'ab...nop'"
        assert_eq!(reprlib_str("abcdefghijklmnop", 10), "'ab...nop'");
        assert_eq!(reprlib_str("short", 10), "'short'");
    }
}
