package vhost

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/hypo-registry/registry/handlers"
)

// pendingTTL bounds how long a change of this instance overrides the
// projection: past it, the change's event was either applied or never
// committed (its command failed after the handler), and the projection is
// right either way.
const pendingTTL = time.Minute

// pending overlays the projection with the host creations and deletions
// this instance handled and the projection may not show yet, so a second
// create of a name is a conflict even before the first is projected. It
// holds one entry per name at most; an entry in progress (busy) refuses
// another change of the name.
type pending struct {
	hosts HostReader
	now   func() time.Time

	mu      sync.Mutex
	entries map[string]*pendingEntry
}

type pendingEntry struct {
	busy    bool
	host    *Host  // created; nil: deleted
	deleted string // the id deleted, when host is nil
	at      time.Time
}

func newPending(hosts HostReader, now func() time.Time) *pending {
	return &pending{hosts: hosts, now: now, entries: map[string]*pendingEntry{}}
}

// lookup returns the host called name (normalised), or ErrNotFound.
func (p *pending) lookup(ctx context.Context, name string) (Host, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.current(ctx, name)
}

// current is lookup under p.mu.
func (p *pending) current(ctx context.Context, name string) (Host, error) {
	projected, err := p.hosts.Host(ctx, name)
	if err != nil && !errors.Is(err, handlers.ErrNotFound) {
		return Host{}, err
	}
	found := err == nil
	e, ok := p.entries[name]
	if !ok || e.busy {
		return projected, err
	}
	shown := e.host != nil && found && projected.ID == e.host.ID ||
		e.host == nil && (!found || projected.ID != e.deleted)
	if shown || p.now().Sub(e.at) > pendingTTL {
		delete(p.entries, name)
		return projected, err
	}
	if e.host == nil {
		return Host{}, fmt.Errorf("virtual host %s: %w", name, handlers.ErrNotFound)
	}
	return *e.host, nil
}

// begin reserves name for one change. exists says whether the change needs
// the host to exist (delete) or not to (create); the other case is
// ErrNotFound or ErrConflict. finish must follow: with the outcome when the
// handler succeeded, with ok false otherwise.
func (p *pending) begin(ctx context.Context, name string, exists bool) (Host, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if e, ok := p.entries[name]; ok && e.busy {
		return Host{}, fmt.Errorf("%w: virtual host %s is being changed by another request", handlers.ErrConflict, name)
	}
	host, err := p.current(ctx, name)
	switch {
	case err != nil && !errors.Is(err, handlers.ErrNotFound):
		return Host{}, err
	case exists && err != nil:
		return Host{}, err
	case !exists && err == nil:
		return Host{}, fmt.Errorf("%w: virtual host %s exists", handlers.ErrConflict, name)
	}
	p.entries[name] = &pendingEntry{busy: true}
	return host, nil
}

// finish ends a change begun with begin. ok false drops the reservation;
// otherwise created is the new host, or nil when deletedID was deleted.
func (p *pending) finish(name string, ok bool, created *Host, deletedID string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if !ok {
		delete(p.entries, name)
		return
	}
	p.entries[name] = &pendingEntry{host: created, deleted: deletedID, at: p.now()}
}
