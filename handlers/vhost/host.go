package vhost

import "time"

// Host is a virtual host as the projection holds it: public data, plus the
// tenant whose secret store folder holds its private material.
type Host struct {
	Name    string
	ID      string // this incarnation of the name: a re-created host has another
	Tenant  string
	Scheme  string
	Port    int
	Timeout time.Duration
	Owners  []string
	Cert    string // PEM of the SelfSignedSSL certificate; "" when insecure
	Created time.Time
}

// Secure reports whether the host has security data (seed 004): here, a
// SelfSignedSSL keystore, the one plugin there is.
func (h Host) Secure() bool { return h.Cert != "" }

// Server is one server of a virtual host, as every view shows it.
type Server struct {
	ID   string `json:"serverId"`
	Host string `json:"host"`
	Port int    `json:"port,omitempty"`
	// HB is the time of the last heartbeat, Unix milliseconds (seed 004).
	HB int64 `json:"hb"`
}

// LastHeartbeat is HB as a time.
func (s Server) LastHeartbeat() time.Time { return time.UnixMilli(s.HB) }

// alive reports whether s heartbeat within timeout before now.
func (s Server) alive(now time.Time, timeout time.Duration) bool {
	return !s.LastHeartbeat().Before(now.Add(-timeout))
}

// HostReply is the body of every reply naming one host (seed 004).
type HostReply struct {
	VirtualHost HostView `json:"virtualHost"`
}

// HostView is a host as a caller sees it: the private view (owners and
// admins of the host's tenant) fills SelfSignedSSL's password, alias and
// pkcs12; the public view only its cert. The timeout appears under both of
// its names: "timeout" (seed 004's document) and "serverTimeoutSecs" (its
// implementation).
type HostView struct {
	Name              string        `json:"name"`
	Scheme            string        `json:"scheme,omitempty"`
	Port              int           `json:"port,omitempty"`
	Timeout           int64         `json:"timeout"`
	ServerTimeoutSecs int64         `json:"serverTimeoutSecs"`
	Owner             []string      `json:"owner,omitempty"`
	SecurityData      *SecurityView `json:"securityData,omitempty"`
}

// SecurityView holds one entry per plugin.
type SecurityView struct {
	SelfSignedSSL *SSLView `json:"SelfSignedSSL,omitempty"`
}

// SSLView is the SelfSignedSSL entry. Password, Alias and PKCS12 (Base64)
// are private; Cert (PEM) is public. DName and Validity (days) are the
// options the certificate was made with, defaults applied: the create
// reply carries them, as seed 004's example response shows; reads do not
// (they are in the certificate).
type SSLView struct {
	Password string `json:"password,omitempty"`
	Alias    string `json:"alias,omitempty"`
	PKCS12   string `json:"pkcs12,omitempty"`
	Cert     string `json:"cert"`
	DName    string `json:"dname,omitempty"`
	Validity int    `json:"validity,omitempty"`
}

// PublicView is the view any caller may have.
func (h Host) PublicView() HostView { return h.view(nil) }

// view builds the reply; private nil gives the public view.
func (h Host) view(private *material) HostView {
	secs := int64(h.Timeout / time.Second)
	v := HostView{Name: h.Name, Scheme: h.Scheme, Port: h.Port, Timeout: secs, ServerTimeoutSecs: secs, Owner: h.Owners}
	if h.Secure() {
		ssl := &SSLView{Cert: h.Cert}
		if private != nil {
			ssl.Password, ssl.Alias, ssl.PKCS12 = private.Password, private.Alias, private.PKCS12
		}
		v.SecurityData = &SecurityView{SelfSignedSSL: ssl}
	}
	return v
}

// ServerReply is the body of a reply naming one server.
type ServerReply struct {
	Server Server `json:"server"`
}

// ServersReply is the body of a server list (seed 004).
type ServersReply struct {
	Server []Server `json:"server"`
}

// NamesReply is the body of the virtual host list (seed 004).
type NamesReply struct {
	VirtualHostNames []string `json:"virtualHostNames"`
}
