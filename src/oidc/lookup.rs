//! get_user's three admin APIs: the request for an identifier, and what a reply means. Each fails
//! closed: a disabled, suspended or locked account is blocked (UnauthorizedError), and anything
//! unreadable is an Error, never "not found" (a wrong "not found" lets someone sign up with an
//! email the provider has).
//!
//! Each record is first turned into the claims the provider issues for that user, then mapped by
//! [`crate::oidc::claims::profile`], the code login uses, so both scripts give one profile.
//! Where an API has no value for a claim (SCIM and Okta have no `email_verified`), get_user's
//! profile goes without it.

use crate::http::{encode_component, Request, API_TIMEOUT_MS};
use crate::json::{self, Map, Value};
use crate::lookup::{is_email, lucene_quote};
use crate::oidc::claims;
use crate::oidc::settings::{limits, Lookup, OidcConfig};
use crate::outcome::Outcome;
use crate::prelude::*;
use crate::text::{cat, excerpt, num};

/// The lookup request for `folded` (the identifier in lower case): by email when it has an `@`,
/// else by username. Filter values are quoted with `\` and `"` escaped (SCIM, RFC 7644 3.4.2.2;
/// Okta's search uses the same grammar), then percent-encoded, so no input changes the filter.
/// `token` is the client-credentials token (SCIM, Keycloak); Okta uses its API token.
pub fn request(lookup: &Lookup, folded: &str, token: &str) -> Request {
    let quoted = |attr: &str| encode_component(&cat(&[attr, " eq \"", &lucene_quote(folded), "\""]));
    let email = is_email(folded);
    let (label, url) = match lookup {
        Lookup::Scim { base } => {
            ("scim-users", cat(&[base, "/Users?filter=", &quoted(if email { "emails.value" } else { "userName" })]))
        }
        Lookup::Keycloak { admin } => (
            "keycloak-users",
            cat(&[
                admin,
                if email { "/users?email=" } else { "/users?username=" },
                &encode_component(folded),
                "&exact=true",
            ]),
        ),
        Lookup::Okta { org, .. } => (
            "okta-users",
            cat(&[org, "/api/v1/users?search=", &quoted(if email { "profile.email" } else { "profile.login" })]),
        ),
        Lookup::None => ("none", String::new()),
    };
    let mut r = match lookup {
        Lookup::Okta { token, .. } => {
            let mut r = Request::get(label, url, API_TIMEOUT_MS);
            r.headers.push(("authorization".to_string(), cat(&["SSWS ", token])));
            r
        }
        _ => Request::get_bearer(label, url, token, API_TIMEOUT_MS),
    };
    r.headers.push(("accept".to_string(), "application/json".to_string()));
    r.max_body_bytes = limits::MAX_REPLY_BYTES;
    r
}

/// Whether a record's account may log in: `Ok(true)` yes, `Ok(false)` blocked, `Err` unreadable.
pub(crate) type Standing = Result<bool, &'static str>;

fn text<'a>(v: &'a Value, path: &[&str]) -> Option<&'a str> {
    path.iter().try_fold(v, |v, k| v.get(k))?.as_str()
}

fn put(m: &mut Map, claim: &str, v: Option<&Value>) {
    if let Some(v) = v.filter(|v| !matches!(v, Value::Null)) {
        m.insert(claim, v.clone());
    }
}

fn put_text(m: &mut Map, claim: &str, v: Option<&str>) {
    put(m, claim, v.map(Value::from).as_ref());
}

/// `given family`, as Keycloak's and Okta's `name` claim is built.
fn full_name(given: Option<&str>, family: Option<&str>) -> Option<String> {
    match (given.filter(|s| !s.is_empty()), family.filter(|s| !s.is_empty())) {
        (Some(g), Some(f)) => Some(cat(&[g, " ", f])),
        (one, other) => one.or(other).map(str::to_string),
    }
}

/// The primary (else the first) `value` of a SCIM multi-valued attribute.
fn primary<'a>(v: &'a Value, attr: &str) -> Option<&'a str> {
    let list = v.get(attr)?.as_array()?;
    let first = list.iter().find(|e| e.get("primary").and_then(Value::as_bool) == Some(true)).or(list.first());
    first?.get("value")?.as_str()
}

/// Keycloak's attributes are lists of strings: a one-element list is that value.
fn unwrap_one(v: Option<&Value>) -> Option<&Value> {
    match v {
        Some(Value::Array(a)) if a.len() == 1 => a.first(),
        other => other,
    }
}

/// A SCIM 2.0 User (RFC 7643 4.1) as claims, and whether it is `active`.
pub(crate) fn scim(u: &Value, names: &[&String]) -> (Map, Standing) {
    let mut c = Map::new();
    put_text(&mut c, "sub", text(u, &["id"]));
    put_text(&mut c, "email", primary(u, "emails"));
    put_text(&mut c, "preferred_username", text(u, &["userName"]));
    put_text(&mut c, "given_name", text(u, &["name", "givenName"]));
    put_text(&mut c, "family_name", text(u, &["name", "familyName"]));
    put_text(&mut c, "name", text(u, &["name", "formatted"]).or(text(u, &["displayName"])));
    put_text(&mut c, "picture", primary(u, "photos"));
    for n in names {
        put(&mut c, n, u.get(n));
    }
    let standing = match u.get("active") {
        None | Some(Value::Null | Value::Bool(true)) => Ok(true),
        Some(Value::Bool(false)) => Ok(false),
        Some(_) => Err("a SCIM user's `active` is not a boolean"),
    };
    (c, standing)
}

/// A Keycloak UserRepresentation as claims (Keycloak's default mappers), and whether it is `enabled`.
pub(crate) fn keycloak(u: &Value, names: &[&String]) -> (Map, Standing) {
    let mut c = Map::new();
    let (given, family) = (text(u, &["firstName"]), text(u, &["lastName"]));
    put_text(&mut c, "sub", text(u, &["id"]));
    put_text(&mut c, "email", text(u, &["email"]));
    put(&mut c, "email_verified", u.get("emailVerified"));
    put_text(&mut c, "preferred_username", text(u, &["username"]));
    put_text(&mut c, "given_name", given);
    put_text(&mut c, "family_name", family);
    put_text(&mut c, "name", full_name(given, family).as_deref());
    let attrs = u.get("attributes");
    put(&mut c, "picture", unwrap_one(attrs.and_then(|a| a.get("picture"))));
    for n in names {
        put(&mut c, n, unwrap_one(attrs.and_then(|a| a.get(n))));
    }
    let standing = match u.get("enabled") {
        Some(Value::Bool(b)) => Ok(*b),
        _ => Err("a Keycloak user has no boolean `enabled`"),
    };
    (c, standing)
}

/// An Okta User as claims, and whether its `status` lets it log in. Only `ACTIVE` does:
/// `STAGED` and `PROVISIONED` have never set a password, `RECOVERY` and `PASSWORD_EXPIRED` must
/// change theirs at Okta first, `LOCKED_OUT`, `SUSPENDED` and `DEPROVISIONED` are stopped; all of
/// these are blocked here. A status Okta does not document is unreadable.
pub(crate) fn okta(u: &Value, names: &[&String]) -> (Map, Standing) {
    let mut c = Map::new();
    let p = u.get("profile");
    let field = |k: &str| p.and_then(|p| p.get(k)).and_then(Value::as_str);
    put_text(&mut c, "sub", text(u, &["id"]));
    put_text(&mut c, "email", field("email"));
    put_text(&mut c, "preferred_username", field("login"));
    put_text(&mut c, "given_name", field("firstName"));
    put_text(&mut c, "family_name", field("lastName"));
    put_text(&mut c, "name", full_name(field("firstName"), field("lastName")).as_deref());
    for n in names {
        put(&mut c, n, p.and_then(|p| p.get(n)));
    }
    let standing = match text(u, &["status"]) {
        Some("ACTIVE") => Ok(true),
        Some(
            "STAGED" | "PROVISIONED" | "RECOVERY" | "PASSWORD_EXPIRED" | "LOCKED_OUT" | "SUSPENDED" | "DEPROVISIONED",
        ) => Ok(false),
        _ => Err("an Okta user's `status` is missing or unknown"),
    };
    (c, standing)
}

/// Reads a successful (2xx) lookup reply for `folded` into get_user's outcome.
pub fn decide(cfg: &OidcConfig, folded: &str, body: &str) -> Outcome {
    let bad = || Outcome::error("user lookup: the provider's reply is not a user list (or is too long)");
    let Some(v) = json::parse(body) else { return bad() };
    // SCIM answers a ListResponse; `Resources` may be left out when nothing matched.
    let (records, total) = match (&cfg.lookup, &v) {
        (Lookup::Scim { .. }, Value::Object(_)) => {
            match (v.get("Resources"), v.get("totalResults").and_then(Value::as_u64)) {
                (Some(Value::Array(r)), t) => (r.as_slice(), t.unwrap_or(0)),
                (None, Some(0)) => (&[][..], 0),
                _ => return bad(),
            }
        }
        (Lookup::Keycloak { .. } | Lookup::Okta { .. }, Value::Array(r)) => (r.as_slice(), 0),
        _ => return bad(),
    };
    let mut names: Vec<&String> = cfg.user_metadata_claims.iter().collect();
    names.extend(&cfg.app_metadata_claims);
    let read = match cfg.lookup {
        Lookup::Scim { .. } => scim,
        Lookup::Keycloak { .. } => keycloak,
        _ => okta,
    };
    let found: Vec<(Map, Standing)> =
        records.iter().map(|u| read(u, &names)).filter(|(c, _)| claims::names_user(c, folded)).collect();
    let (c, standing) = match found.as_slice() {
        [] if total <= 1 => return Outcome::NotFound,
        [one] if total <= 1 => one,
        _ => {
            return Outcome::error(cat(&[
                "user lookup: ",
                &num(found.len().max(total as usize) as u64),
                " users at the provider have this identifier; refusing to choose",
            ]))
        }
    };
    match standing {
        Err(why) => Outcome::error(cat(&["user lookup: ", why])),
        Ok(false) => Outcome::unauthorized("Your account is blocked. Please contact support."),
        Ok(true) => match claims::profile(cfg, c) {
            Ok(p) => Outcome::Profile { profile: Box::new(p) },
            Err(e) => Outcome::error(cat(&["user lookup: ", &e])),
        },
    }
}

/// A lookup reply that is not a success (transport failures already handled): a setup error
/// naming what to grant, or the reply, never "not found".
pub fn failure(lookup: &Lookup, status: u16, body: &str) -> Outcome {
    let fix = match (lookup, status) {
        (Lookup::Okta { .. }, 401) => "setup: Okta refused the `Okta_API_Token` (revoked or expired); create a new one",
        (Lookup::Okta { .. }, 403) => {
            "setup: the Okta API token's admin may not read users; use a token of a read-only admin"
        }
        (Lookup::Keycloak { .. }, 401 | 403) => {
            "setup: the client's service account may not read users; give it the realm-management role view-users"
        }
        (Lookup::Scim { .. }, 401 | 403) => {
            "setup: the SCIM service refused the client's token; allow the client to read users there"
        }
        (_, 404) => "setup: the lookup URL does not exist at the provider (HTTP 404); check the lookup's URL settings",
        _ => "",
    };
    if !fix.is_empty() {
        return Outcome::error(fix);
    }
    Outcome::error(cat(&["user lookup: unexpected reply (HTTP ", &num(status.into()), ": ", &excerpt(body, 200), ")"]))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn cfg(lookup: Lookup) -> OidcConfig {
        OidcConfig {
            issuer: "https://idp".into(),
            client_id: "cid".into(),
            client_secret: "s".into(),
            scope: "openid".into(),
            lookup,
            user_id_prefix: "p-".into(),
            user_metadata_claims: vec!["plan".into()],
            app_metadata_claims: vec![],
            log_identifiers: false,
        }
    }
    fn scim_cfg() -> OidcConfig {
        cfg(Lookup::Scim { base: "https://idp/scim/v2".into() })
    }
    fn kc_cfg() -> OidcConfig {
        cfg(Lookup::Keycloak { admin: "https://kc/admin/realms/r".into() })
    }
    fn okta_cfg() -> OidcConfig {
        cfg(Lookup::Okta { org: "https://o.okta.com".into(), token: "tok".into() })
    }

    #[test]
    fn filters_are_escaped_and_encoded() {
        let r = request(&scim_cfg().lookup, "a\"b\\c@x.com", "t");
        assert_eq!(r.url, "https://idp/scim/v2/Users?filter=emails.value%20eq%20%22a%5C%22b%5C%5Cc%40x.com%22");
        assert!(r.headers.contains(&("authorization".into(), "Bearer t".into())));
        let r = request(&scim_cfg().lookup, "jdoe", "t");
        assert_eq!(r.url, "https://idp/scim/v2/Users?filter=userName%20eq%20%22jdoe%22");
        let r = request(&kc_cfg().lookup, "a&b=c@x.com", "t");
        assert_eq!(r.url, "https://kc/admin/realms/r/users?email=a%26b%3Dc%40x.com&exact=true");
        let r = request(&okta_cfg().lookup, "a\"@x.com", "ignored");
        assert_eq!(r.url, "https://o.okta.com/api/v1/users?search=profile.email%20eq%20%22a%5C%22%40x.com%22");
        assert!(r.headers.contains(&("authorization".into(), "SSWS tok".into())));
        assert_eq!(r.max_body_bytes, limits::MAX_REPLY_BYTES);
    }

    fn kind(o: &Outcome) -> &'static str {
        match o {
            Outcome::Profile { .. } => "found",
            Outcome::NotFound => "none",
            Outcome::Unauthorized { .. } => "blocked",
            Outcome::Error { .. } => "error",
            _ => "other",
        }
    }

    #[test]
    fn scim_found_blocked_not_found_many_and_malformed() {
        let user = json!({"id": "u1", "userName": "jane", "emails": [{"value": "x@x"}, {"value": "Jane@X.com", "primary": true}],
            "name": {"givenName": "Jane", "familyName": "D", "formatted": "Jane D"}, "active": true, "plan": "pro"});
        let list = |r: serde_json::Value, t: u64| json!({"schemas": [], "totalResults": t, "Resources": r}).to_string();
        let o = decide(&scim_cfg(), "jane@x.com", &list(json!([user.clone()]), 1));
        let Outcome::Profile { profile } = &o else { panic!("{o:?}") };
        assert_eq!(
            profile.to_json().to_json(),
            r#"{"user_id":"p-u1","email":"Jane@X.com","username":"jane","name":"Jane D","given_name":"Jane","family_name":"D","user_metadata":{"plan":"pro"},"app_metadata":{}}"#
        );
        let mut off = user.clone();
        off["active"] = json!(false);
        assert_eq!(kind(&decide(&scim_cfg(), "jane@x.com", &list(json!([off]), 1))), "blocked");
        let mut odd = user.clone();
        odd["active"] = json!("false");
        assert_eq!(kind(&decide(&scim_cfg(), "jane@x.com", &list(json!([odd]), 1))), "error");
        assert_eq!(kind(&decide(&scim_cfg(), "jane@x.com", r#"{"totalResults":0}"#)), "none");
        assert_eq!(kind(&decide(&scim_cfg(), "jane@x.com", &list(json!([user.clone(), user.clone()]), 2))), "error");
        assert_eq!(kind(&decide(&scim_cfg(), "jane@x.com", &list(json!([user.clone()]), 2))), "error", "a second page");
        assert_eq!(kind(&decide(&scim_cfg(), "other@x.com", &list(json!([user]), 1))), "none", "not that user");
        for body in
            ["", "[]", "{\"totalResults\":1}", "{\"Resources\":{}}", "{\"totalResults\":1,\"Resources\":[{\"id\":\"u"]
        {
            assert_eq!(kind(&decide(&scim_cfg(), "jane@x.com", body)), "error", "{body}");
        }
    }

    #[test]
    fn keycloak_enabled_and_attributes() {
        let u = json!({"id": "kc-1", "username": "jane", "email": "jane@x.com", "emailVerified": true,
            "firstName": "Jane", "lastName": "D", "enabled": true, "attributes": {"plan": ["pro"]}});
        let Outcome::Profile { profile } = decide(&kc_cfg(), "jane", &json!([u.clone()]).to_string()) else { panic!() };
        assert_eq!(
            profile.to_json().to_json(),
            r#"{"user_id":"p-kc-1","email":"jane@x.com","email_verified":true,"username":"jane","name":"Jane D","given_name":"Jane","family_name":"D","user_metadata":{"plan":"pro"},"app_metadata":{}}"#
        );
        let mut off = u.clone();
        off["enabled"] = json!(false);
        assert_eq!(kind(&decide(&kc_cfg(), "jane", &json!([off]).to_string())), "blocked");
        off = u.clone();
        off.as_object_mut().unwrap().remove("enabled");
        assert_eq!(kind(&decide(&kc_cfg(), "jane", &json!([off]).to_string())), "error");
        assert_eq!(kind(&decide(&kc_cfg(), "jane", "[]")), "none");
        assert_eq!(kind(&decide(&kc_cfg(), "jane", "{}")), "error");
    }

    #[test]
    fn okta_statuses() {
        let u = |status: &str| {
            json!([{"id": "00u1", "status": status, "profile": {"login": "jane@x.com", "email": "jane@x.com", "firstName": "Jane", "lastName": "D", "plan": "pro"}}]).to_string()
        };
        assert_eq!(kind(&decide(&okta_cfg(), "jane@x.com", &u("ACTIVE"))), "found");
        for s in ["STAGED", "PROVISIONED", "RECOVERY", "PASSWORD_EXPIRED", "LOCKED_OUT", "SUSPENDED", "DEPROVISIONED"] {
            assert_eq!(kind(&decide(&okta_cfg(), "jane@x.com", &u(s))), "blocked", "{s}");
        }
        assert_eq!(kind(&decide(&okta_cfg(), "jane@x.com", &u("NEW_STATUS"))), "error");
    }

    #[test]
    fn failures_are_errors_naming_the_fix() {
        for (l, s, says) in [
            (okta_cfg().lookup, 401, "Okta_API_Token"),
            (kc_cfg().lookup, 403, "view-users"),
            (scim_cfg().lookup, 404, "HTTP 404"),
            (scim_cfg().lookup, 400, "HTTP 400"),
        ] {
            let Outcome::Error { message } = failure(&l, s, "x") else { panic!() };
            assert!(message.contains(says), "{message}");
        }
    }
}
