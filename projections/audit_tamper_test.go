package projections_test

import (
	"encoding/binary"
	"encoding/json"
	"testing"

	"go.etcd.io/bbolt"

	"github.com/hypo-registry/registry/projections"
)

func key(i uint64) []byte { return binary.BigEndian.AppendUint64(nil, i) }

// tamper edits a copy of a clean 10-record audit log.
type tamper func(t *testing.T, tx *bbolt.Tx)

func editRecord(i uint64, rehash bool) tamper {
	return func(t *testing.T, tx *bbolt.Tx) {
		b := tx.Bucket([]byte(projections.AuditBucket))
		var r projections.Record
		if err := json.Unmarshal(b.Get(key(i)), &r); err != nil {
			t.Fatal(err)
		}
		r.Data = json.RawMessage(`{"name":"forged"}`)
		if rehash {
			h, err := r.Digest()
			if err != nil {
				t.Fatal(err)
			}
			r.Hash = h
		}
		v, _ := json.Marshal(r)
		if err := b.Put(key(i), v); err != nil {
			t.Fatal(err)
		}
	}
}

func deleteRecords(is ...uint64) tamper {
	return func(t *testing.T, tx *bbolt.Tx) {
		for _, i := range is {
			if err := tx.Bucket([]byte(projections.AuditBucket)).Delete(key(i)); err != nil {
				t.Fatal(err)
			}
		}
	}
}

func swapRecords(i, j uint64) tamper {
	return func(t *testing.T, tx *bbolt.Tx) {
		b := tx.Bucket([]byte(projections.AuditBucket))
		vi, vj := append([]byte(nil), b.Get(key(i))...), append([]byte(nil), b.Get(key(j))...)
		if err := b.Put(key(i), vj); err != nil {
			t.Fatal(err)
		}
		if err := b.Put(key(j), vi); err != nil {
			t.Fatal(err)
		}
	}
}

// swapRenumbered swaps records i and i+1 and renumbers them: Index and Hash
// are rewritten to fit the new place, each record keeps its own prev link.
func swapRenumbered(i uint64) tamper {
	return func(t *testing.T, tx *bbolt.Tx) {
		b := tx.Bucket([]byte(projections.AuditBucket))
		get := func(k uint64) projections.Record {
			var r projections.Record
			if k > 0 {
				if err := json.Unmarshal(b.Get(key(k)), &r); err != nil {
					t.Fatal(err)
				}
			}
			return r
		}
		before, first, second := get(i-1), get(i), get(i+1)
		second.Index, first.Index = i, i+1
		if second.Prev != first.Hash || first.Prev != before.Hash {
			t.Fatal("fixture chain is not what the swap assumes")
		}
		for _, r := range []*projections.Record{&second, &first} {
			var err error
			if r.Hash, err = r.Digest(); err != nil {
				t.Fatal(err)
			}
			v, _ := json.Marshal(r)
			if err := b.Put(key(r.Index), v); err != nil {
				t.Fatal(err)
			}
		}
	}
}

func deleteHead(t *testing.T, tx *bbolt.Tx) {
	if err := tx.DeleteBucket([]byte(projections.AuditHeadBucket)); err != nil {
		t.Fatal(err)
	}
}
