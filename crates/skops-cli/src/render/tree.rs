//! The object tree as text, drawn as skops' `visualize` draws it without `rich`:
//! `root: <type>`, then one `├── key: type` / `└── key: type` line per node, `[UNSAFE]` after
//! the nodes whose own type is not trusted, and `[validated: <validator>]` after those trusted
//! because a validator checked their state (skops has no such tag: it trusts no state).

use std::fmt::Write as _;

use skops_trust::visualize::{InspectRow, TreeRow};

use super::{Paint, Style};
use crate::args::Show;
use crate::sanitize::sanitize_text;

/// The tag skops puts after an untrusted node.
const UNSAFE_TAG: &str = "[UNSAFE]";

/// The tag put after a node trusted by validation, before the validator's name.
const VALIDATED_TAG: &str = "validated:";

/// Whether `row` is shown for `show`, as skops decides it.
fn visible(row: &TreeRow, show: Show) -> bool {
    match show {
        Show::All => true,
        Show::Untrusted => !row.is_safe,
        Show::Trusted => row.is_self_safe,
    }
}

/// The rows `show` keeps. The root is always kept; so are the parents of kept rows for
/// `untrusted` (a node above an untrusted node is itself not safe). For `trusted`, the subtree
/// of an untrusted node is dropped with it, so every kept row hangs from a kept parent (skops
/// raises there instead). `is_last` is recomputed among the kept rows, so the guides end at
/// the last row shown (skops keeps the flag of the full tree).
pub fn filter(rows: &[InspectRow], show: Show) -> Vec<InspectRow> {
    let mut kept: Vec<InspectRow> = Vec::with_capacity(rows.len());
    let mut cut_below: Option<usize> = None;
    for (index, row) in rows.iter().enumerate() {
        if let Some(level) = cut_below {
            if row.row.level > level {
                continue;
            }
            cut_below = None;
        }
        if index == 0 || visible(&row.row, show) {
            kept.push(row.clone());
        } else {
            cut_below = Some(row.row.level);
        }
    }
    if show != Show::All {
        // Backwards: a row is the last child when no later sibling is kept before the walk
        // leaves its parent.
        let mut later_sibling: Vec<bool> = Vec::new();
        for row in kept.iter_mut().skip(1).rev() {
            let level = row.row.level;
            if later_sibling.len() <= level {
                later_sibling.resize(level + 1, false);
            }
            row.row.is_last = !later_sibling.get(level).copied().unwrap_or(false);
            later_sibling.truncate(level);
            later_sibling.push(true);
        }
    }
    kept
}

/// Draws `rows` (already filtered), one line each.
pub fn render(rows: &[InspectRow], style: Style) -> String {
    render_tagged(rows, style, &|_| None)
}

/// [`render`], with the tag `tag` gives a row (`inspect --native`'s `[native]`) after its
/// label.
pub fn render_tagged(
    rows: &[InspectRow],
    style: Style,
    tag: &dyn Fn(&InspectRow) -> Option<&'static str>,
) -> String {
    let mut out = String::new();
    // For each open ancestor level from 1: whether its guide continues below it.
    let mut guides: Vec<bool> = Vec::new();
    for (index, row) in rows.iter().enumerate() {
        let validator = row.validator;
        let extra = tag(row);
        let row = &row.row;
        let mut label = label(row, style);
        if let Some(validator) = validator {
            let tag = format!("[{VALIDATED_TAG} {}]", validator.name());
            let _ = write!(label, " {}", style.paint(Paint::Dim, &tag));
        }
        if let Some(extra) = extra {
            let _ = write!(label, " {}", style.paint(Paint::Dim, extra));
        }
        let key = sanitize_text(&row.key);
        if index == 0 {
            let _ = writeln!(out, "{key}: {label}");
            continue;
        }
        guides.truncate(row.level.saturating_sub(1));
        let mut prefix: String = guides
            .iter()
            .map(|&continues| if continues { "│   " } else { "    " })
            .collect();
        prefix.push_str(if row.is_last {
            "└──"
        } else {
            "├──"
        });
        let _ = writeln!(out, "{} {key}: {label}", style.paint(Paint::Dim, &prefix));
        guides.push(!row.is_last);
    }
    out
}

/// The node's value with skops' tag, colored as skops colors it.
fn label(row: &TreeRow, style: Style) -> String {
    let mut text = sanitize_text(&row.val).into_owned();
    if !row.is_self_safe {
        text.push(' ');
        text.push_str(UNSAFE_TAG);
    }
    let paint = if row.is_safe {
        Paint::Safe
    } else if row.is_self_safe {
        Paint::ChildUnsafe
    } else {
        Paint::Unsafe
    };
    style.paint(paint, &text)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(level: usize, key: &str, self_safe: bool, safe: bool, is_last: bool) -> InspectRow {
        InspectRow {
            validator: None,
            row: TreeRow {
                level,
                key: key.into(),
                val: format!("t.{key}").into(),
                is_self_safe: self_safe,
                is_safe: safe,
                is_last,
            },
            node: None,
        }
    }

    fn rows() -> Vec<InspectRow> {
        vec![
            row(0, "root", true, false, false),
            row(1, "a", true, false, false),
            row(2, "bad", false, false, false),
            row(3, "under_bad", true, true, true),
            row(2, "good", true, true, true),
            row(1, "b", true, true, true),
        ]
    }

    #[test]
    fn draws_guides_like_skops() {
        let rows = rows();
        let kept = filter(&rows, Show::All);
        assert_eq!(
            render(&kept, Style { color: false }),
            "root: t.root\n\
             ├── a: t.a\n\
             │   ├── bad: t.bad [UNSAFE]\n\
             │   │   └── under_bad: t.under_bad\n\
             │   └── good: t.good\n\
             └── b: t.b\n"
        );
    }

    #[test]
    fn show_untrusted_keeps_the_way_to_untrusted_nodes() {
        let rows = rows();
        let keys: Vec<String> = filter(&rows, Show::Untrusted)
            .into_iter()
            .map(|row| row.row.key.to_string())
            .collect();
        assert_eq!(keys, ["root", "a", "bad"]);
        assert_eq!(
            render(&filter(&rows, Show::Untrusted), Style { color: false }),
            "root: t.root\n\
             └── a: t.a\n\
             \x20   └── bad: t.bad [UNSAFE]\n"
        );
    }

    #[test]
    fn show_trusted_cuts_untrusted_subtrees() {
        let rows = rows();
        let keys: Vec<String> = filter(&rows, Show::Trusted)
            .into_iter()
            .map(|row| row.row.key.to_string())
            .collect();
        assert_eq!(keys, ["root", "a", "good", "b"]);
    }

    #[test]
    fn colors_follow_skops_and_names_are_escaped() {
        let mut rows = rows();
        rows[2].row.val = "evil\u{1b}[8m".into();
        let kept = filter(&rows, Show::All);
        let text = render(&kept, Style { color: true });
        assert!(
            text.contains("\u{1b}[38;5;214mevil\\x1b[8m [UNSAFE]\u{1b}[0m"),
            "{text}"
        );
        assert!(text.contains("\u{1b}[35mt.a\u{1b}[0m"), "{text}");
        assert!(text.contains("\u{1b}[36mt.b\u{1b}[0m"), "{text}");
    }
}
