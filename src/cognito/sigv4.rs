//! AWS Signature Version 4 for the calls Cognito authorises by IAM (`ListUsers`): the canonical
//! request, the string to sign, the key derivation and the `Authorization` header, composed and
//! hashed here; and the app client's `SECRET_HASH` as login sends it.
//!
//! **Who hashes, and what it costs.** SigV4 chains five HMACs, each keyed with the previous one's
//! 32 raw bytes (`AWS4`+secret -> date -> region -> service -> `aws4_request`), over two SHA-256
//! digests (the body, the canonical request). The host's sign step ([`crate::step::Step::Sign`],
//! the rest source's) keys its HMAC with UTF-8 text and answers hex, so signing through the host
//! would have needed a new kind of step (binary keys, a plain hash) in the shared protocol, the
//! boundary and the shim, and seven host round trips per request. So it is done here, by both
//! scripts: get_user's lookup, and login's `SECRET_HASH` and its lookup after an MFA challenge.
//!
//! The SHA-256 compression function is RustCrypto's (`sha2` 0.10.9, pinned exactly, its
//! `compress` and `force-soft-compact` features); the padding and HMAC around it are [`sha256`]
//! and [`hmac`] here, checked against RustCrypto's `Sha256` and `Hmac` in the tests. Measured on
//! the get_user script's module (release, wasm-bindgen, wasm-opt with the build's flags): with
//! `sha2`'s default (unrolled) compression and the `hmac` crate, 62,479 bytes of wasm; with the
//! compact compression, 59,217 (25,141 -> 24,394 brotli). In the login module, built with names
//! kept through wasm-opt, the crates' `Digest`/`Hmac` wrappers and the compact compression were
//! 2,679 bytes of functions; `sha256` and `hmac` here are 1,524. The login script needs every
//! byte: with its MFA lookup it is 39,785 of the 39,900-byte ceiling.

use crate::prelude::*;
use sha2::compress256;
use sha2::digest::generic_array::GenericArray;

use super::settings::{limits, CognitoConfig};
use crate::text::cat;

/// The signing algorithm's name, as in the string to sign and the `Authorization` header.
const ALGORITHM: &str = "AWS4-HMAC-SHA256";

/// SHA-256's initial hash value (FIPS 180-4, 5.3.3).
const H0: [u32; 8] = [0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19];

/// SHA-256 of the concatenation of `parts`: the padding of FIPS 180-4 5.1.1 here, each 64-byte
/// block through RustCrypto's `compress256`.
pub fn sha256(parts: &[&[u8]]) -> [u8; 32] {
    let mut data = Vec::new();
    for p in parts {
        data.extend_from_slice(p);
    }
    let bits = (data.len() as u64).wrapping_mul(8);
    data.push(0x80);
    while data.len() % 64 != 56 {
        data.push(0);
    }
    data.extend_from_slice(&bits.to_be_bytes());
    let mut state = H0;
    // Zips and `try_into` rather than slice copies: no length check that could panic (each of
    // those links its message and this file's name into the wasm).
    for block in data.chunks_exact(64) {
        let block: [u8; 64] = block.try_into().unwrap_or([0; 64]);
        compress256(&mut state, &[GenericArray::from(block)]);
    }
    let mut digest = [0; 32];
    for (out, byte) in digest.iter_mut().zip(state.iter().flat_map(|w| w.to_be_bytes())) {
        *out = byte;
    }
    digest
}

/// HMAC-SHA256 (RFC 2104): a key longer than the 64-byte block is hashed first.
pub fn hmac(key: &[u8], message: &[u8]) -> [u8; 32] {
    let mut block = [0u8; 64];
    let hashed;
    let key = if key.len() > 64 {
        hashed = sha256(&[key]);
        &hashed[..]
    } else {
        key
    };
    for (b, k) in block.iter_mut().zip(key) {
        *b = *k;
    }
    let pad = |with: u8| block.map(|b| b ^ with);
    let inner = sha256(&[&pad(0x36), message]);
    sha256(&[&pad(0x5c), &inner])
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
    hex(&sha256(&[data]))
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

/// The app client's `SECRET_HASH` for `username` as typed: Base64(HMAC-SHA256(client secret,
/// username + client id)).
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
    // Two digits per field into one text: `YYYYMMDDTHHMMSSZ`, whose first 8 are the date.
    let mut stamp = String::new();
    for (i, n) in [year as u64 / 100, year as u64 % 100, month as u64, day as u64, rem / 3600, rem / 60 % 60, rem % 60]
        .into_iter()
        .enumerate()
    {
        if i == 4 {
            stamp.push('T');
        }
        stamp.push(char::from(b'0' + (n / 10 % 10) as u8));
        stamp.push(char::from(b'0' + (n % 10) as u8));
    }
    stamp.push('Z');
    (stamp.get(..8).unwrap_or("").to_string(), stamp)
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
    let mut s = String::new();
    for (i, (n, _)) in headers.iter().enumerate() {
        if i > 0 {
            s.push(';');
        }
        s.push_str(n);
    }
    s
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
    fn sha256_and_hmac_agree_with_rustcrypto() {
        use hmac::{Hmac, Mac};
        use sha2::{Digest, Sha256};
        // Every padding case (lengths around each block edge) and keys shorter than, equal to
        // and longer than the block.
        let data: Vec<u8> = (0..300u32).map(|i| (i * 7 + 3) as u8).collect();
        for n in (0..=200).chain([255, 256, 299]) {
            let m = &data[..n];
            assert_eq!(sha256(&[m]).to_vec(), Sha256::digest(m).to_vec(), "sha256 of {n} bytes");
            assert_eq!(sha256(&[&m[..n / 2], &m[n / 2..]]), sha256(&[m]), "parts of {n} bytes");
        }
        for k in [0, 1, 32, 63, 64, 65, 131] {
            let key = &data[..k];
            let mut mac = Hmac::<Sha256>::new_from_slice(key).unwrap();
            mac.update(&data[..100]);
            assert_eq!(hmac(key, &data[..100]).to_vec(), mac.finalize().into_bytes().to_vec(), "key of {k} bytes");
        }
        // FIPS 180-4's "abc" and RFC 4231 test case 2.
        assert_eq!(sha256_hex(b"abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
        assert_eq!(
            hex(&hmac(b"Jefe", b"what do ya want for nothing?")),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
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
