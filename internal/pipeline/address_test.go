package pipeline

import (
	"errors"
	"reflect"
	"strings"
	"testing"

	"github.com/batchsign/batchsign/sigerr"
	"github.com/batchsign/batchsign/sigv4"
)

func TestResolveS3(t *testing.T) {
	minio := Endpoint{Scheme: "http", Host: "127.0.0.1:7070"}
	cases := []struct {
		name, bucket, region string
		ep                   Endpoint
		style                AddressingStyle
		want                 Address
		err                  string
	}{
		{"aws virtual", "examplebucket", "eu-west-1", Endpoint{}, AddressingAuto,
			Address{"https", "examplebucket.s3.eu-west-1.amazonaws.com", ""}, ""},
		{"us-east-1 is regional too", "examplebucket", "us-east-1", Endpoint{}, AddressingAuto,
			Address{"https", "examplebucket.s3.us-east-1.amazonaws.com", ""}, ""},
		{"china partition", "b-1", "cn-north-1", Endpoint{}, AddressingAuto,
			Address{"https", "b-1.s3.cn-north-1.amazonaws.com.cn", ""}, ""},
		{"dots under https go path-style", "my.bucket", "us-east-1", Endpoint{}, AddressingAuto,
			Address{"https", "s3.us-east-1.amazonaws.com", "my.bucket"}, ""},
		{"upper case goes path-style", "MyBucket", "us-east-1", Endpoint{}, AddressingAuto,
			Address{"https", "s3.us-east-1.amazonaws.com", "MyBucket"}, ""},
		{"underscore goes path-style", "my_bucket", "us-east-1", Endpoint{}, AddressingAuto,
			Address{"https", "s3.us-east-1.amazonaws.com", "my_bucket"}, ""},
		{"ip-like goes path-style", "192.168.1.1", "us-east-1", Endpoint{}, AddressingAuto,
			Address{"https", "s3.us-east-1.amazonaws.com", "192.168.1.1"}, ""},
		{"too short goes path-style", "ab", "us-east-1", Endpoint{}, AddressingAuto,
			Address{"https", "s3.us-east-1.amazonaws.com", "ab"}, ""},
		{"forced path", "examplebucket", "us-west-2", Endpoint{}, AddressingPath,
			Address{"https", "s3.us-west-2.amazonaws.com", "examplebucket"}, ""},
		{"forced virtual with dots", "my.bucket", "us-east-1", Endpoint{}, AddressingVirtual,
			Address{"https", "my.bucket.s3.us-east-1.amazonaws.com", ""}, ""},
		{"forced virtual, not a DNS name", "My_Bucket", "us-east-1", Endpoint{}, AddressingVirtual, Address{}, "not DNS-compatible"},
		{"custom endpoint is path-style", "examplebucket", "us-east-1", minio, AddressingAuto,
			Address{"http", "127.0.0.1:7070", "examplebucket"}, ""},
		{"custom endpoint forced virtual", "examplebucket", "us-east-1", Endpoint{"https", "minio.local:9000"}, AddressingVirtual,
			Address{"https", "examplebucket.minio.local:9000", ""}, ""},
		{"slash in bucket", "a/b", "us-east-1", Endpoint{}, AddressingAuto, Address{}, "character '/'"},
		{"empty bucket", "", "us-east-1", Endpoint{}, AddressingAuto, Address{}, "missing"},
		{"forced virtual past 253 bytes", strings.Repeat("b", 63), "us-east-1", Endpoint{"https", strings.Repeat("e.", 95) + "e"}, AddressingVirtual, Address{}, "longer than 253 bytes"},
		{"forced virtual on an IPv6 endpoint", "examplebucket", "us-east-1", Endpoint{"http", "[::1]:9000"}, AddressingVirtual, Address{}, "bucket.endpoint is no host name"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got, err := ResolveS3(tc.bucket, tc.region, tc.ep, tc.style)
			if tc.err != "" {
				if err == nil || !strings.Contains(err.Error(), tc.err) {
					t.Fatalf("err = %v, want %q", err, tc.err)
				}
				return
			}
			if err != nil || got != tc.want {
				t.Fatalf("got %+v, %v; want %+v", got, err, tc.want)
			}
		})
	}
}

func TestParseURL(t *testing.T) {
	cases := []struct {
		in   string
		want ParsedURL
		err  string
	}{
		{"https://examplebucket.s3.amazonaws.com/test.txt", ParsedURL{Scheme: "https", Host: "examplebucket.s3.amazonaws.com", Path: "/test.txt"}, ""},
		{"HTTP://127.0.0.1:7070/b/a%20b?versionId=1&acl", ParsedURL{Scheme: "http", Host: "127.0.0.1:7070", Path: "/b/a%20b", RawQuery: "versionId=1&acl"}, ""},
		{"https://h", ParsedURL{Scheme: "https", Host: "h"}, ""},
		{"https://h?x=1", ParsedURL{Scheme: "https", Host: "h", RawQuery: "x=1"}, ""},
		{"https://h/p?", ParsedURL{Scheme: "https", Host: "h", Path: "/p", ForceQuery: true}, ""},
		{"https://[::1]:8080//a//b", ParsedURL{Scheme: "https", Host: "[::1]:8080", Path: "//a//b"}, ""},
		{"https://h/a+b=c;d,(e)~", ParsedURL{Scheme: "https", Host: "h", Path: "/a+b=c;d,(e)~"}, ""},
		{"https://my_minio-1:65535/", ParsedURL{Scheme: "https", Host: "my_minio-1:65535", Path: "/"}, ""},
		{"ftp://h/x", ParsedURL{}, "scheme"},
		{"h/x", ParsedURL{}, "scheme://"},
		{"https:///x", ParsedURL{}, "no host"},
		{"https://user:secretpw@h/x", ParsedURL{}, "user information"},
		{"https://secretpw@h/x", ParsedURL{}, "user information"},
		{"https://h/a b", ParsedURL{}, "space"},
		{"https://h/a#frag", ParsedURL{}, "fragment"},
		{"https://h/caf\u00e9", ParsedURL{}, "non-ASCII"},
		{"https://h/a|b", ParsedURL{}, "'|' at byte 11"},
		{"https://h/a%2", ParsedURL{}, "malformed percent escape"},
		{"https://h/a?x=%zz", ParsedURL{}, "malformed percent escape"},
		{"https://h:99999999/", ParsedURL{}, "port"},
		{"https://h:99999/", ParsedURL{}, "port"},
		{"https://h:65536/", ParsedURL{}, "port"},
		{"https://h:0/", ParsedURL{}, "port"},
		{"https://h:080/", ParsedURL{}, "port"},
		{"https://h:/", ParsedURL{}, "port"},
		{"https://h$x/", ParsedURL{}, "'$' at byte 9 is not allowed in a host name"},
		{"https://a..b/", ParsedURL{}, "empty label"},
		{"https://" + strings.Repeat("a", 64) + ".example/", ParsedURL{}, "longer than 63"},
		{"https://" + strings.Repeat("a.", 127) + "a/", ParsedURL{}, "longer than 253"},
		{"https://1.2.3.256/", ParsedURL{}, "IPv4"},
		{"https://[fe80::1%25en0]/", ParsedURL{}, "IPv6"},
	}
	for _, tc := range cases {
		t.Run(tc.in, func(t *testing.T) {
			got, err := ParseURL(tc.in)
			if tc.err != "" {
				if err == nil || !strings.Contains(err.Error(), tc.err) {
					t.Fatalf("err = %v, want %q", err, tc.err)
				}
				if strings.Contains(err.Error(), "secretpw") {
					t.Fatalf("error echoes user information: %v", err)
				}
				var fe *sigerr.FieldError
				if !errors.As(err, &fe) || (fe.Field != FieldURL) {
					t.Fatalf("error %v does not name the url field", err)
				}
				return
			}
			if err != nil || got != tc.want {
				t.Fatalf("got %+v, %v; want %+v", got, err, tc.want)
			}
		})
	}
}

// TestRegionIsAHostLabel: a region goes into AWS host names as one label,
// so it is at most 63 bytes.
func TestRegionIsAHostLabel(t *testing.T) {
	if err := checkRegion(strings.Repeat("r", 63)); err != nil {
		t.Error(err)
	}
	if err := checkRegion(strings.Repeat("r", 64)); err == nil || !strings.Contains(err.Error(), "at most 63 bytes") {
		t.Errorf("64-byte region: %v", err)
	}
}

func TestRegionFromHost(t *testing.T) {
	for host, want := range map[string]string{
		"examplebucket.s3.eu-west-1.amazonaws.com": "eu-west-1",
		"s3.us-west-2.amazonaws.com":               "us-west-2",
		"s3.us-west-2.amazonaws.com:443":           "us-west-2",
		"b.s3-ap-southeast-2.amazonaws.com":        "ap-southeast-2",
		"b.s3.cn-north-1.amazonaws.com.cn":         "cn-north-1",
		"examplebucket.s3.amazonaws.com":           "",
		"b.s3.dualstack.us-east-1.amazonaws.com":   "",
		"127.0.0.1:7070":                           "",
		"mys3.example.com":                         "",
		"bucket.s3.us-east-1.amazonaws.com.evil":   "",
	} {
		if got := regionFromHost(host); got != want {
			t.Errorf("regionFromHost(%q) = %q, want %q", host, got, want)
		}
	}
}

func TestQueryPairsDecodesOnce(t *testing.T) {
	got, err := queryPairs(nil, "a=1&&b&c=x%20y+z&d%3D=%26")
	want := []sigv4.QueryParam{{Key: "a", Value: "1"}, {Key: "b"}, {Key: "c", Value: "x y+z"}, {Key: "d=", Value: "&"}}
	if err != nil || !reflect.DeepEqual(got, want) {
		t.Fatalf("got %v, %v; want %v", got, err, want)
	}
}

func TestParseEndpoint(t *testing.T) {
	if ep, err := ParseEndpoint("http://127.0.0.1:7070/"); err != nil || ep != (Endpoint{"http", "127.0.0.1:7070"}) {
		t.Fatalf("got %+v, %v", ep, err)
	}
	for _, bad := range []string{"127.0.0.1:7070", "http://h/prefix", "http://h?x=1", "gopher://h"} {
		if _, err := ParseEndpoint(bad); err == nil {
			t.Errorf("ParseEndpoint(%q) accepted", bad)
		}
	}
}
