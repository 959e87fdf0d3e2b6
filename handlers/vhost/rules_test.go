package vhost_test

import (
	"encoding/json"
	"testing"

	"github.com/hypo-registry/registry/handlers/vhost"
	"github.com/hypo-registry/registry/handlers/vhost/vhosttest"
)

func int64p(v int64) *int64 { return &v }

func ssl(cfg string) map[string]json.RawMessage {
	return map[string]json.RawMessage{vhost.PluginSelfSignedSSL: json.RawMessage(cfg)}
}

// TestCreateRules: seed 004's rules for adding a virtual host, one case
// each, on the real bus.
func TestCreateRules(t *testing.T) {
	t.Parallel()
	h := vhosttest.Start(t, vhosttest.Options{})
	mustSend(t, h, insecure(alice, "taken.example"), alice)
	sync(t, h)
	tests := []struct {
		name string
		cmd  *vhost.CreateVirtualHost
		want error
	}{
		{"insecure without owners", insecure(alice, "plain.example"), nil},
		{"insecure with scheme port timeout", &vhost.CreateVirtualHost{Auth: alice, Name: "full.example", Scheme: "https", Port: 8443, Timeout: int64p(30)}, nil},
		{"both timeout names agreeing", &vhost.CreateVirtualHost{Auth: alice, Name: "both.example", Timeout: int64p(30), ServerTimeoutSecs: int64p(30)}, nil},
		{"secure owned by its creator", secure(alice, "s1.example", "user:alice"), nil},
		{"secure, bare owner is a user", secure(alice, "s2.example", "alice"), nil},
		{"secure, creator in an owner group", secure(bob, "s3.example", "group:ops"), nil},
		{"secure, keycloak group path", secure(bob, "s4.example", "group:/ops"), nil},
		{"secure by a platform admin owning nothing", secure(root, "s5.example", "user:alice"), nil},
		{"secure by a tenant admin owning nothing", secure(tom, "s5b.example", "user:alice"), errForbidden},
		{"secure without owners", secure(alice, "s6.example"), errInvalid},
		{"owners on an insecure host", &vhost.CreateVirtualHost{Auth: alice, Name: "s7.example", Owners: []string{"alice"}}, errInvalid},
		{"secure, creator not an owner", secure(mallory, "s8.example", "user:alice"), errForbidden},
		{"secure, creator not in the group", secure(mallory, "s9.example", "group:ops"), errForbidden},
		{"read-only role", insecure(reader, "ro.example"), errForbidden},
		{"unknown plugin", &vhost.CreateVirtualHost{Auth: alice, Name: "u.example", Owners: []string{"alice"}, SecurityData: map[string]json.RawMessage{"Kerberos": json.RawMessage(`{}`)}}, errInvalid},
		{"owner type mapped to no claim, creator owns nothing", secure(alice, "yca.example", "yca:some-role"), errForbidden},
		{"owner type mapped to no claim, by a platform admin", secure(root, "yca2.example", "yca:some-role"), nil},
		{"bad owner type", secure(alice, "yca3.example", "y ca:some-role"), errInvalid},
		{"typed owner without a value", secure(root, "yca4.example", "yca:"), errInvalid},
		{"owner listed twice", secure(alice, "twice.example", "alice", "user:alice"), errInvalid},
		{"empty securityData is insecure", &vhost.CreateVirtualHost{Auth: alice, Name: "empty.example", SecurityData: map[string]json.RawMessage{}}, nil},
		{"plugin config not an object", &vhost.CreateVirtualHost{Auth: alice, Name: "bad1.example", Owners: []string{"alice"}, SecurityData: ssl(`"x"`)}, errInvalid},
		{"plugin config unknown field", &vhost.CreateVirtualHost{Auth: alice, Name: "bad2.example", Owners: []string{"alice"}, SecurityData: ssl(`{"keysize":4096}`)}, errInvalid},
		{"validity negative", &vhost.CreateVirtualHost{Auth: alice, Name: "bad3.example", Owners: []string{"alice"}, SecurityData: ssl(`{"validity":-1}`)}, errInvalid},
		{"dname unknown attribute", &vhost.CreateVirtualHost{Auth: alice, Name: "bad4.example", Owners: []string{"alice"}, SecurityData: ssl(`{"dname":"XX=1"}`)}, errInvalid},
		{"dname bad country", &vhost.CreateVirtualHost{Auth: alice, Name: "bad5.example", Owners: []string{"alice"}, SecurityData: ssl(`{"dname":"CN=a, C=Germany"}`)}, errInvalid},
		{"password beyond the BMP", &vhost.CreateVirtualHost{Auth: alice, Name: "bad6.example", Owners: []string{"alice"}, SecurityData: ssl(`{"password":"\ud83d\ude00"}`)}, errInvalid},
		{"password not ASCII", &vhost.CreateVirtualHost{Auth: alice, Name: "bad8.example", Owners: []string{"alice"}, SecurityData: ssl(`{"password":"pässwort"}`)}, errInvalid},
		{"alias beyond the BMP", &vhost.CreateVirtualHost{Auth: alice, Name: "bad7.example", Owners: []string{"alice"}, SecurityData: ssl(`{"alias":"key\ud83d\udd11"}`)}, errInvalid},
		{"empty name", insecure(alice, ""), errInvalid},
		{"name with underscore", insecure(alice, "bad_name.example"), errInvalid},
		{"label starting with a hyphen", insecure(alice, "-a.example"), errInvalid},
		{"empty label", insecure(alice, "a..example"), errInvalid},
		{"path in name", insecure(alice, "a/b"), errInvalid},
		{"bad scheme", &vhost.CreateVirtualHost{Auth: alice, Name: "sch.example", Scheme: "1http"}, errInvalid},
		{"bad port", &vhost.CreateVirtualHost{Auth: alice, Name: "port.example", Port: 70000}, errInvalid},
		{"timeout zero", &vhost.CreateVirtualHost{Auth: alice, Name: "t0.example", Timeout: int64p(0)}, errInvalid},
		{"timeout names disagree", &vhost.CreateVirtualHost{Auth: alice, Name: "t1.example", Timeout: int64p(30), ServerTimeoutSecs: int64p(60)}, errInvalid},
		{"name taken", insecure(bob, "taken.example"), errConflict},
		{"name taken, other case", insecure(bob, "TAKEN.example"), errConflict},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := send(t, h, tt.cmd, tt.cmd.Auth)
			wantErr(t, "create "+tt.cmd.Name, err, tt.want)
		})
	}
}

// TestCreateTwiceBeforeProjection: a second create of a name is a conflict
// even when the projection has not applied the first yet.
func TestCreateTwiceBeforeProjection(t *testing.T) {
	t.Parallel()
	h := vhosttest.Start(t, vhosttest.Options{})
	mustSend(t, h, secure(alice, "race.example", "alice"), alice)
	_, err := send(t, h, insecure(bob, "race.example"), bob)
	wantErr(t, "second create", err, errConflict)
}

// TestWriteRules: who may heartbeat, delete servers and delete hosts.
func TestWriteRules(t *testing.T) {
	t.Parallel()
	h := vhosttest.Start(t, vhosttest.Options{})
	mustSend(t, h, secure(alice, "sec.example", "user:alice", "group:ops"), alice)
	mustSend(t, h, insecure(alice, "open.example"), alice)
	mustSend(t, h, heartbeat(alice, "sec.example", "s1", "10.0.0.1"), alice)
	mustSend(t, h, heartbeat(alice, "open.example", "s1", "10.0.0.1"), alice)
	sync(t, h)
	tests := []struct {
		name string
		cmd  any
		who  vhost.Auth
		want error
	}{
		{"owner heartbeats", heartbeat(alice, "sec.example", "s2", "a.example"), alice, nil},
		{"group owner heartbeats", heartbeat(bob, "sec.example", "s3", "a.example"), bob, nil},
		{"platform admin heartbeats", heartbeat(root, "sec.example", "s4", "a.example"), root, nil},
		{"another tenant's platform admin heartbeats", heartbeat(pia, "sec.example", "s5", "a.example"), pia, nil},
		{"the tenant's admin heartbeats a secure host it does not own", heartbeat(tom, "sec.example", "s10", "a.example"), tom, errForbidden},
		{"other tenant's admin heartbeats", heartbeat(evAdmin, "sec.example", "s11", "a.example"), evAdmin, errForbidden},
		{"other tenant's admin deletes a secure host's server", &vhost.DeleteServer{Auth: evAdmin, Name: "sec.example", ServerID: "s2"}, evAdmin, errForbidden},
		{"the tenant's admin deletes a secure host's server", &vhost.DeleteServer{Auth: tom, Name: "sec.example", ServerID: "s2"}, tom, errForbidden},
		{"non-owner heartbeats a secure host", heartbeat(mallory, "sec.example", "s6", "a.example"), mallory, errForbidden},
		{"anyone heartbeats an insecure host", heartbeat(eve, "open.example", "s7", "a.example"), eve, nil},
		{"read-only heartbeats", heartbeat(reader, "open.example", "s8", "a.example"), reader, errForbidden},
		{"unknown host", heartbeat(alice, "nope.example", "s1", "a.example"), alice, errNotFound},
		{"no server host", heartbeat(alice, "open.example", "s9", ""), alice, errInvalid},
		{"server host with a space", heartbeat(alice, "open.example", "s9", "a b"), alice, errInvalid},
		{"IPv6 server host", heartbeat(alice, "open.example", "s9", "2001:db8::1"), alice, nil},
		{"bad server id", heartbeat(alice, "open.example", "a/b", "a.example"), alice, errInvalid},
		{"bad server port", &vhost.HeartbeatServer{Auth: alice, Name: "open.example", ServerID: "p", Host: "a.example", Port: -1}, alice, errInvalid},
		{"non-owner deletes a secure host's server", &vhost.DeleteServer{Auth: mallory, Name: "sec.example", ServerID: "s1"}, mallory, errForbidden},
		{"unknown server", &vhost.DeleteServer{Auth: alice, Name: "open.example", ServerID: "zz"}, alice, errNotFound},
		{"anyone deletes an insecure host's server", &vhost.DeleteServer{Auth: eve, Name: "open.example", ServerID: "s1"}, eve, nil},
		{"non-owner deletes a secure host", &vhost.DeleteVirtualHost{Auth: mallory, Name: "sec.example"}, mallory, errForbidden},
		{"other tenant's admin deletes a secure host", &vhost.DeleteVirtualHost{Auth: evAdmin, Name: "sec.example"}, evAdmin, errForbidden},
		{"the tenant's admin deletes a secure host it does not own", &vhost.DeleteVirtualHost{Auth: tom, Name: "sec.example"}, tom, errForbidden},
		{"another tenant's platform admin outside its group deletes a secure host", &vhost.DeleteVirtualHost{Auth: pia, Name: "sec.example"}, pia, errForbidden},
		{"compact as a tenant admin", &vhost.CompactServers{Auth: tom}, tom, errForbidden},
		{"recrypt as a tenant admin", &vhost.RecryptVirtualHosts{Auth: tom}, tom, errForbidden},
		{"delete unknown host", &vhost.DeleteVirtualHost{Auth: alice, Name: "nope.example"}, alice, errNotFound},
		{"compact as non-admin", &vhost.CompactServers{Auth: alice}, alice, errForbidden},
		{"recrypt as non-admin", &vhost.RecryptVirtualHosts{Auth: alice}, alice, errForbidden},
		{"get unknown host", &vhost.GetVirtualHost{Auth: alice, Name: "nope.example"}, alice, errNotFound},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := send(t, h, tt.cmd, tt.who)
			wantErr(t, tt.name, err, tt.want)
		})
	}
	// Last, as they remove the hosts the cases above use.
	_, err := send(t, h, &vhost.DeleteVirtualHost{Auth: bob, Name: "sec.example"}, bob)
	wantErr(t, "group owner deletes the secure host", err, nil)
	_, err = send(t, h, &vhost.DeleteVirtualHost{Auth: eve, Name: "open.example"}, eve)
	wantErr(t, "anyone deletes an insecure host", err, nil)
	sync(t, h)
	if _, err := h.View.Servers(t.Context(), "sec.example"); !isNotFound(err) {
		t.Fatalf("servers of a deleted host: %v, want not found", err)
	}
	_, err = send(t, h, &vhost.DeleteVirtualHost{Auth: bob, Name: "sec.example"}, bob)
	wantErr(t, "delete again", err, errNotFound)
	mustSend(t, h, secure(alice, "sec.example", "alice"), alice) // the name is free again, its material too
	sync(t, h)
	// A platform admin of another tenant that is in the host tenant's group
	// reaches its material, so it may delete the host.
	_, err = send(t, h, &vhost.DeleteVirtualHost{Auth: piaAcme, Name: "sec.example"}, piaAcme)
	wantErr(t, "platform admin in the host tenant's group deletes the secure host", err, nil)
}
