//! `visualize::tree_rows` gives the rows skops 0.16's `visualize` walk gives (or fails where
//! it raises), for the same file and trusted list.
//!
//! Two sources of expected rows, both written by skops itself with
//! `crates/skops-format/tests/data/visualize/dump_rows.py` (test files shared with the CLI):
//! - the committed small files of that folder and their `rows.json` (regenerate
//!   both with `python crates/skops-format/tests/data/visualize/dump_rows.py --make
//!   crates/skops-format/tests/data/visualize`);
//! - every fixture of `$SKOPS_RS_FIXTURES`, whose rows the script computes at test time with
//!   the Python of `$SKOPS_RS_PYTHON` (default: the workspace's `.venv/bin/python`).

use std::path::{Path, PathBuf};
use std::process::Command;

use skops_format::Limits;
use skops_format::json::{self, Value};
use skops_trust::audit::{node_path, node_paths};
use skops_trust::error::VisualizeError;
use skops_trust::visualize::{TreeRow, inspect_rows, tree_rows};
use skops_trust::{Error, ModelFile};

fn data_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../skops-format/tests/data/visualize")
}

/// One expected outcome: rows, or the Python exception (`"TypeError: ..."`).
type Expected = std::result::Result<Vec<TreeRow>, String>;

/// The cases of one file: each trusted list with what skops gives for it.
type FileCases = (String, Vec<(Vec<String>, Expected)>);

fn parse_rows(rows: &[Value]) -> Vec<TreeRow> {
    rows.iter()
        .map(|row| {
            let fields = row.as_array().expect("a row is an array");
            let bool_at = |index: usize| match &fields[index] {
                Value::Bool(flag) => *flag,
                other => panic!("row field {index} is not a bool: {other:?}"),
            };
            TreeRow {
                level: fields[0].as_number().and_then(|n| n.as_u64()).unwrap() as usize,
                key: fields[1].as_text().unwrap().clone(),
                val: fields[2].as_text().unwrap().clone(),
                is_self_safe: bool_at(3),
                is_safe: bool_at(4),
                is_last: bool_at(5),
            }
        })
        .collect()
}

/// `rows.json`: file name → [(trusted, expected)].
fn parse_cases(text: &[u8]) -> Vec<FileCases> {
    let value = json::parse(text, 64).expect("rows JSON parses");
    let files = value.as_object().expect("an object of files");
    files
        .iter()
        .map(|(name, cases)| {
            let cases = cases
                .as_array()
                .unwrap()
                .iter()
                .map(|case| {
                    let case = case.as_object().unwrap();
                    let trusted = match case.get("trusted") {
                        Some(Value::Array(names)) => names
                            .iter()
                            .map(|name| name.as_str().unwrap().to_owned())
                            .collect(),
                        _ => Vec::new(),
                    };
                    let expected = match (case.get("rows"), case.get("error")) {
                        (Some(rows), _) => Ok(parse_rows(rows.as_array().unwrap())),
                        (None, Some(error)) => Err(error.as_str().unwrap().to_owned()),
                        (None, None) => panic!("case of {name} has neither rows nor error"),
                    };
                    (trusted, expected)
                })
                .collect();
            (name.to_string(), cases)
        })
        .collect()
}

/// Whether our error is the one skops raised while walking.
fn same_walk_error(python: &str, error: &Error) -> bool {
    match error {
        Error::Visualize(VisualizeError::NotANode { python_type, .. }) => python.starts_with(
            &format!("TypeError: Cannot deal with <class '{python_type}'>"),
        ),
        Error::Visualize(VisualizeError::InvalidKeyTypes { .. }) => {
            python.starts_with("ValueError: An invalid 'key_types' node was encountered")
        }
        _ => false,
    }
}

/// Errors skops raises while walking (the others come from reading the file, which the
/// fixture test of `fixtures.rs` matches variant by variant).
fn is_walk_error(python: &str) -> bool {
    python.starts_with("TypeError: Cannot deal with")
        || python.starts_with("ValueError: An invalid 'key_types'")
}

/// Checks every case of every file; returns the number of cases checked.
fn check_all(dir: &Path, cases: &[FileCases]) -> usize {
    let mut checked = 0;
    let mut failures = Vec::new();
    for (name, file_cases) in cases {
        let data = std::fs::read(dir.join(name)).unwrap();
        let file = ModelFile::open(&data, &Limits::default());
        for (trusted, expected) in file_cases {
            checked += 1;
            let ours = file
                .as_ref()
                .map_err(|error| error.to_string())
                .and_then(|file| {
                    tree_rows(file, trusted).map_err(|error| match expected {
                        Err(python) if same_walk_error(python, &error) => python.clone(),
                        _ => format!("ours: {error}"),
                    })
                });
            let ok = match (&ours, expected) {
                (Ok(rows), Ok(want)) => rows == want,
                (Err(ours), Err(python)) if is_walk_error(python) => ours == python,
                // A file skops refuses to read: we must refuse it too (at open or in the audit).
                (Err(_), Err(_)) => true,
                _ => false,
            };
            if !ok {
                failures.push(describe(name, trusted, &ours, expected));
            }
            // The tolerant walk shows the same nodes where skops' walk succeeds (plus raw
            // values as leaves, which a successful walk only meets as empty containers).
            if let (Ok(file), Ok(want)) = (&file, expected) {
                let report = file.audit(trusted).unwrap();
                let shape =
                    |row: &TreeRow| (row.level, row.key.clone(), row.val.clone(), row.is_last);
                let tolerant: Vec<_> = inspect_rows(file, &report)
                    .unwrap()
                    .iter()
                    .filter(|row| row.node.is_some() || row.row.key == "constructor")
                    .map(|row| shape(&row.row))
                    .collect();
                let strict: Vec<_> = want.iter().map(shape).collect();
                assert_eq!(tolerant, strict, "{name}: inspect_rows");
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {checked} cases differ from skops:\n{}",
        failures.len(),
        failures.join("\n")
    );
    checked
}

fn describe(
    name: &str,
    trusted: &[String],
    ours: &std::result::Result<Vec<TreeRow>, String>,
    expected: &Expected,
) -> String {
    let mut out = format!("--- {name} trusted={trusted:?}\n");
    match (ours, expected) {
        (Ok(rows), Ok(want)) => {
            let first = rows.iter().zip(want).position(|(a, b)| a != b);
            match first {
                Some(index) => {
                    out.push_str(&format!(
                        "row {index}: ours {:?}\n        skops {:?}\n",
                        rows[index], want[index]
                    ));
                }
                None => out.push_str(&format!("{} rows, skops has {}\n", rows.len(), want.len())),
            }
        }
        _ => out.push_str(&format!(
            "ours {:?}\nskops {:?}\n",
            ours.as_ref().map(Vec::len),
            expected.as_ref().map(Vec::len)
        )),
    }
    out
}

#[test]
fn committed_files_give_the_rows_skops_gives() {
    let dir = data_dir();
    let cases = parse_cases(&std::fs::read(dir.join("rows.json")).unwrap());
    assert!(cases.len() >= 20, "rows.json lists {} files", cases.len());
    let checked = check_all(&dir, &cases);
    eprintln!("visualize: {checked} committed cases match skops");
}

#[test]
fn node_paths_are_node_path_of_every_node() {
    let data = std::fs::read(data_dir().join("pipeline_tree.skops")).unwrap();
    let file = ModelFile::open(&data, &Limits::default()).unwrap();
    let schema = file.schema();
    let paths = node_paths(schema);
    assert_eq!(paths.len(), schema.len());
    for (id, _) in schema.nodes() {
        assert_eq!(paths[id.index()], node_path(schema, id));
    }
    assert!(paths.iter().any(|path| path == "steps[1][1].tree_"));
}

/// The Python that runs the dump script: `$SKOPS_RS_PYTHON`, or the workspace's venv.
fn python() -> Option<PathBuf> {
    if let Some(python) = std::env::var_os("SKOPS_RS_PYTHON") {
        return Some(PathBuf::from(python));
    }
    let venv = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../.venv/bin/python");
    venv.exists().then_some(venv)
}

#[test]
fn every_fixture_gives_the_rows_skops_gives() {
    let Some(fixtures) = std::env::var_os("SKOPS_RS_FIXTURES").map(PathBuf::from) else {
        eprintln!("skipping the visualize fixture test: SKOPS_RS_FIXTURES is not set");
        return;
    };
    let required = std::env::var("SKOPS_RS_REQUIRE_FIXTURES").as_deref() == Ok("1");
    let Some(python) = python() else {
        assert!(!required, "no Python with skops: set SKOPS_RS_PYTHON");
        eprintln!("skipping the visualize fixture test: no Python (set SKOPS_RS_PYTHON)");
        return;
    };
    let out = std::env::temp_dir().join(format!(
        "skops-rs-visualize-rows-{}.json",
        std::process::id()
    ));
    let status = Command::new(&python)
        .arg(data_dir().join("dump_rows.py"))
        .arg("--rows")
        .arg(&fixtures)
        .arg(&out)
        .status()
        .expect("the Python of SKOPS_RS_PYTHON runs");
    assert!(status.success(), "dump_rows.py failed: {status}");
    let text = std::fs::read(&out).unwrap();
    let _ = std::fs::remove_file(&out);
    let cases = parse_cases(&text);
    assert!(
        !cases.is_empty(),
        "no fixtures under {}",
        fixtures.display()
    );
    let checked = check_all(&fixtures, &cases);
    eprintln!(
        "visualize: {checked} cases over {} fixtures match skops",
        cases.len()
    );
}
