// Package awssuite reads the cases of the official AWS signing test suite
// (awslabs/aws-c-auth, kept under the repository's testdata/, see its
// SOURCE.md) for the tests of packages sigv4 and sigv4a: a case's
// context.json and its request.txt or *-signed-request.txt, split so that a
// signed request can be rebuilt byte for byte. It is imported by tests only.
package awssuite

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/batchsign/batchsign/internal/sigcore"
)

// Context is a case's context.json.
type Context struct {
	Credentials struct {
		AccessKeyID     string `json:"access_key_id"`
		SecretAccessKey string `json:"secret_access_key"`
		Token           string `json:"token"`
	} `json:"credentials"`
	Expiration       int64  `json:"expiration_in_seconds"`
	Normalize        bool   `json:"normalize"`
	Region           string `json:"region"`
	Service          string `json:"service"`
	SignBody         bool   `json:"sign_body"`
	Timestamp        string `json:"timestamp"`
	OmitSessionToken bool   `json:"omit_session_token"`
}

// ReadContext reads the context.json of the case in dir and its timestamp.
func ReadContext(t testing.TB, dir string) (Context, time.Time) {
	t.Helper()
	var c Context
	if err := json.Unmarshal([]byte(ReadFile(t, dir, "context.json")), &c); err != nil {
		t.Fatal(err)
	}
	at, err := time.Parse(time.RFC3339, c.Timestamp)
	if err != nil {
		t.Fatal(err)
	}
	return c, at
}

// ReadFile returns the file name of the case in dir. A missing file fails
// the test: a vector that is gone must not turn into a green run.
func ReadFile(t testing.TB, dir, name string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(dir, name))
	if err != nil {
		t.Fatalf("official suite: %v", err)
	}
	return string(b)
}

// Request is a request.txt or *-signed-request.txt split into its parts,
// keeping the header lines as written.
type Request struct {
	Method, Path, Query string
	HeaderLines         []string         // as written, continuation lines included
	Headers             []sigcore.Header // continuations joined by "\n"
	Host                string           // the last Host header's value
	Body                string
}

// ParseRequest splits the text of a request file. The request target is
// taken as written, spaces and raw UTF-8 included.
func ParseRequest(t testing.TB, text string) Request {
	t.Helper()
	head, body, _ := strings.Cut(text, "\n\n")
	lines := strings.Split(head, "\n")
	var r Request
	method, rest, _ := strings.Cut(lines[0], " ")
	target := strings.TrimSuffix(rest, " HTTP/1.1") // the path may hold spaces
	r.Method = method
	r.Path, r.Query, _ = strings.Cut(target, "?")
	for _, l := range lines[1:] {
		if l == "" {
			continue
		}
		r.HeaderLines = append(r.HeaderLines, l)
		if l[0] == ' ' || l[0] == '\t' {
			r.Headers[len(r.Headers)-1].Value += "\n" + l
			continue
		}
		name, value, ok := strings.Cut(l, ":")
		if !ok {
			t.Fatalf("bad header line %q", l)
		}
		r.Headers = append(r.Headers, sigcore.Header{Name: name, Value: value})
	}
	for _, h := range r.Headers {
		if strings.EqualFold(h.Name, "host") {
			r.Host = h.Value
		}
	}
	r.Body = body
	return r
}

// Target is the request target of path and query.
func Target(path, query string) string {
	if query == "" {
		return path
	}
	return path + "?" + query
}

// Expect fails the test when got is not want, showing both.
func Expect(t testing.TB, what, got, want string) {
	t.Helper()
	if got != want {
		t.Errorf("%s differs\n--- got\n%s\n--- want\n%s", what, got, want)
	}
}
