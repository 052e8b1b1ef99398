package bench

import (
	"crypto/sha256"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/batchsign/batchsign/internal/sha256block"
	"github.com/batchsign/batchsign/internal/sigcore"
	"github.com/batchsign/batchsign/sigv4"
)

// floorBlocks is how many compression blocks the buffers of the block-floor
// measurement hold. 64 blocks (4 KiB) make the per-call cost of Sum256
// (state set-up, padding, output) negligible against the blocks themselves,
// so ns/block is the marginal cost of one block: the unit of the floor.
const floorBlocks = 64

// floorMessage returns a message that SHA-256 hashes in exactly n blocks:
// 64·n bytes minus the 9 bytes of padding (0x80 and the 64-bit length).
func floorMessage(n int) []byte {
	m := make([]byte, 64*n-9)
	for i := range m {
		m[i] = byte(i*131 + 7)
	}
	return m
}

// BenchmarkBlockFloor measures the cost of one SHA-256 compression block
// with the engine's dispatched Sum256 and with crypto/sha256, reported as
// ns/block (and MB/s). It is the hardware floor the presign is held to.
func BenchmarkBlockFloor(b *testing.B) {
	msg := floorMessage(floorBlocks)
	for _, impl := range []struct {
		name string
		sum  func([]byte) [32]byte
	}{{"engine", sha256block.Sum256}, {"stdlib", sha256.Sum256}} {
		b.Run("impl="+impl.name, func(b *testing.B) {
			b.SetBytes(64 * floorBlocks)
			var sink byte
			for b.Loop() {
				s := impl.sum(msg)
				sink ^= s[0]
			}
			_ = sink
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*floorBlocks), "ns/block")
		})
	}
}

// nsPerBlock measures the engine's cost of one compression block, once per
// process: the fastest of several short rounds (the minimum is the
// measurement least disturbed by other work on the machine).
var nsPerBlock = sync.OnceValue(func() float64 {
	msg := floorMessage(floorBlocks)
	const calls = 64
	best := time.Duration(1 << 62)
	var sink byte
	for round := 0; round < 15; round++ {
		start := time.Now()
		for range calls {
			s := sha256block.Sum256(msg)
			sink ^= s[0]
		}
		if d := time.Since(start); d < best {
			best = d
		}
	}
	_ = sink
	return float64(best.Nanoseconds()) / (calls * floorBlocks)
})

// shaBlocks returns how many compression blocks SHA-256 needs for n bytes.
func shaBlocks(n int) int { return (n + 9 + 63) / 64 }

// presignBlocks counts the compression blocks a presign must hash with a
// prepared signing key, from its canonical request and string to sign:
//
//   - the canonical request: its bytes plus 9 of padding, rounded up to 64;
//   - the HMAC's inner hash over the string to sign, minus what a signer
//     absorbs once and resumes from: the ipad block (the keycache's prepared
//     state) and the whole blocks of the string to sign's constant prefix
//     (algorithm, date, scope), which are the same for every row;
//   - the HMAC's outer hash over the 32-byte inner digest, minus the
//     prepared opad block.
func presignBlocks(canonicalRequest, stringToSign string) int {
	prefix := len(stringToSign) - 64 // the hex digest of the canonical request ends it
	inner := shaBlocks(64+len(stringToSign)) - (64+prefix)/64
	outer := shaBlocks(64+32) - 1
	return shaBlocks(len(canonicalRequest)) + inner + outer
}

// BenchmarkPresignFloor runs the batchsign presign of BenchmarkPresign and
// reports, beside its ns/op, the blocks it must hash (blocks/op), the floor
// that many blocks cost on this machine measured in this run (floor-ns/op =
// blocks/op × ns/block), and the ratio of the two (x-floor). The issue's
// target is x-floor ≤ 1.3.
func BenchmarkPresignFloor(b *testing.B) {
	for _, c := range presignCases {
		b.Run(c.name+"/impl=batchsign", func(b *testing.B) {
			s := newEngineSigner(b, c.token, benchTime, benchRegion)
			p := c.row()
			blocks := presignBlocks(explainPresign(b, s, &p))
			floor := float64(blocks) * nsPerBlock()
			dst := make([]byte, 0, 4096)
			var err error
			b.ReportAllocs()
			for b.Loop() {
				if dst, err = s.AppendPresignS3(dst[:0], &p); err != nil {
					b.Fatal(err)
				}
			}
			perOp := float64(b.Elapsed().Nanoseconds()) / float64(b.N)
			b.ReportMetric(float64(blocks), "blocks/op")
			b.ReportMetric(nsPerBlock(), "ns/block")
			b.ReportMetric(floor, "floor-ns/op")
			b.ReportMetric(perOp/floor, "x-floor")
		})
	}
}

// explainPresign returns the canonical request and string to sign of the
// presign p through the engine's general canonicaliser (the hot path signs
// the same bytes: the engine's own tests hold them equal), and checks that
// the signature in the hot path's URL is the one explained.
func explainPresign(tb testing.TB, s *sigv4.Signer, p *sigv4.S3Presign) (canonicalRequest, stringToSign string) {
	tb.Helper()
	r := sigv4.Request{Method: http.MethodGet, Host: p.Host, Path: "/" + sigcore.URIEscape(p.Key, true)}
	for i, q := range p.Query {
		if i > 0 {
			r.Query += "&"
		}
		r.Query += sigcore.URIEscape(q.Key, false) + "=" + sigcore.URIEscape(q.Value, false)
	}
	c, err := s.Explain(&r, sigv4.QueryForm, p.Expires)
	if err != nil {
		tb.Fatal(err)
	}
	u, err := s.AppendPresignS3(nil, p)
	if err != nil {
		tb.Fatal(err)
	}
	if got := string(u[len(u)-64:]); got != c.Signature {
		tb.Fatalf("hot path signed %s, the explained canonical request gives %s", got, c.Signature)
	}
	return c.CanonicalRequest, c.StringToSign
}

// TestPresignBlocks pins the block count of the benchmark rows to the
// issue's estimate (about 9 blocks without a token, about 25 with a
// 950-character one), so a change in what the presign hashes is seen.
func TestPresignBlocks(t *testing.T) {
	for _, c := range presignCases {
		s := newEngineSigner(t, c.token, benchTime, benchRegion)
		p := c.row()
		cr, sts := explainPresign(t, s, &p)
		n := presignBlocks(cr, sts)
		t.Logf("%s: canonical request %d bytes, string to sign %d bytes: %d blocks", c.name, len(cr), len(sts), n)
		lo, hi := 7, 11
		if c.token != "" {
			lo, hi = 20, 28
		}
		if n < lo || n > hi {
			t.Errorf("%s: %d blocks, want %d…%d", c.name, n, lo, hi)
		}
	}
}
