//! Markdown -> [`Card`], keeping every byte (no pandoc).
//!
//! Headings are found with a CommonMark parser (GitHub's and the Hub's dialect), so ATX
//! (`## Title`) and setext (`Title` / `-----`) headings count, while `#` lines inside code
//! fences, indented code, HTML blocks, lists and block quotes do not. Only top-level headings
//! start sections; the tree is built like skops' parser does (a level-`L` heading goes under
//! the first `L - 1` sections of the current path). Everything keeps its bytes: the front
//! matter, the text before the first heading, each heading line and each body, so an
//! unchanged card renders back to exactly the input.
//!
//! Two siblings with the same title stay two sections: the later ones are keyed
//! `"Title (2)"`, `"Title (3)"`, ... (their heading text is unchanged).
//!
//! Lines end with `\n`, `\r\n` or a lone `\r` (any mix, as CommonMark reads them), and the
//! time taken is linear in the size of the card, whatever its number of (duplicate) headings.

use std::collections::{HashMap, HashSet};
use std::path::Path;

use pulldown_cmark::{Event, Options, Parser, Tag, TagEnd};

use crate::card::Card;
use crate::limits::{MAX_CARD_SIZE, MAX_SECTIONS};
use crate::lines;
use crate::metadata::{FrontMatter, split_front_matter};
use crate::section::{Section, SectionKind, Source};
use crate::{Error, Result};

/// The UTF-8 byte order mark some editors write at the start of a file.
const BOM: &str = "\u{feff}";

/// Reads and parses a card file (skops' `parse_modelcard`, without pandoc).
///
/// The path must name a regular file, not a symbolic link, a directory, a FIFO or a device
/// ([`crate::file::read_card`]).
pub fn parse_file(path: &Path) -> Result<Card> {
    parse(&crate::file::read_card(path)?)
}

/// A heading found in the document.
struct Heading {
    level: usize,
    /// Byte range of the heading line(s), from the start of its first line to the end of its
    /// last line (line ending included).
    start: usize,
    end: usize,
    title: String,
}

/// Parses markdown text into a card.
pub fn parse(text: &str) -> Result<Card> {
    if text.len() as u64 > MAX_CARD_SIZE {
        return Err(Error::LimitExceeded {
            what: "card size",
            value: text.len() as u64,
            limit: MAX_CARD_SIZE,
        });
    }
    let (bom, unmarked) = match text.strip_prefix(BOM) {
        Some(rest) => (BOM, rest),
        None => ("", text),
    };
    let mut card = Card::new();
    let markdown = match split_front_matter(unmarked) {
        Some((open, body, close, rest)) => {
            let first_line = lines::count_breaks(open) + 1;
            let open = format!("{bom}{open}");
            card.front_matter = FrontMatter::parse(&open, body, close, first_line)?;
            rest
        }
        None => text,
    };
    let headings = find_headings(markdown)?;
    let first_start = headings.first().map_or(markdown.len(), |h| h.start);
    card.preamble = markdown.get(..first_start).unwrap_or_default().to_owned();

    // skops' parser: `trace = trace[:level - 1] + [title]`; here the trace holds indices.
    let mut trace: Vec<usize> = Vec::new();
    // The keys of each sibling list, by the trace of its parent.
    let mut keys: HashMap<Vec<usize>, SiblingKeys> = HashMap::new();
    for (index, heading) in headings.iter().enumerate() {
        let body_end = headings.get(index + 1).map_or(markdown.len(), |h| h.start);
        let mut section = section_from_source(markdown, heading, index, body_end);
        trace.truncate(heading.level.saturating_sub(1));
        let siblings = siblings_at(&mut card.sections, &trace);
        section.key = keys
            .entry(trace.clone())
            .or_default()
            .unique(&section.title);
        siblings.push(section);
        trace.push(siblings.len() - 1);
    }
    Ok(card)
}

/// The keys given so far in one list of siblings, to key the next one in constant time
/// (amortised): a card of many headings with the same (or no) title parses in linear time.
#[derive(Default)]
struct SiblingKeys {
    taken: HashSet<String>,
    /// For each title, the `N` of `"title (N)"` to try next; every lower `N` is taken.
    next: HashMap<String, usize>,
}

impl SiblingKeys {
    /// `title`, or `title (N)` for the first `N >= 2` not taken yet; the key is then taken.
    fn unique(&mut self, title: &str) -> String {
        let key = if self.taken.contains(title) {
            let n = self.next.entry(title.to_owned()).or_insert(2);
            loop {
                let key = format!("{title} ({n})");
                *n += 1;
                if !self.taken.contains(&key) {
                    break key;
                }
            }
        } else {
            title.to_owned()
        };
        self.taken.insert(key.clone());
        key
    }
}

/// The subsections list reached by following `trace` (indices) from the top level.
fn siblings_at<'a>(siblings: &'a mut Vec<Section>, trace: &[usize]) -> &'a mut Vec<Section> {
    match trace.split_first() {
        // The trace only holds indices of sections pushed earlier (checked anyway); it is at
        // most six long (heading levels), so the recursion is shallow.
        #[allow(clippy::indexing_slicing)]
        Some((&index, rest)) if index < siblings.len() => {
            siblings_at(&mut siblings[index].subsections, rest)
        }
        _ => siblings,
    }
}

/// A section holding the heading's and body's exact bytes.
fn section_from_source(
    markdown: &str,
    heading: &Heading,
    ordinal: usize,
    body_end: usize,
) -> Section {
    let heading_text = markdown.get(heading.start..heading.end).unwrap_or_default();
    // An ATX heading is one line; a setext heading has its text and underline lines.
    let setext = lines::count_breaks(lines::strip_ending(heading_text)) > 0;
    let body = markdown.get(heading.end..body_end).unwrap_or_default();
    let prefix_len = blank_lines_len(body);
    let content = body
        .get(prefix_len..)
        .unwrap_or_default()
        .trim_end_matches([' ', '\t', '\r', '\n']);
    Section {
        key: heading.title.clone(),
        title: heading.title.clone(),
        content: content.to_owned(),
        kind: SectionKind::Text,
        visible: true,
        folded: false,
        subsections: Vec::new(),
        source: Some(Source {
            level: heading.level,
            heading: heading_text.to_owned(),
            title: heading.title.clone(),
            body: body.to_owned(),
            prefix_len,
            content: content.to_owned(),
            ordinal,
            setext,
        }),
    }
}

/// Length of the whole blank lines (spaces and tabs only) at the start of `text`.
fn blank_lines_len(text: &str) -> usize {
    let mut len = 0;
    for line in lines::split_inclusive(text) {
        if !lines::ending(line).is_empty()
            && line.trim_start_matches([' ', '\t', '\r', '\n']).is_empty()
        {
            len += line.len();
        } else {
            break;
        }
    }
    len
}

/// The top-level headings of `markdown`, in order.
fn find_headings(markdown: &str) -> Result<Vec<Heading>> {
    let options = Options::ENABLE_TABLES
        | Options::ENABLE_FOOTNOTES
        | Options::ENABLE_STRIKETHROUGH
        | Options::ENABLE_TASKLISTS;
    let mut headings = Vec::new();
    let mut depth = 0usize;
    // (level, start, end, first inline byte, last inline byte) of the heading being read.
    let mut current: Option<(usize, usize, usize, usize, usize)> = None;
    // Same offsets, same line breaks; only the reader sees lone `\r` as `\n`.
    let readable = lines::lone_cr_as_lf(markdown);
    for (event, range) in Parser::new_ext(&readable, options).into_offset_iter() {
        match event {
            Event::Start(Tag::Heading { level, .. }) if depth == 0 => {
                current = Some((level as usize, range.start, range.end, usize::MAX, 0));
                depth += 1;
            }
            Event::End(TagEnd::Heading(_)) if depth == 1 && current.is_some() => {
                depth -= 1;
                if let Some((level, start, end, inline_start, inline_end)) = current.take() {
                    if headings.len() as u64 >= MAX_SECTIONS {
                        return Err(Error::LimitExceeded {
                            what: "section count",
                            value: headings.len() as u64 + 1,
                            limit: MAX_SECTIONS,
                        });
                    }
                    let title = if inline_start < inline_end {
                        normalize_title(markdown.get(inline_start..inline_end).unwrap_or_default())
                    } else {
                        String::new()
                    };
                    headings.push(Heading {
                        level,
                        start: lines::line_start(markdown, start),
                        end: lines::line_end(markdown, end),
                        title,
                    });
                }
            }
            Event::Start(_) => {
                depth += 1;
                if let Some(heading) = current.as_mut() {
                    heading.3 = heading.3.min(range.start);
                    heading.4 = heading.4.max(range.end);
                }
            }
            Event::End(_) => depth = depth.saturating_sub(1),
            _ => {
                if let Some(heading) = current.as_mut() {
                    heading.3 = heading.3.min(range.start);
                    heading.4 = heading.4.max(range.end);
                }
            }
        }
    }
    Ok(headings)
}

/// The title text: inline source with line breaks (multi-line setext headings) folded to
/// single spaces and surrounding whitespace removed.
fn normalize_title(raw: &str) -> String {
    lines::split_inclusive(raw)
        .map(|line| line.trim_matches([' ', '\t', '\r', '\n']))
        .filter(|line| !line.is_empty())
        .collect::<Vec<_>>()
        .join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn titles(card: &Card) -> String {
        card.toc()
    }

    #[test]
    fn headings_of_all_kinds() {
        let text = "intro\n\n# A\n\ntext\n\nSetext\n------\n\n```\n# not a heading\n```\n\n<div>\n# not either\n</div>\n\n> # quoted\n\n### Deep ###\n";
        let card = parse(text).unwrap();
        assert_eq!(card.render(), text);
        assert_eq!(titles(&card), "- A\n  - Setext\n    - Deep");
        assert_eq!(card.preamble, "intro\n\n");
    }

    #[test]
    fn editing_one_section_changes_only_its_bytes() {
        let text = "# A\n\none\n\n## B\n\ntwo\n\n# C\nthree\n";
        let mut card = parse(text).unwrap();
        card.select_mut("A/B").unwrap().content = "TWO".to_owned();
        assert_eq!(card.render(), "# A\n\none\n\n## B\n\nTWO\n\n# C\nthree\n");
        card.select_mut("C").unwrap().content = String::new();
        assert_eq!(card.render(), "# A\n\none\n\n## B\n\nTWO\n\n# C\n");
    }

    #[test]
    fn duplicate_titles_stay_apart() {
        let card = parse("# A\n\n## Usage\n\nx\n\n## Usage\n\ny\n").unwrap();
        assert_eq!(card.select("A/Usage").unwrap().content, "x");
        assert_eq!(card.select("A/Usage (2)").unwrap().content, "y");
        let mut card = card;
        card.add("A/Usage (2)", "z", false).unwrap();
        assert_eq!(card.render(), "# A\n\n## Usage\n\nx\n\n## Usage\n\nz\n");
    }
}
