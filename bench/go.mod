module github.com/batchsign/batchsign/bench

go 1.26.8

replace github.com/batchsign/batchsign => ../

require (
	github.com/aws/aws-sdk-go-v2 v1.48.0
	github.com/aws/aws-sdk-go-v2/feature/cloudfront/sign v1.9.16
	github.com/aws/smithy-go v1.28.9
	github.com/batchsign/batchsign v0.0.0-00010101000000-000000000000
	github.com/minio/minio-go/v7 v7.4.1
)

require (
	github.com/klauspost/cpuid/v2 v2.4.2 // indirect
	github.com/minio/md5-simd v1.1.2 // indirect
	github.com/minio/sha256-simd v1.0.1 // indirect
	golang.org/x/net v0.60.0 // indirect
	golang.org/x/sys v0.48.0 // indirect
	golang.org/x/text v0.42.0 // indirect
)
