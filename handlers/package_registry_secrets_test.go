package handlers_test

import (
	"context"
	"testing"

	"github.com/hypo-registry/registry/events"
	"github.com/hypo-registry/registry/handlers"
)

func packageRegistryDispatch(t *testing.T, store handlers.SecretStore) func(context.Context, handlers.Command) (handlers.Result, error) {
	h, err := handlers.NewPackageRegistrySecrets(store)
	if err != nil {
		t.Fatal(err)
	}
	return func(ctx context.Context, cmd handlers.Command) (handlers.Result, error) {
		switch c := cmd.(type) {
		case handlers.CreatePackageRegistrySecret:
			return h.Create(ctx, c)
		case handlers.GetPackageRegistrySecret:
			return h.Get(ctx, c)
		case handlers.ListPackageRegistrySecrets:
			return h.List(ctx, c)
		case handlers.UpdatePackageRegistrySecret:
			return h.Update(ctx, c)
		case handlers.DeletePackageRegistrySecret:
			return h.Delete(ctx, c)
		}
		panic("unknown command")
	}
}

// The seed's repository URL, and other names for the same repository.
const (
	seedRepo     = "https://charts.example.com/myrepo"
	seedRepoBare = "charts.example.com/myrepo/"
)

func createRepo(c handlers.Caller, name string) handlers.CreatePackageRegistrySecret {
	return handlers.CreatePackageRegistrySecret{Auth: handlers.Auth{Caller: c}, Name: name, Username: "my-user", Password: "my-password", URL: seedRepo}
}

func wantCredential(name, password string, version int) func(t *testing.T, reply any) {
	return func(t *testing.T, reply any) {
		got := reply.(handlers.RegistryCredential)
		if got.Name != name || got.Username != "my-user" || got.Password != password || got.URL != seedRepo || got.Version != version {
			t.Errorf("reply = %+v, want name %q, password %q, version %d", got, name, password, version)
		}
	}
}

func TestPackageRegistryGivenWhenThen(t *testing.T) {
	t.Parallel()
	auth := func(c handlers.Caller) handlers.Auth { return handlers.Auth{Caller: c} }
	get := func(c handlers.Caller, name string) handlers.GetPackageRegistrySecret {
		return handlers.GetPackageRegistrySecret{Auth: auth(c), Name: name}
	}
	given := []handlers.Command{createRepo(alice, seedRepo)}
	runCredentialCases(t, packageRegistryDispatch, []credentialCase{
		{name: "create with a URL name", when: createRepo(alice, seedRepo),
			wantEvents: []string{events.PackageRegistrySecretCreated}, wantData: map[string]any{"name": seedRepo, "version": 1, "password": "my-password", "url": seedRepo, "actor": "alice"},
			then: func(t *testing.T, reply any) {
				if w := reply.(handlers.SecretWritten); w.Name != seedRepo || w.Version != 1 {
					t.Errorf("reply = %+v", w)
				}
			}},
		{name: "create with a path name", when: createRepo(alice, "registry.example.eu/myrepo/charts"),
			wantEvents: []string{events.PackageRegistrySecretCreated}, wantData: map[string]any{"name": "registry.example.eu/myrepo/charts"}},
		{name: "create without url", when: handlers.CreatePackageRegistrySecret{Auth: auth(alice), Name: "h", Username: "u", Password: "p"},
			wantEvents: []string{events.PackageRegistrySecretCreated}},
		{name: "create the same repository by another name", given: given, when: createRepo(alice, seedRepoBare), wantErr: handlers.ErrConflict},
		{name: "create the same repository upper-case", given: given, when: createRepo(alice, "HTTPS://CHARTS.EXAMPLE.COM:443/myrepo"), wantErr: handlers.ErrConflict},
		{name: "create another repository on the host", given: given, when: createRepo(alice, "charts.example.com/MyRepo"),
			wantEvents: []string{events.PackageRegistrySecretCreated}},
		{name: "create the same repository in another tenant", given: given, when: createRepo(bob, seedRepo),
			wantEvents: []string{events.PackageRegistrySecretCreated}},
		{name: "create with dot-dot segment", when: createRepo(alice, "charts.example.com/../x"), wantErr: handlers.ErrInvalid},
		{name: "create with credentials in the name", when: createRepo(alice, "https://u:p@charts.example.com"), wantErr: handlers.ErrInvalid},
		{name: "create with another scheme", when: createRepo(alice, "ftp://charts.example.com"), wantErr: handlers.ErrInvalid},
		{name: "create with empty name", when: createRepo(alice, ""), wantErr: handlers.ErrInvalid},
		{name: "create without password", when: handlers.CreatePackageRegistrySecret{Auth: auth(alice), Name: "h", Username: "u"}, wantErr: handlers.ErrInvalid},
		{name: "create without tenant", when: createRepo(handlers.Caller{Subject: "x"}, seedRepo), wantErr: handlers.ErrInvalid},
		{name: "get by the name given", given: given, when: get(alice, seedRepo),
			wantEvents: []string{events.PackageRegistrySecretRead}, wantData: map[string]any{"name": seedRepo, "version": 1},
			then: wantCredential(seedRepo, "my-password", 1)},
		{name: "get by the name without scheme, with a slash", given: given, when: get(alice, seedRepoBare),
			wantEvents: []string{events.PackageRegistrySecretRead}, wantData: map[string]any{"name": seedRepoBare},
			then: wantCredential(seedRepo, "my-password", 1)},
		{name: "get another repository", given: given, when: get(alice, "charts.example.com/other"), wantErr: handlers.ErrNotFound},
		{name: "get the host only", given: given, when: get(alice, "charts.example.com"), wantErr: handlers.ErrNotFound},
		{name: "get other tenant's", given: given, when: get(bob, seedRepo), wantErr: handlers.ErrNotFound},
		{name: "get a bad name", when: get(alice, "https://charts.example.com/a?b"), wantErr: handlers.ErrInvalid},
		{name: "list shows names as given",
			given: []handlers.Command{createRepo(alice, seedRepo), createRepo(alice, "registry.example.eu/myrepo/charts"), createRepo(alice, "My-Helm"), createRepo(bob, "bobs.example.com")},
			when:  handlers.ListPackageRegistrySecrets{Auth: auth(alice)}, wantEvents: []string{events.PackageRegistrySecretsListed}, wantData: map[string]any{"count": 3},
			then: func(t *testing.T, reply any) {
				got := reply.([]string)
				want := []string{"My-Helm", seedRepo, "registry.example.eu/myrepo/charts"}
				if len(got) != len(want) || got[0] != want[0] || got[1] != want[1] || got[2] != want[2] {
					t.Errorf("list = %q, want %q", got, want)
				}
			}},
		{name: "update by another name keeps the name given", given: given,
			when:       handlers.UpdatePackageRegistrySecret{Auth: auth(alice), Name: "charts.example.com/myrepo", Password: strp("rotated")},
			wantEvents: []string{events.PackageRegistrySecretUpdated}, wantData: map[string]any{"version": 2, "password": "rotated"},
			then: func(t *testing.T, reply any) {
				if w := reply.(handlers.SecretWritten); w.Name != seedRepo || w.Version != 2 {
					t.Errorf("reply = %+v", w)
				}
			}},
		{name: "get after update", given: append(given, handlers.UpdatePackageRegistrySecret{Auth: auth(alice), Name: seedRepoBare, Password: strp("rotated")}),
			when: get(alice, seedRepo), wantEvents: []string{events.PackageRegistrySecretRead}, then: wantCredential(seedRepo, "rotated", 2)},
		{name: "update nothing", given: given, when: handlers.UpdatePackageRegistrySecret{Auth: auth(alice), Name: seedRepo}, wantErr: handlers.ErrInvalid},
		{name: "update to a bad url", given: given, when: handlers.UpdatePackageRegistrySecret{Auth: auth(alice), Name: seedRepo, URL: strp("https://u:p@h")}, wantErr: handlers.ErrInvalid},
		{name: "update missing", when: handlers.UpdatePackageRegistrySecret{Auth: auth(alice), Name: seedRepo, Password: strp("x")}, wantErr: handlers.ErrNotFound},
		{name: "update other tenant's", given: given, when: handlers.UpdatePackageRegistrySecret{Auth: auth(bob), Name: seedRepo, Password: strp("x")}, wantErr: handlers.ErrNotFound},
		{name: "delete by another name", given: given, when: handlers.DeletePackageRegistrySecret{Auth: auth(alice), Name: seedRepoBare},
			wantEvents: []string{events.PackageRegistrySecretDeleted}, wantData: map[string]any{"name": seedRepoBare}},
		{name: "get deleted", given: append(given, handlers.DeletePackageRegistrySecret{Auth: auth(alice), Name: seedRepoBare}), when: get(alice, seedRepo), wantErr: handlers.ErrNotFound},
		{name: "delete missing", when: handlers.DeletePackageRegistrySecret{Auth: auth(alice), Name: seedRepo}, wantErr: handlers.ErrNotFound},
		{name: "delete other tenant's", given: given, when: handlers.DeletePackageRegistrySecret{Auth: auth(bob), Name: seedRepo}, wantErr: handlers.ErrNotFound},
	})
}

func TestNewPackageRegistrySecretsRefusesNil(t *testing.T) {
	if _, err := handlers.NewPackageRegistrySecrets(nil); err == nil {
		t.Fatal("nil store accepted")
	}
}
