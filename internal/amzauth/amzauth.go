// Package amzauth reads the authentication of the SigV4 family, for the
// verifiers of packages sigv4 and sigv4a: the X-Amz-* parameters of a
// presigned URL, the Authorization header and the headers it must sign, and
// the expiry and clock-skew rules. Both schemes refuse the same malformed
// request with the same reason, field and words, because one function reads
// it. Recomputing the signature stays with each scheme: it alone holds the
// key.
//
// It does no I/O and reads no clock.
package amzauth

import (
	"strconv"
	"strings"
	"time"

	"github.com/batchsign/batchsign/internal/sigcore"
	"github.com/batchsign/batchsign/sigerr"
)

// Family names a member of the SigV4 family. The members differ in the
// algorithm, in the credential scope (SigV4a's has no region: the regions
// are in X-Amz-Region-Set, which must then be present and signed) and in two
// details of wording that each scheme has always had (see quote and
// ParseAuthorization).
type Family uint8

const (
	// SigV4 is AWS4-HMAC-SHA256, scope AKID/date/region/service/aws4_request.
	SigV4 Family = iota
	// SigV4a is AWS4-ECDSA-P256-SHA256, scope AKID/date/service/aws4_request.
	SigV4a
)

// Wire constants the family shares; package sigv4 exports the same values
// (sigv4.UnsignedPayload, sigv4.MaxExpires), and its tests check they agree.
const (
	unsignedPayload = "UNSIGNED-PAYLOAD"
	maxExpires      = 604800
	dateLayout      = "20060102T150405Z"
)

// Scheme is the name verification errors carry (sigerr.VerifyError.Scheme).
func (f Family) Scheme() string {
	if f == SigV4a {
		return "sigv4a"
	}
	return "sigv4"
}

// Algorithm is the family member's X-Amz-Algorithm; sigv4.Algorithm and
// sigv4a.Algorithm are the same values, which their tests check.
func (f Family) Algorithm() string {
	if f == SigV4a {
		return "AWS4-ECDSA-P256-SHA256"
	}
	return "AWS4-HMAC-SHA256"
}

// scopeForm is the credential's shape, for error messages.
func (f Family) scopeForm() string {
	if f == SigV4a {
		return "AKID/date/service/aws4_request"
	}
	return "AKID/date/region/service/aws4_request"
}

// quote quotes an algorithm or access key id for an error message: SigV4a
// cuts it to 40 bytes (sigcore.QuoteForError), SigV4 quotes it whole.
func (f Family) quote(s string) string {
	if f == SigV4a {
		return sigcore.QuoteForError(s)
	}
	return strconv.Quote(s)
}

func (f Family) fail(reason sigerr.VerifyReason, field, detail string) error {
	return sigcore.Fail(f.Scheme(), reason, field, detail)
}

// Scope is a credential taken apart. Region is empty for SigV4a.
type Scope struct {
	AccessKeyID, Date, Region, Service string
}

// parseScope reads an Authorization header's Credential=.
func (f Family) parseScope(v string) (Scope, bool) {
	var all [5]string
	parts := all[:0]
	for rest, more := v, true; more; {
		if len(parts) == len(all) {
			return Scope{}, false
		}
		var p string
		p, rest, more = strings.Cut(rest, "/")
		parts = append(parts, p)
	}
	return f.scopeOf(parts)
}

// parseEscapedScope is parseScope of X-Amz-Credential's value as the query
// carries it (its escapes known to be well formed): it splits at '/' and at
// escaped ones (%2F) and decodes each part alone, and only a part that holds
// an escape, so a credential costs no copy unless a part of it does. A
// credential as signers write it, its '/' all escaped, is cut from one '%'
// to the next.
func (f Family) parseEscapedScope(v string) (Scope, bool) {
	if strings.IndexByte(v, '/') >= 0 {
		return f.parseSlashedScope(v)
	}
	var all [5]string
	parts := all[:0]
	start, esc := 0, false
	for i := 0; ; {
		j := strings.IndexByte(v[i:], '%')
		if j < 0 {
			break
		}
		j += i
		if j+2 >= len(v) || v[j+1] != '2' || (v[j+2] != 'F' && v[j+2] != 'f') {
			i, esc = j+1, true
			continue
		}
		if len(parts) == len(all)-1 {
			return Scope{}, false
		}
		p, ok := scopePart(v[start:j], esc)
		if !ok {
			return Scope{}, false
		}
		parts = append(parts, p)
		i, start, esc = j+3, j+3, false
	}
	p, ok := scopePart(v[start:], esc)
	if !ok {
		return Scope{}, false
	}
	return f.scopeOf(append(parts, p))
}

// scopePart is a part of an escaped credential decoded, when esc says it
// holds an escape.
func scopePart(p string, esc bool) (string, bool) {
	if !esc {
		return p, true
	}
	p, err := sigcore.URIUnescape(p)
	return p, err == nil
}

// parseSlashedScope is parseEscapedScope of a credential with a '/' as it
// is: it reads a byte at a time.
func (f Family) parseSlashedScope(v string) (Scope, bool) {
	var all [5]string
	parts := all[:0]
	start, esc := 0, false
	for i := 0; i <= len(v); i++ {
		end := i
		switch {
		case i == len(v) || v[i] == '/':
		case v[i] == '%' && i+2 < len(v) && v[i+1] == '2' && (v[i+2] == 'F' || v[i+2] == 'f'):
			i += 2
		case v[i] == '%':
			i += 2
			esc = true
			continue
		default:
			continue
		}
		if len(parts) == len(all) {
			return Scope{}, false
		}
		p, ok := scopePart(v[start:end], esc)
		if !ok {
			return Scope{}, false
		}
		parts = append(parts, p)
		start, esc = i+1, false
	}
	return f.scopeOf(parts)
}

// scopeOf is a credential of the family's form from its '/'-separated parts.
func (f Family) scopeOf(parts []string) (Scope, bool) {
	n := 5
	if f == SigV4a {
		n = 4
	}
	if len(parts) != n || parts[n-1] != "aws4_request" || parts[0] == "" || len(parts[1]) != 8 {
		return Scope{}, false
	}
	for _, p := range parts[2 : n-1] {
		if p == "" {
			return Scope{}, false
		}
	}
	s := Scope{AccessKeyID: parts[0], Date: parts[1], Service: parts[n-2]}
	if f == SigV4 {
		s.Region = parts[2]
	}
	return s, true
}

// Presigned is what a presigned URL's X-Amz-* parameters say.
type Presigned struct {
	Scope         Scope
	Date          time.Time // X-Amz-Date
	Expires       int64     // X-Amz-Expires, in seconds
	SignedHeaders string
	Signature     string
	Token         string // X-Amz-Security-Token, "" when absent
	RegionSet     string // X-Amz-Region-Set, SigV4a only
	// Rest is the query's other parameters (those ParsePresigned appends
	// to rest) where they sit together: the query from the first of them
	// to the end of the last, "" when there are none. RestSplit reports
	// that an authentication parameter sits among them, so that no
	// sub-string holds them alone; Rest is then "".
	Rest      string
	RestSplit bool
}

// The X-Amz-* parameters of a presigned URL, in the order their absence is
// reported.
const (
	pAlgorithm = iota
	pCredential
	pDate
	pExpires
	pSignedHeaders
	pRegionSet
	pSignature
	pToken
	nParams
)

var paramNames = [nParams]string{
	"X-Amz-Algorithm", "X-Amz-Credential", "X-Amz-Date", "X-Amz-Expires",
	"X-Amz-SignedHeaders", "X-Amz-Region-Set", "X-Amz-Signature", "X-Amz-Security-Token",
}

// param returns which authentication parameter the unescaped key k is, or
// -1. X-Amz-Region-Set is one for SigV4a only: SigV4 signs it as any other.
// The length picks the one or two names k can be, so most keys of a query
// are told apart without a comparison.
func (f Family) param(k string) int {
	i := -1
	switch len(k) {
	case len("X-Amz-Date"):
		i = pDate
	case len("X-Amz-Expires"):
		i = pExpires
	case len("X-Amz-Algorithm"): // and X-Amz-Signature
		i = pAlgorithm
		if k[6] == 'S' {
			i = pSignature
		}
	case len("X-Amz-Credential"): // and X-Amz-Region-Set
		i = pCredential
		if k[6] == 'R' {
			if f != SigV4a {
				return -1
			}
			i = pRegionSet
		}
	case len("X-Amz-SignedHeaders"):
		i = pSignedHeaders
	case len("X-Amz-Security-Token"):
		i = pToken
	default:
		return -1
	}
	if k != paramNames[i] {
		return -1
	}
	return i
}

// IsParam reports whether the unescaped query name k is one of the
// authentication parameters ParsePresigned reads (and leaves out of rest).
func (f Family) IsParam(k string) bool { return f.param(k) >= 0 }

// ParsePresigned reads the X-Amz-* parameters of a presigned URL's raw
// query and appends every other parameter to rest, as written and in order
// (the query the signature covers); it returns rest grown, error or not, so
// a caller can keep the buffer. Names are matched exactly after unescaping.
// The error is sigerr.ErrMalformed: an escape that does not decode, a
// parameter given twice or missing (the security token may be), another
// algorithm, a credential not of the family's form, a date not
// 20060102T150405Z, an expiry outside 1…604800 seconds. The signature and
// the validity in time are the caller's to check, in that order.
func (f Family) ParsePresigned(query string, rest []byte) (Presigned, []byte, error) {
	return f.parsePresigned(query, rest, true, nil)
}

// ReadPresigned is ParsePresigned of u's query without the copy: the
// other parameters are p.Rest, a sub-string of the query, unless
// authentication parameters sit among them (p.RestSplit), when the caller
// must read the query again and skip the names IsParam reports. u must be
// as SplitURL returns it: the query's escapes are then known to be well
// formed, so ReadPresigned looks no further than the first byte of a name
// that cannot decode to X-Amz-* (one that begins with neither 'X' nor an
// escape). Its verdicts are ParsePresigned's.
func (f Family) ReadPresigned(u *sigcore.URL) (Presigned, error) {
	p, _, err := f.parsePresigned(u.RawQuery, nil, false, nil)
	return p, err
}

// ReadPresignedMemo is ReadPresigned, taking the scope of an
// X-Amz-Credential seen before from m rather than reading it again: the
// URLs of a run carry a few credentials (one per region), and splitting one
// costs more than finding it. Its verdicts are ReadPresigned's; the
// Presigned it returns differs only in that p.Scope's strings are m's
// copies, not sub-strings of u.
func (f Family) ReadPresignedMemo(u *sigcore.URL, m *ScopeMemo) (Presigned, error) {
	p, _, err := f.parsePresigned(u.RawQuery, nil, false, m)
	return p, err
}

// ScopeMemo remembers the scopes of the last few credentials (as the query
// carries them, escapes and all) that ReadPresignedMemo read. It keeps
// copies: no caller text stays alive. A credential it has not seen costs a
// copy (an allocation); one it has, nothing. The zero value is ready to use;
// it is not safe for concurrent use.
type ScopeMemo struct {
	slots [scopeMemoSlots]scopeSlot
	next  int // the slot to replace next
}

type scopeSlot struct {
	cred  string // the credential as the query carries it; "" for none
	scope Scope  // its scope, of strings that share cred's bytes
}

// scopeMemoSlots is how many credentials a ScopeMemo holds, replaced in
// turn; a run's URLs carry one per region and key.
const scopeMemoSlots = 8

// scope returns the scope of the escaped credential v, from m or read and
// remembered.
func (m *ScopeMemo) scope(f Family, v string) (Scope, bool) {
	for i := range m.slots {
		if sl := &m.slots[i]; sl.cred == v && v != "" {
			return sl.scope, true
		}
	}
	if _, ok := f.parseEscapedScope(v); !ok {
		return Scope{}, false
	}
	own := strings.Clone(v)
	sc, _ := f.parseEscapedScope(own)
	m.slots[m.next] = scopeSlot{own, sc}
	m.next = (m.next + 1) % scopeMemoSlots
	return sc, true
}

// paramAt returns which authentication parameter part (a "name=value" that
// begins with "X-Amz-") is when its name is written as signers write it,
// without an escape; -1 means it is another parameter or an escaped name.
func (f Family) paramAt(part string) int {
	i := -1
	switch part[6] {
	case 'A':
		i = pAlgorithm
	case 'C':
		i = pCredential
	case 'D':
		i = pDate
	case 'E':
		i = pExpires
	case 'R':
		if f == SigV4a {
			i = pRegionSet
		}
	case 'S': // Signature, SignedHeaders or Security-Token
		i = pSignature
		if len(part) > 10 && part[7] == 'e' {
			i = pToken
		} else if len(part) > 10 && part[10] == 'e' {
			i = pSignedHeaders
		}
	}
	if i < 0 {
		return -1
	}
	name := paramNames[i]
	if len(part) < len(name) || part[:len(name)] != name || (len(part) > len(name) && part[len(name)] != '=') {
		return -1
	}
	return i
}

// parsePresigned is ParsePresigned, appending to rest only with copyRest,
// in one pass over the query that finds each parameter's end once and
// decodes only a name with an escape. Without copyRest the query's escapes
// are known to be good (ReadPresigned): another parameter is told by its
// first byte, and X-Amz-Credential's escapes are not checked again.
//
// With memo (not nil), the credential's scope is memo's (ScopeMemo.scope).
func (f Family) parsePresigned(query string, rest []byte, copyRest bool, memo *ScopeMemo) (Presigned, []byte, error) {
	var vals [nParams]string
	var seen [nParams]bool
	// The other parameters run from restStart to restEnd; gap is set once
	// an authentication parameter follows one of them, split once another
	// follows that.
	restStart, restEnd, gap, split := -1, 0, false, false
	for off := 0; off < len(query); {
		start, end := off, strings.IndexByte(query[off:], '&')
		if end < 0 {
			end = len(query)
		} else {
			end += off
		}
		off = end + 1
		part := query[start:end]
		if part == "" {
			continue
		}
		i, dk, val := -1, "", ""
		if len(part) > len("X-Amz-") && part[:6] == "X-Amz-" {
			if i = f.paramAt(part); i >= 0 {
				dk = paramNames[i]
				val = part[min(len(dk)+1, len(part)):]
			}
		}
		if i < 0 && (copyRest || part[0] == 'X' || part[0] == '%') {
			eq, esc := len(part), false
			for j := 0; j < len(part); j++ {
				if part[j] == '=' {
					eq = j
					break
				}
				esc = esc || part[j] == '%'
			}
			dk = part[:eq]
			if eq < len(part) {
				val = part[eq+1:]
			}
			if esc {
				var err error
				if dk, err = sigcore.URIUnescape(dk); err != nil {
					return Presigned{}, rest, f.fail(sigerr.ErrMalformed, "query", err.Error())
				}
			}
			i = f.param(dk)
		}
		if i < 0 {
			if copyRest {
				if len(rest) > 0 {
					rest = append(rest, '&')
				}
				rest = append(rest, part...)
			}
			if restStart < 0 {
				restStart = start
			}
			split = split || gap
			restEnd = end
			continue
		}
		gap = restStart >= 0
		if seen[i] {
			return Presigned{}, rest, f.fail(sigerr.ErrMalformed, dk, "given twice")
		}
		seen[i] = true
		var err error
		switch {
		case i != pCredential:
			vals[i], err = sigcore.URIUnescape(val)
		case copyRest: // decoded part by part (parseEscapedScope)
			err = sigcore.CheckEscapes(val)
			fallthrough
		default:
			vals[i] = val
		}
		if err != nil {
			return Presigned{}, rest, f.fail(sigerr.ErrMalformed, dk, err.Error())
		}
	}
	for i, v := range vals[:pToken] {
		if v == "" && (i != pRegionSet || f == SigV4a) {
			return Presigned{}, rest, f.fail(sigerr.ErrMalformed, paramNames[i], "missing")
		}
	}
	if alg := vals[pAlgorithm]; alg != f.Algorithm() {
		return Presigned{}, rest, f.fail(sigerr.ErrMalformed, "X-Amz-Algorithm", "unsupported algorithm "+f.quote(alg))
	}
	p := Presigned{SignedHeaders: vals[pSignedHeaders], Signature: vals[pSignature], Token: vals[pToken], RegionSet: vals[pRegionSet]}
	if split {
		p.RestSplit = true
	} else if restStart >= 0 {
		p.Rest = query[restStart:restEnd]
	}
	var ok bool
	if memo != nil {
		p.Scope, ok = memo.scope(f, vals[pCredential])
	} else {
		p.Scope, ok = f.parseEscapedScope(vals[pCredential])
	}
	if !ok {
		return Presigned{}, rest, f.fail(sigerr.ErrMalformed, "X-Amz-Credential", "not "+f.scopeForm())
	}
	var err error
	if p.Date, err = parseDate(vals[pDate]); err != nil {
		return Presigned{}, rest, f.fail(sigerr.ErrMalformed, "X-Amz-Date", "not 20060102T150405Z")
	}
	p.Expires, err = parseExpires(vals[pExpires])
	if err != nil || p.Expires < 1 || p.Expires > maxExpires {
		return Presigned{}, rest, f.fail(sigerr.ErrMalformed, "X-Amz-Expires", "must be 1…604800 seconds")
	}
	return p, rest, nil
}

// Secret looks up the secret of accessKeyID; an unknown key is
// sigerr.ErrUnknownKey under field.
func (f Family) Secret(lookup sigcore.SecretLookup, accessKeyID, field string) (string, error) {
	secret, ok := lookup(accessKeyID)
	if !ok {
		return "", f.fail(sigerr.ErrUnknownKey, field, "access key "+f.quote(accessKeyID))
	}
	return secret, nil
}

// CheckPresignedHost refuses (sigerr.ErrUnsignedHeader) a presigned URL
// whose signed headers do not hold host.
func (f Family) CheckPresignedHost(p *Presigned) error {
	if !sigcore.HasListItem(p.SignedHeaders, "host") {
		return f.fail(sigerr.ErrUnsignedHeader, "X-Amz-SignedHeaders", "host is not signed")
	}
	return nil
}

// CheckPresignedTime judges a presigned URL whose signature is good at now:
// sigerr.ErrNotYetValid more than the allowed skew before X-Amz-Date
// (maxSkew, or sigcore.MaxClockSkew when zero), sigerr.ErrExpired after
// X-Amz-Date plus X-Amz-Expires.
func (f Family) CheckPresignedTime(p *Presigned, now time.Time, maxSkew time.Duration) error {
	skew := sigcore.ClockSkew(maxSkew)
	if now.Before(p.Date.Add(-skew)) {
		return f.fail(sigerr.ErrNotYetValid, "X-Amz-Date", "signed at "+p.Date.Format(time.RFC3339))
	}
	if end := p.Date.Add(time.Duration(p.Expires) * time.Second); now.After(end) {
		return f.fail(sigerr.ErrExpired, "X-Amz-Expires", "expired at "+end.Format(time.RFC3339))
	}
	return nil
}

// Authorization is what a request signed with an Authorization header says
// about its signing.
type Authorization struct {
	Scope         Scope
	Date          time.Time // the X-Amz-Date header
	SignedHeaders string
	Signature     string
	RegionSet     string // the X-Amz-Region-Set header, SigV4a only
	// Token and ContentHash are the X-Amz-Security-Token and
	// X-Amz-Content-SHA256 headers ("" when absent), set by CheckHeaders.
	Token, ContentHash string
}

// header returns the last value of the header name (matched without case,
// names trimmed), trimmed, and how many there are.
func header(headers []sigcore.Header, name string) (string, int) {
	v, n := "", 0
	for _, h := range headers {
		if strings.EqualFold(strings.TrimSpace(h.Name), name) {
			v, n = h.Value, n+1
		}
	}
	return strings.TrimSpace(v), n
}

// ParseAuthorization reads the Authorization header (exactly one), its
// Credential, SignedHeaders and Signature, and the X-Amz-Date header; for
// SigV4a also the X-Amz-Region-Set header (exactly one, not checked here).
// SigV4a wants exactly one X-Amz-Date; SigV4 takes the last of several (the
// signature then decides). Every error is sigerr.ErrMalformed.
func (f Family) ParseAuthorization(headers []sigcore.Header) (Authorization, error) {
	auth, n := header(headers, "authorization")
	if n != 1 {
		return Authorization{}, f.fail(sigerr.ErrMalformed, "Authorization", "want exactly one Authorization header")
	}
	alg, params, _ := strings.Cut(auth, " ")
	if alg != f.Algorithm() {
		return Authorization{}, f.fail(sigerr.ErrMalformed, "Authorization", "not "+f.Algorithm())
	}
	var a Authorization
	var cred string
	for p := range strings.SplitSeq(params, ",") {
		k, v, _ := strings.Cut(strings.TrimSpace(p), "=")
		switch k {
		case "Credential":
			cred = v
		case "SignedHeaders":
			a.SignedHeaders = v
		case "Signature":
			a.Signature = v
		}
	}
	if cred == "" || a.SignedHeaders == "" || a.Signature == "" {
		return Authorization{}, f.fail(sigerr.ErrMalformed, "Authorization", "needs Credential, SignedHeaders and Signature")
	}
	var ok bool
	if a.Scope, ok = f.parseScope(cred); !ok {
		return Authorization{}, f.fail(sigerr.ErrMalformed, "Authorization", "Credential is not "+f.scopeForm())
	}
	date, n := header(headers, "x-amz-date")
	switch {
	case f == SigV4a && (date == "" || n != 1):
		return Authorization{}, f.fail(sigerr.ErrMalformed, "X-Amz-Date", "want exactly one")
	case date == "":
		return Authorization{}, f.fail(sigerr.ErrMalformed, "X-Amz-Date", "missing")
	}
	var err error
	if a.Date, err = parseDate(date); err != nil {
		return Authorization{}, f.fail(sigerr.ErrMalformed, "X-Amz-Date", "not 20060102T150405Z")
	}
	if f == SigV4a {
		if a.RegionSet, n = header(headers, "x-amz-region-set"); a.RegionSet == "" || n != 1 {
			return Authorization{}, f.fail(sigerr.ErrMalformed, "X-Amz-Region-Set", "want exactly one")
		}
	}
	return a, nil
}

// CheckHeaders checks what a header-signed request must sign and the body
// hash, and sets a.Token and a.ContentHash: host and x-amz-date (and
// x-amz-region-set for SigV4a) must be signed, and every x-amz-* header
// present but the security token, or a proxy could add one unnoticed
// (sigerr.ErrUnsignedHeader); an S3 request must carry
// x-amz-content-sha256 (sigerr.ErrMalformed); and a payloadHash, when not
// empty, must match it unless it is UNSIGNED-PAYLOAD or STREAMING-*
// (sigerr.ErrContentHashMismatch, compared in constant time).
func (f Family) CheckHeaders(a *Authorization, headers []sigcore.Header, s3 bool, payloadHash string) error {
	must := [...]string{"host", "x-amz-date", "x-amz-region-set"}
	n := len(must)
	if f == SigV4 {
		n--
	}
	for _, name := range must[:n] {
		if !sigcore.HasListItem(a.SignedHeaders, name) {
			return f.fail(sigerr.ErrUnsignedHeader, name, "required header is not signed")
		}
	}
	for _, h := range headers {
		name := strings.ToLower(strings.TrimSpace(h.Name))
		if strings.HasPrefix(name, "x-amz-") && name != "x-amz-security-token" && !sigcore.HasListItem(a.SignedHeaders, name) {
			return f.fail(sigerr.ErrUnsignedHeader, name, "x-amz-* headers must be signed")
		}
	}
	a.Token, _ = header(headers, "x-amz-security-token")
	a.ContentHash, _ = header(headers, "x-amz-content-sha256")
	if s3 && a.ContentHash == "" {
		return f.fail(sigerr.ErrMalformed, "x-amz-content-sha256", "S3 requires it")
	}
	if ch := a.ContentHash; payloadHash != "" && ch != "" && ch != unsignedPayload && !strings.HasPrefix(ch, "STREAMING-") &&
		!sigcore.ConstantTimeEqualString(strings.ToLower(ch), strings.ToLower(payloadHash)) {
		return f.fail(sigerr.ErrContentHashMismatch, "x-amz-content-sha256", "body does not match the signed hash")
	}
	return nil
}

// CheckSkew judges a header-signed request whose signature is good at now:
// sigerr.ErrClockSkew when X-Amz-Date is further away than maxSkew (or
// sigcore.MaxClockSkew when zero).
func (f Family) CheckSkew(a *Authorization, now time.Time, maxSkew time.Duration) error {
	skew := sigcore.ClockSkew(maxSkew)
	if d := now.Sub(a.Date); d > skew || d < -skew {
		return f.fail(sigerr.ErrClockSkew, "X-Amz-Date", "signed at "+a.Date.Format(time.RFC3339)+", "+d.Round(time.Second).String()+" from now")
	}
	return nil
}

// parseExpires is strconv.ParseInt(v, 10, 64): up to six digits are read
// directly, and anything else is left to strconv.ParseInt and its verdict.
func parseExpires(v string) (int64, error) {
	if len(v) >= 1 && len(v) <= 6 {
		n := int64(0)
		for i := 0; i < len(v); i++ {
			if v[i] < '0' || v[i] > '9' {
				return strconv.ParseInt(v, 10, 64)
			}
			n = n*10 + int64(v[i]-'0')
		}
		return n, nil
	}
	return strconv.ParseInt(v, 10, 64)
}

// parseDate is time.Parse(dateLayout, v): a well-formed date with fields in
// range is read directly, and anything else is left to time.Parse and its
// verdict.
func parseDate(v string) (time.Time, error) {
	if len(v) == len(dateLayout) && v[8] == 'T' && v[15] == 'Z' {
		num := func(s string) int {
			n := 0
			for i := 0; i < len(s); i++ {
				if s[i] < '0' || s[i] > '9' {
					return -1
				}
				n = n*10 + int(s[i]-'0')
			}
			return n
		}
		y, mo, d := num(v[0:4]), num(v[4:6]), num(v[6:8])
		h, mi, sec := num(v[9:11]), num(v[11:13]), num(v[13:15])
		leap := y%4 == 0 && (y%100 != 0 || y%400 == 0)
		monthDays := [13]int{0, 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31}
		if leap {
			monthDays[2] = 29
		}
		if y >= 0 && mo >= 1 && mo <= 12 && d >= 1 && d <= monthDays[mo] && h >= 0 && h < 24 && mi >= 0 && mi < 60 && sec >= 0 && sec < 60 {
			return time.Date(y, time.Month(mo), d, h, mi, sec, 0, time.UTC), nil
		}
	}
	return time.Parse(dateLayout, v)
}
