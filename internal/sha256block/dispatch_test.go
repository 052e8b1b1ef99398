package sha256block

import (
	"bytes"
	"crypto/sha256"
	"encoding"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"io"
	"math/rand/v2"
	"os"
	"strconv"
	"strings"
	"testing"
	"testing/iotest"

	"github.com/batchsign/batchsign/internal/cputime"
	simd "github.com/minio/sha256-simd"
)

// forEachSHA256Choice runs f as a subtest under each choice ForEachBackend
// covers.
func forEachSHA256Choice(t *testing.T, f func(t *testing.T)) {
	t.Helper()
	ForEachBackend(func(name string) { t.Run(name, f) })
}

// sha256Vectors are the FIPS 180-2 examples (appendix B) and the empty
// message, with digests from the standard, not from either implementation.
var sha256Vectors = []struct {
	name string
	in   string
	want string
}{
	{"empty", "", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"},
	{"abc", "abc", "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"},
	{"448-bit", "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq", "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1"},
	{"896-bit", "abcdefghbcdefghicdefghijdefghijkefghijklfghijklmghijklmnhijklmnoijklmnopjklmnopqklmnopqrlmnopqrsmnopqrstnopqrstu", "cf5b16a778af8380036ce59e7b0492370b249b11e8f07a51afac45037afee9d1"},
	{"million-a", strings.Repeat("a", 1_000_000), "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0"},
}

func hexSum(s [32]byte) string { return hex.EncodeToString(s[:]) }

func hashSum(h hash.Hash) string { return hex.EncodeToString(h.Sum(nil)) }

func TestSHA256KnownAnswers(t *testing.T) {
	forEachSHA256Choice(t, func(t *testing.T) {
		for _, v := range sha256Vectors {
			if got := hexSum(Sum256([]byte(v.in))); got != v.want {
				t.Errorf("%s: Sum256 = %s, want %s", v.name, got, v.want)
			}
			for _, nh := range []struct {
				name string
				new  func() hash.Hash
			}{{"NewSHA256", NewSHA256}, {"NewResumable", NewResumable}} {
				h := nh.new()
				io.WriteString(h, v.in)
				if got := hashSum(h); got != v.want {
					t.Errorf("%s: %s = %s, want %s", v.name, nh.name, got, v.want)
				}
			}
			sum, n, err := HashReader(strings.NewReader(v.in), nil)
			if err != nil || n != int64(len(v.in)) || hexSum(sum) != v.want {
				t.Errorf("%s: HashReader = %s, %d, %v; want %s, %d, nil", v.name, hexSum(sum), n, err, v.want, len(v.in))
			}
		}
	})
}

// TestSHA256MillionAStreamedInOddChunks feeds the million-'a' vector in
// chunks that straddle block boundaries in every way (less than, just under,
// just over and several blocks), through Write and through HashReader.
func TestSHA256MillionAStreamedInOddChunks(t *testing.T) {
	const want = "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0"
	msg := bytes.Repeat([]byte{'a'}, 1_000_000)
	forEachSHA256Choice(t, func(t *testing.T) {
		for _, chunk := range []int{7, 63, 65, 1000, 4097, 65537} {
			h := NewSHA256()
			for p := msg; len(p) > 0; {
				k := min(chunk, len(p))
				h.Write(p[:k])
				p = p[k:]
			}
			if got := hashSum(h); got != want {
				t.Errorf("chunk %d: Write = %s, want %s", chunk, got, want)
			}
		}
		r := &chunkReader{data: msg, sizes: []int{1, 63, 65, 999, 70000}}
		sum, n, err := HashReader(r, make([]byte, 64<<10))
		if err != nil || n != int64(len(msg)) || hexSum(sum) != want {
			t.Errorf("HashReader = %s, %d, %v; want %s, %d, nil", hexSum(sum), n, err, want, len(msg))
		}
	})
}

// TestSHA256StreamMatchesOneShot splits random messages at random points and
// checks the streamed digest (and Sum taken mid-stream, which must not
// disturb the state) against Sum256 and against crypto/sha256 directly, which
// makes it a differential test of the two backends.
func TestSHA256StreamMatchesOneShot(t *testing.T) {
	forEachSHA256Choice(t, func(t *testing.T) {
		rng := rand.New(rand.NewPCG(1, 2)) // fixed: a failure must reproduce
		buf := make([]byte, 5000)
		for i := range 300 {
			msg := buf[:rng.IntN(len(buf)+1)]
			for j := range msg {
				msg[j] = byte(rng.Uint32())
			}
			want := sha256.Sum256(msg)
			if got := Sum256(msg); got != want {
				t.Fatalf("case %d (%d bytes): Sum256 = %x, want %x", i, len(msg), got, want)
			}
			h := NewSHA256()
			for p := msg; len(p) > 0; {
				k := rng.IntN(len(p) + 1)
				h.Write(p[:k])
				p = p[k:]
				done := len(msg) - len(p)
				if mid, want := h.Sum(nil), sha256.Sum256(msg[:done]); !bytes.Equal(mid, want[:]) {
					t.Fatalf("case %d: Sum after %d of %d bytes = %x, want %x", i, done, len(msg), mid, want)
				}
			}
			if got := h.Sum(nil); !bytes.Equal(got, want[:]) {
				t.Fatalf("case %d (%d bytes): streamed = %x, want %x", i, len(msg), got, want)
			}
		}
	})
}

// chunkReader returns data in reads of the given sizes, in turn, never more
// than asked for; a size of 0 is a (0, nil) read, which io.Reader allows.
// It records the largest buffer it was offered.
type chunkReader struct {
	data   []byte
	sizes  []int
	i      int
	maxBuf int
}

func (r *chunkReader) Read(p []byte) (int, error) {
	r.maxBuf = max(r.maxBuf, len(p))
	if len(r.data) == 0 {
		return 0, io.EOF
	}
	k := min(r.sizes[r.i%len(r.sizes)], len(p), len(r.data))
	r.i++
	copy(p, r.data[:k])
	r.data = r.data[k:]
	return k, nil
}

// stuckReader returns (0, nil) forever.
type stuckReader struct{}

func (stuckReader) Read([]byte) (int, error) { return 0, nil }

func TestHashReaderShortReads(t *testing.T) {
	msg := make([]byte, 300_000)
	rng := rand.New(rand.NewPCG(3, 4))
	for i := range msg {
		msg[i] = byte(rng.Uint32())
	}
	readers := []struct {
		name string
		data []byte
		r    func(data []byte) io.Reader
	}{
		{"chunks with empty reads", msg, func(d []byte) io.Reader {
			return &chunkReader{data: d, sizes: []int{1, 0, 17, 64, 0, 0, 4095, 333}}
		}},
		// One byte per Read is slow under emulation: less data.
		{"one byte", msg[:20000], func(d []byte) io.Reader { return iotest.OneByteReader(bytes.NewReader(d)) }},
		{"half", msg, func(d []byte) io.Reader { return iotest.HalfReader(bytes.NewReader(d)) }},
		{"data with EOF", msg, func(d []byte) io.Reader { return iotest.DataErrReader(bytes.NewReader(d)) }},
	}
	forEachSHA256Choice(t, func(t *testing.T) {
		for _, rc := range readers {
			want := sha256.Sum256(rc.data)
			sum, n, err := HashReader(rc.r(rc.data), make([]byte, 40<<10))
			if err != nil || n != int64(len(rc.data)) || sum != want {
				t.Errorf("%s: HashReader = %x, %d, %v; want %x, %d, nil", rc.name, sum, n, err, want, len(rc.data))
			}
		}
	})
}

func TestHashReaderBuffer(t *testing.T) {
	msg := bytes.Repeat([]byte("batchsign"), 300_000)
	want := sha256.Sum256(msg)
	for _, tc := range []struct {
		name    string
		buf     []byte
		wantBuf int
	}{
		{"nil allocates 1 MiB", nil, 1 << 20},
		{"small is replaced", make([]byte, 100), 1 << 20},
		{"short len, large cap is used whole", make([]byte, 10, 64<<10), 64 << 10},
		{"caller's buffer is used", make([]byte, 48<<10), 48 << 10},
	} {
		r := &chunkReader{data: msg, sizes: []int{1 << 30}}
		sum, n, err := HashReader(r, tc.buf)
		if err != nil || n != int64(len(msg)) || sum != want {
			t.Errorf("%s: HashReader = %x, %d, %v; want %x, %d, nil", tc.name, sum, n, err, want, len(msg))
		}
		if r.maxBuf != tc.wantBuf {
			t.Errorf("%s: reads of up to %d bytes, want %d", tc.name, r.maxBuf, tc.wantBuf)
		}
	}
}

func TestHashReaderErrors(t *testing.T) {
	boom := errors.New("boom")
	r := io.MultiReader(strings.NewReader("0123456789"), iotest.ErrReader(boom))
	sum, n, err := HashReader(r, nil)
	if !errors.Is(err, boom) || n != 10 || sum != ([32]byte{}) {
		t.Errorf("HashReader(failing reader) = %x, %d, %v; want zero sum, 10, boom", sum, n, err)
	}
	if _, _, err := HashReader(stuckReader{}, nil); !errors.Is(err, io.ErrNoProgress) {
		t.Errorf("HashReader(stuck reader) error = %v, want io.ErrNoProgress", err)
	}
}

// TestSHA256ResumeFromMarshaledState is what HMAC with prepared key states
// depends on: a state marshalled after a prefix, loaded into a fresh
// NewResumable and continued, gives the one-shot digest. States cross
// backends too, since a prepared key may have been built under either.
func TestSHA256ResumeFromMarshaledState(t *testing.T) {
	msg := make([]byte, 400)
	for i := range msg {
		msg[i] = byte(i*7 + 3)
	}
	backends := []sha256Backend{backendStdlib, backendSIMD}
	forEachSHA256Choice(t, func(t *testing.T) {
		for _, from := range backends {
			for _, prefix := range []int{64, 0, 1, 63, 65, 128, 200} {
				src := newSHA256(from)
				src.Write(msg[:prefix])
				state, err := src.(encoding.BinaryMarshaler).MarshalBinary()
				if err != nil {
					t.Fatalf("MarshalBinary: %v", err)
				}
				if !bytes.HasPrefix(state, []byte("sha\x03")) {
					t.Fatalf("state starts %q, want the sha\\x03 format", state[:4])
				}
				h := NewResumable()
				if err := h.(encoding.BinaryUnmarshaler).UnmarshalBinary(state); err != nil {
					t.Fatalf("UnmarshalBinary(state from %v after %d bytes): %v", from, prefix, err)
				}
				h.Write(msg[prefix:])
				if got, want := h.Sum(nil), sha256.Sum256(msg); !bytes.Equal(got, want[:]) {
					t.Errorf("resumed from %v after %d bytes = %x, want %x", from, prefix, got, want)
				}
			}
		}
		h := NewResumable()
		if err := h.(encoding.BinaryUnmarshaler).UnmarshalBinary([]byte("sha\x02 not a sha256 state")); err == nil {
			t.Error("UnmarshalBinary accepted a foreign state")
		}
	})
}

func TestSum256DoesNotAllocate(t *testing.T) {
	msg := make([]byte, 300)
	var sink [32]byte
	forEachSHA256Choice(t, func(t *testing.T) {
		if n := testing.AllocsPerRun(100, func() { sink = Sum256(msg) }); n != 0 {
			t.Errorf("Sum256(heap slice) allocates %v times, want 0", n)
		}
		// A stack buffer must stay on the stack: Sum256 must not make its
		// argument escape.
		if n := testing.AllocsPerRun(100, func() {
			var buf [256]byte
			buf[0] = sink[0]
			sink = Sum256(buf[:])
		}); n != 0 {
			t.Errorf("Sum256(stack buffer) allocates %v times, want 0", n)
		}
	})
}

func TestParseSHA256Setting(t *testing.T) {
	for _, tc := range []struct {
		in     string
		b      sha256Backend
		forced bool
		ok     bool
	}{
		{"", backendStdlib, false, true},
		{"auto", backendStdlib, false, true},
		{" AUTO ", backendStdlib, false, true},
		{"simd", backendSIMD, true, true},
		{"SIMD", backendSIMD, true, true},
		{"stdlib", backendStdlib, true, true},
		{"Stdlib\n", backendStdlib, true, true},
		{"block", backendBlock, true, true},
		{"sha-ni", backendStdlib, false, false},
		{"simd,stdlib", backendStdlib, false, false},
		{"crypto/sha256", backendStdlib, false, false},
	} {
		b, forced, ok := parseSHA256Setting(tc.in)
		if b != tc.b || forced != tc.forced || ok != tc.ok {
			t.Errorf("parseSHA256Setting(%q) = %v, %v, %v; want %v, %v, %v", tc.in, b, forced, ok, tc.b, tc.forced, tc.ok)
		}
	}
}

// zen5 is the feature table of an x86-64 CPU with SHA-NI, AVX2 and BMI2.
var zen5 = cpuFeatures{asm: true, shaNI: true, avx: true, avx2: true, bmi2: true}

func TestSHA256SettingOverridesTable(t *testing.T) {
	auto := sha256Table[classSHANI]
	stdlib := allBackend(backendStdlib)
	const fipsWarning = "warning: FIPS 140 mode: crypto/sha256 on every path"
	for _, tc := range []struct {
		setting     string
		fips        bool
		want        sha256Choice
		forced      bool
		warn        bool
		stringHas   string
		stringLacks string
	}{
		{"", false, auto, false, false, "(auto, cpu class sha-ni", "warning"},
		{"auto", false, auto, false, false, "(auto, cpu class sha-ni", "warning"},
		{"simd", false, allBackend(backendSIMD), true, false, "forced by BATCHSIGN_SHA256=simd", "warning"},
		{"stdlib", false, stdlib, true, false, "small=crypto/sha256 resumable=crypto/sha256 stream=crypto/sha256", "warning"},
		{"block", false, allBackend(backendBlock), true, false, "resumable=batchsign/sha256block (", "warning"},
		{"fast", false, auto, false, true, `warning: BATCHSIGN_SHA256="fast" is not one of auto, simd, stdlib, block; using auto`, "forced"},
		// GODEBUG=fips140=on: crypto/sha256 unless a backend is forced,
		// even when the setting is a typo.
		{"", true, stdlib, false, true, fipsWarning, "forced"},
		{"fast", true, stdlib, false, true, `using auto; FIPS 140 mode`, "forced"},
		{"block", true, allBackend(backendBlock), true, false, "forced by BATCHSIGN_SHA256=block", "warning"},
	} {
		d := newSHA256Dispatch(tc.setting, zen5, tc.fips)
		if d.active != tc.want || d.auto != auto {
			t.Errorf("%q, fips %v: active %+v, auto %+v; want %+v, %+v", tc.setting, tc.fips, d.active, d.auto, tc.want, auto)
		}
		if d.forced != tc.forced || (d.warning != "") != tc.warn || d.setting != tc.setting {
			t.Errorf("%q, fips %v: forced %v, warning %q; want forced %v, warning %v", tc.setting, tc.fips, d.forced, d.warning, tc.forced, tc.warn)
		}
		s := d.report()
		if !strings.Contains(s, tc.stringHas) || strings.Contains(s, tc.stringLacks) || strings.Contains(s, "\n") {
			t.Errorf("%q, fips %v: String() = %q; want one line with %q and without %q", tc.setting, tc.fips, s, tc.stringHas, tc.stringLacks)
		}
	}
}

func TestBackendNamesEveryUse(t *testing.T) {
	s := Backend()
	t.Log(s)
	for _, want := range []string{"sha256: small=", " resumable=", " stream=", ", cpu class " + cpu.class().String() + "; features "} {
		if !strings.Contains(s, want) || strings.Contains(s, "\n") {
			t.Errorf("Backend() = %q; want one line with %q", s, want)
		}
	}
}

// TestCPUClassFromFeatures derives the class of CPUs this machine is not,
// and checks the table row each gets.
func TestCPUClassFromFeatures(t *testing.T) {
	blockSmall := sha256Choice{small: backendBlock, resumable: backendBlock, stream: backendStdlib}
	for _, tc := range []struct {
		name string
		f    cpuFeatures
		want cpuClass
		row  sha256Choice
	}{
		{"zen5", zen5, classSHANI, blockSmall},
		{"zen5 purego", cpuFeatures{shaNI: true, avx: true, avx2: true, bmi2: true}, classGeneric, allBackend(backendStdlib)},
		{"haswell", cpuFeatures{asm: true, avx: true, avx2: true, bmi2: true}, classAVX2, allBackend(backendStdlib)},
		{"avx2 without bmi2", cpuFeatures{asm: true, avx: true, avx2: true}, classNone, allBackend(backendStdlib)},
		{"sandy bridge", cpuFeatures{asm: true, avx: true}, classNone, allBackend(backendStdlib)},
		{"goldmont", cpuFeatures{asm: true, shaNI: true}, classSHANINoAVX,
			sha256Choice{small: backendBlock, resumable: backendBlock, stream: backendSIMD}},
		{"graviton", cpuFeatures{asm: true, armSHA2: true, armSHA512: true}, classARMSHA2, blockSmall},
		{"arm64 purego", cpuFeatures{armSHA2: true}, classGeneric, allBackend(backendStdlib)},
		{"arm64 without SHA2", cpuFeatures{asm: true}, classNone, allBackend(backendStdlib)},
		{"riscv64", cpuFeatures{}, classGeneric, allBackend(backendStdlib)},
	} {
		if got := tc.f.class(); got != tc.want || sha256Table[got] != tc.row {
			t.Errorf("%s: class %v, row %+v; want %v, %+v", tc.name, got, sha256Table[got], tc.want, tc.row)
		}
	}
}

// TestFeatureTableAgreesWithSHA256SIMD checks simdAsm, our statement of
// sha256-simd's rule, against what sha256-simd decided on this CPU: without
// SHA instructions its New returns crypto/sha256's digest. (Only this test
// looks at the types; the package itself reads the feature table.)
func TestFeatureTableAgreesWithSHA256SIMD(t *testing.T) {
	accelerated := fmt.Sprintf("%T", simd.New()) != fmt.Sprintf("%T", sha256.New())
	if got := cpu.simdAsm(); got != accelerated {
		t.Errorf("feature table says sha256-simd accelerated = %v; sha256-simd says %v (features %v)", got, accelerated, cpu.names())
	}
}

// TestBlockFunctionFollowsTheClass checks that the block function and the
// backend table read the feature table alike: sha256block runs assembly
// exactly in the classes where the table gives it the small use.
func TestBlockFunctionFollowsTheClass(t *testing.T) {
	c := cpu.class()
	if tableUsesBlock := sha256Table[c].small == backendBlock; useAsm != tableUsesBlock {
		t.Errorf("class %v: block function %s, but the table's small use is %v", c, blockImpl(), sha256Table[c].small)
	}
}

// TestSHA256TableAvoidsPureGo holds in every build: on a CPU class without
// SHA instructions, sha256-simd is pure Go (Sum256) or crypto/sha256 under
// another name (New), so the table must pick crypto/sha256 there.
func TestSHA256TableAvoidsPureGo(t *testing.T) {
	for _, c := range []cpuClass{classGeneric, classNone, classAVX2} {
		if got := sha256Table[c]; got != allBackend(backendStdlib) {
			t.Errorf("table[%v] = %+v, want crypto/sha256 for every use", c, got)
		}
	}
}

// TestSHA256DispatchExpected checks the dispatch on the CPU the test really
// runs on against what scripts/test-emulated.sh expects for the CPU it
// emulates, e.g.
//
//	BATCHSIGN_SHA256_EXPECT="class=avx2 small=stdlib resumable=stdlib stream=stdlib simd-accelerated=false"
//
// Without the variable there is nothing to compare with, and it is skipped.
func TestSHA256DispatchExpected(t *testing.T) {
	spec := os.Getenv("BATCHSIGN_SHA256_EXPECT")
	if spec == "" {
		t.Skip("BATCHSIGN_SHA256_EXPECT not set (scripts/test-emulated.sh sets it)")
	}
	t.Log(Backend())
	got := map[string]string{
		"class":            sha256State.cpu.class().String(),
		"small":            sha256State.auto.small.String(),
		"resumable":        sha256State.auto.resumable.String(),
		"stream":           sha256State.auto.stream.String(),
		"simd-accelerated": strconv.FormatBool(sha256State.cpu.simdAsm()),
	}
	for _, kv := range strings.Fields(spec) {
		k, want, ok := strings.Cut(kv, "=")
		if _, known := got[k]; !ok || !known {
			t.Fatalf("BATCHSIGN_SHA256_EXPECT: cannot read %q", kv)
		}
		if got[k] != want {
			t.Errorf("%s = %s, want %s", k, got[k], want)
		}
	}
	// Whatever the CPU, a forced backend must be what runs.
	if b, forced, ok := parseSHA256Setting(os.Getenv(envSetting)); ok && forced {
		if sha256State.active != allBackend(b) || !sha256State.forced {
			t.Errorf("%s=%s: active %+v, forced %v", envSetting, b, sha256State.active, sha256State.forced)
		}
	} else if sha256State.active != sha256State.auto {
		t.Errorf("not forced, but active %+v differs from the table's %+v", sha256State.active, sha256State.auto)
	}
}

// Benchmarks: the three backends per use, in one binary and one run, each
// size running every backend in turn so that load on the machine hits them
// alike. Names end in impl=<backend> for `benchstat -col /impl`; the command
// and the results are in bench/README.md ("SHA-256 backends").

var benchSizes = []struct {
	name string
	n    int
}{{"64", 64}, {"256", 256}, {"1K", 1 << 10}, {"1M", 1 << 20}}

// runBackends runs f as sub-benchmark impl=<backend> for each backend, with
// that backend active for every use, stdlib first (benchstat's base column).
func runBackends(b *testing.B, backends []sha256Backend, f func(b *testing.B)) {
	for _, be := range backends {
		withChoice(allBackend(be), func() { b.Run("impl="+be.String(), f) })
	}
}

var allBackends = []sha256Backend{backendStdlib, backendSIMD, backendBlock}

// BenchmarkSHA256Small times Sum256, the one-shot use (canonical requests,
// strings to sign), and shows where the backends' fixed costs stop
// mattering.
func BenchmarkSHA256Small(b *testing.B) {
	var sink [32]byte
	for _, s := range benchSizes {
		msg := make([]byte, s.n)
		b.Run(s.name, func(b *testing.B) {
			runBackends(b, allBackends, func(b *testing.B) {
				b.SetBytes(int64(s.n))
				b.ReportAllocs()
				for b.Loop() {
					sink = Sum256(msg)
				}
			})
		})
	}
	_ = sink
}

// BenchmarkSHA256Resume times the resumable use, an HMAC's finishing step:
// load a prepared state (one block absorbed, as after an HMAC pad), write the
// message, sum. 32 bytes is the outer HMAC message; 256 a typical string to
// sign. Under the block backend the prepared state is chaining words and the
// step is one Sum, as in sigv4's Signer.
func BenchmarkSHA256Resume(b *testing.B) {
	out := make([]byte, 0, 32)
	pad := bytes.Repeat([]byte{0x36}, BlockSize)
	for _, n := range []int{32, 64, 256} {
		msg := make([]byte, n)
		b.Run(benchName(n), func(b *testing.B) {
			runBackends(b, allBackends, func(b *testing.B) {
				b.SetBytes(int64(n))
				b.ReportAllocs()
				if BlockHMAC() {
					h := IV
					Block(&h, pad)
					for b.Loop() {
						sum := Sum(h, BlockSize, msg)
						out = append(out[:0], sum[:]...)
					}
					return
				}
				p := NewSHA256()
				p.Write(pad)
				state, _ := p.(encoding.BinaryMarshaler).MarshalBinary()
				h := NewResumable()
				u := h.(encoding.BinaryUnmarshaler)
				for b.Loop() {
					if err := u.UnmarshalBinary(state); err != nil {
						b.Fatal(err)
					}
					h.Write(msg)
					out = h.Sum(out[:0])
				}
			})
		})
	}
}

// BenchmarkSHA256Stream times the stream use (payloads): a fresh NewSHA256
// per payload, written in one call as HashReader does with its 1 MiB buffer.
// The block backend has no streaming hash (it streams with crypto/sha256),
// so only stdlib and simd compete here.
func BenchmarkSHA256Stream(b *testing.B) {
	out := make([]byte, 0, 32)
	for _, s := range benchSizes[2:] {
		msg := make([]byte, s.n)
		b.Run(s.name, func(b *testing.B) {
			runBackends(b, []sha256Backend{backendStdlib, backendSIMD}, func(b *testing.B) {
				b.SetBytes(int64(s.n))
				b.ReportAllocs()
				for b.Loop() {
					h := NewSHA256()
					h.Write(msg)
					out = h.Sum(out[:0])
				}
			})
		})
	}
}

// BenchmarkSHA256StreamParallel is BenchmarkSHA256Stream/1M on every
// GOMAXPROCS goroutine at once, each on its own hot 1 MiB buffer: with
// -cpu 1,2 the MB/s of cpu=2 over cpu=1 is how far two cores hashing
// together scale here, the ceiling for body hashing with two workers.
// MB/cpu-s is the rate per CPU second of the process: it stays flat from
// cpu=1 to cpu=2 unless the cores slow each other down (SMT siblings or a
// shared SHA unit on the host), while a busy machine lowers MB/s alone.
func BenchmarkSHA256StreamParallel(b *testing.B) {
	runBackends(b, []sha256Backend{backendStdlib, backendSIMD}, func(b *testing.B) {
		b.SetBytes(1 << 20)
		b.ReportAllocs()
		c0 := cputime.Process()
		defer func() {
			cpu := (cputime.Process() - c0).Seconds()
			b.ReportMetric(float64(b.N)*(1<<20)/1e6/cpu, "MB/cpu-s")
		}()
		b.RunParallel(func(pb *testing.PB) {
			msg := make([]byte, 1<<20)
			out := make([]byte, 0, 32)
			for pb.Next() {
				h := NewSHA256()
				h.Write(msg)
				out = h.Sum(out[:0])
			}
		})
	})
}

func benchName(n int) string {
	for _, s := range benchSizes {
		if s.n == n {
			return s.name
		}
	}
	return strconv.Itoa(n)
}
