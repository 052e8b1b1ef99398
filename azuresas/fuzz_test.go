package azuresas

import (
	"encoding/json"
	"iter"
	"strings"
	"testing"
	"time"

	"github.com/batchsign/batchsign/internal/sigcore"
	"github.com/batchsign/batchsign/internal/vectors"
	"github.com/batchsign/batchsign/sigerr"
)

var fuzzAt = time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC)

// FuzzVerifyURL feeds the verifier anything: it never panics, and every
// failure is a *sigerr.VerifyError with a reason.
func FuzzVerifyURL(f *testing.F) {
	var vf nodeFile
	_ = json.Unmarshal(vectors.Read(f, "azure-sas-node/vectors.json"), &vf)
	for _, c := range vf.Cases {
		f.Add("GET", c.URL)
	}
	for _, u := range []string{"", "https://", "https://a.blob.core.windows.net/c/b?sv=&sig=",
		"http://[::1]:1/a/c/b?sv=2022-11-02&sr=b&sp=r&se=2026&sig=%%", "http://localhost/a?sv=2022-11-02&sv=2022-11-02",
		"https://a.b/c/d?sv=2020-12-06&sr=c&sp=r&se=2026-12-01&sig=AAAA&st=x"} {
		f.Add("PUT", u)
	}
	cred, err := NewCredential(DevelopmentAccount, DevelopmentKey)
	if err != nil {
		f.Fatal(err)
	}
	v := NewVerifier(func(string) (Credential, bool) { return cred, true }, fuzzAt)
	f.Fuzz(func(t *testing.T, method, url string) {
		if err := v.PresignedURL(method, url); err != nil && sigerr.ReasonOf(err) == 0 {
			t.Fatalf("error without a reason: %v", err)
		}
	})
}

// FuzzPresignVerifies: whatever container, blob, permissions and overrides
// the signer accepts, the URL it writes verifies, for the method's
// permission, and a changed expiry does not.
func FuzzPresignVerifies(f *testing.F) {
	f.Add("exports", "a b/ü+%#?.txt", "rw", "attachment; filename=\"x\"", int64(3600))
	f.Add("$root", "/", "", "", int64(1))
	f.Add("c0n", strings.Repeat("é", 1024), "yiemtxdwcar", "(!*')", int64(604800))
	cred, err := NewCredential(DevelopmentAccount, DevelopmentKey)
	if err != nil {
		f.Fatal(err)
	}
	s, err := NewSigner(cred)
	if err != nil {
		f.Fatal(err)
	}
	v := NewVerifier(func(a string) (Credential, bool) { return cred, a == cred.Account }, fuzzAt)
	f.Fuzz(func(t *testing.T, container, blob, perms, rscd string, secs int64) {
		if secs < 1 || secs > 1<<32 {
			return
		}
		p := &Presign{Method: "GET", Container: container, Blob: blob, Permissions: perms,
			Expiry: fuzzAt.Add(time.Duration(secs) * time.Second), Overrides: Overrides{ContentDisposition: rscd}}
		url, err := s.PresignURL(p)
		if err != nil {
			return
		}
		method := "GET"
		switch {
		case perms == "" || strings.ContainsAny(perms, "r"):
		case strings.ContainsAny(perms, "cw"):
			method = "PUT"
		case strings.Contains(perms, "d"):
			method = "DELETE"
		default:
			method = ""
		}
		err = v.PresignedURL(method, url)
		if method != "" && err != nil {
			t.Fatalf("%s %s: %v", method, url, err)
		}
		if method == "" && sigerr.ReasonOf(err) != sigerr.ErrMalformed && sigerr.ReasonOf(err) != sigerr.ErrWrongPermission {
			t.Fatalf("no method allowed, got %v", err)
		}
		if tampered := strings.Replace(url, "&se=", "&se=1", 1); method != "" && sigerr.ReasonOf(v.PresignedURL(method, tampered)) == 0 {
			t.Fatalf("tampered URL verifies: %s", tampered)
		}
	})
}

// FuzzParseConnectionString: never panics, and an error never quotes the
// string (which may hold the key anywhere) but for the account name, which
// is not secret and helps find the mistake.
func FuzzParseConnectionString(f *testing.F) {
	f.Add("AccountName=devstoreaccount1;AccountKey=" + DevelopmentKey + ";BlobEndpoint=http://127.0.0.1:10000/devstoreaccount1")
	f.Add("DefaultEndpointsProtocol=https;AccountName=abc;AccountKey=a2V5;EndpointSuffix=core.chinacloudapi.cn")
	f.Add("UseDevelopmentStorage=true")
	f.Add("AccountName=a;;=;AccountKey=%%%;x")
	f.Fuzz(func(t *testing.T, s string) {
		_, err := ParseConnectionString(s)
		if err == nil {
			return
		}
		// The account name may be quoted; a secret that equals it (the
		// fuzzer's "AccountName=X;AccountKey=X") is quoted as the name.
		// Fields are read as the parser reads them: spaces around a
		// field, its name and its value are not part of them
		// ("AccountName=\x000000000000 ;AccountKey=000000000000" quotes
		// the name without its space).
		names := map[string]bool{}
		for n, v := range connectionStringFields(s) {
			if sigcore.EqualFoldASCII(n, "AccountName") {
				names[v] = true
			}
		}
		// A secret inside the name ("AccountName=!0000;AccountKey=0000")
		// is quoted with it: look for secrets only outside the names.
		msg := err.Error()
		for name := range names {
			if name != "" {
				msg = strings.ReplaceAll(msg, sigcore.QuoteForError(name), "")
				msg = strings.ReplaceAll(msg, name, "")
			}
		}
		for n, v := range connectionStringFields(s) {
			if len(v) >= 12 && !sigcore.EqualFoldASCII(n, "AccountName") && !names[v] && strings.Contains(msg, v) {
				t.Fatalf("error quotes a value: %v", err)
			}
		}
	})
}

// connectionStringFields yields the name=value fields of a connection
// string as sigcore.ConnectionStringFields reads them: split at ';', with
// the spaces around each field, name and value trimmed.
func connectionStringFields(s string) iter.Seq2[string, string] {
	return func(yield func(string, string) bool) {
		for part := range strings.SplitSeq(s, ";") {
			n, v, ok := strings.Cut(strings.TrimSpace(part), "=")
			if ok && !yield(strings.TrimSpace(n), strings.TrimSpace(v)) {
				return
			}
		}
	}
}
