// Package gcs signs and verifies Google Cloud Storage V4 signed URLs and
// POST policies, with either of Cloud Storage's two V4 algorithms:
//
//   - GOOG4-RSA-SHA256: RSASSA-PKCS1-v1_5 over SHA-256 with a service
//     account's private key, the algorithm of Google's own client libraries;
//   - GOOG4-HMAC-SHA256: HMAC-SHA256 with a Cloud Storage HMAC key, under a
//     key derived per day like SigV4's: "GOOG4" + secret → date → region →
//     "storage" → "goog4_request".
//
// An RSA signature costs about a thousand HMACs (a 2048-bit private-key
// operation per URL); both algorithms give URLs any HTTP client can use for
// up to seven days.
//
// # Credentials
//
// ParseServiceAccountJSON reads the key file a service account's key is
// downloaded as (the file GOOGLE_APPLICATION_CREDENTIALS usually names):
// client_email and a PKCS #8 or PKCS #1 PEM private_key. It refuses the
// other credential files that variable may name (an "authorized_user" file
// from `gcloud auth application-default login` cannot sign) and says so.
// NewHMACKey takes an HMAC key's access ID and secret. Neither ever prints
// its secret, in any fmt verb, in JSON or in log/slog, and errors never
// quote key material.
//
// # Signing URLs
//
// A Signer is made once per credential, region and signing instant
// (NewRSASigner, NewHMACSigner) and is then used for every URL of a batch;
// it is not safe for concurrent use, so each worker gets its own. The
// instant is always an argument, never a clock reading, so output is
// reproducible, and RSA PKCS #1 v1.5 is deterministic: the same inputs give
// the same URL byte for byte. A Presign names the method, the bucket and
// object, how long the URL lives (X-Goog-Expires, 1 second to 7 days),
// headers the client will send and must be held to, and extra query
// parameters (response-content-disposition, generation, ...).
// AppendPresign appends the URL to a caller's buffer (an HMAC signer
// allocates nothing); PresignURL returns it as a string; Explain shows the
// canonical request and string to sign.
//
// The bucket goes where Presign.Style says: PathStyle
// (https://storage.googleapis.com/bucket/object), VirtualHostedStyle
// (https://bucket.storage.googleapis.com/object) or BucketBoundHostname
// (https://cdn.example.com/object, for a host name bound to the bucket).
// Presign.Host changes the endpoint: storage.example.com in another
// universe domain, localhost:4443 for an emulator.
//
// The canonical request follows Google's reference and its conformance
// suite, not AWS's rules where they differ:
//
//   - the path is /bucket/object (path style) or /object, every byte but
//     A-Z a-z 0-9 - . _ ~ and '/' written %XX once; slashes, leading and
//     doubled ones and dot segments included, are kept as they are;
//   - the query holds X-Goog-Algorithm, X-Goog-Credential
//     (ID/yyyymmdd/region/storage/goog4_request; region "auto" unless
//     Options.Region says otherwise), X-Goog-Date, X-Goog-Expires,
//     X-Goog-SignedHeaders and the caller's parameters, encoded like the
//     path but with '/' as %2F and sorted by encoded name, then value; the
//     URL carries them in that order, X-Goog-Signature last;
//   - headers are the host (the URL's host without its port: the suite
//     signs "host:localhost" for localhost:8080) and the caller's, names
//     lower-cased and sorted, values trimmed with each run of spaces and
//     tabs made one space;
//   - the payload line is UNSIGNED-PAYLOAD, or the value of a signed
//     x-goog-content-sha256 header, which binds the URL to one body.
//
// Google's clients disagree at a few edges, where this package keeps to the
// rules above, which the Node client and the suite follow: Google's Go
// client sorts query parameters by their raw name (url.Values), which
// differs from the encoded order only for names holding a character such
// as ':' that is escaped yet sorts after a digit or letter; the Node client
// keeps a lone tab inside a header value, sorts canonical headers with
// localeCompare ("_" before "-"), and sends a name with "." or ".."
// segments to a normalised path it did not sign.
//
// # POST policies
//
// SignPostPolicy signs an HTML form upload: the policy document (the
// caller's conditions, an exact match for each form field, then bucket,
// key, x-goog-date, x-goog-credential and x-goog-algorithm, written as
// Google's clients write it) in base64, signed like a URL's string to sign.
// The PostForm gives the form's action URL and its hidden fields in order.
//
// # Verifying
//
// A Verifier checks URLs of both algorithms: an RSA signature with the
// service account's public key (Keys.RSA), an HMAC in constant time with
// the secret (Keys.HMAC). It recomputes the canonical request from the URL
// as sent (path and query decoded and encoded again, X-Goog-* names read in
// any case as Cloud Storage and gsutil do) and the headers the URL signed,
// and says why a URL fails with a sigerr.VerifyReason: malformed, unknown
// key, wrong scope, host not signed, signature mismatch, not yet valid,
// expired. Authenticity is judged before time, so a forged URL is reported
// as forged. The URL's port is not part of what V4 signing covers.
//
// # Scope
//
// The package does no I/O (the caller reads key files) and reads no clock.
// It signs for the XML API's V4 signatures only; V2 signed URLs and
// AWS4-HMAC-SHA256 requests to Cloud Storage's interoperability endpoint
// are other schemes (the latter is package sigv4's, with service "s3").
//
// # Proof
//
// Google's V4 conformance suite (testdata/gcs-conformance): all 29 signed
// URLs, canonical request, string to sign and URL byte for byte, RSA
// signature included (one case's expected canonical request contradicts its
// own string to sign; a test names it), and all 11 POST policies, fields
// and signature byte for byte; every one of the 29 URLs verifies and a
// tampered copy does not. GOOG4-HMAC-SHA256 has no published vectors: the
// same 29 canonical requests are signed with an HMAC key and checked
// against the key chain computed with crypto/hmac, and 22 URLs that
// Google's Cloud Storage Node client signed with an HMAC key
// (testdata/gcs-hmac-node: hostile names, NFC and NFD, 1 KiB names, every
// URL style) match in canonical request, string to sign and URL. Fuzz
// targets cover the verifier's URL parsing, sign-then-verify round trips
// and key-file parsing.
package gcs
