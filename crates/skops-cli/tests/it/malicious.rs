//! Every hostile file of `testdata/malicious/` through the binary: refused with exit code 2 and
//! an `error:` naming the problem its `cases.json` entry describes (never a panic), except the
//! clean baseline (exit 0) and the untrusted cases (exit 1, the type named; exit 0 once it is
//! trusted).

use std::collections::BTreeSet;

use skops_format::json::{self, Value};

use crate::common::{skops_rs, workspace};

/// What stderr must mention for each error kind a `cases.json` entry expects (any of the texts).
fn problem_texts(kind: &str) -> &'static [&'static str] {
    match kind {
        "zip-crc-mismatch" => &["CRC-32"],
        "limit-exceeded" => &["compression ratio", "depth"],
        "zip-member-too-long" => &["decompresses to more than"],
        "schema-cached-node-unknown-id" => &["unknown object id"],
        "schema-id-cycle" => &["its own ancestor"],
        "zip-duplicate-member" => &["appears more than once"],
        "zip-not-an-archive" | "zip-truncated" | "zip-inconsistent" => {
            &["not a zip archive", "truncated", "is corrupt"]
        }
        "schema-unknown-loader" => &["no loader"],
        "zip-invalid-name" => &["is not allowed"],
        "file-member-missing" => &["does not hold"],
        "schema-method-type-mismatch" => &["expects an object of type"],
        "zip-local-header-mismatch" | "zip-local-name-mismatch" => &["local header"],
        "zip-overlapping-members" => &["overlaps"],
        "schema-missing-key" | "schema-node-not-object" => {
            &["missing key", "expected a node state"]
        }
        "npy-bad-magic"
        | "npy-data-length"
        | "npy-header-syntax"
        | "npy-truncated-header"
        | "npy-object-dtype"
        | "npy-invalid-header"
        | "npy-size-overflow" => &["`.npy`"],
        "schema-operator-module" => &["expected `operator`"],
        "schema-invalid-protocol" | "schema-protocol-too-new" | "schema-protocol-negative" => {
            &["protocol"]
        }
        "json-too-deep" => &["deeper than the limit", "depth"],
        "file-schema-missing" => &["no `schema.json` member"],
        "json-syntax" => &["invalid JSON", "byte order mark"],
        "json-not-utf8" => &["not valid UTF-8"],
        "zip-unsupported-compression" => &["compression method"],
        "file-materialisation-budget" => &["would materialise"],
        other => panic!("cases.json expects a kind this test does not know: {other}"),
    }
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
                    assert!(
                        problem_texts(expect)
                            .iter()
                            .any(|text| run.stderr.contains(text)),
                        "{context}"
                    );
                    assert!(run.stderr.contains("\nhint: "), "{context}");
                }
            }
            checked += 1;
        }
    }
    assert!(expects.contains("ok") && expects.contains("untrusted"));
    eprintln!("malicious: {checked} runs over {} files", cases.len());
}
