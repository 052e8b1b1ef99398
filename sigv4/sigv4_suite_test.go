package sigv4

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/batchsign/batchsign/internal/vectors"
)

// suiteRoot is the official AWS SigV4 test suite (awslabs/aws-c-auth), kept
// in the repository's testdata/ (see its SOURCE.md).
var suiteRoot = vectors.Path("aws-signing-test-suite/v4")

type suiteContext struct {
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

// rawRequest is request.txt split into its parts, keeping the raw header
// lines so the signed request can be rebuilt byte for byte.
type rawRequest struct {
	method, path, query string
	headerLines         []string // as written, continuation lines included
	headers             []Header // name and value (continuations joined by "\n")
	host                string
	body                string
}

func parseRawRequest(t *testing.T, text string) rawRequest {
	t.Helper()
	head, body, _ := strings.Cut(text, "\n\n")
	lines := strings.Split(head, "\n")
	var rr rawRequest
	f := strings.Fields(lines[0])
	// The path may contain spaces ("GET /example space/ HTTP/1.1").
	target := strings.TrimSuffix(strings.TrimPrefix(lines[0], f[0]+" "), " HTTP/1.1")
	rr.method = f[0]
	rr.path, rr.query, _ = strings.Cut(target, "?")
	for _, l := range lines[1:] {
		if l == "" {
			continue
		}
		rr.headerLines = append(rr.headerLines, l)
		if l[0] == ' ' || l[0] == '\t' {
			rr.headers[len(rr.headers)-1].Value += "\n" + l
			continue
		}
		name, value, ok := strings.Cut(l, ":")
		if !ok {
			t.Fatalf("bad header line %q", l)
		}
		rr.headers = append(rr.headers, Header{Name: name, Value: value})
	}
	for _, h := range rr.headers {
		if strings.EqualFold(h.Name, "host") {
			rr.host = h.Value
		}
	}
	rr.body = body
	return rr
}

func readSuiteFile(t *testing.T, dir, name string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(dir, name))
	if err != nil {
		t.Fatalf("official suite: %v", err)
	}
	return string(b)
}

// TestOfficialSuite runs every case of the AWS SigV4 suite in both forms and
// compares canonical request, string to sign, signature and the signed
// request byte for byte. No case is skipped.
func TestOfficialSuite(t *testing.T) {
	dirs, err := filepath.Glob(filepath.Join(suiteRoot, "*"))
	if err != nil || len(dirs) == 0 {
		t.Fatalf("no suite cases under %s : %v", suiteRoot, err)
	}
	if len(dirs) != 38 {
		t.Fatalf("found %d cases, the suite has 38", len(dirs))
	}
	for _, dir := range dirs {
		t.Run(filepath.Base(dir), func(t *testing.T) {
			var ctx suiteContext
			if err := json.Unmarshal([]byte(readSuiteFile(t, dir, "context.json")), &ctx); err != nil {
				t.Fatal(err)
			}
			ts, err := time.Parse(time.RFC3339, ctx.Timestamp)
			if err != nil {
				t.Fatal(err)
			}
			rr := parseRawRequest(t, readSuiteFile(t, dir, "request.txt"))
			creds := Credentials{
				AccessKeyID:     ctx.Credentials.AccessKeyID,
				SecretAccessKey: ctx.Credentials.SecretAccessKey,
				SessionToken:    ctx.Credentials.Token,
			}
			opts := Options{
				Region: ctx.Region, Service: ctx.Service, Rules: RulesGeneric,
				DisablePathNormalization: !ctx.Normalize,
				TokenAfterSigning:        ctx.OmitSessionToken,
			}
			req := Request{Method: rr.method, Host: rr.host, Path: rr.path, Query: rr.query, Headers: rr.headers}
			if ctx.SignBody {
				sum := sha256.Sum256([]byte(rr.body))
				req.PayloadHash = hex.EncodeToString(sum[:])
			}

			for _, form := range []string{"header", "query"} {
				t.Run(form, func(t *testing.T) {
					o := opts
					o.ContentSHA256Header = ctx.SignBody && form == "header"
					s, err := NewSigner(creds, nil, ts, o)
					if err != nil {
						t.Fatal(err)
					}
					f := HeaderForm
					if form == "query" {
						f = QueryForm
					}
					c, err := s.Explain(&req, f, ctx.Expiration)
					if err != nil {
						t.Fatal(err)
					}
					expect(t, "canonical request", c.CanonicalRequest, readSuiteFile(t, dir, form+"-canonical-request.txt"))
					expect(t, "string to sign", c.StringToSign, readSuiteFile(t, dir, form+"-string-to-sign.txt"))
					expect(t, "signature", c.Signature, strings.TrimSpace(readSuiteFile(t, dir, form+"-signature.txt")))

					var b strings.Builder
					if form == "header" {
						added, err := s.SignHeaders(&req)
						if err != nil {
							t.Fatal(err)
						}
						b.WriteString(rr.method + " " + target(rr.path, rr.query) + " HTTP/1.1\n")
						for _, l := range rr.headerLines {
							b.WriteString(l + "\n")
						}
						for _, h := range added {
							b.WriteString(h.Name + ":" + h.Value + "\n")
						}
					} else {
						q, err := s.PresignQuery(&req, ctx.Expiration)
						if err != nil {
							t.Fatal(err)
						}
						if rr.query != "" {
							q = rr.query + "&" + q
						}
						b.WriteString(rr.method + " " + rr.path + "?" + q + " HTTP/1.1\n")
						for _, l := range rr.headerLines {
							b.WriteString(l + "\n")
						}
					}
					b.WriteString("\n" + rr.body)
					expect(t, "signed request", b.String(), readSuiteFile(t, dir, form+"-signed-request.txt"))
				})
			}
		})
	}
}

func target(path, query string) string {
	if query == "" {
		return path
	}
	return path + "?" + query
}

func expect(t *testing.T, what, got, want string) {
	t.Helper()
	if got != want {
		t.Errorf("%s differs\n--- got\n%s\n--- want\n%s", what, got, want)
	}
}
