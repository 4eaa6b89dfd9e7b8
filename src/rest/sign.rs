//! Request authentication: every request to the store carries its time and an HMAC-SHA256, with
//! the shared secret, over its method, path, time and body:
//!
//! ```text
//! X-ALM-Timestamp: 1700000000
//! X-ALM-Signature: v1=<64 lower-case hex digits of HMAC-SHA256(secret, "POST\n/alm/verify-password\n1700000000\n<body>")>
//! ```
//!
//! The store recomputes it, compares in constant time, and refuses a time more than
//! [`super::settings::limits::REPLAY_WINDOW_S`] away from its own clock, so a captured request
//! cannot be replayed later or sent to another path.
//!
//! **Who hashes.** The text to sign is composed here; the HMAC itself is the host's (Node's
//! `crypto.createHmac`, asked for with a [`crate::step::Step::Sign`]), as the RSA check is.
//! Measured with RustCrypto's `hmac` 0.12.1 + `sha2` 0.10 (`Hmac<Sha256>`) in a wasm32 cdylib
//! built like ours (opt-level z, LTO, one codegen unit, panic = abort, then `wasm-opt -Oz`),
//! against the same module without them: +6,291 bytes of optimised wasm, +2,704 brotli bytes,
//! about +3,330 bytes of script once written in text91 - over the ~3 KB a dependency may cost.
//! The sign step costs the shared shim one branch and one function instead (about 200 bytes in
//! every script).

use super::settings::limits::{SIGNATURE_HEADER, TIMESTAMP_HEADER};
use crate::prelude::*;
use crate::text::{cat, num};

/// The exact text signed for a request: `METHOD \n PATH \n TIMESTAMP \n BODY`.
pub fn signed_text(method: &str, path: &str, timestamp_s: u64, body: &str) -> String {
    cat(&[method, "\n", path, "\n", &num(timestamp_s), "\n", body])
}

/// The two headers that authenticate a request, given the host's HMAC (lower-case hex).
pub fn headers(timestamp_s: u64, mac_hex: &str) -> [(String, String); 2] {
    [(TIMESTAMP_HEADER.to_string(), num(timestamp_s)), (SIGNATURE_HEADER.to_string(), cat(&["v1=", mac_hex]))]
}

/// Whether the host's answer is an HMAC-SHA256 in lower-case hex.
pub fn is_mac(hex: &str) -> bool {
    hex.len() == 64 && hex.bytes().all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_signed_text_joins_its_parts_with_newlines() {
        assert_eq!(signed_text("POST", "/alm/find-user", 1_700_000_000, "{}"), "POST\n/alm/find-user\n1700000000\n{}");
        let [t, s] = headers(5, &"ab".repeat(32));
        assert_eq!((t.0.as_str(), t.1.as_str()), ("x-alm-timestamp", "5"));
        assert_eq!(s.1, format!("v1={}", "ab".repeat(32)));
        assert!(is_mac(&"0f".repeat(32)));
        assert!(!is_mac(&"0F".repeat(32)) && !is_mac("abc") && !is_mac(&"zz".repeat(32)));
    }
}
