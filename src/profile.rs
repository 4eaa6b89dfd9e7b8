//! The profile handed to Auth0, built the same way from an ID token (login) and from a
//! Management API user record (get_user), so that both scripts return the same user.

use crate::json::{Map, Value};
use crate::prelude::*;
use crate::text::cat;

/// The marker the old tenant's rule/action sets on users it has handed over. It belongs to the
/// old tenant's bookkeeping, so it is not carried into the new tenant.
pub const MIGRATION_MARKER: &str = "migration_complete";

/// The user, in the fields Auth0 accepts from a custom-database script. Absent fields are left
/// out of the JSON rather than sent as `null`.
#[derive(Debug, Clone, PartialEq)]
pub struct Profile {
    /// The old id without its `auth0|` prefix: Auth0 adds the prefix back, so the id stays the same.
    pub user_id: String,
    #[allow(missing_docs)]
    pub email: Option<String>,
    #[allow(missing_docs)]
    pub email_verified: Option<bool>,
    #[allow(missing_docs)]
    pub username: Option<String>,
    #[allow(missing_docs)]
    pub name: Option<String>,
    #[allow(missing_docs)]
    pub nickname: Option<String>,
    #[allow(missing_docs)]
    pub given_name: Option<String>,
    #[allow(missing_docs)]
    pub family_name: Option<String>,
    #[allow(missing_docs)]
    pub picture: Option<String>,
    /// Always an object (possibly empty), so both scripts agree on its presence.
    pub user_metadata: Map,
    /// Always an object (possibly empty), without the old tenant's [`MIGRATION_MARKER`].
    pub app_metadata: Map,
}

impl Profile {
    /// The profile as Auth0 reads it: absent fields left out, metadata always objects.
    pub fn to_json(&self) -> Value {
        let mut m = Map::new();
        m.insert("user_id", Value::from(self.user_id.as_str()));
        let text = |m: &mut Map, k: &str, v: &Option<String>| {
            if let Some(v) = v {
                m.insert(k, Value::from(v.as_str()));
            }
        };
        text(&mut m, "email", &self.email);
        if let Some(b) = self.email_verified {
            m.insert("email_verified", Value::Bool(b));
        }
        text(&mut m, "username", &self.username);
        text(&mut m, "name", &self.name);
        text(&mut m, "nickname", &self.nickname);
        text(&mut m, "given_name", &self.given_name);
        text(&mut m, "family_name", &self.family_name);
        text(&mut m, "picture", &self.picture);
        m.insert("user_metadata", Value::Object(self.user_metadata.clone()));
        m.insert("app_metadata", Value::Object(self.app_metadata.clone()));
        Value::Object(m)
    }
}

/// `auth0|abc` -> `abc`. Auth0 prefixes what the script returns with `auth0|`, so returning the
/// old id unchanged would yield `auth0|auth0|abc` and break every app's foreign keys.
pub fn carry_user_id(old: &str) -> &str {
    old.strip_prefix("auth0|").unwrap_or(old)
}

fn text(v: Option<&Value>) -> Option<String> {
    v.and_then(Value::as_str).map(str::to_string)
}

fn object(v: Option<&Value>) -> Map {
    match v {
        Some(Value::Object(m)) => m.clone(),
        _ => Map::new(),
    }
}

/// Builds a profile from an object holding the standard profile fields under their own names
/// (both an ID token's claims and a Management API user record do), with the user id and the
/// metadata objects supplied by the caller.
fn from_fields(
    fields: &Map,
    old_id: &str,
    username: Option<String>,
    user_metadata: Map,
    mut app_metadata: Map,
) -> Result<Profile, String> {
    let user_id = carry_user_id(old_id);
    if user_id.is_empty() {
        return Err("the old tenant returned an empty user id".to_string());
    }
    app_metadata.remove(MIGRATION_MARKER);
    Ok(Profile {
        user_id: user_id.to_string(),
        email: text(fields.get("email")),
        email_verified: fields.get("email_verified").and_then(Value::as_bool),
        username,
        name: text(fields.get("name")),
        nickname: text(fields.get("nickname")),
        given_name: text(fields.get("given_name")),
        family_name: text(fields.get("family_name")),
        picture: text(fields.get("picture")),
        user_metadata,
        app_metadata,
    })
}

/// Whether the old tenant's claims producer (rule/action) put metadata claims in the token.
pub fn has_metadata_claims(claims: &Map, namespace: &str) -> bool {
    ["user_metadata", "app_metadata"].iter().any(|k| claims.contains_key(&cat(&[namespace, k])))
}

/// The profile in an ID token: standard claims, with metadata from the namespaced claims
/// `{namespace}user_metadata` and `{namespace}app_metadata` that the old tenant's rule/action adds,
/// and the username from `{namespace}username` (Auth0's ID token has no username claim of its own).
pub fn from_id_token(claims: &Map, namespace: &str) -> Result<Profile, String> {
    let sub = claims.get("sub").and_then(Value::as_str).ok_or("the ID token has no `sub`")?;
    let claim = |name: &str| claims.get(&cat(&[namespace, name]));
    let username = text(claims.get("username")).or_else(|| text(claim("username")));
    from_fields(claims, sub, username, object(claim("user_metadata")), object(claim("app_metadata")))
}

/// The profile in a Management API user record (`GET /api/v2/users-by-email`, `/users/{id}`).
pub fn from_user_record(user: &Map) -> Result<Profile, String> {
    let id = user.get("user_id").and_then(Value::as_str).ok_or("a user record has no `user_id`")?;
    let username = text(user.get("username"));
    from_fields(user, id, username, object(user.get("user_metadata")), object(user.get("app_metadata")))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::json::from_serde;
    use serde_json::json;

    fn map(v: serde_json::Value) -> Map {
        from_serde(v).as_object().unwrap().clone()
    }

    #[test]
    fn user_id_keeps_its_value_across_tenants() {
        assert_eq!(carry_user_id("auth0|5f7c8ec7c33c6c004bbafe82"), "5f7c8ec7c33c6c004bbafe82");
        assert_eq!(carry_user_id("already-bare"), "already-bare");
        assert_eq!(carry_user_id("auth0|auth0|x"), "auth0|x");
    }

    #[test]
    fn id_token_and_user_record_give_the_same_profile() {
        let claims = map(json!({
            "sub": "auth0|abc", "aud": "cid", "iss": "https://old/", "exp": 1, "iat": 0,
            "email": "a@b.c", "email_verified": true, "name": "A B", "nickname": "a",
            "given_name": "A", "family_name": "B", "picture": "https://p/a.png",
            "https://migrationapp/user_metadata": {"plan": "pro"}, "https://migrationapp/username": "ab",
            "https://migrationapp/app_metadata": {"roles": ["x"], "migration_complete": true}
        }));
        let record = map(json!({
            "user_id": "auth0|abc", "email": "a@b.c", "email_verified": true, "name": "A B",
            "nickname": "a", "given_name": "A", "family_name": "B", "picture": "https://p/a.png", "username": "ab",
            "user_metadata": {"plan": "pro"}, "app_metadata": {"roles": ["x"]},
            "identities": [{"connection": "db", "provider": "auth0", "user_id": "abc"}],
            "logins_count": 3
        }));
        let a = from_id_token(&claims, "https://migrationapp/").unwrap();
        let b = from_user_record(&record).unwrap();
        assert_eq!(a, b);
        assert_eq!(a.user_id, "abc");
        assert_eq!(a.user_metadata.get("plan"), Some(&Value::from("pro")));
        assert!(!a.app_metadata.contains_key(MIGRATION_MARKER));
    }

    #[test]
    fn missing_metadata_is_an_empty_object_and_absent_fields_are_omitted() {
        let p = from_id_token(&map(json!({"sub": "auth0|x", "email": "x@y.z"})), "https://migrationapp/").unwrap();
        assert_eq!(p.to_json().to_json(), r#"{"user_id":"x","email":"x@y.z","user_metadata":{},"app_metadata":{}}"#);
    }

    #[test]
    fn wrongly_typed_fields_are_dropped_not_coerced() {
        let p = from_user_record(&map(json!({
            "user_id": "auth0|x", "email": 5, "email_verified": "yes", "user_metadata": [1]
        })))
        .unwrap();
        assert_eq!((p.email, p.email_verified), (None, None));
        assert!(p.user_metadata.is_empty());
    }

    #[test]
    fn a_record_without_an_id_is_refused() {
        assert!(from_user_record(&map(json!({"email": "x"}))).is_err());
        assert!(from_id_token(&map(json!({"sub": "auth0|"})), "n/").is_err());
    }
}
