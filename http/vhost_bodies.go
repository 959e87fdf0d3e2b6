package rest

import (
	"encoding/json"
	"fmt"
	"net/http"
	"reflect"

	"github.com/hypo-registry/registry/handlers"
)

// hostBody is a new virtual host (seed 004, POST virtualHost).
type hostBody struct {
	Name              string                     `json:"name"`
	Scheme            string                     `json:"scheme"`
	Port              int                        `json:"port"`
	Timeout           *int64                     `json:"timeout"`
	ServerTimeoutSecs *int64                     `json:"serverTimeoutSecs"`
	Owner             []string                   `json:"owner"`
	SecurityData      map[string]json.RawMessage `json:"securityData"`
}

// createBody takes the host wrapped as seed 004 shows it,
// {"virtualHost":{…}}, or bare.
type createBody struct {
	VirtualHost *hostBody `json:"virtualHost"`
	hostBody
}

func decodeHostBody(w http.ResponseWriter, r *http.Request) (hostBody, error) {
	var b createBody
	if err := decodeJSON(w, r, &b); err != nil {
		return hostBody{}, err
	}
	if b.VirtualHost == nil {
		return b.hostBody, nil
	}
	if !reflect.ValueOf(b.hostBody).IsZero() {
		return hostBody{}, fmt.Errorf("%w: give the host under virtualHost or at the top level, not both", handlers.ErrInvalid)
	}
	return *b.VirtualHost, nil
}

// serverBody is a heartbeat (seed 004, PUT …/server/{server}); serverId, if
// given, must be the path's.
type serverBody struct {
	ServerID string `json:"serverId"`
	Host     string `json:"host"`
	Port     int    `json:"port"`
}

type heartbeatBody struct {
	Server *serverBody `json:"server"`
	serverBody
}

func decodeServerBody(w http.ResponseWriter, r *http.Request, id string) (serverBody, error) {
	var b heartbeatBody
	if err := decodeJSON(w, r, &b); err != nil {
		return serverBody{}, err
	}
	s := b.serverBody
	if b.Server != nil {
		if s != (serverBody{}) {
			return serverBody{}, fmt.Errorf("%w: give the server under server or at the top level, not both", handlers.ErrInvalid)
		}
		s = *b.Server
	}
	if s.ServerID != "" && s.ServerID != id {
		return serverBody{}, fmt.Errorf("%w: serverId in the body is not the one in the path", handlers.ErrInvalid)
	}
	return s, nil
}
