#!/usr/bin/env bash
# e2e-bench.sh: the end-to-end figures of the README's "Pipeline throughput":
# `batchsign presign` of 1M-row NDJSON and Parquet manifests (page cache,
# --time pinned, output to a file), runs interleaved across the binaries
# given, then medians per manifest and binary.
#
#   scripts/e2e-bench.sh [RUNS] BINARY...     e.g.  make build &&
#                                                   scripts/e2e-bench.sh 12 ./batchsign
#
# Environment: DIR (default /tmp/batchsign-e2e) holds the manifests (made
# with examples/gen when missing) and the output; ROWS (default 1000000);
# FMTS (default "ndjson parquet"). Before each run the output is deleted,
# then sync and half a second's pause, so runs do not pay for the previous
# run's write-back. Keep the machine otherwise idle.
set -euo pipefail
cd "$(dirname "$0")/.."
runs=6
if [[ ${1:-} =~ ^[0-9]+$ ]]; then runs=$1; shift; fi
[[ $# -gt 0 ]] || { echo "usage: $0 [RUNS] BINARY..." >&2; exit 2; }
dir=${DIR:-/tmp/batchsign-e2e}
rows=${ROWS:-1000000}
mkdir -p "$dir"
bins=()
for b in "$@"; do bins+=("$(realpath "$b")"); done
for f in ${FMTS:-ndjson parquet}; do
	[[ -f $dir/m.$f ]] || go run ./examples/gen -rows "$rows" -o "$dir/m.$f"
	cat "$dir/m.$f" >/dev/null # into the page cache
done
export AWS_ACCESS_KEY_ID=AKIAIOSFODNN7EXAMPLE AWS_SECRET_ACCESS_KEY=wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY AWS_REGION=us-east-1
results=$dir/results.txt
: >"$results"
for i in $(seq "$runs"); do
	for f in ${FMTS:-ndjson parquet}; do
		for b in "${bins[@]}"; do
			rm -f "$dir/urls.ndjson" "$dir/urls.rejects.ndjson"
			sync
			sleep 0.5
			/usr/bin/time -o "$dir/time.txt" -f "%e %U %S %M" "$b" presign "$dir/m.$f" -o "$dir/urls.ndjson" \
				--time 2026-11-23T00:00:00Z --progress never 2>/dev/null
			read -r wall user sys rss <"$dir/time.txt"
			echo "$f $b wall=$wall rows/s=$(awk -v r="$rows" -v w="$wall" 'BEGIN{printf "%.0f", r/w}') cpu=$(awk -v u="$user" -v s="$sys" 'BEGIN{print u+s}') rssKB=$rss" | tee -a "$results"
		done
	done
done
echo "medians of $runs runs:"
awk '{k=$1" "$2; for(i=3;i<=NF;i++){split($i,a,"="); v[k,a[1],++n[k,a[1]]]=a[2]; names[a[1]]=1} keys[k]=1}
END{for(k in keys){line=k; for(m in names){c=n[k,m]; for(i=1;i<=c;i++)x[i]=v[k,m,i];
  for(i=1;i<=c;i++)for(j=i+1;j<=c;j++)if(x[j]+0<x[i]+0){t=x[i];x[i]=x[j];x[j]=t}
  med=(c%2)?x[(c+1)/2]:(x[c/2]+x[c/2+1])/2; line=line" "m"="med} print line}}' "$results" | sort
