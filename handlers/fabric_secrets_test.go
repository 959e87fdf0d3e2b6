package handlers_test

import (
	"context"
	"testing"

	"github.com/hypo-registry/registry/events"
	"github.com/hypo-registry/registry/handlers"
)

func fabricDispatch(t *testing.T, store handlers.SecretStore) func(context.Context, handlers.Command) (handlers.Result, error) {
	h, err := handlers.NewFabricSecrets(store)
	if err != nil {
		t.Fatal(err)
	}
	return func(ctx context.Context, cmd handlers.Command) (handlers.Result, error) {
		switch c := cmd.(type) {
		case handlers.CreateFabricSecret:
			return h.Create(ctx, c)
		case handlers.GetFabricSecret:
			return h.Get(ctx, c)
		case handlers.ListFabricSecrets:
			return h.List(ctx, c)
		case handlers.UpdateFabricSecret:
			return h.Update(ctx, c)
		case handlers.DeleteFabricSecret:
			return h.Delete(ctx, c)
		}
		panic("unknown command")
	}
}

func createFabric(c handlers.Caller, id string) handlers.CreateFabricSecret {
	return handlers.CreateFabricSecret{Auth: handlers.Auth{Caller: c}, ControllerID: id, Username: "ziti-admin", Password: "ziti-pw"}
}

func TestFabricGivenWhenThen(t *testing.T) {
	t.Parallel()
	auth := func(c handlers.Caller) handlers.Auth { return handlers.Auth{Caller: c} }
	runCredentialCases(t, fabricDispatch, []credentialCase{
		{name: "create", when: createFabric(alice, "ctrl-1"),
			wantEvents: []string{events.FabricSecretCreated}, wantData: map[string]any{"name": "ctrl-1", "version": 1, "username": "ziti-admin", "password": "ziti-pw", "actor": "alice"},
			then: func(t *testing.T, reply any) {
				if w := reply.(handlers.SecretWritten); w.Name != "ctrl-1" || w.Version != 1 {
					t.Errorf("reply = %+v", w)
				}
			}},
		{name: "create existing", given: []handlers.Command{createFabric(alice, "ctrl-1")}, when: createFabric(alice, "ctrl-1"), wantErr: handlers.ErrConflict},
		{name: "create without username", when: handlers.CreateFabricSecret{Auth: auth(alice), ControllerID: "c", Password: "p"}, wantErr: handlers.ErrInvalid},
		{name: "create with slash id", when: createFabric(alice, "a/b"), wantErr: handlers.ErrInvalid},
		{name: "create with dot-dot id", when: createFabric(alice, ".."), wantErr: handlers.ErrInvalid},
		{name: "create without tenant", when: createFabric(handlers.Caller{Subject: "x"}, "c"), wantErr: handlers.ErrInvalid},
		{name: "get", given: []handlers.Command{createFabric(alice, "ctrl-1")}, when: handlers.GetFabricSecret{Auth: auth(alice), ControllerID: "ctrl-1"},
			wantEvents: []string{events.FabricSecretRead}, wantData: map[string]any{"name": "ctrl-1", "version": 1},
			then: func(t *testing.T, reply any) {
				got := reply.(handlers.RegistryCredential)
				if got.Name != "ctrl-1" || got.Username != "ziti-admin" || got.Password != "ziti-pw" || got.URL != "" {
					t.Errorf("reply = %+v", got)
				}
			}},
		{name: "get missing", when: handlers.GetFabricSecret{Auth: auth(alice), ControllerID: "nope"}, wantErr: handlers.ErrNotFound},
		{name: "get other tenant's", given: []handlers.Command{createFabric(alice, "ctrl-1")}, when: handlers.GetFabricSecret{Auth: auth(bob), ControllerID: "ctrl-1"}, wantErr: handlers.ErrNotFound},
		{name: "list", given: []handlers.Command{createFabric(alice, "c2"), createFabric(alice, "c1"), createFabric(bob, "c3")}, when: handlers.ListFabricSecrets{Auth: auth(alice)},
			wantEvents: []string{events.FabricSecretsListed}, wantData: map[string]any{"count": 2},
			then: func(t *testing.T, reply any) {
				if got := reply.([]string); len(got) != 2 || got[0] != "c1" || got[1] != "c2" {
					t.Errorf("list = %v", got)
				}
			}},
		{name: "list none", when: handlers.ListFabricSecrets{Auth: auth(alice)}, wantEvents: []string{events.FabricSecretsListed}, wantData: map[string]any{"count": 0}},
		{name: "update password", given: []handlers.Command{createFabric(alice, "ctrl-1")}, when: handlers.UpdateFabricSecret{Auth: auth(alice), ControllerID: "ctrl-1", Password: strp("p2")},
			wantEvents: []string{events.FabricSecretUpdated}, wantData: map[string]any{"name": "ctrl-1", "version": 2, "password": "p2"}},
		{name: "update nothing", given: []handlers.Command{createFabric(alice, "ctrl-1")}, when: handlers.UpdateFabricSecret{Auth: auth(alice), ControllerID: "ctrl-1"}, wantErr: handlers.ErrInvalid},
		{name: "update to empty username", given: []handlers.Command{createFabric(alice, "ctrl-1")}, when: handlers.UpdateFabricSecret{Auth: auth(alice), ControllerID: "ctrl-1", Username: strp("")}, wantErr: handlers.ErrInvalid},
		{name: "update missing", when: handlers.UpdateFabricSecret{Auth: auth(alice), ControllerID: "c", Password: strp("x")}, wantErr: handlers.ErrNotFound},
		{name: "update other tenant's", given: []handlers.Command{createFabric(alice, "ctrl-1")}, when: handlers.UpdateFabricSecret{Auth: auth(bob), ControllerID: "ctrl-1", Password: strp("x")}, wantErr: handlers.ErrNotFound},
		{name: "delete", given: []handlers.Command{createFabric(alice, "ctrl-1")}, when: handlers.DeleteFabricSecret{Auth: auth(alice), ControllerID: "ctrl-1"},
			wantEvents: []string{events.FabricSecretDeleted}, wantData: map[string]any{"name": "ctrl-1"}},
		{name: "get deleted", given: []handlers.Command{createFabric(alice, "ctrl-1"), handlers.DeleteFabricSecret{Auth: auth(alice), ControllerID: "ctrl-1"}},
			when: handlers.GetFabricSecret{Auth: auth(alice), ControllerID: "ctrl-1"}, wantErr: handlers.ErrNotFound},
		{name: "delete missing", when: handlers.DeleteFabricSecret{Auth: auth(alice), ControllerID: "c"}, wantErr: handlers.ErrNotFound},
		{name: "delete other tenant's", given: []handlers.Command{createFabric(alice, "ctrl-1")}, when: handlers.DeleteFabricSecret{Auth: auth(bob), ControllerID: "ctrl-1"}, wantErr: handlers.ErrNotFound},
	})
}

func TestNewFabricSecretsRefusesNil(t *testing.T) {
	if _, err := handlers.NewFabricSecrets(nil); err == nil {
		t.Fatal("nil store accepted")
	}
}
