package handlers_test

import (
	"context"
	"errors"
	"path/filepath"
	"testing"

	"github.com/hypo-registry/registry/boltstore"
	"github.com/hypo-registry/registry/events"
	"github.com/hypo-registry/registry/handlers"
	"github.com/hypo-registry/registry/seal"
)

var (
	alice = handlers.Caller{Subject: "alice", Tenant: "tenant-a", Roles: []string{"developer"}}
	bob   = handlers.Caller{Subject: "bob", Tenant: "tenant-b", Roles: []string{"developer"}}
)

func newImagePull(t *testing.T) *handlers.ImagePullSecrets {
	t.Helper()
	ring, err := seal.NewKeyring()
	if err != nil {
		t.Fatal(err)
	}
	store, err := boltstore.Open(filepath.Join(t.TempDir(), "secrets.db"), ring, boltstore.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { store.Close() })
	h, err := handlers.NewImagePullSecrets(store)
	if err != nil {
		t.Fatal(err)
	}
	return h
}

func strp(s string) *string { return &s }

// run dispatches a command to its handler method, as the bus does.
func run(ctx context.Context, h *handlers.ImagePullSecrets, cmd handlers.Command) (handlers.Result, error) {
	switch c := cmd.(type) {
	case handlers.CreateImagePullSecret:
		return h.Create(ctx, c)
	case handlers.GetImagePullSecret:
		return h.Get(ctx, c)
	case handlers.ListImagePullSecrets:
		return h.List(ctx, c)
	case handlers.UpdateImagePullSecret:
		return h.Update(ctx, c)
	case handlers.DeleteImagePullSecret:
		return h.Delete(ctx, c)
	}
	panic("unknown command")
}

func create(c handlers.Caller, name string) handlers.CreateImagePullSecret {
	return handlers.CreateImagePullSecret{Auth: handlers.Auth{Caller: c}, Name: name, Username: "u", Password: "p", URL: "https://registry.example.com"}
}

func TestImagePullGivenWhenThen(t *testing.T) {
	t.Parallel()
	auth := func(c handlers.Caller) handlers.Auth { return handlers.Auth{Caller: c} }
	for _, tc := range []struct {
		name       string
		given      []handlers.Command
		when       handlers.Command
		wantEvents []string
		wantData   map[string]any
		wantErr    error
	}{
		{name: "create", when: create(alice, "s1"),
			wantEvents: []string{events.ImagePullSecretCreated}, wantData: map[string]any{"name": "s1", "version": 1, "password": "p", "actor": "alice"}},
		{name: "create existing", given: []handlers.Command{create(alice, "s1")}, when: create(alice, "s1"), wantErr: handlers.ErrConflict},
		{name: "create without password", when: handlers.CreateImagePullSecret{Auth: auth(alice), Name: "s1", Username: "u"}, wantErr: handlers.ErrInvalid},
		{name: "create with dot-dot name", when: create(alice, ".."), wantErr: handlers.ErrInvalid},
		{name: "create with slash name", when: create(alice, "a/b"), wantErr: handlers.ErrInvalid},
		{name: "create without tenant", when: create(handlers.Caller{Subject: "x"}, "s1"), wantErr: handlers.ErrInvalid},
		{name: "get", given: []handlers.Command{create(alice, "s1")}, when: handlers.GetImagePullSecret{Auth: auth(alice), Name: "s1"},
			wantEvents: []string{events.ImagePullSecretRead}, wantData: map[string]any{"name": "s1", "version": 1}},
		{name: "get missing", when: handlers.GetImagePullSecret{Auth: auth(alice), Name: "nope"}, wantErr: handlers.ErrNotFound},
		{name: "get other tenant's", given: []handlers.Command{create(alice, "s1")}, when: handlers.GetImagePullSecret{Auth: auth(bob), Name: "s1"}, wantErr: handlers.ErrNotFound},
		{name: "list", given: []handlers.Command{create(alice, "s1"), create(alice, "s2"), create(bob, "s3")}, when: handlers.ListImagePullSecrets{Auth: auth(alice)},
			wantEvents: []string{events.ImagePullSecretsListed}, wantData: map[string]any{"count": 2}},
		{name: "update password", given: []handlers.Command{create(alice, "s1")}, when: handlers.UpdateImagePullSecret{Auth: auth(alice), Name: "s1", Password: strp("p2")},
			wantEvents: []string{events.ImagePullSecretUpdated}, wantData: map[string]any{"name": "s1", "version": 2, "password": "p2"}},
		{name: "update nothing", given: []handlers.Command{create(alice, "s1")}, when: handlers.UpdateImagePullSecret{Auth: auth(alice), Name: "s1"}, wantErr: handlers.ErrInvalid},
		{name: "update to empty password", given: []handlers.Command{create(alice, "s1")}, when: handlers.UpdateImagePullSecret{Auth: auth(alice), Name: "s1", Password: strp("")}, wantErr: handlers.ErrInvalid},
		{name: "update missing", when: handlers.UpdateImagePullSecret{Auth: auth(alice), Name: "s1", Password: strp("x")}, wantErr: handlers.ErrNotFound},
		{name: "update other tenant's", given: []handlers.Command{create(alice, "s1")}, when: handlers.UpdateImagePullSecret{Auth: auth(bob), Name: "s1", Password: strp("x")}, wantErr: handlers.ErrNotFound},
		{name: "delete", given: []handlers.Command{create(alice, "s1")}, when: handlers.DeleteImagePullSecret{Auth: auth(alice), Name: "s1"},
			wantEvents: []string{events.ImagePullSecretDeleted}, wantData: map[string]any{"name": "s1"}},
		{name: "delete missing", when: handlers.DeleteImagePullSecret{Auth: auth(alice), Name: "s1"}, wantErr: handlers.ErrNotFound},
		{name: "delete other tenant's", given: []handlers.Command{create(alice, "s1")}, when: handlers.DeleteImagePullSecret{Auth: auth(bob), Name: "s1"}, wantErr: handlers.ErrNotFound},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			h := newImagePull(t)
			ctx := context.Background()
			for _, g := range tc.given {
				if _, err := run(ctx, h, g); err != nil {
					t.Fatalf("given %T: %v", g, err)
				}
			}
			res, err := run(ctx, h, tc.when)
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
		})
	}
}

func TestNewImagePullSecretsRefusesNil(t *testing.T) {
	if _, err := handlers.NewImagePullSecrets(nil); err == nil {
		t.Fatal("nil store accepted")
	}
}
