package azuresas_test

import (
	"fmt"
	"time"

	"github.com/batchsign/batchsign/azuresas"
	"github.com/batchsign/batchsign/sigerr"
)

// A read-only URL for one blob of the emulator's development account,
// valid for a day, then checked as the service would check it.
func ExampleSigner_PresignURL() {
	cred, err := azuresas.ParseConnectionString("UseDevelopmentStorage=true")
	if err != nil {
		panic(err)
	}
	s, err := azuresas.NewSigner(cred)
	if err != nil {
		panic(err)
	}
	at := time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC)
	url, err := s.PresignURL(&azuresas.Presign{
		Method:    "GET",
		Container: "exports",
		Blob:      "2026/11/report Q3.pdf",
		Expiry:    at.Add(24 * time.Hour),
		Overrides: azuresas.Overrides{ContentDisposition: `attachment; filename="report.pdf"`},
	})
	if err != nil {
		panic(err)
	}
	fmt.Println(url)

	v := azuresas.NewVerifier(func(account string) (azuresas.Credential, bool) {
		return cred, account == cred.Account
	}, at.Add(time.Hour))
	fmt.Println(v.PresignedURL("GET", url))
	fmt.Println(sigerr.ReasonOf(v.PresignedURL("PUT", url)).Code())
	// Output:
	// http://127.0.0.1:10000/devstoreaccount1/exports/2026/11/report%20Q3.pdf?sv=2022-11-02&spr=https%2Chttp&se=2026-11-24T12%3A00%3A00Z&sr=b&sp=r&rscd=attachment%3B%20filename%3D%22report.pdf%22&sig=mm4SAaQieZAVAwWic%2FAVehyIG6CdSk0pCwhMewlzfhk%3D
	// <nil>
	// wrong_permission
}
