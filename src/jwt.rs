//! The ID token: splitting it, choosing the key that signed it, and checking its claims.
//!
//! The RSA signature itself is checked by the host (Node's `crypto.verify` over the JWK this
//! module picks), so the wasm carries no big-number arithmetic; everything else - which
//! algorithm, which key, which issuer, audience and times - is decided here.

use crate::base64url;
use crate::json::{self, Map, Value};
use crate::text::{cat, excerpt};

/// Allowed clock difference between the old tenant and the new one, in seconds.
pub const SKEW_S: i64 = 60;
/// RSA keys shorter than this (in bytes of modulus) are refused: 2048 bits.
const MIN_MODULUS_BYTES: usize = 256;

/// A JWT split into what verification needs.
#[derive(Debug, Clone, PartialEq)]
pub struct Jwt {
    /// `kid` from the header, when present.
    pub kid: Option<String>,
    /// The payload.
    pub claims: Map,
    /// `header.payload`, the bytes the signature covers.
    pub signing_input: String,
    /// The signature segment, base64url.
    pub signature: String,
}

fn json_object(segment: &str, what: &str) -> Result<Map, String> {
    let bytes = base64url::decode(segment).ok_or_else(|| cat(&["the ID token ", what, " is not base64url"]))?;
    match json::parse_bytes(&bytes) {
        Some(Value::Object(map)) => Ok(map),
        _ => Err(cat(&["the ID token ", what, " is not a JSON object"])),
    }
}

/// Splits and decodes a compact JWT, refusing any algorithm but RS256 (no `none`, no HS256 keyed
/// with a public value, no algorithm chosen by whoever made the token).
pub fn parse(token: &str) -> Result<Jwt, String> {
    let mut parts = token.split('.');
    let (Some(header), Some(payload), Some(signature), None) = (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Err("the ID token is not a three-part JWT".to_string());
    };
    let head = json_object(header, "header")?;
    match head.get("alg").and_then(Value::as_str) {
        Some("RS256") => {}
        Some(other) => {
            return Err(cat(&["the ID token is signed with ", &excerpt(other, 20), ", only RS256 is accepted"]))
        }
        None => return Err("the ID token header names no algorithm".to_string()),
    }
    if signature.is_empty() || base64url::decode(signature).is_none() {
        return Err("the ID token has no valid signature".to_string());
    }
    Ok(Jwt {
        kid: head.get("kid").and_then(Value::as_str).map(str::to_string),
        claims: json_object(payload, "payload")?,
        signing_input: cat(&[header, ".", payload]),
        signature: signature.to_string(),
    })
}

/// The old tenant's OpenID discovery document: its `issuer` and `jwks_uri`, both HTTPS.
pub fn discovery(body: &str) -> Result<(String, String), String> {
    let v = json::parse(body).ok_or("the discovery document is not JSON")?;
    let field = |k: &str| {
        v.get(k)
            .and_then(Value::as_str)
            .filter(|s| s.starts_with("https://"))
            .map(str::to_string)
            .ok_or_else(|| cat(&["the discovery document has no https `", k, "`"]))
    };
    Ok((field("issuer")?, field("jwks_uri")?))
}

/// What the JWKS offers for a token's `kid`.
#[derive(Debug, Clone, PartialEq)]
pub enum KeyChoice {
    /// The RSA public key, as a minimal JWK (`kty`, `n`, `e`) for the host.
    Found(Value),
    /// No usable key has that id: the old tenant may have rotated its keys.
    Unknown,
}

/// Picks the signing key: an RSA key for signatures (no `use` or `use: sig`, no `alg` or RS256)
/// with the token's `kid`; a token without `kid` only when the set has exactly one such key.
pub fn select_key(jwks_body: &str, kid: Option<&str>) -> Result<KeyChoice, String> {
    let v = json::parse(jwks_body).ok_or("the JWKS is not JSON")?;
    let keys = v.get("keys").and_then(Value::as_array).ok_or("the JWKS has no `keys` array")?;
    fn text<'a>(k: &'a Value, field: &str) -> Option<&'a str> {
        k.get(field).and_then(Value::as_str)
    }
    let usable: Vec<&Value> = keys
        .iter()
        .filter(|k| text(k, "kty") == Some("RSA"))
        .filter(|k| matches!(text(k, "use"), None | Some("sig")))
        .filter(|k| matches!(text(k, "alg"), None | Some("RS256")))
        .filter(|k| text(k, "n").and_then(base64url::decode).is_some_and(|n| n.len() >= MIN_MODULUS_BYTES))
        .filter(|k| text(k, "e").and_then(base64url::decode).is_some_and(|e| !e.is_empty()))
        .collect();
    let chosen = match kid {
        Some(kid) => usable.iter().find(|k| text(k, "kid") == Some(kid)),
        None if usable.len() == 1 => usable.first(),
        None => None,
    };
    Ok(match chosen {
        Some(k) => KeyChoice::Found(Value::object([
            ("kty", Value::from("RSA")),
            ("n", Value::from(text(k, "n"))),
            ("e", Value::from(text(k, "e"))),
        ])),
        None => KeyChoice::Unknown,
    })
}

fn number(claims: &Map, name: &str) -> Option<i64> {
    claims.get(name).and_then(Value::as_i64)
}

/// The claims checks of OpenID Connect Core 3.1.3.7: issuer, audience (and `azp` when there are
/// several audiences), expiry, and issue / not-before times, with [`SKEW_S`] of tolerance.
pub fn check_claims(claims: &Map, issuer: &str, client_id: &str, now_s: i64) -> Result<(), String> {
    if claims.get("iss").and_then(Value::as_str) != Some(issuer) {
        return Err("the ID token's issuer is not the old tenant's".to_string());
    }
    let audience_ok = match claims.get("aud") {
        Some(Value::String(a)) => a == client_id,
        Some(Value::Array(list)) => {
            list.iter().any(|a| a.as_str() == Some(client_id))
                && (list.len() == 1 || claims.get("azp").and_then(Value::as_str) == Some(client_id))
        }
        _ => false,
    };
    if !audience_ok {
        return Err("the ID token was not issued to the Migration App (`aud`)".to_string());
    }
    match number(claims, "exp") {
        Some(exp) if now_s < exp.saturating_add(SKEW_S) => {}
        Some(_) => return Err("the ID token has expired (check the clocks)".to_string()),
        None => return Err("the ID token has no expiry".to_string()),
    }
    for name in ["iat", "nbf"] {
        if number(claims, name).is_some_and(|t| t > now_s.saturating_add(SKEW_S)) {
            return Err(cat(&["the ID token's `", name, "` is in the future (check the clocks)"]));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::base64url::encode;
    use crate::json::from_serde;
    use serde_json::{json, Value};

    fn token(header: Value, claims: Value) -> String {
        format!("{}.{}.c2ln", encode(header.to_string().as_bytes()), encode(claims.to_string().as_bytes()))
    }

    #[test]
    fn parses_rs256_and_refuses_other_algorithms() {
        let t = parse(&token(json!({"alg": "RS256", "kid": "k1"}), json!({"sub": "auth0|x"}))).unwrap();
        assert_eq!(t.kid.as_deref(), Some("k1"));
        assert_eq!(t.claims.get("sub"), Some(&json::Value::from("auth0|x")));
        assert!(t.signing_input.ends_with(&encode(json!({"sub": "auth0|x"}).to_string().as_bytes())));
        for alg in ["none", "HS256", "RS512", "PS256"] {
            let e = parse(&token(json!({"alg": alg}), json!({}))).unwrap_err();
            assert!(e.contains("only RS256"), "{alg}: {e}");
        }
        assert!(parse(&token(json!({}), json!({}))).is_err());
        let unsigned = token(json!({"alg": "RS256"}), json!({}));
        assert!(parse(unsigned.trim_end_matches("c2ln")).is_err(), "an empty signature");
    }

    #[test]
    fn refuses_malformed_tokens() {
        for t in ["a.b", "a.b.c.d", "a.!!!.c", "", "..."] {
            assert!(parse(t).is_err(), "{t}");
        }
        assert!(parse(&format!("{}.{}.c2ln", encode(b"{\"alg\":\"RS256\"}"), encode(b"[1]"))).is_err());
    }

    fn rsa_key(kid: &str) -> Value {
        json!({"kty": "RSA", "use": "sig", "alg": "RS256", "kid": kid, "n": encode(&[0xab; 256]), "e": "AQAB"})
    }

    #[test]
    fn selects_the_key_by_kid_and_only_usable_rsa_keys() {
        let jwks = json!({"keys": [rsa_key("a"), rsa_key("b")]}).to_string();
        let KeyChoice::Found(k) = select_key(&jwks, Some("b")).unwrap() else { panic!() };
        assert_eq!(k, from_serde(json!({"kty": "RSA", "n": encode(&[0xab; 256]), "e": "AQAB"})));
        assert_eq!(select_key(&jwks, Some("c")).unwrap(), KeyChoice::Unknown);
        assert_eq!(select_key(&jwks, None).unwrap(), KeyChoice::Unknown, "no kid and two keys: no guess");
        let mut enc = rsa_key("e");
        enc["use"] = json!("enc");
        let mut short = rsa_key("s");
        short["n"] = json!(encode(&[1; 128]));
        let mut hs = rsa_key("h");
        hs["alg"] = json!("HS256");
        let jwks = json!({"keys": [enc, short, hs]}).to_string();
        for kid in ["e", "s", "h"] {
            assert_eq!(select_key(&jwks, Some(kid)).unwrap(), KeyChoice::Unknown, "{kid}");
        }
        assert!(select_key("{}", Some("a")).is_err());
        assert!(select_key("nope", Some("a")).is_err());
    }

    #[test]
    fn discovery_needs_https_issuer_and_jwks_uri() {
        let ok = json!({"issuer": "https://old/", "jwks_uri": "https://old/.well-known/jwks.json"}).to_string();
        assert_eq!(discovery(&ok).unwrap().0, "https://old/");
        assert!(discovery(&json!({"issuer": "http://old/", "jwks_uri": "https://x"}).to_string()).is_err());
        assert!(discovery(&json!({"issuer": "https://old/"}).to_string()).is_err());
    }

    fn claims(v: Value) -> Map {
        from_serde(v).as_object().unwrap().clone()
    }

    #[test]
    fn claims_are_checked_with_a_small_skew() {
        let good = json!({"iss": "https://old/", "aud": "cid", "exp": 1000, "iat": 900});
        assert_eq!(check_claims(&claims(good.clone()), "https://old/", "cid", 950), Ok(()));
        assert_eq!(check_claims(&claims(good.clone()), "https://old/", "cid", 1059), Ok(()), "within skew");
        let cases = [
            ("iss", json!("https://evil/"), 950),
            ("aud", json!("other"), 950),
            ("aud", json!(["other", "x"]), 950),
            ("aud", json!(["cid", "other"]), 950),
            ("exp", json!(1000), 1060),
            ("iat", json!(1100), 950),
            ("nbf", json!(1100), 950),
            ("exp", json!(null), 950),
        ];
        for (field, value, now) in cases {
            let mut c = good.clone();
            c[field] = value.clone();
            assert!(check_claims(&claims(c), "https://old/", "cid", now).is_err(), "{field}={value} at {now}");
        }
        let mut multi = good.clone();
        multi["aud"] = json!(["cid", "other"]);
        multi["azp"] = json!("cid");
        assert_eq!(check_claims(&claims(multi), "https://old/", "cid", 950), Ok(()));
    }
}
