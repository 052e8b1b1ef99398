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
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/batchsign/batchsign/sigv4"
	"github.com/batchsign/batchsign/sigv4a"

	"github.com/batchsign/batchsign/internal/awsconfig"
	"github.com/batchsign/batchsign/internal/pipeline"
)

// batchOptions are the checked settings of a presign or sign run.
type batchOptions struct {
	mode                     pipeline.Mode
	cfg                      pipeline.Config
	shard                    pipeline.Shard
	manifest                 string
	inFormat, outFormat      pipeline.Format
	output, rejects, summary string // "" output: stdout; "" rejects: stderr
	progress                 progressMode

	dest outputs // the checked files of -o, --rejects and --summary
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
	return execute(opts, stdin, stdout, stderr)
}

func batchUsage(mode pipeline.Mode, fs *flag.FlagSet, w io.Writer) {
	if mode.IsMac() {
		macBatchUsage(mode, fs, w)
		return
	}
	switch mode {
	case pipeline.Presign:
		fmt.Fprint(w, `usage: batchsign presign [flags] MANIFEST|-

Writes one presigned URL per manifest row, under --scheme sigv4 (the default),
sigv2 (--signature-version v2 is an alias of --scheme sigv2), sigv4a, gcs-rsa
or gcs-hmac. Under sigv4, rows that address an S3 Multi-Region Access Point
(a url host *.accesspoint.s3-global.amazonaws.com, or a bucket
arn:aws:s3::ACCOUNT:accesspoint/ALIAS.mrap) are signed with SigV4a, which an
MRAP requires. Keys: the AWS credentials for sigv4, sigv2 and sigv4a; a
service-account JSON key (--gcs-key-file or GOOGLE_APPLICATION_CREDENTIALS,
mode 0600) for gcs-rsa; GCS_HMAC_ACCESS_ID and GCS_HMAC_SECRET for gcs-hmac.
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
		fmt.Fprint(w, `usage: batchsign sign [flags] MANIFEST|-

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
GCS_HMAC_ACCESS_ID and GCS_HMAC_SECRET for gcs-hmac.
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
	switch len(pos) {
	case 0:
		return nil, errors.New("no manifest: give a file, or - for stdin")
	case 1:
		o.manifest = pos[0]
	default:
		return nil, fmt.Errorf("one manifest at a time (got %d: %s)", len(pos), strings.Join(pos, " "))
	}
	var err error
	if o.inFormat, err = pipeline.ParseFormat(f.inputFormat); err != nil {
		return nil, fmt.Errorf("--input-format: %w", err)
	}
	if o.inFormat == pipeline.FormatCSV {
		return nil, errors.New("--input-format csv: manifests are ndjson or parquet")
	}
	if o.progress, err = parseProgress(f.progress); err != nil {
		return nil, err
	}
	expires, err := parseExpires(f.expires)
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
	switch {
	case mode == pipeline.Verify:
		return resolveVerify(o, f, scheme, t, getenv)
	case scheme == pipeline.SchemeAzureHMAC:
		return resolveAzureSign(o, f, t, getenv)
	case scheme == pipeline.SchemeGCSRSA || scheme == pipeline.SchemeGCSHMAC:
		return resolveGCS(o, f, scheme, t, expires, getenv)
	}
	res, err := awsconfig.Resolve(context.Background(), awsconfig.Inputs{Profile: f.profile, Region: f.region, EndpointURL: f.endpoint})
	if err != nil {
		return nil, err
	}
	ep, err := pipeline.ParseEndpoint(res.EndpointURL)
	if err != nil {
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
	if err := o.cfg.Validate(); err != nil {
		return nil, fmt.Errorf("%w (credentials from %s)", err, res.CredentialSource)
	}
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
	src, err := pipeline.OpenManifest(o.manifest, o.inFormat, o.shard, stdin)
	if err != nil {
		fmt.Fprintf(stderr, "%s: %v\n", name, err)
		if errors.Is(err, pipeline.ErrCorruptManifest) {
			// The file exists and is a manifest, but its bytes are broken
			// (a truncated or damaged upload): the manifest could not be
			// read, as when that happens midway.
			return exitFailed
		}
		return exitUsage
	}
	defer src.Close()

	// SIGINT, SIGTERM and SIGHUP (a closed terminal, a scheduler's
	// hang-up) cancel the run, from here on: opening a FIFO at -o waits
	// for its reader. The deferred Abort removes the temporary files.
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

	files, err := o.dest.open(ctx, func(note string) { fmt.Fprintf(stderr, "%s: %s\n", name, note) })
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
	outBuf := bufio.NewWriterSize(outDst, 1<<20)
	out, err := pipeline.NewWriter(outBuf, o.outFormat, o.mode, o.cfg.Scheme)
	if err != nil {
		fmt.Fprintf(stderr, "%s: %v\n", name, err)
		return exitUsage
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
		files.output.Abort()
		files.rejects.Abort()
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

	// The summary, then every file at once: a summary that cannot be
	// written leaves no output either.
	if files.summary != nil {
		if err := writeSummary(files.summary, o, st, code); err != nil {
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
func writeSummary(w io.Writer, o *batchOptions, st pipeline.Stats, code int) error {
	s := pipeline.NewSummary(o.mode.String(), st)
	s.SigningTime = o.cfg.Time.UTC().Truncate(time.Second).Format(time.RFC3339)
	s.ShardIndex, s.ShardCount = o.shard.Index, max(o.shard.Count, 1)
	s.Output, s.Rejects, s.ExitStatus = o.output, o.rejects, code
	if s.Output == "" {
		s.Output = "-"
	}
	if s.Rejects == "" {
		s.Rejects = "-"
	}
	return s.WriteJSON(w)
}
