//! The cognito flows step by step, natively: each request they ask for and each outcome row of
//! `docs/cognito-source.md`.

use super::*;
use crate::base64url::encode;
use crate::http::Request;
use serde_json::json;

const NOW_MS: u64 = 1_700_000_000_000;
const NOW_S: i64 = 1_700_000_000;
const ISS: &str = "https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_P00l";

fn cfg(extra: &[(&str, &str)]) -> CognitoConfig {
    let mut m = Map::new();
    for (k, v) in [
        ("Region", "eu-west-1"),
        ("User_Pool_ID", "eu-west-1_P00l"),
        ("Client_ID", "client1"),
        ("Access_Key_ID", "AKIDEXAMPLE"),
        ("Secret_Access_Key", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"),
    ]
    .iter()
    .chain(extra)
    {
        m.insert(*k, Value::from(*v));
    }
    CognitoConfig::from_settings(&m).unwrap()
}

fn ctx(c: &CognitoConfig) -> Ctx<'_> {
    Ctx { cfg: c, now_ms: NOW_MS, deadline_ms: NOW_MS + 15_000 }
}

fn id_token(header: serde_json::Value, claims: serde_json::Value) -> String {
    format!("{}.{}.c2ln", encode(header.to_string().as_bytes()), encode(claims.to_string().as_bytes()))
}

fn good_claims() -> serde_json::Value {
    json!({"iss": ISS, "aud": "client1", "sub": "uuid-1", "token_use": "id", "exp": NOW_S + 300, "iat": NOW_S,
        "email": "jane@x.com", "cognito:username": "uuid-1"})
}

fn tokens(claims: serde_json::Value) -> String {
    json!({"AuthenticationResult": {"IdToken": id_token(json!({"alg": "RS256", "kid": "k1"}), claims),
        "AccessToken": "at-1", "TokenType": "Bearer", "ExpiresIn": 3600}})
    .to_string()
}

fn jwks() -> String {
    json!({"keys": [{"kty": "RSA", "kid": "k1", "use": "sig", "alg": "RS256", "n": encode(&[0xab; 256]), "e": "AQAB"}]})
        .to_string()
}

fn attributes(sub: &str) -> serde_json::Value {
    json!([{"Name": "sub", "Value": sub}, {"Name": "email", "Value": "Jane@x.com"}, {"Name": "email_verified", "Value": "true"},
        {"Name": "given_name", "Value": "Jane"}, {"Name": "family_name", "Value": "Doe"}, {"Name": "name", "Value": "Jane Doe"},
        {"Name": "phone_number", "Value": "+15550100"}, {"Name": "custom:plan", "Value": "pro"}, {"Name": "custom:tier", "Value": "gold"}])
}

fn list(users: serde_json::Value) -> String {
    json!({ "Users": users }).to_string()
}

fn record(enabled: serde_json::Value, status: &str) -> serde_json::Value {
    json!({"Username": "uuid-1", "Attributes": attributes("uuid-1"), "Enabled": enabled, "UserStatus": status})
}

fn reply(c: &CognitoConfig, state: State, status: u16, body: &str) -> Step {
    Cognito::resume(ctx(c), state, Input::Reply(Reply::response(status, body)))
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

fn kind(o: &Outcome) -> &'static str {
    match o {
        Outcome::Profile { .. } => "profile",
        Outcome::NotFound => "not_found",
        Outcome::WrongPassword { .. } => "wrong_password",
        Outcome::Unauthorized { .. } => "unauthorized",
        Outcome::Error { .. } => "error",
    }
}

fn target(r: &Request) -> &str {
    r.headers.iter().find(|(n, _)| n == "x-amz-target").map_or("", |(_, v)| v.as_str())
}

/// A login's first request and the state waiting for its reply.
fn started(c: &CognitoConfig) -> State {
    let (r, s) = sent(Cognito::start_login(ctx(c), "Jane@x.com", "jane@x.com", "pw"));
    assert_eq!(target(&r), "AWSCognitoIdentityProviderService.InitiateAuth");
    s
}

/// A login up to the signature check, with the given InitiateAuth reply.
fn to_verify(c: &CognitoConfig, body: &str) -> Step {
    let (r, s) = sent(reply(c, started(c), 200, body));
    assert_eq!(r.url, format!("{ISS}/.well-known/jwks.json"));
    assert!(r.cache.is_some());
    reply(c, s, 200, &jwks())
}

fn verified(c: &CognitoConfig, claims: serde_json::Value) -> Step {
    let Step::Verify { jwk, state, .. } = to_verify(c, &tokens(claims)) else { panic!("expected a verify step") };
    assert_eq!(jwk.get("alg").and_then(Value::as_str), Some("RS256"));
    Cognito::resume(ctx(c), state, Input::Verified(true))
}

fn full_claims() -> serde_json::Value {
    let mut c = good_claims();
    for (k, v) in [
        ("email", json!("Jane@x.com")),
        ("email_verified", json!(true)),
        ("given_name", json!("Jane")),
        ("family_name", json!("Doe")),
        ("name", json!("Jane Doe")),
        ("phone_number", json!("+15550100")),
        ("custom:plan", json!("pro")),
        ("custom:tier", json!("gold")),
    ] {
        c[k] = v;
    }
    c
}

const JANE: &str = r#"{"user_id":"cog-uuid-1","email":"Jane@x.com","email_verified":true,"name":"Jane Doe","given_name":"Jane","family_name":"Doe","user_metadata":{"plan":"pro","phone_number":"+15550100"},"app_metadata":{"tier":"gold"}}"#;

fn mapped() -> CognitoConfig {
    cfg(&[
        ("User_ID_Prefix", "cog-"),
        ("User_Metadata_Attributes", "custom:plan"),
        ("App_Metadata_Attributes", "custom:tier"),
    ])
}

#[test]
fn a_right_password_migrates_with_the_tokens_attributes() {
    let c = mapped();
    let Outcome::Profile { profile } = outcome(verified(&c, full_claims())) else { panic!() };
    assert_eq!(profile.to_json().to_json(), JANE);
}

#[test]
fn login_and_get_user_give_the_same_profile() {
    let c = mapped();
    let body = list(json!([record(json!(true), "CONFIRMED")]));
    let Outcome::Profile { profile } = outcome(reply(&c, lookup(&c, "jane@x.com"), 200, &body)) else { panic!() };
    assert_eq!(profile.to_json().to_json(), JANE);
}

#[test]
fn the_username_can_be_the_user_id() {
    let c = cfg(&[("User_ID_Attribute", "username")]);
    let mut claims = good_claims();
    claims["cognito:username"] = json!("jane");
    claims["email"] = json!("jane@x.com");
    let Outcome::Profile { profile } = outcome(verified(&c, claims)) else { panic!() };
    assert_eq!(profile.user_id, "jane");
}

#[test]
fn a_bad_token_is_never_migrated() {
    let c = cfg(&[]);
    let mut cases: Vec<serde_json::Value> = Vec::new();
    for (k, v) in [
        ("iss", json!("https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_Other")),
        ("aud", json!("another-client")),
        ("token_use", json!("access")),
        ("exp", json!(NOW_S - 120)),
        ("sub", json!("")),
        ("email", json!("john@x.com")),
    ] {
        let mut claims = good_claims();
        claims[k] = v;
        if k == "email" {
            claims["cognito:username"] = json!("john");
        }
        cases.push(claims);
    }
    for claims in cases {
        assert_eq!(kind(&outcome(verified(&c, claims.clone()))), "error", "{claims}");
    }
    // A forged signature: the host says no.
    let Step::Verify { state, .. } = to_verify(&c, &tokens(good_claims())) else { panic!() };
    assert_eq!(kind(&outcome(Cognito::resume(ctx(&c), state, Input::Verified(false)))), "error");
    // Another algorithm, or a key the pool does not publish (after one refresh).
    let hs = json!({"AuthenticationResult": {"IdToken": id_token(json!({"alg": "HS256"}), good_claims()), "AccessToken": "a"}});
    assert_eq!(kind(&outcome(reply(&c, started(&c), 200, &hs.to_string()))), "error");
    let other_kid = json!({"AuthenticationResult": {"IdToken": id_token(json!({"alg": "RS256", "kid": "k9"}), good_claims()), "AccessToken": "a"}});
    let (_, s) = sent(reply(&c, started(&c), 200, &other_kid.to_string()));
    let (r, s) = sent(reply(&c, s, 200, &jwks()));
    assert!(r.cache.as_ref().unwrap().refresh, "an unknown kid fetches the keys again");
    assert_eq!(kind(&outcome(reply(&c, s, 200, &jwks()))), "error");
}

#[test]
fn the_emulator_issuer_follows_the_endpoint() {
    let c = cfg(&[("Endpoint", "http://127.0.0.1:9229"), ("User_Pool_ID", "local_abc")]);
    let mut claims = good_claims();
    claims["iss"] = json!("http://127.0.0.1:9229/local_abc");
    let (r, _) = sent(reply(&c, started(&c), 200, &tokens(claims.clone())));
    assert_eq!(r.url, "http://127.0.0.1:9229/local_abc/.well-known/jwks.json");
}

#[test]
fn refusals_become_the_outcomes_of_the_table() {
    let c = cfg(&[]);
    for (ty, msg, want) in [
        ("NotAuthorizedException", "Incorrect username or password.", "wrong_password"),
        ("UserNotFoundException", "User does not exist.", "wrong_password"),
        ("InvalidPasswordException", "Invalid password", "wrong_password"),
        ("NotAuthorizedException", "User is disabled.", "unauthorized"),
        ("NotAuthorizedException", "Password attempts exceeded", "unauthorized"),
        ("PasswordResetRequiredException", "Password reset required for the user", "unauthorized"),
        ("UserNotConfirmedException", "User is not confirmed.", "unauthorized"),
        ("TooManyRequestsException", "Too many requests", "error"),
    ] {
        let body = json!({"__type": ty, "message": msg}).to_string();
        assert_eq!(kind(&outcome(reply(&c, started(&c), 400, &body))), want, "{ty}: {msg}");
    }
    for (status, body) in [(500, ""), (503, "{}"), (429, "{}"), (200, "{"), (200, "[]"), (200, "{}")] {
        assert_eq!(kind(&outcome(reply(&c, started(&c), status, body))), "error", "{status} {body}");
    }
    let timeout = Cognito::resume(ctx(&c), started(&c), Input::Reply(Reply::failed("timeout")));
    assert_eq!(kind(&outcome(timeout)), "error", "the password check is never retried");
    let new_password = json!({"ChallengeName": "NEW_PASSWORD_REQUIRED", "Session": "s"}).to_string();
    assert_eq!(kind(&outcome(reply(&c, started(&c), 200, &new_password))), "unauthorized");
    let custom = json!({"ChallengeName": "CUSTOM_CHALLENGE", "Session": "s"}).to_string();
    assert_eq!(kind(&outcome(reply(&c, started(&c), 200, &custom))), "error");
}

#[test]
fn an_mfa_challenge_asks_for_a_reset_never_a_wrong_password() {
    let c = cfg(&[]);
    for challenge in ["SMS_MFA", "SOFTWARE_TOKEN_MFA"] {
        let body = json!({"ChallengeName": challenge, "Session": "s", "ChallengeParameters": {}}).to_string();
        let Outcome::Unauthorized { message } = outcome(reply(&c, started(&c), 200, &body)) else {
            panic!("{challenge}")
        };
        assert_eq!(message, MFA_RESET);
    }
}

#[test]
fn with_a_client_secret_the_host_computes_the_secret_hash() {
    let c = cfg(&[("Client_Secret", "secret")]);
    let Step::Sign { sign, state } = Cognito::start_login(ctx(&c), "jane", "jane", "pw") else {
        panic!("expected a sign step")
    };
    assert_eq!((sign.key.as_str(), sign.message.as_str()), ("secret", "janeclient1"));
    // The host's answer is put in the request as base64: HMAC-SHA256("secret", "janeclient") as
    // Node computes it, hex in, base64 out.
    let mac = "3113c84ce1da69717753699743cbbff66537bbe22195818fd1c17d5696631393".to_string();
    let (r, _) = sent(Cognito::resume(ctx(&c), state.clone(), Input::Signed(Some(mac))));
    let body = json::parse(r.body.as_deref().unwrap()).unwrap();
    let hash = body.get("AuthParameters").and_then(|p| p.get("SECRET_HASH")).and_then(Value::as_str);
    assert_eq!(hash, Some("MRPITOHaaXF3U2mXQ8u/9mU3u+IhlYGP0cF9VpZjE5M="));
    assert_eq!(kind(&outcome(Cognito::resume(ctx(&c), state.clone(), Input::Signed(None)))), "error");
    assert_eq!(kind(&outcome(Cognito::resume(ctx(&c), state, Input::Signed(Some("zz".into()))))), "error");
}

fn lookup(c: &CognitoConfig, identifier: &str) -> State {
    let (r, s) = sent(Cognito::start_get_user(ctx(c), identifier, &identifier.to_ascii_lowercase()));
    assert_eq!(target(&r), "AWSCognitoIdentityProviderService.ListUsers");
    s
}

#[test]
fn get_user_finds_one_enabled_user_or_none() {
    let c = cfg(&[]);
    let o = outcome(reply(&c, lookup(&c, "jane@x.com"), 200, &list(json!([record(json!(true), "CONFIRMED")]))));
    let Outcome::Profile { profile } = &o else { panic!("{o:?}") };
    assert_eq!(profile.user_id, "uuid-1");
    assert_eq!(kind(&outcome(reply(&c, lookup(&c, "jane@x.com"), 200, &list(json!([]))))), "not_found");
    let two = list(json!([record(json!(true), "CONFIRMED"), record(json!(true), "CONFIRMED")]));
    assert_eq!(kind(&outcome(reply(&c, lookup(&c, "jane@x.com"), 200, &two))), "error");
    let other = list(json!([record(json!(true), "CONFIRMED")]));
    assert_eq!(kind(&outcome(reply(&c, lookup(&c, "john@x.com"), 200, &other))), "not_found", "not that user");
}

#[test]
fn get_user_fails_closed_on_disabled_and_unreadable_users() {
    let c = cfg(&[]);
    for (enabled, want) in [(json!(false), "unauthorized"), (json!("false"), "error"), (json!(null), "error")] {
        let body = list(json!([record(enabled.clone(), "CONFIRMED")]));
        assert_eq!(kind(&outcome(reply(&c, lookup(&c, "jane@x.com"), 200, &body))), want, "{enabled}");
    }
    for body in ["", "[]", "{}", r#"{"Users":{}}"#, r#"{"Users":[{"Attributes":[]}]}"#] {
        assert_eq!(kind(&outcome(reply(&c, lookup(&c, "jane@x.com"), 200, body))), "error", "{body}");
    }
}

#[test]
fn unconfirmed_users_follow_the_setting() {
    let body = list(json!([record(json!(true), "UNCONFIRMED")]));
    let c = cfg(&[]);
    assert_eq!(kind(&outcome(reply(&c, lookup(&c, "jane@x.com"), 200, &body))), "unauthorized");
    let c = cfg(&[("Unconfirmed_Users", "migrate")]);
    let Outcome::Profile { profile } = outcome(reply(&c, lookup(&c, "jane@x.com"), 200, &body)) else { panic!() };
    assert_eq!(profile.email_verified, Some(false), "offered for a reset, never as verified");
}

#[test]
fn lookups_are_retried_then_an_error_never_not_found() {
    let c = cfg(&[]);
    let (r1, s) = sent(reply(&c, lookup(&c, "jane@x.com"), 503, ""));
    assert_eq!(r1.delay_ms, 200);
    let (r2, s) = sent(Cognito::resume(ctx(&c), s, Input::Reply(Reply::failed("network"))));
    assert_eq!(r2.delay_ms, 600);
    assert!(r2.headers.iter().any(|(n, _)| n == "authorization"), "each attempt is signed again");
    assert_eq!(kind(&outcome(Cognito::resume(ctx(&c), s, Input::Reply(Reply::failed("timeout"))))), "error");
    let throttled = json!({"__type": "TooManyRequestsException", "message": "Rate exceeded"}).to_string();
    let (r, s) = sent(reply(&c, lookup(&c, "jane@x.com"), 400, &throttled));
    assert_eq!(r.delay_ms, 200, "throttling (HTTP 400) is retried like a 429");
    let (_, s) = sent(reply(&c, s, 400, &throttled));
    let Outcome::Error { message } = outcome(reply(&c, s, 400, &throttled)) else { panic!() };
    assert!(message.contains("throttling"), "{message}");
    for (ty, says) in [("AccessDeniedException", "ListUsers"), ("InvalidSignatureException", "Secret_Access_Key")] {
        let o = outcome(reply(&c, lookup(&c, "jane@x.com"), 400, &json!({"__type": ty, "message": "m"}).to_string()));
        let Outcome::Error { message } = o else { panic!() };
        assert!(message.contains(says), "{message}");
    }
}

#[test]
fn oversized_and_malformed_replies_are_errors() {
    let c = cfg(&[]);
    let (r, _) = sent(Cognito::start_get_user(ctx(&c), "jane@x.com", "jane@x.com"));
    assert_eq!(r.max_body_bytes, settings::limits::MAX_REPLY_BYTES);
    let cut = &list(json!([record(json!(true), "CONFIRMED")]))[..40];
    assert_eq!(kind(&outcome(reply(&c, lookup(&c, "jane@x.com"), 200, cut))), "error");
}

#[test]
fn the_password_is_held_one_step_and_never_in_an_error() {
    let c = cfg(&[("Client_Secret", "CLIENTSECRET")]);
    let Step::Sign { state, .. } = Cognito::start_login(ctx(&c), "jane@x.com", "jane@x.com", "PASSWORD123") else {
        panic!()
    };
    let mac = "00".repeat(32);
    let (r, s) = sent(Cognito::resume(ctx(&c), state, Input::Signed(Some(mac))));
    assert!(!format!("{s:?}").contains("PASSWORD123"), "gone from the state once the request is out");
    assert!(!format!("{r:?}").contains("CLIENTSECRET"));
    let o = outcome(reply(&c, s, 400, &json!({"__type": "Weird", "message": "x"}).to_string()));
    assert!(!format!("{o:?}").contains("PASSWORD123"));
}
