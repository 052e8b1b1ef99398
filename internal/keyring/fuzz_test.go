package keyring

import (
	"errors"
	"strings"
	"testing"
)

// FuzzParse: Parse never panics; a keyring it accepts finds every key by
// its id and by each alias; whatever it refuses, it refuses with ErrInvalid;
// Lookup of any name either finds a key or answers NotFoundException.
func FuzzParse(f *testing.F) {
	f.Add([]byte(`{"keys":[{"key_id":"k","aliases":["alias/a"],"algorithms":["HMAC_SHA_256"],"key_material":"`+b64(material32)+`"}]}`), "arn:aws:kms:r:1:alias/a")
	f.Add([]byte(`{"version":1,"keys":[{"key_id":"k","algorithms":["HMAC_SHA_224","HMAC_SHA_512"],"key_material":"SmVmZQ==","allow_any_length":true}]}`), "k")
	f.Add([]byte(`{"keys":[{"key_id":"k","algorithms":["HMAC_SHA_256"],"key_material":"\/\/\/\/"}]}`), "arn:aws:kms:r:1:key/k")
	f.Add([]byte(`{"keys":[{"key_id":"a.b-c_d","aliases":["alias/x/y"],"algorithms":["HMAC_SHA_384"],"key_material":"AAAA"}],"keys":null}`), "alias/x/y")
	f.Fuzz(func(t *testing.T, data []byte, name string) {
		r, err := Parse(data, "fuzz")
		if err != nil {
			if !errors.Is(err, ErrInvalid) {
				t.Fatalf("error %v is not ErrInvalid", err)
			}
			return
		}
		for _, k := range r.Keys() {
			if got, err := r.Lookup(k.ID); err != nil || got.ID != k.ID {
				t.Fatalf("Lookup(%q) = %v, %v", k.ID, got, err)
			}
			for _, a := range k.Aliases {
				if got, err := r.Lookup(a); err != nil || got.ID != k.ID {
					t.Fatalf("Lookup(%q) = %v, %v", a, got, err)
				}
				if got, err := r.Lookup("arn:aws:kms:us-east-1:111122223333:" + a); err != nil || got.ID != k.ID {
					t.Fatalf("Lookup(alias ARN %q) = %v, %v", a, got, err)
				}
			}
		}
		if _, err := r.Lookup(name); err != nil && !errors.Is(err, ErrKMSNotFound) {
			t.Fatalf("Lookup(%q) err = %v", name, err)
		}
		if strings.Contains(r.String(), "key_material") {
			t.Fatalf("String shows a field it should not: %s", r)
		}
	})
}
