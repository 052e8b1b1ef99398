# `make test` is the README's test command and what CI runs.

.PHONY: test test-unit test-emulated lint

# Everything: vet, the race-enabled unit and integration tests, and the
# engine on emulated CPUs.
test: lint test-unit test-emulated

lint:
	go vet ./...
	@out=$$(gofmt -l .); if [ -n "$$out" ]; then echo "gofmt needed: $$out"; exit 1; fi

test-unit:
	go test -race ./...

# Engine tests on emulated CPUs (arm64 with SHA2, x86-64 Haswell without
# SHA-NI) and with -tags purego, under every SHA-256 backend. Installs
# qemu-user-static with apt-get when missing (root). See the script's header.
test-emulated:
	./scripts/test-emulated.sh
