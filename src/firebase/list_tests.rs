//! The Firebase listing through `boundary::list_step`, JSON in and out: the assertion signed by
//! the host (RS256), the token, the `accounts:batchGet` pages, the mapping (get_user's own,
//! compared record by record), disabled accounts skipped, the emulator's `Bearer owner`, and
//! hostile pages ending in an error.

use crate::boundary::list_step;
use crate::firebase::settings::FirebaseConfig;
use crate::json::{self, Value};
use crate::outcome::Outcome;
use serde_json::{json, Value as J};

const NOW_MS: u64 = 1_700_000_000_000;
const KEY_BODY: &str = "MIIEvQIBADANBgkqhkiG9w0BAQEFAASCBKcwggSjAgEAAoIBAQC7VJTUt9Us8cKjMzEfYyjiWA4R4/M2bS1GB4t7NXp98C3SC6dVMvDuictGeurT8jNbvJZHtCSuYEvuNMoSfm76oqFvAp8Gy0iz5sxjZmSnXyCdPEovGhLa0VzMaQ8s+CLOyS56YyCFGeJZ";
const TOKEN: &str = "ya29.access-token";

fn settings(extra: J) -> J {
    let key = format!("-----BEGIN PRIVATE KEY-----\\n{KEY_BODY}\\n-----END PRIVATE KEY-----\\n");
    let mut s = json!({"Project_ID": "my-app-1234", "API_Key": "AIzaTestKey",
        "Service_Account_Email": "migrate@my-app-1234.iam.gserviceaccount.com", "Service_Account_Private_Key": key});
    for (k, v) in extra.as_object().unwrap() {
        s[k] = v.clone();
    }
    s
}

fn cfg(s: &J) -> FirebaseConfig {
    let Some(Value::Object(m)) = json::parse(&s.to_string()) else { panic!() };
    FirebaseConfig::from_settings(&m).unwrap()
}

fn step(s: &J, state: &J, extra: J) -> J {
    let mut input = json!({"source": "firebase", "settings": s, "state": state, "now_ms": NOW_MS});
    for (k, v) in extra.as_object().unwrap() {
        input[k] = v.clone();
    }
    let out: J = serde_json::from_str(&list_step(&input.to_string())).unwrap();
    if let Some(st) = out.get("state") {
        assert!(!st.to_string().contains(KEY_BODY), "the key never in the state: {st}");
        assert!(out.get("sign").is_some() || !out.to_string().contains(KEY_BODY), "the key only in a sign answer");
    }
    out
}

fn reply(status: u16, body: &J) -> J {
    json!({"status": status, "body": body.to_string(), "headers": {}})
}

/// A signature of 256 bytes, as the host would answer.
fn signature() -> String {
    crate::base64url::encode(&[7u8; 256])
}

fn account(n: u32, disabled: bool) -> J {
    json!({"localId": format!("uid-{n}"), "email": format!("u{n}@x.com"), "emailVerified": true,
        "displayName": format!("User {n}"), "disabled": disabled, "customAttributes": "{\"role\":\"admin\"}",
        "phoneNumber": "+15550100"})
}

/// Signs and fetches the token; returns the state at the first page request and that request.
fn to_first_page(s: &J) -> (J, J) {
    let a = step(s, &J::Null, json!({}));
    assert_eq!(a["sign"]["alg"], "RS256", "{a}");
    assert!(a["sign"]["key"].as_str().unwrap().starts_with("-----BEGIN PRIVATE KEY-----\n"), "a clean PEM");
    let message = a["sign"]["message"].as_str().unwrap();
    let claims: J =
        serde_json::from_slice(&crate::base64url::decode(message.split('.').nth(1).unwrap()).unwrap()).unwrap();
    assert_eq!(claims["iss"], "migrate@my-app-1234.iam.gserviceaccount.com");
    assert_eq!(claims["iat"], 1_700_000_000);
    let b = step(s, &a["state"], json!({"signed": signature()}));
    let t = &b["send"]["request"];
    assert_eq!(t["url"], "https://oauth2.googleapis.com/token");
    assert!(t["body"].as_str().unwrap().ends_with(&format!("&assertion={message}.{}", signature())), "{t}");
    let c = step(s, &b["state"], json!({"reply": reply(200, &json!({"access_token": TOKEN, "expires_in": 3599}))}));
    let p = c["send"]["request"].clone();
    (c["state"].clone(), p)
}

fn header<'a>(request: &'a J, name: &str) -> &'a str {
    request["headers"].as_array().unwrap().iter().find(|h| h[0] == name).map_or("", |h| h[1].as_str().unwrap())
}

#[test]
fn signed_assertion_token_then_two_pages() {
    let s = settings(json!({}));
    let (state, p1) = to_first_page(&s);
    assert_eq!(p1["method"], "GET");
    assert_eq!(
        p1["url"],
        "https://identitytoolkit.googleapis.com/v1/projects/my-app-1234/accounts:batchGet?maxResults=1000"
    );
    assert_eq!(header(&p1, "authorization"), format!("Bearer {TOKEN}"));
    let page1 = json!({"kind": "identitytoolkit#DownloadAccountResponse", "users": [account(1, false), account(2, true)], "nextPageToken": "n+x/2="});
    let a = step(&s, &state, json!({"reply": reply(200, &page1)}));
    let r = a["page"]["records"].as_array().unwrap();
    assert_eq!(r[0]["id"], "uid-1");
    assert_eq!(r[0]["email"], "u1@x.com");
    assert_eq!(r[0]["import"]["user"]["user_id"], "uid-1");
    assert_eq!(r[0]["import"].get("skip"), None);
    assert_eq!(r[1]["import"]["skip"], "blocked", "a disabled account is not imported");
    let b = step(&s, &a["state"], json!({}));
    assert_eq!(
        b["send"]["request"]["url"],
        "https://identitytoolkit.googleapis.com/v1/projects/my-app-1234/accounts:batchGet?maxResults=1000&nextPageToken=n%2Bx%2F2%3D"
    );
    let c = step(
        &s,
        &b["state"],
        json!({"reply": reply(200, &json!({"users": [account(3, false)], "nextPageToken": ""}))}),
    );
    assert_eq!(c["page"]["records"][0]["id"], "uid-3");
    assert_eq!(step(&s, &c["state"], json!({})), json!({"done": {"pages": 2, "users": 3}}));
}

#[test]
fn mapped_as_get_user_maps() {
    let s = settings(json!({"User_ID_Prefix": "fb|"}));
    let c = cfg(&s);
    for raw in [account(1, false), account(1, true), json!({"localId": "uid-1", "email": "u1@x.com"})] {
        let (state, _) = to_first_page(&s);
        let a = step(&s, &state, json!({"reply": reply(200, &json!({"users": [raw]}))}));
        let import = a["page"]["records"][0]["import"].clone();
        match crate::firebase::account::decide(&c, "u1@x.com", &json!({"users": [raw]}).to_string()) {
            Outcome::Profile { profile } => {
                let want: J = serde_json::from_str(&profile.to_json().to_json()).unwrap();
                assert_eq!(import["user"], want, "the profile get_user gives");
                assert_eq!(import.get("skip"), None);
            }
            Outcome::Unauthorized { .. } => assert_eq!(import["skip"], "blocked"),
            other => panic!("{other:?}"),
        }
        assert!(import["user"]["user_id"].as_str().unwrap().starts_with("fb|uid-1"));
    }
}

#[test]
fn the_emulator_lists_with_bearer_owner_and_no_assertion() {
    let s = settings(json!({"Project_ID": "demo-alm", "Emulator_Host": "127.0.0.1:9099"}));
    let a = step(&s, &J::Null, json!({}));
    let r = &a["send"]["request"];
    assert_eq!(
        r["url"],
        "http://127.0.0.1:9099/identitytoolkit.googleapis.com/v1/projects/demo-alm/accounts:batchGet?maxResults=1000"
    );
    assert_eq!(header(r, "authorization"), "Bearer owner");
}

#[test]
fn a_refused_token_is_replaced_once_per_page() {
    let s = settings(json!({}));
    let (state, _) = to_first_page(&s);
    let a =
        step(&s, &state, json!({"reply": reply(401, &json!({"error": {"code": 401, "message": "UNAUTHENTICATED"}}))}));
    assert_eq!(a["sign"]["alg"], "RS256", "a new assertion: {a}");
    let b = step(&s, &a["state"], json!({"signed": signature()}));
    let c = step(&s, &b["state"], json!({"reply": reply(200, &json!({"access_token": "t2"}))}));
    assert_eq!(header(&c["send"]["request"], "authorization"), "Bearer t2");
    let d = step(
        &s,
        &c["state"],
        json!({"reply": reply(401, &json!({"error": {"code": 401, "message": "UNAUTHENTICATED"}}))}),
    );
    assert!(d["error"].is_string(), "twice on one page: an error, {d}");
}

#[test]
fn a_key_node_cannot_sign_with_is_an_error_naming_the_setting() {
    let s = settings(json!({}));
    let a = step(&s, &J::Null, json!({}));
    let b = step(&s, &a["state"], json!({"signed": null}));
    assert!(b["error"].as_str().unwrap().contains("`Service_Account_Private_Key`"), "{b}");
    assert!(!b.to_string().contains(KEY_BODY));
}

#[test]
fn hostile_or_failed_pages_end_with_an_error() {
    let s = settings(json!({}));
    let (st, _) = to_first_page(&s);
    let fail = |state: &J, r: J| -> String {
        let a = step(&s, state, json!({"reply": r}));
        a["error"].as_str().unwrap_or_else(|| panic!("{a}")).to_string()
    };
    let many: Vec<J> = (0..1001).map(|i| json!({"localId": format!("x{i}")})).collect();
    assert!(fail(&st, reply(200, &json!({"users": many}))).contains("1001 users, more than the 1000 asked for"));
    assert!(fail(&st, reply(200, &json!({"users": {}}))).contains("malformed page"));
    assert!(fail(&st, reply(200, &json!([]))).contains("malformed page (not a JSON object)"));
    assert!(fail(&st, reply(200, &json!({"users": [], "nextPageToken": 3}))).contains("`nextPageToken` must be"));
    let big = json!({"status": 200, "body": "x".repeat(4_194_304), "headers": {}});
    assert!(fail(&st, big).contains("4194304 bytes or more; refused"));
    let denied =
        json!({"error": {"code": 403, "message": "PERMISSION_DENIED: Caller does not have required permission"}});
    let e = fail(&st, reply(403, &denied));
    assert!(e.contains("permission") || e.contains("role"), "the setup fix: {e}");
    // The same token again: a loop.
    let a = step(&s, &st, json!({"reply": reply(200, &json!({"users": [], "nextPageToken": "again"}))}));
    let b = step(&s, &a["state"], json!({}));
    let e = fail(&b["state"], reply(200, &json!({"users": [], "nextPageToken": "again"})));
    assert!(e.contains("refusing to list in a loop"), "{e}");
}
