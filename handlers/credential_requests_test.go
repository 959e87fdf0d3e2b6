package handlers_test

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"github.com/hypo-registry/registry/events"
	"github.com/hypo-registry/registry/handlers"
	"github.com/hypo-registry/registry/internal/secretpath"
)

// crServiceOrder is a given only tests send: it stores a service's order
// metadata, as the service-order flow (not part of this package) does.
type crServiceOrder struct {
	handlers.Auth
	ServiceID, SchedulerNamespace string
}

func crAuth(c handlers.Caller) handlers.Auth { return handlers.Auth{Caller: c} }

func crDispatch(t *testing.T, store handlers.SecretStore) func(context.Context, handlers.Command) (handlers.Result, error) {
	t.Helper()
	kube, err := handlers.NewKubeconfigs(store, newTestSigner(t))
	if err != nil {
		t.Fatal(err)
	}
	pkg, err := handlers.NewPackageRegistrySecrets(store)
	if err != nil {
		t.Fatal(err)
	}
	pull, err := handlers.NewImagePullSecrets(store)
	if err != nil {
		t.Fatal(err)
	}
	fabric, err := handlers.NewFabricSecrets(store)
	if err != nil {
		t.Fatal(err)
	}
	h, err := handlers.NewCredentialRequests(store, kube, pkg, pull, fabric)
	if err != nil {
		t.Fatal(err)
	}
	return func(ctx context.Context, cmd handlers.Command) (handlers.Result, error) {
		switch c := cmd.(type) {
		case handlers.ResolveRepoCredentials:
			return h.ResolveRepo(ctx, c)
		case handlers.ResolveDeploymentCredentials:
			return h.ResolveDeployment(ctx, c)
		case handlers.PutFabricSecret:
			return h.PutFabric(ctx, c)
		case handlers.StoreKubeconfig:
			return kube.Store(ctx, c)
		case handlers.CreatePackageRegistrySecret:
			return pkg.Create(ctx, c)
		case handlers.CreateImagePullSecret:
			return pull.Create(ctx, c)
		case handlers.GetFabricSecret:
			return fabric.Get(ctx, c)
		case crServiceOrder:
			p, err := secretpath.New(secretpath.ServiceOrderData, c.Caller.Tenant, c.ServiceID)
			if err != nil {
				return handlers.Result{}, err
			}
			_, err = store.Write(ctx, c.Caller, p, handlers.SecretData{"schedulerNamespace": c.SchedulerNamespace}, nil)
			return handlers.Result{}, err
		}
		panic("unknown command")
	}
}

// crCase is one "given commands, when a command, then events and a reply
// (or an error naming what is missing)" case.
type crCase struct {
	name       string
	given      []handlers.Command
	when       handlers.Command
	wantEvents []string
	wantErr    error
	wantErrMsg string
	wantReply  any
}

func runCRCases(t *testing.T, cases []crCase) {
	t.Helper()
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			run := crDispatch(t, newCredentialStore(t))
			ctx := context.Background()
			for _, g := range tc.given {
				if _, err := run(ctx, g); err != nil {
					t.Fatalf("given %T: %v", g, err)
				}
			}
			res, err := run(ctx, tc.when)
			if tc.wantErr != nil {
				if !errors.Is(err, tc.wantErr) || !strings.Contains(err.Error(), tc.wantErrMsg) {
					t.Fatalf("err = %v, want %v naming %q", err, tc.wantErr, tc.wantErrMsg)
				}
				if len(res.Events) != 0 || res.Reply != nil {
					t.Errorf("a refused command returned %+v", res)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, e := range res.Events {
				got = append(got, e.Type)
				if e.Tenant != tc.when.Who().Tenant || e.Data["actor"] != tc.when.Who().Subject {
					t.Errorf("event %s for %q by %v, want %q by %q", e.Type, e.Tenant, e.Data["actor"], tc.when.Who().Tenant, tc.when.Who().Subject)
				}
			}
			if strings.Join(got, " ") != strings.Join(tc.wantEvents, " ") {
				t.Errorf("events %v, want %v", got, tc.wantEvents)
			}
			if tc.wantReply != nil {
				gotJSON, _ := json.Marshal(res.Reply)
				wantJSON, _ := json.Marshal(tc.wantReply)
				if string(gotJSON) != string(wantJSON) {
					t.Errorf("reply %s, want %s", gotJSON, wantJSON)
				}
			}
		})
	}
}

func TestResolveRepoCredentialsGivenWhenThen(t *testing.T) {
	t.Parallel()
	resolve := func(c handlers.Caller, url string) handlers.ResolveRepoCredentials {
		return handlers.ResolveRepoCredentials{Auth: crAuth(c), RepositoryURL: url}
	}
	runCRCases(t, []crCase{
		{name: "found", given: []handlers.Command{createRepo(alice, seedRepo)}, when: resolve(alice, seedRepo),
			wantEvents: []string{events.PackageRegistrySecretRead},
			wantReply:  handlers.RepoCredentials{Username: "my-user", Password: "my-password"}},
		{name: "found by host prefix", given: []handlers.Command{createRepo(alice, "charts.example.com")}, when: resolve(alice, seedRepo+"/sub"),
			wantEvents: []string{events.PackageRegistrySecretRead},
			wantReply:  handlers.RepoCredentials{Username: "my-user", Password: "my-password"}},
		{name: "not found names the url", when: resolve(alice, "HTTPS://Charts.Example.com/myrepo/"),
			wantErr: handlers.ErrNotFound, wantErrMsg: "no package-registry credentials for charts.example.com/myrepo"},
		{name: "other tenant's is not found", given: []handlers.Command{createRepo(bob, seedRepo)}, when: resolve(alice, seedRepo),
			wantErr: handlers.ErrNotFound, wantErrMsg: "no package-registry credentials for"},
		{name: "no url", when: resolve(alice, ""), wantErr: handlers.ErrInvalid},
		{name: "stores the scheduler namespace", given: []handlers.Command{createRepo(alice, seedRepo)},
			when:       handlers.ResolveRepoCredentials{Auth: crAuth(alice), RepositoryURL: seedRepo, ServiceID: "svc-1", SchedulerNamespace: "p2code-scheduler-system"},
			wantEvents: []string{events.PackageRegistrySecretRead, events.ServiceOrderDataStored},
			wantReply:  handlers.RepoCredentials{Username: "my-user", Password: "my-password"}},
		{name: "a bad scheduler namespace is refused", given: []handlers.Command{createRepo(alice, seedRepo)},
			when:    handlers.ResolveRepoCredentials{Auth: crAuth(alice), RepositoryURL: seedRepo, ServiceID: "svc-1", SchedulerNamespace: "Not_A_Namespace"},
			wantErr: handlers.ErrInvalid, wantErrMsg: "not a Kubernetes namespace name"},
		{name: "a scheduler namespace without a service id is refused", given: []handlers.Command{createRepo(alice, seedRepo)},
			when:    handlers.ResolveRepoCredentials{Auth: crAuth(alice), RepositoryURL: seedRepo, SchedulerNamespace: "ns"},
			wantErr: handlers.ErrInvalid, wantErrMsg: "needs the service id"},
	})
}

func TestResolveDeploymentCredentialsGivenWhenThen(t *testing.T) {
	t.Parallel()
	const svc = "790daa4d-7f56-4575-8b64-c558cf518bed"
	kc := base64.StdEncoding.EncodeToString([]byte(kubeconfigYAML))
	resolve := func(c handlers.Caller, serviceID, secretName string) handlers.ResolveDeploymentCredentials {
		return handlers.ResolveDeploymentCredentials{Auth: crAuth(c), ServiceID: serviceID, SecretName: secretName}
	}
	pull := &handlers.ImagePullSecretCredential{SecretName: "pull-1", Username: "u", Password: "p", URL: "https://registry.example.com"}
	order := crServiceOrder{Auth: crAuth(alice), ServiceID: svc, SchedulerNamespace: "p2code-scheduler-system"}
	runCRCases(t, []crCase{
		{name: "kubeconfig only", given: []handlers.Command{storeKC(alice, svc, "")}, when: resolve(alice, svc, ""),
			wantEvents: []string{events.KubeconfigRead},
			wantReply:  handlers.DeploymentCredentials{KubeConfigAsBase64: kc}},
		{name: "namespace-scoped kubeconfig", given: []handlers.Command{storeKC(alice, svc, handlers.KubeconfigNamespaceSA)}, when: resolve(alice, svc, ""),
			wantEvents: []string{events.KubeconfigRead},
			wantReply:  handlers.DeploymentCredentials{KubeConfigAsBase64: kc}},
		{name: "with secretName", given: []handlers.Command{storeKC(alice, svc, ""), create(alice, "pull-1")}, when: resolve(alice, svc, "pull-1"),
			wantEvents: []string{events.KubeconfigRead, events.ImagePullSecretRead},
			wantReply:  handlers.DeploymentCredentials{KubeConfigAsBase64: kc, ImagePullSecret: pull}},
		{name: "with schedulerNamespace", given: []handlers.Command{storeKC(alice, svc, ""), order}, when: resolve(alice, svc, ""),
			wantEvents: []string{events.KubeconfigRead, events.ServiceOrderDataRead},
			wantReply:  handlers.DeploymentCredentials{KubeConfigAsBase64: kc, SchedulerNamespace: "p2code-scheduler-system"}},
		{name: "everything", given: []handlers.Command{storeKC(alice, svc, ""), create(alice, "pull-1"), order}, when: resolve(alice, svc, "pull-1"),
			wantEvents: []string{events.KubeconfigRead, events.ImagePullSecretRead, events.ServiceOrderDataRead},
			wantReply:  handlers.DeploymentCredentials{KubeConfigAsBase64: kc, ImagePullSecret: pull, SchedulerNamespace: "p2code-scheduler-system"}},
		{name: "no kubeconfig names the service", given: []handlers.Command{create(alice, "pull-1"), order}, when: resolve(alice, svc, "pull-1"),
			wantErr: handlers.ErrNotFound, wantErrMsg: "no kubeconfig stored for service " + svc},
		{name: "named image-pull secret missing", given: []handlers.Command{storeKC(alice, svc, "")}, when: resolve(alice, svc, "pull-1"),
			wantErr: handlers.ErrNotFound, wantErrMsg: "no image-pull secret pull-1"},
		{name: "other tenant's kubeconfig is not found", given: []handlers.Command{storeKC(bob, svc, "")}, when: resolve(alice, svc, ""),
			wantErr: handlers.ErrNotFound, wantErrMsg: "no kubeconfig stored for service " + svc},
		{name: "other tenant's image-pull secret is not found", given: []handlers.Command{storeKC(alice, svc, ""), create(bob, "pull-1")}, when: resolve(alice, svc, "pull-1"),
			wantErr: handlers.ErrNotFound, wantErrMsg: "no image-pull secret pull-1"},
		{name: "other tenant's schedulerNamespace is not read", given: []handlers.Command{storeKC(bob, svc, ""), crServiceOrder{Auth: crAuth(alice), ServiceID: svc, SchedulerNamespace: "ns-a"}},
			when: resolve(bob, svc, ""), wantEvents: []string{events.KubeconfigRead},
			wantReply: handlers.DeploymentCredentials{KubeConfigAsBase64: kc}},
		{name: "bad service id", when: resolve(alice, "a/b", ""), wantErr: handlers.ErrInvalid},
		{name: "kubeconfig of the kubernetes service, namespace of the service",
			given:      []handlers.Command{storeKC(alice, "cluster-1", ""), order},
			when:       handlers.ResolveDeploymentCredentials{Auth: crAuth(alice), ServiceID: svc, KubernetesServiceID: "cluster-1"},
			wantEvents: []string{events.KubeconfigRead, events.ServiceOrderDataRead},
			wantReply:  handlers.DeploymentCredentials{KubeConfigAsBase64: kc, SchedulerNamespace: "p2code-scheduler-system"}},
		{name: "no kubeconfig names the kubernetes service", given: []handlers.Command{storeKC(alice, svc, "")},
			when:    handlers.ResolveDeploymentCredentials{Auth: crAuth(alice), ServiceID: svc, KubernetesServiceID: "cluster-1"},
			wantErr: handlers.ErrNotFound, wantErrMsg: "no kubeconfig stored for service cluster-1"},
		{name: "the namespace a parsing request stored is answered",
			given: []handlers.Command{createRepo(alice, seedRepo), storeKC(alice, "cluster-1", ""),
				handlers.ResolveRepoCredentials{Auth: crAuth(alice), RepositoryURL: seedRepo, ServiceID: svc, SchedulerNamespace: "ns-from-parsing"}},
			when:       handlers.ResolveDeploymentCredentials{Auth: crAuth(alice), ServiceID: svc, KubernetesServiceID: "cluster-1"},
			wantEvents: []string{events.KubeconfigRead, events.ServiceOrderDataRead},
			wantReply:  handlers.DeploymentCredentials{KubeConfigAsBase64: kc, SchedulerNamespace: "ns-from-parsing"}},
	})
}

func TestPutFabricSecretGivenWhenThen(t *testing.T) {
	t.Parallel()
	put := func(c handlers.Caller, id, password string) handlers.PutFabricSecret {
		return handlers.PutFabricSecret{Auth: crAuth(c), ControllerID: id, Username: "ziti-admin", Password: password}
	}
	runCRCases(t, []crCase{
		{name: "put creates", when: put(alice, "ctrl-1", "pw-1"),
			wantEvents: []string{events.FabricSecretCreated}},
		{name: "put again updates", given: []handlers.Command{put(alice, "ctrl-1", "pw-1")}, when: put(alice, "ctrl-1", "pw-2"),
			wantEvents: []string{events.FabricSecretUpdated}},
		{name: "the put value is read back", given: []handlers.Command{put(alice, "ctrl-1", "pw-1"), put(alice, "ctrl-1", "pw-2")},
			when:       handlers.GetFabricSecret{Auth: crAuth(alice), ControllerID: "ctrl-1"},
			wantEvents: []string{events.FabricSecretRead}},
		{name: "another tenant's id is its own", given: []handlers.Command{put(bob, "ctrl-1", "pw-b")}, when: put(alice, "ctrl-1", "pw-1"),
			wantEvents: []string{events.FabricSecretCreated}},
		{name: "without password", when: put(alice, "ctrl-1", ""), wantErr: handlers.ErrInvalid},
		{name: "slash id", when: put(alice, "a/b", "pw"), wantErr: handlers.ErrInvalid},
	})
}

// Versions and values across a create-then-update, and the events' data:
// the bus HMACs secrets, but the data must name them under their own keys.
func TestPutFabricSecretUpsertVersions(t *testing.T) {
	t.Parallel()
	run := crDispatch(t, newCredentialStore(t))
	ctx := context.Background()
	for i, want := range []struct {
		typ      string
		version  int
		password string
	}{{events.FabricSecretCreated, 1, "pw-1"}, {events.FabricSecretUpdated, 2, "pw-2"}} {
		res, err := run(ctx, handlers.PutFabricSecret{Auth: crAuth(alice), ControllerID: "ctrl-1", Username: "ziti-admin", Password: want.password})
		if err != nil {
			t.Fatalf("put %d: %v", i+1, err)
		}
		if w := res.Reply.(handlers.SecretWritten); w.Name != "ctrl-1" || w.Version != want.version {
			t.Errorf("put %d: reply %+v, want version %d", i+1, w, want.version)
		}
		if e := res.Events[0]; e.Type != want.typ || e.Data["version"] != want.version || e.Data["password"] != want.password || e.Data["name"] != "ctrl-1" {
			t.Errorf("put %d: event %+v, want %s version %d", i+1, e, want.typ, want.version)
		}
	}
	res, err := run(ctx, handlers.GetFabricSecret{Auth: crAuth(alice), ControllerID: "ctrl-1"})
	if err != nil {
		t.Fatal(err)
	}
	if got := res.Reply.(handlers.RegistryCredential); got.Password != "pw-2" || got.Version != 2 {
		t.Errorf("read back %+v, want pw-2 at version 2", got)
	}
}

// The read events of a deployment request hold ids and versions, never a
// stored value.
func TestResolveDeploymentEventsHoldNoSecret(t *testing.T) {
	t.Parallel()
	run := crDispatch(t, newCredentialStore(t))
	ctx := context.Background()
	for _, g := range []handlers.Command{storeKC(alice, "svc", ""), create(alice, "pull-1"), crServiceOrder{Auth: crAuth(alice), ServiceID: "svc", SchedulerNamespace: "sched-ns"}} {
		if _, err := run(ctx, g); err != nil {
			t.Fatal(err)
		}
	}
	res, err := run(ctx, handlers.ResolveDeploymentCredentials{Auth: crAuth(alice), ServiceID: "svc", SecretName: "pull-1"})
	if err != nil {
		t.Fatal(err)
	}
	raw, err := json.Marshal(res.Events)
	if err != nil {
		t.Fatal(err)
	}
	for _, secret := range []string{kubeconfigSecret, `"p"`, `"u"`, "sched-ns"} {
		if strings.Contains(string(raw), secret) {
			t.Errorf("events %s hold %s", raw, secret)
		}
	}
}

func TestNewCredentialRequestsRefusesNil(t *testing.T) {
	t.Parallel()
	store := newCredentialStore(t)
	kube, _ := handlers.NewKubeconfigs(store, newTestSigner(t))
	pkg, _ := handlers.NewPackageRegistrySecrets(store)
	pull, _ := handlers.NewImagePullSecrets(store)
	fabric, _ := handlers.NewFabricSecrets(store)
	if _, err := handlers.NewCredentialRequests(store, kube, pkg, pull, fabric); err != nil {
		t.Fatalf("all given: %v", err)
	}
	for name, build := range map[string]func() (*handlers.CredentialRequests, error){
		"store": func() (*handlers.CredentialRequests, error) {
			return handlers.NewCredentialRequests(nil, kube, pkg, pull, fabric)
		},
		"kubeconfig": func() (*handlers.CredentialRequests, error) {
			return handlers.NewCredentialRequests(store, nil, pkg, pull, fabric)
		},
		"package": func() (*handlers.CredentialRequests, error) {
			return handlers.NewCredentialRequests(store, kube, nil, pull, fabric)
		},
		"image-pull": func() (*handlers.CredentialRequests, error) {
			return handlers.NewCredentialRequests(store, kube, pkg, nil, fabric)
		},
		"fabric": func() (*handlers.CredentialRequests, error) {
			return handlers.NewCredentialRequests(store, kube, pkg, pull, nil)
		},
	} {
		if h, err := build(); err == nil || h != nil {
			t.Errorf("nil %s: got %v, %v", name, h, err)
		}
	}
}

// A parsing request whose credentials are missing stores no scheduler
// namespace: the refused command changes nothing.
func TestResolveRepoNotFoundStoresNothing(t *testing.T) {
	t.Parallel()
	store := newCredentialStore(t)
	run := crDispatch(t, store)
	ctx := context.Background()
	_, err := run(ctx, handlers.ResolveRepoCredentials{Auth: crAuth(alice), RepositoryURL: seedRepo, ServiceID: "svc-1", SchedulerNamespace: "ns"})
	if !errors.Is(err, handlers.ErrNotFound) {
		t.Fatalf("err = %v, want not found", err)
	}
	p, err := secretpath.New(secretpath.ServiceOrderData, alice.Tenant, "svc-1")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := store.Read(ctx, alice, p, 0); !errors.Is(err, handlers.ErrNotFound) {
		t.Fatalf("service-order data after a refused parsing request: err = %v, want not found", err)
	}
}
