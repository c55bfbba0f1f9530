//! Property tests: any markdown assembled from heading, code, HTML, list and text lines
//! (LF or CRLF, with or without front matter) renders back byte for byte, and editing a
//! section changes only that section's bytes.

use proptest::prelude::*;
use skops_card::{Card, parse};

/// Lines that exercise the heading rules.
fn line() -> impl Strategy<Value = String> {
    prop_oneof![
        "[a-zA-Z ]{0,12}".prop_map(|t| t),
        (1usize..=7, "[a-zA-Z/ ]{0,10}").prop_map(|(n, t)| format!("{} {t}", "#".repeat(n))),
        "[a-z]{1,8}".prop_map(|t| format!("## {t} ##")),
        Just("===".to_owned()),
        Just("---".to_owned()),
        Just("```".to_owned()),
        Just("~~~python".to_owned()),
        Just("<details>".to_owned()),
        Just("</details>".to_owned()),
        Just("<div>".to_owned()),
        Just("    # indented".to_owned()),
        Just("> # quoted".to_owned()),
        Just("- item".to_owned()),
        Just("1. item".to_owned()),
        Just("| a | b |".to_owned()),
        Just("| :-: | :-: |".to_owned()),
        Just(String::new()),
        Just("   ".to_owned()),
        Just("#no-space".to_owned()),
        Just("\t# tab".to_owned()),
    ]
}

fn document() -> impl Strategy<Value = String> {
    (
        prop::collection::vec(line(), 0..40),
        any::<bool>(),
        any::<bool>(),
        any::<bool>(),
    )
        .prop_map(|(lines, crlf, front_matter, final_newline)| {
            let eol = if crlf { "\r\n" } else { "\n" };
            let mut text = String::new();
            if front_matter {
                text.push_str(&format!(
                    "---{eol}license: mit{eol}tags:{eol}- a{eol}---{eol}"
                ));
            } else {
                // A file opening with `---` has front matter, which must then be YAML (the
                // error for malformed front matter is tested elsewhere).
                text.push_str(&format!("intro{eol}"));
            }
            text.push_str(&lines.join(eol));
            if final_newline {
                text.push_str(eol);
            }
            text
        })
}

/// Every section's path, depth first.
/// Whether `text` ends with `tail`, or with `tail` where one line had up to three more
/// leading spaces (a heading the renderer moved drops them).
fn ends_with_but_an_indent(text: &str, tail: &str) -> bool {
    let line_starts = std::iter::once(0).chain(
        tail.char_indices()
            .filter(|(_, c)| matches!(c, '\n' | '\r'))
            .map(|(at, _)| at + 1),
    );
    text.ends_with(tail)
        || line_starts.into_iter().any(|at| {
            (1..=3).any(|spaces| {
                let (before, after) = tail.split_at(at);
                text.ends_with(&format!("{before}{}{after}", " ".repeat(spaces)))
            })
        })
}

fn all_paths(card: &Card) -> Vec<Vec<String>> {
    fn walk(sections: &[skops_card::Section], parent: &[String], out: &mut Vec<Vec<String>>) {
        for section in sections {
            let mut path = parent.to_vec();
            path.push(section.key.clone());
            out.push(path.clone());
            walk(&section.subsections, &path, out);
        }
    }
    let mut out = Vec::new();
    walk(&card.sections, &[], &mut out);
    out
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn unchanged_cards_render_byte_identical(text in document()) {
        let card = parse(&text).unwrap();
        prop_assert_eq!(card.render(), text);
    }

    #[test]
    fn editing_a_section_changes_only_its_bytes(text in document(), pick in any::<prop::sample::Index>()) {
        let card = parse(&text).unwrap();
        let paths = all_paths(&card);
        prop_assume!(!paths.is_empty());
        let path = pick.get(&paths).clone();
        let mut edited = card.clone();
        edited.select_parts_mut(&path).unwrap().content = "EDITED TEXT".to_owned();
        let rendered = edited.render();
        let at = rendered.find("EDITED TEXT").unwrap();
        let tail = &rendered[at + "EDITED TEXT".len()..];
        // The new content may bring the blank lines that separate it from its heading and
        // the next section, and the next heading loses the (up to three) spaces CommonMark
        // ignores before it; every other byte is the original's.
        prop_assert!(text.starts_with(rendered[..at].trim_end_matches(['\r', '\n'])));
        let tail = tail.trim_start_matches(['\r', '\n']);
        prop_assert!(ends_with_but_an_indent(&text, tail), "{:?}", rendered);
    }

    #[test]
    fn editing_hiding_or_deleting_a_section_keeps_the_other_headings(
        text in document(),
        pick in any::<prop::sample::Index>(),
        action in 0..3u8,
    ) {
        let card = parse(&text).unwrap();
        let paths = all_paths(&card);
        prop_assume!(!paths.is_empty());
        let path = pick.get(&paths).clone();
        let mut edited = card.clone();
        match action {
            0 => edited.select_parts_mut(&path).unwrap().content = "EDITED TEXT".to_owned(),
            1 => edited.select_parts_mut(&path).unwrap().visible = false,
            // Directly: `delete` refuses the empty titles a `# ` heading has.
            _ => {
                let (leaf, parents) = path.split_last().unwrap();
                let siblings = if parents.is_empty() {
                    &mut edited.sections
                } else {
                    &mut edited.select_parts_mut(parents).unwrap().subsections
                };
                siblings.retain(|s| &s.key != leaf);
            }
        }
        // A neighbour that changed must not make a setext heading the last line of the
        // paragraph before it, nor run a heading onto the previous line.
        let rendered = edited.render();
        let again = parse(&rendered).unwrap();
        prop_assert_eq!(again.toc(), edited.toc(), "{:?}", rendered);
    }

    #[test]
    fn any_text_parses_without_panicking_and_round_trips(text in any::<String>()) {
        // Arbitrary text may open with malformed front matter (an error); anything that
        // parses renders back unchanged.
        if let Ok(card) = parse(&text) {
            prop_assert_eq!(card.render(), text);
        }
    }

    #[test]
    fn any_front_matter_parses_or_fails_cleanly(yaml in "[-a-z:\\[\\]{}&*!|>'\" \n#,?]{0,60}") {
        let text = format!("---\n{yaml}\n---\n# A\n");
        if let Ok(card) = parse(&text) {
            prop_assert_eq!(card.render(), text);
        }
    }

    #[test]
    fn parsing_a_rendered_card_gives_back_its_tree(text in document()) {
        let card = parse(&text).unwrap();
        let again = parse(&card.render()).unwrap();
        prop_assert_eq!(card.toc(), again.toc());
    }
}

#[test]
fn a_setext_heading_after_a_changed_neighbour_stays_a_heading() {
    let text = "# A\n```\nc\n```\nB\n---\nb\n";
    let mut card = parse(text).unwrap();
    card.select_mut("A").unwrap().content = "NEW".to_owned();
    assert_eq!(card.render(), "# A\nNEW\n\nB\n---\nb\n");
    let text = "# A\ntext\n# X\n```\nc\n```\nB\n===\nb\n";
    for hide in [false, true] {
        let mut card = parse(text).unwrap();
        if hide {
            card.select_mut("X").unwrap().visible = false;
        } else {
            card.delete("X").unwrap();
        }
        assert_eq!(card.render(), "# A\ntext\n\nB\n===\nb\n");
        assert_eq!(parse(&card.render()).unwrap().toc(), "- A\n- B");
    }
    // A heading after a last line that had no line break starts its own line.
    let mut card = parse("# A\n# B\nb").unwrap();
    card.sections.swap(0, 1);
    assert_eq!(card.render(), "# B\nb\n# A\n");
}

#[test]
fn an_indented_heading_after_a_list_is_not_taken_into_the_list() {
    // Found by the property test above: once the empty `# ` section goes, `  A` would follow
    // `- item` and continue it (the list item's content starts at column 2), so `A` / `===`
    // was no heading any more. Moved, the heading loses the indentation CommonMark ignores.
    for (list, heading) in [("- item", "  A\n===\n"), ("1. item", "   A\n===\n")] {
        let text = format!("intro\n{list}\n# \n{heading}a\n");
        let mut card = parse(&text).unwrap();
        assert_eq!(card.toc(), "- \n- A");
        card.sections.retain(|section| !section.title.is_empty());
        let rendered = card.render();
        let underline = heading.trim_start().split_once('\n').unwrap().1;
        assert_eq!(rendered, format!("intro\n{list}\n\nA\n{underline}a\n"));
        assert_eq!(parse(&rendered).unwrap().toc(), "- A");
    }
}

#[test]
fn a_skops_card_parsed_and_edited_renders_like_skops() {
    // Built in code (what skops would render) vs. the same card rendered, parsed and edited.
    let mut built = Card::with_skops_template();
    let mut parsed = parse(&built.render()).unwrap();
    for card in [&mut built, &mut parsed] {
        card.add("Model description", "A model.", false).unwrap();
        card.add("Model description/New part", "new", false)
            .unwrap();
        card.add("Appendix", "", false).unwrap();
        card.add("Model description/Evaluation Results", "", false)
            .unwrap();
        card.delete("Model Card Contact").unwrap();
    }
    assert_eq!(parsed.render(), built.render());
}
