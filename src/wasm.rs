//! The only file that knows about JavaScript: four exports (six in the Node engine build) over
//! [`crate::boundary`], strings in and out (and a flow's id to `release`). No `JsValue` crosses.

use crate::prelude::*;
use wasm_bindgen::prelude::wasm_bindgen;

/// `lol_alloc`'s free-list allocator rather than dlmalloc: each call allocates a few hundred small
/// blocks and frees them all before returning, which a plain free list serves well, in far less
/// code (optimised wasm 73,624 -> 65,710 bytes, measured).
// SAFETY: wasm32-unknown-unknown without the atomics feature runs one thread; nothing here
// starts another.
#[global_allocator]
static ALLOCATOR: lol_alloc::AssumeSingleThreaded<lol_alloc::FreeListAllocator> =
    unsafe { lol_alloc::AssumeSingleThreaded::new(lol_alloc::FreeListAllocator::new()) };

/// A panic in the `bare` build (no `std`, see [`crate`]): a trap at once, without formatting its
/// message. The shim reads any trap as an Error and drops the instance, as it did with `std`'s
/// handler, whose message wasm32-unknown-unknown never showed anyway.
#[cfg(feature = "bare")]
#[panic_handler]
fn panic(_: &core::panic::PanicInfo) -> ! {
    core::arch::wasm32::unreachable()
}

/// See [`crate::boundary::start`].
#[wasm_bindgen]
pub fn start(input: &str) -> String {
    crate::boundary::start(input)
}

/// See [`crate::boundary::resume`].
#[wasm_bindgen]
pub fn resume(input: &str) -> String {
    crate::boundary::resume(input)
}

/// See [`crate::boundary::release`].
#[wasm_bindgen]
pub fn release(flow: u32) {
    crate::boundary::release(flow)
}

/// See [`crate::boundary::import_record`]. Only in the Node engine build (`--features engine`).
#[cfg(feature = "engine")]
#[wasm_bindgen]
pub fn import_record(input: &str) -> String {
    crate::boundary::import_record(input)
}

/// See [`crate::boundary::check_settings`]. Only in the Node engine build (`--features engine`).
#[cfg(feature = "engine")]
#[wasm_bindgen]
pub fn check_settings(input: &str) -> String {
    crate::boundary::check_settings(input)
}

/// See [`crate::boundary::check_rest_settings`]. Only in the Node engine build (`--features engine`).
#[cfg(feature = "engine")]
#[wasm_bindgen]
pub fn check_rest_settings(input: &str) -> String {
    crate::boundary::check_rest_settings(input)
}

/// See [`crate::boundary::check_oidc_settings`]. Only in the Node engine build (`--features engine`).
#[cfg(feature = "engine")]
#[wasm_bindgen]
pub fn check_oidc_settings(input: &str) -> String {
    crate::boundary::check_oidc_settings(input)
}

/// See [`crate::boundary::check_cognito_settings`]. Only in the Node engine build (`--features engine`).
#[cfg(feature = "engine")]
#[wasm_bindgen]
pub fn check_cognito_settings(input: &str) -> String {
    crate::boundary::check_cognito_settings(input)
}

/// See [`crate::boundary::check_firebase_settings`]. Only in the Node engine build (`--features engine`).
#[cfg(feature = "engine")]
#[wasm_bindgen]
pub fn check_firebase_settings(input: &str) -> String {
    crate::boundary::check_firebase_settings(input)
}

/// See [`crate::boundary::list_step`]. Only in the Node engine build (`--features engine`).
#[cfg(feature = "engine")]
#[wasm_bindgen]
pub fn list_step(input: &str) -> String {
    crate::boundary::list_step(input)
}

/// See [`crate::boundary::normalise_domain`]. Only in the Node engine build (`--features engine`).
#[cfg(feature = "engine")]
#[wasm_bindgen]
pub fn normalise_domain(input: &str) -> String {
    crate::boundary::normalise_domain(input)
}

/// See [`crate::boundary::retry_after_ms`]. Only in the Node engine build (`--features engine`).
#[cfg(feature = "engine")]
#[wasm_bindgen]
pub fn retry_after_ms(input: &str) -> String {
    crate::boundary::retry_after_ms(input)
}

/// See [`crate::boundary::classify_token_refusal`]. Only in the Node engine build (`--features engine`).
#[cfg(feature = "engine")]
#[wasm_bindgen]
pub fn classify_token_refusal(input: &str) -> String {
    crate::boundary::classify_token_refusal(input)
}

/// See [`crate::boundary::classify_api_refusal`]. Only in the Node engine build (`--features engine`).
#[cfg(feature = "engine")]
#[wasm_bindgen]
pub fn classify_api_refusal(input: &str) -> String {
    crate::boundary::classify_api_refusal(input)
}

/// See [`crate::boundary::build_info`].
#[wasm_bindgen]
pub fn build_info() -> String {
    crate::boundary::build_info()
}
