package projections

import (
	"fmt"
	"strings"

	"go.etcd.io/bbolt"
)

// Seq returns the local sequence of the last event applied from external
// sources, 0 when none.
func (x *External) Seq() (uint64, error) {
	var seq uint64
	err := x.db.View(func(tx *bbolt.Tx) error {
		seq = decodeSeq(tx.Bucket([]byte(PositionsBucket)).Get([]byte(ExternalSeqKey)))
		return nil
	})
	if err != nil {
		return 0, fmt.Errorf("projections: external seq: %w", err)
	}
	return seq, nil
}

// Position returns the stored position of source, 0 when none.
func (x *External) Position(source string) (uint64, error) {
	var pos uint64
	err := x.db.View(func(tx *bbolt.Tx) error {
		pos = decodeSeq(tx.Bucket([]byte(PositionsBucket)).Get([]byte(source)))
		return nil
	})
	if err != nil {
		return 0, fmt.Errorf("projections: external position %q: %w", source, err)
	}
	return pos, nil
}

// Positions returns the stored position of every source whose name starts
// with prefix, so a consumer can resume each partition where its
// projections stand rather than where a broker thinks it stands.
func (x *External) Positions(prefix string) (map[string]uint64, error) {
	out := map[string]uint64{}
	err := x.db.View(func(tx *bbolt.Tx) error {
		c := tx.Bucket([]byte(PositionsBucket)).Cursor()
		for k, v := c.Seek([]byte(prefix)); k != nil && strings.HasPrefix(string(k), prefix); k, v = c.Next() {
			out[string(k)] = decodeSeq(v)
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("projections: external positions %q: %w", prefix, err)
	}
	return out, nil
}

// Seen reports whether the event with source and id was applied and is
// still within the dedup window, and under which local sequence.
func (x *External) Seen(source, id string) (uint64, bool, error) {
	var seq uint64
	err := x.db.View(func(tx *bbolt.Tx) error {
		seq = decodeSeq(tx.Bucket([]byte(ExternalIDsBucket)).Get(externalIDKey(source, id)))
		return nil
	})
	if err != nil {
		return 0, false, fmt.Errorf("projections: external seen %q: %w", id, err)
	}
	return seq, seq != 0, nil
}

func (x *External) names() []string {
	out := make([]string, len(x.ps))
	for i, p := range x.ps {
		out[i] = p.Name()
	}
	return out
}
