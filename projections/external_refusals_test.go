package projections_test

import (
	"testing"

	"go.etcd.io/bbolt"

	"github.com/hypo-registry/registry/projections"
)

func TestExternalRefusals(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		setup func(t *testing.T, db *bbolt.DB)
		ps    func(t *testing.T) []projections.Projection
	}{
		{
			name: "projection added to a fed database",
			setup: func(t *testing.T, db *bbolt.DB) {
				x := newExternal(t, db, projections.NewAudit(hasher(t)))
				mustApply(t, x, []projections.ExternalOutcome{applied}, rec(src0, 1, evp(t, 1)))
			},
			ps: func(t *testing.T) []projections.Projection {
				return []projections.Projection{projections.NewAudit(hasher(t)), &counter{name: "count"}}
			},
		},
		{
			name: "database fed by the embedded log",
			setup: func(t *testing.T, db *bbolt.DB) {
				l := newLog(t)
				fillLog(t, l, 1, 3)
				r, err := projections.NewRunner(db, l, projections.NewAudit(hasher(t)))
				if err != nil {
					t.Fatal(err)
				}
				if err := r.CatchUp(t.Context()); err != nil {
					t.Fatal(err)
				}
			},
			ps: func(t *testing.T) []projections.Projection {
				return []projections.Projection{projections.NewAudit(hasher(t))}
			},
		},
		{
			name:  "duplicate names",
			setup: func(*testing.T, *bbolt.DB) {},
			ps: func(t *testing.T) []projections.Projection {
				return []projections.Projection{&counter{name: "c"}, &counter{name: "c"}}
			},
		},
		{
			name:  "reserved name",
			setup: func(*testing.T, *bbolt.DB) {},
			ps: func(t *testing.T) []projections.Projection {
				return []projections.Projection{&counter{name: projections.ExternalSeqKey}}
			},
		},
		{
			name:  "no projections",
			setup: func(*testing.T, *bbolt.DB) {},
			ps:    func(*testing.T) []projections.Projection { return nil },
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			db := newDB(t)
			tt.setup(t, db)
			if _, err := projections.NewExternal(db, tt.ps(t)...); err == nil {
				t.Fatal("NewExternal accepted it")
			}
		})
	}
}
