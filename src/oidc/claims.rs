//! One mapping from OpenID claims to Auth0's normalized profile, used by both scripts: login maps
//! the ID token's claims (with userinfo's), and each lookup first turns its user record into the
//! claims the provider would issue for that user ([`crate::oidc::lookup`]), so the two profiles
//! Auth0 compares come out of the same code.

use crate::json::{Map, Value};
use crate::oidc::settings::{limits, OidcConfig};
use crate::prelude::*;
use crate::profile::Profile;
use crate::text::cat;

fn text(claims: &Map, name: &str) -> Option<String> {
    claims.get(name).and_then(Value::as_str).map(str::to_string)
}

/// The claims named in a mapping setting that are present, under their own names.
fn pick(claims: &Map, names: &[String]) -> Map {
    let mut m = Map::new();
    for n in names {
        if let Some(v) = claims.get(n) {
            m.insert(n.as_str(), v.clone());
        }
    }
    m
}

/// The profile for `claims`: user_id = `User_ID_Prefix` + `sub`; `preferred_username` becomes
/// `username`; the standard fields directly; the mapped claims into the metadata objects.
pub fn profile(cfg: &OidcConfig, claims: &Map) -> Result<Profile, String> {
    let sub = claims.get("sub").and_then(Value::as_str).unwrap_or("");
    if sub.is_empty() || crate::text::char_count(sub) > limits::MAX_SUB_CHARS {
        return Err("the user's `sub` is empty or longer than 255 characters".to_string());
    }
    // The standard claims copied under their own names (OpenID Connect Core 5.1).
    Ok(Profile {
        user_id: cat(&[&cfg.user_id_prefix, sub]),
        email: text(claims, "email"),
        email_verified: claims.get("email_verified").and_then(Value::as_bool),
        username: text(claims, "preferred_username"),
        name: text(claims, "name"),
        nickname: None,
        given_name: text(claims, "given_name"),
        family_name: text(claims, "family_name"),
        picture: text(claims, "picture"),
        user_metadata: pick(claims, &cfg.user_metadata_claims),
        app_metadata: pick(claims, &cfg.app_metadata_claims),
    })
}

/// The claims are about the user who typed `folded` (lower case): the same email, or the same
/// `preferred_username`, ignoring ASCII case. Anything else is refused rather than migrating
/// someone else.
pub fn names_user(claims: &Map, folded: &str) -> bool {
    ["email", "preferred_username"].iter().any(|c| {
        claims.get(c).and_then(Value::as_str).is_some_and(|v| !v.is_empty() && v.to_ascii_lowercase() == folded)
    })
}

/// The ID token's claims completed with userinfo's: a claim the token lacks is taken from
/// userinfo (whose `sub` the caller has checked); the token's own are never replaced.
pub fn merge(mut claims: Map, userinfo: &Map) -> Map {
    for (k, v) in userinfo.iter() {
        if !claims.contains_key(k) {
            claims.insert(k.as_str(), v.clone());
        }
    }
    claims
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::json::from_serde;
    use crate::oidc::settings::Lookup;
    use serde_json::json;

    fn cfg(prefix: &str) -> OidcConfig {
        OidcConfig {
            issuer: "https://idp".into(),
            client_id: "cid".into(),
            client_secret: "s".into(),
            scope: "openid".into(),
            lookup: Lookup::None,
            user_id_prefix: prefix.into(),
            user_metadata_claims: vec!["locale".into(), "plan".into()],
            app_metadata_claims: vec!["groups".into()],
            log_identifiers: false,
        }
    }

    fn map(v: serde_json::Value) -> Map {
        from_serde(v).as_object().unwrap().clone()
    }

    #[test]
    fn maps_the_standard_claims_the_prefix_and_the_metadata() {
        let claims = map(json!({
            "sub": "248289761001", "email": "jane@x.com", "email_verified": true, "name": "Jane D",
            "given_name": "Jane", "family_name": "D", "picture": "https://p/j.png", "preferred_username": "jane",
            "locale": "en", "groups": ["a"], "nickname": "jd", "iss": "https://idp"
        }));
        let p = profile(&cfg("kc-"), &claims).unwrap();
        assert_eq!(
            p.to_json().to_json(),
            r#"{"user_id":"kc-248289761001","email":"jane@x.com","email_verified":true,"username":"jane","name":"Jane D","given_name":"Jane","family_name":"D","picture":"https://p/j.png","user_metadata":{"locale":"en"},"app_metadata":{"groups":["a"]}}"#
        );
    }

    #[test]
    fn refuses_an_empty_or_overlong_sub_and_checks_the_identity() {
        assert!(profile(&cfg(""), &map(json!({"sub": ""}))).is_err());
        assert!(profile(&cfg(""), &map(json!({"sub": "x".repeat(256)}))).is_err());
        let c = map(json!({"email": "Jane@X.com", "preferred_username": "JDoe"}));
        assert!(names_user(&c, "jane@x.com") && names_user(&c, "jdoe") && !names_user(&c, "john@x.com"));
        assert!(!names_user(&map(json!({"email": ""})), ""));
    }

    #[test]
    fn userinfo_completes_but_never_replaces_the_token() {
        let m = merge(map(json!({"sub": "a", "email": "t@x"})), &map(json!({"sub": "a", "email": "u@x", "name": "N"})));
        assert_eq!(m.get("email"), Some(&Value::from("t@x")));
        assert_eq!(m.get("name"), Some(&Value::from("N")));
    }
}
