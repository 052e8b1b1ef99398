package sigcore

import (
	"encoding/base64"
	"strconv"
	"strings"
)

// ConnectionStringFields reads an Azure connection string, the
// ';'-separated name=value fields that Azure Storage
// ("AccountName=…;AccountKey=…") and Communication Services
// ("endpoint=…;accesskey=…") both use, and returns the values of the
// fields named in names (matched without regard to case), "" for a field
// that is absent, with found[i] telling which were given. Spaces around
// names and values are ignored, as are empty fields and fields not asked
// for (forward compatibility). A field that is not name=value, or a
// wanted field given twice, is an error.
//
// Errors name the field by its position or its name and never quote any
// part of the string: a malformed string may hold a key anywhere.
func ConnectionStringFields(s string, names ...string) (values []string, found []bool, err error) {
	values, found = make([]string, len(names)), make([]bool, len(names))
	field := 0
	for part := range strings.SplitSeq(s, ";") {
		part = strings.TrimSpace(part)
		if part == "" {
			continue
		}
		field++
		name, value, ok := strings.Cut(part, "=")
		if !ok {
			return nil, nil, ConstError("field " + strconv.Itoa(field) + " is not name=value")
		}
		name, value = strings.TrimSpace(name), strings.TrimSpace(value)
		for i, want := range names {
			if !EqualFoldASCII(name, want) {
				continue
			}
			if found[i] {
				return nil, nil, ConstError(want + " given twice")
			}
			values[i], found[i] = value, true
		}
	}
	return values, found, nil
}

// DecodeBase64Key decodes an access key in standard base64 (as a connection
// string or the portal gives it), named field in errors, which never quote
// the input.
func DecodeBase64Key(field, key string) ([]byte, error) {
	b, err := base64.StdEncoding.DecodeString(key)
	if err != nil {
		return nil, ConstError(field + " is not valid standard base64 (" + strconv.Itoa(len(key)) + " characters)")
	}
	if len(b) == 0 {
		return nil, ConstError(field + " is empty")
	}
	return b, nil
}
