package keyring

import (
	"crypto/hmac"
	"crypto/sha256"
	"crypto/sha512"
	"errors"
	"fmt"
	"hash"
	"log/slog"
	"strconv"
	"strings"

	"github.com/batchsign/batchsign/internal/sigcore"
	"github.com/batchsign/batchsign/sigerr"
)

// This file gives batchsign's `mac generate|verify` the semantics of AWS KMS
// GenerateMac and VerifyMac, computed locally from key material the user
// holds: the same algorithm names, the same message limits, the same refusal
// of an algorithm the key was not created for, and errors that carry the KMS
// exception names so a local run and a remote KMS call can be reported alike
// (and a test double of the KMS JSON API can answer with them).

// ErrUnknownAlgorithm: a MAC algorithm name that is not one of KMS's.
const ErrUnknownAlgorithm = sigcore.ConstError("unknown algorithm")

// MacAlgorithm is a KMS MacAlgorithmSpec. The zero value is not an algorithm.
type MacAlgorithm uint8

// The KMS MAC algorithms. Their String forms are the exact KMS names.
const (
	MacHMACSHA224 MacAlgorithm = iota + 1 // "HMAC_SHA_224"
	MacHMACSHA256                         // "HMAC_SHA_256"
	MacHMACSHA384                         // "HMAC_SHA_384"
	MacHMACSHA512                         // "HMAC_SHA_512"
)

// KMS's limits on the Message parameter of GenerateMac and VerifyMac, in
// bytes of the decoded message.
const (
	MinMacMessageLen = 1
	MaxMacMessageLen = 4096
)

// ParseMacAlgorithm accepts exactly the KMS names (HMAC_SHA_224, HMAC_SHA_256,
// HMAC_SHA_384, HMAC_SHA_512), as KMS does: a request that says "sha256" is
// refused there, so it is refused here too, with KMS's ValidationException
// (also errors.Is ErrUnknownAlgorithm).
func ParseMacAlgorithm(name string) (MacAlgorithm, error) {
	switch name {
	case "HMAC_SHA_224":
		return MacHMACSHA224, nil
	case "HMAC_SHA_256":
		return MacHMACSHA256, nil
	case "HMAC_SHA_384":
		return MacHMACSHA384, nil
	case "HMAC_SHA_512":
		return MacHMACSHA512, nil
	}
	return 0, &KMSError{
		Code: ErrKMSValidation,
		Message: "1 validation error detected: Value " + sigcore.QuoteForError(name) +
			" at 'macAlgorithm' failed to satisfy constraint: Member must satisfy enum value set: [HMAC_SHA_224, HMAC_SHA_256, HMAC_SHA_384, HMAC_SHA_512]",
		reason: ErrUnknownAlgorithm,
	}
}

// String returns the KMS name ("HMAC_SHA_256").
func (a MacAlgorithm) String() string {
	switch a {
	case MacHMACSHA224:
		return "HMAC_SHA_224"
	case MacHMACSHA256:
		return "HMAC_SHA_256"
	case MacHMACSHA384:
		return "HMAC_SHA_384"
	case MacHMACSHA512:
		return "HMAC_SHA_512"
	}
	return "MacAlgorithm(" + strconv.Itoa(int(a)) + ")"
}

// Valid reports whether a is one of the four KMS algorithms.
func (a MacAlgorithm) Valid() bool { return a >= MacHMACSHA224 && a <= MacHMACSHA512 }

// hash returns the hash function of a's HMAC (nil if a is not valid).
func (a MacAlgorithm) hash() func() hash.Hash {
	switch a {
	case MacHMACSHA224:
		return sha256.New224
	case MacHMACSHA256:
		return sha256.New
	case MacHMACSHA384:
		return sha512.New384
	case MacHMACSHA512:
		return sha512.New
	}
	return nil
}

// Size is the length of a's MAC in bytes (0 if a is not valid).
func (a MacAlgorithm) Size() int {
	if h := a.hash(); h != nil {
		return h().Size()
	}
	return 0
}

// appendHMAC appends the HMAC of message under key with a to dst.
func (a MacAlgorithm) appendHMAC(dst, key, message []byte) []byte {
	m := hmac.New(a.hash(), key)
	m.Write(message)
	return m.Sum(dst)
}

// MarshalText writes the KMS name, so keyring files and output rows carry
// "HMAC_SHA_256" rather than a number.
func (a MacAlgorithm) MarshalText() ([]byte, error) {
	if !a.Valid() {
		return nil, fmt.Errorf("engine: invalid MacAlgorithm %d", uint8(a))
	}
	return []byte(a.String()), nil
}

// UnmarshalText parses a KMS name (see ParseMacAlgorithm), so a keyring file
// can be decoded straight into []MacAlgorithm.
func (a *MacAlgorithm) UnmarshalText(text []byte) error {
	v, err := ParseMacAlgorithm(string(text))
	if err != nil {
		return err
	}
	*a = v
	return nil
}

// KMSErrorCode is the name of a KMS exception. The codes are constants that
// implement error, so callers branch with errors.Is(err, ErrKMSInvalidMac)
// and a KMS-compatible server can answer with the code as its __type.
type KMSErrorCode string

// The KMS exceptions GenerateMac and VerifyMac semantics produce.
const (
	// ErrKMSValidation: a parameter breaks a constraint (message length,
	// unknown algorithm name, empty MAC).
	ErrKMSValidation KMSErrorCode = "ValidationException"
	// ErrKMSInvalidKeyUsage: the key was not created for the requested MAC
	// algorithm.
	ErrKMSInvalidKeyUsage KMSErrorCode = "InvalidKeyUsageException"
	// ErrKMSNotFound: no key has this key id, key ARN, alias or alias ARN.
	// Also errors.Is sigerr.ErrUnknownKey.
	ErrKMSNotFound KMSErrorCode = "NotFoundException"
	// ErrKMSInvalidMac: VerifyMac computed a different MAC. Also errors.Is
	// sigerr.ErrSignatureMismatch.
	ErrKMSInvalidMac KMSErrorCode = "KMSInvalidMacException"
)

// Error returns the exception name.
func (c KMSErrorCode) Error() string { return string(c) }

// KMSError is an error with KMS semantics: an exception code and a message
// worded as KMS words it. Messages never contain key material.
type KMSError struct {
	Code    KMSErrorCode
	Message string
	reason  error // an engine sentinel this error also Is (sigerr.ErrSignatureMismatch, sigerr.ErrUnknownKey, …)
}

// Error returns "Code: Message".
func (e *KMSError) Error() string { return string(e.Code) + ": " + e.Message }

// Unwrap exposes the code and, where there is one, the engine-wide reason, so
// that both errors.Is(err, ErrKMSInvalidMac) and errors.Is(err,
// sigerr.ErrSignatureMismatch) hold for a failed VerifyMac.
func (e *KMSError) Unwrap() []error {
	if e.reason != nil {
		return []error{e.Code, e.reason}
	}
	return []error{e.Code}
}

// KMSErrorName returns the KMS exception name carried by err ("" if none),
// for the `mac` output rows and for a KMS-compatible test server.
func KMSErrorName(err error) string {
	var ke *KMSError
	if errors.As(err, &ke) {
		return string(ke.Code)
	}
	var c KMSErrorCode
	if errors.As(err, &c) {
		return string(c)
	}
	return ""
}

// MacKey is an HMAC key as KMS models it: an id, any number of aliases, the
// MAC algorithms it was created for, and secret key material. The material is
// unexported and never printed: String, GoString, Format (every fmt verb) and
// LogValue show the id, aliases and algorithms only, and encoding/json sees
// no material field. Build one with NewMacKey.
type MacKey struct {
	ID         string         // key id, e.g. "1234abcd-12ab-34cd-56ef-1234567890ab"
	Aliases    []string       // "alias/name" (the "alias/" prefix is added if missing)
	Algorithms []MacAlgorithm // the algorithms this key may be used with; empty allows none
	material   *sigcore.Secret
}

// NewMacKey returns a key holding a copy of material. It refuses an empty id,
// empty material and invalid algorithms. It does not impose KMS's key-length
// rules for imported material (28–128 bytes depending on the spec) because
// batchsign must also verify MACs made with shorter legacy keys, such as
// those of RFC 4231; callers that want KMS's rule can check len(material).
func NewMacKey(id string, material []byte, algorithms []MacAlgorithm, aliases ...string) (MacKey, error) {
	if id == "" {
		return MacKey{}, fmt.Errorf("mac key: empty key id")
	}
	if len(material) == 0 {
		return MacKey{}, fmt.Errorf("mac key %s: empty key material", sigcore.QuoteForError(id))
	}
	for _, a := range algorithms {
		if !a.Valid() {
			return MacKey{}, fmt.Errorf("mac key %s: invalid algorithm %d", sigcore.QuoteForError(id), uint8(a))
		}
	}
	k := MacKey{
		ID:         id,
		Algorithms: append([]MacAlgorithm(nil), algorithms...),
		material:   sigcore.NewSecret(material),
	}
	for _, al := range aliases {
		k.Aliases = append(k.Aliases, macAliasName(al))
	}
	return k, nil
}

// macAliasName returns an alias in KMS's "alias/name" form.
func macAliasName(s string) string {
	if strings.HasPrefix(s, "alias/") {
		return s
	}
	return "alias/" + s
}

// Allows reports whether the key may be used with a.
func (k MacKey) Allows(a MacAlgorithm) bool {
	for _, x := range k.Algorithms {
		if x == a {
			return true
		}
	}
	return false
}

// Matches reports whether keyID names this key in any of the forms KMS
// accepts: the key id, a key ARN (arn:…:key/<id>), an alias name
// ("alias/name") or an alias ARN (arn:…:alias/name).
func (k MacKey) Matches(keyID string) bool {
	if strings.HasPrefix(keyID, "arn:") {
		// arn:partition:kms:region:account:resource
		parts := strings.SplitN(keyID, ":", 6)
		if len(parts) != 6 {
			return false
		}
		keyID = parts[5]
		if id, ok := strings.CutPrefix(keyID, "key/"); ok {
			return id == k.ID
		}
		if !strings.HasPrefix(keyID, "alias/") {
			return false
		}
	}
	if strings.HasPrefix(keyID, "alias/") {
		for _, a := range k.Aliases {
			if a == keyID {
				return true
			}
		}
		return false
	}
	return keyID == k.ID
}

// String shows the key without its material.
func (k MacKey) String() string {
	var b strings.Builder
	b.WriteString("MacKey{ID: ")
	b.WriteString(strconv.Quote(k.ID))
	b.WriteString(", Aliases: [")
	for i, a := range k.Aliases {
		if i > 0 {
			b.WriteString(" ")
		}
		b.WriteString(strconv.Quote(a))
	}
	b.WriteString("], Algorithms: [")
	for i, a := range k.Algorithms {
		if i > 0 {
			b.WriteString(" ")
		}
		b.WriteString(a.String())
	}
	b.WriteString("], material: redacted}")
	return b.String()
}

// GoString is String, so %#v cannot print the material either.
func (k MacKey) GoString() string { return k.String() }

// Format writes String for every verb (%v %+v %#v %s %q %x …): no fmt verb
// reaches the material.
func (k MacKey) Format(f fmt.State, _ rune) { _, _ = f.Write([]byte(k.String())) }

// LogValue keeps the material out of structured logs.
func (k MacKey) LogValue() slog.Value { return slog.StringValue(k.String()) }

// FindMacKey returns the key that keyID names (see MacKey.Matches), or a
// NotFoundException that is also errors.Is sigerr.ErrUnknownKey.
func FindMacKey(keys []MacKey, keyID string) (MacKey, error) {
	for _, k := range keys {
		if k.Matches(keyID) {
			return k, nil
		}
	}
	return MacKey{}, &KMSError{
		Code:    ErrKMSNotFound,
		Message: "Key " + sigcore.QuoteForError(keyID) + " does not exist",
		reason:  sigerr.ErrUnknownKey,
	}
}

// checkMacRequest applies KMS's checks in KMS's order: parameter validation
// (ValidationException) before key usage (InvalidKeyUsageException).
func checkMacRequest(k MacKey, a MacAlgorithm, message []byte) error {
	if !a.Valid() {
		return &KMSError{
			Code:    ErrKMSValidation,
			Message: "1 validation error detected: Value at 'macAlgorithm' failed to satisfy constraint: Member must satisfy enum value set: [HMAC_SHA_224, HMAC_SHA_256, HMAC_SHA_384, HMAC_SHA_512]",
			reason:  ErrUnknownAlgorithm,
		}
	}
	if len(message) < MinMacMessageLen {
		return &KMSError{
			Code:    ErrKMSValidation,
			Message: "1 validation error detected: Value at 'message' failed to satisfy constraint: Member must have length greater than or equal to 1",
		}
	}
	if len(message) > MaxMacMessageLen {
		return &KMSError{
			Code: ErrKMSValidation,
			Message: "1 validation error detected: Value at 'message' failed to satisfy constraint: Member must have length less than or equal to 4096 (got " +
				strconv.Itoa(len(message)) + " bytes)",
		}
	}
	if k.material.Len() == 0 {
		return &KMSError{Code: ErrKMSNotFound, Message: "Key " + sigcore.QuoteForError(k.ID) + " has no key material", reason: sigerr.ErrUnknownKey}
	}
	if !k.Allows(a) {
		var allowed strings.Builder
		for i, x := range k.Algorithms {
			if i > 0 {
				allowed.WriteString(", ")
			}
			allowed.WriteString(x.String())
		}
		return &KMSError{
			Code: ErrKMSInvalidKeyUsage,
			Message: "The MAC algorithm " + a.String() + " is not valid for key " + sigcore.QuoteForError(k.ID) +
				" (key supports: " + allowed.String() + ")",
		}
	}
	return nil
}

// AppendGenerateMac appends the raw HMAC of message under k with a to dst, or
// returns the error KMS GenerateMac would: ValidationException for an
// unknown algorithm or a message outside 1…4096 bytes, InvalidKeyUsageException
// for an algorithm the key does not allow.
func AppendGenerateMac(dst []byte, k MacKey, a MacAlgorithm, message []byte) ([]byte, error) {
	if err := checkMacRequest(k, a, message); err != nil {
		return dst, err
	}
	return a.appendHMAC(dst, k.material.Bytes(), message), nil
}

// GenerateMac returns the raw HMAC of message under k with a (see
// AppendGenerateMac for the errors). Output rows carry it base64-encoded, as
// KMS's JSON API does.
func GenerateMac(k MacKey, a MacAlgorithm, message []byte) ([]byte, error) {
	return AppendGenerateMac(make([]byte, 0, a.Size()), k, a, message)
}

// VerifyMac reports whether mac is the HMAC of message under k with a,
// comparing in constant time. It returns (true, nil) for a valid MAC; (false,
// err) otherwise, where err is the KMS exception: KMSInvalidMacException
// (also errors.Is sigerr.ErrSignatureMismatch) for a MAC that does not match, and the
// same request errors as GenerateMac. As in KMS, a MAC of the wrong length for
// the algorithm is simply invalid, and an empty MAC is a ValidationException.
func VerifyMac(k MacKey, a MacAlgorithm, message, mac []byte) (bool, error) {
	if err := checkMacRequest(k, a, message); err != nil {
		return false, err
	}
	if len(mac) == 0 {
		return false, &KMSError{
			Code:    ErrKMSValidation,
			Message: "1 validation error detected: Value at 'mac' failed to satisfy constraint: Member must have length greater than or equal to 1",
			reason:  sigerr.ErrMalformed,
		}
	}
	var raw [64]byte
	if !sigcore.ConstantTimeEqual(a.appendHMAC(raw[:0], k.material.Bytes(), message), mac) {
		return false, &KMSError{
			Code:    ErrKMSInvalidMac,
			Message: "The request was rejected because the HMAC verification failed: the HMAC computed with the specified message, key and MAC algorithm does not match the HMAC in the request",
			reason:  sigerr.ErrSignatureMismatch,
		}
	}
	return true, nil
}
