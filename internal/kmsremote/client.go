// Package kmsremote calls AWS KMS GenerateMac and VerifyMac over the KMS
// JSON API, with requests signed by batchsign's own SigV4 signer, so that
// `batchsign mac` can use HMAC keys whose material never leaves KMS. Client
// implements keyring.MacService: a batch runs the same rows against a local
// keyring or against KMS and reports them alike.
//
// # The wire
//
// Every call is `POST /` on the endpoint (https://kms.<region>.amazonaws.com
// by default) with
//
//	Content-Type: application/x-amz-json-1.1
//	X-Amz-Target: TrentService.GenerateMac   (or TrentService.VerifyMac)
//	X-Amz-Date, Authorization (SigV4, service "kms"), X-Amz-Security-Token
//
// and a JSON body {"KeyId","MacAlgorithm","Message"} (VerifyMac adds "Mac"),
// binary fields in standard base64. The signature covers host, content-type,
// content-length, x-amz-date, x-amz-target (and the token), and the SHA-256
// of the body in the canonical request. No x-amz-content-sha256 header is
// sent: like the AWS SDKs, which add it for S3 only, we leave it out because
// KMS does not want it.
//
// # Errors
//
// KMS answers an error with HTTP 400 (500/503 for its own failures) and
// {"__type":"NotFoundException","message":"…"}. The client returns an
// *Error carrying the exception as an *keyring.KMSError, so errors.Is(err,
// keyring.ErrKMSNotFound), keyring.KMSErrorName(err) and the engine-wide
// reasons behave as they do for the local keyring; the codes that only a
// remote KMS gives (ErrDisabled, ErrAccessDenied, ErrUnrecognizedClient,
// ErrInvalidSignature, …) are defined here. IsFatal tells errors that doom
// the whole run (bad credentials, unreachable endpoint) from row errors.
//
// Requests that KMS would refuse for their parameters (unknown algorithm,
// message outside 1…4096 bytes, empty MAC) are refused before sending, with
// the same ValidationException the local keyring gives.
//
// # Retries and timeouts
//
// A call makes at most Config.MaxAttempts attempts (3 by default), each
// bounded by Config.Timeout (10 s by default) and all bounded by the
// caller's context. Only failures that another attempt can cure are
// retried: transport errors, HTTP 5xx, and ThrottlingException (which KMS
// sends with HTTP 400, and which every AWS SDK retries). Every other 4xx
// answer is final. Each attempt is signed afresh. GenerateMac and VerifyMac
// change nothing in KMS, so repeating one is safe.
package kmsremote

import (
	"bytes"
	"context"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/batchsign/batchsign/internal/sha256block"
	"github.com/batchsign/batchsign/sigv4"

	"github.com/batchsign/batchsign/internal/keyring"
)

// The KMS JSON protocol's constants.
const (
	// ContentType is the AWS JSON 1.1 protocol's media type.
	ContentType = "application/x-amz-json-1.1"
	// TargetGenerateMac and TargetVerifyMac are the X-Amz-Target values of
	// the two operations.
	TargetGenerateMac = "TrentService.GenerateMac"
	TargetVerifyMac   = "TrentService.VerifyMac"
	// Service is the SigV4 service name of KMS.
	Service = "kms"
)

// Defaults for Config's zero values.
const (
	DefaultTimeout     = 10 * time.Second
	DefaultMaxAttempts = 3
)

// maxResponse bounds what is read of an answer; KMS's are a few hundred
// bytes.
const maxResponse = 1 << 20

// Config configures a Client. Region and Credentials are required.
type Config struct {
	// Region is the AWS region of the keys, and of the SigV4 scope.
	Region string
	// Endpoint is the URL to POST to; empty means DefaultEndpoint(Region).
	// A path is kept (for a proxy that serves KMS under a prefix); a query
	// or user info is refused. Plain http is accepted only for a loopback
	// host (a test server) unless AllowHTTP is set.
	Endpoint string
	// AllowHTTP accepts an http:// endpoint on any host (a KMS emulator on
	// a private network). The requests are signed, not encrypted.
	AllowHTTP bool
	// Credentials sign every request. Temporary credentials carry their
	// session token, sent as X-Amz-Security-Token.
	Credentials sigv4.Credentials
	// HTTPClient sends the requests; nil means a client of its own with
	// http.DefaultTransport's settings. Its own Timeout, if any, applies
	// on top of Timeout.
	HTTPClient *http.Client
	// Timeout bounds one attempt (connect, send, wait, read); zero means
	// DefaultTimeout.
	Timeout time.Duration
	// MaxAttempts bounds the attempts of one call, retries included; zero
	// means DefaultMaxAttempts, 1 means no retries.
	MaxAttempts int
	// Now is the clock that dates the signatures; nil means time.Now.
	Now func() time.Time
	// UserAgent is sent as User-Agent; empty means "batchsign".
	UserAgent string
}

// String shows the config with the credentials redacted.
func (c Config) String() string {
	return fmt.Sprintf("Config{Region: %s, Endpoint: %s, AllowHTTP: %t, Credentials: %s, Timeout: %v, MaxAttempts: %d}",
		c.Region, c.Endpoint, c.AllowHTTP, c.Credentials.String(), c.Timeout, c.MaxAttempts)
}

// GoString is String, so %#v cannot print the secret.
func (c Config) GoString() string { return c.String() }

// Format writes String for every verb.
func (c Config) Format(f fmt.State, _ rune) { _, _ = f.Write([]byte(c.String())) }

// LogValue keeps the credentials out of structured logs (slog's JSON
// handler would otherwise marshal the secret).
func (c Config) LogValue() slog.Value { return slog.StringValue(c.String()) }

// Client calls KMS GenerateMac and VerifyMac. It is safe for concurrent use;
// one Client serves a whole batch (it caches the day's SigV4 signing key).
type Client struct {
	region    string
	endpoint  string // as requests go: scheme://host/path
	host      string // what is signed as host (default ports removed)
	path      string
	creds     *secretCreds
	http      *http.Client
	timeout   time.Duration
	attempts  int
	now       func() time.Time
	userAgent string
	keys      *sigv4.KeyCache
}

var _ keyring.MacService = (*Client)(nil)

// secretCreds keeps the credentials two pointers away from a Client, as the
// engine keeps key material: should a Client value be printed by
// reflection (nested in a caller's struct, or with a verb fmt finds wrong
// for a pointer), fmt expands at most the first pointer and prints the
// second as an address.
type secretCreds struct{ c *sigv4.Credentials }

// DefaultEndpoint returns the public KMS endpoint of region:
// https://kms.<region>.amazonaws.com, or …amazonaws.com.cn for the China
// regions. FIPS and other special endpoints are set with Config.Endpoint.
func DefaultEndpoint(region string) string {
	if strings.HasPrefix(region, "cn-") {
		return "https://kms." + region + ".amazonaws.com.cn"
	}
	return "https://kms." + region + ".amazonaws.com"
}

// New checks cfg and returns a Client. Nothing is sent until the first call.
func New(cfg Config) (*Client, error) {
	if !validRegion(cfg.Region) {
		return nil, fmt.Errorf("kmsremote: region %q is not a region name", cleanText(cfg.Region, 40))
	}
	if cfg.Credentials.AccessKeyID == "" || cfg.Credentials.SecretAccessKey == "" {
		return nil, errors.New("kmsremote: credentials need an access key id and a secret access key")
	}
	if cfg.Timeout < 0 || cfg.MaxAttempts < 0 {
		return nil, errors.New("kmsremote: Timeout and MaxAttempts must not be negative")
	}
	c := &Client{
		region:    cfg.Region,
		creds:     &secretCreds{c: &cfg.Credentials},
		http:      cfg.HTTPClient,
		timeout:   cfg.Timeout,
		attempts:  cfg.MaxAttempts,
		now:       cfg.Now,
		userAgent: cfg.UserAgent,
		keys:      sigv4.NewKeyCache(4),
	}
	if c.http == nil {
		c.http = &http.Client{Transport: http.DefaultTransport.(*http.Transport).Clone()}
	} else {
		hc := *c.http // a copy, to change its redirect policy only
		c.http = &hc
	}
	// KMS never redirects; following one would send a signed request
	// somewhere else.
	c.http.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	if c.timeout == 0 {
		c.timeout = DefaultTimeout
	}
	if c.attempts == 0 {
		c.attempts = DefaultMaxAttempts
	}
	if c.now == nil {
		c.now = time.Now
	}
	if c.userAgent == "" {
		c.userAgent = "batchsign"
	}
	raw := cfg.Endpoint
	if raw == "" {
		raw = DefaultEndpoint(cfg.Region)
	}
	u, err := url.Parse(raw)
	if err != nil {
		// Not err itself: url.Error quotes the whole string, password too.
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err
		}
		return nil, fmt.Errorf("kmsremote: endpoint is not a URL: %v", err)
	}
	switch shown := u.Redacted(); {
	case u.Scheme != "https" && u.Scheme != "http":
		return nil, fmt.Errorf("kmsremote: endpoint %q: want an https:// URL", shown)
	case u.Host == "" || u.Opaque != "":
		return nil, fmt.Errorf("kmsremote: endpoint %q has no host", shown)
	case u.User != nil || u.RawQuery != "" || u.Fragment != "":
		return nil, fmt.Errorf("kmsremote: endpoint %q: user info, query and fragment are not allowed", shown)
	case u.Scheme == "http" && !cfg.AllowHTTP && !isLoopback(u.Hostname()):
		return nil, fmt.Errorf("kmsremote: endpoint %q: plain http is allowed for loopback hosts only (set AllowHTTP for an emulator elsewhere)", shown)
	}
	c.host = u.Host
	if p := u.Port(); (u.Scheme == "https" && p == "443") || (u.Scheme == "http" && p == "80") {
		c.host = strings.TrimSuffix(u.Host, ":"+p) // as the SDKs sign it
	}
	c.path = u.EscapedPath()
	if c.path == "" {
		c.path = "/"
	}
	c.endpoint = u.Scheme + "://" + u.Host + c.path
	return c, nil
}

// validRegion accepts region-shaped names (us-east-1, cn-north-1,
// us-gov-west-1, local test names), never anything that could change the
// default endpoint's host.
func validRegion(r string) bool {
	if r == "" || len(r) > 64 {
		return false
	}
	for i := 0; i < len(r); i++ {
		c := r[i]
		if !('a' <= c && c <= 'z' || '0' <= c && c <= '9' || c == '-') {
			return false
		}
	}
	return true
}

func isLoopback(host string) bool {
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// Endpoint returns the URL requests are sent to.
func (c *Client) Endpoint() string { return c.endpoint }

// Region returns the region requests are signed for.
func (c *Client) Region() string { return c.region }

// The request and response documents, as the KMS API reference names them.
type generateMacRequest struct {
	KeyId        string `json:"KeyId"`
	MacAlgorithm string `json:"MacAlgorithm"`
	Message      []byte `json:"Message"`
}

type generateMacResponse struct {
	KeyId        string `json:"KeyId"`
	Mac          []byte `json:"Mac"`
	MacAlgorithm string `json:"MacAlgorithm"`
}

type verifyMacRequest struct {
	KeyId        string `json:"KeyId"`
	MacAlgorithm string `json:"MacAlgorithm"`
	Message      []byte `json:"Message"`
	Mac          []byte `json:"Mac"`
}

type verifyMacResponse struct {
	KeyId        string `json:"KeyId"`
	MacValid     bool   `json:"MacValid"`
	MacAlgorithm string `json:"MacAlgorithm"`
}

// GenerateMac asks KMS for the HMAC of message under the key keyID names
// (key id, key ARN, alias name or alias ARN) with alg, and returns the raw
// MAC. See the package documentation for errors and retries.
func (c *Client) GenerateMac(ctx context.Context, keyID string, alg keyring.MacAlgorithm, message []byte) ([]byte, error) {
	if err := keyring.CheckGenerateRequest(alg, message); err != nil {
		return nil, err
	}
	body, err := json.Marshal(generateMacRequest{KeyId: keyID, MacAlgorithm: alg.String(), Message: message})
	if err != nil {
		return nil, fmt.Errorf("kms GenerateMac: %w", err)
	}
	var out generateMacResponse
	if err := c.call(ctx, "GenerateMac", TargetGenerateMac, body, &out); err != nil {
		return nil, err
	}
	switch {
	case out.MacAlgorithm != alg.String():
		return nil, fmt.Errorf("kms GenerateMac: %w: MacAlgorithm %q, asked for %s", ErrMalformedResponse, cleanText(out.MacAlgorithm, 40), alg)
	case len(out.Mac) != alg.Size():
		return nil, fmt.Errorf("kms GenerateMac: %w: a %d-byte MAC for %s (want %d)", ErrMalformedResponse, len(out.Mac), alg, alg.Size())
	case out.KeyId == "":
		return nil, fmt.Errorf("kms GenerateMac: %w: no KeyId", ErrMalformedResponse)
	}
	return out.Mac, nil
}

// VerifyMac asks KMS whether mac is the HMAC of message under the key keyID
// names with alg. As KMS answers a mismatch with KMSInvalidMacException,
// the result is (true, nil) or (false, err); a mismatch is errors.Is
// keyring.ErrKMSInvalidMac and sigerr.ErrSignatureMismatch.
func (c *Client) VerifyMac(ctx context.Context, keyID string, alg keyring.MacAlgorithm, message, mac []byte) (bool, error) {
	if err := keyring.CheckVerifyRequest(alg, message, mac); err != nil {
		return false, err
	}
	body, err := json.Marshal(verifyMacRequest{KeyId: keyID, MacAlgorithm: alg.String(), Message: message, Mac: mac})
	if err != nil {
		return false, fmt.Errorf("kms VerifyMac: %w", err)
	}
	var out verifyMacResponse
	if err := c.call(ctx, "VerifyMac", TargetVerifyMac, body, &out); err != nil {
		return false, err
	}
	if out.MacAlgorithm != alg.String() {
		return false, fmt.Errorf("kms VerifyMac: %w: MacAlgorithm %q, asked for %s", ErrMalformedResponse, cleanText(out.MacAlgorithm, 40), alg)
	}
	if !out.MacValid {
		// KMS throws rather than answering false; treat a false all the
		// same, as the mismatch it reports.
		return false, &Error{Op: "VerifyMac", StatusCode: http.StatusOK, KMS: &keyring.KMSError{
			Code: keyring.ErrKMSInvalidMac, Message: "VerifyMac answered MacValid false",
		}}
	}
	return true, nil
}

// call runs one operation: up to c.attempts signed attempts, backing off
// between them, decoding a 200 answer into out.
func (c *Client) call(ctx context.Context, op, target string, body []byte, out any) error {
	sum := sha256block.Sum256(body)
	payloadHash := hex.EncodeToString(sum[:])
	var last error
	for attempt := 1; ; attempt++ {
		a, err := c.attempt(ctx, target, body, payloadHash)
		switch {
		case err != nil:
			if ctx.Err() != nil {
				return fmt.Errorf("kms %s: %w", op, ctx.Err())
			}
			last = err
		case a.status == http.StatusOK:
			if err := json.Unmarshal(a.body, out); err != nil {
				return fmt.Errorf("kms %s: %w: %v", op, ErrMalformedResponse, err)
			}
			return nil
		default:
			e := apiError(op, a)
			if !e.retryable() {
				return e
			}
			last = e
		}
		if attempt >= c.attempts {
			return attemptsError(op, attempt, last)
		}
		// Full jitter under an exponential ceiling: 100 ms, 200 ms,
		// 400 ms, … capped at 5 s.
		ceiling := min(100*time.Millisecond<<(attempt-1), 5*time.Second)
		t := time.NewTimer(rand.N(ceiling) + time.Millisecond)
		select {
		case <-ctx.Done():
			t.Stop()
			return fmt.Errorf("kms %s: %w (waiting to retry after: %v)", op, ctx.Err(), last)
		case <-t.C:
		}
	}
}

// attemptsError words the error of the last attempt.
func attemptsError(op string, n int, last error) error {
	var e *Error
	switch {
	case errors.As(last, &e) && n == 1:
		return e
	case errors.As(last, &e):
		return fmt.Errorf("%w (after %d attempts)", e, n)
	case n == 1:
		return fmt.Errorf("kms %s: %w", op, last)
	}
	return fmt.Errorf("kms %s: %w (after %d attempts)", op, last, n)
}

// answer is what one attempt got back.
type answer struct {
	status    int
	requestID string
	errorType string // X-Amzn-ErrorType
	body      []byte
}

// attempt signs and sends one request, and reads the answer.
func (c *Client) attempt(ctx context.Context, target string, body []byte, payloadHash string) (answer, error) {
	ctx, cancel := context.WithTimeout(ctx, c.timeout)
	defer cancel()

	now := c.now().UTC()
	creds := *c.creds.c
	s, err := sigv4.NewSigner(creds, c.keys.Get(creds.AccessKeyID, creds.SecretAccessKey, now, c.region, Service), now,
		sigv4.Options{Region: c.region, Service: Service})
	if err != nil {
		return answer{}, err
	}
	length := strconv.Itoa(len(body))
	signed, err := s.SignHeaders(&sigv4.Request{
		Method: http.MethodPost,
		Host:   c.host,
		Path:   c.path,
		Headers: []sigv4.Header{
			{Name: "Content-Length", Value: length},
			{Name: "Content-Type", Value: ContentType},
			{Name: "X-Amz-Target", Value: target},
		},
		PayloadHash: payloadHash,
	})
	if err != nil {
		return answer{}, err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.endpoint, bytes.NewReader(body))
	if err != nil {
		return answer{}, err
	}
	req.Host = c.host
	req.ContentLength = int64(len(body))
	req.Header.Set("Content-Type", ContentType)
	req.Header.Set("X-Amz-Target", target)
	req.Header.Set("User-Agent", c.userAgent)
	for _, h := range signed {
		req.Header.Set(h.Name, h.Value)
	}
	res, err := c.http.Do(req)
	if err != nil {
		return answer{}, err
	}
	defer res.Body.Close()
	resp, err := io.ReadAll(io.LimitReader(res.Body, maxResponse))
	if err != nil {
		return answer{}, err
	}
	a := answer{status: res.StatusCode, body: resp, errorType: res.Header.Get("X-Amzn-Errortype")}
	a.requestID = res.Header.Get("X-Amzn-Requestid")
	if a.requestID == "" {
		a.requestID = res.Header.Get("X-Amz-Request-Id")
	}
	a.requestID = cleanText(a.requestID, 100)
	return a, nil
}

// apiError turns a non-200 answer into an *Error. The exception name comes
// from the body's __type, or else from the X-Amzn-ErrorType header.
func apiError(op string, a answer) *Error {
	e := &Error{Op: op, StatusCode: a.status, RequestID: a.requestID}
	var eb errorBody
	_ = json.Unmarshal(a.body, &eb) // a body that is not JSON leaves eb empty
	code := errorCode(eb.Type)
	if code == "" {
		code = errorCode(a.errorType)
	}
	if code != "" {
		msg := eb.Message
		if msg == "" {
			msg = eb.MessageUpper
		}
		e.KMS = &keyring.KMSError{Code: keyring.KMSErrorCode(cleanText(code, 100)), Message: cleanText(msg, 1024)}
		return e
	}
	e.Detail = cleanText(strings.TrimSpace(string(a.body)), 200)
	if e.Detail == "" {
		e.Detail = http.StatusText(a.status)
	}
	return e
}

// String names the endpoint, region and access key id, never the secret or
// the token.
func (c *Client) String() string {
	return "Client{endpoint: " + c.endpoint + ", region: " + c.region + ", credentials: " + c.creds.c.String() + "}"
}

// GoString is String, so %#v cannot print the credentials.
func (c *Client) GoString() string { return c.String() }

// Format writes String for every verb.
func (c *Client) Format(f fmt.State, _ rune) { _, _ = f.Write([]byte(c.String())) }

// LogValue keeps the credentials out of structured logs.
func (c *Client) LogValue() slog.Value { return slog.StringValue(c.String()) }
