package handlers_test

import (
	"context"
	"errors"
	"path/filepath"
	"testing"

	"github.com/hypo-registry/registry/handlers"
	"github.com/hypo-registry/registry/internal/adapters/secrets/bolt"
	"github.com/hypo-registry/registry/internal/security/seal"
)

func newCredentialStore(t *testing.T) handlers.SecretStore {
	t.Helper()
	ring, err := seal.NewKeyring()
	if err != nil {
		t.Fatal(err)
	}
	store, err := bolt.Open(filepath.Join(t.TempDir(), "secrets.db"), ring, bolt.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { store.Close() })
	return store
}

// credentialCase is one "given commands, when a command, then events (or an
// error)" case. then, if set, checks the reply.
type credentialCase struct {
	name       string
	given      []handlers.Command
	when       handlers.Command
	wantEvents []string
	wantData   map[string]any
	wantErr    error
	then       func(t *testing.T, reply any)
}

// dispatcher returns a function dispatching commands to handlers over store,
// as the bus does.
type dispatcher func(t *testing.T, store handlers.SecretStore) func(context.Context, handlers.Command) (handlers.Result, error)

func runCredentialCases(t *testing.T, newDispatch dispatcher, cases []credentialCase) {
	t.Helper()
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			run := newDispatch(t, newCredentialStore(t))
			ctx := context.Background()
			for _, g := range tc.given {
				if _, err := run(ctx, g); err != nil {
					t.Fatalf("given %T: %v", g, err)
				}
			}
			res, err := run(ctx, tc.when)
			if tc.wantErr != nil {
				if !errors.Is(err, tc.wantErr) {
					t.Fatalf("err = %v, want %v", err, tc.wantErr)
				}
				if len(res.Events) != 0 {
					t.Errorf("a refused command returned events %v", res.Events)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if len(res.Events) != len(tc.wantEvents) {
				t.Fatalf("events %v, want %v", res.Events, tc.wantEvents)
			}
			for i, typ := range tc.wantEvents {
				e := res.Events[i]
				if e.Type != typ || e.Tenant != tc.when.Who().Tenant {
					t.Errorf("event %d = %s for %q, want %s for %q", i, e.Type, e.Tenant, typ, tc.when.Who().Tenant)
				}
				for k, v := range tc.wantData {
					if e.Data[k] != v {
						t.Errorf("event data %s = %v, want %v", k, e.Data[k], v)
					}
				}
			}
			if tc.then != nil {
				tc.then(t, res.Reply)
			}
		})
	}
}
