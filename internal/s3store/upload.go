package s3store

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"
	"github.com/aws/smithy-go"
)

// Upload sizes. S3 wants parts of 5 MiB at least (but the last) and at
// most 10,000 of them. Parts are PartSize bytes for the first 1,000 and
// grow by PartSize every 1,000 parts after that, so an upload can reach
// 268 GiB; with MaxInFlight parts uploading and one filling, an upload
// holds at most (MaxInFlight+1) parts in memory: 25 MiB for the first
// 5 GiB written. (PartSize is S3's smallest part: memory, not requests,
// is what a run on a small container runs out of.)
const (
	PartSize    = 5 << 20
	MaxInFlight = 4
	maxParts    = 10000
)

// checksum is the integrity check of every part, named when the upload is
// created: S3 checks each part's CRC32 as it arrives, and
// CompleteMultipartUpload the list of them. (Left to the SDK's default,
// parts carry a CRC32 the upload was not created with, which
// CompleteMultipartUpload refuses as InvalidPart on versitygw.)
const checksum = types.ChecksumAlgorithmCrc32

// abortTimeout bounds the AbortMultipartUpload that ends an upload, which
// runs even when the run's context is done (a signal).
const abortTimeout = 30 * time.Second

// ErrAborted is returned by the writes and Commit of an aborted Upload.
var ErrAborted = errors.New("upload aborted")

// Upload writes one object; it appears only on Commit. Write, Prepare,
// Commit and Abort are for one goroutine; the parts upload in the
// background.
type Upload struct {
	api         *s3.Client
	name        string
	bucket, key string
	ctx         context.Context
	cancel      context.CancelFunc

	buf      []byte      // the part being filled
	free     chan []byte // buffers of parts uploaded, for reuse
	id       string      // the multipart upload's id; "" until the first part is full
	next     int32       // the number of the next part
	inflight chan struct{}
	wg       sync.WaitGroup

	mu    sync.Mutex
	parts []types.CompletedPart // by part number - 1
	err   error                 // the first failure of a part

	prepared, done, committed bool
}

// Create starts writing the object name ("s3://bucket/key"). Nothing is
// sent to S3 until the first part is full; ctx bounds every request but the
// final abort.
func (s *Store) Create(ctx context.Context, name string) (*Upload, error) {
	bucket, key, err := splitObject(name)
	if err != nil {
		return nil, err
	}
	ctx, cancel := context.WithCancel(ctx)
	u := &Upload{api: s.api, name: name, bucket: bucket, key: key, ctx: ctx, cancel: cancel,
		next: 1, inflight: make(chan struct{}, MaxInFlight), free: make(chan []byte, MaxInFlight)}
	u.buf = make([]byte, 0, PartSize)
	return u, nil
}

// Name returns the object's name as given to Create.
func (u *Upload) Name() string { return u.name }

// partSize is the size of part n (from 1).
func partSize(n int32) int { return PartSize * (1 + int(n-1)/1000) }

// Write buffers p, uploading each full part in the background; it waits
// while MaxInFlight parts are uploading. It returns the first failure of
// any part.
func (u *Upload) Write(p []byte) (int, error) {
	if u.done || u.prepared {
		return 0, ErrAborted
	}
	if err := u.failed(); err != nil {
		return 0, err
	}
	n := 0
	for len(p) > 0 {
		room := partSize(u.next) - len(u.buf)
		k := min(room, len(p))
		u.buf = append(u.buf, p[:k]...)
		p, n = p[k:], n+k
		if len(u.buf) == partSize(u.next) {
			if err := u.sendPart(); err != nil {
				return n, err
			}
		}
	}
	return n, nil
}

// failed returns the first failure of a part.
func (u *Upload) failed() error {
	u.mu.Lock()
	defer u.mu.Unlock()
	return u.err
}

// sendPart starts uploading u.buf as the next part, creating the multipart
// upload first if need be.
func (u *Upload) sendPart() error {
	if u.next > maxParts {
		return fmt.Errorf("%s: more than %d parts", u.name, maxParts)
	}
	if u.id == "" {
		out, err := u.api.CreateMultipartUpload(u.ctx, &s3.CreateMultipartUploadInput{Bucket: &u.bucket, Key: &u.key, ChecksumAlgorithm: checksum})
		if err != nil {
			return opError("write", u.name, err)
		}
		u.id = aws.ToString(out.UploadId)
	}
	select {
	case u.inflight <- struct{}{}:
	case <-u.ctx.Done():
		return fmt.Errorf("writing %s: %w", u.name, u.ctx.Err())
	}
	n, data := u.next, u.buf
	u.next++
	u.buf = nil // data belongs to the part's upload now
	select {
	case b := <-u.free:
		u.buf = b
	default:
	}
	if cap(u.buf) < partSize(u.next) {
		u.buf = make([]byte, 0, partSize(u.next))
	}
	u.wg.Add(1)
	go func() {
		defer u.wg.Done()
		out, err := u.api.UploadPart(u.ctx, &s3.UploadPartInput{
			Bucket: &u.bucket, Key: &u.key, UploadId: &u.id, PartNumber: aws.Int32(n),
			Body: bytes.NewReader(data), ContentLength: aws.Int64(int64(len(data))), ChecksumAlgorithm: checksum,
		})
		select {
		case u.free <- data[:0]:
		default:
		}
		<-u.inflight
		u.mu.Lock()
		defer u.mu.Unlock()
		if err != nil {
			if u.err == nil {
				u.err = opError("write", u.name, err)
			}
			return
		}
		for int(n) > len(u.parts) {
			u.parts = append(u.parts, types.CompletedPart{})
		}
		u.parts[n-1] = types.CompletedPart{
			PartNumber: aws.Int32(n), ETag: out.ETag,
			ChecksumCRC32: out.ChecksumCRC32, ChecksumCRC32C: out.ChecksumCRC32C,
			ChecksumCRC64NVME: out.ChecksumCRC64NVME, ChecksumSHA1: out.ChecksumSHA1, ChecksumSHA256: out.ChecksumSHA256,
		}
	}()
	return nil
}

// Prepare uploads what is buffered (as the last part of a multipart
// upload) and waits for every part: after it, only Commit's one request is
// left, and the object is still not visible. An output smaller than one
// part stays buffered for Commit's PutObject.
func (u *Upload) Prepare() error {
	if u.done {
		return ErrAborted
	}
	if u.prepared {
		return nil
	}
	if u.id != "" && len(u.buf) > 0 {
		if err := u.sendPart(); err != nil {
			return err
		}
	}
	u.wg.Wait()
	u.prepared = true
	return u.failed()
}

// Commit makes the object visible: CompleteMultipartUpload, or one
// PutObject for an output smaller than a part. On failure the upload is
// aborted.
func (u *Upload) Commit() error {
	if err := u.Prepare(); err != nil {
		u.Abort()
		return err
	}
	var err error
	if u.id == "" {
		_, err = u.api.PutObject(u.ctx, &s3.PutObjectInput{
			Bucket: &u.bucket, Key: &u.key, Body: bytes.NewReader(u.buf), ContentLength: aws.Int64(int64(len(u.buf))), ChecksumAlgorithm: checksum,
		})
	} else {
		_, err = u.api.CompleteMultipartUpload(u.ctx, &s3.CompleteMultipartUploadInput{
			Bucket: &u.bucket, Key: &u.key, UploadId: &u.id,
			MultipartUpload: &types.CompletedMultipartUpload{Parts: u.parts},
		})
	}
	if err != nil {
		u.Abort()
		return opError("write", u.name, err)
	}
	u.done, u.committed = true, true
	u.cancel()
	u.buf = nil
	return nil
}

// Abort discards the upload: parts in flight are stopped and waited for,
// then the multipart upload is aborted (with its own deadline, even when
// the context given to Create is done), so that S3 keeps no part. Abort
// is a no-op after Commit or Abort, and on a nil Upload. It returns the
// abort's failure, when S3 may still hold the parts (a bucket lifecycle
// rule with AbortIncompleteMultipartUpload removes them).
func (u *Upload) Abort() error {
	if u == nil || u.done {
		return nil
	}
	u.done = true
	u.cancel()
	u.wg.Wait()
	u.buf = nil
	if u.id == "" {
		return nil
	}
	ctx, cancel := context.WithTimeout(context.WithoutCancel(u.ctx), abortTimeout)
	defer cancel()
	// A part cancelled in flight may still reach S3 after the abort (S3
	// documents that an abort can need repeating; versitygw recreates the
	// upload): abort, check with ListParts that the upload is gone, and
	// abort again until it is.
	delay := 50 * time.Millisecond
	for {
		_, err := u.api.AbortMultipartUpload(ctx, &s3.AbortMultipartUploadInput{Bucket: &u.bucket, Key: &u.key, UploadId: &u.id})
		if err != nil && !noSuchUpload(err) {
			return opError("abort upload", u.name, err)
		}
		select {
		case <-time.After(delay):
		case <-ctx.Done():
			return opError("abort upload", u.name, ctx.Err())
		}
		delay = min(2*delay, time.Second)
		_, err = u.api.ListParts(ctx, &s3.ListPartsInput{Bucket: &u.bucket, Key: &u.key, UploadId: &u.id, MaxParts: aws.Int32(1)})
		if err != nil {
			// Gone; or the check is not allowed (no
			// s3:ListMultipartUploadParts) or failed, after an abort
			// that succeeded.
			return nil
		}
	}
}

// noSuchUpload reports whether err says the multipart upload is gone.
func noSuchUpload(err error) bool {
	var nsu *types.NoSuchUpload
	var ae smithy.APIError
	return errors.As(err, &nsu) || (errors.As(err, &ae) && ae.ErrorCode() == "NoSuchUpload")
}

// Aborted reports whether the upload was aborted (by Abort, or by a
// failed Commit).
func (u *Upload) Aborted() bool { return u.done && !u.committed }
