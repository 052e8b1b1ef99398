package azuresas

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"net/netip"
	"strings"
	"time"

	"github.com/batchsign/batchsign/internal/sigcore"
	"github.com/batchsign/batchsign/sigerr"
)

// scheme names this package in verification errors.
const scheme = "azure-sas"

// CredentialLookup returns the credential of a storage account, false when
// the account is unknown.
type CredentialLookup func(account string) (Credential, bool)

// Verifier checks service SAS URLs as the blob service would: the
// signature, the protocol, the permission for the method and the validity
// window. It is safe for concurrent use.
type Verifier struct {
	lookup CredentialLookup
	now    time.Time
}

// NewVerifier returns a Verifier that finds keys with lookup and judges
// validity at instant now.
func NewVerifier(lookup CredentialLookup, now time.Time) *Verifier {
	return &Verifier{lookup: lookup, now: now}
}

// PresignedURL checks a service SAS URL (sr=b or sr=c, shared key, signed
// version 2020-12-06 or later) for a request with method (GET, HEAD, PUT,
// DELETE). The account is the host's first label
// (ACCOUNT.blob.core.windows.net), or the first path segment when the host
// is an IP address or localhost (the emulator's path-style URLs).
//
// It returns nil for a valid URL, otherwise a *sigerr.VerifyError whose
// reason is sigerr.ErrMalformed (not a URL, a SAS field missing, given
// twice or unparsable, an older signed version, a stored access policy
// (si) or a signed resource other than b and c, which this package cannot
// check), sigerr.ErrUnknownKey, sigerr.ErrSignatureMismatch,
// sigerr.ErrWrongScope (an https-only SAS on an http URL),
// sigerr.ErrWrongPermission (sp lacks what method needs: r for GET and
// HEAD, c or w for PUT, d for DELETE), sigerr.ErrExpired (now is past se)
// or sigerr.ErrNotYetValid (now is before st). Checks run in that order,
// so every reason after the signature implies an authentic URL. The
// signature comparison is constant-time; errors never contain the key or
// the expected signature.
func (v *Verifier) PresignedURL(method, rawURL string) error {
	u, err := sigcore.SplitURL(rawURL)
	if err != nil {
		return sigcore.FailURL(scheme, err)
	}
	need, _, ok := methodPermissions(method)
	if !ok {
		return sigcore.Fail(scheme, sigerr.ErrMalformed, "method", "want GET, HEAD, PUT or DELETE")
	}
	path, err := sigcore.URIUnescape(u.Path)
	if err != nil {
		return sigcore.Fail(scheme, sigerr.ErrMalformed, "url", "bad percent escape in the path")
	}
	path = strings.TrimPrefix(path, "/")
	var account string
	host := u.Host
	if h, _, ok := strings.Cut(host, "]"); ok && strings.HasPrefix(h, "[") {
		host = h + "]"
	} else if i := strings.LastIndexByte(host, ':'); i >= 0 {
		host = host[:i]
	}
	if _, err := netip.ParseAddr(strings.Trim(host, "[]")); err == nil || strings.EqualFold(host, "localhost") {
		account, path, _ = strings.Cut(path, "/")
	} else {
		account, _, _ = strings.Cut(host, ".")
	}
	container, blob, _ := strings.Cut(path, "/")
	var q params
	var sig string
	fields := [...]struct {
		name string
		to   *string
	}{{"sp", &q.sp}, {"st", &q.st}, {"se", &q.se}, {"si", &q.si}, {"sip", &q.sip}, {"spr", &q.spr},
		{"sv", &q.sv}, {"sr", &q.sr}, {"snapshot", &q.snapshot}, {"ses", &q.ses},
		{"rscc", &q.rscc}, {"rscd", &q.rscd}, {"rsce", &q.rsce}, {"rscl", &q.rscl}, {"rsct", &q.rsct}, {"sig", &sig}}
	var seen [len(fields)]bool
	pairs, err := sigcore.AppendQueryParams(nil, u.RawQuery)
	if err != nil {
		return sigcore.Fail(scheme, sigerr.ErrMalformed, "url", "bad percent escape in the query")
	}
	for _, kv := range pairs {
		for i, f := range fields {
			if kv.Key == f.name { // the service's names are case-sensitive
				if seen[i] {
					return sigcore.Fail(scheme, sigerr.ErrMalformed, f.name, "given twice")
				}
				seen[i], *f.to = true, kv.Value
			}
		}
	}
	for _, f := range [...]struct{ name, v string }{{"sv", q.sv}, {"sr", q.sr}, {"sp", q.sp}, {"se", q.se}, {"sig", sig}} {
		if f.v == "" {
			return sigcore.Fail(scheme, sigerr.ErrMalformed, f.name, "missing")
		}
	}
	switch {
	case q.sv < oldestVersion:
		return sigcore.Fail(scheme, sigerr.ErrMalformed, "sv", "signed versions before "+oldestVersion+" are not supported")
	case q.si != "":
		return sigcore.Fail(scheme, sigerr.ErrMalformed, "si", "stored access policies cannot be checked here")
	case q.sr != "b" && q.sr != "c":
		return sigcore.Fail(scheme, sigerr.ErrMalformed, "sr", "only b (blob) and c (container) are supported")
	case container == "":
		return sigcore.Fail(scheme, sigerr.ErrMalformed, "url", "the URL does not name a container")
	case q.sr == "b" && blob == "":
		return sigcore.Fail(scheme, sigerr.ErrMalformed, "sr", "the URL does not name a blob")
	case q.spr != "" && q.spr != "https" && q.spr != "https,http":
		return sigcore.Fail(scheme, sigerr.ErrMalformed, "spr", "want https or https,http")
	}
	var start, expiry time.Time
	if expiry, ok = parseTime(q.se); !ok {
		return sigcore.Fail(scheme, sigerr.ErrMalformed, "se", "not an ISO 8601 UTC time")
	}
	if q.st != "" {
		if start, ok = parseTime(q.st); !ok {
			return sigcore.Fail(scheme, sigerr.ErrMalformed, "st", "not an ISO 8601 UTC time")
		}
	}
	cred, ok := Credential{}, false
	if v.lookup != nil {
		cred, ok = v.lookup(account)
	}
	if !ok || cred.key == nil {
		return sigcore.Fail(scheme, sigerr.ErrUnknownKey, "account", "")
	}
	got, err := base64.StdEncoding.DecodeString(sig)
	if err != nil || len(got) != sha256.Size {
		return sigcore.Fail(scheme, sigerr.ErrSignatureMismatch, "sig", "")
	}
	signed := blob
	if q.sr == "c" {
		signed = "" // a container SAS signs the container, and works for its blobs
	}
	sts := appendStringToSign(make([]byte, 0, 256), &q, account, container, signed)
	mac := hmac.New(sha256.New, cred.key.Bytes())
	mac.Write(sts)
	if !sigcore.ConstantTimeEqual(mac.Sum(nil), got) {
		return sigcore.Fail(scheme, sigerr.ErrSignatureMismatch, "sig", "")
	}
	if u.Scheme == "http" && q.spr == "https" { // no spr: both protocols
		return sigcore.Fail(scheme, sigerr.ErrWrongScope, "spr", "the SAS allows https only")
	}
	if !strings.ContainsAny(q.sp, need) {
		return sigcore.Fail(scheme, sigerr.ErrWrongPermission, "sp", method+" needs one of "+need)
	}
	if !v.now.Before(expiry) {
		return sigcore.Fail(scheme, sigerr.ErrExpired, "se", "")
	}
	if !start.IsZero() && v.now.Before(start) {
		return sigcore.Fail(scheme, sigerr.ErrNotYetValid, "st", "")
	}
	return nil
}

// parseTime reads st or se in the ISO 8601 UTC forms the service accepts:
// YYYY-MM-DD, YYYY-MM-DDThh:mmZ, YYYY-MM-DDThh:mm:ssZ, with fractional
// seconds too.
func parseTime(s string) (time.Time, bool) {
	for _, layout := range [...]string{"2006-01-02T15:04:05.9999999Z", "2006-01-02T15:04:05Z", "2006-01-02T15:04Z", "2006-01-02"} {
		if t, err := time.Parse(layout, s); err == nil {
			return t, true
		}
	}
	return time.Time{}, false
}
