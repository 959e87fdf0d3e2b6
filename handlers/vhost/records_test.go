package vhost

import (
	"bytes"
	"encoding/json"
	"testing"

	"github.com/hypo-registry/registry/events"
	"github.com/hypo-registry/registry/internal/security/redact"
)

// A heartbeat's event data holds its server record as a map: the event's
// bytes must be those the record itself gave, port or no port.
func TestServerRecordEventDataEncodesAsTheRecord(t *testing.T) {
	h, err := redact.NewHasher(bytes.Repeat([]byte{9}, redact.MinKeySize))
	if err != nil {
		t.Fatal(err)
	}
	for _, rec := range []serverRecord{{Host: "10.0.0.1", Port: 8080, HB: 1733390000123}, {Host: "h.example", HB: 1}} {
		data := func(server any) []byte {
			b, err := h.CopyMap(map[string]any{"name": "h.example", "id": "s1", "server": server, "actor": "alice"}, events.ClearFields)
			if err != nil {
				t.Fatal(err)
			}
			return b
		}
		got, want := data(rec.eventData()), data(rec)
		if !bytes.Equal(got, want) {
			t.Fatalf("heartbeat data with the map:\n%s\nwith the record:\n%s", got, want)
		}
		var back serverRecord
		if err := json.Unmarshal(mustServer(t, got), &back); err != nil || back != rec {
			t.Fatalf("server data %s decodes to %+v (%v), want %+v", got, back, err, rec)
		}
	}
}

func mustServer(t *testing.T, data []byte) []byte {
	t.Helper()
	var d struct {
		Server json.RawMessage `json:"server"`
	}
	if err := json.Unmarshal(data, &d); err != nil {
		t.Fatal(err)
	}
	return d.Server
}
