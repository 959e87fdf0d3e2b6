package kafka_test

import (
	"testing"

	"github.com/hypo-registry/registry/events"
	"github.com/hypo-registry/registry/internal/adapters/eventlog/kafka"
	"github.com/hypo-registry/registry/testkit"
	"github.com/hypo-registry/registry/testkit/contract"
)

var _ contract.Log = (*kafka.Log)(nil)

// The outbox answers the contract; its events are read back from the
// topic, where the relay puts them, each subtest with its own broker.
func TestContract(t *testing.T) {
	t.Parallel()
	contract.OutcomeLog(t, func(t *testing.T) contract.LogFixture {
		k := testkit.StartKafka(t)
		cfg := config(t, k)
		l := openLog(t, cfg)
		return contract.LogFixture{
			Log: l,
			Reopen: func(t *testing.T) contract.Log {
				if err := l.Close(); err != nil {
					t.Fatal(err)
				}
				l = openLog(t, cfg)
				return l
			},
			Events: func(t *testing.T, n int) []string {
				var ids []string
				for _, r := range consume(t, k.Brokers, events.TopicEvents, n)[:n] {
					ids = append(ids, header(r, "ce_id"))
				}
				return ids
			},
		}
	})
}
