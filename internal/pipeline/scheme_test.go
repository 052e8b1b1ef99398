package pipeline

import (
	"bytes"
	"slices"
	"strings"
	"testing"
)

func TestModeSchemesDefaultFirst(t *testing.T) {
	for _, tc := range []struct {
		m    Mode
		want []Scheme
	}{
		{Presign, []Scheme{SchemeSigV4, SchemeSigV2, SchemeSigV4a, SchemeGCSRSA, SchemeGCSHMAC, SchemeAzureSAS, SchemeCloudFront}},
		{Sign, []Scheme{SchemeSigV4, SchemeAzureHMAC, SchemeSigV4a}},
		{Verify, []Scheme{SchemeAuto, SchemeSigV4, SchemeSigV2, SchemeAzureHMAC, SchemeSigV4a, SchemeGCSRSA, SchemeGCSHMAC, SchemeAzureSAS, SchemeCloudFront}},
		{MacGenerate, []Scheme{SchemeKMSMac}},
		{MacVerify, []Scheme{SchemeKMSMac}},
	} {
		if got := tc.m.Schemes(); !slices.Equal(got, tc.want) {
			t.Errorf("%v: schemes %v, want %v", tc.m, got, tc.want)
		}
		if got := tc.m.DefaultScheme(); got != tc.want[0] {
			t.Errorf("%v: default %v, want %v", tc.m, got, tc.want[0])
		}
	}
}

// The schemes of presign and sign, as their errors list them.
const (
	presignSchemes = "sigv4, sigv2, sigv4a, gcs-rsa, gcs-hmac, azure-sas or cloudfront"
	signSchemes    = "sigv4, azure-hmac or sigv4a"
)

func TestParseSchemeNamesWhatTheModeSupports(t *testing.T) {
	for _, m := range []Mode{Presign, Sign, Verify, MacGenerate, MacVerify} {
		for _, s := range m.Schemes() {
			if got, err := m.ParseScheme(string(s)); err != nil || got != s {
				t.Errorf("%v.ParseScheme(%q) = %q, %v", m, s, got, err)
			}
		}
	}
	for _, tc := range []struct {
		m    Mode
		name string
		want string
	}{
		{Presign, "azure-hmac", `scheme "azure-hmac": presign supports ` + presignSchemes},
		{Sign, "sigv2", `scheme "sigv2": sign supports ` + signSchemes},
		{Sign, "SigV4", `scheme "SigV4": sign supports ` + signSchemes},
		{Sign, "gcs-rsa", `scheme "gcs-rsa": sign supports ` + signSchemes},
		{Presign, "", `scheme "": presign supports ` + presignSchemes},
		{MacGenerate, "sigv4", `scheme "sigv4": mac generate supports kms-mac`},
		{Verify, "kms-mac", `scheme "kms-mac": verify supports auto, sigv4, sigv2, azure-hmac, sigv4a, gcs-rsa, gcs-hmac, azure-sas or cloudfront`},
		{Presign, "auto", `scheme "auto": presign supports ` + presignSchemes},
	} {
		_, err := tc.m.ParseScheme(tc.name)
		if err == nil || err.Error() != tc.want {
			t.Errorf("%v.ParseScheme(%q) = %v, want %q", tc.m, tc.name, err, tc.want)
		}
	}
}

// TestConfigSchemeZeroIsTheDefault: a Config without a scheme runs its
// mode's default; one the mode does not support fails validation, naming
// what it supports.
func TestConfigSchemeZeroIsTheDefault(t *testing.T) {
	cfg := docConfig(Presign)
	if err := cfg.Validate(); err != nil {
		t.Fatal(err)
	}
	row := `{"id":"1","bucket":"examplebucket","key":"k"}` + "\n"
	def := runManifest(t, cfg, row, FormatNDJSON, Shard{})
	cfg.Scheme = SchemeSigV4
	v4 := runManifest(t, cfg, row, FormatNDJSON, Shard{})
	if def.err != nil || def.out != v4.out || !strings.Contains(def.out, "X-Amz-Signature=") {
		t.Errorf("default %+v\nsigv4 %+v", def, v4)
	}
	cfg.Scheme = SchemeAzureHMAC
	if err := cfg.Validate(); err == nil || !strings.Contains(err.Error(), "presign supports "+presignSchemes) {
		t.Errorf("presign under azure-hmac: %v", err)
	}
	var out bytes.Buffer
	w, _ := NewWriter(&out, FormatNDJSON, Presign, "")
	if _, err := Run(t.Context(), cfg, NewNDJSONReader(strings.NewReader(row)), w, NewRejectWriter(&out), nil); err == nil || out.Len() != 0 {
		t.Errorf("run of presign under azure-hmac: %v %q", err, out.String())
	}
	if _, err := NewWriter(&out, FormatNDJSON, Presign, SchemeAzureHMAC); err == nil || !strings.Contains(err.Error(), "presign supports") {
		t.Errorf("writer of presign under azure-hmac: %v", err)
	}
}
