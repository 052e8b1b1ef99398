package outfile

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"unicode/utf8"
)

// defaultNameMax is NAME_MAX on ext4, XFS, Btrfs, tmpfs, APFS and NTFS.
const defaultNameMax = 255

// tempSuffix ends every temporary file's name.
const tempSuffix = ".batchsign.tmp"

// maxKey bounds the part of a temporary file's name that comes from the
// destination's name, so that the whole fits any file system's limit.
const maxKey = 64

// nameKey is how the names of a destination's temporary files start: base
// itself, or, when base is too long for a temporary name on a file system
// whose names take at most nmax bytes, its first bytes and a hash of all of
// it (so that long names differing only at the end stay apart).
func nameKey(base string, nmax int) string {
	room := min(maxKey, nmax-len(".")-len(".4294967295.ffffffff")-len(tempSuffix))
	if len(base) <= room {
		return base
	}
	sum := sha256.Sum256([]byte(base))
	return clip(base, room-17) + "~" + hex.EncodeToString(sum[:8])
}

// tempName returns a fresh name for a temporary file of base in dir:
// .KEY.PID.RANDOM.batchsign.tmp, hidden, recognisable, naming the process
// that writes it, and never longer than dir's file system allows.
func tempName(dir, base string) string {
	return fmt.Sprintf(".%s.%d.%08x%s", nameKey(base, nameMax(dir)), os.Getpid(), rand.Uint32(), tempSuffix)
}

// tempPID returns the pid in name when name is one of tempName's names for
// a destination whose temporary names start with prefix (".KEY.").
func tempPID(name, prefix string) (int, bool) {
	rest, ok := strings.CutPrefix(name, prefix)
	if !ok {
		return 0, false
	}
	if rest, ok = strings.CutSuffix(rest, tempSuffix); !ok {
		return 0, false
	}
	pidText, random, ok := strings.Cut(rest, ".")
	if !ok || len(random) != 8 || strings.Trim(random, "0123456789abcdef") != "" {
		return 0, false
	}
	pid, err := strconv.Atoi(pidText)
	if err != nil || pid <= 0 || strconv.Itoa(pid) != pidText {
		return 0, false
	}
	return pid, true
}

// clip returns at most n bytes of s, not splitting a UTF-8 sequence.
func clip(s string, n int) string {
	if n <= 0 {
		return ""
	}
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n]
}

// Beside returns the path of a file beside path named as path with its
// extension replaced by ext (urls.csv, .rejects.ndjson: urls.rejects.ndjson),
// the name shortened, if need be, to fit the file system's limit.
func Beside(path, ext string) string {
	stem := strings.TrimSuffix(path, filepath.Ext(path))
	dir, base := filepath.Split(stem)
	d := dir
	if d == "" {
		d = "."
	}
	return dir + clip(base, nameMax(d)-len(ext)) + ext
}
