//! The login and get_user flows as resumable state machines.
//!
//! login:    password check -> discovery -> JWKS (again once on an unknown `kid`) -> signature
//!           verified by the host -> claims checked -> profile from the claims, or via a
//!           Management API token and `users/{id}`.
//! get_user: Management API token -> lookup -> match.
//!
//! A [`State`] holds what the next step needs and never a password or client secret: the password
//! goes out in the first request and is gone; the validated settings are kept beside the state by
//! [`crate::boundary`] and passed in [`Ctx`]. The ID token is held between its arrival and its
//! verification only. Idempotent requests are retried per [`crate::retry`]; the password request
//! never is.
//!
//! The call's time is decided here too: every request leaves with its timeout clamped to what is
//! left of the call's deadline ([`crate::http::DEADLINE_MS`] from its start), and a backoff that
//! would not leave time to send ends the flow as a request would that met the deadline.

use crate::config::{Config, ProfileSource};
pub use crate::http::DEADLINE_MS;
use crate::http::{CacheHint, Reply, Request, API_TIMEOUT_MS};
use crate::json::{Map, Value};
use crate::jwt::{self, KeyChoice};
use crate::lookup::{self, is_email, Purpose};
use crate::oauth::{self, PasswordVerdict};
use crate::outcome::Outcome;
use crate::prelude::*;
pub use crate::step::Input;
use crate::text::{cat, num};
use crate::{profile, retry};

/// How long the host may keep discovery documents and key sets (Auth0's `global` lives about
/// 20 minutes at most anyway; a rotated key is fetched at once through the unknown-`kid` path).
const METADATA_TTL_S: u32 = 600;

/// What a step of these flows runs with: the auth0 source's settings (see [`crate::step::Ctx`]).
pub type Ctx<'a> = crate::step::Ctx<'a, Config>;

/// Where a flow is waiting.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum State {
    /// Waiting for the password check.
    Password {
        /// What the user typed (email or username).
        identifier: String,
    },
    /// Waiting for the old tenant's discovery document.
    Discovery {
        /// What the user typed.
        identifier: String,
        /// The unverified ID token.
        id_token: String,
        /// Retries so far.
        tries: u8,
    },
    /// Waiting for the old tenant's JWKS.
    Keys {
        /// What the user typed.
        identifier: String,
        /// The unverified ID token.
        id_token: String,
        /// The discovery document's issuer.
        issuer: String,
        /// Where the keys are.
        jwks_uri: String,
        /// Retries so far.
        tries: u8,
        /// Whether this fetch already bypassed the cache (after an unknown `kid`).
        refreshed: bool,
    },
    /// Waiting for the host's signature check.
    Verify {
        /// What the user typed.
        identifier: String,
        /// The ID token being verified.
        id_token: String,
        /// The discovery document's issuer.
        issuer: String,
    },
    /// Waiting for a Management API token.
    Token {
        /// The user being looked up.
        identifier: String,
        /// Why.
        purpose: Purpose,
        /// The old user id, when known (from a verified ID token): then the lookup is by id.
        user_id: Option<String>,
        /// Retries so far (token and lookup together).
        tries: u8,
        /// Whether a fresh token was already forced (after a 401).
        refreshed: bool,
    },
    /// Waiting for the user lookup.
    Lookup {
        /// The user being looked up.
        identifier: String,
        /// Why.
        purpose: Purpose,
        /// The old user id, when the lookup is by id.
        user_id: Option<String>,
        /// Retries so far.
        tries: u8,
        /// Whether a fresh token was already forced.
        refreshed: bool,
    },
}

/// What to do next, in these flows (see [`crate::step::Step`]).
pub type Step = crate::step::Step<State>;

fn send(request: Request, state: State) -> Step {
    Step::Send { request, state }
}

/// Starts a login: the password check against the old tenant, with the identifier as typed.
/// From then on the flow works with `folded`, the identifier in lower case (see [`crate::boundary`]).
pub fn start_login(ctx: Ctx, identifier: &str, folded: &str, password: &str) -> Step {
    let step = send(
        oauth::password_request(ctx.cfg, identifier, password),
        State::Password { identifier: folded.to_string() },
    );
    within_deadline(ctx, step)
}

/// Starts a get_user: a Management API token first. `folded` is the identifier in lower case.
pub fn start_get_user(ctx: Ctx, folded: &str) -> Step {
    within_deadline(ctx, token_step(ctx, folded.to_string(), Purpose::GetUser, None, 0, false, 0))
}

/// Continues a flow with what the host reports.
pub fn resume(ctx: Ctx, state: State, input: Input) -> Step {
    within_deadline(ctx, advance(ctx, state, input))
}

/// A request leaves only if it fits in what is left of the call ([`crate::step::within_deadline`]).
fn within_deadline(ctx: Ctx, step: Step) -> Step {
    crate::step::within_deadline(ctx, step, advance)
}

fn token_step(
    ctx: Ctx,
    identifier: String,
    purpose: Purpose,
    user_id: Option<String>,
    tries: u8,
    refreshed: bool,
    delay: u32,
) -> Step {
    let request = oauth::management_token_request(ctx.cfg, refreshed).delayed(delay);
    send(request, State::Token { identifier, purpose, user_id, tries, refreshed })
}

fn discovery_step(ctx: Ctx, identifier: String, id_token: String, tries: u8, delay: u32) -> Step {
    let hint = CacheHint {
        key: cat(&["discovery|", &ctx.cfg.domain]),
        ttl_s: METADATA_TTL_S,
        ttl_field: None,
        early_s: 0,
        refresh: false,
    };
    let request = Request::get("discovery", ctx.cfg.url("/.well-known/openid-configuration"), API_TIMEOUT_MS)
        .cached(hint)
        .delayed(delay);
    send(request, State::Discovery { identifier, id_token, tries })
}

fn keys_step(
    identifier: String,
    id_token: String,
    issuer: String,
    jwks_uri: String,
    tries: u8,
    refreshed: bool,
    delay: u32,
) -> Step {
    let hint = CacheHint {
        key: cat(&["jwks|", &jwks_uri]),
        ttl_s: METADATA_TTL_S,
        ttl_field: None,
        early_s: 0,
        refresh: refreshed,
    };
    let request = Request::get("jwks", jwks_uri.clone(), API_TIMEOUT_MS).cached(hint).delayed(delay);
    send(request, State::Keys { identifier, id_token, issuer, jwks_uri, tries, refreshed })
}

fn advance(ctx: Ctx, state: State, input: Input) -> Step {
    match (state, input) {
        (State::Password { identifier }, Input::Reply(r)) => after_password(ctx, identifier, &r),
        (State::Discovery { identifier, id_token, tries }, Input::Reply(r)) => {
            if let Some(d) = retry::delay_ms(&r, tries, ctx.now_ms) {
                return discovery_step(ctx, identifier, id_token, tries + 1, d);
            }
            if !r.is_success() {
                return Step::Done(upstream_error("discovery document", &r));
            }
            match jwt::discovery(&r.body) {
                Ok((issuer, jwks_uri)) => keys_step(identifier, id_token, issuer, jwks_uri, 0, false, 0),
                Err(e) => Step::Done(Outcome::error(cat(&["login: ", &e]))),
            }
        }
        (State::Keys { identifier, id_token, issuer, jwks_uri, tries, refreshed }, Input::Reply(r)) => {
            if let Some(d) = retry::delay_ms(&r, tries, ctx.now_ms) {
                return keys_step(identifier, id_token, issuer, jwks_uri, tries + 1, refreshed, d);
            }
            if !r.is_success() {
                return Step::Done(upstream_error("signing keys (JWKS)", &r));
            }
            after_keys(identifier, id_token, issuer, jwks_uri, refreshed, &r.body)
        }
        (State::Verify { identifier, id_token, issuer }, Input::Verified(ok)) => {
            after_verify(ctx, identifier, &id_token, &issuer, ok)
        }
        (State::Token { identifier, purpose, user_id, tries, refreshed }, Input::Reply(r)) => {
            if let Some(d) = retry::delay_ms(&r, tries, ctx.now_ms) {
                return token_step(ctx, identifier, purpose, user_id, tries + 1, refreshed, d);
            }
            match oauth::read_management_token(&r) {
                Ok(token) => send(
                    lookup::request(ctx.cfg, &identifier, user_id.as_deref(), &token),
                    State::Lookup { identifier, purpose, user_id, tries, refreshed },
                ),
                Err(o) => Step::Done(o),
            }
        }
        (State::Lookup { identifier, purpose, user_id, tries, refreshed }, Input::Reply(r)) => {
            if r.status == Some(401) && !refreshed {
                // The cached token was refused (expired early, revoked): fetch a fresh one, once.
                return token_step(ctx, identifier, purpose, user_id, tries, true, 0);
            }
            if let Some(d) = retry::delay_ms(&r, tries, ctx.now_ms) {
                // Back through the token step: it answers from the cache, then the lookup is resent.
                return token_step(ctx, identifier, purpose, user_id, tries + 1, refreshed, d);
            }
            if let Some(o) = oauth::transport_failure(&r, "user lookup") {
                return Step::Done(o);
            }
            match r.status {
                Some(200..=299) => Step::Done(lookup::decide(ctx.cfg, &identifier, purpose, &r.body)),
                s => Step::Done(lookup::failure(s.unwrap_or(0), &r.body)),
            }
        }
        _ => Step::Done(Outcome::error("internal: the shim answered a step with the wrong kind of input")),
    }
}

fn upstream_error(what: &str, r: &Reply) -> Outcome {
    oauth::transport_failure(r, what).unwrap_or_else(|| {
        Outcome::error(cat(&["login: the old tenant's ", what, " answered HTTP ", &num(r.status.unwrap_or(0).into())]))
    })
}

fn after_password(ctx: Ctx, identifier: String, reply: &Reply) -> Step {
    if !reply.is_success() {
        return match oauth::classify_password_failure(reply, ctx.cfg) {
            PasswordVerdict::Final(o) => Step::Done(o),
            PasswordVerdict::PasswordAcceptedNeedsLookup => {
                token_step(ctx, identifier, Purpose::LoginAfterMfa, None, 0, false, 0)
            }
        };
    }
    let id_token =
        crate::json::parse(&reply.body).and_then(|v| v.get("id_token").and_then(Value::as_str).map(str::to_string));
    let Some(id_token) = id_token else {
        return Step::Done(Outcome::error(
            "password check: the old tenant's reply has no id_token (is the `openid` scope allowed?)",
        ));
    };
    if let Err(e) = jwt::parse(&id_token) {
        return Step::Done(Outcome::error(cat(&["password check: ", &e])));
    }
    discovery_step(ctx, identifier, id_token, 0, 0)
}

fn after_keys(
    identifier: String,
    id_token: String,
    issuer: String,
    jwks_uri: String,
    refreshed: bool,
    body: &str,
) -> Step {
    let token = match jwt::parse(&id_token) {
        Ok(t) => t,
        Err(e) => return Step::Done(Outcome::error(cat(&["password check: ", &e]))),
    };
    match jwt::select_key(body, token.alg, token.kid.as_deref()) {
        Ok(KeyChoice::Found(jwk)) => Step::Verify {
            jwk,
            input: token.signing_input,
            signature: token.signature,
            state: State::Verify { identifier, id_token, issuer },
        },
        // A rotated key: the cached set is stale. Fetch it anew, once.
        Ok(KeyChoice::Unknown) if !refreshed => keys_step(identifier, id_token, issuer, jwks_uri, 0, true, 0),
        Ok(KeyChoice::Unknown) => Step::Done(Outcome::error(
            "login: the ID token is signed by a key the old tenant does not publish; refusing to migrate",
        )),
        Err(e) => Step::Done(Outcome::error(cat(&["login: ", &e]))),
    }
}

fn after_verify(ctx: Ctx, identifier: String, id_token: &str, issuer: &str, verified: bool) -> Step {
    if !verified {
        return Step::Done(Outcome::error("login: the ID token's signature is not valid; refusing to migrate"));
    }
    let claims = match jwt::parse(id_token) {
        Ok(t) => t.claims,
        Err(e) => return Step::Done(Outcome::error(cat(&["password check: ", &e]))),
    };
    if let Err(e) = jwt::check_claims(&claims, issuer, &ctx.cfg.client_id, ctx.now_s()) {
        return Step::Done(Outcome::error(cat(&["login: ", &e, "; refusing to migrate"])));
    }
    if let Some(o) = identity_mismatch(ctx.cfg, &claims, &identifier) {
        return Step::Done(o);
    }
    let Some(sub) = claims.get("sub").and_then(Value::as_str).filter(|s| !s.is_empty()) else {
        return Step::Done(Outcome::error("login: the ID token has no `sub`"));
    };
    let ns = &ctx.cfg.claims_namespace;
    // A username login needs the username claim for the profile to equal get_user's.
    let complete =
        profile::has_metadata_claims(&claims, ns) && (is_email(&identifier) || token_username(&claims, ns).is_some());
    match (ctx.cfg.profile_source, complete) {
        (ProfileSource::Management, _) | (ProfileSource::Auto, false) => {
            token_step(ctx, identifier, Purpose::LoginProfile, Some(sub.to_string()), 0, false, 0)
        }
        (ProfileSource::Claims, false) => Step::Done(Outcome::error(
            "setup: `Profile_Source` is `claims` but the ID token has no metadata claims; deploy dist/metadata-action.js in the old tenant, check `Claims_Namespace`, or use `auto`",
        )),
        (_, true) => match profile::from_id_token(&claims, ns) {
            Ok(p) => Step::Done(Outcome::Profile { profile: Box::new(lookup::with_prefix(ctx.cfg, p)) }),
            Err(e) => Step::Done(Outcome::error(cat(&["login: ", &e]))),
        },
    }
}

fn token_username<'a>(claims: &'a Map, ns: &str) -> Option<&'a str> {
    claims.get("username").or_else(|| claims.get(&cat(&[ns, "username"]))).and_then(Value::as_str)
}

/// The token must be about the user who logged in: the same email, or the same username when the
/// token carries one (`identifier` is already folded to lower case; Auth0 stores both in lower
/// case). Anything else is refused rather than migrating someone else.
fn identity_mismatch(cfg: &Config, claims: &Map, identifier: &str) -> Option<Outcome> {
    let token_value = if is_email(identifier) {
        claims.get("email").and_then(Value::as_str)
    } else {
        match token_username(claims, &cfg.claims_namespace) {
            Some(u) => Some(u),
            None => return None, // checked against the Management API record instead
        }
    };
    match token_value {
        Some(v) if v.to_ascii_lowercase() == identifier => None,
        _ => Some(Outcome::error(
            "login: the old tenant's ID token is for a different user than the one logging in; refusing to migrate",
        )),
    }
}

#[cfg(test)]
#[path = "flow_tests.rs"]
mod tests;
