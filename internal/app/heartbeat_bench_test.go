package app_test

import (
	"bytes"
	"fmt"
	"io"
	"net/http"
	"sync/atomic"
	"testing"

	"github.com/hypo-registry/registry/testkit"
)

// BenchmarkHeartbeatPUT is the heartbeat of cmd/registrybench over HTTP,
// client and registry in this process, on the embedded default: token
// check, the bus, the event log commit and the reply. serial is one
// request at a time (its allocations and CPU per operation are the
// path's cost with the client's share); parallel keeps 32 in flight, as
// the bench does, so the event log groups commits.
func BenchmarkHeartbeatPUT(b *testing.B) {
	reg := testkit.StartRegistry(b)
	// INFO, as registryd runs: the test registry logs at DEBUG.
	root := reg.OIDC.Token(b, "root", []string{"ops"}, "platform-admin")
	if r := testkit.Do(b, http.MethodPut, reg.URL+"/registry-api/admin/logs", root, []byte(`{"level":"INFO"}`)); r.Status != http.StatusOK {
		b.Fatalf("log level: %d %s", r.Status, r.Body)
	}
	reg.Logs.Discard() // formatted, as registryd's, then dropped
	tenant := reg.Tenant(b)
	tok := reg.OIDC.Token(b, "bench", []string{tenant}, "developer")
	base := reg.URL + "/registry/v1/virtualHost"
	secure := `{"virtualHost":{"name":"hb.bench.example","owner":["user:bench"],"securityData":{"SelfSignedSSL":{}}}}`
	if r := testkit.Do(b, http.MethodPost, base, tok, []byte(secure)); r.Status != http.StatusOK && r.Status != http.StatusCreated {
		b.Fatalf("create host: %d %s", r.Status, r.Body)
	}
	var n atomic.Uint64
	beat := func(client *http.Client) error {
		i := n.Add(1) % 1000
		body := fmt.Appendf(nil, `{"server":{"host":"10.0.%d.%d","port":8080}}`, i>>8, i&255)
		req, _ := http.NewRequest(http.MethodPut, fmt.Sprintf("%s/hb.bench.example/server/s%d", base, i), bytes.NewReader(body))
		req.Header.Set("Authorization", "Bearer "+tok)
		req.Header.Set("Content-Type", "application/json")
		resp, err := client.Do(req)
		if err != nil {
			return err
		}
		_, _ = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			return fmt.Errorf("PUT: %d", resp.StatusCode)
		}
		return nil
	}
	b.Run("serial", func(b *testing.B) {
		client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 1}}
		b.ReportAllocs()
		defer testkit.ReportCPU(b)()
		for b.Loop() {
			if err := beat(client); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("parallel", func(b *testing.B) {
		client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 32}}
		b.ReportAllocs()
		defer testkit.ReportCPU(b)()
		b.SetParallelism(16) // 32 in flight on 2 Ps
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				if err := beat(client); err != nil {
					b.Error(err)
					return
				}
			}
		})
	})
}
