package azuresas

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"hash"
	"strings"
	"time"
	"unicode/utf8"
	"unsafe"

	"github.com/batchsign/batchsign/internal/sigcore"
)

// Version is the signed version (sv) of every SAS this package writes. The
// string to sign has had the same sixteen lines from 2020-12-06 on; this
// package verifies any sv from 2020-12-06.
const Version = "2022-11-02"

// oldestVersion is the first signed version with the sixteen-line layout.
const oldestVersion = "2020-12-06"

// ErrCredential is the reason for a bad account name, key or connection
// string; ErrRequest for a request this package cannot sign (fields named
// by a *sigerr.FieldError).
const (
	ErrCredential = sigcore.ConstError("azuresas: bad credential")
	ErrRequest    = sigcore.ConstError("azuresas: cannot sign")
)

// Overrides are the response headers a SAS makes the service send with a
// GET: Cache-Control (rscc), Content-Disposition (rscd), Content-Encoding
// (rsce), Content-Language (rscl) and Content-Type (rsct). Empty fields are
// left out.
type Overrides struct {
	CacheControl, ContentDisposition, ContentEncoding, ContentLanguage, ContentType string
}

// Presign is one service SAS URL to sign.
type Presign struct {
	// Method is the request the URL is for, GET, HEAD, PUT or DELETE; it
	// chooses the permissions when Permissions is empty: r for GET and
	// HEAD, cw for PUT (create or write a blob), d for DELETE.
	Method string
	// Endpoint is the blob service's base URL ("" for the credential's
	// BlobEndpoint): "https://ACCOUNT.blob.core.windows.net", or path-style
	// "http://127.0.0.1:10000/ACCOUNT". A SAS for an http endpoint allows
	// https and http (spr=https,http); for https, https only.
	Endpoint string
	// Container is the container name; Blob the blob name, raw UTF-8 ("":
	// a SAS for the container, sr=c). The URL's path percent-encodes every
	// byte of the name but A-Z a-z 0-9 - . _ ~ and '/', which is kept; the
	// canonicalized resource has the name as it is.
	Container, Blob string
	// Permissions are the SAS permission letters (sp), in any order: for a
	// blob racwdxtmeiy, for a container racwdxltmeiyf. They are written in
	// that canonical order, as the service requires.
	Permissions string
	// Start (st) is when the URL starts to work; the zero time leaves it
	// out (valid at once). Expiry (se) is required. Both are written in
	// UTC to the second.
	Start, Expiry time.Time
	// Overrides are the response headers to override (GET and HEAD).
	Overrides Overrides
}

// Signer signs service SAS URLs with one account's key. A Signer is not
// safe for concurrent use: give each goroutine its own (NewSigner is
// cheap), as its HMAC state and scratch space are reused.
type Signer struct {
	cred Credential
	mac  hash.Hash
	sts  []byte
	sum  []byte
	res  []byte
}

// NewSigner returns a Signer for c.
func NewSigner(c Credential) (*Signer, error) {
	if c.key == nil || c.key.Len() == 0 {
		return nil, ErrCredential
	}
	return &Signer{cred: c, mac: hmac.New(sha256.New, c.key.Bytes())}, nil
}

// String never shows the key.
func (s *Signer) String() string { return "azuresas.Signer{" + s.cred.String() + "}" }

// blobPermissions and containerPermissions are the permission letters a
// service SAS grants, in the order the service wants them
// (@azure/storage-blob's BlobSASPermissions and ContainerSASPermissions).
const (
	blobPermissions      = "racwdxtmeiy"
	containerPermissions = "racwdxltmeiyf"
)

// methodPermissions are the permissions a method needs (one of the letters
// is enough), and those a SAS for it gets when the caller names none.
func methodPermissions(method string) (need, grant string, ok bool) {
	switch method {
	case "GET", "HEAD":
		return "r", "r", true
	case "PUT":
		return "cw", "cw", true
	case "DELETE":
		return "d", "d", true
	}
	return "", "", false
}

// appendPermissions appends the letters of p in the canonical order of
// set, refusing a letter outside it or given twice.
func appendPermissions(dst []byte, p, set string) ([]byte, error) {
	var seen [128]bool
	for i := 0; i < len(p); i++ {
		c := p[i]
		if c >= 128 || strings.IndexByte(set, c) < 0 {
			return dst, sigcore.FieldErr("permissions", sigcore.WithDetail(ErrRequest, "want letters of "+set+", got "+sigcore.QuoteForError(p)))
		}
		if seen[c] {
			return dst, sigcore.FieldErr("permissions", sigcore.WithDetail(ErrRequest, "letter "+string(c)+" given twice"))
		}
		seen[c] = true
	}
	for i := 0; i < len(set); i++ {
		if seen[set[i]] {
			dst = append(dst, set[i])
		}
	}
	return dst, nil
}

// checkContainer checks a container name: 3–63 lower-case letters, digits
// and single hyphens, starting and ending with a letter or digit; or one
// of the special containers $root, $web and $logs.
func checkContainer(name string) error {
	switch name {
	case "$root", "$web", "$logs":
		return nil
	}
	ok := len(name) >= 3 && len(name) <= 63 && name[0] != '-' && name[len(name)-1] != '-' && !strings.Contains(name, "--")
	for i := 0; ok && i < len(name); i++ {
		c := name[i]
		ok = 'a' <= c && c <= 'z' || '0' <= c && c <= '9' || c == '-'
	}
	if !ok {
		return sigcore.FieldErr("bucket", sigcore.WithDetail(ErrRequest, "container name "+sigcore.QuoteForError(name)+": want 3 to 63 lower-case letters, digits and single hyphens"))
	}
	return nil
}

// checkBlob checks a blob name: 1–1024 characters of valid UTF-8, no '\'
// (the service stores it as '/', so the name would not be the one signed).
func checkBlob(name string) error {
	if err := sigcore.CheckUTF8(name); err != nil {
		return sigcore.FieldErr("key", err)
	}
	switch {
	case utf8.RuneCountInString(name) > 1024:
		return sigcore.FieldErr("key", sigcore.WithDetail(ErrRequest, "a blob name is at most 1024 characters"))
	case strings.IndexByte(name, '\\') >= 0:
		return sigcore.FieldErr("key", sigcore.WithDetail(ErrRequest, `a blob name cannot hold '\': Azure stores it as '/', so the URL would not name the blob signed`))
	}
	return nil
}

// params are the signed fields of a SAS, as its query carries them
// (decoded): what the string to sign is made of.
type params struct {
	sp, st, se, si, sip, spr, sv, sr, snapshot, ses string
	rscc, rscd, rsce, rscl, rsct                    string
}

// appendStringToSign appends the string to sign of a service SAS with the
// account key, signed version 2020-12-06 and later: sixteen lines, the
// canonicalized resource /blob/ACCOUNT/CONTAINER[/BLOB] (the blob name
// unescaped) fourth.
func appendStringToSign(dst []byte, p *params, account, container, blob string) []byte {
	dst = append(dst, p.sp...)
	dst = append(dst, '\n')
	dst = append(dst, p.st...)
	dst = append(dst, '\n')
	dst = append(dst, p.se...)
	dst = append(dst, '\n')
	dst = append(dst, "/blob/"...)
	dst = append(dst, account...)
	dst = append(dst, '/')
	dst = append(dst, container...)
	if blob != "" {
		dst = append(dst, '/')
		dst = append(dst, blob...)
	}
	for _, v := range [...]string{p.si, p.sip, p.spr, p.sv, p.sr, p.snapshot, p.ses, p.rscc, p.rscd, p.rsce, p.rscl, p.rsct} {
		dst = append(dst, '\n')
		dst = append(dst, v...)
	}
	return dst
}

// sasTime is the form st and se are written in.
const sasTime = "2006-01-02T15:04:05Z"

// prepare checks p and fills the signed fields of a SAS for it into q,
// keeping what it writes in s.res; it returns the endpoint.
func (s *Signer) prepare(p *Presign, q *params) (string, error) {
	if err := checkContainer(p.Container); err != nil {
		return "", err
	}
	set, sr := containerPermissions, "c"
	if p.Blob != "" {
		if err := checkBlob(p.Blob); err != nil {
			return "", err
		}
		set, sr = blobPermissions, "b"
	}
	perms := p.Permissions
	if perms == "" {
		_, grant, ok := methodPermissions(p.Method)
		if !ok {
			return "", sigcore.FieldErr("method", sigcore.WithDetail(ErrRequest, "method "+sigcore.QuoteForError(p.Method)+" has no default permissions: give permissions"))
		}
		perms = grant
	}
	if p.Expiry.IsZero() {
		return "", sigcore.FieldErr("expires", sigcore.WithDetail(ErrRequest, "an expiry is required"))
	}
	if !p.Start.IsZero() && !p.Start.Before(p.Expiry) {
		return "", sigcore.FieldErr("expires", sigcore.WithDetail(ErrRequest, "the expiry must be after the start"))
	}
	endpoint := p.Endpoint
	if endpoint == "" {
		endpoint = s.cred.BlobEndpoint
	}
	endpoint = strings.TrimSuffix(endpoint, "/")
	u, err := sigcore.SplitURL(endpoint)
	if err != nil {
		return "", err
	}
	if u.RawQuery != "" || u.ForceQuery {
		return "", sigcore.FieldErr("url", sigcore.WithDetail(ErrRequest, "the endpoint cannot have a query"))
	}
	// s.res holds the permissions and the times; q's strings point into
	// it only after it stops growing.
	r := s.res[:0]
	r, err = appendPermissions(r, perms, set)
	if err != nil {
		return "", err
	}
	np := len(r)
	if !p.Start.IsZero() {
		r = p.Start.UTC().AppendFormat(r, sasTime)
	}
	ns := len(r)
	r = p.Expiry.UTC().AppendFormat(r, sasTime)
	s.res = r
	*q = params{sp: unsafeString(r[:np]), st: unsafeString(r[np:ns]), se: unsafeString(r[ns:]),
		spr: "https", sv: Version, sr: sr,
		rscc: p.Overrides.CacheControl, rscd: p.Overrides.ContentDisposition, rsce: p.Overrides.ContentEncoding,
		rscl: p.Overrides.ContentLanguage, rsct: p.Overrides.ContentType}
	if u.Scheme == "http" {
		q.spr = "https,http"
	}
	return endpoint, nil
}

// appendSignature appends the base64 HMAC-SHA256 of s.sts.
func (s *Signer) appendSignature(dst []byte) []byte {
	s.mac.Reset()
	s.mac.Write(s.sts)
	s.sum = s.mac.Sum(s.sum[:0])
	return base64.StdEncoding.AppendEncode(dst, s.sum)
}

// AppendPresign appends the SAS URL of p to dst: the endpoint, the
// container and blob (percent-encoded, '/' kept), and the query sv, spr,
// st, se, sr, sp, the overrides rscc, rscd, rsce, rscl, rsct and sig, in
// @azure/storage-blob's order, values percent-encoded (every byte but
// A-Z a-z 0-9 - . _ ~). It allocates nothing once the Signer's scratch
// space has grown. Errors are *sigerr.FieldError naming the field at fault
// ("bucket", "key", "permissions", "expires", "method", "url").
func (s *Signer) AppendPresign(dst []byte, p *Presign) ([]byte, error) {
	var q params
	endpoint, err := s.prepare(p, &q)
	if err != nil {
		return dst, err
	}
	s.sts = appendStringToSign(s.sts[:0], &q, s.cred.Account, p.Container, p.Blob)
	dst = append(dst, endpoint...)
	dst = append(dst, '/')
	dst = sigcore.AppendURIEscape(dst, p.Container, false)
	if p.Blob != "" {
		dst = append(dst, '/')
		dst = sigcore.AppendURIEscape(dst, p.Blob, true)
	}
	sep := byte('?')
	add := func(k, v string) {
		if v == "" {
			return
		}
		dst = append(dst, sep)
		sep = '&'
		dst = append(dst, k...)
		dst = append(dst, '=')
		dst = sigcore.AppendURIEscape(dst, v, false)
	}
	add("sv", q.sv)
	add("spr", q.spr)
	add("st", q.st)
	add("se", q.se)
	add("sr", q.sr)
	add("sp", q.sp)
	add("rscc", q.rscc)
	add("rscd", q.rscd)
	add("rsce", q.rsce)
	add("rscl", q.rscl)
	add("rsct", q.rsct)
	dst = append(dst, "&sig="...)
	mark := len(dst)
	dst = s.appendSignature(dst)
	// The signature is base64: escape its '+', '/' and '=' in place.
	n := 0
	for _, c := range dst[mark:] {
		if !sigcore.IsUnreserved(c) {
			n += 2
		}
	}
	end := len(dst)
	dst = append(dst, make([]byte, n)...)[:end+n]
	for i, j := end-1, end+n-1; i >= mark; i-- {
		c := dst[i]
		if sigcore.IsUnreserved(c) {
			dst[j] = c
			j--
			continue
		}
		dst[j], dst[j-1], dst[j-2] = "0123456789ABCDEF"[c&15], "0123456789ABCDEF"[c>>4], '%'
		j -= 3
	}
	return dst, nil
}

// PresignURL returns the SAS URL of p (see AppendPresign).
func (s *Signer) PresignURL(p *Presign) (string, error) {
	b, err := s.AppendPresign(nil, p)
	if err != nil {
		return "", err
	}
	return string(b), nil
}

// StringToSign returns the string to sign of p's SAS, the sixteen lines
// the signature is the HMAC-SHA256 of (for tests and for explaining a
// refusal; it holds nothing secret).
func (s *Signer) StringToSign(p *Presign) (string, error) {
	var q params
	if _, err := s.prepare(p, &q); err != nil {
		return "", err
	}
	return string(appendStringToSign(nil, &q, s.cred.Account, p.Container, p.Blob)), nil
}

// unsafeString views b as a string without copying. Used only for the
// Signer's scratch bytes, which do not change while the string is in use
// (until the next prepare).
func unsafeString(b []byte) string { return unsafe.String(unsafe.SliceData(b), len(b)) }
