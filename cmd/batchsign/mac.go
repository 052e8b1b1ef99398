package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"time"

	"github.com/batchsign/batchsign/internal/awsconfig"
	"github.com/batchsign/batchsign/internal/keyring"
	"github.com/batchsign/batchsign/internal/kmsremote"
	"github.com/batchsign/batchsign/internal/pipeline"
)

// kmsBatchSize is the rows per batch with the remote backend: each row is
// a network call, so small batches spread a short manifest over every
// worker.
const kmsBatchSize = 32

// runMac is "batchsign mac generate|verify [flags] MANIFEST|-": KMS-style
// MACs (GenerateMac / VerifyMac semantics) over the manifest's messages,
// with keys from a keyring file or from AWS KMS, through the same pipeline
// as presign, sign and verify.
func runMac(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	if len(args) > 0 {
		switch args[0] {
		case "generate":
			return runBatch(pipeline.MacGenerate, args[1:], stdin, stdout, stderr)
		case "verify":
			return runBatch(pipeline.MacVerify, args[1:], stdin, stdout, stderr)
		case "-h", "--help", "help":
			fmt.Fprint(stderr, macSynopsis)
			return exitOK
		}
		fmt.Fprintf(stderr, "batchsign mac: unknown subcommand %q\n\n", args[0])
	}
	fmt.Fprint(stderr, macSynopsis)
	return exitUsage
}

const macSynopsis = `usage: batchsign mac generate [flags] MANIFEST|-
       batchsign mac verify   [flags] MANIFEST|-

KMS-style HMACs (HMAC_SHA_224, HMAC_SHA_256, HMAC_SHA_384, HMAC_SHA_512) with
AWS KMS GenerateMac / VerifyMac semantics, keys from --keyring FILE or from KMS
(--kms-endpoint URL). Run "batchsign mac generate -h" for the flags.
`

// addMacFlags adds the flags of the mac modes.
func addMacFlags(fs *flag.FlagSet, f *batchFlags) {
	fs.StringVar(&f.keyring, "keyring", "", "compute with the keys of this keyring `FILE` (JSON; mode 0600; see go doc ./keyring)")
	fs.StringVar(&f.kmsEndpoint, "kms-endpoint", "", "call the AWS KMS JSON API at this `URL` (GenerateMac/VerifyMac, SigV4-signed with the resolved credentials and --region)")
}

// macBatchUsage is the -h text of mac generate and mac verify.
func macBatchUsage(mode pipeline.Mode, fs *flag.FlagSet, w io.Writer) {
	if mode == pipeline.MacVerify {
		fmt.Fprint(w, `usage: batchsign mac verify [flags] MANIFEST|-

Checks each row's MAC (id, key_id, algorithm, message base64 or message_file,
mac base64) as KMS VerifyMac does, comparing in constant time, and writes id,
valid, reason (KMSInvalidMacException for a MAC that does not match).
`)
	} else {
		fmt.Fprint(w, `usage: batchsign mac generate [flags] MANIFEST|-

Computes each row's MAC (id, key_id, algorithm, message base64 or message_file)
as KMS GenerateMac does, and writes id, key_id, algorithm, mac (base64).
`)
	}
	fmt.Fprint(w, `
Keys: exactly one of --keyring FILE or --kms-endpoint URL.

flags:
`)
	fs.PrintDefaults()
	fmt.Fprint(w, `
A row KMS would refuse (message outside 1…4096 bytes, unknown key, an algorithm
the key does not allow, bad base64) is rejected, naming its field.
Exit status: 0 every row done (verify: every MAC valid); 1 some rows rejected
(verify: or invalid); 2 usage or configuration error (nothing written); 3 the
run failed (manifest unreadable, output not writable, or the KMS backend refused
the run: credentials, signature, endpoint; nothing left at -o); 128+N
interrupted by signal N (129 SIGHUP, 130 SIGINT, 143 SIGTERM).
`)
}

// resolveMac finishes the mac modes' options: the backend, a keyring
// (permissions checked) or the KMS API with the resolved credentials and
// region. Exactly one is required.
func resolveMac(o *batchOptions, f *batchFlags, t time.Time, _ func(string) string) (*batchOptions, error) {
	o.cfg = pipeline.Config{Mode: o.mode, Time: t, Workers: f.workers}
	switch {
	case f.keyring != "" && f.kmsEndpoint != "":
		return nil, errors.New("give either --keyring FILE or --kms-endpoint URL, not both")
	case f.keyring != "":
		ring, err := keyring.Load(f.keyring)
		if err != nil {
			return nil, err
		}
		o.cfg.Mac.Service = keyring.NewLocal(ring)
	case f.kmsEndpoint != "":
		res, err := awsconfig.Resolve(context.Background(), awsconfig.Inputs{Profile: f.profile, Region: f.region})
		if err != nil {
			return nil, fmt.Errorf("--kms-endpoint: %w", err)
		}
		if res.Region == "" {
			return nil, errors.New("--kms-endpoint: no region: give --region, AWS_REGION or a profile's region")
		}
		c, err := kmsremote.New(kmsremote.Config{Region: res.Region, Endpoint: f.kmsEndpoint, Credentials: res.Credentials})
		if err != nil {
			return nil, err
		}
		o.cfg.Mac = pipeline.MacBackend{Service: c, Fatal: kmsremote.IsFatal}
		o.cfg.BatchSize = kmsBatchSize
	default:
		return nil, errors.New("no keys: give --keyring FILE or --kms-endpoint URL")
	}
	if err := o.cfg.Validate(); err != nil {
		return nil, err
	}
	return o, nil
}
