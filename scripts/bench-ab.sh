#!/usr/bin/env bash
# bench-ab.sh REV [RUNS]: the bench/ module's presign and header-signing
# benchmarks at REV and at the working tree, built as two test binaries and
# run interleaved RUNS times (default 6, 300 ms each, one core), then
# compared with benchstat. The "no slowdown" checks of a refactor use it:
#
#   scripts/bench-ab.sh c4869dae 5
#
# Keep the machine otherwise idle.
set -euo pipefail
cd "$(dirname "$0")/.."
rev=$1
runs=${2:-6}
work=$(mktemp -d /tmp/batchsign-ab.XXXXXX)
trap 'git worktree remove --force "$work/old" >/dev/null 2>&1 || true; rm -rf "$work"' EXIT
git worktree add -q --detach "$work/old" "$rev"
(cd "$work/old/bench" && go test -c -o "$work/old.test" .)
(cd bench && go test -c -o "$work/new.test" .)
for i in $(seq "$runs"); do
	for v in old new; do
		(cd bench && "$work/$v.test" -test.run '^$' -test.bench '^(BenchmarkPresign|BenchmarkSignHeaders)$' \
			-test.benchtime 300ms -test.cpu 1 | grep -E '^(Benchmark|goos|goarch|pkg|cpu)' >>"$work/$v.txt")
	done
done
bs=$(command -v benchstat || echo "$(go env GOPATH)/bin/benchstat")
"$bs" "$work/old.txt" "$work/new.txt"
