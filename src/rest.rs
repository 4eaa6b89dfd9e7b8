//! The rest source: users in a home-grown store behind the small HTTP contract we define
//! (`docs/rest-contract.md`; a reference implementation in `js/fakes/rest-store.js`).
//!
//! login:    sign -> `POST {Base_URL}{Verify_Path}` `{"identifier", "password"}` -> outcome
//! get_user: sign -> `POST {Base_URL}{Find_Path}` `{"identifier"}` -> outcome (retried)
//!
//! Each request is first signed ([`sign`]): the flow composes the text, asks the host for its
//! HMAC with a [`Step::Sign`], then sends the request with the two headers. The password check is
//! never repeated once sent (the store counts failures, as brute-force protection does); the
//! lookup is retried per [`crate::retry`], each attempt signed anew with a fresh timestamp. The
//! replies are read by [`contract`]; the settings and every limit are in [`settings`].
//!
//! The password is held in the flow's state for one step only, from the sign step to the request
//! that carries it; a released or failed call drops it with the state. The sign step hands the
//! host the signed text, body and password included, as the next step hands it the request: the
//! host sends that anyway, and neither is logged.

use crate::prelude::*;

pub mod contract;
// Listing every user is the command line's (the engine), never a script's: see src/lib.rs.
#[cfg(any(not(target_arch = "wasm32"), feature = "engine"))]
// The command line's listing of every user (crate::listing): the engine build only, on wasm32.
#[cfg(any(not(target_arch = "wasm32"), feature = "engine"))]
pub mod list;
pub mod settings;
pub mod sign;

use crate::boundary::Calls;
use crate::config::ConfigError;
use crate::http::{Request, API_TIMEOUT_MS, PASSWORD_TIMEOUT_MS};
use crate::json::{Map, Value};
use crate::outcome::Outcome;
use crate::retry;
use crate::slot::Slot;
use crate::source::Source;
use crate::step::{self, Input, SignRequest};
use contract::Call;
use settings::{limits::MAX_REPLY_BYTES, RestConfig};

/// What a step of these flows runs with.
pub type Ctx<'a> = step::Ctx<'a, RestConfig>;
/// What to do next, in these flows.
pub type Step = step::Step<State, SignRequest>;

/// Where a rest flow is waiting.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum State {
    /// Waiting for the host's HMAC of `request`, which then goes out and waits as `then`.
    Signing {
        /// The request, without its authentication headers yet (boxed: it is most of the state).
        request: Box<Request>,
        /// The time it is signed with, seconds since the epoch.
        timestamp_s: u64,
        /// What the reply will be waited for as.
        then: Waiting,
    },
    /// Waiting for the store's reply.
    Waiting(Waiting),
}

/// Which reply a rest flow waits for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Waiting {
    /// The password check's; never retried.
    Password {
        /// The identifier in lower case, to check the profile against.
        folded: String,
    },
    /// The lookup's.
    Find {
        /// The identifier as given, sent again on a retry.
        identifier: String,
        /// The identifier in lower case, to check the profile against.
        folded: String,
        /// Retries so far.
        tries: u8,
    },
}

/// The rest source, for [`crate::source`].
#[derive(Debug)]
pub struct Rest;

crate::slot::slot!(REST_CALLS: Calls<Rest>);

impl Source for Rest {
    type Config = RestConfig;
    type State = State;
    type Sign = SignRequest;
    const SIGNS: bool = true;
    fn settings(settings: &Map) -> Result<RestConfig, ConfigError> {
        RestConfig::from_settings(settings)
    }
    fn names_user(cfg: &RestConfig) -> bool {
        cfg.log_identifiers
    }
    fn start_login(ctx: Ctx, identifier: &str, folded: &str, password: &str) -> Step {
        let body = Value::object([("identifier", Value::from(identifier)), ("password", Value::from(password))]);
        let then = Waiting::Password { folded: folded.to_string() };
        signed(ctx, "verify-password", &ctx.cfg.verify_path, &body, PASSWORD_TIMEOUT_MS, 0, then)
    }
    fn start_get_user(ctx: Ctx, identifier: &str, folded: &str) -> Step {
        find(ctx, identifier.to_string(), folded.to_string(), 0, 0)
    }
    fn resume(ctx: Ctx, state: State, input: Input) -> Step {
        step::within_deadline(ctx, advance(ctx, state, input), advance)
    }
    fn calls() -> &'static Slot<Calls<Self>> {
        &REST_CALLS
    }
}

/// A signed `POST` of `body` to `endpoint`: first the sign step, then (in [`advance`]) the request.
fn signed(ctx: Ctx, label: &str, endpoint: &str, body: &Value, timeout_ms: u32, delay_ms: u32, then: Waiting) -> Step {
    let path = ctx.cfg.path(endpoint);
    let mut request = Request::post_json(label, crate::text::cat(&[&ctx.cfg.origin, &path]), body, timeout_ms);
    request.delay_ms = delay_ms;
    request.max_body_bytes = MAX_REPLY_BYTES;
    let timestamp_s = ctx.now_ms / 1000;
    let message = sign::signed_text("POST", &path, timestamp_s, request.body.as_deref().unwrap_or(""));
    Step::Sign {
        sign: SignRequest { key: ctx.cfg.secret.clone(), message },
        state: State::Signing { request: Box::new(request), timestamp_s, then },
    }
}

fn find(ctx: Ctx, identifier: String, folded: String, tries: u8, delay_ms: u32) -> Step {
    let body = Value::object([("identifier", Value::from(identifier.as_str()))]);
    let then = Waiting::Find { identifier, folded, tries };
    signed(ctx, "find-user", &ctx.cfg.find_path, &body, API_TIMEOUT_MS, delay_ms, then)
}

fn advance(ctx: Ctx, state: State, input: Input) -> Step {
    match (state, input) {
        (State::Signing { mut request, timestamp_s, then }, Input::Signed(Some(mac))) if sign::is_mac(&mac) => {
            request.headers.extend(sign::headers(timestamp_s, &mac));
            Step::Send { request: *request, state: State::Waiting(then) }
        }
        (State::Signing { .. }, Input::Signed(_)) => {
            Step::Done(Outcome::error("internal: the host could not compute the request's signature"))
        }
        (State::Waiting(Waiting::Password { folded }), Input::Reply(r)) => {
            Step::Done(contract::read(&r, Call::Login, &folded))
        }
        (State::Waiting(Waiting::Find { identifier, folded, tries }), Input::Reply(r)) => {
            match retry::delay_ms(&r, tries, ctx.now_ms) {
                Some(d) => find(ctx, identifier, folded, tries + 1, d),
                None => Step::Done(contract::read(&r, Call::GetUser, &folded)),
            }
        }
        _ => Step::Done(Outcome::error("internal: the shim answered a step with the wrong kind of input")),
    }
}

#[cfg(test)]
#[path = "rest/tests.rs"]
mod tests;
