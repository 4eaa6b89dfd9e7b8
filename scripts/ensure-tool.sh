#!/usr/bin/env bash
# Installs one cargo-built tool at an exact version into the per-version tool cache, once.
#
#   scripts/ensure-tool.sh CRATE VERSION BINARY
#
# The cache lives outside the clone (~/.cache/auth0-lazy-migrate/tools/CRATE-VERSION, or
# $ALM_TOOLS_DIR), so a second clone and every CI run on the machine reuse it, and nothing goes
# into the user's global cargo bin. A tool is "there" only if its binary reports exactly VERSION:
# whatever else is on PATH is never used by accident.
set -euo pipefail
crate=$1 version=$2 binary=$3
tools=${ALM_TOOLS_DIR:-$HOME/.cache/auth0-lazy-migrate/tools}
root="$tools/$crate-$version"
bin="$root/bin/$binary"
if [ -x "$bin" ] && "$bin" --version 2>/dev/null | grep -qw -- "$version"; then
  exit 0
fi
echo "setup: installing $crate $version into $root (once per machine)" >&2
mkdir -p "$tools"
# Not --locked: the registry mirror can lag the lockfile a tool was published with; the version is pinned.
# Built outside the clone so the project's rust-toolchain.toml does not apply to the tool.
(cd "$tools" && cargo install --quiet --root "$root" --version "=$version" "$crate")
"$bin" --version | grep -qw -- "$version" || { echo "setup: $bin does not report version $version" >&2; exit 1; }
