package amzauth

import (
	"fmt"
	"strconv"
	"strings"
	"testing"

	"github.com/batchsign/batchsign/internal/sigcore"
	"github.com/batchsign/batchsign/sigerr"
)

// paramByName and parsePresignedByCut are param and ParsePresigned as
// they were first written, a strings.Cut per parameter and a comparison
// per name: the references the one-pass parser must agree with.
func (f Family) paramByName(k string) int {
	if len(k) < len("X-Amz-Date") || k[:6] != "X-Amz-" {
		return -1 // most names of a query, decided without a comparison each
	}
	for i, name := range paramNames {
		if k == name && (i != pRegionSet || f == SigV4a) {
			return i
		}
	}
	return -1
}
func (f Family) parsePresignedByCut(query string, rest []byte) (Presigned, []byte, error) {
	var vals [nParams]string
	var seen [nParams]bool
	for query != "" {
		var part string
		part, query, _ = strings.Cut(query, "&")
		if part == "" {
			continue
		}
		k, val, _ := strings.Cut(part, "=")
		dk, err := sigcore.URIUnescape(k)
		if err != nil {
			return Presigned{}, rest, f.fail(sigerr.ErrMalformed, "query", err.Error())
		}
		i := f.paramByName(dk)
		if i < 0 {
			if len(rest) > 0 {
				rest = append(rest, '&')
			}
			rest = append(rest, part...)
			continue
		}
		if seen[i] {
			return Presigned{}, rest, f.fail(sigerr.ErrMalformed, dk, "given twice")
		}
		seen[i] = true
		if i == pCredential { // decoded part by part (parseEscapedScope)
			err = sigcore.CheckEscapes(val)
			vals[i] = val
		} else {
			vals[i], err = sigcore.URIUnescape(val)
		}
		if err != nil {
			return Presigned{}, rest, f.fail(sigerr.ErrMalformed, dk, err.Error())
		}
	}
	for i, v := range vals[:pToken] {
		if v == "" && (i != pRegionSet || f == SigV4a) {
			return Presigned{}, rest, f.fail(sigerr.ErrMalformed, paramNames[i], "missing")
		}
	}
	if alg := vals[pAlgorithm]; alg != f.Algorithm() {
		return Presigned{}, rest, f.fail(sigerr.ErrMalformed, "X-Amz-Algorithm", "unsupported algorithm "+f.quote(alg))
	}
	p := Presigned{SignedHeaders: vals[pSignedHeaders], Signature: vals[pSignature], Token: vals[pToken], RegionSet: vals[pRegionSet]}
	var ok bool
	if p.Scope, ok = f.parseEscapedScope(vals[pCredential]); !ok {
		return Presigned{}, rest, f.fail(sigerr.ErrMalformed, "X-Amz-Credential", "not "+f.scopeForm())
	}
	var err error
	if p.Date, err = parseDate(vals[pDate]); err != nil {
		return Presigned{}, rest, f.fail(sigerr.ErrMalformed, "X-Amz-Date", "not 20060102T150405Z")
	}
	p.Expires, err = strconv.ParseInt(vals[pExpires], 10, 64)
	if err != nil || p.Expires < 1 || p.Expires > maxExpires {
		return Presigned{}, rest, f.fail(sigerr.ErrMalformed, "X-Amz-Expires", "must be 1…604800 seconds")
	}
	return p, rest, nil
}

// checkParsePresigned: parsePresigned, copying or not, is
// parsePresignedByCut (the same Presigned, rest and error), and Rest is
// the run of the query that holds exactly the other parameters, unless an
// authentication parameter sits among them (RestSplit).
func checkParsePresigned(t *testing.T, query string) {
	t.Helper()
	for _, f := range []Family{SigV4, SigV4a} {
		want, wantRest, wantErr := f.parsePresignedByCut(query, []byte("x"))
		got, gotRest, err := f.ParsePresigned(query, []byte("x"))
		read, readErr := got, err
		if sigcore.CheckEscapes(query) == nil { // ReadPresigned's precondition
			read, readErr = f.ReadPresigned(&sigcore.URL{RawQuery: query})
			// ReadPresignedMemo reads the same, its credential unseen, seen,
			// and seen among others.
			for _, m := range []*ScopeMemo{new(ScopeMemo), testScopeMemo} {
				for range 2 {
					memoRead, memoErr := f.ReadPresignedMemo(&sigcore.URL{RawQuery: query}, m)
					if memoRead != read || errText(memoErr) != errText(readErr) {
						t.Fatalf("%v %q: ReadPresignedMemo %+v, %v; ReadPresigned %+v, %v", f, query, memoRead, memoErr, read, readErr)
					}
				}
			}
		}
		if (err == nil) != (wantErr == nil) || (err != nil && err.Error() != wantErr.Error()) ||
			(readErr == nil) != (wantErr == nil) || (readErr != nil && readErr.Error() != wantErr.Error()) {
			t.Fatalf("%v %q: errors %v, %v; by Cut %v", f, query, err, readErr, wantErr)
		}
		if string(gotRest) != string(wantRest) {
			t.Fatalf("%v %q: rest %q, by Cut %q", f, query, gotRest, wantRest)
		}
		if err != nil {
			continue
		}
		if got != read {
			t.Fatalf("%v %q: ParsePresigned %+v, ReadPresigned %+v", f, query, got, read)
		}
		run, split := got.Rest, got.RestSplit
		got.Rest, got.RestSplit = "", false
		if got != want {
			t.Fatalf("%v %q: %+v, by Cut %+v", f, query, got, want)
		}
		// The others run from the first parameter not IsParam's to the last;
		// the run is split when an authentication parameter sits inside.
		parts := strings.Split(query, "&")
		isParam := func(part string) bool {
			k, _, _ := strings.Cut(part, "=")
			dk, _ := sigcore.URIUnescape(k)
			return f.IsParam(dk)
		}
		first, last := -1, -1
		for n, part := range parts {
			if part != "" && !isParam(part) {
				if first < 0 {
					first = n
				}
				last = n
			}
		}
		wantSplit, wantRun := false, ""
		if first >= 0 {
			for _, part := range parts[first:last] {
				wantSplit = wantSplit || (part != "" && isParam(part))
			}
			if !wantSplit {
				wantRun = strings.Join(parts[first:last+1], "&")
			}
		}
		if split != wantSplit || run != wantRun {
			t.Fatalf("%v %q: Rest %q, RestSplit %v; want %q, %v", f, query, run, split, wantRun, wantSplit)
		}
	}
}

// presignedQueries are queries as signers write them and as they should
// not: every parameter missing, twice, escaped, empty, out of order.
var presignedQueries = []string{
	"X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AKIAIOSFODNN7EXAMPLE%2F20130524%2Fus-east-1%2Fs3%2Faws4_request&X-Amz-Date=20130524T000000Z&X-Amz-Expires=86400&X-Amz-SignedHeaders=host&X-Amz-Signature=aeeed9bbccd4d02ee5c0109b86d86835f995330da4c265957d157751f604d404",
	"X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AKID%2F20130524%2Fus-east-1%2Fs3%2Faws4_request&X-Amz-Date=20130524T000000Z&X-Amz-Expires=86400&X-Amz-SignedHeaders=host&response-content-disposition=attachment%3B%20filename%3D%22a.txt%22&versionId=v1&X-Amz-Signature=00",
	"versionId=v1&X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AKID%2F20130524%2Fus-east-1%2Fs3%2Faws4_request&X-Amz-Date=20130524T000000Z&X-Amz-Expires=86400&X-Amz-SignedHeaders=host&X-Amz-Signature=00&acl",
	"a=1&&b=2&X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AKID%2F20130524%2Fus-east-1%2Fs3%2Faws4_request&X-Amz-Date=20130524T000000Z&X-Amz-Expires=1&X-Amz-SignedHeaders=host&X-Amz-Signature=00&&",
	"&X-Amz-Algorithm=AWS4-ECDSA-P256-SHA256&X-Amz-Credential=AKID%2F20130524%2Fs3%2Faws4_request&X-Amz-Region-Set=us-east-1%2Ceu-west-1&X-Amz-Date=20130524T000000Z&X-Amz-Expires=604800&X-Amz-SignedHeaders=host%3Brange&X-Amz-Security-Token=tok%2B%2F&X-Amz-Signature=00",
	"X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AKID/20130524/us-east-1/s3/aws4_request&X-Amz-Date=20130524T000000Z&X-Amz-Expires=604801&X-Amz-SignedHeaders=host&X-Amz-Signature=00",
	"X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AKID%2F20130524%2Fus-east-1%2Fs3%2Faws4_request&X-Amz-Date=20130524T000000Z&X-Amz-Expires=0&X-Amz-SignedHeaders=host&X-Amz-Signature=00",
	"X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AKID%2F20130524%2Fus-east-1%2Fs3%2Faws4_request&X-Amz-Date=20130524T000000Z&X-Amz-Expires=+60&X-Amz-SignedHeaders=host&X-Amz-Signature=00&X-Amz-Signature=00",
	"X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AKID%2F20130524%2Fus-east-1%2Fs3%2Faws4_request&X-Amz-Dat%65=20130524T000000Z&X-Amz-Expires=60&X-Amz-SignedHeaders=host&X-Amz-Signature=00&x-amz-date=1",
	"X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AKID%2F20130524%2Fus-east-1%2Fs3%2Faws4_request&X-Amz-Date=20130524T000000Z&X-Amz-Expires=60&X-Amz-SignedHeaders=host&X-Amz-Signature=%zz",
	"X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AKID%2F20130524%2Fus-east-1%2Fs3%2Faws4_request&X-Amz-Date=20130524T000000Z&X-Amz-Expires=60&X-Amz-SignedHeaders=host&X-Amz-Signature=00&%zz=1",
	"X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AKID%2F20130524%2Fus-east-1%2Fs3%2Faws4_request&X-Amz-Date=20130524T000000.5Z&X-Amz-Expires=60&X-Amz-SignedHeaders=host&X-Amz-Signature=00",
	"X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AKID%2F20130524%2Fus-east-1%2Fs3%2Faws4_request&X-Amz-Date=&X-Amz-Expires=60&X-Amz-SignedHeaders=host&X-Amz-Signature=00",
	"X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AKID%2F20130524%2Fus-east-1%2Fs3%2Faws4_request&X-Amz-Date&X-Amz-Expires=60&X-Amz-SignedHeaders=host&X-Amz-Signature=00",
	"X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AKID%2F20130524%2Fus-east-1%2Fs3%2Faws4_request&X-Amz-Date=20130524T000000Z&X-Amz-Expires=60&X-Amz-SignedHeaders=host&X-Amz-Signature=00&X-Amz-Region-Set=a&X-Amz-Foo=1",
	"X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AKID%2f20130524%2FUS%2deast-1%2Fs3%2Faws4_request&X-Amz-Date=20130524T000000Z&X-Amz-Expires=60&X-Amz-SignedHeaders=host&X-Amz-Signature=00",
	"X-Amz-Algorithm=AWS4-HMAC-SHA25&X-Amz-Credential=AKID%2F20130524%2Fus-east-1%2Fs3%2Faws4_request&X-Amz-Date=20130524T000000Z&X-Amz-Expires=60&X-Amz-SignedHeaders=host&X-Amz-Signature=00",
	"", "&", "=", "X-Amz-", "X-Amz-Algorithm", "%58-Amz-Algorithm=AWS4-HMAC-SHA256",
}

func TestParsePresignedIsParseByCut(t *testing.T) {
	for _, q := range presignedQueries {
		checkParsePresigned(t, q)
		// Each parameter moved to the front, and each one dropped.
		parts := strings.Split(q, "&")
		for n := range parts {
			moved := append([]string{parts[n]}, append(append([]string(nil), parts[:n]...), parts[n+1:]...)...)
			checkParsePresigned(t, strings.Join(moved, "&"))
			checkParsePresigned(t, strings.Join(append(append([]string(nil), parts[:n]...), parts[n+1:]...), "&"))
		}
	}
}

// TestReadPresignedAllocatesNothing: a verifier reads every URL's query.
func TestReadPresignedAllocatesNothing(t *testing.T) {
	u := sigcore.URL{RawQuery: presignedQueries[1]}
	if n := testing.AllocsPerRun(100, func() { _, _ = SigV4.ReadPresigned(&u) }); n != 0 {
		t.Errorf("%v allocations, want 0", n)
	}
}

func FuzzParsePresigned(f *testing.F) {
	for _, q := range presignedQueries {
		f.Add(q)
	}
	f.Fuzz(checkParsePresigned)
}

func BenchmarkReadPresigned(b *testing.B) {
	u := sigcore.URL{RawQuery: presignedQueries[1]}
	b.SetBytes(int64(len(u.RawQuery)))
	for b.Loop() {
		if _, err := SigV4.ReadPresigned(&u); err != nil {
			b.Fatal(err)
		}
	}
}

// testScopeMemo is shared by every checkParsePresigned, so that the
// credentials of many queries come and go in it.
var testScopeMemo = new(ScopeMemo)

// errText is err's text, "" for nil.
func errText(err error) string {
	if err == nil {
		return ""
	}
	return err.Error()
}

// TestScopeMemoRotates: more credentials than slots, in turn and again,
// each read as without the memo; a hit allocates nothing.
func TestScopeMemoRotates(t *testing.T) {
	var m ScopeMemo
	for round := range 3 {
		for i := range 2*scopeMemoSlots + 1 {
			q := fmt.Sprintf("X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AK%d%%2F20130524%%2Fr-%d%%2Fs3%%2Faws4_request"+
				"&X-Amz-Date=20130524T000000Z&X-Amz-Expires=60&X-Amz-SignedHeaders=host&X-Amz-Signature=00", i, i%5)
			u := sigcore.URL{RawQuery: q}
			want, werr := SigV4.ReadPresigned(&u)
			got, err := SigV4.ReadPresignedMemo(&u, &m)
			if got != want || err != nil || werr != nil {
				t.Fatalf("round %d, %d: %+v %v, want %+v %v", round, i, got, err, want, werr)
			}
		}
	}
	u := sigcore.URL{RawQuery: "X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AK0%2F20130524%2Fr-0%2Fs3%2Faws4_request" +
		"&X-Amz-Date=20130524T000000Z&X-Amz-Expires=60&X-Amz-SignedHeaders=host&X-Amz-Signature=00"}
	if n := testing.AllocsPerRun(100, func() { _, _ = SigV4.ReadPresignedMemo(&u, &m) }); n != 0 {
		t.Errorf("%v allocations on a hit", n)
	}
}
