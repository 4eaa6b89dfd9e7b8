//! The rest contract's optional list call (`docs/rest-contract.md`, "Listing users"), for the
//! command line's bulk `tail`, `status` and `retire` ([`crate::listing`]): a signed
//! `POST {Base_URL}/list-users` with `{"cursor": null | "..", "limit": n}`, answered
//! `{"users": [profile..], "next_cursor": ".." | null}`. Each profile is read by the same schema
//! as login's and get_user's ([`super::contract::profile`]), so a user moved in bulk gets exactly
//! the id and profile a login would have given; `"blocked": true` is a user not to import.
//!
//! A store that does not implement the call answers `404` (any unknown path does, per the
//! contract): the listing is then refused, naming the call, rather than read as "no users".

use super::contract;
use super::settings::{RestConfig, LIST_PATH};
use super::sign;
use crate::http::{Reply, Request};
use crate::json::{self, Value};
use crate::listing::{import_of, limits, record, unmappable, Answer, State};
use crate::prelude::*;
use crate::retry;
use crate::text::{cat, excerpt, num};

/// The request body for the page at `cursor` (the same text is signed and sent).
fn body(cursor: &Value) -> Value {
    let cursor = match cursor {
        Value::String(s) => Value::from(s.as_str()),
        _ => Value::Null,
    };
    Value::object([("cursor", cursor), ("limit", Value::int(limits::REST_PAGE_USERS))])
}

/// The next step without a reply: the text to sign, or (with the host's HMAC) the request.
pub fn next(cfg: &RestConfig, state: &mut State, now_ms: u64, signed: Option<&Value>) -> Answer {
    if state.done {
        return Answer::Done;
    }
    state.at = "page".to_string();
    let path = cfg.path(LIST_PATH);
    let text = body(&state.cursor).to_json();
    match signed.and_then(Value::as_str) {
        None => {
            state.ts = now_ms / 1000;
            Answer::Sign { message: sign::signed_text("POST", &path, state.ts, &text), key_setting: "Shared_Secret" }
        }
        Some(mac) if sign::is_mac(mac) => {
            let url = cat(&[&cfg.origin, &path]);
            let mut r = Request::post_json("list-users", url, &body(&state.cursor), limits::PAGE_TIMEOUT_MS);
            r.headers.extend(sign::headers(state.ts, mac));
            r.max_body_bytes = limits::MAX_PAGE_BYTES;
            r.delay_ms = state.delay_ms;
            Answer::Send(r)
        }
        Some(_) => Answer::Error("internal: the host's signature is not an HMAC-SHA256 in hex".to_string()),
    }
}

/// A page reply: its records and where the next page is, a retry (signed anew), or why not.
pub fn read(cfg: &RestConfig, state: &mut State, now_ms: u64, reply: &Reply) -> Answer {
    if let Some(d) = retry::delay_ms(reply, state.tries, now_ms) {
        state.tries += 1;
        state.delay_ms = d;
        return next(cfg, state, now_ms, None);
    }
    match page(state, reply) {
        Ok(records) => Answer::Page(records),
        Err(Refusal::CannotList(why)) => Answer::Refused(why),
        Err(Refusal::Failed(why)) => Answer::Error(cat(&["user store list call: ", &why])),
    }
}

/// Why a page is not read: the store cannot list at all, or this listing failed.
enum Refusal {
    CannotList(String),
    Failed(String),
}

fn page(state: &mut State, reply: &Reply) -> Result<Vec<Value>, Refusal> {
    let failed = |why: &str| Refusal::Failed(why.to_string());
    let status = reply.status().map_err(|why| Refusal::Failed(cat(&["no answer (", &why, ")"])))?;
    if reply.body.len() >= limits::MAX_PAGE_BYTES as usize {
        return Err(failed(&cat(&["the page is ", &num(limits::MAX_PAGE_BYTES.into()), " bytes or more; refused"])));
    }
    let parsed = json::parse(&reply.body);
    let code = parsed.as_ref().and_then(|v| v.get("error")).and_then(Value::as_str).unwrap_or("");
    match status {
        200 => {}
        404 => {
            return Err(Refusal::CannotList(cat(&[
                "the user store does not serve the contract's optional list call `POST ",
                LIST_PATH,
                "` (HTTP 404), so nothing can find the users who never log in",
            ])))
        }
        401 if code == "bad_signature" => {
            return Err(failed(
                "the store refused the signature; check ALM_REST_SHARED_SECRET (the same secret as the store's)",
            ))
        }
        401 if code == "stale_timestamp" => {
            return Err(failed("the request's timestamp is outside the store's replay window; check both clocks"))
        }
        s => {
            return Err(Refusal::Failed(cat(&[
                "unexpected reply (HTTP ",
                &num(s.into()),
                ", error `",
                &excerpt(code, 60),
                "`)",
            ])))
        }
    }
    let Some(Value::Object(body)) = parsed else {
        return Err(failed("malformed page (not a JSON object)"));
    };
    let Some(Value::Array(users)) = body.get("users") else {
        return Err(failed("malformed page (no `users` list)"));
    };
    if users.len() as u64 > limits::REST_PAGE_USERS {
        return Err(failed(&cat(&[
            "the page holds ",
            &num(users.len() as u64),
            " users, more than the ",
            &num(limits::REST_PAGE_USERS),
            " asked for",
        ])));
    }
    let next = match body.get("next_cursor") {
        None | Some(Value::Null) => None,
        Some(Value::String(s)) if !s.is_empty() && s.len() <= 1024 => Some(s.clone()),
        Some(_) => {
            return Err(failed(
                "malformed page (`next_cursor` must be null or a non-empty string of at most 1024 characters)",
            ))
        }
    };
    let records: Vec<Value> = users
        .iter()
        .enumerate()
        .map(|(i, u)| {
            let raw_id = u.get("user_id").and_then(Value::as_str);
            let id = raw_id.map_or_else(|| state.user_label(i), str::to_string);
            let email = u.get("email").and_then(Value::as_str);
            match u {
                Value::Object(m) => match contract::profile(m) {
                    Ok((p, blocked)) => record(&id, email, import_of(p.to_json(), blocked)),
                    Err(e) => record(&id, email, unmappable(&cat(&["user store: ", &e]))),
                },
                _ => record(&id, None, unmappable("user store: a listed user is not a JSON object")),
            }
        })
        .collect();
    state.read_page(records.len(), None).map_err(Refusal::Failed)?;
    state.advance(next).map_err(Refusal::Failed)?;
    Ok(records)
}
