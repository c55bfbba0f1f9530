//! The kinds of the card errors no Python test sees by name (Python raises most of them as
//! skops' own builtin exceptions): each raised by the API call that raises it, and named by
//! its kind, the vocabulary `docs/errors.md` lists and `test_error_kinds.py` checks.

use skops_card::metadata::from_config;
use skops_card::{Card, Section};

fn kind<T: std::fmt::Debug>(result: skops_card::Result<T>) -> &'static str {
    result.expect_err("the call must fail").kind()
}

#[test]
fn an_empty_section_path_is_empty_section_name() {
    let mut card = Card::with_skops_template();
    assert_eq!(kind(card.select("")), "empty-section-name");
    assert_eq!(
        kind(card.select("Model description//x")),
        "empty-section-name"
    );
    assert_eq!(kind(card.delete("")), "empty-section-name");
    assert_eq!(kind(card.select_mut("a/")), "empty-section-name");
    assert_eq!(kind(card.select("Nowhere")), "section-not-found");
}

#[test]
fn overwriting_a_section_with_other_subsections_is_conflicting_subsections() {
    let mut card = Card::new();
    card.add("A/B", "b", false).unwrap();
    let with_subsection = |title: &str, content: &str| {
        let mut section = Section::text("A", "a");
        section.subsections = vec![Section::text(title, content)];
        section
    };
    assert_eq!(
        kind(card.add_section("A", with_subsection("C", "c"))),
        "conflicting-subsections"
    );
    // The same subsections are no conflict.
    card.add_section("A", with_subsection("B", "b")).unwrap();
}

#[test]
fn a_plot_without_a_path_is_missing_plot_path() {
    assert_eq!(kind(Section::plot("P", "", "", "")), "missing-plot-path");
    let mut card = Card::new();
    assert_eq!(
        kind(card.add_plots([("P", "")], None, None, false)),
        "missing-plot-path"
    );
}

#[test]
fn a_config_json_without_its_sklearn_object_is_invalid_config() {
    assert_eq!(kind(from_config("{not json")), "invalid-config");
    assert_eq!(kind(from_config("{\"task\": 1}")), "invalid-config");
}

#[test]
fn saving_with_a_plot_file_that_does_not_exist_is_plot_file_missing() {
    let dir = tempfile::tempdir().unwrap();
    let missing = dir.path().join("missing.png");
    let mut card = Card::new();
    card.add_plots([("P", missing.display().to_string())], None, None, false)
        .unwrap();
    let readme = dir.path().join("out").join("README.md");
    std::fs::create_dir(readme.parent().unwrap()).unwrap();
    assert_eq!(kind(card.save(&readme, true)), "plot-file-missing");
    assert!(!readme.exists());
    // Without copying, the card is written as it is.
    card.save(&readme, false).unwrap();
}

#[test]
fn a_template_other_than_skops_is_unknown_template() {
    assert_eq!(kind(Card::with_template(Some("nope"))), "unknown-template");
    assert_eq!(
        Card::with_template(Some("skops")).unwrap().render(),
        Card::with_skops_template().render()
    );
    assert!(
        Card::with_template(None)
            .unwrap()
            .iter_sections()
            .is_empty()
    );
}

#[test]
fn a_card_file_that_is_not_utf8_is_not_utf8() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("README.md");
    std::fs::write(&path, b"# Title\n\xff\n").unwrap();
    assert_eq!(kind(skops_card::parse_file(&path)), "not-utf8");
}

#[test]
fn a_model_file_that_is_not_a_skops_file_is_model_file() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("model.skops");
    std::fs::write(&path, b"not a zip archive").unwrap();
    let error = skops_card::ops::new_card_for_file(&path).unwrap_err();
    assert_eq!(error.kind(), "model-file");
    // The cause keeps the format's own kind.
    let skops_card::Error::ModelFile { source, .. } = error else {
        unreachable!()
    };
    assert_eq!(source.kind(), "zip-not-an-archive");
}
