package main

import (
	"errors"
	"flag"
	"fmt"
	"time"

	"github.com/batchsign/batchsign/gcs"

	"github.com/batchsign/batchsign/internal/awsconfig"
	"github.com/batchsign/batchsign/internal/keyring"
	"github.com/batchsign/batchsign/internal/pipeline"
)

// The flags and keys of the schemes beyond SigV4's own: SigV4a's region set
// and Google Cloud Storage's key file and location.

// Environment variables of the GCS schemes.
const (
	envGoogleCredentials = "GOOGLE_APPLICATION_CREDENTIALS" // gcs-rsa: a service-account JSON key file
	envGCSHMACAccessID   = "GCS_HMAC_ACCESS_ID"             // gcs-hmac: the HMAC key's access ID (GOOG1E…)
	envGCSHMACSecret     = "GCS_HMAC_SECRET"                // gcs-hmac: its secret; there is no flag for it
)

// maxGCSKeyFile bounds a service-account key file: Google's are about
// 2.3 KiB.
const maxGCSKeyFile = 1 << 20

// cloudFlags are the flags of the SigV4a and GCS schemes.
type cloudFlags struct {
	regionSet  string // presign, sign: sigv4a (and sigv4's MRAP rows)
	gcsKeyFile string // presign --scheme gcs-rsa, verify
	gcsRegion  string // presign --scheme gcs-rsa|gcs-hmac
}

// addCloudFlags adds the SigV4a and GCS flags mode takes.
func addCloudFlags(mode pipeline.Mode, fs *flag.FlagSet, f *cloudFlags) {
	if mode == pipeline.Presign || mode == pipeline.Sign {
		fs.StringVar(&f.regionSet, "region-set", "", "with --scheme sigv4a, and for Multi-Region Access Point rows under sigv4: the SigV4a `regions` a signature is valid in, for rows without region_set (us-east-1,eu-west-1; us-*; default *)")
	}
	if mode == pipeline.Presign || mode == pipeline.Verify {
		fs.StringVar(&f.gcsKeyFile, "gcs-key-file", "", "with --scheme gcs-rsa (and verify): the service-account JSON key `FILE` (mode 0600; default: "+envGoogleCredentials+")")
	}
	if mode == pipeline.Presign {
		fs.StringVar(&f.gcsRegion, "gcs-region", "", "with --scheme gcs-rsa or gcs-hmac: the credential scope's `location` (default auto)")
	}
}

// checkCloudFlags refuses the SigV4a and GCS flags under a scheme they do
// not apply to, rather than ignoring them.
func checkCloudFlags(mode pipeline.Mode, scheme pipeline.Scheme, f *batchFlags) error {
	gcsScheme := scheme == pipeline.SchemeGCSRSA || scheme == pipeline.SchemeGCSHMAC
	for _, a := range []struct {
		flag    string
		applies bool
	}{
		{"region-set", scheme == pipeline.SchemeSigV4 || scheme == pipeline.SchemeSigV4a},
		{"gcs-key-file", scheme == pipeline.SchemeGCSRSA || (mode == pipeline.Verify && scheme == pipeline.SchemeAuto)},
		{"gcs-region", gcsScheme},
	} {
		if f.set[a.flag] && !a.applies {
			return fmt.Errorf("--%s does not apply to --scheme %s", a.flag, scheme)
		}
	}
	return nil
}

// loadServiceAccount reads the service-account key file that --gcs-key-file
// or GOOGLE_APPLICATION_CREDENTIALS names, checked as a keyring is (a
// regular file of at most 1 MiB that group and others cannot read); ok is
// false when neither names one. Errors name the file and the problem,
// never key material.
func loadServiceAccount(flagValue string, getenv func(string) string) (acct *gcs.ServiceAccount, ok bool, err error) {
	path, from := flagValue, "--gcs-key-file"
	if path == "" {
		path, from = getenv(envGoogleCredentials), envGoogleCredentials
	}
	if path == "" {
		return nil, false, nil
	}
	data, err := keyring.ReadPrivateFile(path, from, maxGCSKeyFile)
	if err != nil {
		return nil, false, err
	}
	defer clear(data)
	if acct, err = gcs.ParseServiceAccountJSON(data); err != nil {
		return nil, false, fmt.Errorf("%s %s: %w", from, path, err)
	}
	return acct, true, nil
}

// gcsHMACFromEnv reads GCS_HMAC_ACCESS_ID and GCS_HMAC_SECRET; ok is false
// when neither is set. Errors name the variable, never the secret.
func gcsHMACFromEnv(getenv func(string) string) (key gcs.HMACKey, secret string, ok bool, err error) {
	id, secret := getenv(envGCSHMACAccessID), getenv(envGCSHMACSecret)
	switch {
	case id == "" && secret == "":
		return key, "", false, nil
	case id == "":
		return key, "", false, errors.New(envGCSHMACSecret + " is set but " + envGCSHMACAccessID + " is not")
	case secret == "":
		return key, "", false, errors.New(envGCSHMACAccessID + " is set but " + envGCSHMACSecret + " is not")
	}
	return gcs.NewHMACKey(id, secret), secret, true, nil
}

// resolveGCS finishes presign's options under --scheme gcs-rsa or
// gcs-hmac: the key, the endpoint (--endpoint-url only: the AWS settings
// and files do not apply) and the addressing style. The AWS-only flags are
// refused rather than ignored.
func resolveGCS(o *batchOptions, f *batchFlags, scheme pipeline.Scheme, t time.Time, expires int64, getenv func(string) string) (*batchOptions, error) {
	for _, a := range []string{"region", "profile", "clamp-expiry"} {
		if f.set[a] {
			return nil, fmt.Errorf("--%s does not apply to --scheme %s", a, scheme)
		}
	}
	endpoint := f.endpoint
	switch f.signingEndpoint {
	case "":
	case awsconfig.SigningEndpointAWS:
		return nil, fmt.Errorf("--signing-endpoint-url %s is for the AWS schemes, not --scheme %s", f.signingEndpoint, scheme)
	default:
		endpoint = f.signingEndpoint
	}
	ep, err := pipeline.ParseEndpoint(endpoint)
	if err != nil {
		return nil, err
	}
	addressing, err := pipeline.ParseAddressingStyle(f.addressing)
	if err != nil {
		return nil, fmt.Errorf("--addressing-style: %w", err)
	}
	o.cfg = pipeline.Config{Mode: o.mode, Scheme: scheme, Time: t, Endpoint: ep, Addressing: addressing,
		Expires: expires, Workers: f.workers, GCS: pipeline.GCSConfig{Region: f.cloud.gcsRegion}}
	if scheme == pipeline.SchemeGCSRSA {
		acct, ok, err := loadServiceAccount(f.cloud.gcsKeyFile, getenv)
		if err != nil {
			return nil, err
		}
		if !ok {
			return nil, errors.New("--scheme gcs-rsa: no key: give --gcs-key-file FILE or set " + envGoogleCredentials + " (a service-account JSON key, mode 0600)")
		}
		o.cfg.GCS.Account = acct
	} else {
		key, _, ok, err := gcsHMACFromEnv(getenv)
		if err != nil {
			return nil, fmt.Errorf("--scheme gcs-hmac: %w", err)
		}
		if !ok {
			return nil, errors.New("--scheme gcs-hmac: no key: set " + envGCSHMACAccessID + " and " + envGCSHMACSecret)
		}
		o.cfg.GCS.HMAC = key
	}
	if err := o.cfg.Validate(); err != nil {
		return nil, fmt.Errorf("--scheme %s: %w", scheme, err)
	}
	return o, nil
}

// resolveVerifyGCS adds the GCS keys to verify's Config: the service
// account of --gcs-key-file or GOOGLE_APPLICATION_CREDENTIALS and the HMAC
// key of GCS_HMAC_ACCESS_ID and GCS_HMAC_SECRET. Under --scheme auto a
// GOOGLE_APPLICATION_CREDENTIALS file that is no service-account key (an
// authorized_user file) is passed over, and its rows answered unknown_key;
// named by --gcs-key-file, or under --scheme gcs-rsa, it is an error.
func resolveVerifyGCS(cfg *pipeline.Config, f *batchFlags, scheme pipeline.Scheme, getenv func(string) string) error {
	if scheme == pipeline.SchemeAuto || scheme == pipeline.SchemeGCSRSA {
		acct, ok, err := loadServiceAccount(f.cloud.gcsKeyFile, getenv)
		switch {
		case err != nil && (scheme == pipeline.SchemeGCSRSA || f.cloud.gcsKeyFile != ""):
			return err
		case ok:
			cfg.GCS.Account = acct
		case scheme == pipeline.SchemeGCSRSA:
			return errors.New("--scheme gcs-rsa: no key: give --gcs-key-file FILE or set " + envGoogleCredentials + " (a service-account JSON key, mode 0600)")
		}
	}
	if scheme == pipeline.SchemeAuto || scheme == pipeline.SchemeGCSHMAC {
		key, secret, ok, err := gcsHMACFromEnv(getenv)
		switch {
		case err != nil:
			return err
		case ok:
			cfg.GCS.HMACLookup = func(id string) (string, bool) { return secret, id == key.AccessID }
		case scheme == pipeline.SchemeGCSHMAC:
			return errors.New("--scheme gcs-hmac: no key: set " + envGCSHMACAccessID + " and " + envGCSHMACSecret)
		}
	}
	return nil
}
