package s3store

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net/http"
	"strconv"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/smithy-go"
	smithyhttp "github.com/aws/smithy-go/transport/http"

	"github.com/batchsign/batchsign/internal/store"
)

// Store serves "s3://bucket/key" names through an S3 client. It is safe for
// concurrent use.
type Store struct {
	api *s3.Client
}

// New returns a Store that reads and writes through client (see NewClient).
func New(client *s3.Client) *Store { return &Store{api: client} }

var _ store.Store = (*Store)(nil)

// Stat returns the object name names (HeadObject). A missing object or
// bucket is an error wrapping fs.ErrNotExist.
func (s *Store) Stat(ctx context.Context, name string) (store.Object, error) {
	bucket, key, err := splitObject(name)
	if err != nil {
		return store.Object{}, err
	}
	out, err := s.api.HeadObject(ctx, &s3.HeadObjectInput{Bucket: &bucket, Key: &key})
	if err != nil {
		return store.Object{}, opError("stat", name, err)
	}
	return store.Object{Name: name, Size: aws.ToInt64(out.ContentLength)}, nil
}

// List expands arg: "s3://bucket/prefix/" (ending in "/") is every object
// under the prefix, at any depth, in lexical byte order of their keys (as
// ListObjectsV2 returns them), skipping keys whose last element starts
// with "_" or "." and folder markers (keys ending in "/"); any other name
// is one object (Stat). A prefix with no object is an error wrapping
// fs.ErrNotExist.
func (s *Store) List(ctx context.Context, arg string) ([]store.Object, error) {
	bucket, prefix, err := Split(arg)
	if err != nil {
		return nil, err
	}
	if prefix != "" && !strings.HasSuffix(prefix, "/") {
		obj, err := s.Stat(ctx, arg)
		if err != nil {
			return nil, err
		}
		return []store.Object{obj}, nil
	}
	var objs []store.Object
	p := s3.NewListObjectsV2Paginator(s.api, &s3.ListObjectsV2Input{Bucket: &bucket, Prefix: &prefix})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return nil, opError("list", arg, err)
		}
		for _, o := range page.Contents {
			key := aws.ToString(o.Key)
			last := key[strings.LastIndexByte(key, '/')+1:]
			if last == "" || last[0] == '_' || last[0] == '.' {
				continue
			}
			objs = append(objs, store.Object{Name: "s3://" + bucket + "/" + key, Size: aws.ToInt64(o.Size)})
		}
	}
	if len(objs) == 0 {
		return nil, &fs.PathError{Op: "list", Path: arg, Err: fmt.Errorf("no objects under this prefix: %w", fs.ErrNotExist)}
	}
	return objs, nil
}

// OpenRange streams bytes [off, end) of obj (end < 0: to its end) with one
// GetObject whose Range header asks for exactly those bytes; the body is
// read as it arrives, so memory stays bounded whatever the size. A range
// past the end of the object is empty.
func (s *Store) OpenRange(ctx context.Context, obj store.Object, off, end int64) (io.ReadCloser, error) {
	bucket, key, err := splitObject(obj.Name)
	if err != nil {
		return nil, err
	}
	if end < 0 || end > obj.Size {
		end = obj.Size
	}
	if off < 0 {
		return nil, fmt.Errorf("%s: negative offset %d", obj.Name, off)
	}
	if off >= end {
		return io.NopCloser(strings.NewReader("")), nil
	}
	in := &s3.GetObjectInput{Bucket: &bucket, Key: &key}
	if off > 0 || end < obj.Size {
		in.Range = aws.String(byteRange(off, end))
	}
	out, err := s.api.GetObject(ctx, in)
	if err != nil {
		return nil, opError("read", obj.Name, err)
	}
	return &body{rc: out.Body, name: obj.Name}, nil
}

// byteRange is the Range header value for bytes [off, end).
func byteRange(off, end int64) string {
	return "bytes=" + strconv.FormatInt(off, 10) + "-" + strconv.FormatInt(end-1, 10)
}

// body names the object in its read errors.
type body struct {
	rc   io.ReadCloser
	name string
}

func (b *body) Read(p []byte) (int, error) {
	n, err := b.rc.Read(p)
	if err != nil && err != io.EOF {
		err = fmt.Errorf("reading %s: %w", b.name, err)
	}
	return n, err
}

func (b *body) Close() error { return b.rc.Close() }

// opError names the object and the operation, turns a missing object or
// bucket into fs.ErrNotExist, and keeps the service's code and message
// (never a credential: the SDK's errors carry none).
func opError(op, name string, err error) error {
	var re *smithyhttp.ResponseError
	if errors.As(err, &re) && re.HTTPStatusCode() == http.StatusNotFound {
		return &fs.PathError{Op: op, Path: name, Err: fmt.Errorf("%w (%s)", fs.ErrNotExist, apiMessage(err))}
	}
	var ae smithy.APIError
	if errors.As(err, &ae) && ae.ErrorCode() == "PreconditionFailed" {
		return &fs.PathError{Op: op, Path: name, Err: ErrChanged}
	}
	if errors.As(err, &ae) {
		return &fs.PathError{Op: op, Path: name, Err: errors.New(apiMessage(err))}
	}
	return &fs.PathError{Op: op, Path: name, Err: err} // a network failure, ctx's error: kept for errors.Is
}

// ErrChanged means an object was replaced while it was being read.
var ErrChanged = errors.New("the object changed while it was being read")

// apiMessage is the service's error code and message, or the error.
func apiMessage(err error) string {
	var ae smithy.APIError
	if errors.As(err, &ae) {
		msg := ae.ErrorCode()
		if m := ae.ErrorMessage(); m != "" {
			msg += ": " + m
		}
		return msg
	}
	return err.Error()
}
