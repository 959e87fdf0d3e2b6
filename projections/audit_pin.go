package projections

import (
	"encoding/hex"
	"errors"
	"fmt"
	"strconv"
	"strings"
)

// pin is a head hash kept outside the database, optionally with its index.
type pin struct {
	index uint64 // 0: any index
	hash  string
	found bool
}

// FormatPin returns the "INDEX:HASH" form VerifyAuditAgainst accepts.
func FormatPin(index uint64, hash string) string {
	return strconv.FormatUint(index, 10) + ":" + hash
}

func parsePin(s string) (pin, error) {
	if s == "" {
		return pin{}, nil
	}
	var p pin
	idx, hash, ok := strings.Cut(s, ":")
	if ok {
		n, err := strconv.ParseUint(idx, 10, 64)
		if err != nil || n == 0 {
			return pin{}, fmt.Errorf("pinned head %q: index must be a positive integer", s)
		}
		p.index = n
	} else {
		hash = idx
	}
	hash = strings.ToLower(hash)
	if b, err := hex.DecodeString(hash); err != nil || len(b) != 32 {
		return pin{}, errors.New("pinned head: hash must be 64 hex digits (SHA-256)")
	}
	p.hash = hash
	return p, nil
}

func (p *pin) see(key uint64, hash string) {
	if p.hash != "" && hash == p.hash && (p.index == 0 || p.index == key) {
		p.found = true
	}
}

func (p *pin) finish(v *verifier) {
	switch {
	case p.hash == "" || p.found:
	case p.index > v.lastKey:
		v.problem(v.lastKey+1, ProblemTruncated, "the pinned head %s is beyond the end of the log at %d", FormatPin(p.index, p.hash), v.lastKey)
	case p.index > 0:
		v.problem(p.index, ProblemEdited, "record %d's hash is not the pinned %s", p.index, p.hash)
	default:
		v.problem(0, ProblemEdited, "the pinned head hash %s is in no record: the log was rewritten or truncated", p.hash)
	}
}
