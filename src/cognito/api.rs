//! Cognito's user pool API as the flows use it: the requests (AWS JSON 1.1, `POST /` with an
//! `X-Amz-Target`) and what its error replies mean.
//!
//! - `InitiateAuth` (`USER_PASSWORD_AUTH`): the password check; sent once, never retried (Cognito
//!   counts failed attempts and locks the user after several).
//! - `GetUser` with the access token: login's profile once the ID token is verified.
//! - `ListUsers` with a `Filter`: get_user's lookup (and login's after an MFA challenge),
//!   authorised by an IAM key ([`super::sigv4`]).
//!
//! Errors come as HTTP 400 with `__type` (the exception's name, sometimes after a namespace and
//! `#`) and `message`. Only an explicit answer about the user becomes a wrong password or a
//! refusal; everything else - no answer, throttling, 5xx, an unknown exception - is an Error.

use super::settings::{limits, CognitoConfig, Unconfirmed};
use super::sigv4;
use crate::http::{CacheHint, Reply, Request, API_TIMEOUT_MS, PASSWORD_TIMEOUT_MS};
use crate::json::{self, Value};
use crate::outcome::Outcome;
use crate::prelude::*;
use crate::retry;
use crate::text::{cat, excerpt, mentions, num};

/// The end-user messages, the same words as the other sources'.
pub const BLOCKED: &str = "Your account is blocked. Please contact support.";
const LOCKED: &str =
    "Your account has been temporarily locked after too many failed login attempts. Try again later or reset your password.";
/// Shown when the old system wants a new password before the next login.
pub const MUST_RESET: &str = "You must reset your password before you can log in. Please reset your password.";
/// Shown to an unconfirmed user under `Unconfirmed_Users=refuse`.
pub const UNCONFIRMED: &str = "Your account was never confirmed. Please confirm it before you log in.";
const WRONG: &str = "Wrong email or password.";

fn post(cfg: &CognitoConfig, label: &str, target: &str, body: &Value, timeout_ms: u32) -> Request {
    let mut r = Request::post_json(label, cat(&[&cfg.origin, "/"]), body, timeout_ms);
    r.headers = vec![
        ("content-type".to_string(), limits::CONTENT_TYPE.to_string()),
        ("x-amz-target".to_string(), cat(&[limits::TARGET_PREFIX, target])),
    ];
    r.max_body_bytes = limits::MAX_REPLY_BYTES;
    r
}

/// `InitiateAuth` with `USER_PASSWORD_AUTH` for `username` as typed, with the `SECRET_HASH` when
/// the app client has a secret (computed by the host's sign step: [`crate::cognito`]).
pub fn initiate_auth(cfg: &CognitoConfig, username: &str, password: &str, secret_hash: Option<String>) -> Request {
    let mut params = vec![("USERNAME", Value::from(username)), ("PASSWORD", Value::from(password))];
    if let Some(hash) = secret_hash {
        params.push(("SECRET_HASH", Value::from(hash)));
    }
    let body = Value::object([
        ("AuthFlow", Value::from("USER_PASSWORD_AUTH")),
        ("ClientId", Value::from(cfg.client_id.as_str())),
        ("AuthParameters", Value::object(params)),
    ]);
    post(cfg, "initiate-auth", "InitiateAuth", &body, PASSWORD_TIMEOUT_MS)
}

/// A `ListUsers` filter value: `"` and `\` escaped with `\`, then quoted, so no identifier can
/// change the filter.
pub fn quoted(value: &str) -> String {
    let mut s = String::from("\"");
    for c in value.chars() {
        if c == '"' || c == '\\' {
            s.push('\\');
        }
        s.push(c);
    }
    s.push('"');
    s
}

/// `GetUser` with the access token `InitiateAuth` returned: the user's attributes as the pool
/// holds them (authorised by the token itself, not by the IAM key).
pub fn get_user(cfg: &CognitoConfig, access_token: &str) -> Request {
    let body = Value::object([("AccessToken", Value::from(access_token))]);
    post(cfg, "get-user", "GetUser", &body, API_TIMEOUT_MS)
}

/// `ListUsers` for `identifier` (as typed): `email = "..."` for an identifier with `@`, else
/// `username = "..."`; signed with the IAM key at `now_ms`.
pub fn list_users(cfg: &CognitoConfig, identifier: &str, now_ms: u64) -> Request {
    let attribute = if crate::lookup::is_email(identifier) { "email = " } else { "username = " };
    let body = Value::object([
        ("UserPoolId", Value::from(cfg.pool_id.as_str())),
        ("Filter", Value::from(cat(&[attribute, &quoted(identifier)]))),
        ("Limit", Value::int(limits::LIST_LIMIT)),
    ]);
    let mut r = post(cfg, "list-users", "ListUsers", &body, API_TIMEOUT_MS);
    r.headers = sigv4::signed_headers_for(cfg, "ListUsers", r.body.as_deref().unwrap_or(""), now_ms);
    r
}

/// The pool's signing keys, `{issuer}/.well-known/jwks.json`, cached; `refresh` after an unknown `kid`.
pub fn jwks(cfg: &CognitoConfig, refresh: bool) -> Request {
    let url = cat(&[&cfg.issuer(), "/.well-known/jwks.json"]);
    let hint =
        CacheHint { key: cat(&["jwks|", &url]), ttl_s: limits::JWKS_TTL_S, ttl_field: None, early_s: 0, refresh };
    Request::get("jwks", url, API_TIMEOUT_MS).cached(hint)
}

/// The exception's name and message of an error reply (empty when absent).
pub fn exception(body: &str) -> (String, String) {
    let v = json::parse(body).unwrap_or_default();
    let field = |k: &str| v.get(k).and_then(Value::as_str).unwrap_or("").to_string();
    let kind = field("__type");
    let kind = kind.rsplit('#').next().unwrap_or("").split(':').next().unwrap_or("").to_string();
    let message = if v.get("message").is_some() { field("message") } else { field("Message") };
    (kind, message)
}

/// The backoff before another try of a read (`GetUser`, `ListUsers`, a listing page), or `None`.
/// Cognito throttles with HTTP 400 `TooManyRequestsException`: as retryable as a 429.
pub fn retry_delay(reply: &Reply, tries: u8, now_ms: u64) -> Option<u32> {
    let throttled = reply.status == Some(400) && exception(&reply.body).0 == "TooManyRequestsException";
    retry::backoff(reply, throttled || retry::is_transient(reply), tries, now_ms)
}

/// No answer, throttling and outages, whatever the call: `None` when the reply is an answer the
/// caller reads itself. Never a wrong password.
pub fn transport_failure(reply: &Reply, what: &str) -> Option<Outcome> {
    match reply.status() {
        Err(why) => Some(Outcome::error(cat(&[what, ": no answer from Cognito (", &why, ")"]))),
        Ok(429) => Some(Outcome::error(cat(&[what, ": Cognito is throttling (HTTP 429), retry later"]))),
        Ok(s) if s >= 500 => Some(Outcome::error(cat(&[what, ": Cognito failed (HTTP ", &num(s.into()), ")"]))),
        Ok(_) => None,
    }
}

/// A setup error or outage for an exception either call may meet, or `None`.
fn common(kind: &str) -> Option<&'static str> {
    Some(match kind {
        "ResourceNotFoundException" => {
            "setup: Cognito does not know the pool or the app client; check `Region`, `User_Pool_ID` and `Client_ID`"
        }
        "TooManyRequestsException" | "ThrottlingException" | "LimitExceededException" => {
            "Cognito is throttling (TooManyRequestsException); this is not a wrong password, retry later"
        }
        "InternalErrorException" => "Cognito failed (InternalErrorException)",
        _ => return None,
    })
}

/// A setup error for an exception of the IAM-signed lookup, or `None`.
fn iam(kind: &str) -> Option<&'static str> {
    Some(match kind {
        "UnrecognizedClientException" | "InvalidClientTokenId" => {
            "setup: AWS does not know the access key; check `Access_Key_ID`"
        }
        "InvalidSignatureException" | "IncompleteSignature" | "SignatureDoesNotMatch" => {
            "setup: AWS refused the request's signature; check `Secret_Access_Key` and `Region` (and the host's clock)"
        }
        "AccessDeniedException" => {
            "setup: the IAM key may not call cognito-idp:ListUsers on the pool; allow it (docs/cognito-source.md)"
        }
        _ => return None,
    })
}

fn unexpected(what: &str, status: u16, kind: &str, message: &str) -> Outcome {
    Outcome::error(cat(&[
        what,
        ": unexpected reply from Cognito (HTTP ",
        &num(status.into()),
        ", `",
        &excerpt(kind, 60),
        "`: ",
        &excerpt(message, 200),
        ")",
    ]))
}

/// An `InitiateAuth` that did not succeed, for the user who typed the identifier.
pub fn password_failure(cfg: &CognitoConfig, reply: &Reply) -> Outcome {
    if let Some(o) = transport_failure(reply, "password check") {
        return o;
    }
    let status = reply.status.unwrap_or(0);
    let (kind, message) = exception(&reply.body);
    let lower = message.to_ascii_lowercase();
    match kind.as_str() {
        "NotAuthorizedException" => {
            if mentions(&lower, "disabled") {
                Outcome::unauthorized(BLOCKED)
            } else if mentions(&lower, "attempts exceeded") {
                Outcome::unauthorized(LOCKED)
            } else if mentions(&lower, "secret hash") {
                Outcome::error("setup: Cognito refused the SECRET_HASH; set `Client_Secret` to the app client's secret (or empty for a client without one)")
            } else if mentions(&lower, "must be reset") || mentions(&lower, "has expired") {
                // "Temporary password has expired and must be reset by an administrator."
                Outcome::unauthorized(MUST_RESET)
            } else {
                // "Incorrect username or password." (and, with user-existence errors hidden, an
                // unknown user): Cognito's answer about this user and this password.
                Outcome::WrongPassword { message: WRONG.into() }
            }
        }
        // An unknown user when the pool reveals user existence: no enumeration at login.
        "UserNotFoundException" => Outcome::WrongPassword { message: WRONG.into() },
        // The emulator (cognito-local 5.3.0) answers a wrong password with this. Real Cognito
        // raises it only when a *new* password breaks the pool's policy (sign-up, password
        // changes, challenge answers), never for InitiateAuth's PASSWORD, so reading it as a
        // wrong password cannot misread a real reply.
        "InvalidPasswordException" => Outcome::WrongPassword { message: WRONG.into() },
        "PasswordResetRequiredException" => Outcome::unauthorized(MUST_RESET),
        "UserNotConfirmedException" => match cfg.unconfirmed {
            Unconfirmed::Refuse => Outcome::unauthorized(UNCONFIRMED),
            // The password was not checked (Cognito answers this whatever the password): never
            // migrated; a reset in the new tenant proves the email instead.
            Unconfirmed::Migrate => Outcome::unauthorized(MUST_RESET),
        },
        "InvalidParameterException" if mentions(&lower, "user_password_auth") || mentions(&lower, "auth flow") => {
            Outcome::error(
                "setup: the app client does not allow USER_PASSWORD_AUTH; enable ALLOW_USER_PASSWORD_AUTH on it",
            )
        }
        k => match common(k) {
            Some(fix) => Outcome::error(fix),
            None => unexpected("password check", status, k, &message),
        },
    }
}

/// A `ListUsers` or `GetUser` reply that is not a success (transport failures already handled).
pub fn api_failure(what: &str, reply: &Reply) -> Outcome {
    let status = reply.status.unwrap_or(0);
    let (kind, message) = exception(&reply.body);
    match common(&kind).or_else(|| iam(&kind)) {
        Some(fix) => Outcome::error(cat(&[what, ": ", fix])),
        None => unexpected(what, status, &kind, &message),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::json::Map;

    fn cfg(unconfirmed: &str) -> CognitoConfig {
        let mut m = Map::new();
        for (k, v) in [
            ("Region", "eu-west-1"),
            ("User_Pool_ID", "eu-west-1_P00l"),
            ("Client_ID", "client1"),
            ("Client_Secret", "csecret"),
            ("Access_Key_ID", "AKIDEXAMPLE"),
            ("Secret_Access_Key", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"),
            ("Unconfirmed_Users", unconfirmed),
        ] {
            m.insert(k, Value::from(v));
        }
        CognitoConfig::from_settings(&m).unwrap()
    }

    #[test]
    fn initiate_auth_is_aws_json_with_the_secret_hash() {
        let want = sigv4::secret_hash("csecret", "Jane@x.com", "client1");
        let r = initiate_auth(&cfg(""), "Jane@x.com", "p\"w", Some(want.clone()));
        assert_eq!((r.method.as_str(), r.url.as_str()), ("POST", "https://cognito-idp.eu-west-1.amazonaws.com/"));
        assert!(r.headers.contains(&("content-type".into(), "application/x-amz-json-1.1".into())));
        assert!(r.headers.contains(&("x-amz-target".into(), "AWSCognitoIdentityProviderService.InitiateAuth".into())));
        let body = json::parse(r.body.as_deref().unwrap()).unwrap();
        assert_eq!(body.get("AuthFlow").and_then(Value::as_str), Some("USER_PASSWORD_AUTH"));
        let p = body.get("AuthParameters").unwrap();
        assert_eq!(p.get("PASSWORD").and_then(Value::as_str), Some("p\"w"));
        assert_eq!(p.get("SECRET_HASH").and_then(Value::as_str), Some(want.as_str()));
        assert!(r.cache.is_none() && r.timeout_ms == PASSWORD_TIMEOUT_MS);
    }

    #[test]
    fn filters_are_quoted_and_escaped() {
        assert_eq!(quoted(r#"a"b\c"#), r#""a\"b\\c""#);
        let r = list_users(&cfg(""), "x\"@y.com", 1_700_000_000_000);
        let body = json::parse(r.body.as_deref().unwrap()).unwrap();
        assert_eq!(body.get("Filter").and_then(Value::as_str), Some(r#"email = "x\"@y.com""#));
        assert_eq!(body.get("UserPoolId").and_then(Value::as_str), Some("eu-west-1_P00l"));
        let r = list_users(&cfg(""), "jdoe", 1_700_000_000_000);
        assert!(r.body.as_deref().unwrap().contains(r#"username = \"jdoe\""#));
        let auth = r.headers.iter().find(|(n, _)| n == "authorization").unwrap();
        assert!(auth.1.starts_with(
            "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20231114/eu-west-1/cognito-idp/aws4_request, SignedHeaders=content-type;host;x-amz-date;x-amz-target, Signature="
        ));
        assert!(!auth.1.contains("wJalr"), "the secret never leaves");
        assert!(r.headers.contains(&("x-amz-date".into(), "20231114T221320Z".into())));
    }

    fn error(kind: &str, message: &str) -> Reply {
        Reply::response(400, cat(&[r#"{"__type":""#, kind, r#"","message":""#, message, r#""}"#]))
    }

    fn kind(o: &Outcome) -> &'static str {
        match o {
            Outcome::WrongPassword { .. } => "wrong",
            Outcome::Unauthorized { .. } => "refused",
            Outcome::Error { .. } => "error",
            _ => "other",
        }
    }

    #[test]
    fn each_refusal_means_what_cognito_says() {
        let c = cfg("");
        for (k, m, want) in [
            ("NotAuthorizedException", "Incorrect username or password.", "wrong"),
            ("NotAuthorizedException", "User is disabled.", "refused"),
            ("NotAuthorizedException", "Password attempts exceeded", "refused"),
            ("NotAuthorizedException", "Unable to verify secret hash for client client1", "error"),
            ("aws.cognito#UserNotFoundException", "User does not exist.", "wrong"),
            ("InvalidPasswordException", "Invalid password", "wrong"),
            ("PasswordResetRequiredException", "Password reset required for the user", "refused"),
            ("UserNotConfirmedException", "User is not confirmed.", "refused"),
            ("TooManyRequestsException", "Rate exceeded", "error"),
            ("ResourceNotFoundException", "User pool client x does not exist.", "error"),
            ("InvalidParameterException", "USER_PASSWORD_AUTH flow not enabled for this client", "error"),
            ("SomethingNew", "?", "error"),
        ] {
            assert_eq!(kind(&password_failure(&c, &error(k, m))), want, "{k}: {m}");
        }
        let Outcome::Unauthorized { message } =
            password_failure(&c, &error("NotAuthorizedException", "User is disabled."))
        else {
            panic!()
        };
        assert_eq!(message, BLOCKED);
        let Outcome::Unauthorized { message } =
            password_failure(&cfg("migrate"), &error("UserNotConfirmedException", "User is not confirmed."))
        else {
            panic!()
        };
        assert_eq!(message, MUST_RESET);
        for r in [
            Reply::response(500, ""),
            Reply::response(429, "{}"),
            Reply::failed("timeout"),
            Reply::response(400, "not json"),
        ] {
            assert_eq!(kind(&password_failure(&c, &r)), "error", "{r:?}");
        }
    }

    #[test]
    fn api_failures_name_the_setting() {
        for (k, says) in [
            ("AccessDeniedException", "ListUsers"),
            ("UnrecognizedClientException", "Access_Key_ID"),
            ("InvalidSignatureException", "Secret_Access_Key"),
            ("ResourceNotFoundException", "User_Pool_ID"),
            ("Other", "unexpected"),
        ] {
            let Outcome::Error { message } = api_failure("user lookup", &error(k, "m")) else { panic!() };
            assert!(message.contains(says), "{k}: {message}");
        }
    }
}
