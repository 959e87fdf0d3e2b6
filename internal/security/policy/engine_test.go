package policy_test

import (
	"context"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/hypo-registry/registry/internal/security/policy"
)

var quiet = slog.New(slog.NewTextHandler(io.Discard, nil))

// monday10 is in the examples' business hours; monday22 is not.
var (
	monday10 = time.Date(2026, 12, 7, 10, 0, 0, 0, time.UTC)
	monday22 = time.Date(2026, 12, 7, 22, 0, 0, 0, time.UTC)
)

func writePolicy(t testing.TB, dir, name, src string) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, []byte(src), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

func restGet(route, scope string, at time.Time) *policy.Input {
	return &policy.Input{
		EntryPoint: policy.EntryREST, Method: "GET", Route: route, Action: "read",
		Resource: policy.Resource{Scope: scope, Tenant: "acme", Name: "n"},
		Caller:   policy.Caller{Subject: "alice", Tenant: "acme", Roles: []string{"developer"}},
		Time:     at,
	}
}

func tokenScope(typ, name, action string, roles ...string) *policy.Input {
	return &policy.Input{
		EntryPoint: policy.EntryToken, Scope: typ + ":" + name + ":" + action, Action: action,
		Resource: policy.Resource{Scope: typ, Tenant: "acme", Name: name},
		Caller:   policy.Caller{Subject: "alice", Tenant: "acme", Roles: roles},
		Time:     monday10,
	}
}

func TestExamplePolicyDecisions(t *testing.T) {
	t.Parallel()
	e, err := policy.Load(context.Background(), policy.Config{Path: examples, Logger: quiet})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(e.Hash(), "sha256:") || len(e.Hash()) != len("sha256:")+64 {
		t.Fatalf("hash %q", e.Hash())
	}
	for _, tc := range []struct {
		name   string
		in     *policy.Input
		allow  bool
		reason string
	}{
		{"image-pull read", restGet("/registry-api/image-pull/secret/{name}", "image-pull", monday22), true, ""},
		{"kubeconfig read in hours", restGet("/registry-api/kube-conf/secrets", "kube-conf", monday10), true, ""},
		{"kubeconfig read at night", restGet("/registry-api/kube-conf/secrets", "kube-conf", monday22), false, "kubeconfigs are read on working days from 07:00 to 19:00 UTC only"},
		{"catalog for a developer", tokenScope("registry", "catalog", "*", "developer"), false, "only an admin may list the registry catalog"},
		{"catalog for an admin", tokenScope("registry", "catalog", "*", "admin"), true, ""},
		{"own repository", tokenScope("repository", "acme/app", "push", "developer"), true, ""},
		{"other tenant's repository", tokenScope("repository", "globex/app", "pull", "developer"), false, "a token reaches only the repositories under the caller's tenant"},
	} {
		d := e.Decide(context.Background(), tc.in)
		if d.Allow != tc.allow || d.Reason != tc.reason || d.Failed || d.Hash != e.Hash() {
			t.Errorf("%s: got %+v, want allow %v reason %q", tc.name, d, tc.allow, tc.reason)
		}
	}
	s := e.Stats()
	if s.Decisions[policy.DecisionKey{EntryPoint: policy.EntryREST, Outcome: policy.OutcomeDeny}] != 1 ||
		s.Decisions[policy.DecisionKey{EntryPoint: policy.EntryToken, Outcome: policy.OutcomeAllow}] != 2 {
		t.Errorf("decisions counted: %v", s.Decisions)
	}
}

func TestCompileErrorsNameFileAndLine(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name, src, want string
	}{
		{"syntax", "package registry.authz\n\nallow if {\n\tinput.x ==\n}\n", "bad.rego:"},
		{"unsafe variable", "package registry.authz\n\ndefault allow := true\n\nallow := false if x == 1\n", "bad.rego:5"},
		{"unknown function", "package registry.authz\n\nallow if {\n\tno_such_function(input.x)\n}\n", "bad.rego:4"},
		{"no decision rule", "package registry.other\n\nallow := true\n", "no rule defines data.registry.authz.allow"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			p := writePolicy(t, t.TempDir(), "bad.rego", tc.src)
			_, err := policy.Load(context.Background(), policy.Config{Path: p, Logger: quiet})
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("error %v, want it to name %q", err, tc.want)
			}
		})
	}
}

func TestLoadRefusesMissingAndEmptyPaths(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	if _, err := policy.Load(context.Background(), policy.Config{Path: filepath.Join(dir, "none.rego"), Logger: quiet}); err == nil {
		t.Error("a missing file loaded")
	}
	if _, err := policy.Load(context.Background(), policy.Config{Path: dir, Logger: quiet}); err == nil || !strings.Contains(err.Error(), "no .rego file") {
		t.Errorf("an empty directory: %v", err)
	}
}

// The engine fails closed: whatever keeps the policy from deciding is a
// deny.
func TestNoDecisionDenies(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct{ name, src string }{
		{"evaluation error", "package registry.authz\n\nallow := to_number(input.method)\n"},
		{"undefined", "package registry.authz\n\nallow if input.method == \"POST\"\n"},
		{"a number", "package registry.authz\n\nallow := 1\n"},
		{"object without allow", "package registry.authz\n\nallow := {\"reason\": \"x\"}\n"},
		{"reason not a string", "package registry.authz\n\nallow := {\"allow\": true, \"reason\": 1}\n"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			p := writePolicy(t, t.TempDir(), "p.rego", tc.src)
			e, err := policy.Load(context.Background(), policy.Config{Path: p, Logger: quiet})
			if err != nil {
				t.Fatal(err)
			}
			d := e.Decide(context.Background(), restGet("/r", "image-pull", monday10))
			if d.Allow || !d.Failed || d.Reason != "the authorization policy could not decide" {
				t.Fatalf("got %+v, want a failed deny", d)
			}
			if n := e.Stats().Decisions[policy.DecisionKey{EntryPoint: policy.EntryREST, Outcome: policy.OutcomeError}]; n != 1 {
				t.Errorf("errors counted: %d", n)
			}
		})
	}
}

// The input document is the documented one, every key present; claims
// only those configured.
func TestInputDocument(t *testing.T) {
	t.Parallel()
	p := writePolicy(t, t.TempDir(), "p.rego", `package registry.authz

allow if {
	input == {
		"version": 1, "entrypoint": "kafka", "method": "", "route": "", "topic": "registry-retrieve-kubernetes-config",
		"scope": "", "action": "read",
		"resource": {"scope": "kube-conf", "tenant": "acme", "name": "", "owner": ""},
		"caller": {"subject": "alice", "tenant": "acme", "roles": ["developer", "x"], "claims": {"plan": "gold", "amr": ["pwd"]}},
		"time": {"ns": 1796637600000000000, "rfc3339": "2026-12-07T10:00:00Z"},
	}
}
`)
	e, err := policy.Load(context.Background(), policy.Config{Path: p, Logger: quiet, Claims: []string{"plan", "amr", "absent"}})
	if err != nil {
		t.Fatal(err)
	}
	in := &policy.Input{
		EntryPoint: policy.EntryKafka, Topic: "registry-retrieve-kubernetes-config", Action: "read",
		Resource: policy.Resource{Scope: "kube-conf", Tenant: "acme"},
		Caller: policy.Caller{Subject: "alice", Tenant: "acme", Roles: []string{"developer", "x"},
			Claims: map[string]any{"plan": "gold", "amr": []any{"pwd"}, "email": "alice@example.com"}},
		Time: monday10.In(time.FixedZone("x", 3600)),
	}
	if d := e.Decide(context.Background(), in); !d.Allow {
		t.Fatalf("the input document is not the documented one: %+v", d)
	}
}

func TestNilEngineAllows(t *testing.T) {
	t.Parallel()
	var e *policy.Engine
	if d := e.Decide(context.Background(), restGet("/r", "x", monday22)); !d.Allow {
		t.Fatal("no policy denied")
	}
	if err := e.Check(context.Background(), restGet("/r", "x", monday22)); err != nil || e.Hash() != "" {
		t.Fatal(err)
	}
}

func BenchmarkDecideExamples(b *testing.B) {
	e, err := policy.Load(context.Background(), policy.Config{Path: examples, Logger: quiet})
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		in := restGet("/registry-api/image-pull/secret/{name}", "image-pull", monday10)
		for pb.Next() {
			in.Time = time.Now()
			if d := e.Decide(context.Background(), in); !d.Allow {
				b.Fatal(d)
			}
		}
	})
}

// BenchmarkDecideEvaluated is a decision the policy makes per request
// (the time window reads the time): one full evaluation each.
func BenchmarkDecideEvaluated(b *testing.B) {
	e, err := policy.Load(context.Background(), policy.Config{Path: examples, Logger: quiet})
	if err != nil {
		b.Fatal(err)
	}
	in := restGet("/registry-api/kube-conf/secrets", "kube-conf", monday10)
	b.ReportAllocs()
	for b.Loop() {
		if d := e.Decide(context.Background(), in); !d.Allow {
			b.Fatal(d)
		}
	}
}

// A directory mounted from a Kubernetes ConfigMap holds each file twice:
// as a link at the top, and in the hidden timestamped directory "..data"
// points to. The policy is the files at the top.
func TestConfigMapVolumeLayout(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	stamp := filepath.Join(dir, "..2026_12_05_07_00_00.000000001")
	if err := os.Mkdir(stamp, 0o700); err != nil {
		t.Fatal(err)
	}
	writePolicy(t, stamp, "p.rego", "package registry.authz\n\ndefault allow := true\n")
	if err := os.Symlink(filepath.Base(stamp), filepath.Join(dir, "..data")); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(filepath.Join("..data", "p.rego"), filepath.Join(dir, "p.rego")); err != nil {
		t.Fatal(err)
	}
	e, err := policy.Load(context.Background(), policy.Config{Path: dir, Logger: quiet})
	if err != nil {
		t.Fatal(err)
	}
	if d := e.Decide(context.Background(), restGet("/r", "image-pull", monday10)); !d.Allow {
		t.Fatalf("got %+v", d)
	}
}

// A reload puts a changed policy in force; a broken one keeps the last
// good policy, is reported once, and undoing it clears the report.
func TestReload(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	writePolicy(t, dir, "p.rego", "package registry.authz\n\ndefault allow := true\n")
	var reloads []policy.Reload
	e, err := policy.Load(context.Background(), policy.Config{Path: dir, Logger: quiet,
		Reloaded: func(_ context.Context, r policy.Reload) error { reloads = append(reloads, r); return nil }})
	if err != nil {
		t.Fatal(err)
	}
	first := e.Hash()
	if changed, err := e.Reload(context.Background()); changed || err != nil {
		t.Fatalf("unchanged files: %v %v", changed, err)
	}
	writePolicy(t, dir, "p.rego", "package registry.authz\n\ndefault allow := false\n")
	if changed, err := e.Reload(context.Background()); !changed || err != nil || e.Hash() == first {
		t.Fatalf("changed files: %v %v", changed, err)
	}
	second := e.Hash()
	if len(reloads) != 2 || reloads[0].Previous != "" || reloads[1].Previous != first || reloads[1].Hash != second {
		t.Fatalf("reloads recorded: %+v", reloads)
	}
	good := "package registry.authz\n\ndefault allow := false\n"
	writePolicy(t, dir, "p.rego", "package registry.authz\n\nallow if {\n")
	if _, err := e.Reload(context.Background()); err == nil || !strings.Contains(err.Error(), "p.rego:") {
		t.Fatalf("broken file: %v", err)
	}
	if _, err := e.Reload(context.Background()); err != nil {
		t.Fatalf("the same broken file is reported again: %v", err)
	}
	if s := e.Stats(); !s.Failing || s.FailedReloads != 1 || s.Reloads != 1 || e.Hash() != second {
		t.Fatalf("after a broken reload: %+v", s)
	}
	writePolicy(t, dir, "p.rego", good)
	if changed, err := e.Reload(context.Background()); changed || err != nil || e.Stats().Failing {
		t.Fatalf("undone: %v %v %+v", changed, err, e.Stats())
	}
}
