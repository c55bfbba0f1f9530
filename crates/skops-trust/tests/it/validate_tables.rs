//! The validator tables (`tests/data/validate/*.json`, format in the README.md beside them):
//! every case edits a skops-written base file, then opening, validating and auditing it (with
//! nothing trusted and with every type of the file trusted) fails with the case's error kind,
//! or the audit leaves exactly the case's types untrusted. Each base file, unedited and
//! rewritten with no edit, gives what its table says. `python/tests/test_validate_tables.py`
//! runs the same cases through the Python package.

use std::collections::BTreeSet;
use std::path::PathBuf;

use skops_format::Limits;
use skops_format::json::{self, Object, Value};
use skops_trust::{Error, ModelFile};

use super::table_edit::Edited;

fn folder() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/data/validate")
}

/// Every table, by family name.
fn tables() -> Vec<(String, Object)> {
    let mut paths: Vec<PathBuf> = std::fs::read_dir(folder())
        .unwrap()
        .map(|entry| entry.unwrap().path())
        .filter(|path| path.extension().is_some_and(|ext| ext == "json"))
        .collect();
    paths.sort();
    paths
        .into_iter()
        .map(|path| {
            let family = path.file_stem().unwrap().to_str().unwrap().to_owned();
            let Value::Object(table) = json::parse(&std::fs::read(&path).unwrap(), 100).unwrap()
            else {
                panic!("{} is not an object", path.display())
            };
            (family, table)
        })
        .collect()
}

fn strings(value: &Value) -> Vec<String> {
    value
        .as_array()
        .unwrap()
        .iter()
        .map(|item| item.as_str().unwrap().to_owned())
        .collect()
}

fn read(name: &str) -> Vec<u8> {
    std::fs::read(folder().join(name)).unwrap_or_else(|error| panic!("{name}: {error}"))
}

fn edited(base: &[u8], aliases: &Object, edit: &[Value]) -> Vec<u8> {
    Edited::new(base, aliases).apply(edit).into_bytes()
}

/// Every type the file names: trusting them all leaves only the validators to refuse it.
fn all_types(file: &ModelFile<'_>) -> Vec<String> {
    let names: BTreeSet<String> = file
        .schema()
        .nodes()
        .map(|(_, node)| node.type_name())
        .collect();
    names.into_iter().collect()
}

/// The error kind of opening, validating and auditing `bytes` (with nothing and with every
/// type trusted), which must agree; `None` when the file passes.
fn refusal(bytes: &[u8]) -> Result<Option<(&'static str, String)>, String> {
    let file = match ModelFile::open(bytes, &Limits::default()) {
        Ok(file) => file,
        Err(error) => return Ok(Some((error.kind(), error.to_string()))),
    };
    let kinds = |result: Result<(), Error>| result.err().map(|error| (error.kind(), error));
    let validated = kinds(file.validate().map(drop));
    let audited = kinds(file.audit(&[]).map(drop));
    let all_trusted = kinds(file.audit(&all_types(&file)).map(drop));
    let kind_of = |found: &Option<(&'static str, Error)>| found.as_ref().map(|(kind, _)| *kind);
    if kind_of(&validated) != kind_of(&audited) || kind_of(&audited) != kind_of(&all_trusted) {
        return Err(format!(
            "validate {validated:?}, audit {audited:?}, audit with all trusted {all_trusted:?}"
        ));
    }
    Ok(validated.map(|(kind, error)| (kind, error.to_string())))
}

fn untrusted(bytes: &[u8]) -> Vec<String> {
    let file = ModelFile::open(bytes, &Limits::default()).unwrap();
    file.audit(&[]).unwrap().untrusted_types()
}

/// Checks one case; the failure, if any.
fn check_case(aliases: &Object, case: &Object) -> Result<(), String> {
    let base = read(case.get("file").unwrap().as_str().unwrap());
    let edit = case.get("edit").unwrap().as_array().unwrap();
    let bytes = edited(&base, aliases, edit);
    let found = refusal(&bytes)?;
    match (case.get("kind"), case.get("untrusted"), found) {
        (Some(kind), None, Some((found, message))) => {
            if Some(found) != kind.as_str() {
                return Err(format!("refused with {found}: {message}"));
            }
            if let Some(needle) = case.get("message").and_then(Value::as_str) {
                if !message.contains(needle) {
                    return Err(format!("message without {needle:?}: {message}"));
                }
            }
            Ok(())
        }
        (Some(_), None, None) => Err(format!("passes, untrusted {:?}", untrusted(&bytes))),
        (None, Some(expected), None) => {
            let found = untrusted(&bytes);
            if found == strings(expected) {
                Ok(())
            } else {
                Err(format!("untrusted {found:?}"))
            }
        }
        (None, Some(_), Some((found, message))) => Err(format!("refused with {found}: {message}")),
        _ => Err("a case expects a `kind` or `untrusted`".to_owned()),
    }
}

/// Checks a base file as it is and rewritten with no edit.
fn check_base(aliases: &Object, name: &str, expected: &Object) -> Result<(), String> {
    let base = read(name);
    for bytes in [base.clone(), edited(&base, aliases, &[])] {
        let file = ModelFile::open(&bytes, &Limits::default()).map_err(|e| e.to_string())?;
        let validated = file.validate().map_err(|e| e.to_string())?;
        let validated: Vec<&str> = validated.types().into_iter().collect();
        let want_validated = strings(expected.get("validated").unwrap());
        if validated != want_validated {
            return Err(format!("validated {validated:?}"));
        }
        let found = file
            .audit(&[])
            .map_err(|e| e.to_string())?
            .untrusted_types();
        if found != strings(expected.get("untrusted").unwrap()) {
            return Err(format!("untrusted {found:?}"));
        }
    }
    Ok(())
}

#[test]
fn every_case_of_every_table() {
    let mut failures = Vec::new();
    let mut counts = Vec::new();
    for (family, table) in tables() {
        let empty = Object::new();
        let aliases = table
            .get("aliases")
            .and_then(Value::as_object)
            .unwrap_or(&empty);
        for (name, expected) in table.get("files").unwrap().as_object().unwrap().iter() {
            let name = name.as_str().unwrap();
            if let Err(failure) = check_base(aliases, name, expected.as_object().unwrap()) {
                failures.push(format!("{family}: base {name}: {failure}"));
            }
        }
        let cases = table.get("cases").unwrap().as_array().unwrap();
        let mut names = BTreeSet::new();
        for case in cases {
            let case = case.as_object().unwrap();
            let name = case.get("name").unwrap().as_str().unwrap();
            assert!(names.insert(name), "{family}: two cases named {name}");
            let file = case.get("file").unwrap().as_str().unwrap();
            assert!(
                table
                    .get("files")
                    .unwrap()
                    .as_object()
                    .unwrap()
                    .contains_key(file),
                "{family}/{name}: {file} is not in `files`"
            );
            if let Err(failure) = check_case(aliases, case) {
                failures.push(format!("{family}/{name}: {failure}"));
            }
        }
        counts.push(format!("{family} {}", cases.len()));
    }
    eprintln!("validator tables: {}", counts.join(", "));
    assert!(!counts.is_empty());
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
/// The folder holds the tables, their README and the base files they use, with a `make_*.py`
/// script for each; every base file is used by a table.
#[test]
fn every_base_file_is_used_and_has_its_script() {
    let mut used = BTreeSet::new();
    for (_, table) in tables() {
        for (name, _) in table.get("files").unwrap().as_object().unwrap().iter() {
            used.insert(name.as_str().unwrap().to_owned());
        }
    }
    let scripts: String = std::fs::read_dir(folder())
        .unwrap()
        .map(|entry| entry.unwrap().path())
        .filter(|path| path.extension().is_some_and(|ext| ext == "py"))
        .map(|path| std::fs::read_to_string(path).unwrap())
        .collect();
    for entry in std::fs::read_dir(folder()).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_some_and(|ext| ext == "skops") {
            let name = path.file_name().unwrap().to_str().unwrap();
            assert!(used.contains(name), "{name} is used by no table");
            assert!(scripts.contains(name), "no make script writes {name}");
        }
    }
    assert!(folder().join("README.md").is_file());
}
