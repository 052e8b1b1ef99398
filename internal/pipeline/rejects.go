package pipeline

import (
	"io"
	"strconv"
)

// RejectWriter writes rejected rows as NDJSON, one object per line:
//
//	{"row":812,"id":"a-17","field":"key","error":"invalid UTF-8 at byte 14"}
//
// and, when the manifest is many files, with the file first:
//
//	{"file":"parts/part-0003.ndjson","row":812,"id":"a-17","field":"key","error":"…"}
//
// Lines start with '{', so rejects written to stderr among other messages
// can be picked out with grep '^{'. Errors never carry secret material.
type RejectWriter struct {
	w   io.Writer
	buf []byte
	n   int64
}

// NewRejectWriter returns a RejectWriter to w.
func NewRejectWriter(w io.Writer) *RejectWriter { return &RejectWriter{w: w} }

// Write writes one reject.
func (r *RejectWriter) Write(rj *Reject) error {
	r.n++
	r.buf = AppendReject(r.buf[:0], rj)
	_, err := r.w.Write(r.buf)
	return err
}

// Count returns the number of rejects written.
func (r *RejectWriter) Count() int64 { return r.n }

// AppendReject appends rj as one NDJSON line.
func AppendReject(dst []byte, rj *Reject) []byte {
	if rj.File != "" {
		dst = append(dst, `{"file":`...)
		dst = appendJSONString(dst, rj.File)
		dst = append(dst, `,"row":`...)
	} else {
		dst = append(dst, `{"row":`...)
	}
	dst = strconv.AppendInt(dst, rj.Row, 10)
	dst = append(dst, `,"id":`...)
	dst = appendJSONString(dst, rj.ID)
	dst = append(dst, `,"field":`...)
	dst = appendJSONString(dst, rj.Field)
	dst = append(dst, `,"error":`...)
	dst = appendJSONString(dst, rj.Error)
	return append(dst, "}\n"...)
}
