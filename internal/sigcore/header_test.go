package sigcore

import (
	"errors"
	"strings"
	"testing"

	"github.com/batchsign/batchsign/sigerr"
)

func TestCheckHeaderFieldRefusesInjection(t *testing.T) {
	for _, tc := range []struct {
		name, value string
		ok          bool
	}{
		{"x-amz-meta-a", "v", true},
		{"Content-Type", "text/plain; charset=utf-8", true},
		{"x-amz-meta-tab", "a\tb", true},
		{"!#$%&'*+-.^_`|~09AZaz", "", true},
		{"x-amz-meta-a", "v\r\nInjected: 1", false},
		{"x-amz-meta-a", "v\nInjected: 1", false},
		{"x-amz-meta-a", "v\rx", false},
		{"x-amz-meta-a", "v\x00x", false},
		{"", "v", false},
		{"x-amz-meta-a\r\nInjected", "1", false},
		{"x amz", "v", false},
		{"x:amz", "v", false},
		{"x-\x00", "v", false},
		{"x-é", "v", false},
		{"(x)", "v", false},
	} {
		err := CheckHeaderField(tc.name, tc.value)
		if (err == nil) != tc.ok {
			t.Errorf("%q: %q: err %v, want ok=%v", tc.name, tc.value, err, tc.ok)
		}
		if err != nil {
			if !errors.Is(err, sigerr.ErrInvalidValue) {
				t.Errorf("%q: %v is not ErrInvalidValue", tc.name, err)
			}
			if strings.Contains(err.Error(), "Injected: 1") {
				t.Errorf("%q: the error quotes the value: %v", tc.name, err)
			}
		}
	}
}

func TestCheckHeaderFieldAllocatesNothing(t *testing.T) {
	if n := testing.AllocsPerRun(100, func() { _ = CheckHeaderField("x-amz-meta-a", "a fine value") }); n != 0 {
		t.Errorf("%v allocs", n)
	}
}
