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

fn get_user_reply(username: &str, sub: &str) -> String {
    json!({"Username": username, "UserAttributes": attributes(sub), "MFAOptions": []}).to_string()
}

/// A login whose ID token (with `claims`) is verified, up to `GetUser`'s request.
fn to_get_user(c: &CognitoConfig, claims: serde_json::Value) -> State {
    let (r, s) = sent(verified(c, claims));
    assert_eq!(target(&r), "AWSCognitoIdentityProviderService.GetUser");
    assert_eq!(r.body.as_deref(), Some(r#"{"AccessToken":"at-1"}"#));
    assert!(
        !r.headers.iter().any(|(n, _)| n == "authorization"),
        "the access token authorises GetUser, not the IAM key"
    );
    s
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
fn a_right_password_migrates_with_get_users_attributes() {
    let c = mapped();
    // The token carries only some claims: the profile is GetUser's, the attributes the pool holds.
    let s = to_get_user(&c, good_claims());
    let Outcome::Profile { profile } = outcome(reply(&c, s, 200, &get_user_reply("uuid-1", "uuid-1"))) else {
        panic!()
    };
    assert_eq!(profile.to_json().to_json(), JANE);
    let s = to_get_user(&c, full_claims());
    let Outcome::Profile { profile } = outcome(reply(&c, s, 200, &get_user_reply("uuid-1", "uuid-1"))) else {
        panic!()
    };
    assert_eq!(profile.to_json().to_json(), JANE);
}

#[test]
fn get_user_at_login_must_answer_about_the_tokens_user() {
    let c = cfg(&[]);
    let o = outcome(reply(&c, to_get_user(&c, good_claims()), 200, &get_user_reply("uuid-2", "uuid-2")));
    let Outcome::Error { message } = o else { panic!("{o:?}") };
    assert!(message.contains("not the ID token's user"), "{message}");
    for body in ["", "{", "[]", r#"{"Username":"uuid-1"}"#, r#"{"Username":"uuid-1","UserAttributes":{}}"#] {
        assert_eq!(kind(&outcome(reply(&c, to_get_user(&c, good_claims()), 200, body))), "error", "{body}");
    }
    let refused = json!({"__type": "NotAuthorizedException", "message": "Access Token has been revoked"}).to_string();
    let o = outcome(reply(&c, to_get_user(&c, good_claims()), 400, &refused));
    let Outcome::Error { message } = o else { panic!("{o:?}") };
    assert!(message.starts_with("profile (GetUser): unexpected reply"), "never a wrong password: {message}");
}

#[test]
fn get_user_at_login_is_retried_then_an_error() {
    let c = cfg(&[]);
    let (r1, s) = sent(reply(&c, to_get_user(&c, good_claims()), 503, ""));
    assert_eq!((target(&r1), r1.delay_ms), ("AWSCognitoIdentityProviderService.GetUser", 200));
    let throttled = json!({"__type": "TooManyRequestsException", "message": "Rate exceeded"}).to_string();
    let (r2, s) = sent(reply(&c, s, 400, &throttled));
    assert_eq!(r2.delay_ms, 600, "throttling (HTTP 400) is retried like a 429");
    let Outcome::Error { message } = outcome(Cognito::resume(ctx(&c), s, Input::Reply(Reply::failed("timeout"))))
    else {
        panic!()
    };
    assert!(message.starts_with("profile (GetUser): no answer"), "{message}");
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
    let s = to_get_user(&c, claims);
    let Outcome::Profile { profile } = outcome(reply(&c, s, 200, &get_user_reply("jane", "uuid-1"))) else { panic!() };
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

fn mfa_lookup(c: &CognitoConfig, challenge: &str) -> State {
    let body =
        json!({"ChallengeName": challenge, "Session": "s", "ChallengeParameters": {"USER_ID_FOR_SRP": "uuid-1"}});
    let (r, s) = sent(reply(c, started(c), 200, &body.to_string()));
    assert_eq!(target(&r), "AWSCognitoIdentityProviderService.ListUsers");
    assert!(r.body.as_deref().unwrap().contains(r#"email = \"Jane@x.com\""#), "the identifier as typed");
    assert!(r.headers.iter().any(|(n, v)| n == "authorization" && v.starts_with("AWS4-HMAC-SHA256 ")));
    s
}

#[test]
fn an_mfa_challenge_migrates_with_the_profile_get_user_reads() {
    let c = mapped();
    for challenge in ["SMS_MFA", "SOFTWARE_TOKEN_MFA"] {
        let body = list(json!([record(json!(true), "CONFIRMED")]));
        let Outcome::Profile { profile } = outcome(reply(&c, mfa_lookup(&c, challenge), 200, &body)) else {
            panic!("{challenge}")
        };
        assert_eq!(profile.to_json().to_json(), JANE, "{challenge}");
    }
    // The password was right: a lookup that misses the user is an Error, never "no such user".
    let o = outcome(reply(&c, mfa_lookup(&c, "SMS_MFA"), 200, &list(json!([]))));
    let Outcome::Error { message } = o else { panic!("{o:?}") };
    assert!(message.contains("MFA"), "{message}");
    let disabled = list(json!([record(json!(false), "CONFIRMED")]));
    assert_eq!(kind(&outcome(reply(&c, mfa_lookup(&c, "SMS_MFA"), 200, &disabled))), "unauthorized");
    let (r, s) = sent(reply(&c, mfa_lookup(&c, "SMS_MFA"), 503, ""));
    assert_eq!((target(&r), r.delay_ms), ("AWSCognitoIdentityProviderService.ListUsers", 200));
    let denied = json!({"__type": "AccessDeniedException", "message": "m"}).to_string();
    let Outcome::Error { message } = outcome(reply(&c, s, 400, &denied)) else { panic!() };
    assert!(message.contains("cognito-idp:ListUsers"), "{message}");
}

#[test]
fn with_a_client_secret_the_secret_hash_is_sent() {
    let c = cfg(&[("Client_Secret", "secret")]);
    let (r, _) = sent(Cognito::start_login(ctx(&c), "jane", "jane", "pw"));
    let body = json::parse(r.body.as_deref().unwrap()).unwrap();
    let hash = body.get("AuthParameters").and_then(|p| p.get("SECRET_HASH")).and_then(Value::as_str);
    // Base64(HMAC-SHA256("secret", "jane" + "client1")), computed independently with Node's crypto.
    assert_eq!(hash, Some("0XOt+42iKmoi2wz0ADaexxMMHm35dt7Y8vkY7bIOGdQ="));
    let (r, _) = sent(Cognito::start_login(ctx(&cfg(&[])), "jane", "jane", "pw"));
    assert!(!r.body.as_deref().unwrap().contains("SECRET_HASH"), "none without a client secret");
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
fn the_password_and_secrets_are_never_held_or_in_an_error() {
    let c = cfg(&[("Client_Secret", "CLIENTSECRET")]);
    let (r, s) = sent(Cognito::start_login(ctx(&c), "jane@x.com", "jane@x.com", "PASSWORD123"));
    assert!(!format!("{s:?}").contains("PASSWORD123"), "never in the state");
    assert!(!format!("{r:?}").contains("CLIENTSECRET"));
    let o = outcome(reply(&c, s, 400, &json!({"__type": "Weird", "message": "x"}).to_string()));
    assert!(!format!("{o:?}").contains("PASSWORD123"));
    let (r, _) = sent(Cognito::start_get_user(ctx(&c), "jane@x.com", "jane@x.com"));
    assert!(!format!("{r:?}").contains("wJalrXUtnFEMI"), "the IAM secret signs, never leaves");
}
