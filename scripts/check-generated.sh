#!/usr/bin/env bash
# check-generated.sh: fail when `go generate ./...` would change a committed
# file (the SHA-NI and ARMv8 SHA2 assembly of internal/sha256block is written
# by its generators). Generated files are those git tracks whose first line
# says "Code generated ... DO NOT EDIT.". Run by `make lint`, so by CI.
set -euo pipefail
cd "$(dirname "$0")/.."

mapfile -t generated < <(git ls-files -z | xargs -0 grep -l -m1 '^// Code generated .* DO NOT EDIT\.$' 2>/dev/null || true)
if [ ${#generated[@]} -eq 0 ]; then
	echo "check-generated: no generated files found" >&2
	exit 1
fi
if ! git diff --quiet -- "${generated[@]}"; then
	echo "check-generated: generated files have uncommitted changes; commit or revert them first:" >&2
	git diff --stat -- "${generated[@]}" >&2
	exit 1
fi
go generate ./...
if ! git diff --quiet -- "${generated[@]}"; then
	echo "check-generated: go generate changed committed files (commit the generator's output):" >&2
	git diff --stat -- "${generated[@]}" >&2
	exit 1
fi
echo "check-generated: ${#generated[@]} generated files match their generators"
