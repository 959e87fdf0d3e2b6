package registrytoken_test

import (
	"context"
	"crypto/elliptic"
	"encoding/json"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/hypo-registry/registry/events"
	"github.com/hypo-registry/registry/handlers/registrytoken"
	"github.com/hypo-registry/registry/internal/adapters/auditlog"
	"github.com/hypo-registry/registry/internal/bus"
	"github.com/hypo-registry/registry/internal/query"
	"github.com/hypo-registry/registry/internal/security/auth"
	"github.com/hypo-registry/registry/internal/security/oidcdev"
)

// logAudit appends a query's records to a real audit log (unredacted:
// registryd's audit adapter lives in internal/app), so the benchmark
// pays the group-committed fdatasync the service pays.
type logAudit struct{ log *auditlog.Log }

func (a logAudit) Expect()   { a.log.Expect() }
func (a logAudit) Unexpect() { a.log.Unexpect() }

func (a logAudit) Record(ctx context.Context, m query.Meta, outcomes []events.Outcome) error {
	entries := make([]auditlog.Entry, 0, len(outcomes))
	for _, o := range outcomes {
		data, err := json.Marshal(o.Data)
		if err != nil {
			a.log.Unexpect()
			return err
		}
		entries = append(entries, auditlog.Entry{Time: time.Now(), Type: o.Type, Tenant: o.Tenant, Subject: o.Subject,
			CorrelationID: m.CorrelationID, Data: data})
	}
	_, err := a.log.AppendExpected(ctx, entries...)
	return err
}

// BenchmarkTokenGET is GET /token with a bearer JWT through the HTTP
// adapter as registryd wires it (query dispatcher, audit log), without
// the network: the adapter's own CPU and allocations per token, ES256.
func BenchmarkTokenGET(b *testing.B) {
	ctx := b.Context()
	logger := slog.New(slog.NewTextHandler(io.Discard, nil))
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	iss, err := oidcdev.New(oidcdev.Options{Issuer: "http://" + ln.Addr().String(), Audience: oidcAudience})
	if err != nil {
		b.Fatal(err)
	}
	oidcSrv := &httptest.Server{Listener: ln, Config: &http.Server{Handler: iss.Handler()}}
	oidcSrv.Start()
	defer oidcSrv.Close()
	verifier, err := auth.NewVerifier(ctx, auth.Config{Issuer: iss.IssuerURL(), JWKSURL: iss.JWKSURL(), Audience: oidcAudience})
	if err != nil {
		b.Fatal(err)
	}
	alog, err := auditlog.Open(auditlog.Options{Dir: b.TempDir(), Source: "bench"})
	if err != nil {
		b.Fatal(err)
	}
	defer alog.Close()
	q, err := query.New(logAudit{alog}, bus.Config{}, logger)
	if err != nil {
		b.Fatal(err)
	}
	cfg := registrytoken.Config{Enabled: true, Plans: testPlans, DefaultPlan: "team"}
	cfg.Refresh.Disabled = true
	signer, err := registrytoken.NewSigner(ecKey(b, elliptic.P256()), "", "")
	if err != nil {
		b.Fatal(err)
	}
	tokens, err := registrytoken.NewTokens(cfg, signer, nil, "admin")
	if err != nil {
		b.Fatal(err)
	}
	if err := query.Handle(q, "registrytoken.issue", tokens.Issue); err != nil {
		b.Fatal(err)
	}
	if err := query.Handle(q, "registrytoken.reject", tokens.Reject); err != nil {
		b.Fatal(err)
	}
	h, err := registrytoken.NewHandler(registrytoken.HandlerDeps{Config: cfg, Verifier: verifier, Bus: q, Metrics: prometheus.NewRegistry(), Logger: logger})
	if err != nil {
		b.Fatal(err)
	}
	jwt, err := iss.Mint(oidcdev.Claims{Subject: "alice", Groups: []string{"tenant-a"}, Roles: []string{"developer"}})
	if err != nil {
		b.Fatal(err)
	}
	target := "/token?service=" + service + "&scope=repository:team-a/app:pull,push"
	b.ReportAllocs()
	b.SetParallelism(16)
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			req := httptest.NewRequest(http.MethodGet, target, nil)
			req.Header.Set("Authorization", "Bearer "+jwt)
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, req)
			if rec.Code != http.StatusOK {
				b.Fatalf("GET /token: %d %s", rec.Code, rec.Body)
			}
		}
	})
}
