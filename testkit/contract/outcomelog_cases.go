package contract

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	cloudevents "github.com/cloudevents/sdk-go/v2/event"
)

func logReplyByCommandID(t *testing.T, f logFixture) {
	f.wantReply(t, f.Log, "cmd-1", "")
	f.commit(t, "cmd-1", "sealed-1", "e1", "e2")
	f.wantReply(t, f.Log, "cmd-1", "sealed-1")
	f.wantReply(t, f.Log, "cmd-2", "")
	// A reply with no events is kept too: a command may change nothing.
	f.commit(t, "cmd-2", "sealed-2")
	f.wantReply(t, f.Log, "cmd-2", "sealed-2")
	// Events without a command id leave no reply to find.
	f.commit(t, "", "", "e3")
	f.wantReply(t, f.Log, "", "")
	f.wantEvents(t, "e1", "e2", "e3")
}

// Sequences grow by one per event; a commit without events appends
// nothing and answers the last sequence.
func logEventOrder(t *testing.T, f logFixture) {
	a := f.commit(t, "cmd-a", "ra", "a1", "a2", "a3")
	b := f.commit(t, "", "", "b1")
	c := f.commit(t, "cmd-c", "rc")
	d := f.commit(t, "cmd-d", "rd", "d1", "d2")
	if b != a+1 || c != b || d != b+2 {
		t.Fatalf("sequences %d %d %d %d: want each commit's last, one per event", a, b, c, d)
	}
	f.wantEvents(t, "a1", "a2", "a3", "b1", "d1", "d2")
}

func logCommandCommitsOnce(t *testing.T, f logFixture) {
	f.commit(t, "cmd-1", "first", "e1")
	if _, err := f.Log.Commit(f.ctx, "cmd-1", f.events(t, "e2"), []byte("second")); err == nil {
		t.Fatal("a second commit of one command was accepted")
	}
	f.wantReply(t, f.Log, "cmd-1", "first")
	f.commit(t, "", "", "marker")
	f.wantEvents(t, "e1", "marker")
}

// An event that is not a valid CloudEvent refuses the whole commit: its
// valid events and its reply are not kept, and the command may commit
// later.
func logRefusedCommitWritesNothing(t *testing.T, f logFixture) {
	evs := append(f.events(t, "ok1", "ok2"), cloudevents.New()) // no id, source or type
	if _, err := f.Log.Commit(f.ctx, "cmd-1", evs, []byte("refused")); err == nil {
		t.Fatal("a commit holding an invalid event was accepted")
	}
	f.wantReply(t, f.Log, "cmd-1", "")
	f.commit(t, "cmd-1", "kept", "e1")
	f.wantReply(t, f.Log, "cmd-1", "kept")
	f.wantEvents(t, "e1")
}

// A caller that gave up before its commit leaves nothing behind.
func logEndedContext(t *testing.T, f logFixture) {
	ctx, cancel := context.WithCancel(f.ctx)
	cancel()
	if _, err := f.Log.Commit(ctx, "cmd-1", f.events(t, "late"), []byte("late")); err == nil {
		t.Fatal("a commit with an ended context was accepted")
	}
	f.wantReply(t, f.Log, "cmd-1", "")
	f.commit(t, "", "", "marker")
	f.wantEvents(t, "marker")
}

// Two deliveries of one command racing to commit: one commit wins, its
// reply is the one kept and its event the only one written.
func logConcurrentOneCommand(t *testing.T, f logFixture) {
	const n = 8
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			id := fmt.Sprint("e", i)
			_, errs[i] = f.Log.Commit(f.ctx, "cmd-x", f.events(t, id), []byte(id))
		})
	}
	wg.Wait()
	winner := -1
	for i, err := range errs {
		if err == nil {
			if winner >= 0 {
				t.Fatalf("deliveries %d and %d both committed", winner, i)
			}
			winner = i
		}
	}
	if winner < 0 {
		t.Fatalf("no delivery committed: %v", errs)
	}
	id := fmt.Sprint("e", winner)
	f.wantReply(t, f.Log, "cmd-x", id)
	f.commit(t, "", "", "marker")
	f.wantEvents(t, id, "marker")
}

// Commits of different commands at once all land, each command's events
// side by side and in order: one commit is one unit in the log.
func logConcurrentCommands(t *testing.T, f logFixture) {
	const n, per = 20, 3
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			cmd := fmt.Sprint("cmd-", i)
			_, errs[i] = f.Log.Commit(f.ctx, cmd, f.events(t, cmd+"/0", cmd+"/1", cmd+"/2"), []byte(cmd))
		})
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Fatalf("Commit cmd-%d: %v", i, err)
		}
	}
	got := f.Events(t, n*per)
	seen := map[string]bool{}
	for i := 0; i < len(got); i += per {
		cmd, first := strings.CutSuffix(got[i], "/0")
		if !first || seen[cmd] || !slices.Equal(got[i:i+per], []string{cmd + "/0", cmd + "/1", cmd + "/2"}) {
			t.Fatalf("events %d..%d are %v: a commit's events are not together and in order (log %v)", i, i+per-1, got[i:i+per], got)
		}
		seen[cmd] = true
		f.wantReply(t, f.Log, cmd, cmd)
	}
}

func logRestart(t *testing.T, f logFixture) {
	seq := f.commit(t, "cmd-1", "sealed-1", "e1", "e2")
	if err := f.Log.Intend(f.ctx, "cmd-1\x00write\x00hypo/p", 7); err != nil {
		t.Fatal(err)
	}
	l := f.Reopen(t)
	f.wantReply(t, l, "cmd-1", "sealed-1")
	if v, found, err := l.Intended(f.ctx, "cmd-1\x00write\x00hypo/p"); err != nil || !found || v != 7 {
		t.Fatalf("intent after a restart: %d %v %v, want 7", v, found, err)
	}
	if _, err := l.Commit(f.ctx, "cmd-1", f.events(t, "again"), []byte("again")); err == nil {
		t.Fatal("a command committed before the restart committed again")
	}
	next, err := l.Commit(f.ctx, "cmd-2", f.events(t, "e3"), []byte("sealed-2"))
	if err != nil || next != seq+1 {
		t.Fatalf("Commit after a restart = %d, %v; want %d", next, err, seq+1)
	}
	f.wantEvents(t, "e1", "e2", "e3")
}

// Replies and intents are needed only while a command can be delivered
// again; pruning drops those older than the retention and counts them.
// Events are never pruned.
func logPrune(t *testing.T, f logFixture) {
	f.commit(t, "cmd-1", "sealed-1", "e1")
	key := "cmd-1\x00destroy\x00hypo/p"
	if v, found, err := f.Log.Intended(f.ctx, key); err != nil || found {
		t.Fatalf("intent before any: %d %v %v", v, found, err)
	}
	if err := f.Log.Intend(f.ctx, key, 0); err != nil {
		t.Fatal(err)
	}
	if v, found, err := f.Log.Intended(f.ctx, key); err != nil || !found || v != 0 {
		t.Fatalf("intent of a destroy: %d %v %v, want version 0", v, found, err)
	}
	if n, err := f.Log.PruneReplies(time.Now().Add(-time.Hour)); err != nil || n != 0 {
		t.Fatalf("PruneReplies(an hour ago) = %d, %v; want 0", n, err)
	}
	f.wantReply(t, f.Log, "cmd-1", "sealed-1")
	if n, err := f.Log.PruneReplies(time.Now().Add(time.Second)); err != nil || n != 2 {
		t.Fatalf("PruneReplies(now) = %d, %v; want 2 (a reply and an intent)", n, err)
	}
	f.wantReply(t, f.Log, "cmd-1", "")
	if _, found, err := f.Log.Intended(f.ctx, key); err != nil || found {
		t.Fatalf("intent after pruning: found %v, %v", found, err)
	}
	f.commit(t, "", "", "marker")
	f.wantEvents(t, "e1", "marker")
}
