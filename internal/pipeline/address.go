package pipeline

import (
	"errors"
	"net/netip"
	"strconv"
	"strings"

	"github.com/batchsign/batchsign/internal/sigcore"
	"github.com/batchsign/batchsign/sigerr"
	"github.com/batchsign/batchsign/sigv4"
)

// AddressingStyle chooses where an S3 bucket name goes: in the host name
// (virtual-hosted, bucket.s3.region.amazonaws.com) or in the path
// (path-style, s3.region.amazonaws.com/bucket).
type AddressingStyle uint8

const (
	// AddressingAuto is virtual-hosted on AWS endpoints when the bucket name
	// is DNS-compatible (and has no dots under https, which would break the
	// TLS wildcard certificate), path-style otherwise and on custom
	// endpoints (--endpoint-url), which rarely have wildcard DNS.
	AddressingAuto AddressingStyle = iota
	// AddressingVirtual forces virtual-hosted URLs; a bucket name that
	// cannot be a DNS label is rejected.
	AddressingVirtual
	// AddressingPath forces path-style URLs.
	AddressingPath
)

// ParseAddressingStyle parses auto, virtual or path.
func ParseAddressingStyle(s string) (AddressingStyle, error) {
	switch s {
	case "", "auto":
		return AddressingAuto, nil
	case "virtual":
		return AddressingVirtual, nil
	case "path":
		return AddressingPath, nil
	}
	return 0, errors.New("addressing style " + strconv.Quote(s) + ": want auto, virtual or path")
}

// String returns the flag spelling.
func (a AddressingStyle) String() string {
	switch a {
	case AddressingVirtual:
		return "virtual"
	case AddressingPath:
		return "path"
	}
	return "auto"
}

// Endpoint is a custom S3 endpoint (--endpoint-url): MinIO, a test server,
// an S3-compatible store. The zero Endpoint means AWS.
type Endpoint struct {
	Scheme string // "http" or "https"
	Host   string // host[:port]
}

// IsZero reports whether e is unset (AWS endpoints).
func (e Endpoint) IsZero() bool { return e.Host == "" }

// ParseEndpoint parses an endpoint URL such as http://127.0.0.1:7070. A path
// other than "/", a query, a fragment or user information is an error.
func ParseEndpoint(s string) (Endpoint, error) {
	if s == "" {
		return Endpoint{}, nil
	}
	u, err := ParseURL(s)
	if err != nil {
		return Endpoint{}, errors.New("endpoint URL: " + strings.TrimPrefix(err.Error(), "url: "))
	}
	if (u.Path != "" && u.Path != "/") || u.RawQuery != "" {
		return Endpoint{}, errors.New("endpoint URL must be scheme://host[:port] without a path or query")
	}
	return Endpoint{Scheme: u.Scheme, Host: u.Host}, nil
}

// String returns the endpoint as a URL.
func (e Endpoint) String() string {
	if e.IsZero() {
		return ""
	}
	return e.Scheme + "://" + e.Host
}

// Address is where an S3 request for a bucket goes.
type Address struct {
	Scheme string
	Host   string
	// Bucket is set for path-style addressing: it is the first path
	// segment. Virtual-hosted addresses carry the bucket in Host.
	Bucket string
}

// ErrBucket: a bucket name S3 cannot address as asked.
var ErrBucket = errors.New("invalid bucket name")

// ResolveS3 returns the address of bucket in region on endpoint ep (zero:
// AWS) with the given style. On AWS, virtual-hosted hosts are
// bucket.s3.<region>.amazonaws.com in every region, us-east-1 included
// (.amazonaws.com.cn in the cn- regions).
func ResolveS3(bucket, region string, ep Endpoint, style AddressingStyle) (Address, error) {
	if err := checkBucket(bucket); err != nil {
		return Address{}, err
	}
	scheme, aws := "https", ep.IsZero()
	if !aws {
		scheme = ep.Scheme
	}
	virtual := false
	switch style {
	case AddressingVirtual:
		if !dnsCompatible(bucket) {
			return Address{}, fieldErr(FieldBucket, detail(ErrBucket, "not DNS-compatible, so it cannot be addressed virtual-hosted (use --addressing-style path)"))
		}
		virtual = true
	case AddressingAuto:
		virtual = aws && dnsCompatible(bucket) && !(scheme == "https" && strings.IndexByte(bucket, '.') >= 0)
	}
	var host string
	switch {
	case aws && virtual:
		host = bucket + ".s3." + region + awsSuffix(region)
	case aws:
		host = "s3." + region + awsSuffix(region)
	case virtual:
		host = bucket + "." + ep.Host
	default:
		host = ep.Host
	}
	a := Address{Scheme: scheme, Host: host}
	if !virtual {
		a.Bucket = bucket
	}
	return a, nil
}

func awsSuffix(region string) string {
	if strings.HasPrefix(region, "cn-") {
		return ".amazonaws.com.cn"
	}
	return ".amazonaws.com"
}

// checkBucket accepts what S3 has ever allowed in a bucket name, legacy
// us-east-1 names (upper case, underscores) included, and nothing that
// could change the URL's structure.
func checkBucket(b string) error {
	if b == "" {
		return fieldErr(FieldBucket, sigerr.ErrMissingField)
	}
	if len(b) > 255 {
		return fieldErr(FieldBucket, detail(ErrBucket, "longer than 255 bytes"))
	}
	for i := 0; i < len(b); i++ {
		c := b[i]
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '.' || c == '-' || c == '_') {
			return fieldErr(FieldBucket, detail(ErrBucket, "character "+strconv.QuoteRune(rune(c))+" at byte "+strconv.Itoa(i)))
		}
	}
	return nil
}

// dnsCompatible reports whether bucket follows today's naming rules, which
// make it a valid host name: 3–63 characters of a-z 0-9 . -, starting and
// ending with a letter or digit, no "..", not an IPv4 address.
func dnsCompatible(b string) bool {
	if len(b) < 3 || len(b) > 63 {
		return false
	}
	alnum := func(c byte) bool { return 'a' <= c && c <= 'z' || '0' <= c && c <= '9' }
	if !alnum(b[0]) || !alnum(b[len(b)-1]) {
		return false
	}
	digitsAndDots := true
	for i := 0; i < len(b); i++ {
		c := b[i]
		switch {
		case alnum(c):
			if c > '9' {
				digitsAndDots = false
			}
		case c == '.':
			if b[i-1] == '.' || b[i-1] == '-' || b[i+1] == '-' {
				return false
			}
		case c == '-':
			digitsAndDots = false
		default:
			return false
		}
	}
	return !(digitsAndDots && strings.Count(b, ".") == 3)
}

// checkRegion accepts region names (a-z 0-9 -), which also go into host
// names and the credential scope.
func checkRegion(r string) error {
	if r == "" {
		return fieldErr(FieldRegion, detail(sigerr.ErrMissingField, "no region in the row, the URL's host, --region, AWS_REGION or the config file"))
	}
	for i := 0; i < len(r); i++ {
		c := r[i]
		if !('a' <= c && c <= 'z' || '0' <= c && c <= '9' || c == '-') || len(r) > 64 {
			return fieldErr(FieldRegion, detail(sigerr.ErrInvalidValue, "region names are a-z, 0-9 and '-'"))
		}
	}
	return nil
}

// ParsedURL is a manifest url split into the parts a signer needs. Path and
// RawQuery are as on the wire (percent-escapes kept).
type ParsedURL struct {
	Scheme   string // "http" or "https", lower case
	Host     string // host[:port]
	Path     string // "" or starting with '/'
	RawQuery string // without '?'
}

// ErrURL: a url field that is not an absolute http(s) URL batchsign can sign.
var ErrURL = errors.New("invalid URL")

// ParseURL splits an absolute http or https URL. It is stricter than
// net/url where leniency would sign something other than what was meant: a
// fragment ('#' is never sent; a key containing it must be written %23), a
// space or control character, a malformed percent escape, and user
// information (which could be a password, and is never echoed) are errors.
// It allocates nothing: the parts are sub-strings of s.
func ParseURL(s string) (ParsedURL, error) {
	var u ParsedURL
	scheme, rest, ok := strings.Cut(s, "://")
	switch {
	case !ok:
		return u, urlErr("want scheme://host/path")
	case strings.EqualFold(scheme, "https"):
		u.Scheme = "https"
	case strings.EqualFold(scheme, "http"):
		u.Scheme = "http"
	default:
		return u, urlErr("scheme must be http or https")
	}
	for i := 0; i < len(rest); i++ {
		c := rest[i]
		if c <= ' ' || c == 0x7f {
			return u, urlErr("space or control character at byte " + strconv.Itoa(len(scheme)+3+i) + " (percent-encode it)")
		}
		if c == '#' {
			return u, urlErr("fragment ('#') is not sent to the server; write '#' in a key as %23")
		}
	}
	hostEnd := strings.IndexAny(rest, "/?")
	if hostEnd < 0 {
		hostEnd = len(rest)
	}
	u.Host = rest[:hostEnd]
	if strings.IndexByte(u.Host, '@') >= 0 {
		return u, urlErr("user information in the URL is not supported")
	}
	if u.Host == "" {
		return u, urlErr("no host")
	}
	if err := checkHost(u.Host); err != nil {
		return u, err
	}
	rest = rest[hostEnd:]
	u.Path, u.RawQuery, _ = strings.Cut(rest, "?")
	if err := checkEscapes(u.Path); err != nil {
		return u, err
	}
	if err := checkEscapes(u.RawQuery); err != nil {
		return u, err
	}
	return u, nil
}

func urlErr(msg string) error { return fieldErr(FieldURL, detail(ErrURL, msg)) }

// checkHost accepts a DNS name or IPv4 address with an optional port, or a
// bracketed IPv6 literal with an optional port.
func checkHost(h string) error {
	name, port, hasPort := h, "", false
	if strings.HasPrefix(h, "[") {
		end := strings.IndexByte(h, ']')
		if end < 0 {
			return urlErr("unterminated IPv6 literal")
		}
		if ip, err := netip.ParseAddr(h[1:end]); err != nil || !ip.Is6() || ip.Zone() != "" {
			return urlErr("invalid IPv6 literal")
		}
		if rest := h[end+1:]; rest != "" {
			if rest[0] != ':' {
				return urlErr("invalid host")
			}
			port, hasPort = rest[1:], true
		}
	} else {
		if i := strings.IndexByte(h, ':'); i >= 0 {
			name, port, hasPort = h[:i], h[i+1:], true
		}
		if name == "" {
			return urlErr("no host")
		}
		for i := 0; i < len(name); i++ {
			c := name[i]
			if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '.' || c == '-' || c == '_') {
				return urlErr("invalid character in host")
			}
		}
	}
	if hasPort {
		if port == "" || len(port) > 5 {
			return urlErr("invalid port")
		}
		for i := 0; i < len(port); i++ {
			if port[i] < '0' || port[i] > '9' {
				return urlErr("invalid port")
			}
		}
	}
	return nil
}

func isHex(c byte) bool {
	return '0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F'
}

func checkEscapes(s string) error {
	for i := 0; i < len(s); i++ {
		if s[i] == '%' && (i+2 >= len(s) || !isHex(s[i+1]) || !isHex(s[i+2])) {
			return fieldErr(FieldURL, detail(sigerr.ErrMalformedEscape, "at byte "+strconv.Itoa(i)+" of the path or query"))
		}
	}
	return nil
}

// regionFromHost infers the region from an AWS S3 host name:
// bucket.s3.<region>.amazonaws.com, s3.<region>.amazonaws.com,
// bucket.s3-<region>.amazonaws.com (legacy dash form), and the
// .amazonaws.com.cn forms. Other hosts yield "".
func regionFromHost(host string) string {
	if i := strings.IndexByte(host, ':'); i >= 0 {
		host = host[:i]
	}
	var rest string
	switch {
	case strings.HasSuffix(host, ".amazonaws.com"):
		rest = host[:len(host)-len(".amazonaws.com")]
	case strings.HasSuffix(host, ".amazonaws.com.cn"):
		rest = host[:len(host)-len(".amazonaws.com.cn")]
	default:
		return ""
	}
	// rest ends in "s3.<region>", "s3-<region>", or "s3" (global endpoint).
	i := strings.LastIndex(rest, "s3")
	if i < 0 || (i > 0 && rest[i-1] != '.') {
		return ""
	}
	tail := rest[i+2:]
	if len(tail) < 2 || (tail[0] != '.' && tail[0] != '-') {
		return ""
	}
	region := tail[1:]
	if strings.IndexByte(region, '.') >= 0 || checkRegion(region) != nil {
		// dualstack, accelerate and other variants: let the row or the run
		// say which region.
		return ""
	}
	return region
}

// queryPairs is sigcore.AppendQueryParams with the error naming the url field.
func queryPairs(dst []sigv4.QueryParam, raw string) ([]sigv4.QueryParam, error) {
	dst, err := sigcore.AppendQueryParams(dst, raw)
	if err != nil {
		return dst, fieldErr(FieldURL, err)
	}
	return dst, nil
}
