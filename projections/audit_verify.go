package projections

import (
	"encoding/json"
	"fmt"
	"sync"

	"go.etcd.io/bbolt"
)

// Kinds of audit problem.
const (
	ProblemEdited    = "edited"    // content differs from what was hashed
	ProblemDropped   = "dropped"   // a record is missing inside the log
	ProblemReordered = "reordered" // a record sits at another record's index
	ProblemTruncated = "truncated" // records are missing from the end
)

// AuditReport is the result of verifying the audit log.
type AuditReport struct {
	Records  int    // records present
	Head     uint64 // last index according to the stored head, 0 if none
	HeadHash string // hash according to the stored head; pin it elsewhere
	Problems []AuditProblem
}

// AuditProblem names one finding. Index is the record concerned; for
// "truncated" it is the first index missing from the end of the log, and 0
// when no index can be named.
type AuditProblem struct {
	Index  uint64
	Kind   string
	Detail string
}

// VerifyAudit checks every record's hash, the index sequence, the prev-hash
// chain and the head, and names each problem it finds.
func VerifyAudit(db *bbolt.DB) (AuditReport, error) {
	return VerifyAuditAgainst(db, "")
}

// VerifyAuditAgainst is VerifyAudit plus a check against a head the operator
// kept elsewhere, "HASH" or "INDEX:HASH" as printed by registryctl audit
// verify. Without the pin, someone who rewrites the whole chain and its head
// consistently goes unnoticed; with it, the pinned record must still be in
// the log (which may have grown since).
func VerifyAuditAgainst(db *bbolt.DB, expectedHead string) (AuditReport, error) {
	v, err := newVerifier(expectedHead)
	if err != nil {
		return AuditReport{}, fmt.Errorf("audit verify: %w", err)
	}
	err = db.View(func(tx *bbolt.Tx) error {
		if b := tx.Bucket([]byte(AuditBucket)); b != nil {
			v.walk(b)
		}
		head, found, err := readAuditHead(tx)
		if err != nil {
			v.problem(0, ProblemEdited, "the audit head does not decode: %v", err)
			return nil
		}
		v.finish(head, found)
		return nil
	})
	if err != nil {
		return AuditReport{}, fmt.Errorf("audit verify: %w", err)
	}
	return v.rep, nil
}

// verifier walks the records in key order, keeping only what the chain
// checks need, so verifying does not load the log into memory.
type verifier struct {
	rep                    AuditReport
	expect                 uint64 // the index the next record should have
	prevHash, prevPrevHash string
	skipChain              bool   // the previous entry already explains a break
	pending                uint64 // a chain break at this index, judged at the next record
	lastKey                uint64
	lastHash               string
	pin                    pin
	fast                   fastCheck
}

func newVerifier(expectedHead string) (*verifier, error) {
	p, err := parsePin(expectedHead)
	if err != nil {
		return nil, err
	}
	return &verifier{expect: 1, pin: p}, nil
}

// problem records a finding once per index and kind: two checks that see
// the same damage (the head and a pin, say) give one line.
func (v *verifier) problem(index uint64, kind, format string, args ...any) {
	for _, p := range v.rep.Problems {
		if p.Index == index && p.Kind == kind {
			return
		}
	}
	v.rep.Problems = append(v.rep.Problems, AuditProblem{Index: index, Kind: kind, Detail: fmt.Sprintf(format, args...)})
}

// fastResult is what fastCheck.intact found for one record.
type fastResult struct {
	index      uint64
	prev, hash string
	ok         bool
}

// walkBatch is how many records walk hashes at once, half of them on a
// second goroutine: the hashing is most of a verify's CPU.
const walkBatch = 1024

// walk checks every record of b in key order. The fast check of a batch
// runs on two goroutines; the chain checks then run in order on this one.
// Keys and values stay valid while the read transaction is open.
func (v *verifier) walk(b *bbolt.Bucket) {
	var (
		keys, vals [][]byte
		res        = make([]fastResult, walkBatch)
		other      fastCheck
		wg         sync.WaitGroup
	)
	check := func(f *fastCheck, from, to int) {
		for i := from; i < to; i++ {
			r := &res[i]
			r.index, r.prev, r.hash, r.ok = f.intact(vals[i])
		}
	}
	c := b.Cursor()
	k, val := c.First()
	for k != nil {
		keys, vals = keys[:0], vals[:0]
		for ; k != nil && len(keys) < walkBatch; k, val = c.Next() {
			keys, vals = append(keys, k), append(vals, val)
		}
		half := len(keys) / 2
		wg.Add(1)
		go func() {
			defer wg.Done()
			check(&other, 0, half)
		}()
		check(&v.fast, half, len(keys))
		wg.Wait()
		for i := range keys {
			v.check(keys[i], vals[i], res[i])
		}
	}
}

// check checks one record, given fastCheck.intact's result for its value.
func (v *verifier) check(k, val []byte, fast fastResult) {
	if len(k) != 8 {
		v.problem(0, ProblemEdited, "key %x is not an 8-byte index", k)
		v.skipChain = true
		return
	}
	key := decodeSeq(k)
	v.rep.Records++
	chain := !v.skipChain
	v.skipChain = false
	if key > v.expect {
		v.dropped(v.expect, key-1)
		chain = false
	}
	v.expect = key + 1
	var r Record
	if fast.ok {
		r.Index, r.Prev, r.Hash = fast.index, fast.prev, fast.hash
	} else {
		if err := json.Unmarshal(val, &r); err != nil {
			v.resolve(key, r, false)
			v.problem(key, ProblemEdited, "record %d does not decode: %v", key, err)
			v.advance(key, "")
			v.skipChain = true
			return
		}
		if h, err := r.Digest(); err != nil || h != r.Hash {
			v.problem(key, ProblemEdited, "record %d's content does not match its hash %s", key, r.Hash)
		}
	}
	if r.Index != key {
		v.problem(key, ProblemReordered, "index %d holds the record that says it is %d", key, r.Index)
		v.skipChain = true
		chain = false
	}
	if v.pending != 0 && v.resolve(key, r, chain) {
		chain = false
	}
	if chain && r.Prev != v.prevHash {
		v.pending = key
	}
	v.pin.see(key, r.Hash)
	v.advance(key, r.Hash)
}

func (v *verifier) advance(key uint64, hash string) {
	v.prevPrevHash, v.prevHash = v.prevHash, hash
	v.lastKey, v.lastHash = key, hash
}

func (v *verifier) dropped(from, to uint64) {
	if from == to {
		v.problem(from, ProblemDropped, "record %d is missing", from)
		return
	}
	v.problem(from, ProblemDropped, "records %d to %d are missing", from, to)
}

func (v *verifier) finish(head auditHead, found bool) {
	v.resolve(0, Record{}, false)
	v.rep.Head, v.rep.HeadHash = head.Index, head.Hash
	switch {
	case !found && v.rep.Records > 0:
		v.problem(v.lastKey+1, ProblemTruncated, "the audit head is missing while %d records are present: the end of the log cannot be vouched for", v.rep.Records)
	case !found:
	case head.Index > v.lastKey:
		v.problem(v.lastKey+1, ProblemTruncated, "the head says the log ends at %d, it ends at %d", head.Index, v.lastKey)
	case head.Index < v.lastKey:
		v.problem(head.Index+1, ProblemEdited, "records %d to %d lie beyond the head: written outside the projection", head.Index+1, v.lastKey)
	case head.Hash != v.lastHash:
		v.problem(v.lastKey, ProblemEdited, "the head's hash %s is not record %d's hash %s", head.Hash, v.lastKey, v.lastHash)
	}
	v.pin.finish(v)
}
