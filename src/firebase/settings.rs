//! The firebase source's settings, Google's fixed addresses and every number its flows use, in
//! one place: each key, its meaning and rule ([`keys`]), the limits ([`limits`]), the hosts and
//! names Google publishes ([`google`]).
//!
//! Checked before any request, each problem naming the key and the fix, never the value (the
//! service account's private key is one of them).
//!
//! **The emulator is loopback only.** The Firebase Auth emulator issues ID tokens without a
//! signature (`alg: none`) and accepts `Authorization: Bearer owner` for admin calls, so in
//! emulator mode a login proves nothing cryptographically. `Emulator_Host` (Firebase's own
//! `FIREBASE_AUTH_EMULATOR_HOST` convention, `host:port`) is therefore refused for any host but
//! this machine's loopback: a setting pointing at any other host would let whoever answers there
//! log anyone in.

use crate::config::{err, flag, optional, required, ConfigError};
use crate::json::Map;
use crate::prelude::*;
use crate::text::{cat, num};

/// Settings keys (Auth0 keys are case-sensitive).
pub mod keys {
    /// The Firebase project id (`my-app-1234`); the ID tokens' audience and issuer name it.
    pub const PROJECT_ID: &str = "Project_ID";
    /// The project's Web API key, sent with the password check (not a secret: apps ship it).
    pub const API_KEY: &str = "API_Key";
    /// The service account get_user reads users with (`name@project.iam.gserviceaccount.com`).
    pub const SERVICE_ACCOUNT_EMAIL: &str = "Service_Account_Email";
    /// That service account's private key (PEM, as in its JSON key file). A secret: never logged,
    /// never in an error.
    pub const SERVICE_ACCOUNT_PRIVATE_KEY: &str = "Service_Account_Private_Key";
    /// `host:port` of a Firebase Auth emulator on this machine's loopback (tests only).
    pub const EMULATOR_HOST: &str = "Emulator_Host";
    /// Text put before every migrated user id; empty (default) keeps Firebase's uid.
    pub const USER_ID_PREFIX: &str = "User_ID_Prefix";
    /// `true`: the log line names the user; `false` (default): a short hash only.
    pub const LOG_IDENTIFIERS: &str = "Log_Identifiers";

    /// Every key the firebase scripts read, in documented order: name, required, meaning. The one
    /// list: the script headers name these (through the engine's `check_firebase_settings`).
    pub const ALL: [(&str, bool, &str); 7] = [
        (PROJECT_ID, true, "the Firebase project id (Project settings > General)"),
        (API_KEY, true, "the project's Web API key (Project settings > General)"),
        (
            SERVICE_ACCOUNT_EMAIL,
            false,
            "client_email of a service account with the Firebase Authentication Viewer role (required unless Emulator_Host)",
        ),
        (
            SERVICE_ACCOUNT_PRIVATE_KEY,
            false,
            "private_key of that service account's JSON key, PEM (required unless Emulator_Host)",
        ),
        (EMULATOR_HOST, false, "tests only: host:port of a Firebase Auth emulator on loopback (127.0.0.1:9099)"),
        (USER_ID_PREFIX, false, "text put before every user id (Firebase's uid); empty: none"),
        (LOG_IDENTIFIERS, false, "true: the log line names the user; false (default): a short hash only"),
    ];

    /// Whether `key` is one the firebase scripts read.
    pub fn is_known(key: &str) -> bool {
        ALL.iter().any(|(k, _, _)| *k == key)
    }
}

/// The numbers the firebase flows use.
pub mod limits {
    /// The most of a Google reply the host reads; one this long or longer is cut, fails to parse
    /// and is an Error (one account record is a few KB; Google's key set about 2 KB).
    pub const MAX_REPLY_BYTES: u32 = 262_144;
    /// How long the host may keep Google's key set (seconds); an unknown `kid` fetches it anew.
    pub const JWKS_TTL_S: u32 = 600;
    /// The longest an access token is kept (seconds), whatever its `expires_in`...
    pub const TOKEN_TTL_S: u32 = 3600;
    /// ...and how long before its expiry it is dropped (seconds).
    pub const TOKEN_EARLY_S: u32 = 60;
    /// The assertion's lifetime (seconds): Google accepts at most an hour.
    pub const ASSERTION_LIFETIME_S: u64 = 3600;
    /// The longest project id: Google's are 6 to 30 characters (the emulator's `demo-` ids too).
    pub const MAX_PROJECT_ID_CHARS: usize = 30;
    /// The longest Web API key accepted (Google's are 39 characters).
    pub const MAX_API_KEY_CHARS: usize = 100;
    /// The longest service-account email (an email address's limit).
    pub const MAX_EMAIL_CHARS: usize = 254;
    /// The longest private key accepted (a 4096-bit PKCS#8 PEM is about 3.3 KB).
    pub const MAX_PRIVATE_KEY_CHARS: usize = 8192;
    /// The longest `User_ID_Prefix`.
    pub const MAX_PREFIX_CHARS: usize = 64;
    /// The longest uid Firebase gives a user (characters).
    pub const MAX_UID_CHARS: usize = 128;
    /// The longest `customAttributes` text accepted (Firebase keeps custom claims under 1,000
    /// bytes; the margin is for escaping).
    pub const MAX_CUSTOM_ATTRIBUTES_BYTES: usize = 4096;
}

/// The addresses and names Google publishes, used exactly as published.
pub mod google {
    /// The Identity Toolkit API (sign-in, lookups), `/v1/...` under it.
    pub const IDENTITY_TOOLKIT: &str = "https://identitytoolkit.googleapis.com";
    /// Google's OAuth 2.0 token endpoint, also the assertion's audience.
    pub const TOKEN_URL: &str = "https://oauth2.googleapis.com/token";
    /// The key set Firebase ID tokens are signed with, as JWKs (the account
    /// `securetoken@system.gserviceaccount.com`).
    pub const JWKS_URL: &str =
        "https://www.googleapis.com/service_accounts/v1/jwk/securetoken@system.gserviceaccount.com";
    /// An ID token's issuer is this followed by the project id.
    pub const ISSUER_PREFIX: &str = "https://securetoken.google.com/";
    /// The scope the service account's token asks for: the Identity Toolkit API, nothing wider.
    pub const SCOPE: &str = "https://www.googleapis.com/auth/identitytoolkit";
    /// RFC 7523's grant type for a signed JWT assertion.
    pub const JWT_BEARER: &str = "urn:ietf:params:oauth:grant-type:jwt-bearer";
    /// What the emulator accepts as an admin's bearer token.
    pub const EMULATOR_ADMIN_TOKEN: &str = "owner";
}

/// The service account get_user reads users with.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServiceAccount {
    /// Its `client_email`: the assertion's issuer.
    pub email: String,
    /// Its private key as a clean PEM (64-character lines). Never logged, never in an error.
    pub private_key: String,
}

/// The settings one firebase call runs with.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FirebaseConfig {
    /// The project id.
    pub project_id: String,
    /// The Web API key.
    pub api_key: String,
    /// The service account; `None` only with an emulator (whose admin calls need none).
    pub service_account: Option<ServiceAccount>,
    /// The emulator's `host:port` (a loopback host), when set.
    pub emulator: Option<String>,
    /// Put before each uid (empty: none).
    pub user_id_prefix: String,
    /// The log line may name the user.
    pub log_identifiers: bool,
}

impl FirebaseConfig {
    /// Validates the dashboard settings for the firebase source.
    pub fn from_settings(s: &Map) -> Result<FirebaseConfig, ConfigError> {
        let project_id = required(s, keys::PROJECT_ID, "the Firebase project id")?;
        let id_ok = project_id.len() <= limits::MAX_PROJECT_ID_CHARS
            && project_id.starts_with(|c: char| c.is_ascii_lowercase())
            && project_id.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-');
        if !id_ok {
            return Err(err(
                keys::PROJECT_ID,
                cat(&[
                    "must be the project id (lower-case letters, digits and -, a letter first, at most ",
                    &num(limits::MAX_PROJECT_ID_CHARS as u64),
                    " characters), as in Project settings > General",
                ]),
            ));
        }
        let api_key = required(s, keys::API_KEY, "the project's Web API key")?;
        if api_key.len() > limits::MAX_API_KEY_CHARS
            || !api_key.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
        {
            return Err(err(
                keys::API_KEY,
                "must be the Web API key (letters, digits, - and _), as in Project settings > General",
            ));
        }
        let emulator = optional(s, keys::EMULATOR_HOST).map(emulator_host).transpose()?;
        let service_account = match (&emulator, optional(s, keys::SERVICE_ACCOUNT_EMAIL)) {
            // The emulator's admin calls take no credentials: a service account there is not read.
            (Some(_), _) => None,
            (None, email) => Some(service_account(s, email)?),
        };
        let prefix = optional(s, keys::USER_ID_PREFIX).unwrap_or("");
        if crate::text::char_count(prefix) > limits::MAX_PREFIX_CHARS || prefix.chars().any(char::is_whitespace) {
            return Err(err(
                keys::USER_ID_PREFIX,
                cat(&[
                    "must be at most ",
                    &num(limits::MAX_PREFIX_CHARS as u64),
                    " characters without spaces, or empty",
                ]),
            ));
        }
        Ok(FirebaseConfig {
            project_id: project_id.to_string(),
            api_key: api_key.to_string(),
            service_account,
            emulator,
            user_id_prefix: prefix.to_string(),
            log_identifiers: flag(s, keys::LOG_IDENTIFIERS, false)?,
        })
    }

    /// Where the Identity Toolkit API is: Google's, or the emulator's `http://{host}/identitytoolkit.googleapis.com`.
    pub fn toolkit(&self) -> String {
        match &self.emulator {
            Some(host) => cat(&["http://", host, "/identitytoolkit.googleapis.com"]),
            None => google::IDENTITY_TOOLKIT.to_string(),
        }
    }

    /// The issuer the project's ID tokens name (the emulator's too).
    pub fn issuer(&self) -> String {
        cat(&[google::ISSUER_PREFIX, &self.project_id])
    }
}

/// `host:port` with a loopback host: `127.x.y.z`, `localhost` or `[::1]`, and a port.
fn emulator_host(raw: &str) -> Result<String, ConfigError> {
    let bad = |why: &str| {
        err(
            keys::EMULATOR_HOST,
            cat(&[
                why,
                ": it must be host:port of an emulator on this machine (127.0.0.1:9099, localhost:9099 or [::1]:9099), or empty. The emulator's tokens are unsigned, so any other host could log anyone in",
            ]),
        )
    };
    let Some(colon) = raw.rfind(':') else { return Err(bad("has no port")) };
    let (host, port) = (raw.get(..colon).unwrap_or(""), raw.get(colon + 1..).unwrap_or(""));
    let port_ok = (1..=5).contains(&port.len())
        && port.bytes().all(|b| b.is_ascii_digit())
        && (1..=65_535).contains(&decimal(port));
    if !port_ok {
        return Err(bad("has no valid port"));
    }
    let lower = host.to_ascii_lowercase();
    let loopback = lower == "localhost" || lower == "[::1]" || {
        let parts: Vec<&str> = lower.split('.').collect();
        parts.len() == 4
            && parts[0] == "127"
            && parts
                .iter()
                .all(|p| (1..=3).contains(&p.len()) && p.bytes().all(|b| b.is_ascii_digit()) && decimal(p) <= 255)
    };
    if !loopback {
        return Err(bad("is not a loopback host"));
    }
    Ok(cat(&[&lower, ":", port]))
}

/// The value of at most five ASCII digits (checked by the caller): no `str::parse`, whose error
/// types the script would carry.
fn decimal(digits: &str) -> u32 {
    digits.bytes().fold(0, |n, b| n * 10 + u32::from(b - b'0'))
}

fn service_account(s: &Map, email: Option<&str>) -> Result<ServiceAccount, ConfigError> {
    let what = "the service account's client_email (its JSON key file has it)";
    let email = email.ok_or_else(|| {
        err(keys::SERVICE_ACCOUNT_EMAIL, cat(&["is missing: add it under the connection's Settings with ", what]))
    })?;
    let email_ok = email.len() <= limits::MAX_EMAIL_CHARS
        && email.bytes().filter(|b| *b == b'@').count() == 1
        && !email.starts_with('@')
        && !email.ends_with('@')
        && email.bytes().all(|b| b.is_ascii_alphanumeric() || matches!(b, b'@' | b'.' | b'-' | b'_' | b'+'));
    if !email_ok {
        return Err(err(
            keys::SERVICE_ACCOUNT_EMAIL,
            cat(&["must be ", what, ", e.g. migrate@my-app.iam.gserviceaccount.com"]),
        ));
    }
    let key = required(
        s,
        keys::SERVICE_ACCOUNT_PRIVATE_KEY,
        "the service account's private_key (PEM, from its JSON key file)",
    )?;
    let private_key = pem(key).ok_or_else(|| {
        err(
            keys::SERVICE_ACCOUNT_PRIVATE_KEY,
            cat(&[
                "must be the private_key of the service account's JSON key file: -----BEGIN PRIVATE KEY----- ... -----END PRIVATE KEY----- (its \\n may stay written as \\n), at most ",
                &num(limits::MAX_PRIVATE_KEY_CHARS as u64),
                " characters",
            ]),
        )
    })?;
    Ok(ServiceAccount { email: email.to_string(), private_key })
}

/// The private key as a clean PEM, or `None` when it is not one. The JSON key file writes its
/// line breaks as `\n`; pasted from there, they may arrive as those two characters, or as spaces
/// once a form has folded the lines: all of them are read as line breaks.
pub fn pem(raw: &str) -> Option<String> {
    if raw.len() > limits::MAX_PRIVATE_KEY_CHARS {
        return None;
    }
    // `\n` written out as two characters becomes a line break (a byte scan, not `str::replace`).
    let mut text = String::with_capacity(raw.len());
    let mut chars = raw.chars().peekable();
    while let Some(c) = chars.next() {
        if c == '\\' && chars.peek() == Some(&'n') {
            chars.next();
            text.push('\n');
        } else {
            text.push(c);
        }
    }
    let text = text.trim();
    for label in ["PRIVATE KEY", "RSA PRIVATE KEY"] {
        let begin = cat(&["-----BEGIN ", label, "-----"]);
        let end = cat(&["-----END ", label, "-----"]);
        let Some(body) = text.strip_prefix(begin.as_str()).and_then(|t| t.strip_suffix(end.as_str())) else {
            continue;
        };
        let b64: String = body.chars().filter(|c| !c.is_whitespace()).collect();
        let plain = |b: u8| b.is_ascii_alphanumeric() || b == b'+' || b == b'/';
        let pad = b64.len() - b64.trim_end_matches('=').len();
        if b64.len() < 64 || !b64.len().is_multiple_of(4) || pad > 2 || !b64.trim_end_matches('=').bytes().all(plain) {
            return None;
        }
        let mut out = begin;
        for (i, c) in b64.chars().enumerate() {
            if i % 64 == 0 {
                out.push('\n');
            }
            out.push(c);
        }
        out.push('\n');
        out.push_str(&end);
        out.push('\n');
        return Some(out);
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::json::Value;

    pub(crate) const KEY_BODY: &str = "MIIEvQIBADANBgkqhkiG9w0BAQEFAASCBKcwggSjAgEAAoIBAQC7VJTUt9Us8cKjMzEfYyjiWA4R4/M2bS1GB4t7NXp98C3SC6dVMvDuictGeurT8jNbvJZHtCSuYEvuNMoSfm76oqFvAp8Gy0iz5sxjZmSnXyCdPEovGhLa0VzMaQ8s+CLOyS56YyCFGeJZ";

    fn settings(pairs: &[(&str, &str)]) -> Map {
        let mut m = Map::new();
        for (k, v) in pairs {
            m.insert(*k, Value::from(*v));
        }
        m
    }

    fn key() -> String {
        cat(&["-----BEGIN PRIVATE KEY-----\\n", KEY_BODY, "\\n-----END PRIVATE KEY-----\\n"])
    }

    fn with(extra: &[(&'static str, &str)]) -> Result<FirebaseConfig, ConfigError> {
        let k = key();
        let mut s = vec![
            ("Project_ID", "my-app-1234"),
            ("API_Key", "AIzaSyTestKey_0123456789-abcdefghijklmn"),
            ("Service_Account_Email", "migrate@my-app-1234.iam.gserviceaccount.com"),
            ("Service_Account_Private_Key", k.as_str()),
        ];
        s.extend_from_slice(extra);
        let mut m = settings(&s);
        for (k, v) in extra {
            m.insert(*k, Value::from(*v));
        }
        FirebaseConfig::from_settings(&m)
    }

    #[test]
    fn production_settings_and_their_normal_forms() {
        let c = with(&[]).unwrap();
        assert_eq!((c.project_id.as_str(), c.emulator.as_deref()), ("my-app-1234", None));
        assert_eq!(c.toolkit(), "https://identitytoolkit.googleapis.com");
        assert_eq!(c.issuer(), "https://securetoken.google.com/my-app-1234");
        let sa = c.service_account.unwrap();
        assert!(sa.private_key.starts_with("-----BEGIN PRIVATE KEY-----\nMIIE"), "{}", sa.private_key);
        assert!(sa.private_key.lines().all(|l| l.len() <= 64));
        assert!(sa.private_key.ends_with("-----END PRIVATE KEY-----\n"));
        assert!(!c.log_identifiers && c.user_id_prefix.is_empty());
    }

    #[test]
    fn a_pem_with_real_line_breaks_or_folded_into_spaces_reads_the_same() {
        let escaped = pem(&key()).unwrap();
        let real = pem(&key().replace("\\n", "\n")).unwrap();
        let wrapped =
            format!("-----BEGIN PRIVATE KEY-----\n{}\n{}\n-----END PRIVATE KEY-----", &KEY_BODY[..64], &KEY_BODY[64..]);
        let spaced = wrapped.replace('\n', " ");
        assert_eq!(escaped, real);
        assert_eq!(pem(&wrapped).unwrap(), real);
        assert_eq!(pem(&spaced).unwrap(), real);
        for bad in [
            "",
            "MIIE",
            "-----BEGIN PRIVATE KEY-----\nnot*base64\n-----END PRIVATE KEY-----",
            "-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----",
        ] {
            assert!(pem(bad).is_none(), "{bad}");
        }
    }

    #[test]
    fn the_emulator_is_loopback_only_and_needs_no_service_account() {
        for host in ["127.0.0.1:9099", "localhost:9099", "LOCALHOST:1", "[::1]:9099", "127.1.2.3:65535"] {
            let s = settings(&[("Project_ID", "demo-x"), ("API_Key", "any"), ("Emulator_Host", host)]);
            let c = FirebaseConfig::from_settings(&s).unwrap();
            assert!(c.service_account.is_none(), "{host}");
            assert!(
                c.toolkit().starts_with("http://") && c.toolkit().ends_with("/identitytoolkit.googleapis.com"),
                "{host}"
            );
        }
        for host in [
            "10.0.0.5:9099",
            "emulator.example.com:9099",
            "0.0.0.0:9099",
            "127.0.0.1",
            "127.0.0.1:0",
            "127.0.0.1:99999",
            "http://127.0.0.1:9099",
            "127.0.0.256:9099",
            "[::2]:9099",
            "127.0.0.1:90a",
        ] {
            let s = settings(&[("Project_ID", "demo-x"), ("API_Key", "any"), ("Emulator_Host", host)]);
            let e = FirebaseConfig::from_settings(&s).unwrap_err();
            assert_eq!(e.key, "Emulator_Host", "{host}");
            assert!(e.message().contains("unsigned"), "{host}: {e:?}");
        }
    }

    #[test]
    fn problems_name_the_key_and_never_the_private_key() {
        for (extra, key) in [
            (vec![("Project_ID", "")], "Project_ID"),
            (vec![("Project_ID", "My-App")], "Project_ID"),
            (vec![("Project_ID", "1app")], "Project_ID"),
            (vec![("API_Key", "")], "API_Key"),
            (vec![("API_Key", "a key")], "API_Key"),
            (vec![("Service_Account_Email", "")], "Service_Account_Email"),
            (vec![("Service_Account_Email", "not-an-email")], "Service_Account_Email"),
            (vec![("Service_Account_Private_Key", "")], "Service_Account_Private_Key"),
            (vec![("User_ID_Prefix", "a b")], "User_ID_Prefix"),
            (vec![("Log_Identifiers", "yes")], "Log_Identifiers"),
        ] {
            let e = with(&extra).unwrap_err();
            assert_eq!(e.key, key, "{extra:?}: {e:?}");
            assert!(!e.message().contains(&KEY_BODY[..20]));
        }
        let broken = format!("-----BEGIN PRIVATE KEY-----\n{}!\n-----END PRIVATE KEY-----", KEY_BODY);
        let e = with(&[("Service_Account_Private_Key", broken.as_str())]).unwrap_err();
        assert_eq!(e.key, "Service_Account_Private_Key");
        assert!(!e.message().contains(&KEY_BODY[..20]), "{e:?}");
    }

    #[test]
    fn the_key_list_is_every_key_once() {
        let mut names: Vec<&str> = keys::ALL.iter().map(|(k, _, _)| *k).collect();
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), keys::ALL.len());
        assert!(keys::is_known("Emulator_Host") && !keys::is_known("Domain"));
    }
}
