package bench

import (
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/storage/azblob"
	"github.com/Azure/azure-sdk-for-go/sdk/storage/azblob/sas"

	"github.com/batchsign/batchsign/azuresas"
)

// azureSASNames are blob names for the azure-sas differential: every
// printable ASCII byte but '\' (which Azure turns into '/'), alone and in
// runs, NFC and NFD unicode, emoji, slashes, and 1,024-character names.
func azureSASNames() []string {
	var names []string
	for c := byte(0x20); c < 0x7f; c++ {
		if c != '\\' {
			names = append(names, "k"+string(c)+"v", string(c)+string(c))
		}
	}
	return append(names, "caf\u00e9/\u00c4.txt", "cafe\u0301/A\u0308.txt", "📦 报告", "/a//b/", "%2F%zz",
		strings.Repeat("x", 1024), strings.Repeat("é", 1024), "a b+c=d&e?f#g;h:i@j!k*l'm(n)o")
}

// TestDifferentialAgainstAzblob: for every hostile name, permission set
// and override, azuresas writes the same SAS as the Azure SDK for Go's
// azblob/sas (BlobSignatureValues.SignWithSharedKey, signed version
// 2022-11-02): the same signature and the same query values.
func TestDifferentialAgainstAzblob(t *testing.T) {
	cred, err := azuresas.NewCredential(azuresas.DevelopmentAccount, azuresas.DevelopmentKey)
	if err != nil {
		t.Fatal(err)
	}
	s, err := azuresas.NewSigner(cred)
	if err != nil {
		t.Fatal(err)
	}
	peer, err := azblob.NewSharedKeyCredential(azuresas.DevelopmentAccount, azuresas.DevelopmentKey)
	if err != nil {
		t.Fatal(err)
	}
	expiry := time.Date(2026, 11, 23, 13, 0, 0, 0, time.UTC)
	n := 0
	for _, name := range append(azureSASNames(), "") {
		for _, perms := range []string{"r", "cw", "d", "racwd"} {
			for _, rscd := range []string{"", `attachment; filename="ü (1).pdf"`} {
				p := &azuresas.Presign{Endpoint: "https://devstoreaccount1.blob.core.windows.net", Container: "exports", Blob: name,
					Permissions: perms, Expiry: expiry, Overrides: azuresas.Overrides{ContentDisposition: rscd}}
				ours, err := s.PresignURL(p)
				if err != nil {
					t.Fatalf("%q: %v", name, err)
				}
				qp, err := sas.BlobSignatureValues{Version: azuresas.Version, Protocol: sas.ProtocolHTTPS, ExpiryTime: expiry,
					Permissions: perms, ContainerName: "exports", BlobName: name, ContentDisposition: rscd}.SignWithSharedKey(peer)
				if err != nil {
					t.Fatalf("%q: azblob: %v", name, err)
				}
				_, rawQuery, _ := strings.Cut(ours, "?")
				got, err := url.ParseQuery(rawQuery)
				if err != nil {
					t.Fatal(err)
				}
				want, err := url.ParseQuery(qp.Encode())
				if err != nil {
					t.Fatal(err)
				}
				if got.Encode() != want.Encode() {
					t.Errorf("%q %s %q:\n got %s\nwant %s", name, perms, rscd, got.Encode(), want.Encode())
				}
				n++
			}
		}
	}
	t.Logf("%d SAS URLs identical to azblob's", n)
}

// BenchmarkAzureSAS compares one service SAS (a GET with a
// Content-Disposition override) by azuresas, appended into a reused buffer,
// and by azblob/sas (SignWithSharedKey, then the query string).
func BenchmarkAzureSAS(b *testing.B) {
	expiry := time.Date(2026, 11, 23, 13, 0, 0, 0, time.UTC)
	const blob, rscd = "2026/11/23/part-00042.parquet", `attachment; filename="part-00042.parquet"`
	b.Run("impl=batchsign", func(b *testing.B) {
		cred, _ := azuresas.NewCredential(azuresas.DevelopmentAccount, azuresas.DevelopmentKey)
		s, _ := azuresas.NewSigner(cred)
		p := &azuresas.Presign{Method: "GET", Container: "exports", Blob: blob, Expiry: expiry, Overrides: azuresas.Overrides{ContentDisposition: rscd}}
		dst := make([]byte, 0, 1024)
		b.ReportAllocs()
		var err error
		for b.Loop() {
			if dst, err = s.AppendPresign(dst[:0], p); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("impl=azblob", func(b *testing.B) {
		peer, _ := azblob.NewSharedKeyCredential(azuresas.DevelopmentAccount, azuresas.DevelopmentKey)
		b.ReportAllocs()
		for b.Loop() {
			qp, err := sas.BlobSignatureValues{Version: azuresas.Version, Protocol: sas.ProtocolHTTPSandHTTP, ExpiryTime: expiry,
				Permissions: "r", ContainerName: "exports", BlobName: blob, ContentDisposition: rscd}.SignWithSharedKey(peer)
			if err != nil {
				b.Fatal(err)
			}
			_ = "http://127.0.0.1:10000/devstoreaccount1/exports/" + blob + "?" + qp.Encode()
		}
	})
}
