//! JSON numbers kept as their exact text, and Python's `float.__repr__`.

use crate::error::JsonError;
use crate::{Error, Result};

/// Most digits Python 3.11+ converts from text to `int` (`sys.get_int_max_str_digits()`);
/// `json.loads` refuses longer integers, and so do we.
pub(crate) const MAX_INT_DIGITS: usize = 4300;

/// A JSON number, stored as its text so that big integers and the int/float distinction
/// survive a round trip.
///
/// The text is always valid JSON-number syntax or one of Python's `NaN`, `Infinity`,
/// `-Infinity`. Equality compares the text.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Number(String);

impl Number {
    /// An integer.
    pub fn from_i64(value: i64) -> Self {
        Self(value.to_string())
    }

    /// A non-negative integer.
    pub fn from_u64(value: u64) -> Self {
        Self(value.to_string())
    }

    /// A float, spelled as Python's `json.dumps` spells it: `repr()` (`0.1`, `100.0`, `1e-05`,
    /// `1e+16`), and `NaN`, `Infinity`, `-Infinity`.
    pub fn from_f64(value: f64) -> Self {
        Self(float_repr(value))
    }

    /// Checks `text` against Python's JSON number syntax.
    pub fn from_text(text: &str) -> Result<Self> {
        if text == "NaN" || text == "Infinity" || text == "-Infinity" {
            return Ok(Self(text.to_owned()));
        }
        match scan_number(text.as_bytes()) {
            Some(scan) if scan.len == text.len() => {
                if scan.is_integer && scan.digits > MAX_INT_DIGITS {
                    return Err(Error::Json(JsonError::IntegerTooLong {
                        offset: 0,
                        digits: scan.digits as u64,
                    }));
                }
                Ok(Self(text.to_owned()))
            }
            _ => Err(Error::Json(JsonError::InvalidNumber {
                text: text.chars().take(64).collect(),
            })),
        }
    }

    /// Builds a number from text the parser already checked.
    pub(crate) fn from_checked_text(text: String) -> Self {
        Self(text)
    }

    /// The number's text, as found in the source (or as built).
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Whether Python reads this number as an `int` (no `.`, no exponent, not `NaN`/`Infinity`).
    pub fn is_integer(&self) -> bool {
        is_integer_text(&self.0)
    }

    /// The value as an `i64`, when it is an integer that fits.
    pub fn as_i64(&self) -> Option<i64> {
        if !self.is_integer() {
            return None;
        }
        self.0.parse().ok()
    }

    /// The value as a `u64`, when it is a non-negative integer that fits.
    pub fn as_u64(&self) -> Option<u64> {
        integer_text_as_u64(&self.0)
    }

    /// The value as Python's `float()` reads it (integers too; huge values become infinite).
    pub fn as_f64(&self) -> Option<f64> {
        match self.0.as_str() {
            "NaN" => Some(f64::NAN),
            "Infinity" => Some(f64::INFINITY),
            "-Infinity" => Some(f64::NEG_INFINITY),
            text => text.parse().ok(),
        }
    }

    /// The text Python's `json.dumps(json.loads(text))` writes for this number: integers in
    /// canonical decimal, floats through `repr()`.
    pub fn to_python_text(&self) -> String {
        if self.is_integer() {
            if self.0 == "-0" {
                return "0".to_owned();
            }
            return self.0.clone();
        }
        match self.as_f64() {
            Some(value) => float_repr(value),
            None => self.0.clone(),
        }
    }
}

impl std::fmt::Display for Number {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// What [`scan_number`] found at the start of its input.
pub(crate) struct NumberScan {
    /// Bytes the number takes.
    pub(crate) len: usize,
    /// Whether it has neither fraction nor exponent.
    pub(crate) is_integer: bool,
    /// Digits of the integer part.
    pub(crate) digits: usize,
}

/// Matches Python's `NUMBER_RE`, `(-?(?:0|[1-9]\d*))(\.\d+)?([eE][-+]?\d+)?`, at the start of
/// `bytes`. A fraction or exponent that is not followed by digits is not part of the number
/// (Python then stops before it, and the caller reports what follows).
pub(crate) fn scan_number(bytes: &[u8]) -> Option<NumberScan> {
    let digit_run = |from: usize| {
        bytes.get(from..).map_or(0, |rest| {
            rest.iter().take_while(|b| b.is_ascii_digit()).count()
        })
    };
    let mut pos = 0;
    if bytes.first() == Some(&b'-') {
        pos = 1;
    }
    let int_start = pos;
    match bytes.get(pos) {
        Some(b'0') => pos += 1,
        Some(b'1'..=b'9') => pos += digit_run(pos),
        _ => return None,
    }
    let digits = pos - int_start;
    let mut is_integer = true;
    if bytes.get(pos) == Some(&b'.') {
        let fraction = digit_run(pos + 1);
        if fraction > 0 {
            pos += 1 + fraction;
            is_integer = false;
        }
    }
    if matches!(bytes.get(pos), Some(b'e' | b'E')) {
        let sign = usize::from(matches!(bytes.get(pos + 1), Some(b'+' | b'-')));
        let exponent = digit_run(pos + 1 + sign);
        if exponent > 0 {
            pos += 1 + sign + exponent;
            is_integer = false;
        }
    }
    Some(NumberScan {
        len: pos,
        is_integer,
        digits,
    })
}

/// Whether Python reads the (checked) number text as an `int`: no `.`, no exponent, not
/// `NaN`/`Infinity`.
pub(crate) fn is_integer_text(text: &str) -> bool {
    !text
        .bytes()
        .any(|byte| matches!(byte, b'.' | b'e' | b'E' | b'N' | b'I'))
}

/// The (checked) number text as a `u64`, when it is a non-negative integer that fits.
pub(crate) fn integer_text_as_u64(text: &str) -> Option<u64> {
    if !is_integer_text(text) {
        return None;
    }
    // "-0" is zero for Python.
    if text == "-0" {
        return Some(0);
    }
    text.parse().ok()
}

/// Python's `repr(float)` with `json.dumps`' spelling of the non-finite values.
///
/// The shortest digits that read back to `value`, in Rust's `{:e}` form, choosing between two
/// equally short candidates the way Python does.
///
/// Rust's shortest formatting resolves an exact tie (the value lies halfway between the two
/// shortest candidates, e.g. `0.00153446197509765625` with 17 digits) upwards; Python's `repr`
/// (David Gay's dtoa) rounds half to even. Rust's fixed-precision formatting rounds half to
/// even, so when the shortest form is long enough for a tie to be possible it is redone at the
/// same precision and that result is kept if it still reads back to `value`.
fn shortest_scientific(value: f64) -> String {
    let shortest = format!("{value:e}");
    let digits = shortest
        .split('e')
        .next()
        .unwrap_or("")
        .bytes()
        .filter(u8::is_ascii_digit)
        .count();
    // A tie needs an exact decimal expansion one digit longer than the shortest form; a double
    // with at most 15 significant digits is printed exactly, so shorter forms cannot tie.
    if digits < 15 {
        return shortest;
    }
    let rounded = format!("{value:.prec$e}", prec = digits - 1);
    if rounded != shortest && rounded.parse::<f64>().ok() == Some(value) {
        rounded
    } else {
        shortest
    }
}

/// A float as Python's `json.dumps` writes it: [`python_float_repr`], with `NaN`, `Infinity`
/// and `-Infinity` for the non-finite values.
fn float_repr(value: f64) -> String {
    if value.is_nan() {
        return "NaN".to_owned();
    }
    if value.is_infinite() {
        return if value > 0.0 { "Infinity" } else { "-Infinity" }.to_owned();
    }
    python_float_repr(value)
}

/// Python's `repr(float)`: the shortest digits that read back to the same float (ties
/// broken as Python breaks them, see `shortest_scientific`), in positional notation when the
/// decimal exponent is in `-4..16`, otherwise in scientific notation with a signed, at least
/// two-digit exponent; `nan`, `inf` and `-inf` for the non-finite values.
pub fn python_float_repr(value: f64) -> String {
    if value.is_nan() {
        return "nan".to_owned();
    }
    if value.is_infinite() {
        return if value > 0.0 { "inf" } else { "-inf" }.to_owned();
    }
    let scientific = shortest_scientific(value);
    let (mantissa, exponent) = scientific
        .split_once('e')
        .unwrap_or((scientific.as_str(), "0"));
    let exponent: i32 = exponent.parse().unwrap_or(0);
    let (negative, mantissa) = match mantissa.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, mantissa),
    };
    let digits: String = mantissa.chars().filter(char::is_ascii_digit).collect();
    let mut out = String::with_capacity(digits.len() + 8);
    if negative {
        out.push('-');
    }
    // Python's `decpt` is the exponent of the first digit plus one.
    let decimal_point = exponent + 1;
    if (-3..=16).contains(&decimal_point) {
        if decimal_point <= 0 {
            out.push_str("0.");
            for _ in 0..-decimal_point {
                out.push('0');
            }
            out.push_str(&digits);
        } else {
            let point = usize::try_from(decimal_point).unwrap_or(0);
            if digits.len() <= point {
                out.push_str(&digits);
                for _ in digits.len()..point {
                    out.push('0');
                }
                out.push_str(".0");
            } else {
                let (whole, fraction) = digits.split_at(point);
                out.push_str(whole);
                out.push('.');
                out.push_str(fraction);
            }
        }
    } else {
        let (first, rest) = digits.split_at(digits.len().min(1));
        out.push_str(first);
        if !rest.is_empty() {
            out.push('.');
            out.push_str(rest);
        }
        out.push('e');
        out.push(if exponent < 0 { '-' } else { '+' });
        let magnitude = exponent.unsigned_abs();
        if magnitude < 10 {
            out.push('0');
        }
        out.push_str(&magnitude.to_string());
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn float_repr_matches_python() {
        let cases = [
            (0.1, "0.1"),
            (100.0, "100.0"),
            (1e-5, "1e-05"),
            (1e16, "1e+16"),
            (1e15, "1000000000000000.0"),
            (0.0001, "0.0001"),
            (-0.0, "-0.0"),
            (0.0, "0.0"),
            (1.5e300, "1.5e+300"),
            (5e-324, "5e-324"),
            (123456789012345678.0, "1.2345678901234568e+17"),
            (1.7976931348623157e308, "1.7976931348623157e+308"),
            (f64::NAN, "NaN"),
            (f64::INFINITY, "Infinity"),
            (f64::NEG_INFINITY, "-Infinity"),
            (-2.5e-7, "-2.5e-07"),
            (9999999999999998.0, "9999999999999998.0"),
            // Exact ties between two shortest candidates: Python rounds half to even.
            (0.0015344619750976562, "0.0015344619750976562"),
        ];
        for (value, expected) in cases {
            assert_eq!(Number::from_f64(value).as_str(), expected, "{value:e}");
        }
    }

    #[test]
    fn from_text_checks_syntax() {
        for good in [
            "0",
            "-0",
            "12",
            "1.5",
            "1e5",
            "1E+5",
            "-1.25e-3",
            "NaN",
            "-Infinity",
        ] {
            assert_eq!(Number::from_text(good).unwrap().as_str(), good);
        }
        for bad in [
            "", "01", "1.", ".5", "+1", "1e", "nan", "inf", "1 ", "--1", "0x1",
        ] {
            assert!(
                matches!(
                    Number::from_text(bad),
                    Err(Error::Json(JsonError::InvalidNumber { .. }))
                ),
                "{bad:?}"
            );
        }
        let long = "9".repeat(MAX_INT_DIGITS + 1);
        assert!(matches!(
            Number::from_text(&long),
            Err(Error::Json(JsonError::IntegerTooLong { digits: 4301, .. }))
        ));
        assert!(Number::from_text(&"9".repeat(MAX_INT_DIGITS)).is_ok());
    }

    #[test]
    fn accessors() {
        let big = Number::from_text("340282366920938463463374607431768211455").unwrap();
        assert!(big.is_integer());
        assert_eq!(big.as_u64(), None);
        assert_eq!(big.as_f64(), Some(3.402823669209385e38));
        assert_eq!(Number::from_text("-0").unwrap().as_u64(), Some(0));
        assert_eq!(Number::from_text("-5").unwrap().as_i64(), Some(-5));
        assert_eq!(Number::from_text("-5").unwrap().as_u64(), None);
        assert_eq!(Number::from_text("1.0").unwrap().as_i64(), None);
        assert!(!Number::from_text("1e3").unwrap().is_integer());
        assert!(!Number::from_text("NaN").unwrap().is_integer());
        assert_eq!(
            Number::from_text("1E5").unwrap().to_python_text(),
            "100000.0"
        );
        assert_eq!(
            Number::from_text("1e400").unwrap().to_python_text(),
            "Infinity"
        );
        assert_eq!(Number::from_text("-0").unwrap().to_python_text(), "0");
    }

    /// Python's `repr` of 2000 random doubles and 300 exact ties (`make_float_repr.py`).
    #[test]
    fn float_repr_matches_python_corpus() {
        let corpus = include_str!("../../tests/data/json/float_repr.txt");
        let mut checked = 0;
        for line in corpus.lines() {
            let (bits, expected) = line.split_once(' ').unwrap();
            let value = f64::from_bits(u64::from_str_radix(bits, 16).unwrap());
            assert_eq!(Number::from_f64(value).as_str(), expected, "bits {bits}");
            checked += 1;
        }
        assert_eq!(checked, 2300);
    }

    proptest! {
        #[test]
        fn float_repr_reads_back_exactly(bits in any::<u64>()) {
            let value = f64::from_bits(bits);
            let number = Number::from_f64(value);
            let back = number.as_f64().unwrap();
            if value.is_nan() {
                prop_assert!(back.is_nan());
            } else {
                prop_assert_eq!(back.to_bits(), value.to_bits());
            }
            prop_assert!(Number::from_text(number.as_str()).is_ok());
            prop_assert!(!number.is_integer());
        }
    }
}
