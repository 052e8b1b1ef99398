package azurehmac_test

import (
	"fmt"
	"time"

	"github.com/batchsign/batchsign/azurehmac"
)

// One of the requests Microsoft's client library signed with a fixed clock
// (testdata/azure-hmac-vectors.json): the same headers, byte for byte.
func ExampleSign() {
	cs, err := azurehmac.ParseConnectionString("endpoint=https://contoso.communication.azure.com/;accesskey=kdjNwxBBHn7Cc3imYck1GHwH5NVjbpvDxACyckS4zTo=")
	if err != nil {
		panic(err)
	}
	at := time.Date(2026, 1, 21, 17, 0, 56, 0, time.UTC)
	h, err := azurehmac.Sign(cs.Key(), "PATCH", "https://contoso.communication.azure.com/identities", []byte(`["chat"]`), at)
	if err != nil {
		panic(err)
	}
	fmt.Println("Host:", h.Host)
	fmt.Println("x-ms-date:", h.Date)
	fmt.Println("x-ms-content-sha256:", h.ContentSHA256)
	fmt.Println("Authorization:", h.Authorization)
	fmt.Println(cs) // the key never prints
	// Output:
	// Host: contoso.communication.azure.com
	// x-ms-date: Wed, 21 Jan 2026 17:00:56 GMT
	// x-ms-content-sha256: xofH0AV3+9wLhQKNP6JSQ+o9saoAvQ5tAtPx9D26qP4=
	// Authorization: HMAC-SHA256 SignedHeaders=x-ms-date;host;x-ms-content-sha256&Signature=mjLlo+HyE2futf8IqPnejRL/5AVLt6WwuWwD/u/1yMo=
	// azurehmac.ConnectionString{Endpoint: https://contoso.communication.azure.com/, accesskey: redacted}
}
