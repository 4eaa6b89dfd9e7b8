//! The cognito source: users in an Amazon Cognito user pool. `docs/cognito-source.md` has the
//! setup, the IAM policy and the outcome table.
//!
//! login:    `InitiateAuth` (`USER_PASSWORD_AUTH`, never retried) -> the pool's JWKS (cached;
//!           again once on an unknown `kid`) -> the ID token's signature checked by the host ->
//!           its claims checked ([`crate::jwt`], plus `token_use: id`) -> the profile from the
//!           token's claims ([`profile`]), which carry the user's attributes as `GetUser` and
//!           `ListUsers` do. A `GetUser` call with the access token was built and measured first:
//!           with it the login script was over the size ceiling (40,520 bytes against 39,900).
//!           With an app client secret, `SECRET_HASH` is the host's HMAC ([`Step::Sign`]).
//!           An MFA challenge means the password was right, but gives no tokens: the user is asked
//!           to reset their password, which get_user's lookup then serves (see [`MFA_RESET`]).
//! get_user: `ListUsers` with an `email` (or `username`) filter, signed with AWS Signature
//!           Version 4 ([`sigv4`]) -> one enabled user, none, or an Error ([`lookup`]).
//!
//! Every request, its retries (not the password check's), and what each reply means are decided
//! here; the host sends, verifies the RSA signature, computes the `SECRET_HASH`'s HMAC and caches.
//! The password is held in the flow's state only until the `InitiateAuth` request leaves (at once,
//! or after the sign step when the app client has a secret); it is never logged.

pub mod api;
// The command line's listing (`tail`, `status`, `retire`): engine build only, so the pasted
// scripts do not grow.
#[cfg(any(not(target_arch = "wasm32"), feature = "engine"))]
pub mod list;
pub mod lookup;
pub mod profile;
pub mod settings;
pub mod sigv4;

use std::cell::Cell;
use std::thread::LocalKey;

use crate::boundary::Calls;
use crate::config::ConfigError;
use crate::http::Reply;
use crate::json::{self, Map, Value};
use crate::jwt::{self, KeyChoice};
use crate::outcome::Outcome;
use crate::retry;
use crate::source::Source;
use crate::step::{self, done_error, wrong_script, Input, SignRequest, RUNS_GET_USER as GET_USER, RUNS_LOGIN as LOGIN};
use crate::text::cat;
use settings::CognitoConfig;

/// What a step of these flows runs with.
pub type Ctx<'a> = step::Ctx<'a, CognitoConfig>;
/// What to do next, in these flows.
pub type Step = step::Step<State, SignRequest>;

/// A login after `InitiateAuth` returned tokens.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Login {
    /// In lower case.
    pub folded: String,
    /// The unverified ID token.
    pub id_token: String,
}

/// Where a cognito flow is waiting.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum State {
    /// For the host's HMAC of `username + client id` (the `SECRET_HASH`); the password is held
    /// until the `InitiateAuth` request that follows at once.
    Signing {
        /// As typed.
        identifier: String,
        /// In lower case.
        folded: String,
        /// Held for one step.
        password: String,
    },
    /// For `InitiateAuth`'s reply.
    Password {
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
    /// For `ListUsers`.
    Lookup {
        /// As typed (sent again on a retry, signed anew).
        identifier: String,
        /// In lower case.
        folded: String,
        /// Retries so far.
        tries: u8,
    },
}

/// The cognito source, for [`crate::source`].
#[derive(Debug)]
pub struct Cognito;

thread_local! {
    static COGNITO_CALLS: Cell<Calls<Cognito>> = const { Cell::new(Calls::new()) };
}

impl Source for Cognito {
    type Config = CognitoConfig;
    type State = State;
    type Sign = SignRequest;
    const SIGNS: bool = true;
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
        let (identifier, folded, password) = (identifier.to_string(), folded.to_string(), password.to_string());
        let step = match &ctx.cfg.client_secret {
            Some(key) => {
                let message = cat(&[&identifier, &ctx.cfg.client_id]);
                Step::Sign {
                    sign: SignRequest { key: key.clone(), message },
                    state: State::Signing { identifier, folded, password },
                }
            }
            None => password_step(ctx, &identifier, folded, &password, None),
        };
        within_deadline(ctx, step)
    }
    fn start_get_user(ctx: Ctx, identifier: &str, folded: &str) -> Step {
        if !GET_USER {
            return wrong_script();
        }
        within_deadline(ctx, lookup_step(ctx, identifier.to_string(), folded.to_string(), 0, 0))
    }
    fn resume(ctx: Ctx, state: State, input: Input) -> Step {
        within_deadline(ctx, advance(ctx, state, input))
    }
    fn calls() -> &'static LocalKey<Cell<Calls<Self>>> {
        &COGNITO_CALLS
    }
}

fn within_deadline(ctx: Ctx, step: Step) -> Step {
    step::within_deadline(ctx, step, advance)
}

/// What an MFA challenge answers: the password was right, but Cognito gives no tokens until the
/// second factor, so the attributes could only be read with the IAM key. The login script's module
/// with that lookup (SigV4, SHA-256; it then also called `GetUser`) measured 76,827 bytes of wasm,
/// 30,621 brotli bytes: about 45.8 KB of script, over the 39,900-byte ceiling. A reset in the new
/// tenant goes through get_user, which reads the same profile, and proves the email.
pub const MFA_RESET: &str =
    "Your account uses multi-factor authentication at the old system. Please reset your password to continue.";

fn password_step(ctx: Ctx, identifier: &str, folded: String, password: &str, secret_hash: Option<String>) -> Step {
    Step::Send {
        request: api::initiate_auth(ctx.cfg, identifier, password, secret_hash),
        state: State::Password { folded },
    }
}

fn lookup_step(ctx: Ctx, identifier: String, folded: String, tries: u8, delay: u32) -> Step {
    // Signed at the time it is built: a retry is signed again with its own time.
    let request = api::list_users(ctx.cfg, &identifier, ctx.now_ms.saturating_add(delay.into())).delayed(delay);
    Step::Send { request, state: State::Lookup { identifier, folded, tries } }
}

fn keys_step(ctx: Ctx, login: Box<Login>, tries: u8, refreshed: bool, delay: u32) -> Step {
    Step::Send { request: api::jwks(ctx.cfg, refreshed).delayed(delay), state: State::Keys { login, tries, refreshed } }
}

fn advance(ctx: Ctx, state: State, input: Input) -> Step {
    match (state, input) {
        (State::Signing { identifier, folded, password }, Input::Signed(Some(mac))) if LOGIN => {
            match sigv4::hex_to_base64(&mac) {
                Some(hash) => password_step(ctx, &identifier, folded, &password, Some(hash)),
                None => done_error(&["internal: the host could not compute the SECRET_HASH"]),
            }
        }
        (State::Signing { .. }, Input::Signed(None)) => {
            done_error(&["internal: the host could not compute the SECRET_HASH"])
        }
        (State::Password { folded }, Input::Reply(r)) if LOGIN => after_password(ctx, folded, &r),
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
        (State::Lookup { identifier, folded, tries }, Input::Reply(r)) if GET_USER => {
            // Cognito throttles with HTTP 400 `TooManyRequestsException`: as retryable as a 429.
            let throttled = r.status == Some(400) && api::exception(&r.body).0 == "TooManyRequestsException";
            let retryable = if throttled { Reply { status: Some(429), ..r.clone() } } else { r.clone() };
            if let Some(d) = retry::delay_ms(&retryable, tries, ctx.now_ms) {
                return lookup_step(ctx, identifier, folded, tries + 1, d);
            }
            if let Some(o) = api::transport_failure(&r, "user lookup") {
                return Step::Done(o);
            }
            if !r.is_success() {
                return Step::Done(api::api_failure("user lookup", &r));
            }
            Step::Done(lookup::decide(ctx.cfg, &folded, &r.body))
        }
        _ => done_error(&["internal: the shim answered a step with the wrong kind of input"]),
    }
}

/// `InitiateAuth`'s reply: tokens, a challenge, or a refusal.
fn after_password(ctx: Ctx, folded: String, r: &Reply) -> Step {
    if !r.is_success() {
        return Step::Done(api::password_failure(ctx.cfg, r));
    }
    let Some(v) = json::parse(&r.body) else {
        return done_error(&["password check: Cognito's reply is not JSON (or is too long)"]);
    };
    if let Some(challenge) = v.get("ChallengeName") {
        return match challenge.as_str().unwrap_or("") {
            // The password was right, but there are no tokens to read the profile with.
            "SMS_MFA" | "SOFTWARE_TOKEN_MFA" => Step::Done(Outcome::unauthorized(MFA_RESET)),
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
    let Some(id_token) = token("IdToken") else {
        return done_error(&["password check: Cognito's reply has neither an ID token nor a challenge"]);
    };
    if let Err(e) = jwt::parse(id_token) {
        return done_error(&["password check: ", &e]);
    }
    let login = Login { folded, id_token: id_token.to_string() };
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
    let username = text("cognito:username").unwrap_or("").to_string();
    match profile::profile(ctx.cfg, &profile::User { username, attributes: claims }, false) {
        Ok(p) => Step::Done(Outcome::Profile { profile: Box::new(p) }),
        Err(e) => done_error(&["login: ", &e]),
    }
}

#[cfg(test)]
#[path = "cognito/tests.rs"]
mod tests;
