//! What can go wrong in a command, and how it is reported: `error: ...`, one `caused by: ...`
//! line per underlying error, and a `hint: ...` where there is something to suggest; with
//! `--json`, the same parts and the error's `kind()` as one JSON object.
//!
//! Every [`skops_format::Error`] and [`skops_card::Error`] variant is mapped to its hint by an
//! exhaustive `match`, so a new variant does not compile until someone decides what to tell the
//! user about it. The kind is the wrapped crate error's own `kind()` (the one vocabulary of
//! `docs/errors.md`); only the variants the command line adds have kinds of their own, in the
//! `error_kinds!` table below.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use skops_card::Error as CardError;
use skops_format::Error as FormatError;
use skops_infer::Error as InferError;
use skops_trust::Error as TrustError;

use crate::sanitize::sanitize;
use skops_format::error::{FileError, JsonError, NpyError, NpzError, SchemaError, ZipError};
use skops_format::json::{self, Object, Value};
use skops_trust::error::{AuditError, PolicyError, VisualizeError};

/// A command that could not do its job (exit code 2).
#[derive(Debug, strum::EnumDiscriminants)]
#[strum_discriminants(name(CliErrorKind), derive(strum::EnumIter))]
#[strum_discriminants(doc = "The variants of [`CliError`], without their data.")]
pub enum CliError {
    /// The file could not be read, is not a valid `.skops` file, or cannot be audited.
    File {
        /// The path given on the command line.
        path: PathBuf,
        /// What is wrong (boxed: the error enum is large).
        source: Box<TrustError>,
    },
    /// A card could not be read, built, edited or written, or its model file is invalid.
    Card {
        /// The card (or model file) the command was working on, as given.
        path: PathBuf,
        /// What is wrong (boxed: the error enum is large).
        source: Box<CardError>,
    },
    /// `card new -o PATH` would replace an existing file without `--force`.
    OutputExists {
        /// The output path given.
        path: PathBuf,
    },
    /// `audit --write-policy PATH` names the model file itself, which the policy would replace.
    PolicyIsModel {
        /// The path given to `--write-policy`.
        path: PathBuf,
    },
    /// Writing the output failed (a closed pipe is not an error).
    Output(std::io::Error),
    /// The hub could not open its store or make a token.
    Hub {
        /// What went wrong.
        source: skops_hub::Error,
    },
    /// The hub could not listen on its address, or its server failed.
    Serve {
        /// The address given.
        addr: String,
        /// What went wrong.
        source: std::io::Error,
    },
    /// `serve` could not load a model, or could not listen.
    ServeModels {
        /// What went wrong.
        source: skops_serve::Error,
    },
    /// Native prediction refused the model or a batch of the input.
    Infer {
        /// Where: the model file, or the input's rows.
        context: String,
        /// What is wrong (boxed: the error enum is large).
        source: Box<InferError>,
    },
    /// The input of `predict` could not be read.
    InputIo {
        /// The path given.
        path: PathBuf,
        /// What went wrong.
        source: std::io::Error,
    },
    /// A line of the input of `predict` is not CSV or JSON as expected (no header, a name
    /// given twice, invalid JSON, a value that is not a number, a string or null).
    InputSyntax {
        /// The path given.
        path: PathBuf,
        /// The line, when known.
        line: Option<u64>,
        /// What is wrong.
        reason: String,
    },
    /// A row of the input of `predict` has other columns than the header (or the first JSON
    /// line).
    InputRagged {
        /// The path given.
        path: PathBuf,
        /// The row's line.
        line: u64,
        /// How it differs.
        reason: String,
    },
    /// A cell of the input of `predict` does not fit its column (text in a column of
    /// numbers, a number in a column of strings).
    InputValue {
        /// The path given.
        path: PathBuf,
        /// The cell's line.
        line: u64,
        /// The column's name.
        column: String,
        /// The cell, as written.
        value: String,
        /// What the column holds.
        expected: String,
    },
    /// The input of `predict` is beyond a limit (a line too long, too many columns).
    InputLimit {
        /// The path given.
        path: PathBuf,
        /// The line, when known.
        line: Option<u64>,
        /// Which limit.
        what: String,
    },
}

impl CliError {
    /// A [`CliError::File`] for `path`.
    pub fn file(path: &Path, source: impl Into<TrustError>) -> Self {
        Self::File {
            path: path.to_owned(),
            source: Box::new(source.into()),
        }
    }

    /// A [`CliError::Card`] about `path`.
    pub fn card(path: &Path, source: CardError) -> Self {
        Self::Card {
            path: path.to_owned(),
            source: Box::new(source),
        }
    }

    /// The report printed on standard error, every line escaped, ending with a newline.
    pub fn render(&self) -> String {
        let report = self.report();
        let mut out = String::new();
        line(&mut out, "error: ", &report.message);
        for cause in &report.causes {
            line(&mut out, "  caused by: ", cause);
        }
        if let Some(hint) = report.hint {
            line(&mut out, "hint: ", hint);
        }
        out
    }

    /// The report of a `--json` command, printed on standard output: `{"error": {"kind",
    /// "message", "causes", "hint"}}` (`docs/cli.md`), the texts as they are (the JSON writer
    /// escapes them, and writes ASCII only, like the reports), ending with a newline.
    pub fn render_json(&self) -> String {
        let report = self.report();
        let causes: Vec<Value> = report.causes.into_iter().map(Value::from).collect();
        let mut error = Object::new();
        error.push("kind", report.kind);
        error.push("message", report.message);
        error.push("causes", causes);
        error.push("hint", report.hint.map_or(Value::Null, Value::from));
        let mut object = Object::new();
        object.push("error", error);
        json::to_string_pretty(&Value::from(object)) + "\n"
    }

    /// What both renderings show: the kind, the message, the causes (the chain of underlying
    /// errors, outermost first) and the hint.
    fn report(&self) -> Report {
        match self {
            Self::File { path, source } => {
                let source = source.as_ref();
                let message = match source {
                    // The message names the path already.
                    TrustError::Format(FormatError::Io { .. }) => source.to_string(),
                    _ => format!("`{}`: {source}", path.display()),
                };
                Report::with_causes(self.kind(), message, source, hint(source))
            }
            Self::Card { path, source } => {
                let source = source.as_ref();
                let message = match source {
                    // These messages name their file already.
                    CardError::Io { .. }
                    | CardError::NotUtf8 { .. }
                    | CardError::NotARegularFile { .. }
                    | CardError::OutsideFolder { .. }
                    | CardError::ModelFile { .. }
                    | CardError::PlotFileMissing { .. } => source.to_string(),
                    _ => format!("`{}`: {source}", path.display()),
                };
                Report::with_causes(self.kind(), message, source, card_hint(source))
            }
            Self::OutputExists { path } => Report {
                kind: self.kind(),
                message: format!("`{}` exists already", path.display()),
                causes: Vec::new(),
                hint: Some("pass `--force` to replace it, or edit it with `skops-rs card set`"),
            },
            Self::PolicyIsModel { path } => Report {
                kind: self.kind(),
                message: format!(
                    "`{}` is the model file: writing the policy there would replace it",
                    path.display()
                ),
                causes: Vec::new(),
                hint: Some("write the policy to its own file, e.g. `model.policy.json`"),
            },
            Self::Hub { source } => Report::with_causes(
                self.kind(),
                format!("hub: {source}"),
                source,
                Some(
                    "check that the data folder exists or can be created, and that you may write it",
                ),
            ),
            Self::Serve { addr, source } => Report::with_causes(
                self.kind(),
                format!("hub: cannot serve on `{addr}`: {source}"),
                source,
                Some("pass another `--addr HOST:PORT` (port 0 picks a free one)"),
            ),
            Self::ServeModels { source } => Report::with_causes(
                self.kind(),
                format!("serve: {source}"),
                source,
                serve_hint(source),
            ),
            Self::Infer { context, source } => {
                let source = source.as_ref();
                Report::with_causes(
                    self.kind(),
                    format!("{context}: {source}"),
                    source,
                    infer_hint(source),
                )
            }
            Self::InputIo { path, source } => Report::with_causes(
                self.kind(),
                format!("cannot read the input `{}`: {source}", path.display()),
                source,
                Some("check that the path exists and that you may read it"),
            ),
            Self::InputSyntax { path, line, reason } => Report {
                kind: self.kind(),
                message: format!("{}: {reason}", at(path, *line)),
                causes: Vec::new(),
                hint: Some(
                    "the input is CSV with a header line of column names, or JSON lines (one \
                     object of column name -> number, string or null per line; `--format`)",
                ),
            },
            Self::InputRagged { path, line, reason } => Report {
                kind: self.kind(),
                message: format!("{}: the row has {reason}", at(path, Some(*line))),
                causes: Vec::new(),
                hint: Some("every row must have the columns of the header, no more, no fewer"),
            },
            Self::InputValue {
                path,
                line,
                column,
                value,
                expected,
            } => Report {
                kind: self.kind(),
                message: format!(
                    "{}: column `{column}` holds {expected}, but this row has {value}",
                    at(path, Some(*line))
                ),
                causes: Vec::new(),
                hint: Some(
                    "a column's type is decided by its first rows (`--batch-rows`): fix the \
                     cell, or write missing values as an empty cell",
                ),
            },
            Self::InputLimit { path, line, what } => Report {
                kind: self.kind(),
                message: format!("{}: {what}", at(path, *line)),
                causes: Vec::new(),
                hint: Some("no table a model takes needs this: split or fix the input"),
            },
            // The I/O error is the message: it has no cause worth a line of its own.
            Self::Output(error) => Report {
                kind: self.kind(),
                message: format!("cannot write the output: {error}"),
                causes: Vec::new(),
                hint: None,
            },
        }
    }
}

skops_format::error_kinds!(CliError / CliErrorKind {
    OutputExists => "cli-output-exists",
    PolicyIsModel => "cli-policy-is-model",
    Output => "cli-output-io",
    Serve => "cli-serve-io",
    InputIo => "cli-input-io",
    InputSyntax => "cli-input-syntax",
    InputRagged => "cli-input-ragged",
    InputValue => "cli-input-value",
    InputLimit => "cli-input-limit",
} wrappers {
    File,
    Card,
    Hub,
    ServeModels,
    Infer,
});

/// What to suggest when `serve` cannot start.
fn serve_hint(error: &skops_serve::Error) -> Option<&'static str> {
    use skops_serve::error::{LoadError, ServerError};
    match error {
        skops_serve::Error::Load(LoadError::Untrusted { .. }) => Some(
            "`skops-rs audit MODEL` lists the untrusted types and where they occur; after \
             review, `skops-rs audit MODEL --write-policy P.json` approves them for this exact \
             file and `skops-rs serve MODEL --policy P.json` serves it",
        ),
        skops_serve::Error::Load(LoadError::UnusedPolicy { .. }) => Some(
            "a policy is bound to the sha256 of one exact file: write it again for the model \
             served (`skops-rs audit MODEL --write-policy P.json`), or drop the --policy",
        ),
        skops_serve::Error::Load(
            LoadError::HubRepoNotFound { .. } | LoadError::HubUnauthorized { .. },
        ) => Some(
            "check OWNER/NAME, HF_ENDPOINT (the hub) and HF_TOKEN (a token that may read the \
             repository); a local path that exists is served as a path",
        ),
        skops_serve::Error::Load(LoadError::Model { source, .. }) => infer_hint(source),
        skops_serve::Error::Load(LoadError::NotNative { .. }) => Some(
            "`skops-rs inspect MODEL --native` shows which parts the native engine evaluates; \
             with `pip install \"skops-rs[sklearn]\"`, `python -m skops_rs serve MODEL` serves \
             the model with scikit-learn, after the same audit",
        ),
        skops_serve::Error::Load(LoadError::Format { .. }) => {
            Some("save the model with `skops_rs.io.dump` (or skops' `sio.dump`)")
        }
        skops_serve::Error::Load(LoadError::DuplicateName { .. } | LoadError::BadSpec { .. }) => {
            Some("name models with `--model-name NAME=PATH`")
        }
        skops_serve::Error::Server(ServerError::Bind { .. }) => {
            Some("pass another `--port` (0 picks a free one) or `--host`")
        }
        _ => None,
    }
}

/// Where in the input: `` `data.csv`, line 3 `` (or the file alone).
fn at(path: &Path, line: Option<u64>) -> String {
    match line {
        Some(line) => format!("`{}`, line {line}", path.display()),
        None => format!("`{}`", path.display()),
    }
}

/// What to suggest for an error of native prediction.
pub fn infer_hint(error: &InferError) -> Option<&'static str> {
    use skops_infer::error::{InputError, ModelError};
    match error {
        InferError::File(error) => hint(error),
        InferError::Model(ModelError::Unsupported { .. }) => Some(
            "native prediction evaluates the classes docs/inference.md lists; `skops-rs \
             inspect MODEL --native` shows which parts of this model it evaluates",
        ),
        InferError::Model(ModelError::Malformed { .. }) => Some(
            "scikit-learn never writes this state: the file is corrupt or was crafted; do not \
             load it",
        ),
        InferError::Model(ModelError::UnsupportedOption { .. }) => Some(
            "native prediction refuses what it cannot compute as scikit-learn does: evaluate \
             this model with scikit-learn",
        ),
        InferError::Model(ModelError::NoMethod { .. }) => {
            Some("pass one of the model's methods with `--method`")
        }
        InferError::Input(InputError::Width { .. })
        | InferError::Input(InputError::Column { .. })
        | InferError::Input(InputError::Shape { .. }) => Some(
            "the input must have the columns the model was fitted with, in the same order \
             (`skops-rs inspect MODEL` shows `n_features_in_` and `feature_names_in_`)",
        ),
        InferError::Input(InputError::Type { .. }) => {
            Some("a column of numbers must hold numbers or empty cells in every row")
        }
        InferError::Input(InputError::Value { .. })
        | InferError::Input(InputError::UnknownCategory { .. }) => {
            Some("scikit-learn refuses this input too: clean it first")
        }
    }
}

/// The parts of an error report, before they are rendered as text or JSON.
struct Report {
    /// [`CliError::kind`].
    kind: &'static str,
    /// What went wrong, naming the file.
    message: String,
    /// The underlying errors, outermost first.
    causes: Vec<String>,
    /// What to do about it.
    hint: Option<&'static str>,
}

impl Report {
    /// A report whose causes are the chain of errors below `source`.
    fn with_causes(
        kind: &'static str,
        message: String,
        source: &dyn std::error::Error,
        hint: Option<&'static str>,
    ) -> Self {
        let mut causes = Vec::new();
        let mut cause = source.source();
        while let Some(error) = cause {
            causes.push(error.to_string());
            cause = error.source();
        }
        Self {
            kind,
            message,
            causes,
            hint,
        }
    }
}

fn line(out: &mut String, label: &str, text: &str) {
    let _ = writeln!(out, "{label}{}", sanitize(text));
}

/// What to suggest for a card `error`.
pub fn card_hint(error: &CardError) -> Option<&'static str> {
    const BUG: &str = "this is a bug in skops-rs, not a problem of the card: please report it";
    match error {
        CardError::EmptySectionName { .. } => Some(
            "a section path is titles separated by `/`, none of them empty; write `\\/` for a \
             slash inside a title",
        ),
        CardError::SectionNotFound { .. } => {
            Some("`skops-rs card show` lists the sections of the card")
        }
        CardError::InvalidSectionName { .. } => Some(
            "a section name is one line of text: write it without line breaks (put longer \
             text in the section's content)",
        ),
        CardError::ConflictingSubsections { .. }
        | CardError::MissingPlotPath
        | CardError::EmptyTable
        | CardError::ColumnLength { .. }
        | CardError::UnknownTemplate { .. }
        | CardError::InvalidConfig { .. }
        | CardError::UnsupportedMetadataValue { .. }
        | CardError::LoneSurrogate { .. } => Some(BUG),
        CardError::FrontMatterSyntax { .. } | CardError::FrontMatterInvalid { .. } => Some(
            "the YAML metadata between the `---` lines at the top of the card must be a \
             mapping of keys to values; fix it in an editor",
        ),
        CardError::NotUtf8 { .. } => Some("save the file as UTF-8 text"),
        CardError::LimitExceeded { .. } => Some(
            "no real model card is this large or this deep: the file may have been crafted to \
             exhaust a reader",
        ),
        CardError::PlotFileMissing { .. } => {
            Some("write the plot file first, or remove its section from the card")
        }
        CardError::ModelFile { source, .. } => hint(source),
        CardError::NotARegularFile { .. } => Some(
            "a card is read only from a regular file, never through a symbolic link or from a \
             device: pass the path of the file itself",
        ),
        CardError::OutsideFolder { .. } => Some(
            "a file read from a folder must be inside it: the link or path leads elsewhere, \
             which a crafted repository uses to read other files",
        ),
        CardError::Io { .. } => {
            Some("check that the path exists and that you may read it (or write its folder)")
        }
    }
}

// The hints several kinds of problem share.
const CORRUPT_ZIP: &str = "the file is not an intact zip archive: it was cut short, damaged \
                           in transfer, or crafted; get a fresh copy from its source";
const CRAFTED: &str = "skops never writes this: the file is corrupt or was crafted to attack \
                       a loader; do not load it";
const BAD_MEMBER: &str = "a member the schema points to is not what skops writes there: the \
                          file is corrupt or was crafted; do not load it";
const NEWER_SKOPS: &str = "the file may have been written by a newer skops than 0.16; \
                           re-save it with skops 0.16, or update skops-rs";
const BUG: &str = "this is a bug in skops-rs, not a problem of the file: please report it";

/// The hint for an error of the trust layer (a format error gets [`format_hint`]'s).
pub fn hint(error: &TrustError) -> Option<&'static str> {
    match error {
        TrustError::Format(error) => format_hint(error),
        TrustError::Audit(AuditError::TrustTables { .. }) => Some(BUG),
        TrustError::Audit(AuditError::RawGeneratorState { .. })
        | TrustError::Audit(AuditError::RawGeneratorScalar { .. }) => Some(
            "skops 0.16 cannot audit this protocol 0 `numpy.random.Generator` either: re-save \
             the model with a current skops",
        ),
        TrustError::Policy(PolicyError::Syntax { .. })
        | TrustError::Policy(PolicyError::Invalid { .. })
        | TrustError::Policy(PolicyError::MalformedDigest { .. })
        | TrustError::Policy(PolicyError::DuplicateType { .. })
        | TrustError::Policy(PolicyError::MalformedTimestamp { .. }) => Some(
            "a trust policy is the JSON document `skops-rs audit FILE --write-policy` writes \
             (see docs/trust.md); write a new one after reviewing the file",
        ),
        TrustError::Policy(PolicyError::UnsupportedVersion { .. }) => Some(
            "the policy was written by another version of skops-rs; review the file and write \
             a new policy with `skops-rs audit FILE --write-policy`",
        ),
        TrustError::Policy(PolicyError::DigestMismatch { .. }) => Some(
            "a policy approves only the exact file it was written for: this file is another \
             one, or was changed since; review it and write a new policy",
        ),
        TrustError::Validate(error) => Some(error.hint()),
        // `inspect` uses the tolerant walk, which does not fail like skops' `visualize`.
        TrustError::Visualize(VisualizeError::NotANode { .. })
        | TrustError::Visualize(VisualizeError::InvalidKeyTypes { .. }) => {
            Some("use `skops-rs inspect`, which shows these nodes")
        }
    }
}

/// The hint for a format error.
pub fn format_hint(error: &FormatError) -> Option<&'static str> {
    match error {
        FormatError::Io { .. } => Some("check that the path exists and is a readable file"),
        FormatError::LimitExceeded { .. } => Some(
            "the file is larger or deeper than skops-rs reads: it may be a decompression bomb \
             or a crafted file",
        ),
        FormatError::Zip(ZipError::NotAnArchive)
        | FormatError::Zip(ZipError::Truncated { .. })
        | FormatError::Zip(ZipError::BadSignature { .. })
        | FormatError::Zip(ZipError::Inconsistent { .. })
        | FormatError::Zip(ZipError::BadExtraField { .. })
        | FormatError::Zip(ZipError::MemberTooShort { .. })
        | FormatError::Zip(ZipError::CrcMismatch { .. })
        | FormatError::Zip(ZipError::CorruptData { .. }) => Some(CORRUPT_ZIP),
        FormatError::Zip(ZipError::MultiDisk)
        | FormatError::Zip(ZipError::Encrypted { .. })
        | FormatError::Zip(ZipError::UnsupportedCompression { .. }) => Some(
            "skops writes plain single-file zip archives (stored, deflate, bzip2 or lzma): \
             re-save the model with skops",
        ),
        FormatError::Zip(ZipError::InvalidName { .. })
        | FormatError::Zip(ZipError::DuplicateMember { .. })
        | FormatError::Zip(ZipError::StoredSizeMismatch { .. })
        | FormatError::Zip(ZipError::LocalHeaderMismatch { .. })
        | FormatError::Zip(ZipError::LocalNameMismatch { .. })
        | FormatError::Zip(ZipError::DataDescriptorMismatch { .. })
        | FormatError::Zip(ZipError::OverlappingMembers { .. })
        | FormatError::Zip(ZipError::MemberTooLong { .. }) => Some(CRAFTED),
        FormatError::Zip(ZipError::MemberNotFound { .. }) => Some(BAD_MEMBER),
        FormatError::Zip(ZipError::Allocation { .. }) => {
            Some("not enough memory for a member of the file; free memory and retry")
        }
        FormatError::Zip(ZipError::InvalidCompressionLevel { .. })
        | FormatError::Zip(ZipError::Compression { .. }) => Some(BUG),
        FormatError::Json(JsonError::NotUtf8 { .. })
        | FormatError::Json(JsonError::Syntax { .. })
        | FormatError::Json(JsonError::IntegerTooLong { .. })
        | FormatError::Json(JsonError::InvalidNumber { .. }) => {
            Some("`schema.json` is not valid JSON: the file is corrupt or was crafted")
        }
        FormatError::Json(JsonError::TooDeep { .. }) => Some(
            "`schema.json` nests deeper than any model needs: the file was likely crafted to \
             exhaust a reader's stack",
        ),
        FormatError::Npy(NpyError::BadMagic)
        | FormatError::Npy(NpyError::UnsupportedVersion { .. })
        | FormatError::Npy(NpyError::TruncatedHeader { .. })
        | FormatError::Npy(NpyError::HeaderEncoding { .. })
        | FormatError::Npy(NpyError::HeaderSyntax { .. })
        | FormatError::Npy(NpyError::InvalidHeader { .. })
        | FormatError::Npy(NpyError::InvalidDescr { .. })
        | FormatError::Npy(NpyError::SizeOverflow { .. })
        | FormatError::Npy(NpyError::DataLength { .. })
        | FormatError::Npz(NpzError::Member { .. })
        | FormatError::Npz(NpzError::MissingMember { .. })
        | FormatError::Npz(NpzError::UnexpectedMember { .. })
        | FormatError::Npz(NpzError::UnknownFormat { .. })
        | FormatError::Npz(NpzError::InvalidStructure { .. }) => Some(BAD_MEMBER),
        FormatError::Npy(NpyError::ObjectDtype) => Some(
            "skops stores object arrays in `schema.json`, never as pickled `.npy` data: this \
             member would need pickle to load; do not load it",
        ),
        FormatError::Npy(NpyError::HeaderTooLarge { .. }) => Some(BUG),
        FormatError::Schema(SchemaError::NodeNotObject { .. })
        | FormatError::Schema(SchemaError::MissingKey { .. })
        | FormatError::Schema(SchemaError::WrongType { .. })
        | FormatError::Schema(SchemaError::InvalidProtocol { .. })
        | FormatError::Schema(SchemaError::ProtocolNegative { .. })
        | FormatError::Schema(SchemaError::CachedNodeUnknownId { .. })
        | FormatError::Schema(SchemaError::IdCycle { .. })
        | FormatError::Schema(SchemaError::UnknownArrayType { .. })
        | FormatError::Schema(SchemaError::SparseType { .. })
        | FormatError::Schema(SchemaError::BitGeneratorNameMissing { .. })
        | FormatError::Schema(SchemaError::LoneSurrogate { .. }) => Some(CRAFTED),
        FormatError::Schema(SchemaError::MethodTypeMismatch { .. })
        | FormatError::Schema(SchemaError::OperatorModule { .. }) => Some(
            "a node claims one type but would build another, a known way to smuggle a call \
             past the audit: do not load this file",
        ),
        FormatError::Schema(SchemaError::ProtocolTooNew { .. })
        | FormatError::Schema(SchemaError::UnknownLoader { .. }) => Some(NEWER_SKOPS),
        FormatError::Schema(SchemaError::LoaderMismatch { .. })
        | FormatError::Schema(SchemaError::UnknownNodeId { .. })
        | FormatError::Schema(SchemaError::NodeProtocolMismatch { .. }) => Some(BUG),
        FormatError::File(FileError::SchemaMissing) => Some(
            "a `.skops` file is a zip archive with a `schema.json` member: check that this is \
             the right file",
        ),
        FormatError::File(FileError::MemberMissing { .. })
        | FormatError::File(FileError::MemberInvalid { .. }) => Some(BAD_MEMBER),
        FormatError::File(FileError::MaterialisationBudget { .. }) => Some(
            "the file makes loading copy the same data once per node that names or copies it: \
             skops never writes this; the file was crafted to exhaust memory; do not load it",
        ),
        FormatError::File(FileError::ValidationBudget { .. }) => Some(
            "many objects of this file share one large array, which checking them would read \
             once per object: skops never writes this; the file was crafted to make the audit \
             run for hours; do not load it",
        ),
        FormatError::File(FileError::ScalarArray { .. }) => Some(
            "skops stores a numpy scalar type only with a 0-d array; this node would convert a \
             whole array when loaded (values and size other than the file's): the file was \
             crafted; do not load it",
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_errors_name_the_file_the_problem_and_its_causes() {
        let error = CliError::file(
            Path::new("model.skops"),
            FormatError::File(FileError::MemberInvalid {
                member: "1.npy".to_owned(),
                path: "coef_".to_owned(),
                source: Box::new(FormatError::Npy(NpyError::BadMagic)),
            }),
        );
        assert_eq!(
            error.render(),
            "error: `model.skops`: member `1.npy` referenced by the node at `coef_` is invalid\n\
             \x20 caused by: not a `.npy` array: the magic string `\\x93NUMPY` is missing\n\
             hint: a member the schema points to is not what skops writes there: the file is \
             corrupt or was crafted; do not load it\n"
        );
    }

    #[test]
    fn names_from_the_file_are_escaped_in_errors() {
        let error = CliError::file(
            Path::new("m.skops"),
            FormatError::Zip(ZipError::MemberNotFound {
                member: "x\u{1b}[2J.npy".to_owned(),
            }),
        );
        let text = error.render();
        assert!(text.contains("x\\x1b[2J.npy"), "{text}");
        assert!(!text.contains('\u{1b}'));
    }

    #[test]
    fn io_errors_are_not_prefixed_twice() {
        let error = CliError::file(
            Path::new("missing.skops"),
            FormatError::Io {
                path: "missing.skops".to_owned(),
                source: std::io::Error::from(std::io::ErrorKind::NotFound),
            },
        );
        let text = error.render();
        assert!(
            text.starts_with("error: cannot access `missing.skops`\n  caused by: "),
            "{text}"
        );
    }

    #[test]
    fn card_errors_about_a_model_file_get_the_format_hint() {
        let error = CliError::card(
            Path::new("README.md"),
            CardError::ModelFile {
                path: "model.skops".to_owned(),
                source: Box::new(FormatError::Zip(ZipError::NotAnArchive).into()),
            },
        );
        let text = error.render();
        assert!(
            text.starts_with("error: `model.skops` is not a valid .skops file\n  caused by: "),
            "{text}"
        );
        assert!(text.contains(&format!(
            "hint: {}",
            format_hint(&FormatError::Zip(ZipError::NotAnArchive)).unwrap()
        )));
    }

    #[test]
    fn card_errors_name_the_card() {
        let error = CliError::card(
            Path::new("README.md"),
            CardError::SectionNotFound {
                name: "Usage\u{1b}[2J".to_owned(),
            },
        );
        assert_eq!(
            error.render(),
            "error: `README.md`: section `Usage\\x1b[2J` does not exist\n\
             hint: `skops-rs card show` lists the sections of the card\n"
        );
    }

    /// The kinds `docs/errors.md` lists in the section of `crate_name`.
    fn documented(crate_name: &str) -> Vec<String> {
        let page =
            std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../../docs/errors.md"))
                .expect("docs/errors.md");
        let section = page
            .split(&format!("\n## `{crate_name}`"))
            .nth(1)
            .unwrap_or_else(|| panic!("docs/errors.md has no section for {crate_name}"));
        let section = section.split("\n## ").next().unwrap_or_default();
        section
            .lines()
            .filter_map(|line| line.strip_prefix("| `"))
            .filter_map(|line| line.split('`').next())
            .map(str::to_owned)
            .collect()
    }

    #[test]
    fn every_variant_has_a_documented_kind() {
        use strum::IntoEnumIterator as _;

        let io = || std::io::Error::from(std::io::ErrorKind::AddrInUse);
        for variant in CliErrorKind::iter() {
            // A wrapper has the kind of what it wraps, documented in that crate's section.
            let (error, kind, crate_name) = match variant {
                CliErrorKind::File => (
                    CliError::file(
                        Path::new("m.skops"),
                        FormatError::Zip(ZipError::NotAnArchive),
                    ),
                    "zip-not-an-archive",
                    "skops-format",
                ),
                CliErrorKind::Card => (
                    CliError::card(
                        Path::new("README.md"),
                        CardError::SectionNotFound {
                            name: "Usage".to_owned(),
                        },
                    ),
                    "section-not-found",
                    "skops-card",
                ),
                CliErrorKind::Hub => (
                    CliError::Hub {
                        source: skops_hub::error::StoreError::Location {
                            location: "ftp://x".to_owned(),
                            message: "unknown scheme".to_owned(),
                        }
                        .into(),
                    },
                    "store-location",
                    "skops-hub",
                ),
                CliErrorKind::OutputExists => (
                    CliError::OutputExists {
                        path: PathBuf::from("README.md"),
                    },
                    "cli-output-exists",
                    "skops-cli",
                ),
                CliErrorKind::PolicyIsModel => (
                    CliError::PolicyIsModel {
                        path: PathBuf::from("m.skops"),
                    },
                    "cli-policy-is-model",
                    "skops-cli",
                ),
                CliErrorKind::Output => (CliError::Output(io()), "cli-output-io", "skops-cli"),
                CliErrorKind::Serve => (
                    CliError::Serve {
                        addr: "127.0.0.1:1".to_owned(),
                        source: io(),
                    },
                    "cli-serve-io",
                    "skops-cli",
                ),
                CliErrorKind::ServeModels => (
                    CliError::ServeModels {
                        source: skops_serve::error::LoadError::NoModels.into(),
                    },
                    "serve-no-models",
                    "skops-serve",
                ),
                CliErrorKind::Infer => (
                    CliError::Infer {
                        context: "`m.skops`".to_owned(),
                        source: Box::new(
                            skops_infer::error::InputError::Shape {
                                reason: "ragged".to_owned(),
                            }
                            .into(),
                        ),
                    },
                    "infer-input-shape",
                    "skops-infer",
                ),
                CliErrorKind::InputIo => (
                    CliError::InputIo {
                        path: PathBuf::from("data.csv"),
                        source: io(),
                    },
                    "cli-input-io",
                    "skops-cli",
                ),
                CliErrorKind::InputSyntax => (
                    CliError::InputSyntax {
                        path: PathBuf::from("data.csv"),
                        line: Some(1),
                        reason: "no header".to_owned(),
                    },
                    "cli-input-syntax",
                    "skops-cli",
                ),
                CliErrorKind::InputRagged => (
                    CliError::InputRagged {
                        path: PathBuf::from("data.csv"),
                        line: 3,
                        reason: "2 fields, the header has 3".to_owned(),
                    },
                    "cli-input-ragged",
                    "skops-cli",
                ),
                CliErrorKind::InputValue => (
                    CliError::InputValue {
                        path: PathBuf::from("data.csv"),
                        line: 3,
                        column: "a".to_owned(),
                        value: "\"x\"".to_owned(),
                        expected: "numbers".to_owned(),
                    },
                    "cli-input-value",
                    "skops-cli",
                ),
                CliErrorKind::InputLimit => (
                    CliError::InputLimit {
                        path: PathBuf::from("data.csv"),
                        line: None,
                        what: "too many columns".to_owned(),
                    },
                    "cli-input-limit",
                    "skops-cli",
                ),
            };
            assert_eq!(error.kind(), kind, "{variant:?}");
            assert_eq!(CliErrorKind::from(&error), variant);
            assert!(
                documented(crate_name).iter().any(|listed| listed == kind),
                "{variant:?}: docs/errors.md lists no `{kind}` for {crate_name}"
            );
        }
        // The command line's own kinds, in the order of the table, and nothing else.
        assert_eq!(
            documented("skops-cli"),
            CliErrorKind::all().collect::<Vec<_>>()
        );
    }

    #[test]
    fn the_command_lines_kinds_are_its_own() {
        let others: Vec<&str> = skops_trust::Error::kinds()
            .chain(skops_hub::Error::kinds())
            .chain(skops_infer::Error::kinds())
            .collect();
        for kind in CliErrorKind::all() {
            assert!(kind.starts_with("cli-"), "{kind}");
            assert!(!others.contains(&kind), "{kind}");
        }
    }

    #[test]
    fn json_errors_carry_the_kind_the_message_the_causes_and_the_hint() {
        let error = CliError::file(
            Path::new("m\u{1b}[2J\u{202e}.skops"),
            FormatError::File(FileError::MemberInvalid {
                member: "1.npy".to_owned(),
                path: "coef_".to_owned(),
                source: Box::new(FormatError::Npy(NpyError::BadMagic)),
            }),
        );
        let text = error.render_json();
        assert!(text.is_ascii(), "{text}");
        assert!(text.ends_with("}\n"));
        let value = json::parse(text.as_bytes(), 8).expect("the report is JSON");
        let report = value.as_object().expect("an object");
        assert_eq!(report.len(), 1);
        let fields = report
            .get("error")
            .and_then(Value::as_object)
            .expect("an `error` object");
        let field = |name: &str| fields.get(name).unwrap_or_else(|| panic!("no `{name}`"));
        assert_eq!(field("kind").as_str(), Some("npy-bad-magic"));
        // The message as it is (the text report escapes it; JSON escapes it its own way).
        assert_eq!(
            field("message").as_str(),
            Some(
                "`m\u{1b}[2J\u{202e}.skops`: member `1.npy` referenced by the node at `coef_` \
                 is invalid"
            )
        );
        let causes: Vec<_> = field("causes")
            .as_array()
            .expect("a list")
            .iter()
            .map(Value::as_str)
            .collect();
        assert_eq!(
            causes,
            [Some(
                "not a `.npy` array: the magic string `\\x93NUMPY` is missing"
            )]
        );
        assert_eq!(
            field("hint").as_str(),
            format_hint(&FormatError::Npy(NpyError::BadMagic))
        );
    }

    #[test]
    fn a_json_error_without_a_hint_has_hint_null() {
        let error = CliError::Output(std::io::Error::from(std::io::ErrorKind::StorageFull));
        let value = json::parse(error.render_json().as_bytes(), 8).expect("JSON");
        let fields = value
            .as_object()
            .and_then(|report| report.get("error"))
            .and_then(Value::as_object)
            .expect("an `error` object");
        assert_eq!(
            fields.get("kind").and_then(Value::as_str),
            Some("cli-output-io")
        );
        assert!(matches!(fields.get("hint"), Some(Value::Null)));
        assert_eq!(
            fields.get("causes").and_then(Value::as_array),
            Some(&[][..])
        );
    }
}
