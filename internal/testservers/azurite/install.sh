#!/usr/bin/env bash
# Installs Azurite, Microsoft's Azure Storage emulator, pinned by this folder's package-lock.json, into .cache/azurite
# (git-ignored) at the repository root, where the tests look for it.
# Idempotent: keyed by the lock file's hash, a second run costs one sha256sum.
# Quiet unless it installs something or fails; any failure exits non-zero.
set -euo pipefail
cd "$(dirname "$0")/../../.."
src=internal/testservers/azurite
dst=.cache/azurite
log() { printf '%s: %s\n' "$(basename "$dst")" "$*" >&2; }
stamp=$(cat "$src/package.json" "$src/package-lock.json" | sha256sum | cut -d' ' -f1)
if [ "$(cat "$dst/.installed" 2>/dev/null || true)" = "$stamp" ] &&
	[ -f "$dst/node_modules/azurite/package.json" ]; then
	exit 0
fi
command -v node >/dev/null || { log "FAILED: node is not installed"; exit 1; }
command -v npm >/dev/null || { log "FAILED: npm is not installed"; exit 1; }
log "npm ci azurite into $dst"
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
