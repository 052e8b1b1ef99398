package pipeline

import (
	"math/bits"
	"strconv"
	"unicode/utf16"
	"unicode/utf8"

	"github.com/batchsign/batchsign/sigerr"
	"github.com/batchsign/batchsign/sigv4"
)

// maxJSONDepth bounds nesting inside unknown fields, as encoding/json does,
// so a hostile line cannot exhaust the stack.
const maxJSONDepth = 10000

// rowArena holds the header and query pairs of a batch's rows; rows keep
// sub-slices of it, so a batch's pairs cost no allocation once the arena has
// grown to size.
type rowArena struct {
	headers []sigv4.Header
	query   []sigv4.QueryParam
	scratch []byte    // decoding of escaped strings, before their one copy
	fields  *fieldSet // the manifest fields, made on first use
	// kept is the batch's text that rows point into where a Source keeps
	// it here (NDJSON: its lines and its escaped strings' decodings).
	kept keptText
}

func (a *rowArena) reset() {
	clear(a.headers) // drop references to the previous batch's strings
	clear(a.query)
	a.headers, a.query = a.headers[:0], a.query[:0]
	a.kept.reset()
}

// decodeRow decodes one NDJSON line (one JSON object, no newline) into r.
// It is a purpose-built decoder for manifest rows: flat objects whose known
// fields (fieldSet: the request fields and the modes' own) are strings, an
// integer (expires) or objects of strings (headers, query). Strings without escapes are sub-strings of line, so a row costs no
// allocation beyond its escaped strings; pairs go to the arena.
//
// Unknown fields are skipped, whatever their value, after checking their
// syntax. A known field with a value of the wrong type sets r.Err naming the
// field; a syntax error sets r.Err with an empty field. Decoding never
// panics on any input.
func decodeRow(line string, r *Row, a *rowArena) {
	if a.fields == nil {
		a.fields = newFieldSet()
	}
	d := jsonDecoder{s: line, scratch: a.scratch[:0], kept: &a.kept}
	err := d.row(r, a)
	a.scratch = d.scratch
	if err != nil {
		r.Err = err // a syntax error outranks a type error seen before it
	}
}

// jsonDecoder is a cursor over one line.
type jsonDecoder struct {
	s       string
	i       int
	scratch []byte
	kept    *keptText // where an escaped string's decoding is copied to
}

func (d *jsonDecoder) syntax(msg string) *sigerr.FieldError {
	return fieldErr("", detail(ErrSyntax, msg+" at byte "+strconv.Itoa(d.i)))
}

func (d *jsonDecoder) ws() {
	for d.i < len(d.s) {
		switch d.s[d.i] {
		case ' ', '\t', '\n', '\r':
			d.i++
		default:
			return
		}
	}
}

// row parses the top-level object. Type errors are recorded in r.Err (the
// first one wins) and parsing goes on, so that a later syntax error still
// reports the line as malformed; syntax errors are returned.
func (d *jsonDecoder) row(r *Row, a *rowArena) *sigerr.FieldError {
	d.ws()
	if d.i >= len(d.s) || d.s[d.i] != '{' {
		return d.syntax("want a JSON object")
	}
	d.i++
	d.ws()
	if d.i < len(d.s) && d.s[d.i] == '}' {
		d.i++
		return d.end()
	}
	for {
		d.ws()
		if d.i >= len(d.s) || d.s[d.i] != '"' {
			return d.syntax("want a field name")
		}
		name, err := d.str()
		if err != nil {
			if err.Field != "*" {
				return err
			}
			name = "" // a name no known field has: skipped
		}
		d.ws()
		if d.i >= len(d.s) || d.s[d.i] != ':' {
			return d.syntax("want ':'")
		}
		d.i++
		d.ws()
		if err := d.field(name, r, a); err != nil {
			if err.Field == "" {
				return err
			}
			if r.Err == nil {
				r.Err = err
			}
		}
		d.ws()
		if d.i >= len(d.s) {
			return d.syntax("unterminated object")
		}
		switch d.s[d.i] {
		case ',':
			d.i++
		case '}':
			d.i++
			return d.end()
		default:
			return d.syntax("want ',' or '}'")
		}
	}
}

// end checks that only whitespace follows the object.
func (d *jsonDecoder) end() *sigerr.FieldError {
	d.ws()
	if d.i != len(d.s) {
		return d.syntax("text after the object")
	}
	return nil
}

// field decodes the value of field name into r. A returned error with a
// non-empty Field is a type or value error (the value has been consumed);
// one with an empty Field is a syntax error.
//
// The request fields are a switch on constants, which compiles to inline
// comparisons: the decoder's hot path, a tenth faster than looking them up
// in the field set, which has the rest (TestDecoderStoresEveryField keeps
// the two in step).
func (d *jsonDecoder) field(name string, r *Row, a *rowArena) *sigerr.FieldError {
	var dst *string
	switch name {
	case FieldID:
		return d.id(r)
	case FieldExpires:
		return d.expires(r)
	case FieldHeaders:
		return d.headers(r, a)
	case FieldQuery:
		return d.query(r, a)
	case FieldMethod:
		dst = &r.Method
	case FieldURL:
		dst = &r.URL
	case FieldBucket:
		dst = &r.Bucket
	case FieldKey:
		dst = &r.Key
	case FieldRegion:
		dst = &r.Region
	case FieldService:
		dst = &r.Service
	case FieldContentSHA256:
		dst = &r.ContentSHA256
	case FieldBodyFile:
		dst = &r.BodyFile
	case FieldPayload:
		dst = &r.Payload
	case FieldBody:
		dst = &r.Body
	default: // a mode's own field, or an unknown one
		f, ok := a.fields.lookup(name)
		if !ok {
			return d.skip(0)
		}
		dst = f.textOf(r)
	}
	switch d.peek() {
	case '"':
		v, err := d.str()
		if err != nil {
			return named(name, err)
		}
		*dst = v
		return nil
	case 'n':
		*dst = ""
		return d.null()
	}
	return d.wrongType(name, "string")
}

// named turns a value error from str into one naming the field, keeping
// syntax errors as they are.
func named(name string, err *sigerr.FieldError) *sigerr.FieldError {
	if err.Field == "*" {
		err.Field = name
	}
	return err
}

func (d *jsonDecoder) peek() byte {
	if d.i < len(d.s) {
		return d.s[d.i]
	}
	return 0
}

// wrongType consumes the value and reports it as the wrong type for field.
func (d *jsonDecoder) wrongType(field, want string) *sigerr.FieldError {
	got := kindName(d.peek())
	if err := d.skip(0); err != nil {
		return err
	}
	return fieldErr(field, detail(ErrWrongType, "want "+want+", got "+got))
}

func kindName(c byte) string {
	switch c {
	case '"':
		return "string"
	case '{':
		return "object"
	case '[':
		return "array"
	case 't', 'f':
		return "boolean"
	case 'n':
		return "null"
	}
	return "number"
}

// id accepts a string or a number (kept as written: 42 → "42").
func (d *jsonDecoder) id(r *Row) *sigerr.FieldError {
	switch c := d.peek(); {
	case c == '"':
		v, err := d.str()
		if err != nil {
			return named(FieldID, err)
		}
		r.ID = v
		return nil
	case c == '-' || ('0' <= c && c <= '9'):
		v, err := d.number()
		if err != nil {
			return err
		}
		r.ID = v
		return nil
	case c == 'n':
		r.ID = ""
		return d.null()
	}
	return d.wrongType(FieldID, "string or number")
}

// expires accepts an integral JSON number of seconds (3600, 3.6e3).
func (d *jsonDecoder) expires(r *Row) *sigerr.FieldError {
	switch c := d.peek(); {
	case c == '-' || ('0' <= c && c <= '9'):
		v, err := d.number()
		if err != nil {
			return err
		}
		n, ok := parseSeconds(v)
		if !ok {
			return fieldErr(FieldExpires, detail(ErrWrongType, "want whole seconds, got "+v))
		}
		r.Expires, r.HasExpires = n, true
		return nil
	case c == 'n':
		r.Expires, r.HasExpires = 0, false
		return d.null()
	}
	return d.wrongType(FieldExpires, "number of seconds")
}

// headers reads an object of string values into the arena. Repeated names
// are all kept, in order (SigV4 joins them with commas).
func (d *jsonDecoder) headers(r *Row, a *rowArena) *sigerr.FieldError {
	start := len(a.headers)
	err := d.object(FieldHeaders, func(k, v string) { a.headers = append(a.headers, sigv4.Header{Name: k, Value: v}) })
	if err != nil {
		a.headers = a.headers[:start]
		return err
	}
	r.Headers = a.headers[start:len(a.headers):len(a.headers)]
	return nil
}

// query reads an object of string values into the arena.
func (d *jsonDecoder) query(r *Row, a *rowArena) *sigerr.FieldError {
	start := len(a.query)
	err := d.object(FieldQuery, func(k, v string) { a.query = append(a.query, sigv4.QueryParam{Key: k, Value: v}) })
	if err != nil {
		a.query = a.query[:start]
		return err
	}
	r.Query = a.query[start:len(a.query):len(a.query)]
	return nil
}

// object reads a flat object of strings (or null) for field, calling add per
// member. A non-string member value is a type error for the field; the rest
// of the object is still consumed.
func (d *jsonDecoder) object(field string, add func(k, v string)) *sigerr.FieldError {
	switch d.peek() {
	case 'n':
		return d.null()
	case '{':
	default:
		return d.wrongType(field, "object of strings")
	}
	d.i++
	d.ws()
	if d.peek() == '}' {
		d.i++
		return nil
	}
	var typeErr *sigerr.FieldError
	for {
		d.ws()
		if d.peek() != '"' {
			return d.syntax("want a member name")
		}
		k, err := d.str()
		if err != nil {
			if err.Field != "*" {
				return err
			}
			if typeErr == nil {
				typeErr = named(field, err)
			}
		}
		d.ws()
		if d.peek() != ':' {
			return d.syntax("want ':'")
		}
		d.i++
		d.ws()
		if d.peek() == '"' {
			v, err := d.str()
			if err != nil {
				if err.Field != "*" {
					return err
				}
				if typeErr == nil {
					typeErr = named(field, err)
				}
			} else {
				add(k, v)
			}
		} else {
			got := kindName(d.peek())
			if err := d.skip(1); err != nil {
				return err
			}
			if typeErr == nil {
				typeErr = fieldErr(field, detail(ErrWrongType, "member "+strconv.Quote(k)+": want string, got "+got))
			}
		}
		d.ws()
		switch d.peek() {
		case ',':
			d.i++
		case '}':
			d.i++
			return typeErr
		default:
			return d.syntax("want ',' or '}'")
		}
	}
}

// strSpecial marks bytes that end the fast path of a JSON string.
var strSpecial = func() (t [256]bool) {
	for c := 0; c < 0x20; c++ {
		t[c] = true
	}
	t['"'], t['\\'] = true, true
	return t
}()

// str reads a JSON string at d.i (which is '"'). Without escapes it returns
// a sub-string of the line. Bytes that are not valid UTF-8 pass through
// unchanged (the signer rejects them where UTF-8 is required, naming the
// offset, instead of silently replacing them). An escape for a lone UTF-16
// surrogate is a value error, returned with Field "*" for the caller to name.
func (d *jsonDecoder) str() (string, *sigerr.FieldError) {
	start := d.i + 1
	j := plainEnd(d.s, start)
	if j < len(d.s) && d.s[j] == '"' {
		d.i = j + 1
		return d.s[start:j], nil
	}
	buf := append(d.scratch[:0], d.s[start:j]...)
	defer func() { d.scratch = buf[:0] }()
	var valueErr *sigerr.FieldError
	for {
		// The text between two escapes is copied in one piece.
		if k := plainEnd(d.s, j); k > j {
			buf = append(buf, d.s[j:k]...)
			j = k
		}
		if j >= len(d.s) {
			d.i = j
			return "", d.syntax("unterminated string")
		}
		c := d.s[j]
		switch {
		case c == '"':
			d.i = j + 1
			if valueErr != nil {
				return "", valueErr
			}
			return d.kept.keep(buf), nil
		case c < 0x20:
			d.i = j
			return "", d.syntax("control character in string")
		}
		// An escape.
		if j+1 >= len(d.s) {
			d.i = j
			return "", d.syntax("unterminated string")
		}
		e := d.s[j+1]
		j += 2
		switch e {
		case '"', '\\', '/':
			buf = append(buf, e)
		case 'b':
			buf = append(buf, '\b')
		case 'f':
			buf = append(buf, '\f')
		case 'n':
			buf = append(buf, '\n')
		case 'r':
			buf = append(buf, '\r')
		case 't':
			buf = append(buf, '\t')
		case 'u':
			r1, ok := hex4(d.s, j)
			if !ok {
				d.i = j
				return "", d.syntax("malformed \\u escape")
			}
			j += 4
			r := rune(r1)
			if utf16.IsSurrogate(r) {
				r2, ok2 := rune(-1), false
				if j+6 <= len(d.s) && d.s[j] == '\\' && d.s[j+1] == 'u' {
					var v uint16
					if v, ok2 = hex4(d.s, j+2); ok2 {
						r2 = rune(v)
					}
				}
				if dec := utf16.DecodeRune(r, r2); ok2 && dec != utf8.RuneError {
					r = dec
					j += 6
				} else if valueErr == nil {
					valueErr = fieldErr("*", detail(sigerr.ErrInvalidUTF8, "\\u escape of a lone UTF-16 surrogate"))
				}
			}
			buf = utf8.AppendRune(buf, r)
		default:
			d.i = j - 1
			return "", d.syntax("invalid escape")
		}
	}
}

// plainEnd returns the index of the first byte of s from i on that ends
// the plain text of a JSON string (strSpecial: '"', '\\', a control
// character), or len(s). It tests eight bytes at a time: the has-less-than
// and has-zero-byte tricks flag, in the lowest flagged byte, exactly the
// first such byte, whatever the bytes above it (a byte from 0x80 up, UTF-8
// in a key, neither sets a flag nor borrows).
func plainEnd(s string, i int) int {
	const ones, highs = 0x0101010101010101, 0x8080808080808080
	for ; i+8 <= len(s); i += 8 {
		v := load64(s, i)
		q, bs := v^('"'*ones), v^('\\'*ones)
		if m := ((v-0x20*ones)&^v | (q-ones)&^q | (bs-ones)&^bs) & highs; m != 0 {
			return i + bits.TrailingZeros64(m)/8
		}
	}
	for i < len(s) && !strSpecial[s[i]] {
		i++
	}
	return i
}

func hex4(s string, i int) (uint16, bool) {
	if i+4 > len(s) {
		return 0, false
	}
	var v uint16
	for k := i; k < i+4; k++ {
		c := s[k]
		switch {
		case '0' <= c && c <= '9':
			c -= '0'
		case 'a' <= c && c <= 'f':
			c -= 'a' - 10
		case 'A' <= c && c <= 'F':
			c -= 'A' - 10
		default:
			return 0, false
		}
		v = v<<4 | uint16(c)
	}
	return v, true
}

// number reads a JSON number and returns its text.
func (d *jsonDecoder) number() (string, *sigerr.FieldError) {
	s, start := d.s, d.i
	i := d.i
	if i < len(s) && s[i] == '-' {
		i++
	}
	switch {
	case i < len(s) && s[i] == '0':
		i++
	case i < len(s) && '1' <= s[i] && s[i] <= '9':
		for i < len(s) && '0' <= s[i] && s[i] <= '9' {
			i++
		}
	default:
		d.i = i
		return "", d.syntax("malformed number")
	}
	if i < len(s) && s[i] == '.' {
		i++
		if i >= len(s) || s[i] < '0' || s[i] > '9' {
			d.i = i
			return "", d.syntax("malformed number")
		}
		for i < len(s) && '0' <= s[i] && s[i] <= '9' {
			i++
		}
	}
	if i < len(s) && (s[i] == 'e' || s[i] == 'E') {
		i++
		if i < len(s) && (s[i] == '+' || s[i] == '-') {
			i++
		}
		if i >= len(s) || s[i] < '0' || s[i] > '9' {
			d.i = i
			return "", d.syntax("malformed number")
		}
		for i < len(s) && '0' <= s[i] && s[i] <= '9' {
			i++
		}
	}
	d.i = i
	return s[start:i], nil
}

func (d *jsonDecoder) literal(lit string) *sigerr.FieldError {
	if len(d.s)-d.i >= len(lit) && d.s[d.i:d.i+len(lit)] == lit {
		d.i += len(lit)
		return nil
	}
	return d.syntax("invalid literal")
}

func (d *jsonDecoder) null() *sigerr.FieldError { return d.literal("null") }

// skip consumes any JSON value, checking its syntax only.
func (d *jsonDecoder) skip(depth int) *sigerr.FieldError {
	if depth > maxJSONDepth {
		return d.syntax("nested too deeply")
	}
	switch c := d.peek(); {
	case c == '"':
		if _, err := d.str(); err != nil && err.Field != "*" {
			return err
		}
		return nil
	case c == '-' || ('0' <= c && c <= '9'):
		_, err := d.number()
		return err
	case c == 't':
		return d.literal("true")
	case c == 'f':
		return d.literal("false")
	case c == 'n':
		return d.null()
	case c == '[':
		d.i++
		d.ws()
		if d.peek() == ']' {
			d.i++
			return nil
		}
		for {
			d.ws()
			if err := d.skip(depth + 1); err != nil {
				return err
			}
			d.ws()
			switch d.peek() {
			case ',':
				d.i++
			case ']':
				d.i++
				return nil
			default:
				return d.syntax("want ',' or ']'")
			}
		}
	case c == '{':
		d.i++
		d.ws()
		if d.peek() == '}' {
			d.i++
			return nil
		}
		for {
			d.ws()
			if d.peek() != '"' {
				return d.syntax("want a member name")
			}
			if _, err := d.str(); err != nil && err.Field != "*" {
				return err
			}
			d.ws()
			if d.peek() != ':' {
				return d.syntax("want ':'")
			}
			d.i++
			d.ws()
			if err := d.skip(depth + 1); err != nil {
				return err
			}
			d.ws()
			switch d.peek() {
			case ',':
				d.i++
			case '}':
				d.i++
				return nil
			default:
				return d.syntax("want ',' or '}'")
			}
		}
	}
	return d.syntax("want a value")
}
