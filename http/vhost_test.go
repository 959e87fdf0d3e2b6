package rest_test

import (
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/hypo-registry/registry/handlers/vhost"
	"github.com/hypo-registry/registry/handlers/vhost/vhosttest"
	rest "github.com/hypo-registry/registry/http"
	"github.com/hypo-registry/registry/internal/security/auth"
	"github.com/hypo-registry/registry/testkit"
)

// vhostServer is the REST facade with the virtual-host routes over a real
// bus, projection and store (vhosttest), tokens from a real OIDC issuer.
type vhostServer struct {
	url  string
	h    *vhosttest.Harness
	oidc *testkit.OIDC
}

func startVHostServer(t *testing.T, anonymous bool) *vhostServer {
	t.Helper()
	return startVHostServerWith(t, anonymous, vhost.Config{})
}

// startVHostServerWith is startVHostServer on cfg, the adapter copying the
// claims cfg's owner types name, as registryd wires it.
func startVHostServerWith(t *testing.T, anonymous bool, cfg vhost.Config) *vhostServer {
	t.Helper()
	h := vhosttest.Start(t, vhosttest.Options{Config: cfg})
	oidc := testkit.StartOIDC(t, testkit.Audience)
	verifier, err := auth.NewVerifier(t.Context(), auth.Config{Issuer: oidc.URL, Audience: testkit.Audience})
	if err != nil {
		t.Fatal(err)
	}
	reg := prometheus.NewRegistry()
	srv, err := rest.New(rest.Deps{
		Bus: h.Bus, Queries: h.Bus, Verifier: verifier, Logger: slog.New(slog.NewTextHandler(io.Discard, nil)),
		LogLevel: new(slog.LevelVar), Metrics: reg, Gatherer: reg,
	})
	if err != nil {
		t.Fatal(err)
	}
	deps := rest.VirtualHostDeps{Queries: h.Handlers.Queries(), Sync: h.Sync, AnonymousRead: anonymous, OwnerClaims: h.Handlers.Config().OwnerClaims()}
	if err := srv.MountVirtualHosts(deps); err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewServer(srv)
	t.Cleanup(ts.Close)
	return &vhostServer{url: ts.URL + rest.VirtualHostPrefix, h: h, oidc: oidc}
}

// wantVHError checks seed 004's error body and status.
func wantVHError(t *testing.T, r testkit.Response, status int, what string) {
	t.Helper()
	if r.Status != status {
		t.Fatalf("%s: status %d, want %d; body %s", what, r.Status, status, r.Body)
	}
	var body struct {
		Error struct {
			Description string `json:"description"`
		} `json:"error"`
	}
	r.JSON(t, &body)
	if body.Error.Description == "" || r.Header.Get("Content-Type") != "application/json" {
		t.Fatalf("%s: not seed 004's error body: %s", what, r.Body)
	}
}

const secureBody = `{"virtualHost":{"name":"ssltest.example.com","owner":["user:alice","group:ops"],
	"securityData":{"SelfSignedSSL":{"alias":"ssltest.example.com","dname":"CN=ssltest.example.com, OU=Unknown, O=Unknown","validity":1825}}}}`

func TestVirtualHostsREST(t *testing.T) {
	t.Parallel()
	s := startVHostServer(t, false)
	alice := s.oidc.Token(t, "alice", []string{"acme"}, "developer")
	bob := s.oidc.Token(t, "bob", []string{"acme", "/ops"}, "developer")
	mallory := s.oidc.Token(t, "mallory", []string{"acme"}, "developer")
	root := s.oidc.Token(t, "root", []string{"acme"}, "platform-admin")
	do := func(method, path, tok, body string) testkit.Response {
		t.Helper()
		var b []byte
		if body != "" {
			b = []byte(body)
		}
		return testkit.Do(t, method, s.url+path, tok, b)
	}

	if r := do(http.MethodGet, "/status", "", ""); r.Status != http.StatusOK || string(r.Body) != "OK" {
		t.Fatalf("status: %d %q", r.Status, r.Body)
	}
	wantVHError(t, do(http.MethodGet, "/virtualHost", "", ""), http.StatusUnauthorized, "list without a token")

	created := do(http.MethodPost, "/virtualHost", alice, secureBody)
	if created.Status != http.StatusOK {
		t.Fatalf("create: %d %s", created.Status, created.Body)
	}
	var private vhost.HostReply
	created.JSON(t, &private)
	ssl := private.VirtualHost.SecurityData.SelfSignedSSL
	if ssl.Password == "" || ssl.PKCS12 == "" || ssl.Alias != "ssltest.example.com" || !strings.HasPrefix(ssl.Cert, "-----BEGIN CERTIFICATE-----\n") {
		t.Fatalf("create reply is not the private view: %s", created.Body)
	}
	if ssl.DName != "CN=ssltest.example.com, OU=Unknown, O=Unknown" || ssl.Validity != 1825 {
		t.Fatalf("create reply lacks the dname and validity of seed 004's example response: %s", created.Body)
	}
	if r := do(http.MethodPost, "/virtualHost", alice, `{"name":"plain.example.com","scheme":"http","port":8080,"serverTimeoutSecs":60}`); r.Status != http.StatusOK {
		t.Fatalf("create bare form: %d %s", r.Status, r.Body)
	}

	for _, tt := range []struct {
		name, method, path, tok, body string
		status                        int
	}{
		{"secure without owners", http.MethodPost, "/virtualHost", alice, `{"name":"a.example","securityData":{"SelfSignedSSL":{}}}`, 400},
		{"owners on an insecure host", http.MethodPost, "/virtualHost", alice, `{"name":"a.example","owner":["alice"]}`, 400},
		{"secure, caller not an owner", http.MethodPost, "/virtualHost", mallory, `{"name":"a.example","owner":["alice"],"securityData":{"SelfSignedSSL":{}}}`, 403},
		{"unknown plugin", http.MethodPost, "/virtualHost", alice, `{"name":"a.example","owner":["alice"],"securityData":{"YCA":{}}}`, 400},
		{"name taken", http.MethodPost, "/virtualHost", bob, `{"name":"plain.example.com"}`, 409},
		{"both forms", http.MethodPost, "/virtualHost", alice, `{"name":"a.example","virtualHost":{"name":"b.example"}}`, 400},
		{"unknown field", http.MethodPost, "/virtualHost", alice, `{"name":"a.example","colour":"red"}`, 400},
		{"not JSON", http.MethodPost, "/virtualHost", alice, `{`, 400},
		{"port as a string", http.MethodPost, "/virtualHost", alice, `{"name":"a.example","port":"80"}`, 400},
		{"unknown host", http.MethodGet, "/virtualHost/nope.example", alice, "", 404},
		{"servers of an unknown host", http.MethodGet, "/virtualHost/nope.example/server", alice, "", 404},
		{"heartbeat without host", http.MethodPut, "/virtualHost/plain.example.com/server/s1", alice, `{"server":{}}`, 400},
		{"heartbeat with another serverId", http.MethodPut, "/virtualHost/plain.example.com/server/s1", alice, `{"server":{"serverId":"s2","host":"h"}}`, 400},
		{"non-owner heartbeats a secure host", http.MethodPut, "/virtualHost/ssltest.example.com/server/s1", mallory, `{"server":{"host":"h.example"}}`, 403},
		{"non-owner deletes a secure host", http.MethodDelete, "/virtualHost/ssltest.example.com", mallory, "", 403},
		{"cert of an insecure host", http.MethodGet, "/virtualHost/plain.example.com/SelfSignedSSL.cert", alice, "", 404},
		{"recrypt as non-admin", http.MethodGet, "/admin/virtualHostRecrypt", alice, "", 403},
		{"bad token", http.MethodGet, "/virtualHost", "not-a-jwt", "", 401},
		{"unknown route", http.MethodGet, "/nope", alice, "", 404},
		{"wrong method", http.MethodPatch, "/virtualHost", alice, "", 405},
	} {
		t.Run(tt.name, func(t *testing.T) {
			wantVHError(t, do(tt.method, tt.path, tt.tok, tt.body), tt.status, tt.name)
		})
	}
	if r := do(http.MethodPatch, "/virtualHost", alice, ""); r.Header.Get("Allow") != "GET, POST" {
		t.Errorf("405 Allow = %q, want GET, POST", r.Header.Get("Allow"))
	}

	var names vhost.NamesReply
	do(http.MethodGet, "/virtualHost", mallory, "").JSON(t, &names)
	if strings.Join(names.VirtualHostNames, ",") != "plain.example.com,ssltest.example.com" {
		t.Fatalf("names %v", names.VirtualHostNames)
	}

	// Views by caller.
	for _, c := range []struct {
		who, tok string
		private  bool
	}{{"alice", alice, true}, {"bob (group owner)", bob, true}, {"root (admin)", root, true}, {"mallory", mallory, false}} {
		var v vhost.HostReply
		r := do(http.MethodGet, "/virtualHost/ssltest.example.com", c.tok, "")
		r.JSON(t, &v)
		got := v.VirtualHost.SecurityData.SelfSignedSSL
		if (got.Password != "") != c.private || (got.PKCS12 != "") != c.private || got.Cert != ssl.Cert {
			t.Errorf("%s: view %s, want private %v", c.who, r.Body, c.private)
		}
	}
	cert := do(http.MethodGet, "/virtualHost/ssltest.example.com/SelfSignedSSL.cert", mallory, "")
	if cert.Status != http.StatusOK || string(cert.Body) != ssl.Cert {
		t.Fatalf("SelfSignedSSL.cert: %d %s", cert.Status, cert.Body)
	}

	// Servers: heartbeat, list, get, liveness, yfor_config, delete.
	hb := do(http.MethodPut, "/virtualHost/plain.example.com/server/server1", bob, `{"server":{"host":"myhost","port":9000}}`)
	var put vhost.ServerReply
	hb.JSON(t, &put)
	if hb.Status != http.StatusOK || put.Server.ID != "server1" || put.Server.HB != s.h.Clock.Now().UnixMilli() {
		t.Fatalf("heartbeat: %d %s", hb.Status, hb.Body)
	}
	if r := do(http.MethodPut, "/virtualHost/ssltest.example.com/server/s1", bob, `{"host":"10.0.0.7"}`); r.Status != http.StatusOK {
		t.Fatalf("group owner heartbeats a secure host: %d %s", r.Status, r.Body)
	}
	var list vhost.ServersReply
	do(http.MethodGet, "/virtualHost/plain.example.com/server", mallory, "").JSON(t, &list)
	if len(list.Server) != 1 || list.Server[0] != put.Server {
		t.Fatalf("servers %+v, want %+v", list.Server, put.Server)
	}
	if r := do(http.MethodGet, "/virtualHost/plain.example.com/server/server1", mallory, ""); r.Status != http.StatusOK {
		t.Fatalf("get server: %d %s", r.Status, r.Body)
	}
	yfor := do(http.MethodGet, "/virtualHost/plain.example.com/ext/yahoo/yfor_config?ttl=1000&zone=a", mallory, "")
	if want := "name plain.example.com\nhost myhost\ncheck-type none\nmode all-active\nttl 1000\nzone a\n"; string(yfor.Body) != want {
		t.Fatalf("yfor_config: %d %q, want %q", yfor.Status, yfor.Body, want)
	}
	s.h.Clock.Advance(61 * time.Second) // the host's timeout is 60s
	do(http.MethodGet, "/virtualHost/plain.example.com/server", mallory, "").JSON(t, &list)
	if len(list.Server) != 0 {
		t.Fatalf("a stale server is listed: %+v", list.Server)
	}
	wantVHError(t, do(http.MethodGet, "/virtualHost/plain.example.com/server/server1", mallory, ""), 404, "stale server")
	if r := do(http.MethodDelete, "/virtualHost/plain.example.com/server/server1", bob, ""); r.Status != http.StatusNoContent {
		t.Fatalf("delete a stale server: %d %s", r.Status, r.Body)
	}

	// Recrypt, then delete.
	var recrypted vhost.RecryptReply
	rr := do(http.MethodGet, "/admin/virtualHostRecrypt", root, "")
	rr.JSON(t, &recrypted)
	if rr.Status != http.StatusOK || len(recrypted.Result) != 1 || recrypted.Result["ssltest.example.com"] != "OK" {
		t.Fatalf("recrypt: %d %s", rr.Status, rr.Body)
	}
	if r := do(http.MethodDelete, "/virtualHost/ssltest.example.com", alice, ""); r.Status != http.StatusNoContent {
		t.Fatalf("owner deletes: %d %s", r.Status, r.Body)
	}
	wantVHError(t, do(http.MethodGet, "/virtualHost/ssltest.example.com", alice, ""), 404, "deleted host")
	if strings.Contains(string(rr.Body), ssl.Password) {
		t.Fatal("recrypt reply holds a password")
	}
}

// TestVirtualHostsAnonymousRead: with anonymous read on, public data needs
// no token, private data and writes still do.
func TestVirtualHostsAnonymousRead(t *testing.T) {
	t.Parallel()
	s := startVHostServer(t, true)
	alice := s.oidc.Token(t, "alice", []string{"acme"}, "developer")
	if r := testkit.Do(t, http.MethodPost, s.url+"/virtualHost", alice, []byte(secureBody)); r.Status != http.StatusOK {
		t.Fatalf("create: %d %s", r.Status, r.Body)
	}
	for _, path := range []string{"/virtualHost", "/virtualHost/ssltest.example.com", "/virtualHost/ssltest.example.com/server",
		"/virtualHost/ssltest.example.com/SelfSignedSSL.cert", "/virtualHost/ssltest.example.com/ext/yahoo/yfor_config"} {
		r := testkit.Do(t, http.MethodGet, s.url+path, "", nil)
		if r.Status != http.StatusOK {
			t.Fatalf("anonymous GET %s: %d %s", path, r.Status, r.Body)
		}
		if strings.Contains(string(r.Body), `"password"`) || strings.Contains(string(r.Body), `"pkcs12"`) {
			t.Fatalf("anonymous GET %s shows private data", path)
		}
	}
	var v map[string]any
	testkit.Do(t, http.MethodGet, s.url+"/virtualHost/ssltest.example.com", "", nil).JSON(t, &v)
	raw, _ := json.Marshal(v)
	if !strings.Contains(string(raw), `"cert"`) {
		t.Fatalf("anonymous view lacks the public cert: %s", raw)
	}
	wantVHError(t, testkit.Do(t, http.MethodPut, s.url+"/virtualHost/ssltest.example.com/server/s1", "", []byte(`{"host":"h"}`)), 401, "anonymous heartbeat")
	wantVHError(t, testkit.Do(t, http.MethodGet, s.url+"/admin/virtualHostRecrypt", "", nil), 401, "anonymous recrypt")
}
