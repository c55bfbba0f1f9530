//! Member names: decode them as Python's `zipfile` does and refuse the unsafe ones.
//!
//! A `.skops` reader never extracts members to disk, but names end up in messages, in
//! audits and possibly in tools that do extract, so anything that could escape a directory
//! or confuse a lookup (`..`, absolute paths, drive letters, backslashes, NUL) is refused.

use crate::error::ZipError;
use crate::{Error, Result};

/// cp437 for bytes 0x80..=0xFF (bytes below 0x80 are ASCII), as Python's codec decodes them.
const CP437_HIGH: [char; 128] = [
    'Ç', 'ü', 'é', 'â', 'ä', 'à', 'å', 'ç', 'ê', 'ë', 'è', 'ï', 'î', 'ì', 'Ä', 'Å', //
    'É', 'æ', 'Æ', 'ô', 'ö', 'ò', 'û', 'ù', 'ÿ', 'Ö', 'Ü', '¢', '£', '¥', '₧', 'ƒ', //
    'á', 'í', 'ó', 'ú', 'ñ', 'Ñ', 'ª', 'º', '¿', '⌐', '¬', '½', '¼', '¡', '«', '»', //
    '░', '▒', '▓', '│', '┤', '╡', '╢', '╖', '╕', '╣', '║', '╗', '╝', '╜', '╛', '┐', //
    '└', '┴', '┬', '├', '─', '┼', '╞', '╟', '╚', '╔', '╩', '╦', '╠', '═', '╬', '╧', //
    '╨', '╤', '╥', '╙', '╘', '╒', '╓', '╫', '╪', '┘', '┌', '█', '▄', '▌', '▐', '▀', //
    'α', 'ß', 'Γ', 'π', 'Σ', 'σ', 'µ', 'τ', 'Φ', 'Θ', 'Ω', 'δ', '∞', 'φ', 'ε', '∩', //
    '≡', '±', '≥', '≤', '⌠', '⌡', '÷', '≈', '°', '∙', '·', '√', 'ⁿ', '²', '■', '\u{a0}',
];

/// Decodes a raw member name: UTF-8 when the archive says so (bit 11), cp437 otherwise.
pub(super) fn decode(raw: &[u8], utf8: bool) -> Result<String> {
    if utf8 {
        return match std::str::from_utf8(raw) {
            Ok(name) => Ok(name.to_owned()),
            Err(_) => Err(Error::Zip(ZipError::InvalidName {
                member: String::from_utf8_lossy(raw).into_owned(),
                reason: "it is flagged UTF-8 but is not valid UTF-8",
            })),
        };
    }
    if raw.is_ascii() {
        // Fast path: every `.skops` writer uses ASCII names.
        return Ok(raw.iter().map(|&byte| char::from(byte)).collect());
    }
    Ok(raw
        .iter()
        .map(|&byte| match byte.checked_sub(0x80) {
            None => char::from(byte),
            Some(high) => CP437_HIGH
                .get(usize::from(high))
                .copied()
                .unwrap_or(char::REPLACEMENT_CHARACTER),
        })
        .collect())
}

/// Refuses names that are empty, absolute, contain `..` components, NUL or backslashes.
pub(super) fn validate(name: &str) -> Result<()> {
    let refuse = |reason| {
        Err(Error::Zip(ZipError::InvalidName {
            member: name.to_owned(),
            reason,
        }))
    };
    if name.is_empty() {
        return refuse("it is empty");
    }
    if name.contains('\0') {
        return refuse("it contains a NUL byte");
    }
    if name.contains('\\') {
        return refuse("it contains a backslash");
    }
    if name.starts_with('/') {
        return refuse("it is an absolute path");
    }
    let mut chars = name.chars();
    if let (Some(first), Some(':')) = (chars.next(), chars.next()) {
        if first.is_ascii_alphabetic() {
            return refuse("it starts with a drive letter");
        }
    }
    if name.split('/').any(|component| component == "..") {
        return refuse("it has a `..` component");
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decodes_cp437_like_python() {
        // b"caf\x82" is "café" in cp437; 0xFF is a no-break space.
        assert_eq!(decode(b"caf\x82.bin", false).unwrap(), "café.bin");
        assert_eq!(decode(b"\xff", false).unwrap(), "\u{a0}");
        assert_eq!(decode(b"\xe0\xe1", false).unwrap(), "αß");
        assert_eq!(decode(b"schema.json", false).unwrap(), "schema.json");
    }

    #[test]
    fn decodes_flagged_utf8_and_refuses_invalid_utf8() {
        assert_eq!(decode("données".as_bytes(), true).unwrap(), "données");
        let error = decode(b"bad\xff", true).unwrap_err();
        assert!(
            matches!(error, Error::Zip(ZipError::InvalidName { .. })),
            "{error:?}"
        );
    }

    #[test]
    fn accepts_skops_names() {
        for name in [
            "schema.json",
            "140525243967568.npy",
            "0b7a4d5e-3c55-4f0e-9d8b-2f1b7d7e6a11.bin",
            "dir/file.npy",
            "a..b",
            "...",
            "ab:c",
        ] {
            validate(name).unwrap();
        }
    }

    #[test]
    fn refuses_unsafe_names() {
        for name in [
            "",
            "/etc/passwd",
            "\\windows",
            "C:evil",
            "c:/evil",
            "..",
            "../x",
            "a/../../x",
            "a/..",
            "nul\0byte",
            "back\\slash",
        ] {
            let error = validate(name).unwrap_err();
            assert!(
                matches!(error, Error::Zip(ZipError::InvalidName { .. })),
                "{name:?}: {error:?}"
            );
        }
    }
}
