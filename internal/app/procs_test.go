package app_test

import (
	"runtime"
	"testing"

	"github.com/hypo-registry/registry/internal/app"
)

// SyncProcs adds one P to the default, and keeps a number the operator set
// in GOMAXPROCS (an unusable value is ignored, as the runtime ignores it).
// Not parallel: it changes the process's GOMAXPROCS while it runs.
func TestSyncProcsAddsOneUnlessSet(t *testing.T) {
	base := runtime.GOMAXPROCS(0)
	t.Cleanup(func() { runtime.GOMAXPROCS(base) })
	for _, tc := range []struct {
		name  string
		env   map[string]string
		added bool
	}{
		{"unset", map[string]string{}, true},
		{"set", map[string]string{"GOMAXPROCS": "7"}, false},
		{"empty", map[string]string{"GOMAXPROCS": ""}, true},
		{"not a number", map[string]string{"GOMAXPROCS": "many"}, true},
		{"zero", map[string]string{"GOMAXPROCS": "0"}, true},
	} {
		runtime.GOMAXPROCS(base)
		lookup := func(k string) (string, bool) { v, ok := tc.env[k]; return v, ok }
		procs, added := app.SyncProcs(lookup)
		want := base
		if tc.added {
			want = base + 1
		}
		if added != tc.added || procs != want || runtime.GOMAXPROCS(0) != want {
			t.Errorf("%s: SyncProcs = %d, %v and GOMAXPROCS %d; want %d, %v", tc.name, procs, added, runtime.GOMAXPROCS(0), want, tc.added)
		}
		// The cores the audit log measures its CPU against: the P added
		// for the syncs is not one.
		if got := app.Cores(); got != base {
			t.Errorf("%s: Cores = %d, want %d", tc.name, got, base)
		}
	}
}
