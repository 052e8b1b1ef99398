package sigcore

import (
	"strconv"

	"github.com/batchsign/batchsign/sigerr"
)

// CheckHeaderField reports whether name and value can travel as one HTTP
// header field: the name a token (RFC 9110 §5.1: letters, digits and
// !#$%&'*+-.^_`|~), the value free of CR, LF and NUL (§5.5), which would
// end the field early and let a manifest add headers, or a second request,
// of its own. It is for text that comes from a manifest row; the signers
// themselves keep accepting the multi-line values of the SigV4 test suite,
// which canonicalise but could never be sent.
//
// The error wraps sigerr.ErrInvalidValue and names the header (quoted and
// cut, see QuoteForError) and the offending byte's offset, never the value.
func CheckHeaderField(name, value string) error {
	if name == "" {
		return WithDetail(sigerr.ErrInvalidValue, "empty header name")
	}
	for i := 0; i < len(name); i++ {
		if !isTokenChar(name[i]) {
			return WithDetail(sigerr.ErrInvalidValue, "header name "+QuoteForError(name)+
				" is not an HTTP token (byte "+strconv.Itoa(i)+")")
		}
	}
	for i := 0; i < len(value); i++ {
		switch value[i] {
		case '\r', '\n', 0:
			return WithDetail(sigerr.ErrInvalidValue, "header "+QuoteForError(name)+
				": value holds CR, LF or NUL at byte "+strconv.Itoa(i))
		}
	}
	return nil
}

// isTokenChar reports whether c is an RFC 9110 tchar.
func isTokenChar(c byte) bool {
	switch {
	case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9':
		return true
	}
	switch c {
	case '!', '#', '$', '%', '&', '\'', '*', '+', '-', '.', '^', '_', '`', '|', '~':
		return true
	}
	return false
}
