package azurehmac

import (
	"encoding/base64"
	"errors"
	"fmt"
	"strings"
	"testing"
)

// re-encoded connection string and prints without its key.
func FuzzAzureConnectionString(f *testing.F) {
	f.Add("endpoint=https://contoso.communication.azure.com/;accesskey=kdjNwxBBHn7Cc3imYck1GHwH5NVjbpvDxACyckS4zTo=")
	f.Add("Endpoint = https://x.example:8443/ ; AccessKey = Zm9v ; ")
	f.Add("endpoint=https://x/;kdjNwxBBHn7Cc3imYck1GHwH5NVjbpvDxACyckS4zTo=")
	f.Add("endpoint=https://x/accesskey=Zm9vYmFyYmF6cXV4")
	f.Add(";;accesskey=Zm9v;endpoint=http://h?a=b;x=y")
	f.Fuzz(func(t *testing.T, s string) {
		cs, err := ParseConnectionString(s)
		if err != nil {
			if !errors.Is(err, ErrRequest) {
				t.Fatalf("error %v does not wrap ErrRequest", err)
			}
			msg := strings.TrimPrefix(err.Error(), ErrRequest.Error())
			for field := range strings.FieldsFuncSeq(s, func(r rune) bool { return r == ';' || r == '=' }) {
				field = strings.TrimSpace(field)
				if len(field) >= 8 && strings.Contains(msg, field) && !azureErrorVocabulary(field) {
					t.Fatalf("error %q quotes input field %q", err, field)
				}
			}
			return
		}
		key := cs.Key()
		if len(key) == 0 || cs.Endpoint == "" {
			t.Fatalf("parsed without key or endpoint: %v", cs)
		}
		b64 := base64.StdEncoding.EncodeToString(key)
		again, err := ParseConnectionString("endpoint=" + cs.Endpoint + ";accesskey=" + b64)
		if err != nil || again.Endpoint != cs.Endpoint || string(again.Key()) != string(key) {
			t.Fatalf("round trip: %v, %v", again, err)
		}
		out := fmt.Sprintf("%v %+v %#v %s", cs, cs, cs, cs)
		if len(b64) >= 8 && strings.Contains(out, b64) {
			t.Fatalf("printing leaks the key: %s", out)
		}
	})
}

// azureErrorVocabulary reports whether s is part of the fixed wording of
// connection-string errors (an input that happens to contain our own words
// is not a leak).
func azureErrorVocabulary(s string) bool {
	const words = "azure-hmac: cannot sign request: connection string: field is not name=value endpoint given twice accesskey given twice no endpoint field no accesskey field endpoint is not an absolute http(s) URL with a host accesskey is not valid standard base64 characters) accesskey is empty"
	return strings.Contains(words, s)
}
