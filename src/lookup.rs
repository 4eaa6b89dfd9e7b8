//! Finding a user in the old tenant's Management API, and deciding whether the record found is
//! the one to hand over.

use crate::config::Config;
use crate::http::{encode_component, Request, API_TIMEOUT_MS};
use crate::json::{self, Map, Value};
use crate::outcome::Outcome;
use crate::prelude::*;
use crate::profile::{self, Profile};
use crate::text::{cat, excerpt, num};

/// Why a lookup is made: it decides what "not found" and "already migrated" mean.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Purpose {
    /// get_user: does this user exist in the old tenant (and may they be offered)?
    GetUser,
    /// login after `mfa_required`: the password was right; read the profile by identifier.
    LoginAfterMfa,
    /// login with a verified ID token: read the whole profile by user id.
    LoginProfile,
}

impl Purpose {
    /// The name in the flow state.
    pub fn name(self) -> &'static str {
        match self {
            Purpose::GetUser => "get_user",
            Purpose::LoginAfterMfa => "login_after_mfa",
            Purpose::LoginProfile => "login_profile",
        }
    }

    /// Reads what [`Purpose::name`] writes.
    pub fn from_name(name: &str) -> Option<Purpose> {
        match name {
            "get_user" => Some(Purpose::GetUser),
            "login_after_mfa" => Some(Purpose::LoginAfterMfa),
            "login_profile" => Some(Purpose::LoginProfile),
            _ => None,
        }
    }

    fn is_login(self) -> bool {
        self != Purpose::GetUser
    }
}

/// Email identifiers contain `@`; anything else is a username.
pub fn is_email(identifier: &str) -> bool {
    identifier.contains('@')
}

/// By id when known (`users/{id}`); for an email `users-by-email` (exact, immediately consistent);
/// for a username the v3 search with the value quoted and escaped, so no input changes the query.
/// Auth0 stores database users' emails and usernames in lower case, and both lookups match
/// case-sensitively, so `identifier` arrives folded to lower case.
pub fn request(cfg: &Config, identifier: &str, user_id: Option<&str>, token: &str) -> Request {
    let (label, path) = if let Some(id) = user_id {
        ("user", cat(&["/api/v2/users/", &encode_component(id)]))
    } else if is_email(identifier) {
        ("users-by-email", cat(&["/api/v2/users-by-email?email=", &encode_component(identifier)]))
    } else {
        let q = cat(&["username:\"", &lucene_quote(identifier), "\""]);
        ("users-search", cat(&["/api/v2/users?q=", &encode_component(&q), "&search_engine=v3"]))
    };
    Request::get_bearer(label, cfg.url(&path), token, API_TIMEOUT_MS)
}

/// Escapes a value for use inside a Lucene quoted phrase: backslash and double quote.
pub fn lucene_quote(value: &str) -> String {
    let mut out = String::with_capacity(value.len() + 2);
    for c in value.chars() {
        if c == '\\' || c == '"' {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

/// Reads a successful lookup reply (status already checked) into the outcome for `purpose`.
pub fn decide(cfg: &Config, identifier: &str, purpose: Purpose, body: &str) -> Outcome {
    // `users-by-email` and the search answer an array; `users/{id}` (login profile) one object.
    let users = match json::parse(body) {
        Some(Value::Array(users)) => users,
        Some(one @ Value::Object(_)) if purpose == Purpose::LoginProfile => vec![one],
        _ => return Outcome::error("user lookup: the old tenant's reply is not what the Management API sends"),
    };
    let matches: Vec<&Map> = users
        .iter()
        .filter_map(Value::as_object)
        .filter(|u| same_identifier(u, identifier) && in_connection(u, cfg.connection.as_deref()))
        .collect();
    let user = match matches.as_slice() {
        [] if purpose.is_login() => {
            return Outcome::error("login: the password was accepted but the Management API does not find that user in the connection; refusing to migrate")
        }
        [] => return Outcome::NotFound,
        [one] => *one,
        many => {
            return Outcome::error(cat(&[
                "user lookup: ",
                &num(many.len() as u64),
                " users in the old tenant match; set the `Connection` setting to the database connection being migrated",
            ]))
        }
    };
    if is_blocked(user) {
        return Outcome::unauthorized("Your account is blocked. Please contact support.");
    }
    if !purpose.is_login() && cfg.skip_migrated_users && already_migrated(user) {
        return Outcome::NotFound;
    }
    match profile::from_user_record(user) {
        Ok(p) => Outcome::Profile { profile: Box::new(with_prefix(cfg, p)) },
        Err(e) => Outcome::error(cat(&["user lookup: ", &e])),
    }
}

/// Applies the `User_ID_Prefix` setting (empty: the id is unchanged).
pub fn with_prefix(cfg: &Config, mut p: Profile) -> Profile {
    if !cfg.user_id_prefix.is_empty() {
        p.user_id = cat(&[&cfg.user_id_prefix, &p.user_id]);
    }
    p
}

/// An error outcome for a lookup reply that is not a success.
pub fn failure(status: u16, body: &str) -> Outcome {
    if status == 401 || status == 403 {
        return Outcome::error(cat(&[
            "setup: the old tenant's Management API refused the lookup (HTTP ",
            &num(status.into()),
            "); grant the Migration App the read:users scope",
        ]));
    }
    Outcome::error(cat(&["user lookup: unexpected reply (HTTP ", &num(status.into()), ": ", &excerpt(body, 200), ")"]))
}

/// The record is the user who typed `identifier` (folded to lower case): the same email or
/// username. Auth0 stores both in lower case for database connections, so ASCII folding of the
/// record's value is enough (and keeps Unicode case tables out of the wasm).
fn same_identifier(user: &Map, identifier: &str) -> bool {
    let field = if is_email(identifier) { "email" } else { "username" };
    let value = user.get(field).and_then(Value::as_str).unwrap_or("");
    !value.is_empty() && value.to_ascii_lowercase() == identifier
}

/// The user has an identity in the connection being migrated (any Auth0 database identity when
/// `Connection` is empty).
fn in_connection(user: &Map, connection: Option<&str>) -> bool {
    let Some(Value::Array(ids)) = user.get("identities") else { return false };
    ids.iter().any(|i| match connection {
        Some(c) => i.get("connection").and_then(Value::as_str) == Some(c),
        None => i.get("provider").and_then(Value::as_str) == Some("auth0"),
    })
}

/// Blocked in the old tenant. Auth0 sends `blocked` as a boolean; any other value (`"true"`, 1,
/// ..) fails closed.
pub fn is_blocked(user: &Map) -> bool {
    !matches!(user.get("blocked"), None | Some(Value::Null | Value::Bool(false)))
}

/// Marked `app_metadata.migration_complete` by the old tenant's rule/action: handed over before,
/// so not offered again (a user deleted in the new tenant is not resurrected by a sign-up check).
pub fn already_migrated(user: &Map) -> bool {
    user.get("app_metadata").and_then(|m| m.get(profile::MIGRATION_MARKER)).and_then(Value::as_bool) == Some(true)
}
