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

// walk checks the records of b from off and calls each, in order, for every
// good one. It stops at the end of b or at the first bad frame, returning
// the offset after the last good record and whether it stopped at damage
// (the caller decides, with tornAt, whether that is a torn tail).
func (w *walker) walk(b []byte, off int, each func(*checked) error) (end int, damaged bool, err error) {
	if w.batch == nil {
		w.batch = make([]checked, 0, walkBatch)
	}
	for {
		batch := w.batch[:0]
		stop := frameOK
		for len(batch) < walkBatch {
			f, st := nextFrame(b, off)
			if st != frameOK {
				stop = st
				break
			}
			batch = append(batch, checked{f: f})
			off = f.end
		}
		checkAll(b, batch, w.decode)
		for i := range batch {
			c := &batch[i]
			if c.bad {
				return c.f.off, true, nil
			}
			if err := each(c); err != nil {
				return c.f.off, false, err
			}
		}
		switch stop {
		case frameEOF:
			return off, false, nil
		case frameBad, frameShort:
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
