package main

import (
	"context"
	"errors"
	"slices"

	"github.com/aws/aws-sdk-go-v2/aws"

	"github.com/batchsign/batchsign/internal/awsconfig"
	"github.com/batchsign/batchsign/internal/pipeline"
	"github.com/batchsign/batchsign/internal/s3store"
)

// s3HTTPClient, when set by a test, carries every request of the S3
// client (to count the bytes a run fetches).
var s3HTTPClient aws.HTTPClient

// attachS3 gives o an S3 store when the manifest or an output is an s3://
// name. The client uses the credentials and region resolved for signing
// (resolved now for schemes that sign with other keys) and the AWS CLI's
// endpoint rules: --endpoint-url, else what the SDK's configuration names
// (AWS_ENDPOINT_URL_S3, AWS_ENDPOINT_URL, the profile's endpoint_url),
// else AWS; path-style under --addressing-style path, and under auto on a
// custom endpoint, as the signed URLs.
func attachS3(o *batchOptions, f *batchFlags) error {
	if !slices.ContainsFunc(o.manifests, s3store.IsName) && o.dest.s3 == (roles{}) {
		return nil
	}
	res := o.aws
	if res == nil {
		r, err := awsconfig.Resolve(context.Background(), awsconfig.Inputs{Profile: f.profile, Region: f.region, EndpointURL: f.endpoint})
		if err != nil {
			return errors.New("s3:// names need AWS credentials: " + err.Error())
		}
		res = &r
	}
	st, err := newS3Store(res, f.endpoint, f.addressing)
	if err != nil {
		return err
	}
	o.s3 = st
	return nil
}

// newS3Store returns the S3 store of a run whose AWS settings are res:
// endpoint is --endpoint-url ("" for the SDK's own rules), style
// --addressing-style ("" for the profile's).
func newS3Store(res *awsconfig.Resolved, endpoint, style string) (*s3store.Store, error) {
	if style == "" {
		style = res.AddressingStyle
	}
	addressing, err := pipeline.ParseAddressingStyle(style)
	if err != nil {
		return nil, err
	}
	pathStyle := addressing == pipeline.AddressingPath || (addressing == pipeline.AddressingAuto && res.IOEndpoint() != "")
	return s3store.New(s3store.NewClient(res.AWSConfig(), s3store.ClientOptions{
		EndpointURL: endpoint, PathStyle: pathStyle, HTTPClient: s3HTTPClient,
	})), nil
}

// s3ForNames returns an S3 store, with the AWS settings of the
// environment and profile, when one of names is an s3:// name; nil
// otherwise. (batchsign plan reads s3:// manifests and summaries with it.)
func s3ForNames(names []string) (*s3store.Store, error) {
	if !slices.ContainsFunc(names, s3store.IsName) {
		return nil, nil
	}
	res, err := awsconfig.Resolve(context.Background(), awsconfig.Inputs{})
	if err != nil {
		return nil, errors.New("s3:// names need AWS credentials: " + err.Error())
	}
	return newS3Store(&res, "", "")
}
