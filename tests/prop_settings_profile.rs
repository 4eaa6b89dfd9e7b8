//! Property tests of the inputs an operator and the old tenant's Management API control: the
//! dashboard settings (every `Domain` form: spaces, schemes, paths, ports), the user records that
//! become the profile Auth0 stores, and the identifiers put into lookups (Lucene metacharacters and
//! quotes). Native only; `PROPTEST_CASES=N` for a long run.
#![cfg(not(target_arch = "wasm32"))]

use auth0_lazy_migrate::config::{normalise_domain, Config};
use auth0_lazy_migrate::json::{self, Map};
use auth0_lazy_migrate::lookup;
use auth0_lazy_migrate::profile;
use proptest::prelude::*;
use serde_json::{json, Value as S};

fn config(default: u32) -> ProptestConfig {
    let cases = std::env::var("PROPTEST_CASES").ok().and_then(|v| v.parse().ok()).unwrap_or(default);
    ProptestConfig { cases, failure_persistence: None, ..ProptestConfig::default() }
}

fn map(v: &S) -> Map {
    json::parse(&v.to_string()).and_then(|v| v.as_object().cloned()).expect("an object")
}

fn settings(domain: &str) -> Map {
    map(&json!({"Domain": domain, "Client_ID": "cid", "Client_Secret": "Sx9-secret-value", "Connection": "db"}))
}

fn host() -> impl Strategy<Value = String> {
    prop::collection::vec("[a-z0-9]([a-z0-9-]{0,6}[a-z0-9])?", 1..5).prop_map(|labels| labels.join("."))
}

fn percent_decode(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'%' && i + 2 < b.len() {
            out.push(u8::from_str_radix(std::str::from_utf8(&b[i + 1..i + 3]).unwrap(), 16).unwrap());
            i += 3;
        } else {
            out.push(b[i]);
            i += 1;
        }
    }
    String::from_utf8(out).unwrap()
}

/// Reads a Lucene quoted phrase back (`\x` -> `x`), or None when a quote is not escaped.
fn unquote_phrase(inner: &str) -> Option<String> {
    let mut out = String::new();
    let mut chars = inner.chars();
    while let Some(c) = chars.next() {
        match c {
            '\\' => out.push(chars.next()?),
            '"' => return None,
            c => out.push(c),
        }
    }
    Some(out)
}

proptest! {
    #![proptest_config(config(256))]

    #[test]
    fn every_accepted_domain_form_normalises_to_host_and_port(
        h in host(),
        port in prop::option::of(1u32..=65535),
        scheme in prop::sample::select(vec!["", "https://", "HTTPS://", "HtTpS://"]),
        slash in any::<bool>(),
        pad in prop::sample::select(vec!["", " ", "\t", "\n ", "  "]),
        upper in any::<bool>(),
    ) {
        let hp = match port { Some(p) => format!("{h}:{p}"), None => h.clone() };
        let shown = if upper { hp.to_uppercase() } else { hp.clone() };
        let raw = format!("{pad}{scheme}{shown}{}{pad}", if slash { "/" } else { "" });
        prop_assert_eq!(normalise_domain(&raw), Ok(hp.clone()), "{:?}", raw);
        let cfg = Config::from_settings(&settings(&raw)).unwrap();
        prop_assert_eq!(cfg.url("/oauth/token"), format!("https://{hp}/oauth/token"));
        prop_assert_eq!(cfg.audience, format!("https://{hp}/api/v2/"));
    }

    #[test]
    fn refused_domain_forms_name_the_key_and_never_echo_the_value(
        h in host(),
        bad in prop::sample::select(vec!["path", "query", "fragment", "creds", "space", "http", "ftp", "port0", "bigport", "textport", "emptyport", "empty", "dots", "underscore", "unicode"]),
    ) {
        let secret = "Q7zSECRETv4";
        let raw = match bad {
            "path" => format!("{h}/{secret}"),
            "query" => format!("{h}?k={secret}"),
            "fragment" => format!("{h}#{secret}"),
            "creds" => format!("admin:{secret}@{h}"),
            "space" => format!("{h} {secret}"),
            "http" => format!("http://{h}"),
            "ftp" => format!("ftp://{h}"),
            "port0" => format!("{h}:0"),
            "bigport" => format!("{h}:65536"),
            "textport" => format!("{h}:{secret}"),
            "emptyport" => format!("{h}:"),
            "empty" => "https:///".to_string(),
            "dots" => format!(".{h}"),
            "underscore" => format!("{h}_{secret}"),
            _ => format!("{h}.exämple"),
        };
        let e = normalise_domain(&raw).unwrap_err();
        prop_assert_eq!(e.key, "Domain");
        prop_assert!(!e.message().contains(secret), "{}", e.message());
        let e = Config::from_settings(&settings(&raw)).unwrap_err();
        prop_assert_eq!(e.key, "Domain");
        prop_assert!(!e.message().contains(secret) && !e.message().contains("Sx9-secret-value"));
    }

    #[test]
    fn any_domain_text_is_refused_or_clean(raw in "\\PC{0,40}|[a-zA-Z0-9.:/@ \\-]{0,30}") {
        if let Ok(d) = normalise_domain(&raw) {
            prop_assert!(!d.is_empty());
            prop_assert!(d.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '.' || c == '-' || c == ':'), "{:?} -> {:?}", raw, d);
            prop_assert!(!d.starts_with('.') && !d.starts_with('-') && !d.starts_with(':'));
        }
    }

    #[test]
    fn any_settings_object_is_a_config_or_an_error_naming_a_key(
        entries in prop::collection::btree_map(
            prop::sample::select(vec!["Domain", "Client_ID", "Client_Secret", "Audience", "Connection", "Claims_Namespace",
                "Profile_Source", "User_ID_Prefix", "Skip_Migrated_Users", "Log_Identifiers", "domain", "Other"]),
            prop_oneof![
                "\\PC{0,16}".prop_map(S::from), Just(S::from("old.example.com")), Just(S::from("https://old.example.com/api/v2/")),
                Just(S::from("true")), Just(S::from("management")), Just(S::from(7)), Just(json!(null)), Just(json!(["x"])),
            ],
            0..10,
        ),
    ) {
        let secret = "Zt4-very-secret-9";
        let mut m = json!(entries);
        m["Client_Secret"] = json!(format!(" {secret} "));
        match Config::from_settings(&map(&m)) {
            Ok(cfg) => {
                prop_assert_eq!(cfg.client_secret.as_str(), secret);
                prop_assert!(cfg.audience.starts_with("https://"));
            }
            Err(e) => {
                prop_assert!(["Domain", "Client_ID", "Client_Secret", "Audience", "Profile_Source", "User_ID_Prefix",
                    "Skip_Migrated_Users", "Log_Identifiers"].contains(&e.key), "{}", e.key);
                prop_assert!(!e.message().contains(secret));
            }
        }
    }

    #[test]
    fn user_records_become_profiles_field_by_field_or_are_refused(
        fields in prop::collection::btree_map(
            prop::sample::select(vec!["user_id", "email", "email_verified", "username", "name", "nickname", "given_name",
                "family_name", "picture", "user_metadata", "app_metadata", "blocked", "identities", "__proto__", "constructor"]),
            prop_oneof![
                "\\PC{0,12}".prop_map(S::from), Just(S::from("auth0|abc123")), Just(S::from("auth0|")), Just(S::from("")),
                any::<bool>().prop_map(S::from), any::<i32>().prop_map(S::from), Just(json!(null)), Just(json!([1, "a"])),
                Just(json!({"__proto__": {"polluted": true}, "constructor": {"prototype": 1}, "migration_complete": true, "k": "v"})),
            ],
            0..14,
        ),
    ) {
        let record = json!(fields);
        let got = profile::from_user_record(&map(&record));
        let id = record.get("user_id").and_then(S::as_str);
        let carried = id.map(|i| i.strip_prefix("auth0|").unwrap_or(i));
        match (got, carried) {
            (Ok(p), Some(c)) if !c.is_empty() => {
                prop_assert_eq!(p.user_id.as_str(), c);
                for (field, value) in [("email", &p.email), ("username", &p.username), ("name", &p.name), ("nickname", &p.nickname),
                    ("given_name", &p.given_name), ("family_name", &p.family_name), ("picture", &p.picture)] {
                    prop_assert_eq!(value.as_deref(), record.get(field).and_then(S::as_str), "{}", field);
                }
                prop_assert_eq!(p.email_verified, record.get("email_verified").and_then(S::as_bool));
                let out: S = serde_json::from_str(&p.to_json().to_json()).unwrap();
                for meta in ["user_metadata", "app_metadata"] {
                    let mut want = record.get(meta).filter(|v| v.is_object()).cloned().unwrap_or(json!({}));
                    if meta == "app_metadata" { want.as_object_mut().unwrap().remove("migration_complete"); }
                    prop_assert_eq!(&out[meta], &want, "{} is always an object, own keys kept, the marker dropped", meta);
                }
                prop_assert!(out.as_object().unwrap().keys().all(|k| ["user_id", "email", "email_verified", "username", "name", "nickname",
                    "given_name", "family_name", "picture", "user_metadata", "app_metadata"].contains(&k.as_str())), "only fields Auth0 accepts");
            }
            (Err(_), _) => prop_assert!(carried.is_none_or(str::is_empty), "refused a record with user_id {:?}", id),
            (Ok(p), _) => prop_assert!(false, "accepted a record without a usable user_id: {:?}", p),
        }
    }

    #[test]
    fn usernames_go_into_the_search_as_one_exact_phrase(identifier in "\\PC{1,24}|[\"\\\\*?:()\\[\\]{}^~!+&|/ a-z-]{1,24}") {
        prop_assume!(!identifier.contains('@'));
        let cfg = Config::from_settings(&settings("old.example.com")).unwrap();
        let req = lookup::request(&cfg, &identifier, None, "tok");
        let query = req.url.split_once('?').map(|(_, q)| q).unwrap();
        let params: Vec<(String, String)> = query.split('&').map(|p| {
            let (k, v) = p.split_once('=').unwrap();
            (k.to_string(), percent_decode(v))
        }).collect();
        prop_assert_eq!(params.len(), 2, "exactly q and search_engine: {}", query);
        prop_assert_eq!(&params[1], &("search_engine".to_string(), "v3".to_string()));
        let q = &params[0].1;
        prop_assert!(q.starts_with("username:\"") && q.ends_with('"'), "{}", q);
        let inner = &q["username:\"".len()..q.len() - 1];
        prop_assert_eq!(unquote_phrase(inner), Some(identifier.clone()), "the phrase holds exactly the input");
    }

    #[test]
    fn emails_go_into_users_by_email_as_one_exact_value(local in "\\PC{1,12}|[&=?#%+ a-z]{1,12}", domain in "[a-z]{1,8}\\.com") {
        let identifier = format!("{local}@{domain}");
        let cfg = Config::from_settings(&settings("old.example.com")).unwrap();
        let req = lookup::request(&cfg, &identifier, None, "tok");
        let query = req.url.split_once('?').map(|(_, q)| q).unwrap();
        prop_assert!(req.url.starts_with("https://old.example.com/api/v2/users-by-email?email="));
        prop_assert!(!query.contains('&'), "one parameter only: {}", query);
        prop_assert_eq!(percent_decode(&query["email=".len()..]), identifier);
    }

    #[test]
    fn user_ids_go_into_the_path_as_one_segment(id in "\\PC{1,24}|auth0\\|[a-f0-9./?#%]{1,24}") {
        let cfg = Config::from_settings(&settings("old.example.com")).unwrap();
        let req = lookup::request(&cfg, "a@b.c", Some(&id), "tok");
        let path = req.url.strip_prefix("https://old.example.com/api/v2/users/").unwrap();
        prop_assert!(!path.contains('/') && !path.contains('?') && !path.contains('#'), "{}", path);
        prop_assert_eq!(percent_decode(path), id);
    }
}
