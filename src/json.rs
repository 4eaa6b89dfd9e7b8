//! A small JSON value, parser and writer: the only JSON code in the wasm.
//!
//! Written here for size. With `serde` + `serde_json` the optimised wasm was 134,832 bytes; with
//! this module instead it is 88,318 bytes (-46.5 KB, measured when the change was made). The saving
//! comes from what this module leaves out: numbers are kept as their source text (the flows
//! compare a few integers and pass everything else through untouched, so there is no float
//! parsing or printing), and there is no generic (de)serialization machinery. `serde_json` stays
//! a dev-dependency: the tests use it as an oracle for this parser.
//!
//! The API mirrors the part of `serde_json::Value` the crate uses, so the flows read the same.
//! Objects keep their keys in document order; a repeated key keeps its first position and its
//! last value, as JavaScript's `JSON.parse` does.

use crate::prelude::*;

/// Nesting deeper than this is refused (no input we read is anywhere near it).
const MAX_DEPTH: usize = 128;

/// A JSON value.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum Value {
    /// `null`.
    #[default]
    Null,
    /// `true` / `false`.
    Bool(bool),
    /// A number, as the text it was written with (already validated against JSON's grammar).
    Number(String),
    /// A string.
    String(String),
    /// An array.
    Array(Vec<Value>),
    /// An object.
    Object(Map),
}

/// A JSON object: keys in document order (compared without regard to order, as JSON means).
#[derive(Debug, Clone, Default)]
pub struct Map(Vec<(String, Value)>);

impl PartialEq for Map {
    fn eq(&self, other: &Map) -> bool {
        self.len() == other.len() && self.iter().all(|(k, v)| other.get(k) == Some(v))
    }
}

impl Eq for Map {}

impl Map {
    /// An empty object.
    pub fn new() -> Map {
        Map(Vec::new())
    }

    /// The value under `key`.
    pub fn get(&self, key: &str) -> Option<&Value> {
        self.0.iter().find(|(k, _)| k == key).map(|(_, v)| v)
    }

    /// Whether `key` is present.
    pub fn contains_key(&self, key: &str) -> bool {
        self.get(key).is_some()
    }

    /// Sets `key`, keeping its position if it is already there.
    pub fn insert(&mut self, key: impl Into<String>, value: Value) {
        let key = key.into();
        match self.0.iter_mut().find(|(k, _)| *k == key) {
            Some(slot) => slot.1 = value,
            None => self.0.push((key, value)),
        }
    }

    /// Removes `key`, returning its value.
    pub fn remove(&mut self, key: &str) -> Option<Value> {
        let at = self.0.iter().position(|(k, _)| k == key)?;
        Some(self.0.remove(at).1)
    }

    /// The entries in document order.
    pub fn iter(&self) -> impl Iterator<Item = (&String, &Value)> {
        self.0.iter().map(|(k, v)| (k, v))
    }

    /// Number of keys.
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// No keys at all.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl Value {
    /// The member `key` of an object (`None` for anything else).
    pub fn get(&self, key: &str) -> Option<&Value> {
        self.as_object()?.get(key)
    }

    /// The string, if this is one.
    pub fn as_str(&self) -> Option<&str> {
        match self {
            Value::String(s) => Some(s),
            _ => None,
        }
    }

    /// The boolean, if this is one.
    pub fn as_bool(&self) -> Option<bool> {
        match self {
            Value::Bool(b) => Some(*b),
            _ => None,
        }
    }

    /// A non-negative integer written without fraction or exponent.
    pub fn as_u64(&self) -> Option<u64> {
        match self {
            Value::Number(n) => crate::text::parse_u64(n),
            _ => None,
        }
    }

    /// An integer; a number with a fraction (`1700000000.5`, allowed for JWT times) is cut to its
    /// integer part. Exponent forms, and `i64::MIN`, are not read (`None`).
    pub fn as_i64(&self) -> Option<i64> {
        let Value::Number(n) = self else { return None };
        let (negative, n) = match n.strip_prefix('-') {
            Some(rest) => (true, rest),
            None => (false, n.as_str()),
        };
        let whole = i64::try_from(crate::text::parse_u64(n.split('.').next()?)?).ok()?;
        Some(if negative { -whole } else { whole })
    }

    /// The elements, if this is an array.
    pub fn as_array(&self) -> Option<&Vec<Value>> {
        match self {
            Value::Array(a) => Some(a),
            _ => None,
        }
    }

    /// The object, if this is one.
    pub fn as_object(&self) -> Option<&Map> {
        match self {
            Value::Object(m) => Some(m),
            _ => None,
        }
    }

    /// A JSON number from an integer.
    pub fn int(n: u64) -> Value {
        Value::Number(crate::text::num(n))
    }

    /// An object from key/value pairs.
    pub fn object<K: Into<String>>(pairs: impl IntoIterator<Item = (K, Value)>) -> Value {
        let mut m = Map::new();
        for (k, v) in pairs {
            m.insert(k, v);
        }
        Value::Object(m)
    }

    /// Compact JSON text.
    pub fn to_json(&self) -> String {
        let mut out = String::new();
        self.write(&mut out);
        out
    }

    /// Appends compact JSON text to `out`.
    pub fn write(&self, out: &mut String) {
        match self {
            Value::Null => out.push_str("null"),
            Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
            Value::Number(n) => out.push_str(n),
            Value::String(s) => write_str(out, s),
            Value::Array(items) => {
                out.push('[');
                for (i, v) in items.iter().enumerate() {
                    if i > 0 {
                        out.push(',');
                    }
                    v.write(out);
                }
                out.push(']');
            }
            Value::Object(m) => {
                out.push('{');
                for (i, (k, v)) in m.iter().enumerate() {
                    if i > 0 {
                        out.push(',');
                    }
                    write_str(out, k);
                    out.push(':');
                    v.write(out);
                }
                out.push('}');
            }
        }
    }
}

impl From<&str> for Value {
    fn from(s: &str) -> Value {
        Value::String(s.to_string())
    }
}

impl From<String> for Value {
    fn from(s: String) -> Value {
        Value::String(s)
    }
}

impl From<bool> for Value {
    fn from(b: bool) -> Value {
        Value::Bool(b)
    }
}

impl<T: Into<Value>> From<Option<T>> for Value {
    fn from(v: Option<T>) -> Value {
        v.map_or(Value::Null, Into::into)
    }
}

/// Appends `s` as a JSON string literal. Runs that need no escape are copied whole.
pub fn write_str(out: &mut String, s: &str) {
    out.push('"');
    let bytes = s.as_bytes();
    let mut start = 0;
    for (i, &b) in bytes.iter().enumerate() {
        let escaped = match b {
            b'"' => "\\\"",
            b'\\' => "\\\\",
            b'\n' => "\\n",
            b'\r' => "\\r",
            b'\t' => "\\t",
            0..=0x1f => "",
            _ => continue,
        };
        // `i` is at an ASCII byte, so both slices are whole UTF-8.
        out.push_str(s.get(start..i).unwrap_or_default());
        if escaped.is_empty() {
            let hex = b"0123456789abcdef";
            out.push_str("\\u00");
            out.push(char::from(hex[usize::from(b >> 4)]));
            out.push(char::from(hex[usize::from(b & 15)]));
        } else {
            out.push_str(escaped);
        }
        start = i + 1;
    }
    out.push_str(s.get(start..).unwrap_or_default());
    out.push('"');
}

/// Parses JSON text (RFC 8259, nothing but whitespace around the value).
pub fn parse(text: &str) -> Option<Value> {
    let mut p = Parser { text, s: text.as_bytes(), i: 0 };
    let v = p.value(0)?;
    p.ws();
    (p.i == p.s.len()).then_some(v)
}

/// Parses JSON bytes, which must be UTF-8.
pub fn parse_bytes(bytes: &[u8]) -> Option<Value> {
    parse(std::str::from_utf8(bytes).ok()?)
}

struct Parser<'a> {
    text: &'a str,
    s: &'a [u8],
    i: usize,
}

impl Parser<'_> {
    #[inline(always)]
    fn peek(&self) -> Option<u8> {
        self.s.get(self.i).copied()
    }

    #[inline(always)]
    fn ws(&mut self) {
        while matches!(self.peek(), Some(b' ' | b'\t' | b'\n' | b'\r')) {
            self.i += 1;
        }
    }

    fn eat(&mut self, lit: &[u8]) -> Option<()> {
        let end = self.i.checked_add(lit.len())?;
        (self.s.get(self.i..end)? == lit).then(|| self.i = end)
    }

    fn value(&mut self, depth: usize) -> Option<Value> {
        if depth > MAX_DEPTH {
            return None;
        }
        self.ws();
        match self.peek()? {
            b'n' => self.eat(b"null").map(|_| Value::Null),
            b't' => self.eat(b"true").map(|_| Value::Bool(true)),
            b'f' => self.eat(b"false").map(|_| Value::Bool(false)),
            b'"' => self.string().map(Value::String),
            b'[' => {
                self.i += 1;
                let mut items = Vec::new();
                self.ws();
                if self.peek()? == b']' {
                    self.i += 1;
                    return Some(Value::Array(items));
                }
                loop {
                    items.push(self.value(depth + 1)?);
                    self.ws();
                    match self.peek()? {
                        b',' => self.i += 1,
                        b']' => {
                            self.i += 1;
                            return Some(Value::Array(items));
                        }
                        _ => return None,
                    }
                }
            }
            b'{' => {
                self.i += 1;
                let mut map = Map::new();
                self.ws();
                if self.peek()? == b'}' {
                    self.i += 1;
                    return Some(Value::Object(map));
                }
                loop {
                    self.ws();
                    if self.peek()? != b'"' {
                        return None;
                    }
                    let key = self.string()?;
                    self.ws();
                    self.eat(b":")?;
                    let v = self.value(depth + 1)?;
                    map.insert(key, v);
                    self.ws();
                    match self.peek()? {
                        b',' => self.i += 1,
                        b'}' => {
                            self.i += 1;
                            return Some(Value::Object(map));
                        }
                        _ => return None,
                    }
                }
            }
            b'-' | b'0'..=b'9' => self.number(),
            _ => None,
        }
    }

    fn digits(&mut self) -> usize {
        let start = self.i;
        while matches!(self.peek(), Some(b'0'..=b'9')) {
            self.i += 1;
        }
        self.i - start
    }

    fn number(&mut self) -> Option<Value> {
        let start = self.i;
        if self.peek() == Some(b'-') {
            self.i += 1;
        }
        match self.peek()? {
            b'0' => self.i += 1,
            b'1'..=b'9' => {
                self.digits();
            }
            _ => return None,
        }
        if self.peek() == Some(b'.') {
            self.i += 1;
            if self.digits() == 0 {
                return None;
            }
        }
        if matches!(self.peek(), Some(b'e' | b'E')) {
            self.i += 1;
            if matches!(self.peek(), Some(b'+' | b'-')) {
                self.i += 1;
            }
            if self.digits() == 0 {
                return None;
            }
        }
        // The bytes are ASCII digits and signs, so each is its own character (and the lossy
        // conversion, with its UTF-8 repair code, is not linked).
        Some(Value::Number(self.s.get(start..self.i)?.iter().map(|&b| char::from(b)).collect()))
    }

    fn hex4(&mut self) -> Option<u32> {
        let mut n = 0;
        for _ in 0..4 {
            let d = (self.peek()? as char).to_digit(16)?;
            n = n * 16 + d;
            self.i += 1;
        }
        Some(n)
    }

    fn string(&mut self) -> Option<String> {
        self.i += 1; // the opening quote
        let mut out = String::new();
        loop {
            // Copy the run up to the next quote, backslash or control byte in one go: a call per
            // byte made parsing the bulk of a login's CPU time. The run ends at an ASCII byte, so
            // it is whole UTF-8 (`get` rather than indexing: no panic path).
            let start = self.i;
            while let Some(&b) = self.s.get(self.i) {
                if b == b'"' || b == b'\\' || b < 0x20 {
                    break;
                }
                self.i += 1;
            }
            out.push_str(self.text.get(start..self.i)?);
            let b = self.peek()?;
            self.i += 1;
            match b {
                b'"' => return Some(out),
                b'\\' => {
                    let e = self.peek()?;
                    self.i += 1;
                    out.push(match e {
                        b'"' => '"',
                        b'\\' => '\\',
                        b'/' => '/',
                        b'b' => '\u{8}',
                        b'f' => '\u{c}',
                        b'n' => '\n',
                        b'r' => '\r',
                        b't' => '\t',
                        b'u' => self.unicode_escape()?,
                        _ => return None,
                    });
                }
                _ => return None, // a raw control character
            }
        }
    }

    /// `\uXXXX`, joining surrogate pairs; a lone surrogate becomes U+FFFD (as a UTF-8 string
    /// cannot hold it).
    fn unicode_escape(&mut self) -> Option<char> {
        let hi = self.hex4()?;
        if (0xD800..0xDC00).contains(&hi) && self.s.get(self.i..self.i + 2) == Some(b"\\u") {
            let save = self.i;
            self.i += 2;
            let lo = self.hex4()?;
            if (0xDC00..0xE000).contains(&lo) {
                return char::from_u32(0x10000 + ((hi - 0xD800) << 10) + (lo - 0xDC00));
            }
            self.i = save;
        }
        Some(char::from_u32(hi).unwrap_or('\u{FFFD}'))
    }
}

/// For tests: a `serde_json` value (built with its `json!` macro) as ours.
#[cfg(test)]
pub fn from_serde(v: serde_json::Value) -> Value {
    parse(&v.to_string()).expect("serde_json writes valid JSON")
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Our parse, written back, read by serde_json, must equal serde_json's own reading.
    fn agrees(text: &str) {
        let ours = parse(text);
        let theirs: Result<serde_json::Value, _> = serde_json::from_str(text);
        match (ours, theirs) {
            (Some(v), Ok(t)) => {
                let back: serde_json::Value = serde_json::from_str(&v.to_json()).expect("we write valid JSON");
                assert_eq!(back, t, "{text}");
            }
            (None, Err(_)) => {}
            (ours, theirs) => panic!("disagree on {text:?}: ours {ours:?}, serde_json {theirs:?}"),
        }
    }

    #[test]
    #[rustfmt::skip] // valid texts on the first lines, invalid after: rustfmt would put one a line
    fn agrees_with_serde_json_on_valid_and_invalid_text() {
        for text in [
            "null", "true", "false", "0", "-0", "12", "-3.25e+10", "1E5", "0.5", "\"\"", "\"a\\\"b\\\\c\\/d\\n\\u00e9\\ud83d\\ude00\"",
            "[]", "[1,[2,[3]]]", "{}", "{\"a\":1,\"b\":{\"c\":[true,null]}}", " \t\n{ \"k\" : \"v\" } ",
            "", " ", "nul", "01", "1.", ".5", "1e", "-", "+1", "[1,]", "{\"a\":1,}", "{a:1}", "[1 2]", "\"\\x\"", "\"a\u{1}\"",
            "\"\\u12\"", "{\"a\"}", "[", "]", "{} {}", "\"unterminated", "tru", "[true false]", "1 2", "\u{feff}1",
        ] {
            agrees(text);
        }
    }

    #[test]
    fn repeated_keys_keep_the_first_place_and_the_last_value() {
        let v = parse(r#"{"a":1,"b":2,"a":3}"#).unwrap();
        assert_eq!(v.to_json(), r#"{"a":3,"b":2}"#);
    }

    #[test]
    fn numbers_pass_through_untouched() {
        let text = r#"[1.000,1e400,-0,123456789012345678901234567890]"#;
        assert_eq!(parse(text).unwrap().to_json(), text);
        assert_eq!(parse("1700000000.75").unwrap().as_i64(), Some(1_700_000_000));
        assert_eq!(parse("-5").unwrap().as_u64(), None);
        assert_eq!(parse("1e3").unwrap().as_i64(), None);
    }

    #[test]
    fn strings_are_escaped_for_json() {
        let v = Value::from("q\"b\\n\n\u{1}é\u{2028}");
        assert_eq!(v.to_json(), "\"q\\\"b\\\\n\\n\\u0001é\u{2028}\"");
        assert_eq!(parse(&v.to_json()), Some(v));
    }

    #[test]
    fn lone_surrogates_become_replacement_characters() {
        assert_eq!(parse(r#""\ud800x""#), Some(Value::from("\u{FFFD}x")));
        assert_eq!(parse(r#""\udc00""#), Some(Value::from("\u{FFFD}")));
    }

    #[test]
    fn deep_nesting_is_refused_not_a_stack_overflow() {
        let deep = "[".repeat(10_000) + &"]".repeat(10_000);
        assert_eq!(parse(&deep), None);
        let ok = "[".repeat(100) + &"]".repeat(100);
        assert!(parse(&ok).is_some());
    }

    #[test]
    fn invalid_utf8_is_refused() {
        assert_eq!(parse_bytes(b"\"\xff\""), None);
        assert_eq!(parse_bytes(b"\"ok\""), Some(Value::from("ok")));
    }
}
