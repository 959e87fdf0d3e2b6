package auditlog

import (
	"bytes"
	"context"
	"encoding/binary"
	"encoding/json"
	"errors"
	"testing"
	"time"
)

func body(idx uint64, e *Entry) []byte {
	b := make([]byte, prevLen, 256)
	b[0], b[31] = 7, 9
	b = binary.AppendUvarint(b, idx)
	return appendTail(b, e)
}

var canonicalCases = map[string]Entry{
	"query": {Time: time.Date(2026, 1, 2, 3, 4, 5, 6, time.UTC), Type: "io.hypo.registry.imagepull.secret.read", Tenant: "acme",
		Subject: "alice", CorrelationID: "0b9c2f5e-7d4a-4c1b-9e3f-000000000001", Data: json.RawMessage(`{"name":"foo","version":1}`)},
	"command": {Time: time.Unix(0, 1).UTC(), Type: "t", ID: "E1", Tenant: "x", Subject: "s", CorrelationID: "c",
		CausationID: "6f1c2a3b-0000-4000-8000-00000000000a", EventSeq: 1 << 40},
	"uppercase uuid stays text": {Time: time.Unix(5, 0).UTC(), Type: "t", CorrelationID: "0B9C2F5E-7D4A-4C1B-9E3F-000000000001"},
	"six uuids": {Time: time.Unix(5, 0).UTC(), Type: "0b9c2f5e-7d4a-4c1b-9e3f-000000000001", ID: "0b9c2f5e-7d4a-4c1b-9e3f-000000000002",
		Tenant: "0b9c2f5e-7d4a-4c1b-9e3f-000000000003", Subject: "0b9c2f5e-7d4a-4c1b-9e3f-000000000004",
		CorrelationID: "0b9c2f5e-7d4a-4c1b-9e3f-000000000005", CausationID: "0b9c2f5e-7d4a-4c1b-9e3f-000000000006"},
	"before 1970": {Time: time.Unix(-86400, 0).UTC(), Type: "t"},
}

// Decoding then encoding gives the same bytes: a record has one encoding,
// so its hash is a function of its content.
func TestEncodingIsCanonical(t *testing.T) {
	for name, e := range canonicalCases {
		t.Run(name, func(t *testing.T) {
			b := body(300, &e)
			var r Record
			m, err := scanBody(b, &r)
			if err != nil || m.index != 300 || r.Index != 300 {
				t.Fatalf("scanBody: %+v, %v", m, err)
			}
			if !r.Entry.Time.Equal(e.Time) || r.Type != e.Type || r.ID != e.ID || r.Tenant != e.Tenant || r.Subject != e.Subject ||
				r.CorrelationID != e.CorrelationID || r.CausationID != e.CausationID || r.EventSeq != e.EventSeq || !bytes.Equal(r.Data, e.Data) {
				t.Fatalf("decoded %+v, want %+v", r.Entry, e)
			}
			if again := body(r.Index, &r.Entry); !bytes.Equal(again[prevLen:], b[prevLen:]) {
				t.Fatalf("re-encoded\n%x\nwant\n%x", again, b)
			}
		})
	}
}

func TestNonCanonicalBodiesRefused(t *testing.T) {
	e := canonicalCases["query"]
	good := body(5, &e)
	uuidAsText := bytes.Clone(good[:prevLen+1+8])
	uuidAsText = appendStr(uuidAsText, e.Type)
	uuidAsText = append(uuidAsText, 38)
	uuidAsText = append(uuidAsText, e.CorrelationID...)
	for name, b := range map[string][]byte{
		"overlong index": append(append(bytes.Clone(good[:prevLen]), 0x85, 0x00), good[prevLen+1:]...),
		"index 0":        append(append(bytes.Clone(good[:prevLen]), 0), good[prevLen+1:]...),
		"trailing byte":  append(bytes.Clone(good), 0),
		"short":          good[:len(good)-1],
		"uuid as text":   uuidAsText,
	} {
		if _, err := scanBody(b, nil); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
}

func FuzzScanBody(f *testing.F) {
	for _, e := range canonicalCases {
		f.Add(body(1, &e))
	}
	f.Add([]byte{})
	f.Fuzz(func(t *testing.T, b []byte) {
		var r Record
		m, err := scanBody(b, &r)
		if err != nil {
			return
		}
		if m.index != r.Index || !bytes.Equal(body(r.Index, &r.Entry)[prevLen:], b[prevLen:]) {
			t.Fatalf("accepted a body that does not re-encode to itself: %x", b)
		}
	})
}

func FuzzSegment(f *testing.F) {
	h := header{first: 1, firstTime: time.Unix(1, 0), source: "/s"}.encode()
	e := canonicalCases["query"]
	bd := body(1, &e)
	rec := binary.AppendUvarint(nil, uint64(len(bd)))
	rec = binary.LittleEndian.AppendUint32(rec, 0)
	f.Add(append(append(h, rec...), bd...))
	f.Add(h)
	f.Fuzz(func(t *testing.T, b []byte) {
		var c chain
		scanSegment(bytesWindow(b), "fuzz", true, &c, &walker{}, func(*checked) error { return nil })
	})
}

// After a failed write the log refuses every later Append: nothing after
// the failure may be reported durable.
func TestFailedWriteFailsTheLog(t *testing.T) {
	l, err := Open(Options{Dir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	e := canonicalCases["query"]
	if _, err := l.Append(context.Background(), e); err != nil {
		t.Fatal(err)
	}
	l.f.Close() // the disk goes away
	if _, err := l.Append(context.Background(), e); !errors.Is(err, ErrFailed) {
		t.Fatalf("Append on a failing disk: %v, want ErrFailed", err)
	}
	if _, err := l.Append(context.Background(), e); !errors.Is(err, ErrFailed) {
		t.Fatalf("Append after a failure: %v, want ErrFailed", err)
	}
	if h, _ := l.Head(); h != 1 {
		t.Fatalf("head %d after failures, want 1", h)
	}
}

// TestHoldWaitsForAFewMore: the hold is the time in which min(holdFor,
// company) more entries arrive at the measured rate, within the limit,
// which is also the hold before the rate is known.
func TestHoldWaitsForAFewMore(t *testing.T) {
	const limit = 2 * time.Millisecond
	at := func(rate float64) *arrivalRate {
		var a arrivalRate
		t0 := time.Unix(0, 0)
		for i := 1; i <= 20; i++ { // 20 windows of 20 ms at rate
			a.add(int(rate*rateWindow.Seconds()), t0.Add(time.Duration(i)*rateWindow))
		}
		return &a
	}
	var unknown arrivalRate
	for _, tc := range []struct {
		name    string
		a       *arrivalRate
		company int64
		want    time.Duration
	}{
		{"rate unknown", &unknown, 32, limit},
		{"nothing in flight", at(20000), 0, minHold},
		{"embedded reads at 20k/s", at(20000), 32, 200 * time.Microsecond},
		{"Vault reads at 2k/s", at(2000), 32, limit},
		{"two Vault reads at 2k/s", at(2000), 2, time.Millisecond},
		{"busy at 1M/s", at(1e6), 8, minHold},
	} {
		got := tc.a.hold(tc.company, limit)
		if d := got - tc.want; d < -tc.want/50 || d > tc.want/50 {
			t.Errorf("%s: hold %s, want %s", tc.name, got, tc.want)
		}
	}
}

// TestQuietIsTheMeanGap: a busy log with nothing announced waits for the
// next arrival about the mean time between arrivals, within minHold and
// the limit, which is also the wait before the rate is known.
func TestQuietIsTheMeanGap(t *testing.T) {
	const limit = maxQuiet
	at := func(rate float64) *arrivalRate {
		return &arrivalRate{perSecond: rate}
	}
	for _, tc := range []struct {
		name string
		a    *arrivalRate
		want time.Duration
	}{
		{"rate unknown", &arrivalRate{}, limit},
		{"embedded reads at 20k/s", at(20000), 50 * time.Microsecond},
		{"Vault reads at 2k/s", at(2000), limit},
		{"busy at 1M/s", at(1e6), minHold},
	} {
		if got := tc.a.quiet(limit); got != tc.want {
			t.Errorf("%s: quiet %s, want %s", tc.name, got, tc.want)
		}
	}
}
