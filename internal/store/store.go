package store

import (
	"context"
	"errors"
	"io"
	"strings"
)

// Object is one readable object: a local file or an S3 object.
type Object struct {
	// Name is the object's full name as the user would write it: a local
	// path or "s3://bucket/key". Errors and rejects quote it.
	Name string
	// Size is its length in bytes.
	Size int64
}

// ReaderAt is random access to one object, for formats that read a footer
// first (Parquet). It reads at most Size bytes.
type ReaderAt interface {
	io.ReaderAt
	io.Closer
	Size() int64
}

// Store reads objects of one kind (local files, S3 objects).
type Store interface {
	// Stat returns the object name names, or an error wrapping
	// fs.ErrNotExist when there is none.
	Stat(ctx context.Context, name string) (Object, error)
	// List expands a manifest argument that names many objects (a
	// directory, a glob, an "s3://bucket/prefix/" ending in "/") into the
	// objects it names, sorted by Name, skipping names whose last element
	// starts with "_" or "." (Hadoop, Spark and Athena markers such as
	// _SUCCESS and .crc files). An argument that names one object lists
	// just that object. An argument that names nothing is an error.
	List(ctx context.Context, arg string) ([]Object, error)
	// OpenRange streams bytes [off, end) of obj; end < 0 means to its end.
	OpenRange(ctx context.Context, obj Object, off, end int64) (io.ReadCloser, error)
	// OpenReaderAt gives random access to obj.
	OpenReaderAt(ctx context.Context, obj Object) (ReaderAt, error)
}

// Router picks the Store for a name by its scheme ("s3" in "s3://…");
// names without a scheme are local paths.
type Router struct {
	local    Store
	byScheme map[string]Store
}

// NewRouter returns a Router whose names without a scheme go to local.
func NewRouter(local Store) *Router {
	return &Router{local: local, byScheme: map[string]Store{}}
}

// Handle sends names "scheme://…" to s.
func (r *Router) Handle(scheme string, s Store) { r.byScheme[scheme] = s }

// ErrNoStore is wrapped by For when a name's scheme has no Store.
var ErrNoStore = errors.New("no store for this URL scheme")

// For returns the Store that serves name.
func (r *Router) For(name string) (Store, error) {
	if !IsURL(name) {
		return r.local, nil
	}
	scheme, _, _ := strings.Cut(name, "://")
	if s := r.byScheme[scheme]; s != nil {
		return s, nil
	}
	return nil, &SchemeError{Name: name, Scheme: scheme}
}

// IsURL reports whether name has a "scheme://" prefix (and so is not a
// local path).
func IsURL(name string) bool {
	scheme, _, ok := strings.Cut(name, "://")
	return ok && scheme != "" && !strings.ContainsAny(scheme, "/\\")
}

// SchemeError says that no Store serves a name's scheme.
type SchemeError struct{ Name, Scheme string }

func (e *SchemeError) Error() string {
	return e.Name + ": " + e.Scheme + ":// is not supported here"
}

func (e *SchemeError) Unwrap() error { return ErrNoStore }
