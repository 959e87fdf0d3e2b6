package registrytoken_test

import (
	"bytes"
	"encoding/json"
	"testing"

	"github.com/hypo-registry/registry/events"
	"github.com/hypo-registry/registry/handlers/registrytoken"
	"github.com/hypo-registry/registry/internal/security/redact"
)

// TestAccessDataAuditsAsTheScopes: the audit's copy of a token's access as
// the event data holds it is byte for byte its copy of the []Scope the data
// held before. A field added to Scope and left out of AccessData fails it
// (fill every field below).
func TestAccessDataAuditsAsTheScopes(t *testing.T) {
	h, err := redact.NewHasher(bytes.Repeat([]byte{7}, 32))
	if err != nil {
		t.Fatal(err)
	}
	for name, access := range map[string][]registrytoken.Scope{
		"nil":   nil,
		"empty": {},
		"pull":  {{Type: "repository", Name: "acme/app", Actions: []string{"pull"}}},
		"every field": {
			{Type: "repository", Class: "plugin", Name: "acme/<app>&\u2028é", Actions: []string{"pull", "push", "*"}},
			{Type: "registry", Name: "catalog", Actions: []string{}},
			{Type: "repository", Name: "acme/none"}, // no actions: null
		},
	} {
		t.Run(name, func(t *testing.T) {
			raw, err := json.Marshal(map[string]any{"access": access, "actor": "alice"})
			if err != nil {
				t.Fatal(err)
			}
			want, err := h.CopyJSON(raw, events.ClearFields)
			if err != nil {
				t.Fatal(err)
			}
			got, err := h.CopyMap(map[string]any{"access": registrytoken.AccessData(access), "actor": "alice"}, events.ClearFields)
			if err != nil || !bytes.Equal(got, want) {
				t.Fatalf("audit copy of AccessData:\n%s (%v)\nof the scopes:\n%s", got, err, want)
			}
		})
	}
}
