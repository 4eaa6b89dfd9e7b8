//! One mapping from a Cognito user to Auth0's normalized profile, used by both scripts: login
//! reads the verified ID token's claims (Cognito puts the user's attributes there, under their
//! own names, `email_verified` as a boolean), get_user reads a `ListUsers` record's `Attributes`
//! (`{Name, Value}` text pairs). Both become one [`User`], so the two profiles Auth0 compares come
//! out of this one function.

use super::settings::{limits, CognitoConfig, UserId};
use crate::json::{Map, Value};
use crate::prelude::*;
use crate::profile::Profile;
use crate::text::cat;

/// A user as Cognito describes it: its username and its attributes by name.
#[derive(Debug, Clone, PartialEq)]
pub struct User {
    /// The Cognito username (a UUID in pools that sign in by email).
    pub username: String,
    /// Attribute name -> value (text, except the token's `email_verified`).
    pub attributes: Map,
}

impl User {
    /// Reads `{Username, <list>: [{Name, Value}]}`; `None` when the shape is not that.
    pub fn read(v: &Value, list: &str) -> Option<User> {
        let username = v.get("Username")?.as_str()?.to_string();
        let mut attributes = Map::new();
        for a in v.get(list)?.as_array()? {
            let name = a.get("Name")?.as_str()?;
            let value = a.get("Value").and_then(Value::as_str).unwrap_or("");
            attributes.insert(name, Value::from(value));
        }
        Some(User { username, attributes })
    }

    /// An attribute's text.
    pub fn attribute(&self, name: &str) -> Option<&str> {
        self.attributes.get(name).and_then(Value::as_str)
    }

    /// Whether this is the user who typed `folded` (lower case): the same email, username or
    /// `preferred_username`, ignoring ASCII case.
    pub fn is(&self, folded: &str) -> bool {
        let same = |v: Option<&str>| v.is_some_and(|v| !v.is_empty() && v.to_ascii_lowercase() == folded);
        same(Some(&self.username)) || same(self.attribute("email")) || same(self.attribute("preferred_username"))
    }
}

/// The attributes named in a mapping setting that the user has, under their names without
/// `custom:` (`custom:plan` -> `plan`).
fn pick(user: &User, names: &[String]) -> Map {
    let mut m = Map::new();
    for n in names {
        if let Some(v) = user.attributes.get(n) {
            m.insert(n.strip_prefix("custom:").unwrap_or(n), v.clone());
        }
    }
    m
}

/// The profile for `user`: user_id = `User_ID_Prefix` + `sub` (or the username); the standard
/// attributes under their own names (`email_verified` from its `"true"`/`"false"` text);
/// `preferred_username` as `username` (the Cognito username is often a UUID, which Auth0's
/// username rules would refuse); `phone_number` into `user_metadata` (Auth0's database profile has
/// no field for it); the mapped attributes into the metadata objects. `unverified` forces
/// `email_verified: false` (an unconfirmed user offered for a reset).
pub fn profile(cfg: &CognitoConfig, user: &User, unverified: bool) -> Result<Profile, String> {
    let id = match cfg.user_id {
        UserId::Sub => user.attribute("sub").unwrap_or(""),
        UserId::Username => user.username.as_str(),
    };
    if id.is_empty() || crate::text::char_count(id) > limits::MAX_USER_ID_CHARS {
        return Err("the user's id (`sub` or username) is empty or longer than 255 characters".to_string());
    }
    let text = |n: &str| user.attribute(n).filter(|v| !v.is_empty()).map(str::to_string);
    let verified = match user.attributes.get("email_verified") {
        _ if unverified => Some(false),
        Some(Value::Bool(b)) => Some(*b),
        Some(Value::String(t)) if t == "true" => Some(true),
        Some(Value::String(t)) if t == "false" => Some(false),
        _ => None,
    };
    let mut user_metadata = pick(user, &cfg.user_metadata_attributes);
    if let Some(phone) = text("phone_number") {
        if !user_metadata.contains_key("phone_number") {
            user_metadata.insert("phone_number", Value::from(phone));
        }
    }
    Ok(Profile {
        user_id: cat(&[&cfg.user_id_prefix, id]),
        email: text("email"),
        email_verified: verified,
        username: text("preferred_username"),
        name: text("name"),
        nickname: text("nickname"),
        given_name: text("given_name"),
        family_name: text("family_name"),
        picture: text("picture"),
        user_metadata,
        app_metadata: pick(user, &cfg.app_metadata_attributes),
    })
}
