//! The card: an ordered tree of sections, the operations skops' `Card` offers on it, and
//! rendering to markdown.

use std::path::Path;

use crate::metadata::FrontMatter;
use crate::path::{split, split_non_empty};
use crate::section::{Section, SectionKind, check_title};
use crate::table::Table;
use crate::template::{CONTENT_PLACEHOLDER, skops_template};
use crate::{Error, Metadata, Result};

/// A model card: front matter, text before the first heading, and the section tree.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Card {
    /// Top-level sections, in order.
    pub sections: Vec<Section>,
    /// Text before the first heading, written back as is (empty for cards built in code).
    pub preamble: String,
    /// YAML front matter (the Hub's model metadata).
    pub front_matter: FrontMatter,
    /// Metrics collected by [`Card::add_metrics`], in insertion order.
    pub metrics: Vec<(String, String)>,
}

impl Card {
    /// An empty card (skops' `template=None`).
    pub fn new() -> Self {
        Card::default()
    }

    /// A card with the sections of the skops template, all with their placeholder text.
    ///
    /// skops' `Card(model)` then adds the hyperparameter table ([`Card::add_hyperparams`])
    /// and the model diagram ([`Card::add_model_plot`]); both need the live model.
    pub fn with_skops_template() -> Self {
        let mut card = Card::new();
        for (key, content) in skops_template() {
            // The template's keys are valid paths; `add` cannot fail on them.
            let _ = card.add(key, content, false);
        }
        card
    }

    /// The card skops' `Card(template=...)` starts from: empty for `None`, the skops template
    /// for `"skops"`, any other name [`Error::UnknownTemplate`].
    pub fn with_template(name: Option<&str>) -> Result<Self> {
        match name {
            None => Ok(Card::new()),
            Some("skops") => Ok(Card::with_skops_template()),
            Some(other) => Err(Error::UnknownTemplate {
                name: other.to_owned(),
            }),
        }
    }

    /// The card's metadata (front matter).
    pub fn metadata(&self) -> &Metadata {
        self.front_matter.metadata()
    }

    /// The card's metadata, to change it.
    pub fn metadata_mut(&mut self) -> &mut Metadata {
        self.front_matter.metadata_mut()
    }

    // ----- tree operations ---------------------------------------------------------------

    /// Adds or overwrites a text section at `key` (skops' `Card.add(folded, key=content)`).
    ///
    /// Missing parents are created with empty content; the subsections of an overwritten
    /// section are kept.
    pub fn add(&mut self, key: &str, content: impl Into<String>, folded: bool) -> Result<()> {
        let leaf = leaf_name(key);
        let section = Section::text(leaf, content).with_folded(folded);
        self.add_section(key, section)
    }

    /// Puts `section` at `key` (skops' `Card._add_single`): parents are created as needed;
    /// an existing section's subsections move to the new one, which must not bring
    /// different subsections of its own ([`Error::ConflictingSubsections`]). The section is
    /// keyed by the last part of `key`, whatever its title.
    ///
    /// Every part of `key` and every title in `section` must be one line
    /// ([`crate::section::check_title`]).
    pub fn add_section(&mut self, key: &str, mut section: Section) -> Result<()> {
        let mut parts = split(key);
        for part in &parts {
            check_title(part)?;
        }
        check_titles(std::slice::from_ref(&section))?;
        let depth = parts.len() as u64 + subtree_depth(&section.subsections);
        if depth > crate::limits::MAX_SECTION_DEPTH {
            return Err(Error::LimitExceeded {
                what: "section nesting depth",
                value: depth,
                limit: crate::limits::MAX_SECTION_DEPTH,
            });
        }
        let leaf = parts.pop().unwrap_or_default();
        let siblings = self.siblings_creating(&parts);
        section.key = leaf.clone();
        match siblings.iter_mut().find(|s| s.key == leaf) {
            Some(old) => {
                if !section.subsections.is_empty()
                    && !same_sections(&section.subsections, &old.subsections)
                {
                    return Err(Error::ConflictingSubsections { name: leaf });
                }
                section.subsections = std::mem::take(&mut old.subsections);
                // A section read from a file keeps its heading bytes and the blank lines
                // around its body, so overwriting it changes only its content's bytes.
                if section.source.is_none() {
                    let parsed = old.source.is_some();
                    section.source = old.source.take();
                    // A parsed duplicate is keyed `Title (2)` but titled `Title`: overwriting
                    // its content must not rename it. (A section added in code keeps skops'
                    // rule: the new section's title wins, e.g. over `add_table`'s full key.)
                    if parsed && section.title == leaf && old.title != old.key {
                        section.title = std::mem::take(&mut old.title);
                    }
                }
                *old = section;
            }
            None => siblings.push(section),
        }
        Ok(())
    }

    /// The section at `key` (skops' `Card.select`).
    pub fn select(&self, key: &str) -> Result<&Section> {
        let parts = split_non_empty(key)?;
        self.select_parts(&parts)
    }

    /// The section at `key`, to change it.
    pub fn select_mut(&mut self, key: &str) -> Result<&mut Section> {
        let parts = split_non_empty(key)?;
        self.select_parts_mut(&parts)
    }

    /// The section at an already split path.
    pub fn select_parts<S: AsRef<str>>(&self, parts: &[S]) -> Result<&Section> {
        let mut siblings = &self.sections;
        let mut found = None;
        for name in parts {
            let name = name.as_ref();
            let section =
                siblings
                    .iter()
                    .find(|s| s.key == name)
                    .ok_or_else(|| Error::SectionNotFound {
                        name: name.to_owned(),
                    })?;
            siblings = &section.subsections;
            found = Some(section);
        }
        found.ok_or(Error::EmptySectionName { key: String::new() })
    }

    /// The section at an already split path, to change it.
    pub fn select_parts_mut<S: AsRef<str>>(&mut self, parts: &[S]) -> Result<&mut Section> {
        let not_found = |name: &str| Error::SectionNotFound {
            name: name.to_owned(),
        };
        let Some((first, rest)) = parts.split_first() else {
            return Err(Error::EmptySectionName { key: String::new() });
        };
        let first = first.as_ref();
        let mut section = self
            .sections
            .iter_mut()
            .find(|s| s.key == first)
            .ok_or_else(|| not_found(first))?;
        for name in rest {
            let name = name.as_ref();
            section = section
                .subsections
                .iter_mut()
                .find(|s| s.key == name)
                .ok_or_else(|| not_found(name))?;
        }
        Ok(section)
    }

    /// Removes the section at `key` and its subsections (skops' `Card.delete`).
    pub fn delete(&mut self, key: &str) -> Result<()> {
        let parts = split_non_empty(key)?;
        self.delete_parts(&parts)
    }

    /// Removes the section at an already split path (skops' `Card.delete([...])`).
    pub fn delete_parts<S: AsRef<str>>(&mut self, parts: &[S]) -> Result<()> {
        let Some((leaf, parents)) = parts.split_last() else {
            return Err(Error::EmptySectionName { key: String::new() });
        };
        let leaf = leaf.as_ref();
        if leaf.is_empty() {
            return Err(Error::EmptySectionName {
                key: leaf.to_owned(),
            });
        }
        let siblings = if parents.is_empty() {
            &mut self.sections
        } else {
            &mut self.select_parts_mut(parents)?.subsections
        };
        let index =
            siblings
                .iter()
                .position(|s| s.key == leaf)
                .ok_or_else(|| Error::SectionNotFound {
                    name: leaf.to_owned(),
                })?;
        siblings.remove(index);
        Ok(())
    }

    /// The subsections list at `parents`, creating empty sections on the way.
    fn siblings_creating(&mut self, parents: &[String]) -> &mut Vec<Section> {
        let mut siblings = &mut self.sections;
        for name in parents {
            let index = match siblings.iter().position(|s| &s.key == name) {
                Some(index) => index,
                None => {
                    siblings.push(Section::text(name.clone(), ""));
                    siblings.len() - 1
                }
            };
            // `index` is in bounds: found or just pushed.
            #[allow(clippy::indexing_slicing)]
            {
                siblings = &mut siblings[index].subsections;
            }
        }
        siblings
    }

    // ----- skops' content helpers --------------------------------------------------------

    /// Adds plot sections (skops' `add_plot`). `alt_text` defaults to the title of the first
    /// plot and is then reused for the later ones of the same call, as in skops.
    pub fn add_plots<K: AsRef<str>, P: Into<String>>(
        &mut self,
        plots: impl IntoIterator<Item = (K, P)>,
        description: Option<&str>,
        alt_text: Option<&str>,
        folded: bool,
    ) -> Result<()> {
        let description = description.unwrap_or_default();
        let mut alt_text = alt_text.filter(|a| !a.is_empty()).map(str::to_owned);
        for (key, path) in plots {
            let key = key.as_ref();
            let title = leaf_name(key);
            let alt = alt_text.get_or_insert_with(|| title.clone()).clone();
            let section = Section::plot(title, description, path, alt)?.with_folded(folded);
            self.add_section(key, section)?;
        }
        Ok(())
    }

    /// Adds a table section (skops' `add_table`); as in skops the heading is the full key.
    pub fn add_table(
        &mut self,
        key: &str,
        table: Table,
        description: Option<&str>,
        folded: bool,
    ) -> Result<()> {
        let section = Section::table(key, description.unwrap_or_default(), table);
        self.add_section(key, section.with_folded(folded))
    }

    /// Adds or updates metrics and redraws the metrics table at `section` (skops'
    /// `add_metrics`, default section [`crate::template::METRICS_SECTION`]).
    pub fn add_metrics(
        &mut self,
        section: &str,
        description: Option<&str>,
        metrics: impl IntoIterator<Item = (String, String)>,
    ) -> Result<()> {
        for (name, value) in metrics {
            match self.metrics.iter_mut().find(|(n, _)| *n == name) {
                Some(entry) => entry.1 = value,
                None => self.metrics.push((name, value)),
            }
        }
        let names: Vec<&str> = self.metrics.iter().map(|(n, _)| n.as_str()).collect();
        let values: Vec<&str> = self.metrics.iter().map(|(_, v)| v.as_str()).collect();
        let table = Table::from_columns([("Metric", names), ("Value", values)])?;
        let title = leaf_name(section);
        let new = Section::table(title, description.unwrap_or_default(), table);
        self.add_section(section, new)
    }

    /// Adds the hyperparameter table, folded (skops' `add_hyperparams`); `params` are the
    /// names and `str()` of the values of `model.get_params(deep=True)`.
    pub fn add_hyperparams(
        &mut self,
        section: &str,
        description: Option<&str>,
        params: &[(String, String)],
    ) -> Result<()> {
        let names: Vec<&str> = params.iter().map(|(n, _)| n.as_str()).collect();
        let values: Vec<&str> = params.iter().map(|(_, v)| v.as_str()).collect();
        let table = Table::from_columns([("Hyperparameter", names), ("Value", values)])?;
        let title = leaf_name(section);
        let new = Section::table(title, description.unwrap_or_default(), table).with_folded(true);
        self.add_section(section, new)
    }

    /// Adds the model diagram (skops' `add_model_plot`): `html` is scikit-learn's
    /// `estimator_html_repr(model)`, from which every newline followed by whitespace is removed
    /// (markdown would otherwise turn the indented HTML into code blocks).
    pub fn add_model_plot(
        &mut self,
        section: &str,
        description: Option<&str>,
        html: &str,
    ) -> Result<()> {
        let diagram = remove_newline_indents(html);
        let content = match description.filter(|d| !d.is_empty()) {
            Some(description) => format!("{description}\n\n{diagram}"),
            None => diagram,
        };
        self.add_section(section, Section::text(leaf_name(section), content))
    }

    // ----- views -------------------------------------------------------------------------

    /// The table of contents (skops' `get_toc`): one `"  " * level + "- " + title` line per
    /// visible section, subsections of folded sections included.
    pub fn toc(&self) -> String {
        fn walk(sections: &[Section], level: usize, lines: &mut Vec<String>) {
            for section in sections.iter().filter(|s| s.visible) {
                lines.push(format!("{}- {}", "  ".repeat(level), section.title));
                walk(&section.subsections, level + 1, lines);
            }
        }
        let mut lines = Vec::new();
        walk(&self.sections, 0, &mut lines);
        lines.join("\n")
    }

    /// Every section with its `/`-joined title path, depth first, hidden ones included
    /// (skops' `_iterate_content`).
    pub fn iter_sections(&self) -> Vec<(String, &Section)> {
        fn walk<'a>(sections: &'a [Section], parent: &str, out: &mut Vec<(String, &'a Section)>) {
            for section in sections {
                let title = if parent.is_empty() {
                    section.title.clone()
                } else {
                    format!("{parent}/{}", section.title)
                };
                out.push((title.clone(), section));
                walk(&section.subsections, &title, out);
            }
        }
        let mut out = Vec::new();
        walk(&self.sections, "", &mut out);
        out
    }

    /// The card as markdown (skops' `Card.render()`, front matter first when there is any).
    pub fn render(&self) -> String {
        crate::render::render(self)
    }

    /// Paths of the plots that [`Card::render`] shows (visible, not inside folded sections).
    pub fn rendered_plot_paths(&self) -> Vec<&str> {
        fn walk<'a>(sections: &'a [Section], out: &mut Vec<&'a str>) {
            for section in sections.iter().filter(|s| s.visible) {
                if let SectionKind::Plot { path, .. } = &section.kind {
                    out.push(path);
                }
                if !section.folded {
                    walk(&section.subsections, out);
                }
            }
        }
        let mut out = Vec::new();
        walk(&self.sections, &mut out);
        out
    }

    /// Writes the card to `path` atomically (skops' `Card.save`): the text goes to a temporary
    /// file next to `path` that is then renamed over it, so a failure leaves an existing card
    /// untouched. With `copy_files`, the rendered plots are first copied into `path`'s folder.
    ///
    /// Metadata past the budget parsing applies ([`crate::limits::MAX_METADATA_BYTES`], ...)
    /// is refused, so that the file written always parses again; a plot copy never writes
    /// through a symbolic link in the folder ([`Error::NotARegularFile`]).
    pub fn save(&self, path: &Path, copy_files: bool) -> Result<()> {
        self.metadata().check_limits()?;
        let text = self.render();
        let folder = match path.parent() {
            Some(parent) if !parent.as_os_str().is_empty() => parent.to_path_buf(),
            _ => std::path::PathBuf::from("."),
        };
        if copy_files {
            for plot in self.rendered_plot_paths() {
                copy_plot(Path::new(plot), &folder)?;
            }
        }
        write_atomic(path, text.as_bytes())
    }
}

/// [`check_title`] on the titles and keys of `sections` and all their subsections.
fn check_titles(sections: &[Section]) -> Result<()> {
    sections.iter().try_for_each(|s| {
        check_title(&s.title)?;
        check_title(&s.key)?;
        check_titles(&s.subsections)
    })
}

/// How many levels `sections` add below their parent (0 for none).
fn subtree_depth(sections: &[Section]) -> u64 {
    sections
        .iter()
        .map(|s| 1 + subtree_depth(&s.subsections))
        .max()
        .unwrap_or(0)
}

/// Whether two lists of sections hold the same titles, contents, flags and kinds, recursively
/// (skops compares its section dataclasses this way); where they came from does not matter.
fn same_sections(a: &[Section], b: &[Section]) -> bool {
    a.len() == b.len()
        && a.iter().zip(b).all(|(x, y)| {
            x.key == y.key
                && x.title == y.title
                && x.content == y.content
                && x.kind == y.kind
                && x.visible == y.visible
                && x.folded == y.folded
                && same_sections(&x.subsections, &y.subsections)
        })
}

/// The last part of a section path (skops' `split_subsection_names(key)[-1]`).
pub fn leaf_name(key: &str) -> String {
    split(key).pop().unwrap_or_default()
}

/// `re.sub(r"\n\s+", "", text)`: drops each newline followed by whitespace, with that
/// whitespace (Python's `\s` is Unicode whitespace, newlines included).
pub fn remove_newline_indents(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        if c == '\n'
            && chars
                .peek()
                .is_some_and(|n| crate::path::is_python_whitespace(*n))
        {
            while chars
                .next_if(|n| crate::path::is_python_whitespace(*n))
                .is_some()
            {}
            continue;
        }
        out.push(c);
    }
    out
}

/// Whether skops' `repr` hides a section's content: empty, or only the placeholder.
pub fn is_placeholder(formatted: &str) -> bool {
    formatted
        .trim_end_matches('`')
        .trim_end()
        .ends_with(CONTENT_PLACEHOLDER)
}

/// `shutil.copy(plot, folder)`, with a clear error when the plot is missing.
fn copy_plot(plot: &Path, folder: &Path) -> Result<()> {
    if !plot.is_file() {
        return Err(Error::PlotFileMissing {
            path: plot.display().to_string(),
        });
    }
    let Some(name) = plot.file_name() else {
        return Err(Error::PlotFileMissing {
            path: plot.display().to_string(),
        });
    };
    let target = folder.join(name);
    // Copying a file onto itself would truncate it.
    if let (Ok(a), Ok(b)) = (plot.canonicalize(), target.canonicalize())
        && a == b
    {
        return Ok(());
    }
    // `fs::copy` would write through a link (or into a FIFO or device) found in the folder.
    crate::file::check_replaceable(&target)?;
    std::fs::copy(plot, &target)
        .map(|_| ())
        .map_err(|e| Error::io(&target, e))
}

/// Replaces `path` by `bytes` atomically ([`skops_format::atomic::write_atomic`]).
pub fn write_atomic(path: &Path, bytes: &[u8]) -> Result<()> {
    skops_format::atomic::write_atomic(path, bytes)
        .map_err(|failed| Error::io(&failed.path, failed.source))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_deeper_than_the_limit_are_refused() {
        let mut card = Card::new();
        let deep = vec!["x"; 65].join("/");
        assert!(matches!(
            card.add(&deep, "", false),
            Err(Error::LimitExceeded { .. })
        ));
        let ok = vec!["x"; 64].join("/");
        card.add(&ok, "deep", false).unwrap();
        assert!(card.render().ends_with("deep\n"));
    }
}
