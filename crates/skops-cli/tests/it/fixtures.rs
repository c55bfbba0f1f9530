//! Every fixture skops 0.16 wrote (`python/tests/fixtures/generate.py --out DIR`, DIR in
//! `$SKOPS_RS_FIXTURES`): `audit` reports skops' `get_untrusted_types` (recorded in the
//! manifest) minus the types whose validator passed, and exits 0 exactly when that is empty; `inspect` shows every file. Files
//! skops cannot audit (`"untrusted": null`) exit 2 with a JSON error of a kind the crates define.
//!
//! Without `SKOPS_RS_FIXTURES` the test prints a note and passes, unless
//! `SKOPS_RS_REQUIRE_FIXTURES=1`.

use std::path::PathBuf;

use skops_format::json::{self, Value};

use crate::common::skops_rs;

fn strings(value: &Value) -> Vec<String> {
    value
        .as_array()
        .expect("an array")
        .iter()
        .map(|item| item.as_str().expect("a string").to_owned())
        .collect()
}

#[test]
fn audit_agrees_with_skops_on_every_fixture() {
    let Some(dir) = std::env::var_os("SKOPS_RS_FIXTURES").map(PathBuf::from) else {
        assert!(
            std::env::var("SKOPS_RS_REQUIRE_FIXTURES").as_deref() != Ok("1"),
            "SKOPS_RS_REQUIRE_FIXTURES=1 but SKOPS_RS_FIXTURES is not set"
        );
        eprintln!("skipping the CLI fixture test: SKOPS_RS_FIXTURES is not set");
        return;
    };
    let manifest = std::fs::read(dir.join("manifest.json")).expect("manifest.json");
    let manifest = json::parse(&manifest, 64).expect("manifest parses");
    let files = manifest
        .as_object()
        .and_then(|object| object.get("files"))
        .and_then(Value::as_array)
        .expect("manifest lists files");
    let mut clean = 0;
    for entry in files {
        let entry = entry.as_object().expect("a file entry");
        let relative = entry.get("path").and_then(Value::as_str).expect("path");
        let path = dir.join(relative);
        let path = path.to_str().expect("UTF-8 path");
        let audit = skops_rs(["audit", "--json", path]);
        let context = format!("{relative}\n{}", audit.transcript());
        match entry.get("untrusted") {
            Some(Value::Array(_)) => {
                let bytes = std::fs::read(path).expect("fixture readable");
                let file = skops_trust::ModelFile::open(&bytes, &skops_format::Limits::default())
                    .expect("a file skops audits opens");
                let validated = file.validate().expect("skops' own trees validate").types();
                let mut expected: Vec<String> = strings(entry.get("untrusted").expect("untrusted"))
                    .into_iter()
                    .filter(|name| !validated.contains(name.as_str()))
                    .collect();
                expected.sort();
                assert_eq!(
                    audit.code,
                    if expected.is_empty() { 0 } else { 1 },
                    "{context}"
                );
                let report = json::parse(audit.stdout.as_bytes(), 64).expect("JSON report");
                let report = report.as_object().expect("report object");
                let reported: Vec<String> = report
                    .get("untrusted_types")
                    .and_then(Value::as_array)
                    .expect("untrusted_types")
                    .iter()
                    .map(|item| {
                        let item = item.as_object().expect("type entry");
                        item.get("type")
                            .and_then(Value::as_str)
                            .expect("type")
                            .to_owned()
                    })
                    .collect();
                assert_eq!(reported, expected, "{context}");
                clean += usize::from(expected.is_empty());
                let inspect = skops_rs(["inspect", path]);
                assert_eq!(inspect.code, 0, "{relative}\n{}", inspect.transcript());
                assert!(inspect.stdout.contains("\nroot: "), "{relative}");
            }
            _ => {
                // `--json`: the error is a JSON object on stdout, of a kind the crates define.
                assert_eq!(audit.code, 2, "{context}");
                assert!(audit.stderr.is_empty(), "{context}");
                let report = json::parse(audit.stdout.as_bytes(), 64).expect("JSON error");
                let kind = report
                    .as_object()
                    .and_then(|object| object.get("error"))
                    .and_then(Value::as_object)
                    .and_then(|error| error.get("kind"))
                    .and_then(Value::as_str)
                    .unwrap_or_else(|| panic!("no error kind\n{context}"));
                assert!(
                    skops_trust::Error::kinds().any(|known| known == kind),
                    "{context}"
                );
            }
        }
    }
    eprintln!(
        "CLI fixtures: {} files agree with skops ({clean} clean)",
        files.len()
    );
}
