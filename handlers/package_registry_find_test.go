package handlers_test

import (
	"context"
	"errors"
	"testing"

	"github.com/hypo-registry/registry/events"
	"github.com/hypo-registry/registry/handlers"
	"github.com/hypo-registry/registry/internal/secretpath"
)

func TestFindPackageRegistryCredential(t *testing.T) {
	t.Parallel()
	store := newCredentialStore(t)
	h, err := handlers.NewPackageRegistrySecrets(store)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	for _, name := range []string{seedRepo, "charts.example.com", "registry.example.eu/myrepo/charts"} {
		c := createRepo(alice, name)
		c.Password = "pw-for-" + name
		if _, err := h.Create(ctx, c); err != nil {
			t.Fatalf("create %s: %v", name, err)
		}
	}
	for _, tc := range []struct {
		caller          handlers.Caller
		url, wantSecret string
		wantErr         error
	}{
		{alice, seedRepo, seedRepo, nil},
		{alice, "charts.example.com/myrepo", seedRepo, nil},
		{alice, "charts.example.com/myrepo/", seedRepo, nil},
		{alice, "HTTP://Charts.Example.com:80/myrepo", seedRepo, nil},
		{alice, "oci://charts.example.com/myrepo", seedRepo, nil},
		{alice, "https://charts.example.com/myrepo/sub/chart", seedRepo, nil},
		{alice, "https://charts.example.com/other", "charts.example.com", nil},
		{alice, "https://charts.example.com", "charts.example.com", nil},
		{alice, "https://charts.example.com/myrepository", "charts.example.com", nil},
		{alice, "https://registry.example.eu/myrepo/charts/", "registry.example.eu/myrepo/charts", nil},
		{alice, "https://registry.example.eu/myrepo", "", handlers.ErrNotFound},
		{alice, "https://elsewhere.example.com/myrepo", "", handlers.ErrNotFound},
		{bob, seedRepo, "", handlers.ErrNotFound},
		{alice, "https://u:p@charts.example.com/myrepo", "", handlers.ErrInvalid},
		{alice, "", "", handlers.ErrInvalid},
	} {
		cred, ev, err := h.FindPackageRegistryCredential(ctx, tc.caller, tc.url)
		if tc.wantErr != nil {
			if !errors.Is(err, tc.wantErr) {
				t.Errorf("find %q as %s: err %v, want %v", tc.url, tc.caller.Subject, err, tc.wantErr)
			}
			continue
		}
		if err != nil {
			t.Errorf("find %q: %v", tc.url, err)
			continue
		}
		if cred.Name != tc.wantSecret || cred.Password != "pw-for-"+tc.wantSecret || cred.Username != "my-user" {
			t.Errorf("find %q = %+v, want the secret %q", tc.url, cred, tc.wantSecret)
		}
		if ev.Type != events.PackageRegistrySecretRead || ev.Tenant != tc.caller.Tenant || ev.Data["actor"] != tc.caller.Subject {
			t.Errorf("find %q: read event %+v", tc.url, ev)
		}
	}
}

// A secret written outside the service has no stored name: the list shows
// the name its key encodes, or the key itself.
func TestPackageRegistryListForeignSecrets(t *testing.T) {
	t.Parallel()
	store := newCredentialStore(t)
	h, err := handlers.NewPackageRegistrySecrets(store)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	for _, key := range []string{"charts.example.com~myrepo", "Legacy-Name"} {
		p, err := secretpath.New(secretpath.PackageRegistry, alice.Tenant, key)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := store.Write(ctx, alice, p, handlers.SecretData{"username": "u", "password": "p"}, nil); err != nil {
			t.Fatal(err)
		}
	}
	res, err := h.List(ctx, handlers.ListPackageRegistrySecrets{Auth: handlers.Auth{Caller: alice}})
	if err != nil {
		t.Fatal(err)
	}
	if got := res.Reply.([]string); len(got) != 2 || got[0] != "Legacy-Name" || got[1] != "charts.example.com/myrepo" {
		t.Errorf("list = %q", got)
	}
}
