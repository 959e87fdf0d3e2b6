// Package auditread answers reads of the audit log itself: pages of its
// records for an admin, and the state of its hash chain for the platform
// admin. Both are queries, so each read is audited like any other.
//
// Who sees what: the platform admin every record; a tenant admin only the
// records whose tenant is its own (a record of no tenant is the platform's);
// anyone else nothing. The filter is applied to every record of every page,
// whatever cursor the caller sends: a cursor is only a position in the log.
package auditread

import (
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/hypo-registry/registry/handlers"
)

// Log is the audit log as this package reads it.
type Log interface {
	// Scan calls fn for every record with index >= from, in order, and
	// stops at the first error fn returns (returning it).
	Scan(from uint64, fn func(Record) error) error
	// Verify checks the live log's chain. A damaged log is a Chain with
	// Problem set, not an error; err is for a log that cannot be read.
	Verify() (Chain, error)
}

// Record is one record of the audit log as stored: its fields and its
// place in the chain. Data is as the log holds it (secret strings are
// already HMACs).
type Record struct {
	Index         uint64          `json:"index"`
	Time          time.Time       `json:"time"`
	Type          string          `json:"type"`
	ID            string          `json:"id,omitempty"`
	Tenant        string          `json:"tenant,omitempty"`
	Subject       string          `json:"subject,omitempty"`
	CorrelationID string          `json:"correlationId,omitempty"`
	CausationID   string          `json:"causationId,omitempty"`
	EventSeq      uint64          `json:"eventSeq,omitempty"`
	Data          json.RawMessage `json:"data,omitempty"`
	Prev          string          `json:"prev"`
	Hash          string          `json:"hash"`
}

// Chain is what verifying the live log found.
type Chain struct {
	Instance  string `json:"instance"` // whose log this is
	OK        bool   `json:"ok"`
	Records   int64  `json:"records"`
	First     uint64 `json:"first"`
	Last      uint64 `json:"last"`
	Head      string `json:"head,omitempty"` // hash of Last, hex
	Segments  int    `json:"segments"`
	TornBytes int64  `json:"tornBytes"`         // bytes still being written at the tail, not checked
	Problem   string `json:"problem,omitempty"` // the first damage found, when not OK
}

// Roles names the two admin roles: a tenant admin reads its tenant's
// records, the platform admin every record and the chain.
type Roles struct {
	Admin    string
	Platform string
}

// Handlers answer the audit reads over one log: the log of the instance
// named instance (every instance keeps its own).
type Handlers struct {
	log      Log
	roles    Roles
	instance string
}

// NewHandlers refuses a nil log, an unnamed role or instance.
func NewHandlers(log Log, roles Roles, instance string) (*Handlers, error) {
	if log == nil || roles.Admin == "" || roles.Platform == "" || instance == "" {
		return nil, errors.New("auditread: a log, both admin roles and the instance id are required")
	}
	return &Handlers{log: log, roles: roles, instance: instance}, nil
}

func (h *Handlers) isPlatform(c handlers.Caller) bool { return c.HasRole(h.roles.Platform) }

// visible is the rule of who sees a record, applied to every record read.
func (h *Handlers) visible(c handlers.Caller, r Record) bool {
	return h.isPlatform(c) || (c.Tenant != "" && r.Tenant == c.Tenant)
}

// requireAdmin refuses a caller that is neither a tenant nor the platform
// admin.
func (h *Handlers) requireAdmin(c handlers.Caller, op string) error {
	if !h.isPlatform(c) && (!c.HasRole(h.roles.Admin) || c.Tenant == "") {
		return fmt.Errorf("%s: %w: role %q or %q required", op, handlers.ErrForbidden, h.roles.Admin, h.roles.Platform)
	}
	return nil
}
