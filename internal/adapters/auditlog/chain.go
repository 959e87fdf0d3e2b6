package auditlog

import (
	"errors"
)

// chain follows the records across segments: the index the next record
// must have, the hash it must name as prev, and the highest event seq seen.
type chain struct {
	next uint64 // 0 until the first segment is seen
	hash [32]byte
	seq  uint64
}

// segScan is what scanSegment found in one segment's bytes.
type segScan struct {
	hdr     header
	hdrLen  int
	noHdr   bool // the newest segment's header is still being written (or was torn)
	end     int  // offset after the last good record
	torn    int  // bytes after end that are a torn tail (newest segment only; its zero fill is not)
	records int
}

// scanSegment checks the segment in w (read from path) against c and calls
// each for every record that extends c. Records the chain has already seen
// (a live segment that was exported to an archive verified before it) are
// checked among themselves and must end at c's head. In the newest
// segment, damage that tornAt recognises ends the walk cleanly.
func scanSegment(win *window, path string, newest bool, c *chain, w *walker, each func(*checked) error) (segScan, error) {
	var s segScan
	h, n, err := decodeHeader(win.buf) // openWindow read a whole header
	if err != nil {
		if newest && errors.Is(err, errShortHeader) {
			s.noHdr = true
			return s, nil
		}
		return s, corrupt(path, "%v", err)
	}
	s.hdr, s.hdrLen = h, n
	var zero [32]byte
	switch {
	case c.next == 0:
		if h.first == 1 && h.prev != zero {
			return s, corrupt(path, "the first segment names a previous hash")
		}
	case h.first > c.next:
		return s, corrupt(path, "records %d to %d are missing before it", c.next, h.first-1)
	case h.first == c.next && h.prev != c.hash:
		return s, corrupt(path, "its previous hash does not match record %d", h.first-1)
	}
	if h.first == 0 {
		return s, corrupt(path, "first index 0")
	}
	join, joinHash := c.next, c.hash // records below join were seen before
	if c.next == 0 || h.first == c.next {
		join = 0
		c.next, c.hash = h.first, h.prev
	}
	c.seq = max(c.seq, h.seqBefore)
	local := chain{next: h.first, hash: h.prev}
	end, damaged, err := w.walk(win, n, func(r *checked) error {
		if r.meta.index != local.next {
			return corrupt(path, "record %d found where record %d belongs", r.meta.index, local.next)
		}
		if [32]byte(r.body[:prevLen]) != local.hash {
			return corrupt(path, "record %d does not link to record %d", r.meta.index, r.meta.index-1)
		}
		local.next, local.hash = r.meta.index+1, r.hash
		s.records++
		if r.meta.index < join {
			if r.meta.index == join-1 && r.hash != joinHash {
				return corrupt(path, "record %d differs from the copy verified before it", r.meta.index)
			}
			return nil
		}
		c.next, c.hash, c.seq = local.next, local.hash, max(c.seq, r.meta.eventSeq)
		if each != nil {
			return each(r)
		}
		return nil
	})
	s.end = end
	if err != nil {
		return s, err
	}
	if damaged {
		bad := func() error { return corrupt(path, "bad record at offset %d, after record %d", end, local.next-1) }
		if !newest {
			return s, bad()
		}
		b, at, err := win.tail(end)
		if err != nil {
			return s, err
		}
		if !tornAt(b, end-at) {
			return s, bad()
		}
		s.torn = max(at+dataEnd(b)-end, 0) // zeros after the last record are preallocated, not torn
	}
	return s, nil
}

// scanFile is scanSegment over the segment file at path, read a piece at a
// time; a segment removed meanwhile is os.ErrNotExist. It also returns the
// file's size.
func scanFile(path string, newest bool, c *chain, w *walker, each func(*checked) error) (segScan, int64, error) {
	win, err := openWindow(path)
	if err != nil {
		return segScan{}, 0, err
	}
	defer win.close()
	s, err := scanSegment(win, path, newest, c, w, each)
	if err != nil {
		return s, 0, err
	}
	size, err := win.size()
	return s, size, err
}
