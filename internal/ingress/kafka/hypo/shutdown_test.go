package hypo_test

import (
	"encoding/json"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hypo-registry/registry/handlers"
	"github.com/hypo-registry/registry/internal/app"
	"github.com/hypo-registry/registry/internal/ingress/kafka/hypowire"
	"github.com/hypo-registry/registry/testkit"
)

// A graceful stop (SIGTERM) lets the records in flight be answered and
// committed, holds records arriving meanwhile unanswered, and leaves a
// record still in flight at the shutdown timeout unanswered and
// uncommitted: never an ERROR for a request nothing was wrong with. Every
// record left is redelivered after the restart and answered once, SUCCESS,
// with its kubeconfig stored once.
func TestStopAnswersNoRecordWithAnError(t *testing.T) {
	t.Parallel()
	for _, b := range backends() {
		t.Run(b.Name, func(t *testing.T) {
			t.Parallel()
			var hold holdGate
			h := startHypo(t, b, func(c *app.Config) {
				c.Bus.Failpoint = hold.failpoint
				c.ShutdownTimeout = 2 * time.Second
			})
			group := app.DefaultSouthboundGroup

			// Answered before the stop.
			h.storeBinary(t, "stop-before", "svc-before", "", kubeconfigYAML)
			h.pm.Await(t, topics.KubeconfigStoreResult, 1, 20*time.Second, causedBy("stop-before"))

			// In flight when the stop begins: answered and committed.
			hold.arm(handlers.StepHandled)
			draining := h.storeBinary(t, "stop-draining", "svc-draining", "", kubeconfigYAML)
			hold.awaitHeld(t)
			stopped := stopAsync(t, h.reg)
			waitForLog(t, h.reg, "stopping: requests in flight may finish")
			late := h.storeBinary(t, "stop-late", "svc-late", "", kubeconfigYAML)
			hold.release()
			<-stopped
			if rs := resultsFor(h, "stop-draining"); len(rs) != 1 || rs[0].Status != hypowire.StatusSuccess {
				t.Errorf("record in flight at the stop answered %+v before the restart, want one SUCCESS", rs)
			}
			if n := len(resultsFor(h, "stop-late")); n != 0 {
				t.Errorf("record arriving during the stop: %d results, want none", n)
			}
			if off := testkit.CommittedOffset(t, h.reg.Kafka.Brokers, group, draining); off <= draining.Offset {
				t.Errorf("record answered during the stop not committed: group at %d, record at %d", off, draining.Offset)
			}
			if off := testkit.CommittedOffset(t, h.reg.Kafka.Brokers, group, late); off > late.Offset {
				t.Errorf("record held during the stop committed: group at %d, record at %d", off, late.Offset)
			}

			// Still in flight at the shutdown timeout: cut short.
			h.reg.Restart(t)
			h.pm.Await(t, topics.KubeconfigStoreResult, 1, 20*time.Second, causedBy("stop-late"))
			hold.arm(handlers.StepHandled)
			cut := h.storeBinary(t, "stop-cut", "svc-cut", "", kubeconfigYAML)
			hold.awaitHeld(t)
			stopped = stopAsync(t, h.reg)
			waitForLog(t, h.reg, "left unanswered and uncommitted")
			hold.release()
			<-stopped
			if n := len(resultsFor(h, "stop-cut")); n != 0 {
				t.Errorf("record cut short by the stop: %d results, want none", n)
			}
			if off := testkit.CommittedOffset(t, h.reg.Kafka.Brokers, group, cut); off > cut.Offset {
				t.Errorf("record cut short by the stop committed: group at %d, record at %d", off, cut.Offset)
			}

			h.reg.Restart(t)
			h.pm.Await(t, topics.KubeconfigStoreResult, 1, 20*time.Second, causedBy("stop-cut"))
			for id, svc := range map[string]string{"stop-before": "svc-before", "stop-draining": "svc-draining", "stop-late": "svc-late", "stop-cut": "svc-cut"} {
				if rs := resultsFor(h, id); len(rs) != 1 || rs[0].Status != hypowire.StatusSuccess {
					t.Errorf("%s answered %+v, want one SUCCESS", id, rs)
				}
				if v := h.kubeconfigVersion(t, svc); v != 1 {
					t.Errorf("%s stored at version %d, want 1", svc, v)
				}
			}
			for _, r := range h.pm.Records(topics.KubeconfigStoreResult) {
				var res hypowire.KubeconfigStoreResult
				if err := json.Unmarshal(r.Value, &res); err != nil || res.Status != hypowire.StatusSuccess {
					t.Errorf("a result other than SUCCESS went out: %s", r.Value)
				}
			}
		})
	}
}

// holdGate holds every command reaching the armed step until released.
type holdGate struct {
	mu    sync.Mutex
	step  string
	held  chan struct{}
	going chan struct{}
}

func (g *holdGate) arm(step string) {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.step, g.held, g.going = step, make(chan struct{}, 16), make(chan struct{})
}

func (g *holdGate) failpoint(step string) error {
	g.mu.Lock()
	if step != g.step {
		g.mu.Unlock()
		return nil
	}
	held, going := g.held, g.going
	g.mu.Unlock()
	held <- struct{}{}
	<-going
	return nil
}

func (g *holdGate) awaitHeld(t *testing.T) {
	t.Helper()
	g.mu.Lock()
	held := g.held
	g.mu.Unlock()
	select {
	case <-held:
	case <-time.After(20 * time.Second):
		t.Fatal("no command reached the held step within 20s")
	}
}

// release lets every held command go on, and disarms the gate.
func (g *holdGate) release() {
	g.mu.Lock()
	defer g.mu.Unlock()
	close(g.going)
	g.step = ""
}

func stopAsync(t *testing.T, reg *testkit.Registry) <-chan struct{} {
	done := make(chan struct{})
	go func() {
		defer close(done)
		reg.Stop(t)
	}()
	return done
}

func waitForLog(t *testing.T, reg *testkit.Registry, text string) {
	t.Helper()
	waitFor(t, "log line "+text, func() bool { return strings.Contains(string(reg.Logs.Bytes()), text) })
}

// resultsFor returns the store results answering event id so far.
func resultsFor(h *hypo, eventID string) []hypowire.KubeconfigStoreResult {
	var out []hypowire.KubeconfigStoreResult
	for _, r := range h.pm.Records(topics.KubeconfigStoreResult) {
		if causedBy(eventID)(r) {
			var res hypowire.KubeconfigStoreResult
			_ = json.Unmarshal(r.Value, &res)
			out = append(out, res)
		}
	}
	return out
}
