//! The step protocol every source shares: what a flow asks the host to do next ([`Step`]), what
//! the host reports back ([`Input`]), what a step runs with ([`Ctx`]), and the call's deadline
//! ([`within_deadline`]). A source ([`crate::source`]) brings its own settings and its own flow
//! state; the shim, the boundary and the time rules below are the same for all of them.

use crate::http::{Reply, Request};
use crate::json::Value;
use crate::outcome::Outcome;
use crate::prelude::*;

/// A backoff must leave at least this much of the deadline to send the request in.
pub const MIN_SEND_MS: u64 = 100;

/// What a step runs with: the source's validated settings, the host's clock and the call's deadline.
#[derive(Debug)]
pub struct Ctx<'a, C> {
    /// Validated settings.
    pub cfg: &'a C,
    /// The host's time, milliseconds since the epoch.
    pub now_ms: u64,
    /// When the call must have its outcome (its start plus [`crate::http::DEADLINE_MS`]), on the same clock.
    pub deadline_ms: u64,
}

// By hand: a derive would ask `C: Copy`, and the settings are not (they hold strings).
impl<C> Clone for Ctx<'_, C> {
    fn clone(&self) -> Self {
        *self
    }
}
impl<C> Copy for Ctx<'_, C> {}

impl<C> Ctx<'_, C> {
    /// The host's time in whole seconds.
    pub fn now_s(&self) -> i64 {
        (self.now_ms / 1000) as i64
    }
}

/// What the host reports back.
#[derive(Debug, Clone, PartialEq)]
pub enum Input {
    /// The reply to the last [`Step::Send`].
    Reply(Reply),
    /// The verdict on the last [`Step::Verify`].
    Verified(bool),
    /// The HMAC-SHA256 the last [`Step::Sign`] asked for, in lower-case hex (`None`: the host could not).
    Signed(Option<String>),
}

/// What a [`Step::Sign`] asks of the host: HMAC-SHA256 of `message` with the UTF-8 bytes of `key`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SignRequest {
    /// The shared secret.
    pub key: String,
    /// The exact text to sign.
    pub message: String,
}

/// What a source's [`Step::Sign`] carries: [`SignRequest`] for a source that signs its requests,
/// [`NoSign`] for one that never does.
pub trait SignKind {
    /// The request, for the boundary to render.
    fn into_request(self) -> SignRequest;
}

impl SignKind for SignRequest {
    fn into_request(self) -> SignRequest {
        self
    }
}

/// The sign request of a source that never signs (the auth0 source): it has no value, so a
/// `Step::Sign` of that source cannot exist and the compiler drops every path for one from its
/// wasm (measured: the sign step otherwise cost the auth0 scripts' wasm 114 bytes).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NoSign {}

impl SignKind for NoSign {
    fn into_request(self) -> SignRequest {
        match self {}
    }
}

/// What to do next, for a flow whose state is `S` and whose sign requests are `K`.
#[derive(Debug, Clone, PartialEq)]
pub enum Step<S, K = NoSign> {
    /// Send `request`, then resume with `state` and [`Input::Reply`].
    Send {
        /// The request.
        request: Request,
        /// Where to pick up.
        state: S,
    },
    /// Check the signature `signature` (base64url) of `input` with the public key `jwk` by the
    /// algorithm its `alg` names (RS256 or ES256, see [`crate::jwt::KeyChoice`]), then resume
    /// with `state` and [`Input::Verified`].
    Verify {
        /// `{"kty": "RSA", "n", "e", "alg": "RS256"}` or `{"kty": "EC", "crv", "x", "y", "alg": "ES256"}`.
        jwk: Value,
        /// The signed text (`header.payload`).
        input: String,
        /// The signature, base64url.
        signature: String,
        /// Where to pick up.
        state: S,
    },
    /// Compute the HMAC-SHA256 `sign` asks for, then resume with `state` and [`Input::Signed`].
    /// The host's crypto does the hashing: in Rust it would cost the script about 3.3 KB
    /// (measured in [`crate::rest::sign`]).
    Sign {
        /// What to sign, with which key.
        sign: K,
        /// Where to pick up.
        state: S,
    },
    /// Call Auth0's callback according to the outcome.
    Done(Outcome),
}

/// Whether this build runs logins: not in a get_user script's own module (`script-get-user`; the
/// oidc, firebase and cognito sources build one module per script, each without the other's flow).
pub const RUNS_LOGIN: bool = !cfg!(feature = "script-get-user");
/// Whether this build runs lookups: not in a login script's own module (`script-login`).
pub const RUNS_GET_USER: bool = !cfg!(feature = "script-login");

/// Ends a flow with an Error whose message is the pieces of `text`, joined.
pub fn done_error<S, K>(text: &[&str]) -> Step<S, K> {
    Step::Done(Outcome::error(crate::text::cat(text)))
}

/// A script's module asked for the other script's flow (a shim or build mistake, never a user's).
pub fn wrong_script<S, K>() -> Step<S, K> {
    done_error(&["internal: this script's module does not run that operation"])
}

/// A request leaves only if it fits in what is left of the call: its backoff must leave at least
/// [`MIN_SEND_MS`] (without one, any time left will do), and its timeout is cut to the rest. One
/// that does not fit is answered at once as a request that met the deadline is (through
/// `advance`, the source's own transition), which ends the flow: a `deadline` failure is never
/// retried. Other steps pass unchanged.
pub fn within_deadline<C, S, K>(
    ctx: Ctx<C>,
    step: Step<S, K>,
    advance: fn(Ctx<C>, S, Input) -> Step<S, K>,
) -> Step<S, K> {
    let Step::Send { mut request, state } = step else { return step };
    let left = ctx.deadline_ms.saturating_sub(ctx.now_ms);
    let delay = u64::from(request.delay_ms);
    let fits = if delay > 0 { delay + MIN_SEND_MS < left } else { left > 0 };
    if !fits {
        return match advance(ctx, state, Input::Reply(Reply::failed("deadline"))) {
            Step::Done(o) => Step::Done(o),
            _ => Step::Done(Outcome::error("internal: a flow went on after its deadline")),
        };
    }
    request.timeout_ms = u64::from(request.timeout_ms).min(left - delay) as u32;
    Step::Send { request, state }
}
