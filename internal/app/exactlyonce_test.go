package app_test

import (
	"bytes"
	"errors"
	"net/http"
	"sync"
	"testing"

	"github.com/hypo-registry/registry/handlers"
	"github.com/hypo-registry/registry/internal/app"
	"github.com/hypo-registry/registry/internal/secretpath"
	"github.com/hypo-registry/registry/testkit"
)

// killSwitch is a failpoint armed for one step at a time: the next command
// reaching that step "dies" there, once.
type killSwitch struct {
	mu    sync.Mutex
	armed string
	fired bool
}

func (k *killSwitch) failpoint(step string) error {
	k.mu.Lock()
	defer k.mu.Unlock()
	if step != k.armed {
		return nil
	}
	k.armed, k.fired = "", true
	return errors.New("kill -9")
}

func (k *killSwitch) arm(step string) {
	k.mu.Lock()
	defer k.mu.Unlock()
	k.armed, k.fired = step, false
}

// disarm reports whether the armed step was reached.
func (k *killSwitch) disarm() bool {
	k.mu.Lock()
	defer k.mu.Unlock()
	k.armed = ""
	return k.fired
}

// A command whose process dies between any two of its steps, sent again
// with its Idempotency-Key after a restart on the same data, has its
// effect once: a create makes version 1 (not a conflict with itself), an
// update version 2 (not 3), and a command answered before it died gets the
// same answer again.
func TestCommandEffectOnceWhereverTheProcessDies(t *testing.T) {
	t.Parallel()
	for _, b := range testkit.Backends() {
		t.Run(b.Name, func(t *testing.T) {
			t.Parallel()
			var kill killSwitch
			reg := testkit.StartRegistryOn(t, b, func(c *app.Config) { c.Bus.Failpoint = kill.failpoint })
			tenant := reg.Tenant(t)
			token := reg.Token(t, "alice", tenant, "developer")
			caller := handlers.Caller{Subject: "alice@" + tenant, Tenant: tenant, Token: token}
			steps := []string{handlers.StepStoreIntent, handlers.StepStoreWritten, handlers.StepHandled, handlers.StepCommitted, handlers.StepReplied}
			for _, step := range steps {
				name := "once-" + step[len("bus."):]
				if step[:6] == "store." {
					name = "once-store-" + step[len("store."):]
				}
				do := func(method, body, key string) testkit.Response {
					return testkit.Do(t, method, reg.URL+"/registry-api/image-pull/secret/"+name, token, []byte(body), "Idempotency-Key", key)
				}
				crashThenRetry := func(what, method, body, key string, ok, version int) {
					t.Helper()
					kill.arm(step)
					first := do(method, body, key)
					died := kill.disarm()
					reg.Restart(t)
					again := do(method, body, key)
					if again.Status != ok {
						t.Fatalf("%s died at %s (reached: %v), sent again: %d %s, want %d", what, step, died, again.Status, again.Body, ok)
					}
					if first.Status == ok && !bytes.Equal(first.Body, again.Body) {
						t.Errorf("%s answered before dying at %s, answered differently again:\n%s\n%s", what, step, first.Body, again.Body)
					}
					var w struct{ Version int }
					again.JSON(t, &w)
					p, err := secretpath.New(secretpath.ImagePull, tenant, name)
					if err != nil {
						t.Fatal(err)
					}
					meta, err := reg.SecretStore().Metadata(t.Context(), caller, p)
					if err != nil {
						t.Fatal(err)
					}
					if w.Version != version || meta.CurrentVersion != version {
						t.Errorf("%s died at %s (reached: %v) and sent again: reply version %d, stored version %d; want %d",
							what, step, died, w.Version, meta.CurrentVersion, version)
					}
				}
				crashThenRetry("create", http.MethodPost, seedBody, "create-"+step, http.StatusCreated, 1)
				crashThenRetry("update", http.MethodPatch, `{"password":"rotated"}`, "update-"+step, http.StatusOK, 2)
			}
		})
	}
}

const seedBody = `{"username":"my-user","password":"my-password","url":"https://registry.example.com"}`
