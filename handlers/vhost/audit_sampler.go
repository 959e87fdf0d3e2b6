package vhost

import (
	"strings"
	"sync"
	"time"

	cloudevents "github.com/cloudevents/sdk-go/v2/event"

	"github.com/hypo-registry/registry/events"
)

// keep reports whether a heartbeat of a server whose last recorded one is
// st (known: there is one) is recorded: its first, a changed host or port,
// or Interval after the last one recorded (unless All records each).
func (c AuditConfig) keep(st beatState, known bool, host string, port int, at int64) bool {
	changed := !known || st.Host != host || st.Port != port
	return c.All || changed || time.Duration(at-st.At)*time.Millisecond >= c.Interval
}

// BeatSampler chooses the heartbeats the audit log records, by the rule
// SampleHeartbeats applies to the audit projection, keeping what it last
// recorded of each server in memory: after a restart each server's next
// heartbeat is recorded again. Safe for concurrent use.
type BeatSampler struct {
	cfg   AuditConfig
	mu    sync.Mutex
	beats map[string]beatState
}

// NewBeatSampler returns a sampler applying cfg.
func NewBeatSampler(cfg AuditConfig) (*BeatSampler, error) {
	cfg = cfg.WithDefaults()
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	return &BeatSampler{cfg: cfg, beats: map[string]beatState{}}, nil
}

// Sample returns the event the audit log records for e, and false when it
// records none: a heartbeat left out. A recorded heartbeat carries
// suppressedHeartbeats when some were left out before it. Every other event
// passes; a deletion forgets the servers it removes, so one that comes back
// is recorded at once.
func (s *BeatSampler) Sample(e cloudevents.Event) (cloudevents.Event, bool, error) {
	switch e.Type() {
	case events.VirtualHostServerHeartbeat:
		return s.heartbeat(e)
	case events.VirtualHostDeleted, events.VirtualHostServerDeleted, events.VirtualHostServersCompacted:
		s.forget(e)
	}
	return e, true, nil
}

func (s *BeatSampler) heartbeat(e cloudevents.Event) (cloudevents.Event, bool, error) {
	d, err := decodeData(e.Data(), e.Type())
	if err != nil || d.Server == nil {
		return e, true, nil // not ours to judge: record it
	}
	key := string(serverKey(d.Name, d.ID))
	at := e.Time().UnixMilli()
	s.mu.Lock()
	st, known := s.beats[key]
	if !s.cfg.keep(st, known, d.Server.Host, d.Server.Port, at) {
		st.Suppressed++
		s.beats[key] = st
		s.mu.Unlock()
		return e, false, nil
	}
	s.beats[key] = beatState{Host: d.Server.Host, Port: d.Server.Port, At: at}
	s.mu.Unlock()
	if known && st.Suppressed > 0 {
		rec, err := withSuppressed(e, st.Suppressed)
		return rec, err == nil, err
	}
	return e, true, nil
}

func (s *BeatSampler) forget(e cloudevents.Event) {
	d, err := decodeData(e.Data(), e.Type())
	if err != nil {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	switch e.Type() {
	case events.VirtualHostDeleted:
		prefix := string(serverPrefix(d.Name))
		for k := range s.beats {
			if strings.HasPrefix(k, prefix) {
				delete(s.beats, k)
			}
		}
	case events.VirtualHostServerDeleted:
		delete(s.beats, string(serverKey(d.Name, d.ID)))
	default:
		for _, ref := range d.Servers {
			delete(s.beats, string(serverKey(ref.Name, ref.ID)))
		}
	}
}
