//! `skops-rs card`: snapshots of `show`, `check` (match and mismatch), `new` and the errors, on
//! committed inputs (`tests/data/card/`, and a `.skops` file of `skops-format`'s tests), and an
//! end-to-end run `new` -> `set` -> `check` that checks `set` changes only its section's bytes.
//! Cards written by a test go to a temporary folder, redacted as `[tmp]` in snapshots; the
//! SHA-256 of the model is checked against `skops-format` and redacted as `[sha256]`.

use std::path::Path;

use insta::assert_snapshot;

use crate::common::{Run, sha256, skops_rs, workspace};

/// A model file skops 0.16 wrote (a scaler and a decision tree).
const MODEL: &str = "crates/skops-format/tests/data/visualize/pipeline_tree.skops";
/// The committed cards.
const CARDS: &str = "crates/skops-cli/tests/data/card";

/// The transcript of a run, with `tmp` shown as `[tmp]` and the model's SHA-256 as `[sha256]`.
fn redacted(run: &Run, tmp: Option<&Path>) -> String {
    let mut text = run.transcript().replace(&sha256(MODEL), "[sha256]");
    if let Some(tmp) = tmp {
        text = text.replace(tmp.to_str().expect("UTF-8 temporary path"), "[tmp]");
    }
    text
}

fn card(name: &str) -> String {
    format!("{CARDS}/{name}")
}

#[test]
fn card_show_lists_metadata_and_sections_escaped() {
    let run = skops_rs(["card", "show", &card("README.md")]);
    assert_eq!(run.code, 0, "{}", run.transcript());
    assert!(
        !run.stdout.contains('\u{1b}'),
        "the hostile title is escaped"
    );
    assert_snapshot!(run.transcript());
}

#[test]
fn card_check_lists_each_mismatch() {
    let run = skops_rs(["card", "check", &card("README.md"), MODEL]);
    assert_eq!(run.code, 1, "{}", run.transcript());
    assert!(
        run.stdout.contains(&sha256(MODEL)),
        "names the file's SHA-256"
    );
    assert_snapshot!(redacted(&run, None));
}

#[test]
fn card_new_then_check_matches() {
    let tmp = tempfile::tempdir().expect("temporary folder");
    let output = tmp.path().join("README.md");
    let output = output.to_str().expect("UTF-8 path");
    let new = skops_rs(["card", "new", MODEL, "-o", output]);
    assert_eq!(new.code, 0, "{}", new.transcript());
    assert_snapshot!("card_new", redacted(&new, Some(tmp.path())));
    let check = skops_rs(["card", "check", output, MODEL]);
    assert_eq!(check.code, 0, "{}", check.transcript());
    assert_snapshot!("card_check_match", redacted(&check, Some(tmp.path())));
    let show = skops_rs(["card", "show", output]);
    assert_eq!(show.code, 0, "{}", show.transcript());
    assert_snapshot!("card_show_new", redacted(&show, Some(tmp.path())));
    // The card is skops' template with the model's hyperparameters.
    let text = std::fs::read_to_string(output).expect("card written");
    assert!(text.contains("### Hyperparameters"), "{text}");
    assert!(text.contains("| transform_input |"), "{text}");
}

/// `new`, `set` twice (text, then a file), `check`: each `set` changes only its section's bytes.
#[test]
fn card_set_changes_only_that_section() {
    let tmp = tempfile::tempdir().expect("temporary folder");
    let path = tmp.path().join("README.md");
    let output = path.to_str().expect("UTF-8 path");
    assert_eq!(skops_rs(["card", "new", MODEL, "-o", output]).code, 0);

    let heading = "## Intended uses & limitations\n";
    let before = std::fs::read_to_string(&path).expect("card written");
    let set = skops_rs([
        "card",
        "set",
        output,
        "Model description/Intended uses & limitations",
        "--text",
        "For tests only.\n\nNot for production.",
    ]);
    assert_eq!(set.code, 0, "{}", set.transcript());
    assert_snapshot!("card_set", redacted(&set, Some(tmp.path())));
    let after = std::fs::read_to_string(&path).expect("card rewritten");
    assert_only_section_changed(
        &before,
        &after,
        heading,
        "For tests only.\n\nNot for production.",
    );

    // From a file, into a section that does not exist yet: added at the end.
    let text_file = tmp.path().join("contact.md");
    std::fs::write(&text_file, "Write to *models@example.com*.\n").expect("text file written");
    let before = after;
    let set = skops_rs([
        "card",
        "set",
        output,
        "Support",
        "--file",
        text_file.to_str().expect("UTF-8 path"),
    ]);
    assert_eq!(set.code, 0, "{}", set.transcript());
    assert!(
        set.stdout.ends_with("added section `Support`\n"),
        "{}",
        set.stdout
    );
    let after = std::fs::read_to_string(&path).expect("card rewritten");
    assert!(after.starts_with(&before), "the rest of the card is kept");
    assert!(
        after.ends_with("# Support\n\nWrite to *models@example.com*.\n"),
        "{after}"
    );

    // The metadata is untouched: the card still describes the model.
    let check = skops_rs(["card", "check", output, MODEL]);
    assert_eq!(check.code, 0, "{}", check.transcript());
}

/// `after` equals `before` except for the content of the section under `heading` (up to the
/// next heading), which is now `text`.
fn assert_only_section_changed(before: &str, after: &str, heading: &str, text: &str) {
    let start = before.find(heading).expect("the section's heading") + heading.len();
    let end = before[start..]
        .find("\n#")
        .map_or(before.len(), |offset| start + offset);
    let tail = &before[end..];
    assert_eq!(
        &after[..start],
        &before[..start],
        "bytes before the section"
    );
    assert!(after.ends_with(tail), "bytes after the section");
    let content = &after[start..after.len() - tail.len()];
    assert_eq!(content.trim(), text, "the section's new content");
    assert_ne!(before, after);
}

#[test]
fn card_errors_name_the_problem() {
    let tmp = tempfile::tempdir().expect("temporary folder");
    let committed = card("README.md");
    let bad_front_matter = card("bad_front_matter.md");
    let not_utf8 = card("not_utf8.md");
    for (name, args) in [
        (
            "card_error_front_matter",
            vec!["card", "show", &bad_front_matter],
        ),
        ("card_error_not_utf8", vec!["card", "show", &not_utf8]),
        (
            "card_error_missing",
            vec!["card", "show", "no/such/README.md"],
        ),
        (
            "card_error_invalid_model",
            vec![
                "card",
                "check",
                &committed,
                "testdata/malicious/npy_bad_magic.skops",
            ],
        ),
        (
            "card_error_empty_section_name",
            vec![
                "card",
                "set",
                &committed,
                "Model description//Uses",
                "--text",
                "x",
            ],
        ),
        (
            "card_error_set_text_not_utf8",
            vec![
                "card",
                "set",
                &committed,
                "Model description",
                "--file",
                &not_utf8,
            ],
        ),
        (
            "card_error_output_exists",
            vec!["card", "new", MODEL, "-o", &committed],
        ),
        (
            "card_error_text_and_file",
            vec!["card", "set", &committed, "A", "--text", "x", "--file", "y"],
        ),
    ] {
        let committed_path = workspace().join(&committed);
        let before = std::fs::read(&committed_path).expect("committed card");
        let run = skops_rs(&args);
        assert_eq!(run.code, 2, "{name}: exit code\n{}", run.transcript());
        assert!(run.stdout.is_empty(), "{name}: nothing on stdout");
        assert!(run.stderr.starts_with("error:"), "{name}: {}", run.stderr);
        assert_eq!(
            std::fs::read(&committed_path).expect("committed card"),
            before,
            "{name}: a failed command leaves the card untouched"
        );
        assert_snapshot!(name, redacted(&run, Some(tmp.path())));
    }
}

#[test]
fn card_help_texts() {
    for (name, args) in [
        ("help_card", vec!["card", "--help"]),
        ("help_card_set", vec!["card", "set", "--help"]),
    ] {
        let run = skops_rs(&args);
        assert_eq!(run.code, 0, "{name}");
        assert_snapshot!(name, run.transcript());
    }
}

/// `card set` on a card with CR-only, CRLF or mixed line endings: written once, the rest of
/// the card kept byte for byte (a CR-only card was once written twice, the whole card taken
/// for its first heading line).
#[test]
fn card_set_writes_a_card_of_any_line_ending_once() {
    let tmp = tempfile::tempdir().expect("temporary folder");
    let lines = [
        "---",
        "license: mit",
        "---",
        "# A",
        "",
        "old",
        "",
        "## B",
        "keep",
        "",
    ];
    let mixed: String = lines
        .iter()
        .enumerate()
        .map(|(i, line)| format!("{line}{}", ["\n", "\r\n", "\r"][i % 3]))
        .collect();
    for (name, text) in [
        ("CR", lines.join("\r") + "\r"),
        ("CRLF", lines.join("\r\n") + "\r\n"),
        ("mixed", mixed),
    ] {
        let path = tmp.path().join(format!("{name}.md"));
        std::fs::write(&path, &text).expect("card written");
        let run = skops_rs([
            "card",
            "set",
            path.to_str().expect("UTF-8 path"),
            "A",
            "--text",
            "NEW",
        ]);
        assert_eq!(run.code, 0, "{name}: {}", run.transcript());
        let after = std::fs::read_to_string(&path).expect("card rewritten");
        assert_eq!(after, text.replacen("old", "NEW", 1), "{name}");
        let card = skops_card::parse(&after).expect("parses again");
        assert_eq!(card.toc(), "- A\n  - B", "{name}");
        assert_eq!(card.metadata().license(), Some("mit"), "{name}");
    }
}

/// A card path that is a symbolic link (to any file), a FIFO, a device or a directory is
/// refused (exit 2) before anything is read or written; so is a crafted card whose YAML
/// aliases expand past the metadata budget.
#[test]
fn card_refuses_links_special_files_and_alias_bombs() {
    let tmp = tempfile::tempdir().expect("temporary folder");
    let target = tmp.path().join("secret.md");
    std::fs::write(&target, "# Secret\n").expect("file written");
    let link = tmp.path().join("README.md");
    std::os::unix::fs::symlink(&target, &link).expect("link made");
    let fifo = tmp.path().join("fifo.md");
    let made_fifo = std::process::Command::new("mkfifo")
        .arg(&fifo)
        .status()
        .is_ok_and(|status| status.success());
    let bomb = tmp.path().join("bomb.md");
    let mut yaml = format!("a: &a {}\n", "x".repeat(10_000));
    for (previous, name) in ["a", "b", "c"].iter().zip(["b", "c", "d"]) {
        let items = vec![format!("*{previous}"); 100].join(", ");
        yaml.push_str(&format!("{name}: &{name} [{items}]\n"));
    }
    std::fs::write(&bomb, format!("---\n{yaml}---\n# T\n")).expect("card written");

    let path = |p: &Path| p.to_str().expect("UTF-8 path").to_owned();
    let mut cases = vec![
        (path(&link), "is a symbolic link, not a regular file"),
        ("/dev/zero".to_owned(), "is a device, not a regular file"),
        (path(tmp.path()), "is a directory, not a regular file"),
        (
            path(&bomb),
            "metadata size as written out (aliases expanded)",
        ),
    ];
    if made_fifo {
        cases.push((path(&fifo), "is a FIFO, not a regular file"));
    }
    for (card, message) in cases {
        for args in [
            vec!["card", "show", &card],
            vec!["card", "set", &card, "A", "--text", "x"],
        ] {
            let run = skops_rs(&args);
            assert_eq!(run.code, 2, "{args:?}: {}", run.transcript());
            assert!(run.stderr.contains(message), "{args:?}: {}", run.stderr);
        }
    }
    assert_eq!(
        std::fs::read_to_string(&target).expect("target kept"),
        "# Secret\n"
    );
    assert!(link.is_symlink(), "the link is not replaced");
    let run = skops_rs(["card", "show", &path(&link)]);
    assert_snapshot!("card_error_symlink", redacted(&run, Some(tmp.path())));
}
