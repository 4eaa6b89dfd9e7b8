//! The Cognito listing through `boundary::list_step`, JSON in and out: the signed `ListUsers`
//! pages, the mapping (get_user's own, compared record by record), who is skipped as blocked, and
//! every hostile page ending in an error.

use crate::boundary::list_step;
use crate::cognito::settings::CognitoConfig;
use crate::cognito::sigv4;
use crate::json::{self, Value};
use crate::outcome::Outcome;
use serde_json::{json, Value as J};

const NOW_MS: u64 = 1_700_000_000_000;
const SECRET: &str = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY";

fn settings(extra: J) -> J {
    let mut s = json!({"Region": "eu-west-1", "User_Pool_ID": "eu-west-1_P00l", "Client_ID": "client1",
        "Access_Key_ID": "AKIDEXAMPLE", "Secret_Access_Key": SECRET});
    for (k, v) in extra.as_object().unwrap() {
        s[k] = v.clone();
    }
    s
}

fn cfg(s: &J) -> CognitoConfig {
    let Some(Value::Object(m)) = json::parse(&s.to_string()) else { panic!() };
    CognitoConfig::from_settings(&m).unwrap()
}

fn step(s: &J, state: &J, extra: J) -> J {
    let mut input = json!({"source": "cognito", "settings": s, "state": state, "now_ms": NOW_MS});
    for (k, v) in extra.as_object().unwrap() {
        input[k] = v.clone();
    }
    let out = list_step(&input.to_string());
    assert!(!out.contains(SECRET), "the secret key never crosses back: {out}");
    serde_json::from_str(&out).unwrap()
}

fn reply(status: u16, body: &J) -> J {
    json!({"status": status, "body": body.to_string(), "headers": {}})
}

fn user(n: u32, enabled: J, status: &str) -> J {
    json!({"Username": format!("user-{n}"), "Enabled": enabled, "UserStatus": status,
        "Attributes": [{"Name": "sub", "Value": format!("sub-{n}")}, {"Name": "email", "Value": format!("U{n}@x.com")},
            {"Name": "email_verified", "Value": "true"}, {"Name": "given_name", "Value": "Jo"},
            {"Name": "phone_number", "Value": "+15550100"}, {"Name": "custom:plan", "Value": "pro"}]})
}

fn header<'a>(request: &'a J, name: &str) -> &'a str {
    request["headers"].as_array().unwrap().iter().find(|h| h[0] == name).map_or("", |h| h[1].as_str().unwrap())
}

/// Checks the request's SigV4 `Authorization` against its own body and headers, as AWS does.
fn assert_signed(request: &J) {
    let body = request["body"].as_str().unwrap();
    let stamp = header(request, "x-amz-date");
    let target = header(request, "x-amz-target");
    let auth = header(request, "authorization");
    let date = &stamp[..8];
    let headers = [
        ("content-type", "application/x-amz-json-1.1"),
        ("host", "cognito-idp.eu-west-1.amazonaws.com"),
        ("x-amz-date", stamp),
        ("x-amz-target", target),
    ];
    let canonical = sigv4::canonical_request("POST", "/", "", &headers, &sigv4::sha256_hex(body.as_bytes()));
    let scope = sigv4::scope(date, "eu-west-1", "cognito-idp");
    let sig =
        sigv4::signature(SECRET, date, "eu-west-1", "cognito-idp", &sigv4::string_to_sign(stamp, &scope, &canonical));
    assert_eq!(
        auth,
        format!("AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/{scope}, SignedHeaders=content-type;host;x-amz-date;x-amz-target, Signature={sig}")
    );
}

#[test]
fn two_signed_pages_then_done() {
    let s = settings(json!({}));
    let a = step(&s, &J::Null, json!({}));
    let r1 = &a["send"]["request"];
    assert_eq!(r1["url"], "https://cognito-idp.eu-west-1.amazonaws.com/");
    assert_eq!(r1["method"], "POST");
    assert_eq!(header(r1, "x-amz-target"), "AWSCognitoIdentityProviderService.ListUsers");
    let body1: J = serde_json::from_str(r1["body"].as_str().unwrap()).unwrap();
    assert_eq!(body1, json!({"UserPoolId": "eu-west-1_P00l", "Limit": 60}), "no Filter: every user");
    assert_signed(r1);
    assert_eq!(r1["max_body_bytes"], 4_194_304);

    let page1 = json!({"Users": [user(1, json!(true), "CONFIRMED"), user(2, json!(false), "CONFIRMED")], "PaginationToken": "tok-2"});
    let b = step(&s, &a["state"], json!({"reply": reply(200, &page1)}));
    let records = b["page"]["records"].as_array().unwrap();
    assert_eq!(records.len(), 2);
    assert_eq!(records[0]["id"], "user-1");
    assert_eq!(records[0]["email"], "U1@x.com");
    assert_eq!(records[0]["import"]["user"]["user_id"], "sub-1");
    assert_eq!(records[0]["import"].get("skip"), None);
    assert_eq!(records[1]["import"]["skip"], "blocked", "a disabled user is not imported");

    let c = step(&s, &b["state"], json!({}));
    let r2 = &c["send"]["request"];
    let body2: J = serde_json::from_str(r2["body"].as_str().unwrap()).unwrap();
    assert_eq!(body2, json!({"UserPoolId": "eu-west-1_P00l", "Limit": 60, "PaginationToken": "tok-2"}));
    assert_signed(r2);

    let d = step(&s, &c["state"], json!({"reply": reply(200, &json!({"Users": [user(3, json!(true), "CONFIRMED")]}))}));
    assert_eq!(d["page"]["records"][0]["id"], "user-3");
    let e = step(&s, &d["state"], json!({}));
    assert_eq!(e, json!({"done": {"pages": 2, "users": 3}}));
}

/// The record's import against what get_user's lookup gives for the same `ListUsers` record.
fn same_as_get_user(s: &J, raw: &J) -> J {
    let c = cfg(s);
    let a = step(s, &J::Null, json!({}));
    let b = step(s, &a["state"], json!({"reply": reply(200, &json!({"Users": [raw]}))}));
    let import = b["page"]["records"][0]["import"].clone();
    let looked_up = crate::cognito::lookup::decide(&c, "user-1", &json!({"Users": [raw]}).to_string());
    match looked_up {
        Outcome::Profile { profile } => {
            let want: J = serde_json::from_str(&profile.to_json().to_json()).unwrap();
            assert_eq!(import["user"], want, "the profile get_user gives");
            assert_eq!(import.get("skip"), None);
        }
        Outcome::Unauthorized { .. } => assert_eq!(import["skip"], "blocked", "get_user refuses: skipped as blocked"),
        other => panic!("{other:?}"),
    }
    import
}

#[test]
fn mapped_as_get_user_maps() {
    let s = settings(json!({"User_ID_Attribute": "username", "User_ID_Prefix": "cog|",
        "User_Metadata_Attributes": "custom:plan", "App_Metadata_Attributes": "given_name"}));
    let i = same_as_get_user(&s, &user(1, json!(true), "CONFIRMED"));
    assert_eq!(i["user"]["user_id"], "cog|user-1");
    assert_eq!(i["user"]["user_metadata"], json!({"plan": "pro", "phone_number": "+15550100"}));
    assert_eq!(i["user"]["app_metadata"], json!({"given_name": "Jo"}));
    assert_eq!(i["user"]["email_verified"], true);
    // They must set a new password anyway; a bulk-imported user has none.
    same_as_get_user(&s, &user(1, json!(true), "FORCE_CHANGE_PASSWORD"));
    same_as_get_user(&s, &user(1, json!(true), "RESET_REQUIRED"));
    same_as_get_user(&s, &user(1, json!(false), "CONFIRMED"));
}

#[test]
fn unconfirmed_users_follow_the_setting() {
    let refuse = same_as_get_user(&settings(json!({})), &user(1, json!(true), "UNCONFIRMED"));
    assert_eq!(refuse["skip"], "blocked");
    let migrate =
        same_as_get_user(&settings(json!({"Unconfirmed_Users": "migrate"})), &user(1, json!(true), "UNCONFIRMED"));
    assert_eq!(migrate["user"]["email_verified"], false, "the new tenant's reset proves the email");
}

#[test]
fn a_record_that_does_not_map_is_listed_as_such() {
    let s = settings(json!({}));
    let a = step(&s, &J::Null, json!({}));
    let mut no_enabled = user(1, json!(true), "CONFIRMED");
    no_enabled.as_object_mut().unwrap().remove("Enabled");
    let page = json!({"Users": [no_enabled, {"Username": "x", "Attributes": "no"}, {"Username": "y", "Enabled": true, "Attributes": []}]});
    let b = step(&s, &a["state"], json!({"reply": reply(200, &page)}));
    let r = b["page"]["records"].as_array().unwrap();
    assert!(r[0]["import"]["error"].as_str().unwrap().contains("no boolean `Enabled`"), "{b}");
    assert!(r[1]["import"]["error"].as_str().unwrap().contains("is not `{Username"), "{b}");
    assert!(r[2]["import"]["error"].as_str().unwrap().contains("empty"), "no sub: {b}");
}

#[test]
fn throttling_is_retried_and_signed_anew() {
    let s = settings(json!({}));
    let a = step(&s, &J::Null, json!({}));
    let throttled = json!({"__type": "TooManyRequestsException", "message": "Rate exceeded"});
    let b = step(&s, &a["state"], json!({"reply": reply(400, &throttled)}));
    let r = &b["send"]["request"];
    assert!(r["delay_ms"].as_u64().unwrap() > 0, "{b}");
    assert_eq!(b["state"]["tries"], 1);
    assert_signed(r);
    // Still throttled after the retries: an error saying so, never a page.
    let c = step(&s, &b["state"], json!({"reply": reply(400, &throttled)}));
    let d = step(&s, &c["state"], json!({"reply": reply(400, &throttled)}));
    assert!(d["error"].as_str().unwrap_or_else(|| panic!("{d}")).contains("throttling"), "{d}");
}

#[test]
fn hostile_or_failed_pages_end_with_an_error() {
    let s = settings(json!({}));
    let first = step(&s, &J::Null, json!({}));
    let fail = |state: &J, r: J| -> String {
        let a = step(&s, state, json!({"reply": r}));
        a["error"].as_str().unwrap_or_else(|| panic!("{a}")).to_string()
    };
    let st = &first["state"];
    let many: Vec<J> = (0..61).map(|i| user(i, json!(true), "CONFIRMED")).collect();
    assert!(fail(st, reply(200, &json!({"Users": many}))).contains("61 users, more than the 60 asked for"));
    assert!(fail(st, reply(200, &json!({"People": []}))).contains("malformed page (no `Users` list)"));
    assert!(fail(st, reply(200, &json!({"Users": [], "PaginationToken": 7}))).contains("`PaginationToken` must be"));
    let big = json!({"status": 200, "body": "x".repeat(4_194_304), "headers": {}});
    assert!(fail(st, big).contains("4194304 bytes or more; refused"));
    let denied =
        json!({"__type": "AccessDeniedException", "message": "not authorized to perform: cognito-idp:ListUsers"});
    let e = fail(st, reply(400, &denied));
    assert!(e.starts_with("user list: "), "{e}");
    let mut tired = st.clone();
    tired["tries"] = json!(255);
    assert!(
        fail(&tired, json!({"failure": "network (ECONNREFUSED)"})).contains("no answer from Cognito"),
        "after the retries"
    );

    // A token that comes back again: a loop.
    let mut state = st.clone();
    for t in ["a", "b", "a"] {
        let a = step(&s, &state, json!({"reply": reply(200, &json!({"Users": [], "PaginationToken": t}))}));
        if t == "a" && a.get("error").is_some() {
            assert!(a["error"].as_str().unwrap().contains("refusing to list in a loop"), "{a}");
            return;
        }
        state = a["state"].clone();
        state = step(&s, &state, json!({}))["state"].clone();
    }
    panic!("the loop was not caught");
}
