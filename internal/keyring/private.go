package keyring

import (
	"errors"
	"fmt"
	"io"
	"os"
	"strconv"
)

// ReadPrivateFile reads a file of secret keys other than a keyring (a
// service-account JSON key, say) under the rules Load applies to a
// keyring: a regular file, at most limit bytes, that group and others
// cannot access (a *PermissionError, errors.Is ErrInsecurePermissions).
// what names the file in errors ("--gcs-key-file"); no error quotes the
// file's contents. The caller should clear the bytes once parsed.
func ReadPrivateFile(path, what string, limit int64) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", what, err)
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return nil, fmt.Errorf("%s: %w", what, err)
	}
	if !fi.Mode().IsRegular() {
		return nil, errors.New(what + " " + path + ": not a regular file (" + fi.Mode().Type().String() + ")")
	}
	if err := checkPermissions(path, fi.Mode()); err != nil {
		var pe *PermissionError
		if errors.As(err, &pe) {
			pe.What = what
		}
		return nil, err
	}
	tooLarge := errors.New(what + " " + path + ": larger than " + strconv.FormatInt(limit, 10) + " bytes")
	if fi.Size() > limit {
		return nil, tooLarge
	}
	data, err := readAll(make([]byte, 0, fi.Size()+1), io.LimitReader(f, limit+1))
	if err != nil {
		clear(data[:cap(data)])
		return nil, fmt.Errorf("%s %s: %w", what, path, err)
	}
	if int64(len(data)) > limit {
		clear(data[:cap(data)])
		return nil, tooLarge
	}
	return data, nil
}
