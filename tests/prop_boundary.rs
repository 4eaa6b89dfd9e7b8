//! Property tests of the wasm boundary (`boundary::start`, `resume`, `import_record`): whatever
//! text arrives - from a confused shim or, through the replies it carries, from the old tenant -
//! the answer is valid JSON holding exactly one of a request to send, a signature to verify, or a
//! final outcome, and never a panic (a panic would be a wasm trap). Then whole flows driven by
//! arbitrary replies: they always end within a bounded number of steps, a wrong password only ever
//! follows the old tenant saying so to the password check, a profile only follows a verified token
//! or a successful lookup, the password and client secret never appear in an outcome, a URL or a
//! header, and time is kept: with the host's clock moving on, no request leaves after the call's
//! deadline, none outlasts it (timeout plus backoff), and a reply is stored only when it is a fresh
//! 2xx to a cacheable request, under that request's key, until a later instant. Native only;
//! `PROPTEST_CASES=N` for a long run.
#![cfg(not(target_arch = "wasm32"))]

use auth0_lazy_migrate::base64url;
use auth0_lazy_migrate::boundary;
use proptest::prelude::*;
use proptest::strategy::ValueTree;
use serde_json::{json, Value as S};

fn config(default: u32) -> ProptestConfig {
    let cases = std::env::var("PROPTEST_CASES").ok().and_then(|v| v.parse().ok()).unwrap_or(default);
    ProptestConfig { cases, failure_persistence: None, ..ProptestConfig::default() }
}

const SECRET: &str = "CS-7f3Kq9Zt-client-secret";
const PASSWORD: &str = "PW-x83Hd0-the-password";
const ISSUER: &str = "https://old.example.com/";
const NOW_MS: u64 = 1_800_000_000_000;

/// Parses a boundary answer, checking its shape; returns it.
fn step(out: &str) -> Result<S, TestCaseError> {
    let v: S = serde_json::from_str(out).map_err(|e| TestCaseError::fail(format!("not JSON ({e}): {out}")))?;
    let o = v.as_object().ok_or_else(|| TestCaseError::fail(format!("not an object: {out}")))?;
    let mut answers = o.iter().filter(|(k, _)| !["flow", "store"].contains(&k.as_str()));
    let (k, body) = answers.next().ok_or_else(|| TestCaseError::fail(format!("no answer: {out}")))?;
    prop_assert!(answers.next().is_none(), "exactly one of send / verify / done: {}", out);
    if let Some(flow) = o.get("flow") {
        prop_assert!(flow.is_u64() && k != "done", "a flow id only for a flow in progress: {}", out);
    }
    if let Some(store) = o.get("store") {
        prop_assert!(store["key"].is_string() && store["until_ms"].is_u64(), "{}", out);
    }
    match k.as_str() {
        "send" => {
            prop_assert!(body["request"]["url"].as_str().is_some_and(|u| u.starts_with("https://")), "{}", out);
            prop_assert!(body["request"]["timeout_ms"].as_u64().is_some_and(|t| t >= 1), "{}", out);
            prop_assert!(body.get("state").is_none(), "the state stays in the wasm: {}", out);
        }
        "verify" => prop_assert!(body["jwk"].is_object() && body["input"].is_string() && body["signature"].is_string()),
        "done" => {
            let kind = body["kind"].as_str().unwrap_or("");
            prop_assert!(
                ["profile", "not_found", "wrong_password", "unauthorized", "error"].contains(&kind),
                "{}",
                out
            );
            if kind == "profile" {
                prop_assert!(body["profile"]["user_id"].as_str().is_some_and(|s| !s.is_empty()));
            }
        }
        _ => prop_assert!(false, "unknown answer {}", out),
    }
    Ok(v)
}

/// Secrets may travel only in the body of the request that needs them.
fn no_secret_outside_its_request(v: &S) -> Result<(), TestCaseError> {
    let mut public = v.clone();
    let label = v["send"]["request"]["label"].as_str().unwrap_or("").to_string();
    if let Some(req) = public.get_mut("send").and_then(|s| s.get_mut("request")) {
        let body = req
            .as_object_mut()
            .unwrap()
            .remove("body")
            .and_then(|b| b.as_str().map(str::to_string))
            .unwrap_or_default();
        prop_assert!(!body.contains(PASSWORD) || label == "password", "the password in a {} request", label);
        prop_assert!(
            !body.contains(SECRET) || label == "password" || label == "token",
            "the secret in a {} request",
            label
        );
    }
    let text = public.to_string();
    prop_assert!(!text.contains(PASSWORD), "the password outside the password request: {}", text);
    prop_assert!(!text.contains(SECRET), "the client secret outside its requests: {}", text);
    Ok(())
}

fn b64(v: &S) -> String {
    base64url::encode(v.to_string().as_bytes())
}

fn id_token(identifier: &str, variant: u8) -> String {
    let mut claims = json!({"iss": ISSUER, "aud": "cid", "sub": "auth0|u1", "exp": NOW_MS / 1000 + 3600, "iat": NOW_MS / 1000,
        "https://migrationapp/user_metadata": {"a": 1}, "https://migrationapp/app_metadata": {}});
    if identifier.contains('@') {
        claims["email"] = json!(identifier);
    } else {
        claims["https://migrationapp/username"] = json!(identifier);
    }
    let mut header = json!({"alg": "RS256", "kid": "k1"});
    match variant {
        1 => header["alg"] = json!("none"),
        2 => header["alg"] = json!("HS256"),
        3 => header["kid"] = json!("k9"),
        4 => claims["exp"] = json!(1),
        5 => claims["email"] = json!("someone.else@example.com"),
        6 => claims["iss"] = json!("https://evil.example.com/"),
        7 => {
            claims.as_object_mut().unwrap().remove("https://migrationapp/user_metadata");
            claims.as_object_mut().unwrap().remove("https://migrationapp/app_metadata");
        }
        _ => {}
    }
    format!("{}.{}.c2lnbmF0dXJl", b64(&header), b64(&claims))
}

fn user_record(identifier: &str, variant: u8) -> S {
    let mut u = json!({"user_id": "auth0|u1", "identities": [{"connection": "db", "provider": "auth0", "user_id": "u1"}], "user_metadata": {"a": 1}});
    if identifier.contains('@') {
        u["email"] = json!(identifier.to_lowercase());
    } else {
        u["username"] = json!(identifier.to_lowercase());
    }
    match variant {
        1 => u["blocked"] = json!(true),
        2 => u["app_metadata"] = json!({"migration_complete": true}),
        3 => u["identities"] = json!([{"connection": "other", "provider": "auth0"}]),
        4 => {
            u.as_object_mut().unwrap().remove("user_id");
        }
        5 => u["blocked"] = json!("yes"),
        _ => {}
    }
    u
}

/// One reply the host could feed back: plausible for the request (most of the time) or anything.
fn arb_reply(label: String, identifier: String) -> impl Strategy<Value = S> {
    let good = match label.as_str() {
        "password" => prop_oneof![
            (0u8..8).prop_map({ let i = identifier.clone(); move |v| json!({"status": 200, "body": json!({"id_token": id_token(&i, v), "access_token": "x"}).to_string()}) }),
            prop::sample::select(vec!["invalid_grant", "invalid_user_password", "access_denied", "unauthorized", "too_many_attempts", "password_leaked", "mfa_required", "unauthorized_client", "invalid_request", "server_error", "too_many_requests"])
                .prop_flat_map(|e| (Just(e), prop::sample::select(vec![400u16, 401, 403, 429, 500])))
                .prop_map(|(e, s)| json!({"status": s, "body": json!({"error": e, "error_description": "Wrong email or password. Unknown realm"}).to_string()})),
        ].boxed(),
        "discovery" => Just(json!({"status": 200, "body": json!({"issuer": ISSUER, "jwks_uri": "https://old.example.com/.well-known/jwks.json"}).to_string()})).boxed(),
        "jwks" => Just(json!({"status": 200, "body": json!({"keys": [{"kty": "RSA", "kid": "k1", "use": "sig", "n": base64url::encode(&[0xc5; 256]), "e": "AQAB"}]}).to_string()})).boxed(),
        "token" => Just(json!({"status": 200, "body": json!({"access_token": "mgmt-token", "expires_in": 86400}).to_string()})).boxed(),
        _ => prop_oneof![
            (0u8..6).prop_map({ let i = identifier.clone(); move |v| json!({"status": 200, "body": json!([user_record(&i, v)]).to_string()}) }),
            (0u8..6).prop_map({ let i = identifier.clone(); move |v| json!({"status": 200, "body": user_record(&i, v).to_string()}) }),
            Just(json!({"status": 200, "body": "[]"})),
            Just(json!({"status": 401, "body": "{}"})),
        ].boxed(),
    };
    let any_reply = prop_oneof![
        prop::sample::select(vec![200u16, 201, 204, 301, 400, 401, 403, 404, 429, 500, 502, 503, 0, 999])
            .prop_flat_map(|s| {
                (
                    Just(s),
                    prop_oneof![
                        Just(String::new()),
                        Just("<html>".to_string()),
                        Just("{}".to_string()),
                        Just("[]".to_string()),
                        Just("null".to_string()),
                        "\\PC{0,30}"
                    ],
                    prop::option::of(prop::sample::select(vec![
                        "0",
                        "1",
                        "3",
                        "60",
                        "soon",
                        "-1",
                        "99999999999999999999",
                    ])),
                    prop::option::of(prop::sample::select(vec!["0", "1800000003", "abc", "18446744073709551616"])),
                )
            })
            .prop_map(|(s, body, ra, reset)| {
                let mut headers = json!({});
                if let Some(r) = ra {
                    headers["retry-after"] = json!(r);
                }
                if let Some(r) = reset {
                    headers["x-ratelimit-reset"] = json!(r);
                }
                json!({"status": s, "body": body, "headers": headers})
            }),
        prop::sample::select(vec!["timeout", "network", "deadline", "malformed reply: not UTF-8"])
            .prop_map(|f| json!({"failure": f})),
        Just(json!({})),
        Just(json!({"status": "200", "body": 5})),
    ];
    prop_oneof![3 => good, 2 => any_reply]
}

/// Drives a flow to its end with replies drawn from `arb_reply`. Returns the steps taken.
fn drive(
    runner: &mut proptest::test_runner::TestRunner,
    op: &str,
    identifier: &str,
    source: &str,
) -> Result<(usize, String), TestCaseError> {
    let settings = json!({"Domain": "old.example.com", "Client_ID": "cid", "Client_Secret": SECRET, "Connection": "db", "Profile_Source": source});
    let mut out = step(&boundary::start(
        &json!({"op": op, "settings": settings, "now_ms": NOW_MS, "identifier": identifier,
        "identifier_folded": identifier.to_lowercase(), "password": PASSWORD})
        .to_string(),
    ))?;
    no_secret_outside_its_request(&out)?;
    let flow = out["flow"].clone();
    let deadline = NOW_MS + 15_000;
    let mut now = NOW_MS;
    let mut verified_true = false;
    let mut last: Option<(String, S)> = None;
    let mut last_cache: Option<S> = None;
    for n in 0..40 {
        if let Some(store) = out.get("store") {
            let (_, reply) = last.as_ref().unwrap();
            let fresh_2xx =
                reply["status"].as_u64().is_some_and(|s| (200..300).contains(&s)) && reply.get("shared").is_none();
            prop_assert!(fresh_2xx, "stored a reply that is not a fresh 2xx: {}", reply);
            prop_assert_eq!(&store["key"], &last_cache.as_ref().unwrap()["key"], "stored under another key");
            prop_assert!(store["until_ms"].as_u64().unwrap() > now, "stored already expired");
        }
        if let Some(done) = out.get("done") {
            let kind = done["kind"].as_str().unwrap();
            if kind == "wrong_password" {
                let (label, reply) = last.clone().unwrap();
                prop_assert_eq!(label.as_str(), "password", "a wrong password only answers the password check");
                let body = reply["body"].as_str().unwrap_or("");
                prop_assert!(
                    ["invalid_grant", "invalid_user_password", "access_denied"].iter().any(|e| body.contains(e)),
                    "wrong password from {}",
                    reply
                );
            }
            if kind == "profile" {
                let after_lookup = last.as_ref().is_some_and(|(l, r)| {
                    ["user", "users-by-email", "users-search"].contains(&l.as_str())
                        && r["status"].as_u64().is_some_and(|s| (200..300).contains(&s))
                });
                prop_assert!(verified_true || after_lookup, "a profile without a verified token or a found user");
            }
            return Ok((n, kind.to_string()));
        }
        let input = if let Some(send) = out.get("send") {
            let request = &send["request"];
            let (delay, timeout) = (request["delay_ms"].as_u64().unwrap(), request["timeout_ms"].as_u64().unwrap());
            prop_assert!(
                now + delay + timeout <= deadline,
                "a request outlasting the deadline at {}: {}",
                now,
                request
            );
            prop_assert!(delay == 0 || now + delay + 100 < deadline, "a backoff that does not fit: {}", request);
            let label = request["label"].as_str().unwrap().to_string();
            let mut reply = arb_reply(label.clone(), identifier.to_string()).new_tree(runner).unwrap().current();
            if request.get("cache").is_some() && (0u8..4).new_tree(runner).unwrap().current() == 0 {
                reply["shared"] = json!(true);
            }
            last = Some((label, reply.clone()));
            last_cache = request.get("cache").cloned();
            // The host's clock moves on by the backoff and some of the timeout, sometimes past the deadline.
            now += delay + (0..=timeout + 2_000).new_tree(runner).unwrap().current();
            json!({"flow": flow, "now_ms": now, "reply": reply})
        } else {
            let ok = any::<bool>().new_tree(runner).unwrap().current();
            verified_true |= ok;
            last_cache = None;
            json!({"flow": flow, "now_ms": now, "verified": ok})
        };
        out = step(&boundary::resume(&input.to_string()))?;
        no_secret_outside_its_request(&out)?;
    }
    prop_assert!(false, "no outcome after 40 steps");
    unreachable!()
}

proptest! {
    #![proptest_config(config(256))]

    #[test]
    fn arbitrary_text_is_answered_never_panicked_on(text in "\\PC{0,200}") {
        step(&boundary::start(&text))?;
        step(&boundary::resume(&text))?;
        let r: S = serde_json::from_str(&boundary::import_record(&text)).unwrap();
        prop_assert!(r.is_object());
    }

    #[test]
    fn arbitrary_inputs_of_the_right_shape_are_answered(
        op in prop::sample::select(vec!["login", "get_user", "other"]),
        settings in prop_oneof![
            Just(json!({"Domain": "old.example.com", "Client_ID": "cid", "Client_Secret": SECRET})),
            prop::collection::btree_map(prop::sample::select(vec!["Domain", "Client_ID", "Client_Secret", "Audience", "Profile_Source"]), "\\PC{0,12}", 0..5).prop_map(|m| json!(m)),
            Just(json!("settings")), Just(json!(null)), Just(json!({"Domain": 5})),
        ],
        now in prop_oneof![Just(json!(NOW_MS)), any::<u64>().prop_map(|n| json!(n)), Just(json!(-1)), Just(json!(1e300)), Just(json!("now"))],
        identifier in prop_oneof![Just(json!("a@b.c")), "\\PC{0,20}".prop_map(S::from), Just(json!(null)), Just(json!(7))],
        password in prop_oneof![Just(json!(PASSWORD)), Just(json!(null)), Just(json!(""))],
        flow in prop_oneof![
            3 => Just(None),
            1 => prop_oneof![any::<u64>().prop_map(S::from), Just(json!(null)), Just(json!(-1)), Just(json!("1")), Just(json!([]))].prop_map(Some),
        ],
        reply in prop_oneof![Just(None), Just(Some(json!({"status": 200, "body": "{}"}))), Just(Some(json!({"failure": "timeout"}))), Just(Some(json!(5)))],
        verified in prop::option::of(prop_oneof![any::<bool>().prop_map(S::from), Just(json!("yes"))]),
    ) {
        let out = step(&boundary::start(&json!({"op": op, "settings": settings, "now_ms": now, "identifier": identifier, "password": password}).to_string()))?;
        no_secret_outside_its_request(&out)?;
        // The flow start handed out (or none, when it was done at once), or anything else.
        let flow = flow.unwrap_or_else(|| out.get("flow").cloned().unwrap_or(S::Null));
        let mut input = json!({"flow": flow, "now_ms": now});
        if let Some(r) = reply { input["reply"] = r; }
        if let Some(v) = verified { input["verified"] = v; }
        let out = step(&boundary::resume(&input.to_string()))?;
        no_secret_outside_its_request(&out)?;
    }

    #[test]
    fn import_record_answers_any_record(user in prop::collection::btree_map(
        prop::sample::select(vec!["user_id", "email", "blocked", "app_metadata", "user_metadata", "username"]),
        prop_oneof!["\\PC{0,10}".prop_map(S::from), any::<bool>().prop_map(S::from), Just(json!({"migration_complete": true})), Just(json!(null)), Just(json!([1]))],
        0..6,
    )) {
        let out = boundary::import_record(&json!({"settings": {"Domain": "old.example.com", "Client_ID": "cid", "Client_Secret": SECRET}, "user": user}).to_string());
        let v: S = serde_json::from_str(&out).unwrap();
        prop_assert!(v.get("user").is_some() || v.get("error").is_some(), "{}", out);
        prop_assert!(!out.contains(SECRET));
    }
}

#[test]
fn whole_flows_driven_by_arbitrary_replies_end_and_keep_their_promises() {
    let cases = std::env::var("PROPTEST_CASES").ok().and_then(|v| v.parse::<u32>().ok()).unwrap_or(256);
    let mut rng = proptest::test_runner::TestRunner::deterministic();
    let mut longest = 0;
    let mut kinds = std::collections::BTreeMap::new();
    for i in 0..cases.max(64) {
        let op = ["login", "get_user"][i as usize % 2];
        let identifier = ["ada@example.com", "Ada@Example.com", "ada_lovelace", "x\"y"][(i / 2) as usize % 4];
        let source = ["auto", "claims", "management"][(i / 8) as usize % 3];
        match drive(&mut rng, op, identifier, source) {
            Ok((n, kind)) => {
                longest = longest.max(n);
                *kinds.entry(kind).or_insert(0) += 1;
            }
            Err(e) => panic!("{op} {identifier} ({source}): {e}"),
        }
    }
    assert!(longest <= 20, "the longest flow took {longest} steps");
    for kind in ["profile", "not_found", "wrong_password", "unauthorized", "error"] {
        assert!(kinds.contains_key(kind), "the walks never reached {kind}: {kinds:?}");
    }
    eprintln!("outcomes of {} walks: {kinds:?}; longest {longest} steps", cases.max(64));
}
