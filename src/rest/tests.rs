//! The rest flows step by step, with the store's replies written out by hand.

use super::*;
use crate::http::{Reply, DEADLINE_MS};
use serde_json::json;

const NOW_MS: u64 = 1_700_000_000_000;
const SECRET: &str = "0123456789abcdef0123456789abcdef";
const MAC: &str = "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff";

fn cfg() -> RestConfig {
    let mut s = Map::new();
    s.insert("Base_URL", Value::from("https://store.example.com/alm"));
    s.insert("Shared_Secret", Value::from(SECRET));
    RestConfig::from_settings(&s).unwrap()
}

fn ctx(c: &RestConfig) -> Ctx<'_> {
    Ctx { cfg: c, now_ms: NOW_MS, deadline_ms: NOW_MS + DEADLINE_MS }
}

fn signed(step: Step) -> (String, String, State) {
    match step {
        Step::Sign { sign, state } => (sign.key, sign.message, state),
        other => panic!("expected a sign step, got {other:?}"),
    }
}

fn sent(step: Step) -> (Request, State) {
    match step {
        Step::Send { request, state } => (request, state),
        other => panic!("expected a request, got {other:?}"),
    }
}

fn done(step: Step) -> Outcome {
    match step {
        Step::Done(o) => o,
        other => panic!("expected an outcome, got {other:?}"),
    }
}

fn reply(status: u16, body: serde_json::Value) -> Input {
    Input::Reply(Reply::response(status, body.to_string()))
}

/// Starts `op` and answers its sign step: the request as it leaves, and the state waiting for it.
fn to_request(c: &RestConfig, op: &str) -> (Request, State) {
    let step = match op {
        "login" => Rest::start_login(ctx(c), "A@B.c", "a@b.c", "pw-1"),
        _ => Rest::start_get_user(ctx(c), "A@B.c", "a@b.c"),
    };
    let (_, _, state) = signed(step);
    sent(Rest::resume(ctx(c), state, Input::Signed(Some(MAC.into()))))
}

fn outcome(op: &str, status: u16, body: serde_json::Value) -> Outcome {
    let c = cfg();
    let (_, state) = to_request(&c, op);
    done(Rest::resume(ctx(&c), state, reply(status, body)))
}

fn error_mentions(o: &Outcome, what: &str) -> bool {
    matches!(o, Outcome::Error { message } if message.contains(what))
}

#[test]
fn login_signs_method_path_time_and_body_then_sends_with_the_headers() {
    let c = cfg();
    let (key, message, state) = signed(Rest::start_login(ctx(&c), "A@B.c", "a@b.c", "pw-1"));
    assert_eq!(key, SECRET);
    let body = r#"{"identifier":"A@B.c","password":"pw-1"}"#;
    assert_eq!(message, format!("POST\n/alm/verify-password\n1700000000\n{body}"));
    let (request, state) = sent(Rest::resume(ctx(&c), state, Input::Signed(Some(MAC.into()))));
    assert_eq!(
        (request.method.as_str(), request.url.as_str()),
        ("POST", "https://store.example.com/alm/verify-password")
    );
    assert_eq!(request.body.as_deref(), Some(body));
    assert!(request.headers.contains(&("x-alm-timestamp".into(), "1700000000".into())));
    assert!(request.headers.contains(&("x-alm-signature".into(), format!("v1={MAC}"))));
    assert_eq!((request.timeout_ms, request.max_body_bytes), (8_000, 65_536));
    assert!(!format!("{state:?}").contains("pw-1"), "once sent, the password is gone from the state");
}

#[test]
fn a_missing_or_malformed_signature_from_the_host_is_an_error() {
    let c = cfg();
    for mac in [None, Some("nothex".to_string()), Some(MAC.to_uppercase())] {
        let (_, _, state) = signed(Rest::start_login(ctx(&c), "a@b.c", "a@b.c", "pw"));
        let o = done(Rest::resume(ctx(&c), state, Input::Signed(mac)));
        assert!(error_mentions(&o, "signature"), "{o:?}");
    }
    let (_, _, state) = signed(Rest::start_login(ctx(&c), "a@b.c", "a@b.c", "pw"));
    assert!(error_mentions(&done(Rest::resume(ctx(&c), state, Input::Verified(true))), "wrong kind"));
}

#[test]
fn every_answer_maps_to_its_outcome() {
    let profile = json!({"user_id": "u1", "email": "a@b.c", "email_verified": true, "extra": [1]});
    match outcome("login", 200, profile.clone()) {
        Outcome::Profile { profile } => {
            assert_eq!(
                profile.to_json().to_json(),
                r#"{"user_id":"u1","email":"a@b.c","email_verified":true,"user_metadata":{},"app_metadata":{}}"#
            )
        }
        o => panic!("{o:?}"),
    }
    assert!(matches!(outcome("get_user", 200, profile), Outcome::Profile { .. }));
    let wrong = Outcome::WrongPassword { message: "Wrong email or password.".into() };
    assert_eq!(outcome("login", 401, json!({"error": "wrong_credentials"})), wrong);
    assert_eq!(outcome("login", 404, json!({"error": "not_found"})), wrong, "no enumeration at login");
    assert_eq!(outcome("get_user", 404, json!({"error": "not_found"})), Outcome::NotFound);
    for op in ["login", "get_user"] {
        let blocked = outcome(op, 403, json!({"error": "blocked"}));
        assert!(matches!(&blocked, Outcome::Unauthorized { message } if message.contains("blocked")), "{blocked:?}");
        let flagged = outcome(op, 200, json!({"user_id": "u1", "email": "a@b.c", "blocked": true}));
        assert_eq!(flagged, blocked, "a profile marked blocked fails closed");
    }
    let locked = outcome("login", 423, json!({"error": "locked"}));
    assert!(matches!(&locked, Outcome::Unauthorized { message } if message.contains("locked")), "{locked:?}");
    let reset = outcome("login", 403, json!({"error": "password_reset_required"}));
    assert!(matches!(&reset, Outcome::Unauthorized { message } if message.contains("reset your password")));
}

#[test]
fn setup_and_transport_failures_are_errors_never_a_wrong_password() {
    let o = outcome("login", 401, json!({"error": "bad_signature"}));
    assert!(error_mentions(&o, "`Shared_Secret`"), "{o:?}");
    assert!(error_mentions(&outcome("login", 401, json!({"error": "stale_timestamp"})), "replay window"));
    assert!(
        error_mentions(&outcome("login", 401, json!({})), "unexpected reply (HTTP 401"),
        "a bare 401 is not a wrong password"
    );
    assert!(
        error_mentions(&outcome("login", 403, json!({"error": "wrong_credentials"})), "unexpected"),
        "status and code must agree"
    );
    assert!(error_mentions(&outcome("get_user", 401, json!({"error": "wrong_credentials"})), "unexpected"));
    assert!(error_mentions(&outcome("login", 429, json!({})), "HTTP 429"));
    assert!(error_mentions(&outcome("login", 503, json!({})), "HTTP 503"));
    let c = cfg();
    let (_, state) = to_request(&c, "login");
    assert!(error_mentions(&done(Rest::resume(ctx(&c), state, Input::Reply(Reply::failed("timeout")))), "(timeout)"));
    let (_, state) = to_request(&c, "login");
    let o = done(Rest::resume(ctx(&c), state, Input::Reply(Reply::response(200, "{\"user_id\":"))));
    assert!(error_mentions(&o, "malformed reply"), "{o:?}");
    let (_, state) = to_request(&c, "login");
    let big = Reply::response(200, "x".repeat(65_536));
    assert!(error_mentions(&done(Rest::resume(ctx(&c), state, Input::Reply(big))), "over 65536 bytes"));
}

#[test]
fn the_profile_schema_is_checked_field_by_field() {
    assert!(error_mentions(&outcome("login", 200, json!({"email": "a@b.c"})), "no `user_id`"));
    assert!(error_mentions(&outcome("login", 200, json!({"user_id": 7, "email": "a@b.c"})), "`user_id` must be"));
    assert!(error_mentions(&outcome("login", 200, json!({"user_id": "", "email": "a@b.c"})), "`user_id` must be"));
    for (field, value) in [
        ("email_verified", json!("yes")),
        ("name", json!(1)),
        ("picture", json!({})),
        ("user_metadata", json!([])),
        ("blocked", json!("false")),
    ] {
        let mut p = json!({"user_id": "u1", "email": "a@b.c"});
        p[field] = value;
        let o = outcome("login", 200, p);
        assert!(error_mentions(&o, &format!("`{field}`")), "{field}: {o:?}");
    }
    let nulls = outcome("login", 200, json!({"user_id": "u1", "email": "a@b.c", "name": null, "user_metadata": null}));
    assert!(matches!(nulls, Outcome::Profile { .. }), "null is absent");
    let other = outcome("login", 200, json!({"user_id": "u1", "email": "someone@else.c"}));
    assert!(error_mentions(&other, "different user"), "{other:?}");
}

#[test]
fn the_password_check_is_never_retried_and_the_lookup_is_retried_signed_anew() {
    let c = cfg();
    let (_, state) = to_request(&c, "login");
    assert!(matches!(Rest::resume(ctx(&c), state, reply(503, json!({}))), Step::Done(_)));
    let (_, mut state) = to_request(&c, "get_user");
    for want in [200, 600] {
        let later = Ctx { now_ms: NOW_MS + 2_000, ..ctx(&c) };
        let (_, message, next) = signed(Rest::resume(later, state, reply(503, json!({}))));
        assert!(message.contains("\n1700000002\n"), "a fresh timestamp: {message}");
        let (request, next) = sent(Rest::resume(later, next, Input::Signed(Some(MAC.into()))));
        assert_eq!(request.delay_ms, want);
        state = next;
    }
    assert!(error_mentions(&done(Rest::resume(ctx(&c), state, reply(503, json!({})))), "HTTP 503"));
}

#[test]
fn a_request_that_does_not_fit_the_deadline_is_not_sent() {
    let c = cfg();
    let (_, state) = to_request(&c, "get_user");
    let late = Ctx { now_ms: NOW_MS + DEADLINE_MS - 50, ..ctx(&c) };
    let (_, _, state) = signed(Rest::resume(late, state, reply(503, json!({}))));
    let o = done(Rest::resume(late, state, Input::Signed(Some(MAC.into()))));
    assert!(error_mentions(&o, "(deadline)"), "{o:?}");
}

#[test]
fn the_boundary_runs_the_rest_source_with_the_sign_step() {
    use crate::boundary::{release_for, resume_for, start_for};
    let input = json!({"op": "get_user", "settings": {"Base_URL": "https://s.example.com", "Shared_Secret": SECRET},
        "now_ms": NOW_MS, "identifier": "a@b.c", "identifier_folded": "a@b.c"});
    let out: serde_json::Value = serde_json::from_str(&start_for::<Rest>(&input.to_string())).unwrap();
    assert_eq!(out["sign"]["message"], "POST\n/find-user\n1700000000\n{\"identifier\":\"a@b.c\"}");
    let flow = out["flow"].clone();
    let out: serde_json::Value =
        serde_json::from_str(&resume_for::<Rest>(&json!({"flow": flow, "now_ms": NOW_MS, "signed": MAC}).to_string()))
            .unwrap();
    assert_eq!(out["send"]["request"]["label"], "find-user", "{out}");
    assert!(!out.to_string().contains(SECRET), "the secret crosses in the sign step only");
    release_for::<Rest>(flow.as_u64().unwrap() as u32);
    let bad = json!({"op": "login", "settings": {"Base_URL": "http://s.example.com", "Shared_Secret": SECRET},
        "now_ms": NOW_MS, "identifier": "a@b.c", "password": "pw"});
    let out = start_for::<Rest>(&bad.to_string());
    assert!(out.contains("setting `Base_URL` uses http://"), "{out}");
}

#[test]
fn the_engine_checks_rest_settings_with_the_same_rules_and_key_list() {
    let out: serde_json::Value = serde_json::from_str(&crate::boundary::check_rest_settings(
        r#"{"settings":{"Base_URL":"https://s","Shared_Secret":"short","Domain":"x"}}"#,
    ))
    .unwrap();
    assert_eq!(out["keys"].as_array().unwrap().len(), 5);
    assert_eq!(out["keys"][0]["name"], "Base_URL");
    assert_eq!(out["unknown"], json!(["Domain"]));
    assert!(out["error"].as_str().unwrap().starts_with("setting `Shared_Secret`"), "{out}");
    assert!(!out.to_string().contains("short\""), "the secret's value is not echoed");
}
