package vhost

import (
	"sync"
	"time"
)

// beatTTL bounds how long a heartbeat the projection has not applied
// overrides it: the projection applies within its batch delay, so an entry
// this old means it is failing, and reads then show what it has.
const beatTTL = time.Minute

// Beats holds the heartbeats this instance committed that the projection
// may not have applied yet, so that a heartbeat is answered once its event
// is durable, without waiting for the projection's transaction, and a read
// after the answer still shows it (read-your-writes on this instance).
//
// A heartbeat is staged before its event is committed (not shown), shown
// once the commit is durable, and dropped when the projection has applied
// a heartbeat of that server at least as new (the projection, which tells
// Beats after each transaction, shows it then). Because the entry exists
// before the event can be applied, no application is missed: an entry
// shown is one whose event is not applied yet, so it is newer than every
// deletion the projection shows, and it wins over the projection.
type Beats struct {
	now func() time.Time

	mu    sync.Mutex
	hosts map[string]map[string]*beat // host name → server id
	swept time.Time
}

type beat struct {
	shown   *serverRecord // newest committed heartbeat not yet applied
	staged  int           // heartbeats handled whose commit is not settled
	applied int64         // newest HB the projection applied while the entry lived
	at      time.Time     // when shown was set
}

// NewBeats returns an empty set on the wall clock (entry ages only; a
// heartbeat's time comes from the handlers' clock).
func NewBeats() *Beats {
	return &Beats{now: time.Now, hosts: map[string]map[string]*beat{}}
}

// stage notes a heartbeat about to be committed and returns what the bus
// calls once the commit is settled (handlers.Result.Committed).
func (b *Beats) stage(name, id string, rec serverRecord) func(committed bool) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.sweep()
	servers := b.hosts[name]
	if servers == nil {
		servers = map[string]*beat{}
		b.hosts[name] = servers
	}
	e := servers[id]
	if e == nil {
		e = &beat{applied: -1 << 63}
		servers[id] = e
	}
	e.staged++
	return func(committed bool) { b.settle(name, id, rec, committed) }
}

func (b *Beats) settle(name, id string, rec serverRecord, committed bool) {
	b.mu.Lock()
	defer b.mu.Unlock()
	e := b.hosts[name][id]
	if e == nil {
		return // swept: the projection is failing
	}
	e.staged--
	if committed && rec.HB > e.applied && (e.shown == nil || rec.HB >= e.shown.HB) {
		e.shown, e.at = &rec, b.now()
	}
	b.dropIfDone(name, id, e)
}

// applied is told by the projection, after its transaction committed, that
// it applied (or, for a host it no longer has, skipped) a heartbeat of
// server id of host name with time hb.
func (b *Beats) applied(name, id string, hb int64) {
	b.mu.Lock()
	defer b.mu.Unlock()
	e := b.hosts[name][id]
	if e == nil {
		return
	}
	e.applied = max(e.applied, hb)
	if e.shown != nil && e.shown.HB <= hb {
		e.shown = nil
	}
	b.dropIfDone(name, id, e)
}

func (b *Beats) dropIfDone(name, id string, e *beat) {
	if e.staged > 0 || e.shown != nil {
		return
	}
	delete(b.hosts[name], id)
	if len(b.hosts[name]) == 0 {
		delete(b.hosts, name)
	}
}

// server returns the heartbeat of server id of host name the projection
// may not show yet.
func (b *Beats) server(name, id string) (Server, bool) {
	b.mu.Lock()
	defer b.mu.Unlock()
	e := b.hosts[name][id]
	if e == nil || !b.fresh(e) {
		return Server{}, false
	}
	return e.shown.server(id), true
}

// servers returns the heartbeats of host name the projection may not show
// yet, by server id.
func (b *Beats) servers(name string) map[string]Server {
	b.mu.Lock()
	defer b.mu.Unlock()
	var out map[string]Server
	for id, e := range b.hosts[name] {
		if !b.fresh(e) {
			continue
		}
		if out == nil {
			out = map[string]Server{}
		}
		out[id] = e.shown.server(id)
	}
	return out
}

func (b *Beats) fresh(e *beat) bool {
	return e.shown != nil && b.now().Sub(e.at) <= beatTTL
}

// sweep drops entries past beatTTL, at most once per beatTTL: only a
// failing projection leaves them.
func (b *Beats) sweep() {
	now := b.now()
	if now.Sub(b.swept) < beatTTL {
		return
	}
	b.swept = now
	for name, servers := range b.hosts {
		for id, e := range servers {
			if e.shown != nil && now.Sub(e.at) > beatTTL {
				e.shown = nil
			}
			b.dropIfDone(name, id, e)
		}
	}
}

func (r serverRecord) server(id string) Server {
	return Server{ID: id, Host: r.Host, Port: r.Port, HB: r.HB}
}
