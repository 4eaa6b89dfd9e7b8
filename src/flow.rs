//! The login and get_user flows as resumable state machines.
//!
//! A [`State`] holds only what the next step needs, and never a password, secret or token: the
//! password goes out in the first request and is gone; the settings are passed in again on every
//! [`resume`], straight from Auth0's `configuration`.

use crate::config::Config;
use crate::http::{encode_query_value, Reply, Request, API_TIMEOUT_MS};
use crate::oauth::{self, excerpt, PasswordVerdict};
use crate::outcome::Outcome;
use crate::{jwt, profile};
use serde::Serialize;
use serde_json::{Map, Value};

/// Why a Management API lookup is made.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Purpose {
    /// get_user: does this user exist in the old tenant (and may they be offered)?
    GetUser,
    /// login after `mfa_required`: the password was right; read the profile.
    LoginAfterMfa,
    /// login whose ID token carries no metadata claims (no claims producer in the old tenant):
    /// read the whole profile by user id, so no metadata is lost.
    LoginProfile,
}

impl Purpose {
    fn is_login(self) -> bool {
        self != Purpose::GetUser
    }
}

/// Where a flow is waiting.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "at", rename_all = "snake_case")]
pub enum State {
    /// Waiting for the password check.
    Password {
        /// What the user typed (email or username).
        identifier: String,
    },
    /// Waiting for a Management API token.
    Token {
        /// The user being looked up.
        identifier: String,
        /// Why.
        purpose: Purpose,
        /// The old user id, when known (from the ID token): then the lookup is by id.
        #[serde(skip_serializing_if = "Option::is_none")]
        user_id: Option<String>,
    },
    /// Waiting for the user lookup.
    Lookup {
        /// The user being looked up.
        identifier: String,
        /// Why.
        purpose: Purpose,
    },
}

impl State {
    /// Reads a state back from the JSON the last step wrote (see `boundary` on why by hand).
    pub fn from_value(v: &Value) -> Option<State> {
        let identifier = v.get("identifier")?.as_str()?.to_string();
        let purpose = || match v.get("purpose")?.as_str()? {
            "get_user" => Some(Purpose::GetUser),
            "login_after_mfa" => Some(Purpose::LoginAfterMfa),
            "login_profile" => Some(Purpose::LoginProfile),
            _ => None,
        };
        let user_id = v.get("user_id").and_then(Value::as_str).map(str::to_string);
        match v.get("at")?.as_str()? {
            "password" => Some(State::Password { identifier }),
            "token" => Some(State::Token { identifier, purpose: purpose()?, user_id }),
            "lookup" => Some(State::Lookup { identifier, purpose: purpose()? }),
            _ => None,
        }
    }
}

/// What to do next.
#[derive(Debug, Clone, PartialEq)]
pub enum Step {
    /// Send `request`, then call [`resume`] with `state` and the reply.
    Send {
        /// The request.
        request: Request,
        /// Where to pick up.
        state: State,
    },
    /// Call Auth0's callback according to the outcome.
    Done(Outcome),
}

/// Starts a login: the password check against the old tenant.
pub fn start_login(cfg: &Config, identifier: &str, password: &str) -> Step {
    Step::Send {
        request: oauth::password_request(cfg, identifier, password),
        state: State::Password { identifier: identifier.to_string() },
    }
}

/// Starts a get_user: a Management API token first.
pub fn start_get_user(cfg: &Config, identifier: &str) -> Step {
    token_step(cfg, identifier, Purpose::GetUser, None)
}

fn token_step(cfg: &Config, identifier: &str, purpose: Purpose, user_id: Option<String>) -> Step {
    Step::Send {
        request: oauth::management_token_request(cfg),
        state: State::Token { identifier: identifier.to_string(), purpose, user_id },
    }
}

/// Continues a flow with the reply to its last request.
pub fn resume(cfg: &Config, state: State, reply: &Reply) -> Step {
    match state {
        State::Password { identifier } => after_password(cfg, &identifier, reply),
        State::Token { identifier, purpose, user_id } => match oauth::read_management_token(reply) {
            Ok(token) => Step::Send {
                request: lookup_request(cfg, &identifier, user_id.as_deref(), &token),
                state: State::Lookup { identifier, purpose },
            },
            Err(o) => Step::Done(o),
        },
        State::Lookup { identifier, purpose } => Step::Done(after_lookup(cfg, &identifier, purpose, reply)),
    }
}

fn after_password(cfg: &Config, identifier: &str, reply: &Reply) -> Step {
    if !matches!(reply.status, Some(200..=299)) || reply.failure.is_some() {
        return match oauth::classify_password_failure(reply, cfg) {
            PasswordVerdict::Final(o) => Step::Done(o),
            PasswordVerdict::PasswordAcceptedNeedsLookup => token_step(cfg, identifier, Purpose::LoginAfterMfa, None),
        };
    }
    match profile_from_token_reply(cfg, identifier, &reply.body) {
        Ok(TokenProfile::Complete(p)) => Step::Done(Outcome::Profile { profile: p }),
        Ok(TokenProfile::NoMetadataClaims { old_user_id }) => {
            token_step(cfg, identifier, Purpose::LoginProfile, Some(old_user_id))
        }
        Err(o) => Step::Done(o),
    }
}

/// What the ID token of a successful password check gives.
enum TokenProfile {
    /// The whole profile: the old tenant's claims producer added the metadata claims.
    Complete(profile::Profile),
    /// Standard claims only: the metadata must be read from the Management API.
    NoMetadataClaims { old_user_id: String },
}

fn profile_from_token_reply(cfg: &Config, identifier: &str, body: &str) -> Result<TokenProfile, Outcome> {
    let v: Value = serde_json::from_str(body)
        .map_err(|_| Outcome::error("password check: the old tenant's reply is not JSON"))?;
    let id_token = v.get("id_token").and_then(Value::as_str).ok_or_else(|| {
        Outcome::error("password check: the old tenant's reply has no id_token (is the `openid` scope allowed?)")
    })?;
    let claims = jwt::claims(id_token).map_err(|e| Outcome::error(format!("password check: {e}")))?;
    if let Some(o) = identity_mismatch(&claims, identifier) {
        return Err(o);
    }
    let p = profile::from_id_token(&claims, &cfg.claims_namespace)
        .map_err(|e| Outcome::error(format!("password check: {e}")))?;
    if profile::has_metadata_claims(&claims, &cfg.claims_namespace) {
        return Ok(TokenProfile::Complete(p));
    }
    // from_id_token succeeded, so `sub` is there; the profile's user_id is it without `auth0|`.
    let sub = claims.get("sub").and_then(Value::as_str).unwrap_or_default();
    Ok(TokenProfile::NoMetadataClaims { old_user_id: sub.to_string() })
}

/// The token must be about the user who logged in: an email identifier must equal the token's
/// email (case-insensitively). Anything else is refused rather than migrating someone else.
fn identity_mismatch(claims: &Map<String, Value>, identifier: &str) -> Option<Outcome> {
    if !is_email(identifier) {
        return None;
    }
    let email = claims.get("email").and_then(Value::as_str).unwrap_or("");
    if email.eq_ignore_ascii_case(identifier) {
        None
    } else {
        Some(Outcome::error("password check: the old tenant's ID token is for a different user than the one logging in; refusing to migrate"))
    }
}

fn is_email(identifier: &str) -> bool {
    identifier.contains('@')
}

/// `users-by-email` for an email (exact and immediately consistent); for a username, the v3 search
/// with the value quoted and escaped, so no input can change the query.
fn lookup_request(cfg: &Config, identifier: &str, user_id: Option<&str>, token: &str) -> Request {
    if let Some(id) = user_id {
        let url = cfg.url(&format!("/api/v2/users/{}", encode_query_value(id)));
        return Request::get_bearer("user", url, token, API_TIMEOUT_MS);
    }
    if is_email(identifier) {
        // The endpoint matches case-sensitively, and Auth0 stores database users' emails in lower
        // case, so the lower-cased form is the one that finds them.
        let email = identifier.to_lowercase();
        let url = cfg.url(&format!("/api/v2/users-by-email?email={}", encode_query_value(&email)));
        return Request::get_bearer("users-by-email", url, token, API_TIMEOUT_MS);
    }
    let q = format!("username:\"{}\"", lucene_quote(identifier));
    let url = cfg.url(&format!("/api/v2/users?q={}&search_engine=v3", encode_query_value(&q)));
    Request::get_bearer("users-search", url, token, API_TIMEOUT_MS)
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

fn after_lookup(cfg: &Config, identifier: &str, purpose: Purpose, reply: &Reply) -> Outcome {
    if let Some(o) = oauth::transport_failure(reply, "user lookup") {
        return o;
    }
    let status = reply.status.unwrap_or(0);
    if status == 401 || status == 403 {
        return Outcome::error(format!(
            "setup: the old tenant's Management API refused the lookup (HTTP {status}); grant the Migration App the read:users scope"
        ));
    }
    if !(200..300).contains(&status) {
        return Outcome::error(format!("user lookup: unexpected reply (HTTP {status}: {})", excerpt(&reply.body, 200)));
    }
    // `users-by-email` and the search answer an array; `users/{id}` (login profile) one object.
    let users = match serde_json::from_str::<Value>(&reply.body) {
        Ok(Value::Array(users)) => users,
        Ok(one @ Value::Object(_)) if purpose == Purpose::LoginProfile => vec![one],
        _ => return Outcome::error("user lookup: the old tenant's reply is not a JSON array or object"),
    };
    let matches: Vec<&Map<String, Value>> = users
        .iter()
        .filter_map(Value::as_object)
        .filter(|u| same_identifier(u, identifier) && in_connection(u, cfg.connection.as_deref()))
        .collect();
    let user = match (matches.as_slice(), purpose) {
        ([], Purpose::GetUser) => return Outcome::NotFound,
        ([], _) => {
            return Outcome::error("login: the password was accepted but the Management API does not find that user in the connection; refusing to migrate")
        }
        ([one], _) => *one,
        (many, _) => {
            return Outcome::error(format!(
                "user lookup: {} users in the old tenant match; set the `Connection` setting to the database connection being migrated",
                many.len()
            ))
        }
    };
    if user.get("blocked").and_then(Value::as_bool) == Some(true) {
        return Outcome::unauthorized("Your account is blocked. Please contact support.");
    }
    if !purpose.is_login() && already_migrated(user) {
        return Outcome::NotFound;
    }
    match profile::from_user_record(user) {
        Ok(p) => Outcome::Profile { profile: p },
        Err(e) => Outcome::error(format!("user lookup: {e}")),
    }
}

fn same_identifier(user: &Map<String, Value>, identifier: &str) -> bool {
    let field = if is_email(identifier) { "email" } else { "username" };
    let value = user.get(field).and_then(Value::as_str).unwrap_or("");
    if is_email(identifier) {
        value.to_lowercase() == identifier.to_lowercase()
    } else {
        value == identifier
    }
}

/// The user has an identity in the connection being migrated (any Auth0 database identity when
/// `Connection` is empty).
fn in_connection(user: &Map<String, Value>, connection: Option<&str>) -> bool {
    let Some(Value::Array(ids)) = user.get("identities") else { return false };
    ids.iter().any(|i| match connection {
        Some(c) => i.get("connection").and_then(Value::as_str) == Some(c),
        None => i.get("provider").and_then(Value::as_str) == Some("auth0"),
    })
}

/// Marked `app_metadata.migration_complete` by the old tenant's rule/action: handed over before,
/// so not offered again (a user deleted in the new tenant is not resurrected by a sign-up check).
fn already_migrated(user: &Map<String, Value>) -> bool {
    user.get("app_metadata").and_then(|m| m.get(profile::MIGRATION_MARKER)).and_then(Value::as_bool) == Some(true)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::base64url::encode;
    use serde_json::json;
    use std::collections::BTreeMap;

    fn cfg(connection: Option<&str>) -> Config {
        let mut s: BTreeMap<String, String> = [("Domain", "old.auth0.com"), ("Client_ID", "cid"), ("Client_Secret", "sec")]
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        if let Some(c) = connection {
            s.insert("Connection".into(), c.into());
        }
        Config::from_settings(&s).unwrap()
    }

    fn id_token(claims: Value) -> String {
        format!("eyJhbGciOiJSUzI1NiJ9.{}.c2ln", encode(claims.to_string().as_bytes()))
    }

    fn sent(step: Step) -> (Request, State) {
        match step {
            Step::Send { request, state } => {
                let json = serde_json::to_value(&state).unwrap();
                assert_eq!(State::from_value(&json).as_ref(), Some(&state), "state survives JSON");
                (request, state)
            }
            Step::Done(o) => panic!("expected a request, got {o:?}"),
        }
    }

    fn done(step: Step) -> Outcome {
        match step {
            Step::Done(o) => o,
            Step::Send { request, .. } => panic!("expected an outcome, got a request to {}", request.url),
        }
    }

    #[test]
    fn login_success_returns_the_profile_with_the_id_carried_over() {
        let c = cfg(Some("db"));
        let (req, state) = sent(start_login(&c, "A@B.c", "pw"));
        assert_eq!(req.label, "password");
        assert!(!serde_json::to_string(&state).unwrap().contains("pw"), "state must not hold the password");
        let tok = id_token(json!({"sub": "auth0|u1", "email": "a@b.c", "https://migrationapp/user_metadata": {"k": 1}}));
        let o = done(resume(&c, state, &Reply::response(200, json!({"id_token": tok, "access_token": "x"}).to_string())));
        let Outcome::Profile { profile } = o else { panic!("{o:?}") };
        assert_eq!(profile.user_id, "u1");
        assert_eq!(profile.user_metadata["k"], 1);
    }

    #[test]
    fn login_refuses_a_token_for_someone_else() {
        let c = cfg(None);
        let (_, state) = sent(start_login(&c, "a@b.c", "pw"));
        let tok = id_token(json!({"sub": "auth0|u2", "email": "mallory@b.c"}));
        let o = done(resume(&c, state, &Reply::response(200, json!({"id_token": tok}).to_string())));
        assert!(matches!(o, Outcome::Error { .. }), "{o:?}");
    }

    #[test]
    fn login_after_mfa_reads_the_profile_from_the_management_api() {
        let c = cfg(Some("db"));
        let (_, state) = sent(start_login(&c, "a@b.c", "pw"));
        let mfa = json!({"error": "mfa_required", "mfa_token": "m"}).to_string();
        let (req, state) = sent(resume(&c, state, &Reply::response(403, mfa)));
        assert_eq!(req.label, "token");
        let (req, state) = sent(resume(&c, state, &Reply::response(200, json!({"access_token": "T"}).to_string())));
        assert_eq!(req.url, "https://old.auth0.com/api/v2/users-by-email?email=a%40b.c");
        assert_eq!(req.headers[0].1, "Bearer T");
        let users = json!([{"user_id": "auth0|u1", "email": "a@b.c", "identities": [{"connection": "db", "provider": "auth0"}],
            "app_metadata": {"migration_complete": true}}]);
        let o = done(resume(&c, state, &Reply::response(200, users.to_string())));
        assert!(matches!(o, Outcome::Profile { ref profile } if profile.user_id == "u1"), "{o:?}");
    }

    #[test]
    fn login_without_metadata_claims_reads_the_profile_by_id() {
        let c = cfg(Some("db"));
        let (_, state) = sent(start_login(&c, "a@b.c", "pw"));
        let tok = id_token(json!({"sub": "auth0|u1", "email": "a@b.c"}));
        let (req, state) = sent(resume(&c, state, &Reply::response(200, json!({"id_token": tok}).to_string())));
        assert_eq!(req.label, "token");
        let (req, state) = sent(resume(&c, state, &Reply::response(200, json!({"access_token": "T"}).to_string())));
        assert_eq!(req.url, "https://old.auth0.com/api/v2/users/auth0%7Cu1");
        let record = json!({"user_id": "auth0|u1", "email": "a@b.c", "user_metadata": {"plan": "pro"},
            "identities": [{"connection": "db", "provider": "auth0", "user_id": "u1"}]});
        let o = done(resume(&c, state.clone(), &Reply::response(200, record.to_string())));
        assert!(matches!(o, Outcome::Profile { ref profile } if profile.user_metadata["plan"] == "pro"), "{o:?}");
        let elsewhere = json!({"user_id": "auth0|u1", "email": "a@b.c", "identities": [{"connection": "other", "provider": "auth0"}]});
        let o = done(resume(&c, state, &Reply::response(200, elsewhere.to_string())));
        assert!(matches!(o, Outcome::Error { .. }), "a record outside the connection is refused: {o:?}");
    }

    fn get_user(c: &Config, identifier: &str, users: Value) -> (Request, Outcome) {
        let (_, state) = sent(start_get_user(c, identifier));
        let (req, state) = sent(resume(c, state, &Reply::response(200, json!({"access_token": "T"}).to_string())));
        (req.clone(), done(resume(c, state, &Reply::response(200, users.to_string()))))
    }

    fn user(id: &str, email: &str, conn: &str) -> Value {
        json!({"user_id": id, "email": email, "identities": [{"connection": conn, "provider": "auth0", "user_id": id}]})
    }

    #[test]
    fn get_user_filters_by_connection_and_exact_email() {
        let c = cfg(Some("db"));
        let (req, o) = get_user(&c, "A@B.c", json!([user("auth0|1", "a@b.c", "other"), user("auth0|2", "a@b.c", "db")]));
        assert!(req.url.ends_with("users-by-email?email=a%40b.c"), "queried in lower case: {}", req.url);
        assert!(matches!(o, Outcome::Profile { ref profile } if profile.user_id == "2"), "{o:?}");
        let (_, o) = get_user(&c, "a@b.c", json!([user("auth0|1", "a@b.c", "other")]));
        assert_eq!(o, Outcome::NotFound);
        let (_, o) = get_user(&c, "a@b.c", json!([]));
        assert_eq!(o, Outcome::NotFound);
    }

    #[test]
    fn get_user_refuses_to_guess_between_two_users() {
        let (_, o) = get_user(&cfg(None), "a@b.c", json!([user("auth0|1", "a@b.c", "x"), user("auth0|2", "a@b.c", "y")]));
        assert!(matches!(o, Outcome::Error { .. }), "{o:?}");
    }

    #[test]
    fn get_user_blocked_and_already_migrated() {
        let c = cfg(Some("db"));
        let mut u = user("auth0|1", "a@b.c", "db");
        u["blocked"] = json!(true);
        let (_, o) = get_user(&c, "a@b.c", json!([u]));
        assert!(matches!(o, Outcome::Unauthorized { .. }), "{o:?}");
        let mut u = user("auth0|1", "a@b.c", "db");
        u["app_metadata"] = json!({"migration_complete": true});
        assert_eq!(get_user(&c, "a@b.c", json!([u])).1, Outcome::NotFound);
    }

    #[test]
    fn usernames_are_searched_with_an_escaped_query_and_matched_exactly() {
        let c = cfg(Some("db"));
        let mut u = user("auth0|1", "a@b.c", "db");
        u["username"] = json!("bob\" OR email:*");
        let (req, o) = get_user(&c, "bob\" OR email:*", json!([u]));
        assert!(
            req.url.ends_with("/api/v2/users?q=username%3A%22bob%5C%22%20OR%20email%3A%2A%22&search_engine=v3"),
            "{}",
            req.url
        );
        assert!(matches!(o, Outcome::Profile { .. }), "{o:?}");
        let mut other = user("auth0|2", "x@b.c", "db");
        other["username"] = json!("Bob");
        assert_eq!(get_user(&c, "bob", json!([other])).1, Outcome::NotFound);
    }

    #[test]
    fn lookup_failures_are_errors_never_not_found() {
        let c = cfg(None);
        for reply in [Reply::response(500, ""), Reply::response(429, "{}"), Reply::response(403, "{}"), Reply::response(200, "{}")] {
            let (_, state) = sent(start_get_user(&c, "a@b.c"));
            let (_, state) = sent(resume(&c, state, &Reply::response(200, json!({"access_token": "T"}).to_string())));
            let o = done(resume(&c, state, &reply));
            assert!(matches!(o, Outcome::Error { .. }), "{reply:?} -> {o:?}");
        }
    }
}
