package sigv4

import (
	"encoding/json"
	"fmt"
	"log/slog"
	"time"

	"github.com/batchsign/batchsign/internal/sigcore"
)

// Credentials are an AWS access key pair with an optional session token, as
// issued by IAM (long-term) or STS (temporary).
//
// Credentials print their access key ID only: String, GoString and Format
// redact the secret and the token for every fmt verb, so a Credentials value
// that reaches a log or an error message leaks nothing.
type Credentials struct {
	AccessKeyID     string
	SecretAccessKey string
	// SessionToken is set for temporary credentials. SigV4 signs it as
	// X-Amz-Security-Token unless Options.TokenAfterSigning says otherwise.
	SessionToken string
	// Expires is when temporary credentials stop working; zero for
	// credentials without a known expiry. A presigned URL cannot outlive it.
	Expires time.Time
}

// String names the access key and hides the secret and the token.
func (c Credentials) String() string {
	tok := "none"
	if c.SessionToken != "" {
		tok = sigcore.Redacted
	}
	return "sigv4.Credentials{AccessKeyID: " + c.AccessKeyID + ", SecretAccessKey: " + sigcore.Redacted + ", SessionToken: " + tok + "}"
}

// GoString is String, so %#v cannot print the secret.
func (c Credentials) GoString() string { return c.String() }

// Format makes every verb print String.
func (c Credentials) Format(f fmt.State, _ rune) { fmt.Fprint(f, c.String()) }

// MarshalJSON writes the redacted form: credentials that end up in a JSON
// log line or report must not carry the secret.
func (c Credentials) MarshalJSON() ([]byte, error) { return json.Marshal(c.String()) }

// LogValue gives log/slog the redacted form.
func (c Credentials) LogValue() slog.Value { return slog.StringValue(c.String()) }
