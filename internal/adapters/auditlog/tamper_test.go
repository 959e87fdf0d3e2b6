package auditlog_test

import (
	"bytes"
	"encoding/binary"
	"errors"
	"hash/crc32"
	"os"
	"path/filepath"
	"testing"

	"github.com/hypo-registry/registry/internal/adapters/auditlog"
)

// frames parses a segment by the documented format: the header's length
// and each record frame's [start, end).
func frames(t *testing.T, b []byte) (hdr int, fr [][2]int) {
	t.Helper()
	p := 8 + 1 + 8 + 32 + 8 + 8
	n, k := binary.Uvarint(b[p:])
	hdr = p + k + int(n) + 4
	for off := hdr; off < len(b); {
		if len(bytes.TrimRight(b[off:], "\x00")) == 0 {
			break // the open segment's preallocated zeros
		}
		n, k := binary.Uvarint(b[off:])
		end := off + k + 4 + int(n)
		if k <= 0 || end > len(b) {
			t.Fatalf("frame at %d does not parse", off)
		}
		fr = append(fr, [2]int{off, end})
		off = end
	}
	return hdr, fr
}

// fixCRC recomputes the CRC of the frame at f, as a forger would.
func fixCRC(b []byte, f [2]int) {
	_, k := binary.Uvarint(b[f[0]:])
	body := b[f[0]+k+4 : f[1]]
	binary.LittleEndian.PutUint32(b[f[0]+k:], crc32.Checksum(body, crc32.MakeTable(crc32.Castagnoli)))
}

// sampleLog writes 200 records over about ten segments and closes it.
func sampleLog(t *testing.T) (dir string, segs []string) {
	t.Helper()
	dir = t.TempDir()
	l := open(t, auditlog.Options{Dir: dir, SegmentBytes: 4096})
	appendN(t, l, 0, 200)
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
	segs, _ = filepath.Glob(filepath.Join(dir, "seg-*.log"))
	if len(segs) < 5 {
		t.Fatalf("%d segments", len(segs))
	}
	return dir, segs
}

func editFile(t *testing.T, path string, edit func([]byte) []byte) {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, edit(b), 0o600); err != nil {
		t.Fatal(err)
	}
}

func TestVerifyDetectsTampering(t *testing.T) {
	t.Parallel()
	for name, tamper := range map[string]func(t *testing.T, segs []string){
		"edited byte": func(t *testing.T, segs []string) {
			editFile(t, segs[2], func(b []byte) []byte {
				_, fr := frames(t, b)
				b[fr[3][1]-5] ^= 1
				return b
			})
		},
		"edited byte, checksum forged": func(t *testing.T, segs []string) {
			editFile(t, segs[2], func(b []byte) []byte {
				_, fr := frames(t, b)
				b[fr[3][1]-5] ^= 1
				fixCRC(b, fr[3])
				return b
			})
		},
		"deleted record": func(t *testing.T, segs []string) {
			editFile(t, segs[2], func(b []byte) []byte {
				_, fr := frames(t, b)
				return append(b[:fr[3][0]:fr[3][0]], b[fr[3][1]:]...)
			})
		},
		"reordered pair": func(t *testing.T, segs []string) {
			editFile(t, segs[2], func(b []byte) []byte {
				_, fr := frames(t, b)
				out := append([]byte(nil), b[:fr[3][0]]...)
				out = append(out, b[fr[4][0]:fr[4][1]]...)
				out = append(out, b[fr[3][0]:fr[3][1]]...)
				return append(out, b[fr[4][1]:]...)
			})
		},
		"last record of a sealed segment edited, checksum forged": func(t *testing.T, segs []string) {
			editFile(t, segs[2], func(b []byte) []byte {
				_, fr := frames(t, b)
				last := fr[len(fr)-1]
				b[last[1]-3] ^= 1
				fixCRC(b, last)
				return b
			})
		},
		"removed middle segment": func(t *testing.T, segs []string) {
			if err := os.Remove(segs[3]); err != nil {
				t.Fatal(err)
			}
		},
		"edited record inside the open segment": func(t *testing.T, segs []string) {
			editFile(t, segs[len(segs)-1], func(b []byte) []byte {
				_, fr := frames(t, b)
				b[fr[0][1]-5] ^= 1
				return b
			})
		},
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			dir, segs := sampleLog(t)
			if _, err := auditlog.Verify(dir, nil); err != nil {
				t.Fatalf("Verify before tampering: %v", err)
			}
			tamper(t, segs)
			if sum, err := auditlog.Verify(dir, nil); !errors.Is(err, auditlog.ErrCorrupt) {
				t.Fatalf("Verify: %+v, %v; want ErrCorrupt", sum, err)
			}
			if err := auditlog.Scan(dir, 1, func(auditlog.Record) error { return nil }); !errors.Is(err, auditlog.ErrCorrupt) {
				t.Fatalf("Scan: %v; want ErrCorrupt", err)
			}
		})
	}
}

func TestOpenRefusesCorruptionBeforeTheTail(t *testing.T) {
	t.Parallel()
	dir, segs := sampleLog(t)
	editFile(t, segs[len(segs)-1], func(b []byte) []byte {
		_, fr := frames(t, b)
		b[fr[0][1]-5] ^= 1
		return b
	})
	if _, err := auditlog.Open(auditlog.Options{Dir: dir}); !errors.Is(err, auditlog.ErrCorrupt) {
		t.Fatalf("Open: %v, want ErrCorrupt", err)
	}
}

func TestTornTailRecovered(t *testing.T) {
	t.Parallel()
	for name, tail := range map[string]func(last []byte) []byte{
		"partial record": func(last []byte) []byte { return last[:len(last)/2] },
		"length only":    func(last []byte) []byte { return last[:1] },
		"whole record, bad checksum": func(last []byte) []byte {
			b := bytes.Clone(last)
			b[len(b)-1] ^= 1
			return b
		},
		// A batch being copied in: its first bytes, then the zero fill.
		"partial record before zeros": func(last []byte) []byte {
			return append(bytes.Clone(last[:len(last)/2]), make([]byte, 3000)...)
		},
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			dir, segs := sampleLog(t)
			newest := segs[len(segs)-1]
			var torn int
			editFile(t, newest, func(b []byte) []byte {
				_, fr := frames(t, b)
				last := fr[len(fr)-1]
				extra := tail(b[last[0]:last[1]])
				torn = len(bytes.TrimRight(extra, "\x00"))
				return append(b[:last[1]], extra...)
			})
			// A reader stops cleanly before the torn tail.
			sum, err := auditlog.Verify(dir, nil)
			if err != nil || sum.Last != 200 || sum.TornBytes != int64(torn) {
				t.Fatalf("Verify: %+v, %v; want last 200, %d torn bytes", sum, err, torn)
			}
			l := open(t, auditlog.Options{Dir: dir, SegmentBytes: 4096})
			if h, _ := l.Head(); h != 200 || l.Recovered() != int64(torn) {
				t.Fatalf("head %d, recovered %d; want 200, %d", h, l.Recovered(), torn)
			}
			appendN(t, l, 200, 3)
			if sum, err := auditlog.Verify(dir, nil); err != nil || sum.Last != 203 || sum.TornBytes != 0 {
				t.Fatalf("Verify after recovery: %+v, %v", sum, err)
			}
		})
	}
}

// A crash in the middle of a batch can leave a page of it unwritten (zeros)
// with later pages written: everything from the first damaged record on was
// never acknowledged, so recovery drops it.
func TestTornTailWithHoleRecovered(t *testing.T) {
	t.Parallel()
	recoversFromCrash(t, func(b []byte, fr [][2]int) (keep int) {
		for i := len(fr) - 10; i < len(fr); i++ {
			if a := (fr[i][0]/512 + 1) * 512; a < fr[i][1] {
				clear(b[a:min(a+1024, len(b))])
				return i
			}
		}
		t.Fatal("no record spans a sector boundary")
		return 0
	})
}

// recoversFromCrash writes 60 records, lets crash damage the segment's
// bytes the way a crash in the last batch could, and checks that readers
// stop and recovery cuts at the record crash returns (its index in fr,
// which is also how many records stay).
func recoversFromCrash(t *testing.T, crash func(b []byte, fr [][2]int) (keep int)) {
	t.Helper()
	dir := t.TempDir()
	l := open(t, auditlog.Options{Dir: dir})
	appendN(t, l, 0, 60)
	l.Close()
	var keep uint64
	editFile(t, filepath.Join(dir, "seg-00000000000000000001.log"), func(b []byte) []byte {
		_, fr := frames(t, b)
		keep = uint64(crash(b, fr))
		return b
	})
	if sum, err := auditlog.Verify(dir, nil); err != nil || sum.Last != keep {
		t.Fatalf("Verify: %+v, %v; want last %d", sum, err, keep)
	}
	l = open(t, auditlog.Options{Dir: dir})
	if h, _ := l.Head(); h != keep || l.Recovered() == 0 {
		t.Fatalf("head %d recovered %d, want %d and some", h, l.Recovered(), keep)
	}
}

// The open segment is zero-filled ahead of its records: the zeros are
// neither records nor a torn tail, and the writer goes on over them after
// a restart.
func TestPreallocatedZerosAreNotATail(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	l := open(t, auditlog.Options{Dir: dir})
	appendN(t, l, 0, 50)
	logical, _, _ := l.Size()
	l.Close()
	path := filepath.Join(dir, "seg-00000000000000000001.log")
	st, err := os.Stat(path)
	if err != nil || st.Size() <= logical {
		t.Fatalf("file %v %v, records end at %d: want zeros preallocated after them", st, err, logical)
	}
	if sum, err := auditlog.Verify(dir, nil); err != nil || sum.Last != 50 || sum.TornBytes != 0 {
		t.Fatalf("Verify: %+v, %v; want last 50 and no torn bytes", sum, err)
	}
	l = open(t, auditlog.Options{Dir: dir})
	if h, _ := l.Head(); h != 50 || l.Recovered() != 0 {
		t.Fatalf("head %d, recovered %d; want 50, 0", h, l.Recovered())
	}
	appendN(t, l, 50, 5)
	if sum, err := auditlog.Verify(dir, nil); err != nil || sum.Last != 55 {
		t.Fatalf("Verify after reopening: %+v, %v", sum, err)
	}
}

// A sealed segment ends at its last record: the zero fill is cut off when
// the segment is sealed, so exports and readers of sealed segments see
// records only.
func TestSealedSegmentsEndAtTheirLastRecord(t *testing.T) {
	t.Parallel()
	_, segs := sampleLog(t)
	for _, path := range segs[:len(segs)-1] {
		b, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		if _, fr := frames(t, b); len(fr) == 0 || fr[len(fr)-1][1] != len(b) {
			t.Fatalf("%s: %d bytes, last record ends at %v", filepath.Base(path), len(b), fr[len(fr)-1:])
		}
	}
}

// A crash can persist a later page of the last batch but not the page its
// first record starts in: that page reads as it was, the end of the last
// acknowledged record followed by zeros. The batch was never acknowledged,
// so recovery drops everything from its first record on.
func TestTornTailWithLostFirstPageRecovered(t *testing.T) {
	t.Parallel()
	recoversFromCrash(t, func(b []byte, fr [][2]int) (keep int) {
		for i := len(fr) - 20; i < len(fr); i++ {
			if start := fr[i][0]; start%512 != 0 && (start|4095)+1 < fr[len(fr)-1][1] {
				clear(b[start : (start|4095)+1])
				return i
			}
		}
		t.Fatal("no record starts inside a page before the last one")
		return 0
	})
}
