package handlers_test

import (
	"bytes"
	"encoding/json"
	"testing"
	"time"

	"github.com/hypo-registry/registry/handlers"
)

// FuzzRegistryCredentialJSON: AppendJSON writes what json.Marshal writes,
// byte for byte, and fails where it fails (a year outside 0–9999).
func FuzzRegistryCredentialJSON(f *testing.F) {
	f.Add("app", "u", "p", "https://r.example.com", 3, int64(1_700_000_000), int64(123_456_789), int64(1_700_000_100), 0)
	f.Add("", "", "", "", 0, int64(0), int64(0), int64(0), 0)
	f.Add("a<b>&c", "quote\"back\\slash", "ctl\x00\x1f\ttab\n", "", -7, int64(-62_135_596_800), int64(1), int64(1), 3600)
	f.Add("caf\u00e9 \u2028\u2029", "\xff\xfeinvalid", "\U0001F511", "ftp://x/\u007f", 1<<40, int64(253_402_300_799), int64(999_999_999), int64(5), -19800)
	f.Add("year 10000", "u", "p", "", 1, int64(253_402_300_800), int64(0), int64(0), 0)
	f.Add("year -1", "u", "p", "", 1, int64(-62_135_596_801), int64(0), int64(0), 0)
	f.Fuzz(func(t *testing.T, name, user, pass, url string, version int, createdSec, nsec, updatedSec int64, offset int) {
		c := handlers.RegistryCredential{
			Name: name, Username: user, Password: pass, URL: url, Version: version,
			CreatedTime: time.Unix(createdSec, nsec%1_000_000_000).In(time.FixedZone("z", offset%(24*3600))),
			UpdatedTime: time.Unix(updatedSec, 0).UTC(),
		}
		want, werr := json.Marshal(c)
		got, gerr := c.AppendJSON([]byte("prefix"))
		if (werr != nil) != (gerr != nil) {
			t.Fatalf("json.Marshal error %v, AppendJSON error %v", werr, gerr)
		}
		if werr != nil {
			return
		}
		if !bytes.HasPrefix(got, []byte("prefix")) || !bytes.Equal(got[len("prefix"):], want) {
			t.Fatalf("AppendJSON wrote\n%s\njson.Marshal writes\n%s", got, want)
		}
	})
}
