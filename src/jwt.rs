//! The ID token: splitting it, choosing the key that signed it, and checking its claims.
//!
//! The signature itself is checked by the host (Node's `crypto.verify` over the JWK this module
//! picks), so the wasm carries no big-number or elliptic-curve arithmetic; everything else - which
//! algorithm, which key, which issuer, audience and times - is decided here.

use crate::base64url;
use crate::json::{self, Map, Value};
use crate::prelude::*;
use crate::text::{cat, excerpt};

/// Allowed clock difference between the old tenant and the new one, in seconds.
pub const SKEW_S: i64 = 60;
/// RSA keys shorter than this (in bytes of modulus) are refused: 2048 bits.
const MIN_MODULUS_BYTES: usize = 256;

/// The signature algorithms an ID token may name. Each is checked only with its own kind of key,
/// so a token cannot choose an algorithm that reads a key made for another (RS256 over an EC key,
/// ES256 over an RSA key, or an HMAC keyed with a public key).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Alg {
    /// RSASSA-PKCS1-v1_5 with SHA-256, over an RSA key of 2048 bits or more (Auth0's default).
    Rs256,
    /// ECDSA on P-256 with SHA-256, the signature as the raw 64 bytes r||s (RFC 7518 3.4):
    /// several OpenID providers sign with it.
    Es256,
}

impl Alg {
    /// The JOSE name, as in the token's header and a JWK's `alg`.
    pub fn name(self) -> &'static str {
        match self {
            Alg::Rs256 => "RS256",
            Alg::Es256 => "ES256",
        }
    }
}

/// A JWT split into what verification needs.
#[derive(Debug, Clone, PartialEq)]
pub struct Jwt {
    /// The algorithm its header names, one of those accepted.
    pub alg: Alg,
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

/// Splits and decodes a compact JWT, refusing any algorithm but RS256 and ES256 (no `none`, no
/// HS256 keyed with a public value): the key it is checked with must then be of that algorithm's
/// kind ([`select_key`]).
pub fn parse(token: &str) -> Result<Jwt, String> {
    let mut parts = token.split('.');
    let (Some(header), Some(payload), Some(signature), None) = (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Err("the ID token is not a three-part JWT".to_string());
    };
    let head = json_object(header, "header")?;
    let alg = match head.get("alg").and_then(Value::as_str) {
        Some("RS256") => Alg::Rs256,
        Some("ES256") => Alg::Es256,
        Some(other) => {
            return Err(cat(&[
                "the ID token is signed with ",
                &excerpt(other, 20),
                ", only RS256 and ES256 are accepted",
            ]))
        }
        None => return Err("the ID token header names no algorithm".to_string()),
    };
    if signature.is_empty() || base64url::decode(signature).is_none() {
        return Err("the ID token has no valid signature".to_string());
    }
    Ok(Jwt {
        alg,
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
    /// The public key as a minimal JWK for the host: `kty`, its public members (`n`, `e` for RSA;
    /// `crv`, `x`, `y` for EC), and `alg`, the algorithm to check the signature with (the
    /// token's, matched to the key's type here, so the host never reads it from the token).
    Found(Value),
    /// No usable key has that id: the old tenant may have rotated its keys.
    Unknown,
}

fn text<'a>(k: &'a Value, field: &str) -> Option<&'a str> {
    k.get(field).and_then(Value::as_str)
}

/// `k` as the minimal JWK of [`KeyChoice::Found`] when it is a public key of `alg`'s kind: RSA
/// with a modulus of 2048 bits or more for RS256, EC on P-256 (both coordinates 32 bytes) for ES256.
fn public_key(k: &Value, alg: Alg) -> Option<Value> {
    let len = |field| text(k, field).and_then(base64url::decode).map_or(0, |b| b.len());
    let fits = match alg {
        Alg::Rs256 => text(k, "kty") == Some("RSA") && len("n") >= MIN_MODULUS_BYTES && len("e") > 0,
        Alg::Es256 => {
            text(k, "kty") == Some("EC") && text(k, "crv") == Some("P-256") && len("x") == 32 && len("y") == 32
        }
    };
    fits.then(|| {
        // The public members of either type (one list is smaller wasm than one per type): Node
        // reads those of the JWK's `kty` and ignores a stray one of the other type's. Never `d`.
        let mut jwk = Map::new();
        for m in ["kty", "crv", "n", "e", "x", "y"] {
            if let Some(t) = text(k, m) {
                jwk.insert(m, Value::from(t));
            }
        }
        jwk.insert("alg", Value::from(alg.name()));
        Value::Object(jwk)
    })
}

/// Picks the key for a token signed with `alg`: a key of that algorithm's kind (its public
/// fields as `public_key` reads them) for signatures (no `use` or `use: sig`, no `alg` or `alg` equal to the
/// token's) with the token's `kid`; a token without `kid` only when the set has exactly one such key.
pub fn select_key(jwks_body: &str, alg: Alg, kid: Option<&str>) -> Result<KeyChoice, String> {
    let v = json::parse(jwks_body).ok_or("the JWKS is not JSON")?;
    let keys = v.get("keys").and_then(Value::as_array).ok_or("the JWKS has no `keys` array")?;
    // A loop rather than an iterator chain of three filters and a `filter_map`: the same choice,
    // in about a third of the wasm (the chain was 923 bytes in the cognito login module).
    let mut only = None;
    for k in keys {
        let fits = matches!(text(k, "use"), None | Some("sig"))
            && text(k, "alg").is_none_or(|a| a == alg.name())
            && (kid.is_none() || text(k, "kid") == kid);
        let Some(jwk) = fits.then(|| public_key(k, alg)).flatten() else { continue };
        if kid.is_some() {
            return Ok(KeyChoice::Found(jwk));
        }
        if only.is_some() {
            // Several usable keys and no `kid` to choose: none is chosen.
            return Ok(KeyChoice::Unknown);
        }
        only = Some(jwk);
    }
    Ok(only.map_or(KeyChoice::Unknown, KeyChoice::Found))
}

fn number(claims: &Map, name: &str) -> Option<i64> {
    claims.get(name).and_then(Value::as_i64)
}

/// The claims checks of OpenID Connect Core 3.1.3.7: issuer, audience (and `azp` when there are
/// several audiences), expiry, and issue / not-before times, with [`SKEW_S`] of tolerance.
pub fn check_claims(claims: &Map, issuer: &str, client_id: &str, now_s: i64) -> Result<(), String> {
    if claims.get("iss").and_then(Value::as_str) != Some(issuer) {
        return Err("the ID token's issuer (`iss`) is not the expected one".to_string());
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
        return Err("the ID token was not issued to this client (`aud`)".to_string());
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
    fn parses_rs256_and_es256_and_refuses_other_algorithms() {
        let t = parse(&token(json!({"alg": "RS256", "kid": "k1"}), json!({"sub": "auth0|x"}))).unwrap();
        assert_eq!((t.alg, t.kid.as_deref()), (Alg::Rs256, Some("k1")));
        assert_eq!(t.claims.get("sub"), Some(&json::Value::from("auth0|x")));
        assert!(t.signing_input.ends_with(&encode(json!({"sub": "auth0|x"}).to_string().as_bytes())));
        let t = parse(&token(json!({"alg": "ES256", "kid": "e1"}), json!({"sub": "auth0|x"}))).unwrap();
        assert_eq!((t.alg, t.kid.as_deref(), t.signature.as_str()), (Alg::Es256, Some("e1"), "c2ln"));
        for alg in ["none", "HS256", "RS512", "PS256", "ES384", "ES256K", "EdDSA", "es256", "ES256 "] {
            let e = parse(&token(json!({"alg": alg}), json!({}))).unwrap_err();
            assert!(e.contains("only RS256 and ES256"), "{alg}: {e}");
        }
        assert!(parse(&token(json!({}), json!({}))).is_err());
        for alg in ["RS256", "ES256"] {
            let unsigned = token(json!({"alg": alg}), json!({}));
            assert!(parse(unsigned.trim_end_matches("c2ln")).is_err(), "{alg}: an empty signature");
        }
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

    fn ec_key(kid: &str) -> Value {
        json!({"kty": "EC", "use": "sig", "alg": "ES256", "kid": kid, "crv": "P-256", "x": encode(&[1; 32]), "y": encode(&[2; 32])})
    }

    fn choose(keys: Vec<Value>, alg: Alg, kid: Option<&str>) -> KeyChoice {
        select_key(&json!({ "keys": keys }).to_string(), alg, kid).unwrap()
    }

    #[test]
    fn selects_the_key_by_kid_and_only_usable_rsa_keys() {
        let jwks = json!({"keys": [rsa_key("a"), rsa_key("b")]}).to_string();
        let KeyChoice::Found(k) = select_key(&jwks, Alg::Rs256, Some("b")).unwrap() else { panic!() };
        assert_eq!(k, from_serde(json!({"kty": "RSA", "n": encode(&[0xab; 256]), "e": "AQAB", "alg": "RS256"})));
        assert_eq!(select_key(&jwks, Alg::Rs256, Some("c")).unwrap(), KeyChoice::Unknown);
        assert_eq!(select_key(&jwks, Alg::Rs256, None).unwrap(), KeyChoice::Unknown, "no kid and two keys: no guess");
        let mut enc = rsa_key("e");
        enc["use"] = json!("enc");
        let mut short = rsa_key("s");
        short["n"] = json!(encode(&[1; 128]));
        let mut hs = rsa_key("h");
        hs["alg"] = json!("HS256");
        let jwks = json!({"keys": [enc, short, hs]}).to_string();
        for kid in ["e", "s", "h"] {
            assert_eq!(select_key(&jwks, Alg::Rs256, Some(kid)).unwrap(), KeyChoice::Unknown, "{kid}");
        }
        assert!(select_key("{}", Alg::Rs256, Some("a")).is_err());
        assert!(select_key("nope", Alg::Rs256, Some("a")).is_err());
    }

    #[test]
    fn selects_a_p256_key_for_es256_with_its_coordinates_and_algorithm() {
        let KeyChoice::Found(k) = choose(vec![rsa_key("a"), ec_key("b"), ec_key("c")], Alg::Es256, Some("b")) else {
            panic!()
        };
        let want = json!({"kty": "EC", "crv": "P-256", "x": encode(&[1; 32]), "y": encode(&[2; 32]), "alg": "ES256"});
        assert_eq!(k, from_serde(want.clone()));
        let mut bare = ec_key("d");
        bare.as_object_mut().unwrap().retain(|m, _| !["use", "alg"].contains(&m.as_str()));
        assert_eq!(
            choose(vec![bare], Alg::Es256, Some("d")),
            KeyChoice::Found(from_serde(want.clone())),
            "no `use`, no `alg`"
        );
        assert_eq!(
            choose(vec![rsa_key("a"), ec_key("b")], Alg::Es256, None),
            KeyChoice::Found(from_serde(want)),
            "no kid: the one EC key, the RSA key does not count for ES256"
        );
        assert_eq!(choose(vec![ec_key("b"), ec_key("c")], Alg::Es256, None), KeyChoice::Unknown);
    }

    #[test]
    fn refuses_ec_keys_off_p256_or_unfit_for_signing_es256() {
        let unfit = |change: &dyn Fn(&mut Value)| {
            let mut k = ec_key("k");
            change(&mut k);
            choose(vec![k], Alg::Es256, Some("k"))
        };
        assert!(matches!(unfit(&|_| {}), KeyChoice::Found(_)));
        let p384 = |k: &mut Value| {
            k["crv"] = json!("P-384");
            k["x"] = json!(encode(&[1; 48]));
            k["y"] = json!(encode(&[2; 48]));
        };
        assert_eq!(unfit(&p384), KeyChoice::Unknown, "a P-384 key");
        assert_eq!(unfit(&|k| k["crv"] = json!("secp256k1")), KeyChoice::Unknown);
        assert_eq!(unfit(&|k| k["x"] = json!(encode(&[1; 31]))), KeyChoice::Unknown, "short coordinate");
        assert_eq!(unfit(&|k| k["y"] = json!("!!")), KeyChoice::Unknown, "coordinate not base64url");
        assert_eq!(unfit(&|k| k["use"] = json!("enc")), KeyChoice::Unknown);
        assert_eq!(unfit(&|k| k["alg"] = json!("ES384")), KeyChoice::Unknown);
        assert_eq!(unfit(&|k| k["kty"] = json!("OKP")), KeyChoice::Unknown);
    }

    #[test]
    fn a_key_is_never_used_for_the_other_algorithm() {
        // ES256 named in the header, only an RSA key under that kid: refused, and the reverse.
        assert_eq!(choose(vec![rsa_key("k")], Alg::Es256, Some("k")), KeyChoice::Unknown);
        assert_eq!(choose(vec![ec_key("k")], Alg::Rs256, Some("k")), KeyChoice::Unknown);
        // Keys that claim the other algorithm, or the other key type, for their own members.
        let mut rsa_for_es = rsa_key("k");
        rsa_for_es["alg"] = json!("ES256");
        let mut ec_for_rs = ec_key("k");
        ec_for_rs["alg"] = json!("RS256");
        for alg in [Alg::Rs256, Alg::Es256] {
            assert_eq!(
                choose(vec![rsa_for_es.clone(), ec_for_rs.clone()], alg, Some("k")),
                KeyChoice::Unknown,
                "{alg:?}"
            );
        }
        let mut rsa_as_ec = rsa_key("k");
        rsa_as_ec["kty"] = json!("EC");
        rsa_as_ec["alg"] = json!("ES256");
        let mut ec_as_rsa = ec_key("k");
        ec_as_rsa["kty"] = json!("RSA");
        ec_as_rsa["alg"] = json!("RS256");
        assert_eq!(choose(vec![rsa_as_ec], Alg::Es256, Some("k")), KeyChoice::Unknown);
        assert_eq!(choose(vec![ec_as_rsa], Alg::Rs256, Some("k")), KeyChoice::Unknown);
        // One kid on both kinds of key: each algorithm gets its own, with its own `alg` for the host.
        for (alg, kty) in [(Alg::Rs256, "RSA"), (Alg::Es256, "EC")] {
            let KeyChoice::Found(k) = choose(vec![rsa_key("k"), ec_key("k")], alg, Some("k")) else { panic!() };
            assert_eq!((k.get("kty"), k.get("alg")), (Some(&kty.into()), Some(&alg.name().into())));
        }
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
