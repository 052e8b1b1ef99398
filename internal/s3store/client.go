package s3store

import (
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
)

// ClientOptions are what the command line adds to the SDK's configuration.
type ClientOptions struct {
	// EndpointURL (--endpoint-url) overrides every configured endpoint.
	// Empty, the SDK resolves the endpoint from the configuration it loaded:
	// AWS_ENDPOINT_URL_S3, AWS_ENDPOINT_URL, the profile's services s3
	// endpoint_url, the profile's endpoint_url (none of them when
	// AWS_IGNORE_CONFIGURED_ENDPOINT_URLS or the profile's
	// ignore_configured_endpoint_urls is true), else AWS.
	EndpointURL string
	// PathStyle puts the bucket in the path (http://host/bucket/key), as
	// the addressing style "path" does, and as "auto" does on custom
	// endpoints, which rarely have wildcard DNS.
	PathStyle bool
	// HTTPClient, when not nil, replaces the SDK's HTTP client (tests count
	// the bytes fetched through it).
	HTTPClient aws.HTTPClient
}

// defaultRegion is the region an S3 client without one uses, as the AWS
// CLI does for S3.
const defaultRegion = "us-east-1"

// NewClient returns an S3 client with cfg's credentials (and their cache),
// region and configured endpoints, and o's overrides.
func NewClient(cfg aws.Config, o ClientOptions) *s3.Client {
	return s3.NewFromConfig(cfg, func(so *s3.Options) {
		if so.Region == "" {
			so.Region = defaultRegion
		}
		if o.EndpointURL != "" {
			so.BaseEndpoint = aws.String(o.EndpointURL)
		}
		so.UsePathStyle = o.PathStyle
		if o.HTTPClient != nil {
			so.HTTPClient = o.HTTPClient
		}
	})
}
