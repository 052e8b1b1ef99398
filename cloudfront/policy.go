package cloudfront

import (
	"encoding/base64"
	"encoding/json"
	"net/netip"
	"strconv"
	"strings"
	"time"

	"github.com/batchsign/batchsign/internal/sigcore"
	"github.com/batchsign/batchsign/sigerr"
)

// Policy says what a signature grants: which resource, until when, from
// when, from where. A Policy with only Expires is the canned policy of the
// URL it signs; any other field makes a custom policy.
type Policy struct {
	// Expires is DateLessThan: the URL works until just before this
	// instant (Unix seconds; the fraction is dropped). Required; CloudFront
	// sets no upper bound.
	Expires time.Time
	// Resource is the URL or URL pattern the policy covers ('*' any run of
	// characters, '/' included; '?' one character), such as
	// https://d111111abcdef8.cloudfront.net/exports/42/*. Empty: the URL
	// being signed. Signed cookies need one.
	Resource string
	// NotBefore is DateGreaterThan: the URL works only after this instant.
	// Zero: from now.
	NotBefore time.Time
	// SourceIP is AWS:SourceIp, the viewers' address range as a CIDR
	// (192.0.2.0/24, 2001:db8::/32). Empty: any address.
	SourceIP string
}

// canned reports whether p is a canned policy: nothing but an expiry.
func (p *Policy) canned() bool {
	return p.Resource == "" && p.NotBefore.IsZero() && p.SourceIP == ""
}

// check validates p's fields, naming the manifest-style field at fault.
func (p *Policy) check() error {
	if p.Expires.IsZero() {
		return sigcore.FieldErr("expires", sigerr.ErrMissingField)
	}
	if p.Resource != "" {
		if err := checkJSONSafe(p.Resource); err != nil {
			return sigcore.FieldErr("resource", err)
		}
	}
	if !p.NotBefore.IsZero() && !p.NotBefore.Before(p.Expires) {
		return sigcore.FieldErr("not_before", sigcore.WithDetail(sigerr.ErrInvalidValue, "not before the expiry, so the URL would never work"))
	}
	if p.SourceIP != "" {
		if _, err := parseCIDR(p.SourceIP); err != nil {
			return sigcore.FieldErr("ip_address", err)
		}
	}
	return nil
}

// parseCIDR reads an address range as CloudFront takes it: address/bits.
func parseCIDR(s string) (netip.Prefix, error) {
	pfx, err := netip.ParsePrefix(s)
	if err != nil {
		return pfx, sigcore.WithDetail(sigerr.ErrInvalidValue, "want a CIDR such as 192.0.2.0/24, got "+sigcore.QuoteForError(s))
	}
	return pfx, nil
}

// checkJSONSafe refuses what could not sit in a JSON string unescaped, nor
// in a URL a viewer sends: control bytes, space, bytes over 0x7e, '"' and
// '\'. CloudFront resources are ASCII; a key with other bytes is written
// percent-encoded.
func checkJSONSafe(s string) error {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c <= ' ' || c >= 0x7f || c == '"' || c == '\\' {
			return sigcore.WithDetail(sigerr.ErrInvalidValue, "byte "+strconv.Itoa(i)+" must be percent-encoded (resources are printable ASCII)")
		}
	}
	return nil
}

// appendPolicyJSON appends p's policy document for resource, as the AWS
// SDKs write it: the canned form when p is canned, else the custom one
// with its conditions in the order IpAddress, DateGreaterThan,
// DateLessThan. resource holds no byte JSON must escape (checkJSONSafe).
func appendPolicyJSON(dst []byte, resource string, p *Policy) []byte {
	dst = append(dst, `{"Statement":[{"Resource":"`...)
	dst = append(dst, resource...)
	dst = append(dst, `","Condition":{`...)
	if p.SourceIP != "" {
		dst = append(dst, `"IpAddress":{"AWS:SourceIp":"`...)
		dst = append(dst, p.SourceIP...)
		dst = append(dst, `"},`...)
	}
	if !p.NotBefore.IsZero() {
		dst = append(dst, `"DateGreaterThan":{"AWS:EpochTime":`...)
		dst = strconv.AppendInt(dst, p.NotBefore.Unix(), 10)
		dst = append(dst, "},"...)
	}
	dst = append(dst, `"DateLessThan":{"AWS:EpochTime":`...)
	dst = strconv.AppendInt(dst, p.Expires.Unix(), 10)
	return append(dst, "}}}]}"...)
}

// appendEncoded appends src in base64 with CloudFront's substitutions ('+'
// → '-', '=' → '_', '/' → '~').
func appendEncoded(dst, src []byte) []byte {
	start := len(dst)
	dst = base64.StdEncoding.AppendEncode(dst, src)
	for i := start; i < len(dst); i++ {
		switch dst[i] {
		case '+':
			dst[i] = '-'
		case '=':
			dst[i] = '_'
		case '/':
			dst[i] = '~'
		}
	}
	return dst
}

// decodeEncoded undoes appendEncoded. Padding is optional, as the
// guide's own example policy has none.
func decodeEncoded(s string) ([]byte, error) {
	r := strings.NewReplacer("-", "+", "~", "/")
	return base64.RawStdEncoding.DecodeString(r.Replace(strings.TrimRight(s, "_=")))
}

// statement is one parsed policy statement, as a Verifier reads it.
type statement struct {
	resource  string
	expires   int64 // DateLessThan
	notBefore int64 // DateGreaterThan; 0: none
	sourceIP  string
}

// policyDoc is the JSON shape of a policy document.
type policyDoc struct {
	Statement []struct {
		Resource  *string
		Condition struct {
			DateLessThan    *epochTime
			DateGreaterThan *epochTime
			IpAddress       *struct {
				SourceIP string `json:"AWS:SourceIp"`
			}
		}
	}
}

type epochTime struct {
	Sec *int64 `json:"AWS:EpochTime"`
}

// parsePolicy reads a custom policy: one statement with a resource and
// DateLessThan (any white space, any field order, as CloudFront reads it).
func parsePolicy(doc []byte) (statement, error) {
	var d policyDoc
	if err := json.Unmarshal(doc, &d); err != nil {
		return statement{}, sigcore.Fail(scheme, sigerr.ErrMalformed, "Policy", "not a JSON policy document")
	}
	if len(d.Statement) != 1 {
		return statement{}, sigcore.Fail(scheme, sigerr.ErrMalformed, "Policy", "want one statement, got "+strconv.Itoa(len(d.Statement)))
	}
	s := d.Statement[0]
	c := s.Condition
	if s.Resource == nil || c.DateLessThan == nil || c.DateLessThan.Sec == nil {
		return statement{}, sigcore.Fail(scheme, sigerr.ErrMalformed, "Policy", "a statement needs Resource and DateLessThan")
	}
	st := statement{resource: *s.Resource, expires: *c.DateLessThan.Sec}
	if c.DateGreaterThan != nil {
		if c.DateGreaterThan.Sec == nil {
			return statement{}, sigcore.Fail(scheme, sigerr.ErrMalformed, "Policy", "DateGreaterThan without AWS:EpochTime")
		}
		st.notBefore = *c.DateGreaterThan.Sec
	}
	if c.IpAddress != nil {
		st.sourceIP = c.IpAddress.SourceIP
	}
	return st, nil
}

// matchResource reports whether s matches CloudFront's resource pattern:
// '*' any run of bytes (none included), '?' exactly one, anything else
// itself, case-sensitively. Linear in practice: one backtrack point.
func matchResource(pattern, s string) bool {
	p, i := 0, 0
	star, mark := -1, 0
	for i < len(s) {
		switch {
		case p < len(pattern) && pattern[p] == '*':
			star, mark = p, i
			p++
		case p < len(pattern) && (pattern[p] == '?' || pattern[p] == s[i]):
			p++
			i++
		case star >= 0:
			p = star + 1
			mark++
			i = mark
		default:
			return false
		}
	}
	for p < len(pattern) && pattern[p] == '*' {
		p++
	}
	return p == len(pattern)
}
