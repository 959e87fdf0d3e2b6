package rest_test

import (
	"bufio"
	"bytes"
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/hypo-registry/registry/internal/app"
	"github.com/hypo-registry/registry/testkit"
)

type accessLine struct {
	Level, Msg            string
	Method, Route, Tenant string
	Status                int
	DurationMS            *float64 `json:"duration_ms"`
	CorrelationID         string   `json:"correlation_id"`
}

// accessLines returns the access-log lines in logs.
func accessLines(t *testing.T, logs []byte) []accessLine {
	t.Helper()
	var out []accessLine
	sc := bufio.NewScanner(bytes.NewReader(logs))
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		var l accessLine
		if err := json.Unmarshal(sc.Bytes(), &l); err != nil {
			t.Fatalf("log line %q: %v", sc.Text(), err)
		}
		if l.Msg == "http request" {
			out = append(out, l)
		}
	}
	return out
}

// One INFO line per request, matched or not (a probe's at DEBUG), with the route template (not
// the path: it holds the secret's name), the caller's tenant once
// authenticated, and nothing of the credentials or the secret.
func TestAccessLogOneInfoLinePerRequest(t *testing.T) {
	reg := testkit.StartRegistry(t)
	tenant := reg.Tenant(t)
	tok := reg.Token(t, "dev", tenant, "developer")
	const name, password = "canary-name-5e1b", "canary-password-77d0"
	body := []byte(`{"username":"u","password":"` + password + `","url":"https://registry.example.com"}`)
	secretURL := reg.URL + "/registry-api/image-pull/secret/" + name

	mark := len(reg.Logs.Bytes())
	if r := testkit.Do(t, http.MethodPost, secretURL, tok, body, "X-Correlation-ID", "corr-create"); r.Status != http.StatusCreated {
		t.Fatalf("create: %d %s", r.Status, r.Body)
	}
	if r := testkit.Do(t, http.MethodGet, secretURL, tok, nil, "X-Correlation-ID", "corr-read"); r.Status != http.StatusOK || !bytes.Contains(r.Body, []byte(password)) {
		t.Fatalf("read: %d %s", r.Status, r.Body)
	}
	if r := testkit.Do(t, http.MethodGet, secretURL, "not-a-token", nil); r.Status != http.StatusUnauthorized {
		t.Fatalf("bad token: %d, want 401", r.Status)
	}
	// The virtual hosts authenticate with a wrapper of their own.
	if r := testkit.Do(t, http.MethodGet, reg.URL+"/registry/v1/virtualHost", tok, nil); r.Status != http.StatusOK {
		t.Fatalf("list virtual hosts: %d %s", r.Status, r.Body)
	}
	if r := testkit.Do(t, http.MethodGet, reg.URL+"/no/such/"+name, tok, nil); r.Status != http.StatusNotFound {
		t.Fatalf("unknown path: %d, want 404", r.Status)
	}
	// Probes and scrapes come every few seconds: DEBUG.
	if r := testkit.Do(t, http.MethodGet, reg.URL+"/readyz", "", nil); r.Status != http.StatusOK {
		t.Fatalf("readyz: %d", r.Status)
	}
	logs := reg.Logs.Bytes()
	const route = "/registry-api/image-pull/secret/{name}"
	want := []accessLine{
		{Method: "POST", Route: route, Status: http.StatusCreated, CorrelationID: "corr-create", Tenant: tenant},
		{Method: "GET", Route: route, Status: http.StatusOK, CorrelationID: "corr-read", Tenant: tenant},
		{Method: "GET", Route: route, Status: http.StatusUnauthorized},
		{Method: "GET", Route: "/registry/v1/virtualHost", Status: http.StatusOK, Tenant: tenant},
		{Method: "GET", Route: "unmatched", Status: http.StatusNotFound},
		{Level: "DEBUG", Method: "GET", Route: "/readyz", Status: http.StatusOK},
	}
	got := accessLines(t, logs[mark:])
	if len(got) != len(want) {
		t.Fatalf("%d access lines, want %d: %+v\n%s", len(got), len(want), got, logs[mark:])
	}
	for i, w := range want {
		g := got[i]
		if w.Level == "" {
			w.Level = "INFO"
		}
		if g.DurationMS == nil || *g.DurationMS < 0 {
			t.Errorf("line %d: duration_ms %v, want a duration", i, g.DurationMS)
		}
		g.Msg, g.DurationMS = "", nil
		if g != w {
			t.Errorf("line %d = %+v, want %+v", i, g, w)
		}
	}
	for _, canary := range []string{tok, "not-a-token", password, name, "Bearer", "Authorization"} {
		if strings.Contains(string(logs), canary) {
			t.Errorf("the logs hold %q", canary)
		}
	}
}

func TestAccessLogOff(t *testing.T) {
	reg := testkit.StartRegistry(t, func(c *app.Config) { c.NoAccessLog = true })
	tenant := reg.Tenant(t)
	tok := reg.Token(t, "dev", tenant, "developer")
	if r := testkit.Do(t, http.MethodGet, reg.URL+"/registry-api/image-pull/secrets", tok, nil); r.Status != http.StatusOK {
		t.Fatalf("list: %d %s", r.Status, r.Body)
	}
	testkit.Do(t, http.MethodGet, reg.URL+"/no/such/path", "", nil)
	// The registry's logger is at DEBUG: off means off at every level, the
	// readiness polls of its start included.
	if got := accessLines(t, reg.Logs.Bytes()); len(got) != 0 {
		t.Errorf("%d access lines with the access log off: %+v", len(got), got)
	}
}
