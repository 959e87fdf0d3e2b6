package projections_test

import (
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/cloudevents/sdk-go/v2/event"

	"github.com/hypo-registry/registry/projections"
)

const typeDeleted = "io.hypo.registry.imagepull.secret.deleted"

func TestTailAudit(t *testing.T) {
	t.Parallel()
	l := newLog(t)
	// Events 1..300, a minute apart; tenants alternate; every third is a delete.
	var evs []event.Event
	for i := 1; i <= 300; i++ {
		tenant, typ := "acme", typeCreated
		if i%2 == 0 {
			tenant = "globex"
		}
		if i%3 == 0 {
			typ = typeDeleted
		}
		evs = append(evs, ev(t, i, tenant, typ, nil))
	}
	if _, err := l.Commit(t.Context(), "", evs, nil); err != nil {
		t.Fatal(err)
	}
	db := project(t, l)
	at := func(i int) time.Time { return baseTime.Add(time.Duration(i) * time.Minute) }
	tests := []struct {
		name string
		f    projections.AuditFilter
		want []uint64
	}{
		{"tenant and type", projections.AuditFilter{Tenant: "globex", Types: []string{typeDeleted}, Until: at(25)},
			[]uint64{6, 12, 18, 24}},
		{"time window", projections.AuditFilter{Since: at(10), Until: at(13)}, []uint64{10, 11, 12}},
		{"limit keeps the newest", projections.AuditFilter{Tenant: "acme", Limit: 3}, []uint64{295, 297, 299}},
		{"several types", projections.AuditFilter{Types: []string{typeCreated, typeDeleted}, Since: at(299)}, []uint64{299, 300}},
		{"no match", projections.AuditFilter{Tenant: "initech"}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var got []uint64
			err := projections.TailAudit(db, tt.f, func(r projections.Record) error {
				got = append(got, r.Index)
				return nil
			})
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(got, tt.want) {
				t.Errorf("indices = %v, want %v", got, tt.want)
			}
		})
	}
	t.Run("all, across chunks", func(t *testing.T) {
		t.Parallel()
		if got := records(t, db); len(got) != 300 || got[299].Index != 300 {
			t.Errorf("read %d records", len(got))
		}
	})
	t.Run("callback error stops", func(t *testing.T) {
		t.Parallel()
		stop := errors.New("stop")
		n := 0
		err := projections.TailAudit(db, projections.AuditFilter{}, func(projections.Record) error {
			n++
			return stop
		})
		if !errors.Is(err, stop) || n != 1 {
			t.Errorf("err = %v after %d calls, want stop after 1", err, n)
		}
	})
}
