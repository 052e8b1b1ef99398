// Package postpolicy holds what the POST policy documents of S3 (sigv4)
// and Cloud Storage (gcs) share: form fields, the starts-with and
// content-length-range conditions, and the checks and JSON layout of both.
// Each scheme keeps its own string escaping (Google's clients write \u
// escapes from U+0080; S3 reads UTF-8) and its own reserved names.
package postpolicy

import (
	"strconv"
	"unicode/utf8"

	"github.com/batchsign/batchsign/internal/sigcore"
	"github.com/batchsign/batchsign/sigerr"
)

// Field is one form field, a name and its value.
type Field struct {
	Name, Value string
}

// Condition is a condition of a policy document beyond a field's exact
// match. Make one with StartsWith or ContentLengthRange.
type Condition struct {
	op       string // "starts-with" or "content-length-range"
	field    string // "$Content-Type", with the dollar
	prefix   string
	min, max int64
}

// StartsWith is ["starts-with", "$field", prefix]: the form's field must
// begin with prefix ("" allows any value). field may be given with or
// without its leading '$'. The browser sends the field itself.
func StartsWith(field, prefix string) Condition {
	if len(field) == 0 || field[0] != '$' {
		field = "$" + field
	}
	return Condition{op: "starts-with", field: field, prefix: prefix}
}

// ContentLengthRange is ["content-length-range", min, max]: the uploaded
// file must be min to max bytes long, both included.
func ContentLengthRange(min, max int64) Condition {
	return Condition{op: "content-length-range", min: min, max: max}
}

// Encoder appends s, valid UTF-8, as a JSON string in a scheme's escaping.
type Encoder func(dst []byte, s string) []byte

// AppendStartsWith appends ["starts-with","$field","prefix"] and a comma.
func AppendStartsWith(doc []byte, enc Encoder, field, prefix string) []byte {
	doc = append(doc, `["starts-with",`...)
	doc = enc(doc, field)
	doc = append(doc, ',')
	doc = enc(doc, prefix)
	return append(doc, "],"...)
}

// AppendPair appends {"name":"value"} and a comma: an exact match.
func AppendPair(doc []byte, enc Encoder, name, value string) []byte {
	doc = append(doc, '{')
	doc = enc(doc, name)
	doc = append(doc, ':')
	doc = enc(doc, value)
	return append(doc, "},"...)
}

// AppendConditions appends each condition, each followed by a comma, and
// reports whether one of them is a starts-with on $key. A bad condition is
// a *sigerr.FieldError: field "conditions", or "content_length_range" for
// a range with min < 0 or max < min.
func AppendConditions(doc []byte, enc Encoder, cs []Condition) ([]byte, bool, error) {
	keyLimited := false
	for _, c := range cs {
		switch c.op {
		case "starts-with":
			if len(c.field) < 2 || !utf8.ValidString(c.field) || !utf8.ValidString(c.prefix) {
				return nil, false, sigcore.FieldErr("conditions", sigcore.WithDetail(sigerr.ErrInvalidValue, "starts-with needs a UTF-8 field name and prefix"))
			}
			doc = AppendStartsWith(doc, enc, c.field, c.prefix)
			keyLimited = keyLimited || sigcore.EqualFoldASCII(c.field, "$key")
		case "content-length-range":
			if c.min < 0 || c.max < c.min {
				return nil, false, sigcore.FieldErr("content_length_range", sigcore.WithDetail(sigerr.ErrInvalidValue,
					"["+strconv.FormatInt(c.min, 10)+", "+strconv.FormatInt(c.max, 10)+"]: want 0 <= min <= max"))
			}
			doc = append(doc, `["content-length-range",`...)
			doc = strconv.AppendInt(doc, c.min, 10)
			doc = append(doc, ',')
			doc = strconv.AppendInt(doc, c.max, 10)
			doc = append(doc, "],"...)
		default:
			return nil, false, sigcore.FieldErr("conditions", sigcore.WithDetail(sigerr.ErrInvalidValue, "a PostCondition not made by StartsWith or ContentLengthRange"))
		}
	}
	return doc, keyLimited, nil
}

// AppendFields checks the caller's fields — named, not one of reserved (in
// any letter case; the error wraps reservedErr), UTF-8, no name twice in
// any letter case — and appends each as an exact match, but for those
// named x-ignore-*, which the policy does not cover. A bad field is a
// *sigerr.FieldError for "fields".
func AppendFields(doc []byte, enc Encoder, fs []Field, reserved []string, reservedErr error) ([]byte, error) {
	for i, f := range fs {
		if f.Name == "" {
			return nil, sigcore.FieldErr("fields", sigcore.WithDetail(sigerr.ErrMissingField, "empty field name"))
		}
		for _, r := range reserved {
			if sigcore.EqualFoldASCII(f.Name, r) {
				return nil, sigcore.FieldErr("fields", sigcore.WithDetail(reservedErr, "field "+sigcore.QuoteForError(f.Name)+" is set by the signer"))
			}
		}
		if !utf8.ValidString(f.Name) || !utf8.ValidString(f.Value) {
			return nil, sigcore.FieldErr("fields", sigcore.WithDetail(sigerr.ErrInvalidUTF8, "field "+sigcore.QuoteForError(f.Name)))
		}
		for _, g := range fs[:i] {
			if sigcore.EqualFoldASCII(g.Name, f.Name) {
				return nil, sigcore.FieldErr("fields", sigcore.WithDetail(sigerr.ErrInvalidValue, "field "+sigcore.QuoteForError(f.Name)+" given twice"))
			}
		}
		if !sigcore.HasPrefixFoldASCII(f.Name, "x-ignore-") {
			doc = AppendPair(doc, enc, f.Name, f.Value)
		}
	}
	return doc, nil
}
