package app_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/cloudevents/sdk-go/v2/event"
	"github.com/santhosh-tekuri/jsonschema/v6"

	"github.com/hypo-registry/registry/events"
	"github.com/hypo-registry/registry/handlers"
	"github.com/hypo-registry/registry/internal/bus"
	"github.com/hypo-registry/registry/schemas"
	"github.com/hypo-registry/registry/testkit"
)

// allEventTypes lists the event type constants the flows below can reach,
// to report the ones they did not. (events/schemas_test.go checks, by
// parsing the package, that every constant has a schema.)
var allEventTypes = []string{
	events.ImagePullSecretCreated, events.ImagePullSecretUpdated, events.ImagePullSecretDeleted,
	events.ImagePullSecretRead, events.ImagePullSecretsListed,
	events.PackageRegistrySecretCreated, events.PackageRegistrySecretUpdated, events.PackageRegistrySecretDeleted,
	events.PackageRegistrySecretRead, events.PackageRegistrySecretsListed,
	events.FabricSecretCreated, events.FabricSecretUpdated, events.FabricSecretDeleted,
	events.FabricSecretRead, events.FabricSecretsListed,
	events.CommandRejected, events.CommandFailed,
	events.IdentityGroupCreated, events.IdentityGroupUpdated, events.IdentityGroupDeleted, events.IdentityGroupRead,
	events.IdentityPolicyCreated, events.IdentityPolicyUpdated, events.IdentityPolicyDeleted, events.IdentityPolicyRead,
	events.IdentityTenantProvisioned, events.IdentityTenantProvisionRolledBack,
	events.KubeconfigStored, events.KubeconfigRead, events.KubeconfigsListed, events.TerminalTokenIssued,
	events.ServiceOrderDataRead, events.ServiceOrderDataStored,
	events.RoleMappingCreated, events.RoleMappingUpdated, events.RoleMappingDeleted,
	events.AuditRecordsRead, events.AuditChainVerified,
}

// TestEventsMatchTheirSchemas runs real flows through an embedded registry
// and validates every event in the log: the envelope against
// cloudevent.v1.json, the data against the schema of its type, as stored
// (secret strings already HMACs); and the data of every query's record in
// the audit log against the schema of its type.
func TestEventsMatchTheirSchemas(t *testing.T) {
	t.Parallel()
	reg := testkit.StartRegistry(t)
	runSchemaFlows(t, reg)

	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := reg.WaitProjections(ctx); err != nil {
		t.Fatalf("projections did not catch up: %v", err)
	}

	c := schemas.EventCompiler()
	envelope, err := c.Compile(schemas.EventSchemaBase + "cloudevent.v1.json")
	if err != nil {
		t.Fatal(err)
	}
	compiled := map[string]*jsonschema.Schema{}
	seen := map[string]int{}
	if _, err := reg.Events().Read(ctx, 1, 0, func(seq uint64, e event.Event) error {
		seen[e.Type()]++
		raw, err := json.Marshal(e)
		if err != nil {
			return fmt.Errorf("event %d: marshal: %w", seq, err)
		}
		if err := validateJSON(envelope, raw); err != nil {
			t.Errorf("event %d (%s): envelope: %v\n%s", seq, e.Type(), err, raw)
		}
		s, ok := compiled[e.Type()]
		if !ok {
			if s, err = c.Compile(schemas.EventSchemaBase + e.Type() + ".v1.json"); err != nil {
				t.Errorf("event %d: no schema for type %s: %v", seq, e.Type(), err)
				return nil
			}
			compiled[e.Type()] = s
		}
		if err := validateJSON(s, e.Data()); err != nil {
			t.Errorf("event %d (%s): data: %v\n%s", seq, e.Type(), err, e.Data())
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if len(seen) == 0 {
		t.Fatal("the flows recorded no event")
	}
	// Queries (reads, lists, tokens) leave no event: their records are in
	// the audit log, whose data must match the same schemas.
	for _, r := range reg.AuditRecords(t) {
		if r.EventSeq != 0 {
			continue // a command event, validated above
		}
		seen[r.Type]++
		s, ok := compiled[r.Type]
		if !ok {
			if s, err = c.Compile(schemas.EventSchemaBase + r.Type + ".v1.json"); err != nil {
				t.Errorf("audit record %d: no schema for type %s: %v", r.Index, r.Type, err)
				continue
			}
			compiled[r.Type] = s
		}
		if err := validateJSON(s, r.Data); err != nil {
			t.Errorf("audit record %d (%s): data: %v\n%s", r.Index, r.Type, err, r.Data)
		}
	}

	var types, missed []string
	for typ := range seen {
		types = append(types, typ)
	}
	slices.Sort(types)
	for _, typ := range types {
		t.Logf("validated %3d × %s", seen[typ], typ)
	}
	for _, typ := range allEventTypes {
		if seen[typ] == 0 {
			missed = append(missed, typ)
		}
	}
	if len(missed) > 0 {
		t.Logf("event types the flows did not reach: %s", strings.Join(missed, ", "))
	}
}

func validateJSON(s *jsonschema.Schema, raw []byte) error {
	doc, err := jsonschema.UnmarshalJSON(strings.NewReader(string(raw)))
	if err != nil {
		return err
	}
	return s.Validate(doc)
}

// runSchemaFlows drives every REST flow, and the kubeconfig commands the
// Kafka ingress sends, with the status each must answer.
func runSchemaFlows(t *testing.T, reg *testkit.Registry) {
	t.Helper()
	api := reg.URL + "/registry-api"
	tenant := reg.Tenant(t)
	tok := reg.Token(t, "alice", tenant, "developer")
	admin := reg.Token(t, "root", testkit.RandomTenant(t), "platform-admin")
	do := func(want int, method, path, token, body string) {
		t.Helper()
		var b []byte
		if body != "" {
			b = []byte(body)
		}
		if r := testkit.Do(t, method, api+path, token, b); r.Status != want {
			t.Fatalf("%s %s: status %d, want %d; body %s", method, path, r.Status, want, r.Body)
		}
	}

	// Credential secrets: create, read, list, patch, delete, and refusals.
	repo := url.PathEscape("https://charts.example.com/schema-repo")
	for _, s := range []struct{ base, name, create, patch string }{
		{"/image-pull", "schema-ip", `{"username":"u1","password":"p1","url":"https://registry.example.com"}`, `{"password":"p2","url":"https://r2.example.com"}`},
		{"/package-registry", repo, `{"username":"u1","password":"p1","url":"https://charts.example.com/schema-repo"}`, `{"username":"u2"}`},
		{"/fabric", "ctrl-schema", `{"username":"u1","password":"p1"}`, `{"password":"p2","username":"u2"}`},
	} {
		do(http.StatusCreated, http.MethodPost, s.base+"/secret/"+s.name, tok, s.create)
		do(http.StatusConflict, http.MethodPost, s.base+"/secret/"+s.name, tok, s.create)
		do(http.StatusOK, http.MethodGet, s.base+"/secret/"+s.name, tok, "")
		do(http.StatusOK, http.MethodGet, s.base+"/secrets", tok, "")
		do(http.StatusOK, http.MethodPatch, s.base+"/secret/"+s.name, tok, s.patch)
		do(http.StatusNotFound, http.MethodGet, s.base+"/secret/missing", tok, "")
		do(http.StatusNoContent, http.MethodDelete, s.base+"/secret/"+s.name, tok, "")
	}

	// Policy-group-flow: a fresh tenant provisions itself, a second time is
	// a conflict; a tenant whose group exists already rolls back.
	fresh := testkit.RandomTenant(t)
	freshTok := reg.Token(t, "alice", fresh, "developer")
	do(http.StatusCreated, http.MethodPost, "/policy-group-flow/", freshTok, "")
	do(http.StatusConflict, http.MethodPost, "/policy-group-flow/", freshTok, "")
	taken := testkit.RandomTenant(t)
	do(http.StatusCreated, http.MethodPost, "/group/", admin, `{"name":"`+taken+`","policies":["other"]}`)
	do(http.StatusConflict, http.MethodPost, "/policy-group-flow/", reg.Token(t, "alice", taken, "developer"), "")

	// Group and policy CRUD by an admin; a developer is refused.
	pol, grp := "p-"+testkit.RandomTenant(t), "g-"+testkit.RandomTenant(t)
	rules := func(capability string) string {
		b, _ := json.Marshal(`path "hypo/data/image-pull/x/*" { capabilities = ["` + capability + `"] }`)
		return `{"rules":` + string(b) + `}`
	}
	do(http.StatusCreated, http.MethodPost, "/policy/"+pol, admin, rules("read"))
	do(http.StatusOK, http.MethodGet, "/policy/"+pol, admin, "")
	do(http.StatusOK, http.MethodPatch, "/policy/"+pol, admin, rules("list"))
	do(http.StatusForbidden, http.MethodGet, "/policy/"+pol, tok, "")
	do(http.StatusCreated, http.MethodPost, "/group/", admin, `{"name":"`+grp+`","policies":["`+pol+`"],"metadata":{"team":"blue"}}`)
	do(http.StatusOK, http.MethodGet, "/group/"+grp, admin, "")
	do(http.StatusOK, http.MethodPatch, "/group/"+grp, admin, `{"metadata":{"team":"red","tier":"gold"}}`)
	do(http.StatusOK, http.MethodPatch, "/group/"+grp, admin, `{"policies":[]}`)
	do(http.StatusNoContent, http.MethodDelete, "/group/"+grp, admin, "")
	do(http.StatusNoContent, http.MethodDelete, "/policy/"+pol, admin, "")

	// The audit log's own reads, audited in turn.
	do(http.StatusOK, http.MethodGet, "/admin/audit?limit=5", admin, "")
	do(http.StatusOK, http.MethodGet, "/admin/audit/verify", admin, "")
	do(http.StatusForbidden, http.MethodGet, "/admin/audit", tok, "")

	// Role mappings (seed 002).
	do(http.StatusCreated, http.MethodPost, "/admin/roleMappings", admin, `{"principalId":"carol","role":"DEVELOPER"}`)
	do(http.StatusOK, http.MethodPut, "/admin/roleMappings/carol", admin, `{"role":"READ_ONLY"}`)
	do(http.StatusNoContent, http.MethodDelete, "/admin/roleMappings/carol", admin, "")

	// Kubeconfigs: stored and read as the Kafka southbound sends them,
	// listed and a terminal token issued over REST.
	caller := handlers.Caller{Subject: "sonata@" + tenant, Tenant: tenant, Token: reg.Token(t, "sonata", tenant)}
	send := func(cmd any) {
		t.Helper()
		reply, err := reg.Southbound().Send(context.Background(), cmd, bus.Envelope{Tenant: tenant})
		if err == nil {
			err = reply.Error.Err()
		}
		if err != nil {
			t.Fatalf("send %T: %v", cmd, err)
		}
	}
	send(&handlers.StoreKubeconfig{Auth: handlers.Auth{Caller: caller}, ServiceID: "svc-schema", Scope: "NAMESPACE_SA", KubeconfigYAML: []byte(schemaKubeconfig)})
	send(&handlers.StoreKubeconfig{Auth: handlers.Auth{Caller: caller}, ServiceID: "svc-cluster", KubeconfigYAML: []byte(schemaKubeconfig)})
	send(&handlers.GetKubeconfig{Auth: handlers.Auth{Caller: caller}, ServiceID: "svc-schema"})
	// The Package Manager's credential requests (Kafka southbound).
	do(http.StatusCreated, http.MethodPost, "/package-registry/secret/charts.schema.example.com", tok, `{"username":"u","password":"p"}`)
	send(&handlers.ResolveRepoCredentials{Auth: handlers.Auth{Caller: caller}, RepositoryURL: "https://charts.schema.example.com", ServiceID: "svc-order", SchedulerNamespace: "scheduler-ns"})
	send(&handlers.ResolveDeploymentCredentials{Auth: handlers.Auth{Caller: caller}, ServiceID: "svc-order", KubernetesServiceID: "svc-cluster"})
	send(&handlers.PutFabricSecret{Auth: handlers.Auth{Caller: caller}, ControllerID: "ctrl-schema", Username: "u", Password: "p"})
	do(http.StatusOK, http.MethodGet, "/kube-conf/secrets", tok, "")
	do(http.StatusOK, http.MethodGet, "/kube-conf/token/svc-schema/term-1", tok, "")
	do(http.StatusNotFound, http.MethodGet, "/kube-conf/token/missing/term-1", tok, "")
}

const schemaKubeconfig = `apiVersion: v1
kind: Config
clusters:
- name: edge
  cluster:
    server: https://edge.k8s.example.com:6443
contexts:
- name: admin@edge
  context:
    cluster: edge
    user: admin
current-context: admin@edge
users:
- name: admin
  user:
    token: schema-kc-token
`
