package bus_test

import (
	"testing"
	"time"

	"github.com/hypo-registry/registry/internal/bus"
	"github.com/hypo-registry/registry/testkit"
)

// TestHandlerMetrics: every command is counted and timed in
// registry_bus_handler_execution_time_seconds, by handler and outcome, the
// bus metrics the README lists. The histogram is observed once the handler
// chain returns, which is after the reply went out: the test waits for it.
func TestHandlerMetrics(t *testing.T) {
	f := start(t, "", bus.Config{})
	for _, cmd := range []Touch{{}, {}, {Refuse: true}} {
		f.send(t, cmd, bus.Envelope{Tenant: caller.Tenant})
	}
	var seen map[[2]string]uint64 // handler, success → observations
	testkit.Eventually(t, 5*time.Second, "three handler executions observed", func() bool {
		seen = handlerExecutions(t, f)
		total := uint64(0)
		for _, n := range seen {
			total += n
		}
		return total >= 3
	})
	if len(seen) != 1 || seen[[2]string{"test.touch", "true"}] != 3 {
		t.Fatalf("handler executions by handler and success: %v, want test.touch true 3", seen)
	}
}

func handlerExecutions(t *testing.T, f *fixture) map[[2]string]uint64 {
	t.Helper()
	families, err := f.metrics.Gather()
	if err != nil {
		t.Fatal(err)
	}
	seen := map[[2]string]uint64{}
	for _, mf := range families {
		if mf.GetName() != "registry_bus_handler_execution_time_seconds" {
			continue
		}
		for _, m := range mf.GetMetric() {
			labels := map[string]string{}
			for _, l := range m.GetLabel() {
				labels[l.GetName()] = l.GetValue()
			}
			seen[[2]string{labels["handler_name"], labels["success"]}] += m.GetHistogram().GetSampleCount()
		}
	}
	return seen
}
