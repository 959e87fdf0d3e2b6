package vhost

import (
	"context"
	"errors"
	"slices"
	"strings"

	"github.com/hypo-registry/registry/handlers"
)

// withBeats is the projection's HostReader with this instance's heartbeats
// that the projection may not have applied yet laid over its servers: what
// every read of a server (the handlers' and the Queries') goes through.
type withBeats struct {
	HostReader
	beats *Beats
}

// Server is the projection's server, or this instance's newer heartbeat of
// it; an unknown host stays ErrNotFound.
func (r withBeats) Server(ctx context.Context, name, id string) (Server, error) {
	s, err := r.HostReader.Server(ctx, name, id)
	if err != nil && !errors.Is(err, handlers.ErrNotFound) {
		return s, err
	}
	beat, ok := r.beats.server(name, id)
	if !ok {
		return s, err
	}
	if err != nil {
		if _, err := r.HostReader.Host(ctx, name); err != nil {
			return Server{}, err
		}
	}
	return beat, nil
}

// Servers is the projection's servers of a host with this instance's newer
// heartbeats in their place, by id.
func (r withBeats) Servers(ctx context.Context, name string) ([]Server, error) {
	all, err := r.HostReader.Servers(ctx, name)
	if err != nil {
		return nil, err
	}
	recent := r.beats.servers(name)
	if len(recent) == 0 {
		return all, nil
	}
	for i, s := range all {
		if b, ok := recent[s.ID]; ok {
			all[i] = b
			delete(recent, s.ID)
		}
	}
	for _, b := range recent {
		all = append(all, b)
	}
	slices.SortFunc(all, func(a, b Server) int { return strings.Compare(a.ID, b.ID) })
	return all, nil
}
