// Command benchtable turns the output of bench/'s benchmarks (go test
// -bench, any -count) into the markdown table of the README: per case, the
// median ns/op and allocs/op of batchsign, aws-sdk-go-v2 and minio-go, how
// many times faster batchsign is than each, and how far it is from the
// SHA-256 floor measured in the same run.
//
// Usage:
//
//	benchtable FILE...     (or the output on standard input)
//
// It reads the benchmark lines only and ignores everything else, so raw
// `go test` output, a test binary's output from another machine, or several
// files concatenated all work. Medians, not means: one disturbed sample does
// not move them. benchstat gives the confidence intervals; run.sh prints both.
package main

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"regexp"
	"slices"
	"strconv"
	"strings"
)

// samples holds every measurement: name (without the -GOMAXPROCS suffix),
// then unit, then values in the order read.
type samples map[string]map[string][]float64

// procsSuffix is the -N that go test appends when GOMAXPROCS > 1.
var procsSuffix = regexp.MustCompile(`-(\d+)$`)

// parse reads benchmark result lines ("BenchmarkX/y-2  N  v unit  v unit ...")
// and the goos/goarch/cpu header lines.
func parse(r io.Reader, s samples, header map[string]string) error {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		line := sc.Text()
		for _, k := range []string{"goos", "goarch", "cpu", "pkg"} {
			if v, ok := strings.CutPrefix(line, k+": "); ok {
				header[k] = v
			}
		}
		f := strings.Fields(line)
		if len(f) < 4 || !strings.HasPrefix(f[0], "Benchmark") || len(f)%2 != 0 {
			continue
		}
		if _, err := strconv.Atoi(f[1]); err != nil {
			continue
		}
		name := strings.TrimPrefix(f[0], "Benchmark")
		procs := "1"
		if m := procsSuffix.FindStringSubmatch(name); m != nil {
			procs = m[1]
			name = strings.TrimSuffix(name, m[0])
		}
		if strings.HasPrefix(name, "PresignParallel/") {
			name += "/cpu=" + procs
		}
		for i := 2; i+1 < len(f); i += 2 {
			v, err := strconv.ParseFloat(f[i], 64)
			if err != nil {
				continue
			}
			if s[name] == nil {
				s[name] = map[string][]float64{}
			}
			s[name][f[i+1]] = append(s[name][f[i+1]], v)
		}
	}
	return sc.Err()
}

// median returns the median of name's unit, and whether there was any.
func (s samples) median(name, unit string) (float64, int, bool) {
	v := slices.Clone(s[name][unit])
	if len(v) == 0 {
		return 0, 0, false
	}
	slices.Sort(v)
	n := len(v)
	if n%2 == 1 {
		return v[n/2], n, true
	}
	return (v[n/2-1] + v[n/2]) / 2, n, true
}

// ns formats nanoseconds with thousands separators (1,234 ns) or, below
// 100, with one decimal.
func ns(v float64) string {
	if v < 100 {
		return strconv.FormatFloat(v, 'f', 1, 64) + " ns"
	}
	s := strconv.FormatInt(int64(v+0.5), 10)
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	return s + " ns"
}

func main() {
	s := samples{}
	header := map[string]string{}
	if len(os.Args) < 2 {
		if err := parse(os.Stdin, s, header); err != nil {
			fmt.Fprintln(os.Stderr, "benchtable:", err)
			os.Exit(1)
		}
	}
	for _, path := range os.Args[1:] {
		f, err := os.Open(path)
		if err != nil {
			fmt.Fprintln(os.Stderr, "benchtable:", err)
			os.Exit(1)
		}
		err = parse(f, s, header)
		f.Close()
		if err != nil {
			fmt.Fprintln(os.Stderr, "benchtable:", err)
			os.Exit(1)
		}
	}
	if len(s) == 0 {
		fmt.Fprintln(os.Stderr, "benchtable: no benchmark lines in the input")
		os.Exit(1)
	}
	write(os.Stdout, s, header)
}

// write prints the markdown table and the lines under it.
func write(w io.Writer, s samples, header map[string]string) {
	cell := func(name string) string {
		v, _, ok := s.median(name, "ns/op")
		if !ok {
			return "—"
		}
		a, _, _ := s.median(name, "allocs/op")
		return fmt.Sprintf("%s, %d allocs", ns(v), int64(a+0.5))
	}
	faster := func(base, peer string) string {
		b, _, ok1 := s.median(base, "ns/op")
		p, _, ok2 := s.median(peer, "ns/op")
		if !ok1 || !ok2 || b == 0 {
			return "—"
		}
		return fmt.Sprintf("**%.1f×**", p/b)
	}

	fmt.Fprintln(w, "| benchmark | batchsign | aws-sdk-go-v2 | minio-go | faster than aws-sdk-go-v2 | faster than minio-go | SHA-256 floor | batchsign ÷ floor |")
	fmt.Fprintln(w, "| --- | --- | --- | --- | --- | --- | --- | --- |")
	runs := 0
	for _, c := range []string{"Presign/NoToken", "Presign/Token950", "Presign/Overrides", "SignHeaders/PUT"} {
		b := c + "/impl=batchsign"
		if _, n, ok := s.median(b, "ns/op"); ok {
			runs = max(runs, n)
		} else {
			continue
		}
		floorCell, ratioCell := "—", "—"
		if fl, _, ok := s.median("PresignFloor/"+strings.TrimPrefix(c, "Presign/")+"/impl=batchsign", "floor-ns/op"); ok && strings.HasPrefix(c, "Presign/") {
			blocks, _, _ := s.median("PresignFloor/"+strings.TrimPrefix(c, "Presign/")+"/impl=batchsign", "blocks/op")
			floorCell = fmt.Sprintf("%s (%d blocks)", ns(fl), int(blocks+0.5))
			if v, _, ok := s.median(b, "ns/op"); ok {
				ratioCell = fmt.Sprintf("%.2f×", v/fl)
			}
		}
		fmt.Fprintf(w, "| `%s` | %s | %s | %s | %s | %s | %s | %s |\n", c, cell(b), cell(c+"/impl=awssdk"), cell(c+"/impl=minio"),
			faster(b, c+"/impl=awssdk"), faster(b, c+"/impl=minio"), floorCell, ratioCell)
	}
	fmt.Fprintln(w)
	if e, _, ok := s.median("BlockFloor/impl=engine", "ns/block"); ok {
		std, _, _ := s.median("BlockFloor/impl=stdlib", "ns/block")
		fmt.Fprintf(w, "One SHA-256 compression block (`BenchmarkBlockFloor`, 4 KiB messages): %.1f ns with the engine's Sum256, %.1f ns with crypto/sha256. ", e, std)
		fmt.Fprint(w, "The floor is the blocks a presign must hash (canonical request, then the HMAC from prepared key states) × the cost of one block")
		if cal, _, ok := s.median("PresignFloor/NoToken/impl=batchsign", "ns/block"); ok {
			fmt.Fprintf(w, ", %.1f ns: the fastest of 15 short rounds in `BenchmarkPresignFloor`, the least disturbed measurement", cal)
		}
		fmt.Fprintln(w, ".")
	}
	if one, _, ok1 := s.median("PresignParallel/NoToken/impl=batchsign/cpu=1", "ns/op"); ok1 {
		if two, _, ok2 := s.median("PresignParallel/NoToken/impl=batchsign/cpu=2", "ns/op"); ok2 && two > 0 {
			fmt.Fprintf(w, "\nTwo workers vs one (`BenchmarkPresignParallel`, -cpu 1,2): **%.2f×** the throughput (%s → %s per URL).\n", one/two, ns(one), ns(two))
		}
	}
	fmt.Fprintf(w, "\nMedians of %d runs; %s/%s, %s.\n", runs, header["goos"], header["goarch"], header["cpu"])
}
