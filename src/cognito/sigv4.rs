//! AWS Signature Version 4 for the calls Cognito authorises by IAM (`ListUsers`): the canonical
//! request, the string to sign, the key derivation and the `Authorization` header, composed and
//! hashed here; and the app client's `SECRET_HASH` as login sends it.
//!
//! **Who hashes, and what it costs.** SigV4 chains five HMACs, each keyed with the previous one's
//! 32 raw bytes (`AWS4`+secret -> date -> region -> service -> `aws4_request`), over two SHA-256
//! digests (the body, the canonical request). The host's sign step ([`crate::step::Step::Sign`],
//! the rest source's) keys its HMAC with UTF-8 text and answers hex, so signing through the host
//! would have needed a new kind of step (binary keys, a plain hash) in the shared protocol, the
//! boundary and the shim, and seven host round trips per request. RustCrypto's `sha2` 0.10.9 +
//! `hmac` 0.12.1 (pinned exactly) do it here instead. Measured on the get_user script's module
//! (`--no-default-features --features source-cognito,script-get-user`, release profile,
//! wasm-bindgen, then wasm-opt with the build's flags) against the same module with the two
//! digests replaced by a stub: 62,348 against 55,094 bytes of wasm (+7,254), 25,141 against
//! 22,621 once brotli-compressed (+2,520), about +3.1 KB of script in text91; the script is 38,933 bytes,
//! under the 39,900-byte ceiling. The login script's module never signs with the IAM key (see
//! `MFA_RESET` in [`crate::cognito`]), and its one HMAC, the `SECRET_HASH`, is the host's through
//! the existing sign step ([`hex_to_base64`]), so it links neither crate; nor do the other
//! sources' modules (their sizes did not move).

use hmac::{Hmac, Mac};
use sha2::{Digest, Sha256};

use super::settings::{limits, CognitoConfig};
use crate::text::cat;

/// The signing algorithm's name, as in the string to sign and the `Authorization` header.
const ALGORITHM: &str = "AWS4-HMAC-SHA256";

fn hmac(key: &[u8], message: &[u8]) -> [u8; 32] {
    // `new_from_slice` accepts any key length for HMAC; the error arm cannot happen.
    let Ok(mut mac) = Hmac::<Sha256>::new_from_slice(key) else { return [0; 32] };
    mac.update(message);
    mac.finalize().into_bytes().into()
}

/// Lower-case hex.
pub fn hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut s = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        s.push(char::from(DIGITS[usize::from(b >> 4)]));
        s.push(char::from(DIGITS[usize::from(b & 15)]));
    }
    s
}

/// SHA-256 of `data`, in lower-case hex.
pub fn sha256_hex(data: &[u8]) -> String {
    hex(&Sha256::digest(data))
}

/// Standard base64 with padding (RFC 4648 4), from the crate's base64url encoder.
pub fn base64(bytes: &[u8]) -> String {
    let mut b: String = crate::base64url::encode(bytes)
        .chars()
        .map(|c| match c {
            '-' => '+',
            '_' => '/',
            c => c,
        })
        .collect();
    while !b.len().is_multiple_of(4) {
        b.push('=');
    }
    b
}

/// The host's HMAC (64 lower-case hex digits) in standard base64: login's `SECRET_HASH`, which
/// the host computes through the sign step so the login script's module carries no SHA-256.
pub fn hex_to_base64(hex: &str) -> Option<String> {
    let digit = |c: u8| char::from(c).to_digit(16).map(|d| d as u8);
    if hex.len() != 64 {
        return None;
    }
    let bytes: Option<Vec<u8>> = hex.as_bytes().chunks(2).map(|p| Some(digit(p[0])? << 4 | digit(p[1])?)).collect();
    bytes.map(|b| base64(&b))
}

/// The app client's `SECRET_HASH` for `username`: Base64(HMAC-SHA256(client secret, username +
/// client id)), as the host's sign step and this module's HMAC compute it (native tests only).
#[cfg(test)]
pub fn secret_hash(client_secret: &str, username: &str, client_id: &str) -> String {
    base64(&hmac(client_secret.as_bytes(), cat(&[username, client_id]).as_bytes()))
}

/// `(YYYYMMDD, YYYYMMDDTHHMMSSZ)` in UTC for `now_ms` (ms since the epoch): the credential
/// scope's date and `X-Amz-Date`. The civil date from the day count is Howard Hinnant's
/// `civil_from_days` algorithm, written out here.
pub fn amz_date(now_ms: u64) -> (String, String) {
    let secs = now_ms / 1000;
    let days = (secs / 86_400) as i64;
    let rem = secs % 86_400;
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    let two = |n: u64| [char::from(b'0' + (n / 10 % 10) as u8), char::from(b'0' + (n % 10) as u8)];
    let mut date = String::new();
    for c in [year as u64 / 100, year as u64 % 100, month as u64, day as u64].into_iter().flat_map(two) {
        date.push(c);
    }
    let mut stamp = cat(&[&date, "T"]);
    for c in [rem / 3600, rem / 60 % 60, rem % 60].into_iter().flat_map(two) {
        stamp.push(c);
    }
    stamp.push('Z');
    (date, stamp)
}

/// The canonical request (SigV4 task 1): method, path, query, the headers as `name:value` lines
/// (names in lower case, sorted, values trimmed), a blank line, the signed header names, and the
/// body's SHA-256. `headers` must be sorted by name already.
pub fn canonical_request(method: &str, path: &str, query: &str, headers: &[(&str, &str)], body_sha256: &str) -> String {
    let mut s = cat(&[method, "\n", path, "\n", query, "\n"]);
    for (n, v) in headers {
        s.push_str(&cat(&[n, ":", v.trim(), "\n"]));
    }
    s.push('\n');
    s.push_str(&signed_headers(headers));
    s.push('\n');
    s.push_str(body_sha256);
    s
}

fn signed_headers(headers: &[(&str, &str)]) -> String {
    headers.iter().map(|(n, _)| *n).collect::<Vec<_>>().join(";")
}

/// `date/region/service/aws4_request`.
pub fn scope(date: &str, region: &str, service: &str) -> String {
    cat(&[date, "/", region, "/", service, "/aws4_request"])
}

/// The string to sign (task 2): the algorithm, the time, the scope, the canonical request's SHA-256.
pub fn string_to_sign(stamp: &str, scope: &str, canonical: &str) -> String {
    cat(&[ALGORITHM, "\n", stamp, "\n", scope, "\n", &sha256_hex(canonical.as_bytes())])
}

/// The signature (task 3): the signing key derived from the secret, then HMAC of the string to sign.
pub fn signature(secret: &str, date: &str, region: &str, service: &str, to_sign: &str) -> String {
    let k = hmac(cat(&["AWS4", secret]).as_bytes(), date.as_bytes());
    let k = hmac(&k, region.as_bytes());
    let k = hmac(&k, service.as_bytes());
    let k = hmac(&k, b"aws4_request");
    hex(&hmac(&k, to_sign.as_bytes()))
}

/// The headers of an AWS JSON 1.1 `POST /` of `body` to the action `target` (`ListUsers`), signed
/// with the settings' IAM key at `now_ms`: content type, target, `x-amz-date` and `authorization`
/// (the host sets `host` from the URL, which is the value signed).
pub fn signed_headers_for(cfg: &CognitoConfig, target: &str, body: &str, now_ms: u64) -> Vec<(String, String)> {
    let (date, stamp) = amz_date(now_ms);
    let full_target = cat(&[limits::TARGET_PREFIX, target]);
    let headers = [
        ("content-type", limits::CONTENT_TYPE),
        ("host", cfg.host.as_str()),
        ("x-amz-date", stamp.as_str()),
        ("x-amz-target", full_target.as_str()),
    ];
    let canonical = canonical_request("POST", "/", "", &headers, &sha256_hex(body.as_bytes()));
    let scope = scope(&date, &cfg.region, limits::SERVICE);
    let sig = signature(
        &cfg.secret_access_key,
        &date,
        &cfg.region,
        limits::SERVICE,
        &string_to_sign(&stamp, &scope, &canonical),
    );
    let authorization = cat(&[
        ALGORITHM,
        " Credential=",
        &cfg.access_key_id,
        "/",
        &scope,
        ", SignedHeaders=",
        &signed_headers(&headers),
        ", Signature=",
        &sig,
    ]);
    vec![
        ("content-type".to_string(), limits::CONTENT_TYPE.to_string()),
        ("x-amz-target".to_string(), full_target.clone()),
        ("x-amz-date".to_string(), stamp.clone()),
        ("authorization".to_string(), authorization),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_published_aws_test_vector() {
        // AWS's Signature Version 4 test suite (2011 edition, "get-vanilla-query-order-key"):
        // the canonical request, its hash, and the signature with the suite's example key.
        let headers = [("date", "Mon, 09 Sep 2011 23:36:00 GMT"), ("host", "host.foo.com")];
        let creq = canonical_request(
            "GET",
            "/",
            "foo=Zoo&foo=aha",
            &headers,
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
        );
        assert_eq!(sha256_hex(creq.as_bytes()), "e25f777ba161a0f1baf778a87faf057187cf5987f17953320e3ca399feb5f00d");
        assert_eq!(sha256_hex(b""), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
        let sts = string_to_sign("20110909T233600Z", &scope("20110909", "us-east-1", "host"), &creq);
        assert_eq!(
            sts,
            "AWS4-HMAC-SHA256\n20110909T233600Z\n20110909/us-east-1/host/aws4_request\ne25f777ba161a0f1baf778a87faf057187cf5987f17953320e3ca399feb5f00d"
        );
        assert_eq!(
            signature("wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", "20110909", "us-east-1", "host", &sts),
            "be7148d34ebccdc6423b19085378aa0bee970bdc61d144bd1a8c48c33079ab09"
        );
    }

    #[test]
    fn dates_in_utc() {
        assert_eq!(amz_date(0), ("19700101".into(), "19700101T000000Z".into()));
        assert_eq!(amz_date(1_315_611_360_000), ("20110909".into(), "20110909T233600Z".into()));
        assert_eq!(amz_date(951_782_400_000), ("20000229".into(), "20000229T000000Z".into()), "a leap day");
        assert_eq!(amz_date(4_102_444_799_999), ("20991231".into(), "20991231T235959Z".into()));
    }

    #[test]
    fn secret_hash_and_base64() {
        // Base64(HMAC-SHA256("secret", "jane" + "client")), computed independently with Node's crypto.
        assert_eq!(secret_hash("secret", "jane", "client"), "MRPITOHaaXF3U2mXQ8u/9mU3u+IhlYGP0cF9VpZjE5M=");
        assert_eq!(base64(b"ab?"), "YWI/");
        assert_eq!(base64(b"a"), "YQ==");
        assert_eq!(base64(&[0xfb, 0xff]), "+/8=");
    }
}
