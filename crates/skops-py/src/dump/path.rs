//! Where the walk is inside the dumped object, for error messages (`steps[0][1].func`).
//!
//! The notation is the one of the audit's paths (skops_format::audit): the root is `""`, the
//! entries of an object's state dict are attributes (`.tree_`, or `.__dict__["a b"]` when the
//! key is not an identifier), list, tuple and set items are `[i]`, plain dict entries are
//! `["key"]`, and other children are named as skops names them (`.func`, `.args`, `.main`).
//! Segments hold the Python keys themselves; text is made only when an error needs it.

use pyo3::prelude::*;

use super::json_text::json_encoded;

/// How a child hangs from its parent.
pub(crate) enum Segment<'py> {
    /// `.name`.
    Attr(&'static str),
    /// The state dict of an object: transparent when one of its entries follows.
    StateDict,
    /// An entry of a dict: an attribute if the dict is an object's state, else `["key"]`.
    Key(Bound<'py, PyAny>),
    /// `[i]`.
    Index(usize),
}

/// The path of the segments, as text.
pub(crate) fn format_path(segments: &[Segment<'_>]) -> String {
    let mut out = String::new();
    let mut in_state = false;
    for (position, segment) in segments.iter().enumerate() {
        let last = position + 1 == segments.len();
        match segment {
            Segment::Attr(name) => push_attr(&mut out, name),
            Segment::StateDict => {
                if last {
                    push_attr(&mut out, "__dict__");
                }
            }
            Segment::Key(key) => {
                let text = key
                    .str()
                    .map(|text| text.to_string())
                    .unwrap_or_else(|_| "?".to_owned());
                if in_state && is_identifier(&text) {
                    push_attr(&mut out, &text);
                } else {
                    if in_state {
                        push_attr(&mut out, "__dict__");
                    }
                    out.push('[');
                    out.push_str(&json_encoded(&text));
                    out.push(']');
                }
            }
            Segment::Index(index) => {
                out.push('[');
                out.push_str(&index.to_string());
                out.push(']');
            }
        }
        in_state = matches!(segment, Segment::StateDict);
    }
    out
}

fn push_attr(out: &mut String, name: &str) {
    if !out.is_empty() {
        out.push('.');
    }
    out.push_str(name);
}

fn is_identifier(text: &str) -> bool {
    let mut chars = text.chars();
    chars
        .next()
        .is_some_and(|first| first == '_' || first.is_alphabetic())
        && chars.all(|ch| ch == '_' || ch.is_alphanumeric())
}
