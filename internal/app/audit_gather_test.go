package app_test

import (
	"context"
	"net/http"
	"net/url"
	"testing"
	"time"

	"github.com/hypo-registry/registry/internal/app"
	"github.com/hypo-registry/registry/testkit"
)

// Every GET and HEAD is announced to the audit as it arrives, and the
// announcement must end with the request whether or not it asked a query:
// one left behind would hold every later batch open for the commit delay.
// With a delay of 30 seconds, a lone request after each kind of GET (a read,
// a refused read, a list, /token, a probe, a HEAD, a path no route serves)
// is answered only if no announcement outlived its request.
func TestReadAnnouncementsEndWithTheirRequests(t *testing.T) {
	t.Parallel()
	reg := testkit.StartRegistry(t, withTokenService, func(c *app.Config) { c.Audit.CommitDelay = 30 * time.Second; app.HoldAuditAlways(c) })
	tenant := reg.Tenant(t)
	alice := reg.Token(t, "alice", tenant, "developer")
	base := reg.URL + "/registry-api/image-pull/secret/"
	if r := testkit.Do(t, http.MethodPost, base+"app", alice, []byte(`{"username":"u","password":"p","url":"https://r.example.com"}`)); r.Status != http.StatusCreated {
		t.Fatalf("POST: %d %s", r.Status, r.Body)
	}
	// The create's events reach the audit log on their own; wait for them
	// so that every request below is alone in its batch.
	if err := reg.Service.WaitAudit(context.Background()); err != nil {
		t.Fatal(err)
	}
	token := reg.URL + "/token?" + url.Values{"service": {"registry"}, "scope": {"repository:" + tenant + "/app:pull"}}.Encode()
	client := &http.Client{Timeout: 10 * time.Second}
	for _, step := range []struct {
		method, url string
		want        int
	}{
		{http.MethodGet, base + "app", http.StatusOK},
		{http.MethodGet, base + "missing", http.StatusNotFound},
		{http.MethodGet, reg.URL + "/registry-api/image-pull/secrets", http.StatusOK},
		{http.MethodGet, token, http.StatusOK},
		{http.MethodGet, reg.URL + "/healthz", http.StatusOK},
		{http.MethodHead, base + "app", http.StatusMethodNotAllowed},
		{http.MethodGet, reg.URL + "/no/such/route", http.StatusNotFound},
		{http.MethodGet, base + "app", http.StatusOK},
	} {
		req, _ := http.NewRequest(step.method, step.url, nil)
		req.Header.Set("Authorization", "Bearer "+alice)
		resp, err := client.Do(req)
		if err != nil {
			t.Fatalf("%s %s: %v (an announcement outlived its request?)", step.method, step.url, err)
		}
		resp.Body.Close()
		if resp.StatusCode != step.want {
			t.Fatalf("%s %s: %d, want %d", step.method, step.url, resp.StatusCode, step.want)
		}
	}
}
