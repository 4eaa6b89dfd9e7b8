//! Listing every account of a Firebase project, for the command line's bulk `tail`, `status` and
//! `retire` ([`crate::listing`]): `GET {toolkit}/v1/projects/{Project_ID}/accounts:batchGet` with
//! `maxResults` ([`PAGE_USERS`]) and, after the first page, the `nextPageToken` the last page
//! returned, until a page returns none (Google's `DownloadAccountResponse`: `users[]`,
//! `nextPageToken` blank on the last page).
//!
//! Authenticated as get_user's lookup is: the service account's JWT-bearer assertion
//! ([`super::assertion`], the same claims) signed RS256 by the host (the listing's `sign` step with
//! `alg: RS256`: Node's crypto, as the scripts' `sign-rs256.js` does), exchanged at Google's token
//! endpoint; a token the API refuses (401) is replaced once per page. With `Emulator_Host` the
//! emulator's `Bearer owner`, no assertion. The signing key crosses to the host in the sign answer
//! only (as the scripts' own sign step carries it), never in the state the host keeps.
//!
//! Each account is mapped by get_user's code ([`super::account::profile`]): the same user id
//! (`User_ID_Prefix` + `localId`) and profile; a disabled account ([`super::account::is_disabled`],
//! fail closed) is skipped as blocked, as get_user answers it UnauthorizedError.

use super::account;
use super::assertion;
use super::settings::google::EMULATOR_ADMIN_TOKEN;
use super::settings::FirebaseConfig;
use super::toolkit;
use crate::http::{encode_component, Reply, Request};
use crate::json::{self, Value};
use crate::listing::{import_of, limits, record, unmappable, Answer, State};
use crate::outcome::Outcome;
use crate::prelude::*;
use crate::retry;
use crate::text::{cat, num};

/// Accounts asked for per page (`maxResults`: Google allows 1 to 1000).
pub const PAGE_USERS: u64 = 1000;

fn message(o: Outcome) -> String {
    match o {
        Outcome::Error { message } => message,
        _ => "unexpected reply".to_string(),
    }
}

/// The request for the page the state points at.
fn page_request(cfg: &FirebaseConfig, state: &State) -> Request {
    let mut url =
        cat(&[&cfg.toolkit(), "/v1/projects/", &cfg.project_id, "/accounts:batchGet?maxResults=", &num(PAGE_USERS)]);
    if let Value::String(token) = &state.cursor {
        url = cat(&[&url, "&nextPageToken=", &encode_component(token)]);
    }
    let mut r = Request::get_bearer("batch-get", url, &state.token, limits::PAGE_TIMEOUT_MS);
    r.max_body_bytes = limits::MAX_PAGE_BYTES;
    r
}

/// The next step without a reply: the assertion to sign, the token request (with the host's
/// signature), or the page request.
pub fn next(cfg: &FirebaseConfig, state: &mut State, now_ms: u64, signed: Option<&Value>) -> Answer {
    if state.done {
        return Answer::Done;
    }
    if state.at.is_empty() {
        state.at = if cfg.emulator.is_some() { "page" } else { "sign" }.to_string();
        if cfg.emulator.is_some() {
            state.token = EMULATOR_ADMIN_TOKEN.to_string();
        }
    }
    let Some(account) = &cfg.service_account else {
        if cfg.emulator.is_none() {
            return Answer::Error("internal: no service account outside the emulator".to_string());
        }
        return Answer::Send(page_request(cfg, state).delayed(state.delay_ms));
    };
    match state.at.as_str() {
        "sign" => {
            match signed {
                None => {
                    state.ts = now_ms / 1000;
                    let input = assertion::signing_input(account, state.ts);
                    Answer::SignRs256 { message: input, key: account.private_key.clone() }
                }
                Some(Value::String(sig)) if assertion::is_signature(sig) => {
                    // The text signed, rebuilt at the time the sign step asked (state.ts).
                    let input = assertion::signing_input(account, state.ts);
                    let mut r = assertion::token_request(account, &cat(&[&input, ".", sig]), true);
                    r.cache = None;
                    state.at = "token".to_string();
                    Answer::Send(r.delayed(state.delay_ms))
                }
                Some(_) => Answer::Error(
                    "setup: the service account's private key could not sign the assertion; check `Service_Account_Private_Key` (the key file's private_key)".to_string(),
                ),
            }
        }
        "token" => Answer::Error("internal: a token request without its reply".to_string()),
        _ => Answer::Send(page_request(cfg, state).delayed(state.delay_ms)),
    }
}

/// A reply: the token read, a retry, a page of records, or why not.
pub fn read(cfg: &FirebaseConfig, state: &mut State, now_ms: u64, reply: &Reply) -> Answer {
    let by_account = cfg.service_account.is_some();
    if state.at == "page" && by_account && reply.status == Some(401) && !state.refreshed {
        // The token expired during a long listing (or was revoked): a new assertion, once per page.
        state.refreshed = true;
        state.at = "sign".to_string();
        return next(cfg, state, now_ms, None);
    }
    if let Some(d) = retry::delay_ms(reply, state.tries, now_ms) {
        state.tries += 1;
        state.delay_ms = d;
        if state.at == "token" {
            state.at = "sign".to_string();
        }
        return next(cfg, state, now_ms, None);
    }
    if state.at == "token" {
        return match assertion::read_token(reply) {
            Ok(t) => {
                state.token = t;
                state.at = "page".to_string();
                state.tries = 0;
                state.delay_ms = 0;
                next(cfg, state, now_ms, None)
            }
            Err(o) => Answer::Error(message(o)),
        };
    }
    if let Some(o) = toolkit::transport_failure(reply, "user list") {
        return Answer::Error(message(o));
    }
    if reply.body.len() >= limits::MAX_PAGE_BYTES as usize {
        return Answer::Error(cat(&[
            "user list: the page is ",
            &num(limits::MAX_PAGE_BYTES.into()),
            " bytes or more; refused",
        ]));
    }
    if !reply.is_success() {
        return Answer::Error(message(toolkit::lookup_failure(reply, "user list")));
    }
    match page(cfg, state, &reply.body) {
        Ok(records) => Answer::Page(records),
        Err(e) => Answer::Error(cat(&["user list: ", &e])),
    }
}

fn page(cfg: &FirebaseConfig, state: &mut State, body: &str) -> Result<Vec<Value>, String> {
    let Some(Value::Object(body)) = json::parse(body) else {
        return Err("malformed page (not a JSON object)".to_string());
    };
    let users = match body.get("users") {
        None => Vec::new(),
        Some(Value::Array(list)) => list.clone(),
        Some(_) => return Err("malformed page (`users` is not a list)".to_string()),
    };
    if users.len() as u64 > PAGE_USERS {
        return Err(cat(&[
            "the page holds ",
            &num(users.len() as u64),
            " users, more than the ",
            &num(PAGE_USERS),
            " asked for",
        ]));
    }
    let next = match body.get("nextPageToken") {
        None | Some(Value::Null) => None,
        Some(Value::String(t)) if t.is_empty() => None,
        Some(Value::String(t)) if crate::text::char_count(t) <= limits::MAX_TOKEN_CHARS => Some(t.clone()),
        Some(_) => {
            return Err(cat(&[
                "malformed page (`nextPageToken` must be a string of at most ",
                &num(limits::MAX_TOKEN_CHARS as u64),
                " characters)",
            ]))
        }
    };
    let records: Vec<Value> = users
        .iter()
        .enumerate()
        .map(|(i, u)| {
            let at = state.user_label(i);
            let Value::Object(m) = u else {
                return record(&at, None, unmappable("Firebase: a listed account is not a JSON object"));
            };
            let id = m.get("localId").and_then(Value::as_str).filter(|s| !s.is_empty()).unwrap_or(&at);
            let email = m.get("email").and_then(Value::as_str).filter(|s| !s.is_empty());
            match account::profile(cfg, m) {
                Ok(p) => record(id, email, import_of(p.to_json(), account::is_disabled(m))),
                Err(e) => record(id, email, unmappable(&cat(&["Firebase: ", &e]))),
            }
        })
        .collect();
    state.read_page(records.len(), None)?;
    state.advance(next)?;
    Ok(records)
}

#[cfg(test)]
#[path = "list_tests.rs"]
mod tests;
