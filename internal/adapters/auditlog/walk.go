package auditlog

import (
	"crypto/sha256"
	"sync"
)

// walkBatch is how many records a walk checks at once, half of them on a
// second goroutine: hashing is most of a scan's or verify's CPU.
const walkBatch = 1024

// checked is one record after the parallel checks.
type checked struct {
	f    frame
	body []byte
	hash [32]byte
	meta bodyMeta
	bad  bool   // CRC mismatch or a body that is not canonical
	rec  Record // decoded when the walker decodes
}

func (c *checked) check(b []byte, decode bool) {
	c.body = b[c.f.body:c.f.end]
	if !c.f.crcOK(b) {
		c.bad = true
		return
	}
	var r *Record
	if decode {
		r = &c.rec
	}
	m, err := scanBody(c.body, r)
	if err != nil {
		c.bad = true
		return
	}
	c.meta, c.hash = m, sha256.Sum256(c.body)
}

// walker holds a walk's buffers between segments.
type walker struct {
	batch  []checked
	decode bool // also decode each record into checked.rec, in parallel
}

// walk checks the records of w from offset off and calls each, in order,
// for every good one, sliding the window along as it goes. It stops at the
// end of the segment or at the first bad frame, returning the offset after
// the last good record and whether it stopped at damage (the caller
// decides, with tornAt, whether that is a torn tail).
func (wk *walker) walk(w *window, off int, each func(*checked) error) (end int, damaged bool, err error) {
	if wk.batch == nil {
		wk.batch = make([]checked, 0, walkBatch)
	}
	for {
		b := w.buf
		batch := wk.batch[:0]
		stop, need := frameOK, 0
		for len(batch) < walkBatch {
			f, st := nextFrame(b, off-w.base)
			if st != frameOK {
				stop, need = st, f.end-f.off
				break
			}
			batch = append(batch, checked{f: f})
			off = w.base + f.end
		}
		checkAll(b, batch, wk.decode)
		for i := range batch {
			c := &batch[i]
			if c.bad {
				return w.base + c.f.off, true, nil
			}
			if err := each(c); err != nil {
				return w.base + c.f.off, false, err
			}
		}
		switch {
		case stop == frameOK:
		case (stop == frameEOF || stop == frameShort) && !w.eof:
			// The window ends inside the segment: read on from the
			// first byte not yet walked (the batch is done with b).
			if err := w.slide(off, need); err != nil {
				return off, false, err
			}
		case stop == frameEOF:
			return off, false, nil
		default:
			return off, true, nil
		}
	}
}

func checkAll(b []byte, batch []checked, decode bool) {
	if len(batch) < 64 {
		for i := range batch {
			batch[i].check(b, decode)
		}
		return
	}
	half := len(batch) / 2
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		for i := range batch[:half] {
			batch[i].check(b, decode)
		}
	}()
	for i := half; i < len(batch); i++ {
		batch[i].check(b, decode)
	}
	wg.Wait()
}
