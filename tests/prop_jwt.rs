//! Property tests of what the old tenant's token endpoint, discovery document and key set can
//! throw at the login flow: JWT segments (base64url, JSON, `alg`), the claims checks (a model of
//! OpenID Connect Core 3.1.3.7 with the crate's skew), discovery and JWKS parsing. Never a panic,
//! and never an accepted token the model refuses. Native only; `PROPTEST_CASES=N` for a long run.
#![cfg(not(target_arch = "wasm32"))]

use auth0_lazy_migrate::base64url;
use auth0_lazy_migrate::json::{self, Map};
use auth0_lazy_migrate::jwt::{self, KeyChoice, SKEW_S};
use proptest::prelude::*;
use serde_json::{json, Value as S};

fn config(default: u32) -> ProptestConfig {
    let cases = std::env::var("PROPTEST_CASES").ok().and_then(|v| v.parse().ok()).unwrap_or(default);
    ProptestConfig { cases, failure_persistence: None, ..ProptestConfig::default() }
}

fn b64(v: &S) -> String {
    base64url::encode(v.to_string().as_bytes())
}

fn map(v: S) -> Map {
    json::parse(&v.to_string()).and_then(|v| v.as_object().cloned()).expect("an object")
}

/// A reference base64url decoder (RFC 4648 section 5), written plainly for the comparison.
fn reference_decode(text: &str) -> Option<Vec<u8>> {
    let t = text.trim_end_matches('=');
    if t.len() % 4 == 1 {
        return None;
    }
    let mut bits = String::new();
    for c in t.chars() {
        let v = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_".find(c)?;
        bits.push_str(&format!("{v:06b}"));
    }
    Some((0..bits.len() / 8).map(|i| u8::from_str_radix(&bits[i * 8..i * 8 + 8], 2).unwrap()).collect())
}

/// A generated JWKS entry: kty, use, alg, kid, modulus bytes, whether `e` is set.
type Key = (&'static str, Option<&'static str>, Option<&'static str>, &'static str, usize, bool);

const ALGS: &[&str] = &[
    "RS256", "ES256", "none", "None", "NONE", "HS256", "HS512", "RS512", "PS256", "ES384", "ES256K", "rs256", "es256",
    "RS256 ", "",
];

proptest! {
    #![proptest_config(config(256))]

    #[test]
    fn base64url_round_trips_and_matches_a_reference(bytes in prop::collection::vec(any::<u8>(), 0..200)) {
        let enc = base64url::encode(&bytes);
        prop_assert_eq!(base64url::decode(&enc), Some(bytes.clone()));
        let padded = format!("{enc}{}", "=".repeat((4 - enc.len() % 4) % 4));
        prop_assert_eq!(base64url::decode(&padded), Some(bytes));
    }

    #[test]
    fn base64url_decodes_anything_like_the_reference(text in "[A-Za-z0-9_\\-+/= .!]{0,40}|\\PC{0,20}") {
        prop_assert_eq!(base64url::decode(&text), reference_decode(&text), "{:?}", text);
    }

    #[test]
    fn jwt_parse_never_panics(token in "\\PC{0,80}|[A-Za-z0-9_\\-.=]{0,120}") {
        let _ = jwt::parse(&token);
    }

    #[test]
    fn only_rs256_or_es256_with_an_object_payload_and_a_signature_is_read(
        alg in prop::sample::select(ALGS.to_vec()),
        kid in prop::option::of("[A-Za-z0-9_-]{1,24}"),
        extra_header in prop::collection::btree_map("[a-z]{1,5}", any::<u32>(), 0..3),
        payload in prop_oneof![
            prop::collection::btree_map("[a-z_]{1,8}", "[ -~]{0,12}", 0..6).prop_map(|m| json!(m)),
            Just(json!([1, 2])), Just(json!("claims")), Just(json!(null)), Just(json!(42)),
        ],
        signature in prop_oneof![Just(String::new()), "[A-Za-z0-9_-]{2,60}", Just("!!".to_string())],
    ) {
        let mut header = json!({"alg": alg, "typ": "JWT"});
        if let Some(k) = &kid { header["kid"] = json!(k); }
        for (k, v) in &extra_header { if k != "alg" && k != "kid" { header[k] = json!(v); } }
        let token = format!("{}.{}.{}", b64(&header), b64(&payload), signature);
        let valid_sig = !signature.is_empty() && base64url::decode(&signature).is_some();
        let ok = (alg == "RS256" || alg == "ES256") && payload.is_object() && valid_sig;
        match jwt::parse(&token) {
            Ok(t) => {
                prop_assert!(ok, "accepted alg {:?} payload {} sig {:?}", alg, payload, signature);
                prop_assert_eq!(t.alg.name(), alg);
                prop_assert_eq!(t.kid, kid);
                prop_assert_eq!(S::Object(serde_json::from_str(&json::Value::Object(t.claims).to_json()).unwrap()), payload.clone());
                prop_assert_eq!(t.signing_input, format!("{}.{}", b64(&header), b64(&payload)));
            }
            Err(e) => {
                prop_assert!(!ok, "refused a well-formed {} token: {}", alg, e);
                prop_assert!(!e.contains(&signature) || signature.len() < 4, "the error echoes the token");
            }
        }
    }

    #[test]
    fn claims_are_accepted_exactly_when_the_model_accepts_them(
        iss_ok in any::<bool>(),
        aud in 0..7u8,
        azp in 0..3u8,
        exp in prop::option::of(-200i64..200),
        iat in prop::option::of(-200i64..200),
        nbf in prop::option::of(-200i64..200),
        fraction in any::<bool>(),
    ) {
        let now: i64 = 1_800_000_000;
        let (issuer, client) = ("https://old.example.com/", "cid");
        let mut c = json!({"iss": if iss_ok { issuer } else { "https://evil.example.com/" }, "sub": "auth0|x"});
        let aud_value = [json!(client), json!("other"), json!([client]), json!([client, "other"]), json!(["other"]), json!(7), json!(null)][aud as usize].clone();
        if aud != 6 { c["aud"] = aud_value.clone(); }
        if azp == 1 { c["azp"] = json!(client); }
        if azp == 2 { c["azp"] = json!("other"); }
        let time = |d: i64| if fraction { json!(format!("{}.5", now + d).parse::<f64>().unwrap()) } else { json!(now + d) };
        if let Some(d) = exp { c["exp"] = time(d); }
        if let Some(d) = iat { c["iat"] = time(d); }
        if let Some(d) = nbf { c["nbf"] = time(d); }
        let aud_ok = match aud { 0 | 2 => true, 3 => azp == 1, _ => false };
        let exp_ok = exp.is_some_and(|d| now < now + d + SKEW_S);
        let future = |t: Option<i64>| t.is_some_and(|d| now + d > now + SKEW_S);
        let model = iss_ok && aud_ok && exp_ok && !future(iat) && !future(nbf);
        let got = jwt::check_claims(&map(c.clone()), issuer, client, now);
        prop_assert_eq!(got.is_ok(), model, "{} -> {:?}", c, got);
    }

    #[test]
    fn claims_never_panic_on_any_values(claims in prop::collection::btree_map(
        prop::sample::select(vec!["iss", "aud", "azp", "exp", "iat", "nbf", "sub"]),
        prop_oneof![any::<i64>().prop_map(|n| json!(n)), any::<u64>().prop_map(|n| json!(n)), any::<f64>().prop_map(|f| json!(f)),
            prop::sample::select(vec![i64::MAX, i64::MAX - 30, i64::MIN, i64::MIN + 30]).prop_map(|n| json!(n)),
            "\\PC{0,10}".prop_map(|s| json!(s)), Just(json!([1, "cid"])), Just(json!({"a": 1})), Just(json!(null))],
        0..7,
    ), now in prop_oneof![any::<i64>(), prop::sample::select(vec![i64::MAX, i64::MAX - 30, i64::MIN, 0])]) {
        let c = map(json!(claims));
        let _ = jwt::check_claims(&c, "https://old/", "cid", now);
    }

    #[test]
    fn discovery_needs_two_https_urls(
        issuer in prop_oneof![Just(json!("https://old.example.com/")), Just(json!("http://old.example.com/")), Just(json!(1)), Just(json!(null)), "\\PC{0,20}".prop_map(|s| json!(s))],
        jwks in prop_oneof![Just(json!("https://old.example.com/.well-known/jwks.json")), Just(json!("HTTPS://x/")), Just(json!("//x/")), Just(json!([]))],
        drop_issuer in any::<bool>(),
        noise in "\\PC{0,30}",
    ) {
        let mut doc = json!({"jwks_uri": jwks, "other": noise});
        if !drop_issuer { doc["issuer"] = issuer.clone(); }
        let https = |v: &S| v.as_str().is_some_and(|s| s.starts_with("https://"));
        let want = !drop_issuer && https(&issuer) && https(&jwks);
        prop_assert_eq!(jwt::discovery(&doc.to_string()).is_ok(), want);
        let _ = jwt::discovery(&noise);
    }

    #[test]
    fn a_key_is_chosen_only_when_it_is_a_usable_rsa_signing_key_with_the_kid(
        keys in prop::collection::vec((
            prop::sample::select(vec!["RSA", "EC", "oct", "rsa"]),
            prop::option::of(prop::sample::select(vec!["sig", "enc", "SIG"])),
            prop::option::of(prop::sample::select(vec!["RS256", "HS256", "none", "RS512"])),
            prop::sample::select(vec!["a", "b", "c"]),
            prop::sample::select(vec![255usize, 256, 512]),
            any::<bool>(),
        ), 0..5),
        kid in prop::option::of(prop::sample::select(vec!["a", "b", "c", "z"])),
    ) {
        let jwks: Vec<S> = keys.iter().map(|(kty, use_, alg, k, n, e)| {
            let mut j = json!({"kty": kty, "kid": k, "n": base64url::encode(&vec![0xc5; *n]), "e": if *e { "AQAB" } else { "" }});
            if let Some(u) = use_ { j["use"] = json!(u); }
            if let Some(a) = alg { j["alg"] = json!(a); }
            j
        }).collect();
        let usable: Vec<&Key> = keys.iter()
            .filter(|(kty, use_, alg, _, n, e)| *kty == "RSA" && matches!(use_, None | Some("sig")) && matches!(alg, None | Some("RS256")) && *n >= 256 && *e)
            .collect();
        let want = match kid {
            Some(k) => usable.iter().find(|u| u.3 == k).copied(),
            None if usable.len() == 1 => Some(usable[0]),
            None => None,
        };
        let got = jwt::select_key(&json!({"keys": jwks}).to_string(), jwt::Alg::Rs256, kid).unwrap();
        match (got, want) {
            (KeyChoice::Unknown, None) => {}
            (KeyChoice::Found(j), Some(w)) => prop_assert_eq!(j.get("n").and_then(json::Value::as_str).map(str::len), Some(base64url::encode(&vec![0xc5; w.4]).len())),
            (got, want) => prop_assert!(false, "got {:?}, model {:?}", got, want),
        }
    }

    #[test]
    fn an_es256_key_is_chosen_only_when_it_is_a_usable_p256_signing_key_with_the_kid(
        keys in prop::collection::vec((
            prop::sample::select(vec!["EC", "RSA", "OKP", "ec"]),
            prop::sample::select(vec!["P-256", "P-384", "secp256k1"]),
            prop::option::of(prop::sample::select(vec!["sig", "enc"])),
            prop::option::of(prop::sample::select(vec!["ES256", "RS256", "ES384", "none"])),
            prop::sample::select(vec!["a", "b", "c"]),
            prop::sample::select(vec![31usize, 32, 48]),
        ), 0..5),
        kid in prop::option::of(prop::sample::select(vec!["a", "b", "z"])),
    ) {
        let jwks: Vec<S> = keys.iter().map(|(kty, crv, use_, alg, k, len)| {
            // An RSA entry carries a usable modulus too: only its type may keep it from ES256.
            let mut j = json!({"kty": kty, "crv": crv, "kid": k, "d": "AQAB", "x": base64url::encode(&vec![1; *len]),
                "y": base64url::encode(&vec![2; *len]), "n": base64url::encode(&[0xc5; 256]), "e": "AQAB"});
            if let Some(u) = use_ { j["use"] = json!(u); }
            if let Some(a) = alg { j["alg"] = json!(a); }
            j
        }).collect();
        let usable: Vec<_> = keys.iter()
            .filter(|(kty, crv, use_, alg, _, len)| *kty == "EC" && *crv == "P-256" && matches!(use_, None | Some("sig"))
                && matches!(alg, None | Some("ES256")) && *len == 32)
            .collect();
        let want = match kid {
            Some(k) => usable.iter().find(|u| u.4 == k).copied(),
            None if usable.len() == 1 => Some(usable[0]),
            None => None,
        };
        match (jwt::select_key(&json!({"keys": jwks}).to_string(), jwt::Alg::Es256, kid).unwrap(), want) {
            (KeyChoice::Unknown, None) => {}
            (KeyChoice::Found(j), Some(_)) => {
                prop_assert_eq!(j.get("kty").and_then(json::Value::as_str), Some("EC"));
                prop_assert_eq!(j.get("alg").and_then(json::Value::as_str), Some("ES256"));
                for m in ["crv", "x", "y"] {
                    prop_assert!(j.get(m).is_some(), "{} missing: {:?}", m, j);
                }
                prop_assert!(j.get("d").is_none() && j.get("kid").is_none() && j.get("use").is_none());
            }
            (got, want) => prop_assert!(false, "got {:?}, model {:?}", got, want),
        }
    }

    #[test]
    fn jwks_parsing_never_panics(body in "\\PC{0,60}", kid in prop::option::of("\\PC{0,8}")) {
        for alg in [jwt::Alg::Rs256, jwt::Alg::Es256] {
            let _ = jwt::select_key(&body, alg, kid.as_deref());
            let _ = jwt::select_key(&format!("{{\"keys\":{body}}}"), alg, kid.as_deref());
        }
    }
}

#[test]
fn named_tokens_are_refused() {
    let payload = json!({"iss": "https://old/", "aud": "cid", "sub": "auth0|x", "exp": 1_800_000_100});
    for (name, header) in [
        ("alg none", json!({"alg": "none"})),
        ("alg None", json!({"alg": "None"})),
        ("HS256", json!({"alg": "HS256", "typ": "JWT"})),
        ("no alg", json!({"typ": "JWT"})),
        ("alg as a list", json!({"alg": ["RS256"]})),
    ] {
        let sig = if name.starts_with("alg none") { String::new() } else { "c2ln".to_string() };
        assert!(jwt::parse(&format!("{}.{}.{}", b64(&header), b64(&payload), sig)).is_err(), "{name}");
    }
    let good = format!("{}.{}.c2ln", b64(&json!({"alg": "RS256"})), b64(&payload));
    assert!(jwt::parse(&good).is_ok());
    for broken in [
        format!("{good}."),
        good.replacen('.', "..", 1),
        good.replace('.', ""),
        format!("{good}\n"),
        format!(" {good}"),
    ] {
        assert!(jwt::parse(&broken).is_err(), "{broken}");
    }
    let now = 1_800_000_000;
    let claims = |extra: S| {
        let mut c = payload.clone();
        for (k, v) in extra.as_object().unwrap() {
            c[k] = v.clone();
        }
        map(c)
    };
    assert!(jwt::check_claims(&claims(json!({})), "https://old/", "cid", now).is_ok());
    for (name, extra) in [
        ("expired", json!({"exp": now - SKEW_S - 1})),
        ("not yet valid", json!({"nbf": now + SKEW_S + 1})),
        ("issued in the future", json!({"iat": now + 3600})),
        ("exp as text", json!({"exp": "1800000100"})),
        ("exp beyond i64", json!({"exp": 1e30})),
        ("exp at the end of time", json!({"exp": i64::MAX})),
        ("wrong issuer case", json!({"iss": "https://OLD/"})),
        ("issuer without the slash", json!({"iss": "https://old"})),
        ("audience for someone else", json!({"aud": "cid2"})),
        ("several audiences, no azp", json!({"aud": ["cid", "x"]})),
    ] {
        let r = jwt::check_claims(&claims(extra.clone()), "https://old/", "cid", now);
        if name == "exp at the end of time" {
            // Far in the future is not expired; what matters is no overflow panic reading it.
            continue;
        }
        assert!(r.is_err(), "{name}: {extra}");
    }
    // Number forms serde_json would not write: an exponent is not read as a time (no expiry).
    let raw = |exp: &str| {
        json::parse(&format!(r#"{{"iss":"https://old/","aud":"cid","sub":"auth0|x","exp":{exp}}}"#))
            .and_then(|v| v.as_object().cloned())
            .unwrap()
    };
    assert!(jwt::check_claims(&raw("1.8000001e9"), "https://old/", "cid", now).is_err(), "exponent form");
    assert!(jwt::check_claims(&raw("-1"), "https://old/", "cid", now).is_err(), "negative");
    assert!(jwt::check_claims(&raw("1800000100.999"), "https://old/", "cid", now).is_ok(), "a fraction is allowed");
}
