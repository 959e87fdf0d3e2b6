package vhost_test

import (
	"bytes"
	"path/filepath"
	"testing"

	"github.com/hypo-registry/registry/handlers"
	"github.com/hypo-registry/registry/handlers/vhost"
	"github.com/hypo-registry/registry/handlers/vhost/vhosttest"
	"github.com/hypo-registry/registry/internal/adapters/secrets/bolt"
	"github.com/hypo-registry/registry/internal/secretpath"
	"github.com/hypo-registry/registry/internal/security/seal"
)

// withoutKey returns ring without key id: the ring after retiring a key.
func withoutKey(t *testing.T, ring *seal.Keyring, id string) *seal.Keyring {
	t.Helper()
	var kept [][]byte
	for line := range bytes.SplitSeq(ring.Marshal(), []byte("\n")) {
		if !bytes.HasPrefix(line, []byte(id+" ")) {
			kept = append(kept, line)
		}
	}
	out, err := seal.ParseKeyring(bytes.Join(kept, []byte("\n")))
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// readMaterial reads a host's current private material straight from the
// store file, with ring.
func readMaterial(t *testing.T, dir string, ring *seal.Keyring, a vhost.Auth, name string) (handlers.Secret, error) {
	t.Helper()
	store, err := bolt.Open(filepath.Join(dir, "secrets.db"), ring, bolt.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	p, err := secretpath.New(vhosttest.Scope(), a.Caller.Tenant, name)
	if err != nil {
		t.Fatal(err)
	}
	return store.Read(t.Context(), a.Caller, p, 0)
}

// TestRecryptAfterKeyRotation: material sealed under key 1 is still read
// after rotating to key 2; recrypt re-seals it under key 2, so key 1 can
// be retired. Hosts of another tenant are reported, not touched.
func TestRecryptAfterKeyRotation(t *testing.T) {
	t.Parallel()
	h := vhosttest.Start(t, vhosttest.Options{})
	dir, ring1 := h.Dir, h.Ring
	created := map[string]vhost.HostView{}
	for _, name := range []string{"r1.example", "r2.example"} {
		created[name] = decode[vhost.HostReply](t, mustSend(t, h, secure(alice, name, "alice"), alice)).VirtualHost
	}
	mustSend(t, h, secure(eve, "theirs.example", "eve"), eve)
	mustSend(t, h, insecure(alice, "plain.example"), alice)
	h.Stop()

	ring2, err := ring1.Rotate()
	if err != nil {
		t.Fatal(err)
	}
	retired := withoutKey(t, ring2, "1")
	if _, err := readMaterial(t, dir, retired, alice, "r1.example"); err == nil {
		t.Fatal("material under key 1 opens without key 1: the test proves nothing")
	}

	h = vhosttest.Start(t, vhosttest.Options{Dir: dir, Ring: ring2, AuditKey: h.AuditKey, Clock: h.Clock})
	// Reads still work under the rotated ring, before any recrypt.
	v := decode[vhost.HostReply](t, mustSend(t, h, &vhost.GetVirtualHost{Auth: alice, Name: "r1.example"}, alice)).VirtualHost
	before := *created["r1.example"].SecurityData.SelfSignedSSL
	before.DName, before.Validity = "", 0 // options of the create reply only
	if *v.SecurityData.SelfSignedSSL != before {
		t.Fatal("material changed across the rotation")
	}
	reply := decode[vhost.RecryptReply](t, mustSend(t, h, &vhost.RecryptVirtualHosts{Auth: root}, root))
	want := map[string]string{"r1.example": "OK", "r2.example": "OK"}
	for name, status := range want {
		if reply.Result[name] != status {
			t.Errorf("recrypt %s = %q, want %q", name, reply.Result[name], status)
		}
	}
	if got := reply.Result["theirs.example"]; len(got) < 7 || got[:7] != "Error: " {
		t.Errorf("recrypt of another tenant's host = %q, want an error", got)
	}
	if _, listed := reply.Result["plain.example"]; listed || len(reply.Result) != 3 {
		t.Errorf("recrypt result %v: want the three secure hosts only", reply.Result)
	}
	h.Stop()

	for name, view := range created {
		sec, err := readMaterial(t, dir, retired, alice, name)
		if err != nil {
			t.Fatalf("%s after recrypt, key 1 retired: %v", name, err)
		}
		ssl := view.SecurityData.SelfSignedSSL
		if sec.Data["password"] != ssl.Password || sec.Data["pkcs12"] != ssl.PKCS12 || sec.Data["alias"] != ssl.Alias {
			t.Fatalf("%s: material changed by recrypt", name)
		}
	}
}
