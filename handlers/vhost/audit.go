package vhost

import (
	"bytes"
	"encoding/json"
	"fmt"

	cloudevents "github.com/cloudevents/sdk-go/v2/event"
	"go.etcd.io/bbolt"

	"github.com/hypo-registry/registry/events"
	"github.com/hypo-registry/registry/projections"
)

// AuditBeatsBucket holds, per server, what the audit log last recorded of
// its heartbeats.
const AuditBeatsBucket = "vhost_audit_beats"

// SampleHeartbeats wraps the audit projection so that it records heartbeats
// sampled rather than each one (unless cfg.All): a server's heartbeat is
// recorded when it is the server's first, when its host or port changed,
// or when the last one recorded is at least cfg.Interval older (by event
// time); a recorded heartbeat carries suppressedHeartbeats, how many were
// left out since the one before. Every other event passes through. The
// choice depends only on the events, so a replay gives the same audit log.
// The wrapper keeps the audit projection's name: its position carries over.
func SampleHeartbeats(audit projections.Projection, cfg AuditConfig) (projections.Projection, error) {
	cfg = cfg.WithDefaults()
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if audit == nil {
		return nil, fmt.Errorf("vhost: sample heartbeats: nil audit projection")
	}
	return &sampledAudit{inner: audit, cfg: cfg}, nil
}

type sampledAudit struct {
	inner projections.Projection
	cfg   AuditConfig
}

// beatState is what the audit log last recorded of one server.
type beatState struct {
	Host       string `json:"host"`
	Port       int    `json:"port,omitempty"`
	At         int64  `json:"at"` // event time, Unix ms
	Suppressed int64  `json:"suppressed"`
}

func (s *sampledAudit) Name() string { return s.inner.Name() }

func (s *sampledAudit) Buckets() []string {
	return append(append([]string(nil), s.inner.Buckets()...), AuditBeatsBucket)
}

func (s *sampledAudit) Apply(tx *bbolt.Tx, seq uint64, e cloudevents.Event) error {
	switch e.Type() {
	case events.VirtualHostServerHeartbeat:
		return s.heartbeat(tx, seq, e)
	case events.VirtualHostDeleted, events.VirtualHostServerDeleted, events.VirtualHostServersCompacted:
		if err := s.forget(tx, e); err != nil {
			return err
		}
	}
	return s.inner.Apply(tx, seq, e)
}

func (s *sampledAudit) heartbeat(tx *bbolt.Tx, seq uint64, e cloudevents.Event) error {
	d, err := decodeData(e.Data(), e.Type())
	if err != nil || d.Server == nil {
		return s.inner.Apply(tx, seq, e) // not ours to judge: record it
	}
	b := tx.Bucket([]byte(AuditBeatsBucket))
	key := serverKey(d.Name, d.ID)
	at := e.Time().UnixMilli()
	var st beatState
	known := false
	if raw := b.Get(key); raw != nil {
		known = json.Unmarshal(raw, &st) == nil
	}
	if !s.cfg.keep(st, known, d.Server.Host, d.Server.Port, at) {
		st.Suppressed++
		return putJSON(b, key, st)
	}
	rec := e
	if known && st.Suppressed > 0 {
		if rec, err = withSuppressed(e, st.Suppressed); err != nil {
			return err
		}
	}
	if err := s.inner.Apply(tx, seq, rec); err != nil {
		return err
	}
	return putJSON(b, key, beatState{Host: d.Server.Host, Port: d.Server.Port, At: at})
}

// withSuppressed returns a copy of e whose data also says how many
// heartbeats the audit log left out before it.
func withSuppressed(e cloudevents.Event, n int64) (cloudevents.Event, error) {
	var data map[string]any
	dec := json.NewDecoder(bytes.NewReader(e.Data()))
	dec.UseNumber()
	if err := dec.Decode(&data); err != nil {
		return e, fmt.Errorf("vhost: audit heartbeat: %w", err)
	}
	data["suppressedHeartbeats"] = n
	out := e.Clone()
	if err := out.SetData(cloudevents.ApplicationJSON, data); err != nil {
		return e, fmt.Errorf("vhost: audit heartbeat: %w", err)
	}
	return out, nil
}

// forget drops the state of servers that are gone, so a server that comes
// back is recorded at once.
func (s *sampledAudit) forget(tx *bbolt.Tx, e cloudevents.Event) error {
	d, err := decodeData(e.Data(), e.Type())
	if err != nil {
		return nil // the inner projection records it as it is
	}
	b := tx.Bucket([]byte(AuditBeatsBucket))
	switch e.Type() {
	case events.VirtualHostDeleted:
		prefix := serverPrefix(d.Name)
		var keys [][]byte
		c := b.Cursor()
		for k, _ := c.Seek(prefix); k != nil && bytes.HasPrefix(k, prefix); k, _ = c.Next() {
			keys = append(keys, bytes.Clone(k))
		}
		for _, k := range keys {
			if err := b.Delete(k); err != nil {
				return err
			}
		}
	case events.VirtualHostServerDeleted:
		return b.Delete(serverKey(d.Name, d.ID))
	default:
		for _, ref := range d.Servers {
			if err := b.Delete(serverKey(ref.Name, ref.ID)); err != nil {
				return err
			}
		}
	}
	return nil
}
