// Command bigparquet writes the big Parquet manifest of
// TestS3ParquetManifest1GBPeakRSS: -rows rows (id, bucket, key) whose keys
// are -key bytes long, uncompressed and plain-encoded, in row groups of
// -group rows. The test builds it without the race detector, which slows
// writing a gigabyte several times over.
//
//	bigparquet -rows 2000000 -key 500 -group 250000 -o m.parquet
package main

import (
	"bufio"
	"flag"
	"fmt"
	"log"
	"os"
	"strings"

	"github.com/parquet-go/parquet-go"
)

type row struct {
	ID     string `parquet:"id"`
	Bucket string `parquet:"bucket"`
	Key    string `parquet:"key"`
}

func main() {
	rows := flag.Int("rows", 2_000_000, "rows")
	key := flag.Int("key", 500, "key length in bytes (at least 25)")
	group := flag.Int("group", 250_000, "rows per row group")
	out := flag.String("o", "", "output file")
	flag.Parse()
	f, err := os.Create(*out)
	if err != nil {
		log.Fatal(err)
	}
	bw := bufio.NewWriterSize(f, 1<<20)
	w := parquet.NewGenericWriter[row](bw, parquet.MaxRowsPerRowGroup(int64(*group)))
	batch := make([]row, 1000)
	pad := strings.Repeat("k", max(*key-len("exports/2026/11/00000000-"), 0))
	for i := 0; i < *rows; i += len(batch) {
		b := batch[:min(len(batch), *rows-i)]
		for j := range b {
			b[j] = row{ID: fmt.Sprint(i + j), Bucket: "examplebucket", Key: fmt.Sprintf("exports/2026/11/%08d-%s", i+j, pad)}
		}
		if _, err := w.Write(b); err != nil {
			log.Fatal(err)
		}
	}
	if err := w.Close(); err != nil {
		log.Fatal(err)
	}
	if err := bw.Flush(); err != nil {
		log.Fatal(err)
	}
	if err := f.Close(); err != nil {
		log.Fatal(err)
	}
}
