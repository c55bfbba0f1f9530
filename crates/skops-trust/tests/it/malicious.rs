//! The hostile files of `testdata/malicious/` (written by `scripts/make_malicious.py`, described
//! in its `cases.json`): each is refused by `ModelFile::open` (or its audit) with the error
//! whose `kind()` is its `expect`, `baseline.skops` opens clean, and the `untrusted` cases open
//! and report the type their description names.

use std::collections::BTreeSet;
use std::path::PathBuf;

use skops_format::Limits;
use skops_format::json::{self, Object, Value};
use skops_trust::{Error, ModelFile};

fn malicious_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../testdata/malicious")
}

/// The first `backticked` text of a description: the type an `untrusted` case names.
fn backticked(text: &str) -> Option<&str> {
    let start = text.find('`')? + 1;
    let length = text.get(start..)?.find('`')?;
    text.get(start..start + length)
}

fn cases() -> Object {
    let text = std::fs::read(malicious_dir().join("cases.json")).expect("cases.json readable");
    match json::parse(&text, 16).expect("cases.json is JSON") {
        Value::Object(cases) => cases,
        other => panic!("cases.json is not an object: {other:?}"),
    }
}

/// Opens the file and audits it with no trusted types: the first error, or the untrusted list.
fn open_and_audit(bytes: &[u8]) -> Result<Vec<String>, Error> {
    let file = ModelFile::open(bytes, &Limits::default())?;
    Ok(file.audit(&[])?.untrusted_types())
}

#[test]
fn every_file_is_a_case_and_every_case_a_file() {
    let cases = cases();
    let listed: BTreeSet<&str> = cases.keys().filter_map(|key| key.as_str()).collect();
    let present: BTreeSet<String> = std::fs::read_dir(malicious_dir())
        .expect("testdata/malicious readable")
        .map(|entry| entry.expect("directory entry").file_name())
        .filter_map(|name| name.to_str().map(str::to_owned))
        .filter(|name| name.ends_with(".skops"))
        .collect();
    let present: BTreeSet<&str> = present.iter().map(String::as_str).collect();
    assert_eq!(listed, present, "cases.json and the .skops files disagree");
}

#[test]
fn hostile_files_are_refused_with_the_expected_error() {
    let cases = cases();
    let mut failures = Vec::new();
    let mut passed = 0;
    for (name, case) in cases.iter() {
        let case = case.as_object().expect("case is an object");
        let expect = case.get("expect").and_then(Value::as_str).expect("expect");
        let problem = case.get("problem").and_then(Value::as_str).unwrap_or("");
        let bytes =
            std::fs::read(malicious_dir().join(name.as_str().expect("case names are text")))
                .expect("case file readable");
        let result = open_and_audit(&bytes);

        match (expect, &result) {
            ("ok", Ok(untrusted)) if untrusted.is_empty() => passed += 1,
            ("untrusted", Ok(untrusted)) => {
                let named = backticked(problem).unwrap_or_default();
                if untrusted == &[named.to_owned()] {
                    passed += 1;
                } else {
                    failures.push(format!(
                        "{name}: untrusted {untrusted:?}, expected [{named:?}]"
                    ));
                }
            }
            (_, Err(error)) if error.kind() == expect => passed += 1,
            (_, other) => failures.push(format!("{name} ({expect}): got {other:?}")),
        }
    }
    eprintln!("malicious: {passed}/{} cases pass", cases.len());
    assert!(
        failures.is_empty(),
        "{} malicious cases fail:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

#[test]
fn untrusted_cases_open_once_their_type_is_trusted() {
    let cases = cases();
    let mut checked = 0;
    for (name, case) in cases.iter() {
        let case = case.as_object().expect("case is an object");
        if case.get("expect").and_then(Value::as_str) != Some("untrusted") {
            continue;
        }
        let problem = case.get("problem").and_then(Value::as_str).unwrap_or("");
        let named = backticked(problem)
            .expect("an untrusted case names its type")
            .to_owned();
        let bytes =
            std::fs::read(malicious_dir().join(name.as_str().expect("case names are text")))
                .expect("case file readable");
        let file = ModelFile::open(&bytes, &Limits::default()).expect("untrusted cases open");
        let report = file.audit(std::slice::from_ref(&named)).expect("audit");
        assert!(report.is_clean(), "{name}: {:?}", report.untrusted_types());
        let report = file.audit(&[]).expect("audit");
        assert!(
            !report.paths(&named).is_empty(),
            "{name}: no path for {named}"
        );
        checked += 1;
    }
    assert_eq!(checked, 2);
}

#[test]
fn baseline_opens_with_its_metadata() {
    let bytes = std::fs::read(malicious_dir().join("baseline.skops")).expect("baseline readable");
    let file = ModelFile::open(&bytes, &Limits::default()).expect("baseline opens");
    assert!(file.audit(&[]).expect("audit").is_clean());
    assert!(file.protocol() >= 0);
    assert_eq!(file.sha256().len(), 64);
}
