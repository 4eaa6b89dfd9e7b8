//! When an idempotent request (a Management API token, a lookup, discovery, JWKS) is tried again,
//! and after how long. The password check is never repeated once the old tenant has answered:
//! a second attempt would count twice against the user in brute-force protection.

use crate::http::Reply;

/// Retries after the first attempt.
pub const MAX_RETRIES: u8 = 2;
/// The longest wait worth taking inside Auth0's ~20 s budget; a longer `Retry-After` ends the call.
pub const MAX_WAIT_MS: u64 = 4_000;
/// Backoff without a hint from the server: 200 ms, then 600 ms.
const BASE_BACKOFF_MS: u64 = 200;

/// Whether the reply is worth another attempt: no answer, rate limited, or a server failure.
/// Brute-force protection (`too_many_attempts`) is an answer about the user, not a hiccup.
pub fn is_transient(reply: &Reply) -> bool {
    match reply.status() {
        Err(why) => why != "deadline",
        Ok(429) => !crate::oauth::is_brute_force_lock(reply),
        Ok(s) => s >= 500,
    }
}

/// The wait before retry number `tries + 1`, or `None` to give up: not transient, out of retries,
/// or the server asks for a longer wait than [`MAX_WAIT_MS`].
pub fn delay_ms(reply: &Reply, tries: u8, now_ms: u64) -> Option<u32> {
    backoff(reply, is_transient(reply), tries, now_ms)
}

/// [`delay_ms`] for a reply whose caller knows more than its status: Cognito throttles with HTTP
/// 400 and an exception name, which it passes as `transient`.
pub fn backoff(reply: &Reply, transient: bool, tries: u8, now_ms: u64) -> Option<u32> {
    if !transient || tries >= MAX_RETRIES {
        return None;
    }
    let hinted = asked_wait_ms(reply.retry_after.as_deref(), reply.rate_limit_reset.as_deref(), now_ms);
    let wait = hinted.unwrap_or(BASE_BACKOFF_MS * 3u64.pow(u32::from(tries)));
    (wait <= MAX_WAIT_MS).then_some(wait as u32)
}

/// How long a rate-limited reply asks the caller to wait, in ms: `Retry-After` in whole seconds,
/// else `X-RateLimit-Reset` (epoch seconds) less `now_ms`; `None` when it says neither. The one
/// reading of Auth0's rate-limit headers: the scripts' retries and the command line's waits use it.
pub fn asked_wait_ms(retry_after: Option<&str>, rate_limit_reset: Option<&str>, now_ms: u64) -> Option<u64> {
    let read = |s: &str| crate::text::parse_u64(s.trim());
    retry_after.and_then(read).map(|s| s.saturating_mul(1000)).or_else(|| {
        let reset = read(rate_limit_reset?)?;
        Some(reset.saturating_mul(1000).saturating_sub(now_ms))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn with_headers(status: u16, retry_after: Option<&str>, reset: Option<&str>) -> Reply {
        Reply {
            retry_after: retry_after.map(str::to_string),
            rate_limit_reset: reset.map(str::to_string),
            ..Reply::response(status, "{}")
        }
    }

    #[test]
    fn transient_failures_back_off_then_give_up() {
        let r = Reply::response(503, "");
        assert_eq!(delay_ms(&r, 0, 0), Some(200));
        assert_eq!(delay_ms(&r, 1, 0), Some(600));
        assert_eq!(delay_ms(&r, 2, 0), None);
        assert_eq!(delay_ms(&Reply::failed("network"), 0, 0), Some(200));
        assert_eq!(delay_ms(&Reply::failed("timeout"), 0, 0), Some(200));
        assert_eq!(delay_ms(&Reply::failed("deadline"), 0, 0), None);
    }

    #[test]
    fn answers_are_not_retried() {
        for status in [200, 400, 401, 403, 404] {
            assert_eq!(delay_ms(&Reply::response(status, "{}"), 0, 0), None, "{status}");
        }
        let locked = Reply::response(429, r#"{"error":"too_many_attempts"}"#);
        assert_eq!(delay_ms(&locked, 0, 0), None);
    }

    #[test]
    fn server_hints_are_honoured_within_the_budget() {
        assert_eq!(delay_ms(&with_headers(429, Some("2"), None), 0, 0), Some(2000));
        assert_eq!(delay_ms(&with_headers(429, None, Some("1000003")), 0, 1_000_000_500), Some(2500));
        assert_eq!(delay_ms(&with_headers(429, None, Some("999")), 0, 1_000_000), Some(0), "a reset in the past");
        assert_eq!(delay_ms(&with_headers(429, Some("60"), None), 0, 0), None, "too long to wait");
        assert_eq!(delay_ms(&with_headers(429, Some("soon"), None), 0, 0), Some(200), "an unreadable hint");
    }

    #[test]
    fn the_asked_wait_reads_retry_after_then_the_reset_instant() {
        assert_eq!(asked_wait_ms(Some("3"), Some("99"), 0), Some(3000));
        assert_eq!(asked_wait_ms(Some(" 0 "), None, 0), Some(0));
        assert_eq!(asked_wait_ms(None, Some("1000003"), 1_000_000_500), Some(2500));
        assert_eq!(asked_wait_ms(None, Some("10"), 20_000), Some(0), "a reset in the past: no wait");
        assert_eq!(asked_wait_ms(Some("soon"), None, 0), None);
        assert_eq!(asked_wait_ms(None, None, 0), None);
    }
}
