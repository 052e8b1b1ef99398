/*
Command batchsign signs requests in bulk: for every row of a manifest, a
presigned URL, the headers that authorise the request, or a verdict on a
signature someone else made, at the speed of the hardware.

Usage:

	batchsign presign [flags] MANIFEST|-        one presigned URL per row:          id, method, url, expires_at
	batchsign presign-post [flags] MANIFEST|-   one S3 POST form per row:           id, url, fields, expires_at
	batchsign sign    [flags] MANIFEST|-        the headers that authorise each row: id, method, url, headers
	batchsign verify  [flags] INPUT|-           each row's signature judged:         id, valid, reason, scheme
	batchsign mac     generate|verify [flags] MANIFEST|-   KMS-style HMACs per row
	batchsign version                           version, Go, CPU features, SHA-256 backends

Flags and the manifest may come in any order; "batchsign COMMAND -h" lists
every flag of a command. This page is the reference; the repository's
README.md has a worked example.

# Schemes

Every command that signs or verifies names its scheme with --scheme:

	presign  --scheme sigv4 (default) | sigv2 | sigv4a | gcs-rsa | gcs-hmac
	presign-post --scheme sigv4 (the only one)
	sign     --scheme sigv4 (default) | azure-hmac | sigv4a
	verify   --scheme auto (default: each row's own) | sigv4 | sigv2 | azure-hmac | sigv4a | gcs-rsa | gcs-hmac

	scheme      signs                                        keys
	sigv4       AWS SigV4 (AWS4-HMAC-SHA256)                 the AWS credentials (see Credentials)
	sigv2       S3 legacy SigV2 query auth                   the AWS credentials
	sigv4a      AWS SigV4a (AWS4-ECDSA-P256-SHA256), S3      the AWS credentials
	            Multi-Region Access Points
	azure-hmac  Azure Communication Services HMAC-SHA256     COMMUNICATION_SERVICES_CONNECTION_STRING
	gcs-rsa     Google Cloud Storage V4, GOOG4-RSA-SHA256    --gcs-key-file or GOOGLE_APPLICATION_CREDENTIALS
	gcs-hmac    Google Cloud Storage V4, GOOG4-HMAC-SHA256   GCS_HMAC_ACCESS_ID and GCS_HMAC_SECRET

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
	    Write here (default stdout), atomically (see Output files). Files
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
	    shard_count, output, rejects, exit_status (verify: valid, invalid,
	    invalid_reasons).
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
	    AWS_PROFILE.
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
	--input-format ndjson|parquet
	    Manifest format (from the extension; ndjson on stdin; a Parquet stdin
	    is spooled to an unlinked temporary file).

# Manifest rows

NDJSON keys are Parquet columns. Every field is optional but the address:

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
NDJSON line numbers (blank lines count, so "sed -n 812p" shows row 812) and
Parquet record numbers.

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
	Authorization otherwise                                    sigv4 header auth (15 minutes of clock skew)

Output rows: id, valid, reason ("" when valid, else a stable code:
signature_mismatch, expired, not_yet_valid, clock_skew, unknown_key,
wrong_scope, unsigned_header, malformed, content_hash_mismatch), scheme. An
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
(see --clamp-expiry). A config, credentials or token file that is not a
regular file or is over 4 MiB is a configuration error (exit 2). No secret
ever appears in an output, a message or a panic.

# Sharding

Row n belongs to shard (n-1) mod count: shards are disjoint and their union
is the unsharded run. The index comes from --shard-index, else
JOB_COMPLETION_INDEX (Kubernetes Indexed Jobs), else
AWS_BATCH_JOB_ARRAY_INDEX; the count from --shard-count, else
BATCHSIGN_SHARD_COUNT, else AWS_BATCH_JOB_ARRAY_SIZE. An index without a
count is an error. "{shard}" in -o, --rejects and --summary becomes the
index. See examples/k8s-indexed-job.yaml and
examples/aws-batch-array-job.json.

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

# Exit status

	0        every row signed (verify: valid)
	1        some rows rejected (verify: or invalid); their count and where they are on stderr
	2        usage or configuration error, detected before anything is written
	3        the run failed (a read or write error, a corrupt manifest); nothing is left at -o
	128+N    interrupted by signal N (129 SIGHUP, 130 SIGINT, 143 SIGTERM); nothing is left at -o

A one-line summary (rows read, signed, rejected, clamped, elapsed, rows/s)
always ends stderr.

# Environment

	GOOGLE_APPLICATION_CREDENTIALS   gcs-rsa's service-account key file (see Google Cloud Storage)
	GCS_HMAC_ACCESS_ID, GCS_HMAC_SECRET   gcs-hmac's HMAC key
	BATCHSIGN_SHA256        force a SHA-256 backend: block, stdlib or simd (default: chosen per CPU)
	BATCHSIGN_CPUPROFILE    write a CPU profile of the run to this file
*/
package main
