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
