//! The dashboard settings (`configuration` in the sandbox) turned into a validated [`Config`].
//!
//! Every problem is reported before any network call, naming the settings key and the fix,
//! because an operator reads these errors in the tenant logs, not in a debugger.

use crate::json::{Map, Value};
use crate::prelude::*;
use crate::text::cat;

/// Settings keys, spelled exactly as the seed scripts named them (Auth0 keys are case-sensitive).
pub mod keys {
    /// The old tenant's domain: `tenant.eu.auth0.com`, `https://tenant.eu.auth0.com/` or `host:port`.
    pub const DOMAIN: &str = "Domain";
    /// The old tenant's Migration App client id.
    pub const CLIENT_ID: &str = "Client_ID";
    /// The old tenant's Migration App client secret.
    pub const CLIENT_SECRET: &str = "Client_Secret";
    /// Management API audience; defaults to `https://{Domain}/api/v2/`.
    pub const AUDIENCE: &str = "Audience";
    /// The old tenant's database connection; empty means the tenant's Default Directory.
    pub const CONNECTION: &str = "Connection";
    /// Where the old tenant's rule/action put metadata claims; defaults to [`super::DEFAULT_NAMESPACE`].
    pub const CLAIMS_NAMESPACE: &str = "Claims_Namespace";
    /// Where login takes the profile from: `auto` (default), `claims` or `management`.
    pub const PROFILE_SOURCE: &str = "Profile_Source";
    /// Text put before every migrated user id; empty (default) keeps the ids unchanged.
    pub const USER_ID_PREFIX: &str = "User_ID_Prefix";
    /// `true` (default): get_user does not offer users the old tenant marked `migration_complete`.
    pub const SKIP_MIGRATED_USERS: &str = "Skip_Migrated_Users";
    /// `true`: the log line names the user; `false` (default): only a short hash of the identifier.
    pub const LOG_IDENTIFIERS: &str = "Log_Identifiers";

    /// Every key the scripts read, in the order they are documented, with whether it is required
    /// and what it means. The one list: the command line refuses other keys and explains these,
    /// and the build names them in the script headers (through the engine's `check_settings`).
    pub const ALL: [(&str, bool, &str); 10] = [
        (
            DOMAIN,
            true,
            "the old tenant's domain: tenant.eu.auth0.com, https://tenant.eu.auth0.com/ or host:port (HTTPS only)",
        ),
        (CLIENT_ID, true, "the old tenant's Migration App client id"),
        (CLIENT_SECRET, true, "the old tenant's Migration App client secret"),
        (CONNECTION, false, "the old tenant's database connection; empty: its Default Directory"),
        (AUDIENCE, false, "the old Management API audience; empty: https://{Domain}/api/v2/"),
        (
            CLAIMS_NAMESPACE,
            false,
            "where the old tenant's Action puts the metadata claims; empty: https://migrationapp/",
        ),
        (PROFILE_SOURCE, false, "auto (default), claims or management: where login takes the profile from"),
        (USER_ID_PREFIX, false, "text put before every migrated user id; empty: ids unchanged"),
        (SKIP_MIGRATED_USERS, false, "true (default): get_user does not offer users the old tenant marked migrated"),
        (LOG_IDENTIFIERS, false, "true: the log line names the user; false (default): a short hash only"),
    ];

    /// Whether `key` is one the scripts read (exact spelling: Auth0 keys are case-sensitive).
    pub fn is_known(key: &str) -> bool {
        ALL.iter().any(|(k, _, _)| *k == key)
    }
}

/// Where login takes the migrated user's profile from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ProfileSource {
    /// The ID token's namespaced claims when the old tenant's Action put them there (one upstream
    /// call), otherwise the Management API.
    Auto,
    /// Only the claims; a token without them is a setup error (the Action is missing).
    Claims,
    /// Always the Management API (`GET /api/v2/users/{id}`), whatever the token holds.
    Management,
}

/// The namespace the seed's rule used for its metadata claims.
pub const DEFAULT_NAMESPACE: &str = "https://migrationapp/";

/// The settings one invocation runs with.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Config {
    /// `host` or `host:port`, lowercased, no scheme and no path. Requests always use HTTPS.
    pub domain: String,
    /// The Migration App's client id.
    pub client_id: String,
    /// The Migration App's client secret. Never logged, never put in an error.
    pub client_secret: String,
    /// The Management API audience for the client-credentials token.
    pub audience: String,
    /// The database connection (realm) to check passwords against; `None` is the Default Directory.
    pub connection: Option<String>,
    /// Prefix of the namespaced `user_metadata` / `app_metadata` claims in the ID token.
    pub claims_namespace: String,
    /// Where login takes the profile from.
    pub profile_source: ProfileSource,
    /// Put before each migrated user id (empty: ids unchanged).
    pub user_id_prefix: String,
    /// get_user hides users marked `migration_complete` by the old tenant.
    pub skip_migrated_users: bool,
    /// The log line may name the user.
    pub log_identifiers: bool,
}

/// A setting that is missing or malformed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfigError {
    /// The settings key at fault.
    pub key: &'static str,
    /// What is wrong and how to fix it (never the value itself: it may be a secret).
    pub problem: String,
}

impl ConfigError {
    /// ``setting `Key` <problem>``, for the operator.
    pub fn message(&self) -> String {
        cat(&["setting `", self.key, "` ", &self.problem])
    }
}

/// A [`ConfigError`] for `key` (shared with the other sources' settings).
pub(crate) fn err(key: &'static str, problem: impl Into<String>) -> ConfigError {
    ConfigError { key, problem: problem.into() }
}

/// A trimmed, non-empty setting, or `None` when absent or blank.
pub(crate) fn optional<'a>(settings: &'a Map, key: &str) -> Option<&'a str> {
    settings.get(key).and_then(Value::as_str).map(str::trim).filter(|v| !v.is_empty())
}

/// A trimmed, non-empty setting, or the error saying to add it (`what`: what to put there).
pub(crate) fn required<'a>(settings: &'a Map, key: &'static str, what: &str) -> Result<&'a str, ConfigError> {
    optional(settings, key)
        .ok_or_else(|| err(key, cat(&["is missing: add it under the connection's Settings with ", what])))
}

impl Config {
    /// Validates the dashboard settings (a JSON object of strings; anything else counts as absent).
    pub fn from_settings(settings: &Map) -> Result<Config, ConfigError> {
        let domain = normalise_domain(required(
            settings,
            keys::DOMAIN,
            "the old tenant's domain, e.g. old-tenant.eu.auth0.com",
        )?)?;
        let client_id = required(settings, keys::CLIENT_ID, "the old tenant's Migration App client id")?;
        let client_secret = required(settings, keys::CLIENT_SECRET, "the old tenant's Migration App client secret")?;
        let audience = match optional(settings, keys::AUDIENCE) {
            Some(a) if a.starts_with("https://") => a.to_string(),
            Some(_) => {
                return Err(err(
                    keys::AUDIENCE,
                    "must be an https:// URL (the old tenant's Management API identifier), or left empty for https://{Domain}/api/v2/",
                ))
            }
            None => cat(&["https://", &domain, "/api/v2/"]),
        };
        let claims_namespace = optional(settings, keys::CLAIMS_NAMESPACE).unwrap_or(DEFAULT_NAMESPACE).to_string();
        let profile_source = match optional(settings, keys::PROFILE_SOURCE).map(str::to_ascii_lowercase).as_deref() {
            None | Some("auto") => ProfileSource::Auto,
            Some("claims") => ProfileSource::Claims,
            Some("management") => ProfileSource::Management,
            Some(_) => {
                return Err(err(keys::PROFILE_SOURCE, "must be `auto`, `claims` or `management` (or empty for auto)"))
            }
        };
        let user_id_prefix = optional(settings, keys::USER_ID_PREFIX).unwrap_or("").to_string();
        if user_id_prefix.len() > 64 || user_id_prefix.chars().any(char::is_whitespace) {
            return Err(err(
                keys::USER_ID_PREFIX,
                "must be at most 64 characters without spaces (or empty to keep ids unchanged)",
            ));
        }
        Ok(Config {
            profile_source,
            user_id_prefix,
            skip_migrated_users: flag(settings, keys::SKIP_MIGRATED_USERS, true)?,
            log_identifiers: flag(settings, keys::LOG_IDENTIFIERS, false)?,
            domain,
            client_id: client_id.to_string(),
            client_secret: client_secret.to_string(),
            audience,
            connection: optional(settings, keys::CONNECTION).map(str::to_string),
            claims_namespace,
        })
    }

    /// `https://{domain}{path}`.
    pub fn url(&self, path: &str) -> String {
        cat(&["https://", &self.domain, path])
    }
}

/// A `true` / `false` setting (any case); empty or absent is `default`.
pub(crate) fn flag(settings: &Map, key: &'static str, default: bool) -> Result<bool, ConfigError> {
    match optional(settings, key).map(str::to_ascii_lowercase).as_deref() {
        None => Ok(default),
        Some("true") => Ok(true),
        Some("false") => Ok(false),
        Some(_) => Err(err(
            key,
            cat(&["must be `true` or `false` (or empty for ", if default { "true" } else { "false" }, ")"]),
        )),
    }
}

/// Accepts `tenant.eu.auth0.com`, `https://tenant.eu.auth0.com/` and `host:port`; returns
/// `host[:port]` lowercased. Plain `http://`, paths, credentials and spaces are refused.
pub fn normalise_domain(raw: &str) -> Result<String, ConfigError> {
    let bad = |why: &str| err(keys::DOMAIN, cat(&[why, "; expected e.g. tenant.eu.auth0.com"]));
    let mut d = raw.trim();
    // `get` rather than indexing: no char-boundary panic path (and its formatting) in the wasm.
    let starts = |d: &str, p: &str| d.get(..p.len()).is_some_and(|h| h.eq_ignore_ascii_case(p));
    if starts(d, "https://") {
        d = d.get(8..).unwrap_or("");
    } else if starts(d, "http://") {
        return Err(bad("uses http://, but requests are HTTPS only"));
    } else if crate::text::mentions(d, "://") {
        return Err(bad("has a scheme other than https://"));
    }
    let d = d.strip_suffix('/').unwrap_or(d);
    if d.is_empty() {
        return Err(bad("is empty"));
    }
    if let Some(c) = d.chars().find(|c| matches!(c, '/' | '?' | '#' | '@') || c.is_whitespace()) {
        return Err(bad(&cat(&[
            "must be a host name only, without `",
            c.encode_utf8(&mut [0; 4]),
            "` (no path, query or credentials)",
        ])));
    }
    if let Some(why) = host_problem(d) {
        return Err(bad(why));
    }
    Ok(d.to_ascii_lowercase())
}

/// What is wrong with `host[:port]` (no scheme, no path), or `None`: the one host rule, for the
/// old tenant's `Domain` and the other sources' base URLs alike.
pub(crate) fn host_problem(d: &str) -> Option<&'static str> {
    let (host, port) = match d.rsplit_once(':') {
        Some((h, p)) if !h.contains(':') => (h, Some(p)),
        _ => (d, None),
    };
    let host_ok = !host.is_empty()
        && !host.starts_with('.')
        && !host.starts_with('-')
        && host.chars().all(|c| c.is_ascii_alphanumeric() || c == '.' || c == '-');
    if !host_ok {
        return Some("is not a valid host name");
    }
    if let Some(p) = port {
        let valid = !p.is_empty() && p.len() <= 5 && p.bytes().all(|b| b.is_ascii_digit());
        if !valid || !(1..=65535).contains(&crate::text::parse_u64(p).unwrap_or(0)) {
            return Some("has a port that is not a number from 1 to 65535");
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn settings(pairs: &[(&str, &str)]) -> Map {
        let mut m = Map::new();
        for (k, v) in pairs {
            m.insert(*k, Value::from(*v));
        }
        m
    }

    fn base() -> Vec<(&'static str, &'static str)> {
        vec![("Domain", "old.eu.auth0.com"), ("Client_ID", "cid"), ("Client_Secret", "s3cret")]
    }

    #[test]
    fn defaults_audience_namespace_and_directory() {
        let c = Config::from_settings(&settings(&base())).unwrap();
        assert_eq!(c.domain, "old.eu.auth0.com");
        assert_eq!(c.audience, "https://old.eu.auth0.com/api/v2/");
        assert_eq!(c.connection, None);
        assert_eq!(c.claims_namespace, DEFAULT_NAMESPACE);
    }

    #[test]
    fn blank_connection_means_default_directory_and_set_one_is_kept() {
        let mut s = base();
        s.push(("Connection", "  "));
        assert_eq!(Config::from_settings(&settings(&s)).unwrap().connection, None);
        s.pop();
        s.push(("Connection", "legacy-db"));
        assert_eq!(Config::from_settings(&settings(&s)).unwrap().connection.as_deref(), Some("legacy-db"));
    }

    #[test]
    fn domain_forms_are_normalised() {
        for (raw, want) in [
            ("tenant.eu.auth0.com", "tenant.eu.auth0.com"),
            ("https://Tenant.EU.auth0.com/", "tenant.eu.auth0.com"),
            (" 127.0.0.1:8443 ", "127.0.0.1:8443"),
            ("HTTPS://login.example.com:443", "login.example.com:443"),
        ] {
            assert_eq!(normalise_domain(raw).unwrap(), want, "{raw}");
        }
    }

    #[test]
    fn bad_domains_name_the_key_and_the_problem() {
        for raw in [
            "http://t.auth0.com",
            "ftp://t",
            "t.auth0.com/path",
            "a b",
            "t:0",
            "t:99999",
            "t:x",
            "user@t",
            ":443",
            "https:///",
        ] {
            let e = normalise_domain(raw).unwrap_err();
            assert_eq!(e.key, "Domain", "{raw}");
            assert!(e.message().starts_with("setting `Domain`"), "{e:?}");
        }
    }

    #[test]
    fn missing_required_keys_are_named_in_order() {
        let e = Config::from_settings(&settings(&[])).unwrap_err();
        assert_eq!(e.key, "Domain");
        let e = Config::from_settings(&settings(&[("Domain", "t.auth0.com")])).unwrap_err();
        assert_eq!(e.key, "Client_ID");
        let e = Config::from_settings(&settings(&[("Domain", "t.auth0.com"), ("Client_ID", "x")])).unwrap_err();
        assert_eq!(e.key, "Client_Secret");
        assert!(e.message().contains("is missing"));
    }

    #[test]
    fn keys_are_case_sensitive_like_auth0() {
        let e =
            Config::from_settings(&settings(&[("domain", "t.auth0.com"), ("Client_ID", "x"), ("Client_Secret", "y")]))
                .unwrap_err();
        assert_eq!(e.key, "Domain");
    }

    #[test]
    fn optional_settings_default_and_validate() {
        let c = Config::from_settings(&settings(&base())).unwrap();
        assert_eq!(
            (c.profile_source, c.user_id_prefix.as_str(), c.skip_migrated_users, c.log_identifiers),
            (ProfileSource::Auto, "", true, false)
        );
        let mut s = base();
        s.extend([
            ("Profile_Source", "Management"),
            ("User_ID_Prefix", "old-"),
            ("Skip_Migrated_Users", "FALSE"),
            ("Log_Identifiers", "true"),
        ]);
        let c = Config::from_settings(&settings(&s)).unwrap();
        assert_eq!(
            (c.profile_source, c.user_id_prefix.as_str(), c.skip_migrated_users, c.log_identifiers),
            (ProfileSource::Management, "old-", false, true)
        );
        for (key, bad) in [
            ("Profile_Source", "ldap"),
            ("User_ID_Prefix", "a b"),
            ("Skip_Migrated_Users", "yes"),
            ("Log_Identifiers", "1"),
        ] {
            let mut s = base();
            s.push((key, bad));
            assert_eq!(Config::from_settings(&settings(&s)).unwrap_err().key, key, "{key}={bad}");
        }
    }

    #[test]
    fn the_key_list_is_every_key_once_required_first() {
        let names: Vec<&str> = keys::ALL.iter().map(|(k, _, _)| *k).collect();
        for (i, k) in names.iter().enumerate() {
            assert!(!names[i + 1..].contains(k), "{k} twice");
        }
        let required: Vec<&str> = keys::ALL.iter().filter(|(_, r, _)| *r).map(|(k, _, _)| *k).collect();
        assert!(keys::ALL.iter().all(|(_, _, meaning)| !meaning.is_empty()), "every key says what it means");
        assert_eq!(required, ["Domain", "Client_ID", "Client_Secret"]);
        assert!(keys::is_known("Log_Identifiers"));
        assert!(!keys::is_known("Log_Identifier"));
        assert!(!keys::is_known("domain"), "keys are case-sensitive");
    }

    #[test]
    fn audience_must_be_https() {
        let mut s = base();
        s.push(("Audience", "http://old/api/v2/"));
        assert_eq!(Config::from_settings(&settings(&s)).unwrap_err().key, "Audience");
    }

    #[test]
    fn errors_never_echo_the_secret() {
        let mut s = base();
        s[0] = ("Domain", "s3cret/with/path");
        let e = Config::from_settings(&settings(&s)).unwrap_err();
        assert!(!e.message().contains("s3cret"), "{e:?}");
    }
}
