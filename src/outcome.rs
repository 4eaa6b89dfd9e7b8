//! What an invocation ends with. Each variant maps to exactly one way of calling Auth0's callback.

use crate::json::Value;
use crate::prelude::*;
use crate::profile::Profile;

/// The end of a flow, in Auth0's terms.
#[derive(Debug, Clone, PartialEq)]
pub enum Outcome {
    /// `callback(null, profile)`: the user exists (and, for login, the password was right).
    Profile {
        /// The profile Auth0 will store. Boxed: unboxed, it made every `Outcome` (and every
        /// `Result<_, Outcome>`) 248 bytes natively (clippy's `large_enum_variant` and
        /// `result_large_err`). Measured, same templates: login.js and get_user.js +32 bytes
        /// (39,234 -> 39,266), engine.js +56; the optimised wasm itself is 17 bytes smaller.
        profile: Box<Profile>,
    },
    /// `callback(null)`: get_user found no such user.
    NotFound,
    /// `callback(new WrongUsernameOrPasswordError(identifier, message))`.
    WrongPassword {
        /// Shown in the tenant logs.
        message: String,
    },
    /// `callback(new UnauthorizedError(message))`: a message meant for the end user.
    Unauthorized {
        /// Shown to the user.
        message: String,
    },
    /// `callback(new Error(message))`: anything else - an outage, a setup mistake, a bad reply.
    /// Never a wrong password: the user must not be told their password is wrong when it is not.
    Error {
        /// For the operator, in the tenant logs. Never holds a password, secret or token.
        message: String,
    },
}

impl Outcome {
    /// An [`Outcome::Error`].
    pub fn error(message: impl Into<String>) -> Outcome {
        Outcome::Error { message: message.into() }
    }

    /// An [`Outcome::Unauthorized`].
    pub fn unauthorized(message: impl Into<String>) -> Outcome {
        Outcome::Unauthorized { message: message.into() }
    }

    /// `{"kind": "profile" | "not_found" | "wrong_password" | "unauthorized" | "error", ..}`.
    pub fn to_json(&self) -> Value {
        let message = |kind: &str, m: &str| Value::object([("kind", Value::from(kind)), ("message", Value::from(m))]);
        match self {
            Outcome::Profile { profile } => {
                Value::object([("kind", Value::from("profile")), ("profile", profile.to_json())])
            }
            Outcome::NotFound => Value::object([("kind", Value::from("not_found"))]),
            Outcome::WrongPassword { message: m } => message("wrong_password", m),
            Outcome::Unauthorized { message: m } => message("unauthorized", m),
            Outcome::Error { message: m } => message("error", m),
        }
    }
}
