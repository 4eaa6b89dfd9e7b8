//! The firebase flows step by step, natively: each request they ask for and each outcome, with
//! Google's and the emulator's replies written out by hand.

use super::*;
use crate::base64url::encode;
use crate::http::DEADLINE_MS;
use serde_json::json;

const NOW_MS: u64 = 1_700_000_000_000;
const NOW_S: i64 = 1_700_000_000;
const PROJECT: &str = "my-app-1234";
const KEY: &str = "-----BEGIN PRIVATE KEY-----\\nMIIEvQIBADANBgkqhkiG9w0BAQEFAASCBKcwggSjAgEAAoIBAQC7VJTUt9Us8cKjMzEfYyjiWA4R4/M2bS1GB4t7NXp98C3SC6dVMvDuictGeurT8jNbvJZHtCSuYEvuNMoSfm76oqFvAp8Gy0iz5sxjZmSnXyCdPEovGhLa0VzMaQ8s+CLOyS56YyCFGeJZ\\n-----END PRIVATE KEY-----\\n";

fn cfg_with(extra: &[(&str, &str)]) -> FirebaseConfig {
    let mut m = Map::new();
    for (k, v) in [
        ("Project_ID", PROJECT),
        ("API_Key", "AIzaTestKey"),
        ("Service_Account_Email", "migrate@my-app-1234.iam.gserviceaccount.com"),
        ("Service_Account_Private_Key", KEY),
    ]
    .iter()
    .chain(extra)
    {
        m.insert(*k, Value::from(*v));
    }
    FirebaseConfig::from_settings(&m).unwrap()
}

fn cfg() -> FirebaseConfig {
    cfg_with(&[])
}

fn emulator() -> FirebaseConfig {
    cfg_with(&[("Project_ID", "demo-alm"), ("Emulator_Host", "127.0.0.1:9099")])
}

fn ctx(c: &FirebaseConfig) -> Ctx<'_> {
    Ctx { cfg: c, now_ms: NOW_MS, deadline_ms: NOW_MS + DEADLINE_MS }
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

fn reply(c: &FirebaseConfig, state: State, status: u16, body: &str) -> Step {
    Firebase::resume(ctx(c), state, Input::Reply(Reply::response(status, body)))
}

fn error_says(o: &Outcome, what: &str) -> bool {
    matches!(o, Outcome::Error { message } if message.contains(what))
}

fn good_claims(project: &str) -> serde_json::Value {
    json!({"iss": format!("https://securetoken.google.com/{project}"), "aud": project, "sub": "uid-1",
        "user_id": "uid-1", "email": "jane@x.com", "email_verified": true, "exp": NOW_S + 3600, "iat": NOW_S, "auth_time": NOW_S})
}

fn signed_token(header: serde_json::Value, claims: &serde_json::Value) -> String {
    format!("{}.{}.c2ln", encode(header.to_string().as_bytes()), encode(claims.to_string().as_bytes()))
}

fn unsigned_token(claims: &serde_json::Value) -> String {
    format!("{}.{}.", encode(br#"{"alg":"none","typ":"JWT"}"#), encode(claims.to_string().as_bytes()))
}

fn signed_in(token: &str) -> String {
    json!({"kind": "identitytoolkit#VerifyPasswordResponse", "localId": "uid-1", "email": "jane@x.com", "idToken": token,
        "refreshToken": "r", "expiresIn": "3600", "registered": true})
    .to_string()
}

fn jwks() -> String {
    json!({"keys": [{"kty": "RSA", "alg": "RS256", "use": "sig", "kid": "k1", "n": encode(&[0xc1; 256]), "e": "AQAB"}]})
        .to_string()
}

fn account_reply(user: serde_json::Value) -> String {
    json!({"kind": "identitytoolkit#GetAccountInfoResponse", "users": [user]}).to_string()
}

fn jane() -> serde_json::Value {
    json!({"localId": "uid-1", "email": "jane@x.com", "emailVerified": true, "displayName": "Jane Doe",
        "photoUrl": "https://p/j.png", "customAttributes": "{\"role\":\"editor\"}", "passwordHash": "x", "disabled": false})
}

fn firebase_error(status: u16, message: &str) -> String {
    json!({"error": {"code": status, "message": message, "errors": [{"message": message, "domain": "global", "reason": "invalid"}]}}).to_string()
}

/// A production login up to the signature check, with `token` as Firebase's ID token.
fn to_verify(c: &FirebaseConfig, token: &str) -> Step {
    let (r, s) = sent(Firebase::start_login(ctx(c), "Jane@x.com", "jane@x.com", "pw-1"));
    assert_eq!(r.url, "https://identitytoolkit.googleapis.com/v1/accounts:signInWithPassword?key=AIzaTestKey");
    assert_eq!(r.body.as_deref(), Some(r#"{"email":"Jane@x.com","password":"pw-1","returnSecureToken":true}"#));
    assert!(!format!("{s:?}").contains("pw-1"), "the password leaves with the request");
    let (r, s) = sent(reply(c, s, 200, &signed_in(token)));
    assert_eq!(r.url, "https://www.googleapis.com/service_accounts/v1/jwk/securetoken@system.gserviceaccount.com");
    assert_eq!(r.cache.as_ref().map(|h| h.refresh), Some(false));
    reply(c, s, 200, &jwks())
}

/// A production login through the signature check (the host said `verified`), ending with what follows.
fn after_verify(claims: &serde_json::Value, verified: bool) -> Step {
    let c = cfg();
    let Step::Verify { jwk, input, signature, state } =
        to_verify(&c, &signed_token(json!({"alg": "RS256", "kid": "k1"}), claims))
    else {
        panic!("expected a signature check")
    };
    assert_eq!((jwk.get("alg").and_then(Value::as_str), signature.as_str()), (Some("RS256"), "c2ln"));
    assert_eq!(input.matches('.').count(), 1);
    Firebase::resume(ctx(&c), state, Input::Verified(verified))
}

#[test]
fn login_checks_the_password_the_token_and_reads_the_account() {
    let c = cfg_with(&[("User_ID_Prefix", "fb|")]);
    let (r, s) = sent(after_verify(&good_claims(PROJECT), true));
    assert_eq!(r.url, "https://identitytoolkit.googleapis.com/v1/accounts:lookup?key=AIzaTestKey");
    assert!(r.body.as_deref().unwrap().starts_with(r#"{"idToken":""#));
    let Outcome::Profile { profile } = outcome(reply(&c, s, 200, &account_reply(jane()))) else { panic!() };
    assert_eq!(
        profile.to_json().to_json(),
        r#"{"user_id":"fb|uid-1","email":"jane@x.com","email_verified":true,"name":"Jane Doe","picture":"https://p/j.png","user_metadata":{},"app_metadata":{"role":"editor"}}"#
    );
}

#[test]
fn wrong_credentials_locks_and_disabled_users_are_told_apart() {
    let c = cfg();
    let try_with = |status: u16, message: &str| {
        let (_, s) = sent(Firebase::start_login(ctx(&c), "jane@x.com", "jane@x.com", "pw"));
        outcome(reply(&c, s, status, &firebase_error(status, message)))
    };
    for m in [
        "INVALID_PASSWORD",
        "EMAIL_NOT_FOUND",
        "INVALID_LOGIN_CREDENTIALS",
        "INVALID_PASSWORD : The password is invalid or the user does not have a password.",
    ] {
        assert!(matches!(try_with(400, m), Outcome::WrongPassword { .. }), "{m}");
    }
    assert!(
        matches!(try_with(400, "USER_DISABLED : The user account has been disabled by an administrator."), Outcome::Unauthorized { message } if message.contains("blocked"))
    );
    assert!(
        matches!(try_with(400, "TOO_MANY_ATTEMPTS_TRY_LATER : Access to this account has been temporarily disabled due to many failed login attempts."), Outcome::Unauthorized { message } if message.contains("temporarily locked"))
    );
    assert!(error_says(&try_with(400, "API key not valid. Please pass a valid API key."), "`API_Key`"));
    assert!(error_says(&try_with(400, "CONFIGURATION_NOT_FOUND"), "`Project_ID`"));
    assert!(error_says(&try_with(400, "OPERATION_NOT_ALLOWED"), "Email/Password"));
    for status in [429, 500, 503] {
        assert!(error_says(&try_with(status, "QUOTA_EXCEEDED"), "Firebase"), "{status}");
    }
    let (_, s) = sent(Firebase::start_login(ctx(&c), "jane@x.com", "jane@x.com", "pw"));
    let o = outcome(Firebase::resume(ctx(&c), s, Input::Reply(Reply::failed("timeout"))));
    assert!(error_says(&o, "no answer"), "never retried, never a wrong password: {o:?}");
}

#[test]
fn hostile_or_mistaken_id_tokens_are_refused() {
    let with = |k: &str, v: serde_json::Value| {
        let mut c = good_claims(PROJECT);
        c[k] = v;
        c
    };
    assert!(error_says(&outcome(after_verify(&good_claims(PROJECT), false)), "signature is not valid"));
    for (claims, says) in [
        (with("iss", json!("https://securetoken.google.com/other-project")), "issuer"),
        (with("aud", json!("other-project")), "aud"),
        (with("exp", json!(NOW_S - 61)), "expired"),
        (with("iat", json!(NOW_S + 600)), "future"),
        (with("sub", json!("uid-2")), "another user"),
        (with("email", json!("john@x.com")), "`email`"),
        (good_claims("other-project"), "issuer"),
    ] {
        let o = outcome(after_verify(&claims, true));
        assert!(error_says(&o, says), "{says}: {o:?}");
    }
    let c = cfg();
    for header in [json!({"alg": "none"}), json!({"alg": "HS256", "kid": "k1"}), json!({"alg": "RS512", "kid": "k1"})] {
        let (_, s) = sent(Firebase::start_login(ctx(&c), "jane@x.com", "jane@x.com", "pw"));
        let o = outcome(reply(&c, s, 200, &signed_in(&signed_token(header.clone(), &good_claims(PROJECT)))));
        assert!(error_says(&o, "only RS256 and ES256"), "{header}: {o:?}");
    }
    let (_, s) = sent(Firebase::start_login(ctx(&c), "jane@x.com", "jane@x.com", "pw"));
    let o = outcome(reply(&c, s, 200, &signed_in(&unsigned_token(&good_claims(PROJECT)))));
    assert!(matches!(o, Outcome::Error { .. }), "alg none outside the emulator: {o:?}");
}

#[test]
fn an_unknown_key_is_fetched_once_more_then_refused() {
    let c = cfg();
    let token = signed_token(json!({"alg": "RS256", "kid": "rotated"}), &good_claims(PROJECT));
    let (_, s) = sent(Firebase::start_login(ctx(&c), "jane@x.com", "jane@x.com", "pw"));
    let (_, s) = sent(reply(&c, s, 200, &signed_in(&token)));
    let (r, s) = sent(reply(&c, s, 200, &jwks()));
    assert_eq!((r.label.as_str(), r.cache.as_ref().map(|h| h.refresh)), ("jwks", Some(true)));
    let o = outcome(reply(&c, s, 200, &jwks()));
    assert!(error_says(&o, "does not publish"), "{o:?}");
    let (_, s) = sent(Firebase::start_login(ctx(&c), "jane@x.com", "jane@x.com", "pw"));
    let (_, s) = sent(reply(&c, s, 200, &signed_in(&token)));
    assert!(error_says(&outcome(reply(&c, s, 200, "{\"keys\":5}")), "keys"));
}

#[test]
fn hostile_sign_in_and_account_replies_are_errors() {
    let c = cfg();
    for body in ["not json", "{}", r#"{"idToken":"","localId":"u"}"#, &"x".repeat(300)] {
        let (_, s) = sent(Firebase::start_login(ctx(&c), "jane@x.com", "jane@x.com", "pw"));
        assert!(matches!(outcome(reply(&c, s, 200, body)), Outcome::Error { .. }), "{body}");
    }
    let account = |body: &str| {
        let (_, s) = sent(after_verify(&good_claims(PROJECT), true));
        outcome(reply(&c, s, 200, body))
    };
    let mut other = jane();
    other["localId"] = json!("uid-9");
    assert!(error_says(&account(&account_reply(other)), "another user"));
    let mut disabled = jane();
    disabled["disabled"] = json!(true);
    assert!(matches!(account(&account_reply(disabled)), Outcome::Unauthorized { .. }), "fail closed");
    let two = json!({"users": [jane(), jane()]}).to_string();
    for body in [two.as_str(), "{}", "[]", "nope"] {
        assert!(matches!(account(body), Outcome::Error { .. }), "{body}");
    }
    let mut bad_claims = jane();
    bad_claims["customAttributes"] = json!("[\"admin\"]");
    assert!(error_says(&account(&account_reply(bad_claims)), "customAttributes"));
}

#[test]
fn the_emulator_reads_unsigned_tokens_but_checks_their_claims() {
    let c = emulator();
    let (r, s) = sent(Firebase::start_login(ctx(&c), "jane@x.com", "jane@x.com", "pw"));
    assert_eq!(
        r.url,
        "http://127.0.0.1:9099/identitytoolkit.googleapis.com/v1/accounts:signInWithPassword?key=AIzaTestKey"
    );
    let (r, s) = sent(reply(&c, s, 200, &signed_in(&unsigned_token(&good_claims("demo-alm")))));
    assert_eq!(
        r.url, "http://127.0.0.1:9099/identitytoolkit.googleapis.com/v1/accounts:lookup?key=AIzaTestKey",
        "no key set, no signature step"
    );
    assert!(matches!(outcome(reply(&c, s, 200, &account_reply(jane()))), Outcome::Profile { .. }));
    for (token, says) in [
        (unsigned_token(&good_claims("other")), "issuer"),
        (signed_token(json!({"alg": "RS256"}), &good_claims("demo-alm")), "unsigned"),
        (
            format!("{}.{}.", encode(br#"{"alg":"RS256"}"#), encode(good_claims("demo-alm").to_string().as_bytes())),
            "no signature",
        ),
    ] {
        let (_, s) = sent(Firebase::start_login(ctx(&c), "jane@x.com", "jane@x.com", "pw"));
        let o = outcome(reply(&c, s, 200, &signed_in(&token)));
        assert!(error_says(&o, says), "{says}: {o:?}");
    }
}

#[test]
fn get_user_on_the_emulator_is_an_owner_lookup() {
    let c = emulator();
    let (r, s) = sent(Firebase::start_get_user(ctx(&c), "Jane@x.com", "jane@x.com"));
    assert_eq!(r.url, "http://127.0.0.1:9099/identitytoolkit.googleapis.com/v1/projects/demo-alm/accounts:lookup");
    assert!(r.headers.contains(&("authorization".to_string(), "Bearer owner".to_string())));
    assert!(matches!(outcome(reply(&c, s.clone(), 200, &account_reply(jane()))), Outcome::Profile { .. }));
    assert_eq!(
        outcome(reply(&c, s.clone(), 200, r#"{"kind":"identitytoolkit#GetAccountInfoResponse"}"#)),
        Outcome::NotFound
    );
    assert!(
        error_says(&outcome(reply(&c, s, 401, &firebase_error(401, "UNAUTHENTICATED"))), "HTTP 401"),
        "no token to refresh on the emulator"
    );
    assert_eq!(
        outcome(Firebase::start_get_user(ctx(&c), "jane", "jane")),
        Outcome::NotFound,
        "no @: no Firebase email"
    );
}

/// A production get_user through its sign step: the signed text and the state waiting for it.
fn to_sign(c: &FirebaseConfig) -> (String, String, State) {
    match Firebase::start_get_user(ctx(c), "Jane@x.com", "jane@x.com") {
        Step::Sign { sign, state } => (sign.key, sign.message, state),
        other => panic!("expected a sign step, got {other:?}"),
    }
}

fn signature() -> String {
    encode(&[9; 256])
}

#[test]
fn get_user_signs_an_assertion_exchanges_it_and_looks_up_by_email() {
    let c = cfg();
    let (key, message, state) = to_sign(&c);
    assert!(key.starts_with("-----BEGIN PRIVATE KEY-----\nMIIE"), "the host signs with the PEM");
    let claims: serde_json::Value =
        serde_json::from_slice(&crate::base64url::decode(message.split('.').nth(1).unwrap()).unwrap()).unwrap();
    assert_eq!(claims["iss"], "migrate@my-app-1234.iam.gserviceaccount.com");
    assert_eq!((claims["iat"].as_i64(), claims["exp"].as_i64()), (Some(NOW_S), Some(NOW_S + 3600)));
    let (r, s) = sent(Firebase::resume(ctx(&c), state, Input::Signed(Some(signature()))));
    assert_eq!(r.url, "https://oauth2.googleapis.com/token");
    assert!(r.body.as_deref().unwrap().ends_with(&format!("&assertion={message}.{}", signature())));
    assert!(!format!("{r:?}{s:?}").contains("MIIE"), "the key stays out of requests and states");
    let (r, s) = sent(reply(&c, s, 200, r#"{"access_token":"ya29.t1","expires_in":3599,"token_type":"Bearer"}"#));
    assert_eq!(r.url, "https://identitytoolkit.googleapis.com/v1/projects/my-app-1234/accounts:lookup");
    assert!(r.headers.contains(&("authorization".to_string(), "Bearer ya29.t1".to_string())));
    assert_eq!(r.body.as_deref(), Some(r#"{"email":["jane@x.com"]}"#));
    let Outcome::Profile { profile } = outcome(reply(&c, s.clone(), 200, &account_reply(jane()))) else { panic!() };
    assert_eq!(profile.user_id, "uid-1");
    assert_eq!(outcome(reply(&c, s.clone(), 200, "{}")), Outcome::NotFound);
    let mut disabled = jane();
    disabled["disabled"] = json!(true);
    assert!(matches!(outcome(reply(&c, s, 200, &account_reply(disabled))), Outcome::Unauthorized { .. }));
}

#[test]
fn a_refused_token_is_replaced_once_and_outages_are_retried_then_errors() {
    let c = cfg();
    let (_, _, state) = to_sign(&c);
    let (_, s) = sent(Firebase::resume(ctx(&c), state, Input::Signed(Some(signature()))));
    let (_, s) = sent(reply(&c, s, 200, r#"{"access_token":"t1","expires_in":3599}"#));
    let Step::Sign { state, .. } = reply(&c, s, 401, &firebase_error(401, "UNAUTHENTICATED")) else {
        panic!("signs anew")
    };
    let (r, s) = sent(Firebase::resume(ctx(&c), state, Input::Signed(Some(signature()))));
    assert_eq!(r.cache.as_ref().map(|h| h.refresh), Some(true), "the cached token is bypassed");
    let (_, s) = sent(reply(&c, s, 200, r#"{"access_token":"t2","expires_in":3599}"#));
    assert!(error_says(&outcome(reply(&c, s, 401, &firebase_error(401, "UNAUTHENTICATED"))), "HTTP 401"));

    let (_, _, state) = to_sign(&c);
    let (_, s) = sent(Firebase::resume(ctx(&c), state, Input::Signed(Some(signature()))));
    let (_, s) = sent(reply(&c, s, 200, r#"{"access_token":"t1","expires_in":3599}"#));
    let (r, s) = sent(reply(&c, s, 503, ""));
    assert_eq!((r.label.as_str(), r.delay_ms), ("lookup", 200));
    let (r, s) = sent(reply(&c, s, 503, ""));
    assert_eq!(r.delay_ms, 600);
    assert!(error_says(&outcome(reply(&c, s, 503, "")), "HTTP 503"), "never not-found");
    let (_, _, state) = to_sign(&c);
    let (_, s) = sent(Firebase::resume(ctx(&c), state, Input::Signed(Some(signature()))));
    let (_, s) = sent(reply(&c, s, 200, r#"{"access_token":"t1","expires_in":3599}"#));
    let o = outcome(reply(
        &c,
        s,
        403,
        &firebase_error(403, "Caller does not have required permission to use project my-app-1234."),
    ));
    assert!(error_says(&o, "Firebase Authentication Viewer"), "{o:?}");
}

#[test]
fn a_token_endpoint_refusal_or_a_failed_signature_names_the_service_account_setting() {
    let c = cfg();
    let (_, _, state) = to_sign(&c);
    let (_, s) = sent(Firebase::resume(ctx(&c), state, Input::Signed(Some(signature()))));
    let o = outcome(reply(&c, s, 400, r#"{"error":"invalid_grant","error_description":"Invalid JWT Signature."}"#));
    assert!(error_says(&o, "`Service_Account_Private_Key`"), "{o:?}");
    for sig in [None, Some("not base64!".to_string()), Some(encode(&[1; 16]))] {
        let (_, _, state) = to_sign(&c);
        let o = outcome(Firebase::resume(ctx(&c), state, Input::Signed(sig.clone())));
        assert!(error_says(&o, "`Service_Account_Private_Key`"), "{sig:?}: {o:?}");
        assert!(!format!("{o:?}").contains("MIIE"));
    }
    let (_, _, state) = to_sign(&c);
    assert!(error_says(&outcome(Firebase::resume(ctx(&c), state, Input::Verified(true))), "wrong kind"));
}

#[test]
fn the_deadline_ends_a_flow_with_an_error() {
    let c = cfg();
    let late = Ctx { cfg: &c, now_ms: NOW_MS + DEADLINE_MS, deadline_ms: NOW_MS + DEADLINE_MS };
    let (_, s) = sent(Firebase::start_login(ctx(&c), "jane@x.com", "jane@x.com", "pw"));
    let (_, s) =
        sent(reply(&c, s, 200, &signed_in(&signed_token(json!({"alg": "RS256", "kid": "k1"}), &good_claims(PROJECT)))));
    let o = outcome(Firebase::resume(late, s, Input::Reply(Reply::response(503, ""))));
    assert!(error_says(&o, "deadline"), "{o:?}");
}

#[test]
fn through_the_boundary_the_sign_step_carries_the_key_to_the_host_and_nothing_else_does() {
    let settings = json!({"Project_ID": PROJECT, "API_Key": "AIzaTestKey",
        "Service_Account_Email": "migrate@my-app-1234.iam.gserviceaccount.com", "Service_Account_Private_Key": KEY});
    let start = json!({"op": "get_user", "settings": settings, "now_ms": NOW_MS, "identifier": "jane@x.com"});
    let out: serde_json::Value =
        serde_json::from_str(&crate::boundary::start_for::<Firebase>(&start.to_string())).unwrap();
    assert!(out["sign"]["key"].as_str().unwrap().starts_with("-----BEGIN PRIVATE KEY-----\n"), "{out}");
    let resume = json!({"flow": out["flow"], "now_ms": NOW_MS, "signed": signature()});
    let next = crate::boundary::resume_for::<Firebase>(&resume.to_string());
    assert!(next.contains("oauth2.googleapis.com") && !next.contains("MIIE"), "{next}");
    let check: serde_json::Value = serde_json::from_str(&crate::boundary::check_firebase_settings(&json!({"settings": {"Project_ID": PROJECT, "API_Key": "k", "Service_Account_Email": "a@b.c", "Service_Account_Private_Key": "-----BEGIN PRIVATE KEY-----\nnope", "Emulator_Host": "", "Domain": "x"}}).to_string())).unwrap();
    assert_eq!(check["unknown"], json!(["Domain"]));
    assert_eq!(check["keys"].as_array().unwrap().len(), 7);
    let error = check["error"].as_str().unwrap();
    assert!(error.starts_with("setting `Service_Account_Private_Key`") && !error.contains("nope"), "{error}");
    let far = json!({"settings": {"Project_ID": "demo-x", "API_Key": "k", "Emulator_Host": "192.168.1.9:9099"}});
    let check: serde_json::Value =
        serde_json::from_str(&crate::boundary::check_firebase_settings(&far.to_string())).unwrap();
    assert!(check["error"].as_str().unwrap().starts_with("setting `Emulator_Host`"), "{check}");
}

#[test]
fn the_log_line_names_the_user_only_when_the_settings_say_so() {
    assert!(!Firebase::names_user(&cfg()));
    assert!(Firebase::names_user(&cfg_with(&[("Log_Identifiers", "true")])));
}
