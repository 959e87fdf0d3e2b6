package vhost_test

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"

	"github.com/cloudevents/sdk-go/v2/event"
	"go.etcd.io/bbolt"

	"github.com/hypo-registry/registry/handlers/vhost"
	"github.com/hypo-registry/registry/handlers/vhost/vhosttest"
	"github.com/hypo-registry/registry/projections"
)

// TestNoSecretInEventsOrAudit: the password, alias and keystore of a host
// appear in no event, no audit record and no projection bucket, whether
// given by the caller or generated; the public record does.
func TestNoSecretInEventsOrAudit(t *testing.T) {
	t.Parallel()
	h := vhosttest.Start(t, vhosttest.Options{})
	cmd := secure(alice, "secret.example", "alice")
	cmd.SecurityData[vhost.PluginSelfSignedSSL] = json.RawMessage(`{"password":"pw-4c1d-given","alias":"alias-77e2-private"}`)
	given := decode[vhost.HostReply](t, mustSend(t, h, cmd, alice)).VirtualHost.SecurityData.SelfSignedSSL
	generated := decode[vhost.HostReply](t, mustSend(t, h, secure(alice, "gen.example", "alice"), alice)).VirtualHost.SecurityData.SelfSignedSSL
	mustSend(t, h, &vhost.GetVirtualHost{Auth: alice, Name: "secret.example"}, alice)
	mustSend(t, h, &vhost.RecryptVirtualHosts{Auth: root}, root)
	mustSend(t, h, &vhost.DeleteVirtualHost{Auth: alice, Name: "gen.example"}, alice)
	sync(t, h)

	secrets := map[string]string{
		"given password": given.Password, "given alias": given.Alias,
		"generated password": generated.Password,
		"keystore":           given.PKCS12[:40], "generated keystore": generated.PKCS12[:40],
	}
	var log bytes.Buffer
	if _, err := h.Events.Read(t.Context(), 1, 0, func(_ uint64, e event.Event) error {
		b, err := json.Marshal(e)
		log.Write(b)
		return err
	}); err != nil {
		t.Fatal(err)
	}
	if err := h.ProjDB.View(func(tx *bbolt.Tx) error {
		return tx.ForEach(func(name []byte, b *bbolt.Bucket) error {
			return b.ForEach(func(k, v []byte) error {
				log.Write(k)
				log.Write(v)
				return nil
			})
		})
	}); err != nil {
		t.Fatal(err)
	}
	all := log.String()
	for what, s := range secrets {
		if strings.Contains(all, s) {
			t.Errorf("the %s is in the event log or the projections", what)
		}
	}
	// The public record is there in clear, for the projection.
	certLine := strings.Split(given.Cert, "\n")[1]
	for _, public := range []string{"secret.example", "\"alice\"", certLine} {
		if !strings.Contains(all, public) {
			t.Errorf("public data %q is not in the event log", public)
		}
	}
	var records int
	if err := h.ProjDB.View(func(tx *bbolt.Tx) error {
		return tx.Bucket([]byte(projections.AuditBucket)).ForEach(func(_, _ []byte) error {
			records++
			return nil
		})
	}); err != nil || records == 0 {
		t.Fatalf("audit records: %d, %v", records, err)
	}
}
