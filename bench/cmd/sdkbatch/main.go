// Command sdkbatch is the aws-sdk-go-v2 side of the whole-run comparison
// (scripts/hostile-bench.sh, issue 13): a batch presigner written the way a
// Go program would write one with the SDK, to time against `batchsign
// presign` on the same manifest and cores.
//
// Usage:
//
//	sdkbatch [-workers N] [-time RFC3339] [-o FILE] MANIFEST.ndjson
//	sdkbatch compare A.ndjson B.ndjson
//
// It reads NDJSON manifest rows (id, method, bucket, key, region, expires,
// query) with encoding/json, presigns each with v4.Signer.PresignHTTP, and
// writes one NDJSON line per row in input order with encoding/json: id,
// method, url, expires_at, the columns of batchsign's presign output. The
// request is built as the SDK's S3 client builds it (as bench/peers_test.go
// does, which the differential tests prove byte-identical to batchsign):
// the bucket in the host name (DNS-compatible names without dots, as
// batchsign's auto addressing; path-style otherwise), the key escaped once
// into URL.RawPath by smithy-go's httpbinding.EscapePath, the row's query
// and X-Amz-Expires encoded by url.Values, UNSIGNED-PAYLOAD, and
// DisableURIPathEscaping. It calls PresignHTTP directly, without the S3
// client's middleware stack, and each worker has its own signer (its own
// derived-key cache): both only make the SDK's side cheaper.
//
// Lines are read by one goroutine in batches of 1,024; N workers (default
// 2) decode, presign and encode a batch each; one goroutine writes them in
// order through a 1 MiB buffer. Credentials come from AWS_ACCESS_KEY_ID,
// AWS_SECRET_ACCESS_KEY and AWS_SESSION_TOKEN; a row without a region is
// signed for AWS_REGION (default us-east-1), one without expires for an
// hour.
//
// compare reads two presign outputs with encoding/json and checks that
// they hold the same rows (id) with the same URLs, in the same order: that
// both programs did the same work.
package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	"github.com/aws/smithy-go/encoding/httpbinding"
)

// unsignedPayload is the payload hash of a presigned S3 URL.
const unsignedPayload = "UNSIGNED-PAYLOAD"

// batchLines is how many manifest lines a worker takes at a time.
const batchLines = 1024

func main() {
	if len(os.Args) > 1 && os.Args[1] == "compare" {
		if len(os.Args) != 4 {
			fmt.Fprintln(os.Stderr, "usage: sdkbatch compare A.ndjson B.ndjson")
			os.Exit(2)
		}
		n, err := compare(os.Args[2], os.Args[3])
		if err != nil {
			fmt.Fprintln(os.Stderr, "sdkbatch compare:", err)
			os.Exit(1)
		}
		fmt.Printf("%d rows, the same ids and URLs\n", n)
		return
	}
	workers := flag.Int("workers", 2, "presigning goroutines")
	at := flag.String("time", "", "signing instant, RFC 3339 (default now)")
	out := flag.String("o", "", "output file (default standard output)")
	flag.Parse()
	if flag.NArg() != 1 || *workers < 1 {
		fmt.Fprintln(os.Stderr, "usage: sdkbatch [-workers N] [-time RFC3339] [-o FILE] MANIFEST.ndjson")
		os.Exit(2)
	}
	t := time.Now().UTC().Truncate(time.Second)
	if *at != "" {
		var err error
		if t, err = time.Parse(time.RFC3339, *at); err != nil {
			fmt.Fprintln(os.Stderr, "sdkbatch: -time:", err)
			os.Exit(2)
		}
		t = t.UTC()
	}
	if err := run(flag.Arg(0), *out, *workers, t); err != nil {
		fmt.Fprintln(os.Stderr, "sdkbatch:", err)
		os.Exit(1)
	}
}

// manifestRow is the part of a manifest row that a presigned S3 URL needs.
type manifestRow struct {
	ID      string            `json:"id"`
	Method  string            `json:"method"`
	Bucket  string            `json:"bucket"`
	Key     string            `json:"key"`
	Region  string            `json:"region"`
	Expires *int64            `json:"expires"`
	Query   map[string]string `json:"query"`
}

// outputRow is one line of output, batchsign presign's columns.
type outputRow struct {
	ID        string `json:"id"`
	Method    string `json:"method"`
	URL       string `json:"url"`
	ExpiresAt string `json:"expires_at"`
}

// batch is a run of manifest lines and, once done, their output.
type batch struct {
	first int // 1-based line number of lines[0]
	lines [][]byte
	out   bytes.Buffer
	err   error
	done  chan struct{}
}

// run presigns the manifest at in to out with workers goroutines.
func run(in, out string, workers int, t time.Time) error {
	f, err := os.Open(in)
	if err != nil {
		return err
	}
	defer f.Close()
	var w io.Writer = os.Stdout
	var of *os.File
	if out != "" {
		if of, err = os.Create(out); err != nil {
			return err
		}
		defer of.Close()
		w = of
	}
	creds := aws.Credentials{
		AccessKeyID:     os.Getenv("AWS_ACCESS_KEY_ID"),
		SecretAccessKey: os.Getenv("AWS_SECRET_ACCESS_KEY"),
		SessionToken:    os.Getenv("AWS_SESSION_TOKEN"),
	}
	if creds.AccessKeyID == "" || creds.SecretAccessKey == "" {
		return errors.New("AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY must be set")
	}
	region := os.Getenv("AWS_REGION")
	if region == "" {
		region = "us-east-1"
	}

	work := make(chan *batch, workers)
	order := make(chan *batch, 2*workers)
	for range workers {
		go func() {
			s := presigner{signer: v4.NewSigner(), creds: creds, region: region, t: t}
			for b := range work {
				b.err = s.batch(b)
				close(b.done)
			}
		}()
	}
	readErr := make(chan error, 1)
	go func() {
		defer close(order)
		defer close(work)
		r := bufio.NewReaderSize(f, 1<<20)
		line := 0
		for {
			b := &batch{first: line + 1, done: make(chan struct{})}
			for len(b.lines) < batchLines {
				l, err := r.ReadBytes('\n')
				if len(bytes.TrimSpace(l)) > 0 {
					b.lines = append(b.lines, l)
				}
				line++
				if err == io.EOF {
					break
				}
				if err != nil {
					readErr <- err
					return
				}
			}
			if len(b.lines) == 0 {
				readErr <- nil
				return
			}
			order <- b
			work <- b
			if len(b.lines) < batchLines {
				readErr <- nil
				return
			}
		}
	}()
	bw := bufio.NewWriterSize(w, 1<<20)
	for b := range order {
		<-b.done
		if b.err != nil {
			return b.err
		}
		if _, err := bw.Write(b.out.Bytes()); err != nil {
			return err
		}
	}
	if err := <-readErr; err != nil {
		return err
	}
	if err := bw.Flush(); err != nil {
		return err
	}
	if of != nil {
		return of.Close()
	}
	return nil
}

// presigner is one worker's signer and settings.
type presigner struct {
	signer *v4.Signer
	creds  aws.Credentials
	region string
	t      time.Time
}

// batch decodes, presigns and encodes b's lines into b.out.
func (s *presigner) batch(b *batch) error {
	enc := json.NewEncoder(&b.out)
	enc.SetEscapeHTML(false)
	for i, l := range b.lines {
		var row manifestRow
		if err := json.Unmarshal(l, &row); err != nil {
			return fmt.Errorf("line %d: %w", b.first+i, err)
		}
		o, err := s.presign(&row)
		if err != nil {
			return fmt.Errorf("line %d: %w", b.first+i, err)
		}
		if err := enc.Encode(&o); err != nil {
			return err
		}
	}
	return nil
}

// presign signs one row as the SDK's S3 presign client would.
func (s *presigner) presign(row *manifestRow) (outputRow, error) {
	method := row.Method
	if method == "" {
		method = http.MethodGet
	}
	region := row.Region
	if region == "" {
		region = s.region
	}
	expires := int64(3600)
	if row.Expires != nil {
		expires = *row.Expires
	}
	suffix := ".amazonaws.com"
	if strings.HasPrefix(region, "cn-") {
		suffix = ".amazonaws.com.cn"
	}
	host, path, rawPath := "s3."+region+suffix, "/", "/"
	if virtualHosted(row.Bucket) {
		host = row.Bucket + "." + host
	} else {
		path += row.Bucket + "/"
		rawPath += httpbinding.EscapePath(row.Bucket, true) + "/"
	}
	q := make(url.Values, len(row.Query)+1)
	for k, v := range row.Query {
		q.Add(k, v)
	}
	q.Set("X-Amz-Expires", strconv.FormatInt(expires, 10))
	req := &http.Request{
		Method: method,
		URL:    &url.URL{Scheme: "https", Host: host, Path: path + row.Key, RawPath: rawPath + httpbinding.EscapePath(row.Key, false), RawQuery: q.Encode()},
		Header: make(http.Header),
		Host:   host,
	}
	u, _, err := s.signer.PresignHTTP(context.Background(), s.creds, req, unsignedPayload, "s3", region, s.t,
		func(o *v4.SignerOptions) { o.DisableURIPathEscaping = true })
	if err != nil {
		return outputRow{}, err
	}
	return outputRow{ID: row.ID, Method: method, URL: u,
		ExpiresAt: s.t.Add(time.Duration(expires) * time.Second).Format(time.RFC3339)}, nil
}

// virtualHosted reports whether bucket goes in the host name: a DNS label
// sequence of lower-case letters, digits and hyphens, 3–63 bytes, without
// dots (which break the TLS wildcard certificate).
func virtualHosted(bucket string) bool {
	if len(bucket) < 3 || len(bucket) > 63 || bucket[0] == '-' || bucket[len(bucket)-1] == '-' {
		return false
	}
	for i := 0; i < len(bucket); i++ {
		c := bucket[i]
		if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-') {
			return false
		}
	}
	return true
}

// compare checks that the presign outputs a and b have the same ids and
// URLs, row by row, and returns how many rows they have.
func compare(a, b string) (int, error) {
	fa, err := os.Open(a)
	if err != nil {
		return 0, err
	}
	defer fa.Close()
	fb, err := os.Open(b)
	if err != nil {
		return 0, err
	}
	defer fb.Close()
	da, db := json.NewDecoder(bufio.NewReaderSize(fa, 1<<20)), json.NewDecoder(bufio.NewReaderSize(fb, 1<<20))
	for n := 0; ; n++ {
		var ra, rb outputRow
		ea, eb := da.Decode(&ra), db.Decode(&rb)
		switch {
		case ea == io.EOF && eb == io.EOF:
			return n, nil
		case ea == io.EOF || eb == io.EOF:
			return n, fmt.Errorf("%s and %s differ in length: one ends after %d rows", a, b, n)
		case ea != nil:
			return n, fmt.Errorf("%s: row %d: %w", a, n+1, ea)
		case eb != nil:
			return n, fmt.Errorf("%s: row %d: %w", b, n+1, eb)
		case ra.ID != rb.ID || ra.URL != rb.URL:
			return n, fmt.Errorf("row %d differs:\n  %s %s\n  %s %s", n+1, ra.ID, ra.URL, rb.ID, rb.URL)
		}
	}
}
