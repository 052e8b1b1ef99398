package keyring

import (
	"bytes"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/batchsign/batchsign/sigerr"
)

// material32 is a 32-byte key whose every encoding is distinctive enough to
// search for in printed output.
var material32 = []byte("K3y-M4t3r1al:never-print-me!0123")

func b64(b []byte) string { return base64.StdEncoding.EncodeToString(b) }

// secretForms are the ways key material could leak into text.
func secretForms(m []byte) []string {
	return []string{string(m), b64(m), hex.EncodeToString(m), fmt.Sprintf("%v", m), fmt.Sprintf("%q", m)}
}

func assertNoSecret(t *testing.T, what, text string, m []byte) {
	t.Helper()
	for _, s := range secretForms(m) {
		if strings.Contains(text, s) {
			t.Fatalf("%s leaks key material (%q) in %q", what, s, text)
		}
	}
}

// docExample returns the keyring JSON shown in the package documentation,
// so that the documented format is the tested one.
func docExample(t *testing.T) []byte {
	t.Helper()
	src, err := os.ReadFile("doc.go")
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	in := false
	for _, line := range strings.Split(string(src), "\n") {
		switch {
		case line == "//\t{":
			in = true
		case !in:
			continue
		}
		out = append(out, strings.TrimPrefix(line, "//\t"))
		if line == "//\t}" {
			break
		}
	}
	if len(out) == 0 {
		t.Fatal("no example in doc.go")
	}
	return []byte(strings.Join(out, "\n"))
}

func TestParseAcceptsTheDocumentedExample(t *testing.T) {
	r, err := Parse(docExample(t), "doc.go")
	if err != nil {
		t.Fatal(err)
	}
	if r.Len() != 2 {
		t.Fatalf("Len = %d, want 2", r.Len())
	}
	k, err := r.Lookup("alias/orders/v2")
	if err != nil || k.ID != "1234abcd-12ab-34cd-56ef-1234567890ab" {
		t.Fatalf("Lookup(alias/orders/v2) = %v, %v", k, err)
	}
	if !k.Allows(MacHMACSHA256) || k.Allows(MacHMACSHA512) {
		t.Errorf("algorithms = %v, want only HMAC_SHA_256", k.Algorithms)
	}
	// "Jefe" is RFC 4231 test case 2's key; allow_any_length admits it.
	rfc, err := r.Lookup("rfc4231-case-2")
	if err != nil {
		t.Fatal(err)
	}
	mac, err := GenerateMac(rfc, MacHMACSHA256, []byte("what do ya want for nothing?"))
	if err != nil {
		t.Fatal(err)
	}
	if got, want := hex.EncodeToString(mac), "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"; got != want {
		t.Errorf("RFC 4231 case 2 HMAC-SHA-256 = %s, want %s", got, want)
	}
}

// keyJSON builds one key object; fields set to "-" are left out.
func keyJSON(id, aliases, algs, material, extra string) string {
	var parts []string
	if id != "-" {
		parts = append(parts, `"key_id":`+id)
	}
	if aliases != "-" {
		parts = append(parts, `"aliases":`+aliases)
	}
	if algs != "-" {
		parts = append(parts, `"algorithms":`+algs)
	}
	if material != "-" {
		parts = append(parts, `"key_material":`+material)
	}
	if extra != "" {
		parts = append(parts, extra)
	}
	return "{" + strings.Join(parts, ",") + "}"
}

func ring(keys ...string) []byte {
	return []byte(`{"version":1,"keys":[` + strings.Join(keys, ",") + `]}`)
}

func TestParseRefusesInvalidKeyrings(t *testing.T) {
	m := `"` + b64(material32) + `"`
	good := keyJSON(`"k1"`, `["alias/one"]`, `["HMAC_SHA_256"]`, m, "")
	cases := []struct {
		name string
		data []byte
		want string // substring of the error
	}{
		{"empty file", []byte(""), "empty file"},
		{"not JSON", []byte("keys: []"), "invalid JSON at line 1, column 1"},
		{"syntax error on line 3", []byte("{\n\"keys\": [\n  {\"key_id\" \"k\"}]}"), "line 3, column 13"},
		{"truncated", []byte(`{"keys":[`), "truncated JSON"},
		{"trailing data", []byte(string(ring(good)) + ` {}`), "unexpected data after the keyring object"},
		{"array at top", []byte(`[]`), "wrong JSON type at the top level"},
		{"unknown top-level field", []byte(`{"keys":[` + good + `],"kyes":[]}`), `unknown field "kyes"`},
		{"misspelt key field", ring(keyJSON(`"k1"`, `-`, `["HMAC_SHA_256"]`, "-", `"key_materail":`+m)), `unknown field "key_materail"`},
		{"version 2", []byte(`{"version":2,"keys":[` + good + `]}`), "unsupported version 2"},
		{"no keys", []byte(`{"keys":[]}`), "keys: no keys"},
		{"keys missing", []byte(`{}`), "keys: no keys"},
		{"missing key id", ring(keyJSON(`-`, `-`, `["HMAC_SHA_256"]`, m, "")), "keys[0]: key_id: missing key id"},
		{"key id with slash", ring(keyJSON(`"a/b"`, `-`, `["HMAC_SHA_256"]`, m, "")), `keys[0]: key_id: character '/' at byte 1`},
		{"key id that is an ARN", ring(keyJSON(`"arn:aws:kms:x"`, `-`, `["HMAC_SHA_256"]`, m, "")), `character ':'`},
		{"key id too long", ring(keyJSON(`"`+strings.Repeat("a", 257)+`"`, `-`, `["HMAC_SHA_256"]`, m, "")), "longer than 256"},
		{"key id wrong type", ring(keyJSON(`42`, `-`, `["HMAC_SHA_256"]`, m, "")), "wrong JSON type at keys.key_id"},
		{"duplicate key id", ring(good, keyJSON(`"k1"`, `-`, `["HMAC_SHA_256"]`, m, "")), `key "k1": key_id: key id "k1" is used by an earlier key`},
		{"alias without prefix", ring(keyJSON(`"k1"`, `["one"]`, `["HMAC_SHA_256"]`, m, "")), `key "k1": aliases[0]: an alias must start with "alias/"`},
		{"alias with no name", ring(keyJSON(`"k1"`, `["alias/"]`, `["HMAC_SHA_256"]`, m, "")), "has no name"},
		{"alias aws reserved", ring(keyJSON(`"k1"`, `["alias/aws/s3"]`, `["HMAC_SHA_256"]`, m, "")), "reserved for AWS managed keys"},
		{"alias bad character", ring(keyJSON(`"k1"`, `["alias/a b"]`, `["HMAC_SHA_256"]`, m, "")), `character ' ' at byte 7`},
		{"alias too long", ring(keyJSON(`"k1"`, `["alias/`+strings.Repeat("a", 251)+`"]`, `["HMAC_SHA_256"]`, m, "")), "longer than 256"},
		{"alias twice in one key", ring(keyJSON(`"k1"`, `["alias/a","alias/a"]`, `["HMAC_SHA_256"]`, m, "")), `aliases[1]: alias "alias/a" is listed twice`},
		{"alias shared by two keys", ring(good, keyJSON(`"k2"`, `["alias/one"]`, `["HMAC_SHA_256"]`, m, "")), `key "k2": aliases[0]: alias "alias/one" already names key "k1"`},
		{"no algorithms", ring(keyJSON(`"k1"`, `-`, `[]`, m, "")), "algorithms: no algorithms"},
		{"algorithms missing", ring(keyJSON(`"k1"`, `-`, `-`, m, "")), "algorithms: no algorithms"},
		{"lenient algorithm name", ring(keyJSON(`"k1"`, `-`, `["sha256"]`, m, "")), `algorithms[0]: unknown algorithm "sha256"`},
		{"algorithm twice", ring(keyJSON(`"k1"`, `-`, `["HMAC_SHA_256","HMAC_SHA_256"]`, m, "")), "algorithms[1]: HMAC_SHA_256 is listed twice"},
		{"material missing", ring(keyJSON(`"k1"`, `-`, `["HMAC_SHA_256"]`, "-", "")), "key_material: missing"},
		{"material null", ring(keyJSON(`"k1"`, `-`, `["HMAC_SHA_256"]`, "null", "")), "key_material: missing"},
		{"material empty", ring(keyJSON(`"k1"`, `-`, `["HMAC_SHA_256"]`, `""`, "")), "key_material: empty"},
		{"material not a string", ring(keyJSON(`"k1"`, `-`, `["HMAC_SHA_256"]`, `[1,2]`, "")), "must be a JSON string"},
		{"material url-safe base64", ring(keyJSON(`"k1"`, `-`, `["HMAC_SHA_256"]`, `"`+base64.URLEncoding.EncodeToString(bytes.Repeat([]byte{0xfb}, 32))+`"`, "")), "not standard padded base64"},
		{"material unpadded", ring(keyJSON(`"k1"`, `-`, `["HMAC_SHA_256"]`, `"`+base64.RawStdEncoding.EncodeToString(material32)+`"`, "")), "not standard padded base64"},
		{"material with escape", ring(keyJSON(`"k1"`, `-`, `["HMAC_SHA_256"]`, `"\u0041AAA"`, "")), "JSON escape at character 1"},
		{"material too short for 256", ring(keyJSON(`"k1"`, `-`, `["HMAC_SHA_256"]`, `"`+b64(material32[:31])+`"`, "")), "31 bytes of key material; KMS accepts 32 to 64 bytes for HMAC_SHA_256"},
		{"material too long for 224", ring(keyJSON(`"k1"`, `-`, `["HMAC_SHA_224"]`, `"`+b64(bytes.Repeat(material32, 3))+`"`, "")), "96 bytes of key material; KMS accepts 28 to 64 bytes for HMAC_SHA_224"},
		{"material fits 256 not 512", ring(keyJSON(`"k1"`, `-`, `["HMAC_SHA_256","HMAC_SHA_512"]`, m, "")), "KMS accepts 64 to 128 bytes for HMAC_SHA_512"},
		{"allow_any_length still needs material", ring(keyJSON(`"k1"`, `-`, `["HMAC_SHA_256"]`, `""`, `"allow_any_length":true`)), "key_material: empty"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r, err := Parse(c.data, "test.json")
			if err == nil {
				t.Fatalf("Parse accepted it: %v", r)
			}
			if !errors.Is(err, ErrInvalid) {
				t.Errorf("error %q is not errors.Is ErrInvalid", err)
			}
			if !strings.HasPrefix(err.Error(), "keyring test.json: ") {
				t.Errorf("error %q does not name the source first", err)
			}
			if !strings.Contains(err.Error(), c.want) {
				t.Errorf("error %q does not contain %q", err, c.want)
			}
			assertNoSecret(t, "error", err.Error(), material32)
		})
	}
}

func TestParseUnknownAlgorithmWrapsEngineError(t *testing.T) {
	_, err := Parse(ring(keyJSON(`"k1"`, `-`, `["HMAC_SHA_1"]`, `"`+b64(material32)+`"`, "")), "t")
	if !errors.Is(err, ErrUnknownAlgorithm) || !errors.Is(err, ErrInvalid) {
		t.Fatalf("err = %v, want errors.Is ErrUnknownAlgorithm and ErrInvalid", err)
	}
}

// TestParseErrorsNeverQuoteMaterial puts the faults inside key_material, where
// the standard JSON and base64 errors would quote what they found.
func TestParseErrorsNeverQuoteMaterial(t *testing.T) {
	secret := b64(material32)
	for _, data := range []string{
		`{"keys":[{"key_id":"k","algorithms":["HMAC_SHA_256"],"key_material":"` + secret[:10] + "\x01" + secret[10:] + `"}]}`,
		`{"keys":[{"key_id":"k","algorithms":["HMAC_SHA_256"],"key_material":"` + secret[:10] + "!" + secret[10:] + `"}]}`,
		`{"keys":[{"key_id":"k","algorithms":["HMAC_SHA_256"],"key_material":"` + secret + `"` + secret + `}]}`,
		`{"keys":[{"key_id":"k","algorithms":["HMAC_SHA_256"],"key_material":` + secret + `}]}`,
		`{"keys":[{"key_id":"k","algorithms":["HMAC_SHA_256"],"key_material":"` + secret + `"}],"keys":` + secret + `}`,
		`{"keys":[{"key_id":"k","algorithms":["HMAC_SHA_256"],"key_material":"` + secret + `","aliases":"` + secret + `"}]}`,
		`{"keys":[{"key_id":"k","algorithms":["HMAC_SHA_256"],"key_material":"` + secret + `","aliases":["` + secret + `"]}]}`,
		`{"keys":[{"key_id":"` + secret + `","algorithms":["HMAC_SHA_256"],"key_material":"` + secret + `"}]}`,
	} {
		_, err := Parse([]byte(data), "t")
		if err == nil {
			t.Fatalf("Parse accepted %q", data)
		}
		for _, s := range []string{secret, secret[:10], secret[10:20], string(material32)} {
			if strings.Contains(err.Error(), s) {
				t.Errorf("error %q quotes key material %q", err, s)
			}
		}
	}
}

func TestParseAcceptsEscapedSlashInMaterial(t *testing.T) {
	m := bytes.Repeat([]byte{0xff}, 32) // base64 "////…"
	enc := strings.ReplaceAll(b64(m), "/", `\/`)
	r, err := Parse(ring(keyJSON(`"k1"`, `-`, `["HMAC_SHA_256"]`, `"`+enc+`"`, "")), "t")
	if err != nil {
		t.Fatal(err)
	}
	k, _ := r.Lookup("k1")
	want, _ := NewMacKey("k1", m, []MacAlgorithm{MacHMACSHA256})
	a, _ := GenerateMac(k, MacHMACSHA256, []byte("x"))
	b, _ := GenerateMac(want, MacHMACSHA256, []byte("x"))
	if !bytes.Equal(a, b) {
		t.Fatal("material decoded from \\/ differs")
	}
}

func TestParseAcceptsKMSLengthBounds(t *testing.T) {
	for _, a := range []MacAlgorithm{MacHMACSHA224, MacHMACSHA256, MacHMACSHA384, MacHMACSHA512} {
		lo, hi := MaterialLength(a)
		for _, n := range []int{lo, hi} {
			m := `"` + b64(bytes.Repeat([]byte{7}, n)) + `"`
			if _, err := Parse(ring(keyJSON(`"k"`, `-`, `["`+a.String()+`"]`, m, "")), "t"); err != nil {
				t.Errorf("%s with %d bytes: %v", a, n, err)
			}
			for _, bad := range []int{lo - 1, hi + 1} {
				m := `"` + b64(bytes.Repeat([]byte{7}, bad)) + `"`
				if _, err := Parse(ring(keyJSON(`"k"`, `-`, `["`+a.String()+`"]`, m, "")), "t"); err == nil {
					t.Errorf("%s with %d bytes accepted", a, bad)
				}
				if _, err := Parse(ring(keyJSON(`"k"`, `-`, `["`+a.String()+`"]`, m, `"allow_any_length":true`)), "t"); err != nil {
					t.Errorf("%s with %d bytes and allow_any_length: %v", a, bad, err)
				}
			}
		}
	}
	if lo, hi := MaterialLength(0); lo != 0 || hi != 0 {
		t.Errorf("MaterialLength(0) = %d, %d", lo, hi)
	}
}

func testRing(t *testing.T) *Keyring {
	t.Helper()
	r, err := Parse(ring(
		keyJSON(`"1234abcd-12ab-34cd-56ef-1234567890ab"`, `["alias/orders","alias/team/orders"]`, `["HMAC_SHA_256"]`, `"`+b64(material32)+`"`, `"description":"x"`),
		keyJSON(`"mrk-1234abcd12ab34cd56ef1234567890ab"`, `-`, `["HMAC_SHA_384","HMAC_SHA_512"]`, `"`+b64(bytes.Repeat(material32, 2))+`"`, ""),
	), "test ring")
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func TestLookupAcceptsEveryKMSForm(t *testing.T) {
	r := testRing(t)
	const id = "1234abcd-12ab-34cd-56ef-1234567890ab"
	for _, name := range []string{
		id,
		"arn:aws:kms:us-east-1:111122223333:key/" + id,
		"arn:aws-cn:kms:cn-north-1:111122223333:key/" + id,
		"alias/orders",
		"alias/team/orders",
		"arn:aws:kms:eu-west-1:111122223333:alias/orders",
		"arn:aws:kms:eu-west-1:111122223333:alias/team/orders",
	} {
		k, err := r.Lookup(name)
		if err != nil || k.ID != id {
			t.Errorf("Lookup(%q) = %v, %v", name, k, err)
		}
	}
	for _, name := range []string{
		"", "orders", "alias/Orders", "alias/other", id + "x",
		"arn:aws:s3:us-east-1:111122223333:key/" + id, // not a KMS ARN
		"arn:aws:kms:us-east-1:111122223333:" + id,    // no resource type
		"arn:aws:kms:us-east-1:key/" + id,             // too few parts
		"arn:aws:kms:us-east-1:111122223333:key/alias/orders",
		"key/" + id,
	} {
		_, err := r.Lookup(name)
		if !errors.Is(err, ErrKMSNotFound) || !errors.Is(err, sigerr.ErrUnknownKey) {
			t.Errorf("Lookup(%q) err = %v, want NotFoundException", name, err)
		}
	}
}

func TestNewAppliesTheFileRules(t *testing.T) {
	k1, _ := NewMacKey("k1", material32, []MacAlgorithm{MacHMACSHA256}, "alias/a")
	k2, _ := NewMacKey("k2", material32, []MacAlgorithm{MacHMACSHA256}, "b") // engine adds alias/
	if r, err := New("mem", k1, k2); err != nil || r.Len() != 2 {
		t.Fatalf("New = %v, %v", r, err)
	}
	noAlg, _ := NewMacKey("k3", material32, nil)
	slash, _ := NewMacKey("k/3", material32, []MacAlgorithm{MacHMACSHA256})
	for name, keys := range map[string][]MacKey{
		"none":           nil,
		"duplicate id":   {k1, k1},
		"shared alias":   {k2, mustKey(t, "k4", "alias/b")},
		"no algorithms":  {noAlg},
		"bad id":         {slash},
		"zero MacKey":    {{ID: "z", Algorithms: []MacAlgorithm{MacHMACSHA256}}},
		"reserved alias": {mustKey(t, "k5", "alias/aws/x")},
	} {
		if _, err := New("mem", keys...); !errors.Is(err, ErrInvalid) {
			t.Errorf("%s: New err = %v, want ErrInvalid", name, err)
		}
	}
}

func mustKey(t *testing.T, id string, aliases ...string) MacKey {
	t.Helper()
	k, err := NewMacKey(id, material32, []MacAlgorithm{MacHMACSHA256}, aliases...)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

func TestKeysIsACopy(t *testing.T) {
	r := testRing(t)
	ks := r.Keys()
	ks[0].ID = "changed"
	if k, err := r.Lookup("alias/orders"); err != nil || k.ID == "changed" {
		t.Fatalf("Keys shares its slice: %v %v", k, err)
	}
	if r.Source() != "test ring" {
		t.Errorf("Source = %q", r.Source())
	}
}

// TestNothingPrintsKeyMaterial formats every type that holds material with
// every verb, alone and nested in a caller's struct, and logs them.
func TestNothingPrintsKeyMaterial(t *testing.T) {
	r := testRing(t)
	l := NewLocal(r)
	k, _ := r.Lookup("alias/orders")
	type holder struct {
		ring  *Keyring
		local *Local
		key   MacKey
		keys  []MacKey
	}
	values := []any{r, l, k, r.Keys(), holder{r, l, k, r.Keys()}, &holder{r, l, k, r.Keys()}, *r, *l}
	verbs := []string{"%v", "%+v", "%#v", "%s", "%q", "%x", "%X", "%d", "%T"}
	for _, v := range values {
		for _, verb := range verbs {
			assertNoSecret(t, fmt.Sprintf("%s of %T", verb, v), fmt.Sprintf(verb, v), material32)
			assertNoSecret(t, fmt.Sprintf("%s of %T", verb, v), fmt.Sprintf(verb, v), bytes.Repeat(material32, 2))
		}
	}
	var buf bytes.Buffer
	log := slog.New(slog.NewJSONHandler(&buf, nil))
	log.Info("x", "ring", r, "local", l, "key", k)
	slog.New(slog.NewTextHandler(&buf, nil)).Info("x", "ring", r, "local", l, "key", k)
	assertNoSecret(t, "slog", buf.String(), material32)
	if !strings.Contains(fmt.Sprint(r), "1234abcd-12ab-34cd-56ef-1234567890ab") {
		t.Errorf("String should name the key ids: %s", r)
	}
}

func writeKeyring(t *testing.T, dir, name string, mode os.FileMode) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, docExample(t), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(p, mode); err != nil { // WriteFile's mode passes through the umask
		t.Fatal(err)
	}
	return p
}

func TestLoadChecksPermissions(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("no Unix permission bits")
	}
	dir := t.TempDir()
	cases := []struct {
		mode os.FileMode
		ok   bool
		who  string
	}{
		{0o600, true, ""},
		{0o400, true, ""},
		{0o700, true, ""},
		{0o640, false, "group may access it"},
		{0o644, false, "group and others may access it"},
		{0o604, false, "others may access it"},
		{0o620, false, "group may access it"},
		{0o602, false, "others may access it"},
		{0o610, false, "group may access it"},
		{0o666, false, "group and others"},
		{0o777, false, "group and others"},
	}
	for _, c := range cases {
		t.Run(fmt.Sprintf("%04o", c.mode), func(t *testing.T) {
			p := writeKeyring(t, dir, fmt.Sprintf("ring-%o.json", c.mode), c.mode)
			r, err := Load(p)
			if c.ok {
				if err != nil || r.Len() != 2 || r.Source() != p {
					t.Fatalf("Load = %v, %v", r, err)
				}
				return
			}
			if err == nil {
				t.Fatal("Load accepted a keyring others can access")
			}
			var pe *PermissionError
			if !errors.As(err, &pe) || pe.Mode != c.mode || pe.Path != p || !errors.Is(err, ErrInsecurePermissions) {
				t.Fatalf("err = %#v, want a PermissionError for %s mode %o", err, p, c.mode)
			}
			msg := err.Error()
			for _, want := range []string{p, fmt.Sprintf("permissions %04o are too open", c.mode), c.who, "chmod 600 " + p} {
				if !strings.Contains(msg, want) {
					t.Errorf("error %q does not contain %q", msg, want)
				}
			}
		})
	}
}

func TestLoadQuotesAnOddPathInTheFix(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("no Unix permission bits")
	}
	p := writeKeyring(t, t.TempDir(), "my ring's.json", 0o644)
	_, err := Load(p)
	want := `chmod 600 '` + strings.ReplaceAll(p, `'`, `'\''`) + `'`
	if err == nil || !strings.Contains(err.Error(), want) {
		t.Fatalf("err = %v, want it to contain %s", err, want)
	}
}

// TestLoadChecksTheFileALinkLeadsTo: links are followed (Kubernetes mounts
// Secrets through them) and the target's mode is the one judged.
func TestLoadChecksTheFileALinkLeadsTo(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("no Unix permission bits")
	}
	dir := t.TempDir()
	private := writeKeyring(t, dir, "private.json", 0o600)
	open := writeKeyring(t, dir, "open.json", 0o644)
	for target, ok := range map[string]bool{private: true, open: false} {
		link := filepath.Join(dir, "link-to-"+filepath.Base(target))
		if err := os.Symlink(target, link); err != nil {
			t.Skip("symlinks unavailable:", err)
		}
		_, err := Load(link)
		if ok != (err == nil) {
			t.Errorf("Load(link to %s) = %v", filepath.Base(target), err)
		}
		if !ok && !errors.Is(err, ErrInsecurePermissions) {
			t.Errorf("Load(link to open file) err = %v, want ErrInsecurePermissions", err)
		}
	}
}

func TestLoadRefusesWhatIsNotARegularFile(t *testing.T) {
	dir := t.TempDir()
	if err := os.Chmod(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	if _, err := Load(dir); err == nil || !strings.Contains(err.Error(), "not a regular file") {
		t.Errorf("Load(dir) = %v", err)
	}
	if _, err := Load(filepath.Join(dir, "missing.json")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("Load(missing) = %v, want ErrNotExist", err)
	}
}

func TestLoadReportsContentErrorsWithThePath(t *testing.T) {
	p := filepath.Join(t.TempDir(), "bad.json")
	if err := os.WriteFile(p, []byte(`{"keys":[]}`), 0o600); err != nil {
		t.Fatal(err)
	}
	_, err := Load(p)
	if !errors.Is(err, ErrInvalid) || !strings.HasPrefix(err.Error(), "keyring "+p+": ") {
		t.Fatalf("err = %v", err)
	}
}

func TestReadAllWipesWhatItOutgrows(t *testing.T) {
	data := bytes.Repeat([]byte("s"), 5000)
	b := make([]byte, 0, 16)
	first := b[:cap(b)]
	got, err := readAll(b, bytes.NewReader(data))
	if err != nil || !bytes.Equal(got, data) {
		t.Fatalf("readAll = %d bytes, %v", len(got), err)
	}
	if !bytes.Equal(first, make([]byte, 16)) {
		t.Errorf("the outgrown buffer still holds %q", first)
	}
}
