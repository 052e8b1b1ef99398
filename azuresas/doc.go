// Package azuresas signs and verifies Azure Blob Storage service shared
// access signatures (SAS) made with a storage account's key: URLs that let
// whoever holds them read, write or delete one blob, or act on one
// container, until they expire, with no other credential.
//
// A service SAS is the resource's URL plus a query: the signed version
// (sv, Version), the protocols allowed (spr: https, or https,http for an
// http endpoint such as the emulator's), an optional start (st), the expiry
// (se), the signed resource (sr: b for a blob, c for a container), the
// permissions (sp) and optional response header overrides (rscc, rscd,
// rsce, rscl, rsct), and sig: the base64 HMAC-SHA256, under the account
// key, of a sixteen-line string to sign (the layout of signed version
// 2020-12-06 and later):
//
//	sp \n st \n se \n /blob/ACCOUNT/CONTAINER[/BLOB] \n si \n sip \n spr \n sv \n sr \n
//	snapshot time \n ses \n rscc \n rscd \n rsce \n rscl \n rsct
//
// The canonicalized resource (the fourth line) holds the blob name as it
// is, unescaped; the URL's path percent-encodes every byte of the name but
// A-Z a-z 0-9 - . _ ~ and '/', which is kept, so that any name (reserved
// characters, NFC or NFD unicode, 1,024 characters) round-trips. A name
// with '\' is refused: the service stores it as '/', so the URL would not
// name the blob that was signed.
//
// Permissions follow the method unless given: r for GET and HEAD, cw for
// PUT (create a blob or write over one), d for DELETE. Given ones are
// written in the service's canonical order (blob: racwdxtmeiy; container:
// racwdxltmeiyf).
//
// Signer builds URLs (AppendPresign appends into a caller's buffer and
// allocates nothing in steady state); Verifier checks them as the service
// would, with a constant-time comparison and a typed reason
// (sigerr.ErrExpired, sigerr.ErrSignatureMismatch,
// sigerr.ErrWrongPermission, sigerr.ErrMalformed, …). Credentials come
// from an account name and key (NewCredential) or an Azure Storage
// connection string (ParseConnectionString); the key is never printed.
// Like every batchsign scheme package it does no I/O and reads no clock:
// the expiry, and the verifier's instant, are arguments.
//
// Not supported: user delegation SAS (signed with an Entra ID key), account
// SAS, stored access policies (si), snapshots and versions (sr=bs, bv),
// directories (sr=d), IP ranges (sip is verified as signed but not matched
// against a caller) and encryption scopes.
//
// Proof: TestMatchesAzureStorageBlobClient holds the string to sign, the
// signature and the URL to 22 SAS URLs that Microsoft's @azure/storage-blob
// signed (testdata/azure-sas-node); TestAgainstAzurite uploads and reads
// blobs with hostile names through these URLs on Azurite, Microsoft's
// storage emulator, which refuses a tampered, an expired and a
// wrong-permission URL.
package azuresas
