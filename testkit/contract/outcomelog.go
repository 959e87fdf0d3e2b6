package contract

import (
	"context"
	"fmt"
	"testing"
	"time"

	cloudevents "github.com/cloudevents/sdk-go/v2/event"

	"github.com/hypo-registry/registry/events"
	"github.com/hypo-registry/registry/internal/bus"
)

// Log is an outcome log as registryd uses it: the bus's port, the Vault
// store's write-ahead intents kept beside the replies they guard (the
// methods of the Vault adapter's Intents, declared again here so the suite
// imports no adapter), and pruning of both by age.
type Log interface {
	bus.OutcomeLog
	Intend(ctx context.Context, key string, version int) error
	Intended(ctx context.Context, key string) (version int, found bool, err error)
	PruneReplies(olderThan time.Time) (int, error)
}

// LogFixture is one subtest's log on fresh storage, closed by t.Cleanup.
type LogFixture struct {
	Log Log
	// Reopen closes Log and opens it again on the same storage, as a
	// restart does.
	Reopen func(t *testing.T) Log
	// Events returns the ids of the first n events the log holds, in its
	// order, waiting as long as the log needs to make them readable (the
	// Kafka log relays its outbox to the topic); it fails the test if
	// there are fewer.
	Events func(t *testing.T, n int) []string
}

// OutcomeLog runs the behaviour every bus.OutcomeLog adapter must show, the
// embedded log and the Kafka outbox alike: a command's events and its
// reply are committed together or not at all; the reply is found by the
// command id; a command commits once; events keep their commit order, one
// commit's events side by side; all of it outlives a restart; replies and
// intents go once past their retention. Events are of one tenant, so a log
// partitioned by tenant has one order to keep.
func OutcomeLog(t *testing.T, open func(t *testing.T) LogFixture) {
	t.Helper()
	cases := []struct {
		name string
		run  func(t *testing.T, f logFixture)
	}{
		{"the reply is found by its command id", logReplyByCommandID},
		{"events keep their commit order", logEventOrder},
		{"a command commits once", logCommandCommitsOnce},
		{"a refused commit writes nothing", logRefusedCommitWritesNothing},
		{"an ended context writes nothing", logEndedContext},
		{"concurrent commits of one command: one wins", logConcurrentOneCommand},
		{"concurrent commits keep each command's events together", logConcurrentCommands},
		{"events, replies and intents outlive a restart", logRestart},
		{"replies and intents are pruned by age", logPrune},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			tc.run(t, logFixture{LogFixture: open(t), ctx: t.Context(), tenant: RandomTenant(t)})
		})
	}
}

// logFixture is a subtest's log and the tenant of its events.
type logFixture struct {
	LogFixture
	ctx    context.Context
	tenant string
}

// event builds the event named id, as a handler's outcome would be.
func (f logFixture) event(t *testing.T, id string) cloudevents.Event {
	t.Helper()
	e, err := events.New(
		events.Outcome{Type: events.ImagePullSecretCreated, Tenant: f.tenant, Subject: f.tenant + "/" + id, Data: map[string]any{"name": id}},
		fmt.Appendf(nil, `{"name":%q,"password":"hmac-sha256:00"}`, id),
		events.Meta{ID: id, Time: time.Unix(1700000000, 0), CorrelationID: "corr-" + id, CausationID: "cmd-" + id},
	)
	if err != nil {
		t.Fatal(err)
	}
	return e
}

// events builds one event per id.
func (f logFixture) events(t *testing.T, ids ...string) []cloudevents.Event {
	t.Helper()
	evs := make([]cloudevents.Event, len(ids))
	for i, id := range ids {
		evs[i] = f.event(t, id)
	}
	return evs
}

// commit commits and fails the test on an error, returning the sequence.
func (f logFixture) commit(t *testing.T, commandID string, reply string, ids ...string) uint64 {
	t.Helper()
	var r []byte
	if reply != "" {
		r = []byte(reply)
	}
	seq, err := f.Log.Commit(f.ctx, commandID, f.events(t, ids...), r)
	if err != nil {
		t.Fatalf("Commit(%q, %v): %v", commandID, ids, err)
	}
	return seq
}

// wantReply checks what Reply answers for commandID ("" reply: none).
func (f logFixture) wantReply(t *testing.T, l Log, commandID, want string) {
	t.Helper()
	got, found, err := l.Reply(f.ctx, commandID)
	switch {
	case err != nil:
		t.Fatalf("Reply(%q): %v", commandID, err)
	case want == "" && found:
		t.Fatalf("Reply(%q) = %q, want none", commandID, got)
	case want != "" && (!found || string(got) != want):
		t.Fatalf("Reply(%q) = %q, found %v; want %q", commandID, got, found, want)
	}
}

// wantEvents checks that the log holds exactly want, in order, first.
func (f logFixture) wantEvents(t *testing.T, want ...string) {
	t.Helper()
	got := f.Events(t, len(want))
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("log holds %v, want %v", got, want)
	}
}
