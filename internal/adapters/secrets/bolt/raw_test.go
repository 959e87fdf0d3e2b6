package bolt_test

import (
	"bytes"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"
)

// These helpers read the closed store file with bbolt directly, as an
// attacker with the file would. They find sealed versions by their key
// form "<path>#v<n>" in whichever bucket holds them, so they do not depend
// on bucket names.

// rawVersions returns every sealed version in file, by key.
func rawVersions(t *testing.T, file string) map[string][]byte {
	t.Helper()
	out := map[string][]byte{}
	rawDo(t, file, true, func(tx *bolt.Tx) error {
		return tx.ForEach(func(_ []byte, b *bolt.Bucket) error {
			return b.ForEach(func(k, v []byte) error {
				if bytes.Contains(k, []byte("#v")) {
					out[string(k)] = bytes.Clone(v)
				}
				return nil
			})
		})
	})
	return out
}

// rawCopy overwrites the sealed value at key to with the one at key from.
func rawCopy(t *testing.T, file, from, to string) {
	t.Helper()
	rawDo(t, file, false, func(tx *bolt.Tx) error {
		return tx.ForEach(func(_ []byte, b *bolt.Bucket) error {
			v := b.Get([]byte(from))
			if v == nil {
				return nil
			}
			if b.Get([]byte(to)) == nil {
				t.Fatalf("no stored value at %s", to)
			}
			return b.Put([]byte(to), bytes.Clone(v))
		})
	})
}

func rawDo(t *testing.T, file string, readOnly bool, fn func(*bolt.Tx) error) {
	t.Helper()
	db, err := bolt.Open(file, 0o600, &bolt.Options{ReadOnly: readOnly, Timeout: time.Second})
	if err != nil {
		t.Fatalf("raw open: %v", err)
	}
	defer db.Close()
	do := db.Update
	if readOnly {
		do = db.View
	}
	if err := do(fn); err != nil {
		t.Fatalf("raw access: %v", err)
	}
}
