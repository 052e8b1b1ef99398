#!/usr/bin/env bash
# run.sh — batchsign against aws-sdk-go-v2 and minio-go, in one run, on one
# machine; prints benchstat's comparison and the README's markdown table.
#
#   ./run.sh                       run here (-count 6), write $OUT/
#   ./run.sh --remote [USER@]HOST  cross-compile the benchmarks for $GOARCH
#                                  (default arm64), copy the test binary to
#                                  HOST, run it there (HOST needs no Go), and
#                                  tabulate its output here
#   ./run.sh --from FILE...        no run: tabulate saved benchmark output
#
# Environment: COUNT (default 6), BENCHTIME (default 1s), OUT (default
# results), GOARCH for --remote (default arm64), BENCHSTAT (default
# benchstat from PATH, else `go run` of it).
# Run it alone on the machine: other work moves the numbers.
set -euo pipefail
cd "$(dirname "$0")"

count=${COUNT:-6}
benchtime=${BENCHTIME:-1s}
out=${OUT:-results}
peers='^(BenchmarkPresign|BenchmarkSignHeaders|BenchmarkBlockFloor|BenchmarkPresignFloor|BenchmarkPresignSigV4a|BenchmarkPresignChecksumPUT|BenchmarkPostPolicy|BenchmarkGCSPresign|BenchmarkCloudFrontCannedURL)$'
parallel='^BenchmarkPresignParallel$'

# run_benchstat runs benchstat from PATH (or $BENCHSTAT), else a go run of it.
run_benchstat() {
	local bs=${BENCHSTAT:-benchstat}
	if command -v "$bs" >/dev/null 2>&1; then
		command "$bs" "$@"
	else
		echo "(benchstat not installed: go install golang.org/x/perf/cmd/benchstat@latest; using go run)" >&2
		go run golang.org/x/perf/cmd/benchstat@latest "$@"
	fi
}

case ${1:-} in
--from)
	shift
	[[ $# -gt 0 ]] || { echo "usage: $0 --from FILE..." >&2; exit 2; }
	files=("$@")
	how="tabulated from $*"
	;;
--remote)
	host=${2:?usage: $0 --remote [USER@]HOST}
	arch=${GOARCH:-arm64}
	mkdir -p "$out"
	bin=$out/bench.$arch
	echo "== GOARCH=$arch go test -c -> $bin" >&2
	GOOS=linux GOARCH=$arch go test -c -o "$bin" .
	remote=/tmp/batchsign-bench.$$
	scp -q "$bin" "$host:$remote"
	trap 'ssh "$host" rm -f "$remote" || true' EXIT
	raw=$out/bench-$arch.txt
	par=$out/parallel-$arch.txt
	echo "== on $host: benchmarks (count $count, benchtime $benchtime) -> $raw" >&2
	ssh "$host" "$remote -test.run '^\$' -test.bench '$peers' -test.benchtime $benchtime -test.count $count" | tee "$raw"
	echo "== on $host: two workers vs one -> $par" >&2
	ssh "$host" "$remote -test.run '^\$' -test.bench '$parallel' -test.cpu 1,2 -test.benchtime $benchtime -test.count $count" | tee "$par"
	files=("$raw" "$par")
	how="./run.sh --remote HOST (GOARCH=$arch COUNT=$count BENCHTIME=$benchtime; Go $(go env GOVERSION))"
	;;
"")
	mkdir -p "$out"
	raw=$out/bench.txt
	par=$out/parallel.txt
	echo "== go test -bench (count $count, benchtime $benchtime) -> $raw" >&2
	go test -run '^$' -bench "$peers" -benchtime "$benchtime" -count "$count" . | tee "$raw"
	echo "== two workers vs one -> $par" >&2
	go test -run '^$' -bench "$parallel" -cpu 1,2 -benchtime "$benchtime" -count "$count" . | tee "$par"
	files=("$raw" "$par")
	how="cd bench && ./run.sh (COUNT=$count BENCHTIME=$benchtime; Go $(go env GOVERSION))"
	;;
*)
	sed -n '2,15p' "$0" >&2
	exit 2
	;;
esac

echo
echo "## Peers side by side: benchstat -col /impl (medians ± 95% CI, vs batchsign)"
echo
run_benchstat -filter '.name:(Presign OR SignHeaders)' -col /impl "${files[0]}"
echo
echo "## The other schemes: checksum-bound PUT and CloudFront against aws-sdk-go-v2, SigV4a against SigV4, and batchsign alone"
echo
run_benchstat -filter '.name:(PresignChecksumPUT OR CloudFrontCannedURL)' -col /impl "${files[0]}"
echo
run_benchstat -filter '.name:PresignSigV4a' -col /scheme "${files[0]}"
echo
run_benchstat -filter '.name:(PostPolicy OR GCSPresign)' "${files[0]}"
echo
echo "## SHA-256 floor: one block (sha256block vs crypto/sha256), and the presign against its floor"
echo
run_benchstat -filter '.name:BlockFloor' -col /impl "${files[0]}"
echo
run_benchstat -filter '.name:PresignFloor' "${files[0]}"
if [[ ${#files[@]} -gt 1 ]]; then
	echo
	echo "## Two workers vs one: benchstat -col /gomaxprocs"
	echo
	run_benchstat -col /gomaxprocs "${files[@]:1}"
fi

echo
echo "## Table for the README"
echo
go run ./cmd/benchtable "${files[@]}"
echo
echo "Reproduce: $how"
