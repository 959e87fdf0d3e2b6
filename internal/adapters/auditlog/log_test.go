package auditlog_test

import (
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"sync"
	"testing"
	"time"

	"github.com/hypo-registry/registry/internal/adapters/auditlog"
)

func TestAppendScanRoundtrip(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	l := open(t, auditlog.Options{Dir: dir, Source: "/registry/test", SegmentBytes: 4096})
	var want []auditlog.Entry
	for i := range 300 {
		e := readEntry(i)
		if i%3 == 0 {
			e = commandEntry(i, uint64(i))
		}
		if i%7 == 0 {
			e.Data = nil
		}
		want = append(want, e)
	}
	// One batch of many entries, then one at a time.
	if last, err := l.Append(context.Background(), want[:100]...); err != nil || last != 100 {
		t.Fatalf("Append batch: last %d, %v", last, err)
	}
	for i, e := range want[100:] {
		last, err := l.Append(context.Background(), e)
		if err != nil || last != uint64(101+i) {
			t.Fatalf("Append %d: last %d, %v", i, last, err)
		}
	}
	recs := scanAll(t, dir, 1)
	if len(recs) != len(want) {
		t.Fatalf("scanned %d records, want %d", len(recs), len(want))
	}
	var prev [32]byte
	for i, r := range recs {
		if r.Index != uint64(i+1) || r.Prev != prev {
			t.Fatalf("record %d: index %d, prev %x, want prev %x", i, r.Index, r.Prev, prev)
		}
		if !reflect.DeepEqual(r.Entry, want[i]) {
			t.Fatalf("record %d:\n got %+v\nwant %+v", i, r.Entry, want[i])
		}
		prev = r.Hash
	}
	head, hash := l.Head()
	if head != 300 || hash != prev {
		t.Fatalf("Head %d %x, want 300 %x", head, hash, prev)
	}
	if _, segs, _ := l.Size(); segs < 5 {
		t.Fatalf("%d segments, want several at SegmentBytes 4096", segs)
	}
	if got := scanAll(t, dir, 250); len(got) != 51 || got[0].Index != 250 {
		t.Fatalf("Scan from 250: %d records starting at %d", len(got), got[0].Index)
	}
	if l.LastEventSeq() != 297 {
		t.Fatalf("LastEventSeq %d, want 297", l.LastEventSeq())
	}

	// Reopened, the log continues the chain.
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
	l2 := open(t, auditlog.Options{Dir: dir, SegmentBytes: 4096})
	if h, hh := l2.Head(); h != 300 || hh != prev || l2.Recovered() != 0 {
		t.Fatalf("reopened head %d %x recovered %d", h, hh, l2.Recovered())
	}
	if last, err := l2.Append(context.Background(), readEntry(300)); err != nil || last != 301 {
		t.Fatalf("Append after reopen: %d, %v", last, err)
	}
	sum, err := auditlog.Verify(dir, nil)
	if err != nil || sum.First != 1 || sum.Last != 301 || sum.Records != 301 {
		t.Fatalf("Verify: %+v, %v", sum, err)
	}
}

func TestAppendRefusesInvalidEntries(t *testing.T) {
	t.Parallel()
	l := open(t, auditlog.Options{Dir: t.TempDir()})
	for name, e := range map[string]auditlog.Entry{
		"no time":         {Type: "x"},
		"no type":         {Time: t0},
		"data not JSON":   {Time: t0, Type: "x", Data: json.RawMessage(`{"a":`)},
		"data not object": {Time: t0, Type: "x", Data: json.RawMessage(`[1]`)},
	} {
		if _, err := l.Append(context.Background(), e); !errors.Is(err, auditlog.ErrInvalidEntry) {
			t.Errorf("%s: %v, want ErrInvalidEntry", name, err)
		}
	}
	if h, _ := l.Head(); h != 0 {
		t.Fatalf("head %d after refused entries", h)
	}
}

func TestTypicalReadRecordSize(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	l := open(t, auditlog.Options{Dir: dir})
	appendN(t, l, 0, 1)
	before, _, _ := l.Size()
	appendN(t, l, 1, 100)
	after, _, _ := l.Size()
	per := (after - before) / 100
	st, err := os.Stat(filepath.Join(dir, "seg-00000000000000000001.log"))
	if err != nil || st.Size() < after || st.Size() > after+1<<20 {
		t.Fatalf("Size %d, file %v %v: want the records plus at most 1 MiB of zero fill", after, st, err)
	}
	t.Logf("bytes per audited read record: %d", per)
	if per > 220 {
		t.Fatalf("an audited read costs %d bytes, want <= 220", per)
	}
}

func TestTwoWritersRefused(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	open(t, auditlog.Options{Dir: dir})
	if _, err := auditlog.Open(auditlog.Options{Dir: dir}); !errors.Is(err, auditlog.ErrLocked) {
		t.Fatalf("second Open: %v, want ErrLocked", err)
	}
}

func TestAppendAfterClose(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	l := open(t, auditlog.Options{Dir: dir})
	appendN(t, l, 0, 1)
	l.Close()
	if _, err := l.Append(context.Background(), readEntry(1)); !errors.Is(err, auditlog.ErrClosed) {
		t.Fatalf("Append after Close: %v", err)
	}
	// The lock is released with Close.
	open(t, auditlog.Options{Dir: dir})
}

// Appends racing Close each end: durable (and then in the log when it is
// opened again) or ErrClosed (and then not in it); none waits for ever on
// a request queued after the writer stopped.
func TestAppendsRacingClose(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	l, err := auditlog.Open(auditlog.Options{Dir: dir, MaxBatch: 8})
	if err != nil {
		t.Fatal(err)
	}
	const workers, per = 16, 200
	var (
		mu      sync.Mutex
		durable = map[string]bool{}
		wg      sync.WaitGroup
	)
	for w := range workers {
		wg.Go(func() {
			for i := range per {
				e := readEntry(w*per + i)
				_, err := l.Append(context.Background(), e)
				if errors.Is(err, auditlog.ErrClosed) {
					return
				}
				if err != nil {
					t.Errorf("Append: %v", err)
					return
				}
				mu.Lock()
				durable[e.CorrelationID] = true
				mu.Unlock()
			}
		})
	}
	time.Sleep(5 * time.Millisecond)
	done := make(chan struct{})
	go func() { wg.Wait(); close(done) }()
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		t.Fatal("Appends still waiting 10s after Close")
	}
	found := map[string]bool{}
	for _, r := range scanAll(t, dir, 1) {
		found[r.CorrelationID] = true
	}
	for id := range durable {
		if !found[id] {
			t.Errorf("append %s reported durable is not in the log", id)
		}
	}
	if len(durable) == 0 || len(durable) == workers*per {
		t.Logf("%d of %d appends durable before Close: the race was not exercised this run", len(durable), workers*per)
	}
}

func TestConcurrentAppendersDurableAndContiguous(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	l := open(t, auditlog.Options{Dir: dir, SegmentBytes: 16 << 10, MaxBatch: 64})
	const workers, per = 32, 100
	got := make([][]uint64, workers)
	var wg sync.WaitGroup
	for g := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range per {
				last, err := l.Append(context.Background(), readEntry(g*per+i))
				if err != nil {
					t.Error(err)
					return
				}
				got[g] = append(got[g], last)
			}
		}()
	}
	wg.Wait()
	seen := make(map[uint64]bool)
	for _, idxs := range got {
		for i, idx := range idxs {
			if seen[idx] || idx < 1 || idx > workers*per || (i > 0 && idx <= idxs[i-1]) {
				t.Fatalf("index %d returned twice, out of range or out of order", idx)
			}
			seen[idx] = true
		}
	}
	if len(seen) != workers*per {
		t.Fatalf("%d distinct indexes, want %d", len(seen), workers*per)
	}
	// Returned means durable: a fresh reader sees every record.
	sum, err := auditlog.Verify(dir, nil)
	if err != nil || sum.Records != workers*per || sum.Last != workers*per {
		t.Fatalf("Verify: %+v, %v", sum, err)
	}
}
