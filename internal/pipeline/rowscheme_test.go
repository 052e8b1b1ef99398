package pipeline

import (
	"strings"
	"testing"

	"github.com/batchsign/batchsign/gcs"
	"github.com/batchsign/batchsign/sigv4a"
)

// The scheme detection rowScheme replaced (four passes over the query),
// kept as the reference its one pass must agree with.

// rowSchemeReference is the scheme a row shows: SigV2 for a URL with SigV2 query
// auth and no Authorization, Azure HMAC for an Azure HMAC-SHA256
// Authorization, SigV4a for AWS4-ECDSA-P256-SHA256 (X-Amz-Algorithm or the
// Authorization), GCS for a URL with X-Goog-Algorithm (gcs-hmac when it is
// GOOG4-HMAC-SHA256, else gcs-rsa), Azure SAS for a URL whose query has
// sv and sig, else SigV4 (query auth or an
// Authorization header).
func rowSchemeReference(rawURL, auth string) Scheme {
	switch {
	case auth == "" && isSigV2URL(rawURL):
		return SchemeSigV2
	case auth != "" && isAzureAuth(auth):
		return SchemeAzureHMAC
	case isSigV4aRow(rawURL, auth):
		return SchemeSigV4a
	}
	if auth == "" && isAzureSASURL(rawURL) {
		return SchemeAzureSAS
	}
	if auth == "" {
		switch gcsAlgorithm(rawURL) {
		case "":
		case gcs.AlgorithmHMAC:
			return SchemeGCSHMAC
		default:
			return SchemeGCSRSA
		}
	}
	return SchemeSigV4
}

// isAzureSASURL reports whether a URL carries a SAS: sv and sig in its
// query.
func isAzureSASURL(rawURL string) bool {
	_, q, ok := strings.Cut(rawURL, "?")
	if !ok {
		return false
	}
	var sv, sig bool
	for part := range strings.SplitSeq(q, "&") {
		name, _, _ := strings.Cut(part, "=")
		sv = sv || name == "sv"
		sig = sig || name == "sig"
	}
	return sv && sig
}

// gcsAlgorithm returns the X-Goog-Algorithm of a URL (its name in any case, as
// Cloud Storage reads it), "" when it has none.
func gcsAlgorithm(rawURL string) string {
	_, q, ok := strings.Cut(rawURL, "?")
	if !ok {
		return ""
	}
	q, _, _ = strings.Cut(q, "#")
	for part := range strings.SplitSeq(q, "&") {
		if name, v, _ := strings.Cut(part, "="); strings.EqualFold(name, "X-Goog-Algorithm") {
			return v
		}
	}
	return ""
}

// isSigV4aRow reports whether a row shows SigV4a: X-Amz-Algorithm
// AWS4-ECDSA-P256-SHA256 in its query, or an Authorization that starts
// with it.
func isSigV4aRow(rawURL, auth string) bool {
	if auth != "" {
		return strings.HasPrefix(auth, sigv4a.Algorithm)
	}
	_, q, ok := strings.Cut(rawURL, "?")
	if !ok {
		return false
	}
	q, _, _ = strings.Cut(q, "#")
	for part := range strings.SplitSeq(q, "&") {
		if name, v, _ := strings.Cut(part, "="); name == "X-Amz-Algorithm" {
			return v == sigv4a.Algorithm
		}
	}
	return false
}

// isSigV2URL reports whether rawURL's query carries both AWSAccessKeyId and
// Signature, the marks of S3 SigV2 query authentication.
func isSigV2URL(rawURL string) bool {
	_, q, ok := strings.Cut(rawURL, "?")
	if !ok {
		return false
	}
	q, _, _ = strings.Cut(q, "#")
	var id, sig bool
	for part := range strings.SplitSeq(q, "&") {
		name, _, _ := strings.Cut(part, "=")
		switch name {
		case "AWSAccessKeyId":
			id = true
		case "Signature":
			sig = true
		}
	}
	return id && sig
}

// checkRowScheme: rowScheme and the four-pass reference agree.
func checkRowScheme(t *testing.T, rawURL, auth string) {
	t.Helper()
	if got, want := rowScheme(rawURL, auth), rowSchemeReference(rawURL, auth); got != want {
		t.Fatalf("url %q auth %q: %s, want %s", rawURL, auth, got, want)
	}
}

var rowSchemeSeeds = [][2]string{
	{"https://h/k?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Signature=ab", ""},
	{"https://h/k?X-Amz-Algorithm=AWS4-ECDSA-P256-SHA256&X-Amz-Algorithm=AWS4-HMAC-SHA256", ""},
	{"https://h/k?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Algorithm=AWS4-ECDSA-P256-SHA256", ""},
	{"https://h/k?AWSAccessKeyId=A&Expires=1&Signature=x", ""},
	{"https://h/k?AWSAccessKeyId=A&Expires=1#&Signature=x", ""},
	{"https://h/k?AWSAccessKeyId=A&Signature#=x", ""},
	{"https://h/k?sv=2020&sig=x", ""},
	{"https://h/k?sv=2020#&sig=x", ""},
	{"https://h/k?sv=2020&si#g=x&sig", ""},
	{"https://h/k?x-goog-algorithm=GOOG4-HMAC-SHA256", ""},
	{"https://h/k?X-Goog-Algorithm=GOOG4-RSA-SHA256&X-Goog-Algorithm=GOOG4-HMAC-SHA256", ""},
	{"https://h/k?X-Goog-Algorithm=GOOG4-HMAC-SHA256#x", ""},
	{"https://h/k?X-Goog-Algorithm#=GOOG4-HMAC-SHA256", ""},
	{"https://h/k?a=1?X-Amz-Algorithm=AWS4-ECDSA-P256-SHA256", ""},
	{"https://h/k", ""}, {"", ""}, {"?", ""}, {"?&&", ""}, {"?#", ""},
	{"https://h/k?sv=1&sig=2", "AWS4-HMAC-SHA256 Credential=x"},
	{"https://h/k", "AWS4-ECDSA-P256-SHA256 Credential=x"},
	{"https://h/k?AWSAccessKeyId=A&Signature=x", "HMAC-SHA256 a:b"},
	{"https://h/k?AWSAccessKeyId=A&Signature=x", "hmac-sha256 a:b"},
}

func TestRowSchemeMatchesReference(t *testing.T) {
	for _, s := range rowSchemeSeeds {
		checkRowScheme(t, s[0], s[1])
	}
}

// FuzzRowScheme: the one-pass rowScheme is the four-pass reference.
func FuzzRowScheme(f *testing.F) {
	for _, s := range rowSchemeSeeds {
		f.Add(s[0], s[1])
	}
	f.Fuzz(checkRowScheme)
}
