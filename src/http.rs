//! The requests a flow asks the host to send, and the replies the host feeds back.
//!
//! These cross the wasm boundary as JSON, so they are plain data: the shim turns a [`Request`]
//! into a `fetch` call and the `Response` (or the failure) into a [`Reply`]. A request may carry a
//! [`CacheHint`] - the host then answers it from Auth0's per-container `global` while a reply it
//! was told to store has not expired, and shares one network call among concurrent invocations
//! asking for the same key - and a `delay_ms` to wait before sending (retry backoff). The hint's
//! lifetime rules stay here: only its key crosses, and [`CacheHint::until_ms`] decides, once the
//! reply is in, whether and until which instant the host stores it.

use crate::json::{self, Value};
use crate::prelude::*;

/// The whole call's time limit: Auth0 gives a custom-database script about 20 s; the rest is
/// margin to call back. [`crate::flow`] clamps every request's timeout to what is left of it.
pub const DEADLINE_MS: u64 = 15_000;
/// Per-request timeout for the password check.
pub const PASSWORD_TIMEOUT_MS: u32 = 8_000;
/// Per-request timeout for Management API, token, discovery and JWKS calls.
pub const API_TIMEOUT_MS: u32 = 5_000;
/// The most of a reply's body the host reads (1 MiB); the rest is discarded unread. Every reply the
/// flows use is far smaller (a user with Auth0's largest metadata is tens of KB), so a longer one is
/// broken or hostile: cut, it fails to parse and is reported as a malformed reply.
pub const MAX_BODY_BYTES: u32 = 1_048_576;

/// How the host may cache a successful (2xx) reply. Only `key` and `refresh` cross to the host;
/// the lifetime is turned into an instant by [`CacheHint::until_ms`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CacheHint {
    /// What the reply is (e.g. `jwks|tenant.auth0.com`); equal keys share one reply.
    pub key: String,
    /// Keep it this many seconds...
    pub ttl_s: u32,
    /// ...or, when set, for the number of seconds in this field of the JSON reply (`expires_in`),
    /// minus `early_s`, capped at `ttl_s`.
    pub ttl_field: Option<String>,
    /// Seconds to drop the entry before the reply says it expires.
    pub early_s: u32,
    /// Ignore a cached entry and fetch anew (a key rotation, a rejected token).
    pub refresh: bool,
}

impl CacheHint {
    /// Until which instant (ms since the epoch) the host may answer this request with `reply`,
    /// received at `now_ms`; `None` not to store it: not a 2xx, already from the cache or another
    /// call's request (`shared`, so a hit never extends its own life), no lifetime in the field
    /// the hint names, or none left after `early_s`.
    pub fn until_ms(&self, reply: &Reply, now_ms: u64) -> Option<u64> {
        if !reply.is_success() || reply.shared {
            return None;
        }
        let ttl_s = match &self.ttl_field {
            None => self.ttl_s.into(),
            Some(field) => {
                let said = json::parse(&reply.body)?.get(field)?.as_u64()?;
                said.saturating_sub(self.early_s.into()).min(self.ttl_s.into())
            }
        };
        (ttl_s > 0).then(|| now_ms.saturating_add(ttl_s * 1000))
    }
}

/// One HTTPS request for the host to send.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Request {
    /// Which upstream call this is (`password`, `token`, `users-by-email`, ...): for logs and counts.
    pub label: String,
    /// `GET` or `POST`.
    pub method: String,
    /// Absolute `https://` URL.
    pub url: String,
    /// Header name/value pairs.
    pub headers: Vec<(String, String)>,
    /// Request body, if any (JSON text).
    pub body: Option<String>,
    /// Give up after this long (clamped to the time left by [`crate::flow`] before it is sent).
    pub timeout_ms: u32,
    /// Wait this long before sending (a retry's backoff); 0 for none.
    pub delay_ms: u32,
    /// Read at most this many bytes of the reply's body ([`MAX_BODY_BYTES`]).
    pub max_body_bytes: u32,
    /// Whether and how the reply may be cached.
    pub cache: Option<CacheHint>,
}

impl Request {
    /// A JSON `POST`.
    pub fn post_json(label: &str, url: String, body: &Value, timeout_ms: u32) -> Request {
        Request {
            label: label.to_string(),
            method: "POST".to_string(),
            url,
            headers: vec![("content-type".to_string(), "application/json".to_string())],
            body: Some(body.to_json()),
            timeout_ms,
            delay_ms: 0,
            max_body_bytes: MAX_BODY_BYTES,
            cache: None,
        }
    }

    /// A plain `GET`.
    pub fn get(label: &str, url: String, timeout_ms: u32) -> Request {
        Request {
            label: label.to_string(),
            method: "GET".to_string(),
            url,
            headers: Vec::new(),
            body: None,
            timeout_ms,
            delay_ms: 0,
            max_body_bytes: MAX_BODY_BYTES,
            cache: None,
        }
    }

    /// A `GET` with a bearer token.
    pub fn get_bearer(label: &str, url: String, token: &str, timeout_ms: u32) -> Request {
        let mut r = Request::get(label, url, timeout_ms);
        r.headers.push(("authorization".to_string(), crate::text::cat(&["Bearer ", token])));
        r
    }

    /// The same request, cacheable under `hint`.
    pub fn cached(mut self, hint: CacheHint) -> Request {
        self.cache = Some(hint);
        self
    }

    /// The same request, sent after `delay_ms`.
    pub fn delayed(mut self, delay_ms: u32) -> Request {
        self.delay_ms = delay_ms;
        self
    }

    /// The request as the shim reads it.
    pub fn to_json(&self) -> Value {
        let headers =
            self.headers.iter().map(|(k, v)| Value::Array(vec![Value::from(k.as_str()), Value::from(v.as_str())]));
        let mut fields = vec![
            ("label", Value::from(self.label.as_str())),
            ("method", Value::from(self.method.as_str())),
            ("url", Value::from(self.url.as_str())),
            ("headers", Value::Array(headers.collect())),
            ("timeout_ms", Value::int(self.timeout_ms.into())),
            ("delay_ms", Value::int(self.delay_ms.into())),
            ("max_body_bytes", Value::int(self.max_body_bytes.into())),
        ];
        if let Some(b) = &self.body {
            fields.push(("body", Value::from(b.as_str())));
        }
        if let Some(c) = &self.cache {
            fields.push((
                "cache",
                Value::object([("key", Value::from(c.key.as_str())), ("refresh", Value::Bool(c.refresh))]),
            ));
        }
        Value::object(fields)
    }
}

/// What came back: an HTTP response, or a failure to get one.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Reply {
    /// HTTP status, when a response arrived.
    pub status: Option<u16>,
    /// Response body text (possibly truncated by the host at its read limit).
    pub body: String,
    /// `timeout`, `network` or `deadline` when no response arrived.
    pub failure: Option<String>,
    /// The `Retry-After` header, when present.
    pub retry_after: Option<String>,
    /// The `X-RateLimit-Reset` header (epoch seconds), when present.
    pub rate_limit_reset: Option<String>,
    /// Answered from the host's cache or another call's request rather than by this call's own:
    /// never stored again.
    pub shared: bool,
}

impl Reply {
    /// A response with a status and body (for tests and fakes).
    pub fn response(status: u16, body: impl Into<String>) -> Reply {
        Reply { status: Some(status), body: body.into(), ..Reply::default() }
    }

    /// No response, for the given reason.
    pub fn failed(why: &str) -> Reply {
        Reply { failure: Some(why.to_string()), ..Reply::default() }
    }

    /// Reads `{"status": 200, "body": "..", "headers": {..}, "shared": true}` or `{"failure": "timeout"}` as the
    /// shim sends it. Read by hand rather than derived: see `boundary` on why derived
    /// deserializers cost size.
    pub fn from_value(v: &Value) -> Reply {
        let text = |v: Option<&Value>| v.and_then(Value::as_str).map(str::to_string);
        let headers = v.get("headers");
        let header = |name: &str| text(headers.and_then(|h| h.get(name)));
        Reply {
            status: v.get("status").and_then(Value::as_u64).and_then(|s| u16::try_from(s).ok()),
            body: text(v.get("body")).unwrap_or_default(),
            failure: text(v.get("failure")),
            retry_after: header("retry-after"),
            rate_limit_reset: header("x-ratelimit-reset"),
            shared: v.get("shared").and_then(Value::as_bool).unwrap_or(false),
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

    /// A 2xx response.
    pub fn is_success(&self) -> bool {
        self.failure.is_none() && matches!(self.status, Some(200..=299))
    }
}

/// Percent-encodes a query-string or path value (everything but RFC 3986 unreserved characters).
/// Hand-written: eight lines do not justify a dependency.
pub fn encode_component(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for b in value.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~') {
            out.push(b as char);
        } else {
            out.push('%');
            out.push(char::from(b"0123456789ABCDEF"[usize::from(b >> 4)]));
            out.push(char::from(b"0123456789ABCDEF"[usize::from(b & 15)]));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::json::from_serde;
    use serde_json::json;

    #[test]
    fn components_are_fully_escaped() {
        assert_eq!(encode_component("a.b+c@x.com"), "a.b%2Bc%40x.com");
        assert_eq!(encode_component("&email=x y"), "%26email%3Dx%20y");
        assert_eq!(encode_component("é"), "%C3%A9");
        assert_eq!(encode_component("auth0|abc"), "auth0%7Cabc");
    }

    #[test]
    fn reply_status_reports_failures() {
        assert_eq!(Reply::response(200, "{}").status(), Ok(200));
        assert_eq!(Reply::failed("timeout").status(), Err("timeout".into()));
        assert!(!Reply::failed("network").is_success());
    }

    #[test]
    fn reply_reads_the_rate_limit_headers() {
        let r = Reply::from_value(&from_serde(
            json!({"status": 429, "body": "{}", "headers": {"retry-after": "2", "x-ratelimit-reset": "1700000000"}}),
        ));
        assert_eq!(r.retry_after.as_deref(), Some("2"));
        assert_eq!(r.rate_limit_reset.as_deref(), Some("1700000000"));
        assert_eq!(Reply::from_value(&from_serde(json!({"status": 99999}))).status, None);
        assert!(Reply::from_value(&from_serde(json!({"status": 200, "shared": true}))).shared);
    }

    #[test]
    fn every_request_tells_the_host_how_much_of_the_reply_to_read() {
        let bearer = Request::get_bearer("user", "https://t/api/v2/users/x".into(), "tok", API_TIMEOUT_MS);
        let post =
            Request::post_json("password", "https://t/oauth/token".into(), &Value::from("{}"), PASSWORD_TIMEOUT_MS);
        for r in [Request::get("jwks", "https://t/.well-known/jwks.json".into(), API_TIMEOUT_MS), bearer, post] {
            assert_eq!(r.max_body_bytes, MAX_BODY_BYTES, "{}", r.label);
            let j = r.to_json();
            assert_eq!(j.get("max_body_bytes").and_then(Value::as_u64), Some(1_048_576), "{}", r.label);
        }
    }

    const NOW: u64 = 1_700_000_000_000;

    fn hint(ttl_s: u32, ttl_field: Option<&str>, early_s: u32) -> CacheHint {
        CacheHint { key: "k".into(), ttl_s, ttl_field: ttl_field.map(str::to_string), early_s, refresh: false }
    }

    #[test]
    fn a_fixed_lifetime_expires_that_long_after_the_reply() {
        assert_eq!(hint(600, None, 0).until_ms(&Reply::response(200, "{}"), NOW), Some(NOW + 600_000));
        assert_eq!(hint(600, None, 0).until_ms(&Reply::response(204, ""), NOW), Some(NOW + 600_000));
        assert_eq!(hint(0, None, 0).until_ms(&Reply::response(200, "{}"), NOW), None, "no lifetime, no entry");
    }

    #[test]
    fn a_lifetime_from_the_reply_is_shortened_by_early_s_and_capped() {
        let token = hint(86_400, Some("expires_in"), 60);
        let body = |e: &str| format!(r#"{{"access_token":"t","expires_in":{e}}}"#);
        assert_eq!(token.until_ms(&Reply::response(200, body("3600")), NOW), Some(NOW + 3_540_000));
        assert_eq!(token.until_ms(&Reply::response(200, body("999999")), NOW), Some(NOW + 86_400_000), "capped");
        assert_eq!(token.until_ms(&Reply::response(200, body("60")), NOW), None, "nothing left after early_s");
        assert_eq!(token.until_ms(&Reply::response(200, body("30")), NOW), None);
        assert_eq!(token.until_ms(&Reply::response(200, body("\"3600\"")), NOW), None, "not a number");
        assert_eq!(token.until_ms(&Reply::response(200, r#"{"access_token":"t"}"#), NOW), None, "no field");
        assert_eq!(token.until_ms(&Reply::response(200, "not json"), NOW), None);
    }

    #[test]
    fn failures_and_shared_replies_are_not_stored() {
        let h = hint(600, None, 0);
        for status in [301, 401, 404, 429, 500, 503] {
            assert_eq!(h.until_ms(&Reply::response(status, "{}"), NOW), None, "{status}");
        }
        assert_eq!(h.until_ms(&Reply::failed("timeout"), NOW), None);
        let hit = Reply { shared: true, ..Reply::response(200, "{}") };
        assert_eq!(h.until_ms(&hit, NOW), None, "a cache hit never extends its own life");
    }
}
