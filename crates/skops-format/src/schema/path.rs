//! Python-like access paths from the root object to a node (`steps[1][1].tree_`): the one
//! notation of every error message and report that names a place in a model, whether the
//! model is being read (the audit, the validators) or written (`skops_rs.io.dumps`).
//!
//! A path is one [`Segment`] per edge. The root is `""`; an object's state dict is
//! transparent (its entries are attributes of the object: `.tree_`, or
//! `.__dict__["a b"]` when the key is not an identifier), list, tuple, set and object-array
//! items are `[i]`, plain dict entries are `["key"]` (JSON-quoted), and every other child is an
//! attribute (`.func`, `.main`). At the root the leading dot is dropped (`steps`, not
//! `.steps`).

use crate::json::{self, Text, Value};

/// How a child hangs from its parent.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Segment<'s> {
    /// `.name`.
    Attr(&'static str),
    /// The state dict of an ObjectNode: `.__dict__` when it is the end of the path, nothing
    /// when an entry of it follows (see [`Segment::StateAttr`]).
    StateDict,
    /// An entry of an object's state dict that sets an attribute: `.name` when `name` is an
    /// identifier, otherwise `.__dict__["name"]`.
    StateAttr(&'s Text),
    /// An entry of an object's state dict that sets no attribute (its key type makes another
    /// key of it, or `zip` drops it: see `validate::state`): `.__dict__[module.class("key")]`
    /// with its key type, `.__dict__["key"]` without one.
    StateKey(&'s Text, Option<(&'s str, &'s str)>),
    /// `["key"]`.
    Key(&'s Text),
    /// `[i]`.
    Index(usize),
}

/// Renders the segments from the root to a node as a path.
pub fn render(segments: &[Segment<'_>]) -> String {
    let mut out = String::new();
    let mut iter = segments.iter().peekable();
    while let Some(segment) = iter.next() {
        match segment {
            Segment::Attr(name) => push_attr(&mut out, name),
            Segment::StateDict => {
                let transparent = matches!(
                    iter.peek(),
                    Some(Segment::StateAttr(_) | Segment::StateKey(..) | Segment::StateDict)
                );
                if !transparent {
                    push_attr(&mut out, "__dict__");
                }
            }
            Segment::StateKey(key, key_type) => {
                push_attr(&mut out, "__dict__");
                match key_type {
                    Some((module, class)) => {
                        out.push('[');
                        out.push_str(module);
                        out.push('.');
                        out.push_str(class);
                        out.push('(');
                        out.push_str(&json::to_string_compact(&Value::from((*key).clone())));
                        out.push_str(")]");
                    }
                    None => push_key(&mut out, key),
                }
            }
            Segment::StateAttr(name) => {
                if let Some(name) = name.as_str().filter(|name| is_identifier(name)) {
                    push_attr(&mut out, name);
                } else {
                    push_attr(&mut out, "__dict__");
                    push_key(&mut out, name);
                }
            }
            Segment::Key(key) => push_key(&mut out, key),
            Segment::Index(index) => {
                out.push('[');
                out.push_str(&index.to_string());
                out.push(']');
            }
        }
    }
    out
}

fn push_attr(out: &mut String, name: &str) {
    if !out.is_empty() {
        out.push('.');
    }
    out.push_str(name);
}

fn push_key(out: &mut String, key: &Text) {
    out.push('[');
    out.push_str(&json::to_string_compact(&Value::String(key.clone())));
    out.push(']');
}

/// Python's `str.isidentifier`, closely enough for attribute names (letters, digits and `_`,
/// not starting with a digit).
fn is_identifier(name: &str) -> bool {
    let mut chars = name.chars();
    chars
        .next()
        .is_some_and(|first| first == '_' || first.is_alphabetic())
        && chars.all(|c| c == '_' || c.is_alphanumeric())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn segments_render_like_python() {
        use Segment::*;
        assert_eq!(render(&[]), "");
        assert_eq!(
            render(&[
                StateDict,
                StateAttr(&Text::from("steps")),
                Index(1),
                Index(1),
                StateDict,
                StateAttr(&Text::from("tree_"))
            ]),
            "steps[1][1].tree_"
        );
        assert_eq!(
            render(&[Index(0), Key(&Text::from("a\"b"))]),
            r#"[0]["a\"b"]"#
        );
        assert_eq!(render(&[StateDict]), "__dict__");
        assert_eq!(
            render(&[StateDict, Attr("key_types"), Index(0)]),
            "__dict__.key_types[0]"
        );
        assert_eq!(
            render(&[
                Attr("func"),
                StateDict,
                StateAttr(&Text::from("not an identifier"))
            ]),
            r#"func.__dict__["not an identifier"]"#
        );
        assert_eq!(
            render(&[StateDict, StateAttr(&Text::from("1x"))]),
            r#"__dict__["1x"]"#
        );
        assert_eq!(render(&[Attr("args"), Index(1)]), "args[1]");
    }
}
