//! Snapshots of rendered cards (the exact text skops 0.16 produces for the same calls is
//! checked by the Python parity tests; these pin the Rust side).

use skops_card::template::{HYPERPARAMETERS_SECTION, METRICS_SECTION};
use skops_card::{Card, Table, Value};

#[test]
fn skops_template_with_tables_and_plot() {
    let mut card = Card::with_skops_template();
    let params = vec![
        ("C".to_owned(), "1.0".to_owned()),
        ("penalty".to_owned(), "l2".to_owned()),
    ];
    card.add_hyperparams(HYPERPARAMETERS_SECTION, None, &params)
        .unwrap();
    card.add_metrics(
        METRICS_SECTION,
        None,
        [("accuracy".to_owned(), "0.9".to_owned())],
    )
    .unwrap();
    card.add_plots(
        [("Model description/Confusion matrix", "cm.png")],
        None,
        None,
        false,
    )
    .unwrap();
    let table =
        Table::from_columns([("split", ["train", "test"]), ("score", ["1", "0.5"])]).unwrap();
    card.add_table("Results/CV", table, Some("Cross validation"), true)
        .unwrap();
    insta::assert_snapshot!(card.render());
}

#[test]
fn card_with_metadata() {
    let mut card = Card::new();
    card.metadata_mut().set("library_name", "sklearn");
    card.metadata_mut().add_tag("skops");
    card.metadata_mut().set("license", Value::from("mit"));
    card.add("Intro", "Hello", false).unwrap();
    insta::assert_snapshot!(card.render(), @r"
    ---
    library_name: sklearn
    tags:
    - skops
    license: mit
    ---

    # Intro

    Hello
    ");
}

#[test]
fn show_summary_of_a_parsed_card() {
    let text = "---\nlicense: mit\ntags:\n- sklearn\n---\n# Model\n\nText.\n\n## Usage\n\nCode.\n\n# Contact\n";
    let card = skops_card::parse(text).unwrap();
    insta::assert_snapshot!(skops_card::ops::show(&card), @r"
    metadata:
      license: mit
      tags:
      - sklearn
    sections:
      - Model
        - Usage
      - Contact
    ");
}

#[test]
fn parsed_card_with_an_added_section_and_changed_metadata() {
    let text = "---\nlicense: mit # keep this comment\ntags:\n- sklearn\n---\nIntro line.\n\n# Model\n\nText.\n\n# Contact\nme@example.com\n";
    let mut card = skops_card::parse(text).unwrap();
    card.add("Model/Evaluation", "Accuracy 0.9.", false)
        .unwrap();
    card.metadata_mut().add_tag("skops");
    insta::assert_snapshot!(card.render(), @r"
    ---
    license: mit # keep this comment
    tags:
    - sklearn
    - skops
    ---
    Intro line.

    # Model

    Text.

    ## Evaluation

    Accuracy 0.9.

    # Contact
    me@example.com
    ");
}
