/*
Command batchsign signs requests in bulk: for every row of a manifest, a
presigned URL, the headers that authorise the request, or a verdict on a
signature someone else made, at the speed of the hardware.

Usage:

	batchsign presign [flags] MANIFEST...|-     one presigned URL per row:          id, method, url, expires_at
	batchsign presign-post [flags] MANIFEST...|-   one S3 POST form per row:        id, url, fields, expires_at
	batchsign sign    [flags] MANIFEST...|-     the headers that authorise each row: id, method, url, headers
	batchsign verify  [flags] INPUT|-           each row's signature judged:         id, valid, reason, scheme
	batchsign mac     generate|verify [flags] MANIFEST|-   KMS-style HMACs per row
	batchsign plan    --shard-count N MANIFEST...   how the manifest splits into shards, without signing
	batchsign plan    --check SUMMARY...        did all shards of a run complete, and do the counts add up
	batchsign version                           version, Go, CPU features, SHA-256 backends

MANIFEST... is one or more files, directories or globs read as one
manifest (see Manifests of many files); "-" alone is stdin.

Flags and the manifest may come in any order; "batchsign COMMAND -h" lists
every flag of a command. This page is the reference; the repository's
README.md has a worked example.

# Schemes

Every command that signs or verifies names its scheme with --scheme:

	presign  --scheme sigv4 (default) | sigv2 | sigv4a | gcs-rsa | gcs-hmac | azure-sas | cloudfront
	presign-post --scheme sigv4 (the only one)
	sign     --scheme sigv4 (default) | azure-hmac | sigv4a
	verify   --scheme auto (default: each row's own) | sigv4 | sigv2 | azure-hmac | sigv4a | gcs-rsa | gcs-hmac | azure-sas | cloudfront

	scheme      signs                                        keys
	sigv4       AWS SigV4 (AWS4-HMAC-SHA256)                 the AWS credentials (see Credentials)
	sigv2       S3 legacy SigV2 query auth                   the AWS credentials
	sigv4a      AWS SigV4a (AWS4-ECDSA-P256-SHA256), S3      the AWS credentials
	            Multi-Region Access Points
	azure-hmac  Azure Communication Services HMAC-SHA256     COMMUNICATION_SERVICES_CONNECTION_STRING
	gcs-rsa     Google Cloud Storage V4, GOOG4-RSA-SHA256    --gcs-key-file or GOOGLE_APPLICATION_CREDENTIALS
	gcs-hmac    Google Cloud Storage V4, GOOG4-HMAC-SHA256   GCS_HMAC_ACCESS_ID and GCS_HMAC_SECRET
	azure-sas   Azure Blob Storage service SAS (shared key)  AZURE_STORAGE_CONNECTION_STRING, or
	                                                         AZURE_STORAGE_ACCOUNT and AZURE_STORAGE_KEY
	cloudfront  Amazon CloudFront signed URLs and cookies    --key-pair-id and --private-key (or
	            (RSA-SHA1, a key group's key pair)           BATCHSIGN_CLOUDFRONT_PRIVATE_KEY)

Scheme names are exact lower case. A scheme a command does not support is
a usage error (exit 2, nothing written) whose message lists the schemes that
command supports. "presign --signature-version v4|v2" is an alias of
"presign --scheme sigv4|sigv2", kept for scripts written before --scheme;
both may be given when they agree. "batchsign COMMAND -h" lists each
scheme's row fields and output columns.

verify --scheme auto judges each row by the scheme it shows. With one named
scheme, only rows of that scheme can be valid: any other row is reported
valid false, reason malformed, with the requested scheme in the scheme
column. Verifying under one scheme needs only that scheme's keys, and flags
that cannot apply to it are refused (--region or --service with sigv2,
--keys with azure-hmac, --connection-string with sigv4).

# Common flags

	-o FILE, --output FILE
	    Write here (default stdout), atomically (see Output files), or to
	    an S3 object s3://BUCKET/KEY (see S3 manifests and outputs). Files
	    are created 0600: the URLs grant access. The format comes from the
	    extension (.ndjson .jsonl .json .csv .parquet) unless --format says.
	--format ndjson|csv|parquet
	    Output format (ndjson on stdout).
	--rejects FILE
	    Rejected rows as NDJSON. Default with -o FILE: FILE with its extension
	    replaced by .rejects.ndjson, always present after a completed run
	    (empty when nothing was rejected). Writing to stdout: one line each on
	    stderr.
	--summary FILE
	    The end-of-run summary as JSON: rows_read, signed, rejected, clamped,
	    elapsed_seconds, rows_per_second, signing_time, shard_index,
	    shard_count, range (the shard's bytes of the manifest: files,
	    manifest_bytes, start, end; absent on stdin), output, rejects,
	    exit_status (verify: valid, invalid, invalid_reasons; an inventory
	    report: skipped_delete_markers, skipped_noncurrent when not 0), and
	    for AWS credentials, credentials: source, access_key_id_last4,
	    expires and seconds_left (from the signing instant; both absent for
	    long-term keys) and refreshes (see Credentials). Never a secret.
	--wait-lock DURATION
	    When another run holds a destination's lock, wait up to DURATION
	    for it instead of exiting 2 (see Output files).
	--time RFC3339
	    The signing instant for every row (verify: "now"). Default: the
	    clock, read once per run. Pinned, the output is byte-identical across
	    runs, worker counts and shards.
	--expires DURATION
	    Presign lifetime for rows without "expires": 90m, 12h, 7d or seconds;
	    1s…7d (default 1h).
	--clamp-expiry
	    With temporary credentials (from any source but long-term keys; for
	    environment keys, with AWS_CREDENTIAL_EXPIRATION), shorten a URL that
	    would outlive them to their remaining lifetime and count it as
	    clamped, instead of rejecting the row.
	--region, --endpoint-url, --profile
	    Override AWS_REGION/AWS_DEFAULT_REGION/the profile's region,
	    AWS_ENDPOINT_URL_S3/AWS_ENDPOINT_URL/the profile's endpoint_url, and
	    AWS_PROFILE. As in the AWS CLI, the endpoint is where batchsign talks
	    to S3 (s3:// manifests and outputs); the signed URLs point there too,
	    unless --signing-endpoint-url says otherwise.
	--signing-endpoint-url URL|aws
	    presign and sign: the endpoint the signed URLs point at, when it is
	    not the one the run reads and writes through (a public host name in
	    front of a private S3-compatible server; a manifest kept on a local
	    server for URLs on AWS). "aws" means AWS's own regional endpoints
	    whatever --endpoint-url or AWS_ENDPOINT_URL_S3 says. Default: the
	    endpoint above. --addressing-style auto is judged on this endpoint
	    (path-style on a custom one). For gcs-hmac and gcs-rsa it replaces
	    --endpoint-url as the signed URLs' endpoint.
	--addressing-style auto|virtual|path
	    auto: virtual-hosted (bucket.s3.REGION.amazonaws.com) on AWS;
	    path-style on a custom endpoint and for bucket names that cannot be a
	    DNS label. The profile's s3.addressing_style is the default.
	--workers N
	    Signing goroutines, 1 to 1024 (default GOMAXPROCS).
	--shard-index I --shard-count N
	    Sign only this shard's rows (see Sharding).
	--progress auto|always|never
	    Progress on stderr: redrawn every second on a terminal (auto), a
	    line every 10 s with always.
	--input-format ndjson|csv|parquet
	    Manifest format (from the extension; ndjson on stdin; a Parquet stdin
	    is spooled to an unlinked temporary file).
	--include-noncurrent
	    presign, sign: with an S3 Inventory manifest.json, also sign the
	    versions that are not the latest (see S3 Inventory reports).

The manifest, -o, --rejects and --summary may each be an S3 object,
s3://BUCKET/KEY (see S3 manifests and outputs).

# Manifest rows

NDJSON keys are Parquet columns and CSV header names (see CSV manifests).
Every field is optional but the address:

	id              string (or a number, kept as written)
	method          GET (default), HEAD, PUT, DELETE, POST; any case
	url             an absolute http(s) URL: its query is decoded and signed,
	                its path decoded into the S3 key and encoded again once;
	                the region is taken from an AWS host name when the row
	                has none
	bucket, key     instead of url: raw UTF-8 (invalid UTF-8 is a reject)
	region          default --region, then the environment and profile
	service         s3 (default); other services need a url
	expires         whole seconds, 1…604800
	headers, query  objects of strings (Parquet: MAP<STRING,STRING>);
	                header names are HTTP tokens and values hold no CR,
	                LF or NUL (else the row is rejected, field headers)
	content_sha256, body_file, payload
	                sign only: the payload hash, "unsigned" for
	                UNSIGNED-PAYLOAD, or a file whose SHA-256 is computed;
	                body_file must be a regular file (a device, FIFO or
	                directory rejects the row) and a signal stops its
	                hashing at once
	body            inline body text, sign --scheme azure-hmac only
	region_set      SigV4a's region set (see SigV4a)

Unknown fields are ignored. A field of the wrong type rejects that row,
naming the field; a line that is not one JSON object rejects that row and
reading goes on. In Parquet a type belongs to the column: a column of the
wrong type is a configuration error for the file (exit 2). Row numbers are
NDJSON and CSV line numbers (blank lines count, so "sed -n 812p" shows row 812) and
Parquet record numbers.

# CSV manifests

A .csv manifest (or --input-format csv) is RFC 4180 CSV whose first line
names the columns: the NDJSON keys above (id, method, url, bucket, key,
region, service, expires, content_sha256, body_file, payload, body,
region_set, and the mac fields), plus one column per header to sign,
named header:NAME, and one per query parameter, named query:NAME:

	id,bucket,key,expires,header:Content-Type,query:versionId
	inv-1,acme,"reports/Q3, final.pdf",3600,,
	up-2,acme,incoming/scan 001.tiff,900,image/tiff,
	old-3,acme,reports/Q2.pdf,,,3HL4kqtJlcpXroDTDmJ+rmSpXd3dIbrHY

A column named headers or query (a JSON object in a cell) is refused:
headers and query parameters are columns of their own. An empty cell is a
field not given (as a JSON null), so a header or query parameter with an
empty value needs NDJSON or Parquet. Columns with other names are ignored,
as unknown NDJSON keys are; a column named twice or without a name is a
configuration error (exit 2). Fields may be quoted, with "" for a quote;
lines end in LF or CRLF; a byte order mark before the header is ignored.

A row is one line: a quoted field may hold commas, not line breaks (sharding
splits manifests at line boundaries). A quoted field left open at the end of
its line rejects that row, naming the field, and the next line is read as a
row of its own; keys with line breaks need an NDJSON or Parquet manifest. A
line with more or fewer fields than the header, a quote inside an unquoted
field or text after a closing quote rejects that row (field empty for a
count mismatch). Row numbers are line numbers, the header being line 1.
examples/manifest.csv is the bundled example as CSV; it gives the NDJSON
example's URLs byte for byte.

# S3 Inventory reports

A manifest argument that is a file named manifest.json holding an S3
Inventory manifest (sourceBucket, fileFormat, files) is read as the report
it describes: each data file of files[], in order, becomes rows to presign
or sign. For a local manifest.json, a data file is found as KEY under the
nearest directory above manifest.json that holds it, so a downloaded copy of
the destination bucket's tree (or of its inventory prefix) works as it is;
for s3://BUCKET/…/manifest.json it is s3://DESTINATION-BUCKET/KEY, the
bucket named by destinationBucket. manifest.json is checked strictly (every
field S3 writes, version 2016-11-30, a bucket ARN, 32-hex-digit MD5s): an
invalid one ends the run with exit 3.

Each data file is read once, its size compared with manifest.json's first
and its MD5 computed as its bytes are read: a CSV file's rows are signed
as they stream and the file is checked after its last row; a Parquet file
(read footer first, and only the columns a row needs, so ranged reads
would never see every byte) is copied whole into an unlinked temporary
file under $TMPDIR, checked, then read from there: $TMPDIR needs room for
the largest Parquet data file. A mismatch ends the run with exit 3 and
nothing at -o (no row of a file that did not verify, nor of the files
before it, is ever published).

CSV reports (gzip'd, no header line, columns from fileSchema) have their
keys URL-encoded as HTML forms are (a space is "+", a literal "+" is
"%2B"), decoded here; a key that is not valid encoding rejects its row,
field key. Parquet reports (snake_case columns bucket, key, version_id,
is_latest, is_delete_marker, …) carry raw keys. ORC reports are refused,
exit 2, naming the format: configure the inventory as CSV or Parquet.

Each object becomes a row with its bucket and key; id is the key, with
"?versionId=ID" appended for a report with versions, whose versionId goes
in the signed query. Delete markers are skipped, and so are versions that
are not the latest unless --include-noncurrent; both are counted on stderr
("inventory: skipped 1 delete marker and 2 noncurrent versions") and in the
summary (skipped_delete_markers, skipped_noncurrent). Method, expiry, region
and the rest come from the command's flags. Rejects name the data file and
the record's number in it (from 1, the skipped records included). Shards of
a report read whole data files: a shard owns the files whose first byte,
the files laid end to end by size in manifest order, lies in its share.

Size limits: an NDJSON row (one line) is at most 16 MiB; a longer line
rejects that row and reading goes on. Memory is bounded by bytes as well as
rows: a batch closes at 1,024 rows or 1 MiB of manifest text, and the
batches in flight hold at most 8 MiB of text together (a single larger row
travels alone), so a run's peak memory stays under about 200 MB whatever
its rows' sizes, with any --workers (1 to 1024).

# presign

Signs host only and UNSIGNED-PAYLOAD, the S3 way; a row with headers also
signs those (the client must send them; X-Amz-SignedHeaders lists them).
payload other than "unsigned" and content_sha256 are rejected: a presigned
URL cannot carry a body hash; use sign.

Under sigv4, a PUT row may bind its URL to one body, which S3 then checks:

	body_file         a file: its SHA-256 (computed as for sign), base64,
	                  signed as x-amz-checksum-sha256 with
	                  x-amz-sdk-checksum-algorithm: SHA256
	checksum_sha256   that base64 SHA-256 given instead (with body_file,
	                  they must agree)
	content_md5       a base64 MD5, signed as Content-MD5

Other methods, malformed values and rows whose headers already carry those
headers are rejected, naming the field (sigv2 and sigv4a rows take none of
them; a Multi-Region Access Point row that gives one is rejected).

Output rows under sigv4, sigv2 and sigv4a carry, after expires_at, a headers
object: every header the URL signed besides host, which the client must
send with the request (the row's own headers, and the checksum headers).
NDJSON leaves it out of rows that signed none; CSV has the columns
content-type, content-md5, x-amz-checksum-sha256 and
x-amz-sdk-checksum-algorithm (other headers appear in NDJSON and Parquet
only); Parquet a MAP<STRING,STRING> (empty when none). verify takes the
headers from the row, so presign output verifies as it is.

With --scheme sigv2, S3 legacy SigV2 query-auth URLs (AWSAccessKeyId,
Expires = signing time + lifetime in Unix seconds, Signature = base64
HMAC-SHA1, URL-encoded; sub-resources and response-* overrides signed,
headers signed and carried in the query). S3 only: a row with another
service is rejected. A url row is virtual-hosted when its host is
BUCKET.s3….amazonaws.com, path style otherwise.

# SigV4a

--scheme sigv4a presigns and signs with AWS Signature Version 4a, which S3
Multi-Region Access Points require: X-Amz-Algorithm AWS4-ECDSA-P256-SHA256, a
credential scope without a region (AKID/DATE/SERVICE/aws4_request), the
signed region set as X-Amz-Region-Set (a query parameter of a presigned URL,
a header of a signed request), and an ECDSA P-256 signature, different on
every run (ECDSA is randomised: verify SigV4a output, never diff it). The
credentials are the AWS ones, as for sigv4; the private key is derived from
them once per run. Rows are sigv4 rows with one more field:

	region_set      the regions the signature is valid in: names separated by
	                commas, '*' matching any run of characters
	                ("us-east-1,eu-west-1", "us-*"); default --region-set,
	                else "*"

	--region-set REGIONS
	    The region set of rows without region_set (default *).

A url row needs no region. A bucket+key row needs one to address an ordinary
bucket, but not a Multi-Region Access Point ARN as its bucket, which is
addressed at the access point's global host:

	arn:aws:s3::123456789012:accesspoint/mfzwi23gnjvgw.mrap
	→ https://mfzwi23gnjvgw.mrap.accesspoint.s3-global.amazonaws.com/KEY

(the alias, ".mrap" included, then .accesspoint.s3-global.amazonaws.com, as
AWS's SDKs resolve it; the account is 12 digits, the partition aws). Any
other ARN as a bucket is a reject naming the bucket field.

Under --scheme sigv4 (the default), a row whose url host ends in
.accesspoint.s3-global.amazonaws.com, or whose bucket is an MRAP ARN, is
signed with SigV4a as above, region_set and --region-set included: a
Multi-Region Access Point refuses SigV4. The other rows keep SigV4. sign
adds X-Amz-Region-Set to the headers (a CSV column x-amz-region-set).

# Google Cloud Storage

presign --scheme gcs-rsa and --scheme gcs-hmac write Cloud Storage V4 signed
URLs, as Google's client libraries sign them (scope DATE/LOCATION/storage/
goog4_request, UNSIGNED-PAYLOAD, X-Goog-* query parameters, signature last).
gcs-rsa signs with a service account's key (GOOG4-RSA-SHA256, deterministic:
pinned --time gives the same URLs byte for byte), gcs-hmac with an HMAC key
(GOOG4-HMAC-SHA256).

Keys:

	gcs-rsa     --gcs-key-file FILE, else the file GOOGLE_APPLICATION_CREDENTIALS
	            names: a service-account JSON key (type "service_account",
	            client_email, private_key), the file the Cloud console or
	            "gcloud iam service-accounts keys create" writes. Like a
	            keyring it must be a regular file of at most 1 MiB that group
	            and others cannot read (chmod 600); an authorized_user file
	            cannot sign. Any problem is exit 2, naming the file and the
	            problem, never its contents.
	gcs-hmac    GCS_HMAC_ACCESS_ID (GOOG1E…) and GCS_HMAC_SECRET, from the
	            environment only: no flag takes the secret, so it stays out of
	            the process list.

Rows: id; method (GET default, HEAD, PUT, POST for a resumable upload's
start with "x-goog-resumable: start", DELETE); bucket and key (the object
name, raw UTF-8; without key the URL lists the bucket), or url; expires
(1…604800 seconds); headers the client must send (signed); query (signed,
e.g. response-content-disposition, generation). region, service and body
fields are rejects naming the field. Where the bucket goes:

	bucket+key   path-style https://storage.googleapis.com/BUCKET/KEY, or
	             https://BUCKET.storage.googleapis.com/KEY with
	             --addressing-style virtual; --endpoint-url replaces
	             https://storage.googleapis.com (an emulator, another universe
	             domain); the AWS settings and environment do not apply
	url          path-style when its host is the endpoint's, virtual-hosted
	             when it is BUCKET.<endpoint>, otherwise a bucket-bound host
	             name (https://cdn.example.com/KEY; the bucket is not in the
	             URL); the url's query is signed with the row's

	--gcs-key-file FILE
	    The service-account key of gcs-rsa (default GOOGLE_APPLICATION_CREDENTIALS).
	--gcs-region LOCATION
	    The credential scope's location (default auto, which Cloud Storage
	    accepts for every bucket).

Output: id, method, url, expires_at and headers, the headers the row signed,
which the client must send ({} when none; in CSV the columns content-type,
content-md5, x-goog-content-sha256, x-goog-resumable; in Parquet a map).
--region, --profile and --clamp-expiry are usage errors under these schemes;
sign has no GCS scheme.

# Azure Blob Storage

presign --scheme azure-sas writes Azure Blob Storage service SAS URLs signed
with the storage account's key, as Microsoft's client libraries sign them
(signed version sv=2022-11-02; the sixteen-line string to sign of versions
2020-12-06 and later; query sv, spr, se, sr, sp, the overrides, sig).

Key, from the environment only (the names the Azure CLI reads; no flag takes
the key, so it stays out of the process list):

	AZURE_STORAGE_CONNECTION_STRING   AccountName=…;AccountKey=…, with
	                                  BlobEndpoint=… or DefaultEndpointsProtocol
	                                  and EndpointSuffix (default
	                                  https://ACCOUNT.blob.core.windows.net);
	                                  UseDevelopmentStorage=true is the
	                                  emulator's development account
	AZURE_STORAGE_ACCOUNT, AZURE_STORAGE_KEY   otherwise: the account name and
	                                  its base64 key, on the public endpoint

Rows: id; method (GET default, HEAD, PUT, DELETE); bucket (the container)
and key (the blob name, raw UTF-8, at most 1,024 characters, no '\'; without
key the URL is for the container, sr=c), or url
(https://ACCOUNT.blob.core.windows.net/CONTAINER/BLOB, or path-style
http://HOST:PORT/ACCOUNT/CONTAINER/BLOB on an IP address or localhost; the
account must be the key's); permissions (SAS letters, blob racwdxtmeiy,
container racwdxltmeiyf, written in that order) instead of the method's: r
for GET and HEAD, cw for PUT, d for DELETE; expires (1…604800 seconds; se is
--time plus expires, and there is no st); query: the response headers to
override, by their S3 names (response-cache-control,
response-content-disposition, response-content-encoding,
response-content-language, response-content-type) or Azure's (rscc, rscd,
rsce, rscl, rsct). Any other query parameter, headers, region, service and
body fields are rejects naming the field.

The blob name is percent-encoded in the URL (every byte but A-Z a-z 0-9 - .
_ ~, '/' kept) and signed unescaped (/blob/ACCOUNT/CONTAINER/BLOB).
spr=https, or https,http when the endpoint is http (the emulator).
--endpoint-url replaces the connection string's endpoint: path-style
(http://127.0.0.1:10000 → http://127.0.0.1:10000/ACCOUNT) on an IP address or
localhost. --region, --profile, --clamp-expiry and --addressing-style are
usage errors under azure-sas; sign has no SAS scheme.

Output: id, method, url, expires_at and headers, the headers the client must
send: x-ms-blob-type: BlockBlob for a PUT (Put Blob needs it), {} otherwise
(in CSV the column x-ms-blob-type; in Parquet a map).

# Amazon CloudFront

presign --scheme cloudfront writes CloudFront signed URLs (or, with
--cookies, signed cookies) for a distribution whose behaviour trusts a key
group: signed with the key group's RSA key pair, not with AWS credentials
(which are not read), so a URL may live past 7 days and past the job's
credentials, on the distribution's own domain. Signatures are RSA-SHA1
PKCS #1 v1.5 and deterministic: a pinned --time gives the same URLs byte
for byte.

Keys:

	--key-pair-id ID   the public key's ID in CloudFront (K2JCJMDEHXQW5F),
	                   default BATCHSIGN_CLOUDFRONT_KEY_PAIR_ID
	--private-key FILE the key pair's private key, PEM: PKCS #1 ("BEGIN RSA
	                   PRIVATE KEY", what "openssl genrsa" writes) or PKCS #8
	                   ("BEGIN PRIVATE KEY"), unencrypted, RSA of at least
	                   2048 bits. Like a keyring it must be a regular file
	                   that group and others cannot read (chmod 600). Without
	                   the flag, the PEM itself is read from
	                   BATCHSIGN_CLOUDFRONT_PRIVATE_KEY. An encrypted PEM, an
	                   EC key or a public key is exit 2, naming the problem,
	                   never quoting the key.

Rows: id; method (GET default, or HEAD); url, the distribution URL signed
exactly as written, so its path must be percent-encoded as the viewer will
send it (a space as %20, '#' as %23, UTF-8 as %XX), or key, joined to
--cloudfront-domain as https://DOMAIN/KEY with every byte but
A-Z a-z 0-9 - . _ ~ / percent-encoded; expires, seconds from the signing
instant (--time pins it), 1 second to 100 years: no 7-day cap (--expires
likewise, up to 36500d); and optionally ip_address (a CIDR: 192.0.2.0/24;
one address is 192.0.2.7/32), not_before (RFC 3339) and resource (a URL
pattern: '*' any run of characters, '/' included; '?' one character), any
of which makes a custom policy. Without them the URL carries the canned
policy, {"Statement":[{"Resource":"URL","Condition":{"DateLessThan":
{"AWS:EpochTime":N}}}]}, as Expires, Signature and Key-Pair-Id; with them,
Policy, Signature and Key-Pair-Id. The parameters follow a '?', or a '&'
when the url has a query. A url with a fragment, user information, raw
spaces or quotes, an empty trailing query, or Expires, Policy, Signature,
Key-Pair-Id or Hash-Algorithm already in its query is a reject naming url;
bucket, region, service, headers, query and body fields are rejects naming
the field.

	--cloudfront-domain HOST
	    The distribution's host (d111111abcdef8.cloudfront.net, or an
	    alternate domain name): key rows are placed on it, and a url row on
	    another host is a reject naming url. Without it only url rows sign.
	--cookies
	    Write signed cookies instead of signed URLs: the url column is the
	    URL unsigned and the cookies column holds CloudFront-Policy,
	    CloudFront-Signature and CloudFront-Key-Pair-Id (CSV: three columns)
	    for the row's resource, else its folder under --policy-per-prefix,
	    else the URL alone. Cookies always carry a custom policy.
	--policy-per-prefix
	    Rows without resource are signed under a custom policy whose
	    resource is the row's folder: the URL up to the last '/' of its
	    path, then '*' (https://DOMAIN/exports/42/*). Rows of one folder
	    with the same expiry (and ip_address, not_before) share one RSA
	    signature, signed once per worker and cached (4096 folders per
	    worker), instead of one each. What it grants: each URL, and each
	    cookie, opens every object under its folder, sub-folders and any
	    query string included, until the expiry, to whoever holds it. Use it
	    where a folder's files go to one recipient. Rows at the
	    distribution's root (whose pattern would grant all of it), and rows
	    whose folder holds '*', are signed per URL.

Output: id, method, url, expires_at and cookies ({} for signed URLs).
--region, --profile, --clamp-expiry, --endpoint-url and --addressing-style
are usage errors under this scheme; sign has no CloudFront scheme.

verify --scheme cloudfront judges rows as CloudFront would: the key pair id
(--key-pair-id, else any) with --public-key FILE (PEM, "BEGIN PUBLIC KEY",
the key uploaded to CloudFront); the signature over the canned policy
(rebuilt from the url without its signature parameters) or over Policy; the
policy's resource against the url, wildcards included (wrong_scope); the
expiry (expired) and DateGreaterThan (not_yet_valid). A row's ip_address is
there the viewer's address (192.0.2.7), judged against the policy's range
(wrong_scope); without it the range is not judged. A row may give signed
cookies instead, as headers {"Cookie": "CloudFront-Policy=…;
CloudFront-Signature=…; CloudFront-Key-Pair-Id=…"}. Under --scheme auto
CloudFront URLs are not recognised: name the scheme.

# presign-post

One S3 POST policy per row: a form with which a browser (or curl -F) uploads
one object straight into a bucket, signed with SigV4 under the AWS
credentials, without the uploader holding any key. Row fields:

	id, bucket, region, expires   as for presign (expires: how long the
	                              policy accepts uploads, 1s…7d)
	key                           the object's key: the form's key field and
	                              an exact-match condition
	key_prefix                    instead of key: the uploader chooses the
	                              key within the prefix (["starts-with",
	                              "$key", prefix]); the form's key field is
	                              prefix + "${filename}", which S3 replaces
	                              with the uploaded file's name
	content_type                  "image/png": that Content-Type, sent in
	                              the form; ending in '*', "image/*": a
	                              prefix the uploader's own Content-Type
	                              field must start with ("*": any)
	content_length_range          "MIN,MAX" (or "[MIN, MAX]"): the file's
	                              size in bytes, both included
	acl                           a canned ACL (private, public-read, ...)
	success_action_status         200, 201 or 204
	headers                       further form fields, each an exact-match
	                              condition (x-amz-meta-*, Cache-Control,
	                              Content-Disposition,
	                              x-amz-server-side-encryption, ...)

url, method, service, query, content_sha256, body_file, payload and body
reject the row. Output: id; url, the form's action (the bucket's URL,
virtual-hosted or path-style as --addressing-style and --endpoint-url say);
fields, the form fields as one object in the order to send them (key, acl,
Content-Type, success_action_status, the row's headers, x-amz-algorithm,
x-amz-credential, x-amz-date, x-amz-security-token with temporary
credentials, policy, x-amz-signature); expires_at. In CSV, fields is one
cell holding that JSON object; in Parquet a MAP<STRING,STRING> (sorted by
name: keep the order above when building the form). The policy is
{"expiration":"…","conditions":[{"bucket":…}, the key's condition, the
row's conditions and fields, x-amz-algorithm, x-amz-credential, x-amz-date,
x-amz-security-token]}, base64; x-amz-signature is the hex HMAC-SHA256 of
that base64 text under the day's SigV4 signing key. Send a multipart/form-data
POST to url with every field, then any field a starts-with condition leaves
to the uploader (Content-Type), then the file last:

	curl -F key=users/7/avatar/me.png -F acl=private … -F policy=… \
	     -F x-amz-signature=… -F Content-Type=image/png -F file=@me.png URL

# sign

Emits the URL and X-Amz-Security-Token (temporary credentials), X-Amz-Date,
x-amz-content-sha256 and Authorization; the row's own headers must be sent
too. The payload hash is, in order: UNSIGNED-PAYLOAD with
"payload":"unsigned"; the SHA-256 of body_file (streamed; relative paths are
from the working directory; when content_sha256 is also given it must
match); content_sha256; otherwise the empty body's hash. In CSV the headers
are the columns authorization, x-amz-date, x-amz-content-sha256,
x-amz-security-token; in Parquet a headers map.

With --scheme azure-hmac, Azure Communication Services requests signed with
HMAC-SHA256 as Microsoft's client libraries do: x-ms-date (the run's signing
instant), x-ms-content-sha256 and Authorization: HMAC-SHA256
SignedHeaders=x-ms-date;host;x-ms-content-sha256&Signature=…. The key comes
from a connection string (endpoint=https://…/;accesskey=<base64>),
--connection-string or, better (it stays out of the process list),
COMMUNICATION_SERVICES_CONNECTION_STRING; none, or one that does not parse,
is exit 2, and no message quotes the string or the key. Rows: id, method
(GET default, HEAD, POST, PUT, PATCH, DELETE), url (absolute, signed exactly
as written: path and query neither decoded, re-encoded nor sorted; or a path
starting with "/", appended to the connection string's endpoint), the body
as body or body_file, or neither for an empty body. SigV4 fields and flags
are rejected, naming them. Output headers: Host (the authority signed, port
included: send exactly this), x-ms-date, x-ms-content-sha256,
Authorization. x-ms-date is checked against a 15-minute clock skew by the
service, so sign shortly before sending.

# verify

Audits presigned URLs (rows id, url, method: the output of presign is valid
input) or signed requests (rows id, method, url, headers with the
Authorization: the output of sign is valid input once the row's own headers
are put back). With --scheme auto each row's scheme is told from the row:

	no Authorization, query has AWSAccessKeyId and Signature   sigv2
	no Authorization otherwise                                 sigv4 presigned URL
	Authorization: HMAC-SHA256 …                               azure-hmac
	X-Amz-Algorithm=AWS4-ECDSA-P256-SHA256, or an
	Authorization starting AWS4-ECDSA-P256-SHA256              sigv4a (URL or header auth)
	X-Goog-Algorithm (any case) GOOG4-HMAC-SHA256              gcs-hmac
	X-Goog-Algorithm otherwise                                 gcs-rsa
	no Authorization, query has sv and sig                     azure-sas
	Authorization otherwise                                    sigv4 header auth (15 minutes of clock skew)

Output rows: id, valid, reason ("" when valid, else a stable code:
signature_mismatch, expired, not_yet_valid, clock_skew, unknown_key,
wrong_scope, unsigned_header, malformed, content_hash_mismatch,
wrong_permission), scheme. An
invalid signature is an answer, not a reject; a row that cannot be judged is
a reject. The signature is checked before the time, so expired means
authentic but expired.

	--keys FILE
	    The secrets to verify with instead of the resolved credentials:
	    {"AKID":"secret",…}, or objects {"access_key_id":…,
	    "secret_access_key":…} as NDJSON lines or a JSON array. Refused
	    (exit 2) when group or others may read it.
	--region R, --service S
	    Accept only SigV4 scopes for this region / service (wrong_scope
	    otherwise); for SigV4a, only region sets that hold R. The region is
	    never taken from the environment here.
	--gcs-key-file FILE
	    The service account whose gcs-rsa URLs are checked (default
	    GOOGLE_APPLICATION_CREDENTIALS; under --scheme auto a file there that
	    is no service-account key is passed over and its rows answered
	    unknown_key). gcs-hmac URLs are checked with GCS_HMAC_ACCESS_ID and
	    GCS_HMAC_SECRET.
	--connection-string CS
	    The Azure key for azure-hmac rows
	    (COMMUNICATION_SERVICES_CONNECTION_STRING).

azure-sas URLs are checked with the storage account key of
AZURE_STORAGE_CONNECTION_STRING, or AZURE_STORAGE_ACCOUNT and
AZURE_STORAGE_KEY (URLs of another account: unknown_key), as the service
would: the signature, then spr against the URL's scheme (an https-only SAS on
http: wrong_scope), the permissions against the row's method
(wrong_permission: r for GET and HEAD, c or w for PUT, d for DELETE), se
(expired) and st (not_yet_valid). Signed versions before 2020-12-06, stored
access policies (si) and resources other than b and c are malformed.

Exit status: 0 every row valid; 1 some rows invalid or rejected.

# mac

	batchsign mac generate [flags] MANIFEST|-
	batchsign mac verify   [flags] MANIFEST|-

KMS-style HMACs with the semantics of AWS KMS GenerateMac and VerifyMac. Keys
come from exactly one of --keyring FILE (a local JSON keyring: key_id,
aliases, algorithms, base64 key_material, optional allow_any_length; refused
when group or others may access it) or --kms-endpoint URL (the AWS KMS JSON
API, requests signed with batchsign's SigV4 and the resolved credentials).
Rows: id, key_id (id, ARN, alias/… or alias ARN), algorithm (HMAC_SHA_224,
HMAC_SHA_256, HMAC_SHA_384, HMAC_SHA_512), message (base64) or message_file,
and for verify, mac (base64). Output: generate writes id, key_id, algorithm,
mac; verify writes id, valid, reason (KMSInvalidMacException when the MAC
does not match; compared in constant time). What KMS would refuse is a
reject naming the field and the KMS exception.

# Credentials

The AWS SDK's default chain, as the AWS CLI resolves them: --profile; else
AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY with AWS_SESSION_TOKEN and
AWS_CREDENTIAL_EXPIRATION; else AWS_WEB_IDENTITY_TOKEN_FILE with AWS_ROLE_ARN
(EKS IRSA; STS at AWS_ENDPOINT_URL_STS when set); else the profile named by
AWS_PROFILE (or default) in AWS_SHARED_CREDENTIALS_FILE / AWS_CONFIG_FILE:
static keys, role_arn with source_profile or credential_source,
credential_process, SSO; else the container endpoint
(AWS_CONTAINER_CREDENTIALS_RELATIVE_URI or _FULL_URI, with
AWS_CONTAINER_AUTHORIZATION_TOKEN or _TOKEN_FILE: ECS, AWS Batch, EKS Pod
Identity); else IMDSv2 (AWS_EC2_METADATA_SERVICE_ENDPOINT;
AWS_EC2_METADATA_DISABLED=true turns it off). They are fetched once per run,
before anything is written; with static keys (environment or profile) there
is no network call. Their expiry, from whichever source, bounds every URL
(see --clamp-expiry). A run on the clock (no --time) that outlasts them (a
long sign run hashing bodies) takes fresh ones from the same source, through
the SDK's credentials cache, five minutes before they expire: the check is
made before each batch and after each body_file hash, the rows from then on
are signed with the new keys, and if the source has none by the time the old
ones expire the run stops (exit 3) rather than sign with expired keys. A run
pinned with --time signs every row with the credentials fetched first. A config, credentials or token file that is not a
regular file or is over 4 MiB is a configuration error (exit 2). No secret
ever appears in an output, a message or a panic.

# Manifests of many files

The manifest may be several arguments, each a file, a directory or a glob
(a name with * ? or [ that is not itself a file): a directory stands for
its files at any depth, a glob for its matches, each in lexical byte order
of the full name, skipping names that start with "_" or "." (_SUCCESS, .crc
files, hidden directories); the arguments are read in the order given, as
one manifest. Each file's format comes from its extension (.ndjson .jsonl
.json .parquet), or --input-format for all. A directory or glob with no
file is exit 2. With more than one file, each reject names its file first:

	{"file":"parts/part-0003.ndjson","row":812,"id":"a-17","field":"key","error":"…"}

"row" is always the line (NDJSON) or record (Parquet) number in that file,
blank lines counted: `sed -n 812p parts/part-0003.ndjson` shows it. A shard
that starts inside a file counts the lines before its range only when it
rejects a row there (one read of that part of the file).

# Sharding

A sharded run signs a contiguous share of the manifest, planned from file
sizes alone: the files are laid end to end in manifest order and shard i of
N owns bytes [B·i/N, B·(i+1)/N) of their B bytes. An NDJSON file gives a
shard the lines whose first byte lies in its share (a shard starting
inside a file begins after the first newline at or past its start less
one byte, and ends with the line that crosses its end), and it reads only
those bytes and that one line; a Parquet file gives a shard the records in
proportion to its bytes (record k of R sits at byte k·S/R of S), and it
reads only the row groups that hold them, from the first of its records.
With --time pinned, the outputs of shards 0…N-1 concatenated in shard order
are byte for byte the unsharded run's output (NDJSON and CSV; Parquet: the
same rows in the same order), and so are their rejects. In CSV output only
shard 0 writes the header line. A manifest on stdin or a pipe cannot be
sharded (exit 2).

The index comes from --shard-index, else JOB_COMPLETION_INDEX (Kubernetes
Indexed Jobs), else AWS_BATCH_JOB_ARRAY_INDEX; the count from
--shard-count, else BATCHSIGN_SHARD_COUNT, else AWS_BATCH_JOB_ARRAY_SIZE. An
index without a count is an error. "{shard}" in -o, --rejects and --summary
becomes the index. See examples/k8s-indexed-job.yaml and
examples/aws-batch-array-job.json.

"batchsign plan --shard-count N MANIFEST..." prints, as JSON, how the
manifest splits, without signing: the files (name, format, bytes, rows; row
groups for Parquet), and per shard its range of the manifest's bytes, the
pieces it reads (a file with a byte range: lines that start in it; for
Parquet, records and row groups [first, end)) and its rows (exact for
Parquet, estimated from each NDJSON file's first 64 KiB: rows_exact false).
It reads sizes, Parquet footers and those samples only.

"batchsign plan --check SUMMARY..." reads the --summary files of the shards
of one run (files, directories, globs or an s3://bucket/prefix/ holding
only summaries) and prints {"complete":…, "shard_count", "summaries",
"rows_read", "signed", "rejected", "problems":[…]}: complete when every
index 0…N-1 is there once, with one command, signing time and manifest,
every exit status is 0 or 1, each shard's signed + rejected equals its
rows read, and the shards' ranges follow one another from byte 0 to the
manifest's end. Exit 0 when complete, 1 when not, 2 when a summary cannot
be read.

# Output files

-o, --rejects and --summary are checked before the first row is read: a
missing or unwritable directory, a directory at the path, or a path that is
one of the run's inputs (manifest, stdin, --keys, --keyring) or another of
its outputs — however it is spelled: symlink, symlinked directory, hard
link — is exit 2 with nothing written. Each output is written to a hidden
temporary file beside it (.NAME.PID.RANDOM.batchsign.tmp, mode 0600, always
within the file system's name limit); only when all of them are written and
synced are they renamed into place, the summary last. A failure midway, or a
full disk at any of them, gives exit 3 and leaves nothing at -o (the summary
of a failed run alone is kept, with exit_status 3). SIGINT, SIGTERM and
SIGHUP end a run with exit 130, 143 and 129, a message, and nothing left
behind.

A symlink at a destination is followed and its target replaced. An existing
FIFO or device, or /dev/stdout, is written in place as the run goes — not
atomically — and never replaced; its rejects then go to stderr unless
--rejects is given.

A run locks each destination (.NAME.batchsign.lock, holding its pid). A
second run on the same file exits 2 naming that pid, or waits for it with
--wait-lock, so output, rejects and summary always come from one run.
SIGKILL or a crash can leave temporary files and a lock file: the next run
on the same destination removes them once their own locks show that the
process that wrote them is gone, and says whose they were. On file systems
without flock, runs are not kept apart and nothing is swept.

# S3 manifests and outputs

A manifest named s3://BUCKET/KEY is read from S3: an NDJSON manifest
streams from one GetObject (memory bounded whatever its size); a Parquet
manifest is read through ranged GETs of aligned 4 MiB blocks, the footer
first, then the blocks holding the column chunks the manifest uses, eight
blocks (32 MiB) cached at most, with the next block fetched ahead on
sequential reads: it is never downloaded whole. Reads after the first are
conditional on the object's ETag, so an object replaced during the run is
exit 3, never a mix of two versions. A missing object is exit 2.

-o, --rejects and --summary may be s3://BUCKET/KEY (KEY not ending in
"/"); with -o s3://…/urls.ndjson the rejects default to
s3://…/urls.rejects.ndjson. Each is written through a multipart upload:
5 MiB parts are uploaded while signing goes on, at most 4 at a time, so an
upload holds at most 25 MiB (parts grow by 5 MiB every 1,000 parts, up to
268 GiB). An output under one part is sent with one PutObject at the end.
Nothing is visible until the run succeeds: the S3 uploads' last parts are
sent and the local files synced, then the uploads are completed
(CompleteMultipartUpload) and the local files renamed, the summary last.
On failure (exit 3), SIGINT, SIGTERM or SIGHUP every upload is aborted and
checked gone (ListParts): no object and no pending upload is left. Only
SIGKILL or a crash can leave a pending upload; a bucket lifecycle rule
with AbortIncompleteMultipartUpload removes it. S3 outputs take no lock:
two runs on one object are not kept apart, and the last to complete wins.

The S3 client uses the run's AWS credentials and region (see Credentials;
for the azure and gcs schemes they are resolved for the S3 access alone)
and the AWS CLI's endpoint order: --endpoint-url, else
AWS_ENDPOINT_URL_S3, else AWS_ENDPOINT_URL, else the profile's services s3
endpoint_url, else its endpoint_url, else AWS (AWS_IGNORE_CONFIGURED_ENDPOINT_URLS
skips all but the flag; --signing-endpoint-url moves only the signed
URLs); path-style under --addressing-style path and, as
for the signed URLs, under auto on a custom endpoint. The manifest's bucket
must be in the client's region. The job's role needs s3:GetObject on the
manifest and s3:PutObject and s3:AbortMultipartUpload on the outputs
(s3:ListMultipartUploadParts too, for the check after an abort).

A 1 GB Parquet manifest read from S3 and signed into an S3 output keeps the
run under 200 MB of RSS (see GOMEMLIMIT under Environment).

# Exit status

	0        every row signed (verify: valid)
	1        some rows rejected (verify: or invalid); their count and where they are on stderr
	2        usage or configuration error, detected before anything is written
	3        the run failed (a read or write error, a corrupt manifest); nothing is left at -o
	128+N    interrupted by signal N (129 SIGHUP, 130 SIGINT, 143 SIGTERM); nothing is left at -o

A one-line summary (rows read, signed, rejected, clamped, elapsed, rows/s)
always ends stderr; with AWS credentials a second line names them, as
"credentials: container, key …WXYZ, 5h59m0s left (until
2026-11-23T18:00:00Z)" (the source, the access key ID's last four
characters, the time left from the signing instant).

# Environment

	GOOGLE_APPLICATION_CREDENTIALS   gcs-rsa's service-account key file (see Google Cloud Storage)
	GCS_HMAC_ACCESS_ID, GCS_HMAC_SECRET   gcs-hmac's HMAC key
	AZURE_STORAGE_CONNECTION_STRING, or AZURE_STORAGE_ACCOUNT and AZURE_STORAGE_KEY
	                        azure-sas's storage account key (see Azure Blob Storage)
	BATCHSIGN_CLOUDFRONT_PRIVATE_KEY   cloudfront's private key, the PEM itself (see Amazon CloudFront)
	BATCHSIGN_CLOUDFRONT_KEY_PAIR_ID   cloudfront's key pair id, when --key-pair-id is not given
	BATCHSIGN_SHA256        force a SHA-256 backend: block, stdlib or simd (default: chosen per CPU)
	BATCHSIGN_CPUPROFILE    write a CPU profile of the run to this file
	GOMEMLIMIT              the Go heap's soft limit; unset, a run sets 150MiB, so that its
	                        fixed buffers (batches, S3 blocks and parts) are not doubled by the
	                        collector's headroom and it stays under 200 MB of RSS; a run that needs
	                        more live memory still gets it, collecting more often (off: no limit)
*/
package main
