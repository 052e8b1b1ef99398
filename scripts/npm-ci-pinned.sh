#!/usr/bin/env bash
# npm-ci-pinned.sh SRC DST PACKAGE: installs the npm packages that SRC's
# package.json and package-lock.json pin into DST (git-ignored, under
# .cache/ at the repository root), where a test looks for PACKAGE. The one
# installer of the pinned Node tools the tests use (Google's and
# Microsoft's clients, Azurite); each folder's install.sh calls it.
#
# Idempotent: keyed by the lock file's hash, a second run costs one
# sha256sum. Quiet unless it installs something or fails; any failure exits
# non-zero. Paths are relative to the repository root.
set -euo pipefail
[ $# -eq 3 ] || { echo "usage: $0 SRC DST PACKAGE" >&2; exit 2; }
cd "$(dirname "$0")/.."
src=$1 dst=$2 pkg=$3
log() { printf '%s: %s\n' "$(basename "$dst")" "$*" >&2; }
stamp=$(cat "$src/package.json" "$src/package-lock.json" | sha256sum | cut -d' ' -f1)
if [ "$(cat "$dst/.installed" 2>/dev/null || true)" = "$stamp" ] &&
	[ -f "$dst/node_modules/$pkg/package.json" ]; then
	exit 0
fi
command -v node >/dev/null || { log "FAILED: node is not installed"; exit 1; }
command -v npm >/dev/null || { log "FAILED: npm is not installed"; exit 1; }
log "npm ci $pkg into $dst"
start=$SECONDS
rm -rf "$dst"
mkdir -p "$dst"
cp "$src/package.json" "$src/package-lock.json" "$dst/"
if ! out=$(cd "$dst" && npm ci --no-audit --no-fund --loglevel=error 2>&1); then
	printf '%s\n' "$out" >&2
	log "FAILED: npm ci in $dst"
	exit 1
fi
printf '%s\n' "$stamp" >"$dst/.installed"
log "installed into $dst in $((SECONDS - start)) s"
