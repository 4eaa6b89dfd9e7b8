//! The firebase source: users in Firebase Authentication (email and password accounts), moved
//! lazily because Firebase exports password hashes only in its own modified scrypt, which Auth0's
//! bulk import cannot take. `docs/firebase-source.md` has the setup and the outcome table.
//!
//! login:    `accounts:signInWithPassword` (the Web API key; never retried) -> Google's key set
//!           (cached; again once for an unknown `kid`) -> the ID token's signature checked by the
//!           host -> its claims ([`crate::jwt`]: issuer `https://securetoken.google.com/{Project_ID}`,
//!           audience the project, times) -> `accounts:lookup` by the ID token -> the profile
//!           ([`account`]).
//! get_user: the assertion signed by the host ([`assertion`]) -> Google's token endpoint (cached,
//!           shared) -> `projects/{Project_ID}/accounts:lookup` by email -> found, not found or
//!           blocked; a token the API refuses (401) is replaced once.
//!
//! With `Emulator_Host` (loopback only, [`settings`]) every call goes to the emulator, its
//! unsigned ID tokens are read without a signature check (their claims still checked), and the
//! admin lookup uses the emulator's `Bearer owner` instead of a service account.
//!
//! The password leaves the flow's state with the first request; it is never logged.

use crate::prelude::*;

pub mod account;
pub mod assertion;
// The command line's listing (`tail`, `status`, `retire`): engine build only, so the pasted
// scripts do not grow.
#[cfg(any(not(target_arch = "wasm32"), feature = "engine"))]
pub mod list;
pub mod settings;
pub mod toolkit;

use crate::base64url;
use crate::boundary::Calls;
use crate::config::ConfigError;
use crate::http::{CacheHint, Reply, Request, API_TIMEOUT_MS};
use crate::json::{self, Map, Value};
use crate::jwt::{self, KeyChoice};
use crate::outcome::Outcome;
use crate::retry;
use crate::slot::Slot;
use crate::source::Source;
use crate::step::{self, done_error, wrong_script, Input, SignRequest, RUNS_GET_USER as GET_USER, RUNS_LOGIN as LOGIN};
use crate::text::cat;
use settings::{google, limits, FirebaseConfig};

/// What a step of these flows runs with.
pub type Ctx<'a> = step::Ctx<'a, FirebaseConfig>;
/// What to do next, in these flows.
pub type Step = step::Step<State, SignRequest>;

/// A login after its password check succeeded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Login {
    /// The identifier in lower case.
    pub folded: String,
    /// The unverified ID token.
    pub id_token: String,
    /// The sign-in reply's `localId`: the token's `sub` must be it.
    pub uid: String,
}

/// Where a firebase flow is waiting.
#[derive(Debug, Clone, PartialEq)]
pub enum State {
    /// For the password check's reply.
    SignIn {
        /// In lower case.
        folded: String,
    },
    /// For Google's key set.
    Keys {
        /// The login.
        login: Box<Login>,
        /// Retries so far.
        tries: u8,
        /// Whether this fetch already bypassed the cache (after an unknown `kid`).
        refreshed: bool,
    },
    /// For the host's signature check.
    Verify {
        /// The login.
        login: Box<Login>,
    },
    /// For the signed-in user's record.
    Account {
        /// The login.
        login: Box<Login>,
        /// Retries so far.
        tries: u8,
    },
    /// For the host's RS256 signature of the assertion.
    Assertion {
        /// In lower case.
        folded: String,
        /// The signed text.
        input: String,
        /// Retries so far (token and lookup together).
        tries: u8,
        /// Whether the cached token is to be bypassed (after a 401).
        refreshed: bool,
        /// The backoff before the token request.
        delay_ms: u32,
    },
    /// For the access token.
    Token {
        /// In lower case.
        folded: String,
        /// Retries so far.
        tries: u8,
        /// Whether a fresh token was already forced.
        refreshed: bool,
    },
    /// For the admin lookup.
    Lookup {
        /// In lower case.
        folded: String,
        /// The bearer token (the emulator's `owner` there).
        token: String,
        /// Retries so far.
        tries: u8,
        /// Whether a fresh token was already forced.
        refreshed: bool,
    },
}

/// The firebase source, for [`crate::source`].
#[derive(Debug)]
pub struct Firebase;

crate::slot::slot!(FIREBASE_CALLS: Calls<Firebase>);

impl Source for Firebase {
    type Config = FirebaseConfig;
    type State = State;
    type Sign = SignRequest;
    const SIGNS: bool = true;
    fn settings(settings: &Map) -> Result<FirebaseConfig, ConfigError> {
        FirebaseConfig::from_settings(settings)
    }
    fn names_user(cfg: &FirebaseConfig) -> bool {
        cfg.log_identifiers
    }
    fn start_login(ctx: Ctx, identifier: &str, folded: &str, password: &str) -> Step {
        if !LOGIN {
            return wrong_script();
        }
        let state = State::SignIn { folded: folded.to_string() };
        within_deadline(ctx, send(toolkit::sign_in(ctx.cfg, identifier, password), state))
    }
    fn start_get_user(ctx: Ctx, _identifier: &str, folded: &str) -> Step {
        if !GET_USER {
            return wrong_script();
        }
        // Firebase accounts are found by email; an identifier without `@` is no account's email.
        if !folded.contains('@') {
            return Step::Done(Outcome::NotFound);
        }
        let step = match ctx.cfg.emulator {
            Some(_) => lookup_step(ctx, folded.to_string(), google::EMULATOR_ADMIN_TOKEN.to_string(), 0, false, 0),
            None => assertion_step(ctx, folded.to_string(), 0, false, 0),
        };
        within_deadline(ctx, step)
    }
    fn resume(ctx: Ctx, state: State, input: Input) -> Step {
        within_deadline(ctx, advance(ctx, state, input))
    }
    fn calls() -> &'static Slot<Calls<Self>> {
        &FIREBASE_CALLS
    }
}

fn within_deadline(ctx: Ctx, step: Step) -> Step {
    step::within_deadline(ctx, step, advance)
}

fn send(request: Request, state: State) -> Step {
    Step::Send { request, state }
}

fn keys_step(login: Box<Login>, tries: u8, refreshed: bool, delay: u32) -> Step {
    let hint = CacheHint {
        key: cat(&["jwks|", google::JWKS_URL]),
        ttl_s: limits::JWKS_TTL_S,
        ttl_field: None,
        early_s: 0,
        refresh: refreshed,
    };
    let mut request = Request::get("jwks", google::JWKS_URL.to_string(), API_TIMEOUT_MS).cached(hint).delayed(delay);
    request.max_body_bytes = limits::MAX_REPLY_BYTES;
    send(request, State::Keys { login, tries, refreshed })
}

fn account_step(ctx: Ctx, login: Box<Login>, tries: u8, delay: u32) -> Step {
    let request = toolkit::lookup_by_token(ctx.cfg, &login.id_token).delayed(delay);
    send(request, State::Account { login, tries })
}

fn assertion_step(ctx: Ctx, folded: String, tries: u8, refreshed: bool, delay_ms: u32) -> Step {
    let Some(account) = &ctx.cfg.service_account else {
        return done_error(&["internal: no service account outside the emulator"]);
    };
    let input = assertion::signing_input(account, ctx.now_ms / 1000);
    Step::Sign {
        sign: SignRequest { key: account.private_key.clone(), message: input.clone() },
        state: State::Assertion { folded, input, tries, refreshed, delay_ms },
    }
}

fn lookup_step(ctx: Ctx, folded: String, token: String, tries: u8, refreshed: bool, delay: u32) -> Step {
    let request = toolkit::lookup_by_email(ctx.cfg, &folded, &token).delayed(delay);
    send(request, State::Lookup { folded, token, tries, refreshed })
}

fn advance(ctx: Ctx, state: State, input: Input) -> Step {
    match (state, input) {
        (State::SignIn { folded }, Input::Reply(r)) if LOGIN => after_sign_in(ctx, folded, &r),
        (State::Keys { login, tries, refreshed }, Input::Reply(r)) if LOGIN => {
            if let Some(d) = retry::delay_ms(&r, tries, ctx.now_ms) {
                return keys_step(login, tries + 1, refreshed, d);
            }
            if let Some(o) = toolkit::transport_failure(&r, "Google's signing keys") {
                return Step::Done(o);
            }
            if !r.is_success() {
                return done_error(&["login: Google's signing keys could not be read"]);
            }
            after_keys(login, refreshed, &r.body)
        }
        (State::Verify { login }, Input::Verified(ok)) if LOGIN => {
            if !ok {
                return done_error(&["login: the ID token's signature is not valid; refusing to migrate"]);
            }
            match jwt::parse(&login.id_token) {
                Ok(t) => after_claims(ctx, login, &t.claims),
                Err(e) => done_error(&["login: ", &e]),
            }
        }
        (State::Account { login, tries }, Input::Reply(r)) if LOGIN => {
            if let Some(d) = retry::delay_ms(&r, tries, ctx.now_ms) {
                return account_step(ctx, login, tries + 1, d);
            }
            if !r.is_success() {
                return Step::Done(toolkit::lookup_failure(&r, "account lookup"));
            }
            Step::Done(after_account(ctx, &login, &r.body))
        }
        (State::Assertion { folded, input, tries, refreshed, delay_ms }, Input::Signed(Some(sig)))
            if GET_USER && assertion::is_signature(&sig) =>
        {
            let Some(account) = &ctx.cfg.service_account else {
                return done_error(&["internal: no service account outside the emulator"]);
            };
            let jwt = cat(&[&input, ".", &sig]);
            send(assertion::token_request(account, &jwt, refreshed).delayed(delay_ms), State::Token { folded, tries, refreshed })
        }
        (State::Assertion { .. }, Input::Signed(_)) => done_error(&[
            "setup: the host could not sign with `Service_Account_Private_Key`; it must be the private_key of the service account's JSON key (an RSA key)",
        ]),
        (State::Token { folded, tries, refreshed }, Input::Reply(r)) if GET_USER => {
            if let Some(d) = retry::delay_ms(&r, tries, ctx.now_ms) {
                return assertion_step(ctx, folded, tries + 1, refreshed, d);
            }
            match assertion::read_token(&r) {
                Ok(token) => lookup_step(ctx, folded, token, tries, refreshed, 0),
                Err(o) => Step::Done(o),
            }
        }
        (State::Lookup { folded, token, tries, refreshed }, Input::Reply(r)) if GET_USER => {
            if r.status == Some(401) && ctx.cfg.emulator.is_none() && !refreshed {
                // The cached token was refused (revoked, expired early): a fresh one, once.
                return assertion_step(ctx, folded, tries, true, 0);
            }
            if let Some(d) = retry::delay_ms(&r, tries, ctx.now_ms) {
                return lookup_step(ctx, folded, token, tries + 1, refreshed, d);
            }
            if !r.is_success() {
                return Step::Done(toolkit::lookup_failure(&r, "user lookup"));
            }
            Step::Done(account::decide(ctx.cfg, &folded, &r.body))
        }
        _ => done_error(&["internal: the shim answered a step with the wrong kind of input"]),
    }
}

fn after_sign_in(ctx: Ctx, folded: String, r: &Reply) -> Step {
    if !r.is_success() {
        return Step::Done(toolkit::sign_in_failure(r));
    }
    let v = json::parse(&r.body).unwrap_or_default();
    let field = |k: &str| v.get(k).and_then(Value::as_str).filter(|t| !t.is_empty()).map(str::to_string);
    let (Some(id_token), Some(uid)) = (field("idToken"), field("localId")) else {
        return done_error(&["password check: Firebase's reply has no idToken or localId"]);
    };
    let login = Box::new(Login { folded, id_token, uid });
    if ctx.cfg.emulator.is_some() {
        return match unsigned_claims(&login.id_token) {
            Ok(claims) => after_claims(ctx, login, &claims),
            Err(e) => done_error(&["password check: ", &e]),
        };
    }
    match jwt::parse(&login.id_token) {
        Ok(_) => keys_step(login, 0, false, 0),
        Err(e) => done_error(&["password check: ", &e, "; refusing to migrate"]),
    }
}

fn after_keys(login: Box<Login>, refreshed: bool, body: &str) -> Step {
    let token = match jwt::parse(&login.id_token) {
        Ok(t) => t,
        Err(e) => return done_error(&["password check: ", &e]),
    };
    match jwt::select_key(body, token.alg, token.kid.as_deref()) {
        Ok(KeyChoice::Found(jwk)) => {
            Step::Verify { jwk, input: token.signing_input, signature: token.signature, state: State::Verify { login } }
        }
        // A rotated key: the cached set is stale. Fetch it anew, once.
        Ok(KeyChoice::Unknown) if !refreshed => keys_step(login, 0, true, 0),
        Ok(KeyChoice::Unknown) => {
            done_error(&["login: Google does not publish the ID token's key for its algorithm; refusing to migrate"])
        }
        Err(e) => done_error(&["login: Google's signing keys: ", &e]),
    }
}

/// The emulator's unsigned ID token (`alg: none`, an empty signature): its claims, which are then
/// checked like a signed token's. Only reached with `Emulator_Host`, a loopback host.
pub fn unsigned_claims(token: &str) -> Result<Map, String> {
    let mut parts = token.split('.');
    let (Some(header), Some(payload), Some(""), None) = (parts.next(), parts.next(), parts.next(), parts.next()) else {
        return Err("the emulator's ID token is not an unsigned three-part JWT".to_string());
    };
    let object = |segment: &str| match base64url::decode(segment).and_then(|b| json::parse_bytes(&b)) {
        Some(Value::Object(m)) => Some(m),
        _ => None,
    };
    let head = object(header).ok_or("the emulator's ID token header is not a JSON object")?;
    if head.get("alg").and_then(Value::as_str) != Some("none") {
        return Err("the emulator's ID token names an algorithm but carries no signature".to_string());
    }
    object(payload).ok_or_else(|| "the emulator's ID token payload is not a JSON object".to_string())
}

/// The checks every ID token passes, signed or the emulator's: the shared claims checks (issuer,
/// audience = the project, times), `sub` the uid Firebase signed in, `email` the one typed.
fn after_claims(ctx: Ctx, login: Box<Login>, claims: &Map) -> Step {
    let issuer = ctx.cfg.issuer();
    if let Err(e) = jwt::check_claims(claims, &issuer, &ctx.cfg.project_id, ctx.now_s()) {
        return done_error(&["login: ", &e, " (Firebase project `Project_ID`); refusing to migrate"]);
    }
    if claims.get("sub").and_then(Value::as_str) != Some(login.uid.as_str()) {
        return done_error(&[
            "login: the ID token is about another user than the one signed in (`sub`); refusing to migrate",
        ]);
    }
    if !account::has_email(claims, &login.folded) {
        return done_error(&["login: the ID token's `email` is not the one typed; refusing to migrate"]);
    }
    account_step(ctx, login, 0, 0)
}

fn after_account(ctx: Ctx, login: &Login, body: &str) -> Outcome {
    let Some(found) = account::users(body) else {
        return Outcome::error("account lookup: Firebase's reply is not an account list (or too long)");
    };
    let [user] = found.as_slice() else {
        return Outcome::error("account lookup: Firebase returned no single account for the ID token");
    };
    if user.get("localId").and_then(Value::as_str) != Some(login.uid.as_str())
        || !account::has_email(user, &login.folded)
    {
        return Outcome::error(
            "account lookup: the account is another user than the one signed in; refusing to migrate",
        );
    }
    if account::is_disabled(user) {
        return Outcome::unauthorized("Your account is blocked. Please contact support.");
    }
    match account::profile(ctx.cfg, user) {
        Ok(p) => Outcome::Profile { profile: Box::new(p) },
        Err(e) => Outcome::error(cat(&["account lookup: ", &e])),
    }
}

#[cfg(test)]
#[path = "firebase/tests.rs"]
mod tests;
