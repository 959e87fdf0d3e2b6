package rest

import (
	"encoding/json"
	"net/http"

	"github.com/hypo-registry/registry/handlers"
	"github.com/hypo-registry/registry/handlers/vhost"
	"github.com/hypo-registry/registry/internal/security/auth"
)

// callerAuth is what a virtual-host command needs of the caller: who, the
// groups group owners are matched against, and the values of the claims
// typed owners are matched against (OwnerClaims), from the verified token.
// A claim of another shape than a string or a list of them matches no
// owner.
func (v *vhostRoutes) callerAuth(p *auth.Principal) vhost.Auth {
	a := vhost.Auth{Auth: handlers.Auth{Caller: p.Caller()}, Groups: p.Groups}
	for _, name := range v.deps.OwnerClaims {
		if values, ok := p.ClaimStrings(name); ok && len(values) > 0 {
			if a.Claims == nil {
				a.Claims = map[string][]string{}
			}
			a.Claims[name] = values
		}
	}
	return a
}

// send is Server.send with seed 004's error body. Writes wait for the
// projections before answering (Sync), so the caller's next read sees them.
func (v *vhostRoutes) send(w http.ResponseWriter, r *http.Request, p *auth.Principal, op string, cmd any, write bool) (json.RawMessage, bool) {
	data, ok := v.s.send(w, r, *p, op, cmd, writeVHErr)
	if ok && write && v.deps.Sync != nil {
		if err := v.deps.Sync(r.Context()); err != nil {
			// The change is committed; only its visibility is late.
			v.s.deps.Logger.Warn("projections behind after a write", "op", op, "correlation_id", w.Header().Get("X-Correlation-ID"), "error", err)
		}
	}
	return data, ok
}

// vars returns the decoded path variables named, or answers 400.
func vars(w http.ResponseWriter, r *http.Request, keys ...string) ([]string, bool) {
	out := make([]string, len(keys))
	for i, k := range keys {
		v, err := pathVar(r, k)
		if err != nil {
			writeVHError(w, err)
			return nil, false
		}
		out[i] = v
	}
	return out, true
}

func (v *vhostRoutes) listHosts(w http.ResponseWriter, r *http.Request, _ *auth.Principal) {
	names, err := v.deps.Queries.Names(r.Context())
	if err != nil {
		writeVHError(w, err)
		return
	}
	writeVHJSON(w, names)
}

func (v *vhostRoutes) createHost(w http.ResponseWriter, r *http.Request, p *auth.Principal) {
	body, err := decodeHostBody(w, r)
	if err != nil {
		writeVHError(w, err)
		return
	}
	cmd := &vhost.CreateVirtualHost{
		Auth: v.callerAuth(p), Name: body.Name, Scheme: body.Scheme, Port: body.Port,
		Timeout: body.Timeout, ServerTimeoutSecs: body.ServerTimeoutSecs, Owners: body.Owner, SecurityData: body.SecurityData,
	}
	if data, ok := v.send(w, r, p, "CreateVirtualHost", cmd, true); ok {
		writeData(w, http.StatusOK, data)
	}
}

func (v *vhostRoutes) getHost(w http.ResponseWriter, r *http.Request, p *auth.Principal) {
	vs, ok := vars(w, r, "vh")
	if !ok {
		return
	}
	if p == nil {
		host, err := v.deps.Queries.PublicHost(r.Context(), vs[0])
		if err != nil {
			writeVHError(w, err)
			return
		}
		writeVHJSON(w, host)
		return
	}
	if data, ok := v.s.ask(w, r, *p, "GetVirtualHost", &vhost.GetVirtualHost{Auth: v.callerAuth(p), Name: vs[0]}, writeVHErr); ok {
		writeData(w, http.StatusOK, data)
	}
}

func (v *vhostRoutes) deleteHost(w http.ResponseWriter, r *http.Request, p *auth.Principal) {
	vs, ok := vars(w, r, "vh")
	if !ok {
		return
	}
	if _, ok := v.send(w, r, p, "DeleteVirtualHost", &vhost.DeleteVirtualHost{Auth: v.callerAuth(p), Name: vs[0]}, true); ok {
		writeData(w, http.StatusNoContent, nil)
	}
}

func (v *vhostRoutes) listServers(w http.ResponseWriter, r *http.Request, _ *auth.Principal) {
	vs, ok := vars(w, r, "vh")
	if !ok {
		return
	}
	servers, err := v.deps.Queries.LiveServers(r.Context(), vs[0])
	if err != nil {
		writeVHError(w, err)
		return
	}
	writeVHJSON(w, servers)
}

func (v *vhostRoutes) getServer(w http.ResponseWriter, r *http.Request, _ *auth.Principal) {
	vs, ok := vars(w, r, "vh", "server")
	if !ok {
		return
	}
	server, err := v.deps.Queries.LiveServer(r.Context(), vs[0], vs[1])
	if err != nil {
		writeVHError(w, err)
		return
	}
	writeVHJSON(w, server)
}

func (v *vhostRoutes) heartbeat(w http.ResponseWriter, r *http.Request, p *auth.Principal) {
	vs, ok := vars(w, r, "vh", "server")
	if !ok {
		return
	}
	body, err := decodeServerBody(w, r, vs[1])
	if err != nil {
		writeVHError(w, err)
		return
	}
	cmd := &vhost.HeartbeatServer{Auth: v.callerAuth(p), Name: vs[0], ServerID: vs[1], Host: body.Host, Port: body.Port}
	// No Sync: the reply waits for the event to be durable, and until the
	// projection has it the handlers show it to reads (vhost.Beats).
	if data, ok := v.send(w, r, p, "HeartbeatServer", cmd, false); ok {
		writeData(w, http.StatusOK, data)
	}
}

func (v *vhostRoutes) deleteServer(w http.ResponseWriter, r *http.Request, p *auth.Principal) {
	vs, ok := vars(w, r, "vh", "server")
	if !ok {
		return
	}
	cmd := &vhost.DeleteServer{Auth: v.callerAuth(p), Name: vs[0], ServerID: vs[1]}
	if _, ok := v.send(w, r, p, "DeleteServer", cmd, true); ok {
		writeData(w, http.StatusNoContent, nil)
	}
}

func (v *vhostRoutes) cert(w http.ResponseWriter, r *http.Request, _ *auth.Principal) {
	vs, ok := vars(w, r, "vh")
	if !ok {
		return
	}
	pem, err := v.deps.Queries.Cert(r.Context(), vs[0])
	if err != nil {
		writeVHError(w, err)
		return
	}
	writeText(w, "application/x-pem-file", pem)
}

func (v *vhostRoutes) yfor(w http.ResponseWriter, r *http.Request, _ *auth.Principal) {
	vs, ok := vars(w, r, "vh")
	if !ok {
		return
	}
	cfg, err := v.deps.Queries.YforConfig(r.Context(), vs[0], r.URL.Query())
	if err != nil {
		writeVHError(w, err)
		return
	}
	writeText(w, "text/plain; charset=utf-8", cfg)
}

func (v *vhostRoutes) recrypt(w http.ResponseWriter, r *http.Request, p *auth.Principal) {
	if data, ok := v.send(w, r, p, "RecryptVirtualHosts", &vhost.RecryptVirtualHosts{Auth: v.callerAuth(p)}, false); ok {
		writeData(w, http.StatusOK, data)
	}
}
