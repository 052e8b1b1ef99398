//go:build (!amd64 && !arm64) || purego

package sha256block

// sha256CPUClass reports classGeneric: there is no measured table for this
// architecture, or the build asked for purego, in which case the choice must
// not depend on which assembly the CPU could run.
func sha256CPUClass() cpuClass { return classGeneric }

// sha256Table is the automatic choice where no per-CPU table applies:
// crypto/sha256 for every use. sha256-simd has assembly only for amd64 and
// arm64; elsewhere its Sum256 is pure Go and its New returns crypto/sha256's
// digest, while crypto/sha256 has assembly of its own on several other
// architectures (ppc64x, s390x, loong64, riscv64). Under -tags purego,
// crypto/sha256 is pure Go and the stdlib choice is what makes that pure-Go
// path the one exercised.
var sha256Table = [numCPUClasses]sha256Choice{
	classGeneric: allBackend(backendStdlib),
}
