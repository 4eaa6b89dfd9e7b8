//! The whole interface the JavaScript shim sees: two functions from JSON text to JSON text.
//!
//! Text in, text out keeps the wasm boundary free of JavaScript types (so this file is tested
//! natively) and means nothing is left allocated on either side between steps.
//!
//! - `start({"op": "login"|"get_user", "settings": {..}, "identifier": "..", "password": ".."})`
//! - `resume({"settings": {..}, "state": <from the last step>, "reply": {"status", "body"} | {"failure"}})`
//!
//! Both answer `{"send": {"request": {..}, "state": {..}}}` or `{"done": {"kind": .., ..}}`.

//! Inputs are read as a `serde_json::Value` and picked apart by hand instead of through derived
//! `Deserialize` impls: a derived impl carries serde's type-error messages, which format floats
//! and pull in Rust's float printing and serde's buffered-content machinery. Measured when the
//! change was made: the optimised wasm went from 177,863 to 116,761 bytes (-61 KB).

use crate::config::Config;
use crate::flow::{self, State, Step};
use crate::http::{Reply, Request};
use crate::outcome::Outcome;
use serde::Serialize;
use serde_json::{Map, Value};
use std::collections::BTreeMap;

#[derive(Serialize)]
#[serde(rename_all = "snake_case")]
enum Output {
    Send { request: Request, state: State },
    Done(Outcome),
}

fn render(step: Step) -> String {
    let out = match step {
        Step::Send { request, state } => Output::Send { request, state },
        Step::Done(o) => Output::Done(o),
    };
    serde_json::to_string(&out).unwrap_or_else(|_| r#"{"done":{"kind":"error","message":"internal: could not encode the result"}}"#.into())
}

fn done(o: Outcome) -> String {
    render(Step::Done(o))
}

/// The input object, or `None` when the shim sent something else.
fn object(input: &str) -> Option<Map<String, Value>> {
    match serde_json::from_str(input) {
        Ok(Value::Object(m)) => Some(m),
        _ => None,
    }
}

/// Auth0's `configuration` holds strings only; anything else is a sign of a broken paste or
/// deploy, reported with its key.
fn config(settings: Option<&Value>) -> Result<Config, Outcome> {
    let empty = Map::new();
    let settings = match settings {
        Some(Value::Object(m)) => m,
        None | Some(Value::Null) => &empty,
        Some(_) => return Err(Outcome::error("internal: settings are not an object")),
    };
    let mut text = BTreeMap::new();
    for (k, v) in settings {
        match v {
            Value::String(s) => {
                text.insert(k.clone(), s.clone());
            }
            Value::Null => {}
            _ => return Err(Outcome::error(format!("setting `{k}` must be text"))),
        }
    }
    Config::from_settings(&text).map_err(|e| Outcome::error(e.to_string()))
}

/// Begins a flow. Never panics on bad input: every problem becomes an `error` outcome.
pub fn start(input: &str) -> String {
    let Some(input) = object(input) else {
        return done(Outcome::error("internal: malformed start input from the shim"));
    };
    let cfg = match config(input.get("settings")) {
        Ok(c) => c,
        Err(o) => return done(o),
    };
    let identifier = input.get("identifier").and_then(Value::as_str).unwrap_or("");
    if identifier.trim().is_empty() {
        return done(Outcome::error("no user identifier was given"));
    }
    let password = input.get("password").and_then(Value::as_str);
    match (input.get("op").and_then(Value::as_str), password) {
        (Some("login"), Some(pw)) => render(flow::start_login(&cfg, identifier, pw)),
        (Some("login"), None) => done(Outcome::error("internal: login without a password")),
        (Some("get_user"), _) => render(flow::start_get_user(&cfg, identifier)),
        _ => done(Outcome::error("internal: unknown operation")),
    }
}

/// Continues a flow with the reply to its last request.
pub fn resume(input: &str) -> String {
    let Some(input) = object(input) else {
        return done(Outcome::error("internal: malformed resume input from the shim"));
    };
    let Some(state) = input.get("state").and_then(State::from_value) else {
        return done(Outcome::error("internal: malformed flow state from the shim"));
    };
    let reply = Reply::from_value(input.get("reply").unwrap_or(&Value::Null));
    match config(input.get("settings")) {
        Ok(cfg) => render(flow::resume(&cfg, state, &reply)),
        Err(o) => done(o),
    }
}

/// `"<version> <commit>"`, for the shim's log line and the build's self-check.
pub fn build_info() -> String {
    format!("{} {}", crate::VERSION, crate::COMMIT)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn settings() -> Value {
        json!({"Domain": "old.auth0.com", "Client_ID": "cid", "Client_Secret": "TOPSECRET", "Connection": ""})
    }

    fn parse(s: String) -> Value {
        serde_json::from_str(&s).unwrap()
    }

    #[test]
    fn login_round_trip_through_json() {
        let out = parse(start(&json!({"op": "login", "settings": settings(), "identifier": "a@b.c", "password": "pw"}).to_string()));
        let send = &out["send"];
        assert_eq!(send["request"]["method"], "POST");
        assert_eq!(send["state"], json!({"at": "password", "identifier": "a@b.c"}));
        let reply = json!({"status": 403, "body": json!({"error": "invalid_grant"}).to_string()});
        let out = parse(resume(&json!({"settings": settings(), "state": send["state"], "reply": reply}).to_string()));
        assert_eq!(out["done"]["kind"], "wrong_password");
    }

    #[test]
    fn bad_settings_fail_before_any_request_and_never_echo_secrets() {
        let mut s = settings();
        s["Domain"] = json!("");
        let out = parse(start(&json!({"op": "get_user", "settings": s, "identifier": "a@b.c"}).to_string()));
        assert_eq!(out["done"]["kind"], "error");
        assert!(out["done"]["message"].as_str().unwrap().contains("`Domain`"));
        let mut s = settings();
        s["Client_ID"] = json!(42);
        let out = start(&json!({"op": "get_user", "settings": s, "identifier": "a@b.c"}).to_string());
        assert!(out.contains("`Client_ID` must be text") && !out.contains("TOPSECRET"), "{out}");
    }

    #[test]
    fn garbage_input_is_an_error_outcome_not_a_panic() {
        for input in ["", "{", "[]", r#"{"op":"login"}"#, r#"{"settings":{},"state":{"at":"nowhere"},"reply":{}}"#] {
            assert_eq!(parse(start(input))["done"]["kind"], "error", "{input}");
            assert_eq!(parse(resume(input))["done"]["kind"], "error", "{input}");
        }
    }
}
