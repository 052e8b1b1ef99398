package pipeline

import (
	"errors"
	"fmt"
	"io"
)

// ErrCorruptManifest: a manifest file's structure is broken in a way its
// decoder did not expect (parquet-go panics on some corrupt footers and page
// indexes instead of returning an error). The run stops with a message that
// names the file; no input may crash batchsign.
var ErrCorruptManifest = errors.New("corrupt manifest")

// containPanic turns a panic of a manifest decoder into an error wrapping
// ErrCorruptManifest and naming the file. Use it as
// "defer containPanic(name, &err)" at every call into a decoder.
func containPanic(name string, err *error) {
	if v := recover(); v != nil {
		*err = fmt.Errorf("manifest %s: %w: the decoder failed (%v)", name, ErrCorruptManifest, v)
	}
}

// openParquet opens records [first, end) of a Parquet manifest (end < 0:
// to its end), containing a decoder panic. file is the name its rows
// carry ("" for a manifest of one file).
func openParquet(name string, r io.ReaderAt, size int64, first, end int64, file string) (src Source, err error) {
	defer containPanic(name, &err)
	pr, err := newParquetRange(r, size, first, end)
	if err != nil {
		return nil, err
	}
	pr.file = file
	return guardedSource{name: name, src: pr}, nil
}

// guardedSource contains decoder panics in ReadBatch and Close.
type guardedSource struct {
	name string
	src  Source
}

func (g guardedSource) ReadBatch(b *Batch) (err error) {
	defer containPanic(g.name, &err)
	return g.src.ReadBatch(b)
}

func (g guardedSource) Total() int64 { return g.src.Total() }

func (g guardedSource) Close() (err error) {
	defer containPanic(g.name, &err)
	return g.src.Close()
}
