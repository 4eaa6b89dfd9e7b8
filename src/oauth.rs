//! The old tenant's `/oauth/token`: building the two kinds of request the flows make, and reading
//! its replies. The classification here is the heart of "never report an outage as a wrong
//! password": only the replies that mean "these credentials are wrong" become one.

use crate::config::Config;
use crate::http::{CacheHint, Reply, Request, API_TIMEOUT_MS, PASSWORD_TIMEOUT_MS};
use crate::json::{self, Value};
use crate::outcome::Outcome;
use crate::prelude::*;
use crate::text::{cat, excerpt, mentions, num};

/// The grant that checks a password against a named connection.
pub const PASSWORD_REALM_GRANT: &str = "http://auth0.com/oauth/grant-type/password-realm";

/// The password check: the password-realm grant when `Connection` is set, the plain `password`
/// grant (the tenant's Default Directory) when it is empty.
pub fn password_request(cfg: &Config, identifier: &str, password: &str) -> Request {
    let grant = if cfg.connection.is_some() { PASSWORD_REALM_GRANT } else { "password" };
    let mut fields = vec![
        ("grant_type", Value::from(grant)),
        ("username", Value::from(identifier)),
        ("password", Value::from(password)),
        ("client_id", Value::from(cfg.client_id.as_str())),
        ("client_secret", Value::from(cfg.client_secret.as_str())),
        ("scope", Value::from("openid profile email")),
    ];
    if let Some(realm) = &cfg.connection {
        fields.push(("realm", Value::from(realm.as_str())));
    }
    let body = Value::object(fields);
    Request::post_json("password", cfg.url("/oauth/token"), &body, PASSWORD_TIMEOUT_MS)
}

/// A Management API token by client credentials, cached by the host for its lifetime less a
/// minute and shared by concurrent invocations (Auth0 counts and can quota-limit M2M tokens).
/// `refresh` skips the cached one (it was refused).
pub fn management_token_request(cfg: &Config, refresh: bool) -> Request {
    let body = Value::object([
        ("grant_type", Value::from("client_credentials")),
        ("client_id", Value::from(cfg.client_id.as_str())),
        ("client_secret", Value::from(cfg.client_secret.as_str())),
        ("audience", Value::from(cfg.audience.as_str())),
    ]);
    Request::post_json("token", cfg.url("/oauth/token"), &body, API_TIMEOUT_MS).cached(CacheHint {
        key: cat(&["mgmt-token|", &cfg.domain, "|", &cfg.client_id, "|", &cfg.audience]),
        ttl_s: 86_400,
        ttl_field: Some("expires_in".to_string()),
        early_s: 60,
        refresh,
    })
}

/// The `error` / `error_description` pair of an OAuth error body (empty strings when absent).
pub fn oauth_error(body: &str) -> (String, String) {
    let v = json::parse(body).unwrap_or_default();
    let field = |k: &str| v.get(k).and_then(Value::as_str).unwrap_or("").to_string();
    (field("error"), field("error_description"))
}

/// ``<what> (HTTP 400, error `x`: description)``, with the upstream text cut short.
fn unexpected(what: &str, status: u16, error: &str, description: &str) -> String {
    cat(&[
        what,
        " (HTTP ",
        &num(status.into()),
        ", error `",
        &excerpt(error, 60),
        "`: ",
        &excerpt(description, 200),
        ")",
    ])
}

/// A 429 from brute-force protection (`too_many_attempts`): an answer about this user, not a
/// rate limit - neither retried nor reported as an outage.
pub fn is_brute_force_lock(reply: &Reply) -> bool {
    reply.status == Some(429) && oauth_error(&reply.body).0 == "too_many_attempts"
}

/// Failures shared by every upstream call: no reply, rate limits, outages. `None` when the
/// reply is a 2xx-4xx answer the caller must read itself.
pub fn transport_failure(reply: &Reply, what: &str) -> Option<Outcome> {
    match reply.status() {
        Err(why) => Some(Outcome::error(cat(&[what, ": no answer from the old tenant (", &why, ")"]))),
        Ok(429) if is_brute_force_lock(reply) => None,
        Ok(429) => Some(Outcome::error(cat(&[
            what,
            ": the old tenant is rate limiting (HTTP 429); this is not a wrong password, retry later",
        ]))),
        Ok(s) if s >= 500 => Some(Outcome::error(cat(&[what, ": the old tenant failed (HTTP ", &num(s.into()), ")"]))),
        Ok(_) => None,
    }
}

/// How the password check ended, when it did not succeed.
pub fn classify_password_failure(reply: &Reply, cfg: &Config) -> PasswordVerdict {
    if let Some(o) = transport_failure(reply, "password check") {
        return PasswordVerdict::Final(o);
    }
    let status = reply.status.unwrap_or(0);
    let (error, description) = oauth_error(&reply.body);
    let lower = description.to_ascii_lowercase();
    let v = match error.as_str() {
        "invalid_grant" | "invalid_user_password" => Outcome::WrongPassword { message: "Wrong email or password.".into() },
        "access_denied" if mentions(&lower, "wrong") && mentions(&lower, "password") => {
            Outcome::WrongPassword { message: "Wrong email or password.".into() }
        }
        "mfa_required" => return PasswordVerdict::PasswordAcceptedNeedsLookup,
        "unauthorized" | "user_blocked" => Outcome::unauthorized(
            "Your account is blocked. Please contact support.",
        ),
        "too_many_attempts" => Outcome::unauthorized(
            "Your account has been temporarily locked after too many failed login attempts. Try again later or reset your password.",
        ),
        "password_leaked" => Outcome::unauthorized(
            "This password was found in a data breach and can no longer be used. Please reset your password.",
        ),
        "unauthorized_client" => Outcome::error(
            "setup: the old tenant's Migration App does not allow the Password grant; enable Password in Applications > Migration App > Advanced Settings > Grant Types",
        ),
        // "Unknown realm ..." and "the connection was disabled" (not enabled for this app) both mean
        // the `Connection` setting and the app's Connections tab; doctor and deploy show this text.
        "invalid_request" if mentions(&lower, "realm") || mentions(&lower, "disabled") || mentions(&lower, "not enabled") => Outcome::error(cat(&[
            "setup: the old tenant does not know the connection `",
            cfg.connection.as_deref().unwrap_or(""),
            "` or it is not enabled for the Migration App; check the `Connection` setting and the app's Connections tab",
        ])),
        "access_denied" | "invalid_client" if status == 401 => Outcome::error(
            "setup: the old tenant refused the Migration App's credentials; check the `Client_ID` and `Client_Secret` settings",
        ),
        _ if mentions(&lower, "default connection") => Outcome::error(
            "setup: the old tenant has no Default Directory for the plain password grant; set the `Connection` setting to the database connection's name",
        ),
        _ => Outcome::error(unexpected("password check: unexpected reply from the old tenant", status, &error, &description)),
    };
    PasswordVerdict::Final(v)
}

/// What a failed password check means for the flow.
#[derive(Debug, Clone, PartialEq)]
pub enum PasswordVerdict {
    /// The answer is final.
    Final(Outcome),
    /// `mfa_required`: the password was right, but no ID token came back; the profile must be
    /// read from the Management API (the user enrols MFA again in the new tenant).
    PasswordAcceptedNeedsLookup,
}

/// The `access_token` of a client-credentials reply, or the operator-facing error.
pub fn read_management_token(reply: &Reply) -> Result<String, Outcome> {
    if let Some(o) = transport_failure(reply, "Management API token") {
        return Err(o);
    }
    let status = reply.status.unwrap_or(0);
    let v = json::parse(&reply.body).unwrap_or_default();
    if (200..300).contains(&status) {
        return v
            .get("access_token")
            .and_then(Value::as_str)
            .filter(|t| !t.is_empty())
            .map(str::to_string)
            .ok_or_else(|| Outcome::error("Management API token: the old tenant's reply has no access_token"));
    }
    let (error, description) = oauth_error(&reply.body);
    Err(Outcome::error(match token_refusal(status, &error, &description) {
        TokenRefusal::GrantNotAllowed => "setup: the old tenant's Migration App does not allow the Client Credentials grant; enable it in Applications > Migration App > Advanced Settings > Grant Types".to_string(),
        TokenRefusal::UnknownAudience | TokenRefusal::NotAuthorisedForApi => "setup: the Migration App is not authorised for the old tenant's Management API; authorise it with the read:users scope (Applications > APIs > Auth0 Management API > Machine to Machine Applications), and check the `Audience` setting".to_string(),
        TokenRefusal::CredentialsRefused => "setup: the old tenant refused the Migration App's credentials; check the `Client_ID` and `Client_Secret` settings".to_string(),
        TokenRefusal::Unexpected => unexpected("Management API token: unexpected reply", status, &error, &description),
    }))
}

/// What a refused client-credentials token request means, whoever asked for it: the scripts'
/// Migration App (above) or the command line's own apps (`classify_token_refusal` in the engine
/// build), which word the fix for their own settings.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TokenRefusal {
    /// The client id or secret is wrong.
    CredentialsRefused,
    /// The app may not use the Client Credentials grant.
    GrantNotAllowed,
    /// The app has no client grant for the API (the audience exists).
    NotAuthorisedForApi,
    /// No API has this audience (often a custom domain given as the tenant's).
    UnknownAudience,
    /// Anything else.
    Unexpected,
}

impl TokenRefusal {
    /// A stable name, for the engine's JSON answer.
    pub fn label(self) -> &'static str {
        match self {
            TokenRefusal::CredentialsRefused => "credentials_refused",
            TokenRefusal::GrantNotAllowed => "grant_not_allowed",
            TokenRefusal::NotAuthorisedForApi => "not_authorised_for_api",
            TokenRefusal::UnknownAudience => "unknown_audience",
            TokenRefusal::Unexpected => "unexpected",
        }
    }
}

/// Reads Auth0's refusal of a client-credentials request: `error` and `error_description` of the
/// reply body, and its status.
pub fn token_refusal(status: u16, error: &str, description: &str) -> TokenRefusal {
    let lower = description.to_ascii_lowercase();
    match error {
        "unauthorized_client" => TokenRefusal::GrantNotAllowed,
        "access_denied" if mentions(&lower, "service not found") => TokenRefusal::UnknownAudience,
        "access_denied"
            if status == 403 || mentions(&lower, "not authorized to access") || mentions(&lower, "client-grant") =>
        {
            TokenRefusal::NotAuthorisedForApi
        }
        "access_denied" | "invalid_client" => TokenRefusal::CredentialsRefused,
        _ => TokenRefusal::Unexpected,
    }
}

/// The body of a refused token request as `(error, error_description)`; for the engine export.
pub fn token_refusal_of(status: u16, body: &str) -> TokenRefusal {
    let (error, description) = oauth_error(body);
    token_refusal(status, &error, &description)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn cfg(connection: Option<&str>) -> Config {
        let mut s = json::Map::new();
        for (k, v) in [("Domain", "old.auth0.com"), ("Client_ID", "cid"), ("Client_Secret", "sec")] {
            s.insert(k, Value::from(v));
        }
        if let Some(c) = connection {
            s.insert("Connection", Value::from(c));
        }
        Config::from_settings(&s).unwrap()
    }

    fn body(req: &Request) -> serde_json::Value {
        serde_json::from_str(req.body.as_deref().unwrap()).unwrap()
    }

    #[test]
    fn realm_grant_with_connection_plain_password_without() {
        let b = body(&password_request(&cfg(Some("legacy-db")), "a@b.c", "pw"));
        assert_eq!(b["grant_type"], PASSWORD_REALM_GRANT);
        assert_eq!(b["realm"], "legacy-db");
        assert_eq!(b["scope"], "openid profile email");
        let b = body(&password_request(&cfg(None), "a@b.c", "pw"));
        assert_eq!(b["grant_type"], "password");
        assert!(b.get("realm").is_none());
    }

    #[test]
    fn management_token_uses_the_audience() {
        let r = management_token_request(&cfg(None), false);
        assert_eq!(r.url, "https://old.auth0.com/oauth/token");
        let hint = r.cache.as_ref().unwrap();
        assert_eq!((hint.ttl_field.as_deref(), hint.early_s, hint.refresh), (Some("expires_in"), 60, false));
        assert!(!hint.key.contains("sec"), "the cache key holds no secret");
        assert!(management_token_request(&cfg(None), true).cache.unwrap().refresh);
        assert_eq!(body(&r)["audience"], "https://old.auth0.com/api/v2/");
        assert_eq!(body(&r)["grant_type"], "client_credentials");
    }

    fn verdict(status: u16, error: &str, description: &str) -> PasswordVerdict {
        let body = json!({"error": error, "error_description": description}).to_string();
        classify_password_failure(&Reply::response(status, body), &cfg(Some("db")))
    }

    fn kind(v: PasswordVerdict) -> &'static str {
        match v {
            PasswordVerdict::Final(Outcome::WrongPassword { .. }) => "wrong",
            PasswordVerdict::Final(Outcome::Unauthorized { .. }) => "unauthorized",
            PasswordVerdict::Final(Outcome::Error { .. }) => "error",
            PasswordVerdict::PasswordAcceptedNeedsLookup => "lookup",
            PasswordVerdict::Final(_) => "other",
        }
    }

    #[test]
    fn only_credential_answers_become_wrong_passwords() {
        assert_eq!(kind(verdict(403, "invalid_grant", "Wrong email or password.")), "wrong");
        assert_eq!(kind(verdict(403, "invalid_user_password", "Wrong email or password.")), "wrong");
        assert_eq!(kind(verdict(401, "access_denied", "Wrong email or password.")), "wrong");
        assert_eq!(kind(verdict(401, "unauthorized", "user is blocked")), "unauthorized");
        assert_eq!(kind(verdict(429, "too_many_attempts", "blocked")), "unauthorized");
        assert_eq!(kind(verdict(401, "password_leaked", "leaked")), "unauthorized");
        assert_eq!(kind(verdict(403, "mfa_required", "Multifactor authentication required")), "lookup");
        assert_eq!(kind(verdict(403, "unauthorized_client", "Grant type not allowed")), "error");
        assert_eq!(kind(verdict(400, "invalid_request", "Unknown realm db")), "error");
        for (error, description, says) in [
            ("invalid_request", "the connection was disabled", "not enabled for the Migration App"),
            ("invalid_request", "Unknown realm db", "not enabled for the Migration App"),
            ("server_error", "Authorization server not configured with default connection.", "no Default Directory"),
        ] {
            match verdict(400, error, description) {
                PasswordVerdict::Final(Outcome::Error { message }) => assert!(message.contains(says), "{message}"),
                other => panic!("{description}: {other:?}"),
            }
        }
        assert_eq!(kind(verdict(401, "access_denied", "Unauthorized")), "error");
        assert_eq!(kind(verdict(429, "too_many_requests", "Global limit has been reached")), "error");
        assert_eq!(kind(verdict(400, "something_new", "?")), "error");
    }

    #[test]
    fn outages_and_garbage_are_errors() {
        for r in [
            Reply::response(503, "<html>down</html>"),
            Reply::response(500, ""),
            Reply::response(200, "not json"),
            Reply { failure: Some("timeout".into()), ..Reply::default() },
            Reply { failure: Some("network".into()), ..Reply::default() },
        ] {
            assert_eq!(kind(classify_password_failure(&r, &cfg(None))), "error", "{r:?}");
        }
    }

    #[test]
    fn management_token_errors_name_the_setup_step() {
        let r = Reply::response(
            403,
            json!({"error": "access_denied", "error_description": "Client is not authorized"}).to_string(),
        );
        let Err(Outcome::Error { message }) = read_management_token(&r) else { panic!() };
        assert!(message.contains("read:users"), "{message}");
        let r = Reply::response(200, json!({"access_token": "t", "expires_in": 86400}).to_string());
        assert_eq!(read_management_token(&r), Ok("t".to_string()));
    }

    #[test]
    fn token_refusals_read_the_same_for_every_app() {
        assert_eq!(token_refusal(401, "access_denied", "Unauthorized"), TokenRefusal::CredentialsRefused);
        assert_eq!(token_refusal(401, "invalid_client", ""), TokenRefusal::CredentialsRefused);
        assert_eq!(token_refusal(403, "unauthorized_client", "Grant type not allowed"), TokenRefusal::GrantNotAllowed);
        assert_eq!(
            token_refusal(403, "access_denied", "Service not found: https://x/api/v2/"),
            TokenRefusal::UnknownAudience
        );
        assert_eq!(
            token_refusal(
                403,
                "access_denied",
                "Client is not authorized to access \"x\". You need to create a \"client-grant\""
            ),
            TokenRefusal::NotAuthorisedForApi
        );
        assert_eq!(token_refusal(400, "something_new", ""), TokenRefusal::Unexpected);
        assert_eq!(
            token_refusal_of(401, r#"{"error":"access_denied","error_description":"Unauthorized"}"#).label(),
            "credentials_refused"
        );
    }
}
