package projections

import (
	"errors"
	"fmt"
)

var (
	// ErrUnknownProjection: no projection of that name is registered.
	ErrUnknownProjection = errors.New("unknown projection")
	// ErrNotFresh: Replay was given a database that already holds positions.
	ErrNotFresh = errors.New("destination is not fresh")
)

// ApplyError reports the event a projection failed on. The projection's
// position stays before Seq, so the event is retried, never skipped.
type ApplyError struct {
	Projection string
	Seq        uint64
	Type       string
	Err        error
}

func (e *ApplyError) Error() string {
	return fmt.Sprintf("projection %s: apply event %d (%s): %v", e.Projection, e.Seq, e.Type, e.Err)
}

func (e *ApplyError) Unwrap() error { return e.Err }
