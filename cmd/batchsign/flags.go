package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"runtime"
	"strconv"
	"strings"
	"time"

	"github.com/batchsign/batchsign/sigv4"

	"github.com/batchsign/batchsign/internal/pipeline"
)

// batchFlags are the flags the batch commands share (DESIGN.md, "The command
// line"). Every value is kept as given; resolveOptions checks them all
// before anything is opened or written.
type batchFlags struct {
	format, inputFormat  string
	output, rejects      string
	summary              string
	at                   string // --time
	region, endpoint     string
	signingEndpoint      string // --signing-endpoint-url
	addressing           string
	expires              string
	workers              int
	shardIndex, shardCnt string
	profile              string
	progress             string
	clampExpiry          bool
	includeNoncurrent    bool // presign, sign: inventory reports
	waitLock             time.Duration

	// Mode-specific flags (see addModeFlags).
	scheme           string // presign, sign, verify
	keys, service    string // verify
	connectionString string // verify (and sign --scheme azure-hmac)
	signatureVersion string // presign: an alias of --scheme
	keyring          string // mac (mac.go)
	kmsEndpoint      string // mac

	cloud cloudFlags      // sigv4a and gcs (cloud.go)
	cf    cloudFrontFlags // cloudfront (cloudfront.go)

	// set names the flags given on the command line (flag.FlagSet.Visit),
	// for the checks that tell a flag given from its default.
	set map[string]bool
}

// addModeFlags adds the flags only some batch commands take.
func addModeFlags(mode pipeline.Mode, fs *flag.FlagSet, f *batchFlags) {
	if mode.IsMac() {
		addMacFlags(fs, f)
	} else {
		fs.StringVar(&f.scheme, "scheme", string(mode.DefaultScheme()), schemeUsage(mode))
	}
	addCloudFlags(mode, fs, &f.cloud)
	if mode == pipeline.Presign || mode == pipeline.Sign {
		fs.BoolVar(&f.includeNoncurrent, "include-noncurrent", false, "with an S3 Inventory manifest.json: also sign the versions that are not the latest (delete markers are always skipped)")
	}
	addCloudFrontFlags(mode, fs, &f.cf)
	if mode == pipeline.Presign {
		fs.StringVar(&f.signatureVersion, "signature-version", "", "`v4` or v2: an alias of --scheme sigv4 or --scheme sigv2, kept for compatibility")
	}
	if mode == pipeline.Sign {
		addSignSchemeFlags(fs, f)
	}
	if mode == pipeline.Presign || mode == pipeline.Sign {
		fs.StringVar(&f.signingEndpoint, "signing-endpoint-url", "", "the endpoint `URL` the signed URLs point at, when not where the run reads and writes s3:// (--endpoint-url and the AWS settings, which it otherwise follows); \"aws\" for AWS's own endpoints")
	}
	if mode == pipeline.Verify {
		fs.StringVar(&f.keys, "keys", "", "verify with the secrets in `FILE` (JSON or NDJSON mapping access key ids to secrets; mode 0600) instead of the resolved credentials")
		fs.StringVar(&f.service, "service", "", "accept only SigV4 signatures scoped to this `service` (default: any); --region likewise limits the region")
		fs.StringVar(&f.connectionString, "connection-string", "", "verify Azure HMAC-SHA256 requests with this connection string's key (default: COMMUNICATION_SERVICES_CONNECTION_STRING)")
	}
}

// newBatchFlagSet returns the flag set of a batch command writing usage to
// stderr.
func newBatchFlagSet(name string, f *batchFlags, stderr io.Writer) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&f.format, "format", "", "output `format`: ndjson, csv or parquet (default: from the -o extension, ndjson on stdout)")
	fs.StringVar(&f.output, "o", "", "write the output to `FILE`, atomically: it appears whole on success, else not at all (default stdout); {shard} in the name becomes the shard index. An existing FIFO or device, or /dev/stdout, is written in place, as the run goes: not atomic")
	fs.StringVar(&f.output, "output", "", "same as -o")
	fs.StringVar(&f.rejects, "rejects", "", "write rejected rows to `FILE` as NDJSON (default: <output>.rejects.ndjson with -o FILE, else stderr)")
	fs.StringVar(&f.at, "time", "", "sign as of this `RFC3339` instant instead of now (reproducible output)")
	fs.StringVar(&f.region, "region", "", "default `region` for rows without one (default: AWS_REGION, AWS_DEFAULT_REGION, the profile)")
	fs.StringVar(&f.endpoint, "endpoint-url", "", "custom S3 endpoint `URL`, e.g. http://127.0.0.1:9000 (default: AWS_ENDPOINT_URL_S3, AWS_ENDPOINT_URL, the profile)")
	fs.StringVar(&f.addressing, "addressing-style", "", "S3 addressing: auto, virtual or path (default: the profile's s3.addressing_style, else auto)")
	fs.StringVar(&f.expires, "expires", "1h", "presign lifetime for rows without expires: a Go `duration` (90m, 12h), Nd for days, or seconds; 1s…7d")
	fs.IntVar(&f.workers, "workers", runtime.GOMAXPROCS(0), "signing goroutines")
	fs.StringVar(&f.shardIndex, "shard-index", "", "this run's shard, 0-based (default: JOB_COMPLETION_INDEX, AWS_BATCH_JOB_ARRAY_INDEX)")
	fs.StringVar(&f.shardCnt, "shard-count", "", "number of shards (default: BATCHSIGN_SHARD_COUNT, AWS_BATCH_JOB_ARRAY_SIZE)")
	fs.StringVar(&f.profile, "profile", "", "AWS `profile` from the shared credentials and config files (default: AWS_PROFILE, default)")
	fs.StringVar(&f.progress, "progress", "auto", "progress on stderr: auto (when a terminal), always or never")
	fs.StringVar(&f.summary, "summary", "", "also write the end-of-run summary as JSON to `FILE`")
	fs.DurationVar(&f.waitLock, "wait-lock", 0, "when another run is writing the same -o, --rejects or --summary, wait up to this `duration` for it to finish (default: exit 2 at once, naming its pid)")
	fs.BoolVar(&f.clampExpiry, "clamp-expiry", false, "shorten presigns that would outlive temporary credentials instead of rejecting them")
	fs.StringVar(&f.inputFormat, "input-format", "", "manifest `format`: ndjson, csv or parquet (default: from the extension; ndjson on stdin)")
	return fs
}

// parseInterleaved parses flags and positional arguments in any order
// ("batchsign presign manifest.ndjson -o urls.ndjson" works as users
// expect); "--" ends the flags.
func parseInterleaved(fs *flag.FlagSet, args []string) ([]string, error) {
	var pos, rest []string
	for i, a := range args {
		if a == "--" {
			args, rest = args[:i], args[i+1:]
			break
		}
	}
	for {
		if err := fs.Parse(args); err != nil {
			return nil, err
		}
		args = fs.Args()
		if len(args) == 0 {
			return append(pos, rest...), nil
		}
		pos = append(pos, args[0])
		args = args[1:]
	}
}

// parseExpires reads --expires: a Go duration ("90m", "12h"), a number of
// days ("7d") or plain seconds ("3600"); whole seconds, 1s to max (7 days,
// sigv4.MaxExpires, but for --scheme cloudfront, which has no such cap).
func parseExpires(s string, max int64) (int64, error) {
	var secs int64
	if n, err := strconv.ParseInt(s, 10, 64); err == nil {
		secs = n
	} else if d, ok := strings.CutSuffix(s, "d"); ok {
		n, err := strconv.ParseInt(d, 10, 64)
		if err != nil || n > max {
			return 0, fmt.Errorf("--expires %q: want a duration such as 1h, 7d or 3600", s)
		}
		secs = n * 86400
	} else {
		d, err := time.ParseDuration(s)
		if err != nil {
			return 0, fmt.Errorf("--expires %q: want a duration such as 1h, 7d or 3600", s)
		}
		if d%time.Second != 0 {
			return 0, fmt.Errorf("--expires %q: must be whole seconds", s)
		}
		secs = int64(d / time.Second)
	}
	if secs < 1 || secs > max {
		if max != sigv4.MaxExpires {
			return 0, fmt.Errorf("--expires %q: must be between 1s and %dd", s, max/86400)
		}
		return 0, fmt.Errorf("--expires %q: must be between 1s and 7d (604800s)", s)
	}
	return secs, nil
}

// progressMode is --progress.
type progressMode uint8

const (
	progressAuto progressMode = iota
	progressAlways
	progressNever
)

func parseProgress(s string) (progressMode, error) {
	switch s {
	case "auto", "":
		return progressAuto, nil
	case "always":
		return progressAlways, nil
	case "never":
		return progressNever, nil
	}
	return 0, errors.New("--progress " + strconv.Quote(s) + ": want auto, always or never")
}

// parseTime reads --time; empty means the caller reads the clock (once).
func parseTime(s string) (time.Time, bool, error) {
	if s == "" {
		return time.Time{}, false, nil
	}
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		return time.Time{}, false, fmt.Errorf("--time %q: want RFC 3339, e.g. 2026-11-23T00:00:00Z", s)
	}
	return t, true, nil
}

// schemeUsage is the help of mode's --scheme: each scheme with what the
// mode does under it, as the pipeline declares them.
func schemeUsage(mode pipeline.Mode) string {
	var b strings.Builder
	b.WriteString("signature `scheme`, one of:")
	for _, s := range mode.Schemes() {
		fmt.Fprintf(&b, "\n  %-10s %s", s, mode.About(s))
	}
	b.WriteString("\n")
	return b.String()
}

// resolveScheme reads --scheme (and presign's --signature-version, its
// alias): a scheme mode supports, else a usage error that lists them.
func resolveScheme(mode pipeline.Mode, f *batchFlags) (pipeline.Scheme, error) {
	s, err := mode.ParseScheme(f.scheme)
	if err != nil {
		return "", errors.New("--" + err.Error())
	}
	if mode != pipeline.Presign || !f.set["signature-version"] {
		return s, nil
	}
	alias, err := parseSignatureVersion(f.signatureVersion)
	if err != nil {
		return "", err
	}
	if f.set["scheme"] && alias != s {
		return "", fmt.Errorf("--signature-version %s names %s but --scheme is %s; give one (--signature-version is an alias of --scheme)", f.signatureVersion, alias, s)
	}
	return alias, nil
}

// parseSignatureVersion reads --signature-version: the scheme it names.
func parseSignatureVersion(s string) (pipeline.Scheme, error) {
	switch strings.ToLower(s) {
	case "", "v4", "4", "s3v4":
		return pipeline.SchemeSigV4, nil
	case "v2", "2", "s3":
		return pipeline.SchemeSigV2, nil
	}
	return "", errors.New("--signature-version " + strconv.Quote(s) + ": want v4 or v2")
}
