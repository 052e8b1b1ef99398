package outfile

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// Set is the output files of one run, committed together: each is written
// to a temporary file, and Commit renames them into place only when all of
// them are written and synced, so that an output, its rejects and its
// summary always come from the same run and a disk that fills at the last
// of them leaves none.
type Set struct {
	files []*File
	locks []*lockFile
	gone  []Leftover
	stop  func() bool // ends the interruption of in-place writes on ctx
}

// Open starts writing dests, in order: a temporary file for each
// destination replaced on success, the destination itself for one written
// in place (opening a FIFO waits for its reader). When ctx is done, Open
// gives up, and writes in place that are blocked (a FIFO nobody reads)
// fail, so that a signal always ends a run.
//
// First Open takes a lock beside each destination it will replace, for
// the Set's lifetime, so that two runs never write one destination at once
// (on file systems with flock(2)). When another run holds one, Open
// returns a *LockedError at once, holding nothing: the caller may retry.
// Holding the locks, it removes the temporary files that earlier runs on
// the same destinations left when they were killed (see Leftovers).
func Open(ctx context.Context, dests ...*Dest) (*Set, error) {
	locks, err := lockAll(dests)
	if err != nil {
		return nil, err
	}
	s := &Set{locks: locks}
	for _, l := range locks {
		s.gone = append(s.gone, l.dest.sweep()...)
	}
	for _, d := range dests {
		f, err := d.create(ctx)
		if err != nil {
			s.Abort()
			return nil, err
		}
		s.files = append(s.files, f)
	}
	s.stop = context.AfterFunc(ctx, func() {
		for _, f := range s.files {
			if f.Direct() {
				f.f.SetWriteDeadline(time.Unix(1, 0)) // fails on files that cannot block, which is fine
			}
		}
	})
	return s, nil
}

// Leftovers returns the temporary files of earlier runs on the same
// destinations that Open removed (see Leftover).
func (s *Set) Leftovers() []Leftover { return s.gone }

// Files returns the files in the order of Open's dests.
func (s *Set) Files() []*File { return s.files }

// Sync makes every temporary file not aborted durable without making it
// visible, so that a caller committing other outputs with the Set (S3
// uploads) can do so once nothing but the renames is left. Commit syncs
// again, which costs nothing then.
func (s *Set) Sync() error {
	for _, f := range s.files {
		if !f.done && f.tmp != "" {
			if err := f.f.Sync(); err != nil {
				return fmt.Errorf("%s: %w; nothing replaced", f.name, err)
			}
		}
	}
	return nil
}

// Commit makes every file not aborted durable and visible: each temporary
// file is synced, then each is renamed over its destination in the order
// given to Open (put the one whose presence says the run is done, such as a
// summary, last), then the directories are synced. If a sync fails nothing
// is renamed; if a rename fails the files after it are not renamed, and the
// error names the destinations already replaced. Every temporary file is
// gone when Commit returns.
func (s *Set) Commit() error {
	defer s.Abort()
	s.stop()
	var live []*File
	for _, f := range s.files {
		if !f.done {
			live = append(live, f)
		}
	}
	for _, f := range live {
		if f.tmp == "" {
			continue
		}
		if err := f.f.Sync(); err != nil {
			return fmt.Errorf("%s: %w; nothing replaced", f.name, err)
		}
	}
	var replaced []string
	dirs := map[string]bool{}
	for _, f := range live {
		f.done = true
		if f.tmp == "" {
			if err := f.f.Close(); err != nil {
				return fmt.Errorf("%s: %w", f.name, err)
			}
			continue
		}
		if err := os.Rename(f.tmp, f.path); err != nil {
			f.done = false // Abort removes the temporary file
			if len(replaced) == 0 {
				return fmt.Errorf("%s: %w; nothing replaced", f.name, err)
			}
			return fmt.Errorf("%s: %w; already replaced: %s", f.name, err, strings.Join(replaced, ", "))
		}
		f.f.Close()
		replaced = append(replaced, f.name)
		dirs[filepath.Dir(f.path)] = true
	}
	for dir := range dirs {
		if d, err := os.Open(dir); err == nil {
			d.Sync() // best effort: some file systems refuse directory fsync
			d.Close()
		}
	}
	return nil // the deferred Abort releases the locks
}

// Abort discards every file not committed (see File.Abort) and releases
// the locks. It can be deferred: it is a no-op after Commit.
func (s *Set) Abort() {
	if s.stop != nil {
		s.stop()
	}
	for _, f := range s.files {
		f.Abort()
	}
	for _, l := range s.locks {
		l.release()
	}
	s.locks = nil
}
