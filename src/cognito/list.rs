//! Listing every user of a Cognito user pool, for the command line's bulk `tail`, `status` and
//! `retire` ([`crate::listing`]): `ListUsers` without a `Filter`, [`LIST_LIMIT`](crate::cognito::settings::limits::LIST_LIMIT) users a
//! page, each page after the first asked for with the `PaginationToken` the last one returned,
//! until a page returns none. Every request is signed with the IAM key by [`super::sigv4`], as
//! get_user's lookup is (the same call, so the same IAM permission, `cognito-idp:ListUsers`).
//!
//! Each listed user is read and mapped by get_user's own code ([`User::read`],
//! [`super::profile::profile`]): the same user id (`User_ID_Attribute`, `User_ID_Prefix`) and the
//! same attributes, so a user imported in bulk has exactly the profile a reset through get_user
//! would have given. What get_user answers UnauthorizedError is skipped as blocked: `Enabled:
//! false`, and `UNCONFIRMED` under `Unconfirmed_Users=refuse`. Under `migrate` an unconfirmed user
//! is imported with `email_verified: false`, as get_user offers them (the new tenant's reset proves
//! the email). `FORCE_CHANGE_PASSWORD` and `RESET_REQUIRED` users are imported: they must set a new
//! password anyway, and a bulk-imported user has none. A record without a boolean `Enabled` is not
//! read as enabled (get_user fails closed the same way): it is listed as unmappable.

use super::api;
use super::profile::{profile, User};
use super::settings::{limits as cognito, CognitoConfig, Unconfirmed};
use super::sigv4;
use crate::http::{Reply, Request};
use crate::json::{self, Value};
use crate::listing::{import_of, limits, record, unmappable, Answer, State};
use crate::outcome::Outcome;
use crate::prelude::*;
use crate::text::{cat, num};

/// The `ListUsers` body for the page at `cursor` (`null`: the first page).
fn body(cfg: &CognitoConfig, cursor: &Value) -> Value {
    let mut fields =
        vec![("UserPoolId", Value::from(cfg.pool_id.as_str())), ("Limit", Value::int(cognito::LIST_LIMIT))];
    if let Value::String(token) = cursor {
        fields.push(("PaginationToken", Value::from(token.as_str())));
    }
    Value::object(fields)
}

/// The signed request for the page the state points at, signed at the time it leaves (`now_ms`
/// plus a retry's wait: SigV4 signatures expire after five minutes).
pub fn request(cfg: &CognitoConfig, state: &State, now_ms: u64) -> Request {
    let mut r =
        Request::post_json("list-users", cat(&[&cfg.origin, "/"]), &body(cfg, &state.cursor), limits::PAGE_TIMEOUT_MS);
    r.headers = sigv4::signed_headers_for(
        cfg,
        "ListUsers",
        r.body.as_deref().unwrap_or(""),
        now_ms.saturating_add(state.delay_ms.into()),
    );
    r.max_body_bytes = limits::MAX_PAGE_BYTES;
    r.delayed(state.delay_ms)
}

/// The next request, without a reply to read.
pub fn next(cfg: &CognitoConfig, state: &mut State, now_ms: u64) -> Answer {
    if state.done {
        return Answer::Done;
    }
    state.at = "page".to_string();
    Answer::Send(request(cfg, state, now_ms))
}

fn message(o: Outcome) -> String {
    match o {
        Outcome::Error { message } => message,
        _ => "unexpected reply".to_string(),
    }
}

/// A page reply: its records and where the next page is, a retry (signed anew), or why not.
pub fn read(cfg: &CognitoConfig, state: &mut State, now_ms: u64, reply: &Reply) -> Answer {
    // Throttling (HTTP 400 `TooManyRequestsException`) is retried as the scripts retry it.
    if let Some(d) = api::retry_delay(reply, state.tries, now_ms) {
        state.tries += 1;
        state.delay_ms = d;
        return next(cfg, state, now_ms);
    }
    if let Some(o) = api::transport_failure(reply, "user list") {
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
        return Answer::Error(message(api::api_failure("user list", reply)));
    }
    match page(cfg, state, &reply.body) {
        Ok(records) => Answer::Page(records),
        Err(e) => Answer::Error(cat(&["user list: ", &e])),
    }
}

/// One listed user as the import reads it.
fn map(cfg: &CognitoConfig, raw: &Value, at: &str) -> Value {
    let Some(user) = User::read(raw, "Attributes") else {
        let id = raw.get("Username").and_then(Value::as_str).unwrap_or(at);
        return record(id, None, unmappable("Cognito: a listed user is not `{Username, Attributes: [{Name, Value}]}`"));
    };
    let email = user.attribute("email").filter(|e| !e.is_empty());
    let blocked = match raw.get("Enabled") {
        Some(Value::Bool(enabled)) => !enabled,
        _ => return record(&user.username, email, unmappable("Cognito: the user record has no boolean `Enabled`")),
    };
    let unconfirmed = raw.get("UserStatus").and_then(Value::as_str) == Some("UNCONFIRMED");
    let refused = unconfirmed && cfg.unconfirmed == Unconfirmed::Refuse;
    match profile(cfg, &user, unconfirmed) {
        Ok(p) => record(&user.username, email, import_of(p.to_json(), blocked || refused)),
        Err(e) => record(&user.username, email, unmappable(&cat(&["Cognito: ", &e]))),
    }
}

fn page(cfg: &CognitoConfig, state: &mut State, body: &str) -> Result<Vec<Value>, String> {
    let Some(Value::Object(body)) = json::parse(body) else {
        return Err("malformed page (not a JSON object)".to_string());
    };
    let Some(Value::Array(users)) = body.get("Users") else {
        return Err("malformed page (no `Users` list)".to_string());
    };
    if users.len() as u64 > cognito::LIST_LIMIT {
        return Err(cat(&[
            "the page holds ",
            &num(users.len() as u64),
            " users, more than the ",
            &num(cognito::LIST_LIMIT),
            " asked for",
        ]));
    }
    let next = match body.get("PaginationToken") {
        None | Some(Value::Null) => None,
        Some(Value::String(t)) if !t.is_empty() && crate::text::char_count(t) <= limits::MAX_TOKEN_CHARS => {
            Some(t.clone())
        }
        Some(_) => {
            return Err(cat(&[
                "malformed page (`PaginationToken` must be a non-empty string of at most ",
                &num(limits::MAX_TOKEN_CHARS as u64),
                " characters)",
            ]))
        }
    };
    let records: Vec<Value> = users.iter().enumerate().map(|(i, u)| map(cfg, u, &state.user_label(i))).collect();
    state.read_page(records.len(), None)?;
    state.advance(next)?;
    Ok(records)
}

#[cfg(test)]
#[path = "list_tests.rs"]
mod tests;
