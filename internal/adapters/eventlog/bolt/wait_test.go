package bolt_test

import (
	"context"
	"errors"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/hypo-registry/registry/internal/adapters/eventlog/bolt"
)

func TestWait(t *testing.T) {
	t.Parallel()
	l, _ := tempLog(t)
	done := make(chan error, 1)
	go func() { done <- l.Wait(t.Context(), 0) }()
	select {
	case err := <-done:
		t.Fatalf("Wait returned %v before any commit", err)
	case <-time.After(20 * time.Millisecond):
	}
	if _, err := l.Commit(t.Context(), "", testEvents(t, "a", 1), nil); err != nil {
		t.Fatal(err)
	}
	if err := <-done; err != nil {
		t.Fatalf("Wait after commit: %v", err)
	}
	if err := l.Wait(t.Context(), 0); err != nil {
		t.Errorf("Wait for an existing event: %v", err)
	}
	ctx, cancel := context.WithTimeout(t.Context(), 10*time.Millisecond)
	defer cancel()
	if err := l.Wait(ctx, 1); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("Wait past the end = %v, want deadline exceeded", err)
	}
}

func TestWaitReturnsOnClose(t *testing.T) {
	t.Parallel()
	l, _ := tempLog(t)
	done := make(chan error, 1)
	go func() { done <- l.Wait(t.Context(), 0) }()
	time.Sleep(10 * time.Millisecond)
	l.Close()
	if err := <-done; !errors.Is(err, bolt.ErrClosed) {
		t.Errorf("Wait after Close = %v, want ErrClosed", err)
	}
}

func TestReplyAndPrune(t *testing.T) {
	t.Parallel()
	l, _ := tempLog(t)
	ctx := t.Context()
	if _, err := l.Commit(ctx, "cmd-1", nil, []byte(`{"status":"OK"}`)); err != nil {
		t.Fatal(err)
	}
	reply, found, err := l.Reply(ctx, "cmd-1")
	if err != nil || !found || string(reply) != `{"status":"OK"}` {
		t.Fatalf("Reply = %q, %v, %v", reply, found, err)
	}
	if _, found, _ := l.Reply(ctx, "cmd-2"); found {
		t.Error("Reply found an unknown command")
	}
	if n, err := l.PruneReplies(time.Now().Add(-time.Hour)); err != nil || n != 0 {
		t.Errorf("PruneReplies(an hour ago) = %d, %v; want 0", n, err)
	}
	if n, err := l.PruneReplies(time.Now().Add(time.Hour)); err != nil || n != 1 {
		t.Errorf("PruneReplies(in an hour) = %d, %v; want 1", n, err)
	}
	if _, found, _ := l.Reply(ctx, "cmd-1"); found {
		t.Error("reply survived pruning")
	}
}

func TestOpenLockedNamesFile(t *testing.T) {
	t.Parallel()
	_, path := tempLog(t)
	_, err := bolt.Open(path, bolt.Options{Timeout: 50 * time.Millisecond})
	if err == nil {
		t.Fatal("second Open of a locked file succeeded")
	}
	if !strings.Contains(err.Error(), path) || !strings.Contains(err.Error(), "another process") {
		t.Errorf("error %q should name %s and another process", err, path)
	}
}

func TestReadOnly(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	if _, err := bolt.Open(filepath.Join(dir, "missing.db"), bolt.Options{ReadOnly: true}); err == nil {
		t.Error("read-only Open created a missing file")
	}
	path := filepath.Join(dir, "events.db")
	l := openLog(t, path, bolt.Options{})
	if _, err := l.Commit(t.Context(), "", testEvents(t, "a", 2), nil); err != nil {
		t.Fatal(err)
	}
	l.Close()
	ro := openLog(t, path, bolt.Options{ReadOnly: true})
	if got, _ := readAll(t, ro, 1, 0); len(got) != 2 || ro.Last() != 2 {
		t.Errorf("read-only log: read %d events, Last %d; want 2", len(got), ro.Last())
	}
	if _, err := ro.Commit(t.Context(), "", testEvents(t, "b", 1), nil); err == nil {
		t.Error("Commit on a read-only log succeeded")
	}
}

func TestOptionsValidate(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		opts    bolt.Options
		wantErr bool
	}{
		{"zero takes defaults", bolt.Options{}, false},
		{"negative batch", bolt.Options{MaxBatchSize: -1}, true},
		{"negative timeout", bolt.Options{Timeout: -time.Second}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if err := tt.opts.Validate(); (err != nil) != tt.wantErr {
				t.Errorf("Validate = %v, wantErr %v", err, tt.wantErr)
			}
		})
	}
}
