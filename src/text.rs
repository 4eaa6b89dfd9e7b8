//! Building text without `core::fmt`.
//!
//! Every `format!` call site carries code to build `fmt::Arguments`, and the formatting machinery
//! behind them; joining string slices does not. Measured when `format!` was replaced by these:
//! optimised wasm 65,458 -> 64,577 bytes. The shipped wasm links no `core::fmt` at all since it is
//! built without `std` (see [`crate`]).

use crate::prelude::*;

/// Joins string slices. A plain loop rather than `[&str]::concat`, whose generic join is unrolled
/// for speed: 1,111 bytes of optimised wasm in the cognito login script's module, against a few
/// dozen for this (every module calls it).
pub fn cat(parts: &[&str]) -> String {
    let mut s = String::new();
    for p in parts {
        s.push_str(p);
    }
    s
}

/// An unsigned integer in decimal.
pub fn num(mut n: u64) -> String {
    // Least significant first, then reversed: no index that could panic (and link this file's
    // name and a panic message into the wasm).
    let mut digits = Vec::new();
    loop {
        digits.push(char::from(b'0' + (n % 10) as u8));
        n /= 10;
        if n == 0 {
            break;
        }
    }
    digits.iter().rev().collect()
}

/// Whether `haystack` contains `needle`. Byte windows instead of `str::contains`: the standard
/// substring search brought its panic formatting along (9,087 bytes of optimised wasm, measured).
pub fn mentions(haystack: &str, needle: &str) -> bool {
    haystack.as_bytes().windows(needle.len().max(1)).any(|w| w == needle.as_bytes())
}

/// A number written in ASCII decimal digits only (no sign, no spaces), or `None`, also when it
/// overflows. One small loop for every integer the crate reads, rather than `str::parse`'s
/// generic code for each integer type (about 340 bytes of wasm each, measured).
pub fn parse_u64(digits: &str) -> Option<u64> {
    if digits.is_empty() {
        return None;
    }
    digits.bytes().try_fold(0u64, |n, b| {
        if b.is_ascii_digit() {
            n.checked_mul(10)?.checked_add(u64::from(b - b'0'))
        } else {
            None
        }
    })
}

/// How many characters (Unicode scalar values) `text` has: its bytes that do not continue a UTF-8
/// sequence, the count `text.chars().count()` gives. Written out because the standard one is
/// unrolled for speed: 1,008 bytes of optimised wasm for the cognito login script's module,
/// where this loop is a few dozen (the limits it checks are on short settings and ids).
pub fn char_count(text: &str) -> usize {
    text.bytes().filter(|b| b & 0xC0 != 0x80).count()
}

/// At most `max` characters of upstream text for an operator-facing message.
pub fn excerpt(text: &str, max: usize) -> String {
    match text.char_indices().nth(max) {
        Some((end, _)) => cat(&[text.get(..end).unwrap_or(""), "…"]),
        None => text.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_in_decimal() {
        for n in [0u64, 7, 10, 429, 65535, u64::MAX] {
            assert_eq!(num(n), n.to_string());
        }
    }

    #[test]
    fn joins_and_searches() {
        assert_eq!(cat(&["a", "", "bc"]), "abc");
        assert!(mentions("Wrong email or password", "password"));
        assert!(!mentions("realm", "realms"));
        assert_eq!(excerpt("abcdef", 3), "abc…");
        assert_eq!(excerpt("abc", 3), "abc");
    }

    #[test]
    fn integers_are_digits_only() {
        for (t, want) in [
            ("0", Some(0)),
            ("0042", Some(42)),
            ("18446744073709551615", Some(u64::MAX)),
            ("18446744073709551616", None),
            ("", None),
            ("+1", None),
            ("-1", None),
            (" 1", None),
            ("1.5", None),
            ("1e3", None),
            ("١", None),
        ] {
            assert_eq!(parse_u64(t), want, "{t:?}");
        }
        assert_eq!(excerpt("ééé", 2), "éé…");
    }

    #[test]
    fn characters_are_counted_as_chars_counts_them() {
        for t in ["", "abc", "é", "Zoë Ångström", "日本語", "😀x😀", "a\u{10FFFF}b\u{7F}\u{80}"] {
            assert_eq!(char_count(t), t.chars().count(), "{t:?}");
        }
    }
}
