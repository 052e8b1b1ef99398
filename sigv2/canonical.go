package sigv2

import (
	"strconv"
	"strings"

	"github.com/batchsign/batchsign/internal/sigcore"
)

// sigV2Canon holds scratch space so canonicalisation allocates nothing in
// steady state.
type sigV2Canon struct {
	idx []int
}

// sigV2ParamAt indexes the concatenation of a and b without building it.
func sigV2ParamAt(a, b []Param, i int) *Param {
	if i < len(a) {
		return &a[i]
	}
	return &b[i-len(a)]
}

// sigV2HeaderValue returns the first value of a header named lowerName
// (case-insensitively) among hs, and whether there was one.
func sigV2HeaderValue(hs []Param, lowerName string) (string, bool) {
	for i := range hs {
		if sigcore.EqualFoldASCII(hs[i].Name, lowerName) {
			return hs[i].Value, true
		}
	}
	return "", false
}

// appendSigV2Value appends a header value trimmed of surrounding whitespace,
// with every whitespace run that contains a line break (folding) replaced by
// one space.
func appendSigV2Value(dst []byte, v string) []byte {
	isSpace := func(c byte) bool { return c == ' ' || c == '\t' || c == '\r' || c == '\n' }
	i, j := 0, len(v)
	for i < j && isSpace(v[i]) {
		i++
	}
	for j > i && isSpace(v[j-1]) {
		j--
	}
	for k := i; k < j; k++ {
		c := v[k]
		if c != '\r' && c != '\n' {
			dst = append(dst, c)
			continue
		}
		// Unfold: drop the blanks already written before the break and
		// the ones after it, then write one space.
		for len(dst) > 0 && (dst[len(dst)-1] == ' ' || dst[len(dst)-1] == '\t') {
			dst = dst[:len(dst)-1]
		}
		for k+1 < j && isSpace(v[k+1]) {
			k++
		}
		dst = append(dst, ' ')
	}
	return dst
}

// sigV2ValidHeaderName reports whether name is an HTTP token, so it cannot
// smuggle a ':' or a line break into the string to sign.
func sigV2ValidHeaderName(name string) bool {
	if name == "" {
		return false
	}
	for i := 0; i < len(name); i++ {
		c := name[i]
		if c <= ' ' || c >= 0x7f || strings.IndexByte("\"(),/:;<=>?@[\\]{}", c) >= 0 {
			return false
		}
	}
	return true
}

// appendAmzHeaders appends CanonicalizedAmzHeaders built from the x-amz-*
// entries of hs and extra.
func (c *sigV2Canon) appendAmzHeaders(dst []byte, hs, extra []Param) ([]byte, error) {
	idx := c.idx[:0]
	for i := 0; i < len(hs)+len(extra); i++ {
		p := sigV2ParamAt(hs, extra, i)
		if sigcore.HasPrefixFoldASCII(p.Name, "x-amz-") {
			if !sigV2ValidHeaderName(p.Name) {
				c.idx = idx
				return dst, sigV2RequestError("header", "invalid header name "+strconv.Quote(p.Name))
			}
			idx = append(idx, i)
		}
	}
	// Stable insertion sort by lower-cased name: repeated names keep their
	// order, so their values join in the order given.
	for i := 1; i < len(idx); i++ {
		for j := i; j > 0 && sigcore.CompareFoldASCII(sigV2ParamAt(hs, extra, idx[j-1]).Name, sigV2ParamAt(hs, extra, idx[j]).Name) > 0; j-- {
			idx[j-1], idx[j] = idx[j], idx[j-1]
		}
	}
	for i := 0; i < len(idx); {
		name := sigV2ParamAt(hs, extra, idx[i]).Name
		for k := 0; k < len(name); k++ {
			b := name[k]
			if 'A' <= b && b <= 'Z' {
				b += 'a' - 'A'
			}
			dst = append(dst, b)
		}
		dst = append(dst, ':')
		j := i
		for ; j < len(idx) && sigcore.CompareFoldASCII(sigV2ParamAt(hs, extra, idx[j]).Name, name) == 0; j++ {
			if j > i {
				dst = append(dst, ',')
			}
			dst = appendSigV2Value(dst, sigV2ParamAt(hs, extra, idx[j]).Value)
		}
		dst = append(dst, '\n')
		i = j
	}
	c.idx = idx
	return dst, nil
}

// appendSubresources appends "?a&b=v…" for the sub-resources among q, sorted
// by name, values as given (decoded). A repeated sub-resource is an error:
// S3 would see one of them and we cannot know which.
func (c *sigV2Canon) appendSubresources(dst []byte, q []Param) ([]byte, error) {
	idx := c.idx[:0]
	for i := range q {
		if isSigV2Subresource(q[i].Name) {
			idx = append(idx, i)
		}
	}
	for i := 1; i < len(idx); i++ {
		for j := i; j > 0 && q[idx[j-1]].Name > q[idx[j]].Name; j-- {
			idx[j-1], idx[j] = idx[j], idx[j-1]
		}
	}
	c.idx = idx
	for n, i := range idx {
		if n > 0 && q[idx[n-1]].Name == q[i].Name {
			return dst, sigV2RequestError("query", "sub-resource "+q[i].Name+" given twice")
		}
		if n == 0 {
			dst = append(dst, '?')
		} else {
			dst = append(dst, '&')
		}
		dst = append(dst, q[i].Name...)
		if q[i].Value != "" {
			dst = append(dst, '=')
			dst = append(dst, q[i].Value...)
		}
	}
	return dst, nil
}

// appendHead appends "VERB\nContent-MD5\nContent-Type\n". The values come
// from hs, or else from extra (query parameters that stand in for headers in
// a presigned URL). The caller appends the Date/Expires line, then
// appendAmzHeaders.
func appendSigV2Head(dst []byte, method string, hs, extra []Param) []byte {
	dst = append(dst, method...)
	dst = append(dst, '\n')
	for _, name := range [2]string{"content-md5", "content-type"} {
		v, ok := sigV2HeaderValue(hs, name)
		if !ok {
			v, _ = sigV2HeaderValue(extra, name)
		}
		dst = appendSigV2Value(dst, v)
		dst = append(dst, '\n')
	}
	return dst
}

// appendResourceFromURI appends CanonicalizedResource for a request as sent.
func (c *sigV2Canon) appendResourceFromURI(dst []byte, host, path string, q []Param, a Addressing) ([]byte, error) {
	bucket, err := sigV2ResourceBucket(host, a)
	if err != nil {
		return dst, sigV2RequestError("host", err.Error())
	}
	if bucket != "" {
		dst = append(dst, '/')
		dst = append(dst, bucket...)
	}
	dst = append(dst, path...)
	return c.appendSubresources(dst, q)
}

// appendStringToSign appends the header-authentication string to sign
// of r to dst. The Date line is the Date header, or empty when an x-amz-date
// header is present (which is then signed among the amz headers).
func appendStringToSign(dst []byte, r *Request) ([]byte, error) {
	var c sigV2Canon
	return c.appendHeaderStringToSign(dst, r)
}

func (c *sigV2Canon) appendHeaderStringToSign(dst []byte, r *Request) ([]byte, error) {
	if r.Method == "" {
		return dst, sigV2RequestError("method", "empty")
	}
	path, rawQuery, err := sigV2SplitURI(r.RequestURI)
	if err != nil {
		return dst, sigV2RequestError("request URI", err.Error())
	}
	q, _, _, err := parseSigV2Query(nil, rawQuery, nil, nil)
	if err != nil {
		return dst, sigV2RequestError("request URI", err.Error())
	}
	date, _ := sigV2HeaderValue(r.Headers, "date")
	if _, ok := sigV2HeaderValue(r.Headers, "x-amz-date"); ok {
		date = ""
	}
	dst = appendSigV2Head(dst, r.Method, r.Headers, nil)
	dst = appendSigV2Value(dst, date)
	dst = append(dst, '\n')
	if dst, err = c.appendAmzHeaders(dst, r.Headers, nil); err != nil {
		return dst, err
	}
	return c.appendResourceFromURI(dst, r.Host, path, q, r.Addressing)
}

// StringToSign is AppendStringToSign returning a string, for tests
// and for explaining a signature mismatch.
func StringToSign(r *Request) (string, error) {
	b, err := appendStringToSign(nil, r)
	if err != nil {
		return "", err
	}
	return string(b), nil
}

// sigV2TokenHeader builds the pseudo-header that signs a session token.
func sigV2TokenHeader(token string) [1]Param {
	return [1]Param{{Name: "x-amz-security-token", Value: token}}
}

// appendPresignStringToSign appends the query-form string to sign; it
// returns the offsets of the encoded path inside dst, so the URL can copy
// exactly those bytes.
func (c *sigV2Canon) appendPresignStringToSign(dst []byte, r *PresignRequest, tok []Param) (out []byte, keyStart, keyEnd int, err error) {
	method := r.Method
	if method == "" {
		method = "GET"
	}
	dst = appendSigV2Head(dst, method, r.Headers, tok)
	dst = strconv.AppendInt(dst, r.Expires, 10)
	dst = append(dst, '\n')
	if dst, err = c.appendAmzHeaders(dst, r.Headers, tok); err != nil {
		return dst, 0, 0, err
	}
	dst = append(dst, '/')
	if r.Bucket != "" {
		dst = append(dst, r.Bucket...)
		dst = append(dst, '/')
	}
	keyStart = len(dst)
	dst = sigcore.AppendURIEscape(dst, r.Key, true)
	keyEnd = len(dst)
	dst, err = c.appendSubresources(dst, r.Query)
	return dst, keyStart, keyEnd, err
}

// appendPresignSTS appends the string to sign of a presigned
// URL for r to dst, for tests and for explaining mismatches.
func appendPresignSTS(dst []byte, r *PresignRequest) ([]byte, error) {
	if err := r.check(); err != nil {
		return dst, err
	}
	var c sigV2Canon
	tok := sigV2TokenHeader(r.SessionToken)
	dst, _, _, err := c.appendPresignStringToSign(dst, r, tok[:sigV2BoolInt(r.SessionToken != "")])
	return dst, err
}

func sigV2BoolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}
