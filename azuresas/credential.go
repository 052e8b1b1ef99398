package azuresas

import (
	"fmt"
	"log/slog"
	"strings"

	"github.com/batchsign/batchsign/internal/sigcore"
)

// The storage emulator's well-known development account (Azurite, the
// older Storage Emulator): public, documented by Microsoft, and what
// "UseDevelopmentStorage=true" means.
const (
	DevelopmentAccount  = "devstoreaccount1"
	DevelopmentKey      = "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw=="
	developmentEndpoint = "http://127.0.0.1:10000/" + DevelopmentAccount
)

// Credential is a storage account's name, its blob service endpoint and
// its shared key. The key is unexported and never printed: String,
// GoString, Format and LogValue show the account and endpoint only.
type Credential struct {
	// Account is the storage account name (3–24 lower-case letters and
	// digits), the second element of every canonicalized resource.
	Account string
	// BlobEndpoint is the blob service's base URL without a trailing '/':
	// "https://ACCOUNT.blob.core.windows.net", or path-style with the
	// account as its path, "http://127.0.0.1:10000/devstoreaccount1", as
	// the emulator serves it.
	BlobEndpoint string
	key          *sigcore.Secret
}

// NewCredential returns the credential of account with its access key (the
// standard base64 the portal and the CLI show), on the public cloud's
// endpoint https://ACCOUNT.blob.core.windows.net. Errors never quote the
// key.
func NewCredential(account, key string) (Credential, error) {
	if err := checkAccount(account); err != nil {
		return Credential{}, err
	}
	k, err := sigcore.DecodeBase64Key("account key", key)
	if err != nil {
		return Credential{}, fmt.Errorf("%w: %s", ErrCredential, err.Error())
	}
	return Credential{Account: account, BlobEndpoint: "https://" + account + ".blob.core.windows.net", key: sigcore.NewSecret(k)}, nil
}

// ParseConnectionString reads an Azure Storage connection string, as the
// portal, the Azure CLI (AZURE_STORAGE_CONNECTION_STRING) and Microsoft's
// client libraries take it: AccountName and AccountKey, and the blob
// endpoint from BlobEndpoint, else from DefaultEndpointsProtocol (https
// when absent) and EndpointSuffix (core.windows.net when absent).
// "UseDevelopmentStorage=true" is the emulator's development account on
// http://127.0.0.1:10000/devstoreaccount1. Field names are matched without
// regard to case, other fields are ignored, and the fields are read by the
// same rules as azurehmac's (sigcore.ConnectionStringFields). A string
// without an account key (a SAS-only string) is an error. Errors name the
// field and never quote the string.
func ParseConnectionString(s string) (Credential, error) {
	v, found, err := sigcore.ConnectionStringFields(s, "AccountName", "AccountKey", "BlobEndpoint",
		"DefaultEndpointsProtocol", "EndpointSuffix", "UseDevelopmentStorage")
	if err != nil {
		return Credential{}, fmt.Errorf("%w: connection string: %s", ErrCredential, err.Error())
	}
	name, key, endpoint, protocol, suffix, dev := v[0], v[1], v[2], v[3], v[4], v[5]
	if strings.EqualFold(dev, "true") {
		if !found[0] && !found[1] {
			name, key = DevelopmentAccount, DevelopmentKey
		}
		if !found[2] {
			endpoint = developmentEndpoint
		}
	}
	if name == "" {
		return Credential{}, fmt.Errorf("%w: connection string: no AccountName", ErrCredential)
	}
	if key == "" {
		return Credential{}, fmt.Errorf("%w: connection string: no AccountKey (a SAS-only string cannot sign)", ErrCredential)
	}
	c, err := NewCredential(name, key)
	if err != nil {
		return Credential{}, err
	}
	switch {
	case endpoint != "":
		endpoint = strings.TrimSuffix(endpoint, "/")
		u, err := sigcore.SplitURL(endpoint)
		if err != nil || u.RawQuery != "" || u.ForceQuery {
			return Credential{}, fmt.Errorf("%w: connection string: BlobEndpoint is not an http(s) URL without a query", ErrCredential)
		}
		c.BlobEndpoint = endpoint
	default:
		if protocol == "" {
			protocol = "https"
		}
		if protocol != "https" && protocol != "http" {
			return Credential{}, fmt.Errorf("%w: connection string: DefaultEndpointsProtocol must be https or http", ErrCredential)
		}
		if suffix == "" {
			suffix = "core.windows.net"
		}
		c.BlobEndpoint = protocol + "://" + name + ".blob." + suffix
		if _, err := sigcore.SplitURL(c.BlobEndpoint); err != nil {
			return Credential{}, fmt.Errorf("%w: connection string: EndpointSuffix does not make a host name", ErrCredential)
		}
	}
	return c, nil
}

// checkAccount checks a storage account name: 3–24 lower-case letters and
// digits.
func checkAccount(name string) error {
	ok := len(name) >= 3 && len(name) <= 24
	for i := 0; ok && i < len(name); i++ {
		c := name[i]
		ok = 'a' <= c && c <= 'z' || '0' <= c && c <= '9'
	}
	if !ok {
		return fmt.Errorf("%w: account name %s: want 3 to 24 lower-case letters and digits", ErrCredential, sigcore.QuoteForError(name))
	}
	return nil
}

// String shows the account and the endpoint, never the key.
func (c Credential) String() string {
	return "azuresas.Credential{Account: " + c.Account + ", BlobEndpoint: " + c.BlobEndpoint + ", key: redacted}"
}

// GoString redacts the key.
func (c Credential) GoString() string { return c.String() }

// Format redacts the key for every verb.
func (c Credential) Format(f fmt.State, _ rune) { _, _ = f.Write([]byte(c.String())) }

// LogValue keeps the key out of structured logs.
func (c Credential) LogValue() slog.Value { return slog.StringValue(c.String()) }
