package s3store

import (
	"errors"
	"strings"
)

// Scheme is the URL scheme this package serves: names are "s3://bucket/key".
const Scheme = "s3"

// IsName reports whether name is an "s3://" name.
func IsName(name string) bool { return strings.HasPrefix(name, "s3://") }

// ErrName is wrapped by every error about a malformed s3:// name.
var ErrName = errors.New("not an s3://bucket/key name")

// Split returns the bucket and key of "s3://bucket/key". The key is taken
// as it is written (S3 keys are not URL-encoded in s3:// names, as in the
// AWS CLI); it may be empty or end in "/" (a prefix), which callers that
// need one object refuse.
func Split(name string) (bucket, key string, err error) {
	rest, ok := strings.CutPrefix(name, "s3://")
	if !ok {
		return "", "", nameError(name, "want s3://bucket/key")
	}
	bucket, key, _ = strings.Cut(rest, "/")
	if bucket == "" {
		return "", "", nameError(name, "no bucket")
	}
	if strings.ContainsAny(bucket, "?#\\ ") {
		return "", "", nameError(name, "invalid bucket name "+bucket)
	}
	return bucket, key, nil
}

// splitObject is Split for a name that must be one object: a key, not
// empty and not ending in "/".
func splitObject(name string) (bucket, key string, err error) {
	bucket, key, err = Split(name)
	if err != nil {
		return "", "", err
	}
	if key == "" || strings.HasSuffix(key, "/") {
		return "", "", nameError(name, "names a prefix, not an object")
	}
	return bucket, key, nil
}

// CheckObject returns an error unless name is "s3://bucket/key" with a key
// that names one object (not empty, not ending in "/").
func CheckObject(name string) error {
	_, _, err := splitObject(name)
	return err
}

type nameErr struct{ name, msg string }

func (e *nameErr) Error() string { return e.name + ": " + e.msg }
func (e *nameErr) Unwrap() error { return ErrName }

func nameError(name, msg string) error { return &nameErr{name, msg} }
