package projections

// A chain break is a record whose prev link is not the hash of the record
// before it while both records are intact on their own: someone rewrote a
// record and recomputed its hash, or moved records and renumbered them.
// Which one shows only at the record after the break, so the verifier notes
// the break (pending) and judges it there.

// resolve judges a pending break at index p = v.pending, given the next
// record r at key (eligible: r decoded, sits at key p+1 and is chained).
// If r links to the record before p, records p and p+1 were swapped and
// renumbered; otherwise the record before p was rewritten. It reports
// whether r's own chain check is already accounted for.
func (v *verifier) resolve(key uint64, r Record, eligible bool) bool {
	p := v.pending
	if p == 0 {
		return false
	}
	v.pending = 0
	if eligible && key == p+1 && r.Prev == v.prevPrevHash {
		v.problem(p, ProblemReordered, "records %d and %d were swapped and renumbered: record %d does not link to record %d", p, key, p, p-1)
		v.problem(key, ProblemReordered, "records %d and %d were swapped and renumbered: record %d links to record %d", p, key, key, p-1)
		v.skipChain = true // the record after the pair links to the moved one
		return true
	}
	if p == 1 {
		v.problem(1, ProblemEdited, "record 1 links to a previous record: it was rewritten, or records before it were removed and the rest renumbered")
		return false
	}
	v.problem(p-1, ProblemEdited, "record %d's hash is not the prev link of record %d: record %d was rewritten, or records were removed and the rest renumbered", p-1, p, p-1)
	return false
}
