// Package keyring loads KMS-style HMAC keys from a keyring file, so that
// `batchsign mac generate|verify` can compute and check MACs with AWS KMS
// GenerateMac/VerifyMac semantics from key material the user holds, and
// names the one interface (MacService) that this local backend and the
// remote KMS client (package kmsremote) both implement.
//
// # The keyring file
//
// A keyring is one JSON object:
//
//	{
//	  "version": 1,
//	  "keys": [
//	    {
//	      "key_id": "1234abcd-12ab-34cd-56ef-1234567890ab",
//	      "aliases": ["alias/orders-mac", "alias/orders/v2"],
//	      "algorithms": ["HMAC_SHA_256"],
//	      "key_material": "qZ0YQTm8N8k0VsS8nB6mFzJ3p1lD8tQeGv0aZrU9cKs=",
//	      "description": "orders API request MACs"
//	    },
//	    {
//	      "key_id": "rfc4231-case-2",
//	      "algorithms": ["HMAC_SHA_224", "HMAC_SHA_256", "HMAC_SHA_384", "HMAC_SHA_512"],
//	      "key_material": "SmVmZQ==",
//	      "allow_any_length": true
//	    }
//	  ]
//	}
//
// The fields, all of which are checked when the file is loaded (unknown
// fields are refused, so a misspelt "key_materail" is an error rather than a
// key without material):
//
//   - version: optional; 1 is the only version there is.
//   - keys: at least one key.
//   - key_id: required and unique. The forms KMS uses (a UUID, or "mrk-" and
//     32 hex digits for a multi-Region key) are accepted, as is any name of
//     1…256 characters from A-Z a-z 0-9 '-' '_' '.', so that the id can never
//     be mistaken for an alias ("alias/…") or an ARN ("arn:…").
//   - aliases: optional. Each is "alias/" followed by 1…250 characters from
//     A-Z a-z 0-9 '/' '_' '-', as KMS allows; "alias/aws/…" is reserved by
//     KMS for AWS managed keys and refused. Aliases are unique across the
//     whole keyring.
//   - algorithms: the MAC algorithms the key may be used with, by their KMS
//     names (HMAC_SHA_224, HMAC_SHA_256, HMAC_SHA_384, HMAC_SHA_512), at
//     least one, no repeats. A KMS HMAC key has exactly one (its key spec
//     HMAC_224 … HMAC_512 fixes it); a local key may allow several. A request
//     for any other algorithm is refused with InvalidKeyUsageException, as
//     KMS refuses it.
//   - key_material: the secret key, standard base64 with padding (RFC 4648
//     §4). Its decoded length must be one that KMS accepts for every listed
//     algorithm when key material is imported (see MaterialLength): 28…64
//     bytes for HMAC_SHA_224, 32…64 for HMAC_SHA_256, 48…128 for
//     HMAC_SHA_384, 64…128 for HMAC_SHA_512. Keys that KMS generates itself
//     are exactly 28, 32, 48 and 64 bytes long.
//   - allow_any_length: optional, default false. true accepts key material
//     of any non-zero length, for keys that never lived in KMS: the RFC 4231
//     test keys (4 to 131 bytes), or a legacy peer's shorter secret. Say so
//     per key so that the exception stays visible in the file.
//   - description: optional free text for humans; never used.
//
// # File permissions
//
// Load refuses a keyring that group or others may access in any way (mode
// bits 0o077), as ssh refuses a private key: the error names the file, its
// mode and the fix (chmod 600 FILE). The mode is checked on the descriptor
// the file is read through, so the check and the read concern the same file
// even if the path is swapped in between. A symbolic link is followed
// (Kubernetes mounts Secrets through links) and the file it leads to is the
// one checked; mount such a Secret with defaultMode 0400. Only regular files
// are read. On systems without Unix permission bits (Windows) the mode is
// not checked.
//
// # Secrets
//
// Key material is held in MacKey values, which never print it; the
// types here redact themselves for every fmt verb and in slog too. Errors
// quote only what cannot be material: key ids and aliases that passed
// validation, algorithm names, field names, positions, and the single
// character a name was refused for. A JSON syntax error reports a line and
// a column, never the offending character, and a bad key_material reports
// the position of the bad base64, never its content. The bytes read from
// the file, and the decoded material once copied into the key, are wiped.
package keyring
