//! Where users come from. A source is a module of this crate with its own settings and its own
//! login and get_user state machines; everything else is shared: the step protocol
//! ([`crate::step`]), the boundary ([`crate::boundary`]), retries ([`crate::retry`]), outcomes
//! ([`crate::outcome`]), the profile type ([`crate::profile`]), the shim and the build.
//!
//! - [`Auth0`]: another Auth0 tenant (the flows of [`crate::flow`]), cargo feature `source-auth0`
//!   (the default);
//! - [`crate::rest::Rest`]: a user store behind our own small HTTP contract (`docs/rest-contract.md`),
//!   cargo feature `source-rest`;
//! - [`crate::oidc::Oidc`]: an OpenID provider with the password grant and an admin API for
//!   lookups (`docs/oidc-source.md`), cargo feature `source-oidc`.
//! - [`crate::cognito::Cognito`]: an Amazon Cognito user pool (`docs/cognito-source.md`), cargo
//!   feature `source-cognito`.
//! - [`crate::firebase::Firebase`]: Firebase Authentication (`docs/firebase-source.md`), cargo
//!   feature `source-firebase`.
//!
//! The feature picks [`Active`], the source the wasm exports run. All the modules compile in every
//! build (so `cargo test` covers both), but the exports reach only the active one, so the linker
//! drops the other: each script's wasm carries its own source's code only (checked on the built
//! scripts by `tests/js/rest-source.test.js` and `tests/js/oidc-source.test.js`).

use crate::boundary::Calls;
use crate::config::ConfigError;
use crate::json::Map;
use crate::slot::Slot;
use crate::step::{Ctx, Input, SignKind, Step};

/// One place users come from: its settings and its two flows, as the boundary drives them.
pub trait Source: Sized + 'static {
    /// The validated settings one call runs with (kept in wasm memory between steps).
    type Config;
    /// Where a flow of this source waits between steps.
    type State;
    /// What its sign steps carry ([`NoSign`](crate::step::NoSign) for a source that never signs).
    type Sign: SignKind;
    /// Whether its flows ever ask for a signature (the boundary reads `signed` only then).
    const SIGNS: bool;
    /// Validates the dashboard settings; the error names the key and the fix.
    fn settings(settings: &Map) -> Result<Self::Config, ConfigError>;
    /// Whether the log line may name the user (`Log_Identifiers`).
    fn names_user(cfg: &Self::Config) -> bool;
    /// Starts a login. `identifier` is as typed, `folded` in lower case (by the host).
    fn start_login(
        ctx: Ctx<Self::Config>,
        identifier: &str,
        folded: &str,
        password: &str,
    ) -> Step<Self::State, Self::Sign>;
    /// Starts a get_user.
    fn start_get_user(ctx: Ctx<Self::Config>, identifier: &str, folded: &str) -> Step<Self::State, Self::Sign>;
    /// Continues a flow with what the host reports.
    fn resume(ctx: Ctx<Self::Config>, state: Self::State, input: Input) -> Step<Self::State, Self::Sign>;
    /// This source's calls in progress (a [`crate::slot`] of its own: statics cannot be generic).
    fn calls() -> &'static Slot<Calls<Self>>;
}

/// Another Auth0 tenant: the password grant, the ID token, the Management API ([`crate::flow`]).
#[derive(Debug)]
#[cfg(any(not(target_arch = "wasm32"), feature = "source-auth0"))]
pub struct Auth0;

#[cfg(any(not(target_arch = "wasm32"), feature = "source-auth0"))]
crate::slot::slot!(AUTH0_CALLS: Calls<Auth0>);

#[cfg(any(not(target_arch = "wasm32"), feature = "source-auth0"))]
impl Source for Auth0 {
    type Config = crate::config::Config;
    type State = crate::flow::State;
    type Sign = crate::step::NoSign;
    const SIGNS: bool = false;
    fn settings(settings: &Map) -> Result<Self::Config, ConfigError> {
        crate::config::Config::from_settings(settings)
    }
    fn names_user(cfg: &Self::Config) -> bool {
        cfg.log_identifiers
    }
    fn start_login(ctx: Ctx<Self::Config>, identifier: &str, folded: &str, password: &str) -> Step<Self::State> {
        crate::flow::start_login(ctx, identifier, folded, password)
    }
    fn start_get_user(ctx: Ctx<Self::Config>, _identifier: &str, folded: &str) -> Step<Self::State> {
        crate::flow::start_get_user(ctx, folded)
    }
    fn resume(ctx: Ctx<Self::Config>, state: Self::State, input: Input) -> Step<Self::State> {
        crate::flow::resume(ctx, state, input)
    }
    fn calls() -> &'static Slot<Calls<Self>> {
        &AUTH0_CALLS
    }
}

/// The source this build's exports run: `source-auth0` when it is on (the default), else `source-rest`.
#[cfg(feature = "source-auth0")]
pub type Active = Auth0;
/// The source this build's exports run: `source-auth0` when it is on (the default), else `source-rest`.
#[cfg(all(feature = "source-rest", not(feature = "source-auth0")))]
pub type Active = crate::rest::Rest;
/// The source this build's exports run: `source-oidc` when neither of the others is on.
#[cfg(all(feature = "source-oidc", not(any(feature = "source-auth0", feature = "source-rest"))))]
pub type Active = crate::oidc::Oidc;
/// The source this build's exports run: `source-cognito` when none of the above is on.
#[cfg(all(
    feature = "source-cognito",
    not(any(feature = "source-auth0", feature = "source-rest", feature = "source-oidc"))
))]
pub type Active = crate::cognito::Cognito;
/// The source this build's exports run: `source-firebase` when none of the above is on.
#[cfg(all(
    feature = "source-firebase",
    not(any(feature = "source-auth0", feature = "source-rest", feature = "source-oidc", feature = "source-cognito"))
))]
pub type Active = crate::firebase::Firebase;
#[cfg(not(any(
    feature = "source-auth0",
    feature = "source-rest",
    feature = "source-oidc",
    feature = "source-cognito",
    feature = "source-firebase"
)))]
compile_error!(
    "build with a source: the `source-auth0` feature (the default), `source-rest`, `source-oidc`, `source-cognito` or `source-firebase`"
);
