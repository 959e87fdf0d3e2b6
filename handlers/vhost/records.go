package vhost

import (
	"fmt"
	"time"

	jsoniter "github.com/json-iterator/go"

	"github.com/hypo-registry/registry/events"
)

// hostRecord is a host's public record: the "virtualHost" data of a created
// event (a clear field: public by design) and, with id and tenant, the
// value the projection stores.
type hostRecord struct {
	Scheme       string          `json:"scheme,omitempty"`
	Port         int             `json:"port,omitempty"`
	TimeoutSecs  int64           `json:"serverTimeoutSecs"`
	Owner        []string        `json:"owner,omitempty"`
	SecurityData *publicSecurity `json:"securityData,omitempty"`
	Created      int64           `json:"created"` // Unix ms
}

// publicSecurity holds only what the public view shows: never a password,
// an alias or a keystore.
type publicSecurity struct {
	SelfSignedSSL *publicSSL `json:"SelfSignedSSL,omitempty"`
}

type publicSSL struct {
	Cert string `json:"cert"`
}

// storedHost is the projection's value for a host.
type storedHost struct {
	ID     string     `json:"id"`
	Tenant string     `json:"tenant"`
	Record hostRecord `json:"virtualHost"`
}

func recordOf(h Host) hostRecord {
	r := hostRecord{Scheme: h.Scheme, Port: h.Port, TimeoutSecs: int64(h.Timeout / time.Second), Owner: h.Owners, Created: h.Created.UnixMilli()}
	if h.Cert != "" {
		r.SecurityData = &publicSecurity{SelfSignedSSL: &publicSSL{Cert: h.Cert}}
	}
	return r
}

func (s storedHost) host(name string) Host {
	h := Host{
		Name: name, ID: s.ID, Tenant: s.Tenant, Scheme: s.Record.Scheme, Port: s.Record.Port,
		Timeout: time.Duration(s.Record.TimeoutSecs) * time.Second, Owners: s.Record.Owner,
		Created: time.UnixMilli(s.Record.Created).UTC(),
	}
	if sd := s.Record.SecurityData; sd != nil && sd.SelfSignedSSL != nil {
		h.Cert = sd.SelfSignedSSL.Cert
	}
	return h
}

// serverRecord is the "server" data of a heartbeat (a clear field) and the
// projection's value for a server.
type serverRecord struct {
	Host string `json:"host"`
	Port int    `json:"port,omitempty"`
	HB   int64  `json:"hb"`
}

// eventData is r as a heartbeat event's "server" data: the map encodes as
// r does (port left out when zero), and keeps the event's redaction on
// redact's path without a JSON round trip.
func (r serverRecord) eventData() map[string]any {
	m := map[string]any{"host": r.Host, "hb": r.HB}
	if r.Port != 0 {
		m["port"] = r.Port
	}
	return m
}

// ServerRef names one server, with the heartbeat it was judged by.
type ServerRef struct {
	Name string `json:"name"`
	ID   string `json:"id"`
	HB   int64  `json:"hb"`
}

// eventData is the data of every virtual-host event, as the projection
// reads it.
type eventData struct {
	Name        string        `json:"name"`
	ID          string        `json:"id"`
	Tenant      string        `json:"tenant"`
	VirtualHost *hostRecord   `json:"virtualHost"`
	Server      *serverRecord `json:"server"`
	Servers     []ServerRef   `json:"servers"`
}

// jsonData decodes event data, the service's own (as the owners
// projection does): json-iterator takes a fraction of encoding/json's time
// on it, and the projection and the audit's heartbeat sampler decode every
// heartbeat's.
var jsonData = jsoniter.ConfigCompatibleWithStandardLibrary

func decodeData(raw []byte, typ string) (eventData, error) {
	var d eventData
	if err := jsonData.Unmarshal(raw, &d); err != nil {
		return d, fmt.Errorf("vhost: decode %s: %w", typ, err)
	}
	if d.Name == "" && typ != events.VirtualHostServersCompacted {
		return d, fmt.Errorf("vhost: decode %s: no name", typ)
	}
	return d, nil
}
