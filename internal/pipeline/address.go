package pipeline

import (
	"errors"
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
		if err := sigcore.CheckHost(host); err != nil {
			// Over 253 bytes, or an endpoint that is an IP address: no
			// name to put the bucket in.
			return Address{}, fieldErr(FieldBucket, detail(ErrBucket, "bucket.endpoint is no host name ("+errors.Unwrap(err).Error()+"); use --addressing-style path"))
		}
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
		if !('a' <= c && c <= 'z' || '0' <= c && c <= '9' || c == '-') || len(r) > 63 {
			// 63: a region is a label of AWS host names.
			return fieldErr(FieldRegion, detail(sigerr.ErrInvalidValue, "region names are at most 63 bytes of a-z, 0-9 and '-'"))
		}
	}
	return nil
}

// ParsedURL is a manifest url split into the parts a signer needs. Path and
// RawQuery are as on the wire (percent-escapes kept).
type ParsedURL = sigcore.URL

// ErrURL: a url field that is not an absolute http(s) URL batchsign can sign.
const ErrURL = sigcore.ErrURL

// ParseURL splits an absolute http or https URL with sigcore.SplitURL, the
// rules every verifier applies too, so that batchsign signs no URL its own
// verify would call malformed: a valid host (DNS labels of 1–63 bytes, at
// most 253 in all, IPv4, or a bracketed IPv6 literal; a port 1–65535), and
// a path and query of the bytes an HTTP/1.1 request target carries. A
// fragment ('#' is never sent; a key containing it must be written %23), a
// space, a control character or a raw non-ASCII byte (percent-encode it), a
// malformed percent escape, and user information (which could be a
// password, and is never echoed) are errors naming the url field. It
// allocates nothing: the parts are sub-strings of s.
func ParseURL(s string) (ParsedURL, error) { return sigcore.SplitURL(s) }

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
