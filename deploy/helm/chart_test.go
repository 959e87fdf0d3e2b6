// Package helm tests the Helm chart in registry/ without a cluster: it renders
// the chart with Helm's own Go packages (values checked against
// values.schema.json, as helm install does) and decodes every rendered object
// strictly into the Kubernetes API types, so a misspelt or misplaced field
// fails here instead of at kubectl apply.
package helm

import (
	"bytes"
	"encoding/json"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strings"
	"testing"

	"helm.sh/helm/v4/pkg/chart/common"
	chartutil "helm.sh/helm/v4/pkg/chart/common/util"
	"helm.sh/helm/v4/pkg/chart/v2/lint"
	"helm.sh/helm/v4/pkg/chart/v2/lint/support"
	"helm.sh/helm/v4/pkg/chart/v2/loader"
	"helm.sh/helm/v4/pkg/engine"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	policyv1 "k8s.io/api/policy/v1"
	"sigs.k8s.io/yaml"

	"github.com/hypo-registry/registry/internal/security/policy"
)

const (
	chartDir       = "registry"
	productionFile = "registry/ci/production-values.yaml"
	release        = "reg"
	namespace      = "registry"
	fullname       = "reg-registry"
	nonrootUID     = 65532 // the distroless image's nonroot user (Dockerfile)
	dataDir        = "/var/lib/registry"
)

// serviceMonitor is a local stand-in for the Prometheus Operator's
// monitoring.coreos.com/v1 ServiceMonitor, which has no k8s.io/api type: only
// the fields the chart writes, so anything else fails the strict decode.
type serviceMonitor struct {
	APIVersion string `json:"apiVersion"`
	Kind       string `json:"kind"`
	Metadata   struct {
		Name   string            `json:"name"`
		Labels map[string]string `json:"labels"`
	} `json:"metadata"`
	Spec struct {
		Selector struct {
			MatchLabels map[string]string `json:"matchLabels"`
		} `json:"selector"`
		NamespaceSelector struct {
			MatchNames []string `json:"matchNames"`
		} `json:"namespaceSelector"`
		Endpoints []struct {
			Port          string `json:"port"`
			Path          string `json:"path"`
			Scheme        string `json:"scheme"`
			Interval      string `json:"interval"`
			ScrapeTimeout string `json:"scrapeTimeout"`
		} `json:"endpoints"`
	} `json:"spec"`
}

// rendered is one release's objects, decoded.
type rendered struct {
	notes           string
	statefulSets    []appsv1.StatefulSet
	services        []corev1.Service
	secrets         []corev1.Secret
	configMaps      []corev1.ConfigMap
	serviceAccounts []corev1.ServiceAccount
	pdbs            []policyv1.PodDisruptionBudget
	networkPolicies []networkingv1.NetworkPolicy
	serviceMonitors []serviceMonitor
}

// renderChart renders the chart for the values files (later ones win) and
// overrides, as helm template would, schema validation included.
func renderChart(valuesFiles []string, overrides map[string]any) (map[string]string, error) {
	ch, err := loader.Load(chartDir)
	if err != nil {
		return nil, fmt.Errorf("load chart: %w", err)
	}
	vals := map[string]any{}
	for _, f := range valuesFiles {
		v, err := common.ReadValuesFile(f)
		if err != nil {
			return nil, fmt.Errorf("values %s: %w", f, err)
		}
		vals = loader.MergeMaps(vals, v)
	}
	vals = loader.MergeMaps(vals, overrides)
	opts := common.ReleaseOptions{Name: release, Namespace: namespace, IsInstall: true, Revision: 1}
	top, err := chartutil.ToRenderValues(ch, vals, opts, nil)
	if err != nil {
		return nil, err
	}
	return engine.Engine{Strict: true}.Render(ch, top)
}

var docSeparator = regexp.MustCompile(`(?m)^---[ \t]*$`)

// mustRender renders and decodes every object strictly (unknown or duplicate
// fields fail), failing the test on any error.
func mustRender(t *testing.T, valuesFiles []string, overrides map[string]any) rendered {
	t.Helper()
	out, err := renderChart(valuesFiles, overrides)
	if err != nil {
		t.Fatalf("render: %v", err)
	}
	var r rendered
	names := make([]string, 0, len(out))
	for name := range out {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		if strings.HasSuffix(name, "NOTES.txt") {
			r.notes = out[name]
			continue
		}
		for i, doc := range docSeparator.Split(out[name], -1) {
			js, err := yaml.YAMLToJSONStrict([]byte(doc))
			if err != nil {
				t.Fatalf("%s document %d: %v\n%s", name, i, err, doc)
			}
			if string(js) == "null" { // empty or only comments
				continue
			}
			if err := r.add(js); err != nil {
				t.Fatalf("%s document %d: %v\n%s", name, i, err, doc)
			}
		}
	}
	return r
}

func decodeStrict(js []byte, into any) error {
	dec := json.NewDecoder(bytes.NewReader(js))
	dec.DisallowUnknownFields()
	if err := dec.Decode(into); err != nil {
		return err
	}
	if dec.More() {
		return fmt.Errorf("trailing data after the object")
	}
	return nil
}

func decodeInto[T any](js []byte, list *[]T) error {
	var obj T
	if err := decodeStrict(js, &obj); err != nil {
		return err
	}
	*list = append(*list, obj)
	return nil
}

func (r *rendered) add(js []byte) error {
	var head struct {
		APIVersion string `json:"apiVersion"`
		Kind       string `json:"kind"`
	}
	if err := json.Unmarshal(js, &head); err != nil {
		return err
	}
	switch head.APIVersion + " " + head.Kind {
	case "apps/v1 StatefulSet":
		return decodeInto(js, &r.statefulSets)
	case "v1 Service":
		return decodeInto(js, &r.services)
	case "v1 Secret":
		return decodeInto(js, &r.secrets)
	case "v1 ConfigMap":
		return decodeInto(js, &r.configMaps)
	case "v1 ServiceAccount":
		return decodeInto(js, &r.serviceAccounts)
	case "policy/v1 PodDisruptionBudget":
		return decodeInto(js, &r.pdbs)
	case "networking.k8s.io/v1 NetworkPolicy":
		return decodeInto(js, &r.networkPolicies)
	case "monitoring.coreos.com/v1 ServiceMonitor":
		return decodeInto(js, &r.serviceMonitors)
	}
	return fmt.Errorf("unexpected object %s %s", head.APIVersion, head.Kind)
}

// configMap is the rendered ConfigMap named name, nil when there is none.
func (r rendered) configMap(name string) *corev1.ConfigMap {
	for i := range r.configMaps {
		if r.configMaps[i].Name == name {
			return &r.configMaps[i]
		}
	}
	return nil
}

func (r rendered) statefulSet(t *testing.T) *appsv1.StatefulSet {
	t.Helper()
	if len(r.statefulSets) != 1 {
		t.Fatalf("want one StatefulSet, got %d", len(r.statefulSets))
	}
	return &r.statefulSets[0]
}

func container(t *testing.T, spec *corev1.PodSpec, name string) *corev1.Container {
	t.Helper()
	for i := range spec.Containers {
		if spec.Containers[i].Name == name {
			return &spec.Containers[i]
		}
	}
	t.Fatalf("no container %q", name)
	return nil
}

func envByName(c *corev1.Container) map[string]corev1.EnvVar {
	m := map[string]corev1.EnvVar{}
	for _, e := range c.Env {
		m[e.Name] = e
	}
	return m
}

func mountAt(c *corev1.Container, path string) *corev1.VolumeMount {
	for i := range c.VolumeMounts {
		if c.VolumeMounts[i].MountPath == path {
			return &c.VolumeMounts[i]
		}
	}
	return nil
}

func volume(spec *corev1.PodSpec, name string) *corev1.Volume {
	for i := range spec.Volumes {
		if spec.Volumes[i].Name == name {
			return &spec.Volumes[i]
		}
	}
	return nil
}

// checkHardened checks what every rendering must have: the pod and each
// container locked down, probes on registryd's health paths, the data volume
// per pod as the only writable path, and the instance id from the pod's name.
func checkHardened(t *testing.T, r rendered, scheme corev1.URIScheme) {
	t.Helper()
	sts := r.statefulSet(t)
	pod := &sts.Spec.Template.Spec

	psc := pod.SecurityContext
	if psc == nil {
		t.Fatal("pod securityContext missing")
	}
	if psc.RunAsNonRoot == nil || !*psc.RunAsNonRoot {
		t.Error("pod runAsNonRoot not true")
	}
	if psc.RunAsUser == nil || *psc.RunAsUser != nonrootUID {
		t.Errorf("pod runAsUser = %v, want %d", psc.RunAsUser, nonrootUID)
	}
	if psc.FSGroup == nil || *psc.FSGroup != nonrootUID {
		t.Errorf("pod fsGroup = %v, want %d (a fresh volume writable by registryd)", psc.FSGroup, nonrootUID)
	}
	if psc.SeccompProfile == nil || psc.SeccompProfile.Type != corev1.SeccompProfileTypeRuntimeDefault {
		t.Errorf("pod seccompProfile = %+v, want RuntimeDefault", psc.SeccompProfile)
	}
	if pod.AutomountServiceAccountToken == nil || *pod.AutomountServiceAccountToken {
		t.Error("the service account token is mounted; registryd does not use the API")
	}

	all := append(slices.Clone(pod.InitContainers), pod.Containers...)
	for _, c := range all {
		sc := c.SecurityContext
		if sc == nil {
			t.Errorf("%s: securityContext missing", c.Name)
			continue
		}
		if sc.RunAsNonRoot == nil || !*sc.RunAsNonRoot {
			t.Errorf("%s: runAsNonRoot not true", c.Name)
		}
		if sc.RunAsUser == nil || *sc.RunAsUser != nonrootUID {
			t.Errorf("%s: runAsUser = %v, want %d", c.Name, sc.RunAsUser, nonrootUID)
		}
		if sc.ReadOnlyRootFilesystem == nil || !*sc.ReadOnlyRootFilesystem {
			t.Errorf("%s: readOnlyRootFilesystem not true", c.Name)
		}
		if sc.AllowPrivilegeEscalation == nil || *sc.AllowPrivilegeEscalation {
			t.Errorf("%s: allowPrivilegeEscalation not false", c.Name)
		}
		if sc.Privileged != nil && *sc.Privileged {
			t.Errorf("%s: privileged", c.Name)
		}
		if sc.Capabilities == nil || !slices.Equal(sc.Capabilities.Drop, []corev1.Capability{"ALL"}) || len(sc.Capabilities.Add) != 0 {
			t.Errorf("%s: capabilities = %+v, want drop [ALL] and no add", c.Name, sc.Capabilities)
		}
		if sc.SeccompProfile == nil || sc.SeccompProfile.Type != corev1.SeccompProfileTypeRuntimeDefault {
			t.Errorf("%s: seccompProfile = %+v, want RuntimeDefault", c.Name, sc.SeccompProfile)
		}
		if c.Resources.Requests.Memory().IsZero() || c.Resources.Limits.Memory().IsZero() {
			t.Errorf("%s: memory request and limit must be set, got %+v", c.Name, c.Resources)
		}
	}

	reg := container(t, pod, "registryd")
	if len(reg.Ports) != 1 || reg.Ports[0].Name != "http" {
		t.Fatalf("registryd ports = %+v, want one named http", reg.Ports)
	}
	port := reg.Ports[0].ContainerPort
	env := envByName(reg)
	if got := env["REGISTRY_HTTP_ADDR"].Value; got != fmt.Sprintf(":%d", port) {
		t.Errorf("REGISTRY_HTTP_ADDR = %q, container port %d", got, port)
	}
	for _, p := range []struct {
		name  string
		probe *corev1.Probe
		path  string
	}{
		{"liveness", reg.LivenessProbe, "/healthz"},
		{"readiness", reg.ReadinessProbe, "/readyz"},
		{"startup", reg.StartupProbe, "/healthz"},
	} {
		if p.probe == nil || p.probe.HTTPGet == nil {
			t.Errorf("%s probe: missing or not httpGet", p.name)
			continue
		}
		g := p.probe.HTTPGet
		if g.Path != p.path || g.Port.String() != "http" || g.Scheme != scheme {
			t.Errorf("%s probe: %s %s port %s, want %s %s port http", p.name, g.Scheme, g.Path, g.Port.String(), scheme, p.path)
		}
		if p.probe.PeriodSeconds <= 0 || p.probe.FailureThreshold <= 0 {
			t.Errorf("%s probe: period %d, failureThreshold %d", p.name, p.probe.PeriodSeconds, p.probe.FailureThreshold)
		}
	}

	// Instance id: the pod's name, stable per pod (its projections group).
	id, ok := env["REGISTRY_INSTANCE_ID"]
	if !ok || id.Value != "" || id.ValueFrom == nil || id.ValueFrom.FieldRef == nil || id.ValueFrom.FieldRef.FieldPath != "metadata.name" {
		t.Errorf("REGISTRY_INSTANCE_ID = %+v, want from the downward API metadata.name", id)
	}
	if _, ok := env["REGISTRY_KAFKA_CONSUMER_GROUP"]; ok {
		t.Error("REGISTRY_KAFKA_CONSUMER_GROUP set: every pod would share one projections group")
	}
	if env["REGISTRY_DATA_DIR"].Value != dataDir {
		t.Errorf("REGISTRY_DATA_DIR = %q, want %s", env["REGISTRY_DATA_DIR"].Value, dataDir)
	}

	// One volume per pod, from the claim template, at the data directory;
	// every other mount is read-only.
	if len(sts.Spec.VolumeClaimTemplates) != 1 || sts.Spec.VolumeClaimTemplates[0].Name != "data" {
		t.Fatalf("volumeClaimTemplates = %+v, want one named data", sts.Spec.VolumeClaimTemplates)
	}
	vct := sts.Spec.VolumeClaimTemplates[0]
	if vct.Spec.Resources.Requests.Storage().IsZero() || len(vct.Spec.AccessModes) == 0 {
		t.Errorf("data claim: %+v", vct.Spec)
	}
	if volume(pod, "data") != nil {
		t.Error("a pod volume named data shadows the claim template")
	}
	for _, m := range reg.VolumeMounts {
		if m.MountPath == dataDir {
			if m.Name != "data" || m.ReadOnly {
				t.Errorf("data mount %+v, want the claim, writable", m)
			}
		} else if !m.ReadOnly {
			t.Errorf("mount %s (%s) is writable; only %s may be", m.MountPath, m.Name, dataDir)
		}
	}
	if mountAt(reg, dataDir) == nil {
		t.Errorf("nothing mounted at %s", dataDir)
	}

	if sts.Spec.ServiceName != fullname+"-headless" {
		t.Errorf("serviceName = %q", sts.Spec.ServiceName)
	}
	headless := false
	for _, s := range r.services {
		if s.Name == sts.Spec.ServiceName {
			headless = s.Spec.ClusterIP == corev1.ClusterIPNone
		}
		if !mapsContain(s.Spec.Selector, sts.Spec.Selector.MatchLabels) || !mapsContain(sts.Spec.Template.Labels, s.Spec.Selector) {
			t.Errorf("service %s selector %v does not select the pods %v", s.Name, s.Spec.Selector, sts.Spec.Template.Labels)
		}
		if len(s.Spec.Ports) != 1 || s.Spec.Ports[0].TargetPort.String() != "http" {
			t.Errorf("service %s ports %+v, want one to http", s.Name, s.Spec.Ports)
		}
	}
	if !headless {
		t.Errorf("no headless service %s", sts.Spec.ServiceName)
	}
	if len(r.pdbs) != 1 || r.pdbs[0].Spec.MaxUnavailable == nil || !mapsContain(r.pdbs[0].Spec.Selector.MatchLabels, sts.Spec.Selector.MatchLabels) {
		t.Errorf("PodDisruptionBudget: %+v", r.pdbs)
	}
	if !strings.Contains(r.notes, fmt.Sprintf("://%s.%s.svc:", fullname, namespace)) || !strings.Contains(r.notes, "port-forward svc/"+fullname) {
		t.Errorf("NOTES.txt does not say how to reach the service:\n%s", r.notes)
	}
}

func mapsContain(m, sub map[string]string) bool {
	for k, v := range sub {
		if m[k] != v {
			return false
		}
	}
	return len(sub) > 0
}

func TestDefaultValues(t *testing.T) {
	r := mustRender(t, nil, nil)
	checkHardened(t, r, corev1.URISchemeHTTP)
	sts := r.statefulSet(t)
	if *sts.Spec.Replicas != 1 {
		t.Errorf("replicas = %d, want 1 without Vault and Kafka", *sts.Spec.Replicas)
	}
	if n := len(sts.Spec.Template.Spec.InitContainers); n != 0 {
		t.Errorf("%d init containers without key files", n)
	}
	if len(r.serviceMonitors)+len(r.networkPolicies)+len(r.secrets)+len(r.configMaps) != 0 {
		t.Errorf("optional objects rendered by default: %d ServiceMonitor, %d NetworkPolicy, %d Secret, %d ConfigMap",
			len(r.serviceMonitors), len(r.networkPolicies), len(r.secrets), len(r.configMaps))
	}
	env := envByName(container(t, &sts.Spec.Template.Spec, "registryd"))
	if env["REGISTRY_OIDC_ISSUER"].Value == "" || env["REGISTRY_OIDC_AUDIENCE"].Value == "" {
		t.Error("the issuer and audience registryd requires are not set")
	}
	for _, name := range []string{"REGISTRY_VAULT_ADDR", "REGISTRY_KAFKA_BROKERS", "REGISTRY_KAFKA_SOUTHBOUND", "REGISTRY_KAFKA_VERIFY_JWT"} {
		if e, ok := env[name]; ok {
			t.Errorf("%s = %q set by default; unset values must leave registryd's default", name, e.Value)
		}
	}
}

// TestGoMemoryLimit: with a memory limit, the Go runtime's soft limit
// (GOMEMLIMIT) is the container's, taken from the pod's own resources;
// without one, none is set.
func TestGoMemoryLimit(t *testing.T) {
	sts := mustRender(t, nil, nil).statefulSet(t)
	c := container(t, &sts.Spec.Template.Spec, "registryd")
	if c.Resources.Limits.Memory().IsZero() {
		t.Fatal("the default values set no memory limit")
	}
	e, ok := envByName(c)["GOMEMLIMIT"]
	if !ok || e.ValueFrom == nil || e.ValueFrom.ResourceFieldRef == nil {
		t.Fatalf("GOMEMLIMIT = %+v, want the container's memory limit", e)
	}
	if ref := e.ValueFrom.ResourceFieldRef; ref.Resource != "limits.memory" || ref.ContainerName != c.Name || !ref.Divisor.IsZero() {
		t.Errorf("GOMEMLIMIT from %+v, want limits.memory of %s in bytes", ref, c.Name)
	}
	sts = mustRender(t, nil, map[string]any{"resources": map[string]any{"limits": map[string]any{"memory": nil}}}).statefulSet(t)
	c = container(t, &sts.Spec.Template.Spec, "registryd")
	if !c.Resources.Limits.Memory().IsZero() {
		t.Fatalf("memory limit %s left after removing it", c.Resources.Limits.Memory())
	}
	if e, ok := envByName(c)["GOMEMLIMIT"]; ok {
		t.Errorf("GOMEMLIMIT = %+v without a memory limit: a node's allocatable memory is no limit of this pod", e)
	}
}

// structured maps the chart's Vault, Kafka and Keycloak values to the
// variable each sets.
var structured = map[string]string{
	"REGISTRY_OIDC_ISSUER":              "keycloak.issuer",
	"REGISTRY_OIDC_JWKS_URL":            "keycloak.jwksUrl",
	"REGISTRY_OIDC_AUDIENCE":            "keycloak.audience",
	"REGISTRY_OIDC_ROLES_CLAIM":         "keycloak.rolesClaim",
	"REGISTRY_OIDC_GROUPS_CLAIM":        "keycloak.groupsClaim",
	"REGISTRY_OIDC_LEEWAY":              "keycloak.leeway",
	"REGISTRY_OIDC_JWKS_REFRESH":        "keycloak.jwksRefresh",
	"REGISTRY_VAULT_ADDR":               "vault.addr",
	"REGISTRY_VAULT_MOUNT":              "vault.mount",
	"REGISTRY_VAULT_AUTH_MOUNT":         "vault.authMount",
	"REGISTRY_VAULT_ROLE":               "vault.role",
	"REGISTRY_VAULT_GROUP_ALIAS_PREFIX": "vault.groupAliasPrefix",
	"REGISTRY_VAULT_TIMEOUT":            "vault.timeout",
	"REGISTRY_KAFKA_BROKERS":            "kafka.brokers",
	"REGISTRY_KAFKA_EVENTS_TOPIC":       "kafka.eventsTopic",
	"REGISTRY_KAFKA_SOUTHBOUND":         "kafka.southbound",
	"REGISTRY_KAFKA_SOUTHBOUND_GROUP":   "kafka.southboundGroup",
	"REGISTRY_KAFKA_VERIFY_JWT":         "kafka.verifyJWT",
	"REGISTRY_TOKEN_ENABLED":            "tokenService.enabled",
}

// managed are the variables the chart sets itself (paths inside the pod, the
// instance id) or from Secrets; not settable under config.
var managed = []string{
	"REGISTRY_DATA_DIR", "REGISTRY_HTTP_ADDR", "REGISTRY_INSTANCE_ID",
	"REGISTRY_TLS_CERT_FILE", "REGISTRY_TLS_KEY_FILE", "REGISTRY_TLS_CLIENT_CA_FILE",
	"REGISTRY_VAULT_CACERT", "REGISTRY_VAULT_ADMIN_TOKEN", "REGISTRY_VAULT_ADMIN_TOKEN_FILE",
	"REGISTRY_TOKEN_CONFIG", "REGISTRY_TOKEN_SIGNING_KEY_PATH", "REGISTRY_TOKEN_SIGNING_KEY_PASSWORD",
	"REGISTRY_TERMINAL_TOKEN_KEY_PATH", "REGISTRY_SEAL_KEY", "REGISTRY_AUTH_BASIC_CLIENT_SECRET",
	"REGISTRY_CONSOLE_CLIENT_SECRET", "REGISTRY_AUTHZ_POLICY",
}

// leftOut are the variables the chart never sets: the per-instance projections
// group must stay registryd's default (one per pod), and the dev issuer is not
// for a cluster.
var leftOut = []string{"REGISTRY_KAFKA_CONSUMER_GROUP", "REGISTRY_DEV", "REGISTRY_DEV_ISSUER_ADDR"}

func lookup(vals map[string]any, path string) (any, bool) {
	var cur any = vals
	for _, k := range strings.Split(path, ".") {
		m, ok := cur.(map[string]any)
		if !ok {
			return nil, false
		}
		if cur, ok = m[k]; !ok {
			return nil, false
		}
	}
	return cur, true
}

func TestProductionValues(t *testing.T) {
	r := mustRender(t, []string{productionFile}, nil)
	checkHardened(t, r, corev1.URISchemeHTTPS)
	sts := r.statefulSet(t)
	pod := &sts.Spec.Template.Spec
	reg := container(t, pod, "registryd")
	env := envByName(reg)

	vals, err := common.ReadValuesFile(productionFile)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := *sts.Spec.Replicas, int32(3); got != want {
		t.Errorf("replicas = %d, want %d", got, want)
	}

	// Every REGISTRY_* value the production file gives reaches registryd.
	for name, path := range structured {
		v, ok := lookup(vals, path)
		if !ok {
			t.Errorf("%s: the production file does not set %s, so its wiring is untested", name, path)
			continue
		}
		if got, want := env[name].Value, fmt.Sprint(v); got != want {
			t.Errorf("%s = %q, want %q (from %s)", name, got, want, path)
		}
	}
	config, _ := vals["config"].(map[string]any)
	if len(config) < 10 {
		t.Fatalf("the production file sets only %d config entries", len(config))
	}
	for name, v := range config {
		if got, want := env[name].Value, fmt.Sprint(v); got != want {
			t.Errorf("%s = %q, want %q", name, got, want)
		}
	}

	// Values that are secrets come from Secrets, never inline.
	for name, ref := range map[string][2]string{
		"REGISTRY_SEAL_KEY":                   {"registry-seal", "seal.key"},
		"REGISTRY_AUTH_BASIC_CLIENT_SECRET":   {"registry-basic-client", "client-secret"},
		"REGISTRY_CONSOLE_CLIENT_SECRET":      {"registry-console-client", "client-secret"},
		"REGISTRY_TOKEN_SIGNING_KEY_PASSWORD": {"registry-token-signing", "password"},
	} {
		e := env[name]
		if e.Value != "" || e.ValueFrom == nil || e.ValueFrom.SecretKeyRef == nil ||
			e.ValueFrom.SecretKeyRef.Name != ref[0] || e.ValueFrom.SecretKeyRef.Key != ref[1] {
			t.Errorf("%s = %+v, want from Secret %s key %s", name, e, ref[0], ref[1])
		}
	}
	if len(r.secrets) != 0 {
		t.Errorf("the chart made %d Secrets though every secret names an existing one", len(r.secrets))
	}

	// Key files: from the existing Secrets (read-only, 0400) via the copy
	// into memory, mounted read-only into registryd at the paths its
	// variables name.
	checkKeyFiles(t, pod, map[string]keyFile{
		"REGISTRY_VAULT_ADMIN_TOKEN_FILE":  {"registry-vault-admin", "token"},
		"REGISTRY_TOKEN_SIGNING_KEY_PATH":  {"registry-token-signing", "signing.pfx"},
		"REGISTRY_TERMINAL_TOKEN_KEY_PATH": {"registry-terminal-key", "terminal-signing.key"},
	})

	// TLS and the Vault CA: Secret volumes mounted read-only, files where
	// the variables point.
	for name, want := range map[string]struct{ volume, secret, key string }{
		"REGISTRY_TLS_CERT_FILE":      {"tls", "registry-tls", "tls.crt"},
		"REGISTRY_TLS_KEY_FILE":       {"tls", "registry-tls", "tls.key"},
		"REGISTRY_TLS_CLIENT_CA_FILE": {"tls", "registry-tls", "ca.crt"},
		"REGISTRY_VAULT_CACERT":       {"vault-ca", "vault-ca", "ca.crt"},
	} {
		checkSecretFile(t, pod, reg, env[name].Value, want.volume, want.secret, want.key)
	}

	// The plan file.
	path := env["REGISTRY_TOKEN_CONFIG"].Value
	m := mountAt(reg, filepath.Dir(path))
	if m == nil || !m.ReadOnly {
		t.Fatalf("REGISTRY_TOKEN_CONFIG %q: no read-only mount at its directory", path)
	}
	v := volume(pod, m.Name)
	if v == nil || v.ConfigMap == nil || len(r.configMaps) != 2 || r.configMap(v.ConfigMap.Name) == nil {
		t.Fatalf("token config volume %+v, ConfigMaps %d", v, len(r.configMaps))
	}
	if got, want := r.configMap(v.ConfigMap.Name).Data[filepath.Base(path)], vals["tokenService"].(map[string]any)["config"]; got != want {
		t.Errorf("plan file = %q, want %q", got, want)
	}

	// The authorization policy: its files in a ConfigMap mounted read-only
	// at the directory REGISTRY_AUTHZ_POLICY names.
	policyDir := env["REGISTRY_AUTHZ_POLICY"].Value
	m = mountAt(reg, policyDir)
	if policyDir == "" || m == nil || !m.ReadOnly {
		t.Fatalf("REGISTRY_AUTHZ_POLICY %q: no read-only mount there", policyDir)
	}
	if v = volume(pod, m.Name); v == nil || v.ConfigMap == nil || r.configMap(v.ConfigMap.Name) == nil {
		t.Fatalf("policy volume %+v", v)
	}
	files := vals["authzPolicy"].(map[string]any)["files"].(map[string]any)
	got := r.configMap(v.ConfigMap.Name).Data
	if len(got) != len(files) {
		t.Errorf("policy ConfigMap holds %d files, want %d", len(got), len(files))
	}
	dir := t.TempDir()
	for name, src := range files {
		if got[name] != src {
			t.Errorf("policy file %s = %q, want %q", name, got[name], src)
		}
		if err := os.WriteFile(filepath.Join(dir, name), []byte(got[name]), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	// What the chart mounts is a policy registryd starts with.
	if _, err := policy.Load(t.Context(), policy.Config{Path: dir, Logger: slog.New(slog.DiscardHandler)}); err != nil {
		t.Errorf("the rendered policy: %v", err)
	}

	// Optional objects.
	if len(r.serviceMonitors) != 1 {
		t.Fatalf("ServiceMonitors: %d", len(r.serviceMonitors))
	}
	sm := r.serviceMonitors[0]
	if len(sm.Spec.Endpoints) != 1 || sm.Spec.Endpoints[0].Path != "/metrics" || sm.Spec.Endpoints[0].Port != "http" || sm.Spec.Endpoints[0].Scheme != "https" {
		t.Errorf("ServiceMonitor endpoints %+v", sm.Spec.Endpoints)
	}
	if sm.Metadata.Labels["release"] != "prometheus" || !mapsContain(sm.Spec.Selector.MatchLabels, sts.Spec.Selector.MatchLabels) {
		t.Errorf("ServiceMonitor labels %v selector %v", sm.Metadata.Labels, sm.Spec.Selector.MatchLabels)
	}
	if len(r.networkPolicies) != 1 {
		t.Fatalf("NetworkPolicies: %d", len(r.networkPolicies))
	}
	np := r.networkPolicies[0].Spec
	if !slices.Equal(np.PolicyTypes, []networkingv1.PolicyType{networkingv1.PolicyTypeIngress, networkingv1.PolicyTypeEgress}) {
		t.Errorf("policyTypes %v", np.PolicyTypes)
	}
	if len(np.Ingress) != 1 || len(np.Ingress[0].From) != 2 || np.Ingress[0].Ports[0].Port.String() != "http" {
		t.Errorf("ingress %+v", np.Ingress)
	}
	if len(np.Egress) != 4 || np.Egress[0].Ports[0].Port.IntValue() != 53 {
		t.Errorf("egress %+v, want DNS and the three given", np.Egress)
	}
	if !mapsContain(np.PodSelector.MatchLabels, sts.Spec.Selector.MatchLabels) {
		t.Errorf("NetworkPolicy selects %v", np.PodSelector.MatchLabels)
	}
	if reg.Image != "registry.example.com/hypo/registry@"+vals["image"].(map[string]any)["digest"].(string) {
		t.Errorf("image %q, want the digest", reg.Image)
	}
	if !strings.Contains(r.notes, "https://"+fullname) {
		t.Errorf("NOTES.txt does not give the https address:\n%s", r.notes)
	}
}

type keyFile struct{ secret, key string }

// checkKeyFiles checks each variable names a file of the in-memory key
// volume, mounted read-only into registryd, copied by the init container
// from a read-only projection of the named Secret key.
func checkKeyFiles(t *testing.T, pod *corev1.PodSpec, want map[string]keyFile) {
	t.Helper()
	reg := container(t, pod, "registryd")
	env := envByName(reg)
	if len(pod.InitContainers) != 1 {
		t.Fatalf("init containers: %d, want the key-file copy", len(pod.InitContainers))
	}
	initC := &pod.InitContainers[0]
	src := volume(pod, "key-files-src")
	dst := volume(pod, "key-files")
	if src == nil || src.Projected == nil || dst == nil || dst.EmptyDir == nil || dst.EmptyDir.Medium != corev1.StorageMediumMemory {
		t.Fatalf("key volumes: source %+v, copy %+v", src, dst)
	}
	if src.Projected.DefaultMode == nil || *src.Projected.DefaultMode != 0o400 {
		t.Errorf("key sources mode %v, want 0400", src.Projected.DefaultMode)
	}
	var srcMount, dstMount *corev1.VolumeMount
	for i, m := range initC.VolumeMounts {
		switch m.Name {
		case src.Name:
			srcMount = &initC.VolumeMounts[i]
		case dst.Name:
			dstMount = &initC.VolumeMounts[i]
		}
	}
	if srcMount == nil || !srcMount.ReadOnly || dstMount == nil {
		t.Fatalf("init container mounts %+v: want the sources read-only and the copy", initC.VolumeMounts)
	}
	script := strings.Join(initC.Command, " ")
	if !strings.Contains(script, "umask 077") || !strings.Contains(script, srcMount.MountPath+"/*") || !strings.Contains(script, dstMount.MountPath+"/") {
		t.Errorf("copy script %q: want a 0600 copy of %s into %s", script, srcMount.MountPath, dstMount.MountPath)
	}
	regMount := mountAt(reg, dstMount.MountPath)
	if regMount == nil || regMount.Name != dst.Name || !regMount.ReadOnly {
		t.Fatalf("registryd mount of the keys: %+v, want %s read-only at %s", regMount, dst.Name, dstMount.MountPath)
	}
	for name, w := range want {
		path := env[name].Value
		if filepath.Dir(path) != regMount.MountPath {
			t.Errorf("%s = %q, not in %s", name, path, regMount.MountPath)
			continue
		}
		found := false
		for _, s := range src.Projected.Sources {
			if s.Secret == nil || s.Secret.Name != w.secret {
				continue
			}
			for _, it := range s.Secret.Items {
				if it.Key == w.key && it.Path == filepath.Base(path) {
					found = true
				}
			}
		}
		if !found {
			t.Errorf("%s = %q: no projection of Secret %s key %s to %s", name, path, w.secret, w.key, filepath.Base(path))
		}
	}
}

// checkSecretFile checks path is a file of a Secret volume mounted read-only.
func checkSecretFile(t *testing.T, pod *corev1.PodSpec, c *corev1.Container, path, volName, secret, key string) {
	t.Helper()
	m := mountAt(c, filepath.Dir(path))
	if m == nil || m.Name != volName || !m.ReadOnly {
		t.Errorf("%s: mount %+v, want volume %s read-only", path, m, volName)
		return
	}
	v := volume(pod, volName)
	if v == nil || v.Secret == nil || v.Secret.SecretName != secret {
		t.Errorf("%s: volume %+v, want Secret %s", path, v, secret)
		return
	}
	for _, it := range v.Secret.Items {
		if it.Key == key && it.Path == filepath.Base(path) {
			return
		}
	}
	t.Errorf("%s: Secret %s key %s is not projected there (%+v)", path, secret, key, v.Secret.Items)
}

// TestInlineSecrets: values given inline (development) go into a Secret the
// chart makes, copied as key files like existing ones.
func TestInlineSecrets(t *testing.T) {
	r := mustRender(t, nil, map[string]any{
		"vault":            map[string]any{"addr": "http://vault:8200", "adminToken": map[string]any{"value": "s.dev-admin"}},
		"terminalTokenKey": map[string]any{"value": "-----BEGIN PRIVATE KEY-----\n…\n-----END PRIVATE KEY-----\n"},
	})
	checkHardened(t, r, corev1.URISchemeHTTP)
	if len(r.secrets) != 1 {
		t.Fatalf("Secrets: %d, want the chart's one", len(r.secrets))
	}
	s := r.secrets[0]
	if s.StringData["token"] != "s.dev-admin" || s.StringData["terminal-signing.key"] == "" || len(s.StringData) != 2 {
		t.Errorf("Secret data keys %v", slices.Sorted(mapsKeys(s.StringData)))
	}
	pod := &r.statefulSet(t).Spec.Template.Spec
	checkKeyFiles(t, pod, map[string]keyFile{
		"REGISTRY_VAULT_ADMIN_TOKEN_FILE":  {s.Name, "token"},
		"REGISTRY_TERMINAL_TOKEN_KEY_PATH": {s.Name, "terminal-signing.key"},
	})
	env := envByName(container(t, pod, "registryd"))
	if _, ok := env["REGISTRY_TOKEN_SIGNING_KEY_PATH"]; ok {
		t.Error("REGISTRY_TOKEN_SIGNING_KEY_PATH set without a signing key")
	}
	if !strings.Contains(r.notes, "WARNING: secret values were given inline") {
		t.Errorf("NOTES.txt does not warn of inline secrets:\n%s", r.notes)
	}
}

func mapsKeys(m map[string]string) func(func(string) bool) {
	return func(yield func(string) bool) {
		for k := range m {
			if !yield(k) {
				return
			}
		}
	}
}

// TestLint runs helm lint's rules (Chart.yaml, values, templates, YAML
// structure, deprecated APIs) for the default and the production values;
// anything above INFO fails.
func TestLint(t *testing.T) {
	prod, err := common.ReadValuesFile(productionFile)
	if err != nil {
		t.Fatal(err)
	}
	for name, vals := range map[string]map[string]any{"default": {}, "production": prod} {
		l := lint.RunAll(chartDir, vals, namespace)
		for _, m := range l.Messages {
			if m.Severity > support.InfoSev {
				t.Errorf("%s values: %s", name, m)
			} else {
				t.Logf("%s values: %s", name, m)
			}
		}
	}
}

// TestRejected: what the schema and the templates refuse, with an error
// that says why.
func TestRejected(t *testing.T) {
	for _, tc := range []struct {
		name      string
		overrides map[string]any
		want      string
	}{
		{"unknown top-level key", map[string]any{"replicas": 3}, "replicas"},
		{"bad type", map[string]any{"replicaCount": "three"}, "replicaCount"},
		{"unknown nested key", map[string]any{"vault": map[string]any{"address": "http://vault:8200"}}, "address"},
		{"unknown setting", map[string]any{"config": map[string]any{"REGISTRY_NO_SUCH_SETTING": "x"}}, "REGISTRY_NO_SUCH_SETTING"},
		{"setting the chart manages", map[string]any{"config": map[string]any{"REGISTRY_DATA_DIR": "/tmp"}}, "REGISTRY_DATA_DIR"},
		{"setting that is not a string", map[string]any{"config": map[string]any{"REGISTRY_AUTH_BASIC": true}}, "REGISTRY_AUTH_BASIC"},
		{"bad probe", map[string]any{"readinessProbe": map[string]any{"periodSeconds": -1}}, "periodSeconds"},
		{"PFX password without a Secret", map[string]any{"tokenService": map[string]any{"signingKey": map[string]any{"value": "x", "passwordKey": "password"}}}, "passwordKey needs tokenService.signingKey.existingSecret"},
		{"replicas without Vault and Kafka", map[string]any{"replicaCount": 2}, "replicaCount > 1 needs vault.addr and kafka.brokers"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := renderChart(nil, tc.overrides)
			if err == nil {
				t.Fatalf("rendered %v", tc.overrides)
			}
			t.Logf("refused: %v", err)
			if !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error %q does not name %q", err, tc.want)
			}
		})
	}
}

// TestEverySettingHasAPlace: each REGISTRY_* variable registryd reads is set
// by the chart, settable under config (values.schema.json), or deliberately
// left out, and the schema names no variable registryd does not read. A new
// variable fails here until the chart knows it.
func TestEverySettingHasAPlace(t *testing.T) {
	read := registrydVariables(t)
	b, err := os.ReadFile(filepath.Join(chartDir, "values.schema.json"))
	if err != nil {
		t.Fatal(err)
	}
	var schema struct {
		Properties struct {
			Config struct {
				PropertyNames struct {
					Enum []string `json:"enum"`
				} `json:"propertyNames"`
			} `json:"config"`
		} `json:"properties"`
	}
	if err := json.Unmarshal(b, &schema); err != nil {
		t.Fatal(err)
	}
	place := map[string]string{}
	claim := func(name, where string) {
		if prev, ok := place[name]; ok {
			t.Errorf("%s is both %s and %s", name, prev, where)
		}
		place[name] = where
	}
	for _, n := range schema.Properties.Config.PropertyNames.Enum {
		claim(n, "config")
	}
	for n := range structured {
		claim(n, "structured")
	}
	for _, n := range managed {
		claim(n, "managed")
	}
	for _, n := range leftOut {
		claim(n, "left out")
	}
	for _, n := range read {
		if _, ok := place[n]; !ok {
			t.Errorf("%s: read by registryd but unknown to the chart (add it to config's names in values.schema.json)", n)
		}
	}
	for n := range place {
		if !slices.Contains(read, n) {
			t.Errorf("%s: known to the chart but not read by registryd", n)
		}
	}
	if len(read) < 90 {
		t.Errorf("found only %d variables in registryd's source: the scan is broken", len(read))
	}
}

// registrydVariables scans registryd's configuration source for the names of
// the variables it reads.
func registrydVariables(t *testing.T) []string {
	t.Helper()
	re := regexp.MustCompile(`"(REGISTRY_[A-Z0-9_]*[A-Z0-9])"`)
	seen := map[string]bool{}
	for _, dir := range []string{"../../cmd/registryd", "../../internal/app"} {
		files, err := filepath.Glob(filepath.Join(dir, "*.go"))
		if err != nil || len(files) == 0 {
			t.Fatalf("%s: %v", dir, err)
		}
		for _, f := range files {
			if strings.HasSuffix(f, "_test.go") {
				continue
			}
			b, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			for _, m := range re.FindAllSubmatch(b, -1) {
				seen[string(m[1])] = true
			}
		}
	}
	names := slices.Sorted(func(yield func(string) bool) {
		for n := range seen {
			if !yield(n) {
				return
			}
		}
	})
	return names
}
