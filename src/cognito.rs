//! The cognito source: users in an Amazon Cognito user pool. `docs/cognito-source.md` has the
//! setup, the IAM policy and the outcome table.
//!
//! login:    `InitiateAuth` (`USER_PASSWORD_AUTH`, never retried; with an app client secret, its
//!           `SECRET_HASH` computed here ([`sigv4::secret_hash`])) -> the pool's JWKS (cached;
//!           again once on an unknown `kid`) -> the ID token's signature checked by the host ->
//!           its claims checked ([`crate::jwt`], plus `token_use: id`) -> `GetUser` with the
//!           access token: the profile from the user's attributes as Cognito holds them, for the
//!           user whose `sub` the verified token names ([`lookup::from_get_user`]).
//!           An MFA challenge (`SMS_MFA`, `SOFTWARE_TOKEN_MFA`) means the password was right but
//!           gives no tokens: the profile is then read as get_user reads it, by `ListUsers`.
//! get_user: `ListUsers` with an `email` (or `username`) filter, signed with AWS Signature
//!           Version 4 ([`sigv4`]) -> one enabled user, none, or an Error ([`lookup`]).
//!
//! Every request, its retries (not the password check's), and what each reply means are decided
//! here; the host sends, verifies the RSA signature and caches. The password leaves in the first
//! request and is never held in a state or logged; the access token is held until `GetUser` only.

use crate::prelude::*;

pub mod api;
// The command line's listing (`tail`, `status`, `retire`): engine build only, so the pasted
// scripts do not grow.
#[cfg(any(not(target_arch = "wasm32"), feature = "engine"))]
pub mod list;
pub mod lookup;
pub mod profile;
pub mod settings;
pub mod sigv4;

use crate::boundary::Calls;
use crate::config::ConfigError;
use crate::http::Reply;
use crate::json::{self, Map, Value};
use crate::jwt::{self, KeyChoice};
use crate::outcome::Outcome;
use crate::retry;
use crate::slot::Slot;
use crate::source::Source;
use crate::step::{self, done_error, wrong_script, Input, NoSign, RUNS_GET_USER as GET_USER, RUNS_LOGIN as LOGIN};
use settings::CognitoConfig;

/// What a step of these flows runs with.
pub type Ctx<'a> = step::Ctx<'a, CognitoConfig>;
/// What to do next, in these flows.
pub type Step = step::Step<State, NoSign>;

/// A login after `InitiateAuth` returned tokens.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Login {
    /// In lower case.
    pub folded: String,
    /// The unverified ID token.
    pub id_token: String,
    /// For `GetUser`, once the ID token is verified.
    pub access_token: String,
}

/// Where a cognito flow is waiting.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum State {
    /// For `InitiateAuth`'s reply.
    Password {
        /// As typed (the lookup's filter after an MFA challenge).
        identifier: String,
        /// In lower case.
        folded: String,
    },
    /// For the JWKS.
    Keys {
        /// The login.
        login: Box<Login>,
        /// Retries so far.
        tries: u8,
        /// Whether this fetch already bypassed the cache.
        refreshed: bool,
    },
    /// For the host's signature check.
    Verify {
        /// The login.
        login: Box<Login>,
    },
    /// For `GetUser`'s reply.
    Profile {
        /// The access token `InitiateAuth` returned (sent again on a retry).
        access_token: String,
        /// The verified ID token's `sub`: `GetUser` must answer about this user.
        sub: String,
        /// Retries so far.
        tries: u8,
    },
    /// For `ListUsers`: get_user's lookup, or login's after an MFA challenge (`mfa`).
    Lookup {
        /// As typed (sent again on a retry, signed anew).
        identifier: String,
        /// In lower case.
        folded: String,
        /// Retries so far.
        tries: u8,
        /// Whether a login's password was right (an MFA challenge): then no user is an Error.
        mfa: bool,
    },
}

/// The cognito source, for [`crate::source`].
#[derive(Debug)]
pub struct Cognito;

crate::slot::slot!(COGNITO_CALLS: Calls<Cognito>);

impl Source for Cognito {
    type Config = CognitoConfig;
    type State = State;
    type Sign = NoSign;
    const SIGNS: bool = false;
    fn settings(settings: &Map) -> Result<CognitoConfig, ConfigError> {
        CognitoConfig::from_settings(settings)
    }
    fn names_user(cfg: &CognitoConfig) -> bool {
        cfg.log_identifiers
    }
    fn start_login(ctx: Ctx, identifier: &str, folded: &str, password: &str) -> Step {
        if !LOGIN {
            return wrong_script();
        }
        let cfg = ctx.cfg;
        let hash = cfg.client_secret.as_deref().map(|key| sigv4::secret_hash(key, identifier, &cfg.client_id));
        let step = Step::Send {
            request: api::initiate_auth(cfg, identifier, password, hash),
            state: State::Password { identifier: identifier.to_string(), folded: folded.to_string() },
        };
        within_deadline(ctx, step)
    }
    fn start_get_user(ctx: Ctx, identifier: &str, folded: &str) -> Step {
        if !GET_USER {
            return wrong_script();
        }
        within_deadline(ctx, lookup_step(ctx, identifier.to_string(), folded.to_string(), 0, 0, false))
    }
    fn resume(ctx: Ctx, state: State, input: Input) -> Step {
        within_deadline(ctx, advance(ctx, state, input))
    }
    fn calls() -> &'static Slot<Calls<Self>> {
        &COGNITO_CALLS
    }
}

fn within_deadline(ctx: Ctx, step: Step) -> Step {
    step::within_deadline(ctx, step, advance)
}

fn lookup_step(ctx: Ctx, identifier: String, folded: String, tries: u8, delay: u32, mfa: bool) -> Step {
    // Signed at the time it is built: a retry is signed again with its own time.
    let request = api::list_users(ctx.cfg, &identifier, ctx.now_ms.saturating_add(delay.into())).delayed(delay);
    Step::Send { request, state: State::Lookup { identifier, folded, tries, mfa } }
}

fn profile_step(ctx: Ctx, access_token: String, sub: String, tries: u8, delay: u32) -> Step {
    let request = api::get_user(ctx.cfg, &access_token).delayed(delay);
    Step::Send { request, state: State::Profile { access_token, sub, tries } }
}

fn keys_step(ctx: Ctx, login: Box<Login>, tries: u8, refreshed: bool, delay: u32) -> Step {
    Step::Send { request: api::jwks(ctx.cfg, refreshed).delayed(delay), state: State::Keys { login, tries, refreshed } }
}

/// A read's reply that is not an answer to read (no answer, throttling, an error), or `None`.
fn read_failure(r: &Reply, what: &str) -> Option<Outcome> {
    api::transport_failure(r, what).or_else(|| (!r.is_success()).then(|| api::api_failure(what, r)))
}

fn advance(ctx: Ctx, state: State, input: Input) -> Step {
    match (state, input) {
        (State::Password { identifier, folded }, Input::Reply(r)) if LOGIN => {
            after_password(ctx, identifier, folded, &r)
        }
        (State::Keys { login, tries, refreshed }, Input::Reply(r)) if LOGIN => {
            if let Some(d) = retry::delay_ms(&r, tries, ctx.now_ms) {
                return keys_step(ctx, login, tries + 1, refreshed, d);
            }
            if let Some(o) = api::transport_failure(&r, "signing keys (JWKS)") {
                return Step::Done(o);
            }
            if !r.is_success() {
                return done_error(&[
                    "login: the pool's signing keys (JWKS) answered HTTP ",
                    &crate::text::num(r.status.unwrap_or(0).into()),
                    "; check `Region` and `User_Pool_ID`",
                ]);
            }
            after_keys(ctx, login, refreshed, &r.body)
        }
        (State::Verify { login }, Input::Verified(ok)) if LOGIN => after_verify(ctx, *login, ok),
        (State::Profile { access_token, sub, tries }, Input::Reply(r)) if LOGIN => {
            if let Some(d) = api::retry_delay(&r, tries, ctx.now_ms) {
                return profile_step(ctx, access_token, sub, tries + 1, d);
            }
            Step::Done(
                read_failure(&r, "profile (GetUser)").unwrap_or_else(|| lookup::from_get_user(ctx.cfg, &sub, &r.body)),
            )
        }
        (State::Lookup { identifier, folded, tries, mfa }, Input::Reply(r)) => {
            if let Some(d) = api::retry_delay(&r, tries, ctx.now_ms) {
                return lookup_step(ctx, identifier, folded, tries + 1, d, mfa);
            }
            if let Some(o) = read_failure(&r, "user lookup") {
                return Step::Done(o);
            }
            match lookup::decide(ctx.cfg, &folded, &r.body) {
                // The password was right, so the user exists: a lookup that misses them is not
                // an answer about this user.
                Outcome::NotFound if mfa => done_error(&[
                    "login: the password was right (an MFA challenge), but ListUsers finds no such user; refusing to migrate",
                ]),
                o => Step::Done(o),
            }
        }
        _ => done_error(&["internal: the shim answered a step with the wrong kind of input"]),
    }
}

/// `InitiateAuth`'s reply: tokens, a challenge, or a refusal.
fn after_password(ctx: Ctx, identifier: String, folded: String, r: &Reply) -> Step {
    if !r.is_success() {
        return Step::Done(api::password_failure(ctx.cfg, r));
    }
    let Some(v) = json::parse(&r.body) else {
        return done_error(&["password check: Cognito's reply is not JSON (or is too long)"]);
    };
    if let Some(challenge) = v.get("ChallengeName") {
        return match challenge.as_str().unwrap_or("") {
            // The password was right; the second factor is the new tenant's business. No tokens
            // come before it, so the profile is read with the IAM key, as get_user reads it.
            "SMS_MFA" | "SOFTWARE_TOKEN_MFA" => lookup_step(ctx, identifier, folded, 0, 0, true),
            "NEW_PASSWORD_REQUIRED" => Step::Done(Outcome::unauthorized(api::MUST_RESET)),
            other => done_error(&[
                "password check: Cognito asks for the challenge `",
                &crate::text::excerpt(other, 40),
                "`, which the migration cannot answer",
            ]),
        };
    }
    let result = v.get("AuthenticationResult");
    let token = |k: &str| result.and_then(|a| a.get(k)).and_then(Value::as_str).filter(|t| !t.is_empty());
    let (Some(id_token), Some(access_token)) = (token("IdToken"), token("AccessToken")) else {
        return done_error(&["password check: Cognito's reply has neither tokens nor a challenge"]);
    };
    if let Err(e) = jwt::parse(id_token) {
        return done_error(&["password check: ", &e]);
    }
    let login = Login { folded, id_token: id_token.to_string(), access_token: access_token.to_string() };
    keys_step(ctx, Box::new(login), 0, false, 0)
}

fn after_keys(ctx: Ctx, login: Box<Login>, refreshed: bool, body: &str) -> Step {
    let token = match jwt::parse(&login.id_token) {
        Ok(t) => t,
        Err(e) => return done_error(&["password check: ", &e]),
    };
    match jwt::select_key(body, token.alg, token.kid.as_deref()) {
        Ok(KeyChoice::Found(jwk)) => {
            Step::Verify { jwk, input: token.signing_input, signature: token.signature, state: State::Verify { login } }
        }
        // A rotated key: the cached set is stale. Fetch it anew, once.
        Ok(KeyChoice::Unknown) if !refreshed => keys_step(ctx, login, 0, true, 0),
        Ok(KeyChoice::Unknown) => done_error(&[
            "login: the ID token's key is not published by the pool for its algorithm; refusing to migrate",
        ]),
        Err(e) => done_error(&["login: ", &e]),
    }
}

/// The verified ID token's claims checked, then `GetUser` for the user it names.
fn after_verify(ctx: Ctx, login: Login, verified: bool) -> Step {
    if !verified {
        return done_error(&["login: the ID token's signature is not valid; refusing to migrate"]);
    }
    let claims = match jwt::parse(&login.id_token) {
        Ok(t) => t.claims,
        Err(e) => return done_error(&["password check: ", &e]),
    };
    if let Err(e) = jwt::check_claims(&claims, &ctx.cfg.issuer(), &ctx.cfg.client_id, ctx.now_s()) {
        return done_error(&["login: ", &e, " (Cognito pool and app client); refusing to migrate"]);
    }
    let text = |k: &str| claims.get(k).and_then(Value::as_str).filter(|s| !s.is_empty());
    if text("token_use") != Some("id") {
        return done_error(&["login: the token is not an ID token (`token_use`); refusing to migrate"]);
    }
    let named = ["email", "cognito:username", "preferred_username"]
        .iter()
        .any(|c| text(c).is_some_and(|v| v.to_ascii_lowercase() == login.folded));
    if !named {
        return done_error(&["login: the ID token is about another user; refusing to migrate"]);
    }
    let Some(sub) = text("sub") else {
        return done_error(&["login: the ID token names no user (`sub`); refusing to migrate"]);
    };
    profile_step(ctx, login.access_token, sub.to_string(), 0, 0)
}

#[cfg(test)]
#[path = "cognito/tests.rs"]
mod tests;
