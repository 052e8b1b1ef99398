#!/usr/bin/env bash
# Installs the signature-verifying S3 servers that the integration tests start
# (see internal/testservers). Idempotent: a second run only checks versions and
# takes well under a second. Quiet unless it installs something or fails; any
# failure exits non-zero.
#
#   versitygw  go install, pinned, into $(go env GOPATH)/bin          (108 s cold)
#   s3rver     npm ci from the committed lock file into .cache/s3rver (4 s cold)
#   MinIO      only with BATCHSIGN_WITH_MINIO=1: go install, pinned   (246 s; up to ~9 min)
#   @google-cloud/storage  npm ci into .cache/gcs-node (about 10 s cold)
#   azurite, @azure/storage-blob  npm ci into .cache/azurite, .cache/azure-sas-node
#
# Times measured on the 2-core dev machine with empty build and npm caches;
# the no-op run takes about 0.02 s.
#
# The versions here and in internal/testservers must move together.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD

VERSITYGW_MODULE=github.com/versity/versitygw
VERSITYGW_VERSION=v1.8.0
MINIO_MODULE=github.com/minio/minio
# MinIO tags are not semver; this pseudo-version is what @latest resolved to
# on 2026-02-12. Pinned so that CI does not build a different server each day.
MINIO_VERSION=v0.0.0-20260212201848-7aac2a2c5b7c

gobin=$(go env GOBIN)
[ -n "$gobin" ] || gobin="$(go env GOPATH | cut -d: -f1)/bin"

log() { printf 'install-servers: %s\n' "$*" >&2; }

# installed_module_version BIN prints the main module version recorded in a Go
# binary's build info, or nothing when the binary is absent or unreadable.
installed_module_version() {
	[ -x "$1" ] || return 0
	go version -m "$1" 2>/dev/null | awk '$1 == "mod" { print $3; exit }'
}

# go_install MODULE/CMD VERSION BIN
go_install() {
	local pkg=$1 version=$2 bin=$3
	if [ "$(installed_module_version "$bin")" = "$version" ]; then
		return 0
	fi
	log "go install $pkg@$version (a few minutes the first time)"
	local start=$SECONDS out
	if ! out=$(go install "$pkg@$version" 2>&1); then
		printf '%s\n' "$out" >&2
		log "FAILED: go install $pkg@$version"
		return 1
	fi
	if [ "$(installed_module_version "$bin")" != "$version" ]; then
		log "FAILED: $bin does not report $version after go install"
		return 1
	fi
	log "installed $bin in $((SECONDS - start)) s"
}

go_install "$VERSITYGW_MODULE/cmd/versitygw" "$VERSITYGW_VERSION" "$gobin/versitygw"

if [ "${BATCHSIGN_WITH_MINIO:-}" = 1 ]; then
	go_install "$MINIO_MODULE" "$MINIO_VERSION" "$gobin/minio"
fi

# s3rver: npm ci into a git-ignored folder, keyed by the lock file's hash so
# that a changed lock file reinstalls and an unchanged one costs one sha256sum.
src=internal/testservers/s3rver
dst=.cache/s3rver
stamp=$(cat "$src/package.json" "$src/package-lock.json" | sha256sum | cut -d' ' -f1)
if [ "$(cat "$dst/.installed" 2>/dev/null || true)" != "$stamp" ] ||
	[ ! -f "$dst/node_modules/@20minutes/s3rver/package.json" ]; then
	command -v node >/dev/null || { log "FAILED: node is not installed"; exit 1; }
	command -v npm >/dev/null || { log "FAILED: npm is not installed"; exit 1; }
	log "npm ci @20minutes/s3rver into $dst"
	start=$SECONDS
	rm -rf "$dst"
	mkdir -p "$dst"
	cp "$src/package.json" "$src/package-lock.json" "$dst/"
	# s3rver 5 declares node >= 24 but runs on node 20 from our start script;
	# engine-strict=false keeps npm from refusing it on older CI images.
	if ! out=$(cd "$dst" && npm ci --no-audit --no-fund --loglevel=error --engine-strict=false 2>&1); then
		printf '%s\n' "$out" >&2
		log "FAILED: npm ci in $dst"
		exit 1
	fi
	printf '%s\n' "$stamp" >"$dst/.installed"
	log "installed s3rver into $root/$dst in $((SECONDS - start)) s"
fi

# Google's Cloud Storage Node client, the second implementation gcs's HMAC
# URLs are compared with (gcs.TestHMACMatchesGoogleNodeClientLive).
./testdata/gcs-hmac-node/install.sh

# Azure: Azurite, the emulator azuresas's integration tests start
# (internal/testservers), and Microsoft's @azure/storage-blob, the second
# implementation azuresas's SAS tokens are compared with.
./internal/testservers/azurite/install.sh
./testdata/azure-sas-node/install.sh
