//! Where the walk is inside the dumped object, for error messages (`steps[0][1].func`).
//!
//! The notation is `skops_format::schema::path`'s, shared with the audit's paths. Segments
//! hold the Python keys themselves; text is made only when an error needs it.

use pyo3::prelude::*;

use skops_format::json::Text;
use skops_format::schema::path::{Segment as PathSegment, render};

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

/// The path of the segments, as text (in `skops_format::schema::path`'s notation).
pub(crate) fn format_path(segments: &[Segment<'_>]) -> String {
    // Keys become text only now, when an error needs the path.
    let keys: Vec<Text> = segments
        .iter()
        .map(|segment| match segment {
            Segment::Key(key) => key
                .str()
                .map_or_else(|_| Text::from("?"), |text| Text::from(text.to_string())),
            _ => Text::default(),
        })
        .collect();
    let mut in_state = false;
    let mut rendered = Vec::with_capacity(segments.len());
    for (segment, key) in segments.iter().zip(&keys) {
        rendered.push(match segment {
            Segment::Attr(name) => PathSegment::Attr(name),
            Segment::StateDict => PathSegment::StateDict,
            Segment::Key(_) if in_state => PathSegment::StateAttr(key),
            Segment::Key(_) => PathSegment::Key(key),
            Segment::Index(index) => PathSegment::Index(*index),
        });
        in_state = matches!(segment, Segment::StateDict);
    }
    render(&rendered)
}
