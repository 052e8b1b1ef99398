#!/usr/bin/env bash
# body-bench.sh: the body-hashing figures of bench/README.md ("Body files",
# issue 13): `batchsign sign` of 192 PUT rows whose body_file are 48 random
# 4 MiB files (805 MB through SHA-256, page cache, as profiles/generate.sh
# makes them) with 1 and 2 workers, against the backend's hot-buffer
# SHA-256 rate on 1 and 2 goroutines (BenchmarkSHA256StreamParallel, -cpu 1
# and 2), runs interleaved, then medians and the ratios the issue asks for:
#
#   wall   body GB/s over hot GB/s x workers (the target: >= 0.90)
#   cpu    body GB per CPU second (user+sys) over hot GB per CPU second:
#          what the run costs per byte besides SHA-256 (kernel mapping,
#          runtime), readable on a busy machine where wall is not
#
#   scripts/body-bench.sh [RUNS] [BINARY]     e.g.  scripts/body-bench.sh 7
#
# BINARY defaults to a fresh `go build` of ./cmd/batchsign. Environment: DIR
# (default /tmp/batchsign-body) holds the bodies, manifest and results.
# Keep the machine otherwise idle.
set -euo pipefail
cd "$(dirname "$0")/.."
runs=5
if [[ ${1:-} =~ ^[0-9]+$ ]]; then runs=$1; shift; fi
dir=${DIR:-/tmp/batchsign-body}
mkdir -p "$dir"
bin=${1:-$dir/batchsign}
[[ $# -gt 0 ]] || go build -o "$bin" ./cmd/batchsign
bin=$(realpath "$bin")
go test -c -o "$dir/sha256block.test" ./internal/sha256block

for i in $(seq 0 47); do
	[[ -f $dir/body-$i.bin ]] || head -c $((4 << 20)) /dev/urandom >"$dir/body-$i.bin"
done
for i in $(seq 0 191); do
	printf '{"id":"b%d","method":"PUT","bucket":"exports-bucket","key":"bodies/%d.bin","body_file":"%s/body-%d.bin"}\n' \
		"$i" "$i" "$dir" $((i % 48))
done >"$dir/bodies.ndjson"
cat "$dir"/body-*.bin >/dev/null # page cache
bytes=$((192 << 22))

export AWS_ACCESS_KEY_ID=AKIAIOSFODNN7EXAMPLE AWS_SECRET_ACCESS_KEY=wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY AWS_REGION=us-east-1
results=$dir/results.txt
: >"$results"
for i in $(seq "$runs"); do
	for w in 1 2; do
		"$dir/sha256block.test" -test.run '^$' -test.bench 'SHA256StreamParallel/impl=stdlib$' \
			-test.cpu "$w" -test.benchtime 1s | awk -v w="$w" '/^Benchmark/ {
			for (i = 1; i < NF; i++) { if ($(i+1) == "MB/s") s = $i; if ($(i+1) == "MB/cpu-s") c = $i }
			printf "hot w=%d MB/s=%s MB/cpu-s=%s\n", w, s, c }' | tee -a "$results"
		/usr/bin/time -o "$dir/time.txt" -f "%e %U %S" "$bin" sign "$dir/bodies.ndjson" --workers "$w" \
			--time 2026-11-23T00:00:00Z --progress never >/dev/null 2>"$dir/stderr.txt" || { cat "$dir/stderr.txt"; exit 1; }
		read -r wall user sys <"$dir/time.txt"
		awk -v w="$w" -v b="$bytes" -v e="$wall" -v u="$user" -v s="$sys" 'BEGIN {
			printf "sign w=%d wall=%s user=%s sys=%s MB/s=%.0f MB/cpu-s=%.0f\n", w, e, u, s, b/1e6/e, b/1e6/(u+s) }' | tee -a "$results"
	done
done

echo "medians of $runs runs:"
awk '{ k = $1 " " $2; if (!(k in nk)) order[++nkeys] = k
	for (i = 3; i <= NF; i++) { split($i, a, "="); if (!((k, a[1]) in n)) name[k, ++nk[k]] = a[1]; v[k, a[1], ++n[k, a[1]]] = a[2] } }
function median(k, m,   c, i, j, t, x) {
	c = n[k, m]; for (i = 1; i <= c; i++) x[i] = v[k, m, i] + 0
	for (i = 1; i <= c; i++) for (j = i + 1; j <= c; j++) if (x[j] < x[i]) { t = x[i]; x[i] = x[j]; x[j] = t }
	return (c % 2) ? x[(c + 1) / 2] : (x[c / 2] + x[c / 2 + 1]) / 2 }
END {
	for (i = 1; i <= nkeys; i++) { k = order[i]; line = k
		for (j = 1; j <= nk[k]; j++) { m = name[k, j]; med[k, m] = median(k, m); line = line " " m "=" med[k, m] }
		print line }
	h1 = med["hot w=1", "MB/s"]; c1 = med["hot w=1", "MB/cpu-s"]
	printf "hot, 2 goroutines over 1: %.2fx MB/s, %.2fx MB/cpu-s\n", med["hot w=2", "MB/s"] / h1, med["hot w=2", "MB/cpu-s"] / c1
	for (w = 1; w <= 2; w++) { s = "sign w=" w
		printf "body, %d worker(s): %.0f%% of hot x workers (wall), %.0f%% of hot per CPU second\n", w,
			100 * med[s, "MB/s"] / (w * h1), 100 * med[s, "MB/cpu-s"] / c1 } }' "$results"

# The levers beside hashFile's mmap path, per CPU second (issue 13):
# read() through a reused 256 KiB buffer, and two bodies in one SHA-NI pass.
go test ./internal/pipeline -run '^$' -bench HashBodies -count 3 | grep '^Benchmark'
