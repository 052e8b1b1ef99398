package keyring

import (
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"strings"
)

// Keyring is a validated, read-only set of HMAC keys: unique key ids, unique
// aliases, allowed algorithms and material. It is safe for concurrent use.
// Build one with Load (a file, permissions checked), Parse (bytes) or New
// (keys already in memory).
type Keyring struct {
	source  string // file name or caller's label, for errors and String
	keys    []MacKey
	byID    map[string]int // key id -> index in keys
	byAlias map[string]int // "alias/name" -> index in keys
}

// New builds a keyring from keys, applying the same rules as a keyring file
// (see the package documentation) except the material length, which
// NewMacKey keys do not record a wish about: a caller that wants
// KMS's lengths checks them with MaterialLength first. source labels the
// keyring in errors and in String.
func New(source string, keys ...MacKey) (*Keyring, error) {
	r := &Keyring{
		source:  source,
		keys:    make([]MacKey, 0, len(keys)),
		byID:    make(map[string]int, len(keys)),
		byAlias: make(map[string]int),
	}
	if len(keys) == 0 {
		return nil, r.errorf("", "", "no keys")
	}
	for i, k := range keys {
		if err := r.add(i, k); err != nil {
			return nil, err
		}
	}
	return r, nil
}

// add validates k's names and algorithms and indexes it.
func (r *Keyring) add(i int, k MacKey) error {
	label := keyLabel(i, k.ID)
	if err := checkKeyID(k.ID); err != nil {
		return r.errorf(label, "key_id", "%v", err)
	}
	if _, dup := r.byID[k.ID]; dup {
		return r.errorf(label, "key_id", "key id %q is used by an earlier key", k.ID)
	}
	for j, a := range k.Aliases {
		field := "aliases[" + strconv.Itoa(j) + "]"
		if err := checkAlias(a); err != nil {
			return r.errorf(label, field, "%v", err)
		}
		if other, dup := r.byAlias[a]; dup {
			if other == len(r.keys) {
				return r.errorf(label, field, "alias %q is listed twice", a)
			}
			return r.errorf(label, field, "alias %q already names key %q", a, r.keys[other].ID)
		}
		r.byAlias[a] = len(r.keys)
	}
	if len(k.Algorithms) == 0 {
		return r.errorf(label, "algorithms", "no algorithms: list at least one of HMAC_SHA_224, HMAC_SHA_256, HMAC_SHA_384, HMAC_SHA_512")
	}
	for j, a := range k.Algorithms {
		field := "algorithms[" + strconv.Itoa(j) + "]"
		if !a.Valid() {
			return r.errorf(label, field, "invalid algorithm %d", uint8(a))
		}
		for _, b := range k.Algorithms[:j] {
			if a == b {
				return r.errorf(label, field, "%s is listed twice", a)
			}
		}
	}
	// A zero MacKey (not from NewMacKey) has no material; find out
	// without touching the material: an empty key makes every MAC fail
	// with NotFoundException "has no key material".
	if _, err := GenerateMac(k, k.Algorithms[0], []byte{0}); err != nil {
		return r.errorf(label, "key_material", "no key material (build keys with NewMacKey)")
	}
	r.byID[k.ID] = len(r.keys)
	r.keys = append(r.keys, k)
	return nil
}

// keyLabel names a key in errors: its id, or its position when the id is
// missing or unusable.
func keyLabel(i int, id string) string {
	if id == "" || checkKeyID(id) != nil {
		return "keys[" + strconv.Itoa(i) + "]"
	}
	return "key " + strconv.Quote(id)
}

// Lookup returns the key that keyID names, in any form KMS accepts: the key
// id, a key ARN (arn:aws:kms:us-east-1:111122223333:key/<id>), an alias name
// (alias/name) or an alias ARN (arn:aws:kms:us-east-1:111122223333:alias/name).
// The partition, region and account of an ARN are not checked: a keyring is
// not bound to one account. An unknown name is KMS's NotFoundException,
// which is also errors.Is sigerr.ErrUnknownKey.
func (r *Keyring) Lookup(keyID string) (MacKey, error) {
	if i, ok := r.index(keyID); ok {
		return r.keys[i], nil
	}
	return FindMacKey(nil, keyID)
}

// index resolves keyID to a position in r.keys.
func (r *Keyring) index(keyID string) (int, bool) {
	if rest, ok := strings.CutPrefix(keyID, "arn:"); ok {
		// partition:kms:region:account:resource, cut without allocating
		_, rest, ok1 := strings.Cut(rest, ":") // partition
		service, rest, ok2 := strings.Cut(rest, ":")
		_, rest, ok3 := strings.Cut(rest, ":") // region
		_, res, ok4 := strings.Cut(rest, ":")  // account
		if !ok1 || !ok2 || !ok3 || !ok4 || service != "kms" {
			return 0, false
		}
		if id, ok := strings.CutPrefix(res, "key/"); ok {
			i, found := r.byID[id]
			return i, found
		}
		if !strings.HasPrefix(res, "alias/") {
			return 0, false
		}
		keyID = res
	}
	if strings.HasPrefix(keyID, "alias/") {
		i, ok := r.byAlias[keyID]
		return i, ok
	}
	i, ok := r.byID[keyID]
	return i, ok
}

// Keys returns the keys in file order. The slice is a copy; the keys share
// their (immutable, never printed) material with the keyring.
func (r *Keyring) Keys() []MacKey { return append([]MacKey(nil), r.keys...) }

// Len returns the number of keys.
func (r *Keyring) Len() int { return len(r.keys) }

// Source returns the file name (or the label given to Parse or New).
func (r *Keyring) Source() string { return r.source }

// String names the keyring and its key ids, never material.
func (r *Keyring) String() string {
	if r == nil {
		return "Keyring(nil)"
	}
	var b strings.Builder
	b.WriteString("Keyring{source: ")
	b.WriteString(strconv.Quote(r.source))
	b.WriteString(", keys: [")
	for i, k := range r.keys {
		if i > 0 {
			b.WriteString(" ")
		}
		b.WriteString(strconv.Quote(k.ID))
	}
	b.WriteString("], material: redacted}")
	return b.String()
}

// GoString is String, so %#v cannot reach the material.
func (r *Keyring) GoString() string { return r.String() }

// Format writes String for every verb.
func (r *Keyring) Format(f fmt.State, _ rune) { _, _ = f.Write([]byte(r.String())) }

// LogValue keeps the material out of structured logs.
func (r *Keyring) LogValue() slog.Value { return slog.StringValue(r.String()) }

// ErrInvalid is wrapped by every error about a keyring's content (syntax,
// fields, names, lengths), for callers that branch with errors.Is.
var ErrInvalid = errors.New("invalid keyring")

// ErrInsecurePermissions is wrapped by the error Load returns for a keyring
// file that group or others may access.
var ErrInsecurePermissions = errors.New("keyring file permissions are too open")

// Error is a problem with a keyring's content. Its text names the source,
// the key (by id, or by position when the id is unusable) and the field; it
// never quotes key material.
type Error struct {
	Source string // file name or label
	Key    string // `key "id"` or "keys[3]"; empty for the file as a whole
	Field  string // "key_material", "aliases[0]", …; may be empty
	Detail string
	cause  error // an engine error also wrapped (ErrUnknownAlgorithm), may be nil
}

// Error formats as `keyring SOURCE: key "id": field: detail`.
func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString("keyring ")
	b.WriteString(e.Source)
	for _, s := range []string{e.Key, e.Field, e.Detail} {
		if s != "" {
			b.WriteString(": ")
			b.WriteString(s)
		}
	}
	return b.String()
}

// Unwrap returns ErrInvalid and, where there is one, the engine error behind
// the problem (errors.Is(err, ErrUnknownAlgorithm) for a bad
// algorithm name).
func (e *Error) Unwrap() []error {
	if e.cause != nil {
		return []error{ErrInvalid, e.cause}
	}
	return []error{ErrInvalid}
}

func (r *Keyring) errorf(key, field, format string, args ...any) error {
	return &Error{Source: r.source, Key: key, Field: field, Detail: fmt.Sprintf(format, args...)}
}

// checkKeyID applies the key id rule of the package documentation.
func checkKeyID(id string) error {
	if id == "" {
		return errors.New("missing key id")
	}
	if len(id) > 256 {
		return errors.New("key id longer than 256 characters")
	}
	for i := 0; i < len(id); i++ {
		c := id[i]
		if !isAlnum(c) && c != '-' && c != '_' && c != '.' {
			return fmt.Errorf("character %q at byte %d is not allowed in a key id (use A-Z a-z 0-9 - _ .)", c, i)
		}
	}
	return nil
}

// checkAlias applies KMS's alias name rules.
func checkAlias(a string) error {
	name, ok := strings.CutPrefix(a, "alias/")
	switch {
	case !ok:
		return errors.New(`an alias must start with "alias/"`)
	case name == "":
		return errors.New(`alias "alias/" has no name`)
	case len(a) > 256:
		return errors.New("alias longer than 256 characters")
	case strings.HasPrefix(name, "aws/"):
		return errors.New("the alias/aws/ prefix is reserved for AWS managed keys")
	}
	for i := 0; i < len(name); i++ {
		c := name[i]
		if !isAlnum(c) && c != '/' && c != '_' && c != '-' {
			return fmt.Errorf("character %q at byte %d is not allowed in an alias (use A-Z a-z 0-9 / _ -)", c, i+len("alias/"))
		}
	}
	return nil
}

func isAlnum(c byte) bool {
	return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9'
}
