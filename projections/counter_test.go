package projections_test

import (
	"context"
	"errors"
	"strconv"
	"sync/atomic"
	"testing"

	"github.com/cloudevents/sdk-go/v2/event"
	"go.etcd.io/bbolt"

	"github.com/hypo-registry/registry/projections"
)

// counter stores one key per applied event, so a repeat or a gap shows, and
// can fail on one sequence or cancel a context when it reaches one.
type counter struct {
	name     string
	failAt   atomic.Uint64
	cancelAt uint64
	cancel   context.CancelFunc
}

func (c *counter) Name() string      { return c.name }
func (c *counter) Buckets() []string { return []string{c.name} }
func (c *counter) Apply(tx *bbolt.Tx, seq uint64, _ event.Event) error {
	if seq == c.failAt.Load() {
		return errors.New("boom")
	}
	if c.cancel != nil && seq == c.cancelAt {
		c.cancel()
	}
	b := tx.Bucket([]byte(c.name))
	key := []byte(strconv.FormatUint(seq, 10))
	if b.Get(key) != nil {
		return errors.New("event applied twice")
	}
	return b.Put(key, []byte{1})
}

func countKeys(t *testing.T, db *bbolt.DB, bucket string) int {
	t.Helper()
	dump, err := projections.DumpBuckets(db, bucket)
	if err != nil {
		t.Fatal(err)
	}
	return len(dump[bucket])
}
