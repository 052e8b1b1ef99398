package pipeline

import (
	"errors"
	"runtime"
	"strconv"
	"time"

	"github.com/batchsign/batchsign/sigv4"
	"github.com/batchsign/batchsign/sigv4a"
)

// DefaultExpires is the presign lifetime when neither the row nor the run
// gives one: one hour.
const DefaultExpires = 3600

// MaxWorkers is the most signing goroutines a run takes. Past a few per
// core workers only help a MAC backend that waits on the network; 1024
// covers that, and each worker and the batches that keep it busy cost
// memory.
const MaxWorkers = 1024

// Config is everything a run needs besides its input and outputs.
type Config struct {
	// Mode selects presigned URLs, signed headers, verification or MACs.
	Mode Mode
	// Scheme is the scheme Mode runs under, one of Mode.Schemes(); "" is
	// Mode.DefaultScheme(). Verify under SchemeAuto judges each row by the
	// scheme it shows; under one scheme, rows of another are invalid.
	Scheme Scheme
	// Credentials sign every row. A non-zero Credentials.Expires bounds
	// presigned URLs' lifetime (see ClampExpiry). In Verify mode they are
	// the one key known when Lookup is nil.
	Credentials sigv4.Credentials
	// Lookup finds the secrets of access key ids in Verify mode (a --keys
	// file); nil means only Credentials are known.
	Lookup sigv4.SecretLookup
	// AzureKey is the decoded access key that Azure HMAC-SHA256 requests
	// are verified under in Verify mode; nil means such requests are
	// answered unknown_key. Under SchemeAzureHMAC, Sign signs every row
	// with it (see azure.go); Credentials are not used. AzureEndpoint, the
	// connection string's endpoint, is what row URLs given as paths are
	// resolved against.
	AzureKey      []byte
	AzureEndpoint string
	// Service, in Verify mode, is the only SigV4 service accepted in a
	// credential scope ("" accepts any); Region likewise there.
	Service string
	// Keys caches signing keys; nil means a fresh cache for the run.
	Keys *sigv4.KeyCache
	// RegionSet is the SigV4a region set of rows that give no region_set
	// ("" means "*", every region): under SchemeSigV4a, and for the
	// Multi-Region Access Point rows SchemeSigV4 signs with SigV4a.
	// SigV4aKeys caches SigV4a keys (one derivation per credential); nil
	// means a fresh cache for the run.
	RegionSet  string
	SigV4aKeys *sigv4a.KeyCache
	// GCS holds the keys and settings of the Google Cloud Storage schemes
	// (gcs.go).
	GCS GCSConfig
	// AzureSAS holds the storage account key of the azure-sas scheme
	// (azuresas.go).
	AzureSAS AzureSASConfig
	// CloudFront holds the keys and settings of the CloudFront scheme
	// (cloudfront.go).
	CloudFront CloudFrontConfig
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
	// Expires is the default presign lifetime in seconds (rows may give
	// their own); 0 means DefaultExpires.
	Expires int64
	// Refresh, when set, gives fresh credentials to a run that outlasts
	// Credentials (sign and presign under the AWS schemes): once the clock
	// reaches RefreshBefore ahead of their expiry, the next batch asks it,
	// and rows from then on are signed with what it returns (and their
	// lifetime bounded by its expiry). A Refresh error stops the run: no
	// row is signed with credentials that have expired by the clock. Nil
	// means Credentials sign every row, whatever the clock says (a run
	// pinned to a signing instant).
	Refresh       Refresher
	RefreshBefore time.Duration
	// Clock is the wall clock Refresh is judged by; nil means time.Now.
	Clock func() time.Time
	// ClampExpiry shortens a presign that would outlive temporary
	// credentials to their remaining lifetime (and counts it) instead of
	// rejecting the row.
	ClampExpiry bool
	// Workers is the number of signing goroutines, at most MaxWorkers; 0
	// means GOMAXPROCS.
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
// before it writes anything: a scheme the mode does not support, what the
// mode needs (modeDef.validate), then the settings every mode shares. It
// never mentions secret material.
func (c *Config) Validate() error {
	d, err := c.modeDef()
	if err != nil {
		return err
	}
	if err := d.validate(c); err != nil {
		return err
	}
	if c.Region != "" {
		if err := checkRegion(c.Region); err != nil {
			return errors.New("region " + c.Region + ": region names are a-z, 0-9 and '-'")
		}
	}
	if c.Expires != 0 && (c.Expires < 1 || c.Expires > c.maxExpires()) {
		if c.Scheme == SchemeCloudFront {
			return errors.New("expires must be between 1s and 100 years")
		}
		return errors.New("expires must be between 1s and 7 days (604800s)")
	}
	if c.Workers < 0 || c.BatchSize < 0 || c.InFlight < 0 {
		return errors.New("workers, batch size and in-flight batches must not be negative")
	}
	if c.Workers > MaxWorkers {
		return errors.New("workers: " + strconv.Itoa(c.Workers) + " is more than " + strconv.Itoa(MaxWorkers))
	}
	return nil
}

// modeDef returns the declaration of the run's mode under its scheme.
func (c *Config) modeDef() (*modeDef, error) {
	if d, ok := lookupMode(c.Mode, c.Scheme); ok {
		return d, nil
	}
	_, err := c.Mode.ParseScheme(string(c.Scheme))
	return nil, err
}

// validateCredentials is modeDef.validate for the modes that sign with AWS
// credentials: a key, a secret and the signing time, and credentials that
// have not expired by then.
func (c *Config) validateCredentials() error {
	if err := c.validateKey(); err != nil {
		return err
	}
	if c.Time.IsZero() {
		return errSigningTime
	}
	if !c.Credentials.Expires.IsZero() && !c.Credentials.Expires.After(c.signingTime()) {
		return errors.New(ErrCredentialsExpired.Error() + " at " + c.Credentials.Expires.UTC().Format(time.RFC3339) +
			" (signing time " + c.signingTime().Format(time.RFC3339) + ")")
	}
	return nil
}

// validateKey checks that Credentials hold a key and its secret.
func (c *Config) validateKey() error {
	switch {
	case c.Credentials.AccessKeyID == "":
		return errors.New("no credentials: access key ID is empty")
	case c.Credentials.SecretAccessKey == "":
		return errors.New("no credentials: secret access key is empty")
	}
	return nil
}

var errSigningTime = errors.New("signing time not set")

func (c *Config) signingTime() time.Time { return c.Time.UTC().Truncate(time.Second) }

func (c *Config) workers() int {
	if c.Workers > 0 {
		return c.Workers
	}
	return min(runtime.GOMAXPROCS(0), MaxWorkers)
}

func (c *Config) expires() int64 {
	if c.Expires > 0 {
		return c.Expires
	}
	return DefaultExpires
}
