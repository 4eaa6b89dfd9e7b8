//! The listing protocol end to end through `boundary::list_step`, JSON in and out, for the rest
//! contract's list call and the SCIM, Keycloak and Okta admin APIs: paging, the mapping (the same
//! profile get_user gives), blocked users, and every hostile reply ending in an error.

use super::*;
use crate::boundary::list_step;
use serde_json::{json, Value as J};

const SECRET: &str = "0123456789abcdef0123456789abcdef";
const MAC: &str = "abababababababababababababababababababababababababababababababab";

fn rest_settings() -> J {
    json!({"Base_URL": "https://store.example.com/alm", "Shared_Secret": SECRET})
}

fn step(source: &str, settings: &J, state: &J, extra: J) -> J {
    let mut input = json!({"source": source, "settings": settings, "state": state, "now_ms": 1_700_000_000_000u64});
    for (k, v) in extra.as_object().unwrap() {
        input[k] = v.clone();
    }
    serde_json::from_str(&list_step(&input.to_string())).unwrap()
}

fn reply(status: u16, body: J) -> J {
    json!({"status": status, "body": body.to_string(), "headers": {}})
}

/// Drives a rest listing to its page: sign, send, reply. Returns (the request sent, the answer).
fn rest_page(state: &J, answer: J) -> (J, J) {
    let s = rest_settings();
    let a = step("rest", &s, state, json!({}));
    assert!(a["sign"]["message"].as_str().unwrap().starts_with("POST\n/alm/list-users\n1700000000\n"), "{a}");
    assert_eq!(a["sign"]["key_setting"], "Shared_Secret");
    assert!(!a.to_string().contains(SECRET), "no secret crosses back");
    let b = step("rest", &s, &a["state"], json!({"signed": MAC}));
    let request = b["send"]["request"].clone();
    let c = step("rest", &s, &b["state"], json!({"reply": answer}));
    (request, c)
}

#[test]
fn rest_pages_are_signed_mapped_like_find_user_and_end_on_a_null_cursor() {
    let page1 = json!({"users": [
        {"user_id": "u-1", "email": "Ada@x.com", "name": "Ada", "user_metadata": {"plan": "pro"}, "extra": 1},
        {"user_id": "u-2", "email": "b@x.com", "blocked": true},
        {"email": "noid@x.com"}
    ], "next_cursor": "c2"});
    let (req, a) = rest_page(&J::Null, reply(200, page1));
    assert_eq!(req["url"], "https://store.example.com/alm/list-users");
    assert_eq!(req["body"], r#"{"cursor":null,"limit":100}"#);
    let headers = req["headers"].to_string();
    assert!(headers.contains("x-alm-timestamp") && headers.contains(&format!("v1={MAC}")), "{headers}");
    let recs = a["page"]["records"].as_array().unwrap();
    assert_eq!(recs.len(), 3);
    // The same schema as find-user's: unknown fields left out, metadata always objects.
    let body = crate::json::parse(
        &json!({"user_id": "u-1", "email": "Ada@x.com", "name": "Ada", "user_metadata": {"plan": "pro"}, "extra": 1})
            .to_string(),
    );
    let (p, _) = crate::rest::contract::profile(body.unwrap().as_object().unwrap()).unwrap();
    assert_eq!(recs[0]["import"]["user"], serde_json::from_str::<J>(&p.to_json().to_json()).unwrap());
    assert_eq!(recs[0]["id"], "u-1");
    assert_eq!(recs[1]["import"]["skip"], "blocked");
    assert!(recs[2]["import"]["error"].as_str().unwrap().contains("user_id"), "{}", recs[2]);
    assert_eq!(recs[2]["id"], "(page 1, user 3)");
    let (req, b) = rest_page(&a["state"], reply(200, json!({"users": [{"user_id": "u-3"}], "next_cursor": null})));
    assert_eq!(req["body"], r#"{"cursor":"c2","limit":100}"#);
    assert_eq!(b["page"]["records"].as_array().unwrap().len(), 1);
    let done = step("rest", &rest_settings(), &b["state"], json!({}));
    assert_eq!(done["done"], json!({"pages": 2, "users": 4}));
}

#[test]
fn a_store_without_the_list_call_is_refused_naming_it() {
    let (_, a) = rest_page(&J::Null, reply(404, json!({"error": "no_such_endpoint"})));
    assert!(a["refused"].as_str().unwrap().contains("optional list call `POST /list-users`"), "{a}");
}

#[test]
fn hostile_rest_pages_end_with_an_error() {
    let many: Vec<J> = (0..101).map(|i| json!({"user_id": format!("u{i}")})).collect();
    for (body, says) in [
        (reply(200, json!({"users": many, "next_cursor": null})), "more than the 100"),
        (reply(200, json!({"people": []})), "no `users`"),
        (json!({"status": 200, "body": "[1,2", "headers": {}}), "not a JSON object"),
        (reply(200, json!({"users": [], "next_cursor": 7})), "next_cursor"),
        (json!({"status": 200, "body": "x".repeat(limits::MAX_PAGE_BYTES as usize), "headers": {}}), "bytes or more"),
        (reply(401, json!({"error": "bad_signature"})), "ALM_REST_SHARED_SECRET"),
        (reply(500, json!({})), "HTTP 500"),
    ] {
        let mut state = J::Null;
        // A 5xx is retried twice first.
        for _ in 0..3 {
            let (_, a) = rest_page(&state, body.clone());
            if a.get("sign").is_some() {
                state = a["state"].clone();
                continue;
            }
            assert!(a["error"].as_str().unwrap().contains(says), "{says}: {a}");
            break;
        }
    }
    // A cursor that comes back: a loop.
    let (_, a) = rest_page(&J::Null, reply(200, json!({"users": [], "next_cursor": "c1"})));
    let (_, b) = rest_page(&a["state"], reply(200, json!({"users": [], "next_cursor": "c2"})));
    let (_, c) = rest_page(&b["state"], reply(200, json!({"users": [], "next_cursor": "c1"})));
    assert!(c["error"].as_str().unwrap().contains("loop"), "{c}");
    let (_, d) = rest_page(&a["state"], reply(200, json!({"users": [], "next_cursor": "c1"})));
    assert!(d["error"].as_str().unwrap().contains("loop"), "the same cursor again: {d}");
}

#[test]
fn a_transient_failure_is_signed_again_after_a_wait() {
    let (_, a) = rest_page(&J::Null, json!({"status": 503, "body": "", "headers": {"retry-after": "1"}}));
    assert!(a["sign"].is_object(), "{a}");
    let b = step("rest", &rest_settings(), &a["state"], json!({"signed": MAC}));
    assert_eq!(b["send"]["request"]["delay_ms"], 1000);
}

fn oidc_settings(lookup: &str) -> J {
    let mut s = json!({"Client_ID": "cid", "Client_Secret": "client-secret-xyz", "Issuer": "https://idp.example.com/realms/acme",
        "Lookup": lookup, "User_Metadata_Claims": "plan", "User_ID_Prefix": "kc-"});
    match lookup {
        "scim" => s["SCIM_Base_URL"] = json!("https://idp.example.com/scim/v2"),
        "keycloak" => {
            s["Base_URL"] = json!("https://idp.example.com");
            s["Realm"] = json!("acme");
        }
        "okta" => {
            s["Org_URL"] = json!("https://org.example.com");
            s["Okta_API_Token"] = json!("okta-token-abc");
        }
        _ => {}
    }
    s
}

/// Discovery and the token, for SCIM and Keycloak: returns the first page's request and state.
fn authenticated(lookup: &str) -> (J, J) {
    let s = oidc_settings(lookup);
    let a = step("oidc", &s, &J::Null, json!({}));
    assert_eq!(a["send"]["request"]["url"], "https://idp.example.com/realms/acme/.well-known/openid-configuration");
    let doc = json!({"issuer": "https://idp.example.com/realms/acme", "jwks_uri": "https://idp.example.com/k",
        "token_endpoint": "https://idp.example.com/token"});
    let b = step("oidc", &s, &a["state"], json!({"reply": reply(200, doc)}));
    assert_eq!(b["send"]["request"]["body"], "grant_type=client_credentials");
    let c = step(
        "oidc",
        &s,
        &b["state"],
        json!({"reply": reply(200, json!({"access_token": "tok-1", "expires_in": 300}))}),
    );
    (c["send"]["request"].clone(), c["state"].clone())
}

fn kind_of(import: &J) -> &'static str {
    if import.get("error").is_some() {
        "error"
    } else if import.get("skip").is_some() {
        "blocked"
    } else {
        "user"
    }
}

#[test]
fn scim_pages_by_start_index_until_total_results_mapped_like_get_user() {
    let s = oidc_settings("scim");
    let (req, state) = authenticated("scim");
    assert_eq!(req["url"], "https://idp.example.com/scim/v2/Users?startIndex=1&count=100");
    assert!(req["headers"].to_string().contains("Bearer tok-1"));
    let jane = json!({"id": "u1", "userName": "jane", "emails": [{"value": "jane@x.com", "primary": true}],
        "name": {"givenName": "Jane", "familyName": "D"}, "active": true, "plan": "pro"});
    let off = json!({"id": "u2", "userName": "off", "emails": [{"value": "off@x.com"}], "active": false});
    let list = |r: J, total: u64| json!({"totalResults": total, "itemsPerPage": 2, "Resources": r});
    let a = step("oidc", &s, &state, json!({"reply": reply(200, list(json!([jane.clone(), off]), 3))}));
    let recs = a["page"]["records"].as_array().unwrap();
    assert_eq!((kind_of(&recs[0]["import"]), kind_of(&recs[1]["import"])), ("user", "blocked"));
    // get_user's profile for the same record, through lookup::decide.
    let cfg = crate::oidc::settings::OidcConfig::from_settings(
        crate::json::parse(&s.to_string()).unwrap().as_object().unwrap(),
    )
    .unwrap();
    let o = crate::oidc::lookup::decide(&cfg, "jane@x.com", &list(json!([jane]), 1).to_string());
    let crate::outcome::Outcome::Profile { profile } = o else { panic!("{o:?}") };
    assert_eq!(recs[0]["import"]["user"], serde_json::from_str::<J>(&profile.to_json().to_json()).unwrap());
    assert_eq!(recs[0]["id"], "u1");
    let b = step("oidc", &s, &a["state"], json!({}));
    assert_eq!(b["send"]["request"]["url"], "https://idp.example.com/scim/v2/Users?startIndex=3&count=100");
    let c =
        step("oidc", &s, &b["state"], json!({"reply": reply(200, list(json!([{"id": "u3", "userName": "z"}]), 3))}));
    assert_eq!(c["page"]["records"].as_array().unwrap().len(), 1);
    assert_eq!(step("oidc", &s, &c["state"], json!({}))["done"], json!({"pages": 2, "users": 3}));
    // An empty page while the total says more: an error, never a short list.
    let d = step("oidc", &s, &b["state"], json!({"reply": reply(200, list(json!([]), 3))}));
    assert!(d["error"].as_str().unwrap().contains("is empty"), "{d}");
    // A provider that ignores startIndex: the same first user twice.
    let e = step("oidc", &s, &b["state"], json!({"reply": reply(200, list(json!([{"id": "u1"}]), 9))}));
    assert!(e["error"].as_str().unwrap().contains("ignores the page offset"), "{e}");
}

#[test]
fn keycloak_pages_by_first_and_max_and_refreshes_an_expired_token_once() {
    let s = oidc_settings("keycloak");
    let (req, state) = authenticated("keycloak");
    assert_eq!(req["url"], "https://idp.example.com/admin/realms/acme/users?first=0&max=100&briefRepresentation=false");
    let user = |i: usize| json!({"id": format!("k{i}"), "username": format!("u{i}"), "enabled": i != 5});
    let full: Vec<J> = (0..100).map(user).collect();
    let a = step("oidc", &s, &state, json!({"reply": reply(200, json!(full))}));
    let recs = a["page"]["records"].as_array().unwrap();
    assert_eq!(kind_of(&recs[5]["import"]), "blocked");
    assert_eq!(recs[0]["import"]["user"]["user_id"], "kc-k0", "the prefix, as get_user gives it");
    let b = step("oidc", &s, &a["state"], json!({}));
    assert!(b["send"]["request"]["url"].as_str().unwrap().contains("first=100&max=100"));
    // The token expired: a new one, then the same page.
    let c = step("oidc", &s, &b["state"], json!({"reply": reply(401, json!({}))}));
    assert_eq!(c["send"]["request"]["body"], "grant_type=client_credentials");
    let d = step("oidc", &s, &c["state"], json!({"reply": reply(200, json!({"access_token": "tok-2"}))}));
    assert!(d["send"]["request"]["headers"].to_string().contains("Bearer tok-2"));
    assert!(d["send"]["request"]["url"].as_str().unwrap().contains("first=100"));
    let e = step("oidc", &s, &d["state"], json!({"reply": reply(401, json!({}))}));
    assert!(e["error"].as_str().unwrap().contains("view-users"), "a second 401 is the setup: {e}");
    let f = step("oidc", &s, &d["state"], json!({"reply": reply(200, json!([user(100)]))}));
    // A short page may be the server's own cap: only an empty page ends the list.
    let more = step("oidc", &s, &f["state"], json!({}));
    assert!(more["send"]["request"]["url"].as_str().unwrap().contains("first=101"), "{more}");
    let end = step("oidc", &s, &more["state"], json!({"reply": reply(200, json!([]))}));
    assert_eq!(step("oidc", &s, &end["state"], json!({}))["done"]["users"], 101);
    let g = step("oidc", &s, &d["state"], json!({"reply": reply(200, json!({"users": []}))}));
    assert!(g["error"].as_str().unwrap().contains("not a user list"), "{g}");
}

#[test]
fn okta_follows_its_next_link_on_its_own_users_api_only() {
    let s = oidc_settings("okta");
    let a = step("oidc", &s, &J::Null, json!({}));
    let req = &a["send"]["request"];
    assert_eq!(req["url"], "https://org.example.com/api/v1/users?limit=200");
    assert!(req["headers"].to_string().contains("SSWS okta-token-abc"));
    let u = |id: &str, status: &str| json!({"id": id, "status": status, "profile": {"login": id, "email": format!("{id}@x.com")}});
    let linked = |link: &str| {
        let mut r = reply(200, json!([u("a", "ACTIVE"), u("b", "SUSPENDED"), u("c", "WEIRD")]));
        r["headers"]["link"] = json!(link);
        r
    };
    let next = "https://org.example.com/api/v1/users?after=b&limit=200";
    let b = step(
        "oidc",
        &s,
        &a["state"],
        json!({"reply": linked(&format!("<https://org.example.com/api/v1/users?limit=200>; rel=\"self\", <{next}>; rel=\"next\""))}),
    );
    let kinds: Vec<&str> = b["page"]["records"].as_array().unwrap().iter().map(|r| kind_of(&r["import"])).collect();
    assert_eq!(kinds, ["user", "blocked", "error"]);
    let c = step("oidc", &s, &b["state"], json!({}));
    assert_eq!(c["send"]["request"]["url"], next);
    let loop_back = step("oidc", &s, &c["state"], json!({"reply": linked(&format!("<{next}>; rel=\"next\""))}));
    assert!(loop_back["error"].as_str().unwrap().contains("loop"), "{loop_back}");
    let away = step(
        "oidc",
        &s,
        &c["state"],
        json!({"reply": linked("<https://evil.example.com/api/v1/users?after=x>; rel=\"next\"")}),
    );
    assert!(away["error"].as_str().unwrap().contains("refusing to send the API token"), "{away}");
    let last = step("oidc", &s, &c["state"], json!({"reply": reply(200, json!([]))}));
    assert_eq!(step("oidc", &s, &last["state"], json!({}))["done"], json!({"pages": 2, "users": 3}));
}

#[test]
fn lookup_none_cannot_list_and_settings_are_judged_first() {
    let a = step("oidc", &oidc_settings("none"), &J::Null, json!({}));
    assert!(a["refused"].as_str().unwrap().contains("`Lookup` is `none`"), "{a}");
    let b = step("rest", &json!({"Base_URL": "http://x"}), &J::Null, json!({}));
    assert!(b["error"].as_str().unwrap().contains("Base_URL"), "{b}");
    let c = step("auth0", &json!({}), &J::Null, json!({}));
    assert!(c["error"].is_string());
}

#[test]
fn the_state_round_trips_and_catches_loops() {
    let mut s = State { at: "page".into(), cursor: Value::from("c2"), token: "t".into(), ..State::default() };
    s.remember("c1").unwrap();
    s.read_page(3, Some("u1".into())).unwrap();
    let back = State::from_value(Some(&s.to_value()));
    assert_eq!(back, s);
    assert!(s.remember("c1").is_err(), "a cursor seen before");
    assert!(s.read_page(3, Some("u1".into())).is_err(), "the same first user twice");
    for i in 0..40 {
        s.remember(&format!("k{i}")).unwrap();
    }
    assert_eq!(s.recent.len(), limits::RECENT_CURSORS);
    assert_eq!(State::from_value(None), State::default());
}
