package store

import (
	"context"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
)

// Local serves local files. A manifest argument lists as: a file, itself; a
// directory, its regular files at any depth; a glob (a name with *, ? or
// [), the regular files it matches, directories among them expanded as
// directories are. Listings are in lexical byte order of the full name and
// skip every name whose element below the argument starts with "_" or "."
// (_SUCCESS, .crc files, hidden directories).
type Local struct{}

// Stat returns the file name. A regular file has its size; a pipe or a
// character device (a FIFO, /dev/stdin, a shell's <(…)) has Size -1: it can
// be read once, from its start, and never split.
func (Local) Stat(_ context.Context, name string) (Object, error) {
	fi, err := os.Stat(name)
	if err != nil {
		return Object{}, err
	}
	switch {
	case fi.Mode().IsRegular():
		return Object{Name: name, Size: fi.Size()}, nil
	case fi.Mode()&(fs.ModeNamedPipe|fs.ModeCharDevice) != 0:
		return Object{Name: name, Size: -1}, nil
	}
	return Object{}, fmt.Errorf("%s: not a regular file", name)
}

// List expands arg as Local's doc says. An argument that names nothing (a
// glob without matches, an empty directory) is an error wrapping
// fs.ErrNotExist.
func (l Local) List(ctx context.Context, arg string) ([]Object, error) {
	names := []string{arg}
	if _, err := os.Stat(arg); err != nil && strings.ContainsAny(arg, "*?[") {
		m, err := filepath.Glob(arg)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", arg, err)
		}
		names = m
	}
	var objs []Object
	for _, n := range names {
		if n != arg && skipped(filepath.Base(n)) {
			continue // a glob's match
		}
		fi, err := os.Stat(n)
		if err != nil {
			return nil, err
		}
		if !fi.IsDir() {
			o, err := l.Stat(ctx, n)
			if err != nil {
				return nil, err
			}
			objs = append(objs, o)
			continue
		}
		err = filepath.WalkDir(n, func(p string, d fs.DirEntry, err error) error {
			if err != nil {
				return err
			}
			if p != n && skipped(d.Name()) {
				if d.IsDir() {
					return filepath.SkipDir
				}
				return nil
			}
			if d.IsDir() {
				return nil
			}
			fi, err := os.Stat(p) // follows a symbolic link to a file
			if err != nil {
				return err
			}
			if fi.Mode().IsRegular() {
				objs = append(objs, Object{Name: p, Size: fi.Size()})
			}
			return nil
		})
		if err != nil {
			return nil, err
		}
	}
	if len(objs) == 0 {
		return nil, fmt.Errorf("%s: no manifest files there: %w", arg, fs.ErrNotExist)
	}
	slices.SortFunc(objs, func(a, b Object) int { return strings.Compare(a.Name, b.Name) })
	return slices.CompactFunc(objs, func(a, b Object) bool { return a.Name == b.Name }), nil
}

// skipped reports whether a listed name is a marker, not data.
func skipped(base string) bool { return strings.HasPrefix(base, "_") || strings.HasPrefix(base, ".") }

// OpenRange opens obj and positions it at off; reads stop at end (end < 0:
// the end of the file).
func (Local) OpenRange(_ context.Context, obj Object, off, end int64) (io.ReadCloser, error) {
	f, err := os.Open(obj.Name)
	if err != nil {
		return nil, err
	}
	if off > 0 {
		if _, err := f.Seek(off, io.SeekStart); err != nil {
			f.Close()
			return nil, err
		}
	}
	if end < 0 {
		return f, nil
	}
	return &limitedFile{Reader: io.LimitReader(f, max(end-off, 0)), f: f}, nil
}

type limitedFile struct {
	io.Reader
	f *os.File
}

func (l *limitedFile) Close() error { return l.f.Close() }

// OpenReaderAt opens obj for random access; Size is obj.Size.
func (Local) OpenReaderAt(_ context.Context, obj Object) (ReaderAt, error) {
	f, err := os.Open(obj.Name)
	if err != nil {
		return nil, err
	}
	return &localReaderAt{File: f, size: obj.Size}, nil
}

type localReaderAt struct {
	*os.File
	size int64
}

func (r *localReaderAt) Size() int64 { return r.size }
