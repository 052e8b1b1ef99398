package main

import (
	"crypto/rsa"
	"errors"
	"flag"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/batchsign/batchsign/cloudfront"
	"github.com/batchsign/batchsign/internal/keyring"
	"github.com/batchsign/batchsign/internal/pipeline"
)

// The flags and keys of --scheme cloudfront (Amazon CloudFront signed URLs
// and cookies).

// Environment variables of the CloudFront scheme.
const (
	// envCloudFrontPrivateKey holds the private key's PEM itself (not a
	// path), for runs whose secrets arrive as environment variables.
	envCloudFrontPrivateKey = "BATCHSIGN_CLOUDFRONT_PRIVATE_KEY"
	// envCloudFrontKeyPairID is the default of --key-pair-id.
	envCloudFrontKeyPairID = "BATCHSIGN_CLOUDFRONT_KEY_PAIR_ID"
)

// maxCloudFrontKeyFile bounds a PEM key file: a 4096-bit key is about
// 3.3 KiB.
const maxCloudFrontKeyFile = 64 << 10

// cloudFrontFlags are the flags of --scheme cloudfront.
type cloudFrontFlags struct {
	keyPairID  string // presign, verify
	privateKey string // presign
	domain     string // presign
	cookies    bool   // presign
	perPrefix  bool   // presign
	publicKey  string // verify
}

// cloudFrontFlagNames are the flags addCloudFrontFlags adds, refused under
// other schemes.
var cloudFrontFlagNames = []string{"key-pair-id", "private-key", "cloudfront-domain", "cookies", "policy-per-prefix", "public-key"}

// addCloudFrontFlags adds the CloudFront flags mode takes.
func addCloudFrontFlags(mode pipeline.Mode, fs *flag.FlagSet, f *cloudFrontFlags) {
	if mode != pipeline.Presign && mode != pipeline.Verify {
		return
	}
	fs.StringVar(&f.keyPairID, "key-pair-id", "", "with --scheme cloudfront: the public key's `ID` in the distribution's key group, e.g. K2JCJMDEHXQW5F (default: "+envCloudFrontKeyPairID+"; in verify: any id, when not given)")
	if mode == pipeline.Verify {
		fs.StringVar(&f.publicKey, "public-key", "", "with --scheme cloudfront: the key pair's public key, a PEM `FILE` (BEGIN PUBLIC KEY)")
		return
	}
	fs.StringVar(&f.privateKey, "private-key", "", "with --scheme cloudfront: the key pair's private key, a PEM `FILE` (PKCS #1 or #8, unencrypted, mode 0600; default: the PEM in "+envCloudFrontPrivateKey+")")
	fs.StringVar(&f.domain, "cloudfront-domain", "", "with --scheme cloudfront: the distribution's `host` (d111111abcdef8.cloudfront.net, or your own): key rows are signed as https://HOST/KEY, url rows must be on it")
	fs.BoolVar(&f.cookies, "cookies", false, "with --scheme cloudfront: write signed cookies (column cookies) for each row's resource instead of signed URLs")
	fs.BoolVar(&f.perPrefix, "policy-per-prefix", false, "with --scheme cloudfront: one custom policy per folder (resource https://HOST/FOLDER/*, one RSA signature per folder and expiry); each URL then grants its whole folder, sub-folders included")
}

// checkCloudFrontFlags refuses the CloudFront flags under another scheme,
// and the AWS-only flags under cloudfront.
func checkCloudFrontFlags(scheme pipeline.Scheme, f *batchFlags) error {
	if scheme != pipeline.SchemeCloudFront {
		for _, name := range cloudFrontFlagNames {
			if f.set[name] {
				return fmt.Errorf("--%s does not apply to --scheme %s", name, scheme)
			}
		}
		return nil
	}
	for _, name := range []string{"region", "profile", "clamp-expiry", "endpoint-url", "addressing-style", "keys", "service", "connection-string"} {
		if f.set[name] {
			return fmt.Errorf("--%s does not apply to --scheme cloudfront", name)
		}
	}
	return nil
}

// resolveCloudFront finishes presign's and verify's options under --scheme
// cloudfront: the key pair id, the private key (presign) or public key
// (verify), the distribution's domain and the policy choices.
func resolveCloudFront(o *batchOptions, f *batchFlags, t time.Time, expires int64, getenv func(string) string) (*batchOptions, error) {
	if err := checkCloudFrontFlags(pipeline.SchemeCloudFront, f); err != nil {
		return nil, err
	}
	cf := &f.cf
	id := cf.keyPairID
	if id == "" {
		id = getenv(envCloudFrontKeyPairID)
	}
	o.cfg = pipeline.Config{Mode: o.mode, Scheme: pipeline.SchemeCloudFront, Time: t, Expires: expires, Workers: f.workers,
		CloudFront: pipeline.CloudFrontConfig{Domain: cf.domain, Cookies: cf.cookies, PerPrefix: cf.perPrefix}}
	if o.mode == pipeline.Verify {
		if cf.publicKey == "" {
			return nil, errors.New("--scheme cloudfront: no key: give --public-key FILE (the key pair's public key, PEM)")
		}
		pub, err := loadCloudFrontPublicKey(cf.publicKey)
		if err != nil {
			return nil, err
		}
		o.cfg.CloudFront.Keys = func(k string) (*rsa.PublicKey, bool) { return pub, id == "" || k == id }
	} else {
		if id == "" {
			return nil, errors.New("--scheme cloudfront: no key pair id: give --key-pair-id ID or set " + envCloudFrontKeyPairID)
		}
		key, err := loadCloudFrontPrivateKey(cf.privateKey, getenv)
		if err != nil {
			return nil, err
		}
		if o.cfg.CloudFront.Signer, err = cloudfront.NewSigner(id, key); err != nil {
			return nil, fmt.Errorf("--key-pair-id: %w", err)
		}
	}
	if err := o.cfg.Validate(); err != nil {
		return nil, fmt.Errorf("--scheme cloudfront: %w", err)
	}
	return o, nil
}

// loadCloudFrontPrivateKey reads the private key from --private-key FILE
// (checked as a keyring is: a regular file that group and others cannot
// read), else from the PEM in BATCHSIGN_CLOUDFRONT_PRIVATE_KEY. Errors name
// the source, never key material.
func loadCloudFrontPrivateKey(path string, getenv func(string) string) (*rsa.PrivateKey, error) {
	from := "--private-key"
	var data []byte
	if path != "" {
		var err error
		if data, err = keyring.ReadPrivateFile(path, from, maxCloudFrontKeyFile); err != nil {
			return nil, err
		}
		from += " " + path
	} else if env := getenv(envCloudFrontPrivateKey); env != "" {
		data, from = []byte(env), envCloudFrontPrivateKey
	} else {
		return nil, errors.New("--scheme cloudfront: no private key: give --private-key FILE (PEM, mode 0600) or set " + envCloudFrontPrivateKey + " to the PEM")
	}
	defer clear(data)
	key, err := cloudfront.ParsePrivateKeyPEM(data)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", from, err)
	}
	return key, nil
}

// loadCloudFrontPublicKey reads --public-key FILE.
func loadCloudFrontPublicKey(path string) (*rsa.PublicKey, error) {
	fi, err := os.Stat(path)
	if err != nil {
		return nil, fmt.Errorf("--public-key: %w", err)
	}
	if !fi.Mode().IsRegular() || fi.Size() > maxCloudFrontKeyFile {
		return nil, errors.New("--public-key " + path + ": want a PEM file of at most 64 KiB")
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("--public-key: %w", err)
	}
	pub, err := cloudfront.ParsePublicKeyPEM(data)
	if err != nil {
		return nil, fmt.Errorf("--public-key %s: %w", path, err)
	}
	return pub, nil
}

// isCloudFront reports whether the command line names --scheme cloudfront,
// before the scheme is resolved (--expires' bound depends on it).
func isCloudFront(f *batchFlags) bool {
	return strings.EqualFold(f.scheme, string(pipeline.SchemeCloudFront))
}
