package hypowire_test

import (
	"encoding/json"
	"errors"
	"reflect"
	"regexp"
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"

	"github.com/hypo-registry/registry/internal/ingress/kafka/hypowire"
)

// Fuzz targets for every Decode* of the Kafka payloads. Each checks more
// than "no panic": a refusal wraps ErrInvalid and its message is printable
// (it is logged and sent back to the producer); an accepted payload decodes
// to values the schema allows, the values the schema checked, and survives
// a re-encode.

// serviceIDPattern is service-id.json, restated independently.
var serviceIDPattern = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._-]*$`)

func validServiceID(id string) bool {
	return serviceIDPattern.MatchString(id) && utf8.RuneCountInString(id) <= 253
}

// checkRefusal asserts what every decoder's refusal must be.
func checkRefusal(t *testing.T, in []byte, err error) {
	t.Helper()
	if !errors.Is(err, hypowire.ErrInvalid) {
		t.Fatalf("refused %q with %v, which is not ErrInvalid", in, err)
	}
	msg := err.Error()
	if !utf8.ValidString(msg) {
		t.Fatalf("refusal of %q is not UTF-8: %q", in, msg)
	}
	for _, r := range msg {
		if unicode.IsControl(r) {
			t.Fatalf("refusal of %q carries control character %U: %q", in, r, msg)
		}
	}
}

// rawField returns the value of the member of obj named exactly name,
// after checking that no other member names it in another case: encoding/
// json matches members case-insensitively and the last one wins, so such a
// member would feed the Go value a value the schema never checked.
func rawField(t *testing.T, obj map[string]json.RawMessage, name string) (string, bool) {
	t.Helper()
	for k := range obj {
		if k != name && strings.EqualFold(k, name) {
			t.Fatalf("accepted an object with both %q and %q", name, k)
		}
	}
	raw, ok := obj[name]
	if !ok {
		return "", false
	}
	var s string
	if err := json.Unmarshal(raw, &s); err != nil {
		return "", false
	}
	return s, true
}

func rawObject(t *testing.T, b []byte) map[string]json.RawMessage {
	t.Helper()
	var m map[string]json.RawMessage
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatalf("accepted %q, which is not a JSON object: %v", b, err)
	}
	return m
}

func addAll(f *testing.F, payloads ...string) {
	for _, p := range payloads {
		f.Add([]byte(p))
	}
}

func FuzzDecodeRequest(f *testing.F) {
	v, err := hypowire.NewValidator()
	if err != nil {
		f.Fatal(err)
	}
	addAll(f, seedParsingRequest, seedDeploymentRequest,
		strings.Replace(seedDeploymentRequest, `"deployment"`, `"termination"`, 1),
		strings.Replace(seedDeploymentRequest, `"secretName": "my-app-pull-secret"`, `"secretName": null`, 1),
		strings.Replace(seedParsingRequest, `"url": "https://charts.example.com/myrepo",`, ``, 1),
		strings.Replace(seedParsingRequest, `"serviceArtifactVersion": "1.2.0"`, `"serviceArtifactVersion": "1.2.0", "x": {"a": [1]}`, 1),
		// A member naming serviceId in another case: the schema checks one, encoding/json reads both.
		strings.Replace(seedDeploymentRequest, `"activateService": true`, `"activateService": true, "SERVICEID": "../x"`, 1),
		strings.Replace(seedDeploymentRequest, `"activateService": true`, `"activateService": true, "ſerviceId": "other"`, 1),
		strings.Replace(seedParsingRequest, `"serviceArtifactVersion": "1.2.0"`, `"SERVICEARTIFACTVERSION": "`+strings.Repeat("v", 300)+`"`, 1),
		`{"type": "parsing", sekrit`, `"sekrit"`, `{}`, `null`, `{"type":"deployment"}`,
		seedParsingRequest+` {"x":"sekrit"}`,
		strings.Replace(seedDeploymentRequest, `"c04f3d66-5350-49ea-8b31-ff325f149232"`, `"../sekrit"`, 1),
		strings.Replace(seedDeploymentRequest, `"kubernetesServiceID"`, `"kubernetesServiceID\n"`, 1),
	)
	f.Fuzz(func(t *testing.T, in []byte) {
		r, err := v.DecodeRequest(in)
		if err != nil {
			checkRefusal(t, in, err)
			return
		}
		top := rawObject(t, in)
		if typ, _ := rawField(t, top, "type"); typ != r.RequestType() {
			t.Fatalf("type %q decoded as %q", typ, r.RequestType())
		}
		if !validServiceID(r.ServiceID()) {
			t.Fatalf("accepted %q with service id %q, which service-id.json refuses", in, r.ServiceID())
		}
		switch r := r.(type) {
		case *hypowire.ParsingRequest:
			order := rawObject(t, rawObject(t, r.RawServiceOrderRequest)["serviceOrder"])
			if id, _ := rawField(t, order, "serviceId"); id != r.ServiceID() {
				t.Fatalf("serviceId %q was checked, %q decoded", id, r.ServiceID())
			}
			again, err := json.Marshal(map[string]any{"type": r.RequestType(), "serviceOrderRequest": r.ServiceOrderRequest, "url": r.URL, "schedulerNamespace": r.SchedulerNamespace})
			if err != nil {
				t.Fatal(err)
			}
			back, err := v.DecodeRequest(again)
			if err != nil {
				t.Fatalf("the decoded value of %q re-encodes to %s, which is refused: %v", in, again, err)
			}
			b := back.(*hypowire.ParsingRequest)
			if b.ServiceOrderRequest != r.ServiceOrderRequest || b.URL != r.URL || b.SchedulerNamespace != r.SchedulerNamespace {
				t.Fatalf("round trip of %q: %+v, want %+v", in, b, r)
			}
		case *hypowire.KubeConfigRequest:
			op := rawObject(t, r.RawServiceOperationRequest)
			if id, _ := rawField(t, op, "serviceId"); id != r.ServiceID() {
				t.Fatalf("serviceId %q was checked, %q decoded", id, r.ServiceID())
			}
			if !validServiceID(r.KubernetesServiceID) {
				t.Fatalf("kubernetesServiceID %q accepted", r.KubernetesServiceID)
			}
			again, err := json.Marshal(map[string]any{"type": r.Type, "serviceOperationRequest": r.ServiceOperationRequest, "kubernetesServiceID": r.KubernetesServiceID, "secretName": r.SecretName})
			if err != nil {
				t.Fatal(err)
			}
			back, err := v.DecodeRequest(again)
			if err != nil {
				t.Fatalf("the decoded value of %q re-encodes to %s, which is refused: %v", in, again, err)
			}
			b := back.(*hypowire.KubeConfigRequest)
			if !reflect.DeepEqual(b.ServiceOperationRequest, r.ServiceOperationRequest) || b.KubernetesServiceID != r.KubernetesServiceID || b.SecretName != r.SecretName {
				t.Fatalf("round trip of %q: %+v, want %+v", in, b, r)
			}
		default:
			t.Fatalf("decoded to %T", r)
		}
	})
}

func FuzzDecodeServiceID(f *testing.F) {
	v, err := hypowire.NewValidator()
	if err != nil {
		f.Fatal(err)
	}
	addAll(f, "790daa4d-7f56-4575-8b64-c558cf518bed", `"790daa4d-7f56-4575-8b64-c558cf518bed"`, "  svc-1\n",
		`"svc\u002d1"`, `"svc`, "", `""`, "../etc", "a/b", "\xff", `"\ud800"`, "a b", "-a", strings.Repeat("a", 254))
	f.Fuzz(func(t *testing.T, in []byte) {
		id, err := v.DecodeServiceID(in)
		if err != nil {
			checkRefusal(t, in, err)
			return
		}
		if !validServiceID(id) {
			t.Fatalf("DecodeServiceID(%q) = %q, which service-id.json refuses", in, id)
		}
		quoted, _ := json.Marshal(id)
		for _, form := range [][]byte{[]byte(id), quoted} {
			if back, err := v.DecodeServiceID(form); err != nil || back != id {
				t.Fatalf("DecodeServiceID(%q) = %q, %v; want %q", form, back, err, id)
			}
		}
	})
}

func FuzzDecodeGroupPolicy(f *testing.F) {
	v, err := hypowire.NewValidator()
	if err != nil {
		f.Fatal(err)
	}
	addAll(f, ``, ` `, `{}`, `{"groupName":"tenant-a"}`, `{"groupName":""}`, `{"groupName":"../a"}`,
		`{"groupName":"a","GROUPNAME":"b"}`, `{"groupName":"a","groupName":"b"}`, `{"groupname":"A"}`, `[]`, `null`, `{"x":1}`)
	f.Fuzz(func(t *testing.T, in []byte) {
		m, err := v.DecodeGroupPolicy(in)
		if err != nil {
			checkRefusal(t, in, err)
			return
		}
		if strings.TrimSpace(string(in)) == "" {
			if m != (hypowire.GroupPolicyMessage{}) {
				t.Fatalf("empty payload decoded to %+v", m)
			}
			return
		}
		if name, ok := rawField(t, rawObject(t, in), "groupName"); ok != (m.GroupName != "") || name != m.GroupName {
			t.Fatalf("groupName %q (present %v) was checked, %q decoded", name, ok, m.GroupName)
		}
		if m.GroupName != "" && !validServiceID(m.GroupName) { // the same pattern and bound
			t.Fatalf("group name %q accepted", m.GroupName)
		}
		again, _ := json.Marshal(m)
		if back, err := v.DecodeGroupPolicy(again); err != nil || back != m {
			t.Fatalf("round trip of %q: %+v, %v; want %+v", in, back, err, m)
		}
	})
}

var fabricSeeds = []string{
	`{"controllerId":"ctrl-1","username":"u","password":"p"}`,
	`{"controllerId":"ctrl-1"}`,
	`{"controllerId":"ctrl-1","username":"","password":"p"}`,
	`{"controllerId":"../x","username":"u","password":"sekrit"}`,
	`{"controllerId":"ctrl-1","username":"u","password":"p","PASSWORD":"q"}`,
	`{"controllerId":"ctrl-1","controllerid":"../x","username":"u","password":"p"}`,
	`{"controllerId":"c","username":"u","password":"\ud800"}`,
	`{"controllerId":"c","username":"u","password":"p","extra":"sekrit"}`,
	`{"controllerId":"c\u0000","username":"u","password":"p"}`,
	`[]`, `null`, `"x"`,
}

func FuzzDecodeFabricPersist(f *testing.F) {
	v, err := hypowire.NewValidator()
	if err != nil {
		f.Fatal(err)
	}
	addAll(f, fabricSeeds...)
	f.Fuzz(func(t *testing.T, in []byte) {
		c, err := v.DecodeFabricPersist(in)
		if err != nil {
			checkRefusal(t, in, err)
			return
		}
		checkFabric(t, in, c)
		if c.Username == "" || c.Password == "" {
			t.Fatalf("accepted %q without username or password", in)
		}
		again, _ := json.Marshal(c)
		if back, err := v.DecodeFabricPersist(again); err != nil || back != c {
			t.Fatalf("round trip of %q: %v", in, err)
		}
	})
}

func FuzzDecodeFabricDelete(f *testing.F) {
	v, err := hypowire.NewValidator()
	if err != nil {
		f.Fatal(err)
	}
	addAll(f, fabricSeeds...)
	f.Fuzz(func(t *testing.T, in []byte) {
		c, err := v.DecodeFabricDelete(in)
		if err != nil {
			checkRefusal(t, in, err)
			return
		}
		checkFabric(t, in, c)
		if c.Username != "" || c.Password != "" {
			t.Fatal("a delete kept credentials")
		}
		again, _ := json.Marshal(c)
		if back, err := v.DecodeFabricDelete(again); err != nil || back != c {
			t.Fatalf("round trip of %q: %v", in, err)
		}
	})
}

func checkFabric(t *testing.T, in []byte, c hypowire.FabricAuthCreds) {
	t.Helper()
	if id, _ := rawField(t, rawObject(t, in), "controllerId"); id != c.ControllerID {
		t.Fatalf("controllerId %q was checked, %q decoded", id, c.ControllerID)
	}
	if !validServiceID(c.ControllerID) { // the same pattern and bound
		t.Fatalf("controllerId %q accepted", c.ControllerID)
	}
}

func FuzzDecodeKubeconfigStoreData(f *testing.F) {
	v, err := hypowire.NewValidator()
	if err != nil {
		f.Fatal(err)
	}
	addAll(f,
		`{"serviceId":"svc-1","kubeConfig":"apiVersion: v1\n"}`,
		`{"serviceId":"svc-1","kubeConfig":"apiVersion: v1\n","scope":"NAMESPACE_SA"}`,
		`{"serviceId":"svc-1","kubeConfig":"x","scope":"CLUSTER"}`,
		`{"serviceId":"svc-1","kubeConfig":"x","scope":"cluster"}`,
		`{"serviceId":"svc-1","kubeConfig":""}`,
		`{"serviceId":"../svc","kubeConfig":"x"}`,
		`{"serviceId":"svc-1","kubeConfig":"x","SCOPE":"bogus"}`,
		`{"serviceId":"svc-1","kubeConfig":"x","password":"sekrit"}`,
		`{"serviceId":"svc-1"}`, `[]`, `null`,
	)
	f.Fuzz(func(t *testing.T, in []byte) {
		d, err := v.DecodeKubeconfigStoreData(in)
		if err != nil {
			checkRefusal(t, in, err)
			return
		}
		obj := rawObject(t, in)
		if id, _ := rawField(t, obj, "serviceId"); id != d.ServiceID || !validServiceID(id) {
			t.Fatalf("serviceId %q was checked, %q decoded", id, d.ServiceID)
		}
		if scope, _ := rawField(t, obj, "scope"); scope != d.Scope {
			t.Fatalf("scope %q was checked, %q decoded", scope, d.Scope)
		}
		if s := d.EffectiveScope(); s != hypowire.ScopeCluster && s != hypowire.ScopeNamespaceSA {
			t.Fatalf("scope %q accepted", s)
		}
		if d.KubeConfig == "" {
			t.Fatal("empty kubeconfig accepted")
		}
		again, _ := json.Marshal(d)
		if back, err := v.DecodeKubeconfigStoreData(again); err != nil || back != d {
			t.Fatalf("round trip of %q: %v", in, err)
		}
	})
}
