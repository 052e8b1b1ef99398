package sigv4

import (
	"encoding/base64"
	"slices"
	"time"

	"github.com/batchsign/batchsign/internal/postpolicy"
	"github.com/batchsign/batchsign/internal/sigcore"
	"github.com/batchsign/batchsign/sigerr"
)

// S3 POST policies (browser uploads): an HTML form that uploads one object
// straight into a bucket. The form carries a policy document, base64, and
// its signature: the SigV4 HMAC of that base64 text under the day's signing
// key (no canonical request). S3 checks every form field against the
// policy's conditions, so the policy says what the browser may send: the
// bucket, the key or its prefix, the size, the content type, the ACL.
//
// POST policies live here, on the SigV4 Signer, because they need nothing
// but what it already holds: the credential, its scope, the signing
// instant and the signing key from the KeyCache.

// PostPolicy describes one upload slot of an S3 POST form.
type PostPolicy struct {
	// URL is the form's action: the bucket's URL, virtual-hosted
	// (https://bucket.s3.us-east-1.amazonaws.com/) or path-style
	// (https://s3.us-east-1.amazonaws.com/bucket/, or a custom endpoint's
	// http://127.0.0.1:9000/bucket/). It is not signed; it is copied to
	// PostForm.URL after a syntax check.
	URL string
	// Bucket is the bucket the policy allows: its exact-match condition.
	Bucket string
	// Key is the object key the upload gets: the form's key field and an
	// exact-match condition. Give Key or KeyPrefix, not both.
	Key string
	// KeyPrefix lets the browser choose the key within a prefix: the
	// condition ["starts-with", "$key", KeyPrefix], and a key field of
	// KeyPrefix + "${filename}" (S3 puts the uploaded file's name in place
	// of ${filename}; the browser may send another key within the prefix).
	// "" with an empty Key is refused: a form that may write any key of
	// the bucket must say so with a StartsWith("key", "") condition.
	KeyPrefix string
	// Expires is how many seconds after the signing instant the policy
	// accepts uploads, 1…604800 (SigV4's seven days), and never beyond the
	// credentials' own expiry.
	Expires int64
	// Fields are further form fields, in order (acl, Content-Type,
	// success_action_status, Cache-Control, x-amz-meta-*,
	// x-amz-server-side-encryption, ...). Each is also an exact-match
	// condition, unless its name starts with "x-ignore-". Names may not
	// repeat (in any letter case) nor be one the signer sets: bucket, key,
	// policy, file, x-amz-algorithm, x-amz-credential, x-amz-date,
	// x-amz-signature, x-amz-security-token.
	Fields []PostField
	// Conditions are further conditions: StartsWith for a field the
	// browser fills in (Content-Type "image/", x-amz-meta-tag ""),
	// ContentLengthRange for the file's size.
	Conditions []PostCondition
}

// PostField is one form field, a name and its value.
type PostField = postpolicy.Field

// PostCondition is a condition of a policy document beyond a field's exact
// match. Make one with StartsWith or ContentLengthRange.
type PostCondition = postpolicy.Condition

// StartsWith is ["starts-with", "$field", prefix]: the form's field must
// begin with prefix ("" allows any value). field may be given with or
// without its leading '$'. The browser sends the field itself.
func StartsWith(field, prefix string) PostCondition { return postpolicy.StartsWith(field, prefix) }

// ContentLengthRange is ["content-length-range", min, max]: the uploaded
// file must be min to max bytes long, both included.
func ContentLengthRange(min, max int64) PostCondition { return postpolicy.ContentLengthRange(min, max) }

// PostForm is a signed POST policy: where the form goes (URL) and the
// fields it must carry, in this order: key, the caller's fields,
// x-amz-algorithm, x-amz-credential, x-amz-date, x-amz-security-token
// (temporary credentials), policy, x-amz-signature. The browser adds the
// fields its StartsWith conditions name, then the file, last: S3 ignores
// every field after the file.
type PostForm struct {
	URL    string
	Fields []PostField
}

// postExpirationLayout is the policy's expiration, as the S3 documentation
// and the SDKs write it.
const postExpirationLayout = "2006-01-02T15:04:05.000Z"

// reservedPostFields are the names the signer sets in a form.
var reservedPostFields = []string{"bucket", "key", "policy", "file", "x-amz-algorithm", "x-amz-credential",
	"x-amz-date", "x-amz-signature", "x-amz-security-token"}

// SignPostPolicy signs p. The policy document is
//
//	{"expiration":"2026-11-23T13:00:00.000Z","conditions":[{"bucket":…},
//	 {"key":…} or ["starts-with","$key",…], the caller's conditions, one
//	 exact match per field, {"x-amz-algorithm":…}, {"x-amz-credential":…},
//	 {"x-amz-date":…}, {"x-amz-security-token":…}]}
//
// (UTF-8 JSON, no spaces); the policy field is its standard base64 and
// x-amz-signature the hex HMAC-SHA256 of that base64 text under the
// signing key (AppendPostSignature). Errors name the field at fault and
// sign nothing.
func (s *Signer) SignPostPolicy(p *PostPolicy) (*PostForm, error) {
	if s.key == nil {
		return nil, sigcore.FieldErr("signing_key", sigcore.WithDetail(sigerr.ErrInvalidValue, "POST policies are signed with SigV4 (HMAC-SHA256)"))
	}
	if err := s.checkExpires(p.Expires); err != nil {
		return nil, err
	}
	if _, err := sigcore.SplitURL(p.URL); err != nil {
		return nil, err
	}
	switch {
	case p.Bucket == "":
		return nil, sigcore.FieldErr("bucket", sigerr.ErrMissingField)
	case p.Key != "" && p.KeyPrefix != "":
		return nil, sigcore.FieldErr("key_prefix", sigcore.WithDetail(sigerr.ErrInvalidValue, "give key or key_prefix, not both"))
	}
	for _, f := range [...]struct{ name, v string }{{"bucket", p.Bucket}, {"key", p.Key}, {"key_prefix", p.KeyPrefix}} {
		if err := sigcore.CheckUTF8(f.v); err != nil {
			return nil, sigcore.FieldErr(f.name, err)
		}
	}

	doc := make([]byte, 0, 512+len(s.tokenEsc))
	doc = append(doc, `{"expiration":"`...)
	doc = s.t.Add(time.Duration(p.Expires)*time.Second).AppendFormat(doc, postExpirationLayout)
	doc = append(doc, `","conditions":[`...)
	doc = postpolicy.AppendPair(doc, appendPolicyString, "bucket", p.Bucket)
	keyLimited := true
	switch {
	case p.Key != "":
		doc = postpolicy.AppendPair(doc, appendPolicyString, "key", p.Key)
	case p.KeyPrefix != "":
		doc = postpolicy.AppendStartsWith(doc, appendPolicyString, "$key", p.KeyPrefix)
	default:
		keyLimited = false
	}
	doc, limited, err := postpolicy.AppendConditions(doc, appendPolicyString, p.Conditions)
	if err != nil {
		return nil, err
	}
	if !keyLimited && !limited {
		return nil, sigcore.FieldErr("key", sigcore.WithDetail(sigerr.ErrMissingField, "give key, key_prefix or a StartsWith(\"key\", prefix) condition"))
	}
	if doc, err = postpolicy.AppendFields(doc, appendPolicyString, p.Fields, reservedPostFields, sigerr.ErrInvalidValue); err != nil {
		return nil, err
	}
	doc = postpolicy.AppendPair(doc, appendPolicyString, "x-amz-algorithm", Algorithm)
	doc = postpolicy.AppendPair(doc, appendPolicyString, "x-amz-credential", s.credential)
	doc = postpolicy.AppendPair(doc, appendPolicyString, "x-amz-date", s.amzDate)
	if s.creds.SessionToken != "" {
		doc = postpolicy.AppendPair(doc, appendPolicyString, "x-amz-security-token", s.creds.SessionToken)
	}
	doc = doc[:len(doc)-1] // the last ','
	doc = append(doc, "]}"...)

	policy := base64.StdEncoding.EncodeToString(doc)
	form := &PostForm{URL: p.URL, Fields: make([]PostField, 0, len(p.Fields)+8)}
	switch {
	case p.Key != "":
		form.Fields = append(form.Fields, PostField{Name: "key", Value: p.Key})
	case p.KeyPrefix != "":
		form.Fields = append(form.Fields, PostField{Name: "key", Value: p.KeyPrefix + "${filename}"})
	}
	form.Fields = append(form.Fields, p.Fields...)
	form.Fields = append(form.Fields,
		PostField{Name: "x-amz-algorithm", Value: Algorithm},
		PostField{Name: "x-amz-credential", Value: s.credential},
		PostField{Name: "x-amz-date", Value: s.amzDate})
	if s.creds.SessionToken != "" {
		form.Fields = append(form.Fields, PostField{Name: "x-amz-security-token", Value: s.creds.SessionToken})
	}
	form.Fields = append(form.Fields,
		PostField{Name: "policy", Value: policy},
		PostField{Name: "x-amz-signature", Value: string(s.AppendPostSignature(nil, policy))})
	return form, nil
}

// AppendPostSignature appends to dst the x-amz-signature of a POST form
// whose policy field is policy (the base64 text, as sent): the lower-case
// hex HMAC-SHA256 of policy under the signer's signing key. SignPostPolicy
// uses it; call it directly to sign a policy document written by hand. It
// panics on a variant Signer, which has no HMAC key.
func (s *Signer) AppendPostSignature(dst []byte, policy string) []byte {
	var sum [32]byte
	mac := s.key.Sum(sum[:0], []byte(policy))
	n := len(dst)
	dst = slices.Grow(dst, 64)[:n+64]
	encodeHex(dst[n:], mac)
	return dst
}

// appendPolicyString appends s, valid UTF-8, as a JSON string: '"' and '\\'
// escaped, control characters as \uXXXX, everything else as it is (S3 reads
// the policy as UTF-8 JSON and compares field values byte for byte).
func appendPolicyString(dst []byte, s string) []byte {
	const hexDigits = "0123456789abcdef"
	dst = append(dst, '"')
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c == '"' || c == '\\':
			dst = append(dst, '\\', c)
		case c < 0x20 || c == 0x7f:
			dst = append(dst, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&15])
		default:
			dst = append(dst, c)
		}
	}
	return append(dst, '"')
}
