package main

import (
	"errors"
	"flag"
	"fmt"
	"time"

	"github.com/batchsign/batchsign/internal/pipeline"
)

// addSignSchemeFlags adds sign's flags for Azure: --connection-string.
func addSignSchemeFlags(fs *flag.FlagSet, f *batchFlags) {
	fs.StringVar(&f.connectionString, "connection-string", "", "with --scheme azure-hmac: sign with this `connection string`'s key (endpoint=https://…/;accesskey=…; default: COMMUNICATION_SERVICES_CONNECTION_STRING, which keeps the key out of the process list)")
}

// resolveAzureSign finishes sign's options for --scheme azure-hmac. Its key
// and endpoint come from the connection string; the AWS settings do not
// apply and are refused rather than ignored.
func resolveAzureSign(o *batchOptions, f *batchFlags, t time.Time, getenv func(string) string) (*batchOptions, error) {
	for _, a := range []struct{ flag, value string }{
		{"--region", f.region}, {"--endpoint-url", f.endpoint}, {"--addressing-style", f.addressing}, {"--profile", f.profile},
		{"--signing-endpoint-url", f.signingEndpoint},
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
