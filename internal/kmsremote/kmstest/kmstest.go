// Package kmstest is an in-process fake of the AWS KMS JSON API's
// GenerateMac and VerifyMac, for tests of batchsign's remote MAC backend.
// It listens on 127.0.0.1 (net/http/httptest) and, like KMS:
//
//   - checks the SigV4 signature of every request with batchsign's own
//     verifier (sigv4.VerifyRequest): scope region and service "kms", the
//     SHA-256 of the body as received, signed x-amz-* headers, and a clock
//     skew of at most 5 minutes (Options.MaxSkew), answering HTTP 400 with
//     MissingAuthenticationTokenException, IncompleteSignatureException,
//     UnrecognizedClientException (unknown access key or session token) or
//     InvalidSignatureException (mismatch, expired, wrong scope);
//   - routes on X-Amz-Target (TrentService.GenerateMac,
//     TrentService.VerifyMac; anything else is UnknownOperationException)
//     and wants Content-Type application/x-amz-json-1.1;
//   - validates parameters as the API model does, reporting every broken
//     constraint in one ValidationException ("2 validation errors
//     detected: …"): KeyId 1…2048 characters, MacAlgorithm one of the four,
//     Message 1…4096 bytes, Mac 1…6144 bytes; a body that is not JSON, or a
//     blob that is not base64, is a SerializationException;
//   - then resolves the key (key id, key ARN, alias, alias ARN of this
//     region and account; otherwise NotFoundException), applies access
//     (Deny: AccessDeniedException) and the key state (SetKeyState:
//     DisabledException, KMSInvalidStateException, KeyUnavailableException),
//     and computes with keyring.Local (an algorithm the key does not allow
//     is InvalidKeyUsageException; a VerifyMac mismatch is
//     KMSInvalidMacException, never MacValid false);
//   - answers {"KeyId": <key ARN>, "Mac"|"MacValid", "MacAlgorithm"} with
//     an x-amzn-RequestId header, and errors as {"__type","message"}.
//
// FailNext queues answers that stand in for throttling and server failures,
// to test retries; Requests counts what arrived.
//
// Messages of the AccessDenied, Disabled and state exceptions follow KMS's
// wording as far as it is documented; where it is not, they are this fake's.
package kmstest

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/batchsign/batchsign/sigerr"
	"github.com/batchsign/batchsign/sigv4"

	"github.com/batchsign/batchsign/internal/keyring"
)

// Options configure a Server. Credentials is required.
type Options struct {
	// Region is the server's region: the SigV4 scope it accepts and the
	// region of its key ARNs. Default "us-east-1".
	Region string
	// AccountID is the account of the key ARNs. Default "111122223333".
	AccountID string
	// Credentials are the callers the server knows. A credential with a
	// SessionToken is accepted only with that token.
	Credentials []sigv4.Credentials
	// Now is the server's clock, for the clock-skew check. Default
	// time.Now.
	Now func() time.Time
	// MaxSkew is the largest accepted |now - X-Amz-Date|. Default 5
	// minutes, as KMS and the other AWS JSON APIs allow.
	MaxSkew time.Duration
}

// KeyState is a KMS key state the fake can put a key in.
type KeyState string

// The key states that change GenerateMac and VerifyMac answers.
const (
	KeyEnabled         KeyState = "Enabled"
	KeyDisabled        KeyState = "Disabled"        // DisabledException
	KeyPendingDeletion KeyState = "PendingDeletion" // KMSInvalidStateException
	KeyPendingImport   KeyState = "PendingImport"   // KMSInvalidStateException
	KeyUnavailable     KeyState = "Unavailable"     // KeyUnavailableException
)

// Fault is an answer FailNext makes the server give instead of serving a
// (correctly signed) request.
type Fault struct {
	Status  int    // HTTP status, e.g. 500 or 400
	Code    string // __type, e.g. "KMSInternalException"; empty for a body that is not KMS JSON
	Message string // message, or the raw body when Code is empty
}

// Server is a running fake KMS. Close it when done.
type Server struct {
	// URL is the endpoint, http://127.0.0.1:port.
	URL string

	srv   *httptest.Server
	ring  *keyring.Keyring
	local *keyring.Local
	// opts and creds hold secrets; behind a pointer, so that even a
	// reflective print of a Server value shows an address, not them.
	*config

	mu       sync.Mutex
	states   map[string]KeyState // key id -> state; absent is Enabled
	denied   map[[2]string]bool  // (access key id, key id)
	faults   []Fault
	requests int
}

// NewServer starts a fake KMS serving the keys of ring.
func NewServer(ring *keyring.Keyring, opts Options) *Server {
	if opts.Region == "" {
		opts.Region = "us-east-1"
	}
	if opts.AccountID == "" {
		opts.AccountID = "111122223333"
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.MaxSkew == 0 {
		opts.MaxSkew = 5 * time.Minute
	}
	s := &Server{
		ring:   ring,
		local:  keyring.NewLocal(ring),
		config: &config{opts: opts, creds: make(map[string]sigv4.Credentials, len(opts.Credentials))},
		states: map[string]KeyState{},
		denied: map[[2]string]bool{},
	}
	for _, c := range opts.Credentials {
		s.creds[c.AccessKeyID] = c
	}
	s.srv = httptest.NewServer(http.HandlerFunc(s.serve))
	s.URL = s.srv.URL
	return s
}

// Close shuts the server down.
func (s *Server) Close() { s.srv.Close() }

// Region returns the server's region.
func (s *Server) Region() string { return s.opts.Region }

// KeyARN returns the ARN KMS gives the key with id keyID in this server's
// region and account (the KeyId of every answer).
func (s *Server) KeyARN(keyID string) string {
	return "arn:aws:kms:" + s.opts.Region + ":" + s.opts.AccountID + ":key/" + keyID
}

// SetKeyState puts the key with id keyID in state st.
func (s *Server) SetKeyState(keyID string, st KeyState) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.states[keyID] = st
}

// Deny makes the key with id keyID refuse the caller accessKeyID with
// AccessDeniedException, as a key policy without a grant for it would.
func (s *Server) Deny(accessKeyID, keyID string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.denied[[2]string{accessKeyID, keyID}] = true
}

// FailNext queues faults: each correctly signed request that arrives next
// gets the first queued fault instead of an answer.
func (s *Server) FailNext(faults ...Fault) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.faults = append(s.faults, faults...)
}

// Requests returns how many requests have arrived, whatever their answer.
func (s *Server) Requests() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.requests
}

// String names the server, never the credentials it knows.
func (s *Server) String() string {
	return "kmstest.Server{" + s.URL + ", region " + s.opts.Region + ", " + strconv.Itoa(len(s.creds)) + " callers, " + s.ring.String() + "}"
}

// GoString is String.
func (s *Server) GoString() string { return s.String() }

// Format writes String for every verb.
func (s *Server) Format(f fmt.State, _ rune) { _, _ = f.Write([]byte(s.String())) }

type config struct {
	opts  Options
	creds map[string]sigv4.Credentials
}

// kmsErr is an error answer.
type kmsErr struct {
	status int
	code   string
	msg    string
}

func fail(code, format string, args ...any) *kmsErr {
	return &kmsErr{status: http.StatusBadRequest, code: code, msg: fmt.Sprintf(format, args...)}
}

// serve answers one request.
func (s *Server) serve(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	s.requests++
	n := s.requests
	s.mu.Unlock()
	w.Header().Set("x-amzn-RequestId", fmt.Sprintf("00000000-0000-4000-8000-%012d", n))
	w.Header().Set("Content-Type", "application/x-amz-json-1.1")

	body, err := io.ReadAll(io.LimitReader(r.Body, 1<<20))
	if err != nil {
		writeErr(w, fail("SerializationException", "could not read the body"))
		return
	}
	accessKey, kerr := s.authenticate(r, body)
	if kerr != nil {
		writeErr(w, kerr)
		return
	}
	s.mu.Lock()
	var fault *Fault
	if len(s.faults) > 0 {
		f := s.faults[0]
		s.faults = s.faults[1:]
		fault = &f
	}
	s.mu.Unlock()
	if fault != nil {
		if fault.Code == "" {
			w.Header().Set("Content-Type", "text/html")
			w.WriteHeader(fault.Status)
			_, _ = io.WriteString(w, fault.Message)
			return
		}
		writeErr(w, &kmsErr{status: fault.Status, code: fault.Code, msg: fault.Message})
		return
	}
	if r.Method != http.MethodPost || r.URL.Path != "/" {
		writeErr(w, fail("UnknownOperationException", ""))
		return
	}
	if ct := r.Header.Get("Content-Type"); ct != "application/x-amz-json-1.1" {
		writeErr(w, fail("SerializationException", "Content-Type %q: want application/x-amz-json-1.1", ct))
		return
	}
	var out any
	switch target := r.Header.Get("X-Amz-Target"); target {
	case "TrentService.GenerateMac":
		out, kerr = s.macOp(accessKey, body, false)
	case "TrentService.VerifyMac":
		out, kerr = s.macOp(accessKey, body, true)
	default:
		kerr = fail("UnknownOperationException", "")
	}
	if kerr != nil {
		writeErr(w, kerr)
		return
	}
	b, _ := json.Marshal(out)
	_, _ = w.Write(b)
}

func writeErr(w http.ResponseWriter, e *kmsErr) {
	w.WriteHeader(e.status)
	b, _ := json.Marshal(struct {
		Type    string `json:"__type"`
		Message string `json:"message,omitempty"`
	}{e.code, e.msg})
	_, _ = w.Write(b)
}

// authenticate checks the SigV4 Authorization header as KMS does and
// returns the caller's access key id.
func (s *Server) authenticate(r *http.Request, body []byte) (string, *kmsErr) {
	if r.Header.Get("Authorization") == "" {
		return "", fail("MissingAuthenticationTokenException", "Missing Authentication Token")
	}
	headers := []sigv4.Header{{Name: "Host", Value: r.Host}}
	for name, vs := range r.Header {
		for _, v := range vs {
			headers = append(headers, sigv4.Header{Name: name, Value: v})
		}
	}
	sum := sha256.Sum256(body) // the body as received, not as claimed
	now := s.opts.Now()
	var caller sigv4.Credentials
	err := sigv4.VerifyRequest(r.Method, "http://"+r.Host+r.URL.RequestURI(), headers, hex.EncodeToString(sum[:]),
		func(akid string) (string, bool) {
			c, ok := s.creds[akid]
			caller = c
			return c.SecretAccessKey, ok
		},
		sigv4.VerifyOptions{Now: now, Region: s.opts.Region, Service: "kms", MaxSkew: s.opts.MaxSkew})
	if err != nil {
		return "", signatureError(err, now, s.opts.MaxSkew, r.Header.Get("X-Amz-Date"))
	}
	if r.Header.Get("X-Amz-Security-Token") != caller.SessionToken {
		return "", fail("UnrecognizedClientException", "The security token included in the request is invalid.")
	}
	return caller.AccessKeyID, nil
}

// signatureError words a verification failure as AWS does.
func signatureError(err error, now time.Time, skew time.Duration, amzDate string) *kmsErr {
	const layout = "20060102T150405Z"
	var ve *sigerr.VerifyError
	detail := ""
	if errors.As(err, &ve) {
		detail = ve.Detail
	}
	switch sigerr.ReasonOf(err) {
	case sigerr.ErrUnknownKey:
		return fail("UnrecognizedClientException", "The security token included in the request is invalid.")
	case sigerr.ErrClockSkew:
		now = now.UTC()
		mins := strconv.Itoa(int(skew / time.Minute))
		if t, perr := time.Parse(layout, amzDate); perr == nil && t.After(now) {
			return fail("InvalidSignatureException", "Signature not yet current: %s is still later than %s (%s + %s min.)",
				amzDate, now.Add(skew).Format(layout), now.Format(layout), mins)
		}
		return fail("InvalidSignatureException", "Signature expired: %s is now earlier than %s (%s - %s min.)",
			amzDate, now.Add(-skew).Format(layout), now.Format(layout), mins)
	case sigerr.ErrWrongScope:
		return fail("InvalidSignatureException", "Credential should be scoped to a valid region and service: %s", detail)
	case sigerr.ErrMalformed, sigerr.ErrUnsignedHeader:
		return fail("IncompleteSignatureException", "%v", err)
	}
	return fail("InvalidSignatureException", "The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details.")
}

// macRequest is the union of the GenerateMac and VerifyMac requests, with
// pointers so that a missing member and an empty one differ, and blobs as
// strings so that their base64 is checked here.
type macRequest struct {
	KeyId        *string  `json:"KeyId"`
	MacAlgorithm *string  `json:"MacAlgorithm"`
	Message      *string  `json:"Message"`
	Mac          *string  `json:"Mac"`
	GrantTokens  []string `json:"GrantTokens"`
	DryRun       *bool    `json:"DryRun"`
}

// macOp serves GenerateMac (verify false) or VerifyMac.
func (s *Server) macOp(accessKey string, body []byte, verify bool) (any, *kmsErr) {
	var req macRequest
	if err := json.Unmarshal(body, &req); err != nil {
		return nil, fail("SerializationException", "the request body is not a JSON object of the expected shape")
	}
	message, mErr := blob(req.Message)
	mac, macErr := blob(req.Mac)
	if mErr != nil || (verify && macErr != nil) {
		return nil, fail("SerializationException", "a blob member is not valid base64")
	}

	// Parameter constraints first, all of them reported at once.
	var problems []string
	check := func(ok bool, value, member, constraint string) {
		if !ok {
			problems = append(problems, "Value "+value+" at '"+member+"' failed to satisfy constraint: "+constraint)
		}
	}
	if req.KeyId == nil {
		check(false, "null", "keyId", "Member must not be null")
	} else {
		check(len(*req.KeyId) >= 1, "''", "keyId", "Member must have length greater than or equal to 1")
		check(len(*req.KeyId) <= 2048, "'…'", "keyId", "Member must have length less than or equal to 2048")
	}
	var alg keyring.MacAlgorithm
	if req.MacAlgorithm == nil {
		check(false, "null", "macAlgorithm", "Member must not be null")
	} else {
		var err error
		alg, err = keyring.ParseMacAlgorithm(*req.MacAlgorithm)
		check(err == nil, "'"+truncate(*req.MacAlgorithm, 40)+"'", "macAlgorithm",
			"Member must satisfy enum value set: [HMAC_SHA_224, HMAC_SHA_256, HMAC_SHA_384, HMAC_SHA_512]")
	}
	if req.Message == nil {
		check(false, "null", "message", "Member must not be null")
	} else {
		check(len(message) >= 1, "java.nio.HeapByteBuffer[pos=0 lim=0 cap=0]", "message", "Member must have length greater than or equal to 1")
		check(len(message) <= 4096, "java.nio.HeapByteBuffer[pos=0 lim="+strconv.Itoa(len(message))+" cap="+strconv.Itoa(len(message))+"]",
			"message", "Member must have length less than or equal to 4096")
	}
	if verify {
		if req.Mac == nil {
			check(false, "null", "mac", "Member must not be null")
		} else {
			check(len(mac) >= 1, "java.nio.HeapByteBuffer[pos=0 lim=0 cap=0]", "mac", "Member must have length greater than or equal to 1")
			check(len(mac) <= 6144, "java.nio.HeapByteBuffer[…]", "mac", "Member must have length less than or equal to 6144")
		}
	}
	if len(problems) > 0 {
		word := "errors"
		if len(problems) == 1 {
			word = "error"
		}
		return nil, fail("ValidationException", "%d validation %s detected: %s", len(problems), word, strings.Join(problems, "; "))
	}

	// Then the key: its name, the caller's access, its state.
	k, kerr := s.resolve(*req.KeyId)
	if kerr != nil {
		return nil, kerr
	}
	arn := s.KeyARN(k.ID)
	op := "GenerateMac"
	if verify {
		op = "VerifyMac"
	}
	s.mu.Lock()
	denied := s.denied[[2]string{accessKey, k.ID}]
	state := s.states[k.ID]
	s.mu.Unlock()
	if denied {
		return nil, fail("AccessDeniedException", "User: arn:aws:iam::%s:user/%s is not authorized to perform: kms:%s on resource: %s because no resource-based policy allows the kms:%s action",
			s.opts.AccountID, accessKey, op, arn, op)
	}
	switch state {
	case KeyDisabled:
		return nil, fail("DisabledException", "%s is disabled.", arn)
	case KeyPendingDeletion:
		return nil, fail("KMSInvalidStateException", "%s is pending deletion.", arn)
	case KeyPendingImport:
		return nil, fail("KMSInvalidStateException", "%s is pending import.", arn)
	case KeyUnavailable:
		return nil, fail("KeyUnavailableException", "%s is unavailable.", arn)
	}
	if !k.Allows(alg) {
		return nil, fail("InvalidKeyUsageException", "%s key usage is GENERATE_VERIFY_MAC and it does not support the %s MAC algorithm.", arn, alg)
	}
	if req.DryRun != nil && *req.DryRun {
		return nil, fail("DryRunOperationException", "The request would have succeeded, but the DryRun option is set.")
	}

	// Finally the MAC, computed by the local backend on the key id.
	ctx := context.Background()
	if !verify {
		out, err := s.local.GenerateMac(ctx, k.ID, alg, message)
		if err != nil {
			return nil, fromKMSError(err)
		}
		return struct {
			KeyId        string `json:"KeyId"`
			Mac          []byte `json:"Mac"`
			MacAlgorithm string `json:"MacAlgorithm"`
		}{arn, out, alg.String()}, nil
	}
	if _, err := s.local.VerifyMac(ctx, k.ID, alg, message, mac); err != nil {
		return nil, fromKMSError(err)
	}
	return struct {
		KeyId        string `json:"KeyId"`
		MacValid     bool   `json:"MacValid"`
		MacAlgorithm string `json:"MacAlgorithm"`
	}{arn, true, alg.String()}, nil
}

// resolve finds the key a KeyId names. ARNs must be this server's region
// and account, as KMS looks them up in one region of one account.
func (s *Server) resolve(keyID string) (keyring.MacKey, *kmsErr) {
	name := keyID
	if rest, ok := strings.CutPrefix(keyID, "arn:"); ok {
		parts := strings.SplitN(rest, ":", 5) // partition:kms:region:account:resource
		if len(parts) != 5 || parts[1] != "kms" {
			return keyring.MacKey{}, fail("NotFoundException", "Invalid arn %s", truncate(keyID, 300))
		}
		if parts[2] != s.opts.Region || parts[3] != s.opts.AccountID {
			return keyring.MacKey{}, fail("NotFoundException", "Key '%s' does not exist", truncate(keyID, 300))
		}
		name = parts[4]
		if id, ok := strings.CutPrefix(name, "key/"); ok {
			name = id
		}
	}
	k, err := s.ring.Lookup(name)
	if err == nil {
		return k, nil
	}
	if strings.HasPrefix(name, "alias/") {
		return keyring.MacKey{}, fail("NotFoundException", "Alias arn:aws:kms:%s:%s:%s is not found.", s.opts.Region, s.opts.AccountID, truncate(name, 300))
	}
	return keyring.MacKey{}, fail("NotFoundException", "Key '%s' does not exist", s.KeyARN(truncate(name, 300)))
}

// fromKMSError answers with the exception the local backend reported.
func fromKMSError(err error) *kmsErr {
	var ke *keyring.KMSError
	if errors.As(err, &ke) {
		return fail(string(ke.Code), "%s", ke.Message)
	}
	return &kmsErr{status: http.StatusInternalServerError, code: "KMSInternalException", msg: "internal error"}
}

// blob decodes a base64 blob member; nil for a missing one.
func blob(s *string) ([]byte, error) {
	if s == nil {
		return nil, nil
	}
	return base64.StdEncoding.DecodeString(*s)
}

func truncate(s string, n int) string {
	if len(s) > n {
		return s[:n] + "…"
	}
	return s
}
