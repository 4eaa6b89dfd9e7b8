//! The rest source's settings and the contract's fixed numbers, in one place: every key, its
//! meaning, its default, and every limit ([`limits`]). The store's reference implementation
//! (`js/fakes/rest-store.js`) and `docs/rest-contract.md` follow these.
//!
//! Checked before any request, each problem naming the key and the fix, never the value (the
//! secret is one of them). The base URL follows the old tenant's `Domain` rule
//! (`config::host_problem`): HTTPS only, loopback included (a test store gets a
//! certificate, as the fake tenants do).

use crate::config::{err, flag, host_problem, optional, required, ConfigError};
use crate::json::Map;
use crate::prelude::*;
use crate::text::{cat, mentions, num};

/// Settings keys (Auth0 keys are case-sensitive).
pub mod keys {
    /// Where the store's contract is served: `https://host[:port][/base/path]`.
    pub const BASE_URL: &str = "Base_URL";
    /// The secret both sides sign requests with (HMAC-SHA256). Never logged, never in an error.
    pub const SHARED_SECRET: &str = "Shared_Secret";
    /// The password check's path under the base URL; default [`super::DEFAULT_VERIFY_PATH`].
    pub const VERIFY_PATH: &str = "Verify_Path";
    /// The user lookup's path under the base URL; default [`super::DEFAULT_FIND_PATH`].
    pub const FIND_PATH: &str = "Find_Path";
    /// `true`: the log line names the user; `false` (default): a short hash only.
    pub const LOG_IDENTIFIERS: &str = "Log_Identifiers";

    /// Every key the rest scripts read, in documented order: name, required, meaning. The one
    /// list: the script headers name these (through the engine's `check_rest_settings`).
    pub const ALL: [(&str, bool, &str); 5] = [
        (BASE_URL, true, "the user store's base URL: https://host[:port][/path] (HTTPS only)"),
        (SHARED_SECRET, true, "the secret the store and the scripts sign requests with (at least 32 characters)"),
        (VERIFY_PATH, false, "the password check's path under Base_URL; empty: /verify-password"),
        (FIND_PATH, false, "the user lookup's path under Base_URL; empty: /find-user"),
        (LOG_IDENTIFIERS, false, "true: the log line names the user; false (default): a short hash only"),
    ];

    /// Whether `key` is one the rest scripts read.
    pub fn is_known(key: &str) -> bool {
        ALL.iter().any(|(k, _, _)| *k == key)
    }
}

/// The contract's numbers.
pub mod limits {
    /// The shortest shared secret accepted (characters): a guessable one would let anyone sign.
    pub const MIN_SECRET_CHARS: usize = 32;
    /// The longest shared secret accepted (characters).
    pub const MAX_SECRET_CHARS: usize = 512;
    /// The longest `Base_URL` (characters).
    pub const MAX_URL_CHARS: usize = 200;
    /// The longest path setting (characters).
    pub const MAX_PATH_CHARS: usize = 100;
    /// The most of a store's reply the host reads; a reply this long or longer is refused as
    /// oversized (a profile is a few KB; Auth0's own user records stay far below this).
    pub const MAX_REPLY_BYTES: u32 = 65_536;
    /// The longest `user_id` accepted from the store (characters).
    pub const MAX_USER_ID_CHARS: usize = 255;
    /// How far the request's timestamp may be from the store's clock, either way (seconds). The
    /// store enforces it; it is here so the contract has one number.
    pub const REPLAY_WINDOW_S: u64 = 300;
    /// The header carrying the request's time, in whole seconds since the epoch.
    pub const TIMESTAMP_HEADER: &str = "x-alm-timestamp";
    /// The header carrying `v1=` and the hex HMAC-SHA256 of the signed text.
    pub const SIGNATURE_HEADER: &str = "x-alm-signature";
}

/// The password check's default path.
pub const DEFAULT_VERIFY_PATH: &str = "/verify-password";
/// The user lookup's default path.
pub const DEFAULT_FIND_PATH: &str = "/find-user";
/// The optional list call's path under the base URL (the command line's `tail`, `status` and
/// `retire` only; no script calls it, so it is no setting of theirs).
pub const LIST_PATH: &str = "/list-users";

/// The settings one rest call runs with.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RestConfig {
    /// `https://host[:port]`, host in lower case.
    pub origin: String,
    /// The base URL's path without a trailing `/` (empty for none).
    pub base_path: String,
    /// The shared secret. Never logged, never put in an error.
    pub secret: String,
    /// The password check's path (starts with `/`).
    pub verify_path: String,
    /// The user lookup's path (starts with `/`).
    pub find_path: String,
    /// The log line may name the user.
    pub log_identifiers: bool,
}

impl RestConfig {
    /// Validates the dashboard settings for the rest source.
    pub fn from_settings(settings: &Map) -> Result<RestConfig, ConfigError> {
        let url = required(settings, keys::BASE_URL, "the user store's base URL, e.g. https://users.example.com/alm")?;
        let (origin, base_path) = base_url(url)?;
        let secret =
            required(settings, keys::SHARED_SECRET, "the secret shared with the user store (at least 32 characters)")?;
        let n = crate::text::char_count(secret);
        if !(limits::MIN_SECRET_CHARS..=limits::MAX_SECRET_CHARS).contains(&n) {
            return Err(err(
                keys::SHARED_SECRET,
                cat(&[
                    "must be from ",
                    &num(limits::MIN_SECRET_CHARS as u64),
                    " to ",
                    &num(limits::MAX_SECRET_CHARS as u64),
                    " characters: use a random secret, the same as the user store's",
                ]),
            ));
        }
        Ok(RestConfig {
            origin,
            base_path,
            secret: secret.to_string(),
            verify_path: path(settings, keys::VERIFY_PATH, DEFAULT_VERIFY_PATH)?,
            find_path: path(settings, keys::FIND_PATH, DEFAULT_FIND_PATH)?,
            log_identifiers: flag(settings, keys::LOG_IDENTIFIERS, false)?,
        })
    }

    /// The path a request to `endpoint` goes to (what is signed), e.g. `/alm/verify-password`.
    pub fn path(&self, endpoint: &str) -> String {
        cat(&[&self.base_path, endpoint])
    }
}

/// `https://host[:port][/path][/]` -> (`https://host[:port]`, `/path`).
fn base_url(raw: &str) -> Result<(String, String), ConfigError> {
    let bad = |why: &str| err(keys::BASE_URL, cat(&[why, "; expected e.g. https://users.example.com/alm"]));
    if crate::text::char_count(raw) > limits::MAX_URL_CHARS {
        return Err(bad(&cat(&["is longer than ", &num(limits::MAX_URL_CHARS as u64), " characters"])));
    }
    let scheme = |p: &str| raw.get(..p.len()).is_some_and(|h| h.eq_ignore_ascii_case(p));
    let rest = if scheme("https://") {
        raw.get(8..).unwrap_or("")
    } else if scheme("http://") {
        return Err(bad("uses http://, but requests are HTTPS only"));
    } else {
        return Err(bad("must start with https://"));
    };
    if let Some(c) = rest.chars().find(|c| matches!(c, '?' | '#' | '@' | '\\') || c.is_whitespace()) {
        return Err(bad(&cat(&[
            "must not contain `",
            c.encode_utf8(&mut [0; 4]),
            "` (no query, fragment or credentials)",
        ])));
    }
    let rest = rest.strip_suffix('/').unwrap_or(rest);
    let (host, path) = match rest.find('/') {
        Some(i) => (rest.get(..i).unwrap_or(""), rest.get(i..).unwrap_or("")),
        None => (rest, ""),
    };
    if let Some(why) = host_problem(host) {
        return Err(bad(&cat(&["has a host that ", why])));
    }
    if !path_ok(path) {
        return Err(bad("has a path with characters other than letters, digits and - . _ ~ /"));
    }
    Ok((cat(&["https://", &host.to_ascii_lowercase()]), path.to_string()))
}

/// An endpoint path setting: `/` first, plain characters only; empty is `default`.
fn path(settings: &Map, key: &'static str, default: &str) -> Result<String, ConfigError> {
    let Some(p) = optional(settings, key) else { return Ok(default.to_string()) };
    if !p.starts_with('/') || p.len() > limits::MAX_PATH_CHARS || !path_ok(p) || p == "/" {
        return Err(err(
            key,
            cat(&[
                "must be a path starting with `/` of letters, digits and - . _ ~ / (at most ",
                &num(limits::MAX_PATH_CHARS as u64),
                " characters), or empty for ",
                default,
            ]),
        ));
    }
    Ok(p.to_string())
}

fn path_ok(p: &str) -> bool {
    !mentions(p, "//") && p.bytes().all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~' | b'/'))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::json::Value;

    const SECRET: &str = "0123456789abcdef0123456789abcdef";

    fn settings(pairs: &[(&str, &str)]) -> Map {
        let mut m = Map::new();
        for (k, v) in pairs {
            m.insert(*k, Value::from(*v));
        }
        m
    }

    fn with(extra: &[(&'static str, &'static str)]) -> Result<RestConfig, ConfigError> {
        let mut s = vec![("Base_URL", "https://Users.Example.com/alm/"), ("Shared_Secret", SECRET)];
        s.extend_from_slice(extra);
        RestConfig::from_settings(&settings(&s))
    }

    #[test]
    fn defaults_and_normal_forms() {
        let c = with(&[]).unwrap();
        assert_eq!((c.origin.as_str(), c.base_path.as_str()), ("https://users.example.com", "/alm"));
        assert_eq!(c.path(&c.verify_path), "/alm/verify-password");
        assert_eq!(c.path(&c.find_path), "/alm/find-user");
        assert!(!c.log_identifiers);
        let c = with(&[("Verify_Path", "/v1/check"), ("Find_Path", "/v1/find"), ("Log_Identifiers", "TRUE")]).unwrap();
        assert_eq!((c.verify_path.as_str(), c.find_path.as_str(), c.log_identifiers), ("/v1/check", "/v1/find", true));
        let s = settings(&[("Base_URL", " https://127.0.0.1:8443 "), ("Shared_Secret", SECRET)]);
        let c = RestConfig::from_settings(&s).unwrap();
        assert_eq!((c.origin.as_str(), c.base_path.as_str()), ("https://127.0.0.1:8443", ""));
    }

    #[test]
    fn bad_base_urls_name_the_key() {
        for raw in [
            "http://127.0.0.1:8080",
            "users.example.com",
            "ftp://x",
            "https://",
            "https://a b",
            "https://u:p@x.com",
            "https://x.com?q=1",
            "https://x.com:0",
            "https://x.com/a//b",
            "https://x.com/a%2e",
        ] {
            let e = RestConfig::from_settings(&settings(&[("Base_URL", raw), ("Shared_Secret", SECRET)])).unwrap_err();
            assert_eq!(e.key, "Base_URL", "{raw}");
            assert!(e.message().starts_with("setting `Base_URL` "), "{raw}: {e:?}");
        }
        let e = RestConfig::from_settings(&settings(&[("Base_URL", "http://localhost:1")])).unwrap_err();
        assert!(e.problem.contains("HTTPS only"), "{e:?}");
    }

    #[test]
    fn the_secret_is_required_long_enough_and_never_echoed() {
        let e = RestConfig::from_settings(&settings(&[("Base_URL", "https://x.com")])).unwrap_err();
        assert_eq!((e.key, e.problem.contains("is missing")), ("Shared_Secret", true));
        let e =
            RestConfig::from_settings(&settings(&[("Base_URL", "https://x.com"), ("Shared_Secret", "short-secret")]))
                .unwrap_err();
        assert_eq!(e.key, "Shared_Secret");
        assert!(!e.message().contains("short-secret"), "{e:?}");
        assert!(e.message().contains("32"), "{e:?}");
    }

    #[test]
    fn paths_and_flags_are_checked() {
        for (key, bad) in [
            ("Verify_Path", "verify"),
            ("Verify_Path", "/"),
            ("Find_Path", "/a?b"),
            ("Find_Path", "/a b"),
            ("Log_Identifiers", "yes"),
        ] {
            assert_eq!(with(&[(key, bad)]).unwrap_err().key, key, "{key}={bad}");
        }
        assert_eq!(with(&[("Verify_Path", "  ")]).unwrap().verify_path, DEFAULT_VERIFY_PATH, "blank is the default");
    }

    #[test]
    fn the_key_list_is_every_key_once_required_first() {
        let names: Vec<&str> = keys::ALL.iter().map(|(k, _, _)| *k).collect();
        assert_eq!(names, ["Base_URL", "Shared_Secret", "Verify_Path", "Find_Path", "Log_Identifiers"]);
        assert!(keys::ALL.iter().take(2).all(|(_, r, _)| *r) && keys::ALL.iter().skip(2).all(|(_, r, _)| !*r));
        assert!(keys::is_known("Find_Path") && !keys::is_known("Domain"));
    }
}
