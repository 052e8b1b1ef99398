package pipeline

import (
	"errors"
	"strconv"
	"sync"

	"github.com/batchsign/batchsign/sigerr"
	"github.com/batchsign/batchsign/sigv4"
)

// Row is one manifest row: a request to presign, sign or verify, named
// field by field (the request fields, see requestFields), and the values of
// the fields modes declare as their own (a MAC's key_id, …). NDJSON object
// keys and Parquet column names are the manifest field names given with
// each field. Strings are raw UTF-8 (an S3 key is not percent-encoded here);
// an empty string means the field was absent or null.
type Row struct {
	// Num is the 1-based row number within its file: the line number in an
	// NDJSON manifest (blank lines count, so `sed -n Np FILE` finds the
	// row), the record number in a Parquet manifest. For a shard that
	// starts reading a line-format file mid-way, Num counts from the
	// shard's first line of that file, and base turns it into the line
	// number (Row.number) when a reject needs it.
	Num int64
	// File names the manifest file of the row when the manifest is more
	// than one file ("" otherwise); rejects quote it.
	File string
	base *lineBase

	ID     string // "id": the caller's identifier, copied to the output
	Method string // "method": GET (default), HEAD, PUT, DELETE or POST
	// URL is "url": a full http(s) URL. A row gives either URL or
	// Bucket and Key.
	URL     string
	Bucket  string // "bucket"
	Key     string // "key": the object key, raw (not percent-encoded)
	Region  string // "region": overrides the run's region
	Service string // "service": SigV4 service name, default "s3"

	// Expires is "expires" in seconds (1…604800); HasExpires tells an
	// explicit value (even an invalid 0) from the run's default.
	Expires    int64
	HasExpires bool

	// Headers is "headers" (an object or MAP of strings): headers to sign
	// and send. Query is "query": extra query parameters (versionId,
	// response-content-disposition, ...), unescaped.
	Headers []sigv4.Header
	Query   []sigv4.QueryParam

	// ContentSHA256 is "content_sha256", the hex SHA-256 of the body for
	// sign; BodyFile is "body_file", a file to stream and hash instead.
	ContentSHA256 string
	BodyFile      string
	// Body is "body": the request body as inline text, for sign --scheme
	// azure-hmac (SigV4 rows give body_file or content_sha256).
	Body string
	// Payload is "payload": "unsigned" (UNSIGNED-PAYLOAD; the only choice
	// for presign, and the default there) or "signed".
	Payload string

	// own holds the modes' own text fields, by the slot their fieldSet
	// gives them (fieldSet.ownField reads them).
	own [maxOwnFields]string

	// Err, when set, is why the row could not be decoded (wrong field type,
	// broken JSON line). The row is rejected as is, without signing.
	Err *sigerr.FieldError
}

// reset clears r for reuse, keeping nothing from its previous contents.
func (r *Row) reset() { *r = Row{} }

// Manifest field names, as NDJSON keys and Parquet columns.
const (
	FieldID            = "id"
	FieldMethod        = "method"
	FieldURL           = "url"
	FieldBucket        = "bucket"
	FieldKey           = "key"
	FieldRegion        = "region"
	FieldService       = "service"
	FieldExpires       = "expires"
	FieldHeaders       = "headers"
	FieldQuery         = "query"
	FieldContentSHA256 = "content_sha256"
	FieldBodyFile      = "body_file"
	FieldPayload       = "payload"
	FieldBody          = "body"
)

// Decode and validation errors, for errors.Is. Each reaches the rejects
// stream inside an *sigerr.FieldError naming the field.
var (
	// ErrSyntax: the NDJSON line is not one well-formed JSON object.
	ErrSyntax = errors.New("malformed JSON")
	// ErrWrongType: a known field holds a value of the wrong JSON type.
	ErrWrongType = errors.New("wrong type")
	// ErrMethod: the method is not GET, HEAD, PUT, DELETE or POST.
	ErrMethod = errors.New("unsupported method (want GET, HEAD, PUT, DELETE or POST)")
	// ErrLineTooLong: an NDJSON line exceeds the reader's line limit.
	ErrLineTooLong = errors.New("line too long")
	// ErrConflict: two fields that exclude each other are both given.
	ErrConflict = errors.New("conflicting fields")
)

// canonicalMethod returns the upper-case constant for a supported method,
// accepting any letter case, without allocating. "" means GET.
func canonicalMethod(m string) (string, bool) {
	switch m {
	case "", "GET":
		return "GET", true
	case "HEAD", "PUT", "POST", "DELETE":
		return m, true
	}
	if len(m) > 6 {
		return "", false
	}
	var b [6]byte
	for i := 0; i < len(m); i++ {
		c := m[i]
		if 'a' <= c && c <= 'z' {
			c -= 'a' - 'A'
		}
		b[i] = c
	}
	switch string(b[:len(m)]) {
	case "GET":
		return "GET", true
	case "HEAD":
		return "HEAD", true
	case "PUT":
		return "PUT", true
	case "POST":
		return "POST", true
	case "DELETE":
		return "DELETE", true
	}
	return "", false
}

// Reject is one row that could not be signed, as written to the rejects
// stream: the row number, the row's id, the field at fault ("" when the row
// as a whole is, as for a broken JSON line) and the reason.
type Reject struct {
	File  string `json:"file,omitempty"` // set for a manifest of many files
	Row   int64  `json:"row"`
	ID    string `json:"id"`
	Field string `json:"field"`
	Error string `json:"error"`
}

// rejectOf builds the Reject for row r and err, naming the field when err
// carries one.
func rejectOf(r *Row, err error) Reject {
	num, nerr := r.number()
	rj := Reject{File: r.File, Row: num, ID: r.ID}
	var fe *sigerr.FieldError
	if errors.As(err, &fe) {
		rj.Field = fe.Field
		rj.Error = fe.Err.Error()
	} else {
		rj.Error = err.Error()
	}
	if nerr != nil {
		rj.Error += " (" + nerr.Error() + ")"
	}
	return rj
}

// lineBase is the number of lines of a file before a shard's first line of
// it, counted once, the first time a reject asks: a shard that rejects
// nothing never reads the part of the file before its range.
type lineBase struct {
	once   sync.Once
	count  func() (int64, error)
	offset int64 // where the shard's first line starts, for the message when counting fails
	n      int64
	err    error
}

// number returns the row's line or record number in its file. When the
// lines before a shard's range cannot be counted, it returns the number
// within the shard's range and an error saying where that range starts.
func (r *Row) number() (int64, error) {
	if r.base == nil {
		return r.Num, nil
	}
	b := r.base
	b.once.Do(func() { b.n, b.err = b.count() })
	if b.err != nil {
		return r.Num, errors.New("row counted from the line at byte " + strconv.FormatInt(b.offset, 10) + " of the file: the lines before it could not be counted: " + b.err.Error())
	}
	return b.n + r.Num, nil
}

// fieldErr wraps err for field.
func fieldErr(field string, err error) *sigerr.FieldError {
	return &sigerr.FieldError{Field: field, Err: err}
}

// detailError is a sentinel with a detail message; errors.Is sees the
// sentinel.
type detailError struct {
	sentinel error
	detail   string
}

func (e *detailError) Error() string { return e.sentinel.Error() + ": " + e.detail }
func (e *detailError) Unwrap() error { return e.sentinel }

// detail returns sentinel with a detail message.
func detail(sentinel error, msg string) error { return &detailError{sentinel, msg} }
