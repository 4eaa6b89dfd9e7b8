//! The flows step by step, with the old tenant's replies written out by hand.

use super::*;
use crate::base64url::encode;
use crate::config::Config;
use crate::json;
use serde_json::{json, Value};

const NOW_MS: u64 = 1_700_000_000_000;
const NOW_S: i64 = 1_700_000_000;
const ISSUER: &str = "https://old.auth0.com/";

fn cfg_with(pairs: &[(&str, &str)]) -> Config {
    let mut s = crate::json::Map::new();
    for (k, v) in [("Domain", "old.auth0.com"), ("Client_ID", "cid"), ("Client_Secret", "sec")].iter().chain(pairs) {
        s.insert(*k, crate::json::Value::from(*v));
    }
    Config::from_settings(&s).unwrap()
}

fn cfg(connection: Option<&str>) -> Config {
    cfg_with(&connection.map(|c| vec![("Connection", c)]).unwrap_or_default())
}

fn ctx(c: &Config) -> Ctx<'_> {
    Ctx { cfg: c, now_ms: NOW_MS, deadline_ms: NOW_MS + DEADLINE_MS }
}

fn id_token(kid: &str, claims: Value) -> String {
    let header = json!({"alg": "RS256", "typ": "JWT", "kid": kid}).to_string();
    format!("{}.{}.c2lnbmF0dXJl", encode(header.as_bytes()), encode(claims.to_string().as_bytes()))
}

fn claims(extra: Value) -> Value {
    let mut c = json!({"iss": ISSUER, "aud": "cid", "iat": NOW_S - 5, "exp": NOW_S + 3600, "sub": "auth0|u1", "email": "a@b.c"});
    for (k, v) in extra.as_object().unwrap() {
        c[k] = v.clone();
    }
    c
}

fn ok(body: Value) -> Input {
    Input::Reply(Reply::response(200, body.to_string()))
}

fn discovery() -> Input {
    ok(json!({"issuer": ISSUER, "jwks_uri": "https://old.auth0.com/.well-known/jwks.json"}))
}

fn jwks(kids: &[&str]) -> Input {
    let keys: Vec<Value> = kids
        .iter()
        .map(|k| json!({"kty": "RSA", "use": "sig", "kid": k, "n": encode(&[0xc5; 256]), "e": "AQAB"}))
        .collect();
    ok(json!({"keys": keys}))
}

fn sent(step: Step) -> (Request, State) {
    match step {
        Step::Send { request, state } => (request, state),
        other => panic!("expected a request, got {other:?}"),
    }
}

fn verify(step: Step) -> (json::Value, State) {
    match step {
        Step::Verify { jwk, state, .. } => (jwk, state),
        other => panic!("expected a signature check, got {other:?}"),
    }
}

fn done(step: Step) -> Outcome {
    match step {
        Step::Done(o) => o,
        other => panic!("expected an outcome, got {other:?}"),
    }
}

/// Runs a login up to the signature check, with the given ID token.
fn login_to_verify(c: &Config, identifier: &str, token: &str) -> State {
    let (req, state) = sent(start_login(ctx(c), identifier, &identifier.to_ascii_lowercase(), "pw"));
    assert_eq!(req.label, "password");
    assert!(!format!("{state:?}").contains("\"pw\""), "state must not hold the password");
    let (req, state) = sent(resume(ctx(c), state, ok(json!({"id_token": token, "access_token": "x"}))));
    assert_eq!(
        (req.label.as_str(), req.url.as_str()),
        ("discovery", "https://old.auth0.com/.well-known/openid-configuration")
    );
    assert!(req.cache.is_some());
    let (req, state) = sent(resume(ctx(c), state, discovery()));
    assert_eq!(req.url, "https://old.auth0.com/.well-known/jwks.json");
    let (_, state) = verify(resume(ctx(c), state, jwks(&["k1"])));
    state
}

fn is_error(o: &Outcome) -> bool {
    matches!(o, Outcome::Error { .. })
}

#[test]
fn login_with_claims_is_verified_then_migrated_with_the_same_id() {
    let c = cfg(Some("db"));
    let tok = id_token(
        "k1",
        claims(json!({"https://migrationapp/user_metadata": {"k": 1}, "https://migrationapp/app_metadata": {}})),
    );
    let state = login_to_verify(&c, "A@B.c", &tok);
    let o = done(resume(ctx(&c), state, Input::Verified(true)));
    let Outcome::Profile { profile } = o else { panic!("{o:?}") };
    assert_eq!(profile.user_id, "u1");
    assert_eq!(profile.user_metadata.get("k").and_then(json::Value::as_u64), Some(1));
}

#[test]
fn a_bad_signature_or_bad_claims_are_refused() {
    let c = cfg(None);
    let meta = json!({"https://migrationapp/user_metadata": {}});
    let state = login_to_verify(&c, "a@b.c", &id_token("k1", claims(meta.clone())));
    assert!(is_error(&done(resume(ctx(&c), state, Input::Verified(false)))));
    for bad in [
        json!({"iss": "https://evil/"}),
        json!({"aud": "other"}),
        json!({"exp": NOW_S - 3600}),
        json!({"email": "mallory@b.c"}),
    ] {
        let mut extra = meta.clone();
        for (k, v) in bad.as_object().unwrap() {
            extra[k] = v.clone();
        }
        let state = login_to_verify(&c, "a@b.c", &id_token("k1", claims(extra)));
        let o = done(resume(ctx(&c), state, Input::Verified(true)));
        assert!(is_error(&o), "{bad}: {o:?}");
    }
}

#[test]
fn other_algorithms_never_reach_verification() {
    let c = cfg(None);
    let (_, state) = sent(start_login(ctx(&c), "a@b.c", "a@b.c", "pw"));
    let header = encode(json!({"alg": "HS256"}).to_string().as_bytes());
    let tok = format!("{header}.{}.c2ln", encode(claims(json!({})).to_string().as_bytes()));
    assert!(is_error(&done(resume(ctx(&c), state, ok(json!({"id_token": tok}))))));
}

#[test]
fn an_unknown_kid_refetches_the_keys_once() {
    let c = cfg(None);
    let tok = id_token("rotated", claims(json!({})));
    let (_, state) = sent(start_login(ctx(&c), "a@b.c", "a@b.c", "pw"));
    let (_, state) = sent(resume(ctx(&c), state, ok(json!({"id_token": tok}))));
    let (_, state) = sent(resume(ctx(&c), state, discovery()));
    let (req, state) = sent(resume(ctx(&c), state, jwks(&["old"])));
    assert!(req.cache.as_ref().unwrap().refresh, "the second fetch bypasses the cache");
    let (jwk, _) = verify(resume(ctx(&c), state.clone(), jwks(&["old", "rotated"])));
    assert_eq!(jwk.get("kty").and_then(json::Value::as_str), Some("RSA"));
    assert!(is_error(&done(resume(ctx(&c), state, jwks(&["old"])))), "still unknown: refused");
}

#[test]
fn login_without_metadata_claims_reads_the_profile_by_id() {
    let c = cfg(Some("db"));
    let state = login_to_verify(&c, "a@b.c", &id_token("k1", claims(json!({}))));
    let (req, state) = sent(resume(ctx(&c), state, Input::Verified(true)));
    assert_eq!(req.label, "token");
    let (req, state) = sent(resume(ctx(&c), state, ok(json!({"access_token": "T", "expires_in": 86400}))));
    assert_eq!(req.url, "https://old.auth0.com/api/v2/users/auth0%7Cu1");
    let record = json!({"user_id": "auth0|u1", "email": "a@b.c", "user_metadata": {"plan": "pro"},
        "identities": [{"connection": "db", "provider": "auth0", "user_id": "u1"}]});
    let o = done(resume(ctx(&c), state.clone(), ok(record)));
    assert!(
        matches!(o, Outcome::Profile { ref profile } if profile.user_metadata.get("plan") == Some(&json::Value::from("pro"))),
        "{o:?}"
    );
    let elsewhere =
        json!({"user_id": "auth0|u1", "email": "a@b.c", "identities": [{"connection": "other", "provider": "auth0"}]});
    assert!(is_error(&done(resume(ctx(&c), state, ok(elsewhere)))), "a record outside the connection is refused");
}

#[test]
fn profile_source_setting_is_honoured() {
    let with_claims = id_token("k1", claims(json!({"https://migrationapp/user_metadata": {"k": 1}})));
    let c = cfg_with(&[("Profile_Source", "management")]);
    let state = login_to_verify(&c, "a@b.c", &with_claims);
    let (req, _) = sent(resume(ctx(&c), state, Input::Verified(true)));
    assert_eq!(req.label, "token", "management: always the Management API");
    let c = cfg_with(&[("Profile_Source", "claims")]);
    let state = login_to_verify(&c, "a@b.c", &id_token("k1", claims(json!({}))));
    let o = done(resume(ctx(&c), state, Input::Verified(true)));
    assert!(matches!(o, Outcome::Error { ref message } if message.contains("Profile_Source")), "{o:?}");
}

#[test]
fn user_id_prefix_is_applied_on_both_paths() {
    let c = cfg_with(&[("User_ID_Prefix", "old-")]);
    let state = login_to_verify(&c, "a@b.c", &id_token("k1", claims(json!({"https://migrationapp/app_metadata": {}}))));
    let o = done(resume(ctx(&c), state, Input::Verified(true)));
    assert!(matches!(o, Outcome::Profile { ref profile } if profile.user_id == "old-u1"), "{o:?}");
    let (_, o) = get_user(&c, "a@b.c", json!([user("auth0|u1", "a@b.c", "db")]));
    assert!(matches!(o, Outcome::Profile { ref profile } if profile.user_id == "old-u1"), "{o:?}");
}

#[test]
fn a_username_login_without_a_username_claim_is_matched_through_the_management_api() {
    let c = cfg(Some("db"));
    let tok = id_token("k1", claims(json!({"https://migrationapp/user_metadata": {}})));
    let state = login_to_verify(&c, "Bob", &tok);
    let (req, _) = sent(resume(ctx(&c), state, Input::Verified(true)));
    assert_eq!(req.label, "token");
    let tok = id_token(
        "k1",
        claims(json!({"https://migrationapp/user_metadata": {}, "https://migrationapp/username": "alice"})),
    );
    let state = login_to_verify(&c, "Bob", &tok);
    assert!(is_error(&done(resume(ctx(&c), state, Input::Verified(true)))), "the token names someone else");
}

#[test]
fn login_after_mfa_reads_the_profile_by_identifier() {
    let c = cfg(Some("db"));
    let (_, state) = sent(start_login(ctx(&c), "a@b.c", "a@b.c", "pw"));
    let mfa = json!({"error": "mfa_required", "mfa_token": "m"}).to_string();
    let (req, state) = sent(resume(ctx(&c), state, Input::Reply(Reply::response(403, mfa))));
    assert_eq!(req.label, "token");
    let (req, state) = sent(resume(ctx(&c), state, ok(json!({"access_token": "T"}))));
    assert_eq!(req.url, "https://old.auth0.com/api/v2/users-by-email?email=a%40b.c");
    assert_eq!(req.headers[0].1, "Bearer T");
    let users = json!([{"user_id": "auth0|u1", "email": "a@b.c", "identities": [{"connection": "db", "provider": "auth0"}],
        "app_metadata": {"migration_complete": true}}]);
    let o = done(resume(ctx(&c), state, ok(users)));
    assert!(matches!(o, Outcome::Profile { ref profile } if profile.user_id == "u1"), "{o:?}");
}

#[test]
fn the_password_request_is_never_retried() {
    let c = cfg(None);
    for reply in [Reply::response(503, ""), Reply::failed("network"), Reply::response(429, "{}")] {
        let (_, state) = sent(start_login(ctx(&c), "a@b.c", "a@b.c", "pw"));
        assert!(is_error(&done(resume(ctx(&c), state, Input::Reply(reply)))));
    }
}

#[test]
fn idempotent_requests_are_retried_with_backoff_then_give_up() {
    let c = cfg(None);
    let (_, state) = sent(start_get_user(ctx(&c), "a@b.c"));
    let (req, state) = sent(resume(ctx(&c), state, Input::Reply(Reply::response(503, ""))));
    assert_eq!((req.label.as_str(), req.delay_ms), ("token", 200));
    let (req, state) = sent(resume(ctx(&c), state, Input::Reply(Reply::failed("network"))));
    assert_eq!(req.delay_ms, 600);
    let o = done(resume(ctx(&c), state, Input::Reply(Reply::response(502, ""))));
    assert!(is_error(&o), "{o:?}");
}

/// The context at `ms` after the call started.
fn at(c: &Config, ms: u64) -> Ctx<'_> {
    Ctx { now_ms: NOW_MS + ms, ..ctx(c) }
}

fn deadline_error(o: &Outcome) -> bool {
    matches!(o, Outcome::Error { message } if message.ends_with("(deadline)"))
}

#[test]
fn timeouts_are_cut_to_what_is_left_of_the_call() {
    let c = cfg(None);
    let (req, state) = sent(start_login(ctx(&c), "a@b.c", "a@b.c", "pw"));
    assert_eq!(req.timeout_ms, 8_000, "the password check's own limit, well inside the deadline");
    let (req, state) = sent(resume(at(&c, 12_000), state, ok(json!({"id_token": id_token("k1", claims(json!({})))}))));
    assert_eq!((req.label.as_str(), req.timeout_ms), ("discovery", 3_000), "3 s left of 15");
    let reset_passed = Reply { rate_limit_reset: Some("1".into()), ..Reply::response(429, "{}") };
    let (req, _) = sent(resume(at(&c, 14_999), state, Input::Reply(reset_passed)));
    assert_eq!((req.delay_ms, req.timeout_ms), (0, 1), "no backoff to wait: any time left will do");
}

#[test]
fn a_backoff_fits_only_with_time_to_send_after_it() {
    let c = cfg(None);
    let (_, state) = sent(start_get_user(ctx(&c), "a@b.c"));
    // 200 ms of backoff, then at least 100 ms to send: it fits with 301 ms left, not with 300.
    let (req, _) = sent(resume(at(&c, 14_699), state.clone(), Input::Reply(Reply::response(503, ""))));
    assert_eq!((req.delay_ms, req.timeout_ms), (200, 101));
    let o = done(resume(at(&c, 14_700), state, Input::Reply(Reply::response(503, ""))));
    assert!(deadline_error(&o), "ends as a request that met the deadline does: {o:?}");
}

#[test]
fn no_request_leaves_after_the_deadline() {
    let c = cfg(Some("db"));
    let tok = id_token("k1", claims(json!({})));
    let state = login_to_verify(&c, "a@b.c", &tok);
    // The profile needs the Management API, but the call's time is up.
    let o = done(resume(at(&c, 15_000), state, Input::Verified(true)));
    assert!(deadline_error(&o), "{o:?}");
    let (_, state) = sent(start_get_user(ctx(&c), "a@b.c"));
    let (_, state) = sent(resume(ctx(&c), state, ok(json!({"access_token": "T"}))));
    let o = done(resume(at(&c, 20_000), state, Input::Reply(Reply::response(401, "{}"))));
    assert!(deadline_error(&o), "not even the one fresh token: {o:?}");
}

#[test]
fn a_refused_cached_token_is_replaced_once() {
    let c = cfg(None);
    let (_, state) = sent(start_get_user(ctx(&c), "a@b.c"));
    let (_, state) = sent(resume(ctx(&c), state, ok(json!({"access_token": "stale"}))));
    let (req, state) = sent(resume(ctx(&c), state, Input::Reply(Reply::response(401, "{}"))));
    assert!(req.cache.as_ref().unwrap().refresh, "a fresh token, not the cached one");
    let (_, state) = sent(resume(ctx(&c), state, ok(json!({"access_token": "fresh"}))));
    assert!(is_error(&done(resume(ctx(&c), state, Input::Reply(Reply::response(401, "{}"))))));
}

#[test]
fn a_lookup_rate_limit_waits_as_told() {
    let c = cfg(None);
    let (_, state) = sent(start_get_user(ctx(&c), "a@b.c"));
    let (_, state) = sent(resume(ctx(&c), state, ok(json!({"access_token": "T"}))));
    let limited = Reply { retry_after: Some("1".into()), ..Reply::response(429, "{}") };
    let (req, _) = sent(resume(ctx(&c), state, Input::Reply(limited)));
    assert_eq!((req.label.as_str(), req.delay_ms), ("token", 1000));
}

fn get_user(c: &Config, identifier: &str, users: Value) -> (Request, Outcome) {
    let (_, state) = sent(start_get_user(ctx(c), &identifier.to_ascii_lowercase()));
    let (req, state) = sent(resume(ctx(c), state, ok(json!({"access_token": "T"}))));
    (req, done(resume(ctx(c), state, ok(users))))
}

fn user(id: &str, email: &str, conn: &str) -> Value {
    json!({"user_id": id, "email": email, "identities": [{"connection": conn, "provider": "auth0", "user_id": id}]})
}

#[test]
fn get_user_filters_by_connection_and_exact_email() {
    let c = cfg(Some("db"));
    let (req, o) = get_user(&c, "A@B.c", json!([user("auth0|1", "a@b.c", "other"), user("auth0|2", "a@b.c", "db")]));
    assert!(req.url.ends_with("users-by-email?email=a%40b.c"), "queried in lower case: {}", req.url);
    assert!(matches!(o, Outcome::Profile { ref profile } if profile.user_id == "2"), "{o:?}");
    assert_eq!(get_user(&c, "a@b.c", json!([user("auth0|1", "a@b.c", "other")])).1, Outcome::NotFound);
    assert_eq!(get_user(&c, "a@b.c", json!([])).1, Outcome::NotFound);
}

#[test]
fn get_user_refuses_to_guess_between_two_users() {
    let (_, o) = get_user(&cfg(None), "a@b.c", json!([user("auth0|1", "a@b.c", "x"), user("auth0|2", "a@b.c", "y")]));
    assert!(is_error(&o), "{o:?}");
}

#[test]
fn get_user_blocked_and_already_migrated() {
    let c = cfg(Some("db"));
    let mut u = user("auth0|1", "a@b.c", "db");
    u["blocked"] = json!(true);
    assert!(matches!(get_user(&c, "a@b.c", json!([u])).1, Outcome::Unauthorized { .. }));
    let mut u = user("auth0|1", "a@b.c", "db");
    u["app_metadata"] = json!({"migration_complete": true});
    assert_eq!(get_user(&c, "a@b.c", json!([u.clone()])).1, Outcome::NotFound);
    let c = cfg_with(&[("Connection", "db"), ("Skip_Migrated_Users", "false")]);
    assert!(matches!(get_user(&c, "a@b.c", json!([u])).1, Outcome::Profile { .. }), "the setting switches it off");
}

#[test]
fn usernames_are_searched_with_an_escaped_query_and_matched_exactly() {
    let c = cfg(Some("db"));
    let mut u = user("auth0|1", "a@b.c", "db");
    u["username"] = json!("bob\" or email:*");
    let (req, o) = get_user(&c, "bob\" OR email:*", json!([u]));
    assert!(
        req.url.ends_with("/api/v2/users?q=username%3A%22bob%5C%22%20or%20email%3A%2A%22&search_engine=v3"),
        "{}",
        req.url
    );
    assert!(matches!(o, Outcome::Profile { .. }), "{o:?}");
    let mut other = user("auth0|2", "x@b.c", "db");
    other["username"] = json!("bobby");
    assert_eq!(get_user(&c, "bob", json!([other])).1, Outcome::NotFound, "search hits are matched exactly");
}

#[test]
fn lookup_failures_are_errors_never_not_found() {
    let c = cfg(None);
    for reply in [Reply::response(403, "{}"), Reply::response(200, "{}"), Reply::response(404, "{}")] {
        let (_, state) = sent(start_get_user(ctx(&c), "a@b.c"));
        let (_, state) = sent(resume(ctx(&c), state, ok(json!({"access_token": "T"}))));
        let o = done(resume(ctx(&c), state, Input::Reply(reply.clone())));
        assert!(is_error(&o), "{reply:?} -> {o:?}");
    }
}

#[test]
fn the_wrong_input_kind_is_an_error() {
    let c = cfg(None);
    let (_, state) = sent(start_get_user(ctx(&c), "a@b.c"));
    assert!(is_error(&done(resume(ctx(&c), state, Input::Verified(true)))));
}
