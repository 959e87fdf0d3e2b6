package contract

import (
	"context"
	"errors"
	"testing"

	"github.com/hypo-registry/registry/handlers"
	"github.com/hypo-registry/registry/internal/secretpath"
)

// Within a command (handlers.CommandID) a store's change happens once: the
// same command writing or destroying again, as it does when redelivered
// after a crash, gets its first result and changes nothing.

func commandCtx(t *testing.T, f storeFixture) context.Context {
	return handlers.WithCommandID(f.ctx, "cmd-"+RandomTenant(t))
}

func storeCommandWritesOnce(t *testing.T, f storeFixture) {
	p := f.path(t, "once")
	first, second := handlers.SecretData{"token": "one"}, handlers.SecretData{"token": "two"}
	a := commandCtx(t, f)
	m1 := f.writeIn(t, a, p, first, nil, 1)
	again := f.writeIn(t, a, p, first, nil, 1)
	if !again.UpdatedTime.Equal(m1.UpdatedTime) {
		t.Errorf("the command's second write reports updated %v, its first %v", again.UpdatedTime, m1.UpdatedTime)
	}
	// An update handler run again reads its own write and passes its
	// version as cas: still the one write.
	one := 1
	f.writeIn(t, a, p, first, &one, 1)
	f.writeIn(t, commandCtx(t, f), p, second, nil, 2)
	f.writeIn(t, a, p, first, nil, 1)
	if m := f.metadata(t, p); m.CurrentVersion != 2 {
		t.Fatalf("current version %d after two commands, want 2", m.CurrentVersion)
	}
	f.read(t, p, 0, second, 2)

	// A create (cas 0) run again is not a conflict with itself.
	created := f.path(t, "once-created")
	zero := 0
	c := commandCtx(t, f)
	f.writeIn(t, c, created, first, &zero, 1)
	f.writeIn(t, c, created, first, &zero, 1)
}

// A command that "dies" at a step of its write and runs again ends with
// exactly one version.
func storeCommandRerunAfterCrash(t *testing.T, f storeFixture) {
	for _, step := range []string{handlers.StepStoreIntent, handlers.StepStoreWritten} {
		t.Run(step, func(t *testing.T) {
			p := f.path(t, "crash-"+step[len("store."):])
			data := handlers.SecretData{"token": "t"}
			id := commandCtx(t, f)
			dying := handlers.WithFailpoint(id, func(s string) error {
				if s == step {
					return errors.New("killed")
				}
				return nil
			})
			_, err := f.store.Write(dying, f.caller, p, data, nil)
			if err != nil && !errors.Is(err, handlers.ErrFailpoint) {
				t.Fatalf("write dying at %s: %v", step, err)
			}
			f.writeIn(t, id, p, data, nil, 1)
			if m := f.metadata(t, p); m.CurrentVersion != 1 {
				t.Fatalf("current version %d after a command died at %s and ran again, want 1", m.CurrentVersion, step)
			}
		})
	}
}

func storeCommandDestroysOnce(t *testing.T, f storeFixture) {
	p := f.path(t, "destroyed-once")
	f.write(t, p, handlers.SecretData{"k": "v"}, nil, 1)
	d := commandCtx(t, f)
	for i := range 2 {
		if err := f.store.Destroy(d, f.caller, p); err != nil {
			t.Fatalf("destroy %d by one command: %v", i+1, err)
		}
	}
	if err := f.store.Destroy(commandCtx(t, f), f.caller, p); !errors.Is(err, handlers.ErrNotFound) {
		t.Fatalf("another command destroying it again: %v, want not found", err)
	}
}

// writeIn is write within ctx.
func (f storeFixture) writeIn(t *testing.T, ctx context.Context, p secretpath.Path, data handlers.SecretData, cas *int, want int) handlers.SecretMetadata {
	t.Helper()
	g := f
	g.ctx = ctx
	return g.write(t, p, data, cas, want)
}
