package main

import (
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/batchsign/batchsign/internal/vectors"

	"github.com/batchsign/batchsign/sigv4"

	"github.com/batchsign/batchsign/internal/keyring"
	"github.com/batchsign/batchsign/internal/kmsremote/kmstest"
)

// macSharedVectors is testdata/hmac-rfc-vectors.json at the repository root, seen from
// this package's directory (cmd/batchsign is two levels below the root).
var macSharedVectors = vectors.Path("hmac-rfc-vectors.json")

// macSecretMaterial is a keyring key's material, recognisable in any
// output it leaks into (raw, base64 or hex).
const macSecretMaterial = "MACsecretMaterialDoNotPrint-4f1c2e9a"

type rfcVector struct {
	Source     string `json:"source"`
	Algorithm  string `json:"algorithm"`
	KeyHex     string `json:"key_hex"`
	MessageHex string `json:"message_hex"`
	MacHex     string `json:"mac_hex"`
	Truncated  *int   `json:"truncated_to_bytes"`
}

// rfc4231Vectors returns the HMAC_SHA_* vectors with full-length MACs.
// The truncated ones (RFC 4231 test case 5, MACs cut to 16 bytes) are left
// out on purpose: KMS GenerateMac always returns the full MAC and VerifyMac
// answers KMSInvalidMacException for a truncated one, so they are not
// vectors of this API (the engine's plain HMAC tests cover them).
func rfc4231Vectors(t *testing.T) []rfcVector {
	t.Helper()
	data, err := os.ReadFile(macSharedVectors)
	if err != nil {
		abs, _ := filepath.Abs(macSharedVectors)
		t.Fatalf("test vectors %s: %v", abs, err)
	}
	var all, vs []rfcVector
	if err := json.Unmarshal(data, &all); err != nil {
		t.Fatal(err)
	}
	skipped := 0
	for _, v := range all {
		if !strings.HasPrefix(v.Algorithm, "HMAC_SHA_") {
			continue
		}
		if v.Truncated != nil {
			skipped++
			continue
		}
		vs = append(vs, v)
	}
	if len(vs) < 20 || skipped != 4 {
		t.Fatalf("%d full-length and %d truncated RFC 4231 vectors; want 24 and 4", len(vs), skipped)
	}
	return vs
}

func macKeyID(source string) string {
	return "rfc4231-case-" + source[strings.LastIndexByte(source, ' ')+1:]
}

func mustHex(t *testing.T, s string) []byte {
	t.Helper()
	b, err := hex.DecodeString(s)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// macFixture is a keyring (mode 0600) holding every RFC 4231 key (all four
// algorithms, any length), "only256" (HMAC_SHA_256 only) and "secret" (the
// recognisable material), and a generate manifest of the vectors.
type macFixture struct {
	dir, keyring, manifest string
	vectors                []rfcVector
	ring                   *keyring.Keyring
}

func newMacFixture(t *testing.T) *macFixture {
	t.Helper()
	f := &macFixture{dir: cleanEnv(t), vectors: rfc4231Vectors(t)}
	type fileKey struct {
		KeyID          string   `json:"key_id"`
		Aliases        []string `json:"aliases,omitempty"`
		Algorithms     []string `json:"algorithms"`
		KeyMaterial    string   `json:"key_material"`
		AllowAnyLength bool     `json:"allow_any_length"`
	}
	all := []string{"HMAC_SHA_224", "HMAC_SHA_256", "HMAC_SHA_384", "HMAC_SHA_512"}
	var keys []fileKey
	seen := map[string]bool{}
	var manifest strings.Builder
	for _, v := range f.vectors {
		id := macKeyID(v.Source)
		if !seen[id] {
			seen[id] = true
			keys = append(keys, fileKey{KeyID: id, Algorithms: all, KeyMaterial: base64.StdEncoding.EncodeToString(mustHex(t, v.KeyHex)), AllowAnyLength: true})
		}
		row, _ := json.Marshal(map[string]string{"id": id + "/" + v.Algorithm, "key_id": id, "algorithm": v.Algorithm,
			"message": base64.StdEncoding.EncodeToString(mustHex(t, v.MessageHex))})
		manifest.Write(row)
		manifest.WriteByte('\n')
	}
	keys = append(keys,
		fileKey{KeyID: "only256", Aliases: []string{"alias/only256"}, Algorithms: []string{"HMAC_SHA_256"}, KeyMaterial: base64.StdEncoding.EncodeToString([]byte("0123456789abcdef0123456789abcdef"))},
		fileKey{KeyID: "secret", Algorithms: all, KeyMaterial: base64.StdEncoding.EncodeToString([]byte(macSecretMaterial)), AllowAnyLength: true})
	data, err := json.Marshal(map[string]any{"version": 1, "keys": keys})
	if err != nil {
		t.Fatal(err)
	}
	f.keyring = writeFile(t, filepath.Join(f.dir, "keyring.json"), string(data))
	f.manifest = writeFile(t, filepath.Join(f.dir, "manifest.ndjson"), manifest.String())
	if f.ring, err = keyring.Load(f.keyring); err != nil {
		t.Fatal(err)
	}
	return f
}

type macRow struct {
	ID        string `json:"id"`
	KeyID     string `json:"key_id"`
	Algorithm string `json:"algorithm"`
	MAC       string `json:"mac"`
	Valid     *bool  `json:"valid"`
	Reason    string `json:"reason"`
}

func macRows(t *testing.T, out string) []macRow {
	t.Helper()
	var rows []macRow
	for _, l := range strings.Split(strings.TrimSpace(out), "\n") {
		if l == "" {
			continue
		}
		var r macRow
		if err := json.Unmarshal([]byte(l), &r); err != nil {
			t.Fatalf("output line %q: %v", l, err)
		}
		rows = append(rows, r)
	}
	return rows
}

// verifyManifest turns generate output into verify rows: the message of
// each manifest row beside its MAC, the MAC passed through change.
func verifyManifest(t *testing.T, manifest string, gen []macRow, change func(i int, mac []byte)) string {
	t.Helper()
	lines := strings.Split(strings.TrimSpace(manifest), "\n")
	var b strings.Builder
	for i, l := range lines {
		var row map[string]string
		if err := json.Unmarshal([]byte(l), &row); err != nil {
			t.Fatal(err)
		}
		mac, _ := base64.StdEncoding.DecodeString(gen[i].MAC)
		if change != nil {
			change(i, mac)
		}
		row["mac"] = base64.StdEncoding.EncodeToString(mac)
		out, _ := json.Marshal(row)
		b.Write(out)
		b.WriteByte('\n')
	}
	return b.String()
}

func noMacSecrets(t *testing.T, texts ...string) {
	t.Helper()
	for _, s := range []string{macSecretMaterial, base64.StdEncoding.EncodeToString([]byte(macSecretMaterial)),
		hex.EncodeToString([]byte(macSecretMaterial)), fakeSecret} {
		for _, text := range texts {
			if strings.Contains(text, s) {
				t.Fatalf("secret %q printed:\n%s", s[:8]+"…", text)
			}
		}
	}
}

// TestMacGenerateRFC4231ThenVerify: every full-length RFC 4231 vector
// through mac generate with a keyring gives the RFC's MAC; mac verify of
// that output finds every row valid; one flipped bit is invalid with
// KMSInvalidMacException and exit 1.
func TestMacGenerateRFC4231ThenVerify(t *testing.T) {
	f := newMacFixture(t)
	out := filepath.Join(f.dir, "macs.ndjson")
	code, _, stderr := runIn(t, "", "mac", "generate", "--keyring", f.keyring, "-o", out, f.manifest)
	if code != exitOK {
		t.Fatalf("mac generate exit %d: %s", code, stderr)
	}
	data, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	gen := macRows(t, string(data))
	if len(gen) != len(f.vectors) {
		t.Fatalf("%d rows for %d vectors", len(gen), len(f.vectors))
	}
	for i, v := range f.vectors {
		r := gen[i]
		if want := base64.StdEncoding.EncodeToString(mustHex(t, v.MacHex)); r.MAC != want || r.Algorithm != v.Algorithm || r.KeyID != macKeyID(v.Source) {
			t.Errorf("%s %s: got %+v, want mac %s", v.Source, v.Algorithm, r, want)
		}
	}

	manifest, _ := os.ReadFile(f.manifest)
	code, stdout, stderr := runIn(t, verifyManifest(t, string(manifest), gen, nil), "mac", "verify", "--keyring", f.keyring, "-")
	if code != exitOK {
		t.Fatalf("mac verify exit %d: %s", code, stderr)
	}
	for _, r := range macRows(t, stdout) {
		if r.Valid == nil || !*r.Valid || r.Reason != "" {
			t.Errorf("row %s: %+v, want valid", r.ID, r)
		}
	}
	if !strings.Contains(stderr, "24 valid, 0 invalid, 0 rejected") {
		t.Errorf("summary: %s", stderr)
	}

	tampered := verifyManifest(t, string(manifest), gen, func(i int, mac []byte) {
		if i == 3 {
			mac[len(mac)-1] ^= 0x01
		}
	})
	summary := filepath.Join(f.dir, "summary.json")
	code, stdout, stderr = runIn(t, tampered, "mac", "verify", "--keyring", f.keyring, "--summary", summary, "-")
	if code != exitRejected {
		t.Fatalf("tampered: exit %d, want 1: %s", code, stderr)
	}
	rows := macRows(t, stdout)
	for i, r := range rows {
		if valid := i != 3; *r.Valid != valid || (!valid && r.Reason != "KMSInvalidMacException") {
			t.Errorf("row %d: %+v", i, r)
		}
	}
	var sum struct {
		Command        string           `json:"command"`
		Valid          int64            `json:"valid"`
		Invalid        int64            `json:"invalid"`
		InvalidReasons map[string]int64 `json:"invalid_reasons"`
		ExitStatus     int              `json:"exit_status"`
	}
	b, _ := os.ReadFile(summary)
	if err := json.Unmarshal(b, &sum); err != nil || sum.Command != "mac verify" || sum.Valid != 23 || sum.Invalid != 1 || sum.InvalidReasons["KMSInvalidMacException"] != 1 || sum.ExitStatus != 1 {
		t.Errorf("summary %s (%v)", b, err)
	}
}

// TestMacRejectsNameRowAndField: what KMS would refuse is a reject naming
// the row and the field, with the KMS exception; nothing is printed of the
// key material.
func TestMacRejectsNameRowAndField(t *testing.T) {
	f := newMacFixture(t)
	big := writeFile(t, filepath.Join(f.dir, "big.bin"), strings.Repeat("x", 4097))
	exact := writeFile(t, filepath.Join(f.dir, "exact.bin"), strings.Repeat("x", 4096))
	empty := writeFile(t, filepath.Join(f.dir, "empty.bin"), "")
	q := func(s string) string { b, _ := json.Marshal(s); return string(b) }
	m := base64.StdEncoding.EncodeToString([]byte("message"))
	manifest := strings.Join([]string{
		`{"id":"ok","key_id":"secret","algorithm":"HMAC_SHA_256","message":"` + m + `"}`,
		`{"id":"exact","key_id":"alias/only256","algorithm":"HMAC_SHA_256","message_file":` + q(exact) + `}`,
		`{"id":"empty","key_id":"secret","algorithm":"HMAC_SHA_256","message":""}`,
		`{"id":"emptyfile","key_id":"secret","algorithm":"HMAC_SHA_256","message_file":` + q(empty) + `}`,
		`{"id":"big","key_id":"secret","algorithm":"HMAC_SHA_256","message_file":` + q(big) + `}`,
		`{"id":"bigb64","key_id":"secret","algorithm":"HMAC_SHA_256","message":"` + base64.StdEncoding.EncodeToString(make([]byte, 4097)) + `"}`,
		`{"id":"unknown","key_id":"alias/nope","algorithm":"HMAC_SHA_256","message":"` + m + `"}`,
		`{"id":"usage","key_id":"only256","algorithm":"HMAC_SHA_384","message":"` + m + `"}`,
		`{"id":"algname","key_id":"secret","algorithm":"HMAC_SHA256","message":"` + m + `"}`,
		`{"id":"b64","key_id":"secret","algorithm":"HMAC_SHA_256","message":"bWVzc2FnZQ"}`,
		`{"id":"nofile","key_id":"secret","algorithm":"HMAC_SHA_256","message_file":` + q(filepath.Join(f.dir, "none")) + `}`,
	}, "\n") + "\n"
	out := filepath.Join(f.dir, "out.ndjson")
	code, stdout, stderr := runIn(t, manifest, "mac", "generate", "--keyring", f.keyring, "-o", out, "-")
	if code != exitRejected {
		t.Fatalf("exit %d, want 1: %s", code, stderr)
	}
	rejFile := filepath.Join(f.dir, "out.rejects.ndjson")
	rej, err := os.ReadFile(rejFile)
	if err != nil {
		t.Fatal(err)
	}
	want := []struct {
		row       int
		id, field string
		text      string
	}{
		{3, "empty", "message", "ValidationException"},
		{4, "emptyfile", "message_file", "ValidationException"},
		{5, "big", "message_file", "ValidationException"},
		{6, "bigb64", "message", "ValidationException"},
		{7, "unknown", "key_id", "NotFoundException"},
		{8, "usage", "algorithm", "InvalidKeyUsageException"},
		{9, "algname", "algorithm", "ValidationException"},
		{10, "b64", "message", "base64"},
		{11, "nofile", "message_file", "no such file"},
	}
	lines := strings.Split(strings.TrimSpace(string(rej)), "\n")
	if len(lines) != len(want) {
		t.Fatalf("rejects:\n%s", rej)
	}
	for i, w := range want {
		var r struct {
			Row       int
			ID, Field string
			Error     string
		}
		if err := json.Unmarshal([]byte(lines[i]), &r); err != nil {
			t.Fatal(err)
		}
		if r.Row != w.row || r.ID != w.id || r.Field != w.field || !strings.Contains(r.Error, w.text) {
			t.Errorf("reject %d: %s; want row %d id %s field %s with %q", i, lines[i], w.row, w.id, w.field, w.text)
		}
	}
	got, _ := os.ReadFile(out)
	if rows := macRows(t, string(got)); len(rows) != 2 || rows[0].ID != "ok" || rows[1].ID != "exact" {
		t.Errorf("output %s", got)
	}
	noMacSecrets(t, stdout, stderr, string(got), string(rej))

	// verify: a missing, empty or malformed mac is a reject naming mac.
	vm := `{"id":"nomac","key_id":"secret","algorithm":"HMAC_SHA_256","message":"` + m + `"}
{"id":"badmac","key_id":"secret","algorithm":"HMAC_SHA_256","message":"` + m + `","mac":"!!"}
{"id":"short","key_id":"secret","algorithm":"HMAC_SHA_256","message":"` + m + `","mac":"AAAA"}
{"id":"unknown","key_id":"nope","algorithm":"HMAC_SHA_256","message":"` + m + `","mac":"AAAA"}
`
	code, stdout, stderr = runIn(t, vm, "mac", "verify", "--keyring", f.keyring, "-")
	if code != exitRejected || !strings.Contains(stderr, `"id":"nomac","field":"mac"`) || !strings.Contains(stderr, `"id":"badmac","field":"mac"`) ||
		!strings.Contains(stderr, `"id":"unknown","field":"key_id"`) || stdout != `{"id":"short","valid":false,"reason":"KMSInvalidMacException"}`+"\n" {
		t.Errorf("verify exit %d\nstdout %s\nstderr %s", code, stdout, stderr)
	}
	noMacSecrets(t, stdout, stderr)
}

// TestMacKMSEndpointGivesIdenticalMacs: the same manifest through the
// remote backend (the AWS KMS JSON API, here kmstest checking our SigV4)
// gives the same MACs as the keyring; wrong credentials stop the run
// (exit 3, nothing at -o) instead of rejecting every row.
func TestMacKMSEndpointGivesIdenticalMacs(t *testing.T) {
	f := newMacFixture(t)
	srv := kmstest.NewServer(f.ring, kmstest.Options{Region: "us-east-1",
		Credentials: []sigv4.Credentials{{AccessKeyID: "AKIDBATCHSIGNTEST", SecretAccessKey: fakeSecret}}})
	defer srv.Close()

	code, local, stderr := runIn(t, "", "mac", "generate", "--keyring", f.keyring, f.manifest)
	if code != exitOK {
		t.Fatalf("keyring: exit %d: %s", code, stderr)
	}
	code, remote, stderr := runIn(t, "", "mac", "generate", "--kms-endpoint", srv.URL, "--region", "us-east-1", "--workers", "4", f.manifest)
	if code != exitOK {
		t.Fatalf("kms: exit %d: %s", code, stderr)
	}
	if remote != local {
		t.Errorf("kms output differs from the keyring's:\n%s\nvs\n%s", remote, local)
	}
	if n := srv.Requests(); n != len(f.vectors) {
		t.Errorf("%d KMS requests for %d rows", n, len(f.vectors))
	}
	manifest, _ := os.ReadFile(f.manifest)
	tampered := verifyManifest(t, string(manifest), macRows(t, local), func(i int, mac []byte) {
		if i == 0 {
			mac[0] ^= 0x80
		}
	})
	code, stdout, stderr := runIn(t, tampered, "mac", "verify", "--kms-endpoint", srv.URL, "-")
	rows := macRows(t, stdout)
	if code != exitRejected || len(rows) != len(f.vectors) || *rows[0].Valid || rows[0].Reason != "KMSInvalidMacException" || !*rows[1].Valid {
		t.Errorf("kms verify exit %d: %s\n%s", code, stdout, stderr)
	}
	// Row errors from KMS are rejects, as with the keyring.
	code, _, stderr = runIn(t, `{"id":"u","key_id":"only256","algorithm":"HMAC_SHA_512","message":"eA=="}`+"\n", "mac", "generate", "--kms-endpoint", srv.URL, "-")
	if code != exitRejected || !strings.Contains(stderr, `"field":"algorithm"`) || !strings.Contains(stderr, "InvalidKeyUsageException") {
		t.Errorf("kms reject: exit %d: %s", code, stderr)
	}
	srv.SetKeyState("only256", kmstest.KeyDisabled)
	code, _, stderr2 := runIn(t, `{"id":"d","key_id":"alias/only256","algorithm":"HMAC_SHA_256","message":"eA=="}`+"\n", "mac", "generate", "--kms-endpoint", srv.URL, "-")
	if code != exitRejected || !strings.Contains(stderr2, `"field":"key_id"`) || !strings.Contains(stderr2, "DisabledException") {
		t.Errorf("disabled key: exit %d: %s", code, stderr2)
	}
	noMacSecrets(t, local, remote, stdout, stderr, stderr2)

	// A wrong secret: the first answer (InvalidSignatureException) is fatal.
	t.Setenv("AWS_SECRET_ACCESS_KEY", fakeSecret+"x")
	out := filepath.Join(f.dir, "remote.ndjson")
	before := srv.Requests()
	code, _, stderr = runIn(t, "", "mac", "generate", "--kms-endpoint", srv.URL, "--workers", "1", "-o", out, f.manifest)
	if code != exitFailed || !strings.Contains(stderr, "InvalidSignatureException") {
		t.Errorf("wrong secret: exit %d, want 3: %s", code, stderr)
	}
	if _, err := os.Stat(out); !os.IsNotExist(err) {
		t.Errorf("-o written after a fatal error: %v", err)
	}
	if n := srv.Requests() - before; n != 1 {
		t.Errorf("%d requests after the run was refused; want 1", n)
	}
	noMacSecrets(t, stderr)
}

// TestMacConfigurationErrorsExitTwo: no backend, both, a keyring others
// can read, an unknown subcommand: exit 2 and nothing written.
func TestMacConfigurationErrorsExitTwo(t *testing.T) {
	f := newMacFixture(t)
	open := filepath.Join(f.dir, "open.json")
	data, _ := os.ReadFile(f.keyring)
	if err := os.WriteFile(open, data, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(open, 0o644); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(f.dir, "out.ndjson")
	for _, c := range []struct {
		name, want string
		args       []string
	}{
		{"no backend", "--keyring", []string{"mac", "generate", "-o", out, f.manifest}},
		{"both", "not both", []string{"mac", "verify", "--keyring", f.keyring, "--kms-endpoint", "http://127.0.0.1:1", "-o", out, f.manifest}},
		{"keyring 0644", "chmod 600", []string{"mac", "generate", "--keyring", open, "-o", out, f.manifest}},
		{"http elsewhere", "loopback", []string{"mac", "generate", "--kms-endpoint", "http://kms.example.com", "-o", out, f.manifest}},
		{"subcommand", "unknown subcommand", []string{"mac", "sign", f.manifest}},
		{"none", "usage: batchsign mac generate", []string{"mac"}},
	} {
		code, stdout, stderr := runIn(t, "", c.args...)
		if code != exitUsage || !strings.Contains(stderr, c.want) || stdout != "" {
			t.Errorf("%s: exit %d, stderr %q; want 2 mentioning %q", c.name, code, stderr, c.want)
		}
		if _, err := os.Stat(out); !os.IsNotExist(err) {
			t.Errorf("%s: -o written", c.name)
		}
		noMacSecrets(t, stderr)
	}
}
