package projections

import (
	"encoding/json"
	"fmt"
	"slices"
	"time"

	"go.etcd.io/bbolt"
)

// tailChunk bounds how many records one read transaction copies out; fn runs
// outside the transaction so a slow reader never holds the database.
const tailChunk = 256

// AuditFilter selects audit records. Zero fields match everything.
type AuditFilter struct {
	Tenant string
	Types  []string  // any of these event types
	Since  time.Time // records at or after Since
	Until  time.Time // records before Until
	Limit  int       // > 0: only the newest Limit matches, like tail -n
}

func (f AuditFilter) match(r Record) bool {
	return (f.Tenant == "" || r.Tenant == f.Tenant) &&
		(len(f.Types) == 0 || slices.Contains(f.Types, r.Type)) &&
		(f.Since.IsZero() || !r.Time.Before(f.Since)) &&
		(f.Until.IsZero() || r.Time.Before(f.Until))
}

// TailAudit calls fn for the records matching f, oldest first. A record that
// does not decode is an error: run VerifyAudit to find out what happened.
func TailAudit(db *bbolt.DB, f AuditFilter, fn func(Record) error) error {
	if f.Limit > 0 {
		return tailNewest(db, f, fn)
	}
	var next []byte
	for {
		var chunk []Record
		err := db.View(func(tx *bbolt.Tx) error {
			var err error
			chunk, next, err = scanForward(tx, f, next)
			return err
		})
		if err != nil {
			return fmt.Errorf("audit tail: %w", err)
		}
		for _, r := range chunk {
			if err := fn(r); err != nil {
				return fmt.Errorf("audit tail: record %d: %w", r.Index, err)
			}
		}
		if next == nil {
			return nil
		}
	}
}

// scanForward collects up to tailChunk matches from key from (nil: the
// first) and returns the key to continue at, nil at the end.
func scanForward(tx *bbolt.Tx, f AuditFilter, from []byte) ([]Record, []byte, error) {
	b := tx.Bucket([]byte(AuditBucket))
	if b == nil {
		return nil, nil, nil
	}
	c := b.Cursor()
	k, v := c.First()
	if from != nil {
		k, v = c.Seek(from)
	}
	var out []Record
	for ; k != nil; k, v = c.Next() {
		if len(out) == tailChunk {
			return out, append([]byte(nil), k...), nil
		}
		r, err := decodeRecord(k, v)
		if err != nil {
			return nil, nil, err
		}
		if f.match(r) {
			out = append(out, r)
		}
	}
	return out, nil, nil
}

func tailNewest(db *bbolt.DB, f AuditFilter, fn func(Record) error) error {
	var out []Record
	err := db.View(func(tx *bbolt.Tx) error {
		b := tx.Bucket([]byte(AuditBucket))
		if b == nil {
			return nil
		}
		c := b.Cursor()
		for k, v := c.Last(); k != nil && len(out) < f.Limit; k, v = c.Prev() {
			r, err := decodeRecord(k, v)
			if err != nil {
				return err
			}
			if f.match(r) {
				out = append(out, r)
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("audit tail: %w", err)
	}
	slices.Reverse(out)
	for _, r := range out {
		if err := fn(r); err != nil {
			return fmt.Errorf("audit tail: record %d: %w", r.Index, err)
		}
	}
	return nil
}

func decodeRecord(k, v []byte) (Record, error) {
	var r Record
	if err := json.Unmarshal(v, &r); err != nil {
		return r, fmt.Errorf("record at key %x: %w", k, err)
	}
	return r, nil
}
