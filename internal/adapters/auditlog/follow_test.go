package auditlog_test

import (
	"context"
	"errors"
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
