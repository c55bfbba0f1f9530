//! `predict` and `inspect --native` on the models and inputs of `tests/data/native/`
//! (`make_native.py`): what they print and refuse. The values themselves are compared with
//! scikit-learn's in `python/tests/test_cli.py`.

use insta::assert_snapshot;

use crate::common::{Run, sha256, skops_rs};

const DATA: &str = "crates/skops-cli/tests/data/native";

fn data(name: &str) -> String {
    format!("{DATA}/{name}")
}

fn predict(model: &str, input: &str, extra: &[&str]) -> Run {
    let model = data(model);
    let input = data(input);
    let mut args = vec!["predict", model.as_str(), "--input", input.as_str()];
    args.extend_from_slice(extra);
    skops_rs(args)
}

fn inspect_native(model: &str, json: bool) -> String {
    let file = data(model);
    let mut args = vec!["inspect", "--native", file.as_str()];
    if json {
        args.push("--json");
    }
    let run = skops_rs(&args);
    let sha = sha256(&file);
    assert!(run.stdout.contains(&sha), "{}", run.transcript());
    run.transcript().replace(&sha, "[sha256]")
}

#[test]
fn inspect_native_marks_a_supported_model() {
    let text = inspect_native("scaler.skops", false);
    assert!(text.contains("StandardScaler [native]"), "{text}");
    assert!(text.contains("native prediction: yes"), "{text}");
    assert_snapshot!(text);
}

#[test]
fn inspect_native_names_the_refusal_of_an_unsupported_model() {
    let text = inspect_native("kmeans.skops", false);
    assert!(text.contains("KMeans [not native]"), "{text}");
    assert!(
        text.contains("native prediction: no (infer-unsupported)"),
        "{text}"
    );
    assert_snapshot!(text);
    let json = inspect_native("kmeans.skops", true);
    assert!(json.contains("\"predictable\": false"), "{json}");
    assert!(json.contains("\"kind\": \"infer-unsupported\""), "{json}");
}

#[test]
fn inspect_without_native_has_no_marks() {
    let run = skops_rs(["inspect", &data("scaler.skops")]);
    assert!(run.stdout.contains("StandardScaler\n"), "{}", run.stdout);
    assert!(!run.stdout.contains("native prediction:"), "{}", run.stdout);
}

#[test]
fn predict_writes_one_column_per_output_item_in_csv_and_json_lines() {
    let csv = predict("scaler.skops", "rows.csv", &["--method", "transform"]);
    assert_eq!(csv.code, 0, "{}", csv.transcript());
    let lines: Vec<&str> = csv.stdout.lines().collect();
    assert_eq!(lines.len(), 3, "{}", csv.stdout);
    assert_eq!(lines[0], "transform_0,transform_1,transform_2");
    // The empty cell is NaN, which StandardScaler passes through.
    assert_eq!(lines[2].split(',').nth(1), Some("NaN"));
    let jsonl = predict(
        "scaler.skops",
        "rows.jsonl",
        &["--method", "transform", "--format", "jsonl"],
    );
    assert_eq!(jsonl.code, 0, "{}", jsonl.transcript());
    let rows: Vec<&str> = jsonl.stdout.lines().collect();
    assert_eq!(rows.len(), 2);
    assert!(rows[0].starts_with("{\"transform_0\":"), "{}", rows[0]);
    assert!(rows[1].contains("\"transform_1\":null"), "{}", rows[1]);
    // The same rows in both formats (JSON keys in any order) give the same numbers.
    let first_csv: Vec<&str> = lines[1].split(',').collect();
    for (index, value) in first_csv.iter().enumerate() {
        assert!(
            rows[0].contains(&format!("\"transform_{index}\":{value}")),
            "{value} in {}",
            rows[0]
        );
    }
}

#[test]
fn batches_of_one_row_give_the_same_output() {
    let whole = predict("scaler.skops", "rows.csv", &["--method", "transform"]);
    let by_row = predict(
        "scaler.skops",
        "rows.csv",
        &["--method", "transform", "--batch-rows", "1", "--progress"],
    );
    assert_eq!(whole.stdout, by_row.stdout);
    assert!(
        by_row.stderr.contains("predict: done, 2 rows"),
        "{}",
        by_row.stderr
    );
    assert!(
        whole.stderr.is_empty(),
        "no progress unless asked or on a terminal"
    );
}

#[test]
fn predict_writes_the_output_file() {
    let dir = tempfile::tempdir().expect("temporary folder");
    let out = dir.path().join("preds.csv");
    let run = predict(
        "scaler.skops",
        "rows.csv",
        &[
            "--method",
            "transform",
            "-o",
            out.to_str().expect("UTF-8 path"),
        ],
    );
    assert_eq!(run.code, 0, "{}", run.transcript());
    assert!(run.stdout.is_empty());
    let stdout = predict("scaler.skops", "rows.csv", &["--method", "transform"]).stdout;
    assert_eq!(std::fs::read_to_string(out).expect("written"), stdout);
}

#[test]
fn predict_errors() {
    let cases: [(&str, &str, &str, &[&str]); 9] = [
        (
            "error_missing_input",
            "scaler.skops",
            "missing.csv",
            &["--method", "transform"],
        ),
        (
            "error_ragged_row",
            "scaler.skops",
            "ragged.csv",
            &["--method", "transform"],
        ),
        (
            "error_ragged_json_line",
            "scaler.skops",
            "ragged.jsonl",
            &["--method", "transform"],
        ),
        (
            "error_text_in_numbers",
            "scaler.skops",
            "text.csv",
            &["--method", "transform", "--batch-rows", "1"],
        ),
        (
            "error_header_order",
            "scaler.skops",
            "order.csv",
            &["--method", "transform"],
        ),
        (
            "error_header_names",
            "scaler.skops",
            "renamed.csv",
            &["--method", "transform"],
        ),
        ("error_no_method", "scaler.skops", "rows.csv", &["--proba"]),
        ("error_unsupported_model", "kmeans.skops", "rows.csv", &[]),
        (
            "error_json",
            "scaler.skops",
            "ragged.csv",
            &["--method", "transform", "--json"],
        ),
    ];
    for (name, model, input, extra) in cases {
        let run = predict(model, input, extra);
        assert_eq!(run.code, 2, "{name}: {}", run.transcript());
        // The rows written before the error are counted, not shown: their values are
        // compared with scikit-learn's in `python/tests/test_cli.py`.
        let mut shown = run;
        if !shown.stdout.starts_with('{') && !shown.stdout.is_empty() {
            shown.stdout = format!("[{} lines]\n", shown.stdout.lines().count());
        }
        assert_snapshot!(name, shown.transcript());
    }
}

#[test]
fn a_non_number_in_a_column_of_numbers_in_the_first_batch_makes_it_strings() {
    // Then the model refuses a column of strings (the engine's own kind).
    let run = predict(
        "scaler.skops",
        "text.csv",
        &["--method", "transform", "--json"],
    );
    assert_eq!(run.code, 2);
    assert!(
        run.stdout.contains("\"kind\": \"infer-input-type\""),
        "{}",
        run.stdout
    );
}
