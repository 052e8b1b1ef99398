package sigv2

import (
	"errors"
	"strings"
)

// sigV2HostName returns host without port, lower-cased.
func sigV2HostName(host string) string {
	if strings.HasPrefix(host, "[") { // [v6]:port
		if i := strings.IndexByte(host, ']'); i > 0 {
			return strings.ToLower(host[:i+1])
		}
	}
	if i := strings.LastIndexByte(host, ':'); i >= 0 && strings.IndexByte(host[:i], ':') < 0 {
		host = host[:i]
	}
	return strings.ToLower(host)
}

// sigV2AWSVirtualBucket returns the bucket of an AWS virtual-hosted S3 name
// (bucket.s3.amazonaws.com, bucket.s3.us-west-2.amazonaws.com,
// bucket.s3-us-west-2.amazonaws.com, bucket.s3.dualstack.….amazonaws.com,
// bucket.s3-accelerate.amazonaws.com, and the .amazonaws.com.cn forms), or ""
// when host is not one. The S3 label is the rightmost "s3" or "s3-…" label,
// since bucket names may themselves contain dots.
func sigV2AWSVirtualBucket(hostname string) string {
	var rest string
	switch {
	case strings.HasSuffix(hostname, ".amazonaws.com"):
		rest = strings.TrimSuffix(hostname, ".amazonaws.com")
	case strings.HasSuffix(hostname, ".amazonaws.com.cn"):
		rest = strings.TrimSuffix(hostname, ".amazonaws.com.cn")
	default:
		return ""
	}
	for end := len(rest); end > 0; {
		start := strings.LastIndexByte(rest[:end], '.') + 1
		label := rest[start:end]
		if label == "s3" || strings.HasPrefix(label, "s3-") {
			if start == 0 {
				return "" // s3.…: path style
			}
			return rest[:start-1]
		}
		end = start - 1
		if end < 0 {
			break
		}
	}
	return ""
}

// sigV2ResourceBucket returns the bucket the Host names under addressing a,
// or "" when the request is path style.
func sigV2ResourceBucket(host string, a Addressing) (string, error) {
	name := sigV2HostName(host)
	switch a {
	case AddressingPath:
		return "", nil
	case AddressingCNAME:
		if name == "" {
			return "", errors.New("CNAME addressing needs a Host")
		}
		return name, nil
	case AddressingVirtual:
		if b := sigV2AWSVirtualBucket(name); b != "" {
			return b, nil
		}
		if i := strings.IndexByte(name, '.'); i > 0 {
			return name[:i], nil
		}
		return "", errors.New("virtual-hosted addressing needs a Host of the form bucket.endpoint")
	default:
		return sigV2AWSVirtualBucket(name), nil
	}
}
