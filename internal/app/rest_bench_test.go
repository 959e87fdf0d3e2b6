package app_test

import (
	"bytes"
	"fmt"
	"net/http"
	"testing"

	"github.com/hypo-registry/registry/internal/app"
	"github.com/hypo-registry/registry/testkit"
)

// BenchmarkRESTGet is the image-pull GET of cmd/registrybench, one request
// at a time, client and registry in this process: its allocations and CPU
// per operation (cpu-µs/op; and a CPU profile with -cpuprofile) are the
// path's cost with the client's share, which is fixed. Sub-benchmarks: the embedded store,
// and Vault (the shared dev server; the time then includes Vault's).
func BenchmarkRESTGet(b *testing.B) {
	for _, backend := range []testkit.Backend{testkit.Embedded, {Name: "vault", Vault: true}} {
		b.Run(backend.Name, func(b *testing.B) { benchRESTGet(b, backend) })
	}
	// The shipped authorization policies loaded (ratios.restGetWithPolicy).
	b.Run("embedded-policy", func(b *testing.B) {
		benchRESTGet(b, testkit.Embedded, func(c *app.Config) { c.Policy.Path = "../../deploy/policies" })
	})
}

func benchRESTGet(b *testing.B, backend testkit.Backend, configure ...func(*app.Config)) {
	reg := testkit.StartRegistryOn(b, backend, configure...)
	tenant := reg.Tenant(b)
	alice := reg.Token(b, "alice", tenant, "developer")
	url := reg.URL + "/registry-api/image-pull/secret/app"
	if r := testkit.Do(b, http.MethodPost, url, alice, []byte(`{"username":"u","password":"p","url":"https://r.example.com"}`)); r.Status != http.StatusCreated {
		b.Fatalf("POST: %d %s", r.Status, r.Body)
	}
	benchGET(b, url, alice, func([]byte) bool { return true })
}

// benchGET sends GET url with a bearer token one request at a time for the
// benchmark's loop, each answer a 200 whose body passes ok, and reports
// allocations and cpu-µs/op.
func benchGET(b *testing.B, url, token string, ok func(body []byte) bool) {
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 1}}
	req, _ := http.NewRequest(http.MethodGet, url, nil)
	req.Header.Set("Authorization", "Bearer "+token)
	var body bytes.Buffer
	b.ReportAllocs()
	defer testkit.ReportCPU(b)()
	for b.Loop() {
		resp, err := client.Do(req)
		if err != nil {
			b.Fatal(err)
		}
		body.Reset()
		_, _ = body.ReadFrom(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK || !ok(body.Bytes()) {
			b.Fatalf("GET: %d %s", resp.StatusCode, body.Bytes())
		}
	}
}

// BenchmarkRESTList is the package-registry list of cmd/registrybench (ten
// secrets), one request at a time, client and registry in this process:
// its allocations and CPU per operation (cpu-µs/op, the client's share
// included). Sub-benchmarks: the embedded store, and Vault (the shared dev
// server; the CPU is this process's, not Vault's).
func BenchmarkRESTList(b *testing.B) {
	for _, backend := range []testkit.Backend{testkit.Embedded, {Name: "vault", Vault: true}} {
		b.Run(backend.Name, func(b *testing.B) { benchRESTList(b, backend) })
	}
}

func benchRESTList(b *testing.B, backend testkit.Backend) {
	reg := testkit.StartRegistryOn(b, backend)
	tenant := reg.Tenant(b)
	alice := reg.Token(b, "alice", tenant, "developer")
	base := reg.URL + "/registry-api/package-registry/secret"
	for i := range 10 {
		url := fmt.Sprintf("%s/npm-%d", base, i)
		if r := testkit.Do(b, http.MethodPost, url, alice, []byte(`{"username":"u","password":"p","url":"https://npm.example.com"}`)); r.Status != http.StatusCreated {
			b.Fatalf("POST %s: %d %s", url, r.Status, r.Body)
		}
	}
	benchGET(b, reg.URL+"/registry-api/package-registry/secrets", alice, func(body []byte) bool {
		return bytes.Count(body, []byte(`"npm-`)) == 10
	})
}
