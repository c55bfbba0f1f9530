//! The model cards shipped with skops 0.16 (`skops/card/tests/examples/*.md`, read from the
//! installed package) parse and render back byte for byte, and editing one section changes
//! only that section's bytes.

use std::path::PathBuf;
use std::process::Command;

use skops_card::parse;

/// The examples folder of the skops package installed in the workspace's `.venv`.
fn examples_dir() -> Option<PathBuf> {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..");
    let python = root.join(".venv/bin/python");
    let output = Command::new(python)
        .args([
            "-c",
            "import os, skops; print(os.path.dirname(skops.__file__))",
        ])
        .output()
        .ok()?;
    let package = String::from_utf8(output.stdout).ok()?;
    let dir = PathBuf::from(package.trim()).join("card/tests/examples");
    dir.is_dir().then_some(dir)
}

fn example_cards() -> Vec<(String, String)> {
    let Some(dir) = examples_dir() else {
        assert!(
            std::env::var_os("SKOPS_RS_REQUIRE_FIXTURES").is_none(),
            "skops is not installed in .venv, but SKOPS_RS_REQUIRE_FIXTURES is set"
        );
        return Vec::new();
    };
    let mut cards: Vec<(String, String)> = std::fs::read_dir(dir)
        .unwrap()
        .map(|entry| entry.unwrap().path())
        .filter(|path| path.extension().is_some_and(|e| e == "md"))
        .map(|path| {
            let name = path.file_name().unwrap().to_string_lossy().into_owned();
            (name, std::fs::read_to_string(&path).unwrap())
        })
        .collect();
    cards.sort();
    assert_eq!(cards.len(), 6, "skops 0.16 ships six example cards");
    cards
}

#[test]
fn example_cards_round_trip_byte_identical() {
    for (name, text) in example_cards() {
        let card = parse(&text).unwrap_or_else(|e| panic!("{name}: {e}"));
        assert!(!card.sections.is_empty(), "{name} has sections");
        assert_eq!(card.render(), text, "{name}");
    }
}

#[test]
fn example_cards_keep_their_front_matter() {
    for (name, text) in example_cards() {
        let card = parse(&text).unwrap();
        if text.starts_with("---") {
            assert!(!card.metadata().is_empty(), "{name} has metadata");
        }
    }
}

#[test]
fn editing_one_section_of_an_example_changes_only_that_section() {
    for (name, text) in example_cards() {
        let card = parse(&text).unwrap();
        // Every top-level section and every subsection of the first level.
        let mut keys: Vec<Vec<String>> = Vec::new();
        for section in &card.sections {
            keys.push(vec![section.key.clone()]);
            for sub in &section.subsections {
                keys.push(vec![section.key.clone(), sub.key.clone()]);
            }
        }
        for key in keys {
            let mut edited = card.clone();
            let section = edited.select_parts_mut(&key).unwrap();
            let old = section.content.clone();
            section.content = "EDITED".to_owned();
            let rendered = edited.render();
            let marker = rendered.find("EDITED").expect("edited content is rendered");
            // Everything before the new content and after it is the original text.
            let tail = &rendered[marker + "EDITED".len()..];
            assert!(
                text.starts_with(&rendered[..marker]),
                "{name} {key:?}: prefix changed"
            );
            assert!(text.ends_with(tail), "{name} {key:?}: suffix changed");
            if !old.is_empty() {
                assert_eq!(
                    rendered.len() as isize - text.len() as isize,
                    "EDITED".len() as isize - old.len() as isize,
                    "{name} {key:?}: only the content was replaced"
                );
            }
        }
    }
}
