package sigcore

import "strings"

// SplitURL cuts an absolute URL into scheme, host, wire path and raw query
// without re-encoding anything: a verifier must see the bytes as sent. The
// fragment is dropped; an empty path is "/". ok is false when there is no
// "scheme://" or no host.
func SplitURL(raw string) (scheme, host, path, query string, ok bool) {
	scheme, rest, ok := strings.Cut(raw, "://")
	if !ok || scheme == "" {
		return "", "", "", "", false
	}
	rest, _, _ = strings.Cut(rest, "#")
	i := strings.IndexAny(rest, "/?")
	if i < 0 {
		return scheme, rest, "/", "", rest != ""
	}
	host, rest = rest[:i], rest[i:]
	path, query, _ = strings.Cut(rest, "?")
	if path == "" {
		path = "/"
	}
	return scheme, host, path, query, host != ""
}

// HasListItem reports whether a ';'-separated list (SigV4's signed-headers
// list) holds item.
func HasListItem(list, item string) bool {
	for list != "" {
		var x string
		x, list, _ = strings.Cut(list, ";")
		if x == item {
			return true
		}
	}
	return false
}

// PickSigned keeps the headers a signed-headers list names, in their order;
// a verifier recomputes the canonical request from these alone (host comes
// from the URL).
func PickSigned(headers []Header, signed string) []Header {
	var out []Header
	for _, h := range headers {
		if HasListItem(signed, strings.ToLower(strings.TrimSpace(h.Name))) {
			out = append(out, h)
		}
	}
	return out
}
