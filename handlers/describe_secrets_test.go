package handlers_test

import (
	"context"
	"encoding/json"
	"strings"
	"testing"

	"github.com/hypo-registry/registry/events"
	"github.com/hypo-registry/registry/handlers"
)

// The describe lists what the list lists, with each secret's version and
// times and no value; it is audited as the list is.
func TestDescribeSecrets(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	store := newCredentialStore(t)
	pr, err := handlers.NewPackageRegistrySecrets(store)
	if err != nil {
		t.Fatal(err)
	}
	fs, err := handlers.NewFabricSecrets(store)
	if err != nil {
		t.Fatal(err)
	}
	a := handlers.Auth{Caller: alice}
	for _, name := range []string{seedRepo, "https://npm.example.com/team", "https://gone.example.com/x"} {
		if _, err := pr.Create(ctx, createRepo(alice, name)); err != nil {
			t.Fatal(err)
		}
	}
	rotated := "rotated-secret-value"
	if _, err := pr.Update(ctx, handlers.UpdatePackageRegistrySecret{Auth: a, Name: seedRepo, Password: &rotated}); err != nil {
		t.Fatal(err)
	}
	if _, err := pr.Delete(ctx, handlers.DeletePackageRegistrySecret{Auth: a, Name: "https://gone.example.com/x"}); err != nil {
		t.Fatal(err)
	}
	if _, err := pr.Create(ctx, createRepo(bob, "https://bobs.example.com/repo")); err != nil {
		t.Fatal(err)
	}

	res, err := pr.Describe(ctx, handlers.DescribePackageRegistrySecrets{Auth: a})
	if err != nil {
		t.Fatal(err)
	}
	got := res.Reply.([]handlers.SecretSummary)
	list, err := pr.List(ctx, handlers.ListPackageRegistrySecrets{Auth: a})
	if err != nil {
		t.Fatal(err)
	}
	names := list.Reply.([]string)
	if len(got) != len(names) || len(got) != 2 {
		t.Fatalf("describe %+v, list %v: want the same two secrets", got, names)
	}
	want := map[string]int{seedRepo: 2, "https://npm.example.com/team": 1}
	for i, s := range got {
		if s.Name != names[i] || s.Version != want[s.Name] {
			t.Errorf("describe %d = %+v, want %s at version %d", i, s, names[i], want[s.Name])
		}
		if s.CreatedTime.IsZero() || s.UpdatedTime.Before(s.CreatedTime) || s.CreatedTime.Location().String() != "UTC" {
			t.Errorf("%s: created %s, updated %s", s.Name, s.CreatedTime, s.UpdatedTime)
		}
	}
	raw, _ := json.Marshal(res)
	for _, v := range []string{"my-password", rotated, "my-user", "bobs.example.com"} {
		if strings.Contains(string(raw), v) {
			t.Errorf("the describe's result holds %q: %s", v, raw)
		}
	}
	if len(res.Events) != 1 || res.Events[0].Type != events.PackageRegistrySecretsListed ||
		res.Events[0].Data["count"] != 2 || res.Events[0].Data["actor"] != "alice" || len(res.Events[0].Data) != 2 {
		t.Errorf("events %+v, want one %s with count 2 and actor alice", res.Events, events.PackageRegistrySecretsListed)
	}

	// None yet: an empty list, not null; a scope apart.
	if _, err := fs.Create(ctx, handlers.CreateFabricSecret{Auth: handlers.Auth{Caller: bob}, ControllerID: "c1", Username: "u", Password: "p"}); err != nil {
		t.Fatal(err)
	}
	res, err = fs.Describe(ctx, handlers.DescribeFabricSecrets{Auth: a})
	if err != nil {
		t.Fatal(err)
	}
	if raw, _ := json.Marshal(res.Reply); string(raw) != "[]" || res.Events[0].Type != events.FabricSecretsListed {
		t.Errorf("alice's fabric describe: %s, %+v", raw, res.Events)
	}
	res, err = fs.Describe(ctx, handlers.DescribeFabricSecrets{Auth: handlers.Auth{Caller: bob}})
	if err != nil {
		t.Fatal(err)
	}
	if s := res.Reply.([]handlers.SecretSummary); len(s) != 1 || s[0].Name != "c1" || s[0].Version != 1 {
		t.Errorf("bob's fabric describe: %+v", s)
	}

	// A bad tenant is refused as the list refuses it.
	if _, err := fs.Describe(ctx, handlers.DescribeFabricSecrets{Auth: handlers.Auth{Caller: handlers.Caller{Subject: "x", Tenant: "Bad Tenant"}}}); err == nil {
		t.Error("a bad tenant was described")
	}
}
