package pipeline

import (
	"errors"
	"slices"
	"strconv"
	"strings"
)

// Scheme names a signature scheme: what presign and sign produce, what
// verify accepts, what the mac commands compute. Its value is the name
// --scheme takes and verify writes in its scheme column, so it is stable.
//
// The zero value is a mode's default scheme (see Mode.DefaultScheme).
type Scheme string

// The schemes. A Mode supports some of them (Mode.Schemes).
const (
	// SchemeAuto is verify's default: each row is judged by the scheme it
	// shows (SigV2 query parameters, an Azure HMAC-SHA256 Authorization,
	// else SigV4). It is not a scheme a row is signed with.
	SchemeAuto Scheme = "auto"
	// SchemeSigV4 is AWS Signature Version 4: presigned URLs (query auth)
	// and Authorization headers.
	SchemeSigV4 Scheme = "sigv4"
	// SchemeSigV2 is the S3 legacy Signature Version 2 query auth
	// (AWSAccessKeyId, Expires in epoch seconds, Signature).
	SchemeSigV2 Scheme = "sigv2"
	// SchemeAzureHMAC is Azure Communication Services HMAC-SHA256
	// (x-ms-date, x-ms-content-sha256 and an HMAC-SHA256 Authorization).
	SchemeAzureHMAC Scheme = "azure-hmac"
	// SchemeSigV4a is AWS Signature Version 4a (AWS4-ECDSA-P256-SHA256):
	// presigned URLs and Authorization headers valid in a set of regions,
	// which S3 Multi-Region Access Points require (sigv4a.go).
	SchemeSigV4a Scheme = "sigv4a"
	// SchemeGCSRSA and SchemeGCSHMAC are Google Cloud Storage V4 signed
	// URLs, GOOG4-RSA-SHA256 with a service account's key and
	// GOOG4-HMAC-SHA256 with an HMAC key (gcs.go).
	SchemeGCSRSA  Scheme = "gcs-rsa"
	SchemeGCSHMAC Scheme = "gcs-hmac"
	// SchemeAzureSAS is Azure Blob Storage service SAS URLs signed with
	// the storage account's key (azuresas.go).
	SchemeAzureSAS Scheme = "azure-sas"
	// SchemeKMSMac is the KMS-style MACs of mac generate and mac verify
	// (GenerateMac / VerifyMac semantics).
	SchemeKMSMac Scheme = "kms-mac"
)

// String returns the scheme's name; the zero value prints as "default".
func (s Scheme) String() string {
	if s == "" {
		return "default"
	}
	return string(s)
}

// ParseScheme parses a --scheme value for mode m: one of m.Schemes(),
// spelled exactly. Anything else is an error that lists what m supports.
func (m Mode) ParseScheme(name string) (Scheme, error) {
	s := Scheme(name)
	if _, ok := lookupMode(m, s); ok && s != "" {
		return s, nil
	}
	return "", errors.New("scheme " + strconv.Quote(name) + ": " + m.String() + " supports " + joinSchemes(m.Schemes()))
}

// Schemes returns the schemes m supports, its default first.
func (m Mode) Schemes() []Scheme {
	var ss []Scheme
	for _, d := range modeDefs() {
		if d.mode == m {
			ss = append(ss, d.scheme)
		}
	}
	return ss
}

// About says, for help texts, what m does under scheme s ("" for m's
// default); "" for a scheme m does not support.
func (m Mode) About(s Scheme) string {
	if d, ok := lookupMode(m, s); ok {
		return d.about
	}
	return ""
}

// Fields returns the manifest fields mode m takes under scheme s ("" for
// m's default), as the mode declares them; nil for a scheme m does not
// support.
func (m Mode) Fields(s Scheme) []string {
	if d, ok := lookupMode(m, s); ok {
		return slices.Clone(d.fields)
	}
	return nil
}

// DefaultScheme returns the scheme m uses when none is named: SchemeSigV4
// for Presign and Sign, SchemeAuto for Verify, SchemeKMSMac for the mac
// modes.
func (m Mode) DefaultScheme() Scheme {
	if ss := m.Schemes(); len(ss) > 0 {
		return ss[0]
	}
	return ""
}

// joinSchemes is "sigv4, sigv2 or azure-hmac".
func joinSchemes(ss []Scheme) string {
	names := make([]string, len(ss))
	for i, s := range ss {
		names[i] = string(s)
	}
	if len(names) < 2 {
		return strings.Join(names, "")
	}
	return strings.Join(names[:len(names)-1], ", ") + " or " + names[len(names)-1]
}
