//! The cognito source's settings and limits, in one place: every key, its meaning, its default,
//! and every number and fixed name the flows use ([`limits`]).
//!
//! Checked before any request, each problem naming the key and the fix, never the value (two of
//! them are secrets). Requests go to `https://cognito-idp.{Region}.amazonaws.com/`; an `Endpoint`
//! override (a local emulator, a test double) follows the other sources' host rule
//! (`config::host_problem`), and may be plain `http://` only for a loopback host.

use crate::config::{err, flag, host_problem, optional, required, ConfigError};
use crate::json::Map;
use crate::prelude::*;
use crate::text::{cat, num};

/// Settings keys (Auth0 keys are case-sensitive).
pub mod keys {
    /// The AWS region of the user pool, e.g. `eu-west-1`.
    pub const REGION: &str = "Region";
    /// The user pool id, e.g. `eu-west-1_AbCdEf123`.
    pub const USER_POOL_ID: &str = "User_Pool_ID";
    /// The app client the password is checked with (`USER_PASSWORD_AUTH` enabled).
    pub const CLIENT_ID: &str = "Client_ID";
    /// The app client's secret, when it has one. Never logged, never in an error.
    pub const CLIENT_SECRET: &str = "Client_Secret";
    /// The IAM access key id that may call `ListUsers` on the pool.
    pub const ACCESS_KEY_ID: &str = "Access_Key_ID";
    /// Its secret access key. Never logged, never in an error.
    pub const SECRET_ACCESS_KEY: &str = "Secret_Access_Key";
    /// Where requests go instead of Cognito (an emulator); empty: Cognito itself.
    pub const ENDPOINT: &str = "Endpoint";
    /// `refuse` (default) or `migrate`: what an unconfirmed user meets.
    pub const UNCONFIRMED_USERS: &str = "Unconfirmed_Users";
    /// `sub` (default) or `username`: which of the user's values becomes the Auth0 user id.
    pub const USER_ID_ATTRIBUTE: &str = "User_ID_Attribute";
    /// Text put before every migrated user id.
    pub const USER_ID_PREFIX: &str = "User_ID_Prefix";
    /// Comma-separated attribute names copied into `user_metadata`.
    pub const USER_METADATA_ATTRIBUTES: &str = "User_Metadata_Attributes";
    /// Comma-separated attribute names copied into `app_metadata`.
    pub const APP_METADATA_ATTRIBUTES: &str = "App_Metadata_Attributes";
    /// `true`: the log line names the user; `false` (default): a short hash only.
    pub const LOG_IDENTIFIERS: &str = "Log_Identifiers";

    /// Every key the cognito scripts read, in documented order: name, required, meaning. The one
    /// list: the script headers name these (through the engine's `check_cognito_settings`).
    pub const ALL: [(&str, bool, &str); 13] = [
        (REGION, true, "the user pool's AWS region, e.g. eu-west-1"),
        (USER_POOL_ID, true, "the user pool id, e.g. eu-west-1_AbCdEf123"),
        (CLIENT_ID, true, "an app client of the pool with USER_PASSWORD_AUTH enabled"),
        (CLIENT_SECRET, false, "that app client's secret, when it has one"),
        (ACCESS_KEY_ID, true, "an IAM access key id allowed cognito-idp:ListUsers on the pool"),
        (SECRET_ACCESS_KEY, true, "that access key's secret"),
        (
            ENDPOINT,
            false,
            "another endpoint than Cognito's (an emulator): https://host[:port], http:// for loopback only",
        ),
        (UNCONFIRMED_USERS, false, "refuse (default) or migrate (through a password reset): users who never confirmed"),
        (USER_ID_ATTRIBUTE, false, "sub (default) or username: the user id Auth0 keeps"),
        (USER_ID_PREFIX, false, "text put before every user id; empty: none"),
        (USER_METADATA_ATTRIBUTES, false, "comma-separated attributes (e.g. custom:plan) copied into user_metadata"),
        (APP_METADATA_ATTRIBUTES, false, "comma-separated attributes copied into app_metadata"),
        (LOG_IDENTIFIERS, false, "true: the log line names the user; false (default): a short hash only"),
    ];

    /// Whether `key` is one the cognito scripts read.
    pub fn is_known(key: &str) -> bool {
        ALL.iter().any(|(k, _, _)| *k == key)
    }
}

/// The numbers and fixed names the cognito flows use.
pub mod limits {
    /// The AWS service name requests are signed for.
    pub const SERVICE: &str = "cognito-idp";
    /// The `X-Amz-Target` prefix of every call (AWS JSON 1.1).
    pub const TARGET_PREFIX: &str = "AWSCognitoIdentityProviderService.";
    /// The body's content type (AWS JSON 1.1).
    pub const CONTENT_TYPE: &str = "application/x-amz-json-1.1";
    /// The longest `Endpoint` (characters).
    pub const MAX_URL_CHARS: usize = 200;
    /// The longest region (characters).
    pub const MAX_REGION_CHARS: usize = 32;
    /// The longest user pool id (Cognito: 55).
    pub const MAX_POOL_ID_CHARS: usize = 55;
    /// The longest app client id (Cognito: 128).
    pub const MAX_CLIENT_ID_CHARS: usize = 128;
    /// The longest access key id (IAM: 128).
    pub const MAX_ACCESS_KEY_CHARS: usize = 128;
    /// The most of a Cognito reply the host reads; one this long or longer is cut, fails to
    /// parse and is an Error (a user with every attribute is a few KB; a page of 60 more).
    pub const MAX_REPLY_BYTES: u32 = 262_144;
    /// How many users one `ListUsers` asks for: Cognito's most (60). Two or more matching is an
    /// Error; that many is far more than one identifier should ever match.
    pub const LIST_LIMIT: u64 = 60;
    /// The most attribute names in one mapping setting.
    pub const MAX_ATTRIBUTES: usize = 20;
    /// The longest attribute name (Cognito: 32 after `custom:`), and the longest `User_ID_Prefix`.
    pub const MAX_NAME_CHARS: usize = 100;
    /// The longest user id accepted (characters): Auth0 refuses longer user ids.
    pub const MAX_USER_ID_CHARS: usize = 255;
    /// How long the host may keep the pool's key set (seconds).
    pub const JWKS_TTL_S: u32 = 600;
}

/// What an unconfirmed user meets. Cognito answers `UserNotConfirmedException` whether the
/// password was right or not (its documented behaviour, confirmed in AWS SDK issue threads), so
/// no setting can migrate such a user's password: it was never checked.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Unconfirmed {
    /// login and get_user both answer UnauthorizedError: confirm at the old system first.
    Refuse,
    /// login answers UnauthorizedError asking for a password reset; get_user offers the user
    /// with `email_verified: false`, so the new tenant's reset (which proves the email) moves them.
    Migrate,
}

/// Which of the user's values becomes the Auth0 user id.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UserId {
    /// The `sub` attribute (a UUID that never changes).
    Sub,
    /// The Cognito username.
    Username,
}

/// The settings one cognito call runs with.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CognitoConfig {
    /// The region (lower case).
    pub region: String,
    /// The user pool id.
    pub pool_id: String,
    /// The app client id.
    pub client_id: String,
    /// The app client secret, when set. Never logged, never in an error.
    pub client_secret: Option<String>,
    /// The IAM access key id.
    pub access_key_id: String,
    /// The IAM secret access key. Never logged, never in an error.
    pub secret_access_key: String,
    /// `scheme://host[:port]` requests go to (no trailing `/`).
    pub origin: String,
    /// `host[:port]` as signed (the `host` header).
    pub host: String,
    /// Whether `Endpoint` replaced Cognito's own (the ID token's issuer follows it).
    pub overridden: bool,
    /// What an unconfirmed user meets.
    pub unconfirmed: Unconfirmed,
    /// Which value is the user id.
    pub user_id: UserId,
    /// Put before each user id (empty: none).
    pub user_id_prefix: String,
    /// Attributes copied into `user_metadata`.
    pub user_metadata_attributes: Vec<String>,
    /// Attributes copied into `app_metadata`.
    pub app_metadata_attributes: Vec<String>,
    /// The log line may name the user.
    pub log_identifiers: bool,
}

impl CognitoConfig {
    /// Validates the dashboard settings for the cognito source.
    pub fn from_settings(s: &Map) -> Result<CognitoConfig, ConfigError> {
        let region = required(s, keys::REGION, "the user pool's AWS region, e.g. eu-west-1")?.to_ascii_lowercase();
        if region.len() > limits::MAX_REGION_CHARS
            || !region.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
            || !region.contains('-')
        {
            return Err(err(keys::REGION, "must be an AWS region such as eu-west-1 (letters, digits and -)"));
        }
        let pool_id = required(s, keys::USER_POOL_ID, "the user pool id, e.g. eu-west-1_AbCdEf123")?;
        let endpoint = optional(s, keys::ENDPOINT);
        let prefix = pool_id.split_once('_').map(|(p, _)| p);
        let pool_ok = pool_id.len() <= limits::MAX_POOL_ID_CHARS
            && pool_id.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
            && prefix.is_some_and(|p| !p.is_empty())
            && !pool_id.ends_with('_');
        if !pool_ok {
            return Err(err(keys::USER_POOL_ID, "must be the pool's id, `{region}_{id}` such as eu-west-1_AbCdEf123"));
        }
        // Cognito's pool ids begin with their region; an emulator's need not (`local_...`).
        if endpoint.is_none() && prefix != Some(region.as_str()) {
            return Err(err(
                keys::USER_POOL_ID,
                "does not begin with the `Region` setting's region: check both (the id starts with the region, then `_`)",
            ));
        }
        let client_id = required(s, keys::CLIENT_ID, "the app client id")?;
        if !plain(client_id, limits::MAX_CLIENT_ID_CHARS) {
            return Err(err(keys::CLIENT_ID, "must be the app client's id (letters and digits)"));
        }
        let access_key_id = required(s, keys::ACCESS_KEY_ID, "an IAM access key id allowed ListUsers on the pool")?;
        if !plain(access_key_id, limits::MAX_ACCESS_KEY_CHARS) {
            return Err(err(keys::ACCESS_KEY_ID, "must be an IAM access key id (letters and digits, e.g. AKIA...)"));
        }
        let secret_access_key = required(s, keys::SECRET_ACCESS_KEY, "that access key's secret")?;
        let (origin, host, overridden) = match endpoint {
            None => {
                let host = cat(&["cognito-idp.", &region, ".amazonaws.com"]);
                (cat(&["https://", &host]), host, false)
            }
            Some(raw) => {
                let (origin, host) = endpoint_url(raw)?;
                (origin, host, true)
            }
        };
        let unconfirmed = match optional(s, keys::UNCONFIRMED_USERS).map(str::to_ascii_lowercase).as_deref() {
            None | Some("refuse") => Unconfirmed::Refuse,
            Some("migrate") => Unconfirmed::Migrate,
            Some(_) => return Err(err(keys::UNCONFIRMED_USERS, "must be `refuse` or `migrate` (or empty for refuse)")),
        };
        let user_id = match optional(s, keys::USER_ID_ATTRIBUTE).map(str::to_ascii_lowercase).as_deref() {
            None | Some("sub") => UserId::Sub,
            Some("username") => UserId::Username,
            Some(_) => return Err(err(keys::USER_ID_ATTRIBUTE, "must be `sub` or `username` (or empty for sub)")),
        };
        let user_id_prefix = optional(s, keys::USER_ID_PREFIX).unwrap_or("");
        if crate::text::char_count(user_id_prefix) > limits::MAX_NAME_CHARS
            || user_id_prefix.chars().any(char::is_whitespace)
        {
            return Err(err(
                keys::USER_ID_PREFIX,
                cat(&["must be at most ", &num(limits::MAX_NAME_CHARS as u64), " characters without spaces"]),
            ));
        }
        Ok(CognitoConfig {
            region,
            pool_id: pool_id.to_string(),
            client_id: client_id.to_string(),
            client_secret: optional(s, keys::CLIENT_SECRET).map(str::to_string),
            access_key_id: access_key_id.to_string(),
            secret_access_key: secret_access_key.to_string(),
            origin,
            host,
            overridden,
            unconfirmed,
            user_id,
            user_id_prefix: user_id_prefix.to_string(),
            user_metadata_attributes: attributes(s, keys::USER_METADATA_ATTRIBUTES)?,
            app_metadata_attributes: attributes(s, keys::APP_METADATA_ATTRIBUTES)?,
            log_identifiers: flag(s, keys::LOG_IDENTIFIERS, false)?,
        })
    }

    /// The ID token's issuer: Cognito's `https://cognito-idp.{region}.amazonaws.com/{pool}`, or
    /// `{Endpoint}/{pool}` with an override (an emulator issues its tokens under its own address).
    pub fn issuer(&self) -> String {
        cat(&[&self.origin, "/", &self.pool_id])
    }
}

fn plain(v: &str, max: usize) -> bool {
    v.len() <= max && v.bytes().all(|b| b.is_ascii_alphanumeric())
}

fn is_loopback(host: &str) -> bool {
    host == "localhost" || host == "127.0.0.1"
}

/// `Endpoint`: `https://host[:port][/]`, or `http://` when the host is loopback -> (origin, host).
fn endpoint_url(raw: &str) -> Result<(String, String), ConfigError> {
    let bad =
        |why: &str| err(keys::ENDPOINT, cat(&[why, "; expected https://host[:port] (http:// for 127.0.0.1 only)"]));
    if crate::text::char_count(raw) > limits::MAX_URL_CHARS {
        return Err(bad(&cat(&["is longer than ", &num(limits::MAX_URL_CHARS as u64), " characters"])));
    }
    let scheme = |p: &str| raw.get(..p.len()).is_some_and(|h| h.eq_ignore_ascii_case(p));
    let (secure, rest) = if scheme("https://") {
        (true, raw.get(8..).unwrap_or(""))
    } else if scheme("http://") {
        (false, raw.get(7..).unwrap_or(""))
    } else {
        return Err(bad("must start with https://"));
    };
    let host = rest.strip_suffix('/').unwrap_or(rest).to_ascii_lowercase();
    if let Some(why) = host_problem(&host) {
        return Err(bad(&cat(&["has a host that ", why, " (no path, query or credentials)"])));
    }
    let name = host.rsplit_once(':').map_or(host.as_str(), |(h, _)| h);
    if !secure && !is_loopback(name) {
        return Err(bad("uses http://, which is allowed for a loopback host only"));
    }
    Ok((cat(&[if secure { "https://" } else { "http://" }, &host]), host))
}

/// A comma-separated list of attribute names (empty: none).
fn attributes(s: &Map, key: &'static str) -> Result<Vec<String>, ConfigError> {
    let Some(raw) = optional(s, key) else { return Ok(Vec::new()) };
    let names: Vec<String> = raw.split(',').map(|n| n.trim().to_string()).filter(|n| !n.is_empty()).collect();
    let fits = |n: &String| crate::text::char_count(n) <= limits::MAX_NAME_CHARS && !n.chars().any(char::is_control);
    if names.len() > limits::MAX_ATTRIBUTES || !names.iter().all(fits) {
        return Err(err(
            key,
            cat(&[
                "must be at most ",
                &num(limits::MAX_ATTRIBUTES as u64),
                " comma-separated attribute names of at most ",
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

    fn with(extra: &[(&'static str, &'static str)]) -> Result<CognitoConfig, ConfigError> {
        let mut m = Map::new();
        for (k, v) in [
            ("Region", "eu-west-1"),
            ("User_Pool_ID", "eu-west-1_AbC123"),
            ("Client_ID", "abc123"),
            ("Access_Key_ID", "AKIAEXAMPLE"),
            ("Secret_Access_Key", "very/secret+key"),
        ]
        .iter()
        .chain(extra)
        {
            m.insert(*k, Value::from(*v));
        }
        CognitoConfig::from_settings(&m)
    }

    #[test]
    fn defaults_and_the_issuer() {
        let c = with(&[]).unwrap();
        assert_eq!(c.origin, "https://cognito-idp.eu-west-1.amazonaws.com");
        assert_eq!(c.host, "cognito-idp.eu-west-1.amazonaws.com");
        assert_eq!(c.issuer(), "https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_AbC123");
        assert_eq!((c.unconfirmed, c.user_id, c.client_secret.is_none()), (Unconfirmed::Refuse, UserId::Sub, true));
        let c = with(&[
            ("Endpoint", "http://127.0.0.1:9229/"),
            ("User_Pool_ID", "local_x1"),
            ("Unconfirmed_Users", "MIGRATE"),
            ("User_ID_Attribute", "username"),
            ("User_Metadata_Attributes", "custom:plan, locale"),
            ("Client_Secret", "s"),
        ])
        .unwrap();
        assert_eq!((c.origin.as_str(), c.host.as_str()), ("http://127.0.0.1:9229", "127.0.0.1:9229"));
        assert_eq!(c.issuer(), "http://127.0.0.1:9229/local_x1");
        assert_eq!((c.unconfirmed, c.user_id), (Unconfirmed::Migrate, UserId::Username));
        assert_eq!(c.user_metadata_attributes, ["custom:plan", "locale"]);
        assert_eq!(with(&[("Endpoint", "https://cognito.test:8443")]).unwrap().origin, "https://cognito.test:8443");
    }

    #[test]
    fn each_bad_setting_names_its_key_never_the_secret() {
        for (key, bad) in [
            ("Region", "eu west"),
            ("Region", "euwest1"),
            ("User_Pool_ID", "us-east-1_AbC123"),
            ("User_Pool_ID", "nounderscore"),
            ("Client_ID", "a b"),
            ("Access_Key_ID", "AKIA/1"),
            ("Endpoint", "http://cognito.example.com"),
            ("Endpoint", "https://x.com/path"),
            ("Endpoint", "ftp://x"),
            ("Unconfirmed_Users", "allow"),
            ("User_ID_Attribute", "email"),
            ("User_ID_Prefix", "a b"),
            ("Log_Identifiers", "yes"),
        ] {
            let e = with(&[(key, bad)]).unwrap_err();
            assert_eq!(e.key, key, "{key}={bad}: {e:?}");
            assert!(e.message().starts_with(&format!("setting `{key}` ")), "{e:?}");
        }
        let mut m = Map::new();
        m.insert("Region", Value::from("eu-west-1"));
        let e = CognitoConfig::from_settings(&m).unwrap_err();
        assert_eq!((e.key, e.problem.contains("is missing")), ("User_Pool_ID", true));
        let e = with(&[("Secret_Access_Key", " ")]).unwrap_err();
        assert_eq!(e.key, "Secret_Access_Key");
        assert!(!e.message().contains("very/secret"));
    }

    #[test]
    fn the_key_list_is_every_key_once() {
        let names: Vec<&str> = keys::ALL.iter().map(|(k, _, _)| *k).collect();
        let mut sorted = names.clone();
        sorted.sort_unstable();
        sorted.dedup();
        assert_eq!(sorted.len(), names.len());
        assert!(keys::is_known("Endpoint") && !keys::is_known("Domain"));
    }
}
