package bolt

import (
	"sync"

	"github.com/cloudevents/sdk-go/v2/event"
)

// recentSize is how many of the newest events the log keeps decoded in
// memory (about 1 KiB each): enough for every reader that keeps up (the
// projections and the relay read 256 at a time, the audit feed 1024,
// each right after the commit that woke it) to read what was just
// committed without decoding it again, and little enough to stay a small,
// fixed part of the process's memory.
const recentSize = 512

// recent holds the newest committed events, as Commit was given them, under
// their sequences: a ring of contiguous sequences ending at the log's last.
// Each event a reader keeps up with used to be decoded from JSON once per
// reader (the projections and the audit feed each read every event); from
// here it is not decoded at all. Readers treat events as values they do not
// change (Clone before any Set), which is what makes sharing them safe.
type recent struct {
	mu    sync.RWMutex
	ring  []event.Event
	first uint64 // sequence of the oldest event held; 0 when none
	n     int
}

func newRecent() *recent { return &recent{ring: make([]event.Event, recentSize)} }

// add records evs, committed under sequences last-len(evs)+1 … last. A gap
// (events committed without being given here) restarts the ring.
func (r *recent) add(last uint64, evs []event.Event) {
	if len(evs) == 0 {
		return
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	from := last - uint64(len(evs)) + 1
	if r.n > 0 && r.first+uint64(r.n) != from {
		r.first, r.n = 0, 0
	}
	if r.n == 0 {
		r.first = from
	}
	for _, e := range evs {
		if r.n == len(r.ring) {
			r.ring[r.first%uint64(len(r.ring))] = event.Event{}
			r.first++
			r.n--
		}
		r.ring[(r.first+uint64(r.n))%uint64(len(r.ring))] = e
		r.n++
	}
}

// get appends to out the held events from sequence from on, at most n,
// and returns it; none when from is not held.
func (r *recent) get(from uint64, n int, out []rawEvent) []rawEvent {
	r.mu.RLock()
	defer r.mu.RUnlock()
	if r.n == 0 || from < r.first || from >= r.first+uint64(r.n) {
		return out
	}
	end := min(r.first+uint64(r.n), from+uint64(n))
	for seq := from; seq < end; seq++ {
		out = append(out, rawEvent{seq: seq, event: r.ring[seq%uint64(len(r.ring))]})
	}
	return out
}

// reset forgets every event held (the log was trimmed).
func (r *recent) reset() {
	r.mu.Lock()
	defer r.mu.Unlock()
	clear(r.ring)
	r.first, r.n = 0, 0
}
