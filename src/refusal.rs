//! Auth0's refusals of the command line's own requests (Management API calls, the bulk import, the
//! Authentication API's change-password), read in one place: the command line asks the engine
//! (`classify_api_refusal`, engine build only) and words the fix; it reads no Auth0 error text itself.

use crate::json::{self, Value};
use crate::prelude::*;
use crate::text::mentions;

/// What a refusal means, for the command line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ApiRefusal {
    /// The token lacks a scope; the scopes Auth0 names, when it does.
    InsufficientScope(Option<String>),
    /// Two import jobs already run on the tenant (Auth0's limit), answered as a 429.
    ImportSlotsFull,
    /// Any other 429.
    RateLimited,
    /// The request names an application or connection Auth0 will not use for it (not enabled,
    /// unknown), or the endpoint is not there: every other request would get the same answer.
    ClientOrConnection,
    /// Anything else.
    Other,
}

impl ApiRefusal {
    /// A stable name, for the engine's JSON answer.
    pub fn label(&self) -> &'static str {
        match self {
            ApiRefusal::InsufficientScope(_) => "insufficient_scope",
            ApiRefusal::ImportSlotsFull => "import_slots_full",
            ApiRefusal::RateLimited => "rate_limited",
            ApiRefusal::ClientOrConnection => "client_or_connection",
            ApiRefusal::Other => "other",
        }
    }
}

/// Reads a refused reply: its status and body (the Management API's `{statusCode, error, message,
/// errorCode}` or OAuth's `{error, error_description}`; any text).
pub fn classify(status: u16, body: &str) -> ApiRefusal {
    let v = json::parse(body).unwrap_or_default();
    let field = |k: &str| v.get(k).and_then(Value::as_str).unwrap_or("").to_string();
    let message = if field("message").is_empty() { field("error_description") } else { field("message") };
    let text = if v.as_object().is_some() {
        crate::text::cat(&[&field("error"), " ", &field("errorCode"), " ", &message])
    } else {
        body.to_string()
    };
    let lower = text.to_ascii_lowercase();
    if status == 403 && (field("errorCode") == "insufficient_scope" || mentions(&lower, "scope")) {
        return ApiRefusal::InsufficientScope(scopes_named(&message));
    }
    if status == 429 {
        return if mentions(&lower, "active import users jobs") {
            ApiRefusal::ImportSlotsFull
        } else {
            ApiRefusal::RateLimited
        };
    }
    let about_setup = mentions(&lower, "client") || mentions(&lower, "connection") || mentions(&lower, "realm");
    if status == 404 || (matches!(status, 400 | 401 | 403) && about_setup) {
        return ApiRefusal::ClientOrConnection;
    }
    ApiRefusal::Other
}

/// "Insufficient scope, expected any of: read:users, create:users" -> "read:users, create:users".
/// Byte windows rather than `str::find`: the pattern searcher costs kilobytes of wasm (see
/// `crate::text::mentions`).
fn scopes_named(message: &str) -> Option<String> {
    let marker = b"expected any of: ";
    let at = message.as_bytes().windows(marker.len()).position(|w| w == marker)? + marker.len();
    let rest = message.get(at..)?;
    let end = rest
        .bytes()
        .position(|b| !(b.is_ascii_alphanumeric() || matches!(b, b':' | b',' | b' ' | b'_')))
        .unwrap_or(rest.len());
    let scopes = rest.get(..end)?.trim().trim_end_matches(',');
    (!scopes.is_empty()).then(|| scopes.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refusals_of_the_command_lines_requests() {
        let scope = r#"{"statusCode":403,"error":"Forbidden","message":"Insufficient scope, expected any of: create:users, update:users","errorCode":"insufficient_scope"}"#;
        assert_eq!(classify(403, scope), ApiRefusal::InsufficientScope(Some("create:users, update:users".into())));
        assert_eq!(classify(403, r#"{"message":"Insufficient scope"}"#), ApiRefusal::InsufficientScope(None));
        let busy = r#"{"statusCode":429,"error":"Too Many Requests","message":"There are 2 active import users jobs, please wait"}"#;
        assert_eq!(classify(429, busy), ApiRefusal::ImportSlotsFull);
        assert_eq!(classify(429, r#"{"message":"Global limit has been reached"}"#), ApiRefusal::RateLimited);
        assert_eq!(
            classify(400, r#"{"error":"invalid_request","error_description":"the connection is not enabled"}"#),
            ApiRefusal::ClientOrConnection
        );
        assert_eq!(
            classify(401, r#"{"error":"access_denied","error_description":"Unknown client: x"}"#),
            ApiRefusal::ClientOrConnection
        );
        assert_eq!(classify(404, "Not Found"), ApiRefusal::ClientOrConnection);
        assert_eq!(classify(400, r#"{"error":"bad_request","error_description":"invalid email"}"#), ApiRefusal::Other);
        assert_eq!(classify(500, "oops"), ApiRefusal::Other);
        assert_eq!(ApiRefusal::ImportSlotsFull.label(), "import_slots_full");
    }
}
