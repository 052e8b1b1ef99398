#!/usr/bin/env bash
# Installs Azurite, Microsoft's Azure Storage emulator, where internal/testservers starts it.
# Pinned by this folder's package-lock.json; installed into .cache/azurite (git-ignored)
# by scripts/npm-ci-pinned.sh, idempotently.
set -euo pipefail
exec "$(dirname "$0")/../../../scripts/npm-ci-pinned.sh" internal/testservers/azurite .cache/azurite azurite
