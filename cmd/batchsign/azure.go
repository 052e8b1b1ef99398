package main

import (
	"errors"
	"flag"
	"fmt"
	"strconv"
	"time"

	"github.com/batchsign/batchsign/internal/pipeline"
)

// The values of sign --scheme.
const (
	schemeSigV4     = string(pipeline.SchemeSigV4)
	schemeAzureHMAC = string(pipeline.SchemeAzureHMAC)
)

// addSignSchemeFlags adds sign's --scheme and, for Azure, --connection-string.
func addSignSchemeFlags(fs *flag.FlagSet, f *batchFlags) {
	fs.StringVar(&f.scheme, "scheme", schemeSigV4, "sigv4 (AWS SigV4 headers) or azure-hmac (Azure Communication Services HMAC-SHA256 headers: Host, x-ms-date, x-ms-content-sha256, Authorization)")
	fs.StringVar(&f.connectionString, "connection-string", "", "with --scheme azure-hmac: sign with this `connection string`'s key (endpoint=https://…/;accesskey=…; default: COMMUNICATION_SERVICES_CONNECTION_STRING, which keeps the key out of the process list)")
}

// resolveSignScheme finishes sign's options for a --scheme other than
// sigv4: only azure-hmac exists. Its key and endpoint come from the
// connection string; the AWS settings do not apply and are refused rather
// than ignored.
func resolveSignScheme(o *batchOptions, f *batchFlags, t time.Time, getenv func(string) string) (*batchOptions, error) {
	if f.scheme != schemeAzureHMAC {
		return nil, errors.New("--scheme " + strconv.Quote(f.scheme) + ": want sigv4 or azure-hmac")
	}
	for _, a := range []struct{ flag, value string }{
		{"--region", f.region}, {"--endpoint-url", f.endpoint}, {"--addressing-style", f.addressing}, {"--profile", f.profile},
	} {
		if a.value != "" {
			return nil, fmt.Errorf("%s does not apply to --scheme azure-hmac (the endpoint comes from the connection string)", a.flag)
		}
	}
	if f.clampExpiry {
		return nil, errors.New("--clamp-expiry does not apply to --scheme azure-hmac")
	}
	cs, ok, err := azureConnection(f.connectionString, getenv)
	if err != nil {
		return nil, err
	}
	if !ok {
		return nil, errors.New("--scheme azure-hmac: no key: give --connection-string or set COMMUNICATION_SERVICES_CONNECTION_STRING (endpoint=https://…/;accesskey=<base64>)")
	}
	o.cfg = pipeline.Config{Mode: pipeline.Sign, Scheme: pipeline.SchemeAzureHMAC, AzureKey: cs.Key(), AzureEndpoint: cs.Endpoint,
		Time: t, Workers: f.workers}
	if err := o.cfg.Validate(); err != nil {
		return nil, fmt.Errorf("--scheme azure-hmac: %w", err)
	}
	return o, nil
}
