//! `skops-rs predict MODEL --input FILE`: evaluates a model natively (`skops-infer`) on a CSV
//! or JSON lines file, `--batch-rows` rows at a time (read, evaluate, write, repeat), so memory
//! stays bounded whatever the input's size.
//!
//! The input's columns become a named table: a column whose cells in the first batch are all
//! numbers or missing (empty, `NA`, `NaN`, `null`, ... as pandas reads them) holds float64
//! numbers, any other holds strings (a JSON string is always a string). A later cell that does
//! not fit its column's type is refused with its line. The output has one column per item of
//! a row's result: `prediction` for a 1-D result, `proba_<label>` / `log_proba_<label>` for
//! the class probabilities, `<method>_<j>` otherwise.

use std::cell::Cell as SharedCell;
use std::collections::HashMap;
use std::fs::File;
use std::io::{BufRead, BufReader, BufWriter, IsTerminal, Read, Write};
use std::path::{Path, PathBuf};
use std::rc::Rc;

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use skops_infer::error::{InputError, ModelError};
use skops_infer::{Column, Data, Labels, Method, Output, Predictor, Table, Values};

use super::Outcome;
use crate::args::{DataFormat, MethodArg, PredictArgs};
use crate::error::CliError;

/// The rows read, evaluated and written at a time when `--batch-rows` is not given.
pub const DEFAULT_BATCH_ROWS: u32 = 10_000;

/// The most rows `--batch-rows` takes: with [`MAX_COLUMNS`] it bounds a batch's memory.
pub const MAX_BATCH_ROWS: u32 = 1 << 20;

/// The longest line of the input, in bytes: a longer one is refused before it is buffered
/// whole (no table of [`MAX_COLUMNS`] numbers needs more).
pub const MAX_LINE_BYTES: u64 = 16 << 20;

/// The most columns the input may have.
pub const MAX_COLUMNS: usize = 1 << 16;

/// The cells pandas' `read_csv` reads as missing (besides the empty cell).
const MISSING: &[&str] = &[
    "#N/A", "#N/A N/A", "#NA", "-1.#IND", "-1.#QNAN", "-NaN", "-nan", "1.#IND", "1.#QNAN", "<NA>",
    "N/A", "NA", "NULL", "NaN", "None", "n/a", "nan", "null",
];

/// Runs `predict`.
pub fn run(args: &PredictArgs) -> Result<Outcome, CliError> {
    let method = if args.proba {
        Method::PredictProba
    } else {
        method(args.method)
    };
    let predictor = load(&args.model)?;
    if !predictor.methods().contains(&method) {
        let methods: Vec<&str> = predictor.methods().iter().map(|m| m.name()).collect();
        return Err(CliError::Infer {
            context: format!(
                "`{}` (its methods: {})",
                args.model.display(),
                methods.join(", ")
            ),
            source: Box::new(
                ModelError::NoMethod {
                    type_name: predictor.type_name().to_owned(),
                    method: method.name().to_owned(),
                }
                .into(),
            ),
        });
    }
    let format = args.format.unwrap_or_else(|| guess_format(&args.input));
    let (reader, total, consumed) = open_input(&args.input)?;
    let mut input = match format {
        DataFormat::Csv => Input::Csv(CsvInput::new(&args.input, reader)?),
        DataFormat::Jsonl => Input::Jsonl(JsonlInput::new(&args.input, reader)?),
    };
    if let Some(fitted) = predictor.feature_names_in() {
        input.align(fitted);
        check_names(&args.input, input.names(), fitted)?;
    }
    let out: Box<dyn Write> = match &args.output {
        Some(path) => Box::new(File::create(path).map_err(CliError::Output)?),
        None => Box::new(std::io::stdout().lock()),
    };
    let mut sink = Sink::new(BufWriter::new(out), format, method, predictor.classes());
    let progress = Progress::new(args.progress, total);
    let mut kinds: Option<Vec<Kind>> = None;
    let mut done: u64 = 0;
    loop {
        let batch = input.batch(args.batch_rows as usize)?;
        if batch.lines.is_empty() && done > 0 {
            break;
        }
        let kinds = kinds.get_or_insert_with(|| batch.kinds());
        let table = batch.table(&args.input, input.names(), kinds)?;
        let rows = batch.lines.len() as u64;
        let output =
            predictor
                .run(method, &Data::from(table))
                .map_err(|error| CliError::Infer {
                    context: format!(
                        "`{}`, rows {} to {}",
                        args.input.display(),
                        done + 1,
                        done + rows
                    ),
                    source: Box::new(error),
                })?;
        match sink.write(&output) {
            Ok(()) => {}
            // A reader that went away (`| head`) ends the output quietly.
            Err(error) if error.kind() == std::io::ErrorKind::BrokenPipe => break,
            Err(error) => return Err(CliError::Output(error)),
        }
        done += rows;
        progress.update(consumed.get(), done);
        if rows == 0 {
            break;
        }
    }
    progress.finish(done);
    match sink.finish() {
        Err(error) if error.kind() != std::io::ErrorKind::BrokenPipe => {
            return Err(CliError::Output(error));
        }
        _ => {}
    }
    Ok(Outcome {
        stdout: String::new(),
        code: crate::EXIT_OK,
    })
}

fn method(arg: MethodArg) -> Method {
    match arg {
        MethodArg::Predict => Method::Predict,
        MethodArg::PredictProba => Method::PredictProba,
        MethodArg::PredictLogProba => Method::PredictLogProba,
        MethodArg::DecisionFunction => Method::DecisionFunction,
        MethodArg::Transform => Method::Transform,
        MethodArg::ScoreSamples => Method::ScoreSamples,
        MethodArg::Apply => Method::Apply,
    }
}

/// Reads, validates and builds the model.
fn load(path: &Path) -> Result<Predictor, CliError> {
    let bytes = std::fs::read(path).map_err(|source| {
        CliError::file(
            path,
            skops_format::Error::Io {
                path: path.display().to_string(),
                source,
            },
        )
    })?;
    Predictor::from_bytes(&bytes).map_err(|error| match error {
        skops_infer::Error::File(source) => CliError::file(path, source),
        other => CliError::Infer {
            context: format!("`{}`", path.display()),
            source: Box::new(other),
        },
    })
}

/// JSON lines for a `.jsonl` or `.ndjson` file, else CSV.
fn guess_format(path: &Path) -> DataFormat {
    match path.extension().and_then(|ext| ext.to_str()) {
        Some(ext) if ext.eq_ignore_ascii_case("jsonl") || ext.eq_ignore_ascii_case("ndjson") => {
            DataFormat::Jsonl
        }
        _ => DataFormat::Csv,
    }
}

/// The input's reader, its size when known, and the count of bytes read so far.
type Opened = (LineLimit<Box<dyn Read>>, Option<u64>, Rc<SharedCell<u64>>);

fn open_input(path: &Path) -> Result<Opened, CliError> {
    let io_error = |source| CliError::InputIo {
        path: path.to_owned(),
        source,
    };
    let (reader, total): (Box<dyn Read>, Option<u64>) = if path.as_os_str() == "-" {
        (Box::new(std::io::stdin().lock()), None)
    } else {
        let file = File::open(path).map_err(io_error)?;
        let total = file.metadata().ok().map(|meta| meta.len());
        (Box::new(file), total)
    };
    let consumed = Rc::new(SharedCell::new(0));
    Ok((
        LineLimit {
            inner: reader,
            line: 0,
            consumed: Rc::clone(&consumed),
        },
        total,
        consumed,
    ))
}

/// Fails unless the input's column names are the ones the model was fitted with, in order
/// (scikit-learn refuses other names too).
fn check_names(input: &Path, given: &[String], fitted: &[String]) -> Result<(), CliError> {
    if given == fitted {
        return Ok(());
    }
    let missing: Vec<&str> = fitted
        .iter()
        .filter(|name| !given.contains(name))
        .map(String::as_str)
        .collect();
    let unseen: Vec<&str> = given
        .iter()
        .filter(|name| !fitted.contains(name))
        .map(String::as_str)
        .collect();
    let reason = if missing.is_empty() && unseen.is_empty() && given.len() == fitted.len() {
        format!("the columns are not in the order the model was fitted with: {fitted:?}")
    } else {
        format!(
            "the column names differ from the ones the model was fitted with (missing: {missing:?}; not seen at fit: {unseen:?})"
        )
    };
    Err(CliError::Infer {
        context: format!("`{}` header", input.display()),
        source: Box::new(InputError::Column { reason }.into()),
    })
}

/// A line longer than [`MAX_LINE_BYTES`].
#[derive(Debug)]
struct LineTooLong;

impl std::fmt::Display for LineTooLong {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "a line is longer than {MAX_LINE_BYTES} bytes")
    }
}

impl std::error::Error for LineTooLong {}

/// A reader that fails once a line grows beyond [`MAX_LINE_BYTES`], and counts the bytes read
/// (for the progress bar).
struct LineLimit<R> {
    inner: R,
    line: u64,
    consumed: Rc<SharedCell<u64>>,
}

impl<R: Read> Read for LineLimit<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let read = self.inner.read(buf)?;
        let mut segments = buf[..read].split(|&byte| byte == b'\n');
        // The first segment continues the line the previous read ended in.
        let mut last = self.line + segments.next().map_or(0, <[u8]>::len) as u64;
        let mut longest = last;
        for segment in segments {
            last = segment.len() as u64;
            longest = longest.max(last);
        }
        self.line = last;
        if longest > MAX_LINE_BYTES {
            return Err(std::io::Error::other(LineTooLong));
        }
        self.consumed.set(self.consumed.get() + read as u64);
        Ok(read)
    }
}

/// The error of a failed read: [`CliError::InputLimit`] for a line too long.
fn read_error(path: &Path, line: Option<u64>, source: std::io::Error) -> CliError {
    if source
        .get_ref()
        .is_some_and(|inner| inner.is::<LineTooLong>())
    {
        return CliError::InputLimit {
            path: path.to_owned(),
            line,
            what: format!("a line is longer than {MAX_LINE_BYTES} bytes"),
        };
    }
    CliError::InputIo {
        path: path.to_owned(),
        source,
    }
}

/// One input cell before its column's type is known.
#[derive(Debug, Clone)]
enum Cell {
    /// Empty or one of [`MISSING`], or JSON `null`.
    Missing,
    /// A JSON number.
    Number(f64),
    /// A CSV cell: a number or a string, as its column decides.
    Raw(String),
    /// A JSON string.
    Text(String),
}

impl Cell {
    fn csv(text: &str) -> Self {
        if text.is_empty() || MISSING.contains(&text) {
            Self::Missing
        } else {
            Self::Raw(text.to_owned())
        }
    }

    fn number(&self) -> Option<f64> {
        match self {
            Self::Missing => Some(f64::NAN),
            Self::Number(value) => Some(*value),
            Self::Raw(text) => text.trim().parse().ok(),
            Self::Text(_) => None,
        }
    }
}

/// What a column holds, decided on the first batch.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Numbers,
    Strings,
}

/// Rows read, column-major, with the line each row starts on.
struct Batch {
    columns: Vec<Vec<Cell>>,
    lines: Vec<u64>,
}

impl Batch {
    fn new(width: usize) -> Self {
        Self {
            columns: vec![Vec::new(); width],
            lines: Vec::new(),
        }
    }

    /// A column holds numbers when all its cells are numbers or missing.
    fn kinds(&self) -> Vec<Kind> {
        self.columns
            .iter()
            .map(|cells| {
                if cells.iter().all(|cell| cell.number().is_some()) {
                    Kind::Numbers
                } else {
                    Kind::Strings
                }
            })
            .collect()
    }

    fn table(&self, path: &Path, names: &[String], kinds: &[Kind]) -> Result<Table, CliError> {
        let mut columns = Vec::with_capacity(self.columns.len());
        for (index, (cells, kind)) in self.columns.iter().zip(kinds).enumerate() {
            let refuse = |row: usize, value: String, expected: &str| CliError::InputValue {
                path: path.to_owned(),
                line: self.lines.get(row).copied().unwrap_or(0),
                column: names.get(index).cloned().unwrap_or_default(),
                value,
                expected: expected.to_owned(),
            };
            columns.push(match kind {
                Kind::Numbers => Column::Numbers(
                    cells
                        .iter()
                        .enumerate()
                        .map(|(row, cell)| {
                            cell.number().ok_or_else(|| match cell {
                                Cell::Raw(text) | Cell::Text(text) => {
                                    refuse(row, format!("{text:?}"), "numbers")
                                }
                                _ => refuse(row, String::new(), "numbers"),
                            })
                        })
                        .collect::<Result<_, _>>()?,
                ),
                Kind::Strings => Column::Strings(
                    cells
                        .iter()
                        .enumerate()
                        .map(|(row, cell)| match cell {
                            Cell::Missing => Ok(None),
                            Cell::Raw(text) | Cell::Text(text) => Ok(Some(text.clone())),
                            Cell::Number(value) => Err(refuse(row, value.to_string(), "strings")),
                        })
                        .collect::<Result<_, _>>()?,
                ),
            });
        }
        Table::new(Some(names.to_vec()), columns).map_err(|error| CliError::Infer {
            context: format!("`{}`", path.display()),
            source: Box::new(error),
        })
    }
}

/// The input file, by format.
enum Input {
    Csv(CsvInput),
    Jsonl(JsonlInput),
}

impl Input {
    fn names(&self) -> &[String] {
        match self {
            Self::Csv(input) => &input.names,
            Self::Jsonl(input) => &input.names,
        }
    }

    /// JSON objects have no meaningful key order: take the model's when the keys are its
    /// column names.
    fn align(&mut self, fitted: &[String]) {
        if let Self::Jsonl(input) = self {
            let mut given = input.names.clone();
            given.sort();
            let mut wanted = fitted.to_vec();
            wanted.sort();
            if given == wanted {
                input.names = fitted.to_vec();
                input.index = index_of(&input.names);
            }
        }
    }

    fn batch(&mut self, rows: usize) -> Result<Batch, CliError> {
        match self {
            Self::Csv(input) => input.batch(rows),
            Self::Jsonl(input) => input.batch(rows),
        }
    }
}

fn index_of(names: &[String]) -> HashMap<String, usize> {
    names
        .iter()
        .enumerate()
        .map(|(index, name)| (name.clone(), index))
        .collect()
}

/// Fails when a name repeats or there are too many.
fn check_header(path: &Path, names: &[String]) -> Result<(), CliError> {
    if names.len() > MAX_COLUMNS {
        return Err(CliError::InputLimit {
            path: path.to_owned(),
            line: Some(1),
            what: format!("{} columns, above the limit of {MAX_COLUMNS}", names.len()),
        });
    }
    if names.len() != index_of(names).len() {
        let repeated = names
            .iter()
            .enumerate()
            .find(|&(index, name)| names[..index].contains(name))
            .map(|(_, name)| name.clone())
            .unwrap_or_default();
        return Err(CliError::InputSyntax {
            path: path.to_owned(),
            line: Some(1),
            reason: format!("the column name {repeated:?} appears more than once"),
        });
    }
    Ok(())
}

struct CsvInput {
    path: PathBuf,
    reader: csv::Reader<LineLimit<Box<dyn Read>>>,
    names: Vec<String>,
    record: csv::StringRecord,
}

impl CsvInput {
    fn new(path: &Path, reader: LineLimit<Box<dyn Read>>) -> Result<Self, CliError> {
        let mut reader = csv::ReaderBuilder::new()
            .has_headers(true)
            .flexible(false)
            .from_reader(reader);
        let names: Vec<String> = reader
            .headers()
            .map_err(|error| csv_error(path, error))?
            .iter()
            .map(str::to_owned)
            .collect();
        if names.is_empty() || names == [""] {
            return Err(CliError::InputSyntax {
                path: path.to_owned(),
                line: Some(1),
                reason: "there is no header line of column names".to_owned(),
            });
        }
        check_header(path, &names)?;
        Ok(Self {
            path: path.to_owned(),
            reader,
            names,
            record: csv::StringRecord::new(),
        })
    }

    fn batch(&mut self, rows: usize) -> Result<Batch, CliError> {
        let mut batch = Batch::new(self.names.len());
        while batch.lines.len() < rows {
            let more = self
                .reader
                .read_record(&mut self.record)
                .map_err(|error| csv_error(&self.path, error))?;
            if !more {
                break;
            }
            batch
                .lines
                .push(self.record.position().map_or(0, csv::Position::line));
            for (cells, text) in batch.columns.iter_mut().zip(self.record.iter()) {
                cells.push(Cell::csv(text));
            }
        }
        Ok(batch)
    }
}

fn csv_error(path: &Path, error: csv::Error) -> CliError {
    let line = error.position().map(csv::Position::line);
    match error.into_kind() {
        csv::ErrorKind::Io(source) => read_error(path, line, source),
        csv::ErrorKind::UnequalLengths {
            pos,
            expected_len,
            len,
        } => CliError::InputRagged {
            path: path.to_owned(),
            line: pos.map_or(0, |pos| pos.line()),
            reason: format!("{len} fields, the header has {expected_len}"),
        },
        csv::ErrorKind::Utf8 { pos, err } => CliError::InputSyntax {
            path: path.to_owned(),
            line: pos.map(|pos| pos.line()),
            reason: format!("field {} is not UTF-8 text", err.field() + 1),
        },
        other => CliError::InputSyntax {
            path: path.to_owned(),
            line,
            reason: format!("{other:?}"),
        },
    }
}

struct JsonlInput {
    path: PathBuf,
    reader: BufReader<LineLimit<Box<dyn Read>>>,
    names: Vec<String>,
    index: HashMap<String, usize>,
    /// The first object, read to learn the names, not yet given out.
    first: Option<JsonRow>,
    line: u64,
    text: Vec<u8>,
}

/// A JSON line's number and its object's entries.
type JsonRow = (u64, Vec<(String, serde_json::Value)>);

/// A JSON object's entries in the order written.
struct Entries(Vec<(String, serde_json::Value)>);

impl<'de> serde::Deserialize<'de> for Entries {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Visit;
        impl<'de> serde::de::Visitor<'de> for Visit {
            type Value = Entries;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("an object of column name -> number, string or null")
            }
            fn visit_map<A: serde::de::MapAccess<'de>>(
                self,
                mut map: A,
            ) -> Result<Entries, A::Error> {
                let mut entries = Vec::new();
                while let Some(entry) = map.next_entry()? {
                    entries.push(entry);
                }
                Ok(Entries(entries))
            }
        }
        deserializer.deserialize_map(Visit)
    }
}

impl JsonlInput {
    fn new(path: &Path, reader: LineLimit<Box<dyn Read>>) -> Result<Self, CliError> {
        let mut input = Self {
            path: path.to_owned(),
            reader: BufReader::new(reader),
            names: Vec::new(),
            index: HashMap::new(),
            first: None,
            line: 0,
            text: Vec::new(),
        };
        let Some((line, entries)) = input.next_object()? else {
            return Err(CliError::InputSyntax {
                path: path.to_owned(),
                line: None,
                reason: "there is no line to evaluate".to_owned(),
            });
        };
        input.names = entries.iter().map(|(name, _)| name.clone()).collect();
        check_header(path, &input.names)?;
        input.index = index_of(&input.names);
        input.first = Some((line, entries));
        Ok(input)
    }

    /// The next non-blank line's object and its line number.
    fn next_object(&mut self) -> Result<Option<JsonRow>, CliError> {
        loop {
            self.text.clear();
            self.line += 1;
            let read = self
                .reader
                .read_until(b'\n', &mut self.text)
                .map_err(|error| read_error(&self.path, Some(self.line), error))?;
            if read == 0 {
                return Ok(None);
            }
            if self.text.iter().all(u8::is_ascii_whitespace) {
                continue;
            }
            let entries: Entries =
                serde_json::from_slice(&self.text).map_err(|error| CliError::InputSyntax {
                    path: self.path.clone(),
                    line: Some(self.line),
                    reason: error.to_string(),
                })?;
            return Ok(Some((self.line, entries.0)));
        }
    }

    fn batch(&mut self, rows: usize) -> Result<Batch, CliError> {
        let mut batch = Batch::new(self.names.len());
        while batch.lines.len() < rows {
            let next = match self.first.take() {
                Some(first) => Some(first),
                None => self.next_object()?,
            };
            let Some((line, entries)) = next else {
                break;
            };
            let mut row = vec![None; self.names.len()];
            for (name, value) in entries {
                let ragged = |reason: String| CliError::InputRagged {
                    path: self.path.clone(),
                    line,
                    reason,
                };
                let Some(&index) = self.index.get(&name) else {
                    return Err(ragged(format!(
                        "the key {name:?}, which the first line has not"
                    )));
                };
                let cell = match value {
                    serde_json::Value::Null => Cell::Missing,
                    serde_json::Value::Number(number) => {
                        Cell::Number(number.as_f64().unwrap_or(f64::NAN))
                    }
                    serde_json::Value::String(text) => Cell::Text(text),
                    other => {
                        return Err(CliError::InputSyntax {
                            path: self.path.clone(),
                            line: Some(line),
                            reason: format!(
                                "the value of {name:?} is {other}, not a number, a string or null"
                            ),
                        });
                    }
                };
                if row[index].replace(cell).is_some() {
                    return Err(ragged(format!("the key {name:?} twice")));
                }
            }
            if let Some(missing) = row.iter().position(Option::is_none) {
                return Err(CliError::InputRagged {
                    path: self.path.clone(),
                    line,
                    reason: format!("no key {:?} (the first line has it)", self.names[missing]),
                });
            }
            batch.lines.push(line);
            for (cells, cell) in batch.columns.iter_mut().zip(row) {
                cells.push(cell.unwrap_or(Cell::Missing));
            }
        }
        Ok(batch)
    }
}

/// Where the results go, in the output format, the header written with the first batch.
struct Sink<W: Write> {
    out: W,
    format: DataFormat,
    method: Method,
    classes: Option<Labels>,
    header: Option<Vec<String>>,
}

impl<W: Write> Sink<W> {
    fn new(out: W, format: DataFormat, method: Method, classes: Option<&Labels>) -> Self {
        Self {
            out,
            format,
            method,
            classes: classes.cloned(),
            header: None,
        }
    }

    /// The output's column names for rows of `width` items (`None` for a 1-D result).
    fn names(&self, width: Option<usize>) -> Vec<String> {
        let Some(width) = width else {
            return vec!["prediction".to_owned()];
        };
        let prefix = match self.method {
            Method::PredictProba => Some("proba"),
            Method::PredictLogProba => Some("log_proba"),
            _ => None,
        };
        match (prefix, &self.classes) {
            (Some(prefix), Some(classes)) if classes.len() == width => label_names(classes)
                .into_iter()
                .map(|label| format!("{prefix}_{label}"))
                .collect(),
            _ => (0..width)
                .map(|index| format!("{}_{index}", self.method.name()))
                .collect(),
        }
    }

    fn write(&mut self, output: &Output) -> std::io::Result<()> {
        let rows = output.shape.first().copied().unwrap_or(0);
        let width = if output.shape.len() > 1 {
            Some(output.shape[1..].iter().product::<usize>())
        } else {
            None
        };
        let names = self.names(width);
        match &self.header {
            None => {
                let line = match self.format {
                    DataFormat::Csv => csv_line(names.iter().map(String::as_str)),
                    DataFormat::Jsonl => String::new(),
                };
                self.out.write_all(line.as_bytes())?;
                self.header = Some(names);
            }
            Some(header) if header.len() != names.len() => {
                return Err(std::io::Error::other(format!(
                    "a batch gave rows of {} items, the first gave {}",
                    names.len(),
                    header.len()
                )));
            }
            Some(_) => {}
        }
        let cols = width.unwrap_or(1);
        let names = self.header.as_deref().unwrap_or_default();
        for row in 0..rows {
            let items = (0..cols).map(|col| item(&output.values, row * cols + col, self.format));
            let line = match self.format {
                DataFormat::Csv => csv_line(items.collect::<Vec<_>>().iter().map(String::as_str)),
                DataFormat::Jsonl => {
                    let fields: Vec<String> = names
                        .iter()
                        .zip(items)
                        .map(|(name, value)| format!("{}:{value}", json_string(name)))
                        .collect();
                    format!("{{{}}}\n", fields.join(","))
                }
            };
            self.out.write_all(line.as_bytes())?;
        }
        Ok(())
    }

    fn finish(mut self) -> std::io::Result<()> {
        self.out.flush()
    }
}

/// Labels as Python's `str` prints them.
fn label_names(labels: &Labels) -> Vec<String> {
    match labels {
        Labels::I64(labels) => labels.iter().map(i64::to_string).collect(),
        Labels::F64(labels) => labels.iter().map(|label| float(*label)).collect(),
        Labels::Str(labels) => labels.clone(),
        Labels::Bool(labels) => labels.iter().map(|&label| python_bool(label)).collect(),
    }
}

/// The shortest text that reads back as the same float64 (`1.0`, `1e-7`, `NaN`, `inf`).
fn float(value: f64) -> String {
    format!("{value:?}")
}

fn python_bool(value: bool) -> String {
    if value { "True" } else { "False" }.to_owned()
}

/// Item `index` of `values`, as the format writes it (JSON: non-finite floats are `null`).
fn item(values: &Values, index: usize, format: DataFormat) -> String {
    let json = format == DataFormat::Jsonl;
    match values {
        Values::F64(values) => match values.get(index) {
            Some(value) if json && !value.is_finite() => "null".to_owned(),
            Some(value) => float(*value),
            None => String::new(),
        },
        Values::I64(values) => values.get(index).map_or_else(String::new, i64::to_string),
        Values::Str(values) => match values.get(index) {
            Some(text) if json => json_string(text),
            Some(text) => text.clone(),
            None => String::new(),
        },
        Values::Bool(values) => match values.get(index) {
            Some(&value) if json => value.to_string(),
            Some(&value) => python_bool(value),
            None => String::new(),
        },
    }
}

fn json_string(text: &str) -> String {
    serde_json::Value::from(text).to_string()
}

/// One CSV line of `fields`, quoted where needed.
fn csv_line<'a>(fields: impl Iterator<Item = &'a str>) -> String {
    let mut writer = csv::Writer::from_writer(Vec::new());
    // Writing to memory cannot fail.
    let _ = writer.write_record(fields);
    String::from_utf8(writer.into_inner().unwrap_or_default()).unwrap_or_default()
}

/// The progress bar on standard error: drawn on a terminal, one line per batch with
/// `--progress` elsewhere, nothing otherwise.
struct Progress {
    bar: ProgressBar,
    lines: bool,
}

impl Progress {
    fn new(forced: bool, total: Option<u64>) -> Self {
        let terminal = std::io::stderr().is_terminal();
        let bar = if terminal {
            let bar = ProgressBar::with_draw_target(total, ProgressDrawTarget::stderr());
            let template = if total.is_some() {
                "{bar:30} {bytes}/{total_bytes} {msg} ({eta})"
            } else {
                "{spinner} {bytes} {msg}"
            };
            if let Ok(style) = ProgressStyle::with_template(template) {
                bar.set_style(style);
            }
            bar
        } else {
            ProgressBar::hidden()
        };
        Self {
            bar,
            lines: forced && !terminal,
        }
    }

    fn update(&self, bytes: u64, rows: u64) {
        self.bar.set_position(bytes);
        self.bar.set_message(format!("{rows} rows"));
        if self.lines {
            let _ = writeln!(
                std::io::stderr(),
                "predict: {rows} rows ({bytes} bytes read)"
            );
        }
    }

    fn finish(&self, rows: u64) {
        self.bar.finish_and_clear();
        if self.lines {
            let _ = writeln!(std::io::stderr(), "predict: done, {rows} rows");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn floats_read_back_as_the_same_bits() {
        for value in [0.1, 1.0, -0.0, 1e-7, 1e300, f64::MIN_POSITIVE, 5e-324] {
            let text = float(value);
            assert_eq!(text.parse::<f64>().map(f64::to_bits), Ok(value.to_bits()));
        }
    }

    #[test]
    fn a_long_line_is_refused() {
        let data = vec![b'a'; (MAX_LINE_BYTES + 2) as usize];
        let mut reader = LineLimit {
            inner: &data[..],
            line: 0,
            consumed: Rc::new(SharedCell::new(0)),
        };
        let mut sink = Vec::new();
        let error = reader.read_to_end(&mut sink).expect_err("refused");
        assert!(
            error
                .get_ref()
                .is_some_and(|inner| inner.is::<LineTooLong>())
        );
    }

    #[test]
    fn cells_of_the_first_batch_decide_the_column_kind() {
        let mut batch = Batch::new(2);
        batch.lines = vec![2, 3];
        batch.columns[0] = vec![Cell::csv("1.5"), Cell::csv("NA")];
        batch.columns[1] = vec![Cell::csv("x"), Cell::csv("2")];
        assert_eq!(batch.kinds(), [Kind::Numbers, Kind::Strings]);
        let names = ["a".to_owned(), "b".to_owned()];
        let table = batch
            .table(Path::new("in.csv"), &names, &batch.kinds())
            .expect("a table");
        assert_eq!(
            table.columns()[1],
            Column::Strings(vec![Some("x".to_owned()), Some("2".to_owned())])
        );
        batch.columns[0][1] = Cell::csv("abc");
        let error = batch
            .table(Path::new("in.csv"), &names, &[Kind::Numbers, Kind::Strings])
            .expect_err("not a number");
        assert_eq!(error.kind(), "cli-input-value");
    }
}
