package registrytoken_test

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"

	"github.com/cloudevents/sdk-go/v2/event"
	"github.com/prometheus/client_golang/prometheus"
	"go.etcd.io/bbolt"

	"github.com/hypo-registry/registry/handlers/registrytoken"
	"github.com/hypo-registry/registry/internal/adapters/eventlog/bolt"
	"github.com/hypo-registry/registry/internal/bus"
	"github.com/hypo-registry/registry/internal/security/auth"
	"github.com/hypo-registry/registry/internal/security/oidcdev"
	"github.com/hypo-registry/registry/internal/security/redact"
	"github.com/hypo-registry/registry/internal/security/seal"
	"github.com/hypo-registry/registry/projections"
)

const (
	oidcAudience = "registry-api"
	service      = "registry.example.com"
)

// stack is the token service as registryd runs it, on loopback: a real
// OIDC issuer and verifier, a real command bus over a bbolt event log, the
// refresh-grant projection fed from that log, the handlers, the HTTP
// adapter.
type stack struct {
	url     string
	oidc    *oidcdev.Issuer
	signer  *registrytoken.Signer
	events  *bolt.Log
	metrics *prometheus.Registry
	bus     *bus.Bus
	runner  *projections.Runner
	projDB  *bbolt.DB
	store   *registrytoken.SharedRefreshStore
}

func startStack(t *testing.T, mutate func(*registrytoken.Config)) *stack {
	t.Helper()
	return startStackWith(t, mutate, nil)
}

// startStackWith is startStack with legacy, an older version's grant file,
// as the refresh store's fallback (nil: none).
func startStackWith(t *testing.T, mutate func(*registrytoken.Config), legacy *registrytoken.BoltRefreshStore) *stack {
	t.Helper()
	dir := t.TempDir()
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	logger := slog.New(slog.NewTextHandler(io.Discard, nil))

	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	iss, err := oidcdev.New(oidcdev.Options{Issuer: "http://" + ln.Addr().String(), Audience: oidcAudience})
	if err != nil {
		t.Fatal(err)
	}
	oidcSrv := &httptest.Server{Listener: ln, Config: &http.Server{Handler: iss.Handler()}}
	oidcSrv.Start()
	t.Cleanup(oidcSrv.Close)
	verifier, err := auth.NewVerifier(ctx, auth.Config{Issuer: iss.IssuerURL(), JWKSURL: iss.JWKSURL(), Audience: oidcAudience})
	if err != nil {
		t.Fatal(err)
	}

	log, err := bolt.Open(filepath.Join(dir, "events.db"), bolt.Options{})
	if err != nil {
		t.Fatal(err)
	}
	ring, err := seal.NewKeyring()
	if err != nil {
		t.Fatal(err)
	}
	hasher, err := redact.NewHasher([]byte(strings.Repeat("k", 32)))
	if err != nil {
		t.Fatal(err)
	}
	b, err := bus.New(bus.Config{}, bus.Deps{Log: log, Sealer: ring, Redactor: hasher, Logger: logger, Metrics: prometheus.NewRegistry()})
	if err != nil {
		t.Fatal(err)
	}

	cfg := registrytoken.Config{Enabled: true, Issuer: "https://token.example.com", Realm: "https://token.example.com/token",
		Plans: testPlans, DefaultPlan: "community", RevokedLicenses: []string{"lic-revoked"}}
	if mutate != nil {
		mutate(&cfg)
	}
	signer, err := registrytoken.NewSigner(rsaKey(), "", "")
	if err != nil {
		t.Fatal(err)
	}
	projDB, err := bbolt.Open(filepath.Join(dir, "projections.db"), 0o600, nil)
	if err != nil {
		t.Fatal(err)
	}
	runner, err := projections.NewRunner(projDB, log, registrytoken.RefreshProjection{})
	if err != nil {
		t.Fatal(err)
	}
	send := func(ctx context.Context, cmd registrytoken.GrantRefreshToken) error {
		reply, err := b.Send(ctx, &cmd, bus.Envelope{})
		if err == nil {
			err = reply.Error.Err()
		}
		if err != nil {
			return err
		}
		return runner.WaitFor(ctx, log.Last())
	}
	store, err := registrytoken.NewSharedRefreshStore(projDB, send, legacy)
	if err != nil {
		t.Fatal(err)
	}
	tokens, err := registrytoken.NewTokens(cfg, signer, store, "admin")
	if err != nil {
		t.Fatal(err)
	}
	for _, err := range []error{
		bus.Handle(b, "registrytoken.refresh.grant", tokens.GrantRefresh),
		bus.Handle(b, "registrytoken.issue", tokens.Issue),
		bus.Handle(b, "registrytoken.reject", tokens.Reject),
		bus.Handle(b, "registrytoken.refresh.revoke", tokens.Revoke),
	} {
		if err != nil {
			t.Fatal(err)
		}
	}
	done, fed := make(chan struct{}), make(chan struct{})
	go func() { _ = b.Run(ctx); close(done) }()
	go func() { _ = runner.Run(ctx); close(fed) }()
	<-b.Running()
	t.Cleanup(func() {
		cancel()
		<-done
		<-fed
		b.Close()
		projDB.Close()
		log.Close()
	})

	reg := prometheus.NewRegistry()
	h, err := registrytoken.NewHandler(registrytoken.HandlerDeps{Config: cfg, Verifier: verifier, Bus: b, Refresh: store, Metrics: reg, Logger: logger})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	return &stack{url: srv.URL, oidc: iss, signer: signer, events: log, metrics: reg, bus: b, runner: runner, projDB: projDB, store: store}
}

// jwtFor mints an OIDC token for alice in tenant-a with extra claims.
func (s *stack) jwtFor(t *testing.T, extra map[string]any) string {
	t.Helper()
	tok, err := s.oidc.Mint(oidcdev.Claims{Subject: "alice", Groups: []string{"tenant-a"}, Roles: []string{"developer"}, Extra: extra})
	if err != nil {
		t.Fatal(err)
	}
	return tok
}

type response struct {
	status int
	header http.Header
	body   []byte
}

func (s *stack) do(t *testing.T, req *http.Request) response {
	t.Helper()
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return response{status: resp.StatusCode, header: resp.Header, body: b}
}

func (s *stack) get(t *testing.T, query string, setAuth func(*http.Request)) response {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, s.url+"/token?"+query, nil)
	if err != nil {
		t.Fatal(err)
	}
	if setAuth != nil {
		setAuth(req)
	}
	return s.do(t, req)
}

func (s *stack) post(t *testing.T, form string) response {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, s.url+"/token", strings.NewReader(form))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	return s.do(t, req)
}

// tokenEvents returns the data of every registry token event, in order.
func (s *stack) tokenEvents(t *testing.T) (types []string, data []map[string]any, raw []string) {
	t.Helper()
	_, err := s.events.Read(context.Background(), 1, 0, func(_ uint64, e event.Event) error {
		if !strings.HasPrefix(e.Type(), "io.hypo.registry.registrytoken.") {
			return nil
		}
		var d map[string]any
		if err := json.Unmarshal(e.Data(), &d); err != nil {
			return err
		}
		b, err := json.Marshal(e)
		if err != nil {
			return err
		}
		types, data, raw = append(types, e.Type()), append(data, d), append(raw, string(b))
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return types, data, raw
}

// rawEventData returns the data of every registry token event, as stored.
func (s *stack) rawEventData(t *testing.T) []string {
	t.Helper()
	var out []string
	_, err := s.events.Read(context.Background(), 1, 0, func(_ uint64, e event.Event) error {
		if strings.HasPrefix(e.Type(), "io.hypo.registry.registrytoken.") {
			out = append(out, string(e.Data()))
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// counter reads a counter of the handler's registry by its one label.
func (s *stack) counter(t *testing.T, name, label, value string) float64 {
	t.Helper()
	families, err := s.metrics.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range families {
		if f.GetName() != name {
			continue
		}
		for _, m := range f.GetMetric() {
			for _, l := range m.GetLabel() {
				if l.GetName() == label && l.GetValue() == value {
					return m.GetCounter().GetValue()
				}
			}
		}
	}
	return -1
}
