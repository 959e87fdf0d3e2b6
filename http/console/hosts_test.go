package console_test

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/hypo-registry/registry/handlers/vhost"
	"github.com/hypo-registry/registry/internal/security/oidcdev"
)

func TestVirtualHosts(t *testing.T) {
	t.Parallel()
	iss := startStandInIssuer(t)
	reg := consoleRegistry(t, iss)
	tenant := reg.Tenant(t)
	subject := "ops@" + tenant
	bearer, err := iss.Mint(oidcdev.Claims{Subject: subject, Groups: []string{tenant}})
	if err != nil {
		t.Fatal(err)
	}
	// Hosts and heartbeats arrive over the REST API, as services send them.
	rest := func(method, path, body string) {
		t.Helper()
		req, _ := http.NewRequest(method, reg.URL+"/registry/v1"+path, strings.NewReader(body))
		req.Header.Set("Authorization", "Bearer "+bearer)
		req.Header.Set("Content-Type", "application/json")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode >= 300 {
			t.Fatalf("%s %s: %d", method, path, resp.StatusCode)
		}
	}
	host := strings.ToLower(tenant) + ".console.example.com"
	rest(http.MethodPost, "/virtualHost", `{"virtualHost":{"name":"`+host+`","owner":["user:`+subject+`"],"serverTimeoutSecs":1,"securityData":{"SelfSignedSSL":{}}}}`)
	rest(http.MethodPut, "/virtualHost/"+host+"/server/s1", `{"server":{"host":"10.0.0.7","port":8080}}`)

	b := newBrowser(t, reg.URL)
	signIn(t, b, iss, subject, tenant)
	if p := b.get("/console/hosts"); p.StatusCode != http.StatusOK || !strings.Contains(p.body, `data-name="`+host+`"`) {
		t.Fatalf("hosts page %d:\n%s", p.StatusCode, p.body)
	}
	p := b.get("/console/hosts/" + host)
	if p.StatusCode != http.StatusOK || !strings.Contains(p.body, `data-server="s1" data-alive="true"`) ||
		!strings.Contains(p.body, `data-poll="/console/hosts/`+host+`/servers"`) {
		t.Fatalf("host page %d:\n%s", p.StatusCode, p.body)
	}

	servers := func() map[string]bool {
		t.Helper()
		p := b.get("/console/hosts/" + host + "/servers")
		var st vhost.ServersStatus
		if p.StatusCode != http.StatusOK || json.Unmarshal([]byte(p.body), &st) != nil {
			t.Fatalf("servers poll %d: %s", p.StatusCode, p.body)
		}
		alive := map[string]bool{}
		for _, s := range st.Servers {
			alive[s.ID] = s.Alive
		}
		return alive
	}
	// A new server's heartbeat shows in the poll; past the host's timeout
	// without one a server is stale, still listed.
	rest(http.MethodPut, "/virtualHost/"+host+"/server/s2", `{"server":{"host":"10.0.0.8","port":8080}}`)
	if got := servers(); !got["s1"] || !got["s2"] {
		t.Errorf("poll after s2's heartbeat: %v, want both alive", got)
	}
	time.Sleep(1100 * time.Millisecond)
	rest(http.MethodPut, "/virtualHost/"+host+"/server/s2", `{"server":{"host":"10.0.0.8","port":8080}}`)
	if got := servers(); got["s1"] || !got["s2"] || len(got) != 2 {
		t.Errorf("poll after s1 went quiet: %v, want s1 stale, s2 alive", got)
	}

	cert := b.get("/console/hosts/" + host + "/cert")
	if cert.StatusCode != http.StatusOK || !strings.HasPrefix(cert.body, "-----BEGIN CERTIFICATE-----") ||
		!strings.Contains(cert.Header.Get("Content-Disposition"), "attachment") {
		t.Errorf("certificate download %d %q:\n%s", cert.StatusCode, cert.Header.Get("Content-Disposition"), cert.body)
	}
	if strings.Contains(cert.body, "PRIVATE KEY") {
		t.Error("the certificate download holds a private key")
	}
	if p := b.get("/console/hosts/no-such-host.example.com"); p.StatusCode != http.StatusNotFound {
		t.Errorf("an unknown host: %d, want 404", p.StatusCode)
	}
}
