package app

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/hypo-registry/registry/events"
	"github.com/hypo-registry/registry/internal/adapters/auditlog"
	"github.com/hypo-registry/registry/internal/app/datadir"
	"github.com/hypo-registry/registry/internal/query"
)

// AuditConfig bounds the audit log (DataDir/audit): segments
// sealed past SegmentBytes, and removed once exported (registryctl audit
// export) and older than Retention or while the log exceeds MaxBytes.
type AuditConfig struct {
	// Retention keeps exported segments this long; 0 keeps them until
	// MaxBytes needs the room (REGISTRY_AUDIT_RETENTION).
	Retention time.Duration
	// MaxBytes bounds the log's size on disk, counting only what may be
	// removed: a segment not yet exported stays (REGISTRY_AUDIT_MAX_BYTES).
	MaxBytes int64
	// SegmentBytes seals a segment past this size. Default 64 MiB
	// (REGISTRY_AUDIT_SEGMENT_BYTES).
	SegmentBytes int64
	// CommitDelay bounds how long the audit log holds a sync open for
	// reads in progress (auditlog.Options.CommitDelay; 0: its default,
	// negative: never) (REGISTRY_AUDIT_COMMIT_DELAY).
	CommitDelay time.Duration

	// holdAlways holds the audit log's batches whatever the CPU
	// (auditlog.Options.HoldAlways): tests of the hold set it
	// (HoldAuditAlways).
	holdAlways bool
}

// auditEnforceInterval is how often retention runs.
const auditEnforceInterval = time.Minute

func (c AuditConfig) validate() error {
	var errs []error
	if c.Retention < 0 {
		errs = append(errs, fmt.Errorf("REGISTRY_AUDIT_RETENTION %s: must not be negative", c.Retention))
	}
	if c.MaxBytes < 0 {
		errs = append(errs, fmt.Errorf("REGISTRY_AUDIT_MAX_BYTES %d: must not be negative", c.MaxBytes))
	}
	if c.SegmentBytes < 0 {
		errs = append(errs, fmt.Errorf("REGISTRY_AUDIT_SEGMENT_BYTES %d: must not be negative", c.SegmentBytes))
	}
	return errors.Join(errs...)
}

// openAudit opens the audit log in the data directory and the feed that
// appends the local event log's command events to it. Call it after
// openEventLog.
func (s *Service) openAudit() error {
	l, err := auditlog.Open(auditlog.Options{
		Dir: datadir.Path(s.cfg.DataDir, datadir.AuditDir), Source: events.Source,
		SegmentBytes: s.cfg.Audit.SegmentBytes, CommitDelay: s.cfg.Audit.CommitDelay, Retention: s.cfg.Audit.Retention, MaxBytes: s.cfg.Audit.MaxBytes,
		HoldAlways: s.cfg.Audit.holdAlways, Cores: float64(Cores()),
	})
	if err != nil {
		return fmt.Errorf("audit log: %w", err)
	}
	if n := l.Recovered(); n > 0 {
		s.logger.Warn("audit log: a torn tail from a crash was cut off", "bytes", n)
	}
	s.audit = l
	s.closers = append(s.closers, l.Close)
	var src localEvents = s.events
	if s.kafka != nil {
		src = s.kafka.Outbox()
	}
	if s.auditFeed, err = newAuditFeed(src, l, s.cfg.HeartbeatAudit, s.logger); err != nil {
		return err
	}
	if s.kafka != nil {
		s.kafka.HoldTrim(s.auditFeed.position)
	}
	if s.runner != nil {
		s.compactor = newEventCompactor(s.events, s.compactionBound)
	}
	return nil
}

// WaitAudit returns once the audit log holds every command event committed
// so far (queries' records are durable before their answer).
func (s *Service) WaitAudit(ctx context.Context) error {
	var last uint64
	if s.kafka != nil {
		last = s.kafka.Outbox().Last()
	} else {
		last = s.events.Last()
	}
	return s.auditFeed.waitFor(ctx, last)
}

// enforceAudit removes what retention allows; segments waiting for an
// export are reported, not removed.
func (s *Service) enforceAudit(context.Context) error {
	n, err := s.audit.Enforce()
	if n > 0 {
		s.logger.Info("audit log: exported segments removed by retention", "segments", n)
	}
	if errors.Is(err, auditlog.ErrNotExported) {
		s.logger.Warn("audit log: segments due for removal wait for `registryctl audit export`", "detail", err)
		return nil
	}
	return err
}

// queryAudit appends a query's audit records to the audit log: one lean
// record per outcome, secret fields HMAC'd as in every event, durable on
// return, concurrent queries sharing one fdatasync (group commit).
type queryAudit struct {
	log      *auditlog.Log
	redactor mapRedactor
	now      func() time.Time
}

// mapRedactor is redact.Hasher's CopyMap: CopyJSON of the data's JSON,
// built from the map without encoding and parsing it first.
type mapRedactor interface {
	CopyMap(m map[string]any, clear map[string]bool) ([]byte, error)
}

// Expect announces a query's Record (auditlog.Log.Expect): concurrent
// queries then share a sync.
func (a queryAudit) Expect() { a.log.Expect() }

// Unexpect withdraws an Expect for a query that ended without a Record.
func (a queryAudit) Unexpect() { a.log.Unexpect() }

func (a queryAudit) Record(ctx context.Context, m query.Meta, outcomes []events.Outcome) error {
	if len(outcomes) == 0 {
		a.log.Unexpect()
		return nil
	}
	at := a.now()
	entries := make([]auditlog.Entry, 0, len(outcomes))
	for _, o := range outcomes {
		safe, err := a.redactor.CopyMap(o.Data, events.ClearFields)
		if err != nil {
			a.log.Unexpect()
			return fmt.Errorf("audit %s: redact: %w", o.Type, err)
		}
		entries = append(entries, auditlog.Entry{
			Time: at, Type: o.Type, Tenant: o.Tenant, Subject: o.Subject,
			CorrelationID: m.CorrelationID, Data: safe,
		})
	}
	_, err := a.log.AppendExpected(ctx, entries...)
	return err
}

// AuditDir is the directory of the audit log.
func (s *Service) AuditDir() string { return datadir.Path(s.cfg.DataDir, datadir.AuditDir) }

// AuditLog exposes the audit log (tests stop it to check that a
// query fails closed).
func (s *Service) AuditLog() *auditlog.Log { return s.audit }
