// Package store is where manifests are read from: local files and, through
// an implementation registered by the command, S3 objects. It is the one
// place that knows how a manifest argument names objects, so the readers,
// the shard planner and the S3 client agree on it.
//
// A name is a local path or a URL whose scheme picks the Store that serves
// it ("s3://bucket/key"). A Router maps names to Stores: Local serves every
// name without a scheme; others are added by scheme with Router.Handle.
//
// Every Store lists in lexical byte order of Object.Name, so a manifest of
// many files is read in the same documented order wherever it lives.
package store
