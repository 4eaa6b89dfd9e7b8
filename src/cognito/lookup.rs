//! Reading the replies that carry a user: get_user's `ListUsers` (which record is the user,
//! whether the account may log in, and the profile) and login's `GetUser`.

use super::api::{BLOCKED, UNCONFIRMED};
use super::profile::{profile, User};
use super::settings::{CognitoConfig, Unconfirmed};
use crate::json::{self, Value};
use crate::outcome::Outcome;
use crate::prelude::*;
use crate::text::{cat, num};

/// The outcome of a successful (2xx) `ListUsers` reply for the user who typed `folded`.
pub fn decide(cfg: &CognitoConfig, folded: &str, body: &str) -> Outcome {
    let bad = || Outcome::error("user lookup: Cognito's reply is not a user list (or is too long)");
    let Some(v) = json::parse(body) else { return bad() };
    let Some(records) = v.get("Users").and_then(Value::as_array) else { return bad() };
    let mut found = Vec::new();
    for r in records {
        let Some(u) = User::read(r, "Attributes") else { return bad() };
        if u.is(folded) {
            found.push((u, r));
        }
    }
    let (user, record) = match found.as_slice() {
        [] => return Outcome::NotFound,
        [one] => one,
        many => {
            return Outcome::error(cat(&[
                "user lookup: ",
                &num(many.len() as u64),
                " Cognito users have this identifier; refusing to choose",
            ]))
        }
    };
    // Fail closed: a record that does not say it is enabled is not read as enabled.
    match record.get("Enabled") {
        Some(Value::Bool(true)) => {}
        Some(Value::Bool(false)) => return Outcome::unauthorized(BLOCKED),
        _ => return Outcome::error("user lookup: a Cognito user record has no boolean `Enabled`"),
    }
    let unconfirmed = record.get("UserStatus").and_then(Value::as_str) == Some("UNCONFIRMED");
    if unconfirmed && cfg.unconfirmed == Unconfirmed::Refuse {
        return Outcome::unauthorized(UNCONFIRMED);
    }
    match profile(cfg, user, unconfirmed) {
        Ok(p) => Outcome::Profile { profile: Box::new(p) },
        Err(e) => Outcome::error(cat(&["user lookup: ", &e])),
    }
}

/// The outcome of a successful (2xx) `GetUser` reply at login, for the user whose verified ID
/// token says `sub`: the profile, from the attributes as the pool holds them.
pub fn from_get_user(cfg: &CognitoConfig, sub: &str, body: &str) -> Outcome {
    let Some(user) = json::parse(body).and_then(|v| User::read(&v, "UserAttributes")) else {
        return Outcome::error("profile (GetUser): Cognito's reply is not a user (or is too long)");
    };
    if user.attribute("sub") != Some(sub) {
        return Outcome::error("profile (GetUser): not the ID token's user; refusing to migrate");
    }
    match profile(cfg, &user, false) {
        Ok(p) => Outcome::Profile { profile: Box::new(p) },
        Err(e) => Outcome::error(cat(&["profile (GetUser): ", &e])),
    }
}
