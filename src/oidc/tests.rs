//! The oidc flows step by step, natively: each request they ask for and each outcome.

use super::*;
use crate::base64url::encode;
use serde_json::json;

const NOW_MS: u64 = 1_700_000_000_000;
const NOW_S: i64 = 1_700_000_000;

fn cfg(extra: &[(&str, &str)]) -> OidcConfig {
    let mut m = Map::new();
    for (k, v) in
        [("Issuer", "https://idp.test/realms/r"), ("Client_ID", "cid"), ("Client_Secret", "sec"), ("Lookup", "none")]
            .iter()
            .chain(extra)
    {
        m.insert(*k, Value::from(*v));
    }
    OidcConfig::from_settings(&m).unwrap()
}

fn ctx(c: &OidcConfig) -> Ctx<'_> {
    Ctx { cfg: c, now_ms: NOW_MS, deadline_ms: NOW_MS + 15_000 }
}

fn discovery() -> String {
    json!({"issuer": "https://idp.test/realms/r", "jwks_uri": "https://idp.test/realms/r/certs",
        "token_endpoint": "https://idp.test/realms/r/token", "userinfo_endpoint": "https://idp.test/realms/r/userinfo"})
    .to_string()
}

fn id_token(claims: serde_json::Value) -> String {
    let h = encode(json!({"alg": "RS256", "kid": "k1"}).to_string().as_bytes());
    format!("{h}.{}.c2ln", encode(claims.to_string().as_bytes()))
}

fn good_claims() -> serde_json::Value {
    json!({"iss": "https://idp.test/realms/r", "aud": "cid", "sub": "s-1", "exp": NOW_S + 300, "iat": NOW_S,
        "email": "jane@x.com", "preferred_username": "jane"})
}

fn jwks() -> String {
    json!({"keys": [{"kty": "RSA", "kid": "k1", "use": "sig", "n": encode(&[0xab; 256]), "e": "AQAB"}]}).to_string()
}

fn reply(c: &OidcConfig, state: State, status: u16, body: &str) -> Step {
    Oidc::resume(ctx(c), state, Input::Reply(Reply::response(status, body)))
}

fn sent(step: Step) -> (Request, State) {
    match step {
        Step::Send { request, state } => (request, state),
        other => panic!("expected a request, got {other:?}"),
    }
}

fn outcome(step: Step) -> Outcome {
    match step {
        Step::Done(o) => o,
        other => panic!("expected an outcome, got {other:?}"),
    }
}

/// Runs a login up to the signature check with the given grant reply.
fn to_verify(c: &OidcConfig, grant_body: &str) -> Step {
    let (r, s) = sent(Oidc::start_login(ctx(c), "Jane@x.com", "jane@x.com", "pw"));
    assert_eq!(r.url, "https://idp.test/realms/r/.well-known/openid-configuration");
    let (r, s) = sent(reply(c, s, 200, &discovery()));
    assert_eq!((r.label.as_str(), r.url.as_str()), ("password", "https://idp.test/realms/r/token"));
    assert!(r.body.as_deref().unwrap().contains("username=Jane%40x.com&password=pw"));
    let (r, s) = sent(reply(c, s, 200, grant_body));
    assert_eq!(r.label, "jwks");
    reply(c, s, 200, &jwks())
}

fn grant_with(claims: serde_json::Value) -> String {
    json!({"id_token": id_token(claims), "access_token": "at", "token_type": "Bearer"}).to_string()
}

#[test]
fn login_verifies_then_reads_userinfo_and_maps_the_profile() {
    let c = cfg(&[("User_ID_Prefix", "kc|"), ("User_Metadata_Claims", "locale")]);
    let Step::Verify { jwk, state, .. } = to_verify(&c, &grant_with(good_claims())) else { panic!() };
    assert_eq!(jwk.get("alg").and_then(Value::as_str), Some("RS256"));
    let (r, s) = sent(Oidc::resume(ctx(&c), state, Input::Verified(true)));
    assert_eq!((r.label.as_str(), r.headers[0].1.as_str()), ("userinfo", "Bearer at"));
    let info = json!({"sub": "s-1", "name": "Jane D", "locale": "en", "email": "ignored@x.com"}).to_string();
    let Outcome::Profile { profile } = outcome(reply(&c, s, 200, &info)) else { panic!() };
    assert_eq!(
        profile.to_json().to_json(),
        r#"{"user_id":"kc|s-1","email":"jane@x.com","username":"jane","name":"Jane D","user_metadata":{"locale":"en"},"app_metadata":{}}"#
    );
}

fn login_error(claims: serde_json::Value, verified: bool, info: &str) -> String {
    let c = cfg(&[]);
    let step = match to_verify(&c, &grant_with(claims)) {
        Step::Verify { state, .. } => Oidc::resume(ctx(&c), state, Input::Verified(verified)),
        other => other,
    };
    let o = match step {
        Step::Send { state, .. } => outcome(reply(&c, state, 200, info)),
        other => outcome(other),
    };
    match o {
        Outcome::Error { message } => message,
        other => panic!("expected an Error, got {other:?}"),
    }
}

#[test]
fn refuses_bad_tokens_and_mismatched_userinfo() {
    let ok_info = json!({"sub": "s-1"}).to_string();
    let with = |k: &str, v: serde_json::Value| {
        let mut c = good_claims();
        c[k] = v;
        c
    };
    for (claims, verified, info, says) in [
        (good_claims(), false, ok_info.as_str(), "signature"),
        (with("iss", json!("https://evil")), true, &ok_info, "issuer"),
        (with("aud", json!("other")), true, &ok_info, "aud"),
        (with("exp", json!(NOW_S - 61)), true, &ok_info, "expired"),
        (with("email", json!("john@x.com")), true, &ok_info, "another user"),
        (good_claims(), true, r#"{"sub":"s-2"}"#, "userinfo is about another user"),
        (good_claims(), true, "[]", "not a JSON object"),
    ] {
        let mut claims = claims;
        if says == "another user" {
            claims["preferred_username"] = json!("john");
        }
        let m = login_error(claims, verified, info);
        assert!(m.contains(says), "{says}: {m}");
    }
}

#[test]
fn the_password_grant_is_never_retried_and_wrong_passwords_are_told_apart() {
    let c = cfg(&[]);
    let (_, s) = sent(Oidc::start_login(ctx(&c), "jane@x.com", "jane@x.com", "pw"));
    let (_, s) = sent(reply(&c, s, 200, &discovery()));
    assert!(matches!(outcome(reply(&c, s.clone(), 503, "")), Outcome::Error { .. }));
    assert!(matches!(
        outcome(reply(&c, s.clone(), 400, r#"{"error":"invalid_grant"}"#)),
        Outcome::WrongPassword { .. }
    ));
    let Outcome::Error { message } = outcome(reply(&c, s, 200, r#"{"access_token":"x"}"#)) else { panic!() };
    assert!(message.contains("no id_token"));
}

#[test]
fn discovery_must_name_the_configured_issuer() {
    let c = cfg(&[]);
    let (_, s) = sent(Oidc::start_login(ctx(&c), "jane@x.com", "jane@x.com", "pw"));
    let other = discovery().replace("\"issuer\":\"https://idp.test/realms/r\"", "\"issuer\":\"https://evil.test\"");
    let Outcome::Error { message } = outcome(reply(&c, s, 200, &other)) else { panic!() };
    assert!(message.contains("`Issuer`"), "{message}");
}

#[test]
fn get_user_lookup_none_is_an_error_not_a_not_found() {
    let c = cfg(&[]);
    let Outcome::Error { message } = outcome(Oidc::start_get_user(ctx(&c), "jane@x.com", "jane@x.com")) else {
        panic!()
    };
    assert!(message.contains("`Lookup` is `none`"), "{message}");
}

#[test]
fn scim_get_user_token_then_lookup_with_one_refresh_after_a_401() {
    let c = cfg(&[("Lookup", "scim"), ("SCIM_Base_URL", "https://idp.test/scim/v2")]);
    let (r, s) = sent(Oidc::start_get_user(ctx(&c), "jane@x.com", "jane@x.com"));
    assert_eq!(r.label, "discovery");
    let (r, s) = sent(reply(&c, s, 200, &discovery()));
    assert_eq!((r.label.as_str(), r.cache.as_ref().map(|h| h.refresh)), ("client-token", Some(false)));
    let (r, s) = sent(reply(&c, s, 200, r#"{"access_token":"t1","expires_in":300}"#));
    assert_eq!(r.label, "scim-users");
    let (r, s) = sent(reply(&c, s, 401, "{}"));
    assert_eq!((r.label.as_str(), r.cache.as_ref().map(|h| h.refresh)), ("client-token", Some(true)));
    let (_, s) = sent(reply(&c, s, 200, r#"{"access_token":"t2","expires_in":300}"#));
    let Outcome::Error { message } = outcome(reply(&c, s, 401, "{}")) else { panic!() };
    assert!(message.contains("setup"), "{message}");
}

#[test]
fn okta_get_user_goes_straight_to_the_users_api_and_retries_outages() {
    let c = cfg(&[("Lookup", "okta"), ("Org_URL", "https://acme.okta.com"), ("Okta_API_Token", "tok")]);
    let (r, s) = sent(Oidc::start_get_user(ctx(&c), "jane@x.com", "jane@x.com"));
    assert_eq!(r.label, "okta-users");
    let (r, s) = sent(reply(&c, s, 503, ""));
    assert!(r.delay_ms > 0, "a retry after a backoff");
    let body = json!([{"id": "00u1", "status": "ACTIVE", "profile": {"login": "jane@x.com", "email": "jane@x.com"}}]);
    let Outcome::Profile { profile } = outcome(reply(&c, s, 200, &body.to_string())) else { panic!() };
    assert_eq!(profile.user_id, "00u1");
}
