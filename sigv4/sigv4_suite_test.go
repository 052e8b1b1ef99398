package sigv4

import (
	"crypto/sha256"
	"encoding/hex"
	"path/filepath"
	"strings"
	"testing"

	"github.com/batchsign/batchsign/internal/awssuite"
	"github.com/batchsign/batchsign/internal/vectors"
)

// suiteRoot is the official AWS SigV4 test suite (awslabs/aws-c-auth), kept
// in the repository's testdata/ (see its SOURCE.md).
var suiteRoot = vectors.Path("aws-signing-test-suite/v4")

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
			ctx, ts := awssuite.ReadContext(t, dir)
			rr := awssuite.ParseRequest(t, awssuite.ReadFile(t, dir, "request.txt"))
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
			req := Request{Method: rr.Method, Host: rr.Host, Path: rr.Path, Query: rr.Query, Headers: rr.Headers}
			if ctx.SignBody {
				sum := sha256.Sum256([]byte(rr.Body))
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
					awssuite.Expect(t, "canonical request", c.CanonicalRequest, awssuite.ReadFile(t, dir, form+"-canonical-request.txt"))
					awssuite.Expect(t, "string to sign", c.StringToSign, awssuite.ReadFile(t, dir, form+"-string-to-sign.txt"))
					awssuite.Expect(t, "signature", c.Signature, strings.TrimSpace(awssuite.ReadFile(t, dir, form+"-signature.txt")))

					var b strings.Builder
					if form == "header" {
						added, err := s.SignHeaders(&req)
						if err != nil {
							t.Fatal(err)
						}
						b.WriteString(rr.Method + " " + awssuite.Target(rr.Path, rr.Query) + " HTTP/1.1\n")
						for _, l := range rr.HeaderLines {
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
						if rr.Query != "" {
							q = rr.Query + "&" + q
						}
						b.WriteString(rr.Method + " " + rr.Path + "?" + q + " HTTP/1.1\n")
						for _, l := range rr.HeaderLines {
							b.WriteString(l + "\n")
						}
					}
					b.WriteString("\n" + rr.Body)
					awssuite.Expect(t, "signed request", b.String(), awssuite.ReadFile(t, dir, form+"-signed-request.txt"))
				})
			}
		})
	}
}
