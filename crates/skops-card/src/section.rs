//! Sections: the nodes of a card, and how each kind formats its content (skops 0.16 rules).

use crate::table::Table;
use crate::{Error, Result};

/// What a section shows besides its text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SectionKind {
    /// Plain markdown content (skops' `Section`).
    Text,
    /// A link to an image file (skops' `PlotSection`).
    Plot {
        /// The image path as written into the card.
        path: String,
        /// Alternative text; the path is used when empty.
        alt_text: String,
    },
    /// A markdown table (skops' `TableSection`).
    Table(Table),
}

/// Where a section came from when it was parsed from a file: the exact bytes of its heading
/// and body, so that it renders back unchanged until it is edited.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Source {
    /// Heading level in the file (`#` count, or 1/2 for setext headings).
    pub(crate) level: usize,
    /// The heading line(s), line ending included.
    pub(crate) heading: String,
    /// The title as parsed; a changed title regenerates the heading.
    pub(crate) title: String,
    /// Everything between the heading and the next heading (or the end of the file).
    pub(crate) body: String,
    /// Length of the blank lines that open `body`.
    pub(crate) prefix_len: usize,
    /// The content as parsed (`body` without the blank lines around it): while the section
    /// still formats to this, `body` is written back as is.
    pub(crate) content: String,
    /// Position of the heading among the file's headings: the renderer writes a heading
    /// right after the bytes it followed in the file only if they are still what precedes it.
    pub(crate) ordinal: usize,
    /// A setext heading (`Title` over `===`): a paragraph right before it would take its
    /// first line, so it needs a blank line before it where its neighbour changed.
    pub(crate) setext: bool,
}

/// One section of a card: a title, content and ordered subsections.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Section {
    /// The name the section is selected by (one part of a path). Usually equal to the title;
    /// skops' `add_table` titles a section with the full path while keying it by the leaf.
    pub key: String,
    /// The heading text.
    pub title: String,
    /// The markdown content (for plots and tables: the description shown before them).
    pub content: String,
    /// Text, plot or table.
    pub kind: SectionKind,
    /// Hidden sections, and their subsections, are not rendered.
    pub visible: bool,
    /// Folded sections wrap their content in `<details>` and hide their subsections.
    pub folded: bool,
    /// Subsections, in order.
    pub subsections: Vec<Section>,
    pub(crate) source: Option<Source>,
}

impl Section {
    /// A text section keyed and titled `title`.
    pub fn text(title: impl Into<String>, content: impl Into<String>) -> Self {
        let title = title.into();
        Section {
            key: title.clone(),
            title,
            content: content.into(),
            kind: SectionKind::Text,
            visible: true,
            folded: false,
            subsections: Vec::new(),
            source: None,
        }
    }

    /// A plot section; an empty `path` is [`Error::MissingPlotPath`] (skops' `TypeError`).
    pub fn plot(
        title: impl Into<String>,
        description: impl Into<String>,
        path: impl Into<String>,
        alt_text: impl Into<String>,
    ) -> Result<Self> {
        let path = path.into();
        if path.is_empty() {
            return Err(Error::MissingPlotPath);
        }
        let mut section = Section::text(title, description);
        section.kind = SectionKind::Plot {
            path,
            alt_text: alt_text.into(),
        };
        Ok(section)
    }

    /// A table section.
    pub fn table(title: impl Into<String>, description: impl Into<String>, table: Table) -> Self {
        let mut section = Section::text(title, description);
        section.kind = SectionKind::Table(table);
        section
    }

    /// Sets the folded flag (builder style).
    pub fn with_folded(mut self, folded: bool) -> Self {
        self.folded = folded;
        self
    }

    /// Sets the key (builder style).
    pub fn with_key(mut self, key: impl Into<String>) -> Self {
        self.key = key.into();
        self
    }

    /// The section's content as rendered under its heading (skops' `Section.format()`).
    pub fn format(&self) -> String {
        match &self.kind {
            SectionKind::Text => wrap_as_details(&self.content, self.folded),
            SectionKind::Plot { path, alt_text } => {
                let alt = if alt_text.is_empty() { path } else { alt_text };
                let image = format!("![{alt}]({path})");
                with_description(&self.content, wrap_as_details(&image, self.folded))
            }
            SectionKind::Table(table) => with_description(
                &self.content,
                wrap_as_details(&table.to_markdown(), self.folded),
            ),
        }
    }

    /// The direct subsection keyed `key`.
    pub fn subsection(&self, key: &str) -> Option<&Section> {
        self.subsections.iter().find(|s| s.key == key)
    }

    /// The direct subsection keyed `key`, mutably.
    pub fn subsection_mut(&mut self, key: &str) -> Option<&mut Section> {
        self.subsections.iter_mut().find(|s| s.key == key)
    }

    /// Selects a descendant by relative path (skops' `Section.select`).
    pub fn select(&self, key: &str) -> Result<&Section> {
        let mut section = self;
        for name in crate::path::split_non_empty(key)? {
            section = section
                .subsection(&name)
                .ok_or(Error::SectionNotFound { name })?;
        }
        Ok(section)
    }

    /// The heading level this section had in a parsed file.
    pub(crate) fn source_level(&self) -> Option<usize> {
        self.source.as_ref().map(|s| s.level)
    }
}

/// Refuses a section name or title that would not be written back as one heading line: one
/// holding a line break (`\n` or `\r`, which CommonMark also reads as one), whose heading
/// would re-parse as a heading and a paragraph, or as several sections.
///
/// skops 0.16 writes such a name as raw lines; the skops-rs API refuses it with
/// [`Error::InvalidSectionName`] wherever a name or title comes in (`add`, `add_plot`,
/// `add_table`, ..., setting a title from Python).
pub fn check_title(name: &str) -> Result<()> {
    if name.contains(['\n', '\r']) {
        return Err(Error::InvalidSectionName {
            name: name.to_owned(),
            reason: "a section name is one line: it cannot hold a line break",
        });
    }
    Ok(())
}

/// skops' `wrap_as_details`: folded content goes inside a `<details>` block.
pub fn wrap_as_details(text: &str, folded: bool) -> String {
    if folded {
        format!("<details>\n<summary> Click to expand </summary>\n\n{text}\n\n</details>")
    } else {
        text.to_owned()
    }
}

/// `content + "\n\n" + value` when there is content (plots and tables).
fn with_description(description: &str, value: String) -> String {
    if description.is_empty() {
        value
    } else {
        format!("{description}\n\n{value}")
    }
}
