package vhost_test

import (
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/hypo-registry/registry/events"
	"github.com/hypo-registry/registry/handlers/vhost"
	"github.com/hypo-registry/registry/internal/secretpath"
)

func TestConfigValidate(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		cfg  vhost.Config
		want string // "" valid
	}{
		{"defaults with a listed scope", vhost.Config{Scope: secretpath.FabricSecret}, ""},
		{"unknown scope", vhost.Config{Scope: "nope"}, `Scope "nope"`},
		{"default above max", vhost.Config{Scope: secretpath.FabricSecret, DefaultTimeout: time.Hour, MaxTimeout: time.Minute}, "above MaxTimeout"},
		{"sub-second horizon", vhost.Config{Scope: secretpath.FabricSecret, CompactAfter: time.Millisecond}, "CompactAfter"},
		{"unknown key algorithm", vhost.Config{Scope: secretpath.FabricSecret, KeyAlgorithm: "dsa"}, "KeyAlgorithm"},
		{"owner types", vhost.Config{OwnerTypes: map[string]string{"yca": "roles", "kc": "realm_access.roles"}}, ""},
		{"user remapped", vhost.Config{OwnerTypes: map[string]string{"user": "email"}}, `"user" is built in`},
		{"group remapped", vhost.Config{OwnerTypes: map[string]string{"group": "roles"}}, `"group" is built in`},
		{"bad owner type", vhost.Config{OwnerTypes: map[string]string{"y ca": "roles"}}, `owner type "y ca"`},
		{"empty claim", vhost.Config{OwnerTypes: map[string]string{"yca": ""}}, "claim"},
		{"claim with a space", vhost.Config{OwnerTypes: map[string]string{"yca": "my roles"}}, "claim"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			err := tt.cfg.WithDefaults().Validate()
			switch {
			case tt.want == "" && err != nil:
				t.Fatalf("Validate: %v", err)
			case tt.want != "" && (err == nil || !strings.Contains(err.Error(), tt.want)):
				t.Fatalf("Validate: %v, want an error naming %s", err, tt.want)
			}
		})
	}
	if d := (vhost.Config{}).WithDefaults(); d.DefaultTimeout != 600*time.Second || d.Scope != secretpath.VirtualHost {
		t.Fatalf("defaults %+v: want 600s and scope %s", d, secretpath.VirtualHost)
	}
}

func TestOwnerClaims(t *testing.T) {
	t.Parallel()
	cfg := vhost.Config{OwnerTypes: map[string]string{"yca": "roles", "ldap": "memberOf", "team": "roles"}}
	if got := cfg.OwnerClaims(); !slices.Equal(got, []string{"memberOf", "roles"}) {
		t.Fatalf("OwnerClaims = %q, want each claim once, sorted", got)
	}
	if got := (vhost.Config{}).OwnerClaims(); len(got) != 0 {
		t.Fatalf("OwnerClaims of no mapping = %q", got)
	}
}

// TestDefaultScopeIsListed: the store refuses a scope outside
// secretpath.Scopes, so registryd needs VirtualHost listed there.
func TestDefaultScopeIsListed(t *testing.T) {
	t.Parallel()
	if !secretpath.VirtualHost.Valid() {
		t.Fatal("secretpath.VirtualHost is not in secretpath.Scopes")
	}
	if err := (vhost.Config{}).WithDefaults().Validate(); err != nil {
		t.Fatal(err)
	}
}

func TestCheckClearFields(t *testing.T) {
	t.Parallel()
	need := events.VirtualHostClearFields
	if err := vhost.CheckClearFields(map[string]bool{"name": true}, need); err == nil || !strings.Contains(err.Error(), "server") {
		t.Fatalf("missing keys: %v, want an error naming them", err)
	}
	if err := vhost.CheckClearFields(map[string]bool{"name": true, "server": true, "virtualHost": true}, need); err != nil {
		t.Fatal(err)
	}
	if err := vhost.CheckClearFields(events.ClearFields, need); err != nil {
		t.Fatalf("events.ClearFields does not list the virtual-host keys: %v", err)
	}
}

func TestParseOwner(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in   string
		want vhost.Owner
		bad  bool
	}{
		{in: "alice", want: vhost.Owner{Kind: vhost.OwnerUser, Name: "alice"}},
		{in: "user:alice", want: vhost.Owner{Kind: vhost.OwnerUser, Name: "alice"}},
		{in: "user:svc:x", want: vhost.Owner{Kind: vhost.OwnerUser, Name: "svc:x"}},
		{in: "group:ops", want: vhost.Owner{Kind: vhost.OwnerGroup, Name: "ops"}},
		{in: "group:/ops", want: vhost.Owner{Kind: vhost.OwnerGroup, Name: "ops"}},
		{in: "yca:some-role", want: vhost.Owner{Kind: "yca", Name: "some-role"}},
		{in: "YCA:some-role", want: vhost.Owner{Kind: "YCA", Name: "some-role"}},
		{in: "x.y_z-1:a:b", want: vhost.Owner{Kind: "x.y_z-1", Name: "a:b"}},
		{in: "", bad: true},
		{in: "user:", bad: true},
		{in: "user:a b", bad: true},
		{in: "group:\n", bad: true},
		{in: "yca:", bad: true},
		{in: "yca:a b", bad: true},
		{in: ":some-role", bad: true},
		{in: "1yca:x", bad: true},
		{in: "y ca:x", bad: true},
		{in: "ycä:x", bad: true},
		{in: strings.Repeat("t", 33) + ":x", bad: true},
	}
	for _, tt := range tests {
		got, err := vhost.ParseOwner(tt.in)
		if tt.bad != (err != nil) || !tt.bad && got != tt.want {
			t.Errorf("ParseOwner(%q) = %+v, %v", tt.in, got, err)
		}
	}
}

func TestNormalizeName(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{"Test.Reg.Yahoo.com": "test.reg.yahoo.com", "a": "a", "a-1.b2": "a-1.b2"} {
		if got, err := vhost.NormalizeName(in); err != nil || got != want {
			t.Errorf("NormalizeName(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	for _, bad := range []string{"", ".", "a.", ".a", "a..b", "a_b", "-a", "a-", "a b", "ä.example", strings.Repeat("a", 64), strings.Repeat("a.", 127) + "ab"} {
		if _, err := vhost.NormalizeName(bad); !isInvalid(err) {
			t.Errorf("NormalizeName(%q): %v, want invalid", bad, err)
		}
	}
}
