package projections

// FastIntact exposes the verifier's fast check to tests.
func FastIntact(val []byte) bool {
	var f fastCheck
	_, _, _, ok := f.intact(val)
	return ok
}
