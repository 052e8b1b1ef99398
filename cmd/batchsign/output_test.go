package main

import (
	"bytes"
	"os"
	"slices"
	"strings"
	"testing"
)

// TestOutputNeverReplacesAnInput: however a destination is spelled (a
// symlink, a symlinked directory, a hard link, the manifest on stdin), a run
// whose -o, --rejects or --summary is a file it reads, or whose outputs are
// one another, is a usage error and leaves every file as it was.
func TestOutputNeverReplacesAnInput(t *testing.T) {
	for _, tc := range []struct {
		name  string
		args  []string
		stdin string // a file in the test directory to pass as stdin
	}{
		{"manifest through a symlink", []string{"presign", "l.ndjson", "-o", "m.ndjson"}, ""},
		{"output through a symlinked directory", []string{"presign", "m.ndjson", "-o", "dl/m.ndjson"}, ""},
		{"output is a symlink to the manifest", []string{"presign", "m.ndjson", "-o", "l.ndjson"}, ""},
		{"output is a hard link of the manifest", []string{"presign", "m.ndjson", "-o", "h.ndjson"}, ""},
		{"output is the manifest on stdin", []string{"presign", "-", "-o", "m.ndjson"}, "m.ndjson"},
		{"rejects are the manifest through a symlinked directory", []string{"presign", "m.ndjson", "-o", "out.ndjson", "--rejects", "dl/m.ndjson"}, ""},
		{"summary is the manifest through a symlink", []string{"sign", "m.ndjson", "-o", "out.ndjson", "--summary", "l.ndjson"}, ""},
		{"output and rejects are one file", []string{"presign", "m.ndjson", "-o", "out.ndjson", "--rejects", "dl/out.ndjson"}, ""},
		{"rejects and summary are one file", []string{"presign", "m.ndjson", "-o", "out.ndjson", "--rejects", "r.ndjson", "--summary", "dl/r.ndjson"}, ""},
		{"output is the --keys file", []string{"verify", "m.ndjson", "--keys", "keys.json", "-o", "dl/keys.json"}, ""},
		{"output is the --keyring file", []string{"mac", "generate", "m.ndjson", "--keyring", "keys.json", "-o", "dl/keys.json"}, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := cleanEnv(t)
			t.Chdir(dir)
			writeFile(t, "m.ndjson", goodManifest)
			writeFile(t, "keys.json", `{"AKIDBATCHSIGNTEST":"`+fakeSecret+`"}`)
			must(t, os.Symlink("m.ndjson", "l.ndjson"))
			must(t, os.Symlink(".", "dl"))
			must(t, os.Link("m.ndjson", "h.ndjson"))
			before := dirNames(t, ".")

			var stdin *os.File
			if tc.stdin != "" {
				f, err := os.Open(tc.stdin)
				must(t, err)
				defer f.Close()
				stdin = f
			} else {
				f, err := os.Open(os.DevNull)
				must(t, err)
				defer f.Close()
				stdin = f
			}
			var out, errb bytes.Buffer
			code := run(append(tc.args, "--time", pinned), stdin, &out, &errb)
			if code != exitUsage || !strings.Contains(errb.String(), "same file") {
				t.Errorf("exit %d, want %d with \"same file\"; stderr: %s", code, exitUsage, errb.String())
			}
			for _, name := range []string{"m.ndjson", "h.ndjson"} {
				if b, _ := os.ReadFile(name); string(b) != goodManifest {
					t.Errorf("%s now holds %q", name, b)
				}
			}
			if b, _ := os.ReadFile("keys.json"); !strings.Contains(string(b), fakeSecret) {
				t.Errorf("keys.json now holds %q", b)
			}
			if fi, err := os.Lstat("l.ndjson"); err != nil || fi.Mode()&os.ModeSymlink == 0 {
				t.Errorf("l.ndjson is no longer a symlink: %v", err)
			}
			if after := dirNames(t, "."); !slices.Equal(after, before) {
				t.Errorf("directory holds %v, want %v", after, before)
			}
		})
	}
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func TestOutputHelpSaysSpecialFilesAreNotAtomic(t *testing.T) {
	_, _, errs := runCLI(t, "presign", "-h")
	if !strings.Contains(errs, "FIFO") || !strings.Contains(errs, "not atomic") {
		t.Errorf("presign -h does not say how special files are written:\n%s", errs)
	}
}

// TestDirectoryDestinationIsUsageError: -o, --rejects or --summary naming an
// existing directory is refused before any row is read (exit 2), not found
// out by a failed rename at the end.
func TestDirectoryDestinationIsUsageError(t *testing.T) {
	for _, args := range [][]string{
		{"-o", "d.ndjson"},
		{"-o", "d.ndjson/", "--format", "ndjson"},
		{"-o", "link.ndjson"},
		{"-o", "out.ndjson", "--rejects", "d.ndjson"},
		{"-o", "out.ndjson", "--summary", "d.ndjson"},
	} {
		t.Run(strings.Join(args, " "), func(t *testing.T) {
			dir := cleanEnv(t)
			t.Chdir(dir)
			writeFile(t, "m.ndjson", goodManifest)
			must(t, os.Mkdir("d.ndjson", 0o700))
			must(t, os.Symlink("d.ndjson", "link.ndjson"))
			before := dirNames(t, ".")
			code, _, errs := runIn(t, "", append([]string{"presign", "m.ndjson", "--time", pinned}, args...)...)
			if code != exitUsage || !strings.Contains(errs, "is a directory") || strings.Contains(errs, "rows read") {
				t.Errorf("exit %d, want %d naming the directory before reading; stderr: %s", code, exitUsage, errs)
			}
			if after := dirNames(t, "."); !slices.Equal(after, before) {
				t.Errorf("directory holds %v, want %v", after, before)
			}
			if names := dirNames(t, "d.ndjson"); len(names) != 0 {
				t.Errorf("d.ndjson holds %v", names)
			}
		})
	}
}

// TestLongOutputNameWorks: a legal output name of 252 bytes works: the
// temporary names fit the file system's limit whatever the destination's
// length, and the default rejects name is shortened to fit.
func TestLongOutputNameWorks(t *testing.T) {
	dir := cleanEnv(t)
	t.Chdir(dir)
	writeFile(t, "m.ndjson", mixedManifest)
	name := strings.Repeat("a", 245) + ".ndjson"
	if err := os.WriteFile(name, nil, 0o600); err != nil {
		t.Skipf("this file system refuses a %d-byte name: %v", len(name), err)
	}
	must(t, os.Remove(name))
	sum := strings.Repeat("s", 247) + ".json"
	code, _, errs := runIn(t, "", "presign", "m.ndjson", "-o", name, "--summary", sum, "--time", pinned)
	if code != exitRejected {
		t.Fatalf("exit %d: %s", code, errs)
	}
	if b, err := os.ReadFile(name); err != nil || strings.Count(string(b), "\n") != 3 {
		t.Errorf("output: %v %q", err, b)
	}
	if b, err := os.ReadFile(sum); err != nil || !strings.Contains(string(b), `"exit_status": 1`) {
		t.Errorf("summary: %v %q", err, b)
	}
	var rejects string
	for _, n := range dirNames(t, ".") {
		if strings.HasSuffix(n, ".rejects.ndjson") {
			rejects = n
		}
	}
	if b, err := os.ReadFile(rejects); err != nil || strings.Count(string(b), "\n") != 3 || !strings.HasPrefix(rejects, "aaaa") || len(rejects) > 255 {
		t.Errorf("rejects %q (%d bytes): %v %q", rejects, len(rejects), err, b)
	}
	if !strings.Contains(errs, "(see "+rejects+")") {
		t.Errorf("stderr does not name the rejects file %s: %s", rejects, errs)
	}
	if names := dirNames(t, "."); len(names) != 4 {
		t.Errorf("directory holds %v", names)
	}
}

// TestEveryDestinationIsCheckedBeforeSigning: a --summary (or rejects)
// destination that cannot be written is a usage error before any row is
// read, not a failure after the output is in place.
func TestEveryDestinationIsCheckedBeforeSigning(t *testing.T) {
	for _, tc := range []struct {
		name string
		args []string
		want string
		root bool // whether root sees the error too
	}{
		{"summary in a missing directory", []string{"--summary", "no/dir/s.json"}, "no such file", true},
		{"rejects in a missing directory", []string{"--rejects", "no/dir/r.ndjson"}, "no such file", true},
		{"summary under a file", []string{"--summary", "m.ndjson/s.json"}, "not a directory", true},
		{"summary in a read-only directory", []string{"--summary", "ro/s.json"}, "permission denied", false},
		{"output in a read-only directory", []string{"-o", "ro/out.ndjson"}, "permission denied", false},
		{"existing summary in a read-only directory", []string{"--summary", "ro/old.json"}, "permission denied", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if !tc.root && os.Geteuid() == 0 {
				t.Skip("root writes to read-only directories")
			}
			dir := cleanEnv(t)
			t.Chdir(dir)
			writeFile(t, "m.ndjson", goodManifest)
			must(t, os.Mkdir("ro", 0o700))
			writeFile(t, "ro/old.json", "{}")
			must(t, os.Chmod("ro", 0o500))
			t.Cleanup(func() { os.Chmod("ro", 0o700) })
			args := append([]string{"presign", "m.ndjson", "--time", pinned}, tc.args...)
			if !slices.Contains(args, "-o") {
				args = append(args, "-o", "out.ndjson")
			}
			code, _, errs := runIn(t, "", args...)
			if code != exitUsage || !strings.Contains(errs, tc.want) || strings.Contains(errs, "rows read") {
				t.Errorf("exit %d, want %d with %q before reading; stderr: %s", code, exitUsage, tc.want, errs)
			}
			if names := dirNames(t, "."); !slices.Equal(names, []string{"m.ndjson", "ro"}) {
				t.Errorf("directory holds %v", names)
			}
			if names := dirNames(t, "ro"); !slices.Equal(names, []string{"old.json"}) {
				t.Errorf("ro holds %v", names)
			}
		})
	}
}
