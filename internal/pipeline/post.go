package pipeline

import (
	"errors"
	"strconv"
	"strings"
	"time"

	"github.com/batchsign/batchsign/internal/sigcore"
	"github.com/batchsign/batchsign/sigerr"
	"github.com/batchsign/batchsign/sigv4"
)

// The fields of presign-post rows beyond the request fields (modes' own
// text fields; see modeDef.fields).
const (
	// FieldKeyPrefix is "key_prefix": the browser chooses the key within
	// this prefix (["starts-with", "$key", prefix]); give it or key.
	FieldKeyPrefix = "key_prefix"
	// FieldContentType is "content_type": the upload's Content-Type, an
	// exact value ("image/png", sent in the form) or, ending in '*', a
	// prefix the browser's own Content-Type field must start with
	// ("image/*"; "*" allows any).
	FieldContentType = "content_type"
	// FieldContentLengthRange is "content_length_range": "MIN,MAX", the
	// file's size in bytes, both included ("[MIN, MAX]" also reads).
	FieldContentLengthRange = "content_length_range"
	// FieldACL is "acl": the canned ACL of the object (private,
	// public-read, bucket-owner-full-control, ...), a form field.
	FieldACL = "acl"
	// FieldSuccessActionStatus is "success_action_status": 200, 201 or
	// 204, the status S3 answers a good upload with.
	FieldSuccessActionStatus = "success_action_status"
)

// postModes declares presign-post: S3 POST policies under SigV4.
func postModes() []modeDef {
	return []modeDef{
		{mode: PresignPost, scheme: SchemeSigV4, about: "S3 POST policies (browser uploads) signed with SigV4: url and the form fields key, policy, x-amz-algorithm, x-amz-credential, x-amz-date, x-amz-signature",
			validate: (*Config).validateCredentials,
			newRow:   func(w *worker) rowFunc { return (&poster{w: w, set: newFieldSet()}).post },
			fields: []string{FieldID, FieldBucket, FieldKey, FieldKeyPrefix, FieldRegion, FieldExpires, FieldContentType,
				FieldContentLengthRange, FieldACL, FieldSuccessActionStatus, FieldHeaders},
			refuses: []string{FieldURL, FieldMethod, FieldService, FieldQuery, FieldContentSHA256, FieldBodyFile, FieldPayload, FieldBody},
			out:     postTable()},
	}
}

// postTable is presign-post's output: id, url (the form's action), fields
// (the form fields in order; one JSON object cell in CSV), expires_at.
func postTable() table {
	return table{"PresignPostRecord", []Column{
		{Name: "id"}, {Name: "url"}, {Name: "fields", Kind: HeadersColumn}, {Name: "expires_at", Kind: TimeColumn},
	}}
}

// PresignPostRecord is the Parquet schema of presign-post output. Parquet
// stores the fields map sorted by name; NDJSON and CSV keep the form's order.
type PresignPostRecord struct {
	ID        string            `parquet:"id"`
	URL       string            `parquet:"url"`
	Fields    map[string]string `parquet:"fields"`
	ExpiresAt string            `parquet:"expires_at"` // RFC 3339, UTC
}

// poster is a worker's presign-post state: scratch for a row's form fields.
type poster struct {
	w      *worker
	set    *fieldSet
	fields []sigv4.PostField
	conds  []sigv4.PostCondition
	out    []sigv4.Header
}

// post signs r as an S3 POST policy.
func (st *poster) post(r *Row, b *Batch) error {
	w := st.w
	if err := checkUTF8(FieldID, r.ID); err != nil {
		return err
	}
	if err := refuseFields(r, postRefused); err != nil {
		return err
	}
	f := st.set
	keyPrefix := f.ownField(r, FieldKeyPrefix)
	switch {
	case r.Bucket == "":
		return fieldErr(FieldBucket, sigerr.ErrMissingField)
	case r.Key == "" && keyPrefix == "":
		return fieldErr(FieldKey, detail(sigerr.ErrMissingField, "give key, or key_prefix for a key the browser chooses"))
	case r.Key != "" && keyPrefix != "":
		return fieldErr(FieldKeyPrefix, detail(ErrConflict, "give key or key_prefix, not both"))
	}
	expires, clamped, err := w.expiresFor(r)
	if err != nil {
		return err
	}
	a, region, err := w.bucketTarget(r)
	if err != nil {
		return err
	}
	s, err := w.signer(region, "s3")
	if err != nil {
		return err
	}

	st.fields, st.conds = st.fields[:0], st.conds[:0]
	if v := f.ownField(r, FieldACL); v != "" {
		st.fields = append(st.fields, sigv4.PostField{Name: "acl", Value: v})
	}
	if v := f.ownField(r, FieldContentType); v != "" {
		if p, ok := strings.CutSuffix(v, "*"); ok {
			st.conds = append(st.conds, sigv4.StartsWith("Content-Type", p))
		} else {
			st.fields = append(st.fields, sigv4.PostField{Name: "Content-Type", Value: v})
		}
	}
	if v := f.ownField(r, FieldSuccessActionStatus); v != "" {
		if v != "200" && v != "201" && v != "204" {
			return fieldErr(FieldSuccessActionStatus, detail(sigerr.ErrInvalidValue, "want 200, 201 or 204, got "+sigcore.QuoteForError(v)))
		}
		st.fields = append(st.fields, sigv4.PostField{Name: "success_action_status", Value: v})
	}
	if v := f.ownField(r, FieldContentLengthRange); v != "" {
		lo, hi, err := parseLengthRange(v)
		if err != nil {
			return err
		}
		st.conds = append(st.conds, sigv4.ContentLengthRange(lo, hi))
	}
	for _, h := range r.Headers {
		st.fields = append(st.fields, sigv4.PostField{Name: h.Name, Value: h.Value})
	}

	url := a.Scheme + "://" + a.Host + "/"
	if a.Bucket != "" {
		url += sigcore.URIEscape(a.Bucket, false) + "/"
	}
	form, err := s.SignPostPolicy(&sigv4.PostPolicy{URL: url, Bucket: r.Bucket, Key: r.Key, KeyPrefix: keyPrefix,
		Expires: expires, Fields: st.fields, Conditions: st.conds})
	if err != nil {
		return postFieldErr(err)
	}
	st.out = st.out[:0]
	for _, fl := range form.Fields {
		st.out = append(st.out, sigv4.Header{Name: fl.Name, Value: fl.Value})
	}
	w.rec = append(w.rec[:0], stringValue(r.ID), stringValue(form.URL), headersValue(st.out),
		timeValue(w.t.Add(time.Duration(expires)*time.Second)))
	b.out = w.enc.AppendRecord(b.out, &w.rec)
	if clamped {
		b.clamped++
	}
	return nil
}

// postRefused are the request fields a POST policy row cannot use, and why.
var postRefused = []struct{ field, why string }{
	{FieldURL, "a POST form addresses a bucket: give bucket and key or key_prefix"},
	{FieldMethod, "a POST form is always a POST"},
	{FieldService, "POST policies are S3's"},
	{FieldQuery, "a POST form has fields, not query parameters: give them in headers"},
	{FieldContentSHA256, "a POST policy does not bind the body's hash"},
	{FieldBodyFile, "a POST policy does not bind the body"},
	{FieldPayload, "a POST policy does not bind the body"},
	{FieldBody, "a POST policy does not bind the body"},
}

// refuseFields rejects r for the first listed field it gives.
func refuseFields(r *Row, refused []struct{ field, why string }) error {
	for _, f := range refused {
		var given bool
		switch f.field {
		case FieldURL:
			given = r.URL != ""
		case FieldMethod:
			given = r.Method != ""
		case FieldService:
			given = r.Service != ""
		case FieldQuery:
			given = len(r.Query) > 0
		case FieldContentSHA256:
			given = r.ContentSHA256 != ""
		case FieldBodyFile:
			given = r.BodyFile != ""
		case FieldPayload:
			given = r.Payload != ""
		case FieldBody:
			given = r.Body != ""
		}
		if given {
			return fieldErr(f.field, detail(ErrConflict, f.why))
		}
	}
	return nil
}

// postFieldErr maps the signer's field names to the manifest's: the
// signer's "fields" are the row's headers.
func postFieldErr(err error) error {
	var fe *sigerr.FieldError
	if errors.As(err, &fe) && (fe.Field == "fields" || fe.Field == "conditions") {
		return fieldErr(FieldHeaders, fe.Err)
	}
	return err
}

// parseLengthRange reads "MIN,MAX" (optionally bracketed, spaces allowed).
func parseLengthRange(v string) (lo, hi int64, err error) {
	s := strings.TrimSpace(v)
	if t, ok := strings.CutPrefix(s, "["); ok {
		if s, ok = strings.CutSuffix(t, "]"); !ok {
			return 0, 0, rangeErr(v)
		}
	}
	a, b, ok := strings.Cut(s, ",")
	if !ok {
		return 0, 0, rangeErr(v)
	}
	lo, err1 := strconv.ParseInt(strings.TrimSpace(a), 10, 64)
	hi, err2 := strconv.ParseInt(strings.TrimSpace(b), 10, 64)
	if err1 != nil || err2 != nil || lo < 0 || hi < lo {
		return 0, 0, rangeErr(v)
	}
	return lo, hi, nil
}

func rangeErr(v string) error {
	return fieldErr(FieldContentLengthRange, detail(sigerr.ErrInvalidValue, "want \"MIN,MAX\" bytes with 0 <= MIN <= MAX, got "+sigcore.QuoteForError(v)))
}
