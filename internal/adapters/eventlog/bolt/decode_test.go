package bolt

import (
	"bytes"
	"encoding/json"
	"reflect"
	"testing"
	"time"

	"github.com/cloudevents/sdk-go/v2/event"
)

// decodeCases are events as Commit stores them and JSON that is not in
// that form, each of which the log's decoder must decode exactly as the
// SDK does.
func decodeCases(t testing.TB) [][]byte {
	e := event.New()
	e.SetID("0b9c2f5e-7d4a-4c1b-9e3f-000000000001")
	e.SetSource("/registry")
	e.SetType("io.hypo.registry.imagepull.secret.created")
	e.SetSubject("acme/image-pull/pull")
	e.SetTime(time.Date(2025, 1, 2, 3, 4, 5, 6, time.UTC))
	e.SetExtension("tenant", "acme")
	e.SetExtension("correlationid", "c-1")
	if err := e.SetData(event.ApplicationJSON, map[string]any{"name": "pull", "version": 1, "list": []any{"a", 2.5, nil}}); err != nil {
		t.Fatal(err)
	}
	common, err := json.Marshal(e)
	if err != nil {
		t.Fatal(err)
	}
	bare := event.New()
	bare.SetID("x")
	bare.SetSource("urn:a")
	bare.SetType("t")
	plain, _ := json.Marshal(bare)
	text := e.Clone()
	_ = text.SetData(event.TextPlain, "hello \"there\"")
	textJSON, _ := json.Marshal(text)
	bin := e.Clone()
	_ = bin.SetData("application/octet-stream", []byte{0, 1, 2, 255})
	binJSON, _ := json.Marshal(bin)
	num := e.Clone()
	num.SetExtension("count", 7)
	num.SetExtension("flag", true)
	numJSON, _ := json.Marshal(num)
	escaped := e.Clone()
	escaped.SetExtension("note", "tab\there \"q\" \u00e9 \u2028")
	escaped.SetSubject("a\\b")
	escapedJSON, _ := json.Marshal(escaped)
	cases := [][]byte{common, plain, textJSON, binJSON, numJSON, escapedJSON}
	for _, s := range []string{
		``, `{}`, `[]`, `null`, `{"specversion":"1.0"}`, `{"specversion":"0.3","id":"a","source":"/s","type":"t"}`,
		`{"specversion":"1.0","specversion":"1.0"}`,
		`{"id":"a","specversion":"1.0","source":"/s","type":"t"}`,
		`{"specversion":"1.0","id":"a","source":"/s","type":"t","data":{"a":1}}`,
		`{"specversion":"1.0","id":"a","source":"/s","type":"t","data":{"a":1},"datacontenttype":"application/json"}`,
		`{"specversion":"1.0","id":"a","source":"/s","type":"t","datacontenttype":"application/json","data":{"a":1},"data":[2]}`,
		`{"specversion":"1.0","id":"a","source":"/s","type":"t","datacontenttype":"application/json","datacontenttype":"text/plain"}`,
		`{"specversion":"1.0","id":"a","source":"/s","type":"t","datacontenttype":"application/json; charset=utf-8","data":{"a":1}}`,
		`{"specversion":"1.0","id":"a","source":"/s","type":"t","datacontenttype":"","data":{"a":1}}`,
		`{"specversion":"1.0","id":"a","source":"","type":"t"}`,
		`{"specversion":"1.0","id":"a","source":"::bad","type":"t"}`,
		`{"specversion":"1.0","id":"a","source":"/s","type":"t","time":"yesterday"}`,
		`{"specversion":"1.0","id":"a","source":"/s","type":"t","time":""}`,
		`{"specversion":"1.0","id":"a","source":"/s","type":"t","subject":""}`,
		`{"specversion":"1.0","id":"a","source":"/s","type":"t","subject":"x","subject":""}`,
		`{"specversion":"1.0","id":null,"source":"/s","type":"t"}`,
		`{"specversion":"1.0","id":1,"source":"/s","type":"t"}`,
		`{"specversion":"1.0","id":"a","source":"/s","type":"t","Tenant":"x"}`,
		`{"specversion":"1.0","id":"a","source":"/s","type":"t","ID":"x"}`,
		`{"specversion":"1.0","id":"a","source":"/s","type":"t","ten-ant":"x"}`,
		`{"specversion":"1.0","id":"a","source":"/s","type":"t","tenant":null}`,
		`{"specversion":"1.0","id":"a","source":"/s","type":"t","tenant":"x","tenant":"y"}`,
		`{"specversion":"1.0","id":"a","source":"/s","type":"t","dataschema":"http://s"}`,
		`{"specversion":"1.0","id":"a","source":"/s","type":"t","data_base64":"AAE="}`,
		`{"specversion":"1.0","id":"a","source":"/s","type":"t","datacontenttype":"application/json","data":{"a":`,
		`{"specversion":"1.0","id":"a","source":"/s","type":"t"} trailing`,
		`{"specversion":"1.0","id":"a\u0000","source":"/s","type":"t"}`,
		`{"specversion":"1.0","id":"a","source":"/s","type":"t","datacontenttype":"application/json","data":"a string"}`,
	} {
		cases = append(cases, []byte(s))
	}
	return cases
}

func sdkDecode(b []byte) (event.Event, error) {
	var e event.Event
	err := e.UnmarshalJSON(b)
	return e, err
}

func checkDecode(t *testing.T, d *decoder, b []byte) {
	t.Helper()
	want, wantErr := sdkDecode(b)
	var got event.Event
	gotErr := d.decode(b, &got)
	if (gotErr == nil) != (wantErr == nil) || (gotErr != nil && gotErr.Error() != wantErr.Error()) {
		t.Fatalf("%s: error %v, the SDK's %v", b, gotErr, wantErr)
	}
	if gotErr == nil && !reflect.DeepEqual(got, want) {
		t.Fatalf("%s: decoded\n%#v\n%#v\nthe SDK's\n%#v\n%#v", b, got, got.Context, want, want.Context)
	}
}

// TestDecodeEqualsTheSDK: the log's decoder gives exactly the SDK's event
// (or error) for events in the stored form and for everything else, with
// the source remembered between events or not.
func TestDecodeEqualsTheSDK(t *testing.T) {
	var shared decoder
	common := 0
	for _, b := range decodeCases(t) {
		checkDecode(t, &shared, b)
		checkDecode(t, &decoder{}, b)
		var e event.Event
		if (&decoder{}).decodeCommon(b, &e) == nil {
			common++
		}
	}
	if common < 8 {
		t.Fatalf("only %d cases took the common path: the test does not exercise it", common)
	}
}

func FuzzDecodeEqualsTheSDK(f *testing.F) {
	for _, b := range decodeCases(f) {
		f.Add(b)
	}
	var shared decoder
	f.Fuzz(func(t *testing.T, b []byte) {
		checkDecode(t, &shared, b)
	})
}

// TestDecodedEventsKeepNoStoredBytes: the log decodes events straight from
// bbolt's mapped pages, which are unmapped when the file grows; that is
// safe only because its decoder (and the SDK's, for the other forms)
// copies everything it keeps. Decoding each case and then overwriting its
// bytes leaves the event as it was: escaped strings, extensions, data.
func TestDecodedEventsKeepNoStoredBytes(t *testing.T) {
	checked := 0
	for _, b := range decodeCases(t) {
		stored := bytes.Clone(b)
		var (
			d   decoder
			got event.Event
		)
		if d.decode(stored, &got) != nil {
			continue
		}
		before, data := got.String(), string(got.Data())
		for i := range stored {
			stored[i] = 'X'
		}
		if got.String() != before || string(got.Data()) != data {
			t.Fatalf("the event decoded from %s changed with the bytes it was decoded from:\n%s\nwas\n%s", b, got, before)
		}
		checked++
	}
	if checked < 10 {
		t.Fatalf("only %d cases decoded", checked)
	}
}
