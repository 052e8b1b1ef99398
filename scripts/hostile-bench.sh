#!/usr/bin/env bash
# hostile-bench.sh: issue 13's whole-run comparison. `batchsign presign`
# against an aws-sdk-go-v2 batch presigner (bench/cmd/sdkbatch: PresignHTTP,
# encoding/json in and out) on the same hostile NDJSON manifest
# (examples/gen -hostile), the same number of workers, --time pinned, the
# manifest in the page cache and the output to a file; runs interleaved,
# then the medians and best of wall and user CPU of each, and their ratios.
# Both outputs are checked to carry the same rows and URLs (sdkbatch
# compare), so both did the same work.
#
#   scripts/hostile-bench.sh [RUNS]            e.g.  scripts/hostile-bench.sh 3
#
# Environment: DIR (default /tmp/batchsign-hostile) holds the binaries,
# the manifest (made when missing) and the outputs; ROWS (default 1000000);
# SEED (default 13); WORKERS (default 2); BATCHSIGN, a batchsign binary to
# time instead of one built from this checkout (go build, PGO profile
# included). Before each run the outputs are deleted, then sync and half a
# second's pause. Keep the machine otherwise idle.
set -euo pipefail
cd "$(dirname "$0")/.."
runs=3
if [[ ${1:-} =~ ^[0-9]+$ ]]; then runs=$1; shift; fi
[[ $# -eq 0 ]] || { echo "usage: $0 [RUNS]" >&2; exit 2; }
dir=${DIR:-/tmp/batchsign-hostile}
rows=${ROWS:-1000000}
seed=${SEED:-13}
workers=${WORKERS:-2}
at=2026-11-23T00:00:00Z
mkdir -p "$dir"

if [[ -n ${BATCHSIGN:-} ]]; then
	bs=$(realpath "$BATCHSIGN")
else
	bs=$dir/batchsign
	go build -o "$bs" ./cmd/batchsign
fi
sdk=$dir/sdkbatch
(cd bench && go build -o "$sdk" ./cmd/sdkbatch)
manifest=$dir/hostile-$rows-$seed.ndjson
[[ -f $manifest ]] || go run ./examples/gen -hostile -rows "$rows" -seed "$seed" -o "$manifest"
cat "$manifest" >/dev/null # into the page cache

export AWS_ACCESS_KEY_ID=AKIAIOSFODNN7EXAMPLE AWS_SECRET_ACCESS_KEY=wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY AWS_REGION=us-east-1
unset AWS_SESSION_TOKEN
results=$dir/results.txt
: >"$results"
for i in $(seq "$runs"); do
	for prog in batchsign awssdk; do
		rm -f "$dir/out-$prog.ndjson" "$dir/out-$prog.rejects.ndjson"
		sync
		sleep 0.5
		case $prog in
		batchsign) cmd=("$bs" presign "$manifest" -o "$dir/out-$prog.ndjson" --time "$at" --workers "$workers" --progress never) ;;
		awssdk) cmd=("$sdk" -time "$at" -workers "$workers" -o "$dir/out-$prog.ndjson" "$manifest") ;;
		esac
		/usr/bin/time -o "$dir/time.txt" -f "%e %U %S %M" "${cmd[@]}" 2>"$dir/stderr-$prog.txt" ||
			{ echo "$prog failed:" >&2; cat "$dir/stderr-$prog.txt" >&2; exit 1; }
		read -r wall user sys rss <"$dir/time.txt"
		echo "$prog wall=$wall user=$user sys=$sys rssKB=$rss" | tee -a "$results"
	done
done
"$sdk" compare "$dir/out-batchsign.ndjson" "$dir/out-awssdk.ndjson"

echo "$rows rows, $workers workers, $(nproc) CPUs, $runs runs each; medians (best):"
awk '{p=$1; for(i=2;i<=NF;i++){split($i,a,"="); v[p,a[1],++n[p,a[1]]]=a[2]}}
function med(p,m,  c,i,j,t,x){c=n[p,m]; for(i=1;i<=c;i++)x[i]=v[p,m,i];
  for(i=1;i<=c;i++)for(j=i+1;j<=c;j++)if(x[j]+0<x[i]+0){t=x[i];x[i]=x[j];x[j]=t}
  best[p,m]=x[1]; return (c%2)?x[(c+1)/2]:(x[c/2]+x[c/2+1])/2}
END{
  for(k=1;k<=2;k++){p=(k==1)?"batchsign":"awssdk"; w=med(p,"wall"); u=med(p,"user"); s=med(p,"sys"); r=med(p,"rssKB")
    W[p]=w; U[p]=u; printf "%-9s wall %6.2f s (%.2f)  user %6.2f s (%.2f)  sys %5.2f s  rows/s %.2f M  peak RSS %d MB\n",
      p, w, best[p,"wall"], u, best[p,"user"], s, '"$rows"'/w/1e6, r/1024}
  printf "awssdk / batchsign: wall %.1fx, user CPU %.1fx\n", W["awssdk"]/W["batchsign"], U["awssdk"]/U["batchsign"]}' "$results"
