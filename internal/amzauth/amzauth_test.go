package amzauth_test

import (
	"testing"

	"github.com/batchsign/batchsign/internal/amzauth"
	"github.com/batchsign/batchsign/sigv4"
	"github.com/batchsign/batchsign/sigv4a"
)

// TestFamilyAgreesWithSchemes ties the names amzauth checks to the ones the
// scheme packages sign with.
func TestFamilyAgreesWithSchemes(t *testing.T) {
	if amzauth.SigV4.Algorithm() != sigv4.Algorithm || amzauth.SigV4a.Algorithm() != sigv4a.Algorithm {
		t.Errorf("algorithms %q, %q; the schemes sign %q, %q",
			amzauth.SigV4.Algorithm(), amzauth.SigV4a.Algorithm(), sigv4.Algorithm, sigv4a.Algorithm)
	}
	if amzauth.SigV4.Scheme() != "sigv4" || amzauth.SigV4a.Scheme() != "sigv4a" {
		t.Error("scheme names")
	}
	if amzauth.UnsignedPayload != sigv4.UnsignedPayload || amzauth.MaxExpires != sigv4.MaxExpires || sigv4a.MaxExpires != sigv4.MaxExpires {
		t.Error("UNSIGNED-PAYLOAD or the longest expiry differ")
	}
}
