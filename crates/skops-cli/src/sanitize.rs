//! Escapes text read from a file before it reaches a terminal.
//!
//! Type names, dict keys, JSON content, member names and error messages all come from the file
//! being inspected, which may be hostile. Printed raw, a control character or an ANSI escape
//! sequence could rewrite the terminal (hide an `[UNSAFE]` tag, move the cursor, set the window
//! title), and a bidirectional override could make `evil.Type` read as something else. Every
//! such character is replaced by a visible escape: `\n`, `\t`, `\r`, `\x1b` for the other
//! ASCII and C1 controls, `\u{202e}` for the invisible and direction-changing characters. Other
//! text, including non-ASCII letters, is kept as it is. A lone surrogate (which a JSON string
//! may hold, and UTF-8 cannot) is shown as `\ud800`.

use std::borrow::Cow;

use skops_format::json::Text;

/// `text` with every control, bidi and invisible formatting character escaped (borrowed when
/// there is nothing to escape, which is the common case).
pub fn sanitize(text: &str) -> Cow<'_, str> {
    if !text.chars().any(needs_escape) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        match c {
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            '\r' => out.push_str("\\r"),
            c if needs_escape(c) && u32::from(c) < 0x100 => {
                out.push_str(&format!("\\x{:02x}", u32::from(c)));
            }
            c if needs_escape(c) => out.push_str(&format!("\\u{{{:x}}}", u32::from(c))),
            c => out.push(c),
        }
    }
    Cow::Owned(out)
}

/// [`sanitize`] for a string of the file, which may hold lone surrogates: each is shown as
/// `\ud800`, so what is printed is always UTF-8.
pub fn sanitize_text(text: &Text) -> Cow<'_, str> {
    match text.as_str() {
        Some(text) => sanitize(text),
        None => Cow::Owned(sanitize(&text.escaped()).into_owned()),
    }
}

/// Whether `c` must not reach a terminal as it is.
fn needs_escape(c: char) -> bool {
    c.is_control() || is_format_character(c)
}

/// Invisible characters that change how the text around them is shown: bidirectional
/// embeddings, overrides, isolates and marks, zero-width characters, the line and paragraph
/// separators, and the byte order mark.
fn is_format_character(c: char) -> bool {
    matches!(
        c,
        '\u{061c}'
            | '\u{200b}'..='\u{200f}'
            | '\u{2028}'..='\u{202e}'
            | '\u{2060}'..='\u{2069}'
            | '\u{feff}'
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_names_are_borrowed_unchanged() {
        for name in [
            "sklearn.tree._tree.Tree",
            "steps[1][1].tree_",
            "json-type(\"caf\u{e9}\")",
            "",
        ] {
            assert!(matches!(sanitize(name), Cow::Borrowed(text) if text == name));
        }
    }

    #[test]
    fn ansi_escape_sequences_are_made_visible() {
        assert_eq!(
            sanitize("os.system\u{1b}[2K\u{1b}[1Gbuiltins.dict"),
            "os.system\\x1b[2K\\x1b[1Gbuiltins.dict"
        );
        // The 8-bit CSI and other C1 controls too.
        assert_eq!(sanitize("a\u{9b}31mb\u{85}"), "a\\x9b31mb\\x85");
        // An OSC sequence that would set the window title, ended by BEL.
        assert_eq!(sanitize("\u{1b}]0;pwned\u{7}"), "\\x1b]0;pwned\\x07");
    }

    #[test]
    fn control_characters_are_escaped() {
        assert_eq!(sanitize("a\nb\tc\rd"), "a\\nb\\tc\\rd");
        assert_eq!(sanitize("nul\0del\u{7f}"), "nul\\x00del\\x7f");
        assert_eq!(sanitize("\u{8}backspace"), "\\x08backspace");
    }

    #[test]
    fn bidi_and_invisible_characters_are_escaped() {
        // "Trojan source": a right-to-left override that makes the name read backwards.
        assert_eq!(
            sanitize("numpy.\u{202e}metsys.so"),
            "numpy.\\u{202e}metsys.so"
        );
        assert_eq!(
            sanitize("\u{2066}a\u{2069}\u{200b}\u{200f}\u{61c}\u{feff}\u{2028}"),
            "\\u{2066}a\\u{2069}\\u{200b}\\u{200f}\\u{61c}\\u{feff}\\u{2028}"
        );
    }

    #[test]
    fn other_unicode_is_kept() {
        assert_eq!(sanitize("módulo.Clase\u{1b}"), "módulo.Clase\\x1b");
        assert_eq!(sanitize("数据.类型"), "数据.类型");
    }
}
