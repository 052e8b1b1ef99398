package main

import (
	"fmt"
	"math/rand/v2"
	"strings"
	"unicode/utf8"

	"github.com/batchsign/batchsign/internal/pipeline"
)

// hostile makes the rows of issue 13's whole-run comparison: what a
// manifest of user-named objects holds at its worst, every row valid UTF-8
// (batchsign refuses other keys by design, so every row is signed by both
// sides of the comparison).
type hostile struct {
	r *rand.Rand
}

// newHostile returns a generator of hostile rows seeded with seed.
func newHostile(seed uint64) *hostile {
	return &hostile{r: rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))}
}

// hostileRegions are the four regions rows are signed for.
var hostileRegions = []string{"us-east-1", "eu-west-1", "ap-southeast-2", "sa-east-1"}

// hostileBuckets are DNS-compatible without dots, so every row is
// virtual-hosted in batchsign and in the peer alike.
var hostileBuckets = []string{"acme-uploads", "acme-media-eu", "user-content-archive", "legacy-exports-2019"}

// hostilePieces are what keys are made of: every URI-reserved character
// (gen-delims and sub-delims), the other printable ASCII that SigV4
// escapes, percent signs that look like escapes, slashes and dot segments
// (S3 never normalises), the same text in NFC and NFD, other scripts,
// invisible code points, emoji, and control characters (which JSON
// escapes).
var hostilePieces = []string{
	// Plain.
	"exports", "2026", "11", "part-00042.parquet", "README", "a", "Z", "0", "data.csv", "v1.2.3", "snake_case", "kebab-case",
	// RFC 3986 gen-delims and sub-delims, one by one, then the rest of
	// printable ASCII that is not unreserved.
	":", "/", "?", "#", "[", "]", "@", "!", "$", "&", "'", "(", ")", "*", "+", ",", ";", "=",
	" ", "\"", "%", "<", ">", "\\", "^", "`", "{", "|", "}", "~",
	"a b", "a+b", "a=b&c=d", "q?x=1#frag", "report (final).pdf", "[draft] v2", "user@example.com", "50% off!",
	// Things that look like escapes.
	"%20", "%2F", "%2f", "%25", "%%", "%zz", "100%", "%E2%82%AC", "+%2B+",
	// Slashes and dots.
	"//", "./", "../", "/./", "/../", ".", "..", ".hidden",
	// The same text in NFC and NFD.
	"caf\u00e9", "cafe\u0301", "\u00c5ngstr\u00f6m", "A\u030angstro\u0308m", "\u212b", "\ud55c\uae00", "\u1112\u1161\u11ab\u1100\u1173\u11af",
	"r\u00e9sum\u00e9", "re\u0301sume\u0301", "\u00fcber", "u\u0308ber",
	// Other scripts, compatibility forms, invisible and edge code points.
	"\u65e5\u672c\u8a9e", "\u05e2\u05d1\u05e8\u05d9\u05ea", "\u0627\u0644\u0639\u0631\u0628\u064a\u0629", "\u0440\u0443\u0441\u0441\u043a\u0438\u0439",
	"\ufb01", "\u00df", "\u0130", "\u00a0", "\u200b", "\u200d", "\ufeff", "\u2028", "\ufffd", "\U0010ffff", "\U0001d11e",
	// Emoji.
	"\U0001f600", "\U0001f469\u200d\U0001f469\u200d\U0001f467\u200d\U0001f466", "\U0001f1ef\U0001f1f5", "\U0001f44d\U0001f3fd",
	"\u2764\ufe0f",
	// Control characters.
	"\t", "\n", "\x01", "\x1f", "\x7f", "tab\there",
}

// hostileDispositions are response-content-disposition overrides: quotes,
// semicolons, equals signs, RFC 5987 filename* with its own escapes.
var hostileDispositions = []string{
	`attachment`,
	`inline`,
	`attachment; filename="part 00042 (final).parquet"; size=1024`,
	`attachment; filename="quote\"inside.txt"`,
	`attachment; filename*=UTF-8''r%C3%A9sum%C3%A9.pdf`,
	"attachment; filename=\"r\u00e9sum\u00e9.pdf\"; filename*=UTF-8''r%C3%A9sum%C3%A9.pdf",
	`form-data; name="field"; filename="a;b=c&d.txt"`,
}

// hostileTypes are response-content-type overrides, with parameters,
// quotes and "+".
var hostileTypes = []string{
	"text/plain; charset=utf-8", "application/json", "application/octet-stream",
	`multipart/form-data; boundary="x y+z"`, "image/svg+xml", "text/csv; header=present; charset=\"iso-8859-1\"",
}

// row returns the next row; rows must be asked for in order (0, 1, 2, …).
func (h *hostile) row(i int) pipeline.ManifestRecord {
	r := h.r
	key := h.key(r.IntN(4) == 0)
	exp := int64(60 + r.IntN(7*86400-60))
	rec := pipeline.ManifestRecord{
		ID:      fmt.Sprintf("h-%08d", i),
		Bucket:  hostileBuckets[r.IntN(len(hostileBuckets))],
		Key:     key,
		Region:  hostileRegions[i%len(hostileRegions)],
		Expires: &exp,
	}
	switch r.IntN(30) {
	case 0:
		rec.Method = "PUT"
	case 1:
		rec.Method = "HEAD"
	case 2:
		rec.Method = "DELETE"
	}
	if i%3 == 0 {
		d := hostileDispositions[r.IntN(len(hostileDispositions))]
		if r.IntN(2) == 0 {
			// A file name taken from the key's own hostile text.
			d = "attachment; filename=\"" + strings.ReplaceAll(h.key(false), `"`, `\"`) + "\""
		}
		rec.Query = map[string]string{
			"response-content-disposition": d,
			"response-content-type":        hostileTypes[r.IntN(len(hostileTypes))],
		}
	}
	return rec
}

// key returns a hostile key of 1–12 pieces, or one of exactly 1,024 bytes
// (S3's limit), cut on a rune boundary and padded with ASCII.
func (h *hostile) key(long bool) string {
	r := h.r
	var b strings.Builder
	n := 1 + r.IntN(12)
	for i := 0; long && b.Len() < 1024 || !long && i < n; i++ {
		b.WriteString(hostilePieces[r.IntN(len(hostilePieces))])
		if r.IntN(3) == 0 {
			b.WriteByte('/')
		}
	}
	s := b.String()
	if !long {
		return s
	}
	s = s[:1024]
	for !utf8.ValidString(s) {
		s = s[:len(s)-1]
	}
	return s + strings.Repeat("x", 1024-len(s))
}
