package gcs

import (
	"crypto/rsa"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"strconv"

	"github.com/batchsign/batchsign/internal/sigcore"
	"github.com/batchsign/batchsign/sigerr"
)

// ErrNotServiceAccountKey: the bytes given to ParseServiceAccountJSON are not
// a service-account key file (not JSON, another credential type such as the
// "authorized_user" file `gcloud auth application-default login` writes, or
// a key that is not RSA). Wrapped in a *sigerr.FieldError naming the field.
var ErrNotServiceAccountKey = errors.New("not a service-account JSON key")

// ServiceAccount is a Google service account that signs GOOG4-RSA-SHA256
// URLs: its client email (the X-Goog-Credential identity) and its RSA
// private key. Make one with ParseServiceAccountJSON from the key file the
// Cloud console or `gcloud iam service-accounts keys create` writes, or with
// NewServiceAccount from a key held elsewhere.
//
// A ServiceAccount never prints its key: String, GoString, Format,
// MarshalJSON and LogValue name the account and key id only, and the key
// sits behind an unexported pointer, so a ServiceAccount nested in another
// value that fmt prints shows an address, not key material. It is safe for
// concurrent use.
type ServiceAccount struct {
	// ClientEmail is the account's email, the identity URLs are signed as
	// (test-iam-credentials@dummy-project-id.iam.gserviceaccount.com).
	ClientEmail string
	// PrivateKeyID is the key file's private_key_id, for logs; it is not
	// part of a signature.
	PrivateKeyID string
	// ProjectID is the key file's project_id, for logs.
	ProjectID string

	key *rsa.PrivateKey
}

// serviceAccountFile is the part of a service-account key file the package
// reads; every other field (auth_uri, token_uri, client_id, ...) is ignored.
type serviceAccountFile struct {
	Type         string `json:"type"`
	ProjectID    string `json:"project_id"`
	PrivateKeyID string `json:"private_key_id"`
	PrivateKey   string `json:"private_key"`
	ClientEmail  string `json:"client_email"`
}

// ParseServiceAccountJSON parses a service-account key file (the JSON that
// GOOGLE_APPLICATION_CREDENTIALS usually names): "type" must be
// "service_account", "client_email" is the signing identity and
// "private_key" a PEM RSA key, PKCS #8 ("BEGIN PRIVATE KEY", what Google
// issues) or PKCS #1 ("BEGIN RSA PRIVATE KEY"). It does no I/O: the caller
// reads the file.
//
// Errors are *sigerr.FieldError values naming the JSON field, wrapping
// ErrNotServiceAccountKey or sigerr.ErrMissingField; they never quote the
// key, nor any byte of the input.
func ParseServiceAccountJSON(data []byte) (*ServiceAccount, error) {
	var f serviceAccountFile
	if err := json.Unmarshal(data, &f); err != nil {
		// Name where, never what: a syntax error's text quotes the
		// offending byte, which may belong to the key.
		var syn *json.SyntaxError
		if errors.As(err, &syn) {
			return nil, sigcore.FieldErr("key_file", sigcore.WithDetail(ErrNotServiceAccountKey, "JSON syntax error at byte "+strconv.FormatInt(syn.Offset, 10)))
		}
		var typ *json.UnmarshalTypeError
		if errors.As(err, &typ) && typ.Field != "" {
			return nil, sigcore.FieldErr(typ.Field, sigcore.WithDetail(ErrNotServiceAccountKey, "not a JSON "+typ.Type.String()))
		}
		return nil, sigcore.FieldErr("key_file", sigcore.WithDetail(ErrNotServiceAccountKey, "not a JSON object"))
	}
	if f.Type != "service_account" {
		// Quote only the credential types Google defines: any other
		// value is the caller's bytes, which are not echoed.
		what := "missing or unknown"
		switch f.Type {
		case "authorized_user", "external_account", "external_account_authorized_user",
			"impersonated_service_account", "gdch_service_account":
			what = strconv.Quote(f.Type) + " (not a service-account key; signing needs one)"
		}
		return nil, sigcore.FieldErr("type", sigcore.WithDetail(ErrNotServiceAccountKey, what+", want \"service_account\""))
	}
	if f.ClientEmail == "" {
		return nil, sigcore.FieldErr("client_email", sigerr.ErrMissingField)
	}
	if f.PrivateKey == "" {
		return nil, sigcore.FieldErr("private_key", sigerr.ErrMissingField)
	}
	key, err := parseRSAPrivateKeyPEM([]byte(f.PrivateKey))
	if err != nil {
		return nil, sigcore.FieldErr("private_key", err)
	}
	a, err := NewServiceAccount(f.ClientEmail, key)
	if err != nil {
		return nil, err
	}
	a.PrivateKeyID, a.ProjectID = f.PrivateKeyID, f.ProjectID
	return a, nil
}

// parseRSAPrivateKeyPEM decodes the first PEM block of b as a PKCS #8 or
// PKCS #1 RSA private key (sigcore.ParseRSAPrivateKeyPEM). Its errors
// describe the structure only.
func parseRSAPrivateKeyPEM(b []byte) (*rsa.PrivateKey, error) {
	return sigcore.ParseRSAPrivateKeyPEM(b, ErrNotServiceAccountKey)
}

// minRSABits is the smallest key NewServiceAccount accepts: Google issues
// 2048-bit service-account keys, and crypto/rsa refuses to sign with keys
// under 1024 bits.
const minRSABits = 2048

// NewServiceAccount makes a ServiceAccount from a client email and an RSA
// key obtained some other way (a secret manager, a test). The key is
// validated (RSA, at least 2048 bits) and its CRT values precomputed; the ServiceAccount keeps the
// pointer, so the caller must not modify the key afterwards.
func NewServiceAccount(clientEmail string, key *rsa.PrivateKey) (*ServiceAccount, error) {
	if clientEmail == "" {
		return nil, sigcore.FieldErr("client_email", sigerr.ErrMissingField)
	}
	if key == nil {
		return nil, sigcore.FieldErr("private_key", sigerr.ErrMissingField)
	}
	if bits := key.N.BitLen(); bits < minRSABits {
		return nil, sigcore.FieldErr("private_key", sigcore.WithDetail(sigerr.ErrInvalidValue,
			"RSA key of "+strconv.Itoa(bits)+" bits; service-account keys have at least 2048"))
	}
	if err := key.Validate(); err != nil {
		return nil, sigcore.FieldErr("private_key", sigcore.WithDetail(sigerr.ErrInvalidValue, err.Error()))
	}
	key.Precompute()
	return &ServiceAccount{ClientEmail: clientEmail, key: key}, nil
}

// PublicKey returns the account's public key, the one Google publishes at
// the account's x509 certificate URL, for a Verifier's Keys.RSA.
func (a *ServiceAccount) PublicKey() *rsa.PublicKey {
	if a == nil || a.key == nil {
		return nil
	}
	return &a.key.PublicKey
}

// String names the account and key id and hides the key.
func (a *ServiceAccount) String() string {
	if a == nil {
		return "gcs.ServiceAccount(nil)"
	}
	return "gcs.ServiceAccount{ClientEmail: " + a.ClientEmail + ", PrivateKeyID: " + a.PrivateKeyID + ", PrivateKey: " + sigcore.Redacted + "}"
}

// GoString is String, so %#v cannot print the key.
func (a *ServiceAccount) GoString() string { return a.String() }

// Format makes every verb print String.
func (a *ServiceAccount) Format(f fmt.State, _ rune) { _, _ = f.Write([]byte(a.String())) }

// MarshalJSON writes the redacted form.
func (a *ServiceAccount) MarshalJSON() ([]byte, error) { return json.Marshal(a.String()) }

// LogValue gives log/slog the redacted form.
func (a *ServiceAccount) LogValue() slog.Value { return slog.StringValue(a.String()) }

// HMACKey is a Cloud Storage HMAC key (Cloud console → Cloud Storage →
// Settings → Interoperability, or `gcloud storage hmac create`): an access
// ID (GOOG1E…, the X-Goog-Credential identity) and its secret, which signs
// GOOG4-HMAC-SHA256 URLs. Make one with NewHMACKey.
//
// HMACKey prints its access ID only, for every fmt verb, JSON and slog; the
// secret is held two pointers away (see sigcore.Secret), so an HMACKey
// nested in another printed value leaks nothing either.
type HMACKey struct {
	AccessID string
	secret   *sigcore.Secret
}

// NewHMACKey returns the HMAC key accessID with its secret (the 40-character
// base64 string Google shows once, used as text, not decoded).
func NewHMACKey(accessID, secret string) HMACKey {
	return HMACKey{AccessID: accessID, secret: sigcore.NewSecret([]byte(secret))}
}

// String names the access ID and hides the secret.
func (k HMACKey) String() string {
	return "gcs.HMACKey{AccessID: " + k.AccessID + ", Secret: " + sigcore.Redacted + "}"
}

// GoString is String, so %#v cannot print the secret.
func (k HMACKey) GoString() string { return k.String() }

// Format makes every verb print String.
func (k HMACKey) Format(f fmt.State, _ rune) { _, _ = f.Write([]byte(k.String())) }

// MarshalJSON writes the redacted form.
func (k HMACKey) MarshalJSON() ([]byte, error) { return json.Marshal(k.String()) }

// LogValue gives log/slog the redacted form.
func (k HMACKey) LogValue() slog.Value { return slog.StringValue(k.String()) }
