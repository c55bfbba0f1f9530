//! Fuzz target: arbitrary bytes -> parse as a model card -> render -> parse again. Must never
//! panic, hang or allocate past the limits; any `Err` from the first parse is a correct
//! answer. Asserts, for every card that parses:
//! - rendered unchanged, it is the input, byte for byte (any line endings);
//! - edited (one section's content replaced, or the section hidden or deleted, and one
//!   metadata key set to a piece of the input, which exercises the YAML writer's quoting), it
//!   renders to a card that parses again, to the same visible headings and the same metadata,
//!   and renders the same bytes once more.
#![no_main]

use libfuzzer_sys::fuzz_target;
use skops_card::{Card, Section, Value, parse};

/// Every section's key path, depth first.
fn paths(sections: &[Section], parent: &[String], out: &mut Vec<Vec<String>>) {
    for section in sections {
        let mut path = parent.to_vec();
        path.push(section.key.clone());
        out.push(path.clone());
        paths(&section.subsections, &path, out);
    }
}

/// The headings a card renders: `(depth, title)` for every visible section.
fn headings(card: &Card) -> Vec<(usize, String)> {
    fn walk(sections: &[Section], depth: usize, out: &mut Vec<(usize, String)>) {
        for section in sections.iter().filter(|s| s.visible) {
            out.push((depth, section.title.clone()));
            walk(&section.subsections, depth + 1, out);
        }
    }
    let mut out = Vec::new();
    walk(&card.sections, 0, &mut out);
    out
}

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let Ok(card) = parse(text) else {
        return;
    };
    assert_eq!(
        card.render(),
        text,
        "an unchanged card renders back as it was"
    );

    let mut edited = card.clone();
    let mut all = Vec::new();
    paths(&card.sections, &[], &mut all);
    let pick = data.first().map_or(0, |&b| usize::from(b));
    let action = data.last().map_or(0, |&b| b % 3);
    if let Some((leaf, parents)) = all
        .get(pick % all.len().max(1))
        .and_then(|p| p.split_last())
    {
        let siblings = if parents.is_empty() {
            &mut edited.sections
        } else {
            &mut edited
                .select_parts_mut(parents)
                .expect("a path just listed")
                .subsections
        };
        match action {
            0 => siblings.retain(|s| &s.key != leaf),
            _ => {
                let section = siblings
                    .iter_mut()
                    .find(|s| &s.key == leaf)
                    .expect("a key just listed");
                if action == 1 {
                    section.visible = false;
                } else {
                    section.content = "EDITED".to_owned();
                }
            }
        }
    }
    // A metadata value cut from the input: arbitrary text for the writer to quote.
    let cut = (0..=text.len().min(48))
        .rev()
        .find(|&at| text.is_char_boundary(at))
        .unwrap_or(0);
    edited
        .metadata_mut()
        .set("fuzz", Value::from(text.get(..cut).unwrap_or_default()));
    if edited.metadata().check_limits().is_err() {
        return;
    }
    let rendered = edited.render();
    let again = match parse(&rendered) {
        Ok(again) => again,
        Err(error) => panic!("an edited card parses again: {error}\n{rendered:?}"),
    };
    assert_eq!(again.metadata(), edited.metadata(), "{rendered:?}");
    assert_eq!(headings(&again), headings(&edited), "{rendered:?}");
    assert_eq!(again.render(), rendered, "rendering is stable");
});
