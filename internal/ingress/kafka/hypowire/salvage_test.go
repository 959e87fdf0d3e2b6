package hypowire_test

import (
	"strings"
	"testing"

	"github.com/hypo-registry/registry/internal/ingress/kafka/hypowire"
)

// A refused request is answered with what can be read of it: the serviceId
// when it is a string, the echo when type and request part are recognisable.
func TestSalvageRequest(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name     string
		payload  string
		wantID   string
		wantEcho string // the echo's type; "" for no echo
	}{
		{"seed parsing", seedParsingRequest, "790daa4d-7f56-4575-8b64-c558cf518bed", hypowire.TypeParsing},
		{"seed deployment", seedDeploymentRequest, seedDeploymentServiceID(t), hypowire.TypeDeployment},
		{"unknown type", strings.Replace(seedDeploymentRequest, `"deployment"`, `"upgrade"`, 1), seedDeploymentServiceID(t), "upgrade"},
		{"unknown type, no request part", `{"type":"upgrade"}`, "", "upgrade"},
		{"type not a string", `{"type":5,"serviceOperationRequest":{"serviceId":"s"}}`, "", ""},
		{"numeric serviceId", `{"type":"deployment","serviceOperationRequest":{"serviceId":42}}`, "", hypowire.TypeDeployment},
		{"request part not an object", `{"type":"parsing","serviceOrderRequest":"x"}`, "", ""},
		{"not JSON", `{"type": "parsing", `, "", ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			id, echo := hypowire.SalvageRequest([]byte(c.payload))
			if id != c.wantID {
				t.Errorf("serviceId %q, want %q", id, c.wantID)
			}
			switch {
			case c.wantEcho == "" && echo != nil:
				t.Errorf("echo %+v, want none", echo)
			case c.wantEcho != "" && (echo == nil || echo.Type != c.wantEcho):
				t.Errorf("echo %+v, want type %s", echo, c.wantEcho)
			}
		})
	}
}

func seedDeploymentServiceID(t *testing.T) string {
	var p struct {
		ServiceOperationRequest struct {
			ServiceID string `json:"serviceId"`
		} `json:"serviceOperationRequest"`
	}
	mustUnmarshal(t, []byte(seedDeploymentRequest), &p)
	if p.ServiceOperationRequest.ServiceID == "" {
		t.Fatal("the seed deployment request has no serviceId")
	}
	return p.ServiceOperationRequest.ServiceID
}
