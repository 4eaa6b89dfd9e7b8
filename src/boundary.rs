//! The whole interface the JavaScript shim sees: functions from JSON text to JSON text. `start` and
//! `resume` run the flows (below), `release` forgets one; `build_info` names the build;
//! [`import_record`] and [`check_settings`] serve the Node engine (exported to wasm only with
//! `--features engine`).
//!
//! - `start({"op": "login"|"get_user", "settings": {..}, "now_ms": .., "identifier": "..", "identifier_folded": "..", "password": ".."})`
//! - `resume({"flow": <from start>, "now_ms": .., "reply": {"status", "body", "headers", "shared"} | {"failure"}` or `"verified": true|false` or `"signed": "<hex>"|null})`
//!
//! The flows are those of the build's source ([`crate::source::Active`]); `start_for`,
//! `resume_for` and `release_for` name a source explicitly (native tests).
//! - `release(flow)`: the host gives a flow up without reaching its outcome (see [`release`]).
//!
//! `identifier_folded` is the identifier in lower case, folded by the host with JavaScript's
//! `toLowerCase()`: the flows compare and look users up with it. Folding Unicode case here would
//! carry Rust's case tables in the wasm (18,165 bytes of optimised wasm, measured); without it,
//! ASCII folding is the fallback. `shared` marks a reply the host answered from its cache or from
//! another call's request.
//!
//! Both answer `{"send": {"request"}}`, `{"verify": {"jwk", "input", "signature"}}`,
//! `{"sign": {"key", "message"}}` (the rest source: resume with `"signed": "<hex>" | null`) or
//! `{"done": {"kind": .., ..}}`; `start` adds `"flow": <id>` unless it is done at once, and
//! `"name_user": true` when the settings let the log line name the user (the shim reads no
//! setting: it hashes the identifier unless told), and
//! `resume` adds `"store": {"key", "until_ms"}` when the host is to cache the reply it just
//! reported, under that key, until that instant. A request's `timeout_ms` is already cut to what
//! is left of the call, and its `delay_ms` already known to fit (see [`crate::flow`]).
//!
//! **The flow stays in wasm memory.** The validated settings, the flow state, the deadline and the
//! cache rule of the request in flight live here between steps, under the id `start` hands out:
//! the settings are validated once per call, and neither they (with the client secret) nor the
//! state cross the boundary again. A flow is forgotten when it is done, or by `release`; a trap
//! drops the whole instance, and with it every flow in it, so the calls in flight fail with an
//! Error and the next call starts clean. Measured against the alternative - the validated settings
//! and the state travelling as a compact JSON state on every step - with `bench/wasm-steps.js`
//! (CPU per warm login replayed through `dist/engine.js`, 5,000 logins after 2,000 to warm up,
//! 2-core machine, four runs each): **in wasm memory 0.097-0.099 ms**; as a compact state (the
//! state object plus the validated settings as an array, the deadline and the pending cache rule,
//! parsed back without validation) 0.146-0.150 ms; before either (the settings re-sent and
//! re-validated, the state round-tripped, on every step) 0.133-0.137 ms. Most of the difference is
//! the state's ID token and the settings written and parsed twice per step. The compact variant
//! was built for the measurement only and removed.
//!
//! JSON is read and written with [`crate::json`], the crate's own small JSON module (see its
//! doc comment for why and what it saved).

use crate::http::{CacheHint, Reply, DEADLINE_MS};
use crate::json::{self, Map, Value};
use crate::outcome::Outcome;
use crate::prelude::*;
use crate::source::{Active, Source};
use crate::step::{Ctx, Input, SignKind, Step};
use crate::text::cat;

/// One call between two steps: everything `resume` needs besides the host's report.
struct Call<S: Source> {
    cfg: S::Config,
    deadline_ms: u64,
    state: S::State,
    /// The cache rule of the request in flight: whether and until when its reply is stored.
    cache: Option<CacheHint>,
}

/// The calls of source `S` in progress in this instance, by id. Ids count up (2^32 of them before
/// one comes back, far more than an instance's life sees), so a late `release` of a finished call
/// never hits another one. Each source keeps its own in a [`crate::slot`] ([`Source::calls`]).
pub struct Calls<S: Source> {
    next: u32,
    open: Vec<(u32, Call<S>)>,
}

impl<S: Source> Calls<S> {
    /// None in progress.
    pub const fn new() -> Self {
        Calls { next: 0, open: Vec::new() }
    }
}

impl<S: Source> Default for Calls<S> {
    fn default() -> Self {
        Calls::new()
    }
}

// A `Cell` taken and put back rather than a `RefCell`: no borrow-failure panic path in the wasm.
fn with_calls<S: Source, R>(f: impl FnOnce(&mut Calls<S>) -> R) -> R {
    S::calls().with(|c| {
        let mut calls = c.take();
        let r = f(&mut calls);
        c.set(calls);
        r
    })
}

/// Renders `step`; a step that is not done is kept under `id` (a new id when `None`), which the
/// answer names when it is new. `store` is the cache decision on the reply just reported. The
/// first answer (`id` is `None`) also says `"name_user": true` when the settings let the host's log
/// line name the user (`Log_Identifiers`): the shim reads no setting itself.
fn render<S: Source>(
    id: Option<u32>,
    cfg: S::Config,
    deadline_ms: u64,
    store: Option<(String, u64)>,
    step: Step<S::State, S::Sign>,
) -> String {
    let mut fields: Vec<(&str, Value)> = Vec::new();
    if id.is_none() && S::names_user(&cfg) {
        fields.push(("name_user", Value::Bool(true)));
    }
    if let Some((key, until_ms)) = store {
        fields.push(("store", Value::object([("key", Value::from(key)), ("until_ms", Value::int(until_ms))])));
    }
    let (answer, state, cache) = match step {
        Step::Send { request, state } => {
            let cache = request.cache.clone();
            (("send", Value::object([("request", request.to_json())])), state, cache)
        }
        Step::Verify { jwk, input, signature, state } => {
            let v = Value::object([("jwk", jwk), ("input", Value::from(input)), ("signature", Value::from(signature))]);
            (("verify", v), state, None)
        }
        Step::Sign { sign, state } => {
            let s = sign.into_request();
            (("sign", Value::object([("key", Value::from(s.key)), ("message", Value::from(s.message))])), state, None)
        }
        Step::Done(o) => {
            fields.push(("done", o.to_json()));
            return Value::object(fields).to_json();
        }
    };
    let call = Call::<S> { cfg, deadline_ms, state, cache };
    let new = with_calls(|calls: &mut Calls<S>| {
        let id = id.unwrap_or_else(|| {
            calls.next = calls.next.wrapping_add(1);
            calls.next
        });
        calls.open.push((id, call));
        id
    });
    if id.is_none() {
        fields.push(("flow", Value::int(new.into())));
    }
    fields.push(answer);
    Value::object(fields).to_json()
}

fn done(o: Outcome) -> String {
    Value::object([("done", o.to_json())]).to_json()
}

/// The input object, or `None` when the shim sent something else.
fn object(input: &str) -> Option<Map> {
    match json::parse(input) {
        Some(Value::Object(m)) => Some(m),
        _ => None,
    }
}

/// Auth0's `configuration` holds strings only; anything else is a sign of a broken paste or
/// deploy, reported with its key. Then the source's own rules.
fn settings_of<S: Source>(settings: Option<&Value>) -> Result<S::Config, Outcome> {
    let empty = Map::new();
    let settings = match settings {
        Some(Value::Object(m)) => m,
        None | Some(Value::Null) => &empty,
        Some(_) => return Err(Outcome::error("internal: settings are not an object")),
    };
    if let Some((k, _)) = settings.iter().find(|(_, v)| !matches!(v, Value::String(_) | Value::Null)) {
        return Err(Outcome::error(cat(&["setting `", k, "` must be text"])));
    }
    S::settings(settings).map_err(|e| Outcome::error(e.message()))
}

/// The auth0 source's settings (the engine's exports serve that source only).
#[cfg(any(not(target_arch = "wasm32"), feature = "source-auth0"))]
fn config(settings: Option<&Value>) -> Result<crate::config::Config, Outcome> {
    settings_of::<crate::source::Auth0>(settings)
}

/// Begins a flow of this build's source ([`crate::source::Active`]); see [`start_for`].
pub fn start(input: &str) -> String {
    start_for::<Active>(input)
}

/// Begins a flow of source `S`: validates the settings (once for the whole call) and sets the
/// call's deadline. Never panics on bad input: every problem becomes an `error` outcome.
pub fn start_for<S: Source>(input: &str) -> String {
    let Some(input) = object(input) else {
        return done(Outcome::error("internal: malformed start input from the shim"));
    };
    let cfg = match settings_of::<S>(input.get("settings")) {
        Ok(c) => c,
        Err(o) => return done(o),
    };
    let Some(now_ms) = input.get("now_ms").and_then(Value::as_u64) else {
        return done(Outcome::error("internal: no clock from the shim"));
    };
    let deadline_ms = now_ms.saturating_add(DEADLINE_MS);
    let ctx = Ctx { cfg: &cfg, now_ms, deadline_ms };
    let identifier = input.get("identifier").and_then(Value::as_str).unwrap_or("");
    if identifier.trim().is_empty() {
        return done(Outcome::error("no user identifier was given"));
    }
    let folded = match input.get("identifier_folded").and_then(Value::as_str) {
        Some(f) => f.to_string(),
        None => identifier.to_ascii_lowercase(),
    };
    let password = input.get("password").and_then(Value::as_str);
    let step = match (input.get("op").and_then(Value::as_str), password) {
        (Some("login"), Some(pw)) => S::start_login(ctx, identifier, &folded, pw),
        (Some("login"), None) => Step::Done(Outcome::error("internal: login without a password")),
        (Some("get_user"), _) => S::start_get_user(ctx, identifier, &folded),
        _ => Step::Done(Outcome::error("internal: unknown operation")),
    };
    render::<S>(None, cfg, deadline_ms, None, step)
}

/// Continues a flow of this build's source; see [`resume_for`].
pub fn resume(input: &str) -> String {
    resume_for::<Active>(input)
}

/// Continues a flow of source `S` with the reply to its last request (deciding first whether the
/// host stores that reply), the verdict on its signature check, or the HMAC it asked for.
pub fn resume_for<S: Source>(input: &str) -> String {
    let Some(input) = object(input) else {
        return done(Outcome::error("internal: malformed resume input from the shim"));
    };
    let Some(now_ms) = input.get("now_ms").and_then(Value::as_u64) else {
        return done(Outcome::error("internal: no clock from the shim"));
    };
    let id = input.get("flow").and_then(Value::as_u64).and_then(|n| u32::try_from(n).ok());
    let Some(call) = id.and_then(take::<S>) else {
        return done(Outcome::error("internal: the shim resumed a flow that is not in progress"));
    };
    let signed = if S::SIGNS { input.get("signed") } else { None };
    let event = match (input.get("verified").and_then(Value::as_bool), input.get("reply"), signed) {
        (Some(ok), _, _) => Input::Verified(ok),
        (None, Some(reply), _) => Input::Reply(Reply::from_value(reply)),
        (None, None, Some(mac)) => Input::Signed(mac.as_str().map(str::to_string)),
        (None, None, None) => return done(Outcome::error("internal: resume without a reply or verdict")),
    };
    let store = match (&call.cache, &event) {
        (Some(hint), Input::Reply(r)) => hint.until_ms(r, now_ms).map(|until| (hint.key.clone(), until)),
        _ => None,
    };
    let Call { cfg, deadline_ms, state, .. } = call;
    let step = S::resume(Ctx { cfg: &cfg, now_ms, deadline_ms }, state, event);
    render::<S>(id, cfg, deadline_ms, store, step)
}

/// Removes the call `id` of source `S` from the calls in progress.
fn take<S: Source>(id: u32) -> Option<Call<S>> {
    with_calls(|calls: &mut Calls<S>| {
        let i = calls.open.iter().position(|(k, _)| *k == id)?;
        Some(calls.open.swap_remove(i).1)
    })
}

/// Forgets the flow `id` without an outcome: the host calls it when a call ends some other way (it
/// calls it after every call, in a `finally`; a flow already done or released is no longer there).
pub fn release(id: u32) {
    release_for::<Active>(id)
}

/// [`release`] for source `S`.
pub fn release_for<S: Source>(id: u32) {
    take::<S>(id);
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
#[cfg(any(not(target_arch = "wasm32"), feature = "source-auth0"))]
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
/// uses them: `{"settings": {..}}` -> `{"keys": [{"name", "required", "meaning"}..], "unknown": [..]}` plus
/// `"error": "setting `Key` ..."` when the scripts would refuse them. `unknown` lists the keys the
/// scripts do not read (a typo is silently ignored by Auth0). The key list comes from
/// [`crate::config::keys::ALL`], so nothing else has to copy it.
#[cfg(any(not(target_arch = "wasm32"), feature = "source-auth0"))]
pub fn check_settings(input: &str) -> String {
    check_with(input, &crate::config::keys::ALL, crate::config::keys::is_known, settings_of::<crate::source::Auth0>)
}

/// [`check_settings`] for the rest source's scripts (`dist/rest/*.js`): its keys
/// ([`crate::rest::settings::keys::ALL`]) and rules. Engine build only; the build names these keys
/// in the rest scripts' headers.
#[cfg(any(not(target_arch = "wasm32"), feature = "engine"))]
pub fn check_rest_settings(input: &str) -> String {
    use crate::rest::settings::keys;
    check_with(input, &keys::ALL, keys::is_known, settings_of::<crate::rest::Rest>)
}

/// [`check_settings`] for the oidc source's scripts (`dist/oidc/*.js`): its keys
/// ([`crate::oidc::settings::keys::ALL`]) and rules. Engine build only; the build names these keys
/// in the oidc scripts' headers.
#[cfg(any(not(target_arch = "wasm32"), feature = "engine"))]
pub fn check_oidc_settings(input: &str) -> String {
    use crate::oidc::settings::keys;
    check_with(input, &keys::ALL, keys::is_known, settings_of::<crate::oidc::Oidc>)
}

/// [`check_settings`] for the cognito source's scripts (`dist/cognito/*.js`): its keys
/// ([`crate::cognito::settings::keys::ALL`]) and rules. Engine build only; the build names these
/// keys in the cognito scripts' headers.
#[cfg(any(not(target_arch = "wasm32"), feature = "engine"))]
pub fn check_cognito_settings(input: &str) -> String {
    use crate::cognito::settings::keys;
    check_with(input, &keys::ALL, keys::is_known, settings_of::<crate::cognito::Cognito>)
}

/// [`check_settings`] for the firebase source's scripts (`dist/firebase/*.js`): its keys
/// ([`crate::firebase::settings::keys::ALL`]) and rules. Engine build only; the build names these
/// keys in the firebase scripts' headers.
#[cfg(any(not(target_arch = "wasm32"), feature = "engine"))]
pub fn check_firebase_settings(input: &str) -> String {
    use crate::firebase::settings::keys;
    check_with(input, &keys::ALL, keys::is_known, settings_of::<crate::firebase::Firebase>)
}

/// One step of listing every user of the rest, oidc, cognito or firebase source, for the command
/// line's `tail`, `status` and `retire`: `{"source": "rest"|"oidc"|"cognito"|"firebase", "settings", "state", "now_ms", "reply"?,
/// "signed"?}` -> the next request, text to sign, page of mapped records, or the end
/// ([`crate::listing`] has the protocol). The settings are judged by the source's own rules first.
/// Engine build only.
#[cfg(any(not(target_arch = "wasm32"), feature = "engine"))]
pub fn list_step(input: &str) -> String {
    let error = |e: String| Value::object([("error", Value::from(e))]).to_json();
    let Some(input) = object(input) else { return error("internal: malformed list input".to_string()) };
    let cfg = match input.get("source").and_then(Value::as_str) {
        Some("rest") => settings_of::<crate::rest::Rest>(input.get("settings")).map(crate::listing::Cfg::Rest),
        Some("oidc") => settings_of::<crate::oidc::Oidc>(input.get("settings")).map(crate::listing::Cfg::Oidc),
        Some("cognito") => {
            settings_of::<crate::cognito::Cognito>(input.get("settings")).map(crate::listing::Cfg::Cognito)
        }
        Some("firebase") => {
            settings_of::<crate::firebase::Firebase>(input.get("settings")).map(crate::listing::Cfg::Firebase)
        }
        _ => {
            return error("internal: only the rest, oidc, cognito and firebase sources are listed this way".to_string())
        }
    };
    match cfg {
        Ok(cfg) => {
            let (answer, state) = crate::listing::step(&cfg, &input);
            crate::listing::render(answer, &state).to_json()
        }
        Err(Outcome::Error { message }) => error(message),
        Err(_) => error("bad settings".to_string()),
    }
}

/// One source's settings check: its key list, its spelling test and its validation.
#[cfg(any(not(target_arch = "wasm32"), feature = "source-auth0"))]
fn check_with<C>(
    input: &str,
    all: &[(&str, bool, &str)],
    is_known: fn(&str) -> bool,
    validate: fn(Option<&Value>) -> Result<C, Outcome>,
) -> String {
    // Written as text rather than built as a `Value` tree: the tree version cost 1.1 KB more of
    // script (measured), for an export the scripts themselves never call.
    let settings = object(input).and_then(|mut m| m.remove("settings"));
    let mut out = String::from("{\"keys\":[");
    for (i, (k, required, meaning)) in all.iter().enumerate() {
        let sep = if i == 0 { "" } else { "," };
        let req = if *required { "true" } else { "false" };
        out.push_str(&cat(&[sep, "{\"name\":\"", k, "\",\"required\":", req, ",\"meaning\":"]));
        json::write_str(&mut out, meaning);
        out.push('}');
    }
    out.push_str("],\"unknown\":[");
    if let Some(Value::Object(m)) = &settings {
        let mut first = true;
        for (k, _) in m.iter().filter(|(k, _)| !is_known(k)) {
            if !first {
                out.push(',');
            }
            first = false;
            json::write_str(&mut out, k);
        }
    }
    out.push(']');
    if let Err(Outcome::Error { message }) = validate(settings.as_ref()) {
        out.push_str(",\"error\":");
        json::write_str(&mut out, &message);
    }
    out.push('}');
    out
}

/// The build's self-check reads it: `"<version> <commit>"` in the engine build, the version alone in
/// the scripts' modules. Why not the commit there: 40 random hex digits compress badly, and the
/// brotli-packed module then moved by up to about 70 bytes of script from one commit to the next,
/// which is most of what the 39,900-byte ceiling leaves; the header and the manifest name the
/// commit, and the module's SHA-256 ties it to them.
pub fn build_info() -> String {
    if cfg!(feature = "engine") {
        cat(&[crate::VERSION, " ", crate::COMMIT])
    } else {
        crate::VERSION.to_string()
    }
}

/// The command line's reading of a tenant domain it calls (the new tenant's, which no script
/// reads), with the same rules as the `Domain` setting: `{"domain": ".."}` ->
/// `{"domain": "host[:port]"}` or `{"error": "<what is wrong>"}`. Engine build only.
#[cfg(any(not(target_arch = "wasm32"), feature = "source-auth0"))]
pub fn normalise_domain(input: &str) -> String {
    let raw =
        object(input).and_then(|m| m.get("domain").and_then(Value::as_str).map(str::to_string)).unwrap_or_default();
    match crate::config::normalise_domain(&raw) {
        Ok(d) => Value::object([("domain", Value::from(d))]).to_json(),
        Err(e) => Value::object([("error", Value::from(e.problem))]).to_json(),
    }
}

/// The wait a rate-limited reply asks for, for the command line's own waits:
/// `{"retry_after": "..", "rate_limit_reset": "..", "now_ms": n}` -> `{"wait_ms": n | null}`
/// ([`crate::retry::asked_wait_ms`]). Engine build only.
#[cfg(any(not(target_arch = "wasm32"), feature = "source-auth0"))]
pub fn retry_after_ms(input: &str) -> String {
    let m = object(input).unwrap_or_default();
    let text = |k: &str| m.get(k).and_then(Value::as_str).map(str::to_string);
    let now = m.get("now_ms").and_then(Value::as_u64).unwrap_or(0);
    let wait = crate::retry::asked_wait_ms(text("retry_after").as_deref(), text("rate_limit_reset").as_deref(), now);
    Value::object([("wait_ms", wait.map_or(Value::Null, Value::int))]).to_json()
}

/// What a refused client-credentials request means, for the command line's own apps:
/// `{"status": n, "body": ".."}` -> `{"refusal": "credentials_refused" | "grant_not_allowed" |
/// "not_authorised_for_api" | "unknown_audience" | "unexpected"}` ([`crate::oauth::token_refusal`]).
/// Engine build only.
#[cfg(any(not(target_arch = "wasm32"), feature = "source-auth0"))]
pub fn classify_token_refusal(input: &str) -> String {
    let m = object(input).unwrap_or_default();
    let status = m.get("status").and_then(Value::as_u64).unwrap_or(0);
    let body = m.get("body").and_then(Value::as_str).unwrap_or("");
    let refusal = crate::oauth::token_refusal_of(u16::try_from(status).unwrap_or(0), body);
    Value::object([("refusal", Value::from(refusal.label()))]).to_json()
}

/// What Auth0's refusal of one of the command line's own requests means: `{"status": n, "body":
/// ".."}` -> `{"refusal": "insufficient_scope" | "import_slots_full" | "rate_limited" |
/// "client_or_connection" | "other", "scopes"?: ".."}` ([`crate::refusal::classify`]). Engine build only.
#[cfg(any(not(target_arch = "wasm32"), feature = "source-auth0"))]
pub fn classify_api_refusal(input: &str) -> String {
    let m = object(input).unwrap_or_default();
    let status = m.get("status").and_then(Value::as_u64).unwrap_or(0);
    let body = m.get("body").and_then(Value::as_str).unwrap_or("");
    let r = crate::refusal::classify(u16::try_from(status).unwrap_or(0), body);
    let mut fields = vec![("refusal", Value::from(r.label()))];
    if let crate::refusal::ApiRefusal::InsufficientScope(Some(scopes)) = r {
        fields.push(("scopes", Value::from(scopes)));
    }
    Value::object(fields).to_json()
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

    const T: u64 = 1_700_000_000_000;

    fn start_at(op: &str, now_ms: u64) -> Value {
        parse(start(
            &json!({"op": op, "settings": settings(), "now_ms": now_ms, "identifier": "a@b.c", "password": "pw"})
                .to_string(),
        ))
    }

    fn resume_at(flow: &Value, now_ms: u64, reply: Value) -> Value {
        parse(resume(&json!({"flow": flow, "now_ms": now_ms, "reply": reply}).to_string()))
    }

    fn ok(body: Value) -> Value {
        json!({"status": 200, "body": body.to_string()})
    }

    #[test]
    fn login_round_trip_through_json() {
        let out = start_at("login", 1);
        let flow = out["flow"].clone();
        assert!(flow.as_u64().is_some(), "{out}");
        let send = &out["send"];
        assert_eq!(send["request"]["method"], "POST");
        assert!(send.get("state").is_none(), "the state stays in the wasm");
        let reply = json!({"status": 403, "body": json!({"error": "invalid_grant"}).to_string()});
        let out = resume_at(&flow, 1, reply.clone());
        assert_eq!(out["done"]["kind"], "wrong_password");
        let again = resume_at(&flow, 1, reply);
        assert!(again["done"]["message"].as_str().unwrap().contains("not in progress"), "a done flow is forgotten");
    }

    #[test]
    fn the_settings_are_read_once_and_never_cross_again() {
        let mut out = start_at("get_user", T);
        let body = out["send"]["request"].as_object_mut().unwrap().remove("body").unwrap();
        assert!(body.as_str().unwrap().contains("TOPSECRET"));
        assert!(!out.to_string().contains("TOPSECRET"), "the secret is in the token request's body only");
        let flow = out["flow"].clone();
        let out = resume_at(&flow, T, ok(json!({"access_token": "T", "expires_in": 86400})));
        assert_eq!(out["send"]["request"]["label"], "users-by-email", "no settings in resume: the flow has them");
        assert!(!out.to_string().contains("TOPSECRET"));
    }

    #[test]
    fn the_first_answer_says_whether_the_log_line_may_name_the_user() {
        let first = |extra: Value, identifier: &str| {
            let mut s = settings();
            s.as_object_mut().unwrap().extend(extra.as_object().unwrap().clone());
            parse(start(&json!({"op": "get_user", "settings": s, "now_ms": T, "identifier": identifier}).to_string()))
        };
        assert!(first(json!({}), "a@b.c").get("name_user").is_none(), "hashed by default");
        assert!(first(json!({"Log_Identifiers": "false"}), "a@b.c").get("name_user").is_none());
        let named = first(json!({"Log_Identifiers": "TRUE"}), "a@b.c");
        assert_eq!((named["name_user"].clone(), named["send"].is_object()), (json!(true), true));
        let nobody = first(json!({"Log_Identifiers": "true"}), " ");
        assert!(nobody.get("name_user").is_none() && nobody["done"]["kind"] == "error", "no one to name");
        let bad = first(json!({"Log_Identifiers": "yes"}), "a@b.c");
        assert!(bad.get("name_user").is_none() && bad["done"]["kind"] == "error", "no valid settings: hashed");
        let flow = named["flow"].clone();
        let next = resume_at(&flow, T, ok(json!({"access_token": "T", "expires_in": 3600})));
        assert!(next.get("name_user").is_none(), "said once, on the first answer");
    }

    #[test]
    fn flows_are_released_and_ids_never_reused() {
        let a = start_at("get_user", T)["flow"].as_u64().unwrap();
        let b = start_at("get_user", T)["flow"].as_u64().unwrap();
        assert_ne!(a, b);
        release(a as u32);
        release(a as u32); // twice, or after the end: nothing
        let out = resume_at(&json!(a), T, ok(json!({"access_token": "T"})));
        assert_eq!(out["done"]["kind"], "error");
        let out = resume_at(&json!(b), T, ok(json!({"access_token": "T"})));
        assert!(out["send"].is_object(), "{out}");
        let c = start_at("get_user", T)["flow"].as_u64().unwrap();
        assert!(c != a && c != b);
        for bad in [json!(null), json!("1"), json!(-1), json!(1u64 << 40)] {
            assert_eq!(resume_at(&bad, T, ok(json!({})))["done"]["kind"], "error", "{bad}");
        }
    }

    #[test]
    fn a_cacheable_reply_is_stored_until_an_instant_decided_here() {
        let out = start_at("get_user", T);
        let request = &out["send"]["request"];
        assert_eq!(
            request["cache"],
            json!({"key": "mgmt-token|old.auth0.com|cid|https://old.auth0.com/api/v2/", "refresh": false})
        );
        let flow = out["flow"].clone();
        let out = resume_at(&flow, T + 300, ok(json!({"access_token": "T", "expires_in": 3600})));
        assert_eq!(
            out["store"],
            json!({"key": "mgmt-token|old.auth0.com|cid|https://old.auth0.com/api/v2/", "until_ms": T + 300 + 3_540_000})
        );
        assert!(out["send"]["request"].get("cache").is_none(), "a lookup is not cached");
        let out = resume_at(&flow, T + 400, ok(json!([])));
        assert!(out.get("store").is_none(), "{out}");
        assert_eq!(out["done"]["kind"], "not_found");
    }

    #[test]
    fn a_shared_or_failed_reply_is_not_stored() {
        let flow = start_at("get_user", T)["flow"].clone();
        let shared = json!({"status": 200, "body": json!({"access_token": "T", "expires_in": 3600}).to_string(), "shared": true});
        assert!(resume_at(&flow, T, shared).get("store").is_none(), "a cache hit never extends its own life");
        let flow = start_at("get_user", T)["flow"].clone();
        let out = resume_at(&flow, T, json!({"status": 503, "body": "{}"}));
        assert!(out.get("store").is_none());
        assert_eq!(out["send"]["request"]["delay_ms"], 200, "retried");
    }

    #[test]
    fn the_deadline_runs_from_start_and_cuts_timeouts_and_backoffs() {
        let flow = start_at("get_user", T)["flow"].clone();
        let out = resume_at(&flow, T + 12_000, json!({"status": 503, "body": "{}"}));
        let request = &out["send"]["request"];
        assert_eq!((request["delay_ms"].as_u64(), request["timeout_ms"].as_u64()), (Some(200), Some(2_800)));
        let out = resume_at(&flow, T + 14_650, json!({"status": 503, "body": "{}"}));
        assert_eq!(out["done"]["kind"], "error", "a 600 ms backoff does not fit in 350 ms");
        assert!(out["done"]["message"].as_str().unwrap().contains("(deadline)"), "{out}");
    }

    #[test]
    fn a_verify_step_round_trips() {
        let b64 = |v: Value| crate::base64url::encode(v.to_string().as_bytes());
        let claims = json!({"iss": "https://old.auth0.com/", "aud": "cid", "sub": "auth0|u1", "email": "a@b.c",
            "exp": T / 1000 + 3600, "iat": T / 1000});
        let token = format!("{}.{}.c2ln", b64(json!({"alg": "RS256", "kid": "k1"})), b64(claims));
        let key = json!({"kty": "RSA", "kid": "k1", "n": crate::base64url::encode(&[0xc5; 256]), "e": "AQAB"});
        let to_verify = || {
            let flow = start_at("login", T)["flow"].clone();
            resume_at(&flow, T, ok(json!({"id_token": token})));
            let discovery = json!({"issuer": "https://old.auth0.com/", "jwks_uri": "https://old.auth0.com/jwks"});
            assert_eq!(resume_at(&flow, T, ok(discovery))["store"]["until_ms"], T + 600_000);
            let out = resume_at(&flow, T, ok(json!({"keys": [key]})));
            assert_eq!(out["verify"]["jwk"]["kty"], "RSA", "{out}");
            assert!(out["verify"].get("state").is_none());
            flow
        };
        let flow = to_verify();
        let out = parse(resume(&json!({"flow": flow, "now_ms": T, "verified": false}).to_string()));
        assert_eq!(out["done"]["kind"], "error");
        assert!(out["done"]["message"].as_str().unwrap().contains("signature"));
        let wrong = resume_at(&to_verify(), T, json!({"status": 200}));
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
        assert_eq!(
            (out["keys"][0]["name"].as_str(), out["keys"][0]["required"].as_bool()),
            (Some("Domain"), Some(true))
        );
        assert!(out["keys"][0]["meaning"].as_str().unwrap().contains("old tenant's domain"));
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
        for input in ["", "{", "[]", r#"{"op":"login"}"#, r#"{"flow":1,"reply":{}}"#, r#"{"now_ms":1,"reply":{}}"#] {
            assert_eq!(parse(start(input))["done"]["kind"], "error", "{input}");
            assert_eq!(parse(resume(input))["done"]["kind"], "error", "{input}");
        }
    }

    #[test]
    fn the_command_line_reads_domains_and_rate_limits_with_the_scripts_rules() {
        assert_eq!(parse(normalise_domain(r#"{"domain":"https://New.EU.auth0.com/"}"#))["domain"], "new.eu.auth0.com");
        for bad in ["http://new.auth0.com", "a_b.example:99999", "x/path", ""] {
            let out = parse(normalise_domain(&json!({ "domain": bad }).to_string()));
            assert!(out["error"].is_string(), "{bad}: {out}");
        }
        assert_eq!(parse(retry_after_ms(r#"{"retry_after":"2","now_ms":5}"#))["wait_ms"], 2000);
        assert_eq!(parse(retry_after_ms(r#"{"rate_limit_reset":"10","now_ms":4000}"#))["wait_ms"], 6000);
        assert!(parse(retry_after_ms("{}"))["wait_ms"].is_null());
    }
}
