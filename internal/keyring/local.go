package keyring

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
)

// MacService computes and checks MACs with AWS KMS GenerateMac/VerifyMac
// semantics. Local (key material from a keyring) and kmsremote.Client (the
// AWS KMS JSON API) implement it, so `batchsign mac` runs the same rows
// against either and reports them alike.
//
// The contract both implementations keep:
//
//   - keyID names a key as KMS accepts it: key id, key ARN, alias name or
//     alias ARN.
//   - GenerateMac returns the raw MAC (28, 32, 48 or 64 bytes); output rows
//     carry it base64-encoded, as the KMS API does.
//   - VerifyMac returns (true, nil) for a MAC that matches, and (false, err)
//     otherwise. A MAC that does not match is an err that is
//     errors.Is(err, ErrKMSInvalidMac) and errors.Is(err,
//     sigerr.ErrSignatureMismatch), as KMS answers KMSInvalidMacException
//     rather than "false".
//   - A request KMS refuses is an error carrying the KMS exception name:
//     KMSErrorName(err) gives "ValidationException" (message outside
//     1…4096 bytes, unknown algorithm, empty MAC), "NotFoundException"
//     (unknown key; also errors.Is sigerr.ErrUnknownKey),
//     "InvalidKeyUsageException" (an algorithm the key does not allow), and
//     for the remote backend the other KMS exceptions (see kmsremote).
//     Parameters are validated before the key is looked up, as KMS does.
//   - Errors never contain key material or MACs.
//   - Both are safe for concurrent use and honour ctx.
type MacService interface {
	GenerateMac(ctx context.Context, keyID string, alg MacAlgorithm, message []byte) ([]byte, error)
	VerifyMac(ctx context.Context, keyID string, alg MacAlgorithm, message, mac []byte) (bool, error)
}

// Local is the MacService over a keyring: KMS semantics, computed in
// process by GenerateMac and VerifyMac (constant-time compare).
type Local struct {
	ring *Keyring
}

// NewLocal returns the local MacService for ring.
func NewLocal(ring *Keyring) *Local { return &Local{ring: ring} }

// Keyring returns the keyring the service reads.
func (l *Local) Keyring() *Keyring { return l.ring }

// GenerateMac returns the HMAC of message under the key keyID names (see
// MacService).
func (l *Local) GenerateMac(ctx context.Context, keyID string, alg MacAlgorithm, message []byte) ([]byte, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	k, err := l.ring.Lookup(keyID)
	if err != nil {
		if verr := CheckGenerateRequest(alg, message); verr != nil {
			return nil, verr
		}
		return nil, err
	}
	mac, err := GenerateMac(k, alg, message)
	if err != nil {
		return nil, err
	}
	return mac, nil
}

// VerifyMac reports whether mac is the HMAC of message under the key keyID
// names (see MacService).
func (l *Local) VerifyMac(ctx context.Context, keyID string, alg MacAlgorithm, message, mac []byte) (bool, error) {
	if err := ctx.Err(); err != nil {
		return false, err
	}
	k, err := l.ring.Lookup(keyID)
	if err != nil || len(mac) == 0 {
		// KMS validates parameters first: a bad request to an unknown key
		// is a ValidationException, and so is an empty MAC whatever the
		// key allows (the engine checks key usage first).
		if verr := CheckVerifyRequest(alg, message, mac); verr != nil {
			return false, verr
		}
	}
	if err != nil {
		return false, err
	}
	return VerifyMac(k, alg, message, mac)
}

// CheckGenerateRequest returns the ValidationException KMS answers for a
// GenerateMac request whose parameters break the API's constraints before
// any key is consulted (an algorithm that is not one of the four, a message
// outside 1…4096 bytes), or nil. The errors are the engine's, word for word.
func CheckGenerateRequest(alg MacAlgorithm, message []byte) error {
	if !alg.Valid() {
		_, err := ParseMacAlgorithm(alg.String())
		return err
	}
	if len(message) >= MinMacMessageLen && len(message) <= MaxMacMessageLen {
		return nil
	}
	// The engine words these errors only with a key in hand; a probe key
	// that allows alg leaves exactly the parameter checks to fail.
	probe, err := NewMacKey("probe", []byte{0}, []MacAlgorithm{alg})
	if err != nil {
		return err
	}
	if _, err := GenerateMac(probe, alg, message); err != nil {
		return err
	}
	return nil
}

// CheckVerifyRequest is CheckGenerateRequest for VerifyMac, which also
// refuses an empty MAC.
func CheckVerifyRequest(alg MacAlgorithm, message, mac []byte) error {
	if err := CheckGenerateRequest(alg, message); err != nil {
		return err
	}
	if len(mac) == 0 {
		probe, err := NewMacKey("probe", []byte{0}, []MacAlgorithm{alg})
		if err != nil {
			return err
		}
		_, err = VerifyMac(probe, alg, message, nil)
		if errors.Is(err, ErrKMSValidation) {
			return err
		}
	}
	return nil
}

// String names the keyring, never material.
func (l *Local) String() string { return "Local{" + l.ring.String() + "}" }

// GoString is String.
func (l *Local) GoString() string { return l.String() }

// Format writes String for every verb.
func (l *Local) Format(f fmt.State, _ rune) { _, _ = f.Write([]byte(l.String())) }

// LogValue keeps the material out of structured logs.
func (l *Local) LogValue() slog.Value { return slog.StringValue(l.String()) }
