package sha256block

// SHA-256 dispatch. Three implementations compete: the standard library's
// crypto/sha256, github.com/minio/sha256-simd, and our own block-level
// internal/ None wins everywhere: sha256-simd has a lower fixed
// cost per call where the CPU has SHA instructions, but its Sum256 is pure Go
// on CPUs without them, where the standard library still has an AVX2 path
// about twice as fast; sha256block skips hash.Hash altogether (the caller
// holds the chaining state, so an HMAC resumed from a prepared key costs only
// its blocks), but it has assembly only for SHA-NI and ARMv8 SHA2. So the choice is
// made once, at package initialisation, per CPU class (dispatch_amd64.go,
// dispatch_arm64.go and dispatch_other.go hold the tables and say what each entry
// rests on) and per use:
//
//   - small: one-shot hashes of canonical requests and strings to sign
//     (Sum256, roughly 100-400 bytes);
//   - resumable: HMACs finished from prepared key states
//     (NewResumable + UnmarshalBinary, a few dozen to a few hundred bytes);
//   - stream: payloads of any size (NewSHA256, HashReader).
//
// BATCHSIGN_SHA256 overrides the table so that every implementation can be
// run, tested and timed on any machine.

import (
	"crypto/fips140"
	"crypto/sha256"
	"hash"
	"io"
	"os"
	"reflect"
	"slices"
	"strconv"
	"strings"

	"github.com/klauspost/cpuid/v2"
	simd "github.com/minio/sha256-simd"
)

// Env is the environment variable that forces a SHA-256 backend:
// "simd" (github.com/minio/sha256-simd for every use), "stdlib" (crypto/sha256
// for every use), "block" (batchsign's internal/sha256block for one-shot
// hashes and HMACs, crypto/sha256 for streams), or "auto" or empty for the
// measured per-CPU choice. It is
// read once, when the package is initialised. Any other value is ignored
// (the choice stays automatic) and reported in BackendInfo.Warning, so that a
// typo cannot stop a batch but does show in `batchsign version`.
const Env = "BATCHSIGN_SHA256"

// sha256Backend names one SHA-256 implementation.
type sha256Backend uint8

const (
	backendStdlib sha256Backend = iota // crypto/sha256
	backendSIMD                        // github.com/minio/sha256-simd
	backendBlock                       // internal/sha256block (small and resumable uses only)
)

// String returns the name BATCHSIGN_SHA256 and the tests use.
func (b sha256Backend) String() string {
	switch b {
	case backendSIMD:
		return "simd"
	case backendBlock:
		return "block"
	}
	return "stdlib"
}

// sha256Choice is the backend for each use of SHA-256 (see the top of this
// file). Keeping the uses apart lets a CPU class take sha256-simd where its
// lower fixed cost pays and the standard library everywhere else.
type sha256Choice struct {
	small     sha256Backend // Sum256
	resumable sha256Backend // NewResumable
	stream    sha256Backend // NewSHA256, HashReader
}

// allBackend returns a choice that uses b for every use it has: sha256block
// has no streaming hash, so a block choice streams with crypto/sha256.
func allBackend(b sha256Backend) sha256Choice {
	if b == backendBlock {
		return sha256Choice{b, b, backendStdlib}
	}
	return sha256Choice{b, b, b}
}

// cpuClass is what the dispatch tables are indexed by: the SHA-256 relevant
// capability of the CPU, as crypto/sha256 and sha256-simd see it.
type cpuClass uint8

const (
	// classGeneric: no per-CPU table applies (an architecture without one,
	// or a purego build, where the choice must not depend on assembly).
	classGeneric cpuClass = iota
	classNone             // amd64 or arm64 with none of the classes below
	classAVX2             // amd64 with AVX2 and BMI2 but no SHA-NI
	classSHANI            // amd64 with the SHA extensions (SHA-NI)
	classARMSHA2          // arm64 with the ARMv8 SHA2 instructions
	numCPUClasses
)

// String returns the class name shown in BackendInfo.CPUClass and expected by
// TestSHA256DispatchExpected.
func (c cpuClass) String() string {
	switch c {
	case classNone:
		return "none"
	case classAVX2:
		return "avx2"
	case classSHANI:
		return "sha-ni"
	case classARMSHA2:
		return "arm-sha2"
	}
	return "generic"
}

// sha256Dispatch is everything decided at initialisation. It is the package's
// one global; only withSHA256Choice (tests) changes it afterwards.
type sha256Dispatch struct {
	active sha256Choice // what Sum256, NewSHA256 and NewResumable use
	auto   sha256Choice // what the table picks for this CPU (kept when forced)
	info   BackendInfo
}

var sha256State = newSHA256Dispatch(os.Getenv(Env), sha256CPUClass())

// simdAccelerated reports whether sha256-simd found SHA instructions. Without
// them its New returns crypto/sha256's digest and its Sum256 runs pure Go;
// comparing the types is how we learn that without repeating its detection.
var simdAccelerated = reflect.TypeOf(simd.New()) != reflect.TypeOf(sha256.New())

// newSHA256Dispatch decides the backends from the value of BATCHSIGN_SHA256
// and the CPU class. It never fails: an unknown setting falls back to the
// table and is reported.
func newSHA256Dispatch(setting string, class cpuClass) sha256Dispatch {
	d := sha256Dispatch{auto: sha256Table[class]}
	d.active = d.auto
	forced, isForced, ok := parseSHA256Setting(setting)
	d.info = BackendInfo{
		CPUFeatures: sha256CPUFeatures(),
		CPUClass:    class.String(),
		Setting:     setting,
	}
	switch {
	case !ok:
		d.info.Warning = Env + "=" + strconv.Quote(setting) + " is not one of auto, simd, stdlib, block; using auto"
	case !isForced && fips140.Enabled():
		// In FIPS 140 mode only the standard library's validated module
		// may hash; sha256-simd would silently step outside it.
		d.active = allBackend(backendStdlib)
		d.info.Warning = "FIPS 140 mode: crypto/sha256 on every path"
	case isForced:
		d.active = allBackend(forced)
		d.info.Forced = true
	}
	d.describe()
	return d
}

// describe fills in the implementation names from d.active.
func (d *sha256Dispatch) describe() {
	d.info.Small = implName(d.active.small, true)
	d.info.Resumable = implName(d.active.resumable, false)
	d.info.Stream = implName(d.active.stream, false)
}

// parseSHA256Setting parses a BATCHSIGN_SHA256 value. forced reports whether
// it names a backend (b); ok is false for a value it does not know. Case and
// surrounding space are ignored because people type the value into job specs.
func parseSHA256Setting(v string) (b sha256Backend, forced, ok bool) {
	switch strings.ToLower(strings.TrimSpace(v)) {
	case "", "auto":
		return backendStdlib, false, true
	case "simd":
		return backendSIMD, true, true
	case "stdlib":
		return backendStdlib, true, true
	case "block":
		return backendBlock, true, true
	}
	return backendStdlib, false, false
}

// implName names the code that really runs for backend b, including
// sha256-simd's silent fallbacks, so that `batchsign version` does not claim
// an accelerated path the CPU cannot take.
func implName(b sha256Backend, oneShot bool) string {
	switch {
	case b == backendStdlib:
		return "crypto/sha256"
	case b == backendBlock:
		return "batchsign/sha256block (" + Implementation() + ")"
	case simdAccelerated:
		return "minio/sha256-simd"
	case oneShot:
		return "minio/sha256-simd (pure Go)"
	}
	return "crypto/sha256 (minio/sha256-simd fallback)"
}

// sha256CPUFeatures lists the CPU features that matter to SHA-256 in either
// implementation, in a fixed order. cpuid reports a feature only on the
// architecture that has it, so one list serves every architecture.
func sha256CPUFeatures() []string {
	var f []string
	if cpuid.CPU.Supports(cpuid.SHA, cpuid.SSSE3, cpuid.SSE4) {
		f = append(f, "sha-ni")
	}
	if cpuid.CPU.Supports(cpuid.AVX2) {
		f = append(f, "avx2")
	}
	if cpuid.CPU.Supports(cpuid.BMI2) {
		f = append(f, "bmi2")
	}
	if cpuid.CPU.Supports(cpuid.SHA2) {
		f = append(f, "arm-sha2")
	}
	if cpuid.CPU.Supports(cpuid.SHA512) {
		f = append(f, "arm-sha512")
	}
	return f
}

// BackendInfo describes the SHA-256 implementations the engine chose at
// start-up, for `batchsign version` and for bug reports about speed.
type BackendInfo struct {
	// CPUFeatures lists the SHA-256-relevant CPU features found by cpuid:
	// "sha-ni", "avx2", "bmi2" (x86-64), "arm-sha2", "arm-sha512" (arm64).
	CPUFeatures []string
	// CPUClass is the row of the dispatch table used: "sha-ni", "avx2",
	// "arm-sha2", "none", or "generic" (no table for this architecture or
	// build, e.g. -tags purego).
	CPUClass string
	// Small, Resumable and Stream name the implementation used for one-shot
	// hashes (Sum256), HMACs resumed from prepared states, and streamed
	// payloads (NewSHA256, HashReader): "crypto/sha256",
	// "minio/sha256-simd" or "batchsign/sha256block (sha-ni|arm-sha2|generic)", with a note in parentheses where sha256-simd falls
	// back to pure Go or to crypto/sha256 on this CPU.
	Small, Resumable, Stream string
	// Forced is true when BATCHSIGN_SHA256 chose the backend rather than the
	// measured table.
	Forced bool
	// Setting is BATCHSIGN_SHA256 as read at start-up ("" when unset).
	Setting string
	// Warning is non-empty when Setting was not understood and was ignored.
	Warning string
}

// String returns the description on one line, e.g.
//
//	sha256: small=minio/sha256-simd resumable=crypto/sha256 stream=crypto/sha256 (auto, cpu class sha-ni; features sha-ni avx2 bmi2)
func (i BackendInfo) String() string {
	var b strings.Builder
	b.WriteString("sha256: small=" + i.Small + " resumable=" + i.Resumable + " stream=" + i.Stream)
	if i.Forced {
		b.WriteString(" (forced by " + Env + "=" + i.Setting)
	} else {
		b.WriteString(" (auto")
	}
	b.WriteString(", cpu class " + i.CPUClass + "; features ")
	if len(i.CPUFeatures) == 0 {
		b.WriteString("none")
	} else {
		b.WriteString(strings.Join(i.CPUFeatures, " "))
	}
	b.WriteString(")")
	if i.Warning != "" {
		b.WriteString("; warning: " + i.Warning)
	}
	return b.String()
}

// Backend reports which SHA-256 implementations the engine uses on this
// machine and why. The result is a copy; changing it changes nothing.
func Backend() BackendInfo {
	i := sha256State.info
	i.CPUFeatures = slices.Clone(i.CPUFeatures)
	return i
}

// Sum256 returns the SHA-256 of b using the backend chosen for small one-shot
// hashes (canonical requests, strings to sign). It does not allocate.
func Sum256(b []byte) [32]byte {
	// A branch on a package variable rather than a func value: a call
	// through a func value makes b escape, which would cost callers that
	// hash stack buffers an allocation.
	switch sha256State.active.small {
	case backendSIMD:
		return simd.Sum256(b)
	case backendBlock:
		return Sum(IV, 0, b)
	}
	return sha256.Sum256(b)
}

// NewSHA256 returns a streaming SHA-256 from the backend chosen for large
// inputs. The returned hash also implements encoding.BinaryMarshaler and
// encoding.BinaryUnmarshaler in the "sha\x03" state format shared by
// crypto/sha256 and minio/sha256-simd, which the HMAC code relies on to resume
// from prepared key states.
func NewSHA256() hash.Hash { return newSHA256(sha256State.active.stream) }

// NewResumable returns the SHA-256 used to finish HMACs from prepared
// states (small inputs, resumed with UnmarshalBinary). States marshalled by
// either backend resume in either, since both use the "sha\x03" format.
// Under the block backend the Signer holds chaining states instead
// (BlockHMAC) and this is crypto/sha256, for the other callers.
func NewResumable() hash.Hash { return newSHA256(sha256State.active.resumable) }

// BlockHMAC reports whether HMACs resumed from prepared states run on
// sha256block rather than through NewResumable.
func BlockHMAC() bool { return sha256State.active.resumable == backendBlock }

func newSHA256(b sha256Backend) hash.Hash {
	if b == backendSIMD {
		return simd.New()
	}
	return sha256.New()
}

// minHashReaderBuf is the smallest caller buffer HashReader uses as is. Below
// io.Copy's 32 KiB the per-Read cost (a system call for a file) stops being
// small next to hashing the bytes at about 1.7 GB/s, so a smaller buffer is
// replaced rather than honoured.
const minHashReaderBuf = 32 << 10

// hashReaderBufSize is the buffer HashReader allocates when the caller gives
// none: large enough that reads cost nothing next to hashing.
const hashReaderBufSize = 1 << 20

// maxEmptyReads bounds how many (0, nil) reads in a row HashReader accepts
// before giving up with io.ErrNoProgress, as bufio does, so that a broken
// reader cannot spin a worker forever.
const maxEmptyReads = 100

// HashReader returns the SHA-256 of everything r yields until io.EOF and the
// number of bytes hashed, streaming through the backend chosen for large
// inputs. It reads into buf, so a worker can hash many payloads with one
// buffer; when buf is shorter than 32 KiB (or nil) a 1 MiB buffer is
// allocated instead. r is read to the end and never buffered whole.
//
// On a read error, err is that error, n counts the bytes read before it
// (including any returned with it) and sum is zero. io.EOF is the normal end
// and is not returned. A reader that keeps returning no data and no error
// gets io.ErrNoProgress.
func HashReader(r io.Reader, buf []byte) (sum [32]byte, n int64, err error) {
	buf = buf[:cap(buf)]
	if len(buf) < minHashReaderBuf {
		buf = make([]byte, hashReaderBufSize)
	}
	h := NewSHA256()
	empty := 0
	for {
		m, rerr := r.Read(buf)
		if m > 0 {
			h.Write(buf[:m]) // hash.Hash.Write never returns an error
			n += int64(m)
			empty = 0
		} else if rerr == nil {
			if empty++; empty >= maxEmptyReads {
				return sum, n, io.ErrNoProgress
			}
		}
		if rerr != nil {
			if rerr == io.EOF { // io.Reader's contract: EOF itself, never wrapped
				break
			}
			return sum, n, rerr
		}
	}
	h.Sum(sum[:0])
	return sum, n, nil
}

// ForEachBackend calls f once under each choice a test must cover: stdlib,
// simd and block for every use, then this CPU's automatic choice, restoring the
// active choice afterwards. It exists so that the tests of packages hashing
// through this one (sigv4's) exercise every backend in one `go test` run,
// whatever BATCHSIGN_SHA256 says. It changes process-wide state: callers must
// not run in parallel with other tests that hash.
func ForEachBackend(f func(name string)) {
	for _, c := range []struct {
		name   string
		choice sha256Choice
	}{
		{"stdlib", allBackend(backendStdlib)},
		{"simd", allBackend(backendSIMD)},
		{"block", allBackend(backendBlock)},
		{"auto", sha256State.auto},
	} {
		withChoice(c.choice, func() { f(c.name) })
	}
}

// withChoice runs f with c as the active SHA-256 choice and restores the
// previous one afterwards, even if f panics or fails the test.
func withChoice(c sha256Choice, f func()) {
	saved := sha256State
	defer func() { sha256State = saved }()
	sha256State.active = c
	sha256State.describe()
	f()
}
