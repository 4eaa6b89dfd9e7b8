//! One mapping from a Firebase account record (`accounts:lookup`'s `users[]`) to Auth0's profile,
//! used by both scripts, so the profile login returns and the one get_user returns are the same.
//!
//! - `localId` -> `user_id` (after `User_ID_Prefix`);
//! - `email`, `emailVerified` -> `email`, `email_verified`;
//! - `displayName` -> `name`, `photoUrl` -> `picture`;
//! - `customAttributes` (the custom claims, as JSON text) -> `app_metadata`: they are what the
//!   project's backend decided about the user (roles, plans), which the user must not edit;
//! - `phoneNumber` -> `app_metadata.phone_number` (unless a custom claim has that name): the
//!   profile a custom-database script returns has no phone field in this project's shared type,
//!   and a number Firebase verified is not the user's to edit either.

use crate::firebase::settings::{limits, FirebaseConfig};
use crate::json::{self, Map, Value};
use crate::outcome::Outcome;
use crate::prelude::*;
use crate::profile::Profile;
use crate::text::cat;

fn text(user: &Map, name: &str) -> Option<String> {
    user.get(name).and_then(Value::as_str).filter(|t| !t.is_empty()).map(str::to_string)
}

/// The profile of `user`, or why the record cannot be one.
pub fn profile(cfg: &FirebaseConfig, user: &Map) -> Result<Profile, String> {
    let uid = user.get("localId").and_then(Value::as_str).unwrap_or("");
    if uid.is_empty() || crate::text::char_count(uid) > limits::MAX_UID_CHARS {
        return Err("the account's `localId` is empty or longer than 128 characters".to_string());
    }
    let mut app_metadata = match user.get("customAttributes") {
        None | Some(Value::Null) => Map::new(),
        Some(Value::String(t)) if t.trim().is_empty() => Map::new(),
        Some(Value::String(t)) if t.len() <= limits::MAX_CUSTOM_ATTRIBUTES_BYTES => match json::parse(t) {
            Some(Value::Object(m)) => m,
            _ => return Err("the account's `customAttributes` is not a JSON object".to_string()),
        },
        Some(_) => return Err("the account's `customAttributes` is not JSON text of at most 4096 bytes".to_string()),
    };
    if let Some(phone) = text(user, "phoneNumber") {
        if !app_metadata.contains_key("phone_number") {
            app_metadata.insert("phone_number", Value::from(phone));
        }
    }
    Ok(Profile {
        user_id: cat(&[&cfg.user_id_prefix, uid]),
        email: text(user, "email"),
        email_verified: user.get("emailVerified").and_then(Value::as_bool),
        username: None,
        name: text(user, "displayName"),
        nickname: None,
        given_name: None,
        family_name: None,
        picture: text(user, "photoUrl"),
        user_metadata: Map::new(),
        app_metadata,
    })
}

/// Whether Firebase says the account is disabled. Anything but `false` or absent counts as
/// disabled (fail closed).
pub fn is_disabled(user: &Map) -> bool {
    !matches!(user.get("disabled"), None | Some(Value::Bool(false)))
}

/// Whether the record's email is `folded` (lower case), ignoring ASCII case.
pub fn has_email(user: &Map, folded: &str) -> bool {
    user.get("email").and_then(Value::as_str).is_some_and(|e| !e.is_empty() && e.to_ascii_lowercase() == folded)
}

/// The `users` of a lookup's reply (absent: none), or `None` when the reply is not that shape.
pub fn users(body: &str) -> Option<Vec<Map>> {
    let v = json::parse(body)?;
    let o = v.as_object()?;
    match o.get("users") {
        None => Some(Vec::new()),
        Some(Value::Array(list)) => list.iter().map(|u| u.as_object().cloned()).collect(),
        Some(_) => None,
    }
}

/// get_user's answer from the admin lookup's reply: the records with the typed email; one is the
/// user (blocked when disabled), none is "not found", more is an Error.
pub fn decide(cfg: &FirebaseConfig, folded: &str, body: &str) -> Outcome {
    let Some(found) = users(body) else {
        return Outcome::error("user lookup: Firebase's reply is not an account list (or too long)");
    };
    let mut matching = found.iter().filter(|u| has_email(u, folded));
    match (matching.next(), matching.next()) {
        (None, _) => Outcome::NotFound,
        (Some(_), Some(_)) => Outcome::error("user lookup: Firebase returned two accounts with this email"),
        (Some(u), None) if is_disabled(u) => Outcome::unauthorized("Your account is blocked. Please contact support."),
        (Some(u), None) => match profile(cfg, u) {
            Ok(p) => Outcome::Profile { profile: Box::new(p) },
            Err(e) => Outcome::error(cat(&["user lookup: ", &e])),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::json::from_serde;
    use serde_json::json;

    fn cfg(prefix: &str) -> FirebaseConfig {
        FirebaseConfig {
            project_id: "demo-x".into(),
            api_key: "k".into(),
            service_account: None,
            emulator: Some("127.0.0.1:9099".into()),
            user_id_prefix: prefix.into(),
            log_identifiers: false,
        }
    }

    fn map(v: serde_json::Value) -> Map {
        from_serde(v).as_object().unwrap().clone()
    }

    #[test]
    fn maps_every_field_and_the_custom_claims() {
        let user = map(
            json!({"localId": "uid-1", "email": "jane@x.com", "emailVerified": true, "displayName": "Jane D",
            "photoUrl": "https://p/j.png", "phoneNumber": "+15555550100", "customAttributes": "{\"role\":\"admin\",\"plan\":{\"tier\":2}}",
            "passwordHash": "UkVEQUNURUQ=", "disabled": false}),
        );
        let p = profile(&cfg("fb|"), &user).unwrap();
        assert_eq!(
            p.to_json().to_json(),
            r#"{"user_id":"fb|uid-1","email":"jane@x.com","email_verified":true,"name":"Jane D","picture":"https://p/j.png","user_metadata":{},"app_metadata":{"role":"admin","plan":{"tier":2},"phone_number":"+15555550100"}}"#
        );
        assert!(!is_disabled(&user));
        let bare = profile(&cfg(""), &map(json!({"localId": "u"}))).unwrap();
        assert_eq!(bare.to_json().to_json(), r#"{"user_id":"u","user_metadata":{},"app_metadata":{}}"#);
    }

    #[test]
    fn refuses_what_cannot_be_a_profile() {
        for user in [
            json!({"email": "a@b.c"}),
            json!({"localId": ""}),
            json!({"localId": "x".repeat(129)}),
            json!({"localId": "u", "customAttributes": "[1]"}),
            json!({"localId": "u", "customAttributes": "{"}),
            json!({"localId": "u", "customAttributes": {"role": 1}}),
        ] {
            assert!(profile(&cfg(""), &map(user.clone())).is_err(), "{user}");
        }
        for disabled in [json!(true), json!("false"), json!(1), json!(null)] {
            assert!(is_disabled(&map(json!({"localId": "u", "disabled": disabled}))), "fail closed: {disabled}");
        }
    }

    #[test]
    fn get_user_decides_on_the_records_with_the_typed_email() {
        let c = cfg("");
        let one = json!({"kind": "k", "users": [{"localId": "u1", "email": "Jane@X.com"}]}).to_string();
        assert!(matches!(decide(&c, "jane@x.com", &one), Outcome::Profile { .. }));
        assert_eq!(decide(&c, "jane@x.com", r#"{"kind":"k"}"#), Outcome::NotFound);
        assert_eq!(decide(&c, "jane@x.com", r#"{"users":[]}"#), Outcome::NotFound);
        let other = json!({"users": [{"localId": "u2", "email": "john@x.com"}]}).to_string();
        assert_eq!(decide(&c, "jane@x.com", &other), Outcome::NotFound, "a record for another email is not this user");
        let disabled = json!({"users": [{"localId": "u1", "email": "jane@x.com", "disabled": true}]}).to_string();
        assert!(matches!(decide(&c, "jane@x.com", &disabled), Outcome::Unauthorized { .. }));
        let two =
            json!({"users": [{"localId": "u1", "email": "jane@x.com"}, {"localId": "u3", "email": "JANE@x.com"}]})
                .to_string();
        assert!(matches!(decide(&c, "jane@x.com", &two), Outcome::Error { .. }));
        for bad in ["", "[]", "not json", r#"{"users":{}}"#, r#"{"users":[1]}"#] {
            assert!(matches!(decide(&c, "jane@x.com", bad), Outcome::Error { .. }), "{bad}");
        }
    }
}
