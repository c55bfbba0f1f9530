//! Times parsing and rendering of large and hostile cards (many keys, many headings, alias
//! bombs), to check that both stay linear in the size of the card.
//!
//! Run with `cargo run --release -p skops-card --example card_timing`; the numbers are in
//! `docs/cards.md` ("Limits and bad input").
#![allow(clippy::print_stdout, clippy::unwrap_used)]

use std::time::Instant;

fn main() {
    let keys = |n: usize| -> String {
        let yaml: String = (0..n).map(|i| format!("k{i}: {i}\n")).collect();
        format!("---\n{yaml}---\n# T\n")
    };
    let headings =
        |n: usize, line: &dyn Fn(usize) -> String| -> String { (0..n).map(line).collect() };
    let mut alias_bomb = format!("---\na: &a {}\n", "x".repeat(10_000));
    for (previous, name) in ["a", "b", "c"].iter().zip(["b", "c", "d"]) {
        let items = vec![format!("*{previous}"); 100].join(", ");
        alias_bomb.push_str(&format!("{name}: &{name} [{items}]\n"));
    }
    alias_bomb.push_str("---\n# T\n");

    let cards: Vec<(&str, String)> = vec![
        ("10k metadata keys", keys(10_000)),
        ("100k metadata keys", keys(100_000)),
        ("50k headings `# A` (duplicates)", "# A\n".repeat(50_000)),
        ("50k empty headings `#`", "#\n".repeat(50_000)),
        (
            "50k distinct headings",
            headings(50_000, &|i| format!("# A{i}\n")),
        ),
        (
            "50k duplicate subheadings",
            format!("# top\n{}", "## A\n".repeat(50_000)),
        ),
        ("100k headings (the limit)", "# A\n".repeat(100_000)),
        ("alias bomb (11 KB, refused)", alias_bomb),
    ];
    println!("| card | size | parse | render | render after an edit |");
    println!("|---|---:|---:|---:|---:|");
    for (name, text) in cards {
        let start = Instant::now();
        let parsed = skops_card::parse(&text);
        let parse_time = start.elapsed();
        let Ok(mut card) = parsed else {
            println!(
                "| {name} | {} KB | {parse_time:.2?} (refused) | | |",
                text.len() / 1024
            );
            continue;
        };
        let start = Instant::now();
        let rendered = card.render();
        let render_time = start.elapsed();
        assert_eq!(rendered, text);
        if card.metadata().is_empty() {
            skops_card::ops::set_section(&mut card, "Z", "new").unwrap();
        } else {
            card.metadata_mut().set("k0", "changed");
        }
        let start = Instant::now();
        let edited = card.render();
        let edit_time = start.elapsed();
        assert_ne!(edited, text);
        println!(
            "| {name} | {} KB | {parse_time:.2?} | {render_time:.2?} | {edit_time:.2?} |",
            text.len() / 1024
        );
    }
}
