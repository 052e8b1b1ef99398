package main

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/batchsign/batchsign/sigv4"
	"github.com/batchsign/batchsign/sigv4a"

	"github.com/batchsign/batchsign/internal/awsconfig"
	"github.com/batchsign/batchsign/internal/inventory"
	"github.com/batchsign/batchsign/internal/pipeline"
	"github.com/batchsign/batchsign/internal/s3store"
)

// batchOptions are the checked settings of a presign or sign run.
type batchOptions struct {
	mode                     pipeline.Mode
	cfg                      pipeline.Config
	shard                    pipeline.Shard
	manifests                []string // the manifest arguments, in order; "-" alone is stdin
	inFormat, outFormat      pipeline.Format
	output, rejects, summary string // "" output: stdout; "" rejects: stderr
	progress                 progressMode
	// creds describes the AWS credentials of the run for its summaries;
	// nil when the scheme signs with none (Azure, GCS, MACs).
	creds             *awsconfig.CredentialSummary
	includeNoncurrent bool // inventory reports: keep noncurrent versions

	dest outputs // the checked files of -o, --rejects and --summary

	aws *awsconfig.Resolved // the AWS configuration resolved for signing, if any
	s3  *s3store.Store      // reads and writes s3:// names; nil when the run has none
}

// runBatch is the body of presign and sign: parse and check everything
// (exit 2 before anything is written), then run the pipeline.
func runBatch(mode pipeline.Mode, args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	var f batchFlags
	fs := newBatchFlagSet(mode.String(), &f, stderr)
	addModeFlags(mode, fs, &f)
	fs.Usage = func() { batchUsage(mode, fs, stderr) }
	pos, err := parseInterleaved(fs, args)
	if err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return exitOK
		}
		return exitUsage // the flag package has said why
	}
	f.set = map[string]bool{}
	fs.Visit(func(fl *flag.Flag) { f.set[fl.Name] = true })
	opts, err := resolveOptions(mode, &f, pos, os.Getenv)
	if err != nil {
		fmt.Fprintf(stderr, "batchsign %s: %v\n", mode, err)
		return exitUsage
	}
	if err := attachS3(opts, &f); err != nil {
		fmt.Fprintf(stderr, "batchsign %s: %v\n", mode, err)
		return exitUsage
	}
	return execute(opts, stdin, stdout, stderr)
}

func batchUsage(mode pipeline.Mode, fs *flag.FlagSet, w io.Writer) {
	if mode.IsMac() {
		macBatchUsage(mode, fs, w)
		return
	}
	switch mode {
	case pipeline.Presign:
		fmt.Fprint(w, `usage: batchsign presign [flags] MANIFEST...|-

Writes one presigned URL per manifest row, under --scheme sigv4 (the default),
sigv2 (--signature-version v2 is an alias of --scheme sigv2), sigv4a, gcs-rsa,
gcs-hmac or cloudfront. Under sigv4, rows that address an S3 Multi-Region Access Point
(a url host *.accesspoint.s3-global.amazonaws.com, or a bucket
arn:aws:s3::ACCOUNT:accesspoint/ALIAS.mrap) are signed with SigV4a, which an
MRAP requires. Keys: the AWS credentials for sigv4, sigv2 and sigv4a; a
service-account JSON key (--gcs-key-file or GOOGLE_APPLICATION_CREDENTIALS,
mode 0600) for gcs-rsa; GCS_HMAC_ACCESS_ID and GCS_HMAC_SECRET for gcs-hmac;
--key-pair-id and --private-key (PEM, mode 0600) or
BATCHSIGN_CLOUDFRONT_PRIVATE_KEY for cloudfront (no 7-day cap).
`)
	case pipeline.PresignPost:
		fmt.Fprint(w, `usage: batchsign presign-post [flags] MANIFEST|-

Writes one S3 POST form per manifest row, for a browser or any HTTP client to
upload one object straight into a bucket: the form's url and its fields (key,
the row's fields, x-amz-algorithm, x-amz-credential, x-amz-date,
x-amz-security-token with temporary credentials, policy, x-amz-signature),
signed with SigV4 under the AWS credentials. The uploader sends the fields in
that order, then any field a starts-with condition leaves to it (Content-Type
for content_type "image/*"), then the file, last.
`)
	case pipeline.Sign:
		fmt.Fprint(w, `usage: batchsign sign [flags] MANIFEST...|-

Writes the headers that authorise each manifest row's request, under --scheme
sigv4 (the default), azure-hmac (the key and endpoint from
--connection-string or COMMUNICATION_SERVICES_CONNECTION_STRING) or sigv4a
(the AWS credentials; X-Amz-Region-Set from region_set or --region-set).
Under sigv4, rows that address an S3 Multi-Region Access Point are signed
with SigV4a.
`)
	case pipeline.Verify:
		fmt.Fprint(w, `usage: batchsign verify [flags] INPUT|-

Judges each row's presigned URL (id, method, url) or signed request (id,
method, url, headers with Authorization) at --time (default now). Under
--scheme auto (the default) each row is judged by the scheme it shows: SigV2
when the query has AWSAccessKeyId and Signature, Azure HMAC-SHA256 when the
Authorization says so, SigV4a for AWS4-ECDSA-P256-SHA256 (X-Amz-Algorithm or
the Authorization), gcs-rsa or gcs-hmac by X-Goog-Algorithm, else SigV4.
Under one --scheme only rows of that scheme can be valid; others are
invalid, reason malformed. Keys: the resolved credentials or --keys FILE for
SigV4, SigV2 and SigV4a; the connection string's key for Azure HMAC;
--gcs-key-file or GOOGLE_APPLICATION_CREDENTIALS for gcs-rsa;
GCS_HMAC_ACCESS_ID and GCS_HMAC_SECRET for gcs-hmac; --public-key FILE for
cloudfront (which --scheme auto does not recognise: name it).
`)
	}
	fmt.Fprintf(w, "\nRow fields, by --scheme:\n")
	for _, s := range mode.Schemes() {
		fmt.Fprintf(w, "  %-10s %s\n", s, strings.Join(mode.Fields(s), ", "))
	}
	def := strings.Join(pipeline.Columns(mode, ""), ", ")
	fmt.Fprintf(w, "Output columns: %s", def)
	for _, s := range mode.Schemes() {
		if cols := strings.Join(pipeline.Columns(mode, s), ", "); cols != def {
			fmt.Fprintf(w, "; under %s: %s", s, cols)
		}
	}
	fmt.Fprintf(w, ".\n\nflags:\n")
	fs.PrintDefaults()
	if mode == pipeline.Verify {
		fmt.Fprint(w, `
Exit status: 0 every row valid; 1 some rows invalid or rejected; 2 usage or
configuration error (nothing written); 3 the run failed (input unreadable,
output not writable; nothing left at -o); 128+N interrupted by signal N
(129 SIGHUP, 130 SIGINT, 143 SIGTERM; nothing left at -o).
`)
		return
	}
	fmt.Fprint(w, `
Exit status: 0 every row signed; 1 some rows rejected (see the rejects); 2 usage
or configuration error (nothing written); 3 the run failed (manifest unreadable,
output not writable; nothing left at -o); 128+N interrupted by signal N (129
SIGHUP, 130 SIGINT, 143 SIGTERM; nothing left at -o).
`)
}

// resolveOptions checks every flag and resolves credentials, region,
// endpoint and shard. Anything wrong here is a usage or configuration error.
func resolveOptions(mode pipeline.Mode, f *batchFlags, pos []string, getenv func(string) string) (*batchOptions, error) {
	o := &batchOptions{mode: mode}
	if len(pos) == 0 {
		return nil, errors.New("no manifest: give a file, a directory, a glob, or - for stdin")
	}
	if len(pos) > 1 && slices.Contains(pos, "-") {
		return nil, fmt.Errorf("- (stdin) is a manifest on its own, not one of many (got %s)", strings.Join(pos, " "))
	}
	o.manifests = pos
	var err error
	if o.inFormat, err = pipeline.ParseFormat(f.inputFormat); err != nil {
		return nil, fmt.Errorf("--input-format: %w", err)
	}
	o.includeNoncurrent = f.includeNoncurrent
	if o.progress, err = parseProgress(f.progress); err != nil {
		return nil, err
	}
	maxExpires := int64(sigv4.MaxExpires)
	if isCloudFront(f) {
		maxExpires = pipeline.MaxCloudFrontExpires
	}
	expires, err := parseExpires(f.expires, maxExpires)
	if err != nil {
		return nil, err
	}
	t, pinned, err := parseTime(f.at)
	if err != nil {
		return nil, err
	}
	if !pinned {
		t = time.Now() // the one clock reading of the run
	}
	if f.workers < 1 || f.workers > pipeline.MaxWorkers {
		return nil, fmt.Errorf("--workers %d: want 1 to %d", f.workers, pipeline.MaxWorkers)
	}
	if o.shard, err = pipeline.ResolveShard(pipeline.ShardInputs{Index: f.shardIndex, Count: f.shardCnt, Getenv: getenv}); err != nil {
		return nil, err
	}

	// Output, rejects and summary paths; {shard} names each shard's files.
	shardName := strconv.FormatInt(o.shard.Index, 10)
	expand := func(p string) string { return strings.ReplaceAll(p, "{shard}", shardName) }
	o.output, o.rejects, o.summary = expand(f.output), expand(f.rejects), expand(f.summary)
	if o.outFormat, err = pipeline.ParseFormat(f.format); err != nil {
		return nil, fmt.Errorf("--format: %w", err)
	}
	if o.outFormat == pipeline.FormatAuto {
		if o.output == "" {
			o.outFormat = pipeline.FormatNDJSON
		} else if o.outFormat = pipeline.FormatOf(o.output); o.outFormat == pipeline.FormatAuto {
			return nil, fmt.Errorf("-o %s: cannot tell the format from the extension; pass --format ndjson, csv or parquet", o.output)
		}
	}
	if err := checkOutputs(o, f); err != nil {
		return nil, err
	}

	if mode.IsMac() {
		return resolveMac(o, f, t, getenv)
	}
	scheme, err := resolveScheme(mode, f)
	if err != nil {
		return nil, err
	}
	if err := checkCloudFlags(mode, scheme, f); err != nil {
		return nil, err
	}
	if err := checkCloudFrontFlags(scheme, f); err != nil {
		return nil, err
	}
	switch {
	case scheme == pipeline.SchemeCloudFront:
		return resolveCloudFront(o, f, t, expires, getenv)
	case mode == pipeline.Verify:
		return resolveVerify(o, f, scheme, t, getenv)
	case scheme == pipeline.SchemeAzureHMAC:
		return resolveAzureSign(o, f, t, getenv)
	case scheme == pipeline.SchemeGCSRSA || scheme == pipeline.SchemeGCSHMAC:
		return resolveGCS(o, f, scheme, t, expires, getenv)
	case scheme == pipeline.SchemeAzureSAS:
		return resolveAzureSAS(o, f, t, expires, getenv)
	}
	res, err := awsconfig.Resolve(context.Background(), awsconfig.Inputs{Profile: f.profile, Region: f.region, EndpointURL: f.endpoint,
		SigningEndpointURL: f.signingEndpoint})
	if err != nil {
		return nil, err
	}
	ep, err := pipeline.ParseEndpoint(res.SigningEndpointURL)
	if err != nil {
		if f.signingEndpoint != "" {
			return nil, fmt.Errorf("--signing-endpoint-url: %w", err)
		}
		return nil, err
	}
	style := f.addressing
	if style == "" {
		style = res.AddressingStyle
	}
	addressing, err := pipeline.ParseAddressingStyle(style)
	if err != nil {
		return nil, fmt.Errorf("--addressing-style: %w", err)
	}
	o.cfg = pipeline.Config{
		Mode: mode, Scheme: scheme, Credentials: res.Credentials, Keys: sigv4.NewKeyCache(0), Time: t,
		RegionSet: f.cloud.regionSet, SigV4aKeys: sigv4a.NewKeyCache(0),
		Region: res.Region, Endpoint: ep, Addressing: addressing,
		Expires: expires, ClampExpiry: f.clampExpiry, Workers: f.workers,
	}
	if !pinned {
		// A run on the clock that outlasts its credentials takes fresh
		// ones; a pinned run signs everything with the first (its output
		// is the same at every rerun).
		o.cfg.Refresh, o.cfg.RefreshBefore = res.Provider, awsconfig.RefreshWindow
	}
	if err := o.cfg.Validate(); err != nil {
		return nil, fmt.Errorf("%w (credentials from %s)", err, res.CredentialSource)
	}
	sum := res.Summary(t)
	o.creds = &sum
	o.aws = &res
	return o, nil
}

// lockedWriter serialises writes from the progress reporter and the
// rejects on one stderr.
type lockedWriter struct {
	mu sync.Mutex
	w  io.Writer
}

func (l *lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}

// isTerminal reports whether w is a character device (a terminal).
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	fi, err := f.Stat()
	return err == nil && fi.Mode()&os.ModeCharDevice != 0
}

// execute opens the manifest and the outputs and runs the pipeline. Files
// are written atomically and together: on failure or interrupt the
// temporary files are removed and nothing appears at -o, --rejects or
// --summary (a failed run's summary alone, saying so).
func execute(o *batchOptions, stdin io.Reader, stdout, stderr io.Writer) int {
	name := "batchsign " + o.mode.String()
	if err := o.checkStdin(stdin); err != nil {
		fmt.Fprintf(stderr, "%s: %v\n", name, err)
		return exitUsage
	}
	// SIGINT, SIGTERM and SIGHUP (a closed terminal, a scheduler's
	// hang-up) cancel the run, from here on: opening an s3:// manifest
	// makes requests, and opening a FIFO at -o waits for its reader. The
	// deferred Abort removes the temporary files and aborts the uploads.
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	sigs := make(chan os.Signal, 1)
	signal.Notify(sigs, syscall.SIGINT, syscall.SIGTERM, syscall.SIGHUP)
	defer signal.Stop(sigs)
	var got atomic.Value
	go func() {
		select {
		case s := <-sigs:
			got.Store(s)
			cancel()
		case <-ctx.Done():
		}
	}()
	interrupted := func(where string) (int, bool) {
		s, ok := got.Load().(syscall.Signal)
		if ok {
			fmt.Fprintf(stderr, "%s: interrupted by %v; %s\n", name, s, where)
		}
		return 128 + int(s), ok
	}

	src, skipped, err := openManifest(ctx, o, stdin)
	if err != nil {
		if code, ok := interrupted("nothing written"); ok {
			return code
		}
		fmt.Fprintf(stderr, "%s: %v\n", name, err)
		// A file that exists and is a manifest, but whose bytes are broken
		// (a truncated or damaged upload), could not be read: exit 3, as
		// when that happens midway.
		return openManifestExit(err)
	}
	defer src.Close()

	files, err := o.dest.open(ctx, o.s3, func(note string) { fmt.Fprintf(stderr, "%s: %s\n", name, note) })
	if err != nil {
		if code, ok := interrupted("nothing written"); ok {
			return code
		}
		fmt.Fprintf(stderr, "%s: %v\n", name, err)
		return exitUsage
	}
	defer files.Abort()

	errw := &lockedWriter{w: stderr}
	var outDst io.Writer = stdout
	if files.output != nil {
		outDst = files.output
	}
	outBuf := newOutputBuffer(outDst)
	out, err := pipeline.NewWriter(outBuf, o.outFormat, o.mode, o.cfg.Scheme)
	if err != nil {
		fmt.Fprintf(stderr, "%s: %v\n", name, err)
		return exitUsage
	}
	if o.shard.Index > 0 {
		// The header is shard 0's: concatenated in shard order, the
		// shards' CSV outputs are the unsharded run's.
		pipeline.OmitCSVHeader(out)
	}
	// Rejects go to their file through a buffer, or straight to stderr,
	// one line per write, so that they interleave cleanly with progress.
	var rejDst io.Writer = errw
	rejFlush := func() error { return nil }
	rejName := "stderr"
	if files.rejects != nil {
		b := bufio.NewWriterSize(files.rejects, 64<<10)
		rejDst, rejFlush, rejName = b, b.Flush, o.rejects
	}
	rejects := pipeline.NewRejectWriter(rejDst)

	var progress *pipeline.Progress
	term := isTerminal(stderr)
	if o.progress == progressAlways || (o.progress == progressAuto && term) {
		progress = pipeline.NewProgress(errw, term, src.Total())
		progress.Start()
	}
	st, err := pipeline.Run(ctx, o.cfg, src, out, rejects, progress)
	if progress != nil {
		progress.Stop()
	}
	if err == nil {
		err = out.Close()
	}
	if err == nil {
		err = outBuf.Flush()
	}
	if err == nil {
		err = rejFlush()
	}

	code := exitOK
	switch {
	case err != nil:
		abort(files.output)
		abort(files.rejects)
		where := "nothing written"
		switch {
		case o.output == "":
			where = "the output on stdout is incomplete"
		case files.output.Direct():
			where = "the output written to " + o.output + " is incomplete"
		}
		if code, ok := interrupted(where); ok {
			return code
		}
		fmt.Fprintf(stderr, "%s: %v; %s\n", name, err, where)
		code = exitFailed
	case st.Rejected > 0, st.Verify != nil && st.Verify.Invalid > 0:
		code = exitRejected
	}

	if o.creds != nil {
		o.creds.Refreshes = st.Refreshes
	}
	// The summary, then every file at once: a summary that cannot be
	// written leaves no output either.
	var skip inventory.Skipped
	if skipped != nil {
		skip = skipped()
	}
	if files.summary != nil {
		var rng *pipeline.ShardRange
		if r, ok := pipeline.RangeOf(src); ok {
			rng = &r
		}
		if err := writeSummary(files.summary, o, st, skip, code, rng); err != nil {
			files.Abort()
			fmt.Fprintf(stderr, "%s: --summary %s: %v; nothing written\n", name, o.summary, err)
			return exitFailed
		}
	}
	if err := files.Commit(); err != nil {
		fmt.Fprintf(stderr, "%s: %v\n", name, err)
		return exitFailed
	}
	if code != exitFailed {
		fmt.Fprintf(stderr, "%s: %s\n", name, st)
		if o.creds != nil {
			fmt.Fprintf(stderr, "%s: %s\n", name, o.creds)
		}
		if skip.DeleteMarkers+skip.Noncurrent > 0 {
			fmt.Fprintf(stderr, "%s: inventory: skipped %s and %s (--include-noncurrent keeps noncurrent versions)\n", name,
				counted(skip.DeleteMarkers, "delete marker"), counted(skip.Noncurrent, "noncurrent version"))
		}
	}
	if st.Rejected > 0 && code == exitRejected {
		rows := "rows"
		if st.Rejected == 1 {
			rows = "row"
		}
		fmt.Fprintf(stderr, "%s: %d %s rejected (see %s)\n", name, st.Rejected, rows, rejName)
	}
	return code
}

// writeSummary writes the end-of-run summary to w.
func writeSummary(w io.Writer, o *batchOptions, st pipeline.Stats, skip inventory.Skipped, code int, rng *pipeline.ShardRange) error {
	s := pipeline.NewSummary(o.mode.String(), st)
	s.Range = rng
	s.SkippedDeleteMarkers, s.SkippedNoncurrent = skip.DeleteMarkers, skip.Noncurrent
	s.SigningTime = o.cfg.Time.UTC().Truncate(time.Second).Format(time.RFC3339)
	s.ShardIndex, s.ShardCount = o.shard.Index, max(o.shard.Count, 1)
	s.Output, s.Rejects, s.ExitStatus = o.output, o.rejects, code
	if s.Output == "" {
		s.Output = "-"
	}
	if s.Rejects == "" {
		s.Rejects = "-"
	}
	if o.creds != nil {
		s.Credentials = o.creds
	}
	return s.WriteJSON(w)
}

// counted writes n and noun, plural unless n is 1.
func counted(n int64, noun string) string {
	if n != 1 {
		noun += "s"
	}
	return strconv.FormatInt(n, 10) + " " + noun
}
