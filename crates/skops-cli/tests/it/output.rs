//! Snapshots of what people read: `inspect` (tree and JSON), `audit`, errors and `--help`, on
//! committed inputs (the small files skops wrote for `skops-format`'s visualize tests, the
//! hostile files of `testdata/malicious/`, and `tests/data/hostile_names.skops`). The SHA-256
//! is checked against `skops-format` and then redacted, so regenerating an input only changes
//! the snapshots whose content changed.

use insta::assert_snapshot;

use crate::common::{Run, sha256, skops_rs};

const VISUALIZE: &str = "crates/skops-format/tests/data/visualize";

/// The transcript of `skops-rs args...`, with the SHA-256 of `file` (when it opens) checked
/// and redacted.
fn transcript(args: &[&str], file: Option<&str>) -> String {
    let run: Run = skops_rs(args);
    let mut text = run.transcript();
    if let Some(file) = file {
        let sha = sha256(file);
        assert!(
            run.stdout.contains(&sha),
            "the output names the file's SHA-256"
        );
        text = text.replace(&sha, "[sha256]");
    }
    text
}

fn visualize_file(name: &str) -> String {
    format!("{VISUALIZE}/{name}.skops")
}

#[test]
fn inspect_pipeline_with_a_tree() {
    let file = visualize_file("pipeline_tree");
    assert_snapshot!(transcript(&["inspect", &file], Some(&file)));
}

#[test]
fn inspect_shows_only_untrusted_nodes() {
    let file = visualize_file("function_partial");
    assert_snapshot!(transcript(
        &["inspect", "--show", "untrusted", &file],
        Some(&file)
    ));
}

#[test]
fn inspect_shows_only_trusted_nodes() {
    let file = visualize_file("function_partial");
    assert_snapshot!(transcript(
        &["inspect", "--show", "trusted", &file],
        Some(&file)
    ));
}

#[test]
fn inspect_with_trusted_types() {
    let file = visualize_file("function_partial");
    assert_snapshot!(transcript(
        &[
            "inspect",
            "--trusted",
            "functools.partial",
            "--trusted=numpy.round",
            &file
        ],
        Some(&file)
    ));
}

#[test]
fn inspect_arrays_bytes_and_containers() {
    for name in ["numpy_arrays", "bytes", "containers", "random", "sparse"] {
        let file = visualize_file(name);
        assert_snapshot!(
            format!("inspect_{name}"),
            transcript(&["inspect", &file], Some(&file))
        );
    }
}

/// skops' own `visualize` fails on these; `inspect` shows them.
#[test]
fn inspect_nodes_skops_cannot_visualize() {
    for name in [
        "method",
        "slice",
        "crafted_object_without_state",
        "crafted_untrusted_key_type",
    ] {
        let file = visualize_file(name);
        assert_snapshot!(
            format!("inspect_{name}"),
            transcript(&["inspect", &file], Some(&file))
        );
    }
}

#[test]
fn inspect_escapes_hostile_names() {
    let file = "crates/skops-cli/tests/data/hostile_names.skops";
    let text = transcript(&["inspect", file], Some(file));
    assert!(!text.contains('\u{1b}') && !text.contains('\u{202e}'));
    assert_snapshot!(text);
    let json = transcript(&["inspect", "--json", file], Some(file));
    assert!(json.is_ascii(), "the JSON report is ASCII");
    assert_snapshot!("inspect_json_hostile_names", json);
    assert_snapshot!("audit_hostile_names", transcript(&["audit", file], None));
}

/// Strings with lone surrogates (which UTF-8 cannot hold) are printed escaped, `\ud800`, in
/// the tree, the text report and the JSON report, whether the file escaped them or wrote them
/// as `surrogatepass` bytes (`make_lone_surrogates.py`).
#[test]
fn lone_surrogates_are_printed_escaped() {
    let file = "crates/skops-cli/tests/data/lone_surrogates.skops";
    let text = transcript(&["inspect", file], Some(file));
    for escaped in ["\\ud800", "k\\udbff", "raw \\udfff", "0.16.0\\ud800"] {
        assert!(text.contains(escaped), "{escaped} in {text}");
    }
    assert_snapshot!(text);
    let json = transcript(&["inspect", "--json", file], Some(file));
    assert!(json.is_ascii(), "the JSON report is ASCII");
    assert_snapshot!("inspect_json_lone_surrogates", json);
    assert_snapshot!(
        "audit_json_lone_surrogates",
        transcript(&["audit", "--json", file], Some(file))
    );
}

#[test]
fn inspect_json_report() {
    let file = visualize_file("function_partial");
    assert_snapshot!(transcript(&["inspect", "--json", &file], Some(&file)));
}

#[test]
fn inspect_json_untrusted_nodes_with_arrays() {
    let file = visualize_file("function_partial");
    assert_snapshot!(transcript(
        &["inspect", "--json", "--show", "untrusted", &file],
        Some(&file)
    ));
    // Every node of a pipeline whose tree is trusted by validation (`"validator": "tree"`),
    // with its arrays.
    let file = visualize_file("pipeline_tree");
    assert_snapshot!(
        "inspect_json_validated_tree",
        transcript(&["inspect", "--json", &file], Some(&file))
    );
    let file = visualize_file("numpy_arrays");
    assert_snapshot!(
        "inspect_json_arrays",
        transcript(&["inspect", "--json", &file], Some(&file))
    );
}

#[test]
fn audit_untrusted_then_trusted() {
    let file = visualize_file("function_partial");
    assert_snapshot!(transcript(&["audit", &file], None));
    assert_snapshot!(
        "audit_trusted",
        transcript(
            &[
                "audit",
                "--trusted",
                "functools.partial",
                "--trusted",
                "numpy.round",
                &file
            ],
            None
        )
    );
    assert_snapshot!(
        "audit_json",
        transcript(&["audit", "--json", &file], Some(&file))
    );
}

#[test]
fn audit_clean_file() {
    let file = visualize_file("logistic");
    assert_snapshot!(transcript(&["audit", &file], None));
}

#[test]
fn colors_only_when_asked_without_a_terminal() {
    let file = visualize_file("function_partial");
    let plain = skops_rs(["inspect", &file]);
    assert!(!plain.stdout.contains('\u{1b}'), "no colors into a pipe");
    let colored = skops_rs(["--color", "always", "inspect", &file]);
    assert!(
        colored
            .stdout
            .contains("\u{1b}[38;5;214mfunctools.partial [UNSAFE]\u{1b}[0m")
    );
    assert_eq!(colored.code, 0);
}

#[test]
fn errors_name_the_problem() {
    for (name, args) in [
        (
            "error_not_a_zip",
            vec!["inspect", "testdata/malicious/empty_file.skops"],
        ),
        (
            "error_npy_member",
            vec!["audit", "testdata/malicious/npy_bad_magic.skops"],
        ),
        (
            "error_operator_module",
            vec!["inspect", "testdata/malicious/operator_module_os.skops"],
        ),
        (
            "error_protocol",
            vec!["audit", "testdata/malicious/protocol_3.skops"],
        ),
        (
            "error_depth",
            vec!["audit", "testdata/malicious/schema_depth_json.skops"],
        ),
        ("error_missing_file", vec!["inspect", "no/such/model.skops"]),
        (
            "error_bad_show",
            vec!["inspect", "--show", "some", "model.skops"],
        ),
        ("error_no_file", vec!["audit"]),
    ] {
        let run = skops_rs(&args);
        assert_eq!(run.code, 2, "{name}: exit code");
        assert!(run.stdout.is_empty(), "{name}: nothing on stdout");
        assert!(run.stderr.starts_with("error:"), "{name}: {}", run.stderr);
        assert_snapshot!(name, run.transcript());
    }
}

/// With `--json`, the error is a JSON object on stdout (exit code 2 still), which names its kind.
#[test]
fn json_errors_name_the_kind() {
    for (name, args) in [
        (
            "error_json_operator_module",
            vec![
                "inspect",
                "--json",
                "testdata/malicious/operator_module_os.skops",
            ],
        ),
        (
            "error_json_npy_member",
            vec!["audit", "--json", "testdata/malicious/npy_bad_magic.skops"],
        ),
    ] {
        let run = skops_rs(&args);
        assert_eq!(run.code, 2, "{name}: exit code");
        assert!(run.stderr.is_empty(), "{name}: nothing on stderr");
        assert!(run.stdout.is_ascii(), "{name}: the JSON is ASCII");
        assert_snapshot!(name, run.transcript());
    }
}

/// A usage error is clap's, on stderr, even with `--json`: the command line was not understood.
#[test]
fn json_usage_errors_stay_text() {
    let run = skops_rs(["audit", "--json"]);
    assert_eq!(run.code, 2);
    assert!(run.stdout.is_empty());
    assert!(run.stderr.starts_with("error:"), "{}", run.stderr);
}

/// Output that cannot be written is reported on stderr as text, also with `--json`: stdout is
/// what failed.
#[cfg(target_os = "linux")]
#[test]
fn an_output_error_is_text_on_stderr_even_with_json() {
    let Ok(full) = std::fs::OpenOptions::new().write(true).open("/dev/full") else {
        return;
    };
    let file = "crates/skops-format/tests/data/visualize/pipeline_tree.skops";
    for args in [vec!["audit", "--json", file], vec!["audit", file]] {
        let output = std::process::Command::new(env!("CARGO_BIN_EXE_skops-rs"))
            .args(&args)
            .current_dir(crate::common::workspace())
            .stdout(full.try_clone().expect("a second handle"))
            .output()
            .expect("the skops-rs binary runs");
        let stderr = String::from_utf8(output.stderr).expect("stderr is UTF-8");
        assert_eq!(output.status.code(), Some(2), "{args:?}: {stderr}");
        assert!(
            stderr.starts_with("error: cannot write the output: "),
            "{args:?}: {stderr}"
        );
    }
}

/// Without a command, clap prints the help on stderr, as a usage error.
#[test]
fn no_command_is_a_usage_error() {
    let run = skops_rs(Vec::<&str>::new());
    assert_eq!(run.code, 2);
    assert!(run.stdout.is_empty());
    assert!(run.stderr.contains("Usage: skops-rs"), "{}", run.stderr);
}

#[test]
fn help_texts() {
    for (name, args) in [
        ("help", vec!["--help"]),
        ("help_inspect", vec!["inspect", "--help"]),
        ("help_audit", vec!["audit", "--help"]),
        ("help_hub_serve", vec!["hub", "serve", "--help"]),
    ] {
        let run = skops_rs(&args);
        assert_eq!(run.code, 0, "{name}");
        assert_snapshot!(name, run.transcript());
    }
}
