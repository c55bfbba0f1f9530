//! Every hostile file of `testdata/malicious/` through the binary: refused with exit code 2,
//! with `--json` an error of the kind its `cases.json` entry expects, and without it the same
//! report as text, naming the file, with a hint (never a panic), except the clean baseline
//! (exit 0) and the untrusted cases (exit 1, the type named; exit 0 once it is trusted).

use std::collections::BTreeSet;

use skops_cli::sanitize::sanitize;
use skops_format::json::{self, Value};

use crate::common::{Run, skops_rs, workspace};

/// The `error` object of a `--json` run that failed, and its report as the text run prints it.
fn json_error(run: &Run, context: &str) -> (String, String) {
    let value = json::parse(run.stdout.as_bytes(), 8)
        .unwrap_or_else(|error| panic!("{context}\nstdout is not JSON: {error}"));
    let error = value
        .as_object()
        .and_then(|object| object.get("error"))
        .and_then(Value::as_object)
        .unwrap_or_else(|| panic!("{context}\nno `error` object"));
    let text = |name: &str| {
        error
            .get(name)
            .and_then(Value::as_str)
            .unwrap_or_else(|| panic!("{context}\n`{name}` is no string"))
    };
    let mut report = format!("error: {}\n", sanitize(text("message")));
    for cause in error
        .get("causes")
        .and_then(Value::as_array)
        .unwrap_or_else(|| panic!("{context}\n`causes` is no list"))
    {
        let cause = cause.as_str().expect("a cause is a string");
        report.push_str(&format!("  caused by: {}\n", sanitize(cause)));
    }
    // `hint` is a string or null.
    if !matches!(error.get("hint"), Some(Value::Null)) {
        report.push_str(&format!("hint: {}\n", sanitize(text("hint"))));
    }
    (text("kind").to_owned(), report)
}

/// The first `backticked` text of a description: the type an `untrusted` case names.
fn backticked(text: &str) -> &str {
    let start = text.find('`').expect("a backticked name") + 1;
    let length = text[start..].find('`').expect("a closing backtick");
    &text[start..start + length]
}

#[test]
fn every_hostile_file_is_refused_with_its_problem_named() {
    let dir = workspace().join("testdata/malicious");
    let text = std::fs::read(dir.join("cases.json")).expect("cases.json");
    let Value::Object(cases) = json::parse(&text, 16).expect("cases.json parses") else {
        panic!("cases.json is not an object");
    };
    let mut expects = BTreeSet::new();
    let mut checked = 0;
    for (name, case) in cases.iter() {
        let case = case.as_object().expect("a case is an object");
        let expect = case.get("expect").and_then(Value::as_str).expect("expect");
        let problem = case
            .get("problem")
            .and_then(Value::as_str)
            .expect("problem");
        expects.insert(expect);
        let path = format!("testdata/malicious/{name}");
        for command in ["audit", "inspect"] {
            let run = skops_rs([command, path.as_str()]);
            let context = format!(
                "{command} {name} ({expect}: {problem})\n{}",
                run.transcript()
            );
            assert!(!run.stderr.contains("panicked"), "{context}");
            match expect {
                "ok" => {
                    assert_eq!(run.code, 0, "{context}");
                    assert!(run.stdout.contains("no untrusted types"), "{context}");
                }
                "untrusted" => {
                    let type_name = backticked(problem);
                    let expected_code = if command == "audit" { 1 } else { 0 };
                    assert_eq!(run.code, expected_code, "{context}");
                    assert!(
                        run.stdout.contains(&format!("  {type_name}\n")),
                        "{context}"
                    );
                    let trusted = skops_rs([command, "--trusted", type_name, path.as_str()]);
                    assert_eq!(
                        trusted.code,
                        0,
                        "{context}\ntrusted:\n{}",
                        trusted.transcript()
                    );
                    assert!(trusted.stdout.contains("no untrusted types"), "{context}");
                }
                _ => {
                    assert_eq!(run.code, 2, "{context}");
                    assert!(run.stdout.is_empty(), "{context}");
                    let first = run.stderr.lines().next().unwrap_or_default();
                    assert!(
                        first.starts_with("error: `testdata/malicious/"),
                        "{context}"
                    );
                    assert!(run.stderr.contains("\nhint: "), "{context}");
                    let json_run = skops_rs([command, "--json", path.as_str()]);
                    let context = format!("{context}\n--json:\n{}", json_run.transcript());
                    assert_eq!(json_run.code, 2, "{context}");
                    assert!(json_run.stderr.is_empty(), "{context}");
                    let (kind, report) = json_error(&json_run, &context);
                    assert_eq!(kind, expect, "{context}");
                    assert_eq!(report, run.stderr, "{context}");
                }
            }
            checked += 1;
        }
    }
    assert!(expects.contains("ok") && expects.contains("untrusted"));
    eprintln!("malicious: {checked} runs over {} files", cases.len());
}
