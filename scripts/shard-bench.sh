#!/usr/bin/env bash
# shard-bench.sh: the README's scaling figures: CPU time (user + sys, from
# /usr/bin/time) of shard 0 of 16 against the unsharded run, on a 1M-row
# Parquet manifest in 20 row groups and the same rows as NDJSON, from the
# page cache, --time pinned, output to a file. Prints the median of RUNS
# runs of each, and the share in sixteenths (ideal 1/16).
#
#   go build -o batchsign ./cmd/batchsign && scripts/shard-bench.sh [RUNS] ./batchsign
#
# Environment: DIR (default /tmp/batchsign-shards) holds the manifests (made
# with examples/gen when missing). Keep the machine otherwise idle.
set -euo pipefail
cd "$(dirname "$0")/.."
runs=5
if [[ ${1:-} =~ ^[0-9]+$ ]]; then runs=$1; shift; fi
[[ $# -eq 1 ]] || { echo "usage: $0 [RUNS] BINARY" >&2; exit 2; }
bin=$(realpath "$1")
dir=${DIR:-/tmp/batchsign-shards}
mkdir -p "$dir"
[[ -f $dir/m.parquet ]] || go run ./examples/gen -rows 1000000 -row-group 50000 -o "$dir/m.parquet"
[[ -f $dir/m.ndjson ]] || go run ./examples/gen -rows 1000000 -o "$dir/m.ndjson"
cat "$dir"/m.* >/dev/null # into the page cache
export AWS_ACCESS_KEY_ID=AKIAIOSFODNN7EXAMPLE AWS_SECRET_ACCESS_KEY=wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY AWS_REGION=us-east-1
median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
for f in parquet ndjson; do
	for shard in whole 0; do
		args=()
		[[ $shard == whole ]] || args=(--shard-index 0 --shard-count 16)
		for _ in $(seq "$runs"); do
			rm -f "$dir/urls.ndjson" "$dir/urls.rejects.ndjson"
			/usr/bin/time -o "$dir/time.txt" -f "%U %S" "$bin" presign "$dir/m.$f" -o "$dir/urls.ndjson" \
				--time 2026-11-23T00:00:00Z --progress never "${args[@]}" 2>/dev/null
			awk '{print $1 + $2}' "$dir/time.txt"
		done | median >"$dir/cpu-$f-$shard.txt"
	done
	whole=$(cat "$dir/cpu-$f-whole.txt") part=$(cat "$dir/cpu-$f-0.txt")
	awk -v f="$f" -v w="$whole" -v p="$part" 'BEGIN {printf "%-8s unsharded %.2f s   shard 0 of 16 %.2f s   share %.2f/16\n", f, w, p, 16 * p / w}'
done
rm -f "$dir/urls.ndjson" "$dir/urls.rejects.ndjson" "$dir/time.txt"
