package bench

import (
	"encoding/base64"
	"strings"
)

// base64CloudFront decodes CloudFront's base64 ('-' for '+', '_' for '=',
// '~' for '/').
func base64CloudFront(s string) ([]byte, error) {
	return base64.StdEncoding.DecodeString(strings.NewReplacer("-", "+", "_", "=", "~", "/").Replace(s))
}
