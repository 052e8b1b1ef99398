package keyring

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"strconv"
	"strings"
)

// MaxFileSize bounds what Load reads: a keyring of thousands of keys fits in
// far less, and a path that leads to something endless fails fast.
const MaxFileSize = 16 << 20

// fileFormat is the keyring file (see the package documentation).
type fileFormat struct {
	Version *int      `json:"version"`
	Keys    []fileKey `json:"keys"`
}

type fileKey struct {
	KeyID          string   `json:"key_id"`
	Aliases        []string `json:"aliases"`
	Algorithms     []string `json:"algorithms"`
	KeyMaterial    rawJSON  `json:"key_material"`
	AllowAnyLength bool     `json:"allow_any_length"`
	Description    string   `json:"description"`
}

// rawJSON holds key_material as the raw JSON text, so that it is decoded
// into a buffer this package owns and wipes, never into an immutable string.
type rawJSON []byte

// UnmarshalJSON keeps a copy of the raw value.
func (r *rawJSON) UnmarshalJSON(b []byte) error {
	*r = append((*r)[:0], b...)
	return nil
}

// Load reads and validates the keyring file at path, after checking that
// group and others cannot access it (see the package documentation). The
// file's bytes are wiped once parsed.
func Load(path string) (*Keyring, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("keyring: %w", err)
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return nil, fmt.Errorf("keyring: %w", err)
	}
	if !fi.Mode().IsRegular() {
		return nil, &Error{Source: path, Detail: "not a regular file (" + fi.Mode().Type().String() + ")"}
	}
	if err := checkPermissions(path, fi.Mode()); err != nil {
		return nil, err
	}
	if fi.Size() > MaxFileSize {
		return nil, &Error{Source: path, Detail: "file larger than " + strconv.Itoa(MaxFileSize) + " bytes"}
	}
	data := make([]byte, 0, fi.Size()+1)
	data, err = readAll(data, io.LimitReader(f, MaxFileSize+1))
	defer clear(data[:cap(data)])
	if err != nil {
		return nil, fmt.Errorf("keyring %s: %w", path, err)
	}
	if len(data) > MaxFileSize {
		return nil, &Error{Source: path, Detail: "file larger than " + strconv.Itoa(MaxFileSize) + " bytes"}
	}
	return Parse(data, path)
}

// readAll is io.ReadAll into a buffer the caller can wipe: io.ReadAll would
// leave copies of the secret in the buffers it outgrows.
func readAll(b []byte, r io.Reader) ([]byte, error) {
	for {
		if len(b) == cap(b) {
			nb := make([]byte, len(b), 2*cap(b)+512)
			copy(nb, b)
			clear(b)
			b = nb
		}
		n, err := r.Read(b[len(b):cap(b)])
		b = b[:len(b)+n]
		if err == io.EOF {
			return b, nil
		}
		if err != nil {
			return b, err
		}
	}
}

// Parse validates a keyring in the file format (see the package
// documentation) and returns it. source names it in errors (a file name, or
// a label such as "stdin"). Parse checks no permissions; it does not modify
// or keep data, so the caller may wipe it afterwards.
func Parse(data []byte, source string) (*Keyring, error) {
	var ff fileFormat
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	err := dec.Decode(&ff)
	defer func() {
		for _, k := range ff.Keys {
			clear(k.KeyMaterial)
		}
	}()
	if err != nil {
		return nil, &Error{Source: source, Detail: jsonErrorText(data, err)}
	}
	if dec.More() {
		return nil, &Error{Source: source, Detail: "unexpected data after the keyring object"}
	}
	if ff.Version != nil && *ff.Version != 1 {
		return nil, &Error{Source: source, Field: "version", Detail: "unsupported version " + strconv.Itoa(*ff.Version) + " (this batchsign reads version 1)"}
	}
	r := &Keyring{source: source, byID: map[string]int{}, byAlias: map[string]int{}}
	if len(ff.Keys) == 0 {
		return nil, r.errorf("", "keys", "no keys")
	}
	r.keys = make([]MacKey, 0, len(ff.Keys))
	for i := range ff.Keys {
		k, err := r.fileKey(i, &ff.Keys[i])
		if err != nil {
			return nil, err
		}
		if err := r.add(i, k); err != nil {
			return nil, err
		}
	}
	return r, nil
}

// fileKey turns one decoded key into an MacKey, checking what only
// the file form has: algorithm names, alias spelling, base64 and length.
func (r *Keyring) fileKey(i int, fk *fileKey) (MacKey, error) {
	label := keyLabel(i, fk.KeyID)
	if err := checkKeyID(fk.KeyID); err != nil {
		return MacKey{}, r.errorf(label, "key_id", "%v", err)
	}
	// NewMacKey adds a missing "alias/"; the file must say it.
	for j, a := range fk.Aliases {
		if err := checkAlias(a); err != nil {
			return MacKey{}, r.errorf(label, "aliases["+strconv.Itoa(j)+"]", "%v", err)
		}
	}
	if len(fk.Algorithms) == 0 {
		return MacKey{}, r.errorf(label, "algorithms", "no algorithms: list at least one of HMAC_SHA_224, HMAC_SHA_256, HMAC_SHA_384, HMAC_SHA_512")
	}
	algs := make([]MacAlgorithm, len(fk.Algorithms))
	for j, name := range fk.Algorithms {
		a, err := ParseMacAlgorithm(name)
		if err != nil {
			return MacKey{}, &Error{Source: r.source, Key: label, Field: "algorithms[" + strconv.Itoa(j) + "]",
				Detail: "unknown algorithm " + strconv.Quote(truncate(name, 40)) + " (want HMAC_SHA_224, HMAC_SHA_256, HMAC_SHA_384 or HMAC_SHA_512)",
				cause:  err}
		}
		algs[j] = a
	}
	material, err := decodeMaterial(fk.KeyMaterial)
	defer clear(material)
	if err != nil {
		return MacKey{}, r.errorf(label, "key_material", "%v", err)
	}
	if !fk.AllowAnyLength {
		for _, a := range algs {
			if lo, hi := MaterialLength(a); len(material) < lo || len(material) > hi {
				return MacKey{}, r.errorf(label, "key_material",
					"%d bytes of key material; KMS accepts %d to %d bytes for %s (set \"allow_any_length\": true for a key that never lived in KMS)",
					len(material), lo, hi, a)
			}
		}
	}
	k, err := NewMacKey(fk.KeyID, material, algs, fk.Aliases...)
	if err != nil {
		// NewMacKey's errors name the key id only.
		return MacKey{}, r.errorf(label, "", "%v", err)
	}
	return k, nil
}

// decodeMaterial decodes the raw JSON string of key_material (standard
// base64) into a fresh buffer. Its errors give positions, never content.
func decodeMaterial(raw rawJSON) ([]byte, error) {
	if len(raw) == 0 || string(raw) == "null" {
		return nil, errors.New("missing")
	}
	if len(raw) < 2 || raw[0] != '"' || raw[len(raw)-1] != '"' {
		return nil, errors.New("must be a JSON string holding standard base64")
	}
	s := raw[1 : len(raw)-1]
	// Base64 needs no JSON escapes, but some encoders write '/' as "\/".
	// Unescape that one in place in a copy; refuse any other escape.
	text := make([]byte, 0, len(s))
	defer clear(text[:cap(text)])
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c == '\\' {
			if i+1 < len(s) && s[i+1] == '/' {
				text = append(text, '/')
				i++
				continue
			}
			return nil, fmt.Errorf("JSON escape at character %d; write plain standard base64", i+1)
		}
		text = append(text, c)
	}
	if len(text) == 0 {
		return nil, errors.New("empty")
	}
	out := make([]byte, base64.StdEncoding.DecodedLen(len(text)))
	n, err := base64.StdEncoding.Strict().Decode(out, text)
	if err != nil {
		clear(out)
		var ce base64.CorruptInputError
		if errors.As(err, &ce) {
			return nil, fmt.Errorf("not standard padded base64 (RFC 4648 §4): bad input at character %d", int64(ce)+1)
		}
		return nil, errors.New("not standard padded base64 (RFC 4648 §4)")
	}
	return out[:n], nil
}

// MaterialLength returns the lengths of key material, in bytes, that KMS
// accepts for an HMAC key used with a when the material is imported
// (ImportKeyMaterial), as KMS documents them: from the hash's output size to
// its block size, that is 28–64 bytes for HMAC_224, 32–64 for HMAC_256,
// 48–128 for HMAC_384 and 64–128 for HMAC_512. It returns 0, 0 for an
// invalid algorithm.
func MaterialLength(a MacAlgorithm) (lo, hi int) {
	switch a {
	case MacHMACSHA224:
		return 28, 64
	case MacHMACSHA256:
		return 32, 64
	case MacHMACSHA384:
		return 48, 128
	case MacHMACSHA512:
		return 64, 128
	}
	return 0, 0
}

// jsonErrorText describes a decoding error by position and field only: the
// standard messages can quote a character of the input, and that character
// may belong to key material.
func jsonErrorText(data []byte, err error) string {
	var se *json.SyntaxError
	var te *json.UnmarshalTypeError
	switch {
	case errors.As(err, &se):
		// Offset counts the byte that broke the syntax.
		line, col := position(data, se.Offset-1)
		return "invalid JSON at line " + strconv.Itoa(line) + ", column " + strconv.Itoa(col)
	case errors.As(err, &te):
		field := te.Field
		if field == "" {
			field = "the top level"
		}
		line, col := position(data, te.Offset)
		return "wrong JSON type at " + field + " (line " + strconv.Itoa(line) + ", column " + strconv.Itoa(col) + "): got " + te.Value
	case errors.Is(err, io.EOF):
		return "empty file (want a JSON object with \"keys\")"
	case errors.Is(err, io.ErrUnexpectedEOF):
		return "truncated JSON"
	}
	// DisallowUnknownFields reports `json: unknown field "name"`: a field
	// name, which is worth showing.
	if msg := err.Error(); len(msg) < 200 && strings.HasPrefix(msg, `json: unknown field "`) {
		return msg[len("json: "):] + ` (the fields are version, keys, key_id, aliases, algorithms, key_material, allow_any_length, description)`
	}
	return "invalid JSON"
}

// position converts a byte offset into a 1-based line and column.
func position(data []byte, off int64) (line, col int) {
	if off > int64(len(data)) {
		off = int64(len(data))
	}
	if off < 0 {
		off = 0
	}
	line, col = 1, 1
	for _, c := range data[:off] {
		if c == '\n' {
			line, col = line+1, 1
		} else {
			col++
		}
	}
	return line, col
}

// truncate cuts s to n bytes for an error message.
func truncate(s string, n int) string {
	if len(s) > n {
		return s[:n] + "…"
	}
	return s
}

// PermissionError is Load's refusal of a keyring file that group or others
// may access. It is errors.Is ErrInsecurePermissions.
type PermissionError struct {
	Path string
	Mode fs.FileMode // the permission bits found
	// What names the file in the message: "keyring" when empty, the flag
	// that named it for ReadPrivateFile.
	What string
}

// Error names the file, its mode, and the fix.
func (e *PermissionError) Error() string {
	who := ""
	switch g, o := e.Mode&0o070 != 0, e.Mode&0o007 != 0; {
	case g && o:
		who = "group and others"
	case g:
		who = "group"
	default:
		who = "others"
	}
	what := e.What
	if what == "" {
		what = "keyring"
	}
	return what + " " + e.Path + ": permissions 0" + strconv.FormatUint(uint64(e.Mode), 8) +
		" are too open: the file holds secret keys, and " + who +
		" may access it; run: chmod 600 " + shellQuote(e.Path)
}

// Unwrap returns ErrInsecurePermissions.
func (e *PermissionError) Unwrap() error { return ErrInsecurePermissions }

// shellQuote quotes path for a copy-pasted command when it needs it.
func shellQuote(path string) string {
	for i := 0; i < len(path); i++ {
		c := path[i]
		if !isAlnum(c) && c != '/' && c != '.' && c != '_' && c != '-' && c != '+' && c != ',' && c != ':' && c != '@' && c != '%' {
			return "'" + strings.ReplaceAll(path, "'", `'\''`) + "'"
		}
	}
	return path
}
