#!/usr/bin/env bash
# Regenerates the CPU profiles that batchsign's profile-guided build uses:
# three representative runs on this machine's architecture (presign from a
# 1M-row NDJSON manifest, presign from the same rows in Parquet, sign with
# streamed body files), then merges every architecture's profiles into
# cmd/batchsign/default.pgo, which `go build` and `go install` use by
# default (-pgo=auto) for the batchsign command.
#
#   profiles/generate.sh            # ROWS=1000000 by default
#   ROWS=200000 profiles/generate.sh
#
# Runs take a few seconds each; keep the machine otherwise idle.
set -euo pipefail
cd "$(dirname "$0")/.."
rows=${ROWS:-1000000}
arch=$(go env GOARCH)
dir=profiles/linux-$arch
work=$(mktemp -d /tmp/batchsign-profiles.XXXXXX)
trap 'rm -rf "$work"' EXIT
mkdir -p "$dir"

go build -pgo=off -o "$work/batchsign" ./cmd/batchsign
go run ./examples/gen -rows "$rows" -o "$work/m.ndjson"
go run ./examples/gen -rows "$rows" -o "$work/m.parquet"

# 48 bodies of 4 MiB signed four times each: 768 MiB through SHA-256.
for i in $(seq 0 47); do
	head -c $((4 << 20)) /dev/urandom >"$work/body-$i.bin"
done
for i in $(seq 0 191); do
	printf '{"id":"b%d","method":"PUT","bucket":"exports-bucket","key":"bodies/%d.bin","body_file":"%s/body-%d.bin"}\n' \
		"$i" "$i" "$work" $((i % 48))
done >"$work/bodies.ndjson"
cat "$work"/m.* "$work"/body-*.bin >/dev/null # page cache, as a nightly run reads them

export AWS_ACCESS_KEY_ID=AKIAIOSFODNN7EXAMPLE
export AWS_SECRET_ACCESS_KEY=wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY
export AWS_REGION=us-east-1
common=(--time 2026-11-23T00:00:00Z --progress never)
run() {
	local name=$1
	shift
	BATCHSIGN_CPUPROFILE="$dir/$name.pprof" "$work/batchsign" "$@" "${common[@]}" -o "$work/$name.out.ndjson"
}
run presign-ndjson presign "$work/m.ndjson"
run presign-parquet presign "$work/m.parquet"
run sign-bodies sign "$work/bodies.ndjson"

go tool pprof -proto profiles/linux-*/*.pprof >cmd/batchsign/default.pgo 2>/dev/null
echo "profiles: wrote $dir/*.pprof and cmd/batchsign/default.pgo"
