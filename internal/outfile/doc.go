// Package outfile writes batchsign's output files so that they appear whole
// or not at all: each is written to a temporary file beside its destination,
// synced and renamed into place only when the run has succeeded.
package outfile
