//! The command line, as clap parses it: doc comments here are the `--help` text.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

/// Inspect and audit `.skops` files (scikit-learn models saved with skops) without loading
/// them: nothing in the file is imported or run. Write, edit and check their model cards.
#[derive(Debug, Parser)]
#[command(name = "skops-rs", version)]
pub struct Cli {
    /// When to color the output
    #[arg(long, value_enum, default_value_t = ColorChoice::Auto, global = true)]
    pub color: ColorChoice,

    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// The subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Show the object tree of a `.skops` file, with its untrusted types
    ///
    /// The tree is the one skops' `visualize` shows: each node with the key its parent holds
    /// it under and its type, `[UNSAFE]` after the nodes whose own type is not trusted. A
    /// header gives the file's SHA-256, protocol and the skops and scikit-learn versions that
    /// wrote it; a footer lists each untrusted type with where it occurs.
    Inspect(InspectArgs),
    /// List the untrusted types of a `.skops` file, with where they occur
    ///
    /// Exits with 0 when every type is trusted (by default, by `--trusted` or by the
    /// `--policy`), 1 when some are not, 2 when the file cannot be read or the policy is not
    /// for this file. With `--write-policy`, approves the untrusted types of this exact file
    /// in a trust policy (see docs/trust.md) and exits with 0.
    Audit(AuditArgs),
    /// Write, show, edit and check model cards (`README.md`)
    ///
    /// Cards are read and written without pandoc and without loading the model: editing one
    /// section changes only that section's bytes, and every write is atomic.
    #[command(subcommand)]
    Card(CardCommand),
    /// Run a hub that speaks the Hugging Face Hub API, and manage its tokens
    ///
    /// The official `huggingface_hub` client works against it unchanged: point `HF_ENDPOINT`
    /// at the URL `hub serve` prints and `HF_TOKEN` at a token from `hub token add`.
    #[command(subcommand)]
    Hub(HubCommand),
    /// Evaluate a model natively on a CSV or JSON lines file, and write its predictions
    ///
    /// Nothing in the file is imported or run: the model is read and evaluated in Rust, with
    /// scikit-learn's results (docs/inference.md says how exact, per estimator). The input is
    /// read, evaluated and written N rows at a time (`--batch-rows`), so memory stays bounded
    /// whatever its size. `skops-rs inspect MODEL --native` shows whether a model can be.
    Predict(PredictArgs),
    /// Serve models over HTTP: the Open Inference Protocol v2 and the legacy Hugging Face
    /// inference API
    ///
    /// Each model is a `.skops` file or a repository folder as `hub_utils.init` writes it
    /// (`config.json` + the model file), named after its stem unless `--model-name NAME=PATH`
    /// names it; or a hub repository `OWNER/NAME[@REVISION]` (or `hf://OWNER/NAME[@REVISION]`),
    /// downloaded from `HF_ENDPOINT` (with `HF_TOKEN`) into the Hugging Face cache (`HF_HOME`,
    /// `HF_HUB_CACHE`; `HF_HUB_OFFLINE=1` reads the cache only) and named `OWNER/NAME`. An
    /// argument that exists as a local path is always the path. Every model is audited and
    /// built at start-up: a model with untrusted types that no `--policy` for its sha256
    /// approves, or one native prediction does not support, stops the start-up with its
    /// reason. Routes, limits, errors and metrics: docs/serving.md. Stops on SIGTERM or
    /// Ctrl-C, after the requests in flight.
    Serve(ServeArgs),
}

impl Command {
    /// Whether the command prints JSON (`--json`): its errors are then JSON too.
    pub fn json(&self) -> bool {
        match self {
            Self::Inspect(args) => args.json,
            Self::Audit(args) => args.json,
            Self::Predict(args) => args.json,
            Self::Card(_) | Self::Hub(_) | Self::Serve(_) => false,
        }
    }
}

/// The `hub` subcommands.
#[derive(Debug, Subcommand)]
pub enum HubCommand {
    /// Serve the hub until SIGTERM or Ctrl-C
    ///
    /// Prints the URL it listens on, then one line per request on standard error; anonymous clients read public repositories, tokens read
    /// private ones, write tokens create, change and delete them.
    Serve(HubServeArgs),
    /// Manage the tokens of a hub
    #[command(subcommand)]
    Token(HubTokenCommand),
}

/// Where a hub keeps its repositories.
#[derive(Debug, Args)]
pub struct HubStoreArgs {
    /// The folder of the hub's data (created if missing)
    #[arg(
        long,
        value_name = "DIR",
        default_value = "hub-data",
        conflicts_with = "store"
    )]
    pub data: PathBuf,

    /// The hub's store as a URL instead of `--data`: `s3://bucket/prefix` (an S3-compatible
    /// object store configured by the `AWS_*` variables, e.g. `AWS_ENDPOINT`), or `file:///path`
    #[arg(long, value_name = "URL")]
    pub store: Option<String>,
}

/// Arguments of `skops-rs hub serve`.
#[derive(Debug, Args)]
pub struct HubServeArgs {
    /// Where the repositories are kept.
    #[command(flatten)]
    pub store: HubStoreArgs,

    /// The address to listen on (port 0 picks a free port; the URL printed has the real one)
    #[arg(long, value_name = "HOST:PORT", default_value = "127.0.0.1:8765")]
    pub addr: String,

    /// Serve each repository's model on its page: the model widget, and OIP v2 `infer` at
    /// `POST /api/models/{owner}/{name}/infer[/{rev}]` (models audited and built as
    /// `skops-rs serve` does; an untrusted or unsupported model gets no widget)
    #[arg(long)]
    pub serve_models: bool,
}

/// Arguments of `skops-rs serve`.
#[derive(Debug, Args)]
pub struct ServeArgs {
    /// The models: `.skops` files or repository folders (named after their stem), or hub
    /// repositories `OWNER/NAME[@REVISION]` (named `OWNER/NAME`; an existing local path wins)
    #[arg(value_name = "MODEL")]
    pub models: Vec<PathBuf>,

    /// A model under a name of its own (repeatable): `NAME=PATH` or `OWNER/NAME=PATH`, where
    /// PATH may be a hub repository `OWNER/NAME[@REVISION]` too
    #[arg(long = "model-name", value_name = "NAME=PATH")]
    pub named: Vec<String>,

    /// A trust policy (repeatable), as `skops-rs audit --write-policy` writes it: the model
    /// whose file has its sha256 is served although its audit finds untrusted types, if the
    /// policy approves every one. A policy for no served model stops the start-up
    #[arg(long, value_name = "POLICY.json")]
    pub policy: Vec<PathBuf>,

    /// KServe's model folder (`/mnt/models`, filled by the storage initializer): its
    /// `config.json` repository, else its single `.skops` file. Without MODELs and without it,
    /// `$STORAGE_URI` (a local path, file:// URL or `hf://OWNER/NAME[@REVISION]`) is served
    #[arg(long = "model_dir", value_name = "DIR")]
    pub model_dir: Option<PathBuf>,

    /// The name of the model of `--model_dir` or `$STORAGE_URI` (KServe's `--model_name`;
    /// default: the folder's or file's stem)
    #[arg(long = "model_name", value_name = "NAME")]
    pub kserve_name: Option<String>,

    /// The address to listen on
    #[arg(long, value_name = "HOST", default_value = "127.0.0.1")]
    pub host: String,

    /// The port (default: `$PORT`, else 8080; 0 picks a free one, the URL printed has it)
    #[arg(long, visible_alias = "http_port")]
    pub port: Option<u16>,

    /// The largest request body, in bytes
    #[arg(long, value_name = "BYTES", default_value_t = skops_serve::limits::MAX_BODY_BYTES)]
    pub max_body_bytes: usize,

    /// The most rows one request may hold
    #[arg(long, value_name = "ROWS", default_value_t = skops_serve::limits::MAX_ROWS)]
    pub max_rows: usize,

    /// How long a request may take, in seconds
    #[arg(long, value_name = "SECONDS", default_value_t = skops_serve::limits::REQUEST_TIMEOUT.as_secs())]
    pub timeout: u64,

    /// How long a client may take to send a request's headers, in seconds (slow clients are
    /// disconnected)
    #[arg(long, value_name = "SECONDS", default_value_t = skops_serve::limits::HEADER_READ_TIMEOUT.as_secs())]
    pub header_timeout: u64,

    /// Do not log each request as a JSON line on standard error
    #[arg(long)]
    pub quiet: bool,
}

/// The `hub token` subcommands.
#[derive(Debug, Subcommand)]
pub enum HubTokenCommand {
    /// Make a token for NAME and print it (once: the hub keeps only its SHA-256)
    Add(HubTokenAddArgs),
}

/// Arguments of `skops-rs hub token add`.
#[derive(Debug, Args)]
pub struct HubTokenAddArgs {
    /// The user name (whoami's name, the namespace of repositories created without one)
    pub name: String,

    /// Let the token create, change and delete repositories (else it only reads)
    #[arg(long)]
    pub write: bool,

    /// Where the repositories are kept.
    #[command(flatten)]
    pub store: HubStoreArgs,
}

/// The `card` subcommands.
#[derive(Debug, Subcommand)]
pub enum CardCommand {
    /// Write a new model card for a `.skops` file
    ///
    /// The card is skops' default template with the model's hyperparameters table (read from
    /// the file without loading it), and metadata binding it to the file: its name, sha256 and
    /// the scikit-learn version recorded in it (what `card check` compares).
    New(CardNewArgs),
    /// Show a card's metadata and table of contents
    Show(CardShowArgs),
    /// Set the text of one section of a card, in place
    ///
    /// Only that section's bytes change; the file is replaced atomically. A section that does
    /// not exist is added after its siblings (its missing parents too).
    Set(CardSetArgs),
    /// Check that a card still describes a `.skops` file
    ///
    /// Compares the sha256 and scikit-learn version the card records with the file's. Exits
    /// with 0 when they match, 1 when they do not (each difference is listed), 2 on error.
    Check(CardCheckArgs),
}

/// Arguments of `skops-rs card new`.
#[derive(Debug, Args)]
pub struct CardNewArgs {
    /// The `.skops` file
    pub model: PathBuf,

    /// Where to write the card (e.g. `README.md`)
    #[arg(short, long, value_name = "PATH")]
    pub output: PathBuf,

    /// Replace the output file if it exists
    #[arg(long)]
    pub force: bool,
}

/// Arguments of `skops-rs card show`.
#[derive(Debug, Args)]
pub struct CardShowArgs {
    /// The card (a markdown file)
    pub card: PathBuf,
}

/// Arguments of `skops-rs card set`.
#[derive(Debug, Args)]
#[command(group = clap::ArgGroup::new("content").required(true))]
pub struct CardSetArgs {
    /// The card (a markdown file), edited in place
    pub card: PathBuf,

    /// The section's path: titles separated by `/` (`\/` for a slash inside a title)
    pub section: String,

    /// The new text of the section
    #[arg(long, group = "content")]
    pub text: Option<String>,

    /// Read the new text of the section from PATH (UTF-8; trailing newlines are dropped)
    #[arg(long, value_name = "PATH", group = "content")]
    pub file: Option<PathBuf>,
}

/// Arguments of `skops-rs card check`.
#[derive(Debug, Args)]
pub struct CardCheckArgs {
    /// The card (a markdown file)
    pub card: PathBuf,

    /// The `.skops` file the card should describe
    pub model: PathBuf,
}

/// Arguments of `skops-rs inspect`.
#[derive(Debug, Args)]
pub struct InspectArgs {
    /// The `.skops` file
    pub file: PathBuf,

    /// Print a machine-readable JSON report instead of the tree
    #[arg(long)]
    pub json: bool,

    /// Which nodes to show
    #[arg(long, value_enum, default_value_t = Show::All)]
    pub show: Show,

    /// Mark each scikit-learn object `[native]` or `[not native]` (whether native prediction
    /// evaluates its class), and say whether the whole model can be evaluated natively (else
    /// why not)
    #[arg(long)]
    pub native: bool,

    /// The types trusted beyond skops' defaults.
    #[command(flatten)]
    pub trust: TrustArgs,
}

/// Arguments of `skops-rs predict`.
#[derive(Debug, Args)]
pub struct PredictArgs {
    /// The `.skops` file
    pub model: PathBuf,

    /// The rows to evaluate: a CSV file with a header of column names, or JSON lines (one
    /// object of column name -> number, string or null per line); `-` reads standard input
    #[arg(long, value_name = "PATH")]
    pub input: PathBuf,

    /// Where to write the results (standard output when not given)
    #[arg(short, long, value_name = "PATH")]
    pub output: Option<PathBuf>,

    /// The estimator's method to run
    #[arg(long, value_enum, default_value_t = MethodArg::Predict)]
    pub method: MethodArg,

    /// Short for `--method predict_proba`
    #[arg(long, conflicts_with = "method")]
    pub proba: bool,

    /// The format of the input and the output [default: JSON lines for a `.jsonl` or
    /// `.ndjson` input, else CSV]
    #[arg(long, value_enum)]
    pub format: Option<DataFormat>,

    /// How many rows to read, evaluate and write at a time
    #[arg(long, value_name = "N", default_value_t = crate::commands::predict::DEFAULT_BATCH_ROWS,
          value_parser = clap::value_parser!(u32).range(1..=i64::from(crate::commands::predict::MAX_BATCH_ROWS)))]
    pub batch_rows: u32,

    /// Show a progress bar on standard error even when it is not a terminal (there, one
    /// line per batch)
    #[arg(long)]
    pub progress: bool,

    /// Report an error as a JSON object on standard output (`docs/cli.md`)
    #[arg(long)]
    pub json: bool,
}

/// A method of the estimator, as scikit-learn names it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
#[value(rename_all = "snake_case")]
pub enum MethodArg {
    /// `predict`: one label or value per row
    Predict,
    /// `predict_proba`: one probability per class
    PredictProba,
    /// `predict_log_proba`: one log-probability per class
    PredictLogProba,
    /// `decision_function`: the confidence scores
    DecisionFunction,
    /// `transform`: the transformed columns
    Transform,
    /// `score_samples`: one score per row
    ScoreSamples,
    /// `apply`: the leaf each row reaches in each tree
    Apply,
}

/// The format of `predict`'s input and output.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum DataFormat {
    /// Comma-separated values with a header line
    Csv,
    /// One JSON object per line
    Jsonl,
}

/// Arguments of `skops-rs audit`.
#[derive(Debug, Args)]
pub struct AuditArgs {
    /// The `.skops` file
    pub file: PathBuf,

    /// Print a machine-readable JSON report
    #[arg(long)]
    pub json: bool,

    /// The types trusted beyond skops' defaults.
    #[command(flatten)]
    pub trust: TrustArgs,

    /// Trust the types a trust policy approves; the policy must be for this exact file (its
    /// sha256), else the command fails with exit code 2
    #[arg(long, value_name = "POLICY.json", conflicts_with = "write_policy")]
    pub policy: Option<PathBuf>,

    /// Approve the untrusted types of this exact file (those left after `--trusted`): show
    /// them, then write a trust policy bound to the file's sha256 to POLICY.json
    #[arg(long, value_name = "POLICY.json", conflicts_with = "json")]
    pub write_policy: Option<PathBuf>,

    /// Who approves the types of `--write-policy` [default: the user name from the
    /// environment]
    #[arg(long, value_name = "NAME", requires = "write_policy")]
    pub approved_by: Option<String>,

    /// A note to record in the policy of `--write-policy` (e.g. where the review is)
    #[arg(long, value_name = "TEXT", requires = "write_policy")]
    pub note: Option<String>,
}

/// The types the user trusts beyond skops' defaults.
#[derive(Debug, Args)]
pub struct TrustArgs {
    /// Trust TYPE (a full name such as `sklearn.tree._tree.Tree`) in addition to skops'
    /// defaults; repeat the flag or separate names with commas
    #[arg(long = "trusted", value_name = "TYPE", value_delimiter = ',')]
    pub trusted: Vec<String>,
}

/// Which nodes `inspect` shows (skops' `visualize(show=...)`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Show {
    /// Every node
    All,
    /// Only untrusted nodes and the nodes above them
    Untrusted,
    /// Only nodes whose own type is trusted (their subtrees are cut at an untrusted node)
    Trusted,
}

/// When to color the output.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ColorChoice {
    /// When standard output is a terminal and `NO_COLOR` is not set
    Auto,
    /// Always
    Always,
    /// Never
    Never,
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    #[test]
    fn the_command_line_is_consistent() {
        Cli::command().debug_assert();
    }

    #[test]
    fn trusted_types_repeat_and_split_on_commas() {
        let cli = Cli::try_parse_from([
            "skops-rs",
            "audit",
            "--trusted",
            "a.B,c.D",
            "model.skops",
            "--trusted",
            "e.F",
        ])
        .unwrap();
        let Command::Audit(args) = cli.command else {
            panic!("not audit");
        };
        assert_eq!(args.trust.trusted, ["a.B", "c.D", "e.F"]);
        assert_eq!(args.file, PathBuf::from("model.skops"));
    }

    #[test]
    fn card_set_takes_exactly_one_of_text_and_file() {
        let parse = |extra: &[&str]| {
            let mut args = vec!["skops-rs", "card", "set", "README.md", "A/B"];
            args.extend_from_slice(extra);
            Cli::try_parse_from(args)
        };
        assert!(parse(&[]).is_err());
        assert!(parse(&["--text", "t", "--file", "f"]).is_err());
        let Ok(Cli {
            command: Command::Card(CardCommand::Set(args)),
            ..
        }) = parse(&["--text", "new text"])
        else {
            panic!("not card set");
        };
        assert_eq!(
            (args.section.as_str(), args.text.as_deref()),
            ("A/B", Some("new text"))
        );
    }
}
