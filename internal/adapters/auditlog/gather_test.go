package auditlog_test

import (
	"context"
	"testing"
	"time"

	"github.com/hypo-registry/registry/internal/adapters/auditlog"
)

// appendAsync runs AppendExpected on a goroutine; the channel yields its
// error once it returns.
func appendAsync(l *auditlog.Log, i int) <-chan error {
	done := make(chan error, 1)
	go func() {
		_, err := l.AppendExpected(context.Background(), readEntry(i))
		done <- err
	}()
	return done
}

// plainAsync is appendAsync for an Append nobody announced.
func plainAsync(l *auditlog.Log, i int) <-chan error {
	done := make(chan error, 1)
	go func() {
		_, err := l.Append(context.Background(), readEntry(i))
		done <- err
	}()
	return done
}

// held reports whether done stays silent for a while: the append is still
// waiting for its batch.
func held(done <-chan error) bool {
	select {
	case <-done:
		return false
	case <-time.After(100 * time.Millisecond):
		return true
	}
}

// heldForSecond announces two appends, makes the first and checks that it
// waits for the second.
func heldForSecond(t *testing.T, l *auditlog.Log) <-chan error {
	t.Helper()
	l.Expect()
	l.Expect()
	first := appendAsync(l, 0)
	if !held(first) {
		t.Fatal("the first append returned while a second was announced")
	}
	return first
}

func returned(t *testing.T, done <-chan error) {
	t.Helper()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("append: %v", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("append still waiting after 10s")
	}
}

// An append whose batch expects another announced append waits for it, and
// both are written together.
func TestExpectedAppendsShareABatch(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	l := open(t, auditlog.Options{Dir: dir, HoldAlways: true, CommitDelay: time.Hour})
	first := heldForSecond(t, l)
	second := appendAsync(l, 1)
	returned(t, first)
	returned(t, second)
	if h, _ := l.Head(); h != 2 || len(scanAll(t, dir, 1)) != 2 {
		t.Fatalf("head %d, want both records", h)
	}
}

// An announced caller that appends nothing after all releases the batch.
func TestUnexpectReleasesTheBatch(t *testing.T) {
	t.Parallel()
	l := open(t, auditlog.Options{Dir: t.TempDir(), HoldAlways: true, CommitDelay: time.Hour})
	first := heldForSecond(t, l)
	l.Unexpect()
	returned(t, first)
	// An announced append with no entries is an Unexpect too.
	l.Expect()
	l.Expect()
	second := appendAsync(l, 1)
	if _, err := l.AppendExpected(context.Background()); err != nil {
		t.Fatal(err)
	}
	returned(t, second)
}

// The wait is bounded by CommitDelay, and a negative delay never waits.
func TestCommitDelayBoundsTheWait(t *testing.T) {
	t.Parallel()
	for _, delay := range []time.Duration{20 * time.Millisecond, -1} {
		l := open(t, auditlog.Options{Dir: t.TempDir(), HoldAlways: true, CommitDelay: delay})
		l.Expect()
		l.Expect() // never appended
		returned(t, appendAsync(l, 0))
	}
}

// Close while a batch waits for announced appends writes the batch: what
// the writer took is durable when its Append returns nil.
func TestCloseWritesTheGatheredBatch(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	l := open(t, auditlog.Options{Dir: dir, HoldAlways: true, CommitDelay: time.Hour})
	first := heldForSecond(t, l)
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
	returned(t, first)
	if recs := scanAll(t, dir, 1); len(recs) != 1 {
		t.Fatalf("%d records after Close, want the gathered one", len(recs))
	}
}

// After a batch of more than one record the log is busy: the next batch is
// held open while entries keep arriving, but not for callers that cannot
// come. Two callers that each wait for their append before making the next
// (two clients, each waiting for its answer) are both in every batch; a
// hold for the whole delay would make each of their appends wait it (with
// an hour's delay and the rate these callers are measured at, 200 ms each).
func TestBusyLogWritesWhenNobodyIsLeftToCome(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	l := open(t, auditlog.Options{Dir: dir, HoldAlways: true, CommitDelay: time.Hour})
	returned(t, plainAsync(l, 0))
	time.Sleep(300 * time.Millisecond) // a slow rate: long holds, were they held
	l.Expect()
	l.Expect()
	a, b := appendAsync(l, 1), appendAsync(l, 2)
	returned(t, a)
	returned(t, b)
	before := l.Stats()
	const rounds = 20
	var callers [2]chan error
	for c := range callers {
		callers[c] = make(chan error, 1)
		go func() {
			for i := range rounds {
				if _, err := l.Append(context.Background(), readEntry(3+2*i+c)); err != nil {
					callers[c] <- err
					return
				}
			}
			callers[c] <- nil
		}()
	}
	for _, done := range callers {
		returned(t, done)
	}
	after := l.Stats()
	if held := after.Gathered - before.Gathered; held > time.Second {
		t.Fatalf("%d batches held %s in all for callers that were all in them already", after.Batches-before.Batches, held)
	}
	if recs := scanAll(t, dir, 1); len(recs) != 3+2*rounds {
		t.Fatalf("%d records, want %d", len(recs), 3+2*rounds)
	}
}

// A busy log holds the next batch open while entries keep arriving, even
// with nothing announced: here the quiet gap is set long, so the first
// append waits for the second, which fills the batch.
func TestBusyLogHoldsWhileEntriesArrive(t *testing.T) {
	t.Parallel()
	l := open(t, auditlog.WithQuietGap(auditlog.Options{Dir: t.TempDir(), HoldAlways: true, CommitDelay: time.Hour, MaxBatch: 2}, time.Hour))
	returned(t, plainAsync(l, 0)) // quiet: no wait
	// The hold itself is the time two more entries take at the measured
	// rate: arriving slowly on purpose makes it over 600 ms whatever the
	// machine's load (a rate measured over a loaded machine's few
	// milliseconds could end it before held looks).
	time.Sleep(time.Second)
	l.Expect()
	l.Expect()
	a, b := appendAsync(l, 1), appendAsync(l, 2)
	returned(t, a)
	returned(t, b)
	if st := l.Stats(); st.Records != 3 || st.Batches != 2 {
		t.Fatalf("stats %+v, want 3 records in 2 batches", st)
	}
	first := plainAsync(l, 3)
	if !held(first) {
		t.Fatal("an append right after a batch of two was written without waiting for company")
	}
	second := plainAsync(l, 4)
	returned(t, first) // the batch is full
	returned(t, second)
}

// Batches are held only while the CPU is short: a sync saved is CPU
// saved, and when the CPU idles a hold only makes the callers wait. With
// the same two announced appends, the first waits for the second on a
// busy CPU and is written at once on an idle one.
func TestHoldOnlyWhileTheCPUIsShort(t *testing.T) {
	t.Parallel()
	for _, short := range []bool{true, false} {
		l := open(t, auditlog.WithCPU(auditlog.Options{Dir: t.TempDir(), CommitDelay: time.Hour}, short))
		time.Sleep(150 * time.Millisecond) // one whole window of the gauge
		l.Expect()
		l.Expect()
		first := appendAsync(l, 0)
		if short && !held(first) {
			t.Fatal("CPU short: the first append returned while a second was announced")
		}
		if !short {
			returned(t, first) // held, it would wait the hour
		}
		second := appendAsync(l, 1)
		if short {
			returned(t, first)
		}
		returned(t, second)
		if st := l.Stats(); (st.Batches == 1) != short {
			t.Fatalf("CPU short %v: %d batches for the two appends", short, st.Batches)
		}
	}
}
