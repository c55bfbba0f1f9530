//! Rendering a card to markdown.
//!
//! skops joins its pieces (headings and formatted contents, empty ones skipped) as
//! `"\n" + piece + "\n"` each, so a card it renders starts with a newline and separates
//! every piece by one blank line. Pieces parsed from a file are instead written back as
//! their exact bytes. Where the two meet, the seams get the blank line skops would have
//! written (and a parsed heading in a new place drops the indentation CommonMark ignores,
//! so that it cannot join a list before it): an unchanged parsed card is byte-identical to its file, a card built in code is
//! byte-identical to skops' rendering, and a skops card that was parsed and then edited
//! renders as skops would render the same edits.

use crate::card::Card;
use crate::lines;
use crate::section::{Section, Source};

/// What the previous piece was, to join the next one correctly.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Last {
    Nothing,
    /// Bytes from a parsed file (or front matter), written as they were.
    Raw,
    /// A piece generated like skops does.
    Generated,
}

/// Accumulates the rendered markdown.
struct Emitter {
    out: String,
    last: Last,
    /// The ordinal of the parsed heading whose preceding bytes in the file the output ends
    /// with (`Some(0)` after the preamble), or `None` after anything edited or generated.
    follows: Option<usize>,
}

impl Emitter {
    /// Appends a generated piece; empty pieces are skipped as in skops.
    fn generated(&mut self, piece: &str) {
        if piece.is_empty() {
            return;
        }
        if self.last == Last::Raw {
            // After file bytes, make exactly one blank line (the file may already end with
            // one, or with no line break at all, and with any line-ending convention).
            let ending = lines::ending(&self.out);
            if ending.is_empty() {
                self.out.push_str("\n\n");
            } else if !ends_with_blank_line(&self.out) {
                // `\n` after a lone `\r` would only make it a `\r\n`.
                self.out.push(if ending == "\r" { '\r' } else { '\n' });
            }
        } else {
            self.out.push('\n');
        }
        self.out.push_str(piece);
        self.out.push('\n');
        self.last = Last::Generated;
    }

    /// Appends the heading of a parsed section. Where what precedes it is no longer what
    /// preceded it in the file (an edited or removed neighbour), it starts a line, and a
    /// setext heading gets a blank line, so that it reads back as the same heading rather
    /// than as the last line of the paragraph before it.
    ///
    /// In a new place the heading's first line also loses its indentation (up to three
    /// spaces, which CommonMark ignores there): after a list, `  A` would otherwise continue
    /// the last item, and the heading would read back as part of that item.
    fn heading(&mut self, bytes: &str, source: &Source) {
        let moved = self.follows != Some(source.ordinal);
        let bytes = if moved {
            bytes.trim_start_matches(' ')
        } else {
            bytes
        };
        if moved && self.last == Last::Raw {
            let ending = lines::ending(&self.out);
            let breaks = match ending {
                "" => 1 + usize::from(source.setext),
                _ if source.setext && !ends_with_blank_line_or_spaces(&self.out) => 1,
                _ => 0,
            };
            // `\n` after a lone `\r` would only make it a `\r\n`.
            let eol = if ending == "\r" { "\r" } else { "\n" };
            for _ in 0..breaks {
                self.out.push_str(eol);
            }
        }
        self.raw(bytes);
    }

    /// Appends bytes from a file; after a generated piece they get the blank line that skops
    /// would have put before them.
    fn raw(&mut self, bytes: &str) {
        if bytes.is_empty() {
            return;
        }
        if self.last == Last::Generated {
            self.out.push('\n');
        }
        self.out.push_str(bytes);
        self.last = Last::Raw;
    }
}

/// Whether `text` ends with an empty line (two line breaks in a row, or nothing before one).
fn ends_with_blank_line(text: &str) -> bool {
    let before = lines::strip_ending(text);
    before.is_empty() || !lines::ending(before).is_empty()
}

/// [`ends_with_blank_line`], where the last line may also hold spaces and tabs (markdown
/// reads such a line as blank too).
fn ends_with_blank_line_or_spaces(text: &str) -> bool {
    let before = lines::strip_ending(text).trim_end_matches([' ', '\t']);
    before.is_empty() || !lines::ending(before).is_empty()
}

/// The whole card as markdown.
pub(crate) fn render(card: &Card) -> String {
    let mut emitter = Emitter {
        out: String::new(),
        last: Last::Nothing,
        follows: None,
    };
    emitter.raw(&card.front_matter.render());
    emitter.raw(&card.preamble);
    emitter.follows = Some(0);
    for section in &card.sections {
        render_section(&mut emitter, section, 0);
    }
    emitter.out
}

/// One visible section, then (unless folded) its subsections.
fn render_section(emitter: &mut Emitter, section: &Section, parent_level: usize) {
    if !section.visible {
        return;
    }
    let level = section.source_level().unwrap_or(parent_level + 1);
    let formatted = section.format();
    match &section.source {
        None => {
            emitter.generated(&format!("{} {}", "#".repeat(level), section.title));
            emitter.generated(&formatted);
            emitter.follows = None;
        }
        Some(source) => {
            if section.title == source.title {
                emitter.heading(&source.heading, source);
            } else {
                emitter.heading(&regenerate_heading(source, &section.title), source);
            }
            if formatted == source.content {
                emitter.raw(&source.body);
                emitter.follows = source.ordinal.checked_add(1);
            } else {
                emitter.raw(&edited_body(source, &formatted));
                emitter.follows = None;
            }
        }
    }
    if !section.folded {
        for subsection in &section.subsections {
            render_section(emitter, subsection, level);
        }
    }
}

/// An ATX heading with a new title, at the parsed level and with the parsed line ending.
fn regenerate_heading(source: &Source, title: &str) -> String {
    let ending = lines::ending(&source.heading);
    format!("{} {title}{ending}", "#".repeat(source.level))
}

/// A parsed body with new content, keeping the blank lines that surrounded the old content.
fn edited_body(source: &Source, content: &str) -> String {
    let body = source.body.as_str();
    let prefix = body.get(..source.prefix_len).unwrap_or_default();
    let suffix = body
        .get(source.prefix_len + source.content.len()..)
        .unwrap_or_default();
    if source.content.is_empty() {
        // Nothing to replace: put the content after the heading, as skops would, then the
        // blank lines that were there.
        let mut out = String::new();
        match lines::ending(&source.heading) {
            // The heading is the file's last line: end it, then the blank line.
            "" => out.push_str("\n\n"),
            // `\n` after a lone `\r` would only make it a `\r\n`.
            "\r" => out.push('\r'),
            _ => out.push('\n'),
        }
        out.push_str(content);
        out.push('\n');
        out.push_str(body);
        return out;
    }
    if content.is_empty() {
        // skops writes an empty section as its heading alone: drop the content and the line
        // break that ended it.
        return lines::strip_leading_ending(suffix).to_owned();
    }
    format!("{prefix}{content}{suffix}")
}
