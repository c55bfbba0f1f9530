//! The text parts around the tree: the file header, and the list of untrusted types with
//! where each occurs.

use std::fmt::Write as _;

use skops_trust::audit::{TrustTables, node_path_display};

use super::{Paint, Style};
use crate::commands::Summary;
use crate::sanitize::sanitize;

/// At most this many paths are printed per untrusted type (the JSON report has more).
pub const MAX_PRINTED_PATHS: usize = 10;

/// Explanations are wrapped to this many characters (plus the indent).
const REASON_WIDTH: usize = 84;

/// `file:`, `sha256:`, `protocol:`, the versions, and the `--trusted` types if any.
pub fn header(summary: &Summary, style: Style) -> String {
    let mut out = String::new();
    let unknown = || "unknown".to_owned();
    let fields = [
        ("file", summary.path.clone()),
        ("sha256", summary.sha256.clone()),
        ("protocol", summary.protocol.to_string()),
        (
            "skops version",
            // A lone surrogate is shown escaped (`\ud800`).
            summary
                .skops_version
                .as_ref()
                .map_or_else(unknown, ToString::to_string),
        ),
        (
            "scikit-learn version",
            summary.sklearn_version.clone().unwrap_or_else(unknown),
        ),
    ];
    for (label, value) in fields {
        let label = style.paint(Paint::Bold, &format!("{label}:"));
        let _ = writeln!(out, "{label} {}", sanitize(&value));
    }
    if !summary.trusted.is_empty() {
        let label = style.paint(Paint::Bold, "trusted:");
        let _ = writeln!(out, "{label} {}", sanitize(&summary.trusted.join(", ")));
    }
    out
}

/// The untrusted types, each with its paths and, for the types skops explains, why it is not
/// trusted by default; then a hint. One line when there are none.
pub fn untrusted(summary: &Summary, style: Style) -> String {
    let mut out = String::new();
    if summary.untrusted.is_empty() {
        let _ = writeln!(out, "{}", style.paint(Paint::Safe, "no untrusted types"));
        return out;
    }
    let count = summary.untrusted.len();
    let title = format!(
        "{count} untrusted type{}:",
        if count == 1 { "" } else { "s" }
    );
    let _ = writeln!(out, "{}", style.paint(Paint::Bold, &title));
    let tables = TrustTables::skops_defaults().ok();
    for entry in &summary.untrusted {
        let _ = writeln!(
            out,
            "  {}",
            style.paint(Paint::Unsafe, &sanitize(&entry.name))
        );
        for path in entry.paths.iter().take(MAX_PRINTED_PATHS) {
            let _ = writeln!(out, "    at {}", sanitize(node_path_display(path)));
        }
        let more = entry.omitted
            + u64::try_from(entry.paths.len().saturating_sub(MAX_PRINTED_PATHS)).unwrap_or(0);
        if more > 0 {
            let _ = writeln!(
                out,
                "    {}",
                style.paint(Paint::Dim, &format!("... and {more} more"))
            );
        }
        if let Some(reason) = tables.and_then(|tables| tables.untrusted_type_reason(&entry.name)) {
            for line in wrap(&format!("why: {}", sanitize(reason)), REASON_WIDTH) {
                let _ = writeln!(out, "    {}", style.paint(Paint::Dim, &line));
            }
        }
    }
    let _ = writeln!(
        out,
        "hint: review these types, then pass each one you trust as `--trusted TYPE`"
    );
    out
}

/// `text` cut into lines of at most `width` characters at spaces (a longer word gets a line of
/// its own).
fn wrap(text: &str, width: usize) -> Vec<String> {
    let mut lines = Vec::new();
    let mut line = String::new();
    for word in text.split(' ') {
        if !line.is_empty() && line.chars().count() + 1 + word.chars().count() > width {
            lines.push(std::mem::take(&mut line));
        }
        if !line.is_empty() {
            line.push(' ');
        }
        line.push_str(word);
    }
    if !line.is_empty() {
        lines.push(line);
    }
    lines
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wrap_cuts_at_spaces() {
        assert_eq!(wrap("aa bb cc dd", 5), ["aa bb", "cc dd"]);
        assert_eq!(wrap("a verylongword b", 4), ["a", "verylongword", "b"]);
        assert_eq!(wrap("", 10), Vec::<String>::new());
    }
}
