package gcs

import (
	"encoding/base64"
	"strconv"
	"time"

	"github.com/batchsign/batchsign/internal/postpolicy"
	"github.com/batchsign/batchsign/internal/sigcore"
	"github.com/batchsign/batchsign/sigerr"
)

// PostPolicy describes a V4 POST policy: an HTML form with which a browser
// uploads one object straight into a bucket (XML API "POST Object"). The
// signer turns it into the form's URL and hidden fields; the browser adds
// the file as the last field.
type PostPolicy struct {
	// Scheme, Host and Style place the form's action URL as for Presign:
	// https://storage.googleapis.com/bucket/ by default,
	// https://bucket.storage.googleapis.com/ virtual-hosted,
	// https://host/ bucket-bound.
	Scheme string
	Host   string
	Style  URLStyle
	// Bucket is the bucket uploads go to; always part of the policy, even
	// when the URL is bucket-bound.
	Bucket string
	// Object is the name the upload gets: the form's key field and an
	// exact-match condition on it. Leave it empty to let the browser
	// choose the name within a StartsWith("key", prefix) condition, which
	// is then required.
	Object string
	// Expires is how many seconds after the signing instant the policy
	// accepts uploads, 1…604800.
	Expires int64
	// Fields are further form fields (acl, cache-control, content-type,
	// success_action_status, success_action_redirect, x-goog-meta-*, ...),
	// in order. Each is also an exact-match condition, unless its name
	// starts with "x-ignore-". Names may not repeat nor be one the signer
	// sets (bucket, key, policy, file, x-goog-algorithm,
	// x-goog-credential, x-goog-date, x-goog-signature).
	Fields []PostField
	// Conditions are further conditions, written before the fields' own.
	Conditions []PostCondition
}

// PostField is one form field, a name and its value.
type PostField = postpolicy.Field

// PostCondition is one condition of a policy document beyond a field's
// exact match. Make one with StartsWith or ContentLengthRange.
type PostCondition = postpolicy.Condition

// StartsWith is ["starts-with", "$field", prefix]: the form's field must
// begin with prefix ("" allows any value). field may be given with or
// without its leading '$'.
func StartsWith(field, prefix string) PostCondition { return postpolicy.StartsWith(field, prefix) }

// ContentLengthRange is ["content-length-range", min, max]: the uploaded
// file's size in bytes must be within [min, max].
func ContentLengthRange(min, max int64) PostCondition { return postpolicy.ContentLengthRange(min, max) }

// PostForm is a signed POST policy: where the form goes and the fields it
// must carry, in this order: key (unless the browser chooses it), the
// caller's fields, x-goog-algorithm, x-goog-credential, x-goog-date,
// x-goog-signature and policy. The file field goes after them all.
type PostForm struct {
	URL    string
	Fields []PostField
}

// reservedFields are the names the signer sets in a form.
var reservedFields = []string{"bucket", "key", "policy", "file", "x-goog-algorithm", "x-goog-credential", "x-goog-date", "x-goog-signature"}

// SignPostPolicy signs p: the policy document is
// {"conditions":[...],"expiration":"2006-01-02T15:04:05Z"} with the
// caller's conditions, then one exact-match condition per field, then
// bucket, key, x-goog-date, x-goog-credential and x-goog-algorithm, as
// Google's clients write it (non-ASCII escaped as \uXXXX); the policy field
// is its base64, and x-goog-signature is the hex RSA signature or HMAC of
// that base64 text. Google's 11 conformance policies are reproduced byte
// for byte.
func (s *Signer) SignPostPolicy(p *PostPolicy) (*PostForm, error) {
	if p.Expires < 1 || p.Expires > MaxExpires {
		return nil, sigcore.FieldErr("expires", sigcore.WithDetail(ErrExpiresRange, "got "+strconv.FormatInt(p.Expires, 10)))
	}
	if err := checkBucket(p.Bucket); err != nil {
		return nil, err
	}
	if err := checkObject("object", p.Object); err != nil {
		return nil, err
	}
	scheme := p.Scheme
	switch scheme {
	case "":
		scheme = "https"
	case "https", "http":
	default:
		return nil, sigcore.FieldErr("scheme", sigcore.WithDetail(sigerr.ErrInvalidValue, sigcore.QuoteForError(p.Scheme)+", want https or http"))
	}
	host := p.Host
	if host == "" && p.Style != BucketBoundHostname {
		host = DefaultHost
	}
	if err := checkHost("host", host); err != nil {
		return nil, err
	}
	var url string
	switch p.Style {
	case PathStyle:
		url = scheme + "://" + host + "/" + p.Bucket + "/"
	case VirtualHostedStyle:
		url = scheme + "://" + p.Bucket + "." + host + "/"
	case BucketBoundHostname:
		url = scheme + "://" + host + "/"
	default:
		return nil, sigcore.FieldErr("style", sigcore.WithDetail(sigerr.ErrInvalidValue, "unknown URL style "+strconv.Itoa(int(p.Style))))
	}

	doc := make([]byte, 0, 512)
	doc = append(doc, `{"conditions":[`...)
	doc, keyLimited, err := postpolicy.AppendConditions(doc, appendJSONString, p.Conditions)
	if err != nil {
		return nil, err
	}
	if p.Object == "" && !keyLimited {
		return nil, sigcore.FieldErr("object", sigcore.WithDetail(sigerr.ErrMissingField, "give the object name or a StartsWith(\"key\", prefix) condition"))
	}
	if doc, err = postpolicy.AppendFields(doc, appendJSONString, p.Fields, reservedFields, ErrReservedParam); err != nil {
		return nil, err
	}
	credential := s.id + "/" + s.scope
	doc = postpolicy.AppendPair(doc, appendJSONString, "bucket", p.Bucket)
	if p.Object != "" {
		doc = postpolicy.AppendPair(doc, appendJSONString, "key", p.Object)
	}
	doc = postpolicy.AppendPair(doc, appendJSONString, "x-goog-date", s.date)
	doc = postpolicy.AppendPair(doc, appendJSONString, "x-goog-credential", credential)
	doc = postpolicy.AppendPair(doc, appendJSONString, "x-goog-algorithm", s.alg)
	doc = doc[:len(doc)-1] // the last ','
	doc = append(doc, `],"expiration":"`...)
	doc = s.t.Add(time.Duration(p.Expires)*time.Second).AppendFormat(doc, "2006-01-02T15:04:05Z")
	doc = append(doc, `"}`...)

	policy := base64.StdEncoding.EncodeToString(doc)
	sig, err := s.appendSignature(nil, []byte(policy))
	if err != nil {
		return nil, err
	}
	form := &PostForm{URL: url, Fields: make([]PostField, 0, len(p.Fields)+6)}
	if p.Object != "" {
		form.Fields = append(form.Fields, PostField{Name: "key", Value: p.Object})
	}
	form.Fields = append(form.Fields, p.Fields...)
	form.Fields = append(form.Fields,
		PostField{Name: "x-goog-algorithm", Value: s.alg},
		PostField{Name: "x-goog-credential", Value: credential},
		PostField{Name: "x-goog-date", Value: s.date},
		PostField{Name: "x-goog-signature", Value: string(sig)},
		PostField{Name: "policy", Value: policy},
	)
	return form, nil
}

// appendJSONString appends s as a JSON string the way Google's clients
// write policy documents (JavaScript's JSON.stringify, then every
// character from U+0080 up as \uXXXX with lower-case hex, UTF-16
// surrogate pairs above U+FFFF), so the document is ASCII. s must be valid
// UTF-8.
func appendJSONString(dst []byte, s string) []byte {
	const hexDigits = "0123456789abcdef"
	u4 := func(dst []byte, r rune) []byte {
		return append(dst, '\\', 'u', hexDigits[r>>12&15], hexDigits[r>>8&15], hexDigits[r>>4&15], hexDigits[r&15])
	}
	dst = append(dst, '"')
	for _, r := range s {
		switch {
		case r == '"' || r == '\\':
			dst = append(dst, '\\', byte(r))
		case r == '\b':
			dst = append(dst, `\b`...)
		case r == '\f':
			dst = append(dst, `\f`...)
		case r == '\n':
			dst = append(dst, `\n`...)
		case r == '\r':
			dst = append(dst, `\r`...)
		case r == '\t':
			dst = append(dst, `\t`...)
		case r < 0x20:
			dst = u4(dst, r)
		case r < 0x80:
			dst = append(dst, byte(r))
		case r <= 0xffff:
			dst = u4(dst, r)
		default:
			r -= 0x10000
			dst = u4(dst, 0xd800+(r>>10))
			dst = u4(dst, 0xdc00+(r&0x3ff))
		}
	}
	return append(dst, '"')
}
