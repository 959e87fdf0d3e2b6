package vhost_test

import (
	"context"
	"encoding/json"
	"errors"
	"testing"

	"github.com/hypo-registry/registry/handlers"
	"github.com/hypo-registry/registry/handlers/vhost"
	"github.com/hypo-registry/registry/handlers/vhost/vhosttest"
	"github.com/hypo-registry/registry/internal/bus"
)

// Callers of the tests: alice and bob in tenant acme (bob also in group
// ops), root a platform admin in acme, tom acme's (tenant) admin, mallory a
// developer of acme owning nothing, eve of tenant other, olga other's
// admin, pia a platform admin of other, reader read-only.
var (
	alice   = vhosttest.Caller("alice", "acme", nil, "developer")
	bob     = vhosttest.Caller("bob", "acme", []string{"/ops"}, "developer")
	root    = vhosttest.Caller("root", "acme", nil, "platform-admin")
	tom     = vhosttest.Caller("tom", "acme", nil, "admin")
	pia     = vhosttest.Caller("pia", "other", nil, "platform-admin")
	piaAcme = vhosttest.Caller("pia", "other", []string{"/acme"}, "platform-admin")
	mallory = vhosttest.Caller("mallory", "acme", nil, "developer")
	eve     = vhosttest.Caller("eve", "other", nil, "developer")
	evAdmin = vhosttest.Caller("olga", "other", nil, "admin")
	reader  = vhosttest.Caller("rita", "acme", nil, "read-only")
)

func send(t *testing.T, h *vhosttest.Harness, cmd any, a vhost.Auth) (bus.Reply, error) {
	t.Helper()
	return h.Send(t.Context(), cmd, a.Caller.Tenant)
}

func mustSend(t *testing.T, h *vhosttest.Harness, cmd any, a vhost.Auth) bus.Reply {
	t.Helper()
	reply, err := send(t, h, cmd, a)
	if err != nil {
		t.Fatalf("send %T as %s: %v", cmd, a.Caller.Subject, err)
	}
	return reply
}

func sync(t *testing.T, h *vhosttest.Harness) {
	t.Helper()
	if err := h.Sync(context.Background()); err != nil {
		t.Fatalf("projections: %v", err)
	}
}

func decode[T any](t *testing.T, r bus.Reply) T {
	t.Helper()
	var v T
	if err := json.Unmarshal(r.Data, &v); err != nil {
		t.Fatalf("reply %s: %v", r.Data, err)
	}
	return v
}

// secure is a create command for a secure host owned by owners.
func secure(a vhost.Auth, name string, owners ...string) *vhost.CreateVirtualHost {
	return &vhost.CreateVirtualHost{Auth: a, Name: name, Owners: owners,
		SecurityData: map[string]json.RawMessage{vhost.PluginSelfSignedSSL: json.RawMessage(`{}`)}}
}

func insecure(a vhost.Auth, name string) *vhost.CreateVirtualHost {
	return &vhost.CreateVirtualHost{Auth: a, Name: name}
}

func heartbeat(a vhost.Auth, name, id, host string) *vhost.HeartbeatServer {
	return &vhost.HeartbeatServer{Auth: a, Name: name, ServerID: id, Host: host}
}

func wantErr(t *testing.T, what string, err, want error) {
	t.Helper()
	switch {
	case want == nil && err != nil:
		t.Fatalf("%s: %v, want success", what, err)
	case want != nil && !errors.Is(err, want):
		t.Fatalf("%s: error %v, want %v", what, err, want)
	}
}

var (
	errInvalid   = handlers.ErrInvalid
	errForbidden = handlers.ErrForbidden
	errNotFound  = handlers.ErrNotFound
	errConflict  = handlers.ErrConflict
)

func isNotFound(err error) bool { return errors.Is(err, handlers.ErrNotFound) }

func isInvalid(err error) bool { return errors.Is(err, handlers.ErrInvalid) }
