//! # auth0-lazy-migrate
//!
//! The migration logic behind the pasteable Auth0 custom-database scripts: when a user who is
//! not yet in the new tenant logs in, check the password against the old tenant and hand back
//! the profile Auth0 should store; when Auth0 asks whether a user exists, look them up.
//!
//! The core is *sans-IO*: a flow never performs a request itself. [`flow::start_login`],
//! [`flow::start_get_user`] and [`flow::resume`] return the next [`flow::Step`] - either "send
//! this HTTP request, then resume me with the reply" or "done, with this [`outcome::Outcome`]".
//! The JavaScript shim performs the request with `fetch` and feeds the reply back. That keeps
//! every decision here, in plain Rust that `cargo test` covers natively, and leaves the wasm
//! boundary ([`boundary`], and `wasm.rs` on wasm32) as a few functions over text, JSON in and
//! out: `start`, `resume` and `build_info` in the scripts' build, plus `import_record` and
//! `check_settings` in the Node engine build (`--features engine`).
//!
//! The users come from a *source* ([`source`]): another Auth0 tenant ([`flow`], the default build)
//! or a home-grown user store behind our own HTTP contract ([`rest`], `--no-default-features
//! --features source-rest`), or an OpenID provider ([`oidc`], `--features source-oidc`). The sources share the step protocol ([`step`]), the boundary, retries,
//! outcomes and profiles; each script's wasm carries one source.
#![deny(missing_docs)]
// The shipped wasm (feature `bare`, set by every module's build in js/sources.js MODULES) is built
// without `std`, against `core` and `alloc`: with `std` its panic handler formats the message (into
// a stderr that wasm32-unknown-unknown throws away), which linked `core::fmt` and its padding and
// number code into every script. Here a panic is a trap at once ([`wasm`]); the shim turns a trap
// into an Error either way. Natively, and in the wasm tests, the crate is an ordinary `std` crate.
// Measured on the auth0 scripts' module (release, wasm-bindgen, wasm-opt with the build's flags):
// 63,976 -> 58,875 bytes of wasm, 25,709 -> 23,759 brotli.
#![cfg_attr(feature = "bare", no_std)]
#[cfg(feature = "bare")]
extern crate alloc as std;

// A source's module compiles natively (so `cargo test` covers every source) and, on wasm32, only
// into the builds that run it: its own feature's, and the engine's (the settings checks, listing).
// A module merely compiled in changes what LLVM inlines in the others: the firebase module, unused,
// cost the auth0 scripts' module 1,021 bytes of wasm before wasm-opt, and the rest and oidc modules
// 703 more (measured with `cargo build --release --target wasm32-unknown-unknown`).
pub mod base64url;
pub mod boundary;
#[cfg(any(not(target_arch = "wasm32"), feature = "engine", feature = "source-cognito"))]
pub mod cognito;
pub mod config;
#[cfg(any(not(target_arch = "wasm32"), feature = "engine", feature = "source-firebase"))]
pub mod firebase;
#[cfg(any(not(target_arch = "wasm32"), feature = "source-auth0"))]
pub mod flow;
pub mod http;
pub mod json;
pub mod jwt;
#[cfg(any(not(target_arch = "wasm32"), feature = "engine"))]
pub mod listing;
pub mod lookup;
pub mod oauth;
#[cfg(any(not(target_arch = "wasm32"), feature = "engine", feature = "source-oidc"))]
pub mod oidc;
pub mod outcome;
pub mod profile;
pub mod refusal;
#[cfg(any(not(target_arch = "wasm32"), feature = "engine", feature = "source-rest"))]
pub mod rest;
pub mod retry;
pub mod slot;
pub mod source;
pub mod step;
pub mod text;

/// What the `std` prelude gives, for the `bare` build's modules (a `no_std` crate has only `core`'s).
pub mod prelude {
    pub use std::borrow::ToOwned;
    pub use std::boxed::Box;
    pub use std::string::{String, ToString};
    pub use std::vec::Vec;
    pub use std::{format, vec};
}

#[cfg(target_arch = "wasm32")]
pub mod wasm;

/// The crate version, as released.
pub const VERSION: &str = env!("CARGO_PKG_VERSION");

/// The git commit this build came from (baked in by `build.rs`), or "unknown".
pub const COMMIT: &str = env!("ALM_GIT_COMMIT");
