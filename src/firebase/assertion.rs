//! The service account's access token for the admin lookup: a JWT-bearer assertion (RFC 7523)
//! whose claims are written here and whose RS256 signature the host computes with Node's crypto
//! from the service account's private key (a [`crate::step::Step::Sign`]; the shim's
//! `sign-rs256.js`), then exchanged at Google's token endpoint.
//!
//! The claims: `iss` the service account, `scope` the Identity Toolkit API only, `aud` the token
//! endpoint, `iat` now, `exp` an hour later (Google's maximum). The token is cached by the host for
//! its `expires_in` less a minute, and concurrent calls share one token request; each call still
//! signs its own assertion first (one RSA signature, about a millisecond of the host's CPU), as the
//! host's cache is asked only with a request in hand.
//!
//! Who signs: an RSA signature in Rust would carry big-number arithmetic in every get_user script,
//! when the host has it built in, as it has the ID-token check ([`crate::jwt`]).

use crate::base64url;
use crate::firebase::settings::{google, limits, ServiceAccount};
use crate::http::{encode_component, CacheHint, Reply, Request, API_TIMEOUT_MS};
use crate::json::{self, Value};
use crate::outcome::Outcome;
use crate::prelude::*;
use crate::text::{cat, excerpt, mentions, num};

/// The assertion's header and claims, base64url, joined by `.`: the text the host signs.
pub fn signing_input(account: &ServiceAccount, now_s: u64) -> String {
    let header = Value::object([("alg", Value::from("RS256")), ("typ", Value::from("JWT"))]);
    let claims = Value::object([
        ("iss", Value::from(account.email.as_str())),
        ("scope", Value::from(google::SCOPE)),
        ("aud", Value::from(google::TOKEN_URL)),
        ("iat", Value::int(now_s)),
        ("exp", Value::int(now_s + limits::ASSERTION_LIFETIME_S)),
    ]);
    cat(&[&base64url::encode(header.to_json().as_bytes()), ".", &base64url::encode(claims.to_json().as_bytes())])
}

/// Whether the host's answer is an RS256 signature: base64url of 256 to 512 bytes (2048- to
/// 4096-bit keys).
pub fn is_signature(s: &str) -> bool {
    base64url::decode(s).is_some_and(|b| (256..=512).contains(&b.len()))
}

/// The token request for the signed assertion; `refresh` after the API refused the cached token.
pub fn token_request(account: &ServiceAccount, assertion: &str, refresh: bool) -> Request {
    let body = cat(&["grant_type=", &encode_component(google::JWT_BEARER), "&assertion=", assertion]);
    let mut r = Request::get("token", google::TOKEN_URL.to_string(), API_TIMEOUT_MS);
    r.method = "POST".to_string();
    r.headers = vec![("content-type".to_string(), "application/x-www-form-urlencoded".to_string())];
    r.body = Some(body);
    r.max_body_bytes = limits::MAX_REPLY_BYTES;
    r.cached(CacheHint {
        // The account names the token; the key is never in a cache key.
        key: cat(&["firebase-token|", &account.email]),
        ttl_s: limits::TOKEN_TTL_S,
        ttl_field: Some("expires_in".to_string()),
        early_s: limits::TOKEN_EARLY_S,
        refresh,
    })
}

/// The `access_token` of the token endpoint's reply, or the operator-facing error.
pub fn read_token(reply: &Reply) -> Result<String, Outcome> {
    if let Some(o) = crate::firebase::toolkit::transport_failure(reply, "service account token") {
        return Err(o);
    }
    let v = json::parse(&reply.body).unwrap_or_default();
    let field = |k: &str| v.get(k).and_then(Value::as_str).unwrap_or("").to_string();
    if reply.is_success() {
        let token = field("access_token");
        return if token.is_empty() {
            Err(Outcome::error("service account token: Google's reply has no access_token"))
        } else {
            Ok(token)
        };
    }
    let (error, description) = (field("error"), field("error_description"));
    let lower = description.to_ascii_lowercase();
    let fix = if mentions(&lower, "signature") {
        "setup: Google refused the assertion's signature; `Service_Account_Private_Key` is not the key of `Service_Account_Email` (or the key was deleted): create a new JSON key and copy its private_key".to_string()
    } else if mentions(&lower, "account not found") || error == "invalid_client" || error == "unauthorized_client" {
        "setup: Google does not know the service account in `Service_Account_Email` (deleted or disabled?); check it and its key".to_string()
    } else if mentions(&lower, "iat") || mentions(&lower, "exp") || mentions(&lower, "timeframe") {
        "setup: Google refused the assertion's times; check the clock of the machine the scripts run on".to_string()
    } else {
        cat(&[
            "service account token: unexpected reply from Google (HTTP ",
            &num(reply.status.unwrap_or(0).into()),
            ", error `",
            &excerpt(&error, 60),
            "`: ",
            &excerpt(&description, 200),
            ")",
        ])
    };
    Err(Outcome::error(fix))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn account() -> ServiceAccount {
        ServiceAccount {
            email: "migrate@demo.iam.gserviceaccount.com".into(),
            private_key: "-----BEGIN PRIVATE KEY-----\nSECRET\n-----END PRIVATE KEY-----\n".into(),
        }
    }

    fn decode(segment: &str) -> serde_json::Value {
        serde_json::from_slice(&base64url::decode(segment).unwrap()).unwrap()
    }

    #[test]
    fn the_assertion_claims_are_googles_for_an_hour_and_the_identity_toolkit_only() {
        let input = signing_input(&account(), 1_700_000_000);
        let (h, c) = input.split_once('.').unwrap();
        assert_eq!(decode(h), json!({"alg": "RS256", "typ": "JWT"}));
        assert_eq!(
            decode(c),
            json!({"iss": "migrate@demo.iam.gserviceaccount.com", "scope": "https://www.googleapis.com/auth/identitytoolkit",
                "aud": "https://oauth2.googleapis.com/token", "iat": 1_700_000_000u64, "exp": 1_700_003_600u64})
        );
        assert!(!input.contains("SECRET"));
    }

    #[test]
    fn the_token_request_is_a_cached_jwt_bearer_form_without_the_key() {
        let r = token_request(&account(), "h.c.s", false);
        assert_eq!((r.method.as_str(), r.url.as_str()), ("POST", "https://oauth2.googleapis.com/token"));
        assert_eq!(
            r.body.as_deref(),
            Some("grant_type=urn%3Aietf%3Aparams%3Aoauth%3Agrant-type%3Ajwt-bearer&assertion=h.c.s")
        );
        let hint = r.cache.clone().unwrap();
        assert_eq!(
            (hint.key.as_str(), hint.ttl_field.as_deref(), hint.early_s, hint.refresh),
            ("firebase-token|migrate@demo.iam.gserviceaccount.com", Some("expires_in"), 60, false)
        );
        assert!(!format!("{r:?}").contains("SECRET"));
        assert!(token_request(&account(), "h.c.s", true).cache.unwrap().refresh);
    }

    #[test]
    fn signatures_and_tokens_are_read_strictly() {
        assert!(is_signature(&base64url::encode(&[7; 256])));
        assert!(!is_signature(&base64url::encode(&[7; 64])) && !is_signature("!!") && !is_signature(""));
        assert_eq!(
            read_token(&Reply::response(200, r#"{"access_token":"ya29.x","expires_in":3599}"#)),
            Ok("ya29.x".into())
        );
        assert!(read_token(&Reply::response(200, "{}")).is_err());
        for (body, says) in [
            (
                json!({"error": "invalid_grant", "error_description": "Invalid JWT Signature."}),
                "Service_Account_Private_Key",
            ),
            (
                json!({"error": "invalid_grant", "error_description": "Invalid grant: account not found"}),
                "Service_Account_Email",
            ),
            (
                json!({"error": "invalid_grant", "error_description": "Invalid JWT: Token must be a short-lived token (60 minutes) and in a reasonable timeframe. Check your iat and exp values in the JWT claim."}),
                "clock",
            ),
            (json!({"error": "invalid_scope"}), "unexpected"),
        ] {
            let Err(Outcome::Error { message }) = read_token(&Reply::response(400, body.to_string())) else { panic!() };
            assert!(message.contains(says), "{says}: {message}");
        }
        assert!(matches!(read_token(&Reply::response(503, "")), Err(Outcome::Error { .. })));
    }
}
