package main

import (
	"bytes"
	"crypto/md5"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/batchsign/batchsign/internal/testservers"
)

// TestChecksumBoundPresignAgainstRealServers presigns PUTs bound to one
// body (body_file, and content_md5) and sends them to real servers: the
// right body with the listed headers is stored byte for byte; another body
// with the same headers is refused (the server checks the body against the
// signed checksum) and stores nothing; another body with its own checksum
// is refused (the signature covers the checksum header).
func TestChecksumBoundPresignAgainstRealServers(t *testing.T) {
	if testing.Short() {
		t.Skip("starts real servers")
	}
	kinds := []testservers.Kind{testservers.Versity}
	if os.Getenv("BATCHSIGN_WITH_MINIO") == "1" || haveMinIO() {
		kinds = append(kinds, testservers.MinIO)
	}
	for _, kind := range kinds {
		t.Run(string(kind), func(t *testing.T) {
			srv := testservers.Start(t, kind, testservers.Config{})
			dir := cleanEnv(t)
			t.Setenv("AWS_ACCESS_KEY_ID", srv.AccessKey)
			t.Setenv("AWS_SECRET_ACCESS_KEY", srv.SecretKey)
			t.Setenv("AWS_REGION", srv.Region)
			body := []byte("exactly these bytes, and no others\n")
			file := writeFile(t, filepath.Join(dir, "body.bin"), string(body))
			manifest := `{"id":"sha","method":"PUT","bucket":` + jsonString(srv.Bucket) + `,"key":"bound/sha.bin","body_file":` + jsonString(file) + `}
{"id":"md5","method":"PUT","bucket":` + jsonString(srv.Bucket) + `,"key":"bound/md5.bin","content_md5":"` + md5B64(body) + `"}
`
			m := writeFile(t, filepath.Join(dir, "put.ndjson"), manifest)
			code, out, errs := runIn(t, "", "presign", m, "--endpoint-url", srv.Endpoint, "--expires", "5m")
			if code != exitOK {
				t.Fatalf("presign: exit %d: %s", code, errs)
			}
			other := []byte("exactly these bytes, and no 0thers\n") // same length
			for _, line := range strings.Split(strings.TrimSpace(out), "\n") {
				var p signedOut
				if err := json.Unmarshal([]byte(line), &p); err != nil {
					t.Fatal(err)
				}
				key := "bound/" + p.ID + ".bin"
				if len(p.Headers) == 0 {
					t.Fatalf("%s: no headers to send: %s", p.ID, line)
				}
				if st, b := do(t, "PUT", p.URL, p.Headers, other); st < 400 {
					t.Errorf("%s: another body under the checksum: %d %s, want a refusal", p.ID, st, b)
				}
				if st, _ := getObject(t, srv, dir, key); st != http.StatusNotFound {
					t.Errorf("%s: GET after the refused PUT: %d, want 404", p.ID, st)
				}
				forged := map[string]string{}
				for k, v := range p.Headers {
					forged[k] = v
				}
				if p.ID == "sha" {
					forged["x-amz-checksum-sha256"] = sha256B64(other)
				} else {
					forged["Content-MD5"] = md5B64(other)
				}
				if st, b := do(t, "PUT", p.URL, forged, other); st != http.StatusForbidden {
					t.Errorf("%s: another body with its own checksum: %d %s, want 403", p.ID, st, b)
				}
				if st, b := do(t, "PUT", p.URL, p.Headers, body); st != http.StatusOK {
					t.Fatalf("%s: the bound body: %d %s, want 200", p.ID, st, b)
				}
				if st, got := getObject(t, srv, dir, key); st != http.StatusOK || !bytes.Equal(got, body) {
					t.Errorf("%s: GET %d %q, want 200 %q", p.ID, st, got, body)
				}
			}
		})
	}
}

// getObject fetches key from srv through a presigned GET.
func getObject(t *testing.T, srv *testservers.Server, dir, key string) (int, []byte) {
	t.Helper()
	gm := writeFile(t, filepath.Join(dir, "get.ndjson"), `{"id":"g","bucket":`+jsonString(srv.Bucket)+`,"key":`+jsonString(key)+"}\n")
	code, out, errs := runIn(t, "", "presign", gm, "--endpoint-url", srv.Endpoint, "--expires", "5m")
	if code != exitOK {
		t.Fatalf("presign: exit %d: %s", code, errs)
	}
	var p signedOut
	if err := json.Unmarshal([]byte(out), &p); err != nil {
		t.Fatal(err)
	}
	return do(t, "GET", p.URL, nil, nil)
}

func md5B64(b []byte) string { s := md5.Sum(b); return base64.StdEncoding.EncodeToString(s[:]) }
func sha256B64(b []byte) string {
	s := sha256.Sum256(b)
	return base64.StdEncoding.EncodeToString(s[:])
}

// haveMinIO reports whether a minio binary is installed where testservers
// looks (PATH or the Go bin directory).
func haveMinIO() bool {
	if _, err := exec.LookPath("minio"); err == nil {
		return true
	}
	gopath, err := exec.Command("go", "env", "GOPATH").Output()
	if err != nil {
		return false
	}
	_, err = os.Stat(filepath.Join(strings.TrimSpace(string(gopath)), "bin", "minio"))
	return err == nil
}
