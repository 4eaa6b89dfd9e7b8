//! The provider's token endpoint: the password grant (login) and client credentials (the SCIM and
//! Keycloak lookups), and what their refusals mean.
//!
//! The client authenticates with HTTP Basic (`client_secret_basic`), the method RFC 6749 2.3.1
//! says every authorization server must support (Okta's default; Keycloak accepts it too), and the
//! body is form-encoded as the token endpoint requires (RFC 6749 4.3.2, 4.4.2).

use crate::base64url;
use crate::http::{encode_component, CacheHint, Reply, Request, API_TIMEOUT_MS, PASSWORD_TIMEOUT_MS};
use crate::json::{self, Value};
use crate::oidc::settings::{limits, OidcConfig};
use crate::outcome::Outcome;
use crate::prelude::*;
use crate::text::{cat, excerpt, mentions, num};

/// `Basic base64(urlencode(id):urlencode(secret))` (RFC 6749 2.3.1: both form-encoded first).
fn basic(cfg: &OidcConfig) -> String {
    let pair = cat(&[&encode_component(&cfg.client_id), ":", &encode_component(&cfg.client_secret)]);
    // base64url without padding -> base64 with padding.
    let mut b: String = base64url::encode(pair.as_bytes())
        .chars()
        .map(|c| {
            if c == '-' {
                '+'
            } else if c == '_' {
                '/'
            } else {
                c
            }
        })
        .collect();
    while !b.len().is_multiple_of(4) {
        b.push('=');
    }
    cat(&["Basic ", &b])
}

fn form(label: &str, url: &str, cfg: &OidcConfig, fields: &[(&str, &str)], timeout_ms: u32) -> Request {
    let mut body = String::new();
    for (k, v) in fields {
        if !body.is_empty() {
            body.push('&');
        }
        body.push_str(&cat(&[k, "=", &encode_component(v)]));
    }
    let mut r = Request::get(label, url.to_string(), timeout_ms);
    r.method = "POST".to_string();
    r.headers = vec![
        ("content-type".to_string(), "application/x-www-form-urlencoded".to_string()),
        ("authorization".to_string(), basic(cfg)),
    ];
    r.body = Some(body);
    r
}

/// The password grant: sent once, never retried (the provider counts failures).
pub fn password_request(cfg: &OidcConfig, token_endpoint: &str, username: &str, password: &str) -> Request {
    let fields = [("grant_type", "password"), ("username", username), ("password", password), ("scope", &cfg.scope)];
    form("password", token_endpoint, cfg, &fields, PASSWORD_TIMEOUT_MS)
}

/// Client credentials for the admin APIs, cached like the Management API token: for its
/// `expires_in` less a minute, at most an hour; `refresh` after the API refused the cached one.
pub fn client_token_request(cfg: &OidcConfig, token_endpoint: &str, refresh: bool) -> Request {
    let hint = CacheHint {
        // The client id tells two clients of one provider apart; the secret never goes in a key.
        key: cat(&["oidc-token|", token_endpoint, "|", &cfg.client_id]),
        ttl_s: limits::TOKEN_TTL_S,
        ttl_field: Some("expires_in".to_string()),
        early_s: limits::TOKEN_EARLY_S,
        refresh,
    };
    form("client-token", token_endpoint, cfg, &[("grant_type", "client_credentials")], API_TIMEOUT_MS).cached(hint)
}

/// No answer, rate limits and outages, whatever the call: `None` when the reply is an answer
/// the caller reads itself. Never a wrong password.
pub fn transport_failure(reply: &Reply, what: &str) -> Option<Outcome> {
    match reply.status() {
        Err(why) => Some(Outcome::error(cat(&[what, ": no answer from the provider (", &why, ")"]))),
        Ok(429) => Some(Outcome::error(cat(&[what, ": the provider is rate limiting (HTTP 429), retry later"]))),
        Ok(s) if s >= 500 => Some(Outcome::error(cat(&[what, ": the provider failed (HTTP ", &num(s.into()), ")"]))),
        Ok(_) => None,
    }
}

fn oauth_error(body: &str) -> (String, String) {
    let v = json::parse(body).unwrap_or_default();
    let field = |k: &str| v.get(k).and_then(Value::as_str).unwrap_or("").to_string();
    (field("error"), field("error_description"))
}

/// The setup fix for a token-endpoint refusal other than `invalid_grant`, `None` for an unknown one.
fn setup_fix(error: &str, grant: &str) -> Option<String> {
    Some(match error {
        "invalid_client" => "setup: the provider refused the client; check `Client_ID` and `Client_Secret` (client_secret_basic)".to_string(),
        "unauthorized_client" | "unsupported_grant_type" => cat(&[
            "setup: the provider does not let this client use the ",
            grant,
            " grant; allow it (Keycloak: Direct Access Grants, Service Accounts; Okta: Resource Owner Password, Client Credentials)",
        ]),
        "invalid_scope" => "setup: the provider refused the `Scope` setting's scopes".to_string(),
        _ => return None,
    })
}

fn unexpected(what: &str, status: u16, error: &str, description: &str) -> Outcome {
    Outcome::error(cat(&[
        what,
        ": unexpected reply from the provider (HTTP ",
        &num(status.into()),
        ", error `",
        &excerpt(error, 60),
        "`: ",
        &excerpt(description, 200),
        ")",
    ]))
}

/// A password grant that did not succeed. `invalid_grant` is the provider's "wrong credentials"
/// (RFC 6749 5.2), except where its description says the account is disabled, locked or not set
/// up (Keycloak's wording): those are blocked users. Every other refusal is a setup error.
pub fn password_failure(reply: &Reply) -> Outcome {
    if let Some(o) = transport_failure(reply, "password check") {
        return o;
    }
    let status = reply.status.unwrap_or(0);
    let (error, description) = oauth_error(&reply.body);
    let lower = description.to_ascii_lowercase();
    if error == "invalid_grant" {
        if ["disabled", "locked", "not fully set up"].iter().any(|w| mentions(&lower, w)) {
            return Outcome::unauthorized("Your account is blocked or not fully set up. Please contact support.");
        }
        return Outcome::WrongPassword { message: "Wrong email or password.".into() };
    }
    match setup_fix(&error, "password") {
        Some(fix) => Outcome::error(fix),
        None => unexpected("password check", status, &error, &description),
    }
}

/// The `access_token` of a client-credentials reply, or the operator-facing error.
pub fn read_client_token(reply: &Reply) -> Result<String, Outcome> {
    if let Some(o) = transport_failure(reply, "admin API token") {
        return Err(o);
    }
    let status = reply.status.unwrap_or(0);
    if reply.is_success() {
        let v = json::parse(&reply.body).unwrap_or_default();
        return v
            .get("access_token")
            .and_then(Value::as_str)
            .filter(|t| !t.is_empty())
            .map(str::to_string)
            .ok_or_else(|| Outcome::error("admin API token: the provider's reply has no access_token"));
    }
    let (error, description) = oauth_error(&reply.body);
    Err(setup_fix(&error, "client credentials")
        .map(Outcome::error)
        .unwrap_or_else(|| unexpected("admin API token", status, &error, &description)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::oidc::settings::Lookup;

    fn cfg() -> OidcConfig {
        OidcConfig {
            issuer: "https://idp".into(),
            client_id: "my app".into(),
            client_secret: "s3:cr&t".into(),
            scope: "openid email".into(),
            lookup: Lookup::None,
            user_id_prefix: String::new(),
            user_metadata_claims: vec![],
            app_metadata_claims: vec![],
            log_identifiers: false,
        }
    }

    #[test]
    fn the_password_grant_is_a_form_with_basic_client_authentication() {
        let r = password_request(&cfg(), "https://idp/token", "a+b@x.com", "p&w=1");
        assert_eq!((r.method.as_str(), r.url.as_str(), r.cache.is_none()), ("POST", "https://idp/token", true));
        assert_eq!(
            r.body.as_deref(),
            Some("grant_type=password&username=a%2Bb%40x.com&password=p%26w%3D1&scope=openid%20email")
        );
        // base64("my%20app:s3%3Acr%26t")
        assert_eq!(r.headers[1], ("authorization".to_string(), "Basic bXklMjBhcHA6czMlM0FjciUyNnQ=".to_string()));
        let t = client_token_request(&cfg(), "https://idp/token", true);
        assert_eq!(t.body.as_deref(), Some("grant_type=client_credentials"));
        let hint = t.cache.unwrap();
        assert!(hint.refresh && !hint.key.contains("s3"));
    }

    fn reply(status: u16, error: &str, description: &str) -> Reply {
        Reply::response(status, cat(&[r#"{"error":""#, error, r#"","error_description":""#, description, r#""}"#]))
    }

    #[test]
    fn only_invalid_grant_is_a_wrong_password() {
        assert!(matches!(
            password_failure(&reply(400, "invalid_grant", "Invalid user credentials")),
            Outcome::WrongPassword { .. }
        ));
        assert!(matches!(
            password_failure(&reply(400, "invalid_grant", "Account disabled")),
            Outcome::Unauthorized { .. }
        ));
        for (e, says) in [
            ("invalid_client", "Client_Secret"),
            ("unauthorized_client", "Direct Access Grants"),
            ("unsupported_grant_type", "password grant"),
            ("invalid_scope", "`Scope`"),
            ("server_error", "unexpected"),
        ] {
            let Outcome::Error { message } = password_failure(&reply(400, e, "x")) else { panic!("{e}") };
            assert!(message.contains(says), "{e}: {message}");
        }
        for r in [Reply::response(429, "{}"), Reply::response(503, ""), Reply::failed("timeout")] {
            assert!(matches!(password_failure(&r), Outcome::Error { .. }), "{r:?}");
        }
    }

    #[test]
    fn client_tokens() {
        assert_eq!(
            read_client_token(&Reply::response(200, r#"{"access_token":"t","expires_in":300}"#)),
            Ok("t".into())
        );
        assert!(read_client_token(&Reply::response(200, "{}")).is_err());
        let Err(Outcome::Error { message }) = read_client_token(&reply(401, "unauthorized_client", "")) else {
            panic!()
        };
        assert!(message.contains("client credentials grant"), "{message}");
    }
}
