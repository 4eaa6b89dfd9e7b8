//! The requests a flow asks the host to send, and the replies the host feeds back.
//!
//! These cross the wasm boundary as JSON, so they are plain data: the shim turns a [`Request`]
//! into a `fetch` call and the `Response` (or the failure) into a [`Reply`].

use serde::Serialize;
use serde_json::Value;

/// Per-request timeout for the password check; the shim also enforces a whole-call deadline.
pub const PASSWORD_TIMEOUT_MS: u32 = 8_000;
/// Per-request timeout for Management API and token calls.
pub const API_TIMEOUT_MS: u32 = 5_000;

/// One HTTPS request for the host to send.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Request {
    /// Which upstream call this is (`password`, `token`, `users-by-email`): for the log line.
    pub label: String,
    /// `GET` or `POST`.
    pub method: String,
    /// Absolute `https://` URL.
    pub url: String,
    /// Header name/value pairs.
    pub headers: Vec<(String, String)>,
    /// Request body, if any (JSON text).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub body: Option<String>,
    /// Give up after this long.
    pub timeout_ms: u32,
}

impl Request {
    /// A JSON `POST`.
    pub fn post_json(label: &str, url: String, body: &serde_json::Value, timeout_ms: u32) -> Request {
        Request {
            label: label.to_string(),
            method: "POST".to_string(),
            url,
            headers: vec![("content-type".to_string(), "application/json".to_string())],
            body: Some(body.to_string()),
            timeout_ms,
        }
    }

    /// A `GET` with a bearer token.
    pub fn get_bearer(label: &str, url: String, token: &str, timeout_ms: u32) -> Request {
        Request {
            label: label.to_string(),
            method: "GET".to_string(),
            url,
            headers: vec![("authorization".to_string(), format!("Bearer {token}"))],
            body: None,
            timeout_ms,
        }
    }
}

/// What came back: an HTTP response, or a failure to get one.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Reply {
    /// HTTP status, when a response arrived.
    pub status: Option<u16>,
    /// Response body text (possibly truncated by the host at its read limit).
    pub body: String,
    /// `timeout` or `network` when no response arrived.
    pub failure: Option<String>,
}

impl Reply {
    /// A response with a status and body (for tests and fakes).
    pub fn response(status: u16, body: impl Into<String>) -> Reply {
        Reply { status: Some(status), body: body.into(), failure: None }
    }

    /// Reads `{"status": 200, "body": ".."}` or `{"failure": "timeout"}` as the shim sends it.
    /// Read by hand rather than derived: see `boundary` on why derived deserializers cost size.
    pub fn from_value(v: &Value) -> Reply {
        let text = |k: &str| v.get(k).and_then(Value::as_str).map(str::to_string);
        Reply {
            status: v.get("status").and_then(Value::as_u64).and_then(|s| u16::try_from(s).ok()),
            body: text("body").unwrap_or_default(),
            failure: text("failure"),
        }
    }

    /// The HTTP status, or a description of why there is none.
    pub fn status(&self) -> Result<u16, String> {
        match (self.status, &self.failure) {
            (Some(s), None) => Ok(s),
            (_, Some(f)) => Err(f.clone()),
            (None, None) => Err("no response".to_string()),
        }
    }
}

/// Percent-encodes a query-string value (everything but RFC 3986 unreserved characters).
/// Hand-written: eight lines do not justify a dependency.
pub fn encode_query_value(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for b in value.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn query_values_are_fully_escaped() {
        assert_eq!(encode_query_value("a.b+c@x.com"), "a.b%2Bc%40x.com");
        assert_eq!(encode_query_value("&email=x y"), "%26email%3Dx%20y");
        assert_eq!(encode_query_value("é"), "%C3%A9");
    }

    #[test]
    fn reply_status_reports_failures() {
        assert_eq!(Reply::response(200, "{}").status(), Ok(200));
        let r = Reply { failure: Some("timeout".into()), ..Reply::default() };
        assert_eq!(r.status(), Err("timeout".into()));
    }
}
