//! Reading an ID token's claims.
//!
//! First cut: the token is read, not yet signature-checked. It arrives straight from the old
//! tenant's token endpoint over TLS (OpenID Connect Core 3.1.3.7 allows relying on that); RS256
//! verification against the tenant's JWKS is the next step (issue "complete semantics").

use crate::base64url;
use serde_json::{Map, Value};

/// The JSON object in a JWT's payload segment.
pub fn claims(token: &str) -> Result<Map<String, Value>, String> {
    let mut parts = token.split('.');
    let (Some(_header), Some(payload), Some(_sig), None) = (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Err("the ID token is not a three-part JWT".to_string());
    };
    let bytes = base64url::decode(payload).ok_or("the ID token payload is not base64url")?;
    match serde_json::from_slice::<Value>(&bytes) {
        Ok(Value::Object(map)) => Ok(map),
        Ok(_) => Err("the ID token payload is not a JSON object".to_string()),
        Err(_) => Err("the ID token payload is not JSON".to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::base64url::encode;

    fn token(payload: &str) -> String {
        format!("eyJhbGciOiJSUzI1NiJ9.{}.c2ln", encode(payload.as_bytes()))
    }

    #[test]
    fn reads_the_payload_object() {
        let c = claims(&token(r#"{"sub":"auth0|abc","email":"a@b.c"}"#)).unwrap();
        assert_eq!(c["sub"], "auth0|abc");
    }

    #[test]
    fn refuses_malformed_tokens() {
        assert!(claims("a.b").is_err());
        assert!(claims("a.b.c.d").is_err());
        assert!(claims("a.!!!.c").is_err());
        assert!(claims(&token("[1]")).is_err());
        assert!(claims(&token("not json")).is_err());
    }
}
