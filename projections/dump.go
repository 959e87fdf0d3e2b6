package projections

import (
	"fmt"

	"go.etcd.io/bbolt"
)

// DumpBuckets returns the content of the named top-level buckets (all of
// them when none is named) as bucket -> key -> value, so that tests and
// operators can compare a replayed database with the live one. A missing
// bucket is absent from the result; a nested bucket is shown as a value
// "<bucket>" rather than descended into.
func DumpBuckets(db *bbolt.DB, buckets ...string) (map[string]map[string]string, error) {
	out := map[string]map[string]string{}
	err := db.View(func(tx *bbolt.Tx) error {
		names := buckets
		if len(names) == 0 {
			if err := tx.ForEach(func(name []byte, _ *bbolt.Bucket) error {
				names = append(names, string(name))
				return nil
			}); err != nil {
				return err
			}
		}
		for _, name := range names {
			b := tx.Bucket([]byte(name))
			if b == nil {
				continue
			}
			m := map[string]string{}
			if err := b.ForEach(func(k, v []byte) error {
				if v == nil {
					m[string(k)] = "<bucket>"
				} else {
					m[string(k)] = string(v)
				}
				return nil
			}); err != nil {
				return err
			}
			out[name] = m
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("projections: dump buckets: %w", err)
	}
	return out, nil
}
