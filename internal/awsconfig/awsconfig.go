// Package awsconfig resolves the credentials, region and endpoint a run signs
// with, the way the AWS CLI does, so that batchsign runs with whatever an AWS
// user or job already has: environment keys, a profile (static keys,
// role_arn with source_profile or credential_source, credential_process,
// SSO), web identity (EKS IRSA), the container credentials endpoint (ECS, AWS
// Batch, EKS Pod Identity) or the EC2 instance metadata service (IMDSv2).
//
// The credential chain is the AWS SDK for Go v2's
// (config.LoadDefaultConfig), with its caching and its retries of transient
// failures. This package adds what the SDK does not do:
//
//   - shared config and credentials files are checked before the SDK reads
//     them: a FIFO, a device or a file over 4 MiB is a configuration error
//     at once, never a run that blocks or reads forever; so are token and
//     CA bundle files named by the environment or the profile;
//   - a malformed line in either file is an error naming the file and line
//     (the SDK skips such lines silently);
//   - the profile's s3.addressing_style (an AWS CLI setting the SDK ignores);
//   - AWS_CREDENTIAL_EXPIRATION, which `aws configure export-credentials`
//     writes beside environment keys, bounds their lifetime;
//   - a half-set AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY pair is an error,
//     not a silent fall-through to the next source;
//   - messages name the source and the problem, never a secret, and a
//     credential_process whose output does not parse is not echoed.
//
// Credentials are fetched once per run by Resolve. A run that outlasts them
// gets fresh ones from Provider.Retrieve.
package awsconfig

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/credentials/ec2rolecreds"
	"github.com/aws/aws-sdk-go-v2/feature/ec2/imds"
	"github.com/aws/smithy-go/logging"

	"github.com/batchsign/batchsign/sigv4"
)

// Inputs are the command-line values that take precedence over the
// environment and the files. Everything else comes from the process
// environment, which the AWS SDK reads directly.
type Inputs struct {
	Profile     string // --profile; an explicit profile wins over environment keys
	Region      string // --region
	EndpointURL string // --endpoint-url
	// SigningEndpointURL (--signing-endpoint-url) is where the signed URLs
	// point when that is not where the run reads and writes S3: "" means
	// the same endpoint as I/O, SigningEndpointAWS AWS's own endpoints.
	SigningEndpointURL string
}

// SigningEndpointAWS, given as Inputs.SigningEndpointURL, signs URLs for
// AWS's own S3 endpoints whatever endpoint the run's S3 I/O uses.
const SigningEndpointAWS = "aws"

// Resolved is what a run signs with.
//
// Resolved prints (with any fmt verb) its source, region and endpoint and
// the access key ID; never the secret, the session token or the SDK's
// configuration.
type Resolved struct {
	// Credentials are the ones fetched by Resolve. Expires is the source's
	// own expiry (or AWS_CREDENTIAL_EXPIRATION for environment keys); zero
	// when the source gives none (long-term keys).
	Credentials sigv4.Credentials
	// Region is "" when nothing names one; callers choose their default.
	Region string
	// EndpointURL is where the run reads and writes S3 (s3:// manifests and
	// outputs), as the AWS CLI's --endpoint-url is: "" for AWS's own
	// endpoints. See IOEndpoint.
	EndpointURL string
	// SigningEndpointURL is the endpoint the signed URLs point at:
	// Inputs.SigningEndpointURL when given ("" for SigningEndpointAWS),
	// else EndpointURL.
	SigningEndpointURL string
	// AddressingStyle is the profile's s3.addressing_style ("auto",
	// "virtual", "path") or "".
	AddressingStyle string
	// Profile is the profile the credentials came from, "" when they came
	// from the environment, web identity, a container or IMDS.
	Profile string
	// CredentialSource says where the keys came from, for messages and the
	// run summary: "environment", "profile NAME (FILE)", "profile NAME
	// (process)", "profile NAME (sso)", "profile NAME (role ARN from …)",
	// "web identity", "container", "imds". Never a secret.
	CredentialSource string
	// Provider gives fresh credentials to a run that outlasts Credentials.
	Provider *Provider

	aws aws.Config
}

// AWSConfig is the SDK configuration the credentials came from, for the SDK
// clients of the same run (an S3 client reading the manifest): the same
// credential cache and region. Its BaseEndpoint is the SDK's own (from
// AWS_ENDPOINT_URL or the profile), not --endpoint-url.
func (r Resolved) AWSConfig() aws.Config { return r.aws }

// IOEndpoint is the endpoint of the run's S3 client, for s3:// manifests
// and outputs, resolved in the AWS CLI's order: --endpoint-url,
// AWS_ENDPOINT_URL_S3, AWS_ENDPOINT_URL, the profile's services s3
// endpoint_url, the profile's endpoint_url (none but the first when
// configured endpoints are ignored); "" means AWS's own regional endpoint.
// It is never --signing-endpoint-url, which only moves the signed URLs.
func (r Resolved) IOEndpoint() string { return r.EndpointURL }

// String describes r without secrets.
func (r Resolved) String() string {
	return "awsconfig.Resolved{" + r.CredentialSource + ", AccessKeyID: " + r.Credentials.AccessKeyID +
		", Region: " + r.Region + ", EndpointURL: " + r.EndpointURL + ", SigningEndpointURL: " + r.SigningEndpointURL + "}"
}

// GoString is String, so %#v cannot print the secret.
func (r Resolved) GoString() string { return r.String() }

// Format makes every verb print String.
func (r Resolved) Format(f fmt.State, _ rune) { fmt.Fprint(f, r.String()) }

// ErrNoCredentials means no source in the chain holds credentials.
var ErrNoCredentials = errors.New("no AWS credentials found")

// fetchTimeout bounds Resolve's first fetch when the caller's context has no
// deadline: a container endpoint or STS that accepts the connection and
// never answers must not hang the run. credential_process has the same
// limit of its own in the SDK.
const fetchTimeout = time.Minute

// Resolve applies the AWS precedence rules and fetches the credentials once:
//
//   - credentials: an explicit --profile; else AWS_ACCESS_KEY_ID and
//     AWS_SECRET_ACCESS_KEY (with AWS_SESSION_TOKEN and
//     AWS_CREDENTIAL_EXPIRATION, RFC 3339); else AWS_WEB_IDENTITY_TOKEN_FILE
//     with AWS_ROLE_ARN; else the profile named by AWS_PROFILE (or
//     AWS_DEFAULT_PROFILE, or "default") from AWS_SHARED_CREDENTIALS_FILE
//     (~/.aws/credentials) and AWS_CONFIG_FILE (~/.aws/config); else the
//     container endpoint (AWS_CONTAINER_CREDENTIALS_RELATIVE_URI or
//     _FULL_URI); else IMDSv2 (unless AWS_EC2_METADATA_DISABLED=true);
//   - region: --region, AWS_REGION, AWS_DEFAULT_REGION, the profile's region;
//   - endpoint: --endpoint-url, AWS_ENDPOINT_URL_S3, AWS_ENDPOINT_URL, the
//     profile's services s3 endpoint_url, the profile's endpoint_url (all
//     but the first ignored when AWS_IGNORE_CONFIGURED_ENDPOINT_URLS or the
//     profile's ignore_configured_endpoint_urls is true).
//
// With environment keys (or static keys in a profile) Resolve makes no
// network call. ctx bounds the fetch; without a deadline it is a minute.
// Errors wrap ErrNoCredentials when nothing in the chain has credentials.
func Resolve(ctx context.Context, in Inputs) (Resolved, error) {
	var out Resolved
	explicit := in.Profile != ""
	ak, sk := os.Getenv("AWS_ACCESS_KEY_ID"), os.Getenv("AWS_SECRET_ACCESS_KEY")
	if !explicit && (ak != "") != (sk != "") {
		return out, errors.New("AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY must be set together")
	}
	profileName := firstNonEmpty(in.Profile, os.Getenv("AWS_PROFILE"), os.Getenv("AWS_DEFAULT_PROFILE"), "default")
	files := sharedFiles{
		config:      firstNonEmpty(os.Getenv("AWS_CONFIG_FILE"), config.DefaultSharedConfigFilename()),
		credentials: firstNonEmpty(os.Getenv("AWS_SHARED_CREDENTIALS_FILE"), config.DefaultSharedCredentialsFilename()),
	}
	prof, err := loadProfile(profileName, files)
	if err != nil {
		return out, err
	}
	if err := checkNamedFiles(prof); err != nil {
		return out, err
	}

	if _, ok := ctx.Deadline(); !ok {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, fetchTimeout)
		defer cancel()
	}
	opts := []func(*config.LoadOptions) error{
		// Exactly the files checked above, whatever HOME was when the SDK's
		// package variables were set.
		config.WithSharedConfigFiles([]string{files.config}),
		config.WithSharedCredentialsFiles([]string{files.credentials}),
		// The cache keeps each source's own expiry (the SDK would shorten
		// the container's by 5 minutes); Provider refreshes early itself.
		config.WithCredentialsCacheOptions(func(o *aws.CredentialsCacheOptions) { o.ExpiryWindow = 0 }),
		// The SDK's warnings (an IMDSv1 fallback) would interleave with
		// the run's own messages on stderr; its errors reach us.
		config.WithLogger(logging.Nop{}),
	}
	rec := &imdsExpiry{}
	opts = append(opts, config.WithEC2RoleCredentialOptions(func(o *ec2rolecreds.Options) { o.Client = rec }))
	if explicit {
		opts = append(opts, config.WithSharedConfigProfile(in.Profile))
	}
	if in.Region != "" {
		opts = append(opts, config.WithRegion(in.Region))
	}
	cfg, err := config.LoadDefaultConfig(ctx, opts...)
	if err != nil {
		return out, loadError(err, profileName)
	}
	rec.client = imds.NewFromConfig(cfg)
	env, shared := configSources(cfg)

	p := newProvider(cfg.Credentials, describeSource(cfg.Credentials, shared))
	p.imds = rec
	out.CredentialSource = p.source
	if usesProfile(cfg.Credentials) {
		out.Profile = shared.Profile
	}
	if p.source == "environment" {
		if exp := os.Getenv("AWS_CREDENTIAL_EXPIRATION"); exp != "" {
			t, err := time.Parse(time.RFC3339, exp)
			if err != nil {
				return out, fmt.Errorf("AWS_CREDENTIAL_EXPIRATION: want RFC 3339 (2026-11-23T18:00:00Z), got %q", exp)
			}
			p.envExpires = t
		}
	}
	if out.Credentials, err = p.first(ctx); err != nil {
		if p.source == "imds" {
			// The end of the chain: nothing else was configured.
			return out, fmt.Errorf("%w: no AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY in the environment, no credentials in profile %q of %s or %s, no web identity or container credentials, and %s",
				ErrNoCredentials, profileName, files.credentials, files.config, imdsFailure(err))
		}
		return out, err
	}
	out.Provider = p
	out.Region = cfg.Region
	out.EndpointURL = in.EndpointURL
	if out.EndpointURL == "" {
		out.EndpointURL = s3Endpoint(ctx, env, shared)
	}
	switch in.SigningEndpointURL {
	case "":
		out.SigningEndpointURL = out.EndpointURL
	case SigningEndpointAWS:
	default:
		out.SigningEndpointURL = in.SigningEndpointURL
	}
	out.AddressingStyle = prof.get("s3.addressing_style")
	out.aws = cfg
	return out, nil
}

// loadError turns the SDK's configuration errors into ours.
func loadError(err error, profile string) error {
	var notExist config.SharedConfigProfileNotExistError
	if errors.As(err, &notExist) {
		return fmt.Errorf("%w: no profile %q in the shared credentials or config file", ErrNoCredentials, profile)
	}
	return fmt.Errorf("AWS configuration: %v", redact(err))
}

// imdsFailure says why IMDS gave no credentials.
func imdsFailure(err error) string {
	if strings.EqualFold(os.Getenv("AWS_EC2_METADATA_DISABLED"), "true") {
		return "the EC2 instance metadata service is disabled (AWS_EC2_METADATA_DISABLED=true)"
	}
	msg := err.Error()
	var fe *fetchError
	if errors.As(err, &fe) {
		msg = fe.msg
	}
	return "the EC2 instance metadata service gave none (" + msg + ")"
}

// configSources finds the environment and shared-file settings the SDK
// loaded.
func configSources(cfg aws.Config) (config.EnvConfig, config.SharedConfig) {
	var env config.EnvConfig
	var shared config.SharedConfig
	for _, s := range cfg.ConfigSources {
		switch c := s.(type) {
		case config.EnvConfig:
			env = c
		case config.SharedConfig:
			shared = c
		}
	}
	return env, shared
}

// s3Endpoint applies the AWS CLI's order for S3: AWS_ENDPOINT_URL_S3,
// AWS_ENDPOINT_URL, the profile's services s3 endpoint_url, the profile's
// endpoint_url; none when configured endpoints are ignored.
func s3Endpoint(ctx context.Context, env config.EnvConfig, shared config.SharedConfig) string {
	if ignore, ok, _ := env.GetIgnoreConfiguredEndpoints(ctx); ok && ignore {
		return ""
	}
	if ignore, ok, _ := shared.GetIgnoreConfiguredEndpoints(ctx); ok && ignore {
		return ""
	}
	if v, ok, _ := env.GetServiceBaseEndpoint(ctx, "S3"); ok {
		return v
	}
	if env.BaseEndpoint != "" {
		return env.BaseEndpoint
	}
	if v, ok, _ := shared.GetServiceBaseEndpoint(ctx, "S3"); ok {
		return v
	}
	return shared.BaseEndpoint
}

func firstNonEmpty(vals ...string) string {
	for _, v := range vals {
		if v != "" {
			return v
		}
	}
	return ""
}
