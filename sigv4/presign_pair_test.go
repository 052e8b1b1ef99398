package sigv4

import (
	"fmt"
	"net/url"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/batchsign/batchsign/internal/awssuite"
	"github.com/batchsign/batchsign/internal/sha256block"
)

// hostilePresignRows are the rows of TestPresignS3HotPathMatchesGeneralPath
// (every key with every query and both addressing styles) and rows that must
// fail, each on a different check.
func hostilePresignRows() []S3Presign {
	keys := []string{
		"a b", "a+b=c&d?e#f%g", "(x)~;,", "/leading", "a//b/./c/../d", "ünïcödé/日本", "e\u0301", // NFD
		strings.Repeat("k", 1024), "", "UPPER/lower.txt", "tab\there", "*'!@$", "q\"uote\\back\x00nul\x7fdel\x1b",
	}
	queries := [][]QueryParam{
		nil,
		{{Key: "versionId", Value: "3/L4kqtJl40Nr8X8gdRQBpUMLUo"}},
		{{Key: "response-content-disposition", Value: `attachment; filename="a b.txt"`}, {Key: "response-content-type", Value: "text/plain; charset=utf-8"}},
		{{Key: "Z", Value: "1"}, {Key: "a", Value: "2"}, {Key: "A-b", Value: ""}, {Key: "a", Value: "1"}},
	}
	var rows []S3Presign
	for i, key := range keys {
		for j, q := range queries {
			for _, bucket := range []string{"", "my.bucket"} {
				rows = append(rows, S3Presign{
					Method: []string{"GET", "", "PUT", "HEAD"}[(i+j)%4], Scheme: []string{"", "http", "https"}[i%3],
					Host: []string{"s3.example.com:9000", "b.s3.us-east-1.amazonaws.com", "[::1]:9000"}[(i+j)%3], Bucket: bucket,
					Key: key, Query: q, Expires: []int64{3600, 1, 604800, 86400}[i%4],
				})
			}
		}
	}
	return append(rows,
		S3Presign{Host: "h", Key: "k", Expires: 0},
		S3Presign{Host: "h", Key: "ok\xffbad", Expires: 60},
		S3Presign{Host: "h", Key: "k", Expires: 60, Query: []QueryParam{{Key: "x-amz-credential", Value: "x"}}},
		S3Presign{Host: "h", Key: "k", Expires: 60, Query: []QueryParam{{Key: "v", Value: "\xff"}}},
		S3Presign{Key: "k", Expires: 60},
		S3Presign{Host: "bad host", Key: "k", Expires: 60},
		S3Presign{Host: "h", Scheme: "ftp", Key: "k", Expires: 60},
	)
}

// checkPairMatchesSingles signs rows i and j as a pair with pair and as two
// single calls with single, after distinct prefixes already in the
// destinations, and fails unless URLs and errors are identical.
func checkPairMatchesSingles(t *testing.T, pair, single *Signer, p0, p1 *S3Presign, what string) {
	t.Helper()
	checkPairOfMatchesSingles(t, pair, pair, single, single, p0, p1, what)
}

// checkPairOfMatchesSingles is checkPairMatchesSingles for a row p0 of
// pair0 (single0) and a row p1 of pair1 (single1); one Signer twice goes
// through the method AppendPresignS3Pair.
func checkPairOfMatchesSingles(t *testing.T, pair0, pair1, single0, single1 *Signer, p0, p1 *S3Presign, what string) {
	t.Helper()
	var got0, got1 []byte
	var err0, err1 error
	if pair0 == pair1 {
		got0, got1, err0, err1 = pair0.AppendPresignS3Pair([]byte("row0 "), []byte("row1 "), p0, p1)
	} else {
		got0, got1, err0, err1 = AppendPresignS3PairOf(pair0, pair1, []byte("row0 "), []byte("row1 "), p0, p1)
	}
	want0, werr0 := single0.AppendPresignS3([]byte("row0 "), p0)
	want1, werr1 := single1.AppendPresignS3([]byte("row1 "), p1)
	if string(got0) != string(want0) || string(got1) != string(want1) || fmt.Sprint(err0) != fmt.Sprint(werr0) || fmt.Sprint(err1) != fmt.Sprint(werr1) {
		t.Fatalf("%s: pair\n%s (%v)\n%s (%v)\nsingles\n%s (%v)\n%s (%v)", what, got0, err0, got1, err1, want0, werr0, want1, werr1)
	}
	checkPlainURL(t, got0[len("row0 "):], what)
	checkPlainURL(t, got1[len("row1 "):], what)
}

// checkPlainURL fails unless u, an S3 presigned URL (or nothing, after an
// error), is printable ASCII without '"' or '\\': the pipeline's NDJSON
// writer copies such URLs into JSON strings without looking
// (pipeline.plainURLValue).
func checkPlainURL(t *testing.T, u []byte, what string) {
	t.Helper()
	for i, c := range u {
		if c <= ' ' || c >= 0x7f || c == '"' || c == '\\' {
			t.Fatalf("%s: URL byte %d is %q: %s", what, i, c, u)
		}
	}
}

// TestPresignS3PairMatchesSingles: under every SHA-256 backend, with and
// without a 960-byte session token, every hostile row paired with others
// (the next row, a row far away, itself, and the failing rows on either
// side) signs exactly as AppendPresignS3 does, byte for byte, errors
// included.
func TestPresignS3PairMatchesSingles(t *testing.T) {
	rows := hostilePresignRows()
	sha256block.ForEachBackend(func(name string) {
		t.Run(name, func(t *testing.T) {
			for _, token := range []string{"", strings.Repeat("T/+=", 240)} {
				pair, single := newS3Signer(t, token), newS3Signer(t, token)
				if name == "block" && !pair.useBlock {
					t.Fatal("block backend, but the signer does not hash on sha256block")
				}
				for i := range rows {
					for _, j := range []int{(i + 1) % len(rows), (i * 37) % len(rows), i, len(rows) - 1 - i} {
						checkPairMatchesSingles(t, pair, single, &rows[i], &rows[j], fmt.Sprintf("rows %d, %d, token %d", i, j, len(token)))
					}
				}
			}
		})
	})
}

// TestPresignS3PairOfTwoSignersMatchesSingles: rows of two Signers (other
// regions, other credentials, a session token, a region long enough that
// the two strings to sign differ in blocks, a variant) signed as a pair by
// AppendPresignS3PairOf are byte for byte, errors included, each Signer's
// AppendPresignS3 of its row, under every SHA-256 backend; rows are paired
// with the next row, one far away and a failing one.
func TestPresignS3PairOfTwoSignersMatchesSingles(t *testing.T) {
	rows := hostilePresignRows()
	other := Credentials{AccessKeyID: "AKIDOTHER", SecretAccessKey: "other/secret", SessionToken: strings.Repeat("T/+=", 240)}
	type spec struct {
		c      Credentials
		region string
		sign   func(dst, digest []byte) []byte // a variant when not nil
	}
	specs := []spec{
		{docCreds, "us-east-1", nil}, {docCreds, "eu-west-1", nil}, {other, "ap-southeast-2", nil},
		{docCreds, strings.Repeat("r", 70), nil},
		{docCreds, "", func(dst, digest []byte) []byte { return fmt.Appendf(dst, "%x", digest) }},
	}
	newSigners := func(t *testing.T) []*Signer {
		var ss []*Signer
		for _, sp := range specs {
			var s *Signer
			var err error
			if sp.sign != nil {
				s, err = NewVariantSigner(sp.c, docTime, Options{Service: "s3"}, Variant{Algorithm: "A", Scope: "S", RegionSet: "*", Sign: sp.sign})
			} else {
				s, err = NewSigner(sp.c, nil, docTime, Options{Region: sp.region, Service: "s3"})
			}
			if err != nil {
				t.Fatal(err)
			}
			ss = append(ss, s)
		}
		return ss
	}
	sha256block.ForEachBackend(func(name string) {
		t.Run(name, func(t *testing.T) {
			pair, single := newSigners(t), newSigners(t)
			for a := range specs {
				for b := range specs {
					for i := range rows {
						for _, j := range []int{(i + 1) % len(rows), (i * 37) % len(rows), len(rows) - 1 - i%7} {
							checkPairOfMatchesSingles(t, pair[a], pair[b], single[a], single[b], &rows[i], &rows[j], fmt.Sprintf("signers %d, %d, rows %d, %d", a, b, i, j))
						}
					}
				}
			}
		})
	})
}

// TestPresignS3PairEveryPrefixLength: region lengths from 1 to 80 move the
// string-to-sign prefix across every offset in a block, so both lanes' HMAC
// inner messages take one, two and three padded blocks; each lane must sign
// as AppendPresignS3 does, which TestPresignS3EveryBackendEveryPrefixLength
// holds to the reference HMAC.
func TestPresignS3PairEveryPrefixLength(t *testing.T) {
	for n := 1; n <= 80; n++ {
		region := strings.Repeat("r", n)
		key := DeriveKey(docCreds.SecretAccessKey, docTime, region, "s3")
		pair, err := NewSigner(docCreds, key, docTime, Options{Region: region, Service: "s3"})
		if err != nil {
			t.Fatal(err)
		}
		single, _ := NewSigner(docCreds, key, docTime, Options{Region: region, Service: "s3"})
		p0 := S3Presign{Host: "b.s3.amazonaws.com", Key: strings.Repeat("k", (n*7)%200), Expires: 3600}
		p1 := S3Presign{Host: "b.s3.amazonaws.com", Key: strings.Repeat("j", (n*13)%200), Expires: 60}
		checkPairMatchesSingles(t, pair, single, &p0, &p1, fmt.Sprintf("region length %d", n))
	}
}

// TestPresignS3PairDocumentationURL: the published §5 URL (aeeed9bb…) from
// either lane, beside a row of another length.
func TestPresignS3PairDocumentationURL(t *testing.T) {
	want := readDocSections(t)["5"].url
	if want == "" {
		t.Fatal("§5 URL not found")
	}
	doc := S3Presign{Host: "examplebucket.s3.amazonaws.com", Key: "test.txt", Expires: 86400}
	other := S3Presign{Host: "examplebucket.s3.amazonaws.com", Key: strings.Repeat("long/", 60), Expires: 60}
	s := newS3Signer(t, "")
	for _, pr := range [][2]*S3Presign{{&doc, &other}, {&other, &doc}, {&doc, &doc}} {
		u0, u1, err0, err1 := s.AppendPresignS3Pair(nil, nil, pr[0], pr[1])
		if err0 != nil || err1 != nil {
			t.Fatal(err0, err1)
		}
		if pr[0] == &doc {
			awssuite.Expect(t, "URL (lane 0)", string(u0), want)
		}
		if pr[1] == &doc {
			awssuite.Expect(t, "URL (lane 1)", string(u1), want)
		}
	}
}

// TestPresignS3PairSuiteRows: the official SigV4 suite's requests as S3
// presigns (their credentials, instants, regions, methods, paths as object
// keys and queries as parameters; the suite's own signatures are for
// generic-service header lists and payloads that S3Presign does not sign),
// each paired with the next case's row, sign as AppendPresignS3 does.
func TestPresignS3PairSuiteRows(t *testing.T) {
	dirs, err := filepath.Glob(filepath.Join(suiteRoot, "*"))
	if err != nil || len(dirs) != 38 {
		t.Fatalf("suite cases under %s: %d, %v", suiteRoot, len(dirs), err)
	}
	type suiteRow struct {
		creds Credentials
		t     time.Time
		reg   string
		p     S3Presign
	}
	var rows []suiteRow
	for _, dir := range dirs {
		ctx, ts := awssuite.ReadContext(t, dir)
		rr := awssuite.ParseRequest(t, awssuite.ReadFile(t, dir, "request.txt"))
		key, err := url.PathUnescape(strings.TrimPrefix(rr.Path, "/"))
		if err != nil {
			key = rr.Path
		}
		vals, _ := url.ParseQuery(rr.Query)
		var q []QueryParam
		names := make([]string, 0, len(vals))
		for k := range vals {
			names = append(names, k)
		}
		sort.Strings(names)
		for _, k := range names {
			for _, v := range vals[k] {
				q = append(q, QueryParam{Key: k, Value: v})
			}
		}
		rows = append(rows, suiteRow{
			creds: Credentials{AccessKeyID: ctx.Credentials.AccessKeyID, SecretAccessKey: ctx.Credentials.SecretAccessKey, SessionToken: ctx.Credentials.Token},
			t:     ts, reg: ctx.Region,
			p: S3Presign{Method: rr.Method, Host: rr.Host, Key: key, Query: q, Expires: max(ctx.Expiration, 1)},
		})
	}
	for i, r := range rows {
		opts := Options{Region: r.reg, Service: "s3"}
		pair, err := NewSigner(r.creds, nil, r.t, opts)
		if err != nil {
			t.Fatal(err)
		}
		single, _ := NewSigner(r.creds, nil, r.t, opts)
		next := rows[(i+1)%len(rows)].p
		checkPairMatchesSingles(t, pair, single, &r.p, &next, filepath.Base(dirs[i]))
		checkPairMatchesSingles(t, pair, single, &next, &r.p, filepath.Base(dirs[i])+" (second lane)")
	}
}

// TestPresignS3PairAllocatesNothing: the pair path keeps AppendPresignS3's
// contract of zero allocations per URL in steady state.
func TestPresignS3PairAllocatesNothing(t *testing.T) {
	for _, token := range []string{"", strings.Repeat("x", 950)} {
		s := newS3Signer(t, token)
		p0 := S3Presign{Host: "examplebucket.s3.amazonaws.com", Key: "reports/2026/11/report 1.csv",
			Query: []QueryParam{{Key: "response-content-disposition", Value: "attachment"}}, Expires: 3600}
		p1 := S3Presign{Host: "examplebucket.s3.amazonaws.com", Key: "exports/part-00042.parquet", Expires: 86400}
		dst0, dst1 := make([]byte, 0, 4096), make([]byte, 0, 4096)
		if _, _, err0, err1 := s.AppendPresignS3Pair(dst0, dst1, &p0, &p1); err0 != nil || err1 != nil {
			t.Fatal(err0, err1)
		}
		n := testing.AllocsPerRun(200, func() {
			if _, _, err0, err1 := s.AppendPresignS3Pair(dst0[:0], dst1[:0], &p0, &p1); err0 != nil || err1 != nil {
				t.Fatal(err0, err1)
			}
		})
		if n != 0 {
			t.Errorf("token length %d: %v allocations per pair, want 0", len(token), n)
		}
	}
}

// BenchmarkPresignS3Pair compares a pair of presigns (path=pair) with the
// same two rows signed one at a time (path=single), for `benchstat -col
// /path`; ns/op is per two URLs.
func BenchmarkPresignS3Pair(b *testing.B) {
	p0 := S3Presign{Host: "examplebucket.s3.us-east-1.amazonaws.com", Key: "exports/2026/11/23/part-00042.parquet", Expires: 3600}
	p1 := S3Presign{Host: "examplebucket.s3.us-east-1.amazonaws.com", Key: "exports/2026/11/23/part-00043.parquet", Expires: 3600}
	ov := []QueryParam{{Key: "response-content-disposition", Value: `attachment; filename="part 42.parquet"`}, {Key: "response-content-type", Value: "application/octet-stream"}}
	for _, bc := range []struct {
		name, token string
		query       []QueryParam
	}{{"NoToken", "", nil}, {"Token950", strings.Repeat("x", 950), nil}, {"Overrides", "", ov}} {
		q0, q1 := p0, p1
		q0.Query, q1.Query = bc.query, bc.query
		for _, path := range []string{"single", "pair"} {
			b.Run(bc.name+"/path="+path, func(b *testing.B) {
				s := newS3Signer(b, bc.token)
				dst0, dst1 := make([]byte, 0, 4096), make([]byte, 0, 4096)
				b.ReportAllocs()
				if path == "pair" {
					for b.Loop() {
						dst0, dst1, _, _ = s.AppendPresignS3Pair(dst0[:0], dst1[:0], &q0, &q1)
					}
					return
				}
				for b.Loop() {
					dst0, _ = s.AppendPresignS3(dst0[:0], &q0)
					dst1, _ = s.AppendPresignS3(dst1[:0], &q1)
				}
			})
		}
	}
}

// BenchmarkPresignS3PairRatio measures BenchmarkPresignS3Pair's comparison
// in a form that survives a busy machine: each iteration times a window of
// 100 pairs signed one row at a time, then 100 signed as pairs, and it
// reports the median ns per URL of each and the ratios pair/single (median
// windows and fastest windows).
func BenchmarkPresignS3PairRatio(b *testing.B) {
	p0 := S3Presign{Host: "examplebucket.s3.us-east-1.amazonaws.com", Key: "exports/2026/11/23/part-00042.parquet", Expires: 3600}
	p1 := S3Presign{Host: "examplebucket.s3.us-east-1.amazonaws.com", Key: "exports/2026/11/23/part-00043.parquet", Expires: 3600}
	ov := []QueryParam{{Key: "response-content-disposition", Value: `attachment; filename="part 42.parquet"`}, {Key: "response-content-type", Value: "application/octet-stream"}}
	for _, bc := range []struct {
		name, token string
		query       []QueryParam
	}{{"NoToken", "", nil}, {"Token950", strings.Repeat("x", 950), nil}, {"Overrides", "", ov}} {
		q0, q1 := p0, p1
		q0.Query, q1.Query = bc.query, bc.query
		b.Run(bc.name, func(b *testing.B) {
			s := newS3Signer(b, bc.token)
			dst0, dst1 := make([]byte, 0, 4096), make([]byte, 0, 4096)
			const window = 100
			var ts, tp []float64
			for b.Loop() {
				start := time.Now()
				for range window {
					dst0, _ = s.AppendPresignS3(dst0[:0], &q0)
					dst1, _ = s.AppendPresignS3(dst1[:0], &q1)
				}
				mid := time.Now()
				for range window {
					dst0, dst1, _, _ = s.AppendPresignS3Pair(dst0[:0], dst1[:0], &q0, &q1)
				}
				end := time.Now()
				ts = append(ts, float64(mid.Sub(start).Nanoseconds())/(2*window))
				tp = append(tp, float64(end.Sub(mid).Nanoseconds())/(2*window))
			}
			slices.Sort(ts)
			slices.Sort(tp)
			b.ReportMetric(ts[len(ts)/2], "med-ns/URL-single")
			b.ReportMetric(tp[len(tp)/2], "med-ns/URL-pair")
			b.ReportMetric(tp[len(tp)/2]/ts[len(ts)/2], "med-pair/single")
			b.ReportMetric(tp[0]/ts[0], "min-pair/single")
		})
	}
}

// FuzzPresignS3Pair: for any two rows (keys, a parameter, expiries, which may
// be invalid), the pair path appends and fails exactly as two AppendPresignS3
// calls do.
func FuzzPresignS3Pair(f *testing.F) {
	f.Add("a b/c", "ünïcödé/日本", "versionId", "v1", int64(3600), int64(60))
	f.Add(strings.Repeat("k", 300), "", "response-content-type", "text/plain; charset=utf-8", int64(604800), int64(1))
	f.Add("ok\xffbad", "x", "X-Amz-Signature", "", int64(0), int64(604801))
	pair, single := newS3Signer(f, "tok/en="), newS3Signer(f, "tok/en=")
	// A second Signer (another region and key, no token) for rows of two.
	pairEU, err := NewSigner(docCreds, nil, docTime, Options{Region: "eu-west-1", Service: "s3"})
	if err != nil {
		f.Fatal(err)
	}
	singleEU, _ := NewSigner(docCreds, nil, docTime, Options{Region: "eu-west-1", Service: "s3"})
	f.Fuzz(func(t *testing.T, key0, key1, qk, qv string, exp0, exp1 int64) {
		p0 := S3Presign{Host: "b.s3.amazonaws.com", Key: key0, Expires: exp0}
		p1 := S3Presign{Host: "s3.example.com:9000", Bucket: "bkt", Key: key1, Expires: exp1}
		if qk != "" {
			p1.Query = []QueryParam{{Key: qk, Value: qv}}
		}
		checkPairMatchesSingles(t, pair, single, &p0, &p1, "fuzzed rows")
		checkPairMatchesSingles(t, pair, single, &p1, &p0, "fuzzed rows swapped")
		checkPairOfMatchesSingles(t, pairEU, pair, singleEU, single, &p0, &p1, "fuzzed rows, two Signers")
	})
}
