#!/usr/bin/env bash
# test-emulated.sh: run the sigv4 and internal/sha256block tests on CPUs this
# machine is not, so that every SHA-256 path the dispatch can take is tested on
# one machine:
#
#   arm64 (qemu-aarch64-static, ARMv8 with SHA2)      ARM SHA2 paths
#   amd64 (qemu-x86_64-static -cpu Haswell)          AVX2 without SHA-NI:
#                                                    crypto/sha256's AVX2 path,
#                                                    sha256-simd's pure Go
#   amd64 native, -tags purego                       crypto/sha256 pure Go
#
# each under BATCHSIGN_SHA256=auto, simd, stdlib and block, with
# BATCHSIGN_SHA256_EXPECT telling TestSHA256DispatchExpected what the dispatch
# must choose on that CPU. The sha256block tests run once per CPU and must
# report the block functions expected there, one-lane and two-lane (arm-sha2
# and arm-sha2-x2 on arm64; generic for both on Haswell, which lacks SHA-NI,
# and under purego). Emulated timings mean nothing, so no benchmarks.
#
# x86-64 with SHA-NI but no AVX (cpu class sha-ni-no-avx: Goldmont and Tremont
# Atoms) cannot be emulated: qemu 7.2's TCG has no SHA-NI. Its table row is
# checked by TestCPUClassFromFeatures, and the code it runs (sha256block's and
# sha256-simd's SHA-NI) natively on a SHA-NI machine.
#
# Installs qemu-user-static with apt-get when it is missing (needs root).
# Prints one line per configuration; exits non-zero if any failed.
set -euo pipefail

cd "$(dirname "$0")/.."
start=$SECONDS

if ! command -v qemu-aarch64-static >/dev/null || ! command -v qemu-x86_64-static >/dev/null; then
	if [ "$(id -u)" != 0 ]; then
		echo "test-emulated: qemu-user-static is missing and installing it needs root" >&2
		exit 2
	fi
	echo "test-emulated: installing qemu-user-static"
	export DEBIAN_FRONTEND=noninteractive
	apt-get update -qq >/dev/null
	apt-get install -y -qq --no-install-recommends qemu-user-static >/dev/null
fi

work=$(mktemp -d /tmp/batchsign-emulated.XXXXXX)
trap 'rm -rf "$work"' EXIT

# Build the test binaries (CGO off: cross builds need no C toolchain).
export CGO_ENABLED=0
for dir in sigv4 internal/sha256block; do
	pkg=${dir##*/}
	GOARCH=arm64 go test -c -o "$work/$pkg-arm64.test" "./$dir"
	GOARCH=amd64 go test -c -o "$work/$pkg-amd64.test" "./$dir"
	GOARCH=amd64 go test -c -tags purego -o "$work/$pkg-purego.test" "./$dir"
done
echo "test-emulated: built test binaries in $((SECONDS - start))s"

# What the dispatch must pick on each CPU (auto choice; a forced backend is
# checked by the test itself). On Haswell the small path must not be
# sha256-simd: its Sum256 is pure Go there.
expect_arm64="class=arm-sha2 small=block resumable=block stream=stdlib simd-accelerated=true"
expect_haswell="class=avx2 small=stdlib resumable=stdlib stream=stdlib simd-accelerated=false"
expect_purego="class=generic small=stdlib resumable=stdlib stream=stdlib"

failed=0
# run NAME EXPECT BACKEND CMD...: run one configuration (the dispatch tests of
# internal/sha256block, then every sigv4 test, under BATCHSIGN_SHA256=BACKEND)
# and print one line. CMD ends with the test binary's path without its
# package prefix: PKG-ARCH.test is run for PKG in sha256block and sigv4.
run() {
	local name=$1 expect=$2 backend=$3
	shift 3
	local bin=${!#}
	local runner=("${@:1:$#-1}")
	local log="$work/$name-$backend.log" t0=$SECONDS rc=0 pkgrc dir pkg
	: >"$log"
	# -test.v so that the dispatch line (TestSHA256BackendIsACopy's log)
	# can be shown; qemu's warnings about CPU features TCG cannot emulate
	# are harmless and dropped. Each binary runs from its package
	# directory, as go test does.
	for dir in internal/sha256block sigv4; do
		pkg=${dir##*/}
		set +e
		(cd "$dir" && BATCHSIGN_SHA256=$backend BATCHSIGN_SHA256_EXPECT=$expect \
			timeout 150 "${runner[@]}" "$work/$pkg-$bin" -test.v -test.count=1 -test.timeout=140s) 2>&1 |
			grep -v "TCG doesn't support requested feature" >>"$log"
		pkgrc=${PIPESTATUS[0]}
		set -e
		[ "$pkgrc" = 0 ] || rc=$pkgrc
	done
	local dispatch
	dispatch=$(grep -o 'sha256: small=.*' "$log" | head -1 || true)
	if [ "$rc" = 0 ] && [ "$(grep -c '^PASS$' "$log")" = 2 ] && grep -q -- '--- PASS: TestSHA256DispatchExpected' "$log"; then
		printf 'PASS  %-24s BATCHSIGN_SHA256=%-6s %3ds  %s\n' "$name" "$backend" $((SECONDS - t0)) "$dispatch"
	else
		failed=1
		printf 'FAIL  %-24s BATCHSIGN_SHA256=%-6s %3ds  exit %s\n' "$name" "$backend" $((SECONDS - t0)) "$rc"
		grep -E -e '--- FAIL|_test.go:[0-9]+:|panic|timed out' "$log" | head -40 | sed 's/^/      /'
	fi
}

# runblock NAME IMPL IMPL2 CMD...: run the sha256block tests on one CPU, which
# must use block function IMPL for Block and IMPL2 for Block2; print one line.
runblock() {
	local name=$1 impl=$2 impl2=$3
	shift 3
	local log="$work/$name-sha256block.log" t0=$SECONDS rc
	set +e
	(cd internal/sha256block && timeout 150 "$@" -test.v -test.count=1 -test.timeout=140s) 2>&1 |
		grep -v "TCG doesn't support requested feature" >"$log"
	rc=${PIPESTATUS[0]}
	set -e
	if [ "$rc" = 0 ] && grep -q '^PASS$' "$log" && grep -q " implementation: $impl\$" "$log" &&
		grep -q "two-lane implementation: $impl2\$" "$log"; then
		printf 'PASS  %-24s sha256block             %3ds  implementation=%s two-lane=%s\n' "$name" $((SECONDS - t0)) "$impl" "$impl2"
	else
		failed=1
		printf 'FAIL  %-24s sha256block             %3ds  exit %s, want implementation=%s two-lane=%s\n' "$name" $((SECONDS - t0)) "$rc" "$impl" "$impl2"
		grep -E -e '--- FAIL|_test.go:[0-9]+:|panic|timed out' "$log" | head -40 | sed 's/^/      /'
	fi
}

runblock arm64-qemu arm-sha2 arm-sha2-x2 qemu-aarch64-static "$work/sha256block-arm64.test"
runblock amd64-qemu-haswell generic generic qemu-x86_64-static -cpu Haswell "$work/sha256block-amd64.test"
runblock amd64-native-purego generic generic "$work/sha256block-purego.test"

for backend in auto simd stdlib block; do
	run arm64-qemu "$expect_arm64" "$backend" qemu-aarch64-static arm64.test
	run amd64-qemu-haswell "$expect_haswell" "$backend" qemu-x86_64-static -cpu Haswell amd64.test
	run amd64-native-purego "$expect_purego" "$backend" env purego.test
done

if [ "$failed" != 0 ]; then
	echo "test-emulated: FAILED ($((SECONDS - start))s)"
	exit 1
fi
echo "test-emulated: all configurations passed ($((SECONDS - start))s)"
