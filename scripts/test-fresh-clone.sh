#!/usr/bin/env bash
# test-fresh-clone.sh: prove the repository is self-contained. Clones the
# committed HEAD into an empty directory with nothing beside it (no shared/,
# no caches of this checkout), installs the test servers as the README says,
# and runs the README's test command there. Run by CI after `make test`.
#
#   scripts/test-fresh-clone.sh            # make test in the clone
#   scripts/test-fresh-clone.sh go test ./... -count=1   # any other command
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
work=$(mktemp -d /tmp/batchsign-fresh.XXXXXX)
trap 'rm -rf "$work"' EXIT
git clone -q --no-hardlinks "$root" "$work/batchsign"
cd "$work/batchsign"
# Nothing may sit beside the clone (the team keeps its reference copies there).
[ "$(ls -A "$work")" = batchsign ] || { echo "test-fresh-clone: $work holds more than the clone" >&2; exit 1; }
./.ci/install-servers.sh
if [ $# -eq 0 ]; then
	set -- make test
fi
echo "test-fresh-clone: running '$*' in $work/batchsign ($(git rev-parse --short HEAD))"
"$@"
echo "test-fresh-clone: passed"
