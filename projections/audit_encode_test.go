package projections

import (
	"bytes"
	"encoding/json"
	"math/rand/v2"
	"testing"
	"time"
)

// The stored bytes, and so every hash, must be json.Marshal's: appendRecord
// is checked against it on random records with awkward strings and data.
var encodeStrings = []string{"", "ev-1", "acme", "a\"b", `back\slash`, "<script>&", "tab\there", "é", "\u2028", "\xff\xfe", "hmac-sha256:00ff", "x\x00y"}

var encodeData = []string{``, `{}`, `[]`, `"hmac-sha256:ab"`, `{"a":1,"b":[true,null,"x"]}`, `{"a": 1}`, `{"h":"\u003c"}`, `{"h":"<"}`, `{"s":"a\"b\\"}`, "{\"u\":\"\u2028\"}", `{"n":1.5e10}`, `[1, 2]`}

func randomRecord(rng *rand.Rand) Record {
	pick := func() string { // mostly plain, so that both paths are taken
		if rng.IntN(40) == 0 {
			return encodeStrings[rng.IntN(len(encodeStrings))]
		}
		return encodeStrings[rng.IntN(3)]
	}
	t := time.Unix(rng.Int64N(1<<34)-1<<33, rng.Int64N(1e9)*int64(rng.IntN(2))).UTC()
	if rng.IntN(8) == 0 {
		t = t.In(time.FixedZone("x", 3600))
	}
	if rng.IntN(16) == 0 {
		t = time.Date(10000+rng.IntN(10), 1, 1, 0, 0, 0, 0, time.UTC)
	}
	var data json.RawMessage
	if d := encodeData[rng.IntN(len(encodeData))]; d != "" {
		data = json.RawMessage(d)
	}
	return Record{
		Index: rng.Uint64(), EventSeq: rng.Uint64N(1 << 40),
		ID: pick(), Type: pick(), Source: pick(), Subject: pick(), Tenant: pick(),
		CorrelationID: pick(), CausationID: pick(), Time: t, Data: data, Prev: pick(), Hash: pick(),
	}
}

func TestAppendRecordIsJSONMarshal(t *testing.T) {
	t.Parallel()
	rng := rand.New(rand.NewPCG(1, 2))
	fast := 0
	for i := 0; i < 20000; i++ {
		r := randomRecord(rng)
		want, werr := json.Marshal(&r)
		got, gerr := appendRecord(nil, &r)
		if (werr == nil) != (gerr == nil) {
			t.Fatalf("record %+v: json.Marshal error %v, appendRecord error %v", r, werr, gerr)
		}
		if !bytes.Equal(got, want) {
			t.Fatalf("record %+v:\n got %s\nwant %s", r, got, want)
		}
		if plainRecord(&r) {
			fast++
		}
	}
	if fast == 0 {
		t.Fatal("no random record took the fast path: the test checks nothing of it")
	}
}

func FuzzAppendRecord(f *testing.F) {
	f.Add("ev-1", "acme", `{"a":"b"}`, int64(1740830400), "")
	f.Add("a<b", "é", `[1, 2]`, int64(-62135596800), "\u2028")
	f.Fuzz(func(t *testing.T, id, tenant, data string, sec int64, prev string) {
		r := Record{Index: 7, EventSeq: 9, ID: id, Type: "t", Source: "/s", Tenant: tenant,
			Time: time.Unix(sec%(1<<40), 0).UTC(), Prev: prev}
		if json.Valid([]byte(data)) {
			r.Data = json.RawMessage(data)
		}
		want, werr := json.Marshal(&r)
		got, gerr := appendRecord(nil, &r)
		if (werr == nil) != (gerr == nil) || !bytes.Equal(got, want) {
			t.Fatalf("record %+v:\n got %s (%v)\nwant %s (%v)", r, got, gerr, want, werr)
		}
	})
}
