package sigerr

import (
	"errors"
	"fmt"
	"testing"
)

func TestVerifyErrorIsItsReason(t *testing.T) {
	reasons := []VerifyReason{ErrSignatureMismatch, ErrExpired, ErrNotYetValid, ErrClockSkew, ErrUnknownKey, ErrWrongScope, ErrUnsignedHeader, ErrMalformed, ErrContentHashMismatch, ErrWrongPermission}
	codes := map[string]bool{}
	for _, r := range reasons {
		err := fmt.Errorf("row 7: %w", &VerifyError{Scheme: "sigv2", Reason: r, Field: "Expires", Detail: "detail"})
		for _, other := range reasons {
			if got := errors.Is(err, other); got != (other == r) {
				t.Errorf("errors.Is(%v, %v) = %v", r, other, got)
			}
		}
		if ReasonOf(err) != r {
			t.Errorf("ReasonOf(%v) = %v", r, ReasonOf(err))
		}
		var ve *VerifyError
		if !errors.As(err, &ve) || ve.Field != "Expires" {
			t.Errorf("errors.As(%v) failed", r)
		}
		if codes[r.Code()] || r.Code() == "unknown" || r.Code() == "none" {
			t.Errorf("code %q of %d is not unique", r.Code(), r)
		}
		codes[r.Code()] = true
	}
	if ReasonOf(nil) != 0 || ReasonOf(errors.New("x")) != 0 {
		t.Error("ReasonOf of a non-verify error is not 0")
	}
}

func TestVerifyErrorTextNamesSchemeReasonFieldAndDetail(t *testing.T) {
	e := &VerifyError{Scheme: "sigv2", Reason: ErrExpired, Field: "Expires", Detail: "1175139620 is before 1175139621"}
	if got, want := e.Error(), "sigv2: expired: Expires: 1175139620 is before 1175139621"; got != want {
		t.Errorf("Error() = %q, want %q", got, want)
	}
	if got, want := (&VerifyError{Reason: ErrMalformed}).Error(), "malformed"; got != want {
		t.Errorf("Error() = %q, want %q", got, want)
	}
}
