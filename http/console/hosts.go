package console

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"

	"github.com/hypo-registry/registry/handlers/vhost"
)

// VirtualHosts reads the virtual-host projection: the REST routes' reads
// (vhost.Queries), and every server with its liveness.
type VirtualHosts interface {
	Names(ctx context.Context) (vhost.NamesReply, error)
	PublicHost(ctx context.Context, name string) (vhost.HostReply, error)
	Servers(ctx context.Context, name string) (vhost.ServersStatus, error)
	Cert(ctx context.Context, name string) (string, error)
}

type hostsPage struct{ Names []string }

func (hostsPage) title() string   { return "Virtual hosts" }
func (hostsPage) current() string { return "hosts" }

type hostPage struct {
	Host    vhost.HostView
	Servers vhost.ServersStatus
}

func (p hostPage) title() string { return p.Host.Name }
func (hostPage) current() string { return "hosts" }

func (c *Console) listHosts(w http.ResponseWriter, r *http.Request, v *visit) {
	names, err := c.deps.VirtualHosts.Names(r.Context())
	if err != nil {
		c.renderFailure(w, r, v, err)
		return
	}
	c.render(w, r, v, http.StatusOK, "hosts.html", hostsPage{Names: names.VirtualHostNames})
}

// showHost shows a host's public view and its servers, alive or stale;
// the page's script polls hostServers to follow heartbeats.
func (c *Console) showHost(w http.ResponseWriter, r *http.Request, v *visit) {
	host, err := c.deps.VirtualHosts.PublicHost(r.Context(), r.PathValue("name"))
	if err != nil {
		c.renderFailure(w, r, v, err)
		return
	}
	servers, err := c.deps.VirtualHosts.Servers(r.Context(), host.VirtualHost.Name)
	if err != nil {
		c.renderFailure(w, r, v, err)
		return
	}
	c.render(w, r, v, http.StatusOK, "host.html", hostPage{Host: host.VirtualHost, Servers: servers})
}

// hostServers answers a host's servers with their liveness, as JSON, for
// the page's polling.
func (c *Console) hostServers(w http.ResponseWriter, r *http.Request, v *visit) {
	servers, err := c.deps.VirtualHosts.Servers(r.Context(), r.PathValue("name"))
	if err != nil {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(statusOf(err))
		_, _ = w.Write([]byte(`{"error":"unavailable"}`))
		return
	}
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(servers)
}

// hostCert downloads a host's public SelfSignedSSL certificate.
func (c *Console) hostCert(w http.ResponseWriter, r *http.Request, v *visit) {
	name := r.PathValue("name")
	pem, err := c.deps.VirtualHosts.Cert(r.Context(), name)
	if err != nil {
		c.renderFailure(w, r, v, err)
		return
	}
	file := strings.Map(func(r rune) rune {
		if r == '.' || r == '-' || (r >= 'a' && r <= 'z') || (r >= '0' && r <= '9') {
			return r
		}
		return '_'
	}, strings.ToLower(name))
	w.Header().Set("Content-Type", "application/x-pem-file")
	w.Header().Set("Content-Disposition", `attachment; filename="`+file+`.pem"`)
	_, _ = w.Write([]byte(pem))
}
