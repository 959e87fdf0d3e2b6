package auditread

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/hypo-registry/registry/events"
	"github.com/hypo-registry/registry/handlers"
)

// Page sizes of ReadAudit. A page examines at most MaxExamined records,
// so a tenant admin whose records are few in a large log still gets an
// answer in bounded time: a page with fewer records than asked, More set.
const (
	DefaultLimit = 100
	MaxLimit     = 1000
	MaxExamined  = 100_000
)

// ReadAudit reads a page of the audit log, oldest first: the records the
// caller may see that match every filter given.
type ReadAudit struct {
	handlers.Auth
	Types   []string  `json:"types,omitempty"` // any of these types
	Subject string    `json:"subject,omitempty"`
	Since   time.Time `json:"since,omitzero"` // at or after
	Until   time.Time `json:"until,omitzero"` // before
	Cursor  string    `json:"cursor,omitempty"`
	Limit   int       `json:"limit,omitempty"` // 0: DefaultLimit
}

// AuditPage is ReadAudit's reply. Next is where the following page starts:
// with More the page stopped at its limit and more records may be waiting;
// without, it reached the end of the log, and Next is where new records
// will be found (a follower polls with it). Instance names whose log it is.
type AuditPage struct {
	Instance string   `json:"instance"`
	Records  []Record `json:"records"`
	Next     string   `json:"next,omitempty"`
	More     bool     `json:"more"`
}

// errPageFull stops the scan once a page has its records.
var errPageFull = errors.New("page full")

// Read handles ReadAudit.
func (h *Handlers) Read(ctx context.Context, q ReadAudit) (handlers.Result, error) {
	const op = "read audit"
	c := q.Caller
	if err := h.requireAdmin(c, op); err != nil {
		return handlers.Result{}, err
	}
	limit := q.Limit
	switch {
	case limit == 0:
		limit = DefaultLimit
	case limit < 0 || limit > MaxLimit:
		return handlers.Result{}, fmt.Errorf("%s: %w: limit %d: want 1 to %d", op, handlers.ErrInvalid, limit, MaxLimit)
	}
	if !q.Since.IsZero() && !q.Until.IsZero() && !q.Since.Before(q.Until) {
		return handlers.Result{}, fmt.Errorf("%s: %w: since must be before until", op, handlers.ErrInvalid)
	}
	after, err := decodeCursor(h.instance, q.Cursor)
	if err != nil {
		return handlers.Result{}, fmt.Errorf("%s: %w", op, err)
	}

	page := AuditPage{Instance: h.instance, Records: []Record{}}
	last := after // the last record examined, seen or not
	examined := 0
	err = h.log.Scan(after+1, func(r Record) error {
		if len(page.Records) == limit || examined == MaxExamined {
			page.More = true
			return errPageFull
		}
		if err := ctx.Err(); err != nil {
			return err
		}
		examined++
		last = r.Index
		if h.visible(c, r) && q.matches(r) {
			page.Records = append(page.Records, r)
		}
		return nil
	})
	if err != nil && !errors.Is(err, errPageFull) {
		return handlers.Result{}, fmt.Errorf("%s: %w: audit log: %v", op, handlers.ErrUnavailable, err)
	}
	if last > 0 {
		page.Next = encodeCursor(h.instance, last)
	}
	return handlers.Result{
		Events: []events.Outcome{{
			Type: events.AuditRecordsRead, Tenant: c.Tenant, Subject: auditSubject(c),
			Data: map[string]any{"count": len(page.Records), "actor": c.Subject},
		}},
		Reply: page,
	}, nil
}

func (q ReadAudit) matches(r Record) bool {
	return (len(q.Types) == 0 || slices.Contains(q.Types, r.Type)) &&
		(q.Subject == "" || r.Subject == q.Subject) &&
		(q.Since.IsZero() || !r.Time.Before(q.Since)) &&
		(q.Until.IsZero() || r.Time.Before(q.Until))
}

// auditSubject names what an audit read is about: the caller's tenant's
// audit trail.
func auditSubject(c handlers.Caller) string {
	if c.Tenant == "" {
		return "audit"
	}
	return c.Tenant + "/audit"
}
