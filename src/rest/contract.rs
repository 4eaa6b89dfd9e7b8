//! The store's side of the contract (`docs/rest-contract.md`): what its replies mean and what a
//! profile must look like. As with the auth0 source, only an explicit answer about the user
//! becomes a wrong password or a refusal: a status and an `error` code that agree. Everything
//! else - no answer, 429, 5xx, an oversized or malformed reply, an unknown code - is an Error.

use super::settings::limits::{MAX_REPLY_BYTES, MAX_USER_ID_CHARS};
use crate::http::Reply;
use crate::json::{self, Map, Value};
use crate::lookup::is_email;
use crate::outcome::Outcome;
use crate::prelude::*;
use crate::profile::Profile;
use crate::text::{cat, excerpt, num};

/// Which call a reply answers: it decides what "not found" means.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Call {
    /// `verify-password`: not found is a wrong password (no user enumeration at login).
    Login,
    /// `find-user`: not found is "no such user".
    GetUser,
}

/// The end-user messages, the same words as the auth0 source's.
const BLOCKED: &str = "Your account is blocked. Please contact support.";
const LOCKED: &str =
    "Your account has been temporarily locked after too many failed login attempts. Try again later or reset your password.";
const MUST_RESET: &str = "You must reset your password before you can log in. Please reset your password.";
const WRONG: &str = "Wrong email or password.";

/// The outcome of a store's reply to `call` for the user who typed `folded` (lower case).
pub fn read(reply: &Reply, call: Call, folded: &str) -> Outcome {
    let status = match reply.status() {
        Ok(s) => s,
        Err(why) => return Outcome::error(cat(&["user store: no answer (", &why, ")"])),
    };
    if status == 429 {
        return Outcome::error("user store: rate limited (HTTP 429); this is not a wrong password, retry later");
    }
    if status >= 500 {
        return Outcome::error(cat(&["user store: failed (HTTP ", &num(status.into()), ")"]));
    }
    if reply.body.len() >= MAX_REPLY_BYTES as usize {
        return Outcome::error(cat(&[
            "user store: the reply is over ",
            &num(MAX_REPLY_BYTES.into()),
            " bytes; refused",
        ]));
    }
    let Some(Value::Object(body)) = json::parse(&reply.body) else {
        return Outcome::error(cat(&[
            "user store: malformed reply (HTTP ",
            &num(status.into()),
            ", not a JSON object)",
        ]));
    };
    if status == 200 {
        return match profile(&body) {
            Ok((_, true)) => Outcome::unauthorized(BLOCKED),
            Ok((p, false)) if !same_user(&p, folded) => Outcome::error(
                "user store: the profile is for a different user than the one asked for; refusing to migrate",
            ),
            Ok((p, false)) => Outcome::Profile { profile: Box::new(p) },
            Err(e) => Outcome::error(cat(&["user store: ", &e])),
        };
    }
    let code = body.get("error").and_then(Value::as_str).unwrap_or("");
    match (status, code, call) {
        (401, "wrong_credentials", Call::Login) | (404, "not_found", Call::Login) => {
            Outcome::WrongPassword { message: WRONG.into() }
        }
        (404, "not_found", Call::GetUser) => Outcome::NotFound,
        (403, "blocked", _) => Outcome::unauthorized(BLOCKED),
        (423, "locked", _) => Outcome::unauthorized(LOCKED),
        (403, "password_reset_required", _) => Outcome::unauthorized(MUST_RESET),
        (401, "bad_signature", _) => Outcome::error(
            "setup: the user store refused the request's signature; check the `Shared_Secret` setting (it must equal the store's secret)",
        ),
        (401, "stale_timestamp", _) => Outcome::error(
            "user store: the request's timestamp is outside the store's replay window; check both clocks",
        ),
        _ => Outcome::error(cat(&[
            "user store: unexpected reply (HTTP ",
            &num(status.into()),
            ", error `",
            &excerpt(code, 60),
            "`)",
        ])),
    }
}

/// The profile in a `200` reply, validated: `user_id` a non-empty string, each known field of
/// its type (`null` counts as absent), unknown fields left out. Also whether it says
/// `"blocked": true`. An error names the field.
pub fn profile(body: &Map) -> Result<(Profile, bool), String> {
    let wrong = |field: &str, kind: &str| cat(&["the profile's `", field, "` must be ", kind]);
    let text = |field: &str| match body.get(field) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => Ok(Some(s.clone())),
        Some(_) => Err(wrong(field, "a string")),
    };
    let flag = |field: &str| match body.get(field) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Bool(b)) => Ok(Some(*b)),
        Some(_) => Err(wrong(field, "true or false")),
    };
    let object = |field: &str| match body.get(field) {
        None | Some(Value::Null) => Ok(Map::new()),
        Some(Value::Object(m)) => Ok(m.clone()),
        Some(_) => Err(wrong(field, "an object")),
    };
    let user_id = match body.get("user_id") {
        None | Some(Value::Null) => return Err("the profile has no `user_id`".into()),
        Some(Value::String(s)) if !s.is_empty() && crate::text::char_count(s) <= MAX_USER_ID_CHARS => s.clone(),
        Some(_) => {
            let most = num(MAX_USER_ID_CHARS as u64);
            return Err(wrong("user_id", &cat(&["a non-empty string of at most ", &most, " characters"])));
        }
    };
    let p = Profile {
        user_id,
        email: text("email")?,
        email_verified: flag("email_verified")?,
        username: text("username")?,
        name: text("name")?,
        nickname: text("nickname")?,
        given_name: text("given_name")?,
        family_name: text("family_name")?,
        picture: text("picture")?,
        user_metadata: object("user_metadata")?,
        app_metadata: object("app_metadata")?,
    };
    Ok((p, flag("blocked")?.unwrap_or(false)))
}

/// The profile is the user who typed `folded`: an email login needs the same email, a username
/// login the same username when the profile has one (ASCII case folded; the host folded `folded`).
fn same_user(p: &Profile, folded: &str) -> bool {
    let same = |v: &Option<String>| v.as_deref().is_some_and(|v| v.to_ascii_lowercase() == folded);
    if is_email(folded) {
        same(&p.email)
    } else {
        p.username.is_none() || same(&p.username)
    }
}
