package main

import (
	"context"
	"errors"

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
	if !s3store.IsName(o.manifest) && o.dest.s3 == (roles{}) {
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
	style := f.addressing
	if style == "" {
		style = res.AddressingStyle
	}
	addressing, err := pipeline.ParseAddressingStyle(style)
	if err != nil {
		return err
	}
	pathStyle := addressing == pipeline.AddressingPath || (addressing == pipeline.AddressingAuto && res.IOEndpoint() != "")
	o.s3 = s3store.New(s3store.NewClient(res.AWSConfig(), s3store.ClientOptions{
		EndpointURL: f.endpoint, PathStyle: pathStyle, HTTPClient: s3HTTPClient,
	}))
	return nil
}

// openS3Manifest opens an s3:// manifest object through o.s3: NDJSON
// streamed from one GetObject, Parquet through ranged reads.
func openS3Manifest(ctx context.Context, o *batchOptions) (pipeline.Source, error) {
	format := o.inFormat
	if format == pipeline.FormatAuto {
		if format = pipeline.FormatOf(o.manifest); format == pipeline.FormatAuto {
			return nil, errors.New("manifest " + o.manifest + ": cannot tell its format from the extension; pass --input-format ndjson or parquet")
		}
	}
	obj, err := o.s3.Stat(ctx, o.manifest)
	if err != nil {
		return nil, err
	}
	switch format {
	case pipeline.FormatNDJSON:
		body, err := o.s3.OpenRange(ctx, obj, 0, -1)
		if err != nil {
			return nil, err
		}
		return pipeline.NewNDJSONReader(body, o.shard), nil
	case pipeline.FormatParquet:
		ra, err := o.s3.OpenReaderAt(ctx, obj)
		if err != nil {
			return nil, err
		}
		src, err := pipeline.OpenParquetAt(o.manifest, ra, obj.Size, o.shard)
		if err != nil {
			ra.Close()
			return nil, err
		}
		return src, nil
	}
	return nil, errors.New("manifest format " + format.String() + " is not readable (want ndjson or parquet)")
}
