#!/usr/bin/env bash
# fuzz.sh [FUZZTIME]: run every fuzz target (func FuzzXxx) of the main module
# for FUZZTIME each (a go test -fuzztime value: 12s, 10m, 100000x; default
# 12s), one after another. Targets are listed with `go test -list '^Fuzz'`
# for every package of `go list ./...`, so a new target is fuzzed without
# anyone remembering to add it here. (`go test` alone only replays each
# target's seeds and its testdata/fuzz corpus.)
#
# A target that fails leaves its input in its package's
# testdata/fuzz/FuzzXxx/ (go test writes it there): fix the bug and commit
# the input, so `go test` replays it from then on. The run goes on with the
# other targets and exits non-zero at the end if any failed.
#
# Prints, at the end, one line per target: package, target, executions, and
# PASS or FAIL. `make fuzz` runs it as CI does (after make test);
# `make fuzz-long` gives each target 10 minutes.
set -euo pipefail

cd "$(dirname "$0")/.."
fuzztime=${1:-12s}

# Go 1.26's fuzz coordinator can fail a target with a bare "context
# deadline exceeded" when -fuzztime runs out, having found nothing
# (go.dev/issue/75804; it failed CI once on FuzzDecodeNDJSONRow). Go 1.27
# fixed it, so fuzzing runs on go1.27.3, which the go command fetches from
# the module proxy (about 76 MB, once per machine). The module itself stays
# on go 1.26.8; set BATCHSIGN_FUZZ_TOOLCHAIN=local to fuzz with the Go on
# PATH.
export GOTOOLCHAIN=${BATCHSIGN_FUZZ_TOOLCHAIN:-go1.27.3}
echo "fuzz: $(go version)"
log=$(mktemp)
trap 'rm -f "$log"' EXIT

summary=()
failed=0
for pkg in $(go list ./...); do
	# -list compiles the package's tests; a package without test files
	# lists nothing.
	targets=$(go test -list '^Fuzz' "$pkg" | grep '^Fuzz' || true)
	for target in $targets; do
		echo "== $pkg $target ($fuzztime)"
		status=PASS
		if ! go test -run '^$' -fuzz "^${target}\$" -fuzztime "$fuzztime" "$pkg" 2>&1 | tee "$log"; then
			status=FAIL
			failed=1
		fi
		execs=$(grep -o 'execs: [0-9]*' "$log" | tail -n 1 | cut -d' ' -f2 || true)
		summary+=("$(printf '%-52s %-30s %12s  %s' "$pkg" "$target" "${execs:-?}" "$status")")
	done
done

echo
printf '%-52s %-30s %12s  %s\n' package target executions result
printf '%s\n' "${summary[@]}"
if [ ${#summary[@]} -eq 0 ]; then
	echo "fuzz: no fuzz targets found" >&2
	exit 1
fi
exit $failed
