package awsconfig

import (
	"strconv"
	"time"
)

// CredentialSummary is what a run summary says about its credentials:
// where they came from, which key (by its last four characters) and how
// long they had left. It holds no secret.
type CredentialSummary struct {
	// Source is Resolved.CredentialSource.
	Source string `json:"source"`
	// AccessKeyIDLast4 is the access key ID's last four characters.
	AccessKeyIDLast4 string `json:"access_key_id_last4"`
	// Expires is the credentials' expiry; zero when they have none.
	Expires time.Time `json:"expires,omitzero"`
	// SecondsLeft is the time from the summary's instant to Expires, in
	// whole seconds (negative once expired); absent without an expiry.
	SecondsLeft *int64 `json:"seconds_left,omitempty"`
	// Refreshes counts the times a run that outlasted these credentials
	// took new ones from Provider (the caller sets it at the end of the
	// run); the other fields describe the first.
	Refreshes int64 `json:"refreshes"`
}

// Summary describes r's credentials at the instant at (the run's signing
// instant).
func (r Resolved) Summary(at time.Time) CredentialSummary {
	ak := r.Credentials.AccessKeyID
	s := CredentialSummary{Source: r.CredentialSource, AccessKeyIDLast4: ak[max(0, len(ak)-4):], Expires: r.Credentials.Expires}
	if !s.Expires.IsZero() {
		left := int64(s.Expires.Sub(at) / time.Second)
		s.SecondsLeft = &left
	}
	return s
}

// String is the summary's line: "credentials: container, key …WXYZ,
// 5h59m0s left (until 2026-11-23T18:00:00Z)".
func (s CredentialSummary) String() string {
	line := "credentials: " + s.Source + ", key …" + s.AccessKeyIDLast4
	switch {
	case s.Expires.IsZero():
		line += ", no expiry"
	case s.SecondsLeft == nil:
		line += ", until " + s.Expires.UTC().Format(time.RFC3339)
	case *s.SecondsLeft < 0:
		line += ", expired at " + s.Expires.UTC().Format(time.RFC3339)
	default:
		line += ", " + (time.Duration(*s.SecondsLeft) * time.Second).String() + " left (until " + s.Expires.UTC().Format(time.RFC3339) + ")"
	}
	switch {
	case s.Refreshes == 1:
		line += "; refreshed once"
	case s.Refreshes > 1:
		line += "; refreshed " + strconv.FormatInt(s.Refreshes, 10) + " times"
	}
	return line
}
