package handlers

import "github.com/hypo-registry/registry/events"

// Command is implemented by every command: it says whom it acts for.
type Command interface {
	Who() Caller
}

// Auth is embedded in every command.
type Auth struct {
	Caller Caller `json:"caller"`
}

// Who returns the caller the command acts for.
func (a Auth) Who() Caller { return a.Caller }

// Result is what a handler returns: the outcome events and the reply for the
// caller. Event data may name secret fields; the bus HMACs their values
// before the events exist. Reply is marshalled to JSON for the caller only.
type Result struct {
	Events []events.Outcome
	Reply  any
	// Committed, when set, is called once with whether the events became
	// durable: true before the caller is answered, false when they never
	// will from this handling (the commit failed, a retry replaces it). A
	// handler shows its change to this instance's reads there, ahead of
	// the read models.
	Committed func(durable bool)
}
