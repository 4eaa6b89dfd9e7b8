#!/usr/bin/env bash
# Prints the absolute path of an emulator's installed package folder, installing it once.
#
#   scripts/emulator.sh firebase [--no-install]
#
# The emulator's npm packages are pinned in tests/emulators/NAME/package-lock.json, never in the
# project's own package.json (every `npm ci` would pay for them: firebase-tools is about 312 MB).
# They are installed with `npm ci` into ~/.cache/auth0-lazy-migrate/emulators/NAME-HASH/ (or
# $ALM_EMULATOR_DIR/NAME-HASH), HASH being the lockfile's SHA-256 prefix, so a changed pin installs
# anew beside the old one. An install counts as done only once its folder has been renamed into
# place (an interrupted one never looks finished), and one runs at a time (a lock file beside it).
# Prints the folder (its node_modules/.bin has the tools). With --no-install, a missing install is
# an exit 1 (a test outside CI then skips).
set -euo pipefail
name=${1:?usage: scripts/emulator.sh NAME (a folder of tests/emulators/)}
here=$(cd "$(dirname "$0")" && pwd)
spec="$here/../tests/emulators/$name"
[ -f "$spec/package-lock.json" ] || { echo "emulator: no tests/emulators/$name/package-lock.json" >&2; exit 1; }
hash=$(sha256sum "$spec/package-lock.json" | cut -c1-16)
cache=${ALM_EMULATOR_DIR:-$HOME/.cache/auth0-lazy-migrate/emulators}
root="$cache/$name-$hash"
if [ -f "$root/.installed" ]; then
  echo "$root"
  exit 0
fi
if [ "${2:-}" = "--no-install" ]; then
  echo "emulator: the $name emulator is not installed (run scripts/emulator.sh $name, about 3 minutes)" >&2
  exit 1
fi
mkdir -p "$cache"
# One install at a time: test files start in parallel, and each may ask for the same install.
exec 9>"$cache/.$name.lock"
flock 9
if [ -f "$root/.installed" ]; then
  echo "$root"
  exit 0
fi
echo "setup: installing the $name emulator (tests/emulators/$name, npm ci) into $root (once per machine)" >&2
tmp=$(mktemp -d "$cache/.install-$name.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
cp "$spec/package.json" "$spec/package-lock.json" "$tmp/"
(cd "$tmp" && npm ci --no-audit --no-fund --loglevel=error >&2)
touch "$tmp/.installed"
rm -rf "$root"
mv -T "$tmp" "$root"
echo "$root"
