#!/usr/bin/env bash
# Installs Google's Cloud Storage Node client, where gcs.TestHMACMatchesGoogleNodeClientLive looks for it.
# Pinned by this folder's package-lock.json; installed into .cache/gcs-node (git-ignored)
# by scripts/npm-ci-pinned.sh, idempotently.
set -euo pipefail
exec "$(dirname "$0")/../../scripts/npm-ci-pinned.sh" testdata/gcs-hmac-node .cache/gcs-node @google-cloud/storage
