package vhost

import (
	"context"
	"fmt"
	"time"

	"github.com/hypo-registry/registry/handlers"
)

// Queries are the reads REST answers from the projection alone, with no
// command and no event: lists, public data and liveness. Liveness uses the
// handlers' clock (Config.Now), so tests control it.
type Queries struct {
	hosts HostReader
	now   func() time.Time
}

// Names lists every virtual host's name, sorted.
func (q *Queries) Names(ctx context.Context) (NamesReply, error) {
	hosts, err := q.hosts.Hosts(ctx)
	if err != nil {
		return NamesReply{}, fmt.Errorf("list virtual hosts: %w", err)
	}
	names := make([]string, 0, len(hosts))
	for _, h := range hosts {
		names = append(names, h.Name)
	}
	return NamesReply{VirtualHostNames: names}, nil
}

// PublicHost returns the public view of a host, for callers without a
// token when anonymous read is on.
func (q *Queries) PublicHost(ctx context.Context, name string) (HostReply, error) {
	h, err := q.host(ctx, "get virtual host", name)
	if err != nil {
		return HostReply{}, err
	}
	return HostReply{VirtualHost: h.PublicView()}, nil
}

// LiveServers lists a host's servers whose last heartbeat is within the
// host's timeout. Stale servers are hidden, not deleted.
func (q *Queries) LiveServers(ctx context.Context, name string) (ServersReply, error) {
	const op = "list servers"
	h, err := q.host(ctx, op, name)
	if err != nil {
		return ServersReply{}, err
	}
	all, err := q.hosts.Servers(ctx, h.Name)
	if err != nil {
		return ServersReply{}, fmt.Errorf("%s: %w", op, err)
	}
	now := q.now()
	live := make([]Server, 0, len(all))
	for _, s := range all {
		if s.alive(now, h.Timeout) {
			live = append(live, s)
		}
	}
	return ServersReply{Server: live}, nil
}

// ServerStatus is a server with its liveness by its host's timeout.
type ServerStatus struct {
	Server
	Alive bool `json:"alive"`
}

// ServersStatus is every server of a host, stale ones included.
type ServersStatus struct {
	Host           string         `json:"host"`
	TimeoutSeconds int64          `json:"timeoutSeconds"`
	Servers        []ServerStatus `json:"servers"`
}

// Servers lists every server of a host, each alive or stale by the rule
// LiveServers applies: an operator sees what the list hides (the console).
func (q *Queries) Servers(ctx context.Context, name string) (ServersStatus, error) {
	const op = "list servers"
	h, err := q.host(ctx, op, name)
	if err != nil {
		return ServersStatus{}, err
	}
	all, err := q.hosts.Servers(ctx, h.Name)
	if err != nil {
		return ServersStatus{}, fmt.Errorf("%s: %w", op, err)
	}
	now := q.now()
	out := ServersStatus{Host: h.Name, TimeoutSeconds: int64(h.Timeout / time.Second), Servers: make([]ServerStatus, 0, len(all))}
	for _, s := range all {
		out.Servers = append(out.Servers, ServerStatus{Server: s, Alive: s.alive(now, h.Timeout)})
	}
	return out, nil
}

// LiveServer returns one server; a stale one is not found, like in the
// list.
func (q *Queries) LiveServer(ctx context.Context, name, id string) (ServerReply, error) {
	const op = "get server"
	if err := CheckServerID(id); err != nil {
		return ServerReply{}, fmt.Errorf("%s: %w", op, err)
	}
	h, err := q.host(ctx, op, name)
	if err != nil {
		return ServerReply{}, err
	}
	s, err := q.hosts.Server(ctx, h.Name, id)
	if err != nil {
		return ServerReply{}, fmt.Errorf("%s: %w", op, err)
	}
	if !s.alive(q.now(), h.Timeout) {
		return ServerReply{}, fmt.Errorf("%s: server %s of %s has not heartbeat within %s: %w", op, id, h.Name, h.Timeout, handlers.ErrNotFound)
	}
	return ServerReply{Server: s}, nil
}

// Cert returns the PEM of a host's SelfSignedSSL certificate; a host
// without one is not found (seed 004).
func (q *Queries) Cert(ctx context.Context, name string) (string, error) {
	const op = "get certificate"
	h, err := q.host(ctx, op, name)
	if err != nil {
		return "", err
	}
	if h.Cert == "" {
		return "", fmt.Errorf("%s: virtual host %s has no %s certificate: %w", op, h.Name, PluginSelfSignedSSL, handlers.ErrNotFound)
	}
	return h.Cert, nil
}

func (q *Queries) host(ctx context.Context, op, name string) (Host, error) {
	n, err := NormalizeName(name)
	if err != nil {
		return Host{}, fmt.Errorf("%s: %w", op, err)
	}
	h, err := q.hosts.Host(ctx, n)
	if err != nil {
		return Host{}, fmt.Errorf("%s: %w", op, err)
	}
	return h, nil
}
