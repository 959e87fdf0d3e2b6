package vault_test

import (
	"errors"
	"fmt"
	"testing"

	"github.com/hypo-registry/registry/handlers"
	"github.com/hypo-registry/registry/internal/secretpath"
	"github.com/hypo-registry/registry/testkit"
)

// A command one instance wrote to Vault and died before answering is
// redelivered to another instance, whose intents (its own outbox) know
// nothing of it: the write is recognised from Vault (the version's command
// mark) and not made again. Reads never show the mark, and no caller's data
// may use its key.
func TestCommandTakenOverIsWrittenOnce(t *testing.T) {
	t.Parallel()
	v := testkit.SharedVault(t)
	a, b := newStore(t, v), newStore(t, v)
	a.UseIntents(openIntents(t))
	b.UseIntents(openIntents(t))
	tenant := testkit.RandomTenant(t)
	c := callerFor(t, v)(tenant)
	data := handlers.SecretData{"username": "u", "password": "p"}

	for _, tc := range []struct {
		name string
		cas  *int
	}{{"unconditional", nil}, {"create", new(int)}} {
		t.Run(tc.name, func(t *testing.T) {
			p := mustPath(t, tenant, "taken-over-"+tc.name)
			cmd := handlers.WithCommandID(t.Context(), fmt.Sprintf("cmd-%s-%s", tc.name, testkit.RandomTenant(t)))
			first, err := a.Write(cmd, c, p, data, tc.cas)
			if err != nil || first.CurrentVersion != 1 {
				t.Fatalf("write on A: %+v, %v", first, err)
			}
			again, err := b.Write(cmd, c, p, data, tc.cas)
			if err != nil || again.CurrentVersion != 1 || !again.UpdatedTime.Equal(first.UpdatedTime) {
				t.Fatalf("the same command on B: %+v, %v; want A's write, version 1", again, err)
			}
			// Another command on B writes a new version, as it should.
			other, err := b.Write(handlers.WithCommandID(t.Context(), "other-"+testkit.RandomTenant(t)), c, p, data, nil)
			if err != nil || other.CurrentVersion != 2 {
				t.Fatalf("another command on B: %+v, %v; want version 2", other, err)
			}
			sec, err := b.Read(t.Context(), c, p, 0)
			if err != nil || len(sec.Data) != len(data) || sec.Data["password"] != "p" {
				t.Fatalf("read: %v, %v; want the caller's data alone", sec.Data, err)
			}
		})
	}
	p := mustPath(t, tenant, "reserved")
	_, err := a.Write(t.Context(), c, p, handlers.SecretData{secretpath.ReservedDataKey: "x"}, nil)
	if !errors.Is(err, handlers.ErrInvalid) {
		t.Fatalf("data using the reserved key: %v, want ErrInvalid", err)
	}
}
