package kafka_test

import (
	"context"
	"errors"

	cloudevents "github.com/cloudevents/sdk-go/v2/event"
	"go.etcd.io/bbolt"
)

// stopAt is a projection that cancels a context when it applies the event
// with local sequence at, so a test stops a Feed mid-stream without
// sleeping. It writes nothing.
type stopAt struct {
	at     uint64
	cancel context.CancelFunc
}

func (s *stopAt) Name() string      { return "stop-at" }
func (s *stopAt) Buckets() []string { return nil }
func (s *stopAt) Apply(_ *bbolt.Tx, seq uint64, _ cloudevents.Event) error {
	if s.cancel != nil && seq == s.at {
		s.cancel()
	}
	return nil
}

// failAt is a projection that fails on the event with local sequence at
// while broken is set.
type failAt struct {
	at     uint64
	broken bool
}

func (f *failAt) Name() string      { return "fail-at" }
func (f *failAt) Buckets() []string { return nil }
func (f *failAt) Apply(_ *bbolt.Tx, seq uint64, _ cloudevents.Event) error {
	if f.broken && seq == f.at {
		return errors.New("read model broken")
	}
	return nil
}
