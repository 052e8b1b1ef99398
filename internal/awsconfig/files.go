package awsconfig

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"strings"
)

// sharedFiles are the shared config and credentials files of a run: the
// ones Resolve checks and then hands to the SDK.
type sharedFiles struct{ config, credentials string }

// profile is the merged view of one profile from both files, as the CLI
// merges them (credentials-file values win). The SDK resolves credentials,
// region and endpoints itself; this view serves what it ignores
// (s3.addressing_style) and the files the profile names.
type profile struct {
	name   string
	values map[string]string
}

func (p *profile) get(k string) string { return p.values[k] }

// loadProfile reads both files, checking each (checkFile) and its syntax.
func loadProfile(name string, files sharedFiles) (*profile, error) {
	p := &profile{name: name, values: map[string]string{}}
	// Config first, then credentials on top: the credentials file wins.
	for _, f := range []struct {
		path    string
		section string
	}{
		{files.config, configSection(name)},
		{files.credentials, name},
	} {
		sections, err := parseINIFile(f.path)
		if err != nil {
			return nil, err
		}
		for k, v := range sections[f.section] {
			p.values[k] = v
		}
	}
	return p, nil
}

// checkNamedFiles applies checkFile to the other files the SDK reads whole:
// web identity and container authorization tokens and CA bundles, named by
// the environment or the profile. A missing one is left to the SDK, which
// says so when it needs it.
func checkNamedFiles(p *profile) error {
	for _, path := range []string{
		os.Getenv("AWS_WEB_IDENTITY_TOKEN_FILE"),
		os.Getenv("AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE"),
		os.Getenv("AWS_CA_BUNDLE"),
		p.get("web_identity_token_file"),
		p.get("ca_bundle"),
	} {
		if path == "" {
			continue
		}
		if _, err := checkFile(path); err != nil {
			return err
		}
	}
	return nil
}

// configSection is the config-file section of a profile: "default" or
// "profile NAME".
func configSection(name string) string {
	if name == "default" {
		return "default"
	}
	return "profile " + name
}

// maxConfigFile bounds a shared config or credentials file (and a token or
// CA bundle file). Real ones are a few KiB; anything near this is not one
// (AWS_CONFIG_FILE=/dev/zero must not grow the process until it dies).
const maxConfigFile = 4 << 20

// fileKind names the kind of file m describes, for messages.
func fileKind(m fs.FileMode) string {
	switch {
	case m.IsDir():
		return "a directory"
	case m&fs.ModeNamedPipe != 0:
		return "a named pipe"
	case m&fs.ModeCharDevice != 0:
		return "a character device"
	case m&fs.ModeDevice != 0:
		return "a device"
	case m&fs.ModeSocket != 0:
		return "a socket"
	}
	return "mode " + m.String()
}

// checkFile reports whether path exists, and is an error when it exists
// but is not a regular file (a FIFO, a device) or is larger than
// maxConfigFile: reading it would block or never end. It stats without
// opening, as opening a FIFO blocks until a writer comes.
func checkFile(path string) (exists bool, err error) {
	fi, err := os.Stat(path)
	if errors.Is(err, os.ErrNotExist) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	if !fi.Mode().IsRegular() {
		return false, fmt.Errorf("%s: not a regular file (%s)", path, fileKind(fi.Mode()))
	}
	if fi.Size() > maxConfigFile {
		return false, fmt.Errorf("%s: larger than %d MiB: not an AWS config, credentials or token file", path, maxConfigFile>>20)
	}
	return true, nil
}

// parseINIFile reads an AWS shared config/credentials file. A missing file
// is an empty file; one checkFile refuses is an error, so the run stops at
// once instead of blocking or reading forever. Nested sub-sections ("s3 ="
// followed by indented "addressing_style = path") become
// "s3.addressing_style". Errors name the file and line, never a value.
func parseINIFile(path string) (map[string]map[string]string, error) {
	exists, err := checkFile(path)
	if err != nil || !exists {
		return map[string]map[string]string{}, err
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	// The file may have grown since checkFile: read no more than the bound.
	b, err := io.ReadAll(io.LimitReader(f, maxConfigFile+1))
	if err != nil {
		return nil, err
	}
	if len(b) > maxConfigFile {
		return nil, fmt.Errorf("%s: larger than %d MiB: not an AWS config or credentials file", path, maxConfigFile>>20)
	}
	return parseINI(path, string(b))
}

func parseINI(path, text string) (map[string]map[string]string, error) {
	out := map[string]map[string]string{}
	var cur map[string]string
	parent := ""
	for i, line := range strings.Split(text, "\n") {
		line = strings.TrimRight(line, "\r")
		trimmed := strings.TrimSpace(line)
		if trimmed == "" || trimmed[0] == '#' || trimmed[0] == ';' {
			continue
		}
		if trimmed[0] == '[' {
			if !strings.HasSuffix(trimmed, "]") {
				return nil, fmt.Errorf("%s:%d: malformed section header", path, i+1)
			}
			name := strings.Join(strings.Fields(trimmed[1:len(trimmed)-1]), " ")
			if out[name] == nil {
				out[name] = map[string]string{}
			}
			cur, parent = out[name], ""
			continue
		}
		if cur == nil {
			return nil, fmt.Errorf("%s:%d: setting outside any [section]", path, i+1)
		}
		k, v, ok := strings.Cut(trimmed, "=")
		if !ok {
			return nil, fmt.Errorf("%s:%d: expected key = value", path, i+1)
		}
		k, v = strings.ToLower(strings.TrimSpace(k)), strings.TrimSpace(v)
		indented := line[0] == ' ' || line[0] == '\t'
		switch {
		case indented && parent != "":
			cur[parent+"."+k] = v
		case v == "":
			parent = k
		default:
			parent = ""
			cur[k] = v
		}
	}
	return out, nil
}
