package azuresas_test

import (
	"bytes"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/batchsign/batchsign/azuresas"
	"github.com/batchsign/batchsign/internal/testservers"
	"github.com/batchsign/batchsign/sigerr"
)

// hostileBlobNames are names that break signers which escape, normalise
// or split a name wrongly: every reserved and otherwise special ASCII byte
// (but '\', which Azure turns into '/'), alone and together, unicode in
// NFC and NFD (two different blobs), and a 1 KiB name.
func hostileBlobNames() []string {
	names := []string{
		"plain.txt",
		"dir/sub dir/file name.txt",
		"a+b=c&d?e#f%g.txt",
		"100% done; (final) [v2] {x} <y> 'q' \"dq\" `bt` ^c |p ~t !e *s $d @a ,c :c.txt",
		"%2F not a slash %zz %.txt",
		"unicode/caf\u00e9-\u00c4-\u00f1.txt",    // NFC
		"unicode/cafe\u0301-A\u0308-n\u0303.txt", // NFD: another blob
		"emoji 📦 报告.csv",
		"k/" + strings.Repeat("x", 1022),
	}
	for c := byte(0x20); c < 0x7f; c++ {
		if c == '\\' || c == '/' || c == '.' || 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' {
			continue
		}
		names = append(names, "byte-"+string(c)+"-end")
	}
	return names
}

// TestAgainstAzurite proves the URLs on a real server that checks SAS
// signatures as Azure does: for every hostile name, a blob uploaded through
// a PUT SAS URL signed here comes back byte for byte through a GET SAS URL
// signed here; a tampered URL (one signature character changed, or the
// blob name changed), an expired one and a read-only one used for a PUT
// are refused with 403. And this package's Verifier agrees with the
// server on each.
func TestAgainstAzurite(t *testing.T) {
	if testing.Short() {
		t.Skip("-short: not starting Azurite")
	}
	srv := testservers.StartAzurite(t)
	cred, err := azuresas.ParseConnectionString("DefaultEndpointsProtocol=http;AccountName=" + srv.AccessKey +
		";AccountKey=" + srv.SecretKey + ";BlobEndpoint=" + srv.Endpoint + "/" + srv.AccessKey + ";")
	if err != nil {
		t.Fatal(err)
	}
	s, err := azuresas.NewSigner(cred)
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now().UTC()
	v := azuresas.NewVerifier(func(a string) (azuresas.Credential, bool) { return cred, a == cred.Account }, now)
	client := &http.Client{Timeout: 30 * time.Second}
	do := func(method, url string, body []byte) (int, []byte) {
		t.Helper()
		req, err := http.NewRequest(method, url, bytes.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		if method == http.MethodPut {
			req.Header.Set("x-ms-blob-type", "BlockBlob")
		}
		resp, err := client.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, err := io.ReadAll(resp.Body)
		if err != nil {
			t.Fatal(err)
		}
		return resp.StatusCode, b
	}
	sign := func(method, name, perms string, expiry time.Time) string {
		t.Helper()
		u, err := s.PresignURL(&azuresas.Presign{Method: method, Container: srv.Bucket, Blob: name, Permissions: perms, Expiry: expiry})
		if err != nil {
			t.Fatal(err)
		}
		return u
	}
	expiry := now.Add(time.Hour)
	for _, name := range hostileBlobNames() {
		body := []byte("contents of " + name + "\x00\xff")
		put := sign("PUT", name, "", expiry)
		if err := v.PresignedURL("PUT", put); err != nil {
			t.Errorf("%q: Verifier refuses our PUT URL: %v", name, err)
		}
		if code, msg := do("PUT", put, body); code != http.StatusCreated {
			t.Errorf("%q: PUT %s: %d %s", name, put, code, msg)
			continue
		}
		get := sign("GET", name, "", expiry)
		code, got := do("GET", get, nil)
		if code != http.StatusOK || !bytes.Equal(got, body) {
			t.Errorf("%q: GET %s: %d %q, want 200 %q", name, get, code, got, body)
		}
		if err := v.PresignedURL("GET", get); err != nil {
			t.Errorf("%q: Verifier refuses our GET URL: %v", name, err)
		}
	}
	// Every name is its own blob (NFC and NFD too): read them all again.
	for _, name := range hostileBlobNames() {
		body := []byte("contents of " + name + "\x00\xff")
		if code, got := do("GET", sign("GET", name, "", expiry), nil); code != http.StatusOK || !bytes.Equal(got, body) {
			t.Errorf("%q read again: %d %q, want 200 %q", name, code, got, body)
		}
	}

	name := "dir/sub dir/file name.txt"
	get := sign("GET", name, "", expiry)

	// A container SAS (sr=c) reads any blob of the container.
	csas := sign("GET", "", "r", expiry)
	cget := strings.Replace(csas, "/"+srv.Bucket+"?", "/"+srv.Bucket+"/dir/sub%20dir/file%20name.txt?", 1)
	if code, got := do("GET", cget, nil); code != http.StatusOK || !bytes.HasPrefix(got, []byte("contents of "+name)) {
		t.Errorf("container SAS for a blob: GET %s: %d %q", cget, code, got)
	}
	if err := v.PresignedURL("GET", cget); err != nil {
		t.Errorf("Verifier refuses the container SAS for a blob: %v", err)
	}
	i := strings.Index(get, "&sig=") + len("&sig=")
	flip := map[byte]byte{'A': 'B'}
	c := get[i]
	if f, ok := flip[c]; ok {
		c = f
	} else {
		c = 'A'
	}
	refused := []struct {
		what, method, url string
		reason            sigerr.VerifyReason
	}{
		{"signature character changed", "GET", get[:i] + string(c) + get[i+1:], sigerr.ErrSignatureMismatch},
		{"another blob's name", "GET", strings.Replace(get, "file%20name", "file%20nam3", 1), sigerr.ErrSignatureMismatch},
		{"permission changed", "GET", strings.Replace(get, "&sp=r&", "&sp=rw&", 1), sigerr.ErrSignatureMismatch},
		{"expired", "GET", sign("GET", name, "", now.Add(-time.Minute)), sigerr.ErrExpired},
		{"read-only URL used for a PUT", "PUT", sign("GET", name, "r", expiry), sigerr.ErrWrongPermission},
		{"delete-only URL used for a GET", "GET", sign("DELETE", name, "", expiry), sigerr.ErrWrongPermission},
	}
	for _, r := range refused {
		if code, msg := do(r.method, r.url, []byte("overwritten")); code != http.StatusForbidden {
			t.Errorf("%s: %s %s: %d %s, want 403", r.what, r.method, r.url, code, msg)
		}
		if got := sigerr.ReasonOf(v.PresignedURL(r.method, r.url)); got != r.reason {
			t.Errorf("%s: Verifier says %v, want %v", r.what, got, r.reason)
		}
	}
	// The refused PUT changed nothing; a DELETE URL deletes.
	if code, got := do("GET", get, nil); code != http.StatusOK || !bytes.HasPrefix(got, []byte("contents of ")) {
		t.Errorf("after the refused PUT: %d %q", code, got)
	}
	if code, msg := do("DELETE", sign("DELETE", name, "", expiry), nil); code != http.StatusAccepted {
		t.Errorf("DELETE: %d %s", code, msg)
	}
	if code, _ := do("GET", get, nil); code != http.StatusNotFound {
		t.Errorf("GET after DELETE: %d, want 404", code)
	}
}
