package main

import (
	"errors"
	"fmt"
	"time"

	"github.com/batchsign/batchsign/azuresas"
	"github.com/batchsign/batchsign/internal/pipeline"
)

// Environment variables of --scheme azure-sas: the names the Azure CLI and
// Microsoft's storage tools read (there is no flag: a key in a flag shows
// in the process list).
const (
	envAzureStorageConnectionString = "AZURE_STORAGE_CONNECTION_STRING" // AccountName=…;AccountKey=…[;BlobEndpoint=…]
	envAzureStorageAccount          = "AZURE_STORAGE_ACCOUNT"           // the account name, with AZURE_STORAGE_KEY
	envAzureStorageKey              = "AZURE_STORAGE_KEY"               // its access key (base64)
)

// azureStorageFromEnv reads the storage account key of --scheme azure-sas:
// AZURE_STORAGE_CONNECTION_STRING, else AZURE_STORAGE_ACCOUNT and
// AZURE_STORAGE_KEY; ok is false when none is set. Errors name the
// variable, never the key.
func azureStorageFromEnv(getenv func(string) string) (cred *azuresas.Credential, ok bool, err error) {
	if cs := getenv(envAzureStorageConnectionString); cs != "" {
		c, err := azuresas.ParseConnectionString(cs)
		if err != nil {
			return nil, false, fmt.Errorf("%s: %w", envAzureStorageConnectionString, err)
		}
		return &c, true, nil
	}
	account, key := getenv(envAzureStorageAccount), getenv(envAzureStorageKey)
	switch {
	case account == "" && key == "":
		return nil, false, nil
	case account == "":
		return nil, false, errors.New(envAzureStorageKey + " is set but " + envAzureStorageAccount + " is not")
	case key == "":
		return nil, false, errors.New(envAzureStorageAccount + " is set but " + envAzureStorageKey + " is not")
	}
	c, err := azuresas.NewCredential(account, key)
	if err != nil {
		return nil, false, fmt.Errorf("%s, %s: %w", envAzureStorageAccount, envAzureStorageKey, err)
	}
	return &c, true, nil
}

// errNoAzureStorageKey is the usage error of azure-sas without a key.
var errNoAzureStorageKey = errors.New("--scheme azure-sas: no key: set " + envAzureStorageConnectionString +
	" (AccountName=…;AccountKey=…), or " + envAzureStorageAccount + " and " + envAzureStorageKey)

// resolveAzureSAS finishes presign's options under --scheme azure-sas: the
// account key from the environment and the endpoint (the connection
// string's, or --endpoint-url). The AWS-only flags are refused rather than
// ignored.
func resolveAzureSAS(o *batchOptions, f *batchFlags, t time.Time, expires int64, getenv func(string) string) (*batchOptions, error) {
	for _, a := range []string{"region", "profile", "clamp-expiry", "addressing-style"} {
		if f.set[a] {
			return nil, fmt.Errorf("--%s does not apply to --scheme azure-sas", a)
		}
	}
	ep, err := pipeline.ParseEndpoint(f.endpoint)
	if err != nil {
		return nil, err
	}
	cred, ok, err := azureStorageFromEnv(getenv)
	if err != nil {
		return nil, fmt.Errorf("--scheme azure-sas: %w", err)
	}
	if !ok {
		return nil, errNoAzureStorageKey
	}
	o.cfg = pipeline.Config{Mode: o.mode, Scheme: pipeline.SchemeAzureSAS, Time: t, Endpoint: ep,
		Expires: expires, Workers: f.workers, AzureSAS: pipeline.AzureSASConfig{Credential: cred}}
	if err := o.cfg.Validate(); err != nil {
		return nil, fmt.Errorf("--scheme azure-sas: %w", err)
	}
	return o, nil
}
