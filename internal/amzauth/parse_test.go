package amzauth

import (
	"testing"
	"time"

	"github.com/batchsign/batchsign/internal/sigcore"
)

// checkParseDate: parseDate is time.Parse(dateLayout, ·): the same instant,
// location and error.
func checkParseDate(t *testing.T, v string) {
	t.Helper()
	got, err := parseDate(v)
	want, wantErr := time.Parse(dateLayout, v)
	if (err == nil) != (wantErr == nil) || (err != nil && err.Error() != wantErr.Error()) || got != want {
		t.Fatalf("%q: %v %v, time.Parse gives %v %v", v, got, err, want, wantErr)
	}
}

// checkEscapedScope: parseEscapedScope of a well-escaped credential is
// parseScope of the decoded one.
func checkEscapedScope(t *testing.T, v string) {
	t.Helper()
	if sigcore.CheckEscapes(v) != nil {
		return
	}
	dec, err := sigcore.URIUnescape(v)
	if err != nil {
		t.Fatalf("%q: CheckEscapes passed, URIUnescape: %v", v, err)
	}
	for _, f := range []Family{SigV4, SigV4a} {
		got, ok := f.parseEscapedScope(v)
		want, wantOK := f.parseScope(dec)
		if got != want || ok != wantOK {
			t.Fatalf("%q (%v): %+v %v, want %+v %v", v, f, got, ok, want, wantOK)
		}
	}
}

func TestParseDateIsTimeParse(t *testing.T) {
	for _, v := range []string{"20130524T000000Z", "20240229T235959Z", "20230229T000000Z", "21000229T000000Z", "20000229T120000Z",
		"20131324T000000Z", "20130532T000000Z", "20130431T000000Z", "20130524T240000Z", "20130524T006000Z", "20130524T000060Z",
		"00000101T000000Z", "2013052T0000000Z", "20130524X000000Z", "20130524T000000z", "+0130524T000000Z", "2013-524T000000Z", "", "20130524T000000"} {
		checkParseDate(t, v)
	}
	d := time.Date(2023, 1, 1, 0, 0, 0, 0, time.UTC)
	for range 800 { // every day of two years, a leap one among them
		checkParseDate(t, d.Format(dateLayout))
		d = d.Add(24*time.Hour + 61*time.Second)
	}
}

func TestParseEscapedScopeIsParseScope(t *testing.T) {
	for _, v := range []string{"AKID%2F20130524%2Fus-east-1%2Fs3%2Faws4_request", "AKID/20130524/us-east-1/s3/aws4_request",
		"AKID%2f20130524%2fus-east-1%2fs3%2faws4_request", "AK%41D%2F20130524%2Fus%2Deast-1%2Fs3%2Faws4_request",
		"AKID%2F20130524%2Fs3%2Faws4_request", "%2F%2F%2F%2F", "a/b/c/d/e/f", "", "AKID%252F20130524%2Fus-east-1%2Fs3%2Faws4_request",
		"AKID%2F2013052%2Fus-east-1%2Fs3%2Faws4_request", "AKID%2F20130524%2F%2Fs3%2Faws4_request"} {
		checkEscapedScope(t, v)
	}
}

func FuzzParseDate(f *testing.F) {
	for _, v := range []string{"20130524T000000Z", "20240229T235959Z", "20130532T000000Z"} {
		f.Add(v)
	}
	f.Fuzz(checkParseDate)
}

func FuzzParseEscapedScope(f *testing.F) {
	for _, v := range []string{"AKID%2F20130524%2Fus-east-1%2Fs3%2Faws4_request", "AKID/20130524/s3/aws4_request", "%2f%41"} {
		f.Add(v)
	}
	f.Fuzz(checkEscapedScope)
}
