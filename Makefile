# `make test` is the README's test command and what CI runs.

.PHONY: build profiles test test-unit test-bench-module test-emulated test-fresh-clone lint fuzz fuzz-long

# The release build. go build uses cmd/batchsign/default.pgo (profile-guided
# optimisation from representative runs; profiles/generate.sh regenerates it).
build:
	go build -o batchsign ./cmd/batchsign

profiles:
	./profiles/generate.sh

# Everything: vet, the race-enabled unit and integration tests, and the
# sigv4 and internal/sha256block on emulated CPUs.
test: lint test-unit test-bench-module test-emulated

lint:
	go vet ./...
	./scripts/check-generated.sh
	@out=$$(gofmt -l .); if [ -n "$$out" ]; then echo "gofmt needed: $$out"; exit 1; fi
	@if command -v staticcheck >/dev/null; then staticcheck ./... && (cd bench && staticcheck ./...); \
	else echo "lint: staticcheck not installed (go install honnef.co/go/tools/cmd/staticcheck@v0.8.2); skipped"; fi

# -timeout 30m: the default 10 minutes per package is close to what
# cmd/batchsign takes under -race on a slow, shared CI machine (277 s seen).
test-unit:
	go test -race -timeout 30m ./...

# bench/ is its own module (it imports the peers we compare against): its
# differential test signs 100,000 hostile rows with batchsign and
# aws-sdk-go-v2 and requires identical URLs.
test-bench-module:
	cd bench && go vet ./... && go test ./...

# sigv4 and internal/sha256block tests on emulated CPUs (arm64 with SHA2,
# x86-64 Haswell without SHA-NI) and with -tags purego, the sigv4 tests under
# every SHA-256 backend. Installs qemu-user-static with apt-get when missing
# (root). See the script's header.
test-emulated:
	./scripts/test-emulated.sh

# The committed HEAD cloned into an empty directory (nothing beside it), then
# make test there: the repository needs nothing outside itself.
test-fresh-clone:
	./scripts/test-fresh-clone.sh

# Every fuzz target (func FuzzXxx) of the main module, found with
# go test -list so none is forgotten, for FUZZTIME each: 12s by default (CI
# runs it after make test), 10m for fuzz-long. `make fuzz FUZZTIME=1m`
# overrides either. A failing input is left in the package's testdata/fuzz/
# to fix and commit. See scripts/fuzz.sh.
fuzz:
	./scripts/fuzz.sh $(or $(FUZZTIME),12s)

fuzz-long:
	./scripts/fuzz.sh $(or $(FUZZTIME),10m)
