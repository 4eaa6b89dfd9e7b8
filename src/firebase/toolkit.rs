//! The Identity Toolkit API: the three requests the flows send to it, and what its refusals mean.
//!
//! - `POST /v1/accounts:signInWithPassword?key=API_KEY` `{email, password, returnSecureToken}`:
//!   the password check (login; sent once, never retried);
//! - `POST /v1/accounts:lookup?key=API_KEY` `{idToken}`: the signed-in user's record (login);
//! - `POST /v1/projects/{Project_ID}/accounts:lookup` `{email: [..]}` with the service account's
//!   bearer token (the emulator's `owner`): a user by email (get_user).
//!
//! A refusal is `{"error": {"code", "message", "status"}}`; its `message` is a code such as
//! `INVALID_PASSWORD`, sometimes followed by ` : ` and an explanation, which is matched by its code
//! only. Only the codes that mean "these credentials are wrong" become a wrong password; every
//! code this module does not know is an Error, never a wrong password.

use crate::firebase::settings::{keys, limits, FirebaseConfig};
use crate::http::{encode_component, Reply, Request, API_TIMEOUT_MS, PASSWORD_TIMEOUT_MS};
use crate::json::{self, Value};
use crate::outcome::Outcome;
use crate::prelude::*;
use crate::text::{cat, excerpt, mentions, num};

fn post(label: &str, url: String, body: &Value, timeout_ms: u32) -> Request {
    let mut r = Request::post_json(label, url, body, timeout_ms);
    r.max_body_bytes = limits::MAX_REPLY_BYTES;
    r
}

fn keyed(cfg: &FirebaseConfig, method: &str) -> String {
    cat(&[&cfg.toolkit(), "/v1/accounts:", method, "?key=", &encode_component(&cfg.api_key)])
}

/// The password check.
pub fn sign_in(cfg: &FirebaseConfig, email: &str, password: &str) -> Request {
    let body = Value::object([
        ("email", Value::from(email)),
        ("password", Value::from(password)),
        ("returnSecureToken", Value::Bool(true)),
    ]);
    post("sign-in", keyed(cfg, "signInWithPassword"), &body, PASSWORD_TIMEOUT_MS)
}

/// The signed-in user's own record, by its ID token.
pub fn lookup_by_token(cfg: &FirebaseConfig, id_token: &str) -> Request {
    post("account", keyed(cfg, "lookup"), &Value::object([("idToken", Value::from(id_token))]), API_TIMEOUT_MS)
}

/// A user by email, as an admin (`bearer`: the service account's access token, or the emulator's).
pub fn lookup_by_email(cfg: &FirebaseConfig, email: &str, bearer: &str) -> Request {
    let url = cat(&[&cfg.toolkit(), "/v1/projects/", &cfg.project_id, "/accounts:lookup"]);
    let body = Value::object([("email", Value::Array(vec![Value::from(email)]))]);
    let mut r = post("lookup", url, &body, API_TIMEOUT_MS);
    r.headers.push(("authorization".to_string(), cat(&["Bearer ", bearer])));
    r
}

/// The refusal's code (`INVALID_PASSWORD` of `INVALID_PASSWORD : ...`) and its whole message.
pub fn refusal(body: &str) -> (String, String) {
    let v = json::parse(body).unwrap_or_default();
    let message = v.get("error").and_then(|e| e.get("message")).and_then(Value::as_str).unwrap_or("").to_string();
    // Up to the first space: `INVALID_PASSWORD : ...` and `USER_DISABLED` alike (a byte scan, not
    // `str::split`, whose substring searcher costs the script about a kilobyte).
    let code: String = message.chars().take_while(|c| *c != ' ').collect();
    (code, message)
}

/// No answer, rate limits and outages, whatever the call: `None` when the reply is an answer the
/// caller reads itself. Never a wrong password.
pub fn transport_failure(reply: &Reply, what: &str) -> Option<Outcome> {
    match reply.status() {
        Err(why) => Some(Outcome::error(cat(&[what, ": no answer from Firebase (", &why, ")"]))),
        Ok(429) => Some(Outcome::error(cat(&[
            what,
            ": Firebase is rate limiting (HTTP 429); this is not a wrong password, retry later",
        ]))),
        Ok(s) if s >= 500 => Some(Outcome::error(cat(&[what, ": Firebase failed (HTTP ", &num(s.into()), ")"]))),
        Ok(_) => None,
    }
}

/// The setup fix a refusal names, for any Identity Toolkit call; `None` for a code that is about
/// the user (or unknown).
pub fn setup_problem(status: u16, code: &str, message: &str) -> Option<String> {
    let fix = if code == "API_KEY_INVALID" || message.starts_with("API key") || mentions(message, "API_KEY_INVALID") {
        cat(&[
            "setup: Google refused the `",
            keys::API_KEY,
            "` setting (",
            &excerpt(message, 80),
            "); use the Web API key of the project in `",
            keys::PROJECT_ID,
            "` (Project settings > General)",
        ])
    } else if code == "CONFIGURATION_NOT_FOUND" || code == "PROJECT_NOT_FOUND" {
        cat(&[
            "setup: Firebase knows no Authentication configuration for this project (",
            code,
            "); check `",
            keys::PROJECT_ID,
            "` and that `",
            keys::API_KEY,
            "` is that project's, and that Authentication is set up there (Firebase console > Authentication > Get started)",
        ])
    } else if code == "OPERATION_NOT_ALLOWED" || code == "PASSWORD_LOGIN_DISABLED" {
        "setup: the project does not allow email/password sign-in; enable it (Firebase console > Authentication > Sign-in method > Email/Password)".to_string()
    } else if status == 403 || code == "PERMISSION_DENIED" || code == "INSUFFICIENT_PERMISSION" {
        cat(&[
            "setup: Google refused the request (HTTP 403, ",
            &excerpt(message, 80),
            "); the service account in `",
            keys::SERVICE_ACCOUNT_EMAIL,
            "` needs the Firebase Authentication Viewer role on the project in `",
            keys::PROJECT_ID,
            "`, and any restriction on `",
            keys::API_KEY,
            "` must allow the Identity Toolkit API",
        ])
    } else {
        return None;
    };
    Some(fix)
}

fn unexpected(what: &str, status: u16, message: &str) -> Outcome {
    Outcome::error(cat(&[
        what,
        ": unexpected reply from Firebase (HTTP ",
        &num(status.into()),
        ": ",
        &excerpt(message, 200),
        ")",
    ]))
}

/// A password check that did not succeed. A brute-force lock (`TOO_MANY_ATTEMPTS_TRY_LATER`) is
/// an answer about this user whatever its status; wrong credentials are the codes that say so;
/// everything else is an Error.
pub fn sign_in_failure(reply: &Reply) -> Outcome {
    let (code, message) = refusal(&reply.body);
    match code.as_str() {
        "TOO_MANY_ATTEMPTS_TRY_LATER" if reply.failure.is_none() => {
            return Outcome::unauthorized(
                "Your account has been temporarily locked after too many failed login attempts. Try again later or reset your password.",
            )
        }
        "INVALID_PASSWORD" | "EMAIL_NOT_FOUND" | "INVALID_LOGIN_CREDENTIALS" | "INVALID_EMAIL" | "MISSING_PASSWORD"
            if reply.status == Some(400) =>
        {
            return Outcome::WrongPassword { message: "Wrong email or password.".into() }
        }
        "USER_DISABLED" if reply.status == Some(400) => {
            return Outcome::unauthorized("Your account is blocked. Please contact support.")
        }
        _ => {}
    }
    if let Some(o) = transport_failure(reply, "password check") {
        return o;
    }
    let status = reply.status.unwrap_or(0);
    match setup_problem(status, &code, &message) {
        Some(fix) => Outcome::error(fix),
        None => unexpected("password check", status, &message),
    }
}

/// A lookup (by ID token or as an admin) that did not succeed, after retries.
pub fn lookup_failure(reply: &Reply, what: &str) -> Outcome {
    if let Some(o) = transport_failure(reply, what) {
        return o;
    }
    let status = reply.status.unwrap_or(0);
    let (code, message) = refusal(&reply.body);
    if code == "USER_DISABLED" {
        return Outcome::unauthorized("Your account is blocked. Please contact support.");
    }
    match setup_problem(status, &code, &message) {
        Some(fix) => Outcome::error(fix),
        None => unexpected(what, status, &message),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn firebase(status: u16, message: &str) -> Reply {
        Reply::response(
            status,
            json!({"error": {"code": status, "message": message, "errors": [{"message": message}]}}).to_string(),
        )
    }

    fn kind(o: &Outcome) -> &'static str {
        match o {
            Outcome::WrongPassword { .. } => "wrong",
            Outcome::Unauthorized { .. } => "unauthorized",
            Outcome::Error { .. } => "error",
            _ => "other",
        }
    }

    #[test]
    fn the_codes_are_read_before_their_explanation() {
        assert_eq!(
            refusal(r#"{"error":{"message":"INVALID_PASSWORD : The password is invalid."}}"#).0,
            "INVALID_PASSWORD"
        );
        assert_eq!(refusal(r#"{"error":{"message":"USER_DISABLED"}}"#).0, "USER_DISABLED");
        assert_eq!(refusal("<html>").0, "");
    }

    #[test]
    fn only_credential_codes_are_wrong_passwords() {
        for code in [
            "INVALID_PASSWORD",
            "EMAIL_NOT_FOUND",
            "INVALID_LOGIN_CREDENTIALS",
            "INVALID_PASSWORD : The password is invalid or the user does not have a password.",
        ] {
            assert_eq!(kind(&sign_in_failure(&firebase(400, code))), "wrong", "{code}");
        }
        assert_eq!(
            kind(&sign_in_failure(&firebase(
                400,
                "USER_DISABLED : The user account has been disabled by an administrator."
            ))),
            "unauthorized"
        );
        let locked = sign_in_failure(&firebase(
            400,
            "TOO_MANY_ATTEMPTS_TRY_LATER : Access to this account has been temporarily disabled",
        ));
        assert!(
            matches!(&locked, Outcome::Unauthorized { message } if message.contains("temporarily locked")),
            "{locked:?}"
        );
        assert_eq!(kind(&sign_in_failure(&firebase(429, "TOO_MANY_ATTEMPTS_TRY_LATER"))), "unauthorized");
        for r in [
            firebase(500, "INVALID_PASSWORD"),
            firebase(503, "EMAIL_NOT_FOUND"),
            firebase(429, "QUOTA_EXCEEDED"),
            Reply::failed("timeout"),
            Reply::response(200, "not json"),
            firebase(400, "SOMETHING_NEW"),
        ] {
            assert_eq!(kind(&sign_in_failure(&r)), "error", "{r:?}");
        }
    }

    #[test]
    fn setup_refusals_name_the_setting() {
        for (status, message, says) in [
            (400, "API key not valid. Please pass a valid API key.", "`API_Key`"),
            (400, "API key expired. Please renew the API key.", "`API_Key`"),
            (400, "CONFIGURATION_NOT_FOUND", "`Project_ID`"),
            (400, "PROJECT_NOT_FOUND", "`Project_ID`"),
            (400, "OPERATION_NOT_ALLOWED : Password sign-in is disabled for this project.", "Email/Password"),
            (400, "PASSWORD_LOGIN_DISABLED", "Email/Password"),
            (403, "Caller does not have required permission to use project x.", "Firebase Authentication Viewer"),
        ] {
            let Outcome::Error { message: m } = sign_in_failure(&firebase(status, message)) else {
                panic!("{message}")
            };
            assert!(m.contains(says), "{message}: {m}");
            let Outcome::Error { message: m } = lookup_failure(&firebase(status, message), "user lookup") else {
                panic!()
            };
            assert!(m.contains(says), "{message}: {m}");
        }
    }

    #[test]
    fn requests_go_where_google_documents() {
        let mut s = crate::json::Map::new();
        for (k, v) in [("Project_ID", "demo-x"), ("API_Key", "k-y_1"), ("Emulator_Host", "127.0.0.1:9099")] {
            s.insert(k, Value::from(v));
        }
        let cfg = FirebaseConfig::from_settings(&s).unwrap();
        let r = sign_in(&cfg, "A@b.c", "pw");
        assert_eq!(
            r.url,
            "http://127.0.0.1:9099/identitytoolkit.googleapis.com/v1/accounts:signInWithPassword?key=k-y_1"
        );
        assert_eq!(r.body.as_deref(), Some(r#"{"email":"A@b.c","password":"pw","returnSecureToken":true}"#));
        assert_eq!(
            (r.timeout_ms, r.max_body_bytes, r.cache.is_none()),
            (PASSWORD_TIMEOUT_MS, limits::MAX_REPLY_BYTES, true)
        );
        let r = lookup_by_email(&cfg, "a@b.c", "owner");
        assert_eq!(r.url, "http://127.0.0.1:9099/identitytoolkit.googleapis.com/v1/projects/demo-x/accounts:lookup");
        assert_eq!(r.body.as_deref(), Some(r#"{"email":["a@b.c"]}"#));
        assert!(r.headers.contains(&("authorization".to_string(), "Bearer owner".to_string())));
    }
}
