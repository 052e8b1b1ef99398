package awsconfig

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/credentials/processcreds"

	"github.com/batchsign/batchsign/internal/sigcore"
	"github.com/batchsign/batchsign/sigv4"
)

// RefreshWindow is how long before their expiry Provider.Retrieve replaces
// credentials: the SDK's own margin for container credentials, long enough
// for a batch signed just before it to stay within the credentials' life.
const RefreshWindow = 5 * time.Minute

// refreshRetry spaces the attempts to refresh credentials that are inside
// RefreshWindow but still valid (a source that is down, or IMDS handing out
// the same credentials until it rotates them): at most one call to the
// source per interval, whatever the number of workers asking.
const refreshRetry = 30 * time.Second

// ErrExpired means the credentials have expired and the source gave no
// newer ones.
var ErrExpired = errors.New("AWS credentials have expired")

// Provider hands out a run's credentials through the SDK's credential cache.
//
// The contract, for a caller that signs for longer than credentials live:
//
//   - Retrieve is cheap when nothing is due (a mutex and a clock reading, no
//     I/O): call it before each batch, not once per run, and sign the batch
//     with what it returns.
//   - Retrieve never returns credentials that have expired by the clock; it
//     returns ErrExpired instead (or the source's error). The URL lifetime
//     rule stays the caller's: a URL may not outlive the returned
//     Credentials.Expires.
//   - Once the current credentials have less than RefreshWindow left,
//     Retrieve asks the source for new ones (one call at a time, at most
//     one every 30 seconds). While that fails and the old credentials are
//     still valid, it returns the old ones.
//   - The same access key and session token never come back with a later
//     expiry than first reported (the SDK's IMDS provider extends it during
//     an outage; the credentials do not live longer for that).
//   - Environment and static profile keys never change; with
//     AWS_CREDENTIAL_EXPIRATION they simply expire.
//   - Expiry is judged by the wall clock, not by a signing instant pinned
//     with --time: Resolve's own fetch does not judge it at all.
//
// A Provider is safe for concurrent use. It prints its source only.
type Provider struct {
	sdk        aws.CredentialsProvider
	source     string
	envExpires time.Time   // AWS_CREDENTIAL_EXPIRATION, for environment keys
	imds       *imdsExpiry // IMDS's own expiry of the role credentials
	now        func() time.Time

	mu      sync.Mutex
	cur     sigv4.Credentials
	nextTry time.Time // no refresh before this
}

func newProvider(sdk aws.CredentialsProvider, source string) *Provider {
	return &Provider{sdk: sdk, source: source, now: time.Now}
}

// Source describes where the credentials come from, as
// Resolved.CredentialSource does.
func (p *Provider) Source() string { return p.source }

// String names the source; never a key.
func (p *Provider) String() string { return "awsconfig.Provider{" + p.source + "}" }

// GoString is String.
func (p *Provider) GoString() string { return p.String() }

// Format makes every verb print String.
func (p *Provider) Format(f fmt.State, _ rune) { fmt.Fprint(f, p.String()) }

// Retrieve returns credentials that have not expired, fresh from the source
// when the current ones are within RefreshWindow of their expiry. See the
// type's documentation for the contract.
func (p *Provider) Retrieve(ctx context.Context) (sigv4.Credentials, error) {
	now := p.now()
	p.mu.Lock()
	cur := p.cur
	due := !cur.Expires.IsZero() && !now.Add(RefreshWindow).Before(cur.Expires) && !now.Before(p.nextTry)
	if due {
		p.nextTry = now.Add(refreshRetry)
	}
	p.mu.Unlock()
	if !due && valid(cur, now) {
		return cur, nil
	}
	if due {
		// Past the SDK's cache, which would hand back the same credentials
		// until the moment they expire.
		if c, ok := p.sdk.(interface{ Invalidate() }); ok {
			c.Invalidate()
		}
	}
	fresh, err := p.fetch(ctx)
	p.mu.Lock()
	defer p.mu.Unlock()
	if err != nil {
		if valid(p.cur, now) {
			return p.cur, nil
		}
		return sigv4.Credentials{}, err
	}
	p.cur = fresh
	if !valid(fresh, now) {
		return sigv4.Credentials{}, fmt.Errorf("%w at %s (credentials from %s)", ErrExpired, fresh.Expires.UTC().Format(time.RFC3339), p.source)
	}
	return fresh, nil
}

// first is Resolve's fetch: the run's credentials, whatever the clock says
// (a run pinned with --time judges expiry at its own instant).
func (p *Provider) first(ctx context.Context) (sigv4.Credentials, error) {
	c, err := p.fetch(ctx)
	if err != nil {
		return c, err
	}
	p.mu.Lock()
	p.cur = c
	p.mu.Unlock()
	return c, nil
}

// fetch asks the SDK's cache and applies the expiry rules of the type
// documentation.
func (p *Provider) fetch(ctx context.Context) (sigv4.Credentials, error) {
	a, err := p.sdk.Retrieve(ctx)
	if err != nil {
		return sigv4.Credentials{}, &fetchError{source: p.source, msg: redact(err), err: err}
	}
	c := sigv4.Credentials{AccessKeyID: a.AccessKeyID, SecretAccessKey: a.SecretAccessKey, SessionToken: a.SessionToken}
	if a.CanExpire {
		c.Expires = a.Expires
		if t, ok := p.imds.expiry(a.AccessKeyID); ok {
			c.Expires = t
		}
	}
	if c.Expires.IsZero() {
		c.Expires = p.envExpires
	}
	p.mu.Lock()
	prev := p.cur
	p.mu.Unlock()
	if prev.AccessKeyID == c.AccessKeyID && prev.SessionToken == c.SessionToken && !prev.Expires.IsZero() &&
		(c.Expires.IsZero() || c.Expires.After(prev.Expires)) {
		c.Expires = prev.Expires
	}
	return c, nil
}

func valid(c sigv4.Credentials, now time.Time) bool {
	return c.AccessKeyID != "" && (c.Expires.IsZero() || now.Before(c.Expires))
}

// fetchError is a failed fetch: the source and the SDK's reason with any
// secret removed. Unwrap gives the SDK's error for errors.Is and As.
type fetchError struct {
	source, msg string
	err         error
}

func (e *fetchError) Error() string { return "credentials from " + e.source + ": " + e.msg }
func (e *fetchError) Unwrap() error { return e.err }

// redact is err's message without the secrets it could hold: the SDK
// echoes a credential_process's whole output when it does not parse, and a
// server may echo what it was sent.
func redact(err error) string {
	msg := err.Error()
	var pe *processcreds.ProviderError
	if errors.As(err, &pe) {
		if i := strings.Index(msg, "parse failed of process output"); i >= 0 {
			msg = msg[:i] + "credential_process printed something that is not the AWS CLI's credentials JSON (not shown: it may hold a secret)"
		}
	}
	for _, k := range []string{"AWS_SECRET_ACCESS_KEY", "AWS_SECRET_KEY", "AWS_SESSION_TOKEN", "AWS_CONTAINER_AUTHORIZATION_TOKEN"} {
		if v := os.Getenv(k); len(v) >= 4 {
			msg = strings.ReplaceAll(msg, v, sigcore.Redacted)
		}
	}
	return msg
}

// describeSource names where the SDK's chain found credentials, from the
// chain's record of its sources and the profile it loaded.
func describeSource(provider aws.CredentialsProvider, shared config.SharedConfig) string {
	switch chainStart(provider) {
	case aws.CredentialSourceEnvVars:
		return "environment"
	case aws.CredentialSourceEnvVarsSTSWebIDToken:
		return "web identity"
	case aws.CredentialSourceHTTP:
		return "container"
	case aws.CredentialSourceIMDS:
		return "imds"
	}
	return "profile " + shared.Profile + " (" + profileKind(&shared) + ")"
}

// usesProfile reports whether the credentials come from a profile's
// settings rather than from the environment, a container or IMDS.
func usesProfile(provider aws.CredentialsProvider) bool {
	switch chainStart(provider) {
	case aws.CredentialSourceEnvVars, aws.CredentialSourceEnvVarsSTSWebIDToken, aws.CredentialSourceHTTP, aws.CredentialSourceIMDS:
		return false
	}
	return true
}

func chainStart(provider aws.CredentialsProvider) aws.CredentialSource {
	if s, ok := provider.(aws.CredentialProviderSource); ok {
		if chain := s.ProviderSources(); len(chain) > 0 {
			return chain[0]
		}
	}
	return aws.CredentialSourceUndefined
}

// profileKind says how a profile produces credentials.
func profileKind(sc *config.SharedConfig) string {
	var kind string
	switch {
	case sc.Source != nil:
		kind = "profile " + sc.Source.Profile + " (" + profileKind(sc.Source) + ")"
	case sc.Credentials.HasKeys():
		kind = strings.TrimPrefix(sc.Credentials.Source, "SharedConfigCredentials: ")
	case sc.CredentialSource != "":
		kind = map[string]string{"Environment": "environment", "EcsContainer": "container", "Ec2InstanceMetadata": "imds"}[sc.CredentialSource]
	case sc.WebIdentityTokenFile != "":
		return "web identity, role " + sc.RoleARN
	case sc.SSOSession != nil || sc.SSOStartURL != "":
		kind = "sso"
	case sc.LoginSession != "":
		kind = "login"
	case sc.CredentialProcess != "":
		kind = "process"
	default:
		kind = "no credentials"
	}
	if sc.RoleARN != "" {
		return "role " + sc.RoleARN + " from " + kind
	}
	return kind
}
