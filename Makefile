# Targets CI may call; `go test ./...` remains the everyday command.

.PHONY: test-emulated

# Engine tests on emulated CPUs (arm64 with SHA2, x86-64 Haswell without
# SHA-NI) and with -tags purego, under every SHA-256 backend. Installs
# qemu-user-static with apt-get when missing (root). See the script's header.
test-emulated:
	./scripts/test-emulated.sh
