// Package outfile writes a run's output files (the output, its rejects, its
// summary) so that they appear whole or not at all, and together.
//
// Check resolves and checks a destination before anything is done: where
// it really is (symlinks followed, so that two spellings of one file are
// seen to be one), that its directory exists and can be written, that it is
// not a directory. Open starts writing a Set of destinations, each to a
// temporary file beside it; Commit syncs them all and only then renames
// them into place, one after another; Abort, a failure or a crash leaves
// the destinations as they were. An existing FIFO or device, or
// /dev/stdout, is written in place instead (not atomically), never
// replaced by a regular file.
//
// A Set holds a lock beside each destination it replaces
// (.NAME.batchsign.lock, flock(2), holding the run's pid) from Open to
// Commit or Abort, so that two runs never mix their outputs: Open returns
// a *LockedError naming the other run's pid.
//
//	d, err := outfile.Check("urls.ndjson")   // a usage error if not nil
//	set, err := outfile.Open(ctx, d)
//	defer set.Abort()
//	w := set.Files()[0]                      // write the output to w
//	err = set.Commit()
package outfile
