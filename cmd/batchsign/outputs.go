package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"slices"
	"time"

	"github.com/batchsign/batchsign/internal/outfile"
)

// outputs are a run's checked file destinations; nil where the output goes
// to stdout and the rejects to stderr, or without --summary.
type outputs struct {
	output, rejects, summary *outfile.Dest
	wait                     time.Duration // --wait-lock
}

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
	type named struct {
		flag string
		d    **outfile.Dest
		path string
	}
	outs := []named{{"-o", &o.dest.output, o.output}, {"--rejects", &o.dest.rejects, o.rejects}, {"--summary", &o.dest.summary, o.summary}}
	for i, out := range outs {
		if out.path == "" {
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
	*outfile.Set
	output, rejects, summary *outfile.File
}

// open starts writing the outputs. When another run is writing one of
// them, it waits up to --wait-lock for that run to finish, saying so with
// note, and otherwise fails naming the other run's pid.
func (d *outputs) open(ctx context.Context, note func(string)) (*openFiles, error) {
	deadline := time.Now().Add(d.wait)
	pause, noted := 10*time.Millisecond, -1 // the pid last noted
	for {
		files, err := d.openOnce(ctx)
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
// into place: its presence says the others are there).
func (d *outputs) openOnce(ctx context.Context) (*openFiles, error) {
	var dests []*outfile.Dest
	var roles []**outfile.File
	o := &openFiles{}
	for _, x := range []struct {
		d *outfile.Dest
		f **outfile.File
	}{{d.output, &o.output}, {d.rejects, &o.rejects}, {d.summary, &o.summary}} {
		if x.d != nil {
			dests = append(dests, x.d)
			roles = append(roles, x.f)
		}
	}
	set, err := outfile.Open(ctx, dests...)
	if err != nil {
		return nil, err
	}
	o.Set = set
	for i, f := range set.Files() {
		*roles[i] = f
	}
	return o, nil
}
