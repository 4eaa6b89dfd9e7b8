//! The oidc source's settings and limits, in one place: every key, its meaning, its default, the
//! presets, and every number the flows use ([`limits`]).
//!
//! Checked before any request, each problem naming the key and the fix, never the value (two of
//! them are secrets). URLs follow the other sources' host rule (`config::host_problem`): HTTPS
//! only, loopback included (a test provider gets a certificate, as the fake tenants do).

use crate::config::{err, flag, host_problem, optional, required, ConfigError};
use crate::json::Map;
use crate::prelude::*;
use crate::text::{cat, mentions, num};

/// Settings keys (Auth0 keys are case-sensitive).
pub mod keys {
    /// The OpenID provider's issuer; discovery is at `{Issuer}/.well-known/openid-configuration`.
    pub const ISSUER: &str = "Issuer";
    /// The client the scripts log in with (password grant, and client credentials for SCIM/Keycloak).
    pub const CLIENT_ID: &str = "Client_ID";
    /// That client's secret. Never logged, never in an error.
    pub const CLIENT_SECRET: &str = "Client_Secret";
    /// What the login scripts' lookups use: `scim`, `keycloak`, `okta` or `none`.
    pub const LOOKUP: &str = "Lookup";
    /// `keycloak` or `okta`: derives `Issuer` and `Lookup` from the provider's own URLs.
    pub const PRESET: &str = "Preset";
    /// Keycloak's base URL (`https://sso.example.com`, or `.../auth` on old versions).
    pub const BASE_URL: &str = "Base_URL";
    /// The Keycloak realm.
    pub const REALM: &str = "Realm";
    /// The Okta org URL (`https://example.okta.com`).
    pub const ORG_URL: &str = "Org_URL";
    /// The Okta authorization server id (`default`); empty: the org authorization server.
    pub const AUTHORIZATION_SERVER: &str = "Authorization_Server";
    /// An Okta API token (read-only admin), sent as `SSWS`. Never logged, never in an error.
    pub const OKTA_API_TOKEN: &str = "Okta_API_Token";
    /// The SCIM 2.0 service's base URL (its `/Users` is under it).
    pub const SCIM_BASE_URL: &str = "SCIM_Base_URL";
    /// The scope the password grant asks for; default [`super::DEFAULT_SCOPE`].
    pub const SCOPE: &str = "Scope";
    /// Text put before every migrated user id; empty (default) keeps the provider's `sub`.
    pub const USER_ID_PREFIX: &str = "User_ID_Prefix";
    /// Comma-separated claim names copied into `user_metadata`.
    pub const USER_METADATA_CLAIMS: &str = "User_Metadata_Claims";
    /// Comma-separated claim names copied into `app_metadata`.
    pub const APP_METADATA_CLAIMS: &str = "App_Metadata_Claims";
    /// `true`: the log line names the user; `false` (default): a short hash only.
    pub const LOG_IDENTIFIERS: &str = "Log_Identifiers";

    /// Every key the oidc scripts read, in documented order: name, required, meaning. The one
    /// list: the script headers name these (through the engine's `check_oidc_settings`).
    pub const ALL: [(&str, bool, &str); 16] = [
        (
            CLIENT_ID,
            true,
            "the provider's client id (password grant allowed; client credentials for scim/keycloak lookups)",
        ),
        (CLIENT_SECRET, true, "that client's secret"),
        (ISSUER, false, "the provider's issuer, https://...; not with Preset"),
        (
            PRESET,
            false,
            "keycloak or okta: Issuer and Lookup from Base_URL + Realm, or Org_URL (+ Authorization_Server)",
        ),
        (LOOKUP, false, "scim, keycloak, okta or none: how get_user finds users (required without Preset)"),
        (BASE_URL, false, "Keycloak: its base URL, https://..."),
        (REALM, false, "Keycloak: the realm"),
        (ORG_URL, false, "Okta: the org URL, https://example.okta.com"),
        (AUTHORIZATION_SERVER, false, "Okta: the authorization server id (e.g. default); empty: the org server"),
        (OKTA_API_TOKEN, false, "Okta: a read-only API token, for Lookup okta"),
        (SCIM_BASE_URL, false, "SCIM: the service's base URL, for Lookup scim"),
        (SCOPE, false, "the password grant's scope; empty: openid profile email"),
        (USER_ID_PREFIX, false, "text put before every user id (the provider's sub); empty: none"),
        (USER_METADATA_CLAIMS, false, "comma-separated claims copied into user_metadata"),
        (APP_METADATA_CLAIMS, false, "comma-separated claims copied into app_metadata"),
        (LOG_IDENTIFIERS, false, "true: the log line names the user; false (default): a short hash only"),
    ];

    /// Whether `key` is one the oidc scripts read.
    pub fn is_known(key: &str) -> bool {
        ALL.iter().any(|(k, _, _)| *k == key)
    }
}

/// The numbers the oidc flows use.
pub mod limits {
    /// The longest URL setting (characters).
    pub const MAX_URL_CHARS: usize = 200;
    /// The most of a userinfo or admin API reply the host reads; one this long or longer is cut,
    /// fails to parse and is an Error (one user's record is a few KB).
    pub const MAX_REPLY_BYTES: u32 = 262_144;
    /// The most claim names in one mapping setting.
    pub const MAX_CLAIMS: usize = 20;
    /// The longest claim name, and the longest `User_ID_Prefix` (characters).
    pub const MAX_NAME_CHARS: usize = 100;
    /// The longest `sub` accepted (characters): Auth0 refuses longer user ids.
    pub const MAX_SUB_CHARS: usize = 255;
    /// How long the host may keep a discovery document or key set (seconds).
    pub const METADATA_TTL_S: u32 = 600;
    /// The longest a client-credentials token is kept (seconds), whatever its `expires_in`...
    pub const TOKEN_TTL_S: u32 = 3600;
    /// ...and how long before its expiry it is dropped (seconds).
    pub const TOKEN_EARLY_S: u32 = 60;
}

/// The password grant's scope when `Scope` is empty.
pub const DEFAULT_SCOPE: &str = "openid profile email";

/// How get_user finds a user.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Lookup {
    /// SCIM 2.0 `GET {base}/Users?filter=...`, bearer token from client credentials.
    Scim {
        /// The SCIM base URL, no trailing `/`.
        base: String,
    },
    /// Keycloak's admin REST API `GET {admin}/users?...&exact=true`, bearer token from client credentials.
    Keycloak {
        /// `{Base_URL}/admin/realms/{Realm}`.
        admin: String,
    },
    /// Okta's Users API `GET {org}/api/v1/users?search=...` with `SSWS {token}`.
    Okta {
        /// The org URL, no trailing `/`.
        org: String,
        /// The API token. Never logged, never in an error.
        token: String,
    },
    /// None: get_user answers an Error (see `docs/oidc-source.md`).
    None,
}

/// The settings one oidc call runs with.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OidcConfig {
    /// The issuer, no trailing `/`; the discovery document's `issuer` must equal it.
    pub issuer: String,
    /// The client id.
    pub client_id: String,
    /// The client secret. Never logged, never in an error.
    pub client_secret: String,
    /// The password grant's scope.
    pub scope: String,
    /// How get_user finds a user.
    pub lookup: Lookup,
    /// Put before each `sub` (empty: none).
    pub user_id_prefix: String,
    /// Claims copied into `user_metadata`.
    pub user_metadata_claims: Vec<String>,
    /// Claims copied into `app_metadata`.
    pub app_metadata_claims: Vec<String>,
    /// The log line may name the user.
    pub log_identifiers: bool,
}

impl OidcConfig {
    /// Validates the dashboard settings for the oidc source.
    pub fn from_settings(s: &Map) -> Result<OidcConfig, ConfigError> {
        let client_id = required(s, keys::CLIENT_ID, "the provider's client id")?.to_string();
        let client_secret = required(s, keys::CLIENT_SECRET, "the client's secret")?.to_string();
        let (issuer, default_lookup) = match optional(s, keys::PRESET).map(str::to_ascii_lowercase).as_deref() {
            None => (url(s, keys::ISSUER)?, None),
            Some(p @ ("keycloak" | "okta")) => {
                if optional(s, keys::ISSUER).is_some() {
                    return Err(err(keys::ISSUER, "must be empty with a Preset, which sets it"));
                }
                (preset_issuer(s, p)?, Some(p == "okta"))
            }
            Some(_) => return Err(err(keys::PRESET, "must be `keycloak`, `okta` or empty")),
        };
        let lookup = match (optional(s, keys::LOOKUP).map(str::to_ascii_lowercase).as_deref(), default_lookup) {
            (Some("scim"), _) => Lookup::Scim { base: url(s, keys::SCIM_BASE_URL)? },
            (Some("keycloak"), _) | (None, Some(false)) => Lookup::Keycloak { admin: keycloak(s, "/admin/realms/")? },
            (Some("okta"), _) | (None, Some(true)) => Lookup::Okta {
                org: url(s, keys::ORG_URL)?,
                token: required(s, keys::OKTA_API_TOKEN, "a read-only Okta API token")?.to_string(),
            },
            (Some("none"), _) => Lookup::None,
            (None, None) => return Err(err(keys::LOOKUP, "is missing: set scim, keycloak, okta or none")),
            (Some(_), _) => return Err(err(keys::LOOKUP, "must be scim, keycloak, okta or none")),
        };
        let scope = optional(s, keys::SCOPE).unwrap_or(DEFAULT_SCOPE);
        if !scope.split(' ').any(|w| w == "openid")
            || !scope.bytes().all(|b| b.is_ascii_graphic() && b != b'"' && b != b'\\' || b == b' ')
        {
            return Err(err(keys::SCOPE, "must be scopes with `openid`, or empty"));
        }
        let prefix = optional(s, keys::USER_ID_PREFIX).unwrap_or("");
        if crate::text::char_count(prefix) > limits::MAX_NAME_CHARS {
            return Err(err(
                keys::USER_ID_PREFIX,
                cat(&["must be at most ", &num(limits::MAX_NAME_CHARS as u64), " characters"]),
            ));
        }
        Ok(OidcConfig {
            issuer,
            client_id,
            client_secret,
            scope: scope.to_string(),
            lookup,
            user_id_prefix: prefix.to_string(),
            user_metadata_claims: claims(s, keys::USER_METADATA_CLAIMS)?,
            app_metadata_claims: claims(s, keys::APP_METADATA_CLAIMS)?,
            log_identifiers: flag(s, keys::LOG_IDENTIFIERS, false)?,
        })
    }
}

/// The issuer a preset derives: Keycloak `{Base_URL}/realms/{Realm}`; Okta `{Org_URL}/oauth2/{Authorization_Server}`
/// or, without one, the org authorization server (`{Org_URL}`).
fn preset_issuer(s: &Map, preset: &str) -> Result<String, ConfigError> {
    if preset == "keycloak" {
        return keycloak(s, "/realms/");
    }
    let org = url(s, keys::ORG_URL)?;
    Ok(match optional(s, keys::AUTHORIZATION_SERVER) {
        None => org,
        Some(id) if plain(id) => cat(&[&org, "/oauth2/", id]),
        Some(_) => return Err(err(keys::AUTHORIZATION_SERVER, "must be the server's id, e.g. default")),
    })
}

/// `{Base_URL}{middle}{Realm}`.
fn keycloak(s: &Map, middle: &str) -> Result<String, ConfigError> {
    let base = url(s, keys::BASE_URL)?;
    let realm = required(s, keys::REALM, "the Keycloak realm's name")?;
    if !plain(realm) {
        return Err(err(keys::REALM, "must be letters, digits, - and _"));
    }
    Ok(cat(&[&base, middle, realm]))
}

fn plain(v: &str) -> bool {
    v.len() <= limits::MAX_NAME_CHARS && v.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

/// A required `https://host[:port][/path]` setting, without its trailing `/`.
fn url(s: &Map, key: &'static str) -> Result<String, ConfigError> {
    let raw = required(s, key, "the provider's https:// URL")?;
    let bad = |why: &str| err(key, cat(&[why, "; expected https://host[:port][/path]"]));
    if crate::text::char_count(raw) > limits::MAX_URL_CHARS {
        return Err(bad(&cat(&["is longer than ", &num(limits::MAX_URL_CHARS as u64), " characters"])));
    }
    let Some(rest) = raw.get(..8).filter(|h| h.eq_ignore_ascii_case("https://")).and(raw.get(8..)) else {
        return Err(bad("must start with https:// (requests are HTTPS only)"));
    };
    let rest = rest.strip_suffix('/').unwrap_or(rest);
    let (host, path) =
        rest.find('/').map_or((rest, ""), |i| (rest.get(..i).unwrap_or(""), rest.get(i..).unwrap_or("")));
    if let Some(why) = host_problem(host) {
        return Err(bad(&cat(&["has a host that ", why])));
    }
    let path_ok = !mentions(path, "//")
        && path.bytes().all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~' | b'/'));
    if !path_ok {
        return Err(bad("has a path with characters other than letters, digits and - . _ ~ /"));
    }
    Ok(cat(&["https://", &host.to_ascii_lowercase(), path]))
}

/// A comma-separated list of claim names (empty: none).
fn claims(s: &Map, key: &'static str) -> Result<Vec<String>, ConfigError> {
    let Some(raw) = optional(s, key) else { return Ok(Vec::new()) };
    let names: Vec<String> = raw.split(',').map(|n| n.trim().to_string()).filter(|n| !n.is_empty()).collect();
    let fits = |n: &String| crate::text::char_count(n) <= limits::MAX_NAME_CHARS && !n.chars().any(char::is_control);
    if names.len() > limits::MAX_CLAIMS || !names.iter().all(fits) {
        return Err(err(
            key,
            cat(&[
                "must be at most ",
                &num(limits::MAX_CLAIMS as u64),
                " comma-separated claim names of at most ",
                &num(limits::MAX_NAME_CHARS as u64),
                " characters",
            ]),
        ));
    }
    Ok(names)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::json::Value;

    fn settings(pairs: &[(&str, &str)]) -> Map {
        let mut m = Map::new();
        for (k, v) in pairs {
            m.insert(*k, Value::from(*v));
        }
        m
    }

    fn with(extra: &[(&'static str, &'static str)]) -> Result<OidcConfig, ConfigError> {
        let mut s = vec![("Client_ID", "cid"), ("Client_Secret", "very-secret")];
        s.extend_from_slice(extra);
        OidcConfig::from_settings(&settings(&s))
    }

    #[test]
    fn plain_issuer_with_each_lookup() {
        let c = with(&[("Issuer", "https://Login.Example.com/tenant/"), ("Lookup", "none")]).unwrap();
        assert_eq!(
            (c.issuer.as_str(), &c.lookup, c.scope.as_str()),
            ("https://login.example.com/tenant", &Lookup::None, DEFAULT_SCOPE)
        );
        let c = with(&[
            ("Issuer", "https://127.0.0.1:8443"),
            ("Lookup", "SCIM"),
            ("SCIM_Base_URL", "https://127.0.0.1:8443/scim/v2/"),
        ])
        .unwrap();
        assert_eq!(c.lookup, Lookup::Scim { base: "https://127.0.0.1:8443/scim/v2".into() });
        let c = with(&[
            ("Issuer", "https://x.com"),
            ("Lookup", "keycloak"),
            ("Base_URL", "https://kc.x.com"),
            ("Realm", "r1"),
        ])
        .unwrap();
        assert_eq!(c.lookup, Lookup::Keycloak { admin: "https://kc.x.com/admin/realms/r1".into() });
        let c = with(&[
            ("Issuer", "https://x.com"),
            ("Lookup", "okta"),
            ("Org_URL", "https://o.okta.com"),
            ("Okta_API_Token", "tok"),
        ])
        .unwrap();
        assert_eq!(c.lookup, Lookup::Okta { org: "https://o.okta.com".into(), token: "tok".into() });
    }

    #[test]
    fn presets_derive_the_issuer_and_the_lookup() {
        let c =
            with(&[("Preset", "keycloak"), ("Base_URL", "https://kc.example.com/auth"), ("Realm", "acme")]).unwrap();
        assert_eq!(c.issuer, "https://kc.example.com/auth/realms/acme");
        assert_eq!(c.lookup, Lookup::Keycloak { admin: "https://kc.example.com/auth/admin/realms/acme".into() });
        let c = with(&[
            ("Preset", "okta"),
            ("Org_URL", "https://acme.okta.com/"),
            ("Authorization_Server", "default"),
            ("Okta_API_Token", "t"),
        ])
        .unwrap();
        assert_eq!(c.issuer, "https://acme.okta.com/oauth2/default");
        assert_eq!(c.lookup, Lookup::Okta { org: "https://acme.okta.com".into(), token: "t".into() });
        let c = with(&[
            ("Preset", "okta"),
            ("Org_URL", "https://acme.okta.com"),
            ("Okta_API_Token", "t"),
            ("Lookup", "none"),
        ])
        .unwrap();
        assert_eq!(
            (c.issuer.as_str(), c.lookup),
            ("https://acme.okta.com", Lookup::None),
            "the org server; Lookup overrides"
        );
    }

    #[test]
    fn problems_name_the_key_and_never_the_secret() {
        for (extra, key) in [
            (vec![], "Issuer"),
            (vec![("Issuer", "http://x.com"), ("Lookup", "none")], "Issuer"),
            (vec![("Issuer", "https://x.com?a=b"), ("Lookup", "none")], "Issuer"),
            (vec![("Issuer", "https://x.com")], "Lookup"),
            (vec![("Issuer", "https://x.com"), ("Lookup", "ldap")], "Lookup"),
            (vec![("Issuer", "https://x.com"), ("Lookup", "scim")], "SCIM_Base_URL"),
            (vec![("Issuer", "https://x.com"), ("Lookup", "okta"), ("Org_URL", "https://o.com")], "Okta_API_Token"),
            (vec![("Preset", "keycloak"), ("Base_URL", "https://k.com")], "Realm"),
            (vec![("Preset", "keycloak"), ("Base_URL", "https://k.com"), ("Realm", "a/b")], "Realm"),
            (
                vec![
                    ("Preset", "keycloak"),
                    ("Issuer", "https://k.com"),
                    ("Base_URL", "https://k.com"),
                    ("Realm", "a"),
                ],
                "Issuer",
            ),
            (vec![("Preset", "azure")], "Preset"),
            (vec![("Issuer", "https://x.com"), ("Lookup", "none"), ("Scope", "profile email")], "Scope"),
            (vec![("Issuer", "https://x.com"), ("Lookup", "none"), ("Log_Identifiers", "yes")], "Log_Identifiers"),
        ] {
            let e = with(&extra).unwrap_err();
            assert_eq!(e.key, key, "{extra:?}: {e:?}");
            assert!(!e.message().contains("very-secret"));
        }
        let e = OidcConfig::from_settings(&settings(&[("Client_ID", "c")])).unwrap_err();
        assert_eq!(e.key, "Client_Secret");
    }

    #[test]
    fn claim_lists_are_trimmed_and_bounded() {
        let c = with(&[
            ("Issuer", "https://x.com"),
            ("Lookup", "none"),
            ("User_Metadata_Claims", " plan, locale ,,"),
            ("App_Metadata_Claims", "https://x/roles"),
        ])
        .unwrap();
        assert_eq!(c.user_metadata_claims, ["plan", "locale"]);
        assert_eq!(c.app_metadata_claims, ["https://x/roles"]);
        let many = vec!["c"; 21].join(",");
        let mut s =
            settings(&[("Client_ID", "c"), ("Client_Secret", "s"), ("Issuer", "https://x.com"), ("Lookup", "none")]);
        s.insert("User_Metadata_Claims", Value::from(many.as_str()));
        assert_eq!(OidcConfig::from_settings(&s).unwrap_err().key, "User_Metadata_Claims");
    }

    #[test]
    fn the_key_list_is_every_key_once() {
        let mut names: Vec<&str> = keys::ALL.iter().map(|(k, _, _)| *k).collect();
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), keys::ALL.len());
        assert!(keys::is_known("Okta_API_Token") && !keys::is_known("Domain"));
    }
}
