package projections

import "go.etcd.io/bbolt"

// The dedup window: the ids of the last window events applied, so that an
// event published twice (a producer retry, a republish) is applied once.

// SetDedupWindow sets how many recently applied event ids are remembered
// (default DefaultExternalDedupWindow). Call it before Apply.
func (x *External) SetDedupWindow(n int) {
	if n > 0 {
		x.window = uint64(n)
	}
}

// prune forgets the ids of events more than window sequences old.
func (x *External) prune(tx *bbolt.Tx, seq uint64) error {
	if seq <= x.window {
		return nil
	}
	limit := seq - x.window
	ids := tx.Bucket([]byte(ExternalIDsBucket))
	c := tx.Bucket([]byte(ExternalSeqsBucket)).Cursor()
	for k, v := c.First(); k != nil && decodeSeq(k) <= limit; k, v = c.First() {
		if err := ids.Delete(v); err != nil {
			return err
		}
		if err := c.Delete(); err != nil {
			return err
		}
	}
	return nil
}

// CloudEvents makes source + id unique, not id alone.
func externalIDKey(source, id string) []byte { return []byte(source + "\x00" + id) }
