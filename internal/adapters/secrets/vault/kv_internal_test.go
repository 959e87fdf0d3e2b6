package vault

import (
	"encoding/json"
	"maps"
	"testing"

	"github.com/hypo-registry/registry/handlers"
)

// TestSecretDataReadsEveryValueAsBefore: secretData takes a plain string
// value as it is and leaves the rest to json.Unmarshal, and gives what
// json.Unmarshal alone gave (a value that is not a string kept as its
// JSON text, the store's command mark dropped).
func TestSecretDataReadsEveryValueAsBefore(t *testing.T) {
	raw := map[string]json.RawMessage{
		"username": json.RawMessage(`"bench-user"`),
		"password": json.RawMessage(`"p\"a\\u00e9ss\n"`),
		"url":      json.RawMessage(`"https://r.example.com/a?b=c&d"`),
		"emoji":    json.RawMessage(`"` + "\U0001F511" + `"`),
		"number":   json.RawMessage(`42`),
		"object":   json.RawMessage(`{"a":"b"}`),
		"empty":    json.RawMessage(`""`),
		commandKey: json.RawMessage(`"cmd-1"`),
	}
	want := handlers.SecretData{}
	for k, v := range raw {
		if k == commandKey {
			continue
		}
		var s string
		if json.Unmarshal(v, &s) == nil {
			want[k] = s
		} else {
			want[k] = string(v)
		}
	}
	if got := secretData(raw); !maps.Equal(got, want) {
		t.Fatalf("secretData = %q, want %q", got, want)
	}
}
