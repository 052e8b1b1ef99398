package azuresas

import (
	"strings"
	"testing"
	"time"

	"github.com/batchsign/batchsign/sigerr"
)

// TestVerifyReasons: each way a SAS URL fails has its reason, checked in
// the documented order; the URLs the Signer writes pass.
func TestVerifyReasons(t *testing.T) {
	cred, err := NewCredential(DevelopmentAccount, DevelopmentKey)
	if err != nil {
		t.Fatal(err)
	}
	s, err := NewSigner(cred)
	if err != nil {
		t.Fatal(err)
	}
	at := time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC)
	sign := func(p Presign) string {
		t.Helper()
		if p.Container == "" {
			p.Container = "exports"
		}
		if p.Expiry.IsZero() {
			p.Expiry = at.Add(time.Hour)
		}
		u, err := s.PresignURL(&p)
		if err != nil {
			t.Fatal(err)
		}
		return u
	}
	https := Presign{Method: "GET", Blob: "a b.txt", Endpoint: "https://devstoreaccount1.blob.core.windows.net"}
	good := sign(https)
	local := sign(Presign{Method: "GET", Blob: "a b.txt"})
	lookup := func(a string) (Credential, bool) { return cred, a == DevelopmentAccount }
	v := NewVerifier(lookup, at)
	for _, tc := range []struct {
		name, method, url string
		want              sigerr.VerifyReason
	}{
		{"good https", "GET", good, 0},
		{"good path-style http", "HEAD", local, 0},
		{"good container SAS for a blob in it", "GET", strings.Replace(sign(Presign{Permissions: "rl"}), "/exports?", "/exports/any/blob?", 1), 0},
		{"spr absent allows http", "GET", "", 0}, // filled below
		{"not a URL", "GET", "exports/a", sigerr.ErrMalformed},
		{"POST", "POST", good, sigerr.ErrMalformed},
		{"sig missing", "GET", good[:strings.Index(good, "&sig=")], sigerr.ErrMalformed},
		{"sv twice", "GET", good + "&sv=2022-11-02", sigerr.ErrMalformed},
		{"old sv", "GET", strings.Replace(good, "sv=2022-11-02", "sv=2019-12-12", 1), sigerr.ErrMalformed},
		{"stored policy", "GET", good + "&si=policy1", sigerr.ErrMalformed},
		{"snapshot resource", "GET", strings.Replace(good, "&sr=b&", "&sr=bs&", 1), sigerr.ErrMalformed},
		{"blob SAS on the container", "GET", strings.Replace(good, "/a%20b.txt?", "?", 1), sigerr.ErrMalformed},
		{"bad se", "GET", strings.Replace(good, "se=2026-11-23T13%3A00%3A00Z", "se=tomorrow", 1), sigerr.ErrMalformed},
		{"unknown account", "GET", strings.Replace(good, "devstoreaccount1.", "otheraccount.", 1), sigerr.ErrUnknownKey},
		{"other blob", "GET", strings.Replace(good, "a%20b.txt", "a%20c.txt", 1), sigerr.ErrSignatureMismatch},
		{"sig not base64", "GET", good[:strings.Index(good, "&sig=")] + "&sig=!!", sigerr.ErrSignatureMismatch},
		{"later expiry", "GET", strings.Replace(good, "T13%3A00", "T14%3A00", 1), sigerr.ErrSignatureMismatch},
		{"https-only SAS over http", "GET", strings.Replace(good, "https://", "http://", 1), sigerr.ErrWrongScope},
		{"read SAS for PUT", "PUT", good, sigerr.ErrWrongPermission},
		{"read SAS for DELETE", "DELETE", good, sigerr.ErrWrongPermission},
		{"expired", "GET", sign(Presign{Method: "GET", Blob: "x", Expiry: at}), sigerr.ErrExpired},
		{"not yet valid", "GET", sign(Presign{Method: "GET", Blob: "x", Start: at.Add(time.Minute)}), sigerr.ErrNotYetValid},
		{"started", "GET", sign(Presign{Method: "GET", Blob: "x", Start: at}), 0},
	} {
		if tc.name == "spr absent allows http" {
			// A SAS without spr allows both protocols: sign one by hand.
			q := params{sp: "r", se: "2026-11-23T13:00:00Z", sv: Version, sr: "b"}
			s.sts = appendStringToSign(s.sts[:0], &q, DevelopmentAccount, "exports", "x")
			sig := string(s.appendSignature(nil))
			tc.url = "http://127.0.0.1:10000/devstoreaccount1/exports/x?sv=" + Version + "&se=2026-11-23T13:00:00Z&sr=b&sp=r&sig=" + strings.NewReplacer("+", "%2B", "/", "%2F", "=", "%3D").Replace(sig)
		}
		err := v.PresignedURL(tc.method, tc.url)
		if got := sigerr.ReasonOf(err); got != tc.want || (err != nil && got == 0) {
			t.Errorf("%s: got %v (%v), want %v", tc.name, got, err, tc.want)
		}
		if err != nil && strings.Contains(err.Error(), DevelopmentKey[:20]) {
			t.Errorf("%s: the error shows the key", tc.name)
		}
	}
	if err := NewVerifier(nil, at).PresignedURL("GET", good); sigerr.ReasonOf(err) != sigerr.ErrUnknownKey {
		t.Errorf("no lookup: %v", err)
	}
}

// TestSignerRefusesWhatItCannotSign: the bad inputs name their field.
func TestSignerRefusesWhatItCannotSign(t *testing.T) {
	s := benchSigner(t)
	at := time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		p     Presign
		field string
	}{
		{Presign{Method: "GET", Container: "Ex", Blob: "b", Expiry: at}, "bucket"},
		{Presign{Method: "GET", Container: "a--b", Blob: "b", Expiry: at}, "bucket"},
		{Presign{Method: "GET", Container: "exports", Blob: `a\b`, Expiry: at}, "key"},
		{Presign{Method: "GET", Container: "exports", Blob: "a\xffb", Expiry: at}, "key"},
		{Presign{Method: "GET", Container: "exports", Blob: strings.Repeat("é", 1025), Expiry: at}, "key"},
		{Presign{Method: "GET", Container: "exports", Blob: "b", Permissions: "rr", Expiry: at}, "permissions"},
		{Presign{Method: "GET", Container: "exports", Blob: "b", Permissions: "l", Expiry: at}, "permissions"},
		{Presign{Method: "PATCH", Container: "exports", Blob: "b", Expiry: at}, "method"},
		{Presign{Method: "GET", Container: "exports", Blob: "b"}, "expires"},
		{Presign{Method: "GET", Container: "exports", Blob: "b", Start: at, Expiry: at}, "expires"},
		{Presign{Method: "GET", Container: "exports", Blob: "b", Expiry: at, Endpoint: "https://h/?q"}, "url"},
	} {
		_, err := s.PresignURL(&tc.p)
		if err == nil || !strings.HasPrefix(err.Error(), tc.field+": ") {
			t.Errorf("%+v: %v, want an error for %s", tc.p, err, tc.field)
		}
	}
}
