package sigv2

import (
	"errors"
	"fmt"
	"strings"

	"github.com/batchsign/batchsign/internal/sigcore"
)

// sigV2SplitURI splits a request URI into its path (as sent) and raw
// query, with the rules of every batchsign URL (sigcore.SplitRequestTarget);
// an empty URI is "/".
func sigV2SplitURI(uri string) (path, rawQuery string, err error) {
	if uri == "" {
		return "/", "", nil
	}
	path, rawQuery, err = sigcore.SplitRequestTarget(uri)
	if err != nil {
		return "", "", errors.New(errors.Unwrap(err).Error())
	}
	return path, rawQuery, nil
}

// sigV2QueryUnescape decodes a query component as S3 does: %XX escapes, and
// '+' as a space (form encoding). Malformed escapes are errors.
func sigV2QueryUnescape(dst []byte, s string) ([]byte, error) {
	for {
		i := strings.IndexByte(s, '+')
		if i < 0 {
			return sigcore.AppendURIUnescape(dst, s)
		}
		var err error
		if dst, err = sigcore.AppendURIUnescape(dst, s[:i]); err != nil {
			return dst, err
		}
		dst = append(dst, ' ')
		s = s[i+1:]
	}
}

// parseSigV2Query decodes a raw query string into parameters appended to
// ps. Components without escapes are substrings of rawQuery; escaped ones are
// decoded into one arena that becomes a single string at the end, so a URL
// costs at most one allocation here. arena and spans are scratch space the
// caller may reuse (they are returned grown).
func parseSigV2Query(ps []Param, rawQuery string, arena []byte, spans []sigV2Span) ([]Param, []byte, []sigV2Span, error) {
	arena, spans = arena[:0], spans[:0]
	for rawQuery != "" {
		var part string
		part, rawQuery, _ = strings.Cut(rawQuery, "&")
		if part == "" {
			continue
		}
		k, v, _ := strings.Cut(part, "=")
		var p Param
		for field, raw := range [2]string{k, v} {
			if strings.IndexByte(raw, '%') < 0 && strings.IndexByte(raw, '+') < 0 {
				if field == 0 {
					p.Name = raw
				} else {
					p.Value = raw
				}
				continue
			}
			start := len(arena)
			var err error
			if arena, err = sigV2QueryUnescape(arena, raw); err != nil {
				if field == 0 {
					return ps, arena, spans, fmt.Errorf("query parameter name: %w", err)
				}
				return ps, arena, spans, fmt.Errorf("query parameter %s: %w", sigcore.QuoteForError(p.Name), err)
			}
			spans = append(spans, sigV2Span{param: len(ps), value: field == 1, start: start, end: len(arena)})
		}
		ps = append(ps, p)
	}
	if len(spans) > 0 {
		decoded := string(arena)
		for _, sp := range spans {
			if sp.value {
				ps[sp.param].Value = decoded[sp.start:sp.end]
			} else {
				ps[sp.param].Name = decoded[sp.start:sp.end]
			}
		}
	}
	return ps, arena, spans, nil
}

// sigV2Span places a decoded query component inside the arena.
type sigV2Span struct {
	param      int
	value      bool
	start, end int
}
