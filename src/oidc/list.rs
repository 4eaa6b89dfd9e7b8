//! Listing a provider's users through the admin API get_user looks them up with, for the command
//! line's bulk `tail`, `status` and `retire` ([`crate::listing`]):
//!
//! - SCIM 2.0: `GET {SCIM_Base_URL}/Users?startIndex=&count=` (RFC 7644 3.4.2.4, 1-based), a
//!   ListResponse whose `totalResults` says when the last page is read;
//! - Keycloak: `GET {Base_URL}/admin/realms/{Realm}/users?first=&max=` (0-based), until a page
//!   comes back empty (a short page may be a server-side cap, not the end);
//! - Okta: `GET {Org_URL}/api/v1/users?limit=`, then the `Link: <..>; rel="next"` of each page
//!   until there is none. The link must stay on the org's Users API: the API token goes with it.
//!
//! SCIM and Keycloak are authenticated as get_user is (discovery, then a client-credentials token,
//! fetched again once after a 401), Okta with its `SSWS` API token. Each record is mapped by the
//! lookup's own reading ([`super::lookup`]: the claims the provider issues for that user, its
//! `active` / `enabled` / `status`) and [`super::claims::profile`], so a user imported in bulk has
//! the id and profile get_user gives. `Lookup` `none` names no API to list with: refused.

use super::lookup::{self, Standing};
use super::settings::{Lookup, OidcConfig};
use super::{claims, grant};
use crate::http::{Reply, Request};
use crate::json::{self, Map, Value};
use crate::listing::{import_of, limits, record, unmappable, Answer, State};
use crate::outcome::Outcome;
use crate::prelude::*;
use crate::retry;
use crate::text::{cat, num};

fn message(o: Outcome) -> String {
    match o {
        Outcome::Error { message } => message,
        _ => "unexpected reply".to_string(),
    }
}

/// The request for the page the state points at.
fn page_request(cfg: &OidcConfig, state: &State) -> Request {
    let offset = |first: u64| num(state.cursor.as_u64().unwrap_or(first));
    let per = num(limits::ADMIN_PAGE_USERS);
    let mut r = match &cfg.lookup {
        Lookup::Scim { base } => {
            let url = cat(&[base, "/Users?startIndex=", &offset(1), "&count=", &per]);
            Request::get_bearer("scim-list", url, &state.token, limits::PAGE_TIMEOUT_MS)
        }
        Lookup::Keycloak { admin } => {
            let url = cat(&[admin, "/users?first=", &offset(0), "&max=", &per, "&briefRepresentation=false"]);
            Request::get_bearer("keycloak-list", url, &state.token, limits::PAGE_TIMEOUT_MS)
        }
        Lookup::Okta { org, token } => {
            let url = match &state.cursor {
                Value::String(next) => next.clone(),
                _ => cat(&[org, "/api/v1/users?limit=", &num(limits::OKTA_PAGE_USERS)]),
            };
            let mut r = Request::get("okta-list", url, limits::PAGE_TIMEOUT_MS);
            r.headers.push(("authorization".to_string(), cat(&["SSWS ", token])));
            r
        }
        Lookup::None => Request::get("none", String::new(), 0),
    };
    r.headers.push(("accept".to_string(), "application/json".to_string()));
    r.max_body_bytes = limits::MAX_PAGE_BYTES;
    r
}

/// The next request, without a reply to read.
pub fn next(cfg: &OidcConfig, state: &mut State) -> Answer {
    if matches!(cfg.lookup, Lookup::None) {
        return Answer::Refused(
            "setting `Lookup` is `none`: no admin API is set to list the provider's users with; set Lookup to scim, keycloak or okta (with its settings)".to_string(),
        );
    }
    if state.done {
        return Answer::Done;
    }
    if state.at.is_empty() {
        state.at = if matches!(cfg.lookup, Lookup::Okta { .. }) { "page" } else { "discovery" }.to_string();
    }
    let r = match state.at.as_str() {
        "discovery" => {
            let url = cat(&[&cfg.issuer, "/.well-known/openid-configuration"]);
            Request::get("discovery", url, limits::PAGE_TIMEOUT_MS)
        }
        "token" => {
            let mut r = grant::client_token_request(cfg, &state.token_endpoint, true);
            r.cache = None;
            r
        }
        _ => page_request(cfg, state),
    };
    Answer::Send(r.delayed(state.delay_ms))
}

/// A reply: the next request (discovery and token read, a retry), a page of records, or why not.
pub fn read(cfg: &OidcConfig, state: &mut State, now_ms: u64, reply: &Reply, link: Option<String>) -> Answer {
    let by_token = !matches!(cfg.lookup, Lookup::Okta { .. });
    if state.at == "page" && by_token && reply.status == Some(401) && !state.refreshed {
        // The token expired during a long listing (or was revoked): a fresh one, once per page.
        state.refreshed = true;
        state.at = "token".to_string();
        return next(cfg, state);
    }
    if let Some(d) = retry::delay_ms(reply, state.tries, now_ms) {
        state.tries += 1;
        state.delay_ms = d;
        return next(cfg, state);
    }
    state.tries = 0;
    state.delay_ms = 0;
    match state.at.as_str() {
        "discovery" => {
            if let Some(o) = grant::transport_failure(reply, "discovery document") {
                return Answer::Error(message(o));
            }
            if !reply.is_success() {
                let status = num(reply.status.unwrap_or(0).into());
                return Answer::Error(cat(&["the provider's discovery document answered HTTP ", &status]));
            }
            match super::read_discovery(cfg, &reply.body) {
                Ok(p) => state.token_endpoint = p.token_endpoint,
                Err(e) => return Answer::Error(cat(&["setup: ", &e])),
            }
            state.at = "token".to_string();
            next(cfg, state)
        }
        "token" => match grant::read_client_token(reply) {
            Ok(t) => {
                state.token = t;
                state.at = "page".to_string();
                next(cfg, state)
            }
            Err(o) => Answer::Error(message(o)),
        },
        _ => {
            if let Some(o) = grant::transport_failure(reply, "user list") {
                return Answer::Error(message(o));
            }
            if !reply.is_success() {
                let o = lookup::failure(&cfg.lookup, reply.status.unwrap_or(0), &reply.body);
                return Answer::Error(message(o));
            }
            match page(cfg, state, &reply.body, link) {
                Ok(records) => Answer::Page(records),
                Err(e) => Answer::Error(cat(&["user list: ", &e])),
            }
        }
    }
}

/// The `rel="next"` URL of a `Link` header (RFC 8288), if any.
fn next_link(header: &str) -> Option<String> {
    header.split(',').find_map(|part| {
        let part = part.trim();
        let end = part.find('>')?;
        let url = part.strip_prefix('<')?.get(..end - 1)?;
        let params = part.get(end + 1..)?;
        params.split(';').any(|p| matches!(p.trim(), "rel=\"next\"" | "rel=next")).then(|| url.to_string())
    })
}

/// A successful page: its records mapped, and the state moved to the next page (or done).
fn page(cfg: &OidcConfig, state: &mut State, body: &str, link: Option<String>) -> Result<Vec<Value>, String> {
    if body.len() >= limits::MAX_PAGE_BYTES as usize {
        return Err(cat(&["the page is ", &num(limits::MAX_PAGE_BYTES.into()), " bytes or more; refused"]));
    }
    let bad = || "the provider's reply is not a user list".to_string();
    let v = json::parse(body).ok_or_else(bad)?;
    let (records, per): (&[Value], u64) = match (&cfg.lookup, &v) {
        (Lookup::Scim { .. }, Value::Object(_)) => match v.get("Resources") {
            Some(Value::Array(r)) => (r.as_slice(), limits::ADMIN_PAGE_USERS),
            None => (&[][..], limits::ADMIN_PAGE_USERS),
            _ => return Err(bad()),
        },
        (Lookup::Keycloak { .. }, Value::Array(r)) => (r.as_slice(), limits::ADMIN_PAGE_USERS),
        (Lookup::Okta { .. }, Value::Array(r)) => (r.as_slice(), limits::OKTA_PAGE_USERS),
        _ => return Err(bad()),
    };
    if records.len() as u64 > per {
        return Err(cat(&[
            "the page holds ",
            &num(records.len() as u64),
            " users, more than the ",
            &num(per),
            " asked for",
        ]));
    }
    let mapped = map_records(cfg, state.pages + 1, records);
    let first_id = records.first().and_then(|u| u.get("id")).and_then(Value::as_str).map(str::to_string);
    let n = records.len() as u64;
    match &cfg.lookup {
        Lookup::Scim { .. } => {
            let total = v.get("totalResults").and_then(Value::as_u64).ok_or_else(bad)?;
            let start = state.cursor.as_u64().unwrap_or(1);
            if n == 0 && start <= total {
                return Err(cat(&[
                    "the SCIM service counts ",
                    &num(total),
                    " users, but its page from startIndex ",
                    &num(start),
                    " is empty",
                ]));
            }
            state.read_page(mapped.len(), first_id)?;
            state.cursor = Value::int(start + n);
            state.done = n == 0 || start + n > total;
        }
        Lookup::Keycloak { .. } => {
            let first = state.cursor.as_u64().unwrap_or(0);
            state.read_page(mapped.len(), first_id)?;
            state.cursor = Value::int(first + n);
            // Only an empty page ends it: a server that serves fewer than `max` a page (a cap of
            // its own) must not end the list early, leaving the rest behind.
            state.done = n == 0;
        }
        Lookup::Okta { org, .. } => {
            state.read_page(mapped.len(), None)?;
            match link.as_deref().and_then(next_link) {
                Some(url) => {
                    if !url.starts_with(&cat(&[org, "/api/v1/users?"])) {
                        return Err(
                            "the next-page link leaves the org's Users API; refusing to send the API token there"
                                .to_string(),
                        );
                    }
                    if let Value::String(cur) = state.cursor.clone() {
                        state.remember(&cur)?;
                    }
                    if state.recent.contains(&url) {
                        return Err("the next page named is one already read; refusing to list in a loop".to_string());
                    }
                    state.cursor = Value::from(url);
                }
                None => state.done = true,
            }
        }
        Lookup::None => return Err(bad()),
    }
    Ok(mapped)
}

/// Each record as get_user reads it: its claims, its standing, then the profile.
fn map_records(cfg: &OidcConfig, page: u64, records: &[Value]) -> Vec<Value> {
    let mut names: Vec<&String> = cfg.user_metadata_claims.iter().collect();
    names.extend(&cfg.app_metadata_claims);
    let read: fn(&Value, &[&String]) -> (Map, Standing) = match cfg.lookup {
        Lookup::Scim { .. } => lookup::scim,
        Lookup::Keycloak { .. } => lookup::keycloak,
        _ => lookup::okta,
    };
    records
        .iter()
        .enumerate()
        .map(|(i, u)| {
            let (c, standing) = read(u, &names);
            let text = |k: &str| c.get(k).and_then(Value::as_str);
            let id = text("sub")
                .map_or_else(|| cat(&["(page ", &num(page), ", user ", &num(i as u64 + 1), ")"]), str::to_string);
            let import = match (standing, claims::profile(cfg, &c)) {
                (Err(why), _) => unmappable(&cat(&["user list: ", why])),
                (_, Err(e)) => unmappable(&cat(&["user list: ", &e])),
                (Ok(active), Ok(p)) => import_of(p.to_json(), !active),
            };
            record(&id, text("email"), import)
        })
        .collect()
}
