//! Bakes build metadata into the crate so a running script can name itself in its log line and
//! header: the git commit it was built from. The Makefile passes `ALM_GIT_COMMIT`; a plain
//! `cargo build` outside it asks git, and falls back to "unknown" (a tarball has no .git).

use std::process::Command;

fn main() {
    println!("cargo:rerun-if-env-changed=ALM_GIT_COMMIT");
    let commit = std::env::var("ALM_GIT_COMMIT")
        .ok()
        .filter(|c| !c.trim().is_empty())
        .or_else(git_head)
        .unwrap_or_else(|| "unknown".to_string());
    println!("cargo:rustc-env=ALM_GIT_COMMIT={}", commit.trim());
}

fn git_head() -> Option<String> {
    let out = Command::new("git").args(["rev-parse", "HEAD"]).output().ok()?;
    if !out.status.success() {
        return None;
    }
    String::from_utf8(out.stdout).ok()
}
