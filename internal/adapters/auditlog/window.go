package auditlog

import (
	"io"
	"os"
)

// windowBytes is how much of a segment file a walk reads at a time.
// Reading a whole segment (64 MiB by default) into a fresh buffer costs
// more in page faults and zeroing than the walk itself: 41 MB took 64 to
// 140 ms that way against 4 ms in 256 KiB pieces.
const windowBytes = 256 << 10

// window is the part of a segment in memory: its bytes from offset base
// on. A segment file is read a piece at a time, so a walk holds one piece
// (or one record, if larger) however big the segment; bytes already in
// memory (an archive's, a follower's) are one window that ends the segment.
type window struct {
	f     *os.File // nil when buf is all there is
	store []byte   // buf's backing array, reused as the window slides
	buf   []byte
	base  int
	eof   bool // buf ends where the segment does
	piece int  // how much to read at a time: windowBytes (tests set less)
	// sink, if set, is given every byte of the segment once, in order,
	// as the window moves past it (and the rest by drain).
	sink func([]byte) error
}

func bytesWindow(b []byte) *window { return &window{buf: b, eof: true} }

// openWindow opens a segment file and reads its first piece; a segment
// removed meanwhile is os.ErrNotExist. The caller closes it.
func openWindow(path string) (*window, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	w := &window{f: f, piece: windowBytes}
	if err := w.slide(0, maxHeaderLen); err != nil {
		f.Close()
		return nil, err
	}
	return w, nil
}

func (w *window) close() error {
	if w.f == nil {
		return nil
	}
	return w.f.Close()
}

// slide drops the bytes before off and reads on after the rest, so that
// the window holds at least need bytes from off when the segment has them.
// Slices into the window are invalid afterwards.
func (w *window) slide(off, need int) error {
	if w.eof {
		return nil
	}
	if w.sink != nil {
		if err := w.sink(w.buf[:off-w.base]); err != nil {
			return err
		}
	}
	keep := w.buf[off-w.base:]
	size := max(w.piece, need)
	if size <= len(keep) {
		size = len(keep) + w.piece
	}
	store := w.store
	if cap(store) < size {
		store = make([]byte, size)
	}
	store = store[:size]
	n := copy(store, keep) // copy moves overlapping bytes correctly
	m, err := io.ReadFull(w.f, store[n:])
	w.store, w.buf, w.base = store, store[:n+m], off
	switch err {
	case nil:
	case io.EOF, io.ErrUnexpectedEOF:
		w.eof = true
	default:
		return err
	}
	return nil
}

// drain reads the segment to its end, giving sink every byte not given yet.
func (w *window) drain() error {
	for !w.eof {
		if err := w.slide(w.base+len(w.buf), 0); err != nil {
			return err
		}
	}
	if w.sink == nil {
		return nil
	}
	err := w.sink(w.buf)
	w.buf, w.base = w.buf[len(w.buf):], w.base+len(w.buf)
	return err
}

// tail returns the segment's bytes from the 512-byte boundary at or below
// off to its end, and that boundary: what tornAt needs to judge damage at
// off. The bytes the window holds are the ones the walk saw, and the tail
// keeps them: in a live segment the writer may have put records where the
// walk found zeros since, and judging those (several batches, where the
// walk saw an unwritten tail) would call a sound log corrupt. Only the
// bytes around the window are read now. Reading a tail is rare (damage,
// or the newest segment's zero fill).
func (w *window) tail(off int) ([]byte, int, error) {
	at := off &^ 511
	if at >= w.base && w.eof {
		return w.buf[at-w.base:], at, nil
	}
	var b []byte
	if at < w.base { // records walked before the window: complete, unchanging
		b = make([]byte, w.base-at, w.base-at+len(w.buf))
		if _, err := w.f.ReadAt(b, int64(at)); err != nil {
			return nil, 0, err
		}
	}
	b = append(b, w.buf[max(at-w.base, 0):]...)
	if !w.eof {
		rest, err := io.ReadAll(io.NewSectionReader(w.f, int64(w.base+len(w.buf)), 1<<62))
		if err != nil {
			return nil, 0, err
		}
		b = append(b, rest...)
	}
	return b, at, nil
}

// size is the segment's length in bytes.
func (w *window) size() (int64, error) {
	if w.eof {
		return int64(w.base + len(w.buf)), nil
	}
	st, err := w.f.Stat()
	if err != nil {
		return 0, err
	}
	return st.Size(), nil
}
