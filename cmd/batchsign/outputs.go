package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"slices"
	"strings"
	"time"

	"github.com/batchsign/batchsign/internal/outfile"
	"github.com/batchsign/batchsign/internal/s3store"
)

// outputs are a run's checked file destinations; nil where the output goes
// to stdout and the rejects to stderr, or without --summary.
type outputs struct {
	output, rejects, summary *outfile.Dest
	// s3 names the outputs that are S3 objects ("s3://bucket/key"), by
	// role; their Dest is nil. They are never locked or swept: S3 has no
	// leftovers but pending uploads, which a failed run aborts.
	s3   roles
	wait time.Duration // --wait-lock
}

// roles holds one value per output: -o, --rejects, --summary.
type roles struct{ output, rejects, summary string }

// checkOutputs resolves -o, --rejects and --summary (the rejects beside
// the output when -o is a file and --rejects is not given) and refuses a
// run whose outputs would replace one another or a file the run reads (the
// manifest, --keys, --keyring), however the paths are spelled: symlinks,
// symlinked directories, hard links. It also reads --wait-lock.
func checkOutputs(o *batchOptions, f *batchFlags) error {
	if f.waitLock < 0 {
		return fmt.Errorf("--wait-lock %v: want 0 or more", f.waitLock)
	}
	o.dest.wait = f.waitLock
	inputs := append(manifestFiles(o.manifests), [2]string{"--keys", f.keys}, [2]string{"--keyring", f.keyring}) // what, path
	outs := []namedOutput{{"-o", &o.dest.output, o.output}, {"--rejects", &o.dest.rejects, o.rejects}, {"--summary", &o.dest.summary, o.summary}}
	s3names := []*string{&o.dest.s3.output, &o.dest.s3.rejects, &o.dest.s3.summary}
	for i, out := range outs {
		if out.path == "" {
			continue
		}
		if s3store.IsName(out.path) {
			if err := checkS3Output(o, out.flag, out.path, outs[:i]); err != nil {
				return err
			}
			*s3names[i] = out.path
			if out.flag == "-o" && o.rejects == "" {
				outs[1].path = strings.TrimSuffix(o.output, path.Ext(o.output)) + ".rejects.ndjson"
				o.rejects = outs[1].path
			}
			continue
		}
		d, err := outfile.Check(out.path)
		if err != nil {
			var pe *fs.PathError
			if errors.As(err, &pe) {
				err = pe.Err // the path is named below
			}
			return fmt.Errorf("%s %s: %w", out.flag, out.path, err)
		}
		for _, prev := range outs[:i] {
			if *prev.d != nil && (*prev.d).Same(d) {
				return fmt.Errorf("%s %s and %s %s are the same file", prev.flag, prev.path, out.flag, out.path)
			}
		}
		*out.d = d
		if out.flag == "-o" && o.rejects == "" && !d.Direct() {
			// Rejects beside the output by default; after a FIFO or
			// /dev/stdout, on stderr as without -o.
			outs[1].path = outfile.Beside(o.output, ".rejects.ndjson")
			o.rejects = outs[1].path
		}
	}
	for _, in := range inputs {
		if in[1] == "" || in[1] == "-" {
			continue
		}
		if fi, err := os.Stat(in[1]); err == nil {
			if err := o.dest.refuseReplacing(in[0]+" "+in[1], fi); err != nil {
				return err
			}
		}
	}
	return nil
}

// namedOutput is one of -o, --rejects and --summary while they are checked.
type namedOutput struct {
	flag string
	d    **outfile.Dest
	path string
}

// checkS3Output refuses an s3:// output that names no object, or that is
// the manifest or an earlier output.
func checkS3Output(o *batchOptions, flag, name string, earlier []namedOutput) error {
	if err := s3store.CheckObject(name); err != nil {
		return fmt.Errorf("%s %w", flag, err)
	}
	for _, m := range o.manifests {
		// An s3:// manifest argument ending in "/" is a prefix: an output
		// under it would be read by the next run as part of the manifest.
		if name == m || strings.HasSuffix(m, "/") && strings.HasPrefix(name, m) {
			return fmt.Errorf("%s %s is the manifest or inside it: the run would replace what it reads", flag, name)
		}
	}
	for _, prev := range earlier {
		if prev.path == name {
			return fmt.Errorf("%s %s and %s %s are the same object", prev.flag, prev.path, flag, name)
		}
	}
	return nil
}

// checkStdin refuses a run whose manifest on stdin is one of its outputs
// (batchsign presign - -o m.ndjson < m.ndjson).
func (o *batchOptions) checkStdin(stdin io.Reader) error {
	f, ok := stdin.(interface{ Stat() (fs.FileInfo, error) })
	if !slices.Equal(o.manifests, []string{"-"}) || !ok {
		return nil
	}
	fi, err := f.Stat()
	if err != nil {
		return nil
	}
	return o.dest.refuseReplacing("the manifest on stdin", fi)
}

// refuseReplacing returns an error naming the output that would replace the
// input file fi.
func (d *outputs) refuseReplacing(input string, fi fs.FileInfo) error {
	for _, out := range []struct {
		flag string
		d    *outfile.Dest
	}{{"-o", d.output}, {"--rejects", d.rejects}, {"--summary", d.summary}} {
		if out.d != nil && out.d.Replaces(fi) {
			return fmt.Errorf("%s %s and %s are the same file: the run would replace what it reads", out.flag, out.d, input)
		}
	}
	return nil
}

// openFiles are a run's open outputs, committed together; nil where the
// output goes to stdout, the rejects to stderr, or there is no summary.
type openFiles struct {
	set                      *outfile.Set // the local files
	output, rejects, summary sink
	uploads                  roleUploads // the outputs that are S3 objects
	note                     func(string)
}

// sink is one output being written: a file of the Set or an S3 upload.
type sink interface {
	io.Writer
	// Abort discards what was written: nothing appears at the destination.
	Abort()
	// Direct reports whether the output is written in place (a FIFO,
	// /dev/stdout), so that a failure leaves what it received.
	Direct() bool
}

// roleUploads are the S3 uploads of a run, by role; nil where the output
// is not an S3 object.
type roleUploads struct{ output, rejects, summary *s3store.Upload }

// s3Sink is an S3 upload as a sink.
type s3Sink struct {
	*s3store.Upload
	note func(string)
}

func (s s3Sink) Abort() {
	if err := s.Upload.Abort(); err != nil {
		s.note(fmt.Sprintf("%v; the parts already uploaded stay until a bucket lifecycle rule (AbortIncompleteMultipartUpload) removes them", err))
	}
}

func (s s3Sink) Direct() bool { return false }

// Leftovers returns the temporary files of killed runs that opening the
// local outputs removed.
func (o *openFiles) Leftovers() []outfile.Leftover { return o.set.Leftovers() }

// Commit makes every output visible, the summary last: the S3 uploads'
// last parts are sent and the local files synced first, so that only
// CompleteMultipartUpload (or a small output's PutObject) and the renames
// are left; then the S3 output and rejects are completed, the local files
// renamed into place, and an S3 summary completed. If one of these last
// steps fails, the outputs after it do not appear, and the error names
// those that did.
func (o *openFiles) Commit() error {
	defer o.Abort()
	live := o.live()
	for _, u := range live {
		if err := u.Prepare(); err != nil {
			return fmt.Errorf("%w; nothing replaced", err)
		}
	}
	if err := o.set.Sync(); err != nil {
		return err
	}
	var done []string
	replaced := func(err error) error {
		if len(done) == 0 {
			return fmt.Errorf("%w; nothing replaced", err)
		}
		return fmt.Errorf("%w; already replaced: %s", err, strings.Join(done, ", "))
	}
	for _, u := range live {
		if u == o.uploads.summary {
			continue
		}
		if err := u.Commit(); err != nil {
			return replaced(err)
		}
		done = append(done, u.Name())
	}
	if err := o.set.Commit(); err != nil {
		if len(done) == 0 {
			return err
		}
		return fmt.Errorf("%w; already replaced: %s", err, strings.Join(done, ", "))
	}
	if u := o.uploads.summary; u != nil && slices.Contains(live, u) {
		if err := u.Commit(); err != nil {
			return replaced(err)
		}
	}
	return nil
}

// live returns the uploads not aborted, by role.
func (o *openFiles) live() []*s3store.Upload {
	var live []*s3store.Upload
	for _, u := range []*s3store.Upload{o.uploads.output, o.uploads.rejects, o.uploads.summary} {
		if u != nil && !u.Aborted() {
			live = append(live, u)
		}
	}
	return live
}

// Abort discards every output not committed: local temporary files are
// removed and S3 uploads aborted. It can be deferred: it is a no-op after
// Commit.
func (o *openFiles) Abort() {
	o.set.Abort()
	for _, s := range []sink{o.output, o.rejects, o.summary} {
		if u, ok := s.(s3Sink); ok {
			u.Abort()
		}
	}
}

// abort discards one output, if there is one.
func abort(s sink) {
	if s != nil {
		s.Abort()
	}
}

// open starts writing the outputs. When another run is writing one of
// them, it waits up to --wait-lock for that run to finish, saying so with
// note, and otherwise fails naming the other run's pid.
func (d *outputs) open(ctx context.Context, st *s3store.Store, note func(string)) (*openFiles, error) {
	deadline := time.Now().Add(d.wait)
	pause, noted := 10*time.Millisecond, -1 // the pid last noted
	for {
		files, err := d.openOnce(ctx, st, note)
		var locked *outfile.LockedError
		if !errors.As(err, &locked) {
			if err == nil {
				for _, l := range files.Leftovers() {
					note(fmt.Sprintf("removed %s, left by a run that did not finish (pid %d)", l.Path, l.PID))
				}
			}
			return files, err
		}
		switch left := time.Until(deadline); {
		case d.wait == 0:
			return nil, fmt.Errorf("%w; --wait-lock DURATION waits for it", err)
		case left <= 0:
			return nil, fmt.Errorf("%w; still writing it after --wait-lock %v", err, d.wait)
		case locked.PID != noted:
			note(fmt.Sprintf("%v; waiting for it, up to %v (--wait-lock)", err, d.wait))
			noted = locked.PID
			fallthrough
		default:
			select {
			case <-ctx.Done():
				return nil, ctx.Err()
			case <-time.After(min(pause, left)):
			}
			pause = min(2*pause, 500*time.Millisecond)
		}
	}
}

// openOnce starts writing the outputs, the summary last (the last renamed
// into place: its presence says the others are there). The S3 outputs
// start uploading through st.
func (d *outputs) openOnce(ctx context.Context, st *s3store.Store, note func(string)) (*openFiles, error) {
	var dests []*outfile.Dest
	var roles []*sink
	o := &openFiles{note: note}
	for _, x := range []struct {
		d  *outfile.Dest
		s3 string
		f  *sink
		u  **s3store.Upload
	}{{d.output, d.s3.output, &o.output, &o.uploads.output}, {d.rejects, d.s3.rejects, &o.rejects, &o.uploads.rejects}, {d.summary, d.s3.summary, &o.summary, &o.uploads.summary}} {
		if x.d != nil {
			dests = append(dests, x.d)
			roles = append(roles, x.f)
		}
		if x.s3 != "" {
			u, err := st.Create(ctx, x.s3)
			if err != nil {
				return nil, err
			}
			*x.f, *x.u = s3Sink{Upload: u, note: note}, u
		}
	}
	set, err := outfile.Open(ctx, dests...)
	if err != nil {
		return nil, err
	}
	o.set = set
	for i, f := range set.Files() {
		*roles[i] = f
	}
	return o, nil
}

// outputBuffer buffers the output as a bufio.Writer of 1 MiB does, but
// writes a run of records of at least directWriteSize (a worker's encoded
// batch: some 500 KB of NDJSON at the default 1,024 rows) to the
// destination as it is, after what the buffer holds, instead of copying it
// through the buffer: one write(2) per batch, and no copy of the output in
// user space. Small writes (a CSV header, small batches, Parquet pages)
// still gather into writes of 1 MiB.
type outputBuffer struct {
	*bufio.Writer
	dst io.Writer
}

const directWriteSize = 256 << 10

func newOutputBuffer(dst io.Writer) *outputBuffer {
	return &outputBuffer{bufio.NewWriterSize(dst, 1<<20), dst}
}

func (b *outputBuffer) Write(p []byte) (int, error) {
	if len(p) < directWriteSize {
		return b.Writer.Write(p)
	}
	if err := b.Flush(); err != nil {
		return 0, err
	}
	return b.dst.Write(p)
}
