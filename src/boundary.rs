//! The whole interface the JavaScript shim sees: functions from JSON text to JSON text. `start` and
//! `resume` run the flows (below); `build_info` names the build; [`import_record`] and
//! [`check_settings`] serve the Node engine (exported to wasm only with `--features engine`).
//!
//! Text in, text out keeps the wasm boundary free of JavaScript types (so this file is tested
//! natively) and means nothing is left allocated on either side between steps.
//!
//! - `start({"op": "login"|"get_user", "settings": {..}, "now_ms": .., "identifier": "..", "password": ".."})`
//! - `resume({"settings": {..}, "now_ms": .., "state": <from the last step>,
//!   "reply": {"status", "body", "headers"} | {"failure"}` or `"verified": true|false})`
//!
//! `identifier_folded` is the identifier in lower case, folded by the host with JavaScript's
//! `toLowerCase()`: the flows compare and look users up with it. Folding Unicode case here would
//! carry Rust's case tables in the wasm (18,165 bytes of optimised wasm, measured); without it,
//! ASCII folding is the fallback.
//!
//! Both answer `{"send": {"request", "state"}}`, `{"verify": {"jwk", "input", "signature", "state"}}`
//! or `{"done": {"kind": .., ..}}`.

//! JSON is read and written with [`crate::json`], the crate's own small JSON module (see its
//! doc comment for why and what it saved).

use crate::config::Config;
use crate::flow::{self, Ctx, Input, State, Step};
use crate::http::Reply;
use crate::json::{self, Map, Value};
use crate::outcome::Outcome;
use crate::text::cat;

fn render(step: Step) -> String {
    let out = match step {
        Step::Send { request, state } => {
            Value::object([("send", Value::object([("request", request.to_json()), ("state", state.to_json())]))])
        }
        Step::Verify { jwk, input, signature, state } => Value::object([(
            "verify",
            Value::object([
                ("jwk", jwk),
                ("input", Value::from(input)),
                ("signature", Value::from(signature)),
                ("state", state.to_json()),
            ]),
        )]),
        Step::Done(o) => Value::object([("done", o.to_json())]),
    };
    out.to_json()
}

fn done(o: Outcome) -> String {
    render(Step::Done(o))
}

/// The input object, or `None` when the shim sent something else.
fn object(input: &str) -> Option<Map> {
    match json::parse(input) {
        Some(Value::Object(m)) => Some(m),
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
    if let Some((k, _)) = settings.iter().find(|(_, v)| !matches!(v, Value::String(_) | Value::Null)) {
        return Err(Outcome::error(cat(&["setting `", k, "` must be text"])));
    }
    Config::from_settings(settings).map_err(|e| Outcome::error(e.message()))
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
    let Some(now_ms) = input.get("now_ms").and_then(Value::as_u64) else {
        return done(Outcome::error("internal: no clock from the shim"));
    };
    let ctx = Ctx { cfg: &cfg, now_ms };
    let identifier = input.get("identifier").and_then(Value::as_str).unwrap_or("");
    if identifier.trim().is_empty() {
        return done(Outcome::error("no user identifier was given"));
    }
    let folded = match input.get("identifier_folded").and_then(Value::as_str) {
        Some(f) => f.to_string(),
        None => identifier.to_ascii_lowercase(),
    };
    let password = input.get("password").and_then(Value::as_str);
    match (input.get("op").and_then(Value::as_str), password) {
        (Some("login"), Some(pw)) => render(flow::start_login(ctx, identifier, &folded, pw)),
        (Some("login"), None) => done(Outcome::error("internal: login without a password")),
        (Some("get_user"), _) => render(flow::start_get_user(ctx, &folded)),
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
    let Some(now_ms) = input.get("now_ms").and_then(Value::as_u64) else {
        return done(Outcome::error("internal: no clock from the shim"));
    };
    let event = match (input.get("verified").and_then(Value::as_bool), input.get("reply")) {
        (Some(ok), _) => Input::Verified(ok),
        (None, Some(reply)) => Input::Reply(Reply::from_value(reply)),
        (None, None) => return done(Outcome::error("internal: resume without a reply or verdict")),
    };
    match config(input.get("settings")) {
        Ok(cfg) => render(flow::resume(Ctx { cfg: &cfg, now_ms }, state, event)),
        Err(o) => done(o),
    }
}

/// Maps one user record of the old tenant (a Management API user or a line of a users-exports
/// file) to the record the new tenant imports, exactly as login and get_user map it: the same
/// profile, the same user id. For the command line's bulk `tail`, so that users moved in bulk are
/// indistinguishable from users who logged in.
///
/// `{"settings": {..}, "user": {..}}` -> `{"user": {..}}` (import it), `{"user": {..}, "skip": "blocked"}`
/// (do not import it: blocked in the old tenant), or `{"error": ".."}`. `"marked": true` is added
/// when the old tenant marked the user `migration_complete`. The mark is not a skip: it is set
/// when a password check succeeded, which does not prove the new tenant stored the user (a
/// `try login`, or a first login that then failed on an outage), so a marked user who is not in
/// the new tenant is imported, and listed. The mapped user comes with a skip too, so a caller can
/// tell whether it is already in the new tenant.
pub fn import_record(input: &str) -> String {
    let answer = |k: &str, v: Value| Value::object([(k, v)]).to_json();
    let Some(input) = object(input) else {
        return answer("error", Value::from("malformed input"));
    };
    let cfg = match config(input.get("settings")) {
        Ok(c) => c,
        Err(Outcome::Error { message }) => return answer("error", Value::from(message)),
        Err(_) => return answer("error", Value::from("bad settings")),
    };
    let Some(user) = input.get("user").and_then(Value::as_object) else {
        return answer("error", Value::from("no user record"));
    };
    let profile = match crate::profile::from_user_record(user) {
        Ok(p) => crate::lookup::with_prefix(&cfg, p).to_json(),
        Err(e) => return answer("error", Value::from(e)),
    };
    let mut fields = vec![("user", profile)];
    if crate::lookup::is_blocked(user) {
        fields.push(("skip", Value::from("blocked")));
    }
    if crate::lookup::already_migrated(user) {
        fields.push(("marked", Value::Bool(true)));
    }
    Value::object(fields).to_json()
}

/// Checks dashboard settings without running a flow, for the command line before it deploys or
/// uses them: `{"settings": {..}}` -> `{"keys": [{"name", "required"}..], "unknown": [..]}` plus
/// `"error": "setting `Key` ..."` when the scripts would refuse them. `unknown` lists the keys the
/// scripts do not read (a typo is silently ignored by Auth0). The key list comes from
/// [`crate::config::keys::ALL`], so nothing else has to copy it.
pub fn check_settings(input: &str) -> String {
    // Written as text rather than built as a `Value` tree: the tree version cost 1.1 KB more of
    // script (measured), for an export the scripts themselves never call.
    let settings = object(input).and_then(|mut m| m.remove("settings"));
    let mut out = String::from("{\"keys\":[");
    for (i, (k, required)) in crate::config::keys::ALL.iter().enumerate() {
        let sep = if i == 0 { "" } else { "," };
        out.push_str(&cat(&[
            sep,
            "{\"name\":\"",
            k,
            "\",\"required\":",
            if *required { "true" } else { "false" },
            "}",
        ]));
    }
    out.push_str("],\"unknown\":[");
    if let Some(Value::Object(m)) = &settings {
        let mut first = true;
        for (k, _) in m.iter().filter(|(k, _)| !crate::config::keys::is_known(k)) {
            if !first {
                out.push(',');
            }
            first = false;
            json::write_str(&mut out, k);
        }
    }
    out.push(']');
    if let Err(Outcome::Error { message }) = config(settings.as_ref()) {
        out.push_str(",\"error\":");
        json::write_str(&mut out, &message);
    }
    out.push('}');
    out
}

/// `"<version> <commit>"`, for the shim's log line and the build's self-check.
pub fn build_info() -> String {
    cat(&[crate::VERSION, " ", crate::COMMIT])
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::{json, Value};

    fn settings() -> Value {
        json!({"Domain": "old.auth0.com", "Client_ID": "cid", "Client_Secret": "TOPSECRET", "Connection": ""})
    }

    fn parse(s: String) -> Value {
        serde_json::from_str(&s).unwrap()
    }

    #[test]
    fn login_round_trip_through_json() {
        let out = parse(start(
            &json!({"op": "login", "settings": settings(), "now_ms": 1, "identifier": "a@b.c", "password": "pw"})
                .to_string(),
        ));
        let send = &out["send"];
        assert_eq!(send["request"]["method"], "POST");
        assert_eq!(send["state"], json!({"at": "password", "identifier": "a@b.c"}));
        let reply = json!({"status": 403, "body": json!({"error": "invalid_grant"}).to_string()});
        let out = parse(resume(
            &json!({"settings": settings(), "now_ms": 1, "state": send["state"], "reply": reply}).to_string(),
        ));
        assert_eq!(out["done"]["kind"], "wrong_password");
    }

    #[test]
    fn bad_settings_fail_before_any_request_and_never_echo_secrets() {
        let mut s = settings();
        s["Domain"] = json!("");
        let out =
            parse(start(&json!({"op": "get_user", "settings": s, "now_ms": 1, "identifier": "a@b.c"}).to_string()));
        assert_eq!(out["done"]["kind"], "error");
        assert!(out["done"]["message"].as_str().unwrap().contains("`Domain`"));
        let mut s = settings();
        s["Client_ID"] = json!(42);
        let out = start(&json!({"op": "get_user", "settings": s, "now_ms": 1, "identifier": "a@b.c"}).to_string());
        assert!(out.contains("`Client_ID` must be text") && !out.contains("TOPSECRET"), "{out}");
    }

    #[test]
    fn a_verify_step_round_trips() {
        let state = json!({"at": "verify", "identifier": "a@b.c", "id_token": "x.y.z", "issuer": "https://old/"});
        let out =
            parse(resume(&json!({"settings": settings(), "now_ms": 1, "state": state, "verified": false}).to_string()));
        assert_eq!(out["done"]["kind"], "error");
        assert!(out["done"]["message"].as_str().unwrap().contains("signature"));
        let wrong = parse(resume(
            &json!({"settings": settings(), "now_ms": 1, "state": state, "reply": {"status": 200}}).to_string(),
        ));
        assert!(wrong["done"]["message"].as_str().unwrap().contains("wrong kind of input"));
    }

    #[test]
    fn import_records_map_like_get_user() {
        let user = json!({"user_id": "auth0|abc", "email": "a@b.c", "username": "ab", "app_metadata": {"migration_complete": true, "r": 1}});
        let out = parse(import_record(&json!({"settings": settings(), "user": user}).to_string()));
        assert_eq!(
            out["user"],
            json!({"user_id": "abc", "email": "a@b.c", "username": "ab", "user_metadata": {}, "app_metadata": {"r": 1}})
        );
        assert!(out.get("skip").is_none(), "the mark is not proof the new tenant has the user: imported");
        assert_eq!(out["marked"], true, "but reported, so the tail can list it");
        let mut s = settings();
        s["User_ID_Prefix"] = json!("old-");
        let unmarked = json!({"user_id": "auth0|abc", "email": "a@b.c"});
        let out = parse(import_record(&json!({"settings": s, "user": unmarked}).to_string()));
        assert_eq!(out["user"]["user_id"], "old-abc");
        assert!(out.get("skip").is_none() && out.get("marked").is_none());
        let blocked = json!({"user_id": "auth0|b", "blocked": true});
        let out = parse(import_record(&json!({"settings": settings(), "user": blocked}).to_string()));
        assert_eq!((out["skip"].as_str(), out["user"]["user_id"].as_str()), (Some("blocked"), Some("b")));
        assert!(parse(import_record("[]"))["error"].is_string());
        assert!(parse(import_record(&json!({"settings": settings(), "user": {"email": "x"}}).to_string()))["error"]
            .is_string());
    }

    #[test]
    fn settings_are_checked_with_the_scripts_rules_and_unknown_keys_named() {
        let out = parse(check_settings(&json!({"settings": settings()}).to_string()));
        assert!(out.get("error").is_none(), "{out}");
        assert_eq!(out["unknown"], json!([]));
        assert_eq!(out["keys"][0], json!({"name": "Domain", "required": true}));
        assert_eq!(out["keys"].as_array().unwrap().len(), 10);
        let mut s = settings();
        s["Domain"] = json!("http://old.auth0.com");
        s["Log_Identifier"] = json!("true");
        let out = check_settings(&json!({"settings": s}).to_string());
        assert!(!out.contains("TOPSECRET"), "{out}");
        let out = parse(out);
        assert!(out["error"].as_str().unwrap().starts_with("setting `Domain` uses http://"), "{out}");
        assert_eq!(out["unknown"], json!(["Log_Identifier"]));
        assert!(parse(check_settings("[]"))["error"].as_str().unwrap().contains("`Domain`"));
    }

    #[test]
    fn garbage_input_is_an_error_outcome_not_a_panic() {
        for input in ["", "{", "[]", r#"{"op":"login"}"#, r#"{"settings":{},"state":{"at":"nowhere"},"reply":{}}"#] {
            assert_eq!(parse(start(input))["done"]["kind"], "error", "{input}");
            assert_eq!(parse(resume(input))["done"]["kind"], "error", "{input}");
        }
    }
}
