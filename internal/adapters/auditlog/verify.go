package auditlog

import (
	"encoding/hex"
	"errors"
	"fmt"
	"os"
)

// VerifySummary is what Verify checked.
type VerifySummary struct {
	First, Last uint64   // indexes of the first and last record verified (0, 0: none)
	Head        [32]byte // hash of Last: compare it with a head pinned elsewhere
	Records     int64    // distinct records checked; a record both archived and still live counts once
	Archives    int
	Segments    int   // segments checked, archived and live
	TornBytes   int64 // bytes at the live tail still being written, not checked
}

// Verify checks every record's checksum, canonical encoding and chain link
// across archives (oldest first, as written by Export) and then the live
// segments in dir ("" for archives only). Records missing between two
// inputs are an error; records present in both an archive and the live
// directory must be the same. The first input's first record is taken on
// trust (older archives may be gone): pin the head to detect a rewrite.
// Errors about the stored bytes wrap ErrCorrupt.
//
// Damage at the very end of the newest segment is indistinguishable from a
// record being written (or torn by a crash): it ends the walk and is
// reported as TornBytes, not as an error. A forged last record is caught
// by comparing Head with a pinned head or an archive manifest.
func Verify(dir string, archives []string) (VerifySummary, error) {
	var (
		sum VerifySummary
		c   chain
		w   walker
	)
	count := func(r *checked) error {
		if sum.First == 0 {
			sum.First = r.meta.index
		}
		sum.Records++
		return nil
	}
	for _, a := range archives {
		m, _, err := readArchive(a, func(name string, b []byte) error {
			sum.Segments++
			_, err := scanSegment(bytesWindow(b), a+":"+name, false, &c, &w, count)
			return err
		})
		if err != nil {
			return sum, fmt.Errorf("auditlog: verify: %w", err)
		}
		if m.Last != c.next-1 || m.Head != hex.EncodeToString(c.hash[:]) {
			return sum, fmt.Errorf("auditlog: verify: %w", corrupt(a, "its manifest names head %d %s, its records end at %d %x", m.Last, m.Head, c.next-1, c.hash))
		}
		sum.Archives++
	}
	if dir != "" {
		files, err := listSegments(dir)
		if err != nil {
			return sum, fmt.Errorf("auditlog: verify: %w", err)
		}
		live := 0
		for i, sf := range files {
			s, _, err := scanFile(sf.path, i == len(files)-1, &c, &w, count)
			if errors.Is(err, os.ErrNotExist) && live == 0 {
				continue // removed by retention since the listing
			}
			live++
			sum.Segments++
			if err != nil {
				return sum, fmt.Errorf("auditlog: verify: %w", err)
			}
			sum.TornBytes += int64(s.torn)
		}
	}
	if sum.Records > 0 || c.next > 0 {
		sum.Last, sum.Head = c.next-1, c.hash
	}
	return sum, nil
}
