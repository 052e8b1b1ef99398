// Package gcs signs Google Cloud Storage V4 signed URLs: GOOG4-RSA-SHA256
// with a service account's key and GOOG4-HMAC-SHA256 with an HMAC key.
package gcs
