package app_test

import (
	"bufio"
	"bytes"
	"encoding/json"
	"testing"

	"github.com/hypo-registry/registry/testkit"
)

// Watermill's lifecycle lines (one per handler at each start and stop)
// are DEBUG: at INFO they buried the service's own lines and the dev
// banner.
func TestStartAndStopLogNoWatermillLifecycleAtInfo(t *testing.T) {
	lifecycle := map[string]bool{
		"Adding handler": true, "Starting handler": true, "Running router handlers": true,
		"Subscriber stopped": true, "Closing router": true, "Router closed": true,
		"Subscribing to Kafka topic": true, "Starting consuming": true,
	}
	for _, b := range []testkit.Backend{testkit.Embedded, testkit.EmbeddedKafka} {
		t.Run(b.Name, func(t *testing.T) {
			reg := testkit.StartRegistryOn(t, b)
			reg.Stop(t)
			var atDebug, atInfo int
			sc := bufio.NewScanner(bytes.NewReader(reg.Logs.Bytes()))
			sc.Buffer(nil, 1<<20)
			for sc.Scan() {
				var line struct{ Level, Msg string }
				if err := json.Unmarshal(sc.Bytes(), &line); err != nil {
					t.Fatalf("log line %q: %v", sc.Text(), err)
				}
				if !lifecycle[line.Msg] {
					continue
				}
				if line.Level == "DEBUG" {
					atDebug++
				} else {
					atInfo++
					t.Errorf("logged at %s: %s", line.Level, sc.Text())
				}
			}
			// The registry's logger is at DEBUG: the lines are there, lower.
			if atDebug == 0 {
				t.Errorf("no watermill lifecycle line at DEBUG either: is the test looking at the right lines?")
			}
		})
	}
}
