package projections_test

import (
	"bytes"
	"encoding/json"
	"os"
	"strings"
	"testing"

	"github.com/cloudevents/sdk-go/v2/event"

	"github.com/hypo-registry/registry/projections"
)

const secret = "sup3r-s3cret-v4lue"

func TestAuditRecordsHoldNoSecret(t *testing.T) {
	t.Parallel()
	l := newLog(t)
	data := map[string]any{
		"name":     "pull-1",
		"password": secret,
		"auth":     map[string]any{"token": secret, "servers": []any{secret}},
	}
	if _, err := l.Commit(t.Context(), "", []event.Event{ev(t, 1, "acme", typeCreated, data)}, nil); err != nil {
		t.Fatal(err)
	}
	db := project(t, l)
	recs := records(t, db)
	if len(recs) != 1 {
		t.Fatalf("%d records, want 1", len(recs))
	}
	var got map[string]any
	if err := json.Unmarshal(recs[0].Data, &got); err != nil {
		t.Fatal(err)
	}
	if got["name"] != "pull-1" {
		t.Errorf("clear field name = %v, want pull-1", got["name"])
	}
	if pw, _ := got["password"].(string); !strings.HasPrefix(pw, "hmac-sha256:") {
		t.Errorf("password = %q, want an hmac-sha256 value", pw)
	}
	path := db.Path()
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Contains(raw, []byte(secret)) {
		t.Error("the projections file contains the secret value")
	}
}

// TestAuditRecordGolden pins the record encoding and hash: changing either
// would make every existing audit log fail verification.
func TestAuditRecordGolden(t *testing.T) {
	t.Parallel()
	l := newLog(t)
	evs := []event.Event{
		ev(t, 1, "acme", typeCreated, map[string]any{"name": "pull-1", "password": "hunter2"}),
		ev(t, 2, "acme", typeCreated, nil),
	}
	if _, err := l.Commit(t.Context(), "", evs, nil); err != nil {
		t.Fatal(err)
	}
	recs := records(t, project(t, l))
	const wantFirst = `{"index":1,"eventSeq":1,"id":"ev-1","type":"io.hypo.registry.imagepull.secret.created",` +
		`"source":"/registry/test","subject":"acme/res-1","tenant":"acme","correlationId":"corr-1",` +
		`"causationId":"cmd-1","time":"2025-03-01T12:01:00Z",` +
		`"data":{"name":"pull-1","password":"hmac-sha256:3920d54ec70f500ee54e1da041d2364a8e57dd252f7a81ed8acd58ad6cf3b6d0"},` +
		`"prev":"","hash":"` + goldenHash1 + `"}`
	b, err := json.Marshal(recs[0])
	if err != nil {
		t.Fatal(err)
	}
	if string(b) != wantFirst {
		t.Errorf("record 1 =\n%s\nwant\n%s", b, wantFirst)
	}
	if recs[1].Prev != recs[0].Hash || recs[1].Hash != goldenHash2 {
		t.Errorf("record 2 prev %s hash %s; want prev %s hash %s", recs[1].Prev, recs[1].Hash, recs[0].Hash, goldenHash2)
	}
}

// The golden hashes were checked outside Go: `printf %s '<record JSON with
// "hash":"">' | sha256sum`.
const (
	goldenHash1 = "5436be25d75ac9f934409e83ecf1ea4ab13c17844d4353b6f085e772510f5991"
	goldenHash2 = "4ebd6241673833e74ef36922dd6bedbb5d6e43cecbcd2f57414a65550e19ba0b"
)

func TestAuditHashesNonJSONDataWhole(t *testing.T) {
	t.Parallel()
	l := newLog(t)
	e := ev(t, 1, "acme", typeCreated, nil)
	if err := e.SetData("text/plain", []byte("hunter2")); err != nil {
		t.Fatal(err)
	}
	if _, err := l.Commit(t.Context(), "", []event.Event{e}, nil); err != nil {
		t.Fatal(err)
	}
	recs := records(t, project(t, l))
	// The HMAC of "hunter2" under testKey, as in the redact golden tests.
	const want = `"hmac-sha256:3920d54ec70f500ee54e1da041d2364a8e57dd252f7a81ed8acd58ad6cf3b6d0"`
	if len(recs) != 1 || string(recs[0].Data) != want {
		t.Errorf("records = %+v, want one with data %s", recs, want)
	}
}

// TestAuditRecordsTakeTheFastCheck pins the fast path to the stored form:
// every record the projection writes is json.Marshal of itself with its
// digest as hash, and the verifier's fast check accepts it as it stands.
func TestAuditRecordsTakeTheFastCheck(t *testing.T) {
	t.Parallel()
	l := newLog(t)
	fillLog(t, l, 1, 50)
	db := project(t, l)
	d, err := projections.DumpBuckets(db)
	if err != nil {
		t.Fatal(err)
	}
	if len(d[projections.AuditBucket]) != 50 {
		t.Fatalf("%d records, want 50", len(d[projections.AuditBucket]))
	}
	for k, v := range d[projections.AuditBucket] {
		var r projections.Record
		if err := json.Unmarshal([]byte(v), &r); err != nil {
			t.Fatal(err)
		}
		h, err := r.Digest()
		if err != nil || h != r.Hash {
			t.Errorf("record %x: digest %s, stored hash %s (%v)", k, h, r.Hash, err)
		}
		if b, _ := json.Marshal(r); string(b) != v {
			t.Errorf("record %x is not json.Marshal of itself:\n%s\n%s", k, v, b)
		}
		if !projections.FastIntact([]byte(v)) {
			t.Errorf("record %x does not pass the fast check", k)
		}
		broken := strings.Replace(v, `"index":`, `"index": `, 1)
		if projections.FastIntact([]byte(broken)) {
			t.Errorf("record %x passes the fast check with another layout", k)
		}
	}
}
