package pipeline

import (
	"slices"

	"github.com/batchsign/batchsign/sigerr"
)

// Mode is what a run produces for each row: the command. A mode runs under
// one of the schemes it supports (Config.Scheme, Mode.Schemes).
type Mode uint8

const (
	// Presign produces a presigned URL and its expiry per row.
	Presign Mode = iota
	// Sign produces the URL and the headers that authorise the request
	// (Authorization, X-Amz-Date, x-amz-content-sha256, token).
	Sign
	// Verify judges each row's presigned URL or signed request: valid, or
	// the engine's reason why not.
	Verify
	// MacGenerate and MacVerify compute and check KMS-style MACs (mac.go).
	MacGenerate
	MacVerify
	// PresignPost produces an S3 POST form per row: the form's URL and
	// its fields, policy and signature included (post.go).
	PresignPost
)

// String returns the command name of the mode.
func (m Mode) String() string {
	switch m {
	case Sign:
		return "sign"
	case Verify:
		return "verify"
	case MacGenerate:
		return "mac generate"
	case MacVerify:
		return "mac verify"
	case PresignPost:
		return "presign-post"
	}
	return "presign"
}

// IsMac reports whether m is one of the mac modes, whose commands take a
// MAC backend instead of signing credentials.
func (m Mode) IsMac() bool { return m == MacGenerate || m == MacVerify }

// A modeDef declares one mode under one scheme: everything the pipeline
// knows about it beyond the shared readers, pool and writers. Each scheme's
// file declares its modes (sigv4Modes, sigV2Modes, …); modeDefs lists them
// all. Adding a scheme is its Scheme constant, its file and its line there.
type modeDef struct {
	mode   Mode
	scheme Scheme
	// about says, for help texts, what the mode does under this scheme.
	about string
	// validate checks what the mode needs of a Config beyond the settings
	// every mode shares (region, expiry, worker counts): keys, the clock,
	// a backend. It never mentions secret material.
	validate func(*Config) error
	// newRow returns a worker's row function: it turns one decoded row into
	// an output record appended to b.out, or returns the error that rejects
	// the row. Scheme state (signers, scratch buffers) lives in the
	// function's closure, one per worker, so the hot path takes no locks.
	newRow func(*worker) rowFunc
	// verdicts marks the modes whose rows are judged valid or invalid
	// (Stats.Verify); reasonCode names an invalid verdict's reason in the
	// summary (nil: the reason's own code).
	verdicts   bool
	reasonCode func(sigerr.VerifyReason) string
	// fields are the manifest fields the mode's rows take, for help texts
	// and as a contract: a field a row gives that is neither here nor in
	// refuses changes nothing (TestModesIgnoreUndeclaredFields). A name
	// that is not a request field (requestFields) declares a text field of
	// the mode's own, which the readers then decode for every mode.
	fields []string
	// refuses are the request fields the mode rejects a row for, saying
	// why, rather than ignoring them: a row asking for what the scheme
	// cannot do is not silently signed without it
	// (TestModesRefuseWhatTheyDeclare).
	refuses []string
	// out is the mode's output: its columns, which its row function fills
	// in order, and the name of its Parquet schema.
	out table
}

// rowFunc processes one row of b; see modeDef.newRow.
type rowFunc func(r *Row, b *Batch) error

// modeDefs declares every mode, each command's default scheme first.
func modeDefs() []modeDef {
	return slices.Concat(sigV4Modes(), sigV2Modes(), azureHMACModes(), verifyModes(), macModes(), sigV4aModes(), gcsModes(), azureSASModes(), cloudFrontModes(), postModes())
}

// lookupMode returns the declaration of m under s ("" for m's default).
func lookupMode(m Mode, s Scheme) (*modeDef, bool) {
	defs := modeDefs()
	for i := range defs {
		if defs[i].mode == m && (defs[i].scheme == s || s == "") {
			return &defs[i], true
		}
	}
	return nil, false
}
