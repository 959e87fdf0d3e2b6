package rest_test

import (
	"context"
	"encoding/base64"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/MicahParks/keyfunc/v3"
	"github.com/golang-jwt/jwt/v5"

	"github.com/hypo-registry/registry/events"
	"github.com/hypo-registry/registry/handlers"
	"github.com/hypo-registry/registry/internal/bus"
	"github.com/hypo-registry/registry/testkit"
)

// flowKubeconfig is a kubeconfig with a distinctive token and server, so a
// test can tell neither left the store.
const flowKubeconfig = `apiVersion: v1
kind: Config
clusters:
- name: edge
  cluster:
    server: https://edge-7f3a.k8s.example.com:6443
contexts:
- name: admin@edge
  context:
    cluster: edge
    user: admin
current-context: admin@edge
users:
- name: admin
  user:
    token: flow-kc-token-91d2
`

// storeKubeconfig stores a kubeconfig on the registry's real bus, as the
// Kafka ingress will: there is no REST route for it (seed 000).
func storeKubeconfig(t *testing.T, reg *testkit.Registry, subject, tenant, serviceID, scope string) {
	t.Helper()
	caller := handlers.Caller{Subject: subject + "@" + tenant, Tenant: tenant, Token: reg.Token(t, subject, tenant)}
	cmd := &handlers.StoreKubeconfig{Auth: handlers.Auth{Caller: caller}, ServiceID: serviceID, Scope: scope, KubeconfigYAML: []byte(flowKubeconfig)}
	reply, err := reg.Bus().Send(context.Background(), cmd, bus.Envelope{Tenant: tenant})
	if err == nil {
		err = reply.Error.Err()
	}
	if err != nil {
		t.Fatalf("store kubeconfig %s (%s): %v", serviceID, scope, err)
	}
}

type kubeconfigEntry struct {
	ServiceID   string    `json:"serviceId"`
	Scope       string    `json:"scope"`
	Version     int       `json:"version"`
	UpdatedTime time.Time `json:"updatedTime"`
}

func TestKubeConf(t *testing.T) {
	t.Parallel()
	onEveryBackend(t, testKubeConf)
}

func testKubeConf(t *testing.T, reg *testkit.Registry) {
	tenant, other := reg.Tenant(t), reg.Tenant(t)
	tok := reg.Token(t, "alice", tenant, "developer")
	base := reg.URL + "/registry-api/kube-conf"
	storeKubeconfig(t, reg, "sonata", tenant, "svc-cluster", "CLUSTER")
	storeKubeconfig(t, reg, "sonata", tenant, "svc-sa", "NAMESPACE_SA")
	storeKubeconfig(t, reg, "sonata", other, "svc-other", "")

	list := testkit.Do(t, http.MethodGet, base+"/secrets", tok, nil)
	if list.Status != http.StatusOK {
		t.Fatalf("GET secrets: status %d, body %s", list.Status, list.Body)
	}
	b64 := base64.StdEncoding.EncodeToString([]byte(flowKubeconfig))
	for _, secret := range []string{b64, "flow-kc-token-91d2", "edge-7f3a"} {
		if strings.Contains(string(list.Body), secret) {
			t.Errorf("the list holds kubeconfig content %q: %s", secret, list.Body)
		}
	}
	var entries []kubeconfigEntry
	list.JSON(t, &entries)
	if len(entries) != 2 || entries[0].ServiceID != "svc-cluster" || entries[0].Scope != "CLUSTER" ||
		entries[1].ServiceID != "svc-sa" || entries[1].Scope != "NAMESPACE_SA" ||
		entries[0].Version != 1 || entries[1].Version != 1 || entries[0].UpdatedTime.IsZero() {
		t.Errorf("list = %+v, want svc-cluster (CLUSTER) and svc-sa (NAMESPACE_SA), version 1, not %s's", entries, other)
	}

	issued := testkit.Do(t, http.MethodGet, base+"/token/svc-sa/term-1", tok, nil)
	if issued.Status != http.StatusOK {
		t.Fatalf("GET token: status %d, body %s", issued.Status, issued.Body)
	}
	if cc := issued.Header.Get("Cache-Control"); cc != "no-store" {
		t.Errorf("Cache-Control on a token = %q, want no-store", cc)
	}
	var reply struct {
		Token     string    `json:"token"`
		ExpiresAt time.Time `json:"expiresAt"`
		TokenType string    `json:"tokenType"`
	}
	issued.JSON(t, &reply)
	if reply.TokenType != "Bearer" {
		t.Errorf("tokenType = %q", reply.TokenType)
	}
	claims := verifyTerminalToken(t, reg.URL, reply.Token)
	for k, want := range map[string]any{
		"iss": "urn:hypo:registry", "sub": "alice@" + tenant, "tenant": tenant, "serviceId": "svc-sa",
		"id": "term-1", "scope": "NAMESPACE_SA", "kcv": float64(1), "exp": float64(reply.ExpiresAt.Unix()),
	} {
		if claims[k] != want {
			t.Errorf("claim %s = %v, want %v", k, claims[k], want)
		}
	}
	iat, _ := claims.GetIssuedAt()
	exp, _ := claims.GetExpirationTime()
	if iat == nil || exp == nil || exp.Sub(iat.Time) != 5*time.Minute || claims["jti"] == "" || claims["jti"] == nil {
		t.Errorf("iat %v, exp %v, jti %v: want a 5 minute token with a jti", iat, exp, claims["jti"])
	}

	for _, path := range []string{"/token/missing/term-1", "/token/svc-other/term-1"} {
		if r := testkit.Do(t, http.MethodGet, base+path, tok, nil); r.Status != http.StatusNotFound {
			t.Errorf("GET %s: status %d, want 404; body %s", path, r.Status, r.Body)
		}
	}
	if r := testkit.Do(t, http.MethodGet, base+"/token/svc-sa/term-1", "", nil); r.Status != http.StatusUnauthorized {
		t.Errorf("GET token without a bearer token: status %d, want 401", r.Status)
	}
	assertAudited(t, reg, tenant, []string{events.KubeconfigStored, events.KubeconfigsListed, events.TerminalTokenIssued},
		b64, "flow-kc-token-91d2", reply.Token)
	for _, secret := range []string{b64, "flow-kc-token-91d2", reply.Token} {
		if strings.Contains(string(reg.Logs.Bytes()), secret) {
			t.Errorf("the service log holds %q", secret)
		}
	}
}

// verifyTerminalToken checks raw against the JWKS the registry serves,
// unauthenticated, as a terminal gateway would, and returns its claims.
func verifyTerminalToken(t *testing.T, baseURL, raw string) jwt.MapClaims {
	t.Helper()
	jwks := testkit.Do(t, http.MethodGet, baseURL+"/registry-api/kube-conf/jwks.json", "", nil)
	if jwks.Status != http.StatusOK {
		t.Fatalf("GET jwks.json: status %d, body %s", jwks.Status, jwks.Body)
	}
	kf, err := keyfunc.NewJWKSetJSON(jwks.Body)
	if err != nil {
		t.Fatalf("the served JWKS does not load: %v", err)
	}
	claims := jwt.MapClaims{}
	tok, err := jwt.ParseWithClaims(raw, claims, kf.Keyfunc, jwt.WithValidMethods([]string{"ES256"}),
		jwt.WithAudience("terminal"), jwt.WithIssuer("urn:hypo:registry"), jwt.WithExpirationRequired())
	if err != nil {
		t.Fatalf("the terminal token does not verify with the served JWKS: %v", err)
	}
	if kid, _ := tok.Header["kid"].(string); kid == "" {
		t.Errorf("token header has no kid: %v", tok.Header)
	}
	return claims
}
