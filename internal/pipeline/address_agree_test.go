package pipeline

import (
	"encoding/json"
	"errors"
	"strconv"
	"strings"
	"testing"

	"github.com/batchsign/batchsign/azurehmac"
	"github.com/batchsign/batchsign/internal/sha256block"
	"github.com/batchsign/batchsign/sigerr"
	"github.com/batchsign/batchsign/sigv2"
	"github.com/batchsign/batchsign/sigv4"
)

// hostileURL is a url as a manifest or a verifier may get it, and whether it
// is one batchsign signs and verifies (sigcore.SplitURL's rules).
type hostileURL struct {
	url string
	ok  bool
}

// hostileURLs varies one part of a good URL at a time: the scheme, the
// authority (issue 14 item 15: ports, labels, host lengths; user
// information), the path and the query (issue 15: spaces, control bytes,
// non-ASCII, fragments, bytes a request target cannot carry).
func hostileURLs() []hostileURL {
	var us []hostileURL
	for _, a := range []struct {
		authority string
		ok        bool
	}{
		{"b.s3.us-east-1.amazonaws.com", true}, {"127.0.0.1:9000", true}, {"[::1]:9000", true}, {"[2001:db8::7]", true},
		{"my_minio-1:65535", true}, {"H.EXAMPLE:1", true}, {strings.Repeat("a", 63) + ".example", true},
		{strings.Repeat("a.", 126) + "a", true},
		{"h:0", false}, {"h:65536", false}, {"h:99999", false}, {"h:", false}, {"h:080", false}, {"h:+80", false}, {"h: 80", false},
		{strings.Repeat("a", 300) + ".example", false}, {strings.Repeat("abcdefghi.", 12200) + "com", false},
		{strings.Repeat("a.", 127) + "a", false}, {"a..b", false}, {".a", false}, {"a.", false},
		{"user:SECRETpw@h", false}, {"SECRETpw@h", false}, {"@h", false},
		{"h h", false}, {"h\x00", false}, {"h\x1f", false}, {"h\x7f", false}, {"h\u00e9", false}, {"h\xff", false},
		{"1.2.3.256", false}, {"01.2.3.4", false}, {"[::1", false}, {"[fe80::1%25en0]", false}, {"h$", false},
	} {
		us = append(us, hostileURL{"https://" + a.authority + "/bkt/k", a.ok})
	}
	for _, p := range []struct {
		path string
		ok   bool
	}{
		{"/bkt/a%20b", true}, {"/bkt/a+b=c;d,(e)~!$&'*:@", true}, {"/bkt/", true}, {"", true},
		{"/bkt/a b", false}, {"/bkt/a\x00", false}, {"/bkt/a\t", false}, {"/bkt/a\r\nX: 1", false}, {"/bkt/a\x7f", false},
		{"/bkt/caf\u00e9", false}, {"/bkt/\xff", false}, {"/bkt/a#b", false}, {"/bkt/a#", false},
		{"/bkt/a|b", false}, {"/bkt/a\"b", false}, {"/bkt/a<b>", false}, {"/bkt/a\\b", false}, {"/bkt/a{b}", false},
		{"/bkt/a[b]", false}, {"/bkt/a^b", false}, {"/bkt/a`b", false}, {"/bkt/a%zz", false}, {"/bkt/a%2", false},
	} {
		us = append(us, hostileURL{"https://b.s3.us-east-1.amazonaws.com" + p.path, p.ok})
	}
	for _, q := range []struct {
		query string
		ok    bool
	}{
		{"versionId=1", true}, {"a=%23&b=/?", true},
		{"a=b c", false}, {"a=\x01", false}, {"a=\u00e9", false}, {"a=#b", false}, {"#", false}, {"a=%g0", false}, {"a={}", false},
	} {
		us = append(us, hostileURL{"https://b.s3.us-east-1.amazonaws.com/bkt/k?" + q.query, q.ok})
	}
	return append(us, []hostileURL{
		{"HTTPS://b.s3.us-east-1.amazonaws.com/bkt/k", true}, {"http://127.0.0.1:9000/bkt/k", true},
		{"ftp://h/bkt/k", false}, {"https:/h/bkt/k", false}, {"//h/bkt/k", false}, {"https:///bkt/k", false},
	}...)
}

// refusedURL reports whether a verifier called the url malformed.
func refusedURL(err error) bool {
	var ve *sigerr.VerifyError
	return errors.As(err, &ve) && ve.Reason == sigerr.ErrMalformed && ve.Field == FieldURL
}

// withQuery appends parameters to u's query.
func withQuery(u, params string) string {
	if strings.Contains(u, "?") {
		return u + "&" + params
	}
	return u + "?" + params
}

// rejectFields maps row ids to the field their reject names.
func rejectFields(t *testing.T, rejects string) map[string]string {
	t.Helper()
	m := map[string]string{}
	for _, l := range lines(rejects) {
		var rj Reject
		if err := json.Unmarshal([]byte(l), &rj); err != nil {
			t.Fatal(err)
		}
		if strings.Contains(rj.Error, "SECRET") {
			t.Errorf("reject echoes user information: %s", l)
		}
		m[rj.ID] = rj.Field
	}
	return m
}

// TestSigningAndVerifyAgreeOnURLs feeds the same hostile URLs to every
// signing entry point (presign and sign url rows under SigV4, SigV2 presign
// rows, Azure HMAC sign rows and azurehmac.Sign, --endpoint-url) and to every
// verifier (SigV4, SigV2, Azure HMAC, directly and as verify rows): all
// accept or all refuse, refusals name the url field and echo no user
// information, and what is signed verifies.
func TestSigningAndVerifyAgreeOnURLs(t *testing.T) {
	us := hostileURLs()
	var rows strings.Builder
	for i, u := range us {
		rows.WriteString(`{"id":"` + strconv.Itoa(i) + `","url":` + quote(u.url) + "}\n")
	}
	azureKey := []byte("an azure key")
	signers := []struct {
		name string
		cfg  Config
	}{
		{"presign sigv4", docConfig(Presign)},
		{"sign sigv4", docConfig(Sign)},
		{"presign sigv2", func() Config { c := docConfig(Presign); c.Scheme = SchemeSigV2; return c }()},
		{"sign azure-hmac", Config{Mode: Sign, Scheme: SchemeAzureHMAC, AzureKey: azureKey, Time: docTime, Workers: 2, BatchSize: 4}},
	}
	var signed strings.Builder
	for _, sg := range signers {
		res := runManifest(t, sg.cfg, rows.String(), FormatNDJSON, Shard{})
		if res.err != nil {
			t.Fatalf("%s: %v", sg.name, res.err)
		}
		rejected := rejectFields(t, res.rejects)
		for i, u := range us {
			field, refused := rejected[strconv.Itoa(i)]
			if refused == u.ok || (refused && field != FieldURL) {
				t.Errorf("%s: url %.60q: rejected = %v (field %q), want ok = %v", sg.name, u.url, refused, field, u.ok)
			}
		}
		if sg.name != "sign azure-hmac" {
			signed.WriteString(res.out)
		}
	}

	// What the SigV4 and SigV2 rows signed verifies.
	vcfg := docConfig(Verify)
	vcfg.Time = docTime.Add(1)
	res := runManifest(t, vcfg, signed.String(), FormatNDJSON, Shard{})
	good := 0
	for _, u := range us {
		if u.ok {
			good++
		}
	}
	if res.err != nil || res.rejects != "" || res.stats.Verify == nil || res.stats.Verify.Invalid != 0 || res.stats.Verify.Valid != int64(3*good) {
		t.Fatalf("signed rows do not all verify (%d good URLs): %v %s %+v", good, res.err, res.rejects, res.stats.Verify)
	}

	const v4Params = "X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AKIAIOSFODNN7EXAMPLE%2F20130524%2Fus-east-1%2Fs3%2Faws4_request" +
		"&X-Amz-Date=20130524T000000Z&X-Amz-Expires=60&X-Amz-SignedHeaders=host&X-Amz-Signature=00"
	const v2Params = "AWSAccessKeyId=AKIAIOSFODNN7EXAMPLE&Expires=1369353660&Signature=AAAA"
	lookup := func(id string) (string, bool) { return docCreds.SecretAccessKey, id == docCreds.AccessKeyID }
	empty := sha256block.Sum256(nil)
	azHeaders := map[string]string{
		"x-ms-date":           string(azurehmac.AppendDate(nil, docTime)),
		"x-ms-content-sha256": string(azurehmac.AppendContentHash(nil, &empty)),
		"authorization":       "HMAC-SHA256 SignedHeaders=x-ms-date;host;x-ms-content-sha256&Signature=AAAA",
	}
	var vrows strings.Builder
	for i, u := range us {
		id := strconv.Itoa(i)
		_, perr := ParseURL(u.url)
		_, aerr := azurehmac.Sign(azureKey, "GET", u.url, nil, docTime)
		results := map[string]bool{
			"ParseURL":             perr == nil,
			"azurehmac.Sign":       aerr == nil,
			"sigv4.Verify":         !refusedURL(sigv4.VerifyPresignedURL("GET", withQuery(u.url, v4Params), nil, "", lookup, sigv4.VerifyOptions{Now: docTime})),
			"sigv4.Verify headers": !refusedURL(sigv4.VerifyRequest("GET", u.url, nil, "", lookup, sigv4.VerifyOptions{Now: docTime})),
			"sigv2.Verify":         !refusedURL(sigv2.VerifyPresigned(withQuery(u.url, v2Params), lookup, docTime, nil)),
			"azurehmac.Verify":     !refusedURL(azurehmac.Verify("GET", u.url, func(n string) string { return azHeaders[n] }, nil, azureKey, docTime)),
		}
		for name, ok := range results {
			if ok != u.ok {
				t.Errorf("%s: url %.60q: ok = %v, want %v", name, u.url, ok, u.ok)
			}
		}
		for _, e := range []error{perr, aerr} {
			if e != nil && strings.Contains(e.Error(), "SECRET") {
				t.Errorf("error echoes user information: %v", e)
			}
		}
		vrows.WriteString(`{"id":"v4-` + id + `","url":` + quote(withQuery(u.url, v4Params)) + "}\n")
		vrows.WriteString(`{"id":"v2-` + id + `","url":` + quote(withQuery(u.url, v2Params)) + "}\n")
		vrows.WriteString(`{"id":"az-` + id + `","url":` + quote(u.url) + `,"headers":{"Authorization":` + quote(azHeaders["authorization"]) +
			`,"x-ms-date":` + quote(azHeaders["x-ms-date"]) + `,"x-ms-content-sha256":` + quote(azHeaders["x-ms-content-sha256"]) + "}}\n")
	}

	// The same judgements through verify rows: malformed exactly for the
	// URLs nothing signs.
	vcfg.AzureKey = azureKey
	res = runManifest(t, vcfg, vrows.String(), FormatNDJSON, Shard{})
	if res.err != nil || res.rejects != "" || len(lines(res.out)) != 3*len(us) {
		t.Fatalf("verify rows: %v %s", res.err, res.rejects)
	}
	for _, l := range lines(res.out) {
		var rec struct{ ID, Reason, Scheme string }
		if err := json.Unmarshal([]byte(l), &rec); err != nil {
			t.Fatal(err)
		}
		i, _ := strconv.Atoi(rec.ID[strings.IndexByte(rec.ID, '-')+1:])
		if (rec.Reason == "malformed") == us[i].ok {
			t.Errorf("verify row %s (%s): url %.60q: reason %q, want ok = %v", rec.ID, rec.Scheme, us[i].url, rec.Reason, us[i].ok)
		}
	}
}

// TestEndpointURLAgreesWithURLRows: --endpoint-url takes exactly the
// authorities url rows take.
func TestEndpointURLAgreesWithURLRows(t *testing.T) {
	for _, u := range hostileURLs() {
		ep, ok := strings.CutSuffix(u.url, "/bkt/k")
		if !ok {
			continue
		}
		_, err := ParseEndpoint(ep)
		if (err == nil) != u.ok {
			t.Errorf("ParseEndpoint(%.60q) = %v, want ok = %v", ep, err, u.ok)
		}
		if err != nil && strings.Contains(err.Error(), "SECRET") {
			t.Errorf("error echoes user information: %v", err)
		}
	}
}
