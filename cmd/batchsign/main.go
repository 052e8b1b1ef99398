package main

import (
	"fmt"
	"io"
	"os"
)

// Exit codes are part of the command-line contract: schedulers branch on them.
const (
	exitOK       = 0 // every row signed
	exitRejected = 1 // some rows rejected (see the rejects file)
	exitUsage    = 2 // usage or configuration error; nothing written
	exitFailed   = 3 // the run failed midway (I/O); nothing left at -o
)

// command is one subcommand: it gets its arguments and the process streams
// and returns the exit status.
type command struct {
	name, summary string
	run           func(args []string, stdin io.Reader, stdout, stderr io.Writer) int
}

func commands() []command {
	return []command{
		{"presign", "one presigned URL per manifest row", runPresign},
		{"presign-post", "one S3 POST form (browser upload: url and fields) per manifest row", runPresignPost},
		{"sign", "signed request headers per manifest row", runSign},
		{"verify", "judge presigned URLs or signed requests: valid, or why not", runVerify},
		{"mac", "KMS-style HMACs per row: mac generate | mac verify", runMac},
		{"plan", "how a manifest splits into shards, without signing; --check: did all shards complete", runPlan},
		{"version", "print version, Go version, CPU features and the SHA-256 backend", runVersion},
	}
}

func main() {
	setMemoryLimit()
	stop := startCPUProfile(os.Getenv(cpuProfileEnv), os.Stderr)
	code := run(os.Args[1:], os.Stdin, os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

func run(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" || args[0] == "help" {
		usage(stderr)
		if len(args) == 0 {
			return exitUsage
		}
		return exitOK
	}
	for _, c := range commands() {
		if c.name == args[0] {
			return c.run(args[1:], stdin, stdout, stderr)
		}
	}
	fmt.Fprintf(stderr, "batchsign: unknown command %q\n\n", args[0])
	usage(stderr)
	return exitUsage
}

func usage(w io.Writer) {
	fmt.Fprintln(w, "usage: batchsign <command> [flags] [MANIFEST|-]")
	fmt.Fprintln(w)
	fmt.Fprintln(w, "commands:")
	for _, c := range commands() {
		fmt.Fprintf(w, "  %-9s %s\n", c.name, c.summary)
	}
}
