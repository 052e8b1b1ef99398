// Package s3store reads manifests from S3 objects and writes outputs to S3,
// for names of the form "s3://bucket/key".
//
// Store is a store.Store: Stat is HeadObject, List is ListObjectsV2 under an
// "s3://bucket/prefix/" (lexical order, markers such as _SUCCESS and .crc
// skipped), OpenRange streams one GetObject with a Range header (memory
// bounded whatever the object's size), and OpenReaderAt serves random
// reads (Parquet: the footer first, then the column chunks of each row
// group) from ranged GETs of aligned blocks kept in a small LRU cache, with
// the next block fetched ahead on sequential access. An object is never
// downloaded whole, and reads after the first are conditional on its ETag,
// so an object replaced while it is read is an error, not a mix of two
// versions.
//
// Upload writes one object through a multipart upload: it buffers one part,
// uploads full parts in the background while the caller goes on writing (a
// few in flight, so memory stays bounded by a few parts), and makes the
// object appear only on Commit (CompleteMultipartUpload). Abort, or any
// failure, aborts the upload: no object and no pending upload is left
// behind. An output smaller than one part is sent with one PutObject at
// Commit.
//
// NewClient builds the S3 client from the run's AWS configuration with the
// AWS CLI's endpoint rules: an explicit endpoint (--endpoint-url) first,
// else the SDK's own resolution of AWS_ENDPOINT_URL_S3, AWS_ENDPOINT_URL
// and the profile's endpoint_url (services s3 section first).
package s3store
