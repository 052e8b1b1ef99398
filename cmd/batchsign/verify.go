package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/batchsign/batchsign/azurehmac"
	"github.com/batchsign/batchsign/sigv4"
	"github.com/batchsign/batchsign/sigv4a"

	"github.com/batchsign/batchsign/internal/awsconfig"
	"github.com/batchsign/batchsign/internal/keyring"
	"github.com/batchsign/batchsign/internal/pipeline"
)

// runVerify is "batchsign verify [flags] INPUT|-": for each row (a presigned
// URL: id, url, method; or a signed request: id, method, url, headers with
// Authorization), whether its signature is valid now (--time), and if not
// why: id, valid, reason, scheme. --scheme restricts it to one scheme.
// Exit status 0 when every row is valid, 1 when some are invalid or
// rejected.
func runVerify(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	return runBatch(pipeline.Verify, args, stdin, stdout, stderr)
}

// maxKeysFile bounds a --keys file.
const maxKeysFile = 64 << 20

// keysEntry is one NDJSON line (or array element) of a --keys file.
type keysEntry struct {
	AccessKeyID     string `json:"access_key_id"`
	SecretAccessKey string `json:"secret_access_key"`
}

// loadKeysFile reads a --keys file: one JSON object mapping access key ids
// to secrets ({"AKID":"secret",...}), or objects with access_key_id and
// secret_access_key, as NDJSON lines or a JSON array. Like a keyring, the
// file must not be readable by group or others. Errors never quote a
// secret.
func loadKeysFile(path string) (sigv4.SecretLookup, int, error) {
	data, err := keyring.ReadPrivateFile(path, "--keys", maxKeysFile)
	if err != nil {
		return nil, 0, err
	}
	defer clear(data)
	if len(data) > maxKeysFile {
		return nil, 0, fmt.Errorf("--keys %s: larger than %d bytes", path, maxKeysFile)
	}
	keys := map[string]string{}
	add := func(where, id, secret string) error {
		switch {
		case id == "" || secret == "":
			return fmt.Errorf("--keys %s: %s: want a non-empty access key id and secret", path, where)
		case keys[id] != "" && keys[id] != secret:
			return fmt.Errorf("--keys %s: %s: access key id %q given twice with different secrets", path, where, id)
		}
		keys[id] = secret
		return nil
	}
	trimmed := bytes.TrimSpace(data)
	var entries []keysEntry
	switch {
	case len(trimmed) > 0 && trimmed[0] == '[':
		if err := json.Unmarshal(trimmed, &entries); err != nil {
			return nil, 0, fmt.Errorf("--keys %s: not a JSON array of {access_key_id, secret_access_key}", path)
		}
		for i, e := range entries {
			if err := add("element "+strconv.Itoa(i+1), e.AccessKeyID, e.SecretAccessKey); err != nil {
				return nil, 0, err
			}
		}
	default:
		var m map[string]string
		if json.Unmarshal(trimmed, &m) == nil && m["access_key_id"] == "" {
			for id, secret := range m {
				if err := add("key "+strconv.Quote(id), id, secret); err != nil {
					return nil, 0, err
				}
			}
			break
		}
		sc := bufio.NewScanner(bytes.NewReader(data))
		sc.Buffer(nil, maxKeysFile)
		for line := 1; sc.Scan(); line++ {
			l := bytes.TrimSpace(sc.Bytes())
			if len(l) == 0 {
				continue
			}
			var e keysEntry
			if err := json.Unmarshal(l, &e); err != nil {
				return nil, 0, fmt.Errorf("--keys %s: line %d: want {\"access_key_id\":…,\"secret_access_key\":…} or one object mapping ids to secrets", path, line)
			}
			if err := add("line "+strconv.Itoa(line), e.AccessKeyID, e.SecretAccessKey); err != nil {
				return nil, 0, err
			}
		}
	}
	if len(keys) == 0 {
		return nil, 0, fmt.Errorf("--keys %s: no keys", path)
	}
	return func(id string) (string, bool) {
		s, ok := keys[id]
		return s, ok
	}, len(keys), nil
}

// azureConnection parses --connection-string, or
// COMMUNICATION_SERVICES_CONNECTION_STRING when the flag is empty; ok is
// false when neither is set. Errors name the source, never the key.
func azureConnection(flagValue string, getenv func(string) string) (c azurehmac.ConnectionString, ok bool, err error) {
	cs, from := flagValue, "--connection-string"
	if cs == "" {
		cs, from = getenv("COMMUNICATION_SERVICES_CONNECTION_STRING"), "COMMUNICATION_SERVICES_CONNECTION_STRING"
	}
	if strings.TrimSpace(cs) == "" {
		return c, false, nil
	}
	if c, err = azurehmac.ParseConnectionString(cs); err != nil {
		return c, false, fmt.Errorf("%s: %w", from, err)
	}
	return c, true, nil
}

// resolveVerify finishes verify's options: the keys of the schemes it
// judges (--keys, else the resolved credentials, for SigV4 and SigV2; the
// connection string's key for Azure HMAC) and the expected scope, which
// comes from --region and --service only, never from the environment's
// default region. Under one scheme, the flags of the others do not apply and
// are refused rather than ignored.
func resolveVerify(o *batchOptions, f *batchFlags, scheme pipeline.Scheme, t time.Time, getenv func(string) string) (*batchOptions, error) {
	aws := scheme == pipeline.SchemeAuto || scheme == pipeline.SchemeSigV4 || scheme == pipeline.SchemeSigV2 || scheme == pipeline.SchemeSigV4a
	azure := scheme == pipeline.SchemeAuto || scheme == pipeline.SchemeAzureHMAC
	v4scope := scheme == pipeline.SchemeAuto || scheme == pipeline.SchemeSigV4 || scheme == pipeline.SchemeSigV4a
	for _, a := range []struct {
		flag    string
		applies bool
	}{
		{"keys", aws}, {"profile", aws}, {"connection-string", azure},
		{"service", v4scope}, {"region", v4scope},
	} {
		if f.set[a.flag] && !a.applies {
			return nil, fmt.Errorf("--%s does not apply to --scheme %s", a.flag, scheme)
		}
	}
	o.cfg = pipeline.Config{Mode: pipeline.Verify, Scheme: scheme, Keys: sigv4.NewKeyCache(0), SigV4aKeys: sigv4a.NewKeyCache(0), Time: t,
		Region: f.region, Service: f.service, Workers: f.workers}
	if err := resolveVerifyGCS(&o.cfg, f, scheme, getenv); err != nil {
		return nil, err
	}
	if scheme == pipeline.SchemeAuto || scheme == pipeline.SchemeAzureSAS {
		cred, ok, err := azureStorageFromEnv(getenv)
		switch {
		case err != nil:
			return nil, err
		case !ok && scheme == pipeline.SchemeAzureSAS:
			return nil, errNoAzureStorageKey
		}
		o.cfg.AzureSAS.Credential = cred
	}
	if azure {
		cs, ok, err := azureConnection(f.connectionString, getenv)
		if err != nil {
			return nil, err
		}
		if ok {
			o.cfg.AzureKey = cs.Key()
		} else if !aws {
			return nil, errors.New("--scheme azure-hmac: no key: give --connection-string or set COMMUNICATION_SERVICES_CONNECTION_STRING (endpoint=https://…/;accesskey=<base64>)")
		}
	}
	switch {
	case !aws:
	case f.keys != "":
		lookup, _, err := loadKeysFile(f.keys)
		if err != nil {
			return nil, err
		}
		o.cfg.Lookup = lookup
	default:
		res, err := awsconfig.Resolve(context.Background(), awsconfig.Inputs{Profile: f.profile})
		if err != nil && o.cfg.AzureKey == nil && o.cfg.GCS.Account == nil && o.cfg.GCS.HMACLookup == nil && o.cfg.AzureSAS.Credential == nil {
			return nil, fmt.Errorf("%w (or give --keys FILE)", err)
		}
		if err == nil {
			o.cfg.Credentials = res.Credentials
		}
	}
	if err := o.cfg.Validate(); err != nil {
		if !aws {
			return nil, fmt.Errorf("--scheme %s: %w", scheme, err)
		}
		return nil, fmt.Errorf("%w (give --keys FILE, or credentials as for signing)", err)
	}
	return o, nil
}
