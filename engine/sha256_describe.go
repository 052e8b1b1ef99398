package engine

// SHA256BackendDescription is one human line naming the SHA-256
// implementation in use. (Temporary until the run-time dispatch lands.)
func SHA256BackendDescription() string { return "crypto/sha256 (placeholder until dispatch lands)" }
