package rest

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"strings"

	"github.com/hypo-registry/registry/handlers/vhost"
	"github.com/hypo-registry/registry/internal/security/auth"
	"github.com/hypo-registry/registry/internal/security/authz"
)

// VirtualHostPrefix is where seed 004's registry is served.
const VirtualHostPrefix = "/registry/v1"

// VirtualHostQueries answers the virtual-host reads that need no command:
// vhost.Queries, over the projection.
type VirtualHostQueries interface {
	Names(ctx context.Context) (vhost.NamesReply, error)
	PublicHost(ctx context.Context, name string) (vhost.HostReply, error)
	LiveServers(ctx context.Context, name string) (vhost.ServersReply, error)
	LiveServer(ctx context.Context, name, id string) (vhost.ServerReply, error)
	Cert(ctx context.Context, name string) (string, error)
	YforConfig(ctx context.Context, name string, params url.Values) (string, error)
}

// VirtualHostDeps are what the virtual-host routes need besides the bus.
type VirtualHostDeps struct {
	// Queries reads the virtual-host projection. Required.
	Queries VirtualHostQueries
	// Sync, when set, returns once the projections applied every event
	// committed so far. Writes wait for it before answering, so a client
	// reads its own writes from the projection.
	Sync func(context.Context) error
	// OwnerClaims are the token claims typed owners are matched against
	// (vhost.Config.OwnerClaims): their values are copied from the
	// verified token into every command. Default none: a typed owner
	// matches nobody.
	OwnerClaims []string
	// AnonymousRead serves public data (lists, public views, servers, the
	// certificate, yfor_config) to requests without a token (seed 002).
	// A request with a token is always verified. Default off.
	AnonymousRead bool
}

// MountVirtualHosts serves seed 004's virtual-host registry under
// /registry/v1, with seed 004's error body {"error":{"description":…}} on
// every route there. Call it once, before serving.
func (s *Server) MountVirtualHosts(deps VirtualHostDeps) error {
	if deps.Queries == nil {
		return errors.New("rest: mount virtual hosts: Queries is required")
	}
	v := &vhostRoutes{s: s, deps: deps}
	r := s.router.PathPrefix(VirtualHostPrefix).Subrouter()
	// gorilla/mux reports some method mismatches under a subrouter as not
	// found: a path another method serves is 405 either way.
	notServed := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if allow := s.allowedMethods(r); len(allow) > 0 {
			w.Header().Set("Allow", strings.Join(allow, ", "))
			writeVHError(w, errMethod)
			return
		}
		writeVHError(w, errRouteNotFound)
	})
	r.NotFoundHandler, r.MethodNotAllowedHandler = notServed, notServed
	r.HandleFunc("/status", v.status).Methods(http.MethodGet)
	r.HandleFunc("/virtualHost", v.read(v.listHosts)).Methods(http.MethodGet)
	r.HandleFunc("/virtualHost", v.write(v.createHost)).Methods(http.MethodPost)
	r.HandleFunc("/virtualHost/{vh}", v.read(v.getHost)).Methods(http.MethodGet)
	r.HandleFunc("/virtualHost/{vh}", v.write(v.deleteHost)).Methods(http.MethodDelete)
	r.HandleFunc("/virtualHost/{vh}/server", v.read(v.listServers)).Methods(http.MethodGet)
	r.HandleFunc("/virtualHost/{vh}/server/{server}", v.read(v.getServer)).Methods(http.MethodGet)
	r.HandleFunc("/virtualHost/{vh}/server/{server}", v.write(v.heartbeat)).Methods(http.MethodPut)
	r.HandleFunc("/virtualHost/{vh}/server/{server}", v.write(v.deleteServer)).Methods(http.MethodDelete)
	r.HandleFunc("/virtualHost/{vh}/"+vhost.PluginSelfSignedSSL+".cert", v.read(v.cert)).Methods(http.MethodGet)
	r.HandleFunc("/virtualHost/{vh}/ext/yahoo/yfor_config", v.read(v.yfor)).Methods(http.MethodGet)
	// Seed 004 documents GET; POST is accepted too, as it changes state.
	r.HandleFunc("/admin/virtualHostRecrypt", v.write(v.recrypt)).Methods(http.MethodGet, http.MethodPost)
	return nil
}

type vhostRoutes struct {
	s    *Server
	deps VirtualHostDeps
}

// vhostHandler runs for a verified caller, or for an anonymous one (p nil)
// where anonymous read is on.
type vhostHandler func(w http.ResponseWriter, r *http.Request, p *auth.Principal)

// read lets anonymous callers through when AnonymousRead is on.
func (v *vhostRoutes) read(h vhostHandler) http.HandlerFunc {
	return v.authed(h, authz.Read, v.deps.AnonymousRead)
}

// write always needs a verified caller.
func (v *vhostRoutes) write(h vhostHandler) http.HandlerFunc { return v.authed(h, authz.Write, false) }

// authed is Server.authed (the same credentials and authorization options)
// with seed 004's error body; the vhost handlers then apply the owner
// rules of seed 004.
func (v *vhostRoutes) authed(h vhostHandler, access authz.Access, anonymous bool) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if len(r.Header.Values("Authorization")) == 0 && anonymous {
			if err := v.s.checkPolicy(r, nil, access); err != nil {
				writeVHError(w, err)
				return
			}
			h(w, r, nil)
			return
		}
		p, err := v.s.authenticate(r)
		if err != nil {
			writeVHError(w, err)
			return
		}
		noteTenant(w, p.Tenant)
		if p, err = v.s.authorize(r, p, access); err != nil {
			writeVHError(w, err)
			return
		}
		h(w, r, &p)
	}
}

func (v *vhostRoutes) status(w http.ResponseWriter, _ *http.Request) {
	writeText(w, "text/plain; charset=utf-8", "OK")
}
