//! The oidc source: users at any OpenID provider that allows the password grant (Keycloak, Okta,
//! and others), with get_user through an admin API ([`lookup`]: SCIM 2.0, Keycloak's admin REST
//! API or Okta's Users API). `docs/oidc-source.md` has the setup and the outcome table.
//!
//! login:    discovery -> password grant (never retried) -> JWKS (again once on an unknown `kid`)
//!           -> signature verified by the host -> claims checked -> userinfo (`sub` must match)
//!           -> profile ([`claims`])
//! get_user: discovery -> client-credentials token (cached) -> lookup (SCIM, Keycloak);
//!           the Okta lookup at once with its API token; `Lookup` `none` is an Error.
//!
//! The ID token is checked by the auth0 source's own code ([`crate::jwt`]: the key by `kid`, RS256
//! or ES256 matched to the key's type, issuer, audience, times with 60 s of skew); the issuer it
//! must name is the discovery document's, which must itself be the `Issuer` setting (OpenID
//! Connect Discovery 4.3), so a document served elsewhere cannot name another issuer.
//!
//! The password is held in the flow's state from the start to the password grant: discovery comes
//! first because the token endpoint is in it (usually answered from the host's cache, without a
//! request). A released or failed call drops it with the state; it is never logged.

use crate::prelude::*;

pub mod claims;
pub mod grant;
// Listing every user is the command line's (the engine), never a script's: see src/lib.rs.
#[cfg(any(not(target_arch = "wasm32"), feature = "engine"))]
// The command line's listing of every user (crate::listing): the engine build only, on wasm32.
#[cfg(any(not(target_arch = "wasm32"), feature = "engine"))]
pub mod list;
pub mod lookup;
pub mod settings;

use crate::boundary::Calls;
use crate::config::ConfigError;
use crate::http::{CacheHint, Reply, Request, API_TIMEOUT_MS};
use crate::json::{self, Map, Value};
use crate::jwt::{self, KeyChoice};
use crate::outcome::Outcome;
use crate::retry;
use crate::slot::Slot;
use crate::source::Source;
use crate::step::{self, done_error, wrong_script, Input, NoSign, RUNS_GET_USER as GET_USER, RUNS_LOGIN as LOGIN};
use crate::text::{cat, num};
use settings::{limits, Lookup, OidcConfig};

/// What a step of these flows runs with.
pub type Ctx<'a> = step::Ctx<'a, OidcConfig>;
/// What to do next, in these flows.
pub type Step = step::Step<State, NoSign>;

/// What the discovery document says, as the flows use it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Provider {
    /// `issuer`, exactly as the document has it (the ID token's `iss` must equal it).
    pub issuer: String,
    /// Where the signing keys are.
    pub jwks_uri: String,
    /// Where the grants go.
    pub token_endpoint: String,
    /// Where userinfo is, when the provider has one.
    pub userinfo_endpoint: Option<String>,
}

/// What the discovery document is fetched for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Job {
    /// A login: the password grant follows.
    Login {
        /// As typed (sent to the provider).
        identifier: String,
        /// In lower case (to check the claims against).
        folded: String,
        /// Held until the password grant leaves.
        password: String,
    },
    /// A get_user: the client-credentials token follows.
    GetUser {
        /// In lower case.
        folded: String,
    },
}

/// A login after its password grant succeeded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Login {
    /// In lower case.
    pub folded: String,
    /// The unverified ID token.
    pub id_token: String,
    /// The grant's access token, for userinfo.
    pub access_token: Option<String>,
    /// The discovery document.
    pub provider: Provider,
}

/// Where an oidc flow is waiting.
#[derive(Debug, Clone, PartialEq)]
pub enum State {
    /// For the discovery document.
    Discovery {
        /// What for.
        job: Job,
        /// Retries so far.
        tries: u8,
    },
    /// For the password grant's reply.
    Grant {
        /// In lower case.
        folded: String,
        /// The discovery document.
        provider: Box<Provider>,
    },
    /// For the JWKS.
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
    /// For userinfo.
    Userinfo {
        /// In lower case.
        folded: String,
        /// The verified ID token's claims.
        claims: Map,
        /// The access token.
        access_token: String,
        /// Where userinfo is.
        url: String,
        /// Retries so far.
        tries: u8,
    },
    /// For a client-credentials token.
    Token {
        /// In lower case.
        folded: String,
        /// Where the token comes from.
        token_endpoint: String,
        /// Retries so far (token and lookup together).
        tries: u8,
        /// Whether a fresh token was already forced (after a 401).
        refreshed: bool,
    },
    /// For the lookup.
    Lookup {
        /// In lower case.
        folded: String,
        /// Where a token comes from (empty for Okta, whose API token is a setting).
        token_endpoint: String,
        /// Retries so far.
        tries: u8,
        /// Whether a fresh token was already forced.
        refreshed: bool,
    },
}

/// The oidc source, for [`crate::source`].
#[derive(Debug)]
pub struct Oidc;

crate::slot::slot!(OIDC_CALLS: Calls<Oidc>);

impl Source for Oidc {
    type Config = OidcConfig;
    type State = State;
    type Sign = NoSign;
    const SIGNS: bool = false;
    fn settings(settings: &Map) -> Result<OidcConfig, ConfigError> {
        OidcConfig::from_settings(settings)
    }
    fn names_user(cfg: &OidcConfig) -> bool {
        cfg.log_identifiers
    }
    fn start_login(ctx: Ctx, identifier: &str, folded: &str, password: &str) -> Step {
        if !LOGIN {
            return wrong_script();
        }
        let job = Job::Login {
            identifier: identifier.to_string(),
            folded: folded.to_string(),
            password: password.to_string(),
        };
        within_deadline(ctx, discovery_step(ctx, job, 0, 0))
    }
    fn start_get_user(ctx: Ctx, _identifier: &str, folded: &str) -> Step {
        if !GET_USER {
            return wrong_script();
        }
        let folded = folded.to_string();
        let step = match &ctx.cfg.lookup {
            Lookup::None => Step::Done(Outcome::error(
                "get_user: setting `Lookup` is `none`, so this source cannot tell whether a user exists; set it to scim, keycloak or okta (answering \"not found\" would let anyone sign up or reset with an email the provider has)",
            )),
            Lookup::Okta { .. } => lookup_step(ctx, folded, String::new(), "", 0, false, 0),
            _ => discovery_step(ctx, Job::GetUser { folded }, 0, 0),
        };
        within_deadline(ctx, step)
    }
    fn resume(ctx: Ctx, state: State, input: Input) -> Step {
        within_deadline(ctx, advance(ctx, state, input))
    }
    fn calls() -> &'static Slot<Calls<Self>> {
        &OIDC_CALLS
    }
}

fn within_deadline(ctx: Ctx, step: Step) -> Step {
    step::within_deadline(ctx, step, advance)
}

fn send(request: Request, state: State) -> Step {
    Step::Send { request, state }
}

fn metadata_hint(key: String, refresh: bool) -> CacheHint {
    CacheHint { key, ttl_s: limits::METADATA_TTL_S, ttl_field: None, early_s: 0, refresh }
}

fn discovery_step(ctx: Ctx, job: Job, tries: u8, delay: u32) -> Step {
    let url = cat(&[&ctx.cfg.issuer, "/.well-known/openid-configuration"]);
    let request = Request::get("discovery", url, API_TIMEOUT_MS)
        .cached(metadata_hint(cat(&["oidc-discovery|", &ctx.cfg.issuer]), false))
        .delayed(delay);
    send(request, State::Discovery { job, tries })
}

fn keys_step(login: Box<Login>, tries: u8, refreshed: bool, delay: u32) -> Step {
    let uri = &login.provider.jwks_uri;
    let request = Request::get("jwks", uri.clone(), API_TIMEOUT_MS)
        .cached(metadata_hint(cat(&["jwks|", uri]), refreshed))
        .delayed(delay);
    send(request, State::Keys { login, tries, refreshed })
}

fn token_step(ctx: Ctx, folded: String, token_endpoint: String, tries: u8, refreshed: bool, delay: u32) -> Step {
    let request = grant::client_token_request(ctx.cfg, &token_endpoint, refreshed).delayed(delay);
    send(request, State::Token { folded, token_endpoint, tries, refreshed })
}

fn lookup_step(
    ctx: Ctx,
    folded: String,
    token_endpoint: String,
    token: &str,
    tries: u8,
    refreshed: bool,
    delay: u32,
) -> Step {
    let request = lookup::request(&ctx.cfg.lookup, &folded, token).delayed(delay);
    send(request, State::Lookup { folded, token_endpoint, tries, refreshed })
}

fn userinfo_step(folded: String, claims: Map, access_token: String, url: String, tries: u8, delay: u32) -> Step {
    let mut request = Request::get_bearer("userinfo", url.clone(), &access_token, API_TIMEOUT_MS).delayed(delay);
    request.max_body_bytes = limits::MAX_REPLY_BYTES;
    send(request, State::Userinfo { folded, claims, access_token, url, tries })
}

/// The discovery document's fields, each an `https://` URL, its issuer the `Issuer` setting.
pub fn read_discovery(cfg: &OidcConfig, body: &str) -> Result<Provider, String> {
    let (issuer, jwks_uri) = jwt::discovery(body)?;
    if issuer.strip_suffix('/').unwrap_or(&issuer) != cfg.issuer {
        return Err("the discovery document names another issuer than the `Issuer` setting".to_string());
    }
    let v = json::parse(body).unwrap_or_default();
    let url = |k: &str| v.get(k).and_then(Value::as_str).map(str::to_string);
    let https = |u: &Option<String>| u.as_ref().is_none_or(|u| u.starts_with("https://"));
    let token_endpoint = url("token_endpoint").filter(|u| u.starts_with("https://"));
    let userinfo_endpoint = url("userinfo_endpoint");
    match token_endpoint {
        Some(token_endpoint) if https(&userinfo_endpoint) => {
            Ok(Provider { issuer, jwks_uri, token_endpoint, userinfo_endpoint })
        }
        _ => Err("the discovery document has no https `token_endpoint` (or userinfo)".to_string()),
    }
}

fn advance(ctx: Ctx, state: State, input: Input) -> Step {
    match (state, input) {
        (State::Discovery { job, tries }, Input::Reply(r)) => {
            if let Some(d) = retry::delay_ms(&r, tries, ctx.now_ms) {
                return discovery_step(ctx, job, tries + 1, d);
            }
            if let Some(o) = upstream(&r, "discovery document") {
                return Step::Done(o);
            }
            let provider = match read_discovery(ctx.cfg, &r.body) {
                Ok(p) => p,
                Err(e) => return done_error(&["setup: ", &e]),
            };
            match job {
                Job::Login { identifier, folded, password } if LOGIN => send(
                    grant::password_request(ctx.cfg, &provider.token_endpoint, &identifier, &password),
                    State::Grant { folded, provider: Box::new(provider) },
                ),
                Job::Login { .. } => wrong_script(),
                Job::GetUser { folded } if GET_USER => token_step(ctx, folded, provider.token_endpoint, 0, false, 0),
                Job::GetUser { .. } => wrong_script(),
            }
        }
        // Each script's module keeps its own arms only: a constant guard drops the others.
        (State::Grant { folded, provider }, Input::Reply(r)) if LOGIN => after_grant(folded, *provider, &r),
        (State::Keys { login, tries, refreshed }, Input::Reply(r)) if LOGIN => {
            if let Some(d) = retry::delay_ms(&r, tries, ctx.now_ms) {
                return keys_step(login, tries + 1, refreshed, d);
            }
            if let Some(o) = upstream(&r, "signing keys (JWKS)") {
                return Step::Done(o);
            }
            after_keys(login, refreshed, &r.body)
        }
        (State::Verify { login }, Input::Verified(ok)) if LOGIN => after_verify(ctx, *login, ok),
        (State::Userinfo { folded, claims, access_token, url, tries }, Input::Reply(r)) if LOGIN => {
            if let Some(d) = retry::delay_ms(&r, tries, ctx.now_ms) {
                return userinfo_step(folded, claims, access_token, url, tries + 1, d);
            }
            if let Some(o) = grant::transport_failure(&r, "userinfo") {
                return Step::Done(o);
            }
            if !r.is_success() {
                return done_error(&[
                    "login: userinfo refused the grant's access token (HTTP ",
                    &num(r.status.unwrap_or(0).into()),
                    "); check `Scope`",
                ]);
            }
            let info = match json::parse(&r.body) {
                Some(Value::Object(m)) => m,
                _ => return done_error(&["login: userinfo is not a JSON object (or too long)"]),
            };
            if info.get("sub").is_none() || info.get("sub") != claims.get("sub") {
                return done_error(&["login: userinfo is about another user (`sub`); refusing to migrate"]);
            }
            finish(ctx, &folded, claims::merge(claims, &info))
        }
        (State::Token { folded, token_endpoint, tries, refreshed }, Input::Reply(r)) if GET_USER => {
            if let Some(d) = retry::delay_ms(&r, tries, ctx.now_ms) {
                return token_step(ctx, folded, token_endpoint, tries + 1, refreshed, d);
            }
            match grant::read_client_token(&r) {
                Ok(token) => lookup_step(ctx, folded, token_endpoint, &token, tries, refreshed, 0),
                Err(o) => Step::Done(o),
            }
        }
        (State::Lookup { folded, token_endpoint, tries, refreshed }, Input::Reply(r)) if GET_USER => {
            let by_token = !token_endpoint.is_empty();
            if by_token && r.status == Some(401) && !refreshed {
                // The cached token was refused (expired early, revoked): a fresh one, once.
                return token_step(ctx, folded, token_endpoint, tries, true, 0);
            }
            if let Some(d) = retry::delay_ms(&r, tries, ctx.now_ms) {
                return if by_token {
                    // Back through the token step: it answers from the cache, then the lookup is resent.
                    token_step(ctx, folded, token_endpoint, tries + 1, refreshed, d)
                } else {
                    lookup_step(ctx, folded, token_endpoint, "", tries + 1, refreshed, d)
                };
            }
            if let Some(o) = grant::transport_failure(&r, "user lookup") {
                return Step::Done(o);
            }
            match r.status {
                Some(200..=299) => Step::Done(lookup::decide(ctx.cfg, &folded, &r.body)),
                s => Step::Done(lookup::failure(&ctx.cfg.lookup, s.unwrap_or(0), &r.body)),
            }
        }
        _ => done_error(&["internal: the shim answered a step with the wrong kind of input"]),
    }
}

/// A transport failure, or a reply that is not a success, as an Error.
fn upstream(r: &Reply, what: &str) -> Option<Outcome> {
    grant::transport_failure(r, what).or_else(|| {
        (!r.is_success()).then(|| {
            Outcome::error(cat(&[
                "login: the provider's ",
                what,
                " answered HTTP ",
                &num(r.status.unwrap_or(0).into()),
            ]))
        })
    })
}

fn after_grant(folded: String, provider: Provider, r: &Reply) -> Step {
    if !r.is_success() {
        return Step::Done(grant::password_failure(r));
    }
    let v = json::parse(&r.body).unwrap_or_default();
    let field = |k: &str| v.get(k).and_then(Value::as_str).filter(|t| !t.is_empty()).map(str::to_string);
    let Some(id_token) = field("id_token") else {
        return done_error(&["password check: no id_token in the reply; check `Scope`"]);
    };
    if let Err(e) = jwt::parse(&id_token) {
        return done_error(&["password check: ", &e]);
    }
    keys_step(Box::new(Login { folded, id_token, access_token: field("access_token"), provider }), 0, false, 0)
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
            done_error(&["login: the ID token's key is not published for its algorithm; refusing to migrate"])
        }
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
    // The same checks as the auth0 source's, worded for any issuer.
    if let Err(e) = jwt::check_claims(&claims, &login.provider.issuer, &ctx.cfg.client_id, ctx.now_s()) {
        return done_error(&["login: ", &e, "; refusing to migrate"]);
    }
    if claims.get("sub").and_then(Value::as_str).is_none_or(str::is_empty) {
        return done_error(&["login: the ID token has no `sub`"]);
    }
    match (login.provider.userinfo_endpoint, login.access_token) {
        (Some(url), Some(token)) => userinfo_step(login.folded, claims, token, url, 0, 0),
        _ => finish(ctx, &login.folded, claims),
    }
}

fn finish(ctx: Ctx, folded: &str, claims: Map) -> Step {
    if !claims::names_user(&claims, folded) {
        return done_error(&[
            "login: the claims are about another user (`email`, `preferred_username`); refusing to migrate",
        ]);
    }
    match claims::profile(ctx.cfg, &claims) {
        Ok(p) => Step::Done(Outcome::Profile { profile: Box::new(p) }),
        Err(e) => done_error(&["login: ", &e]),
    }
}

#[cfg(test)]
#[path = "oidc/tests.rs"]
mod tests;
