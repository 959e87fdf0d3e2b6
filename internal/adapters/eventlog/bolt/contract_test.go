package bolt_test

import (
	"path/filepath"
	"testing"

	"github.com/cloudevents/sdk-go/v2/event"

	"github.com/hypo-registry/registry/internal/adapters/eventlog/bolt"
	"github.com/hypo-registry/registry/testkit/contract"
)

var _ contract.Log = (*bolt.Log)(nil)

func TestContract(t *testing.T) {
	t.Parallel()
	contract.OutcomeLog(t, func(t *testing.T) contract.LogFixture {
		path := filepath.Join(t.TempDir(), "events.db")
		l := openLog(t, path, bolt.Options{})
		return contract.LogFixture{
			Log: l,
			Reopen: func(t *testing.T) contract.Log {
				if err := l.Close(); err != nil {
					t.Fatal(err)
				}
				l = openLog(t, path, bolt.Options{})
				return l
			},
			Events: func(t *testing.T, n int) []string {
				var ids []string
				_, err := l.Read(t.Context(), 1, n, func(_ uint64, e event.Event) error {
					ids = append(ids, e.ID())
					return nil
				})
				if err != nil || len(ids) < n {
					t.Fatalf("read %d of %d events: %v", len(ids), n, err)
				}
				return ids
			},
		}
	})
}
