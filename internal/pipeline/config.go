package pipeline

import (
	"errors"
	"runtime"
	"time"

	"github.com/batchsign/batchsign/sigv4"
)

// DefaultExpires is the presign lifetime when neither the row nor the run
// gives one: one hour.
const DefaultExpires = 3600

// Config is everything a run needs besides its input and outputs.
type Config struct {
	// Mode selects presigned URLs, signed headers or verification.
	Mode Mode
	// Credentials sign every row. A non-zero Credentials.Expires bounds
	// presigned URLs' lifetime (see ClampExpiry). In Verify mode they are
	// the one key known when Lookup is nil.
	Credentials sigv4.Credentials
	// Lookup finds the secrets of access key ids in Verify mode (a --keys
	// file); nil means only Credentials are known.
	Lookup sigv4.SecretLookup
	// AzureKey is the decoded access key that Azure HMAC-SHA256 requests
	// are verified under in Verify mode; nil means such requests are
	// answered unknown_key. With AzureHMAC it signs every row.
	AzureKey []byte
	// AzureHMAC makes Sign produce Azure Communication Services
	// HMAC-SHA256 headers under AzureKey instead of SigV4 ones (see
	// azure.go); Credentials are not used. AzureEndpoint, the connection
	// string's endpoint, is what row URLs given as paths are resolved
	// against.
	AzureHMAC     bool
	AzureEndpoint string
	// Service, in Verify mode, is the only SigV4 service accepted in a
	// credential scope ("" accepts any); Region likewise there.
	Service string
	// Keys caches signing keys; nil means a fresh cache for the run.
	Keys *sigv4.KeyCache
	// Time is the signing instant (in Verify mode, "now"), for every row of the run (X-Amz-Date has
	// one-second resolution; the fraction is dropped). Read the clock once
	// and pass it in, or pin it for reproducible output.
	Time time.Time
	// Region is the default for rows that name none (and whose URL's host
	// does not say).
	Region string
	// Endpoint is a custom S3 endpoint; zero means AWS.
	Endpoint Endpoint
	// Addressing chooses virtual-hosted or path-style S3 URLs.
	Addressing AddressingStyle
	// SigV2 makes Presign produce S3 SigV2 query-string URLs
	// (AWSAccessKeyId, Expires as epoch seconds, Signature) instead of
	// SigV4 ones.
	SigV2 bool
	// Expires is the default presign lifetime in seconds (rows may give
	// their own); 0 means DefaultExpires.
	Expires int64
	// ClampExpiry shortens a presign that would outlive temporary
	// credentials to their remaining lifetime (and counts it) instead of
	// rejecting the row.
	ClampExpiry bool
	// Workers is the number of signing goroutines; 0 means GOMAXPROCS.
	Workers int
	// BatchSize is the rows per batch; 0 means DefaultBatchSize.
	BatchSize int
	// InFlight bounds the batches in memory at once; 0 means
	// 2×Workers+2, enough to keep every worker busy while the writer
	// drains.
	InFlight int
	// Mac is the MAC service of the mac modes (mac.go).
	Mac MacBackend
}

// ErrCredentialsExpired: the temporary credentials expire at or before the
// signing instant, so nothing they sign would work.
var ErrCredentialsExpired = errors.New("credentials have expired")

// Validate reports configuration errors, the kind that must stop a run
// before it writes anything. It never mentions secret material.
func (c *Config) Validate() error {
	if c.Mode.IsMac() {
		return c.validateMac()
	}
	switch {
	case c.Mode == Verify && (c.Lookup != nil || c.AzureKey != nil):
		// The keys come from elsewhere; credentials are optional.
	case c.Mode == Sign && c.AzureHMAC:
		if err := c.validateAzureSign(); err != nil {
			return err
		}
	case c.Credentials.AccessKeyID == "":
		return errors.New("no credentials: access key ID is empty")
	case c.Credentials.SecretAccessKey == "":
		return errors.New("no credentials: secret access key is empty")
	case c.Time.IsZero():
		return errors.New("signing time not set")
	}
	if c.Region != "" {
		if err := checkRegion(c.Region); err != nil {
			return errors.New("region " + c.Region + ": region names are a-z, 0-9 and '-'")
		}
	}
	if c.Mode == Verify && c.Time.IsZero() {
		return errors.New("signing time not set")
	}
	if c.Expires != 0 && (c.Expires < 1 || c.Expires > sigv4.MaxExpires) {
		return errors.New("expires must be between 1s and 7 days (604800s)")
	}
	if c.Mode != Verify && !c.Credentials.Expires.IsZero() && !c.Credentials.Expires.After(c.signingTime()) {
		return errors.New(ErrCredentialsExpired.Error() + " at " + c.Credentials.Expires.UTC().Format(time.RFC3339) +
			" (signing time " + c.signingTime().Format(time.RFC3339) + ")")
	}
	if c.Workers < 0 || c.BatchSize < 0 || c.InFlight < 0 {
		return errors.New("workers, batch size and in-flight batches must not be negative")
	}
	return nil
}

func (c *Config) signingTime() time.Time { return c.Time.UTC().Truncate(time.Second) }

func (c *Config) workers() int {
	if c.Workers > 0 {
		return c.Workers
	}
	return runtime.GOMAXPROCS(0)
}

func (c *Config) expires() int64 {
	if c.Expires > 0 {
		return c.Expires
	}
	return DefaultExpires
}
