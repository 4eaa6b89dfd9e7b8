//! Listing every user of a source other than an Auth0 tenant, for the command line's `tail`,
//! `status` and `retire` (an Auth0 tenant is listed by an export job instead). The host does the
//! I/O; every decision is here: which request comes next (URL, query, page size, cursor), how it is
//! authenticated, what a page reply means, when the listing is over, and how each listed record
//! maps to the user Auth0 imports - the same mapping the source's scripts return at login and
//! get_user ([`crate::rest::contract::profile`], [`crate::oidc::lookup`] + [`crate::oidc::claims`]).
//!
//! One step at a time, with the state carried by the host (the engine runs in Node, where the
//! scripts' in-wasm call table would only add bookkeeping; the state holds a short-lived admin
//! token at most, never a setting's secret):
//!
//! - `{"source", "settings", "state": null | <from the last answer>, "now_ms", "reply"?, "signed"?}`
//! - -> `{"sign": {"message", "key_setting"}, "state"}`: the host answers with `"signed"`, the hex
//!   HMAC-SHA256 of `message` keyed with the setting `key_setting` (the rest contract's rule);
//! - -> `{"sign": {"message", "alg": "RS256", "key"}, "state"}`: the host answers with `"signed"`,
//!   the base64url RS256 signature of `message` with the PEM `key` (firebase's assertion);
//! - -> `{"send": {"request"}, "state"}`: the host sends it and answers with `"reply"`
//!   (`{status, body, headers: {retry-after, x-ratelimit-reset, link}}` or `{failure}`), the body
//!   read up to the request's `max_body_bytes`;
//! - -> `{"page": {"records": [{"id", "email", "import": {"user", "skip"?} | {"error"}}]}, "state"}`:
//!   the host keeps the records, then asks again without a reply;
//! - -> `{"done": {"pages", "users"}}`, `{"error": ".."}` (the listing failed: nothing listed may be
//!   used), or `{"refused": ".."}` (this source, as set up, cannot list its users, and why).
//!
//! Hostile replies end the listing with an error, never with a short list read as complete (a user
//! missing from the list would be left behind by `retire`): a malformed or oversized page, a page
//! holding more users than asked, a next cursor or link seen before, a provider that ignores the
//! page offset (the same first user twice), more than [`limits::MAX_PAGES`] pages.

use crate::cognito::settings::CognitoConfig;
use crate::firebase::settings::FirebaseConfig;
use crate::http::Reply;
use crate::json::{Map, Value};
use crate::oidc::settings::OidcConfig;
use crate::prelude::*;
use crate::rest::settings::RestConfig;
use crate::text::{cat, num};

/// The listing's numbers.
pub mod limits {
    /// Users asked for per page of the rest contract's list call.
    pub const REST_PAGE_USERS: u64 = 100;
    /// Users asked for per page of a SCIM service (`count`) or Keycloak (`max`).
    pub const ADMIN_PAGE_USERS: u64 = 100;
    /// Users asked for per page of Okta's Users API (`limit`; Okta allows up to 200).
    pub const OKTA_PAGE_USERS: u64 = 200;
    /// The most of one page reply the host reads; a reply this long or longer is refused as
    /// oversized (100 users of a few KB each stay far below it).
    pub const MAX_PAGE_BYTES: u32 = 4_194_304;
    /// The most pages one listing reads (20 million users at 100 a page): a source that never says
    /// "last page" ends with an error instead of running forever.
    pub const MAX_PAGES: u64 = 200_000;
    /// How many earlier cursors or links a new one is compared with: a store that cycles through
    /// a few pages is caught (a longer cycle ends at [`MAX_PAGES`]).
    pub const RECENT_CURSORS: usize = 16;
    /// One page request's time limit (ms): a listing is not bound by a script's 20 s.
    pub const PAGE_TIMEOUT_MS: u32 = 30_000;
    /// The longest page token accepted from a source that pages by token (Cognito's
    /// `PaginationToken`, Firebase's `nextPageToken`: a few hundred characters); a longer one is a
    /// hostile page, not a cursor to send back.
    pub const MAX_TOKEN_CHARS: usize = 4096;
}

/// The validated settings of the source being listed.
pub enum Cfg {
    /// The rest source (`docs/rest-contract.md`, its optional list call).
    Rest(RestConfig),
    /// The oidc source (its admin API: SCIM, Keycloak or Okta).
    Oidc(OidcConfig),
    /// The cognito source (`ListUsers` pages, signed with the IAM key).
    Cognito(CognitoConfig),
    /// The firebase source (`accounts:batchGet` pages, with the service account's token).
    Firebase(FirebaseConfig),
}

/// Where a listing is, carried by the host between steps.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct State {
    /// `discovery`, `token` or `page` (oidc); `page` (rest, cognito).
    pub at: String,
    /// The next page: the rest store's cursor (text or null), an offset (SCIM 1-based, Keycloak
    /// 0-based), Okta's next link, or Cognito's `PaginationToken` (null for the first page).
    pub cursor: Value,
    /// Recent cursors or links, to catch a loop.
    pub recent: Vec<String>,
    /// The first user id of the last page (SCIM, Keycloak), to catch an ignored offset.
    pub first_id: Option<String>,
    /// The oidc token endpoint, once discovered.
    pub token_endpoint: String,
    /// The client-credentials token (SCIM, Keycloak). Never logged.
    pub token: String,
    /// Whether the token was already fetched again after a 401 since the last page.
    pub refreshed: bool,
    /// The rest request's signing time (seconds), between the sign step and the send.
    pub ts: u64,
    /// Retries of the request in flight.
    pub tries: u8,
    /// The wait before the next request (a retry's backoff), ms.
    pub delay_ms: u32,
    /// Pages read so far.
    pub pages: u64,
    /// Users read so far.
    pub users: u64,
    /// The last page has been read.
    pub done: bool,
}

impl State {
    /// The state the host sent back (`null`: a new listing).
    pub fn from_value(v: Option<&Value>) -> State {
        let Some(v @ Value::Object(_)) = v else { return State::default() };
        let text = |k: &str| v.get(k).and_then(Value::as_str).unwrap_or("").to_string();
        let num = |k: &str| v.get(k).and_then(Value::as_u64).unwrap_or(0);
        State {
            at: text("at"),
            cursor: v.get("cursor").cloned().unwrap_or(Value::Null),
            recent: v
                .get("recent")
                .and_then(Value::as_array)
                .map(|a| a.iter().filter_map(Value::as_str).map(str::to_string).collect())
                .unwrap_or_default(),
            first_id: v.get("first_id").and_then(Value::as_str).map(str::to_string),
            token_endpoint: text("token_endpoint"),
            token: text("token"),
            refreshed: v.get("refreshed").and_then(Value::as_bool).unwrap_or(false),
            ts: num("ts"),
            tries: u8::try_from(num("tries")).unwrap_or(u8::MAX),
            delay_ms: u32::try_from(num("delay_ms")).unwrap_or(0),
            pages: num("pages"),
            users: num("users"),
            done: v.get("done").and_then(Value::as_bool).unwrap_or(false),
        }
    }

    /// The state as the host carries it.
    pub fn to_value(&self) -> Value {
        let mut m = Map::new();
        m.insert("at", Value::from(self.at.as_str()));
        m.insert("cursor", self.cursor.clone());
        m.insert("recent", Value::Array(self.recent.iter().map(|c| Value::from(c.as_str())).collect()));
        if let Some(f) = &self.first_id {
            m.insert("first_id", Value::from(f.as_str()));
        }
        m.insert("token_endpoint", Value::from(self.token_endpoint.as_str()));
        m.insert("token", Value::from(self.token.as_str()));
        m.insert("refreshed", Value::Bool(self.refreshed));
        m.insert("ts", Value::int(self.ts));
        m.insert("tries", Value::int(self.tries.into()));
        m.insert("delay_ms", Value::int(self.delay_ms.into()));
        m.insert("pages", Value::int(self.pages));
        m.insert("users", Value::int(self.users));
        m.insert("done", Value::Bool(self.done));
        Value::Object(m)
    }

    /// Remembers `cursor` among the recent ones, or says it is one of them (a loop).
    pub fn remember(&mut self, cursor: &str) -> Result<(), String> {
        if self.recent.iter().any(|c| c == cursor) {
            return Err("the next page named is one already read; refusing to list in a loop".to_string());
        }
        self.recent.push(cursor.to_string());
        if self.recent.len() > limits::RECENT_CURSORS {
            self.recent.remove(0);
        }
        Ok(())
    }

    /// After a page of a source paged by an opaque token (rest, cognito, firebase): the next page's
    /// `next` token becomes the cursor, the one just read is remembered, and a token already read (or
    /// the same again) is a loop, refused; no token means the list is complete.
    pub fn advance(&mut self, next: Option<String>) -> Result<(), String> {
        let Some(t) = next else {
            self.done = true;
            return Ok(());
        };
        if let Value::String(cur) = self.cursor.clone() {
            self.remember(&cur)?;
        }
        if self.recent.contains(&t) || self.cursor.as_str() == Some(t.as_str()) {
            return Err("the next page named is one already read; refusing to list in a loop".to_string());
        }
        self.cursor = Value::from(t);
        Ok(())
    }

    /// How a listed user without a usable id is named in messages: "(page 3, user 17)", the page
    /// being the one read now.
    pub fn user_label(&self, i: usize) -> String {
        cat(&["(page ", &num(self.pages + 1), ", user ", &num(i as u64 + 1), ")"])
    }

    /// Counts a page of `n` users; the first user's id is compared with the last page's
    /// (`Some` for offset paging: the same first user twice means the offset was ignored).
    pub fn read_page(&mut self, n: usize, first_id: Option<String>) -> Result<(), String> {
        if let (Some(new), Some(old)) = (&first_id, &self.first_id) {
            if new == old {
                return Err("two pages start with the same user: the provider ignores the page offset".to_string());
            }
        }
        if first_id.is_some() {
            self.first_id = first_id;
        }
        self.pages += 1;
        self.users += n as u64;
        self.tries = 0;
        self.delay_ms = 0;
        self.refreshed = false;
        Ok(())
    }
}

/// What the listing asks of the host next.
#[derive(Debug, Clone, PartialEq)]
pub enum Answer {
    /// HMAC `message` with the setting `key_setting`, then answer with `signed`.
    Sign {
        /// The text to sign.
        message: String,
        /// The setting holding the key.
        key_setting: &'static str,
    },
    /// RS256-sign `message` (RSASSA-PKCS1-v1_5, SHA-256) with the PEM `key`, then answer with
    /// `signed`, the signature in base64url (the firebase service account's assertion). The key is
    /// the setting as the source reads it (a clean PEM), as the scripts' own sign step carries it;
    /// it is in this answer only, never in the state.
    SignRs256 {
        /// The text to sign.
        message: String,
        /// The private key, PEM. Never logged.
        key: String,
    },
    /// Send this request and answer with its reply.
    Send(crate::http::Request),
    /// These records, then ask again.
    Page(Vec<Value>),
    /// Every page is read.
    Done,
    /// The listing failed.
    Error(String),
    /// This source, as set up, cannot list its users.
    Refused(String),
}

/// One listed record: its id at the source, its email, and what to import (or why not).
pub fn record(id: &str, email: Option<&str>, import: Value) -> Value {
    let email = email.map_or(Value::Null, Value::from);
    Value::object([("id", Value::from(id)), ("email", email), ("import", import)])
}

/// The import part of a record that maps: the user, and `skip: blocked` when the source says the
/// account may not log in (the scripts answer such a user UnauthorizedError).
pub fn import_of(user: Value, blocked: bool) -> Value {
    let mut fields = vec![("user", user)];
    if blocked {
        fields.push(("skip", Value::from("blocked")));
    }
    Value::object(fields)
}

/// The import part of a record that does not map.
pub fn unmappable(why: &str) -> Value {
    Value::object([("error", Value::from(why))])
}

/// The reply's `Link` header (Okta's paging), as the host passed it.
pub fn link_header(reply: &Value) -> Option<String> {
    reply.get("headers").and_then(|h| h.get("link")).and_then(Value::as_str).map(str::to_string)
}

/// One step of a listing of `cfg`'s users.
pub fn step(cfg: &Cfg, input: &Map) -> (Answer, State) {
    let mut state = State::from_value(input.get("state"));
    let now_ms = input.get("now_ms").and_then(Value::as_u64).unwrap_or(0);
    if state.pages >= limits::MAX_PAGES && !state.done {
        let most = crate::text::num(limits::MAX_PAGES);
        return (
            Answer::Error(cat(&["the listing passed ", &most, " pages without a last one; refusing to go on"])),
            state,
        );
    }
    let answer = match (cfg, input.get("reply")) {
        (Cfg::Rest(c), None) => crate::rest::list::next(c, &mut state, now_ms, input.get("signed")),
        (Cfg::Rest(c), Some(r)) => crate::rest::list::read(c, &mut state, now_ms, &Reply::from_value(r)),
        (Cfg::Oidc(c), None) => crate::oidc::list::next(c, &mut state),
        (Cfg::Oidc(c), Some(r)) => {
            crate::oidc::list::read(c, &mut state, now_ms, &Reply::from_value(r), link_header(r))
        }
        (Cfg::Cognito(c), None) => crate::cognito::list::next(c, &mut state, now_ms),
        (Cfg::Cognito(c), Some(r)) => crate::cognito::list::read(c, &mut state, now_ms, &Reply::from_value(r)),
        (Cfg::Firebase(c), None) => crate::firebase::list::next(c, &mut state, now_ms, input.get("signed")),
        (Cfg::Firebase(c), Some(r)) => crate::firebase::list::read(c, &mut state, now_ms, &Reply::from_value(r)),
    };
    (answer, state)
}

/// The answer as the host reads it.
pub fn render(answer: Answer, state: &State) -> Value {
    let with_state = |k: &str, v: Value| Value::object([(k, v), ("state", state.to_value())]);
    match answer {
        Answer::Sign { message, key_setting } => with_state(
            "sign",
            Value::object([("message", Value::from(message)), ("key_setting", Value::from(key_setting))]),
        ),
        Answer::SignRs256 { message, key } => with_state(
            "sign",
            Value::object([
                ("message", Value::from(message)),
                ("alg", Value::from("RS256")),
                ("key", Value::from(key)),
            ]),
        ),
        Answer::Send(r) => with_state("send", Value::object([("request", r.to_json())])),
        Answer::Page(records) => with_state("page", Value::object([("records", Value::Array(records))])),
        Answer::Done => Value::object([(
            "done",
            Value::object([("pages", Value::int(state.pages)), ("users", Value::int(state.users))]),
        )]),
        Answer::Error(e) => Value::object([("error", Value::from(e))]),
        Answer::Refused(e) => Value::object([("refused", Value::from(e))]),
    }
}

#[cfg(test)]
#[path = "listing_tests.rs"]
mod tests;
