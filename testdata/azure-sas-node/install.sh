#!/usr/bin/env bash
# Installs Microsoft's Azure Storage Blob client for JavaScript, where azuresas's live tests look for it.
# Pinned by this folder's package-lock.json; installed into .cache/azure-sas-node (git-ignored)
# by scripts/npm-ci-pinned.sh, idempotently.
set -euo pipefail
exec "$(dirname "$0")/../../scripts/npm-ci-pinned.sh" testdata/azure-sas-node .cache/azure-sas-node @azure/storage-blob
