// Package awsconfig resolves credentials, region and endpoint the way the AWS
// CLI and SDKs do, from the environment and the shared credentials and config
// files, so that batchsign runs with whatever an AWS user already has set up.
//
// Supported: static keys and session tokens from the environment or from a
// profile (credentials file, then config file). Profiles that need a network
// call (role_arn, credential_process, sso_*, web identity) are reported as
// such, with the command that exports their credentials into the
// environment: a signing job must not call out to the network per run.
package awsconfig

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/batchsign/batchsign/sigv4"
)

// Inputs are the command-line values that take precedence over the
// environment and the files. Getenv defaults to os.Getenv; tests pass their
// own.
type Inputs struct {
	Profile     string // --profile; an explicit profile wins over environment keys
	Region      string // --region
	EndpointURL string // --endpoint-url
	Getenv      func(string) string
}

// Resolved is what a run signs with.
type Resolved struct {
	Credentials sigv4.Credentials
	// Region is "" when nothing names one; callers choose their default.
	Region string
	// EndpointURL is "" for AWS's own endpoints.
	EndpointURL string
	// AddressingStyle is the profile's s3.addressing_style ("auto",
	// "virtual", "path") or "".
	AddressingStyle string
	// Profile is the profile used, "" when credentials came from the
	// environment.
	Profile string
	// CredentialSource says where the keys came from, for messages:
	// "environment" or "profile NAME (FILE)". Never a secret.
	CredentialSource string
}

// ErrNoCredentials means neither the environment nor a profile holds keys.
var ErrNoCredentials = errors.New("no AWS credentials found")

// ErrUnsupportedProfile means the profile needs a network call or a helper
// process to produce credentials.
var ErrUnsupportedProfile = errors.New("profile needs credentials batchsign does not fetch")

// Resolve applies the AWS precedence rules:
//
//   - credentials: an explicit --profile; else AWS_ACCESS_KEY_ID and
//     AWS_SECRET_ACCESS_KEY (with AWS_SESSION_TOKEN and
//     AWS_CREDENTIAL_EXPIRATION, RFC 3339); else the profile named by
//     AWS_PROFILE, or "default", from AWS_SHARED_CREDENTIALS_FILE
//     (~/.aws/credentials) and AWS_CONFIG_FILE (~/.aws/config);
//   - region: --region, AWS_REGION, AWS_DEFAULT_REGION, the profile's region;
//   - endpoint: --endpoint-url, AWS_ENDPOINT_URL_S3, AWS_ENDPOINT_URL, the
//     profile's endpoint_url (the last three ignored when
//     AWS_IGNORE_CONFIGURED_ENDPOINT_URLS is true).
func Resolve(in Inputs) (Resolved, error) {
	getenv := in.Getenv
	if getenv == nil {
		getenv = os.Getenv
	}
	var out Resolved

	profileName := in.Profile
	explicit := profileName != ""
	if profileName == "" {
		profileName = getenv("AWS_PROFILE")
	}
	if profileName == "" {
		profileName = getenv("AWS_DEFAULT_PROFILE")
	}
	if profileName == "" {
		profileName = "default"
	}
	prof, err := loadProfile(profileName, getenv)
	if err != nil {
		return out, err
	}

	envAK, envSK := getenv("AWS_ACCESS_KEY_ID"), getenv("AWS_SECRET_ACCESS_KEY")
	switch {
	case !explicit && envAK != "" && envSK != "":
		out.Credentials = sigv4.Credentials{AccessKeyID: envAK, SecretAccessKey: envSK, SessionToken: getenv("AWS_SESSION_TOKEN")}
		if exp := getenv("AWS_CREDENTIAL_EXPIRATION"); exp != "" {
			t, err := time.Parse(time.RFC3339, exp)
			if err != nil {
				return out, fmt.Errorf("AWS_CREDENTIAL_EXPIRATION: want RFC 3339 (2026-11-23T18:00:00Z), got %q", exp)
			}
			out.Credentials.Expires = t
		}
		out.CredentialSource = "environment"
	case !explicit && (envAK != "") != (envSK != ""):
		return out, errors.New("AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY must be set together")
	default:
		if err := prof.credentials(&out); err != nil {
			return out, err
		}
		out.Profile = profileName
	}

	out.Region = firstNonEmpty(in.Region, getenv("AWS_REGION"), getenv("AWS_DEFAULT_REGION"), prof.get("region"))
	ignore := strings.EqualFold(getenv("AWS_IGNORE_CONFIGURED_ENDPOINT_URLS"), "true")
	out.EndpointURL = in.EndpointURL
	if out.EndpointURL == "" && !ignore {
		out.EndpointURL = firstNonEmpty(getenv("AWS_ENDPOINT_URL_S3"), getenv("AWS_ENDPOINT_URL"), prof.get("endpoint_url"))
	}
	out.AddressingStyle = prof.get("s3.addressing_style")
	return out, nil
}

func firstNonEmpty(vals ...string) string {
	for _, v := range vals {
		if v != "" {
			return v
		}
	}
	return ""
}

// profile is the merged view of one profile: credentials-file values win
// over config-file values, as in the CLI.
type profile struct {
	name       string
	values     map[string]string
	sources    map[string]string // key -> file it came from
	foundInAny bool
}

func (p *profile) get(k string) string { return p.values[k] }

func (p *profile) credentials(out *Resolved) error {
	for _, k := range []string{"role_arn", "credential_process", "sso_session", "sso_start_url", "web_identity_token_file"} {
		if p.values[k] != "" && p.values["aws_access_key_id"] == "" {
			return fmt.Errorf("%w: profile %q uses %s; export its credentials first, e.g. eval \"$(aws configure export-credentials --profile %s --format env)\"",
				ErrUnsupportedProfile, p.name, k, p.name)
		}
	}
	ak, sk := p.values["aws_access_key_id"], p.values["aws_secret_access_key"]
	if ak == "" || sk == "" {
		if !p.foundInAny {
			return fmt.Errorf("%w: no AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY in the environment and no profile %q in the shared credentials or config file", ErrNoCredentials, p.name)
		}
		return fmt.Errorf("%w: profile %q has no aws_access_key_id and aws_secret_access_key", ErrNoCredentials, p.name)
	}
	out.Credentials = sigv4.Credentials{AccessKeyID: ak, SecretAccessKey: sk, SessionToken: p.values["aws_session_token"]}
	out.CredentialSource = "profile " + p.name + " (" + p.sources["aws_access_key_id"] + ")"
	return nil
}

func loadProfile(name string, getenv func(string) string) (*profile, error) {
	home := getenv("HOME")
	credFile := firstNonEmpty(getenv("AWS_SHARED_CREDENTIALS_FILE"), filepath.Join(home, ".aws", "credentials"))
	confFile := firstNonEmpty(getenv("AWS_CONFIG_FILE"), filepath.Join(home, ".aws", "config"))
	p := &profile{name: name, values: map[string]string{}, sources: map[string]string{}}
	// Config first, then credentials on top: the credentials file wins.
	for _, f := range []struct {
		path    string
		section string
	}{
		{confFile, configSection(name)},
		{credFile, name},
	} {
		sections, err := parseINIFile(f.path)
		if err != nil {
			return nil, err
		}
		if vals, ok := sections[f.section]; ok {
			p.foundInAny = true
			for k, v := range vals {
				p.values[k] = v
				p.sources[k] = f.path
			}
		}
	}
	return p, nil
}

// configSection is the config-file section of a profile: "default" or
// "profile NAME".
func configSection(name string) string {
	if name == "default" {
		return "default"
	}
	return "profile " + name
}

// maxConfigFile bounds a shared config or credentials file. Real ones are a
// few KiB; anything near this is not one (AWS_CONFIG_FILE=/dev/zero must not
// grow the process until it dies).
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

// parseINIFile reads an AWS shared config/credentials file. A missing file
// is an empty file; one that is not a regular file (a FIFO, a device) or is
// larger than maxConfigFile is an error, so the run stops at once instead
// of blocking or reading forever. Nested sub-sections ("s3 =" followed by
// indented "addressing_style = path") become "s3.addressing_style". Errors
// name the file and line, never a value.
func parseINIFile(path string) (map[string]map[string]string, error) {
	// Stat before opening: opening a FIFO blocks until a writer comes.
	fi, err := os.Stat(path)
	if errors.Is(err, os.ErrNotExist) {
		return map[string]map[string]string{}, nil
	}
	if err != nil {
		return nil, err
	}
	if !fi.Mode().IsRegular() {
		return nil, fmt.Errorf("%s: not a regular file (%s)", path, fileKind(fi.Mode()))
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
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
