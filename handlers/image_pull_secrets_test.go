package handlers_test

import (
	"context"
	"testing"

	"github.com/hypo-registry/registry/events"
	"github.com/hypo-registry/registry/handlers"
)

var (
	alice = handlers.Caller{Subject: "alice", Tenant: "tenant-a", Roles: []string{"developer"}}
	bob   = handlers.Caller{Subject: "bob", Tenant: "tenant-b", Roles: []string{"developer"}}
)

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
	runCredentialCases(t, imagePullDispatcher, []credentialCase{
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
	})
}

// imagePullDispatcher dispatches image-pull commands as the bus does.
func imagePullDispatcher(t *testing.T, store handlers.SecretStore) func(context.Context, handlers.Command) (handlers.Result, error) {
	h, err := handlers.NewImagePullSecrets(store)
	if err != nil {
		t.Fatal(err)
	}
	return func(ctx context.Context, cmd handlers.Command) (handlers.Result, error) { return run(ctx, h, cmd) }
}

func TestNewImagePullSecretsRefusesNil(t *testing.T) {
	if _, err := handlers.NewImagePullSecrets(nil); err == nil {
		t.Fatal("nil store accepted")
	}
}
