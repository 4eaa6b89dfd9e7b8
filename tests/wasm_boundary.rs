//! The exported wasm functions, run as wasm under Node by wasm-bindgen-test-runner: strings cross
//! the boundary intact (UTF-8 both ways) and a flow runs end to end through the exports.
#![cfg(target_arch = "wasm32")]

use auth0_lazy_migrate::wasm::{build_info, release, resume, start};
use wasm_bindgen_test::wasm_bindgen_test;

fn settings() -> &'static str {
    r#"{"Domain":"old.eu.auth0.com","Client_ID":"cid","Client_Secret":"sec","Connection":"db"}"#
}

#[wasm_bindgen_test]
fn build_info_names_the_version() {
    assert!(build_info().starts_with(env!("CARGO_PKG_VERSION")));
}

#[wasm_bindgen_test]
fn non_ascii_identifiers_cross_the_boundary_intact() {
    let out = start(&format!(
        r#"{{"op":"login","settings":{},"now_ms":1,"identifier":"zoë@exämple.com","password":"pässwörd ✓"}}"#,
        settings()
    ));
    assert!(out.contains(r#"\"username\":\"zoë@exämple.com\""#), "{out}");
    assert!(out.contains("pässwörd ✓"), "the password goes out in the request body: {out}");
}

#[wasm_bindgen_test]
fn get_user_runs_through_the_exports() {
    let out = start(&format!(r#"{{"op":"get_user","settings":{},"now_ms":1,"identifier":"a@b.c"}}"#, settings()));
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    let flow = v["flow"].as_u64().unwrap();
    let reply = r#"{"status":200,"body":"{\"access_token\":\"T\",\"expires_in\":3600}"}"#;
    let out = resume(&format!(r#"{{"flow":{flow},"now_ms":2,"reply":{reply}}}"#));
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["store"]["until_ms"], 2 + 3_540_000, "the token is stored for its lifetime less a minute");
    assert_eq!(v["send"]["request"]["url"], "https://old.eu.auth0.com/api/v2/users-by-email?email=a%40b.c");
    let out = resume(&format!(r#"{{"flow":{flow},"now_ms":3,"reply":{{"status":200,"body":"[]"}}}}"#));
    assert_eq!(out, r#"{"done":{"kind":"not_found"}}"#);
}

#[wasm_bindgen_test]
fn a_released_flow_is_gone() {
    let out = start(&format!(r#"{{"op":"get_user","settings":{},"now_ms":1,"identifier":"a@b.c"}}"#, settings()));
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    let flow = v["flow"].as_u64().unwrap();
    release(flow as u32);
    let out = resume(&format!(r#"{{"flow":{flow},"now_ms":2,"reply":{{"status":200,"body":"[]"}}}}"#));
    assert!(out.contains("not in progress"), "{out}");
}

#[wasm_bindgen_test]
fn garbage_is_an_error_outcome() {
    assert!(resume("\u{0}not json").contains(r#""kind":"error""#));
}
