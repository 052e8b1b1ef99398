package bench

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/batchsign/batchsign/internal/sigcore"
	"github.com/batchsign/batchsign/sigerr"
	"github.com/batchsign/batchsign/sigv4"

	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	"github.com/aws/smithy-go/logging"
)

// diffTime is the pinned instant of the differential tests, one second
// before UTC midnight: the date in the scope and in X-Amz-Date must agree.
var diffTime = time.Date(2026, 11, 23, 23, 59, 59, 0, time.UTC)

// diffRowCount is the differential's size: the 100,000 rows, or
// 5,000 with -short.
func diffRowCount() int {
	if testing.Short() {
		return 5000
	}
	return 100000
}

// engineSigners hands out one batchsign Signer per (token, region), as a
// batch run keeps one per credential scope, with keys from one keycache.
type engineSigners struct {
	t     time.Time
	cache *sigv4.KeyCache
	m     map[[2]int]*sigv4.Signer
}

func newEngineSigners(t time.Time) *engineSigners {
	return &engineSigners{t: t, cache: sigv4.NewKeyCache(0), m: map[[2]int]*sigv4.Signer{}}
}

func (e *engineSigners) get(tb testing.TB, token int, region string) *sigv4.Signer {
	ri := -1
	for i, r := range diffRegions {
		if r == region {
			ri = i
		}
	}
	k := [2]int{token, ri}
	if s := e.m[k]; s != nil {
		return s
	}
	s, err := engineSigner(e.cache, diffTokens[token], e.t, region)
	if err != nil {
		tb.Fatal(err)
	}
	e.m[k] = s
	return s
}

// mismatches collects disagreements, keeps the first few in full and counts
// all of them by kind, so one failure message shows the pattern.
type mismatches struct {
	byKind   map[string]int
	examples []string
}

func (m *mismatches) add(kind, detail string) {
	if m.byKind == nil {
		m.byKind = map[string]int{}
	}
	m.byKind[kind]++
	if len(m.examples) < 5 {
		m.examples = append(m.examples, kind+":\n"+detail)
	}
}

func (m *mismatches) report(t *testing.T, compared int) {
	t.Helper()
	if len(m.byKind) == 0 {
		return
	}
	t.Errorf("%d of %d rows disagree: %v", total(m.byKind), compared, m.byKind)
	for _, e := range m.examples {
		t.Log(e)
	}
}

func total(m map[string]int) (n int) {
	for _, v := range m {
		n += v
	}
	return n
}

// TestDifferentialAgainstAWSSDK signs 100,000 generated rows (5,000 with
// -short) with batchsign and with aws-sdk-go-v2, configured as its S3
// client configures it, at one pinned instant, and demands byte-identical
// presigned URLs: same path bytes, same canonical query in the same order,
// same signature. The rows are hostile on purpose (see rows_test.go): keys
// with every reserved character, fake escapes, '//' and dot segments, NFC
// and NFD forms, emoji, control characters and 1,024 bytes; response
// overrides with quotes and semicolons; repeated and oddly ordered extra
// parameters; five session tokens; five regions; path-style and
// virtual-hosted addressing. Each row is also signed for an Authorization
// header (SignHeaders against SignHTTP) with its payload hash and headers.
//
// Rows whose key or query value is not UTF-8 are not compared: batchsign
// refuses them by design (the test checks that it does, with
// sigerr.ErrInvalidUTF8), where the SDK signs whatever bytes it is given.
func TestDifferentialAgainstAWSSDK(t *testing.T) {
	rows := genRows(diffRowCount())
	signers := newEngineSigners(diffTime)
	sdk := v4.NewSigner()
	var presign, header mismatches
	var compared, refused int
	var buf []byte
	for i := range rows {
		row := &rows[i]
		s := signers.get(t, row.token, row.region)
		creds := sdkCredentials(diffTokens[row.token])

		var err error
		buf, err = s.AppendPresignS3(buf[:0], &row.p)
		if row.badUTF8 {
			if !errors.Is(err, sigerr.ErrInvalidUTF8) {
				t.Errorf("row %d: key %q: batchsign signed a key that is not UTF-8 (err %v)", row.n, row.p.Key, err)
			}
			refused++
			continue
		}
		if err != nil {
			t.Fatalf("row %d: batchsign: %v", row.n, err)
		}
		want, err := sdkPresign(sdk, creds, &row.p, row.region, diffTime)
		if err != nil {
			t.Fatalf("row %d: aws-sdk-go-v2: %v", row.n, err)
		}
		if got := string(buf); got != want {
			presign.add(classify(got, want), explainRow(t, row, s, creds, got, want))
		}

		gotAuth, wantAuth := headerAuth(t, s, row), sdkHeaderAuth(t, sdk, creds, row)
		if gotAuth != wantAuth {
			header.add("Authorization", fmt.Sprintf("row %d key %q query %q\n  batchsign: %s\n  awssdk:    %s", row.n, row.p.Key, row.p.Query, gotAuth, wantAuth))
		}
		compared++
	}
	t.Logf("%d rows: %d compared (presigned URL and Authorization header), %d refused by batchsign as not UTF-8", len(rows), compared, refused)
	presign.report(t, compared)
	header.report(t, compared)
}

// classify names the first part of two presigned URLs that differs.
func classify(got, want string) string {
	gu, err1 := url.Parse(got)
	wu, err2 := url.Parse(want)
	switch {
	case err1 != nil || err2 != nil:
		return "unparsable URL"
	case gu.Scheme != wu.Scheme || gu.Host != wu.Host:
		return "scheme or host"
	case gu.EscapedPath() != wu.EscapedPath():
		return "path"
	}
	gq, _, _ := strings.Cut(gu.RawQuery, "&X-Amz-Signature=")
	wq, _, _ := strings.Cut(wu.RawQuery, "&X-Amz-Signature=")
	if gq != wq {
		return "canonical query"
	}
	return "signature only"
}

// explainRow renders a disagreement with both canonical requests: batchsign's
// from Explain, the SDK's from its signing log.
func explainRow(t *testing.T, row *diffRow, s *sigv4.Signer, creds awsCreds, got, want string) string {
	var sdkLog strings.Builder
	logger := logging.LoggerFunc(func(_ logging.Classification, format string, v ...any) { fmt.Fprintf(&sdkLog, format, v...) })
	_, _, _ = v4.NewSigner().PresignHTTP(context.Background(), creds, sdkPresignRequest(&row.p), sigv4.UnsignedPayload, "s3", row.region, diffTime,
		sdkS3Options, func(o *v4.SignerOptions) { o.LogSigning, o.Logger = true, logger })
	r := sigv4.Request{Method: row.p.Method, Host: row.p.Host, Path: engineWirePath(&row.p), Query: engineWireQuery(row.p.Query)}
	if r.Method == "" {
		r.Method = http.MethodGet
	}
	c, err := s.Explain(&r, sigv4.QueryForm, row.p.Expires)
	return fmt.Sprintf("row %d key %q query %q\n  batchsign: %s\n  awssdk:    %s\n--- batchsign canonical request (err %v):\n%s\n--- awssdk signing log:\n%s",
		row.n, row.p.Key, row.p.Query, got, want, err, c.CanonicalRequest, sdkLog.String())
}

// engineWirePath is the path of p as batchsign writes it into the URL.
func engineWirePath(p *sigv4.S3Presign) string {
	path := "/"
	if p.Bucket != "" {
		path += sigcore.URIEscape(p.Bucket, false) + "/"
	}
	return path + sigcore.URIEscape(p.Key, true)
}

// engineWireQuery encodes query parameters the SigV4 way, for
// sigv4.Request.Query (which reads '+' as a literal plus, not a space).
func engineWireQuery(q []sigv4.QueryParam) string {
	parts := make([]string, len(q))
	for i, kv := range q {
		parts[i] = sigcore.URIEscape(kv.Key, false) + "=" + sigcore.URIEscape(kv.Value, false)
	}
	return strings.Join(parts, "&")
}

// headerAuth signs the row for an Authorization header with batchsign.
func headerAuth(t *testing.T, s *sigv4.Signer, row *diffRow) string {
	method := row.p.Method
	if method == "" {
		method = http.MethodGet
	}
	r := sigv4.Request{Method: method, Host: row.p.Host, Path: engineWirePath(&row.p), Query: engineWireQuery(row.p.Query),
		Headers: row.headers, PayloadHash: row.payload}
	hs, err := s.SignHeaders(&r)
	if err != nil {
		t.Fatalf("row %d: batchsign SignHeaders: %v", row.n, err)
	}
	for _, h := range hs {
		if h.Name == "Authorization" {
			return h.Value
		}
	}
	t.Fatalf("row %d: batchsign SignHeaders returned no Authorization", row.n)
	return ""
}

// sdkHeaderAuth signs the row for an Authorization header with
// aws-sdk-go-v2, with the x-amz-content-sha256 header its S3 client adds.
func sdkHeaderAuth(t *testing.T, s *v4.Signer, creds awsCreds, row *diffRow) string {
	req := sdkPresignRequest(&row.p)
	q := req.URL.Query()
	q.Del("X-Amz-Expires")
	req.URL.RawQuery = q.Encode()
	for _, h := range row.headers {
		req.Header.Add(h.Name, h.Value)
	}
	req.Header.Set("X-Amz-Content-Sha256", row.payload)
	if err := s.SignHTTP(context.Background(), creds, req, row.payload, "s3", row.region, diffTime, sdkS3Options); err != nil {
		t.Fatalf("row %d: aws-sdk-go-v2 SignHTTP: %v", row.n, err)
	}
	return req.Header.Get("Authorization")
}
