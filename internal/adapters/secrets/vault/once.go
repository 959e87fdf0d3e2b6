package vault

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"maps"
	"net/http"

	"github.com/hypo-registry/registry/handlers"
	"github.com/hypo-registry/registry/internal/secretpath"
)

// Intents is a durable record of what a command is about to do to Vault,
// kept where the command's events and reply are committed (the local event
// log or Kafka outbox): Vault cannot store a write and a marker of its
// command in one request, so the intent is written ahead of it.
type Intents interface {
	// Intend records, durably before it returns, that the command change
	// named by key will produce version (0 for a destroy).
	Intend(ctx context.Context, key string, version int) error
	// Intended returns the version recorded for key.
	Intended(ctx context.Context, key string) (version int, found bool, err error)
}

// UseIntents makes every write and destroy within a command
// (handlers.CommandID) happen once however often the command runs: before
// writing, the store records the command and the version its write will
// create, and writes with check-and-set on the version before it; a command
// run again after a crash finds its intent, sees that version in Vault
// holding its data, and returns it instead of writing again. Call it before
// the store is used.
func (s *Store) UseIntents(i Intents) { s.intents = i }

// Vault ops recorded as intents.
const (
	opWrite   = "write"
	opDestroy = "destroy"
)

// intentKey names one change of p by the command in ctx; "" when there is
// no command or no intent log.
func (s *Store) intentKey(ctx context.Context, op string, p secretpath.Path) string {
	id := handlers.CommandID(ctx)
	if id == "" || s.intents == nil {
		return ""
	}
	return id + "\x00" + op + "\x00" + s.cfg.Mount + "/" + p.String()
}

// casAttempts bounds how often a write without cas re-reads the current
// version when another writer got in between its read and its write.
const casAttempts = 3

// writeOnce is Write within a command: it returns the version the command
// wrote already, or writes with an intent ahead.
func (s *Store) writeOnce(ctx context.Context, c handlers.Caller, p secretpath.Path, data handlers.SecretData, cas *int, key string) (handlers.SecretMetadata, error) {
	v, found, err := s.intents.Intended(ctx, key)
	if err != nil {
		return handlers.SecretMetadata{}, fmt.Errorf("%w: read intent: %w", handlers.ErrUnavailable, err)
	}
	if found {
		if meta, ok, err := s.writtenBefore(ctx, c, p, v, data); err != nil || ok {
			return meta, err
		}
	}
	// The current version read for the mark is also an unconditional
	// write's first base: no metadata read for it.
	var current *int
	if !found {
		meta, ok, cur, known, err := s.writtenByCommand(ctx, c, p, key)
		if err != nil || ok {
			// ok: another instance ran this command first and died before
			// answering; its intent was in its own outbox, its mark is here.
			return meta, err
		}
		if known {
			current = &cur
		}
	}
	marked := maps.Clone(data)
	marked[commandKey] = commandMark(key)
	data = marked
	for attempt := 1; ; attempt++ {
		base := cas
		if base == nil && attempt == 1 && current != nil {
			base = current
		}
		if base == nil {
			cur, err := s.currentVersion(ctx, c, p)
			if err != nil {
				return handlers.SecretMetadata{}, err
			}
			base = &cur
		}
		if err := s.intents.Intend(ctx, key, *base+1); err != nil {
			return handlers.SecretMetadata{}, fmt.Errorf("%w: record intent: %w", handlers.ErrUnavailable, err)
		}
		if err := handlers.Step(ctx, handlers.StepStoreIntent); err != nil {
			return handlers.SecretMetadata{}, err
		}
		meta, err := s.put(ctx, c, p, data, base)
		// Without cas the caller asked for an unconditional write: a
		// writer that got in first is not a conflict, read again.
		if cas == nil && errors.Is(err, handlers.ErrConflict) && attempt < casAttempts {
			continue
		}
		return meta, err
	}
}

// writtenBefore reports whether version v of p holds data: then this
// command's intended write happened (with cas on v-1 only one write can
// have made v; one holding other data was someone else's) and its
// metadata as of that write is returned.
func (s *Store) writtenBefore(ctx context.Context, c handlers.Caller, p secretpath.Path, v int, data handlers.SecretData) (handlers.SecretMetadata, bool, error) {
	sec, err := s.Read(ctx, c, p, v)
	if errors.Is(err, handlers.ErrNotFound) {
		return handlers.SecretMetadata{}, false, nil
	}
	if err != nil {
		return handlers.SecretMetadata{}, false, err
	}
	if sec.Version != v || !maps.Equal(sec.Data, data) {
		return handlers.SecretMetadata{}, false, nil
	}
	return asOf(sec.Metadata, v, sec.Metadata.Versions[v].CreatedTime), true, nil
}

// commandKey is the data key a write within a command stores beside the
// secret's values: commandMark of the command's intent key. It makes the
// command's write recognisable from Vault alone, in the same request as
// the write: an instance that takes over a redelivered command from one
// that died after writing (whose intent was in its own outbox) finds the
// current version marked with the command and does not write again.
// Reads strip it, and a caller's data may not use it (secretpath.CheckData).
const commandKey = secretpath.ReservedDataKey

// commandMark names a command's write without its id: the SHA-256 of the
// intent key, hex.
func commandMark(key string) string {
	sum := sha256.Sum256([]byte(key))
	return hex.EncodeToString(sum[:])
}

// writtenByCommand reports whether p's current version was written by the
// command of key (it carries its mark), and its metadata as of that write.
// Otherwise it tells p's current version when the read shows it (known:
// 0 for no secret; a deleted current version is not shown). Only the
// current version is looked at: a command taken over after another
// command wrote p again is not recognised.
func (s *Store) writtenByCommand(ctx context.Context, c handlers.Caller, p secretpath.Path, key string) (meta handlers.SecretMetadata, ok bool, current int, known bool, err error) {
	raw, err := s.do(ctx, c, call{method: http.MethodGet, path: s.kvPath("data", p), idempotent: true})
	if err == nil {
		var d kvData
		if d, err = decode[kvData](raw, "data"); err == nil && d.Metadata != nil && !d.Metadata.Destroyed && d.Metadata.DeletionTime == "" {
			if secretMark(d.Data) != commandMark(key) {
				return handlers.SecretMetadata{}, false, d.Metadata.Version, true, nil
			}
			m, err := s.metadata(ctx, c, p)
			if err != nil {
				return handlers.SecretMetadata{}, false, 0, false, err
			}
			v := d.Metadata.Version
			return asOf(m, v, m.Versions[v].CreatedTime), true, 0, false, nil
		}
	}
	if errors.Is(err, handlers.ErrNotFound) || err == nil {
		// No secret, or its current version deleted: the metadata says
		// which (currentVersion).
		return handlers.SecretMetadata{}, false, 0, false, nil
	}
	return handlers.SecretMetadata{}, false, 0, false, err
}

// currentVersion is p's current version, 0 when p has none.
func (s *Store) currentVersion(ctx context.Context, c handlers.Caller, p secretpath.Path) (int, error) {
	meta, err := s.metadata(ctx, c, p)
	switch {
	case errors.Is(err, handlers.ErrNotFound):
		return 0, nil
	case err != nil:
		return 0, err
	}
	return meta.CurrentVersion, nil
}

// destroyedBefore reports whether this command recorded a destroy of p
// that has happened: p is gone.
func (s *Store) destroyedBefore(ctx context.Context, c handlers.Caller, p secretpath.Path, key string) (bool, error) {
	if key == "" {
		return false, nil
	}
	_, found, err := s.intents.Intended(ctx, key)
	if err != nil {
		return false, fmt.Errorf("%w: read intent: %w", handlers.ErrUnavailable, err)
	}
	if !found {
		return false, nil
	}
	_, err = s.metadata(ctx, c, p)
	if errors.Is(err, handlers.ErrNotFound) {
		return true, nil
	}
	return false, err
}
