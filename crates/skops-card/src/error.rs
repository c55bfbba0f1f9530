//! The one error type of `skops-card`: every way building, parsing or saving a card can fail.
//!
//! Messages follow the Rust API guidelines (lowercase, no trailing period). The Python
//! bindings map each variant exhaustively to the exception and message skops 0.16 raises.

/// A result whose error is [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Everything that can go wrong with a model card.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    // ----- sections --------------------------------------------------------------------------
    /// A section path has an empty part (`""`, `"A/"`, `"A//B"`).
    #[error("section name cannot be empty but got `{key}`")]
    EmptySectionName {
        /// The path as given.
        key: String,
    },
    /// No section has this name under the given parent.
    #[error("section `{name}` does not exist")]
    SectionNotFound {
        /// The first part of the path that was not found.
        name: String,
    },
    /// A section was replaced by one carrying different, non-empty subsections.
    #[error("trying to override section `{name}` but found conflicting subsections")]
    ConflictingSubsections {
        /// The leaf name of the section.
        name: String,
    },
    /// A plot section was given an empty path.
    #[error("a plot section requires a path")]
    MissingPlotPath,
    /// A table has no columns.
    #[error("trying to add a table with no columns")]
    EmptyTable,
    /// A table column has a different number of rows than the columns before it.
    #[error("column length {column_len} does not match number of rows {rows}")]
    ColumnLength {
        /// Rows in the offending column.
        column_len: usize,
        /// Rows in the table so far.
        rows: usize,
    },
    /// A template name other than `"skops"`.
    #[error("unknown template `{name}`, template must be one of the following values: 'skops'")]
    UnknownTemplate {
        /// The name given.
        name: String,
    },
    /// A section name or title that would not be written back as one heading (it holds a
    /// line break, so its heading would re-parse as several lines or sections).
    #[error("invalid section name {name:?}: {reason}")]
    InvalidSectionName {
        /// The name or title as given.
        name: String,
        /// What is wrong with it.
        reason: &'static str,
    },

    // ----- front matter ----------------------------------------------------------------------
    /// The YAML front matter does not parse.
    #[error("malformed YAML front matter at line {line}, column {column}: {message}")]
    FrontMatterSyntax {
        /// 1-based line in the card file.
        line: usize,
        /// 1-based column.
        column: usize,
        /// What the YAML parser reported.
        message: String,
    },
    /// The YAML front matter parses but is not what a model card holds.
    #[error("invalid YAML front matter: {message}")]
    FrontMatterInvalid {
        /// What is wrong (e.g. "the top level is a list, not a mapping").
        message: String,
    },

    /// A metadata value that card metadata cannot hold (e.g. an integer too large for a
    /// float, from Python).
    #[error("unsupported metadata value: {message}")]
    UnsupportedMetadataValue {
        /// What is wrong.
        message: String,
    },

    /// A model's `config.json` is not what skops' Hub integration writes.
    #[error("invalid model config: {message}")]
    InvalidConfig {
        /// What is wrong.
        message: String,
    },

    // ----- files -----------------------------------------------------------------------------
    /// A card file is not valid UTF-8.
    #[error("`{path}` is not valid UTF-8 (first invalid byte at offset {offset})")]
    NotUtf8 {
        /// The file.
        path: String,
        /// Byte offset of the first invalid sequence.
        offset: usize,
    },
    /// A size or count is above its limit (see [`crate::limits`]).
    #[error("{what} is {value}, above the limit of {limit}")]
    LimitExceeded {
        /// What was measured.
        what: &'static str,
        /// The value found.
        value: u64,
        /// The limit.
        limit: u64,
    },
    /// A plot file referenced by the card does not exist (when copying plots on save).
    #[error("plot file `{path}` does not exist")]
    PlotFileMissing {
        /// The path of the plot as written in the card.
        path: String,
    },
    /// A model file is not a valid `.skops` file.
    #[error("`{path}` is not a valid .skops file")]
    ModelFile {
        /// The model file.
        path: String,
        /// What the format reader found (boxed: it is large, and rare).
        #[source]
        source: Box<skops_trust::Error>,
    },
    /// A card path that is not a regular file: a symbolic link (never followed), a
    /// directory, a FIFO, a device or a socket.
    #[error("`{path}` is {found}, not a regular file")]
    NotARegularFile {
        /// The path given.
        path: String,
        /// What it is (e.g. "a symbolic link").
        found: &'static str,
    },
    /// A file read from inside a folder resolves to a place outside it.
    #[error("`{path}` resolves outside the folder `{folder}`")]
    OutsideFolder {
        /// The file.
        path: String,
        /// The folder it must stay in.
        folder: String,
    },
    /// Text from Python holds a lone surrogate (e.g. `"\ud800"`), which UTF-8 text (and
    /// so a card file) cannot hold.
    #[error("{what} holds a lone surrogate (`\\u{code:04x}`), which UTF-8 text cannot hold")]
    LoneSurrogate {
        /// What the text is (e.g. "argument `key`").
        what: String,
        /// The surrogate code unit.
        code: u32,
    },
    /// Reading or writing a file failed.
    #[error("cannot access `{path}`")]
    Io {
        /// The path being read or written.
        path: String,
        /// The underlying error.
        #[source]
        source: std::io::Error,
    },
}

impl Error {
    /// A short, stable, kebab-case name of the problem (the variant's name), shared by the
    /// Python exception's `kind` and the command-line tool.
    pub fn kind(&self) -> &'static str {
        match self {
            Error::EmptySectionName { .. } => "empty-section-name",
            Error::SectionNotFound { .. } => "section-not-found",
            Error::ConflictingSubsections { .. } => "conflicting-subsections",
            Error::MissingPlotPath => "missing-plot-path",
            Error::EmptyTable => "empty-table",
            Error::ColumnLength { .. } => "column-length",
            Error::UnknownTemplate { .. } => "unknown-template",
            Error::InvalidSectionName { .. } => "invalid-section-name",
            Error::FrontMatterSyntax { .. } => "front-matter-syntax",
            Error::FrontMatterInvalid { .. } => "front-matter-invalid",
            Error::UnsupportedMetadataValue { .. } => "unsupported-metadata-value",
            Error::InvalidConfig { .. } => "invalid-config",
            Error::NotUtf8 { .. } => "not-utf8",
            Error::LimitExceeded { .. } => "limit-exceeded",
            Error::PlotFileMissing { .. } => "plot-file-missing",
            Error::ModelFile { .. } => "model-file",
            Error::NotARegularFile { .. } => "not-a-regular-file",
            Error::OutsideFolder { .. } => "outside-folder",
            Error::LoneSurrogate { .. } => "lone-surrogate",
            Error::Io { .. } => "io",
        }
    }

    /// An [`Error::Io`] for `path`.
    pub(crate) fn io(path: &std::path::Path, source: std::io::Error) -> Self {
        Error::Io {
            path: path.display().to_string(),
            source,
        }
    }
}
