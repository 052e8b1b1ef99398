package sha256block

// SHA-256 dispatch: which of three implementations hashes each use, decided
// once, when the package is initialised, from the feature table (cpu.go) and
// BATCHSIGN_SHA256. The three are crypto/sha256 ("stdlib"),
// github.com/minio/sha256-simd ("simd") and this package's block functions
// ("block"); the uses are
//
//   - small: one-shot hashes of canonical requests and strings to sign
//     (Sum256, roughly 100-400 bytes);
//   - resumable: HMACs finished from prepared key states
//     (NewResumable + UnmarshalBinary, or BlockHMAC and Sum);
//   - stream: payloads of any size (NewSHA256, HashReader).
//
// bench/README.md ("SHA-256 backends: the choice and its numbers") has the
// measurements behind sha256Table and the command that reproduces them.

import (
	"crypto/fips140"
	"crypto/sha256"
	"hash"
	"io"
	"os"
	"strconv"
	"strings"

	simd "github.com/minio/sha256-simd"
)

// envSetting is the environment variable that forces a backend; Backend
// documents its values. It is read once, when the package is initialised.
const envSetting = "BATCHSIGN_SHA256"

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
// file). Keeping the uses apart lets sha256block take the uses where the
// caller can hold the chaining state, and another backend the streams.
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

// sha256Table is the automatic choice per CPU class. Why, briefly: where
// sha256block runs SHA instructions it takes the small and resumable uses
// (the instructions are the same in all three; holding the chaining words
// skips hash.Hash's state copies and buffering); streams stay with
// crypto/sha256, a tie there, and the implementation that honours FIPS 140
// mode, except where it has no accelerated path and sha256-simd has
// (classSHANINoAVX). Without SHA instructions sha256-simd is pure Go, so
// crypto/sha256 does everything. classARMSHA2 follows classSHANI by analogy;
// it is not measured on arm64 hardware.
var sha256Table = [numCPUClasses]sha256Choice{
	classGeneric:    allBackend(backendStdlib),
	classNone:       allBackend(backendStdlib),
	classAVX2:       allBackend(backendStdlib),
	classSHANI:      {small: backendBlock, resumable: backendBlock, stream: backendStdlib},
	classSHANINoAVX: {small: backendBlock, resumable: backendBlock, stream: backendSIMD},
	classARMSHA2:    {small: backendBlock, resumable: backendBlock, stream: backendStdlib},
}

// sha256Dispatch is everything decided at initialisation. With the feature
// table it is the package's one global; only withChoice (tests) changes it
// afterwards.
type sha256Dispatch struct {
	cpu     cpuFeatures
	active  sha256Choice // what Sum256, NewSHA256 and NewResumable use
	auto    sha256Choice // what the table picks for this CPU (kept when forced)
	setting string       // BATCHSIGN_SHA256 as read ("" when unset)
	forced  bool         // setting named a backend, which is active
	warning string       // why the setting or the table was not followed
}

var sha256State = newSHA256Dispatch(os.Getenv(envSetting), cpu, fips140.Enabled())

// newSHA256Dispatch decides the backends from the value of BATCHSIGN_SHA256,
// the feature table and whether the FIPS 140 mode is on
// (GODEBUG=fips140=on). It never fails: an unknown setting falls back to the
// table and is reported.
func newSHA256Dispatch(setting string, f cpuFeatures, fips bool) sha256Dispatch {
	d := sha256Dispatch{cpu: f, auto: sha256Table[f.class()], setting: setting}
	d.active = d.auto
	forced, isForced, ok := parseSHA256Setting(setting)
	switch {
	case !ok:
		d.warning = envSetting + "=" + strconv.Quote(setting) + " is not one of auto, simd, stdlib, block; using auto"
	case isForced:
		d.active = allBackend(forced)
		d.forced = true
	}
	if fips && !isForced {
		// In FIPS 140 mode only the standard library's validated module
		// may hash; the others would silently step outside it.
		d.active = allBackend(backendStdlib)
		if d.warning != "" {
			d.warning += "; "
		}
		d.warning += "FIPS 140 mode: crypto/sha256 on every path"
	}
	return d
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
// sha256-simd's silent fallbacks (simdAsm false), so that `batchsign version`
// does not claim an accelerated path the CPU cannot take.
func implName(b sha256Backend, simdAsm, oneShot bool) string {
	switch {
	case b == backendStdlib:
		return "crypto/sha256"
	case b == backendBlock:
		return "batchsign/sha256block (" + blockImpl() + ")"
	case simdAsm:
		return "minio/sha256-simd"
	case oneShot:
		return "minio/sha256-simd (pure Go)"
	}
	return "crypto/sha256 (minio/sha256-simd fallback)"
}

// Backend describes, on one line, the SHA-256 code used for each use and
// why, for `batchsign version` and for bug reports about speed, e.g.
//
//	sha256: small=batchsign/sha256block (sha-ni) resumable=batchsign/sha256block (sha-ni) stream=crypto/sha256 (auto, cpu class sha-ni; features sha-ni avx avx2 bmi2)
//
// The uses are one-shot hashes (Sum256), HMACs resumed from prepared states
// (NewResumable, BlockHMAC) and streamed payloads (NewSHA256, HashReader);
// each names crypto/sha256, minio/sha256-simd or batchsign/sha256block with
// the block function it runs (sha-ni, arm-sha2 or generic), and says where
// sha256-simd falls back to pure Go or to crypto/sha256 on this CPU. The
// parenthesis says whether the choice is the table's ("auto") for the CPU
// class (sha-ni, sha-ni-no-avx, avx2, arm-sha2, none, or generic: another
// architecture or -tags purego) or forced, and the CPU features it rests on.
//
// The environment variable BATCHSIGN_SHA256, read once at start-up, forces
// a backend: "stdlib" (crypto/sha256 for every use), "simd"
// (minio/sha256-simd for every use) or "block" (batchsign/sha256block, with
// crypto/sha256 for streams); "auto" or unset keeps the table. Any other
// value is ignored, with a warning at the end of the line, so that a typo
// cannot stop a batch. Under GODEBUG=fips140=on, crypto/sha256 is used for
// every use unless a backend is forced, and the line says so.
func Backend() string { return sha256State.report() }

// report is Backend's line for d.
func (d *sha256Dispatch) report() string {
	simdAsm := d.cpu.simdAsm()
	var b strings.Builder
	b.WriteString("sha256: small=" + implName(d.active.small, simdAsm, true) +
		" resumable=" + implName(d.active.resumable, simdAsm, false) +
		" stream=" + implName(d.active.stream, simdAsm, false))
	if d.forced {
		b.WriteString(" (forced by " + envSetting + "=" + d.setting)
	} else {
		b.WriteString(" (auto")
	}
	b.WriteString(", cpu class " + d.cpu.class().String() + "; features ")
	if f := d.cpu.names(); len(f) == 0 {
		b.WriteString("none")
	} else {
		b.WriteString(strings.Join(f, " "))
	}
	b.WriteString(")")
	if d.warning != "" {
		b.WriteString("; warning: " + d.warning)
	}
	return b.String()
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
	f()
}
