package awsconfig

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"strings"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/credentials/ec2rolecreds"
	"github.com/aws/aws-sdk-go-v2/feature/ec2/imds"
)

// imdsExpiry sits between the SDK's EC2 role credentials provider and its
// IMDS client and notes the expiry IMDS gives each access key. The provider
// reports at most an hour ahead (so that its cache refreshes hourly); taken
// as the credentials' expiry, that would limit every URL signed with an
// instance role to an hour, when the credentials live for several.
//
// The SDK builds its providers before the configuration they need is
// complete, so client is set after config.LoadDefaultConfig returns, before
// anything retrieves credentials.
type imdsExpiry struct {
	client ec2rolecreds.GetMetadataAPIClient

	mu      sync.Mutex
	key     string // access key ID
	expires time.Time
}

// roleCredentialsPath is where IMDS serves a role's credentials, followed
// by the role's name.
const roleCredentialsPath = "/iam/security-credentials/"

// maxIMDSDocument bounds a credentials document read from IMDS (a few
// hundred bytes).
const maxIMDSDocument = 64 << 10

// GetMetadata is the IMDS client's, noting the expiry in a role's
// credentials document.
func (r *imdsExpiry) GetMetadata(ctx context.Context, in *imds.GetMetadataInput, optFns ...func(*imds.Options)) (*imds.GetMetadataOutput, error) {
	out, err := r.client.GetMetadata(ctx, in, optFns...)
	if err != nil || !strings.HasPrefix(in.Path, roleCredentialsPath) || len(in.Path) == len(roleCredentialsPath) {
		return out, err
	}
	b, err := io.ReadAll(io.LimitReader(out.Content, maxIMDSDocument))
	out.Content.Close()
	if err != nil {
		return nil, err
	}
	var doc struct {
		AccessKeyID string `json:"AccessKeyId"`
		Expiration  time.Time
	}
	if json.Unmarshal(b, &doc) == nil && doc.AccessKeyID != "" {
		r.mu.Lock()
		r.key, r.expires = doc.AccessKeyID, doc.Expiration
		r.mu.Unlock()
	}
	out.Content = io.NopCloser(bytes.NewReader(b))
	return out, nil
}

// expiry is the expiry IMDS gave with the access key id, if it was the last
// one served.
func (r *imdsExpiry) expiry(id string) (time.Time, bool) {
	if r == nil {
		return time.Time{}, false
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.expires, id != "" && id == r.key && !r.expires.IsZero()
}
