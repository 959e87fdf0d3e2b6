package auditlog_test

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/hypo-registry/registry/internal/adapters/auditlog"
)

var errEnough = errors.New("enough")

// Readers run beside the writer, without its lock, while segments fill and
// roll: they never report a record being written as damage, and Follow
// sees every record in order.
func TestReadersDuringWrites(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	l := open(t, auditlog.Options{Dir: dir, SegmentBytes: 8192})
	const total = 3000
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()

	followed := make(chan []uint64, 1)
	go func() {
		var got []uint64
		err := auditlog.Follow(ctx, dir, 1, func(r auditlog.Record) error {
			got = append(got, r.Index)
			if len(got) == total {
				return errEnough
			}
			return nil
		})
		if !errors.Is(err, errEnough) {
			t.Errorf("Follow: %v", err)
		}
		followed <- got
	}()

	var writers sync.WaitGroup
	for g := range 8 {
		writers.Add(1)
		go func() {
			defer writers.Done()
			for i := range total / 8 {
				if _, err := l.Append(ctx, readEntry(g*1000+i)); err != nil {
					t.Error(err)
					return
				}
			}
		}()
	}
	stop := make(chan struct{})
	var readers sync.WaitGroup
	readers.Add(1)
	go func() {
		defer readers.Done()
		for {
			select {
			case <-stop:
				return
			default:
			}
			if _, err := auditlog.Verify(dir, nil); err != nil {
				t.Errorf("Verify during writes: %v", err)
				return
			}
			last := uint64(0)
			if err := auditlog.Scan(dir, 1, func(r auditlog.Record) error {
				if r.Index != last+1 {
					return errors.New("scan skipped a record")
				}
				last = r.Index
				return nil
			}); err != nil {
				t.Errorf("Scan during writes: %v", err)
				return
			}
		}
	}()
	writers.Wait()
	close(stop)
	readers.Wait()

	got := <-followed
	for i, idx := range got {
		if idx != uint64(i+1) {
			t.Fatalf("Follow delivered %d at position %d", idx, i)
		}
	}
	if len(got) != total {
		t.Fatalf("Follow delivered %d records, want %d", len(got), total)
	}
}

func TestFollowStartsMidLogAndStopsWithContext(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	l := open(t, auditlog.Options{Dir: dir, SegmentBytes: 4096})
	appendN(t, l, 0, 100)
	ctx, cancel := context.WithCancel(context.Background())
	var got []uint64
	done := make(chan error, 1)
	go func() {
		done <- auditlog.Follow(ctx, dir, 95, func(r auditlog.Record) error {
			got = append(got, r.Index)
			if len(got) == 10 {
				cancel()
			}
			return nil
		})
	}()
	appendN(t, l, 100, 5)
	if err := <-done; err != nil {
		t.Fatalf("Follow: %v", err)
	}
	for i, idx := range got {
		if idx != uint64(95+i) {
			t.Fatalf("got %v, want 95..104", got)
		}
	}
}

// A crash can leave a batch with a page never written (a zeroed sector)
// after records a follower has already read, its read offset then being
// anywhere in a sector: the damage is judged by the file's sectors, so the
// follower takes it for the torn tail it is and waits, instead of calling
// the log corrupt.
func TestFollowJudgesATornTailByTheFilesSectors(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	l := open(t, auditlog.Options{Dir: dir})
	appendN(t, l, 0, 80)
	l.Close()
	path := filepath.Join(dir, "seg-00000000000000000001.log")
	full, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	_, fr := frames(t, full)
	// The follower reads records up to one that ends inside a sector, then
	// finds the rest of the batch written with a hole in it.
	seen := -1
	for i := 40; i < 70 && seen < 0; i++ {
		if fr[i][1]%512 != 0 {
			seen = i + 1
		}
	}
	hole, damaged := -1, -1
	for i := seen + 1; i < len(fr)-4 && hole < 0; i++ {
		if s := (fr[i][0]/512 + 1) * 512; s < fr[i][1] && s > fr[seen][0]+16 {
			hole, damaged = s, i
		}
	}
	if seen < 0 || hole < 0 {
		t.Fatal("no layout for the case")
	}
	f, err := os.OpenFile(path, os.O_RDWR, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rest := bytes.Clone(full[fr[seen][0]:fr[len(fr)-1][1]])
	if _, err := f.WriteAt(make([]byte, len(rest)), int64(fr[seen][0])); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	got := make(chan uint64, 100)
	done := make(chan error, 1)
	go func() {
		done <- auditlog.Follow(ctx, dir, 1, func(r auditlog.Record) error {
			got <- r.Index
			return nil
		})
	}()
	for i := range seen {
		if idx := <-got; idx != uint64(i+1) {
			t.Fatalf("record %d, want %d", idx, i+1)
		}
	}
	clear(rest[hole-fr[seen][0] : hole-fr[seen][0]+512])
	if _, err := f.WriteAt(rest, int64(fr[seen][0])); err != nil {
		t.Fatal(err)
	}
	// The records before the hole come, however slow the machine.
	deadline := time.After(10 * time.Second)
	for want := uint64(seen + 1); want <= uint64(damaged); want++ {
		select {
		case idx := <-got:
			if idx != want {
				t.Fatalf("record %d after the first %d, want %d", idx, seen, want)
			}
		case err := <-done:
			t.Fatalf("Follow: %v; want the torn tail waited on", err)
		case <-deadline:
			t.Fatalf("read up to record %d in 10 s, want up to %d, the last before the hole", want-1, damaged)
		}
	}
	// Then the hole is the end for now: more polls neither read past it
	// nor call it corruption.
	time.Sleep(3 * auditlog.FollowInterval)
	cancel()
	if err := <-done; err != nil {
		t.Fatalf("Follow: %v; want the torn tail waited on", err)
	}
	if len(got) > 0 {
		t.Fatalf("read record %d, past the hole", <-got)
	}
}
