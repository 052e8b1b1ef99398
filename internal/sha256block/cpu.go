package sha256block

import "fmt"

// cpuFeatures is the package's one feature table: what the CPU offers
// SHA-256 code, read once from klauspost/cpuid (cpu_amd64.go, cpu_arm64.go,
// cpu_other.go), and whether this build may use assembly. Every CPU decision
// in the package is derived from it and from nothing else: the block function
// (useAsm), the CPU class that indexes the backend table (class), what
// sha256-simd runs (simdAsm), and the report.
//
// cpuid reports a feature only on the architecture that has it, so the x86-64
// fields are false on arm64 and the other way round.
type cpuFeatures struct {
	// asm: this build has the block functions' assembly (amd64 or arm64
	// without -tags purego). Under purego crypto/sha256 is pure Go too.
	asm bool

	// x86-64.
	shaNI bool // SHA extensions with the SSSE3 and SSE4.1 shuffles and blends used beside them
	avx   bool // crypto/sha256 (Go 1.26) takes its SHA-NI path only with AVX too
	avx2  bool // with AVX and BMI2: crypto/sha256's AVX2 path
	bmi2  bool

	// arm64.
	armSHA2   bool // SHA256H/H2 and SHA256SU0/SU1
	armSHA512 bool // reported only
}

var cpu = readCPU()

// useAsm is whether Block runs this build's assembly (blockSHANI or
// blockARM): both need only the SHA instructions (and on x86-64 the SSSE3
// and SSE4.1 ones, no AVX).
var useAsm = cpu.asm && (cpu.shaNI || cpu.armSHA2)

// useAsm2 is whether Block2 runs this build's two-lane assembly
// (blockSHANI2 or blockARM2), which needs exactly the instructions the
// one-lane code does; otherwise Block2 is two one-lane calls.
var useAsm2 = useAsm

// simdAsm reports whether sha256-simd runs SHA instructions on this CPU. It
// decides for itself, with the same features (v1.0.1, cpuid_other.go: SHA,
// SSSE3 and SSE4.1 on x86-64, SHA2 on arm64) and regardless of purego;
// without them its Sum256 is pure Go and its New is crypto/sha256's.
// TestFeatureTableAgreesWithSHA256SIMD checks that the rules agree.
func (f cpuFeatures) simdAsm() bool { return f.shaNI || f.armSHA2 }

// blockImpl names the block function Block runs: "sha-ni", "arm-sha2" or
// "generic" (pure Go).
func blockImpl() string {
	switch {
	case !useAsm:
		return "generic"
	case cpu.shaNI:
		return "sha-ni"
	}
	return "arm-sha2"
}

// block2Impl names the code Block2 runs: "sha-ni-x2" or "arm-sha2-x2" (two
// lanes interleaved), or the one-lane function twice ("sha-ni", "arm-sha2"
// or "generic").
func block2Impl() string {
	if useAsm2 {
		return blockImpl() + "-x2"
	}
	return blockImpl()
}

// cpuClass is what the backend table is indexed by: the SHA-256 code each of
// the three implementations can run on this CPU and build.
type cpuClass uint8

const (
	// classGeneric: no assembly may decide (another architecture, or a
	// purego build, where the pure-Go paths are what must run).
	classGeneric cpuClass = iota
	// classNone: amd64 or arm64 with none of the features below; all
	// three are pure Go.
	classNone
	// classAVX2: x86-64 with AVX2 and BMI2 but no SHA-NI: crypto/sha256
	// has its AVX2 path, sha256block and sha256-simd are pure Go.
	classAVX2
	// classSHANI: x86-64 with SHA-NI and AVX: all three run SHA-NI.
	classSHANI
	// classSHANINoAVX: x86-64 with SHA-NI but no AVX (Goldmont and
	// Tremont Atoms): sha256block and sha256-simd run SHA-NI,
	// crypto/sha256 is pure Go.
	classSHANINoAVX
	// classARMSHA2: arm64 with the SHA2 instructions: all three use them.
	classARMSHA2
	numCPUClasses
)

// class derives the CPU class from the feature table.
func (f cpuFeatures) class() cpuClass {
	switch {
	case !f.asm:
		return classGeneric
	case f.shaNI && f.avx:
		return classSHANI
	case f.shaNI:
		return classSHANINoAVX
	case f.avx && f.avx2 && f.bmi2:
		return classAVX2
	case f.armSHA2:
		return classARMSHA2
	}
	return classNone
}

// String returns the class name shown by Backend and expected by
// scripts/test-emulated.sh.
func (c cpuClass) String() string {
	switch c {
	case classGeneric:
		return "generic"
	case classNone:
		return "none"
	case classAVX2:
		return "avx2"
	case classSHANI:
		return "sha-ni"
	case classSHANINoAVX:
		return "sha-ni-no-avx"
	case classARMSHA2:
		return "arm-sha2"
	}
	return fmt.Sprintf("cpuClass(%d)", uint8(c))
}

// names lists the features present, in a fixed order, for the report.
func (f cpuFeatures) names() []string {
	var n []string
	for _, x := range []struct {
		has  bool
		name string
	}{
		{f.shaNI, "sha-ni"}, {f.avx, "avx"}, {f.avx2, "avx2"}, {f.bmi2, "bmi2"},
		{f.armSHA2, "arm-sha2"}, {f.armSHA512, "arm-sha512"},
	} {
		if x.has {
			n = append(n, x.name)
		}
	}
	return n
}
