package handlers_test

import (
	"context"
	"reflect"
	"testing"

	"github.com/hypo-registry/registry/events"
	"github.com/hypo-registry/registry/handlers"
	"github.com/hypo-registry/registry/internal/adapters/identity/bolt"
)

func createGroup(c handlers.Caller, name string, policies ...string) handlers.CreateGroup {
	return handlers.CreateGroup{Auth: idAuth(c), Name: name, Policies: policies, Metadata: map[string]string{"team": "blue"}}
}

// wantGroup checks the stored group after the command.
func wantGroup(want handlers.Group) func(*testing.T, *bolt.Store, handlers.Result) {
	return func(t *testing.T, s *bolt.Store, res handlers.Result) {
		t.Helper()
		got, err := s.GetGroup(context.Background(), want.Name)
		if err != nil {
			t.Fatalf("stored group: %v", err)
		}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("stored group = %+v, want %+v", got, want)
		}
		if reply, ok := res.Reply.(handlers.Group); ok && !reflect.DeepEqual(reply, want) {
			t.Errorf("reply = %+v, want %+v", reply, want)
		}
	}
}

func TestIdentityGroupsGivenWhenThen(t *testing.T) {
	t.Parallel()
	blue := map[string]string{"team": "blue"}
	runIdentityCases(t, []identityCase{
		{name: "create", when: createGroup(idPlatform, "g1", "P2", "p1", "p1"),
			wantEvents: []string{events.IdentityGroupCreated}, wantTenant: "g1",
			wantData: map[string]any{"name": "g1", "policy": []string{"p1", "p2"}, "actor": "root", "metadata": blue},
			then:     wantGroup(handlers.Group{Name: "g1", Policies: []string{"p1", "p2"}, Metadata: blue})},
		{name: "create without policies", when: handlers.CreateGroup{Auth: idAuth(idPlatform), Name: "g1"},
			wantEvents: []string{events.IdentityGroupCreated}, wantTenant: "g1",
			then: wantGroup(handlers.Group{Name: "g1", Policies: []string{}})},
		{name: "create as developer", when: createGroup(idDev, "g1"), wantErr: handlers.ErrForbidden},
		{name: "create as read-only", when: createGroup(idReader, "g1"), wantErr: handlers.ErrForbidden},
		{name: "create without a role", when: createGroup(idNobody, "g1"), wantErr: handlers.ErrForbidden},
		{name: "create existing", given: []handlers.Command{createGroup(idPlatform, "g1")}, when: createGroup(idPlatform, "g1"), wantErr: handlers.ErrConflict},
		{name: "create with empty name", when: createGroup(idPlatform, ""), wantErr: handlers.ErrInvalid},
		{name: "create with slash name", when: createGroup(idPlatform, "a/b"), wantErr: handlers.ErrInvalid},
		{name: "create with dot-dot name", when: createGroup(idPlatform, ".."), wantErr: handlers.ErrInvalid},
		{name: "create with root policy", when: createGroup(idPlatform, "g1", "root"), wantErr: handlers.ErrInvalid},
		{name: "create with reserved metadata key", when: handlers.CreateGroup{Auth: idAuth(idPlatform), Name: "g1", Metadata: map[string]string{"vault-x": "y"}}, wantErr: handlers.ErrInvalid},

		{name: "get", given: []handlers.Command{createGroup(idPlatform, "g1", "p1")}, when: handlers.GetGroup{Auth: idAuth(idPlatform), Name: "g1"},
			wantEvents: []string{events.IdentityGroupRead}, wantTenant: "g1", wantData: map[string]any{"name": "g1", "policy": []string{"p1"}, "actor": "root"},
			then: wantGroup(handlers.Group{Name: "g1", Policies: []string{"p1"}, Metadata: blue})},
		{name: "get missing", when: handlers.GetGroup{Auth: idAuth(idPlatform), Name: "g1"}, wantErr: handlers.ErrNotFound},
		{name: "get as developer", given: []handlers.Command{createGroup(idPlatform, "g1")}, when: handlers.GetGroup{Auth: idAuth(idDev), Name: "g1"}, wantErr: handlers.ErrForbidden},
		{name: "get bad name", when: handlers.GetGroup{Auth: idAuth(idPlatform), Name: "a\x00b"}, wantErr: handlers.ErrInvalid},

		{name: "update policies keeps metadata", given: []handlers.Command{createGroup(idPlatform, "g1", "p1")},
			when:       handlers.UpdateGroup{Auth: idAuth(idPlatform), Name: "g1", Policies: &[]string{"p2", "P3"}},
			wantEvents: []string{events.IdentityGroupUpdated}, wantTenant: "g1", wantData: map[string]any{"name": "g1", "policy": []string{"p2", "p3"}, "fields": []string{"policies"}},
			then: wantGroup(handlers.Group{Name: "g1", Policies: []string{"p2", "p3"}, Metadata: blue})},
		{name: "update metadata keeps policies", given: []handlers.Command{createGroup(idPlatform, "g1", "p1")},
			when:       handlers.UpdateGroup{Auth: idAuth(idPlatform), Name: "g1", Metadata: &map[string]string{"team": "red"}},
			wantEvents: []string{events.IdentityGroupUpdated}, wantTenant: "g1", wantData: map[string]any{"fields": []string{"metadata"}},
			then: wantGroup(handlers.Group{Name: "g1", Policies: []string{"p1"}, Metadata: map[string]string{"team": "red"}})},
		{name: "update clears with empty values", given: []handlers.Command{createGroup(idPlatform, "g1", "p1")},
			when:       handlers.UpdateGroup{Auth: idAuth(idPlatform), Name: "g1", Policies: &[]string{}, Metadata: &map[string]string{}},
			wantEvents: []string{events.IdentityGroupUpdated}, wantTenant: "g1", wantData: map[string]any{"fields": []string{"policies", "metadata"}},
			then: wantGroup(handlers.Group{Name: "g1", Policies: []string{}})},
		{name: "update nothing", given: []handlers.Command{createGroup(idPlatform, "g1")}, when: handlers.UpdateGroup{Auth: idAuth(idPlatform), Name: "g1"}, wantErr: handlers.ErrInvalid},
		{name: "update missing", when: handlers.UpdateGroup{Auth: idAuth(idPlatform), Name: "g1", Policies: &[]string{"p1"}}, wantErr: handlers.ErrNotFound},
		{name: "update as developer", given: []handlers.Command{createGroup(idPlatform, "g1", "p1")},
			when: handlers.UpdateGroup{Auth: idAuth(idDev), Name: "g1", Policies: &[]string{"p2"}}, wantErr: handlers.ErrForbidden,
			then: wantGroup(handlers.Group{Name: "g1", Policies: []string{"p1"}, Metadata: blue})},

		{name: "delete", given: []handlers.Command{createGroup(idPlatform, "g1")}, when: handlers.DeleteGroup{Auth: idAuth(idPlatform), Name: "g1"},
			wantEvents: []string{events.IdentityGroupDeleted}, wantTenant: "g1", wantData: map[string]any{"name": "g1", "actor": "root"},
			then: func(t *testing.T, s *bolt.Store, _ handlers.Result) {
				if _, err := s.GetGroup(context.Background(), "g1"); err == nil {
					t.Error("group still stored after delete")
				}
			}},
		{name: "delete missing", when: handlers.DeleteGroup{Auth: idAuth(idPlatform), Name: "g1"}, wantErr: handlers.ErrNotFound},
		{name: "delete as read-only", given: []handlers.Command{createGroup(idPlatform, "g1")}, when: handlers.DeleteGroup{Auth: idAuth(idReader), Name: "g1"},
			wantErr: handlers.ErrForbidden, then: wantGroup(handlers.Group{Name: "g1", Policies: []string{}, Metadata: blue})},
	})
}
