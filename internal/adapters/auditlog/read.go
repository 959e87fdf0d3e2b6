package auditlog

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"time"
)

// Scan calls fn for every record with index >= from, in order, reading the
// live directory without the writer's lock. It checks each record's CRC
// and chain link as it goes; a record still being written at the end of
// the newest segment ends the scan cleanly. Records removed by retention
// are skipped: the scan starts at the oldest record still present.
func Scan(dir string, from uint64, fn func(Record) error) error {
	files, err := listSegments(dir)
	if err != nil {
		return fmt.Errorf("auditlog: scan: %w", err)
	}
	files = files[startAt(files, from):]
	var (
		c    chain
		w    = walker{decode: true}
		seen bool
	)
	each := deliver(from, fn)
	for i, sf := range files {
		s, _, err := scanFile(sf.path, i == len(files)-1, &c, &w, each)
		if errors.Is(err, os.ErrNotExist) && !seen {
			continue // removed by retention since the listing
		}
		seen = true
		if err != nil {
			return fmt.Errorf("auditlog: scan: %w", err)
		}
		if s.noHdr {
			break
		}
	}
	return nil
}

// startAt is the position of the segment holding index from.
func startAt(files []segFile, from uint64) int {
	at := 0
	for i, sf := range files {
		if sf.first <= from {
			at = i
		}
	}
	return at
}

func deliver(from uint64, fn func(Record) error) func(*checked) error {
	return func(c *checked) error {
		if c.meta.index < from {
			return nil
		}
		r := c.rec
		r.Hash = c.hash
		return fn(r)
	}
}

// FollowInterval is how often Follow looks for new records.
const FollowInterval = 200 * time.Millisecond

// Follow is Scan that does not stop at the end: like tail -f, it waits for
// new records (and new segments) until ctx ends, then returns nil.
func Follow(ctx context.Context, dir string, from uint64, fn func(Record) error) error {
	f := follower{dir: dir, each: deliver(from, fn), w: walker{decode: true}}
	for {
		files, err := listSegments(dir)
		if err != nil {
			return fmt.Errorf("auditlog: follow: %w", err)
		}
		if len(files) > 0 {
			if f.path == "" {
				sf := files[startAt(files, from)]
				f.path = sf.path
			}
			moved, err := f.poll(files)
			if err != nil {
				return fmt.Errorf("auditlog: follow: %w", err)
			}
			if moved {
				continue
			}
		}
		select {
		case <-ctx.Done():
			return nil
		case <-time.After(FollowInterval):
		}
	}
}

// follower is Follow's place in the log: a segment and an offset in it.
type follower struct {
	dir  string
	each func(*checked) error
	path string
	off  int64 // file offset of the first byte not yet consumed (0: header not read)
	c    chain
	w    walker
}

// poll consumes what has been written to the current segment and reports
// whether it moved on to the next one.
func (f *follower) poll(files []segFile) (moved bool, err error) {
	next := ""
	for i, sf := range files {
		if sf.path == f.path && i+1 < len(files) {
			next = files[i+1].path
		}
	}
	// Read after looking for a newer segment: if one exists, the current
	// one was complete before it was created, so this read sees all of it.
	if f.off == 0 {
		var c chain = f.c
		s, _, err := scanFile(f.path, next == "", &c, &f.w, f.each)
		if errors.Is(err, os.ErrNotExist) {
			f.path = "" // removed by retention before we began: start over
			return true, nil
		}
		if err != nil || s.noHdr {
			return false, err
		}
		f.c = c
		f.off = int64(s.end)
		if s.torn > 0 && next != "" {
			return false, corrupt(f.path, "bad record at offset %d", s.end)
		}
	} else {
		// What was added since the last poll: little, read whole, from
		// the start of the sector it begins in, so that tornAt judges
		// damage by the file's sectors.
		at := f.off &^ 511
		b, err := readFrom(f.path, at)
		if err != nil {
			return false, err
		}
		end, damaged, err := f.w.walk(bytesWindow(b), int(f.off-at), f.link)
		f.off = at + int64(end)
		if err != nil {
			return false, err
		}
		if damaged && (next != "" || !tornAt(b, end)) {
			return false, corrupt(f.path, "bad record at offset %d", f.off)
		}
	}
	if next == "" {
		return false, nil
	}
	f.path, f.off = next, 0
	return true, nil
}

// link checks a record read after the first poll of a segment against the
// chain, as scanSegment does for the first.
func (f *follower) link(r *checked) error {
	if r.meta.index != f.c.next || [32]byte(r.body[:prevLen]) != f.c.hash {
		return corrupt(f.path, "record %d does not follow record %d", r.meta.index, f.c.next-1)
	}
	f.c.next, f.c.hash = r.meta.index+1, r.hash
	return f.each(r)
}

// readFrom reads path from off to its end.
func readFrom(path string, off int64) ([]byte, error) {
	file, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer file.Close()
	if _, err := file.Seek(off, io.SeekStart); err != nil {
		return nil, err
	}
	return io.ReadAll(file)
}
