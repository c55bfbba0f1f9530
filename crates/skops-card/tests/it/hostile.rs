//! Hostile cards (issue 9, item 7): each attack that once aborted, hung or duplicated the
//! card, now refused with a specific error or handled in linear time.

use skops_card::limits::{
    MAX_METADATA_BYTES, MAX_METADATA_DEPTH, MAX_METADATA_NODES, MAX_SECTIONS,
};
use skops_card::{Card, Error, Value, parse};

/// The `what` of a [`Error::LimitExceeded`], or a panic naming the result.
fn limit(result: skops_card::Result<Card>) -> &'static str {
    match result {
        Err(Error::LimitExceeded { what, .. }) => what,
        Err(other) => panic!("expected a limit, got {other}"),
        Ok(_) => panic!("expected a limit, the card parsed"),
    }
}

fn card_with_front_matter(yaml: &str) -> String {
    format!("---\n{yaml}---\n# T\n")
}

// ----- metadata budget ---------------------------------------------------------------------

#[test]
fn aliases_to_a_large_scalar_are_charged_at_full_size() {
    // 11 KB of YAML; each `*a` is 10 KB, each `*b` 1 MB, `d` would be 10 GB.
    let big = "x".repeat(10_000);
    let many = |name: &str| vec![format!("*{name}"); 100].join(", ");
    let yaml = format!(
        "a: &a {big}\nb: &b [{}]\nc: &c [{}]\nd: [{}]\n",
        many("a"),
        many("b"),
        many("c")
    );
    assert!(yaml.len() < 12_000);
    let what = limit(parse(&card_with_front_matter(&yaml)));
    assert!(what.starts_with("metadata size"), "{what}");
}

#[test]
fn alias_built_nesting_is_charged_with_its_indentation() {
    // A chain of 120 one-key mappings, each aliasing the previous, then 3800 aliases of the
    // deepest: under a million nodes, but written out indented by depth it is 64 MB.
    let mut yaml = String::from("l0: &l0 {k: x}\n");
    for i in 1..120 {
        yaml.push_str(&format!("l{i}: &l{i} {{k: *l{}}}\n", i - 1));
    }
    yaml.push_str(&format!("z: [{}]\n", vec!["*l119"; 3800].join(", ")));
    assert!(yaml.len() < 40_000);
    let what = limit(parse(&card_with_front_matter(&yaml)));
    assert!(what.starts_with("metadata size"), "{what}");
}

#[test]
fn aliases_count_at_the_depth_they_land_at() {
    // Each collection nests 100 deep; the alias puts one inside the other: 200 levels,
    // which the writer could not write back within the depth parsing accepts.
    let deep = |inner: &str| format!("{}{inner}{}", "[".repeat(100), "]".repeat(100));
    let yaml = format!("a: &a {}\nb: {}\n", deep("x"), deep("*a"));
    let what = limit(parse(&card_with_front_matter(&yaml)));
    assert_eq!(what, "metadata nesting depth");
    // The same depth without the alias is refused alike.
    let depth = MAX_METADATA_DEPTH as usize;
    let yaml = format!("b: {}x{}\n", "[".repeat(depth), "]".repeat(depth));
    let error = parse(&card_with_front_matter(&yaml)).unwrap_err();
    assert!(
        matches!(
            error,
            Error::LimitExceeded { .. } | Error::FrontMatterSyntax { .. }
        ),
        "{error}"
    );
}

#[test]
fn metadata_at_the_depth_limit_is_read_and_written_back() {
    // The top-level mapping is level 1: a value with MAX - 1 levels of lists fits exactly.
    let levels = MAX_METADATA_DEPTH as usize - 1;
    let yaml = format!("a: {}x{}\n", "[".repeat(levels), "]".repeat(levels));
    let text = card_with_front_matter(&yaml);
    let mut card = parse(&text).unwrap();
    card.metadata().check_limits().unwrap();
    // Changed, it is written in block style, which parses back to the same value.
    card.metadata_mut().set("b", 1);
    let again = parse(&card.render()).unwrap();
    assert_eq!(again.metadata(), card.metadata());
    // One more level is refused by parsing and by the check before writing.
    let mut deeper = card.metadata().get("a").unwrap().clone();
    deeper = Value::List(vec![deeper]);
    card.metadata_mut().set("a", deeper);
    assert!(card.metadata().check_limits().is_err());
    assert!(parse(&format!("---\n{}---\n", card.metadata().to_yaml())).is_err());
    let dir = tempfile::tempdir().unwrap();
    assert!(matches!(
        card.save(&dir.path().join("README.md"), false),
        Err(Error::LimitExceeded { .. })
    ));
}

#[test]
fn nested_anchors_are_charged_for_the_copies_kept() {
    // 100 anchors, each around the next, around one 100 KB scalar: the metadata is 100 KB,
    // but keeping a copy of every anchored value for its aliases would hold 10 MB.
    let scalar = "x".repeat(100_000);
    let yaml = format!(
        "a: {}{scalar}{}\n",
        (0..100).map(|i| format!("&a{i} [")).collect::<String>(),
        "]".repeat(100)
    );
    let what = limit(parse(&card_with_front_matter(&yaml)));
    assert!(what.starts_with("metadata size"), "{what}");
}

#[test]
fn billion_laughs_stop_at_the_node_budget() {
    let mut yaml = String::from("a: &a [0, 0, 0, 0, 0, 0, 0, 0, 0, 0]\n");
    for (previous, name) in ('a'..='j').zip('b'..='k') {
        let items = vec![format!("*{previous}"); 10].join(", ");
        yaml.push_str(&format!("{name}: &{name} [{items}]\n"));
    }
    let what = limit(parse(&card_with_front_matter(&yaml)));
    assert!(
        what.starts_with("metadata node count") || what.starts_with("metadata size"),
        "{what}"
    );
    // Many small nodes with no alias stop at the node count.
    let yaml = format!(
        "a: [{}]\n",
        vec!["0"; MAX_METADATA_NODES as usize].join(",")
    );
    assert!(yaml.len() as u64 <= MAX_METADATA_BYTES);
    let what = limit(parse(&card_with_front_matter(&yaml)));
    assert!(what.starts_with("metadata node count"), "{what}");
}

// ----- linear time -------------------------------------------------------------------------

#[test]
fn a_hundred_thousand_keys_parse_and_render() {
    let n = 100_000;
    let yaml: String = (0..n).map(|i| format!("k{i}: {i}\n")).collect();
    let text = card_with_front_matter(&yaml);
    let mut card = parse(&text).unwrap();
    assert_eq!(card.metadata().len(), n);
    assert_eq!(card.render(), text);
    // One key changed: only its line changes, every other key is looked up and kept.
    card.metadata_mut().set("k50000", "changed");
    let rendered = card.render();
    assert_eq!(rendered.len(), text.len() + "changed".len() - "50000".len());
    assert!(rendered.contains("\nk50000: changed\nk50001: 50001\n"));
    // Repeated keys keep their first position and take the last value.
    let repeated: String = (0..n).map(|i| format!("k{}: {i}\n", i % 10)).collect();
    let card = parse(&card_with_front_matter(&repeated)).unwrap();
    assert_eq!(card.metadata().len(), 10);
    assert_eq!(card.metadata().get("k0"), Some(&Value::Int(n as i64 - 10)));
}

/// Parses `text` (one heading per line) and checks it renders back and has `n` sections in
/// `parent` (or at the top).
fn many_headings(text: &str, parent: Option<&str>, n: usize) -> Card {
    let card = parse(text).unwrap();
    assert_eq!(card.render(), text);
    let siblings = match parent {
        Some(key) => &card.select(key).unwrap().subsections,
        None => &card.sections,
    };
    assert_eq!(siblings.len(), n);
    card
}

#[test]
fn fifty_thousand_headings_parse_and_render() {
    let n = 50_000;
    let card = many_headings(&"# A\n".repeat(n), None, n);
    assert_eq!(card.sections[n - 1].key, format!("A ({n})"));
    assert_eq!(card.sections[n - 1].title, "A");
    let card = many_headings(&"#\n".repeat(n), None, n);
    assert_eq!(card.sections[1].key, " (2)");
    let distinct: String = (0..n).map(|i| format!("# A{i}\n")).collect();
    many_headings(&distinct, None, n);
    let nested = format!("# top\n{}", "## A\n".repeat(n));
    let card = many_headings(&nested, Some("top"), n);
    assert!(card.select(&format!("top/A ({n})")).is_ok());
    // A title that looks like a generated key takes its own key; the duplicate skips it.
    let card = parse("# A\n# A (2)\n# A\n# A\n").unwrap();
    let keys: Vec<&str> = card.sections.iter().map(|s| s.key.as_str()).collect();
    assert_eq!(keys, ["A", "A (2)", "A (3)", "A (4)"]);
    // Past the section limit, a clear error.
    let what = limit(parse(&"#\n".repeat(MAX_SECTIONS as usize + 1)));
    assert_eq!(what, "section count");
}

// ----- line endings ------------------------------------------------------------------------

/// The same card in each line-ending convention (and mixed).
fn conventions() -> Vec<(&'static str, String)> {
    let lines = [
        "---",
        "license: mit",
        "tags:",
        "- a",
        "---",
        "intro",
        "",
        "# A",
        "",
        "text",
        "",
        "Setext",
        "======",
        "",
        "## B",
        "more",
        "",
        "```",
        "# not a heading",
        "```",
        "",
    ];
    let with = |eol: &str| lines.join(eol) + eol;
    let mixed: String = lines
        .iter()
        .enumerate()
        .map(|(i, line)| format!("{line}{}", ["\n", "\r\n", "\r"][i % 3]))
        .collect();
    vec![
        ("LF", with("\n")),
        ("CRLF", with("\r\n")),
        ("CR", with("\r")),
        ("mixed", mixed),
    ]
}

#[test]
fn every_line_ending_convention_round_trips() {
    for (name, text) in conventions() {
        let card = parse(&text).unwrap();
        assert_eq!(card.render(), text, "{name}");
        assert_eq!(card.toc(), "- A\n- Setext\n  - B", "{name}");
        assert_eq!(card.metadata().license(), Some("mit"), "{name}");
        assert_eq!(card.select("A").unwrap().content, "text", "{name}");
        // Without the final line ending too.
        let cut = text.trim_end_matches(['\r', '\n']);
        assert_eq!(parse(cut).unwrap().render(), cut, "{name}");
    }
}

#[test]
fn editing_a_card_of_any_convention_writes_it_once() {
    for (name, text) in conventions() {
        let mut card = parse(&text).unwrap();
        skops_card::ops::set_section(&mut card, "A", "NEW").unwrap();
        skops_card::ops::set_section(&mut card, "C", "added").unwrap();
        card.metadata_mut().set("license", "apache-2.0");
        let rendered = card.render();
        for once in ["NEW", "intro", "# not a heading", "more", "tags"] {
            assert_eq!(rendered.matches(once).count(), 1, "{name}: {rendered:?}");
        }
        let again = parse(&rendered).unwrap();
        assert_eq!(
            again.toc(),
            "- A\n- Setext\n  - B\n- C",
            "{name}: {rendered:?}"
        );
        assert_eq!(again.select("A").unwrap().content, "NEW", "{name}");
        assert_eq!(again.select("C").unwrap().content, "added", "{name}");
        assert_eq!(again.metadata().license(), Some("apache-2.0"), "{name}");
        // Rendering the re-parsed card changes nothing more.
        assert_eq!(again.render(), rendered, "{name}");
        // Emptied, then filled again.
        let mut card = parse(&text).unwrap();
        skops_card::ops::set_section(&mut card, "A", "").unwrap();
        let emptied = parse(&card.render()).unwrap();
        assert_eq!(emptied.select("A").unwrap().content, "", "{name}");
        assert_eq!(emptied.toc(), "- A\n- Setext\n  - B", "{name}");
        let mut card = emptied;
        skops_card::ops::set_section(&mut card, "A", "back").unwrap();
        let refilled = parse(&card.render()).unwrap();
        assert_eq!(refilled.select("A").unwrap().content, "back", "{name}");
        assert_eq!(
            refilled
                .select("Setext/B")
                .unwrap()
                .content
                .matches("more")
                .count(),
            1
        );
    }
}

#[test]
fn a_setext_title_over_lines_of_any_convention_is_one_line() {
    let card = parse("Two\rlines\r===\r").unwrap();
    assert_eq!(card.sections[0].title, "Two lines");
}

// ----- section names -----------------------------------------------------------------------

#[test]
fn a_section_name_with_a_line_break_is_refused() {
    let mut card = Card::new();
    for key in ["A\n# B\n## C", "A/B\rC", "Parent/x\r\ny"] {
        assert!(
            matches!(
                card.add(key, "text", false),
                Err(Error::InvalidSectionName { .. })
            ),
            "{key:?}"
        );
    }
    // `add_table` titles the section with the whole key.
    let table = skops_card::Table::from_columns([("a", vec!["1"])]).unwrap();
    assert!(matches!(
        card.add_table("A\n## B", table, None, false),
        Err(Error::InvalidSectionName { .. })
    ));
    let section = skops_card::Section::text("A\nB", "x");
    assert!(matches!(
        card.add_section("A", section),
        Err(Error::InvalidSectionName { .. })
    ));
    assert!(card.sections.is_empty());
    // Whitespace around a part is stripped as in skops, line breaks included.
    card.add("\nA\n/ B ", "text", false).unwrap();
    assert_eq!(card.render(), "\n# A\n\n## B\n\ntext\n");
}
