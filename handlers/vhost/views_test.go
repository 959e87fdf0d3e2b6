package vhost_test

import (
	"encoding/json"
	"testing"

	"github.com/cloudevents/sdk-go/v2/event"

	"github.com/hypo-registry/registry/events"
	"github.com/hypo-registry/registry/handlers/vhost"
	"github.com/hypo-registry/registry/handlers/vhost/vhosttest"
)

// TestViewsByCaller: owners and platform admins of the host's tenant get
// the private view; everyone else, a tenant admin not owning the host and
// owners of another tenant included, the public one.
func TestViewsByCaller(t *testing.T) {
	t.Parallel()
	h := vhosttest.Start(t, vhosttest.Options{})
	created := decode[vhost.HostReply](t, mustSend(t, h, secure(alice, "view.example", "alice", "group:ops", "user:eve"), alice)).VirtualHost
	openKeystore(t, created)
	mustSend(t, h, insecure(alice, "plain.example"), alice)
	sync(t, h)
	tests := []struct {
		name    string
		who     vhost.Auth
		private bool
	}{
		{"user owner", alice, true},
		{"group owner", bob, true},
		{"platform admin in the tenant", root, true},
		{"tenant admin, not an owner", tom, false},
		{"non-owner of the tenant", mallory, false},
		{"read-only of the tenant", reader, false},
		{"owner of another tenant", eve, false},
		{"admin of another tenant", evAdmin, false},
		{"platform admin of another tenant", pia, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v := decode[vhost.HostReply](t, mustSend(t, h, &vhost.GetVirtualHost{Auth: tt.who, Name: "view.example"}, tt.who)).VirtualHost
			ssl := v.SecurityData.SelfSignedSSL
			if ssl.Cert != created.SecurityData.SelfSignedSSL.Cert {
				t.Fatal("the view's cert is not the host's")
			}
			if len(v.Owner) != 3 || v.Timeout != 600 || v.ServerTimeoutSecs != 600 {
				t.Fatalf("view %+v: want 3 owners and the 600s timeout under both names", v)
			}
			if !tt.private {
				if ssl.Password != "" || ssl.Alias != "" || ssl.PKCS12 != "" {
					t.Fatal("the public view holds private data")
				}
				return
			}
			openKeystore(t, v)
			want := *created.SecurityData.SelfSignedSSL
			want.DName, want.Validity = "", 0 // options of the create reply only
			if *ssl != want {
				t.Fatal("the private view differs from the creator's")
			}
		})
	}
	pub, err := h.Handlers.Queries().PublicHost(t.Context(), "view.example")
	if err != nil || pub.VirtualHost.SecurityData.SelfSignedSSL.PKCS12 != "" {
		t.Fatalf("anonymous view: %+v, %v", pub, err)
	}
	cert, err := h.Handlers.Queries().Cert(t.Context(), "view.example")
	if err != nil || cert != created.SecurityData.SelfSignedSSL.Cert {
		t.Fatalf("SelfSignedSSL.cert: %v", err)
	}
	if _, err := h.Handlers.Queries().Cert(t.Context(), "plain.example"); !isNotFound(err) {
		t.Fatalf("cert of an insecure host: %v, want not found", err)
	}
	plain := decode[vhost.HostReply](t, mustSend(t, h, &vhost.GetVirtualHost{Auth: alice, Name: "plain.example"}, alice)).VirtualHost
	if plain.SecurityData != nil || plain.Owner != nil {
		t.Fatalf("insecure host view %+v has security data or owners", plain)
	}

	// Each read is an event saying which view it gave.
	sync(t, h)
	var reads []bool
	if _, err := h.Events.Read(t.Context(), 1, 0, func(_ uint64, e event.Event) error {
		if e.Type() == events.VirtualHostRead {
			var d struct {
				Name    string `json:"name"`
				Private bool   `json:"private"`
			}
			if err := json.Unmarshal(e.Data(), &d); err != nil {
				return err
			}
			if d.Name == "view.example" {
				reads = append(reads, d.Private)
			}
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	want := []bool{true, true, true, false, false, false, false, false, false}
	if len(reads) != len(want) {
		t.Fatalf("read events %v, want %v", reads, want)
	}
	for i := range want {
		if reads[i] != want[i] {
			t.Fatalf("read events %v, want %v", reads, want)
		}
	}
}
