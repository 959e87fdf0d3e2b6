package vhost

import (
	"bytes"
	"encoding/json"
	"fmt"

	"github.com/cloudevents/sdk-go/v2/event"
	"go.etcd.io/bbolt"

	"github.com/hypo-registry/registry/events"
)

// Projection bucket names.
const (
	HostsBucket   = "vhost_hosts"   // name -> storedHost
	ServersBucket = "vhost_servers" // name NUL serverId -> serverRecord
)

// Projection keeps hosts and their servers from the virtual-host events. It
// implements projections.Projection: the runner calls Apply inside its
// batched transactions, so a burst of heartbeats costs one fsync per batch.
// It depends on nothing but the events, so a replay rebuilds it exactly.
type Projection struct {
	beats *Beats
	hosts *HostCache
}

// NewProjection returns the virtual-host projection. Once each transaction
// has committed it tells beats which heartbeats it applied, and hosts
// which hosts it created or deleted; both are nil in a replay, where
// nobody reads ahead of it.
func NewProjection(beats *Beats, hosts *HostCache) *Projection {
	return &Projection{beats: beats, hosts: hosts}
}

// Name is the projection's position key; do not rename.
func (*Projection) Name() string { return "vhost" }

// Buckets lists the hosts and servers buckets.
func (*Projection) Buckets() []string { return []string{HostsBucket, ServersBucket} }

// Apply applies one event; other types are ignored.
func (p *Projection) Apply(tx *bbolt.Tx, _ uint64, e event.Event) error {
	switch e.Type() {
	case events.VirtualHostCreated, events.VirtualHostDeleted, events.VirtualHostServerHeartbeat,
		events.VirtualHostServerDeleted, events.VirtualHostServersCompacted:
	default:
		return nil
	}
	d, err := decodeData(e.Data(), e.Type())
	if err != nil {
		return err
	}
	hosts, servers := tx.Bucket([]byte(HostsBucket)), tx.Bucket([]byte(ServersBucket))
	switch e.Type() {
	case events.VirtualHostCreated, events.VirtualHostDeleted:
		if p.hosts != nil {
			// Applied or not, the cache lets go of the name once this
			// transaction is durable: a read afterwards sees it.
			name := d.Name
			tx.OnCommit(func() { p.hosts.changed(name) })
		}
		if e.Type() == events.VirtualHostCreated {
			return applyCreated(hosts, d)
		}
		return applyDeleted(hosts, servers, d)
	case events.VirtualHostServerHeartbeat:
		if d.Server == nil {
			return nil
		}
		if p.beats != nil {
			// Skipped or applied, the heartbeat is settled once this
			// transaction is durable: its entry in beats must go either way.
			name, id, hb := d.Name, d.ID, d.Server.HB
			tx.OnCommit(func() { p.beats.applied(name, id, hb) })
		}
		if hosts.Get([]byte(d.Name)) == nil {
			return nil // the host was deleted before this heartbeat was applied
		}
		return putJSON(servers, serverKey(d.Name, d.ID), d.Server)
	case events.VirtualHostServerDeleted:
		return servers.Delete(serverKey(d.Name, d.ID))
	default: // compacted
		return applyCompacted(servers, d.Servers)
	}
}

// applyCreated keeps the first host of a name: a second created event for a
// name that exists (two instances racing) loses, whatever it says.
func applyCreated(hosts *bbolt.Bucket, d eventData) error {
	if d.VirtualHost == nil {
		return fmt.Errorf("vhost: created %s: no virtualHost record", d.Name)
	}
	if hosts.Get([]byte(d.Name)) != nil {
		return nil
	}
	return putJSON(hosts, []byte(d.Name), storedHost{ID: d.ID, Tenant: d.Tenant, Record: *d.VirtualHost})
}

// applyDeleted removes the host it names, if it is the same incarnation, and
// every server of it.
func applyDeleted(hosts, servers *bbolt.Bucket, d eventData) error {
	raw := hosts.Get([]byte(d.Name))
	if raw == nil {
		return nil
	}
	var cur storedHost
	if err := json.Unmarshal(raw, &cur); err != nil {
		return fmt.Errorf("vhost: host %s: %w", d.Name, err)
	}
	if d.ID != "" && cur.ID != d.ID {
		return nil
	}
	if err := hosts.Delete([]byte(d.Name)); err != nil {
		return err
	}
	prefix := serverPrefix(d.Name)
	var keys [][]byte
	c := servers.Cursor()
	for k, _ := c.Seek(prefix); k != nil && bytes.HasPrefix(k, prefix); k, _ = c.Next() {
		keys = append(keys, bytes.Clone(k))
	}
	for _, k := range keys {
		if err := servers.Delete(k); err != nil {
			return err
		}
	}
	return nil
}

// applyCompacted removes each server only if it has not heartbeat since it
// was judged dead.
func applyCompacted(servers *bbolt.Bucket, refs []ServerRef) error {
	for _, ref := range refs {
		k := serverKey(ref.Name, ref.ID)
		raw := servers.Get(k)
		if raw == nil {
			continue
		}
		var s serverRecord
		if err := json.Unmarshal(raw, &s); err != nil {
			return fmt.Errorf("vhost: server %s/%s: %w", ref.Name, ref.ID, err)
		}
		if s.HB <= ref.HB {
			if err := servers.Delete(k); err != nil {
				return err
			}
		}
	}
	return nil
}

func serverPrefix(name string) []byte { return append([]byte(name), 0) }

func serverKey(name, id string) []byte { return append(serverPrefix(name), id...) }

func putJSON(b *bbolt.Bucket, k []byte, v any) error {
	raw, err := json.Marshal(v)
	if err != nil {
		return err
	}
	return b.Put(k, raw)
}
