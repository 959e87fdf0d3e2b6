package vhost

import (
	"encoding/json"
	"reflect"
	"testing"

	"github.com/hypo-registry/registry/events"
)

// TestDecodeDataEqualsEncodingJSON: event data decodes to what
// encoding/json makes of it, every field of every virtual-host event, and
// what encoding/json refuses is refused.
func TestDecodeDataEqualsEncodingJSON(t *testing.T) {
	for _, raw := range []string{
		`{"name":"a.example","id":"h1","tenant":"acme","actor":"alice","virtualHost":{"scheme":"https","port":8443,"serverTimeoutSecs":600,"owner":["user:alice","group:/ops"],"securityData":{"SelfSignedSSL":{"cert":"-----BEGIN CERTIFICATE-----\nMII\u00e9\n"}},"created":1735689600000}}`,
		`{"name":"a.example","id":"s1","server":{"host":"10.0.0.1","port":8080,"hb":1735689600123},"actor":"alice"}`,
		`{"name":"a.example","id":"s1","server":{"host":"h","hb":1}}`,
		`{"name":"a.example","id":"s1","server":null}`,
		`{"name":"a.example","id":"h1"}`,
		`{"servers":[{"name":"a.example","id":"s1","hb":5},{"name":"b.example","id":"s2","hb":6}]}`,
		`{"name":"a.example","virtualHost":{"owner":[],"securityData":{}}}`,
		`{"Name":"case.example","ID":"x"}`,
		`{"name":"a","unknown":{"deep":[1,2,{"x":null}]}}`,
		`{"name":"a","server":{"host":"h","port":"8080"}}`,
		`{"name":"a","virtualHost":{"created":1.5}}`,
		`{"name":"a","servers":{}}`,
		`{"name":"a"`,
		`[]`,
	} {
		var want eventData
		wantErr := json.Unmarshal([]byte(raw), &want)
		var got eventData
		gotErr := jsonData.Unmarshal([]byte(raw), &got)
		if (gotErr == nil) != (wantErr == nil) {
			t.Errorf("%s: error %v, encoding/json %v", raw, gotErr, wantErr)
			continue
		}
		if wantErr == nil && !reflect.DeepEqual(got, want) {
			t.Errorf("%s:\n got %+v\nwant %+v", raw, got, want)
		}
		if _, err := decodeData([]byte(raw), events.VirtualHostServersCompacted); (err == nil) != (wantErr == nil) {
			t.Errorf("%s: decodeData %v, encoding/json %v", raw, err, wantErr)
		}
	}
}
